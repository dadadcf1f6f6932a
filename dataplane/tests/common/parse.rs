//! What a client reads from an answer: text, tool calls, usage and finish reason out of a whole
//! body or an SSE stream of each kind, plus each kind's stream framing rules.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;

use super::Kind;

#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    pub id: Option<String>,
    pub name: String,
    pub args: Value,
}

/// What the user of a client SDK would see.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub text: String,
    pub calls: Vec<ToolCall>,
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
    pub finish: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    pub event: Option<String>,
    pub data: String,
}

impl SseEvent {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.data)
            .unwrap_or_else(|e| panic!("SSE data is not JSON ({e}): {}", self.data))
    }
}

/// Split an SSE body into events (`\n\n` or `\r\n\r\n` separated; comments skipped).
pub fn sse(text: &str) -> Vec<SseEvent> {
    let text = text.replace("\r\n", "\n");
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let mut event = None;
        let mut data: Vec<&str> = Vec::new();
        for line in block.lines() {
            if let Some(v) = line.strip_prefix("event:") {
                event = Some(v.trim().to_owned());
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push(v.strip_prefix(' ').unwrap_or(v));
            }
        }
        if event.is_some() || !data.is_empty() {
            out.push(SseEvent {
                event,
                data: data.join("\n"),
            });
        }
    }
    out
}

fn u(v: &Value) -> Option<u64> {
    v.as_u64()
}

fn args_of(v: &Value) -> Value {
    match v {
        Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())),
        other => other.clone(),
    }
}

