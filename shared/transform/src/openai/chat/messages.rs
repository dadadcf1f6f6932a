//! IR messages → Chat messages: roles, tool results as `tool` messages, assistant turns.

use gproxy_protocol::openai::chat::{self as wire, Message};
use gproxy_protocol::Family;
use serde_json::{Map, Value};

use super::content::{content_from_parts, part_to_wire, text_part};
use super::request_encode::RESPONSES_RESIDUE;
use crate::diag::Diagnostics;
use crate::ir;

pub(super) fn encode_messages(req: &ir::Request, diag: &mut Diagnostics) -> Vec<Message> {
    let same_family = req.origin == Some(Family::OpenAi);
    let mut out = Vec::new();
    for (i, m) in req.messages.iter().enumerate() {
        let path = format!("messages[{i}]");
        // Tool results must directly follow the assistant turn that called: they go first,
        // one `tool` message each, in order, before whatever else the message holds.
        let mut results = 0;
        for (j, part) in m.parts.iter().enumerate() {
            if let ir::Part::ToolResult(r) = part {
                results += 1;
                out.push(tool_message(
                    r,
                    m,
                    same_family,
                    &format!("{path}.content[{j}]"),
                    diag,
                ));
            }
        }
        let rest: Vec<(usize, &ir::Part)> = m
            .parts
            .iter()
            .enumerate()
            .filter(|(_, p)| !matches!(p, ir::Part::ToolResult(_)))
            .collect();
        if results > 0 && rest.is_empty() {
            continue;
        }
        let mut msg = match m.role {
            ir::Role::Assistant => assistant_message(&rest, &path, diag),
            ir::Role::System | ir::Role::Developer | ir::Role::User | ir::Role::Tool => {
                let role = match m.role {
                    ir::Role::System => "system",
                    ir::Role::Developer => "developer",
                    _ => "user",
                };
                if m.role == ir::Role::Tool {
                    diag.approximated(
                        path.clone(),
                        "non-result content of a tool message sent as a user message",
                    );
                }
                let parts: Vec<wire::ContentPart> = rest
                    .iter()
                    .filter_map(|(j, p)| part_to_wire(p, &format!("{path}.content[{j}]"), diag))
                    .collect();
                let parts = if parts.is_empty() {
                    vec![text_part("")]
                } else {
                    parts
                };
                let parts = if matches!(m.role, ir::Role::System | ir::Role::Developer) {
                    system_parts(parts, &path, diag)
                } else {
                    parts
                };
                Message {
                    role: role.to_owned(),
                    content: Some(Some(content_from_parts(parts))),
                    ..Default::default()
                }
            }
        };
        msg.name = m.name.clone();
        copy_message_extra(m, &mut msg, same_family, &path, diag);
        out.push(msg);
    }
    out
}

/// System and developer messages take text parts only.
fn system_parts(
    parts: Vec<wire::ContentPart>,
    path: &str,
    diag: &mut Diagnostics,
) -> Vec<wire::ContentPart> {
    let before = parts.len();
    let text: Vec<_> = parts.into_iter().filter(|p| p.kind == "text").collect();
    if text.len() != before {
        diag.dropped(path.to_owned(), "system messages take text only");
    }
    if text.is_empty() {
        vec![text_part("")]
    } else {
        text
    }
}

fn copy_message_extra(
    m: &ir::Message,
    msg: &mut Message,
    same_family: bool,
    path: &str,
    diag: &mut Diagnostics,
) {
    for (key, value) in &m.extra {
        match (same_family, key.as_str()) {
            (_, RESPONSES_RESIDUE) => {}
            (true, "audio") => msg.audio = Some(value.clone()),
            (true, "function_call") => msg.function_call = Some(value.clone()),
            _ => diag.dropped(format!("{path}.{key}"), "no Chat message field"),
        }
    }
}

