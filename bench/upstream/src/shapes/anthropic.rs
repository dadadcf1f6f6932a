//! Anthropic Messages: the message object, the named-event stream and the error object.

use serde_json::{json, Value};

use super::{named, Content, StreamParts, INPUT_TOKENS, TOOL_NAME};
use crate::config::Answer;

const ID: &str = "msg_bench0001";
const TOOL_ID: &str = "toolu_bench0001";

fn usage(output: u64) -> Value {
    json!({
        "input_tokens": INPUT_TOKENS,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": output,
        "service_tier": "standard"
    })
}

fn stop_reason(c: &Content) -> &'static str {
    match c.answer {
        Answer::Text => "end_turn",
        Answer::Tool => "tool_use",
    }
}

pub fn whole(c: &Content) -> Value {
    let block = match c.answer {
        Answer::Text => json!({"type": "text", "text": c.text}),
        Answer::Tool => {
            let input: Value = serde_json::from_str(&c.text).unwrap_or_else(|_| json!({}));
            json!({"type": "tool_use", "id": TOOL_ID, "name": TOOL_NAME, "input": input})
        }
    };
    json!({
        "id": ID, "type": "message", "role": "assistant", "model": c.model,
        "content": [block], "stop_reason": stop_reason(c), "stop_sequence": null,
        "usage": usage(c.output_tokens)
    })
}

fn event(kind: &str, mut v: Value) -> Vec<u8> {
    v["type"] = json!(kind);
    named(kind, &v)
}

pub fn stream(c: &Content) -> StreamParts {
    let start = json!({
        "id": ID, "type": "message", "role": "assistant", "model": c.model, "content": [],
        "stop_reason": null, "stop_sequence": null, "usage": usage(1)
    });
    let mut head = event("message_start", json!({"message": start}));
    let block = match c.answer {
        Answer::Text => json!({"type": "text", "text": ""}),
        Answer::Tool => json!({"type": "tool_use", "id": TOOL_ID, "name": TOOL_NAME, "input": {}}),
    };
    head.extend(event(
        "content_block_start",
        json!({"index": 0, "content_block": block}),
    ));
    head.extend(named("ping", &json!({"type": "ping"})));
    let deltas = c
        .pieces
        .iter()
        .map(|p| {
            let delta = match c.answer {
                Answer::Text => json!({"type": "text_delta", "text": p}),
                Answer::Tool => json!({"type": "input_json_delta", "partial_json": p}),
            };
            event("content_block_delta", json!({"index": 0, "delta": delta}))
        })
        .collect();
    let mut tail = event("content_block_stop", json!({"index": 0}));
    let final_usage = json!({
        "input_tokens": INPUT_TOKENS, "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0, "output_tokens": c.output_tokens
    });
    tail.extend(event(
        "message_delta",
        json!({"delta": {"stop_reason": stop_reason(c), "stop_sequence": null},
               "usage": final_usage}),
    ));
    tail.extend(event("message_stop", json!({})));
    StreamParts { head, deltas, tail }
}

pub fn error(status: u16, message: &str) -> Value {
    let kind = match status {
        400 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        529 => "overloaded_error",
        _ => "api_error",
    };
    json!({"type": "error", "error": {"type": kind, "message": message}})
}
