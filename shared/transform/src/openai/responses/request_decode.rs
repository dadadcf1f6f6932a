//! Responses request → IR: items become conversation messages, settings their IR fields, and the
//! rest lands in `extra` (wire names) or the Responses residue.

use gproxy_protocol::openai::responses as wire;
use gproxy_protocol::Family;
use serde_json::{Map, Value};

use super::content::RESIDUE;
use super::conversation::{Conversation, Entry};
use super::{settings, tools};
use crate::codec::DecodeContext;
use crate::error::Result;
use crate::ir::{self, Message, Reasoning, Role};
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

pub(crate) fn put_item_residue(residue: &mut Residue, key: &str, rest: Map<String, Value>) {
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

pub(crate) fn role_from_wire(r: &wire::Role) -> Role {
    match r {
        wire::Role::User => Role::User,
        wire::Role::Assistant => Role::Assistant,
        wire::Role::System => Role::System,
        wire::Role::Developer => Role::Developer,
        // Unknown roles are read as user input, the most neutral place for them.
        wire::Role::Other(_) => Role::User,
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
    let req: wire::Request = crate::error::from_json(body)?;
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
        .and_then(|c| settings::tool_choice_from_wire(c, &mut residue));
    let response_format = req
        .text
        .and_then(|t| settings::text_from_wire(t, &mut extra, &mut residue));
    let reasoning = req
        .reasoning
        .map(|r| settings::reasoning_from_wire(r, &mut residue));
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
