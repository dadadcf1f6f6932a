//! The error body: `{"type": "error", "error": {"type", "message"}, "request_id"?}`.

use serde::{Deserialize, Serialize};

use super::types::Extra;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Always `error`.
    #[serde(rename = "type", default = "error_type")]
    pub kind: String,
    pub error: ErrorDetail,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

fn error_type() -> String {
    "error".to_owned()
}

impl ErrorBody {
    pub fn new(kind: impl Into<String>, message: impl Into<String>) -> Self {
        ErrorBody {
            kind: error_type(),
            error: ErrorDetail {
                kind: kind.into(),
                message: message.into(),
                extra: Extra::new(),
            },
            request_id: None,
            extra: Extra::new(),
        }
    }
}

/// `invalid_request_error`, `authentication_error`, `billing_error`, `permission_error`,
/// `not_found_error`, `request_too_large`, `rate_limit_error`, `timeout_error`, `api_error`,
/// `overloaded_error`, ...
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub message: String,
    #[serde(flatten)]
    pub extra: Extra,
}
