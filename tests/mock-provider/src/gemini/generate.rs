//! Gemini `:generateContent` and `:streamGenerateContent` (SSE with `alt=sse`, else a JSON array).

use hyper::Response;
use serde_json::{json, Value};

use crate::body::MockBody;
use crate::plan::{split, Answer, Usage, SIGNATURE};
use crate::reply::{json_response, sse_response, Ctx};

pub fn generate(ctx: &Ctx, stream: bool, sse: bool) -> Response<MockBody> {
    match (stream, sse) {
        (false, _) => json_response(&chunk(ctx, whole_parts(ctx), true)),
        (true, false) => json_response(&Value::Array(stream_chunks(ctx))),
        (true, true) => {
            let mut out = ctx.sse().crlf();
            for c in stream_chunks(ctx) {
                out.data(&c, true);
            }
            sse_response(out, ctx.delay)
        }
    }
}

/// Gemini counts thoughts apart: `candidatesTokenCount` excludes `thoughtsTokenCount`.
fn usage(u: &Usage, last: bool) -> Value {
    let mut m = json!({
        "promptTokenCount": u.input,
        "totalTokenCount": if last { u.total() } else { u.input },
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": u.input}]
    });
    if last {
        m["candidatesTokenCount"] = json!(u.output - u.reasoning);
        if u.reasoning > 0 {
            m["thoughtsTokenCount"] = json!(u.reasoning);
        }
    }
    if u.cache_read > 0 {
        m["cachedContentTokenCount"] = json!(u.cache_read);
    }
    m
}

fn chunk(ctx: &Ctx, parts: Vec<Value>, last: bool) -> Value {
    let mut candidate = json!({"content": {"parts": parts, "role": "model"}, "index": 0});
    if last {
        candidate["finishReason"] = json!("STOP");
    }
    json!({
        "candidates": [candidate],
        "usageMetadata": usage(&ctx.plan.usage, last),
        "modelVersion": ctx.model,
        "responseId": ctx.id("", None)
    })
}

fn call_parts(ctx: &Ctx) -> Vec<Value> {
    let Answer::Calls(calls) = &ctx.plan.answer else {
        return Vec::new();
    };
    calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let args: Value = serde_json::from_str(&c.arguments).unwrap_or_else(|_| json!({}));
            let mut part = json!({"functionCall": {"name": c.name, "args": args}});
            if i == 0 && ctx.plan.thinking.is_some() {
                part["thoughtSignature"] = json!(SIGNATURE);
            }
            part
        })
        .collect()
}

fn text_part(ctx: &Ctx, text: &str, last: bool) -> Value {
    let mut part = json!({ "text": text });
    if last && ctx.plan.thinking.is_some() {
        part["thoughtSignature"] = json!(SIGNATURE);
    }
    part
}

/// The parts of a whole answer: the thought summary, then the text or the function calls.
fn whole_parts(ctx: &Ctx) -> Vec<Value> {
    let mut parts = Vec::new();
    if let Some(thinking) = &ctx.plan.thinking {
        parts.push(json!({"text": thinking, "thought": true}));
    }
    match &ctx.plan.answer {
        Answer::Text(text) => parts.push(text_part(ctx, text, true)),
        Answer::Calls(_) => parts.extend(call_parts(ctx)),
    }
    parts
}

/// Streamed chunks: one per thought piece, one per text piece (function calls arrive whole);
/// the last carries `finishReason`, the full usage and the thought signature.
fn stream_chunks(ctx: &Ctx) -> Vec<Value> {
    let mut chunks = Vec::new();
    if let Some(thinking) = &ctx.plan.thinking {
        for piece in split(thinking, ctx.chunks) {
            chunks.push(chunk(
                ctx,
                vec![json!({"text": piece, "thought": true})],
                false,
            ));
        }
    }
    match &ctx.plan.answer {
        Answer::Text(text) => {
            let pieces = split(text, ctx.chunks);
            let n = pieces.len();
            for (i, piece) in pieces.into_iter().enumerate() {
                let last = i + 1 == n;
                chunks.push(chunk(ctx, vec![text_part(ctx, piece, last)], last));
            }
        }
        Answer::Calls(_) => chunks.push(chunk(ctx, call_parts(ctx), true)),
    }
    chunks
}
