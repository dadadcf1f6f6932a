//! OpenAI `POST /v1/responses`: the response object and the full streaming event lifecycle.

use hyper::Response;
use serde_json::{json, Value};

use crate::body::{MockBody, SseBuilder};
use crate::plan::{split, Answer, ToolCall, Usage, SIGNATURE};
use crate::reply::{json_response, sse_response, typed, Ctx};

pub fn responses(ctx: &Ctx) -> Response<MockBody> {
    if ctx.request["stream"] == true {
        stream(ctx)
    } else {
        json_response(&object(ctx, "completed", output(ctx, true), true))
    }
}

fn usage(u: &Usage) -> Value {
    json!({
        "input_tokens": u.input,
        "input_tokens_details": {"cached_tokens": u.cache_read},
        "output_tokens": u.output,
        "output_tokens_details": {"reasoning_tokens": u.reasoning},
        "total_tokens": u.total()
    })
}

fn object(ctx: &Ctx, status: &str, output: Vec<Value>, with_usage: bool) -> Value {
    let req = ctx.request;
    let or_null = |k: &str| req.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "id": ctx.id("resp_", None),
        "object": "response",
        "created_at": ctx.created,
        "status": status,
        "background": false,
        "error": null,
        "incomplete_details": null,
        "instructions": or_null("instructions"),
        "max_output_tokens": or_null("max_output_tokens"),
        "model": ctx.model,
        "output": output,
        "parallel_tool_calls": req["parallel_tool_calls"].as_bool().unwrap_or(true),
        "previous_response_id": or_null("previous_response_id"),
        "prompt_cache_key": or_null("prompt_cache_key"),
        "reasoning": {"effort": req["reasoning"]["effort"], "summary": req["reasoning"]["summary"]},
        "service_tier": "default",
        "store": req["store"].as_bool().unwrap_or(true),
        "temperature": req["temperature"].as_f64().unwrap_or(1.0),
        "text": {"format": {"type": "text"}},
        "tool_choice": req.get("tool_choice").cloned().unwrap_or_else(|| json!("auto")),
        "tools": req.get("tools").cloned().unwrap_or_else(|| json!([])),
        "top_p": req["top_p"].as_f64().unwrap_or(1.0),
        "truncation": "disabled",
        "usage": if with_usage { usage(&ctx.plan.usage) } else { Value::Null },
        "user": null,
        "metadata": req.get("metadata").cloned().unwrap_or_else(|| json!({}))
    })
}

fn wants_encrypted(ctx: &Ctx) -> bool {
    ctx.request["include"]
        .as_array()
        .is_some_and(|a| a.iter().any(|v| v == "reasoning.encrypted_content"))
}

fn reasoning_item(ctx: &Ctx, thinking: &str, done: bool) -> Value {
    let summary = if done {
        json!([{"type": "summary_text", "text": thinking}])
    } else {
        json!([])
    };
    let mut item = json!({"type": "reasoning", "id": ctx.id("rs_", None), "summary": summary});
    if done && wants_encrypted(ctx) {
        item["encrypted_content"] = json!(SIGNATURE);
    }
    item
}

fn text_part(text: &str) -> Value {
    json!({"type": "output_text", "text": text, "annotations": [], "logprobs": []})
}

fn message_item(ctx: &Ctx, text: &str, done: bool) -> Value {
    let (status, content) = if done {
        ("completed", json!([text_part(text)]))
    } else {
        ("in_progress", json!([]))
    };
    json!({"type": "message", "id": ctx.id("msg_", None), "status": status,
           "role": "assistant", "content": content})
}

fn call_item(ctx: &Ctx, i: usize, call: &ToolCall, done: bool) -> Value {
    json!({
        "type": "function_call",
        "id": ctx.id("fc_", Some(i)),
        "call_id": ctx.id("call_", Some(i)),
        "name": call.name,
        "arguments": if done { call.arguments.as_str() } else { "" },
        "status": if done { "completed" } else { "in_progress" }
    })
}

/// Output items in order: reasoning (when asked for), then the message or the function calls.
fn output(ctx: &Ctx, done: bool) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(thinking) = &ctx.plan.thinking {
        out.push(reasoning_item(ctx, thinking, done));
    }
    match &ctx.plan.answer {
        Answer::Text(text) => out.push(message_item(ctx, text, done)),
        Answer::Calls(calls) => {
            out.extend(
                calls
                    .iter()
                    .enumerate()
                    .map(|(i, c)| call_item(ctx, i, c, done)),
            );
        }
    }
    out
}

