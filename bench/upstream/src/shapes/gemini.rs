//! Gemini `:generateContent` / `:streamGenerateContent`: candidates with usage metadata, SSE
//! (`\r\n\r\n` separated, as Google sends it) or a JSON array, and the error object.

use serde_json::{json, Value};

use super::{Content, StreamParts, INPUT_TOKENS, TOOL_NAME};
use crate::config::Answer;

const RESPONSE_ID: &str = "bench-gemini-0001";

fn usage(c: &Content, last: bool) -> Value {
    let mut m = json!({
        "promptTokenCount": INPUT_TOKENS,
        "totalTokenCount": if last { c.total_tokens() } else { INPUT_TOKENS },
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": INPUT_TOKENS}]
    });
    if last {
        m["candidatesTokenCount"] = json!(c.output_tokens);
    }
    m
}

fn chunk(c: &Content, parts: Value, last: bool) -> Value {
    let mut candidate = json!({"content": {"parts": parts, "role": "model"}, "index": 0});
    if last {
        candidate["finishReason"] = json!("STOP");
    }
    json!({
        "candidates": [candidate],
        "usageMetadata": usage(c, last),
        "modelVersion": c.model,
        "responseId": RESPONSE_ID
    })
}

fn call_part(c: &Content) -> Value {
    let args: Value = serde_json::from_str(&c.text).unwrap_or_else(|_| json!({}));
    json!({"functionCall": {"name": TOOL_NAME, "args": args}})
}

pub fn whole(c: &Content) -> Value {
    let part = match c.answer {
        Answer::Text => json!({"text": c.text}),
        Answer::Tool => call_part(c),
    };
    chunk(c, json!([part]), true)
}

/// One chunk per text piece, the last with `finishReason` and full usage; a function call
/// arrives whole in one chunk, as Gemini sends it.
fn chunks(c: &Content) -> Vec<Value> {
    match c.answer {
        Answer::Text => {
            let n = c.pieces.len();
            c.pieces
                .iter()
                .enumerate()
                .map(|(i, p)| chunk(c, json!([{"text": p}]), i + 1 == n))
                .collect()
        }
        Answer::Tool => vec![chunk(c, json!([call_part(c)]), true)],
    }
}

pub fn stream(c: &Content) -> StreamParts {
    StreamParts {
        head: Vec::new(),
        deltas: chunks(c)
            .iter()
            .map(|v| format!("data: {v}\r\n\r\n").into_bytes())
            .collect(),
        tail: Vec::new(),
    }
}

pub fn array(c: &Content) -> Vec<u8> {
    let items: Vec<String> = chunks(c).iter().map(Value::to_string).collect();
    format!("[{}]", items.join(",\r\n")).into_bytes()
}

pub fn error(status: u16, message: &str) -> Value {
    let kind = match status {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ => "INTERNAL",
    };
    json!({"error": {"code": status, "message": message, "status": kind}})
}
