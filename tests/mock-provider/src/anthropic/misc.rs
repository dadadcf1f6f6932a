//! Anthropic `POST /v1/messages/count_tokens` and `GET /v1/models[/{id}]`.

use hyper::Response;
use serde_json::{json, Value};

use crate::body::MockBody;
use crate::reply::json_response;

/// Models the mock lists; any id can still be asked for.
pub const MODELS: [&str; 3] = ["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"];

pub fn count_tokens(body_len: usize) -> Response<MockBody> {
    json_response(&json!({"input_tokens": body_len / 4}))
}

fn model(id: &str) -> Value {
    json!({"type": "model", "id": id, "display_name": id, "created_at": "2025-09-29T00:00:00Z"})
}

pub fn list_models() -> Response<MockBody> {
    let data: Vec<Value> = MODELS.iter().map(|id| model(id)).collect();
    json_response(&json!({
        "data": data, "has_more": false,
        "first_id": MODELS.first(), "last_id": MODELS.last()
    }))
}

pub fn get_model(id: &str) -> Response<MockBody> {
    json_response(&model(id))
}
