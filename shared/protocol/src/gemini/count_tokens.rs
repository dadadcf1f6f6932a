//! `models/{model}:countTokens` request and response.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::request::GenerateContentRequest;
use super::response::ModalityTokenCount;
use super::types::Content;

/// Either bare `contents`, or a whole `generateContentRequest` (with its `model`) so system
/// instruction and tools are counted too. The two are exclusive.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CountTokensRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contents: Option<Vec<Content>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "generate_content_request"
    )]
    pub generate_content_request: Option<GenerateContentRequest>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CountTokensResponse {
    #[serde(default, alias = "total_tokens")]
    pub total_tokens: u64,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "cached_content_token_count"
    )]
    pub cached_content_token_count: Option<u64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "prompt_tokens_details"
    )]
    pub prompt_tokens_details: Option<Vec<ModalityTokenCount>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "cache_tokens_details"
    )]
    pub cache_tokens_details: Option<Vec<ModalityTokenCount>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
