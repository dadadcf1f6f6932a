//! IR messages → Responses input items: message items with their content parts, reasoning
//! items, tool calls and tool outputs.

use std::collections::HashMap;

use gproxy_protocol::openai::responses as wire;
use gproxy_protocol::Family;
use serde_json::{Map, Value};

use super::content::{as_item, part_to_wire, Side, RESIDUE};
use super::request_encode::{obj, residue_of, str_of};
use crate::diag::Diagnostics;
use crate::ir::{self, Message, Part, Role, ToolCallKind};

type Residue = Map<String, Value>;

fn is_plain_text(p: &wire::ContentPart) -> Option<&str> {
    match p {
        wire::ContentPart::InputText(t) if t.extra.is_empty() => Some(&t.text),
        wire::ContentPart::OutputText(t) if t.annotations.is_none() && t.extra.is_empty() => {
            Some(&t.text)
        }
        _ => None,
    }
}

fn role_to_wire(role: Role, info: Option<&Map<String, Value>>) -> wire::Role {
    match role {
        Role::System => wire::Role::System,
        Role::Developer => wire::Role::Developer,
        Role::Assistant => wire::Role::Assistant,
        Role::User | Role::Tool => match info.and_then(|i| str_of(i, "role")) {
            Some(r) => wire::Role::Other(r),
            None => wire::Role::User,
        },
    }
}

/// Puts back what [`super::request_decode`] kept of a content part's shape.
fn restore_shape(p: &mut wire::ContentPart, shape: &Map<String, Value>) {
    let extra = match p {
        wire::ContentPart::OutputText(t) => {
            for (k, v) in shape {
                match (k.as_str(), v) {
                    ("annotations", Value::Array(a)) if t.annotations.is_none() => {
                        t.annotations = Some(a.clone())
                    }
                    ("logprobs", Value::Array(l)) => t.logprobs = Some(l.clone()),
                    ("annotations" | "logprobs", _) => {}
                    _ => {
                        t.extra.insert(k.clone(), v.clone());
                    }
                }
            }
            return;
        }
        wire::ContentPart::InputText(t) | wire::ContentPart::ReasoningText(t) => &mut t.extra,
        wire::ContentPart::InputImage(i) => &mut i.extra,
        wire::ContentPart::InputFile(f) => &mut f.extra,
        wire::ContentPart::Refusal(r) => &mut r.extra,
        wire::ContentPart::Unknown(_) => return,
    };
    extra.extend(shape.iter().map(|(k, v)| (k.clone(), v.clone())));
}

/// A message item from its content parts and (same family) the message residue.
fn message_item(
    role: Role,
    mut parts: Vec<wire::ContentPart>,
    info: Option<&Map<String, Value>>,
) -> wire::Item {
    let mut extra = info.cloned().unwrap_or_default();
    let info = info.filter(|i| !i.is_empty());
    if let Some(Value::Object(shapes)) = extra.remove("part_extra") {
        for (j, p) in parts.iter_mut().enumerate() {
            if let Some(Value::Object(shape)) = shapes.get(&j.to_string()) {
                restore_shape(p, shape);
            }
        }
    }
    let tagged = extra.remove("type").is_some();
    let string = extra.remove("string_content").is_some();
    let untyped = extra.remove("untyped").is_some();
    let id = extra
        .remove("id")
        .and_then(|v| v.as_str().map(str::to_owned));
    let status = extra
        .remove("status")
        .and_then(|v| v.as_str().map(str::to_owned));
    let wire_role = role_to_wire(role, Some(&extra));
    extra.remove("role");
    let single = match parts.as_slice() {
        [one] => is_plain_text(one).map(str::to_owned),
        _ => None,
    };
    let content = match single {
        Some(s) if string || info.is_none() => wire::MessageContent::Text(s),
        _ => wire::MessageContent::Parts(parts),
    };
    // Without residue: a bare `{role, content}` for text, a tagged item for parts.
    let tagged =
        tagged || (!untyped && info.is_none() && matches!(content, wire::MessageContent::Parts(_)));
    let msg = wire::Message {
        kind: None,
        id,
        role: wire_role,
        content,
        status,
        extra,
    };
    if tagged {
        wire::Item::Message(msg)
    } else {
        wire::Item::EasyMessage(msg)
    }
}

