//! OpenAI Responses: the response object and the full streaming event lifecycle
//! (`response.created` … `response.completed`, each event with its `sequence_number`).

use serde_json::{json, Value};

use super::{named, Content, StreamParts, CREATED, INPUT_TOKENS, TOOL_NAME};
use crate::config::Answer;

const ID: &str = "resp_bench0001";
const MSG_ID: &str = "msg_bench0001";
const FC_ID: &str = "fc_bench0001";
const CALL_ID: &str = "call_bench0001";

fn usage(c: &Content) -> Value {
    json!({
        "input_tokens": INPUT_TOKENS,
        "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": c.output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": c.total_tokens()
    })
}

fn text_part(text: &str) -> Value {
    json!({"type": "output_text", "text": text, "annotations": [], "logprobs": []})
}

fn item(c: &Content, done: bool) -> Value {
    let status = if done { "completed" } else { "in_progress" };
    match c.answer {
        Answer::Text => {
            let content = if done {
                json!([text_part(&c.text)])
            } else {
                json!([])
            };
            json!({"type": "message", "id": MSG_ID, "status": status, "role": "assistant",
                   "content": content})
        }
        Answer::Tool => json!({
            "type": "function_call", "id": FC_ID, "call_id": CALL_ID, "name": TOOL_NAME,
            "arguments": if done { c.text.as_str() } else { "" }, "status": status
        }),
    }
}

fn object(c: &Content, done: bool) -> Value {
    json!({
        "id": ID, "object": "response", "created_at": CREATED,
        "status": if done { "completed" } else { "in_progress" },
        "background": false, "error": null, "incomplete_details": null, "instructions": null,
        "max_output_tokens": null, "model": c.model,
        "output": if done { json!([item(c, true)]) } else { json!([]) },
        "parallel_tool_calls": true, "previous_response_id": null,
        "reasoning": {"effort": null, "summary": null}, "service_tier": "default",
        "store": false, "temperature": 1.0, "text": {"format": {"type": "text"}},
        "tool_choice": "auto", "tools": [], "top_p": 1.0, "truncation": "disabled",
        "usage": if done { usage(c) } else { Value::Null },
        "user": null, "metadata": {}
    })
}

pub fn whole(c: &Content) -> Value {
    object(c, true)
}

/// Numbers events as they are written.
struct Seq(u64);

impl Seq {
    fn event(&mut self, kind: &str, mut v: Value) -> Vec<u8> {
        v["type"] = json!(kind);
        v["sequence_number"] = json!(self.0);
        self.0 += 1;
        named(kind, &v)
    }
}

pub fn stream(c: &Content) -> StreamParts {
    let mut s = Seq(0);
    let mut head = s.event("response.created", json!({"response": object(c, false)}));
    head.extend(s.event(
        "response.in_progress",
        json!({"response": object(c, false)}),
    ));
    head.extend(s.event(
        "response.output_item.added",
        json!({"output_index": 0, "item": item(c, false)}),
    ));
    let mut tail;
    let deltas;
    match c.answer {
        Answer::Text => {
            let at = json!({"item_id": MSG_ID, "output_index": 0, "content_index": 0});
            let with = |k: &str, v: Value| {
                let mut o = at.clone();
                o[k] = v;
                o
            };
            head.extend(s.event("response.content_part.added", with("part", text_part(""))));
            deltas = c
                .pieces
                .iter()
                .map(|p| {
                    let mut d = with("delta", json!(p));
                    d["logprobs"] = json!([]);
                    s.event("response.output_text.delta", d)
                })
                .collect();
            let mut done = with("text", json!(c.text));
            done["logprobs"] = json!([]);
            tail = s.event("response.output_text.done", done);
            tail.extend(s.event(
                "response.content_part.done",
                with("part", text_part(&c.text)),
            ));
        }
        Answer::Tool => {
            deltas = c
                .pieces
                .iter()
                .map(|p| {
                    let d = json!({"item_id": FC_ID, "output_index": 0, "delta": p});
                    s.event("response.function_call_arguments.delta", d)
                })
                .collect();
            tail = s.event(
                "response.function_call_arguments.done",
                json!({"item_id": FC_ID, "output_index": 0, "name": TOOL_NAME,
                       "arguments": c.text}),
            );
        }
    }
    tail.extend(s.event(
        "response.output_item.done",
        json!({"output_index": 0, "item": item(c, true)}),
    ));
    tail.extend(s.event("response.completed", json!({"response": object(c, true)})));
    StreamParts { head, deltas, tail }
}
