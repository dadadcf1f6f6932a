//! OpenAI wire models shared by Chat and Responses: errors, models, embeddings.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// `{"error": {...}}`, the body of every OpenAI error response (and of a Chat mid-stream error).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub error: ErrorObject,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The error object. OpenAI always sends `param` and `code`, usually as `null`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorObject {
    #[serde(default)]
    pub message: String,
    /// `invalid_request_error`, `insufficient_quota`, `server_error`, ...
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub param: Option<String>,
    /// Usually a string (`invalid_api_key`); some compatible servers send the HTTP status number.
    #[serde(default)]
    pub code: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

/// `GET /v1/models`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ModelList {
    #[serde(default = "list_object")]
    pub object: String,
    #[serde(default)]
    pub data: Vec<Model>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `GET /v1/models/{id}` and the items of [`ModelList`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Model {
    pub id: String,
    #[serde(default = "model_object")]
    pub object: String,
    /// Unix seconds. Always present on OpenAI, missing on some compatible servers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn list_object() -> String {
    "list".to_owned()
}

fn model_object() -> String {
    "model".to_owned()
}

fn embedding_object() -> String {
    "embedding".to_owned()
}

// ---------------------------------------------------------------------------------------------
// Embeddings
// ---------------------------------------------------------------------------------------------

/// `POST /v1/embeddings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingRequest {
    pub input: EmbeddingInput,
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u32>,
    /// `float` (default) or `base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The `input` of an embeddings request: text(s) or token ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmbeddingInput {
    Text(String),
    Texts(Vec<String>),
    Tokens(Vec<i64>),
    TokenArrays(Vec<Vec<i64>>),
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EmbeddingResponse {
    #[serde(default = "list_object")]
    pub object: String,
    #[serde(default)]
    pub data: Vec<Embedding>,
    #[serde(default)]
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<EmbeddingUsage>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Embedding {
    #[serde(default = "embedding_object")]
    pub object: String,
    #[serde(default)]
    pub index: u32,
    pub embedding: EmbeddingVector,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Floats for `encoding_format: float`; base64 of little-endian `f32`s for `base64`.
/// Floats are kept as `f64` so a re-encode prints exactly what the upstream sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmbeddingVector {
    Float(Vec<f64>),
    Base64(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EmbeddingUsage {
    #[serde(default)]
    pub prompt_tokens: u64,
    #[serde(default)]
    pub total_tokens: u64,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn round_trip<T: serde::de::DeserializeOwned + Serialize>(v: Value) {
        let typed: T = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(serde_json::to_value(&typed).unwrap(), v);
    }

    #[test]
    fn bodies_round_trip() {
        round_trip::<ErrorResponse>(
            json!({"error": {"message": "Incorrect API key provided: sk-test.", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}),
        );
        round_trip::<ModelList>(
            json!({"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"}]}),
        );
        round_trip::<EmbeddingRequest>(
            json!({"model": "text-embedding-3-small", "input": ["a", "b"], "encoding_format": "float", "dimensions": 8}),
        );
        round_trip::<EmbeddingRequest>(json!({"model": "m", "input": [[1, 2], [3]]}));
        round_trip::<EmbeddingResponse>(
            json!({"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [-0.006929283495992422, 0.5]}, {"object": "embedding", "index": 1, "embedding": "AACAPw=="}], "model": "text-embedding-3-small", "usage": {"prompt_tokens": 2, "total_tokens": 2}}),
        );
    }

    #[test]
    fn input_shapes_are_told_apart() {
        let tokens: EmbeddingRequest =
            serde_json::from_value(json!({"model": "m", "input": [1, 2]})).unwrap();
        assert_eq!(tokens.input, EmbeddingInput::Tokens(vec![1, 2]));
        let text: EmbeddingRequest =
            serde_json::from_value(json!({"model": "m", "input": "hi"})).unwrap();
        assert_eq!(text.input, EmbeddingInput::Text("hi".into()));
    }
}
