//! Anthropic Messages wire models: request, response, stream events, count tokens, models and
//! error bodies. Unknown fields survive in `extra`; unknown block, tool, event and delta types
//! in `Unknown` variants.

pub mod error;
pub mod models;
pub mod request;
pub mod response;
pub mod stream;
pub mod types;

pub use error::{ErrorBody, ErrorDetail};
pub use models::{ModelInfo, ModelList};
pub use request::{
    CountTokensRequest, CustomTool, Message, MessageContent, MessagesRequest, Metadata,
    OutputConfig, Role, System, Thinking, ThinkingEnabled, ThinkingOptions, Tool, ToolChoice,
    ToolChoiceOptions, ToolChoiceTool,
};
pub use response::{CountTokensResponse, MessageResponse, OutputTokensDetails, StopReason, Usage};
pub use stream::{
    BlockDelta, ContentBlockDelta, ContentBlockStart, ContentBlockStop, Empty, ErrorEvent,
    MessageDelta, MessageDeltaBody, MessageStart, StreamEvent,
};
pub use types::{
    ContainerUploadBlock, ContentBlock, DocumentBlock, Extra, ImageBlock, MediaSource,
    MidConvSystemBlock, RedactedThinkingBlock, SearchResultBlock, ServerToolResultBlock,
    ServerToolUseBlock, TextBlock, ThinkingBlock, ToolResultBlock, ToolResultContent, ToolUseBlock,
};

#[cfg(test)]
mod tests;
