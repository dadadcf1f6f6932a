//! `generateContent` response body; each `streamGenerateContent?alt=sse` chunk is one of these too.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use super::types::Content;

/// The response (or one stream chunk: then `candidates` holds only the new parts, and
/// `finishReason` / full `usageMetadata` come on the last chunk).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateContentResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub candidates: Option<Vec<Candidate>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "prompt_feedback"
    )]
    pub prompt_feedback: Option<PromptFeedback>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "usage_metadata"
    )]
    pub usage_metadata: Option<UsageMetadata>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "model_version"
    )]
    pub model_version: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "response_id"
    )]
    pub response_id: Option<String>,
    /// RFC 3339 (Vertex AI sends it; AI Studio does not).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "create_time"
    )]
    pub create_time: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One candidate answer. `content` is absent when the candidate was blocked.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Candidate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "finish_reason"
    )]
    pub finish_reason: Option<FinishReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "safety_ratings"
    )]
    pub safety_ratings: Option<Vec<Value>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "citation_metadata"
    )]
    pub citation_metadata: Option<Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "grounding_metadata"
    )]
    pub grounding_metadata: Option<Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "finish_message"
    )]
    pub finish_message: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "avg_logprobs"
    )]
    pub avg_logprobs: Option<Number>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "logprobs_result"
    )]
    pub logprobs_result: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Why a candidate stopped. Reasons the API adds later are kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FinishReason {
    FinishReasonUnspecified,
    Stop,
    MaxTokens,
    Safety,
    Recitation,
    Language,
    Other,
    Blocklist,
    ProhibitedContent,
    Spii,
    MalformedFunctionCall,
    ImageSafety,
    UnexpectedToolCall,
    TooManyToolCalls,
    #[serde(untagged)]
    Unknown(String),
}

impl FinishReason {
    /// The wire spelling.
    pub fn as_str(&self) -> &str {
        match self {
            FinishReason::FinishReasonUnspecified => "FINISH_REASON_UNSPECIFIED",
            FinishReason::Stop => "STOP",
            FinishReason::MaxTokens => "MAX_TOKENS",
            FinishReason::Safety => "SAFETY",
            FinishReason::Recitation => "RECITATION",
            FinishReason::Language => "LANGUAGE",
            FinishReason::Other => "OTHER",
            FinishReason::Blocklist => "BLOCKLIST",
            FinishReason::ProhibitedContent => "PROHIBITED_CONTENT",
            FinishReason::Spii => "SPII",
            FinishReason::MalformedFunctionCall => "MALFORMED_FUNCTION_CALL",
            FinishReason::ImageSafety => "IMAGE_SAFETY",
            FinishReason::UnexpectedToolCall => "UNEXPECTED_TOOL_CALL",
            FinishReason::TooManyToolCalls => "TOO_MANY_TOOL_CALLS",
            FinishReason::Unknown(s) => s,
        }
    }

    /// Parse the wire spelling; anything unknown is kept as [`FinishReason::Unknown`].
    pub fn parse(s: &str) -> Self {
        match s {
            "FINISH_REASON_UNSPECIFIED" => FinishReason::FinishReasonUnspecified,
            "STOP" => FinishReason::Stop,
            "MAX_TOKENS" => FinishReason::MaxTokens,
            "SAFETY" => FinishReason::Safety,
            "RECITATION" => FinishReason::Recitation,
            "LANGUAGE" => FinishReason::Language,
            "OTHER" => FinishReason::Other,
            "BLOCKLIST" => FinishReason::Blocklist,
            "PROHIBITED_CONTENT" => FinishReason::ProhibitedContent,
            "SPII" => FinishReason::Spii,
            "MALFORMED_FUNCTION_CALL" => FinishReason::MalformedFunctionCall,
            "IMAGE_SAFETY" => FinishReason::ImageSafety,
            "UNEXPECTED_TOOL_CALL" => FinishReason::UnexpectedToolCall,
            "TOO_MANY_TOOL_CALLS" => FinishReason::TooManyToolCalls,
            other => FinishReason::Unknown(other.to_owned()),
        }
    }
}

/// Why the prompt itself was blocked (no candidates then).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PromptFeedback {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "block_reason"
    )]
    pub block_reason: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "safety_ratings"
    )]
    pub safety_ratings: Option<Vec<Value>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Token usage. `promptTokenCount` includes `cachedContentTokenCount`; `candidatesTokenCount`
/// excludes `thoughtsTokenCount`; the total adds prompt, candidates, tool-use prompt and thoughts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageMetadata {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "prompt_token_count"
    )]
    pub prompt_token_count: Option<u64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "candidates_token_count"
    )]
    pub candidates_token_count: Option<u64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "total_token_count"
    )]
    pub total_token_count: Option<u64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "cached_content_token_count"
    )]
    pub cached_content_token_count: Option<u64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "thoughts_token_count"
    )]
    pub thoughts_token_count: Option<u64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "tool_use_prompt_token_count"
    )]
    pub tool_use_prompt_token_count: Option<u64>,
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
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "candidates_tokens_details"
    )]
    pub candidates_tokens_details: Option<Vec<ModalityTokenCount>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "tool_use_prompt_tokens_details"
    )]
    pub tool_use_prompt_tokens_details: Option<Vec<ModalityTokenCount>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Tokens of one modality (`TEXT`, `IMAGE`, `AUDIO`, `VIDEO`, `DOCUMENT`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModalityTokenCount {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modality: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "token_count"
    )]
    pub token_count: Option<u64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