/// Writes IR messages as Responses items.
pub(crate) struct Writer<'a> {
    pub(crate) items: Vec<wire::Item>,
    pub(crate) diag: &'a mut Diagnostics,
    pub(crate) same: bool,
    pub(crate) call_kinds: HashMap<String, ToolCallKind>,
}

impl Writer<'_> {
    fn reasoning(&mut self, r: &ir::Reasoning, items: Option<&Residue>, path: &str) {
        let enc = match &r.signature {
            Some(o) if o.family == Family::OpenAi => Some(match &o.value {
                Value::String(s) => s.clone(),
                other => crate::sig::wrap(
                    &ir::Opaque {
                        family: Family::OpenAi,
                        value: other.clone(),
                    },
                    Family::OpenAi,
                ),
            }),
            _ => None,
        };
        // An unsigned item of the client's own that OpenAI stored (`store: true`) by its id.
        let stored = self.same
            && r.signature.is_none()
            && r.id.as_deref().is_some_and(|id| id.starts_with("rs_"));
        if enc.is_none() && !stored {
            let why = if r.signature.is_some() {
                "reasoning signed by another provider cannot be replayed to OpenAI"
            } else {
                "reasoning without an OpenAI id or encrypted content cannot be replayed"
            };
            self.diag.dropped(path, why);
            return;
        }
        let mut rest =
            r.id.as_deref()
                .and_then(|id| obj(items, id))
                .cloned()
                .unwrap_or_default();
        let summary = match rest
            .remove("summary")
            .map(serde_json::from_value::<Vec<wire::SummaryPart>>)
        {
            Some(Ok(s))
                if s.iter()
                    .map(|p| p.text.as_str())
                    .collect::<Vec<_>>()
                    .join("\n\n")
                    == r.text =>
            {
                s
            }
            _ if r.text.is_empty() => Vec::new(),
            _ => vec![wire::SummaryPart::text(r.text.clone())],
        };
        let content = rest
            .remove("content")
            .map(|c| serde_json::from_value(c).ok());
        let null_enc = rest.remove("encrypted_content").is_some();
        let status = rest
            .remove("status")
            .and_then(|v| v.as_str().map(str::to_owned));
        let encrypted_content = match enc {
            Some(e) => Some(Some(e)),
            None => null_enc.then_some(None),
        };
        self.items.push(wire::Item::Reasoning(wire::ReasoningItem {
            id: r.id.clone(),
            summary,
            content,
            encrypted_content,
            status,
            extra: rest,
        }));
    }

    fn call(&mut self, c: &ir::ToolCall, items: Option<&Residue>, path: &str) {
        if c.signature.is_some() {
            self.diag.dropped(
                format!("{path}.signature"),
                "tool calls carry no signature in Responses",
            );
        }
        let mut extra = obj(items, &c.id).cloned().unwrap_or_default();
        let status = extra
            .remove("status")
            .and_then(|v| v.as_str().map(str::to_owned));
        self.items.push(match c.kind {
            ToolCallKind::Function => wire::Item::FunctionCall(wire::FunctionCall {
                id: c.item_id.clone(),
                call_id: c.id.clone(),
                name: c.name.clone(),
                namespace: c.namespace.clone(),
                arguments: c.arguments.clone(),
                status,
                extra,
            }),
            ToolCallKind::Custom => wire::Item::CustomToolCall(wire::CustomToolCall {
                id: c.item_id.clone(),
                call_id: c.id.clone(),
                name: c.name.clone(),
                namespace: c.namespace.clone(),
                input: c.arguments.clone(),
                status,
                extra,
            }),
        });
    }

    fn output(&mut self, r: &ir::ToolResult, residue: Option<&Residue>, path: &str) {
        if r.is_error {
            self.diag.approximated(
                format!("{path}.is_error"),
                "Responses tool outputs have no error flag",
            );
        }
        let parts: Vec<wire::ContentPart> = r
            .content
            .iter()
            .enumerate()
            .filter_map(|(j, p)| {
                part_to_wire(p, Side::Input, &format!("{path}.content[{j}]"), self.diag)
            })
            .collect();
        let as_parts = residue.is_some_and(|r| r.contains_key("output_parts"));
        let output = match parts.as_slice() {
            [] if !as_parts => wire::ToolOutput::Text(String::new()),
            [one] if !as_parts => match is_plain_text(one) {
                Some(s) => wire::ToolOutput::Text(s.to_owned()),
                None => wire::ToolOutput::Parts(parts),
            },
            _ => wire::ToolOutput::Parts(parts),
        };
        let mut extra = obj(residue, "item").cloned().unwrap_or_default();
        let id = extra
            .remove("id")
            .and_then(|v| v.as_str().map(str::to_owned));
        let status = extra
            .remove("status")
            .and_then(|v| v.as_str().map(str::to_owned));
        let call_id = r.call_id.clone();
        self.items.push(match self.call_kinds.get(&r.call_id) {
            Some(ToolCallKind::Custom) => {
                wire::Item::CustomToolCallOutput(wire::CustomToolCallOutput {
                    id,
                    call_id,
                    output,
                    extra,
                })
            }
            _ => wire::Item::FunctionCallOutput(wire::FunctionCallOutput {
                id,
                call_id,
                output,
                status,
                extra,
            }),
        });
    }

    pub(crate) fn message(&mut self, i: usize, m: &Message) {
        let residue = residue_of(&m.extra, self.same);
        for key in m.extra.keys().filter(|k| k.as_str() != RESIDUE) {
            self.diag
                .dropped(format!("messages[{i}].{key}"), "no Responses message field");
        }
        if m.name.is_some() {
            self.diag.dropped(
                format!("messages[{i}].name"),
                "Responses messages have no name",
            );
        }
        let side = if m.role == Role::Assistant {
            Side::Output
        } else {
            Side::Input
        };
        let items = obj(residue, "items");
        let mut info = obj(residue, "message");
        let mut acc: Vec<wire::ContentPart> = Vec::new();
        for (j, part) in m.parts.iter().enumerate() {
            let path = format!("messages[{i}].content[{j}]");
            let item_part = matches!(
                part,
                Part::Reasoning(_) | Part::ToolCall(_) | Part::ToolResult(_)
            ) || matches!(part, Part::Opaque(o) if as_item(o).is_some());
            if !item_part {
                if let Some(p) = part_to_wire(part, side, &path, self.diag) {
                    acc.push(p);
                }
                continue;
            }
            if !acc.is_empty() {
                self.items
                    .push(message_item(m.role, std::mem::take(&mut acc), info.take()));
            }
            match part {
                Part::Reasoning(r) if m.role == Role::Assistant => self.reasoning(r, items, &path),
                Part::ToolCall(c) if m.role == Role::Assistant => self.call(c, items, &path),
                Part::ToolResult(r) => self.output(r, residue, &path),
                Part::Opaque(o) => {
                    if let Some(v) = as_item(o) {
                        let item = serde_json::from_value(v.clone())
                            .unwrap_or_else(|_| wire::Item::Unknown(v.clone()));
                        self.items.push(item);
                    }
                }
                _ => self.diag.dropped(
                    path,
                    "only assistant messages hold reasoning and tool calls",
                ),
            }
        }
        if !acc.is_empty() {
            self.items.push(message_item(m.role, acc, info));
        }
    }
}
