//! Gemini wire models (AI Studio `generativelanguage.googleapis.com` `v1` / `v1beta`).

pub mod count_tokens;
pub mod embeddings;
pub mod error;
pub mod models;
pub mod request;
pub mod response;
pub mod types;

#[cfg(test)]
mod tests;

pub use count_tokens::{CountTokensRequest, CountTokensResponse};
pub use embeddings::{
    BatchEmbedContentsRequest, BatchEmbedContentsResponse, ContentEmbedding, EmbedContentRequest,
    EmbedContentResponse,
};
pub use error::{ErrorResponse, ErrorStatus};
pub use models::{ListModelsResponse, Model};
pub use request::{
    FunctionCallingConfig, FunctionCallingMode, FunctionDeclaration, GenerateContentRequest,
    GenerationConfig, SafetySetting, ThinkingConfig, Tool, ToolConfig,
};
pub use response::{
    Candidate, FinishReason, GenerateContentResponse, ModalityTokenCount, PromptFeedback,
    UsageMetadata,
};
pub use types::{
    Blob, CodeExecutionResult, Content, ExecutableCode, FileData, FunctionCall, FunctionResponse,
    Part,
};
