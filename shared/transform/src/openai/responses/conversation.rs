//! Responses items → IR conversation: consecutive model-side items share one assistant turn,
//! and what the IR has no slot for goes to the message residue.

use gproxy_protocol::openai::responses as wire;
use gproxy_protocol::Family;
use serde_json::{Map, Value};

use super::content::{opaque_item, part_from_wire, RESIDUE};
use super::output::CALL_SIG_PREFIX;
use super::request_decode::{put_item_residue, reasoning_from_wire, role_from_wire};
use crate::ir::{self, Message, Part, Role, ToolCall, ToolCallKind, ToolResult};
use crate::sig;

type Residue = Map<String, Value>;

/// What a content part says beyond its IR part: unknown fields, and an `output_text`'s empty
/// `annotations` / its `logprobs` (SDK clients replay output items with both).
fn part_shape(p: &wire::ContentPart) -> Option<Map<String, Value>> {
    let (extra, text) = match p {
        wire::ContentPart::InputText(t) | wire::ContentPart::ReasoningText(t) => (&t.extra, None),
        wire::ContentPart::InputImage(i) => (&i.extra, None),
        wire::ContentPart::InputFile(f) => (&f.extra, None),
        wire::ContentPart::Refusal(r) => (&r.extra, None),
        wire::ContentPart::OutputText(t) => (&t.extra, Some(t)),
        wire::ContentPart::Unknown(_) => return None,
    };
    let mut shape = extra.clone();
    if let Some(t) = text {
        if t.annotations.as_ref().is_some_and(Vec::is_empty) {
            shape.insert("annotations".to_owned(), Value::Array(Vec::new()));
        }
        if let Some(lp) = &t.logprobs {
            shape.insert("logprobs".to_owned(), Value::Array(lp.clone()));
        }
    }
    (!shape.is_empty()).then_some(shape)
}

fn output_to_parts(output: wire::ToolOutput, residue: &mut Residue) -> Vec<Part> {
    match output {
        wire::ToolOutput::Text(s) => vec![Part::Text(ir::Text::new(s))],
        wire::ToolOutput::Parts(parts) => {
            residue.insert("output_parts".to_owned(), Value::Bool(true));
            parts.into_iter().map(part_from_wire).collect()
        }
    }
}

/// A message being built, with the residue its items leave.
pub(crate) struct Entry {
    pub(crate) msg: Message,
    pub(crate) residue: Residue,
}

impl Entry {
    fn new(role: Role) -> Self {
        Entry {
            msg: Message::new(role, Vec::new()),
            residue: Residue::new(),
        }
    }

    fn done(mut self) -> Message {
        if !self.residue.is_empty() {
            self.msg
                .extra
                .insert(RESIDUE.to_owned(), Value::Object(self.residue));
        }
        self.msg
    }

    /// True when a message item's text already went into this entry.
    fn has_text(&self) -> bool {
        self.residue.contains_key("message")
            || self
                .msg
                .parts
                .iter()
                .any(|p| matches!(p, Part::Text(_) | Part::Refusal(_)))
    }
}

/// Builds the IR conversation from items; consecutive model-side items (reasoning, an
/// assistant message, tool calls) share one assistant message.
#[derive(Default)]
pub(crate) struct Conversation {
    messages: Vec<Message>,
    assistant: Option<Entry>,
}

impl Conversation {
    fn flush(&mut self) {
        if let Some(e) = self.assistant.take() {
            self.messages.push(e.done());
        }
    }

    fn assistant(&mut self) -> &mut Entry {
        self.assistant
            .get_or_insert_with(|| Entry::new(Role::Assistant))
    }

    pub(crate) fn push(&mut self, e: Entry) {
        self.flush();
        self.messages.push(e.done());
    }

