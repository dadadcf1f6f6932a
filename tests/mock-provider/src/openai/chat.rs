//! OpenAI `POST /v1/chat/completions`: the completion object and the data-only chunk stream.

use hyper::Response;
use serde_json::{json, Value};

use crate::body::MockBody;
use crate::plan::{split, Answer, Usage};
use crate::reply::{json_response, sse_response, Ctx};

pub fn chat_completions(ctx: &Ctx) -> Response<MockBody> {
    if ctx.request["stream"] == true {
        stream(ctx)
    } else {
        json_response(&object(ctx))
    }
}

fn finish_reason(answer: &Answer) -> &'static str {
    match answer {
        Answer::Text(_) => "stop",
        Answer::Calls(_) => "tool_calls",
    }
}

pub fn usage(u: &Usage) -> Value {
    json!({
        "prompt_tokens": u.input,
        "completion_tokens": u.output,
        "total_tokens": u.total(),
        "prompt_tokens_details": {"cached_tokens": u.cache_read, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": u.reasoning, "audio_tokens": 0,
            "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0
        }
    })
}

fn object(ctx: &Ctx) -> Value {
    let message = match &ctx.plan.answer {
        Answer::Text(text) => json!({
            "role": "assistant", "content": text, "refusal": null, "annotations": []
        }),
        Answer::Calls(calls) => {
            let tool_calls: Vec<Value> = calls
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    json!({"id": ctx.id("call_", Some(i)), "type": "function",
                           "function": {"name": c.name, "arguments": c.arguments}})
                })
                .collect();
            json!({"role": "assistant", "content": null, "refusal": null,
                   "annotations": [], "tool_calls": tool_calls})
        }
    };
    json!({
        "id": ctx.id("chatcmpl-", None),
        "object": "chat.completion",
        "created": ctx.created,
        "model": ctx.model,
        "choices": [{
            "index": 0, "message": message, "logprobs": null,
            "finish_reason": finish_reason(&ctx.plan.answer)
        }],
        "usage": usage(&ctx.plan.usage),
        "service_tier": "default",
        "system_fingerprint": null
    })
}

fn stream(ctx: &Ctx) -> Response<MockBody> {
    let include_usage = ctx.request["stream_options"]["include_usage"] == true;
    let id = ctx.id("chatcmpl-", None);
    let chunk = |delta: Value, finish: Option<&str>| {
        let mut c = json!({
            "id": id, "object": "chat.completion.chunk", "created": ctx.created,
            "model": ctx.model, "service_tier": "default", "system_fingerprint": null,
            "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}]
        });
        if include_usage {
            c["usage"] = Value::Null;
        }
        c
    };
    let mut sse = ctx.sse();
    match &ctx.plan.answer {
        Answer::Text(text) => {
            sse.data(
                &chunk(
                    json!({"role": "assistant", "content": "", "refusal": null}),
                    None,
                ),
                false,
            );
            for piece in split(text, ctx.chunks) {
                sse.data(&chunk(json!({"content": piece}), None), true);
            }
        }
        Answer::Calls(calls) => {
            sse.data(
                &chunk(
                    json!({"role": "assistant", "content": null, "refusal": null}),
                    None,
                ),
                false,
            );
            for (i, call) in calls.iter().enumerate() {
                let head = json!({"tool_calls": [{
                    "index": i, "id": ctx.id("call_", Some(i)), "type": "function",
                    "function": {"name": call.name, "arguments": ""}
                }]});
                sse.data(&chunk(head, None), false);
                for piece in split(&call.arguments, ctx.chunks) {
                    let delta =
                        json!({"tool_calls": [{"index": i, "function": {"arguments": piece}}]});
                    sse.data(&chunk(delta, None), true);
                }
            }
        }
    }
    sse.data(
        &chunk(json!({}), Some(finish_reason(&ctx.plan.answer))),
        false,
    );
    if include_usage {
        sse.data(
            &json!({
                "id": id, "object": "chat.completion.chunk", "created": ctx.created,
                "model": ctx.model, "service_tier": "default", "system_fingerprint": null,
                "choices": [], "usage": usage(&ctx.plan.usage)
            }),
            false,
        );
    }
    sse.raw("[DONE]");
    sse_response(sse, ctx.delay)
}
