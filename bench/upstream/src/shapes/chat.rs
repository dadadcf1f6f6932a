//! OpenAI Chat Completions: the completion object, the data-only chunk stream with the usage
//! chunk, and the error object (also used by Responses).

use serde_json::{json, Value};

use super::{data, Content, StreamParts, CREATED, INPUT_TOKENS, TOOL_NAME};
use crate::config::Answer;

const ID: &str = "chatcmpl-bench0001";
const CALL_ID: &str = "call_bench0001";

fn usage(c: &Content) -> Value {
    json!({
        "prompt_tokens": INPUT_TOKENS,
        "completion_tokens": c.output_tokens,
        "total_tokens": c.total_tokens(),
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0, "audio_tokens": 0,
            "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0
        }
    })
}

fn finish_reason(c: &Content) -> &'static str {
    match c.answer {
        Answer::Text => "stop",
        Answer::Tool => "tool_calls",
    }
}

pub fn whole(c: &Content) -> Value {
    let message = match c.answer {
        Answer::Text => json!({
            "role": "assistant", "content": c.text, "refusal": null, "annotations": []
        }),
        Answer::Tool => json!({
            "role": "assistant", "content": null, "refusal": null, "annotations": [],
            "tool_calls": [{"id": CALL_ID, "type": "function",
                            "function": {"name": TOOL_NAME, "arguments": c.text}}]
        }),
    };
    json!({
        "id": ID,
        "object": "chat.completion",
        "created": CREATED,
        "model": c.model,
        "choices": [{"index": 0, "message": message, "logprobs": null,
                     "finish_reason": finish_reason(c)}],
        "usage": usage(c),
        "service_tier": "default",
        "system_fingerprint": null
    })
}

fn chunk(c: &Content, delta: Value, finish: Option<&str>) -> Value {
    json!({
        "id": ID, "object": "chat.completion.chunk", "created": CREATED, "model": c.model,
        "service_tier": "default", "system_fingerprint": null,
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
        "usage": null
    })
}

/// Always ends with the usage chunk, as when the client sent `stream_options.include_usage`
/// (gproxy adds that option on passthrough streams; the mock does not read bodies).
pub fn stream(c: &Content) -> StreamParts {
    let mut head = Vec::new();
    let deltas = match c.answer {
        Answer::Text => {
            let first = json!({"role": "assistant", "content": "", "refusal": null});
            head.extend(data(&chunk(c, first, None)));
            c.pieces
                .iter()
                .map(|p| data(&chunk(c, json!({"content": p}), None)))
                .collect()
        }
        Answer::Tool => {
            let first = json!({"role": "assistant", "content": null, "refusal": null});
            head.extend(data(&chunk(c, first, None)));
            let call = json!({"tool_calls": [{
                "index": 0, "id": CALL_ID, "type": "function",
                "function": {"name": TOOL_NAME, "arguments": ""}
            }]});
            head.extend(data(&chunk(c, call, None)));
            c.pieces
                .iter()
                .map(|p| {
                    let d = json!({"tool_calls": [{"index": 0, "function": {"arguments": p}}]});
                    data(&chunk(c, d, None))
                })
                .collect()
        }
    };
    let mut tail = data(&chunk(c, json!({}), Some(finish_reason(c))));
    tail.extend(data(&json!({
        "id": ID, "object": "chat.completion.chunk", "created": CREATED, "model": c.model,
        "service_tier": "default", "system_fingerprint": null,
        "choices": [], "usage": usage(c)
    })));
    tail.extend_from_slice(b"data: [DONE]\n\n");
    StreamParts { head, deltas, tail }
}

pub fn error(status: u16, message: &str) -> Value {
    let (kind, code) = match status {
        429 => ("rate_limit_error", "rate_limit_exceeded"),
        401 => ("invalid_request_error", "invalid_api_key"),
        400..=499 => ("invalid_request_error", "invalid_request"),
        _ => ("server_error", "server_error"),
    };
    json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
}
