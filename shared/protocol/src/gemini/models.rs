//! `GET models` and `GET models/{model}` bodies.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

/// `GET /v1beta/models`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListModelsResponse {
    #[serde(default)]
    pub models: Vec<Model>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "next_page_token"
    )]
    pub next_page_token: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `GET /v1beta/models/{model}` and the items of [`ListModelsResponse`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Model {
    /// `models/{id}`.
    #[serde(default)]
    pub name: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "base_model_id"
    )]
    pub base_model_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "display_name"
    )]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "input_token_limit"
    )]
    pub input_token_limit: Option<u64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "output_token_limit"
    )]
    pub output_token_limit: Option<u64>,
    /// `generateContent`, `countTokens`, `embedContent`, ...
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "supported_generation_methods"
    )]
    pub supported_generation_methods: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<Number>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "max_temperature"
    )]
    pub max_temperature: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "top_p")]
    pub top_p: Option<Number>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "top_k")]
    pub top_k: Option<Number>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
