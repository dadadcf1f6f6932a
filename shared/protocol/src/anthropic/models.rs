//! `GET /v1/models` and `GET /v1/models/{id}` bodies.

use serde::{Deserialize, Serialize};

use super::types::Extra;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Always `model`.
    #[serde(rename = "type", default = "model_type")]
    pub kind: String,
    pub id: String,
    #[serde(default)]
    pub display_name: String,
    /// RFC 3339 release time (the epoch when unknown).
    #[serde(default)]
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_input_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

fn model_type() -> String {
    "model".to_owned()
}

impl ModelInfo {
    pub fn new(
        id: impl Into<String>,
        display_name: impl Into<String>,
        created_at: impl Into<String>,
    ) -> Self {
        ModelInfo {
            kind: model_type(),
            id: id.into(),
            display_name: display_name.into(),
            created_at: created_at.into(),
            max_input_tokens: None,
            max_tokens: None,
            extra: Extra::new(),
        }
    }
}

/// A page of models. Page on with `?after_id={last_id}` while `has_more`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ModelList {
    pub data: Vec<ModelInfo>,
    #[serde(default)]
    pub has_more: bool,
    #[serde(default)]
    pub first_id: Option<String>,
    #[serde(default)]
    pub last_id: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}
