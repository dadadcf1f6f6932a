//! Responses request → IR: items become conversation messages, settings their IR fields, and the
//! rest lands in `extra` (wire names) or the Responses residue.

use gproxy_protocol::openai::responses as wire;
use gproxy_protocol::Family;
use serde_json::{Map, Value};

use super::content::{opaque_item, part_from_wire, RESIDUE};
use super::tools;
use crate::codec::DecodeContext;
use crate::error::Result;
use crate::ir::{self, Message, Part, Reasoning, Role, ToolCall, ToolCallKind, ToolResult};
use crate::sig;

type Residue = Map<String, Value>;

/// Text of a reasoning item: its summary, or its raw reasoning text when it has no summary.
pub(crate) fn reasoning_text(r: &wire::ReasoningItem) -> String {
    let summary: Vec<&str> = r.summary.iter().map(|s| s.text.as_str()).collect();
    if !summary.is_empty() {
        return summary.join("\n\n");
    }
    let content = r
        .content
        .iter()
        .flatten()
        .flatten()
        .filter_map(|p| match p {
            wire::ContentPart::ReasoningText(t) => Some(t.text.as_str()),
            _ => None,
        });
    content.collect::<Vec<_>>().join("\n\n")
}

/// A reasoning item as an IR part; the split of its summary and its raw text stay in `residue`.
pub(crate) fn reasoning_from_wire(
    r: wire::ReasoningItem,
    residue: Option<&mut Residue>,
) -> Reasoning {
    let text = reasoning_text(&r);
    if let (Some(residue), Some(id)) = (residue, &r.id) {
        let mut rest = r.extra.clone();
        if r.summary.len() > 1 || r.summary.iter().any(|s| !s.extra.is_empty()) {
            rest.insert(
                "summary".to_owned(),
                serde_json::to_value(&r.summary).unwrap_or_default(),
            );
        }
        if let Some(c) = &r.content {
            rest.insert(
                "content".to_owned(),
                serde_json::to_value(c).unwrap_or_default(),
            );
        }
        if r.encrypted_content == Some(None) {
            rest.insert("encrypted_content".to_owned(), Value::Null);
        }
        if let Some(s) = &r.status {
            rest.insert("status".to_owned(), Value::String(s.clone()));
        }
        put_item_residue(residue, id, rest);
    }
    Reasoning {
        text,
        signature: r
            .encrypted_content
            .flatten()
            .map(|s| sig::unwrap(&s, Family::OpenAi)),
        redacted: false,
        id: r.id,
    }
}

fn put_item_residue(residue: &mut Residue, key: &str, rest: Map<String, Value>) {
    if rest.is_empty() {
        return;
    }
    let items = residue
        .entry("items")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(m) = items.as_object_mut() {
        m.insert(key.to_owned(), Value::Object(rest));
    }
}

fn role_from_wire(r: &wire::Role) -> Role {
    match r {
        wire::Role::User => Role::User,
        wire::Role::Assistant => Role::Assistant,
        wire::Role::System => Role::System,
        wire::Role::Developer => Role::Developer,
        // Unknown roles are read as user input, the most neutral place for them.
        wire::Role::Other(_) => Role::User,
    }
}

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
struct Entry {
    msg: Message,
    residue: Residue,
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
struct Conversation {
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

    fn push(&mut self, e: Entry) {
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

    fn item(&mut self, item: wire::Item) {
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

    fn finish(mut self) -> Vec<Message> {
        self.flush();
        self.messages
    }
}

/// Fields copied to `extra` under their wire names (Chat shares most of them).
fn put(extra: &mut Map<String, Value>, key: &str, v: Option<impl serde::Serialize>) {
    if let Some(v) = v {
        extra.insert(
            key.to_owned(),
            serde_json::to_value(v).unwrap_or(Value::Null),
        );
    }
}

pub(crate) fn decode(body: &[u8], ctx: DecodeContext<'_>) -> Result<ir::Request> {
    let req: wire::Request = serde_json::from_slice(body)?;
    let mut residue = Residue::new();
    let mut extra = req.extra;
    let mut conv = Conversation::default();
    match req.instructions {
        Some(wire::Instructions::Text(s)) => conv.push(Entry {
            msg: Message::text(Role::System, s),
            residue: Residue::new(),
        }),
        Some(wire::Instructions::Items(items)) => items.into_iter().for_each(|i| conv.item(i)),
        None => {}
    }
    match req.input {
        Some(wire::Input::Text(s)) => conv.push(Entry {
            msg: Message::text(Role::User, s),
            residue: Residue::new(),
        }),
        Some(wire::Input::Items(items)) => items.into_iter().for_each(|i| conv.item(i)),
        None => {}
    }
    let tools = tools::tools_from_wire(req.tools.unwrap_or_default(), &mut residue);
    let tool_choice = req
        .tool_choice
        .and_then(|c| tools::tool_choice_from_wire(c, &mut residue));
    let response_format = req
        .text
        .and_then(|t| tools::text_from_wire(t, &mut extra, &mut residue));
    let reasoning = req
        .reasoning
        .map(|r| tools::reasoning_from_wire(r, &mut residue));
    let include = req.include.clone().unwrap_or_default();
    let logprobs = req.top_logprobs.map(|n| ir::Logprobs {
        enabled: include.iter().any(|i| i == "message.output_text.logprobs"),
        top_logprobs: Some(n),
    });
    let user = req.user.clone().or_else(|| req.safety_identifier.clone());
    put(&mut extra, "store", req.store);
    put(&mut extra, "previous_response_id", req.previous_response_id);
    put(&mut extra, "conversation", req.conversation);
    put(&mut extra, "include", req.include);
    put(&mut extra, "metadata", req.metadata);
    put(&mut extra, "prompt_cache_key", req.prompt_cache_key);
    put(&mut extra, "service_tier", req.service_tier);
    put(&mut extra, "truncation", req.truncation);
    put(&mut extra, "safety_identifier", req.safety_identifier);
    put(&mut extra, "stream_options", req.stream_options);
    put(&mut extra, "background", req.background);
    put(&mut extra, "max_tool_calls", req.max_tool_calls);
    // Every key in `extra` came from a Responses body: a Responses encoder may copy it back.
    let fields: Vec<Value> = extra.keys().map(|k| Value::String(k.clone())).collect();
    if !fields.is_empty() {
        residue.insert("fields".to_owned(), Value::Array(fields));
    }
    if !residue.is_empty() {
        extra.insert(RESIDUE.to_owned(), Value::Object(residue));
    }
    let stream = req.stream.unwrap_or(false);
    Ok(ir::Request {
        model: req
            .model
            .or_else(|| ctx.model.map(str::to_owned))
            .unwrap_or_default(),
        messages: conv.finish(),
        tools,
        tool_choice,
        parallel_tool_calls: req.parallel_tool_calls,
        max_output_tokens: req.max_output_tokens,
        temperature: req.temperature,
        top_p: req.top_p,
        response_format,
        reasoning,
        logprobs,
        stream,
        // Responses always reports usage; ask a Chat upstream for it too.
        stream_include_usage: stream,
        user,
        origin: Some(Family::OpenAi),
        extra,
        ..Default::default()
    })
}
