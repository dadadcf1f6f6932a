//! Errors of the transform layer: always the client's fault (bad input) or a missing capability.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum TransformError {
    /// The body is not valid JSON or does not have the wire shape.
    #[error("invalid request body: {0}")]
    Json(#[from] serde_json::Error),
    /// The body parsed but a field is wrong.
    #[error("invalid value for `{field}`: {message}")]
    Invalid { field: String, message: String },
    /// The operation or feature has no equivalent on the target side and cannot be dropped
    /// without changing the meaning of the request (e.g. `n: 3` to Anthropic).
    #[error("not supported by the target protocol: {0}")]
    Unsupported(String),
}

impl TransformError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        TransformError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The offending parameter, for OpenAI's `param` field.
    pub fn param(&self) -> Option<&str> {
        match self {
            TransformError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

pub type Result<T, E = TransformError> = std::result::Result<T, E>;