    fn message(&mut self, m: wire::Message, tagged: bool) {
        let role = role_from_wire(&m.role);
        let mut info = m.extra;
        if tagged {
            info.insert("type".to_owned(), Value::String("message".to_owned()));
        }
        if let Some(id) = m.id {
            info.insert("id".to_owned(), Value::String(id));
        }
        if let Some(s) = m.status {
            info.insert("status".to_owned(), Value::String(s));
        }
        if let wire::Role::Other(r) = &m.role {
            info.insert("role".to_owned(), Value::String(r.clone()));
        }
        let parts: Vec<Part> = match m.content {
            wire::MessageContent::Text(s) => {
                info.insert("string_content".to_owned(), Value::Bool(true));
                vec![Part::Text(ir::Text::new(s))]
            }
            wire::MessageContent::Parts(p) => {
                let shapes: Map<String, Value> = p
                    .iter()
                    .enumerate()
                    .filter_map(|(j, part)| {
                        part_shape(part).map(|s| (j.to_string(), Value::Object(s)))
                    })
                    .collect();
                if !shapes.is_empty() {
                    info.insert("part_extra".to_owned(), Value::Object(shapes));
                }
                if !tagged {
                    info.insert("untyped".to_owned(), Value::Bool(true));
                }
                p.into_iter().map(part_from_wire).collect()
            }
        };
        let mut entry = if role == Role::Assistant {
            if self.assistant.as_ref().is_some_and(Entry::has_text) {
                self.flush();
            }
            self.assistant
                .take()
                .unwrap_or_else(|| Entry::new(Role::Assistant))
        } else {
            Entry::new(role)
        };
        entry.msg.parts.extend(parts);
        if !info.is_empty() {
            entry
                .residue
                .insert("message".to_owned(), Value::Object(info));
        }
        if role == Role::Assistant {
            self.assistant = Some(entry);
        } else {
            self.push(entry);
        }
    }

    fn call(&mut self, call: ToolCall, status: Option<String>, extra: Map<String, Value>) {
        let mut rest = extra;
        if let Some(s) = status {
            rest.insert("status".to_owned(), Value::String(s));
        }
        let entry = self.assistant();
        put_item_residue(&mut entry.residue, &call.id, rest);
        entry.msg.parts.push(Part::ToolCall(call));
    }

    fn output(&mut self, call_id: String, output: wire::ToolOutput, item: Map<String, Value>) {
        let mut entry = Entry::new(Role::Tool);
        let content = output_to_parts(output, &mut entry.residue);
        if !item.is_empty() {
            entry.residue.insert("item".to_owned(), Value::Object(item));
        }
        entry.msg.parts.push(Part::ToolResult(ToolResult {
            call_id,
            name: None,
            content,
            is_error: false,
        }));
        self.push(entry);
    }

    pub(crate) fn item(&mut self, item: wire::Item) {
        match item {
            wire::Item::Message(m) => self.message(m, true),
            wire::Item::EasyMessage(m) => self.message(m, false),
            wire::Item::FunctionCall(c) => {
                let call = ToolCall {
                    id: c.call_id,
                    name: c.name,
                    namespace: c.namespace,
                    arguments: c.arguments,
                    kind: ToolCallKind::Function,
                    signature: None,
                    item_id: c.id,
                };
                self.call(call, c.status, c.extra);
            }
            wire::Item::CustomToolCall(c) => {
                let call = ToolCall {
                    id: c.call_id,
                    name: c.name,
                    namespace: c.namespace,
                    arguments: c.input,
                    kind: ToolCallKind::Custom,
                    signature: None,
                    item_id: c.id,
                };
                self.call(call, c.status, c.extra);
            }
            wire::Item::FunctionCallOutput(o) => {
                let mut item = o.extra;
                if let Some(id) = o.id {
                    item.insert("id".to_owned(), Value::String(id));
                }
                if let Some(s) = o.status {
                    item.insert("status".to_owned(), Value::String(s));
                }
                self.output(o.call_id, o.output, item);
            }
            wire::Item::CustomToolCallOutput(o) => {
                let mut item = o.extra;
                if let Some(id) = o.id {
                    item.insert("id".to_owned(), Value::String(id));
                }
                self.output(o.call_id, o.output, item);
            }
            wire::Item::Reasoning(r) => {
                let entry = self.assistant();
                if let Some(call_id) =
                    r.id.as_deref()
                        .and_then(|id| id.strip_prefix(CALL_SIG_PREFIX))
                {
                    let call = entry.msg.parts.iter_mut().rev().find_map(|p| match p {
                        Part::ToolCall(c) if c.id == call_id => Some(c),
                        _ => None,
                    });
                    if let (Some(call), Some(Some(enc))) = (call, &r.encrypted_content) {
                        call.signature = Some(sig::unwrap(enc, Family::OpenAi));
                        return;
                    }
                }
                let part = reasoning_from_wire(r, Some(&mut entry.residue));
                entry.msg.parts.push(Part::Reasoning(part));
            }
            other @ (wire::Item::WebSearchCall(_)
            | wire::Item::ItemReference(_)
            | wire::Item::Unknown(_)) => {
                let value = serde_json::to_value(&other).unwrap_or(Value::Null);
                self.assistant().msg.parts.push(opaque_item(value));
            }
        }
    }

    pub(crate) fn finish(mut self) -> Vec<Message> {
        self.flush();
        self.messages
    }
}
