//! The Google API error body `{"error": {"code", "message", "status", "details"}}`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Every Gemini error response, and the payload of a mid-stream error chunk.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub error: ErrorStatus,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `google.rpc.Status` as JSON: `code` is the HTTP status, `status` the canonical code name
/// (`INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`, `UNAVAILABLE`, ...).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<Value>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
