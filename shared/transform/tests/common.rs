//! Shared helpers of the transform integration tests: scenario files and the "facts" a user
//! would notice, compared across a translation.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use gproxy_protocol::OperationKind;
use gproxy_transform::ir::{self, Part, Role, StopReason};
use gproxy_transform::{codec, DecodeContext};
use serde_json::Value;

pub const SCENARIOS: [&str; 5] = [
    "text",
    "parallel_tools",
    "reasoning",
    "image_input",
    "cache_usage",
];

pub fn dir(kind: OperationKind) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(match kind {
            OperationKind::OpenAiChat => "openai_chat",
            OperationKind::OpenAiResponses => "openai_responses",
            OperationKind::AnthropicMessages => "anthropic_messages",
            OperationKind::Gemini => "gemini",
            OperationKind::OpenAi => "openai_chat",
        })
}

pub fn read(kind: OperationKind, scenario: &str, ext: &str) -> Vec<u8> {
    let p = dir(kind).join(format!("{scenario}.{ext}"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn ctx(kind: OperationKind, stream: bool) -> DecodeContext<'static> {
    DecodeContext {
        model: (kind == OperationKind::Gemini).then_some("gemini-2.5-flash"),
        stream: (kind == OperationKind::Gemini).then_some(stream),
    }
}

pub fn decode_request(kind: OperationKind, body: &[u8]) -> ir::Request {
    codec(kind)
        .decode_request(body, ctx(kind, false))
        .unwrap_or_else(|e| panic!("decode {kind}: {e}"))
}

/// A conversation item as a user would describe it.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    System(String),
    User(String),
    Assistant(String),
    Reasoning(String),
    Call {
        id: String,
        name: String,
        args: Value,
    },
    Result {
        id: String,
        text: String,
    },
    Image(String),
}

fn text_of(parts: &[Part]) -> String {
    parts
        .iter()
        .filter_map(|p| {
            if let Part::Text(t) = p {
                Some(t.text.as_str())
            } else {
                None
            }
        })
        .collect::<Vec<_>>()
        .join("")
}

fn args(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or(Value::String(s.to_owned()))
}

/// The request as items, with adjacent texts of one role merged (families split them differently).
pub fn request_items(req: &ir::Request) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    for m in &req.messages {
        for p in &m.parts {
            let item = match (m.role, p) {
                (Role::System | Role::Developer, Part::Text(t)) => Item::System(t.text.clone()),
                (Role::User, Part::Text(t)) => Item::User(t.text.clone()),
                (Role::Assistant, Part::Text(t)) => Item::Assistant(t.text.clone()),
                (_, Part::Reasoning(r)) => Item::Reasoning(r.text.clone()),
                (_, Part::ToolCall(c)) => Item::Call {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    args: args(&c.arguments),
                },
                (_, Part::ToolResult(r)) => Item::Result {
                    id: r.call_id.clone(),
                    text: text_of(&r.content),
                },
                (_, Part::Image(m)) => Item::Image(match &m.source {
                    ir::MediaSource::Base64(d) => format!("base64:{}", d.len()),
                    ir::MediaSource::Url(u) => format!("url:{u}"),
                    ir::MediaSource::FileId { id, .. } => format!("file:{id}"),
                }),
                _ => continue,
            };
            match (out.last_mut(), &item) {
                (Some(Item::System(a)), Item::System(b)) => a.push_str(b),
                (Some(Item::User(a)), Item::User(b)) => a.push_str(b),
                (Some(Item::Assistant(a)), Item::Assistant(b)) => a.push_str(b),
                _ => out.push(item),
            }
        }
    }
    out
}

/// What a user notices in an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub text: String,
    pub reasoning: String,
    pub calls: Vec<(String, Value)>,
    pub stop: Option<StopReason>,
    pub usage: Option<ir::Usage>,
}

pub fn answer(resp: &ir::Response) -> Answer {
    let mut a = Answer {
        text: String::new(),
        reasoning: String::new(),
        calls: Vec::new(),
        stop: resp.stop_reason.clone(),
        usage: resp.usage,
    };
    for p in &resp.content {
        match p {
            Part::Text(t) => a.text.push_str(&t.text),
            Part::Reasoning(r) => a.reasoning.push_str(&r.text),
            Part::ToolCall(c) => a.calls.push((c.name.clone(), args(&c.arguments))),
            _ => {}
        }
    }
    a
}

/// Usage fields a kind cannot express (compared as 0 on both sides).
pub fn comparable_usage(
    u: Option<ir::Usage>,
    a: OperationKind,
    b: OperationKind,
) -> Option<ir::Usage> {
    let mut u = u?;
    let anth = |k| k == OperationKind::AnthropicMessages;
    if !(anth(a) && anth(b)) {
        // only Anthropic reports cache writes; elsewhere they fold into plain input
        u.cache_write_tokens = 0;
    }
    if anth(a) || anth(b) {
        u.reasoning_tokens = 0; // Anthropic has no reasoning-token count
    }
    Some(u)
}
