//! Gemini `:countTokens`, `:embedContent`, `:batchEmbedContents` and `GET .../models[/{m}]`.

use hyper::Response;
use serde_json::{json, Value};

use crate::body::MockBody;
use crate::reply::{embedding, json_response};

/// Models the mock lists; any name can still be asked for.
pub const MODELS: [&str; 4] = [
    "gemini-2.5-flash",
    "gemini-2.5-pro",
    "text-embedding-004",
    "gemini-embedding-001",
];

pub fn count_tokens(body_len: usize) -> Response<MockBody> {
    let n = body_len / 4;
    json_response(&json!({
        "totalTokens": n,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": n}]
    }))
}

/// All text parts of a `Content`, joined.
fn content_text(content: &Value) -> String {
    content["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["text"].as_str())
        .collect()
}

/// A deterministic embedding of the request's content; `outputDimensionality` values (8 by default).
fn embed(request: &Value) -> Value {
    let dims = request["outputDimensionality"]
        .as_u64()
        .unwrap_or(8)
        .clamp(1, 4096) as usize;
    json!({ "values": embedding(&content_text(&request["content"]), dims) })
}

pub fn embed_content(request: &Value) -> Response<MockBody> {
    json_response(&json!({ "embedding": embed(request) }))
}

pub fn batch_embed_contents(request: &Value) -> Response<MockBody> {
    let embeddings: Vec<Value> = request["requests"]
        .as_array()
        .into_iter()
        .flatten()
        .map(embed)
        .collect();
    json_response(&json!({ "embeddings": embeddings }))
}

fn model(name: &str) -> Value {
    let embedding = name.contains("embedding");
    let methods = if embedding {
        json!(["embedContent", "batchEmbedContents", "countTokens"])
    } else {
        json!(["generateContent", "streamGenerateContent", "countTokens"])
    };
    json!({
        "name": format!("models/{name}"),
        "version": "001",
        "displayName": name,
        "description": "mock model",
        "inputTokenLimit": 1_048_576,
        "outputTokenLimit": if embedding { 1 } else { 65_536 },
        "supportedGenerationMethods": methods,
        "thinking": !embedding
    })
}

pub fn list_models() -> Response<MockBody> {
    let models: Vec<Value> = MODELS.iter().map(|m| model(m)).collect();
    json_response(&json!({ "models": models }))
}

pub fn get_model(name: &str) -> Response<MockBody> {
    json_response(&model(name.strip_prefix("models/").unwrap_or(name)))
}