/// A whole (non-stream) answer.
pub fn whole(kind: Kind, v: &Value) -> Outcome {
    let mut o = Outcome::default();
    match kind {
        Kind::Chat => {
            let c = &v["choices"][0];
            o.text = c["message"]["content"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            for t in c["message"]["tool_calls"].as_array().into_iter().flatten() {
                o.calls.push(ToolCall {
                    id: t["id"].as_str().map(str::to_owned),
                    name: t["function"]["name"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    args: args_of(&t["function"]["arguments"]),
                });
            }
            o.finish = c["finish_reason"].as_str().map(str::to_owned);
            o.input_tokens = u(&v["usage"]["prompt_tokens"]);
            o.output_tokens = u(&v["usage"]["completion_tokens"]);
        }
        Kind::Responses => {
            for item in v["output"].as_array().into_iter().flatten() {
                match item["type"].as_str() {
                    Some("message") => {
                        for c in item["content"].as_array().into_iter().flatten() {
                            if c["type"] == "output_text" {
                                o.text.push_str(c["text"].as_str().unwrap_or_default());
                            }
                        }
                    }
                    Some("function_call") => o.calls.push(ToolCall {
                        id: item["call_id"].as_str().map(str::to_owned),
                        name: item["name"].as_str().unwrap_or_default().to_owned(),
                        args: args_of(&item["arguments"]),
                    }),
                    _ => {}
                }
            }
            o.finish = v["status"].as_str().map(str::to_owned);
            o.input_tokens = u(&v["usage"]["input_tokens"]);
            o.output_tokens = u(&v["usage"]["output_tokens"]);
        }
        Kind::Anthropic => {
            for b in v["content"].as_array().into_iter().flatten() {
                match b["type"].as_str() {
                    Some("text") => o.text.push_str(b["text"].as_str().unwrap_or_default()),
                    Some("tool_use") => o.calls.push(ToolCall {
                        id: b["id"].as_str().map(str::to_owned),
                        name: b["name"].as_str().unwrap_or_default().to_owned(),
                        args: b["input"].clone(),
                    }),
                    _ => {}
                }
            }
            o.finish = v["stop_reason"].as_str().map(str::to_owned);
            o.input_tokens = u(&v["usage"]["input_tokens"]);
            o.output_tokens = u(&v["usage"]["output_tokens"]);
        }
        Kind::Gemini => {
            let c = &v["candidates"][0];
            gemini_parts(&c["content"]["parts"], &mut o);
            o.finish = c["finishReason"].as_str().map(str::to_owned);
            o.input_tokens = u(&v["usageMetadata"]["promptTokenCount"]);
            o.output_tokens = u(&v["usageMetadata"]["candidatesTokenCount"]);
        }
    }
    o
}

fn gemini_parts(parts: &Value, o: &mut Outcome) {
    for p in parts.as_array().into_iter().flatten() {
        if p["thought"] == true {
            continue;
        }
        if let Some(t) = p["text"].as_str() {
            o.text.push_str(t);
        }
        if p["functionCall"].is_object() {
            o.calls.push(ToolCall {
                id: p["functionCall"]["id"].as_str().map(str::to_owned),
                name: p["functionCall"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                args: p["functionCall"]["args"].clone(),
            });
        }
    }
}

/// Check the stream framing rules of `kind`; `Err` says what is wrong.
pub fn framing(kind: Kind, events: &[SseEvent]) -> Result<(), String> {
    let first = events.first().ok_or("empty stream")?;
    let last = events.last().ok_or("empty stream")?;
    match kind {
        Kind::Chat => {
            if last.data != "[DONE]" {
                return Err(format!(
                    "chat stream must end with [DONE], ended with {:?}",
                    last.data
                ));
            }
            for e in &events[..events.len() - 1] {
                if e.event.is_some() {
                    return Err(format!("chat stream has a named event {:?}", e.event));
                }
                if e.json()["object"] != "chat.completion.chunk" {
                    return Err(format!("not a chat.completion.chunk: {}", e.data));
                }
            }
        }
        Kind::Responses | Kind::Anthropic => {
            let (start, end) = match kind {
                Kind::Responses => ("response.created", "response.completed"),
                _ => ("message_start", "message_stop"),
            };
            for e in events {
                let ty = e.json()["type"].as_str().map(str::to_owned);
                if e.event.is_none() || e.event != ty {
                    return Err(format!(
                        "event name {:?} does not match data type {ty:?}",
                        e.event
                    ));
                }
            }
            if first.event.as_deref() != Some(start) || last.event.as_deref() != Some(end) {
                return Err(format!(
                    "stream runs {:?} .. {:?}, want {start} .. {end}",
                    first.event, last.event
                ));
            }
            if kind == Kind::Responses {
                let seq: Vec<u64> = events
                    .iter()
                    .filter_map(|e| e.json()["sequence_number"].as_u64())
                    .collect();
                if seq.len() != events.len() || seq.windows(2).any(|w| w[1] <= w[0]) {
                    return Err(format!("sequence numbers not growing: {seq:?}"));
                }
            }
        }
        Kind::Gemini => {
            for e in events {
                if e.event.is_some() || e.data == "[DONE]" {
                    return Err(format!("gemini stream has {:?} / {}", e.event, e.data));
                }
                e.json();
            }
            if last.json()["candidates"][0]["finishReason"]
                .as_str()
                .is_none()
            {
                return Err(format!(
                    "last gemini chunk has no finishReason: {}",
                    last.data
                ));
            }
        }
    }
    Ok(())
}

/// What a client assembles from a stream.
pub fn streamed(kind: Kind, events: &[SseEvent]) -> Outcome {
    let mut o = Outcome::default();
    let mut arg_text: Vec<String> = Vec::new();
    for e in events {
        if e.data == "[DONE]" {
            continue;
        }
        let v = e.json();
        match kind {
            Kind::Chat => {
                let c = &v["choices"][0];
                if let Some(t) = c["delta"]["content"].as_str() {
                    o.text.push_str(t);
                }
                for t in c["delta"]["tool_calls"].as_array().into_iter().flatten() {
                    let i = t["index"].as_u64().unwrap_or(0) as usize;
                    while o.calls.len() <= i {
                        o.calls.push(ToolCall {
                            id: None,
                            name: String::new(),
                            args: Value::Null,
                        });
                        arg_text.push(String::new());
                    }
                    if let Some(id) = t["id"].as_str() {
                        o.calls[i].id = Some(id.to_owned());
                    }
                    if let Some(n) = t["function"]["name"].as_str() {
                        o.calls[i].name.push_str(n);
                    }
                    arg_text[i].push_str(t["function"]["arguments"].as_str().unwrap_or_default());
                }
                if let Some(f) = c["finish_reason"].as_str() {
                    o.finish = Some(f.to_owned());
                }
                if v["usage"].is_object() {
                    o.input_tokens = u(&v["usage"]["prompt_tokens"]);
                    o.output_tokens = u(&v["usage"]["completion_tokens"]);
                }
            }
            Kind::Responses => match v["type"].as_str().unwrap_or_default() {
                "response.output_text.delta" => {
                    o.text.push_str(v["delta"].as_str().unwrap_or_default())
                }
                "response.output_item.done" if v["item"]["type"] == "function_call" => {
                    let it = &v["item"];
                    o.calls.push(ToolCall {
                        id: it["call_id"].as_str().map(str::to_owned),
                        name: it["name"].as_str().unwrap_or_default().to_owned(),
                        args: args_of(&it["arguments"]),
                    });
                }
                "response.completed" | "response.incomplete" | "response.failed" => {
                    o.finish = v["response"]["status"].as_str().map(str::to_owned);
                    o.input_tokens = u(&v["response"]["usage"]["input_tokens"]);
                    o.output_tokens = u(&v["response"]["usage"]["output_tokens"]);
                }
                _ => {}
            },
            Kind::Anthropic => match v["type"].as_str().unwrap_or_default() {
                "message_start" => {
                    o.input_tokens = u(&v["message"]["usage"]["input_tokens"]);
                    o.output_tokens = u(&v["message"]["usage"]["output_tokens"]);
                }
                "content_block_start" if v["content_block"]["type"] == "tool_use" => {
                    let b = &v["content_block"];
                    o.calls.push(ToolCall {
                        id: b["id"].as_str().map(str::to_owned),
                        name: b["name"].as_str().unwrap_or_default().to_owned(),
                        args: Value::Null,
                    });
                    arg_text.push(String::new());
                }
                "content_block_delta" => match v["delta"]["type"].as_str().unwrap_or_default() {
                    "text_delta" => o
                        .text
                        .push_str(v["delta"]["text"].as_str().unwrap_or_default()),
                    "input_json_delta" => {
                        if let Some(last) = arg_text.last_mut() {
                            last.push_str(v["delta"]["partial_json"].as_str().unwrap_or_default());
                        }
                    }
                    _ => {}
                },
                "message_delta" => {
                    o.finish = v["delta"]["stop_reason"].as_str().map(str::to_owned);
                    if let Some(n) = u(&v["usage"]["input_tokens"]).filter(|n| *n > 0) {
                        o.input_tokens = Some(n);
                    }
                    if let Some(n) = u(&v["usage"]["output_tokens"]) {
                        o.output_tokens = Some(n);
                    }
                }
                _ => {}
            },
            Kind::Gemini => {
                let c = &v["candidates"][0];
                gemini_parts(&c["content"]["parts"], &mut o);
                if let Some(f) = c["finishReason"].as_str() {
                    o.finish = Some(f.to_owned());
                }
                if v["usageMetadata"].is_object() {
                    o.input_tokens = u(&v["usageMetadata"]["promptTokenCount"]);
                    o.output_tokens = u(&v["usageMetadata"]["candidatesTokenCount"]);
                }
            }
        }
    }
    for (c, t) in o.calls.iter_mut().zip(arg_text) {
        if c.args.is_null() {
            c.args = if t.is_empty() {
                Value::Object(Default::default())
            } else {
                args_of(&Value::String(t))
            };
        }
    }
    o
}
