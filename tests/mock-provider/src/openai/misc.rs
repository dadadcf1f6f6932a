//! OpenAI `POST /v1/responses/input_tokens`, `POST /v1/embeddings`, `GET /v1/models[/{id}]`.

use hyper::Response;
use serde_json::{json, Value};

use crate::body::MockBody;
use crate::reply::{base64_f32, embedding, json_response};

/// Models the mock lists; any id can still be asked for.
pub const MODELS: [&str; 4] = ["gpt-4o", "gpt-4o-mini", "gpt-5", "text-embedding-3-small"];
/// Unix seconds the listed models claim to be created at.
const CREATED: u64 = 1_715_367_049;

pub fn input_tokens(body_len: usize) -> Response<MockBody> {
    json_response(&json!({"object": "response.input_tokens", "input_tokens": body_len / 4}))
}

fn model(id: &str) -> Value {
    json!({"id": id, "object": "model", "created": CREATED, "owned_by": "system"})
}

pub fn list_models() -> Response<MockBody> {
    let data: Vec<Value> = MODELS.iter().map(|id| model(id)).collect();
    json_response(&json!({"object": "list", "data": data}))
}

pub fn get_model(id: &str) -> Response<MockBody> {
    json_response(&model(id))
}

/// One embedding per input (`input` is a string, strings, token ids, or lists of token ids);
/// `dimensions` values each (8 by default); base64 when `encoding_format` is `base64`.
pub fn embeddings(request: &Value, model: &str, body_len: usize) -> Response<MockBody> {
    let input = &request["input"];
    let texts: Vec<String> = match input {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) if items.iter().all(Value::is_number) => vec![input.to_string()],
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let dims = request["dimensions"].as_u64().unwrap_or(8).clamp(1, 4096) as usize;
    let base64 = request["encoding_format"] == "base64";
    let data: Vec<Value> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let v = embedding(t, dims);
            let embedding = if base64 {
                json!(base64_f32(&v))
            } else {
                json!(v)
            };
            json!({"object": "embedding", "index": i, "embedding": embedding})
        })
        .collect();
    let tokens = body_len / 4;
    json_response(&json!({
        "object": "list", "data": data, "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens}
    }))
}
