//! The four client kinds: their paths, key placement and request bodies (text, tools, tool
//! results), and sending them to the gateway over real HTTP.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderMap, Method};
use serde_json::{json, Value};

use super::parse::ToolCall;
use super::Gateway;

/// An inbound (client) protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Chat,
    Responses,
    Anthropic,
    Gemini,
}

pub const KINDS: [Kind; 4] = [Kind::Chat, Kind::Responses, Kind::Anthropic, Kind::Gemini];

/// The tool every tool test offers.
pub const TOOL_NAME: &str = "get_weather";
pub const TOOL_RESULT: &str = "sunny, 21C";

fn weather_schema() -> Value {
    json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})
}

impl Kind {
    /// Path of a generate request.
    pub fn generate_path(self, model: &str, stream: bool) -> String {
        match self {
            Kind::Chat => "/v1/chat/completions".into(),
            Kind::Responses => "/v1/responses".into(),
            Kind::Anthropic => "/v1/messages".into(),
            Kind::Gemini if stream => {
                format!("/v1beta/models/{model}:streamGenerateContent?alt=sse")
            }
            Kind::Gemini => format!("/v1beta/models/{model}:generateContent"),
        }
    }

    /// Headers carrying `key` the way this kind's SDK does.
    pub fn auth(self, key: &str) -> Vec<(&'static str, String)> {
        match self {
            Kind::Chat | Kind::Responses => vec![("authorization", format!("Bearer {key}"))],
            Kind::Anthropic => vec![
                ("x-api-key", key.into()),
                ("anthropic-version", "2023-06-01".into()),
            ],
            Kind::Gemini => vec![("x-goog-api-key", key.into())],
        }
    }

    /// A one-turn text request.
    pub fn text_body(self, model: &str, prompt: &str, stream: bool) -> Value {
        match self {
            Kind::Chat => {
                let mut b =
                    json!({"model": model, "messages": [{"role": "user", "content": prompt}]});
                if stream {
                    b["stream"] = json!(true);
                    b["stream_options"] = json!({"include_usage": true});
                }
                b
            }
            Kind::Responses => json!({"model": model, "input": prompt, "stream": stream}),
            Kind::Anthropic => json!({
                "model": model, "max_tokens": 256, "stream": stream,
                "messages": [{"role": "user", "content": prompt}]
            }),
            Kind::Gemini => json!({"contents": [{"role": "user", "parts": [{"text": prompt}]}]}),
        }
    }

    /// A request offering the `get_weather(city)` tool.
    pub fn tool_body(self, model: &str, prompt: &str, stream: bool) -> Value {
        let mut b = self.text_body(model, prompt, stream);
        b["tools"] = self.tools();
        b
    }

    fn tools(self) -> Value {
        let desc = "Current weather of a city";
        match self {
            Kind::Chat => json!([{"type": "function", "function": {
                "name": TOOL_NAME, "description": desc, "parameters": weather_schema()}}]),
            Kind::Responses => json!([{"type": "function", "name": TOOL_NAME, "description": desc,
                "parameters": weather_schema()}]),
            Kind::Anthropic => {
                json!([{"name": TOOL_NAME, "description": desc, "input_schema": weather_schema()}])
            }
            Kind::Gemini => {
                json!([{"functionDeclarations": [{"name": TOOL_NAME, "description": desc,
                "parameters": weather_schema()}]}])
            }
        }
    }

    /// The follow-up turn: the model's tool call and its result, in this kind's shape.
    pub fn tool_result_body(self, model: &str, prompt: &str, call: &ToolCall) -> Value {
        let id = call.id.clone().unwrap_or_default();
        let args = call.args.clone();
        let mut b = self.text_body(model, prompt, false);
        match self {
            Kind::Chat => {
                let msgs = b["messages"].as_array_mut().unwrap();
                msgs.push(
                    json!({"role": "assistant", "content": null, "tool_calls": [{
                    "id": id, "type": "function",
                    "function": {"name": call.name, "arguments": args.to_string()}}]}),
                );
                msgs.push(json!({"role": "tool", "tool_call_id": id, "content": TOOL_RESULT}));
            }
            Kind::Responses => {
                b["input"] = json!([
                    {"role": "user", "content": prompt},
                    {"type": "function_call", "call_id": id, "name": call.name, "arguments": args.to_string()},
                    {"type": "function_call_output", "call_id": id, "output": TOOL_RESULT}
                ]);
            }
            Kind::Anthropic => {
                let msgs = b["messages"].as_array_mut().unwrap();
                msgs.push(json!({"role": "assistant", "content": [
                    {"type": "tool_use", "id": id, "name": call.name, "input": args}]}));
                msgs.push(json!({"role": "user", "content": [
                    {"type": "tool_result", "tool_use_id": id, "content": TOOL_RESULT}]}));
            }
            Kind::Gemini => {
                let contents = b["contents"].as_array_mut().unwrap();
                contents.push(json!({"role": "model", "parts": [{"functionCall": {"name": call.name, "args": args}}]}));
                contents.push(json!({"role": "user", "parts": [{"functionResponse": {
                    "name": call.name, "response": {"output": TOOL_RESULT}}}]}));
            }
        }
        b["tools"] = self.tools();
        b
    }
}

/// A whole answer from the gateway.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {} body is not JSON ({e}): {}",
                self.status,
                self.text()
            )
        })
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn request_id(&self) -> String {
        self.header("x-request-id")
            .expect("x-request-id on every answer")
            .to_owned()
    }
}

impl Gateway {
    /// Any request; `headers` are sent as given.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        let resp = self.send(method, path, headers, body).await;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.expect("read body");
        Reply {
            status,
            headers,
            body,
        }
    }

    /// Send and return the response before its body is read (streams).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> wreq::Response {
        let mut rb = self.http.request(method, format!("{}{path}", self.url));
        for (k, v) in headers {
            rb = rb.header(*k, v.as_str());
        }
        if let Some(b) = body {
            rb = rb.header("content-type", "application/json").body(b);
        }
        rb.send().await.expect("gateway answers")
    }

    /// POST a JSON body as a `kind` client with `key`.
    pub async fn post(&self, kind: Kind, key: &str, path: &str, body: &Value) -> Reply {
        self.call(
            Method::POST,
            path,
            &kind.auth(key),
            Some(body.to_string().into_bytes()),
        )
        .await
    }

    /// A generate request of `kind` (stream or not: the body says, Gemini's path says).
    pub async fn generate(&self, kind: Kind, model: &str, body: &Value, stream: bool) -> Reply {
        self.post(kind, super::ALICE, &kind.generate_path(model, stream), body)
            .await
    }

    /// Like [`Gateway::generate`], returning the streaming response unread.
    pub async fn generate_stream(
        &self,
        kind: Kind,
        model: &str,
        body: &Value,
        extra: &[(&str, String)],
    ) -> wreq::Response {
        let mut headers = kind.auth(super::ALICE);
        headers.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
        self.send(
            Method::POST,
            &kind.generate_path(model, true),
            &headers,
            Some(body.to_string().into_bytes()),
        )
        .await
    }
}

/// Read a whole streaming body, chunk by chunk, as text.
pub async fn read_all(resp: wreq::Response) -> String {
    let mut s = resp.bytes_stream();
    let mut out = Vec::new();
    while let Some(chunk) = s.next().await {
        match chunk {
            Ok(c) => out.extend_from_slice(&c),
            Err(_) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
