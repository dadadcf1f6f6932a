//! Anthropic `POST /v1/messages`: the message object and the named-event stream.

use hyper::Response;
use serde_json::{json, Value};

use crate::body::{MockBody, SseBuilder};
use crate::plan::{split, Answer, Usage, SIGNATURE};
use crate::reply::{json_response, sse_response, typed, Ctx};

pub fn messages(ctx: &Ctx) -> Response<MockBody> {
    if ctx.request["stream"] == true {
        stream(ctx)
    } else {
        json_response(&object(ctx))
    }
}

fn stop_reason(answer: &Answer) -> &'static str {
    match answer {
        Answer::Text(_) => "end_turn",
        Answer::Calls(_) => "tool_use",
    }
}

/// Anthropic counts cache reads apart: `input_tokens` is the uncached rest.
fn usage(u: &Usage, output: u64) -> Value {
    json!({
        "input_tokens": u.input - u.cache_read,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": u.cache_read,
        "output_tokens": output,
        "service_tier": "standard"
    })
}

fn tool_input(arguments: &str) -> Value {
    serde_json::from_str(arguments).unwrap_or_else(|_| json!({}))
}

fn object(ctx: &Ctx) -> Value {
    let mut content = Vec::new();
    if let Some(thinking) = &ctx.plan.thinking {
        content.push(json!({"type": "thinking", "thinking": thinking, "signature": SIGNATURE}));
    }
    match &ctx.plan.answer {
        Answer::Text(text) => content.push(json!({"type": "text", "text": text})),
        Answer::Calls(calls) => {
            for (i, c) in calls.iter().enumerate() {
                content.push(json!({"type": "tool_use", "id": ctx.id("toolu_", Some(i)),
                                    "name": c.name, "input": tool_input(&c.arguments)}));
            }
        }
    }
    json!({
        "id": ctx.id("msg_", None),
        "type": "message",
        "role": "assistant",
        "model": ctx.model,
        "content": content,
        "stop_reason": stop_reason(&ctx.plan.answer),
        "stop_sequence": null,
        "usage": usage(&ctx.plan.usage, ctx.plan.usage.output)
    })
}

/// Writes named events whose `type` is the event name.
fn emit(sse: &mut SseBuilder, kind: &str, data: Value, delta: bool) {
    sse.named(kind, &typed(kind, None, data), delta);
}

fn block(sse: &mut SseBuilder, index: usize, start: Value, deltas: Vec<Value>) {
    emit(
        sse,
        "content_block_start",
        json!({"index": index, "content_block": start}),
        false,
    );
    if index == 0 {
        sse.named("ping", &json!({"type": "ping"}), false);
    }
    for delta in deltas {
        emit(
            sse,
            "content_block_delta",
            json!({"index": index, "delta": delta}),
            true,
        );
    }
    emit(sse, "content_block_stop", json!({"index": index}), false);
}

fn stream(ctx: &Ctx) -> Response<MockBody> {
    let mut sse = ctx.sse();
    let u = &ctx.plan.usage;
    let start = json!({
        "id": ctx.id("msg_", None), "type": "message", "role": "assistant", "model": ctx.model,
        "content": [], "stop_reason": null, "stop_sequence": null, "usage": usage(u, 1)
    });
    emit(&mut sse, "message_start", json!({"message": start}), false);
    let mut index = 0;
    if let Some(thinking) = &ctx.plan.thinking {
        let mut deltas: Vec<Value> = split(thinking, ctx.chunks)
            .into_iter()
            .map(|p| json!({"type": "thinking_delta", "thinking": p}))
            .collect();
        deltas.push(json!({"type": "signature_delta", "signature": SIGNATURE}));
        let start = json!({"type": "thinking", "thinking": "", "signature": ""});
        block(&mut sse, index, start, deltas);
        index += 1;
    }
    match &ctx.plan.answer {
        Answer::Text(text) => {
            let deltas = split(text, ctx.chunks)
                .into_iter()
                .map(|p| json!({"type": "text_delta", "text": p}))
                .collect();
            block(&mut sse, index, json!({"type": "text", "text": ""}), deltas);
        }
        Answer::Calls(calls) => {
            for (i, c) in calls.iter().enumerate() {
                let start = json!({"type": "tool_use", "id": ctx.id("toolu_", Some(i)),
                                   "name": c.name, "input": {}});
                let deltas = split(&c.arguments, ctx.chunks)
                    .into_iter()
                    .map(|p| json!({"type": "input_json_delta", "partial_json": p}))
                    .collect();
                block(&mut sse, index, start, deltas);
                index += 1;
            }
        }
    }
    let mut final_usage = usage(u, u.output);
    if let Value::Object(map) = &mut final_usage {
        map.remove("service_tier");
    }
    let delta = json!({"stop_reason": stop_reason(&ctx.plan.answer), "stop_sequence": null});
    emit(
        &mut sse,
        "message_delta",
        json!({"delta": delta, "usage": final_usage}),
        false,
    );
    emit(&mut sse, "message_stop", json!({}), false);
    sse_response(sse, ctx.delay)
}
