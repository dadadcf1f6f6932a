//! `models/{model}:generateContent` / `:streamGenerateContent` request body (the model is in the path).

use crate::RawJson;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use super::types::Content;

/// The generate-content request body.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateContentRequest {
    /// Only inside `countTokens`' `generateContentRequest` (`models/{model}`); the path says it
    /// for generate calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default)]
    pub contents: Vec<Content>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "system_instruction"
    )]
    pub system_instruction: Option<Content>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "tool_config"
    )]
    pub tool_config: Option<ToolConfig>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "safety_settings"
    )]
    pub safety_settings: Option<Vec<SafetySetting>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "generation_config"
    )]
    pub generation_config: Option<GenerationConfig>,
    /// `cachedContents/{id}`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "cached_content"
    )]
    pub cached_content: Option<String>,
    /// Vertex billing labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Map<String, Value>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One tool entry. An entry may hold several tool kinds at once; new built-in tools
/// (`computerUse`, `fileSearch`, `googleMaps`, ...) land in `extra`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tool {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "function_declarations"
    )]
    pub function_declarations: Option<Vec<FunctionDeclaration>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "google_search"
    )]
    pub google_search: Option<Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "google_search_retrieval"
    )]
    pub google_search_retrieval: Option<Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "code_execution"
    )]
    pub code_execution: Option<Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "url_context"
    )]
    pub url_context: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A function the model may call. `parameters` takes Gemini's OpenAPI subset (`"type":
/// "OBJECT"`); `parametersJsonSchema` takes plain JSON Schema and excludes `parameters`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionDeclaration {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "parameters_json_schema"
    )]
    pub parameters_json_schema: Option<RawJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "response_json_schema"
    )]
    pub response_json_schema: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `toolConfig`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolConfig {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "function_calling_config"
    )]
    pub function_calling_config: Option<FunctionCallingConfig>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionCallingConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<FunctionCallingMode>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "allowed_function_names"
    )]
    pub allowed_function_names: Option<Vec<String>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `functionCallingConfig.mode`; a mode the API adds later is kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FunctionCallingMode {
    ModeUnspecified,
    Auto,
    Any,
    None,
    Validated,
    #[serde(untagged)]
    Unknown(String),
}

/// One `safetySettings` entry.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SafetySetting {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `generationConfig`. Sampling numbers keep their JSON spelling (`1` stays `1`, not `1.0`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "top_p")]
    pub top_p: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "top_k")]
    pub top_k: Option<Number>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "candidate_count"
    )]
    pub candidate_count: Option<u32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "max_output_tokens"
    )]
    pub max_output_tokens: Option<u64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "stop_sequences"
    )]
    pub stop_sequences: Option<Vec<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "presence_penalty"
    )]
    pub presence_penalty: Option<Number>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "frequency_penalty"
    )]
    pub frequency_penalty: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    /// `text/plain`, `application/json`, `text/x.enum`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "response_mime_type"
    )]
    pub response_mime_type: Option<String>,
    /// OpenAPI-subset schema.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "response_schema"
    )]
    pub response_schema: Option<Value>,
    /// Plain JSON Schema; excludes `responseSchema`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "response_json_schema"
    )]
    pub response_json_schema: Option<Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "response_logprobs"
    )]
    pub response_logprobs: Option<bool>,
    /// Number of top candidates per step to return (with `responseLogprobs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<u32>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "thinking_config"
    )]
    pub thinking_config: Option<ThinkingConfig>,
    /// `TEXT`, `IMAGE`, `AUDIO`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "response_modalities"
    )]
    pub response_modalities: Option<Vec<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "media_resolution"
    )]
    pub media_resolution: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `generationConfig.thinkingConfig`. `thinkingBudget`: 0 disables thinking, -1 lets the model
/// decide. `thinkingLevel` (Gemini 3) excludes `thinkingBudget`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThinkingConfig {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "include_thoughts"
    )]
    pub include_thoughts: Option<bool>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "thinking_budget"
    )]
    pub thinking_budget: Option<i64>,
    /// `minimal`, `low`, `medium`, `high` (any case).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "thinking_level"
    )]
    pub thinking_level: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
