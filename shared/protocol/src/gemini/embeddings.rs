//! `models/{model}:embedContent` and `:batchEmbedContents` bodies.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::types::Content;

/// `:embedContent` body, and each entry of a batch (where `model` is required).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EmbedContentRequest {
    /// `models/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default)]
    pub content: Content,
    /// `RETRIEVAL_QUERY`, `RETRIEVAL_DOCUMENT`, `SEMANTIC_SIMILARITY`, ...
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "task_type")]
    pub task_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "output_dimensionality"
    )]
    pub output_dimensionality: Option<u32>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `:batchEmbedContents` body.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BatchEmbedContentsRequest {
    #[serde(default)]
    pub requests: Vec<EmbedContentRequest>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One embedding vector.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ContentEmbedding {
    #[serde(default)]
    pub values: Vec<f32>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `:embedContent` response.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EmbedContentResponse {
    #[serde(default)]
    pub embedding: ContentEmbedding,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `:batchEmbedContents` response, one embedding per request in order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BatchEmbedContentsResponse {
    #[serde(default)]
    pub embeddings: Vec<ContentEmbedding>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