fn tool_message(
    r: &ir::ToolResult,
    m: &ir::Message,
    same_family: bool,
    path: &str,
    diag: &mut Diagnostics,
) -> Message {
    let mut texts = Vec::new();
    for (k, part) in r.content.iter().enumerate() {
        match part {
            ir::Part::Text(t) => texts.push(text_part(&t.text)),
            _ => diag.dropped(
                format!("{path}.content[{k}]"),
                "Chat tool messages carry text only",
            ),
        }
    }
    if r.is_error {
        diag.dropped(
            format!("{path}.is_error"),
            "Chat tool messages have no error flag",
        );
    }
    let content = if texts.len() == 1 || texts.is_empty() {
        wire::MessageContent::Text(
            texts
                .first()
                .and_then(|t| t.text.clone())
                .unwrap_or_default(),
        )
    } else {
        wire::MessageContent::Parts(texts)
    };
    let legacy = same_family && m.extra.get("role").and_then(Value::as_str) == Some("function");
    if legacy {
        let name = r.name.clone().or_else(|| Some(r.call_id.clone()));
        return Message {
            role: "function".to_owned(),
            name,
            content: Some(Some(content)),
            ..Default::default()
        };
    }
    Message {
        role: "tool".to_owned(),
        tool_call_id: Some(r.call_id.clone()),
        content: Some(Some(content)),
        ..Default::default()
    }
}

pub(super) fn wire_tool_call(c: &ir::ToolCall) -> wire::ToolCall {
    let name = match &c.namespace {
        Some(ns) => format!("{ns}__{}", c.name),
        None => c.name.clone(),
    };
    match c.kind {
        ir::ToolCallKind::Function => wire::ToolCall {
            id: c.id.clone(),
            kind: Some("function".to_owned()),
            function: Some(wire::FunctionCall {
                name,
                arguments: c.arguments.clone(),
                extra: Map::new(),
            }),
            ..Default::default()
        },
        ir::ToolCallKind::Custom => wire::ToolCall {
            id: c.id.clone(),
            kind: Some("custom".to_owned()),
            custom: Some(wire::CustomCall {
                name,
                input: c.arguments.clone(),
                extra: Map::new(),
            }),
            ..Default::default()
        },
    }
}

/// Reasoning a Chat upstream can take back: visible text without a signature (what Chat
/// clients send as `reasoning_content`). Signed reasoning only means something to its origin
/// with its signature, which Chat cannot carry, so it is dropped whole.
pub(super) fn replayable_reasoning(
    r: &ir::Reasoning,
    path: &str,
    diag: &mut Diagnostics,
) -> Option<String> {
    if r.signature.is_some() || r.redacted {
        diag.dropped(
            format!("{path}.signature"),
            "reasoning signatures have no Chat field; reasoning not replayed",
        );
        return None;
    }
    (!r.text.is_empty()).then(|| r.text.clone())
}

fn assistant_message(parts: &[(usize, &ir::Part)], path: &str, diag: &mut Diagnostics) -> Message {
    let mut reasoning = String::new();
    let mut texts = Vec::new();
    let mut refusal: Option<String> = None;
    let mut calls = Vec::new();
    for (j, part) in parts {
        let p = format!("{path}.content[{j}]");
        match part {
            ir::Part::Reasoning(r) => {
                if let Some(t) = replayable_reasoning(r, &p, diag) {
                    reasoning.push_str(&t);
                }
            }
            ir::Part::Text(t) => {
                if !t.annotations.is_empty() {
                    diag.dropped(
                        format!("{p}.annotations"),
                        "Chat request messages carry no annotations",
                    );
                }
                texts.push(text_part(&t.text));
            }
            ir::Part::Refusal(r) => refusal.get_or_insert_with(String::new).push_str(r),
            ir::Part::ToolCall(c) => {
                if c.signature.is_some() {
                    diag.dropped(
                        format!("{p}.signature"),
                        "tool-call signatures have no Chat field",
                    );
                }
                calls.push(wire_tool_call(c));
            }
            _ => diag.dropped(
                p,
                "assistant messages in Chat carry text, refusals and tool calls only",
            ),
        }
    }
    let content = match texts.len() {
        // An assistant turn needs content unless it calls tools (SDKs then omit it).
        0 if calls.is_empty() && refusal.is_none() => {
            Some(Some(wire::MessageContent::Text(String::new())))
        }
        0 => None,
        _ => Some(Some(content_from_parts(texts))),
    };
    Message {
        role: "assistant".to_owned(),
        content,
        refusal: refusal.map(Some),
        tool_calls: (!calls.is_empty()).then_some(calls),
        reasoning_content: (!reasoning.is_empty()).then_some(reasoning),
        ..Default::default()
    }
}
