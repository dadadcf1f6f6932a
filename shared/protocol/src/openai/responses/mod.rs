//! OpenAI Responses wire models.
//!
//! `request` (`POST /v1/responses`, also the count-tokens body), `response` (the response
//! object and the count-tokens answer), `stream` (the event set), `items` / `content` / `tools`
//! (the shapes both sides share).

pub mod content;
pub mod items;
pub mod request;
pub mod response;
pub mod stream;
pub mod tools;

#[cfg(test)]
mod tests;

pub use content::{
    ContentPart, Extra, InputFile, InputImage, Message, MessageContent, MessageType, OutputText,
    RefusalPart, Role, TextPart,
};
pub use items::{
    CustomToolCall, CustomToolCallOutput, FunctionCall, FunctionCallOutput, Item, ItemReference,
    ReasoningItem, SummaryPart, ToolOutput, WebSearchCall,
};
pub use request::{Input, Instructions, Request};
pub use response::{
    IncompleteDetails, InputTokens, InputTokensDetails, OutputTokensDetails, Response,
    ResponseError, Usage,
};
pub use stream::StreamEvent;
pub use tools::{
    CustomTool, FunctionTool, JsonSchemaFormat, NamedToolChoice, NamespaceTool, ReasoningConfig,
    TextConfig, TextFormat, Tool, ToolChoice,
};
