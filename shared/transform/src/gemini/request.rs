//! `generateContent` request body ⇄ IR request (the model and stream flag live in the path).

use gproxy_protocol::gemini as wire;
use gproxy_protocol::Family;
use serde_json::{Map, Value};

use super::config::{decode_generation_config, encode_generation_config};
use super::content::{decode_function_response, decode_part, CallIds};
use super::content_encode::{note_calls, PartEncoder, SigPolicy};
use super::tools::{decode_tool_config, decode_tools, encode_tool_choice, encode_tools};
use crate::codec::{DecodeContext, EncodedRequest};
use crate::diag::Diagnostics;
use crate::error::Result;
use crate::ir::{self, Message, Request, Role};

/// `models/gemini-2.5-flash` → `gemini-2.5-flash`.
pub(crate) fn bare_model(model: &str) -> &str {
    model.strip_prefix("models/").unwrap_or(model)
}

pub(crate) fn decode(body: &[u8], ctx: DecodeContext<'_>) -> Result<Request> {
    let wire: wire::GenerateContentRequest = crate::error::from_json(body)?;
    Ok(from_wire(wire, ctx))
}

pub(crate) fn from_wire(w: wire::GenerateContentRequest, ctx: DecodeContext<'_>) -> Request {
    let model = ctx
        .model
        .or(w.model.as_deref())
        .map(bare_model)
        .unwrap_or_default()
        .to_owned();
    let mut req = Request {
        model,
        stream: ctx.stream.unwrap_or(false),
        origin: Some(Family::Gemini),
        extra: w.extra,
        ..Request::default()
    };
    let mut ids = CallIds::default();
    if let Some(si) = &w.system_instruction {
        let mut parts = Vec::new();
        for p in &si.parts {
            decode_part(p, &mut ids, &mut parts);
        }
        req.messages.push(Message::new(Role::System, parts));
    }
    req.messages.extend(decode_contents(&w.contents, &mut ids));
    req.tools = w.tools.as_deref().map(decode_tools).unwrap_or_default();
    if let Some(tc) = &w.tool_config {
        let (choice, exact) = decode_tool_config(tc);
        req.tool_choice = choice;
        if !exact {
            insert(&mut req.extra, "toolConfig", tc);
        }
    }
    if let Some(gc) = &w.generation_config {
        if let Some(rest) = decode_generation_config(gc, &mut req) {
            req.extra.insert("generationConfig".to_owned(), rest);
        }
    }
    if let Some(s) = &w.safety_settings {
        insert(&mut req.extra, "safetySettings", s);
    }
    if let Some(c) = &w.cached_content {
        insert(&mut req.extra, "cachedContent", c);
    }
    if let Some(l) = &w.labels {
        insert(&mut req.extra, "labels", l);
    }
    req
}

fn insert(extra: &mut ir::Extra, key: &str, value: &impl serde::Serialize) {
    if let Ok(v) = serde_json::to_value(value) {
        extra.insert(key.to_owned(), v);
    }
}

/// `user` → User, `model` → Assistant; each `functionResponse` becomes its own Tool message, the
/// other parts of the turn stay in user messages around them, in order.
pub(crate) fn decode_contents(contents: &[wire::Content], ids: &mut CallIds) -> Vec<Message> {
    let mut out = Vec::with_capacity(contents.len());
    for c in contents {
        let role = match c.role.as_deref() {
            Some("model") => Role::Assistant,
            _ => Role::User,
        };
        let mut parts = Vec::new();
        for p in &c.parts {
            match (&p.function_response, role) {
                (Some(fr), Role::User) => {
                    if !parts.is_empty() {
                        out.push(Message::new(role, std::mem::take(&mut parts)));
                    }
                    let result = decode_function_response(fr, ids);
                    out.push(Message::new(Role::Tool, vec![ir::Part::ToolResult(result)]));
                }
                _ => decode_part(p, ids, &mut parts),
            }
        }
        if !parts.is_empty() || c.parts.is_empty() {
            out.push(Message::new(role, parts));
        }
    }
    out
}

pub(crate) fn encode(req: &Request, diag: &mut Diagnostics) -> Result<EncodedRequest> {
    let wire = to_wire(req, diag);
    Ok(EncodedRequest {
        body: serde_json::to_vec(&wire)?,
        model: bare_model(&req.model).to_owned(),
        stream: req.stream,
    })
}