/// Writes named events with the `type` and a growing `sequence_number` filled in.
struct Events {
    sse: SseBuilder,
    seq: u64,
}

impl Events {
    fn emit(&mut self, kind: &str, data: Value, delta: bool) {
        let event = typed(kind, Some(self.seq), data);
        self.seq += 1;
        self.sse.named(kind, &event, delta);
    }
}

fn stream(ctx: &Ctx) -> Response<MockBody> {
    let mut ev = Events {
        sse: ctx.sse(),
        seq: 0,
    };
    let created = object(ctx, "in_progress", Vec::new(), false);
    ev.emit("response.created", json!({"response": created}), false);
    ev.emit("response.in_progress", json!({"response": created}), false);
    let mut index = 0;
    if let Some(thinking) = &ctx.plan.thinking {
        let id = ctx.id("rs_", None);
        let added = reasoning_item(ctx, thinking, false);
        ev.emit(
            "response.output_item.added",
            json!({"output_index": index, "item": added}),
            false,
        );
        let at = json!({"item_id": id, "output_index": index, "summary_index": 0});
        let mut part = at.clone();
        part["part"] = json!({"type": "summary_text", "text": ""});
        ev.emit("response.reasoning_summary_part.added", part, false);
        for piece in split(thinking, ctx.chunks) {
            let mut d = at.clone();
            d["delta"] = json!(piece);
            ev.emit("response.reasoning_summary_text.delta", d, true);
        }
        let mut done = at.clone();
        done["text"] = json!(thinking);
        ev.emit("response.reasoning_summary_text.done", done, false);
        let mut part = at;
        part["part"] = json!({"type": "summary_text", "text": thinking});
        ev.emit("response.reasoning_summary_part.done", part, false);
        let item = reasoning_item(ctx, thinking, true);
        ev.emit(
            "response.output_item.done",
            json!({"output_index": index, "item": item}),
            false,
        );
        index += 1;
    }
    match &ctx.plan.answer {
        Answer::Text(text) => {
            let id = ctx.id("msg_", None);
            let added = message_item(ctx, text, false);
            ev.emit(
                "response.output_item.added",
                json!({"output_index": index, "item": added}),
                false,
            );
            let at = json!({"item_id": id, "output_index": index, "content_index": 0});
            let mut part = at.clone();
            part["part"] = text_part("");
            ev.emit("response.content_part.added", part, false);
            for piece in split(text, ctx.chunks) {
                let mut d = at.clone();
                d["delta"] = json!(piece);
                d["logprobs"] = json!([]);
                ev.emit("response.output_text.delta", d, true);
            }
            let mut done = at.clone();
            done["text"] = json!(text);
            done["logprobs"] = json!([]);
            ev.emit("response.output_text.done", done, false);
            let mut part = at;
            part["part"] = text_part(text);
            ev.emit("response.content_part.done", part, false);
            let item = message_item(ctx, text, true);
            ev.emit(
                "response.output_item.done",
                json!({"output_index": index, "item": item}),
                false,
            );
        }
        Answer::Calls(calls) => {
            for (i, call) in calls.iter().enumerate() {
                let id = ctx.id("fc_", Some(i));
                let added = call_item(ctx, i, call, false);
                ev.emit(
                    "response.output_item.added",
                    json!({"output_index": index, "item": added}),
                    false,
                );
                for piece in split(&call.arguments, ctx.chunks) {
                    let d = json!({"item_id": id, "output_index": index, "delta": piece});
                    ev.emit("response.function_call_arguments.delta", d, true);
                }
                let done = json!({"item_id": id, "output_index": index,
                                  "name": call.name, "arguments": call.arguments});
                ev.emit("response.function_call_arguments.done", done, false);
                let item = call_item(ctx, i, call, true);
                ev.emit(
                    "response.output_item.done",
                    json!({"output_index": index, "item": item}),
                    false,
                );
                index += 1;
            }
        }
    }
    let completed = object(ctx, "completed", output(ctx, true), true);
    ev.emit("response.completed", json!({"response": completed}), false);
    sse_response(ev.sse, ctx.delay)
}