pub(crate) fn to_wire(req: &Request, diag: &mut Diagnostics) -> wire::GenerateContentRequest {
    let (mut w, gc_base) = base_from_extra(req, diag);
    let (system, contents) = encode_messages(&req.messages, diag);
    w.system_instruction = system;
    w.contents = contents;
    w.tools = encode_tools(&req.tools, diag);
    if w.tool_config.is_none() {
        w.tool_config = req.tool_choice.as_ref().map(encode_tool_choice);
    }
    w.generation_config = encode_generation_config(req, gc_base, diag);
    if req.parallel_tool_calls == Some(false) {
        diag.dropped(
            "parallel_tool_calls",
            "Gemini cannot forbid parallel function calls",
        );
    }
    if req.user.is_some() {
        diag.dropped("user", "Gemini has no end-user field");
    }
    w
}

/// Gemini-only fields a Gemini client sent (kept in `extra`) come back; another family's extra
/// fields have no Gemini meaning and are reported.
fn base_from_extra(
    req: &Request,
    diag: &mut Diagnostics,
) -> (wire::GenerateContentRequest, wire::GenerationConfig) {
    if req.origin != Some(Family::Gemini) {
        for key in req.extra.keys().filter(|k| !crate::ir::is_bookkeeping(k)) {
            diag.dropped(key.as_str(), "no Gemini equivalent");
        }
        return Default::default();
    }
    let mut extra = req.extra.clone();
    let gc = extra
        .remove("generationConfig")
        .map(serde_json::from_value::<wire::GenerationConfig>);
    let base = serde_json::from_value::<wire::GenerateContentRequest>(Value::Object(extra));
    let gc = match gc {
        Some(Ok(gc)) => gc,
        None => wire::GenerationConfig::default(),
        Some(Err(_)) => {
            diag.dropped(
                "generationConfig",
                "kept Gemini generation fields are malformed",
            );
            wire::GenerationConfig::default()
        }
    };
    let base = base.unwrap_or_else(|_| {
        diag.dropped("extra", "kept Gemini request fields are malformed");
        wire::GenerateContentRequest::default()
    });
    (base, gc)
}

/// Leading System/Developer messages → `systemInstruction`; later ones become user text
/// (Gemini has a single system instruction). Consecutive turns of one role are merged.
fn encode_messages(
    messages: &[Message],
    diag: &mut Diagnostics,
) -> (Option<wire::Content>, Vec<wire::Content>) {
    let mut names = std::collections::HashMap::new();
    let mut system: Vec<wire::Part> = Vec::new();
    let mut contents: Vec<wire::Content> = Vec::new();
    let mut leading = true;
    for (i, m) in messages.iter().enumerate() {
        let field = format!("messages[{i}]");
        if m.name.is_some() {
            diag.dropped(format!("{field}.name"), "Gemini turns have no name");
        }
        let is_system = matches!(m.role, Role::System | Role::Developer);
        note_calls(&mut names, &m.parts);
        let mut enc = PartEncoder {
            policy: SigPolicy::DropForeign,
            names: &names,
            diag: &mut *diag,
        };
        if is_system {
            let texts = system_texts(m, &field, enc.diag);
            if leading {
                system.extend(texts);
            } else {
                enc.diag.approximated(
                    &field,
                    "system message after the conversation started sent as user text",
                );
                push_turn(&mut contents, "user", texts);
            }
            continue;
        }
        leading = false;
        let role = if m.role == Role::Assistant {
            "model"
        } else {
            "user"
        };
        let parts = enc.encode(&m.parts, &format!("{field}.content"));
        push_turn(&mut contents, role, parts);
    }
    let system = (!system.is_empty()).then(|| wire::Content {
        role: None,
        parts: system,
        extra: Map::new(),
    });
    (system, contents)
}

fn system_texts(m: &Message, field: &str, diag: &mut Diagnostics) -> Vec<wire::Part> {
    let mut out = Vec::new();
    for (j, p) in m.parts.iter().enumerate() {
        match p {
            ir::Part::Text(t) => out.push(wire::Part::text(t.text.clone())),
            _ => diag.dropped(
                format!("{field}.content[{j}]"),
                "system instructions carry text only",
            ),
        }
    }
    out
}

fn push_turn(contents: &mut Vec<wire::Content>, role: &str, parts: Vec<wire::Part>) {
    if parts.is_empty() {
        return;
    }
    match contents.last_mut() {
        Some(last) if last.role.as_deref() == Some(role) => last.parts.extend(parts),
        _ => contents.push(wire::Content {
            role: Some(role.to_owned()),
            parts,
            extra: Map::new(),
        }),
    }
}
