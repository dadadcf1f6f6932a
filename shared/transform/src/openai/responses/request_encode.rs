//! IR → Responses request: the conversation becomes `instructions` + `input` items, settings
//! their Responses fields; what Responses cannot say is reported.

use gproxy_protocol::openai::responses as wire;
use gproxy_protocol::Family;
use serde_json::{Map, Value};

use super::content::RESIDUE;
use super::messages_encode::Writer;
use super::{settings, tools};
use crate::diag::Diagnostics;
use crate::error::{Result, TransformError};
use crate::ir::{self, Message, Part, Role};

type Residue = Map<String, Value>;

/// Request fields with no IR slot that a Responses upstream understands; copied from `extra`
/// when the request came from an OpenAI kind.
const RESPONSES_FIELDS: &[&str] = &[
    "store",
    "previous_response_id",
    "conversation",
    "include",
    "metadata",
    "prompt_cache_key",
    "prompt_cache_retention",
    "service_tier",
    "truncation",
    "safety_identifier",
    "stream_options",
    "background",
    "max_tool_calls",
    "prompt",
    "client_metadata",
    "context_management",
];

pub(crate) fn obj<'a>(
    m: Option<&'a Map<String, Value>>,
    key: &str,
) -> Option<&'a Map<String, Value>> {
    m.and_then(|m| m.get(key)).and_then(Value::as_object)
}

pub(crate) fn str_of(m: &Map<String, Value>, key: &str) -> Option<String> {
    m.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// The Responses residue of an IR `extra` map, when the request came from OpenAI.
pub(crate) fn residue_of(extra: &Map<String, Value>, same: bool) -> Option<&Residue> {
    same.then(|| extra.get(RESIDUE))
        .flatten()
        .and_then(Value::as_object)
}

/// The single leading system message that can be `instructions`: plain text that did not come
/// from a Responses input item.
pub(crate) fn instructions_of(m: &Message, same: bool) -> Option<String> {
    if m.role != Role::System
        || obj(residue_of(&m.extra, same), "message").is_some()
        || !m.extra.is_empty()
    {
        return None;
    }
    match m.parts.as_slice() {
        [Part::Text(t)] if t.annotations.is_empty() => Some(t.text.clone()),
        _ => None,
    }
}

/// Settings, tools and `extra` (everything but `input` and `instructions`) into `out`; the
/// response encoder reuses this to echo the request.
pub(crate) fn encode_params(
    req: &ir::Request,
    out: &mut wire::Request,
    diag: &mut Diagnostics,
) -> Result<()> {
    let same = req.origin == Some(Family::OpenAi);
    let residue = residue_of(&req.extra, same);
    if req.n.is_some_and(|n| n > 1) {
        return Err(TransformError::Unsupported(
            "several choices (`n` > 1) in one Responses request".to_owned(),
        ));
    }
    if !req.tools.is_empty() {
        out.tools = Some(tools::tools_to_wire(&req.tools, residue, diag));
    }
    out.tool_choice = req
        .tool_choice
        .as_ref()
        .map(|c| settings::tool_choice_to_wire(c, &req.tools, residue));
    out.parallel_tool_calls = req.parallel_tool_calls;
    out.reasoning = req
        .reasoning
        .as_ref()
        .and_then(|r| settings::reasoning_to_wire(r, residue, diag));
    out.max_output_tokens = req.max_output_tokens;
    out.temperature = req.temperature;
    out.top_p = req.top_p;
    let dropped: [(&str, bool); 6] = [
        ("top_k", req.top_k.is_some()),
        ("stop", !req.stop.is_empty()),
        ("seed", req.seed.is_some()),
        ("presence_penalty", req.presence_penalty.is_some()),
        ("frequency_penalty", req.frequency_penalty.is_some()),
        ("n", req.n.is_some_and(|n| n != 1)),
    ];
    for (field, set) in dropped {
        if set {
            diag.dropped(field, "no Responses parameter");
        }
    }
    let fields: Vec<&str> = residue
        .and_then(|r| r.get("fields"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut verbosity = None;
    for (key, value) in &req.extra {
        let k = key.as_str();
        match k {
            // Chat remembers `max_tokens` for its own clients; the IR limit already says it.
            RESIDUE | "max_tokens" => {}
            "verbosity" if same => verbosity = value.as_str().map(str::to_owned),
            "stream_options" if same && !fields.contains(&k) => {
                // Chat's `include_usage` is not a Responses option; obfuscation is.
                if let Some(o) = value.get("include_obfuscation") {
                    out.extra
                        .insert(key.clone(), serde_json::json!({ "include_obfuscation": o }));
                }
            }
            _ if same && (RESPONSES_FIELDS.contains(&k) || fields.contains(&k)) => {
                out.extra.insert(key.clone(), value.clone());
            }
            "previous_response_id" | "conversation" => {
                diag.dropped(
                    key.clone(),
                    "the earlier turns are stored at the origin provider and cannot be sent",
                );
            }
            _ => diag.dropped(key.clone(), "no Responses field"),
        }
    }
    out.text = settings::text_to_wire(req.response_format.as_ref(), verbosity, residue);
    if let Some(lp) = &req.logprobs {
        out.top_logprobs = lp.top_logprobs;
        if lp.enabled {
            let mut include: Vec<String> = out
                .extra
                .remove("include")
                .and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default();
            if !include.iter().any(|i| i == "message.output_text.logprobs") {
                include.push("message.output_text.logprobs".to_owned());
            }
            out.include = Some(include);
        }
    }
    if !same {
        stateless(out, req);
    }
    let sid = out.extra.get("safety_identifier").and_then(Value::as_str);
    out.user = req.user.clone().filter(|u| Some(u.as_str()) != sid);
    Ok(())
}

/// A client of another protocol carries its whole history itself: nothing is stored upstream, and
/// reasoning comes back encrypted so the client can replay it on the next turn (the signature
/// rides in its own protocol's opaque field, see `sig`).
fn stateless(out: &mut wire::Request, req: &ir::Request) {
    out.store = Some(false);
    let reasoning_on = req
        .reasoning
        .as_ref()
        .is_some_and(|r| r.enabled != Some(false) && r.effort != Some(ir::ReasoningEffort::None));
    if reasoning_on {
        let include = out.include.get_or_insert_with(Vec::new);
        if !include.iter().any(|i| i == "reasoning.encrypted_content") {
            include.push("reasoning.encrypted_content".to_owned());
        }
    }
}

pub(crate) fn encode(req: &ir::Request, diag: &mut Diagnostics) -> Result<wire::Request> {
    let same = req.origin == Some(Family::OpenAi);
    let mut out = wire::Request {
        model: (!req.model.is_empty()).then(|| req.model.clone()),
        ..Default::default()
    };
    let mut messages = req.messages.as_slice();
    if let Some((first, rest)) = messages.split_first() {
        if let Some(text) = instructions_of(first, same) {
            out.instructions = Some(wire::Instructions::Text(text));
            messages = rest;
        }
    }
    let call_kinds = req
        .messages
        .iter()
        .flat_map(|m| &m.parts)
        .filter_map(|p| match p {
            Part::ToolCall(c) => Some((c.id.clone(), c.kind)),
            _ => None,
        })
        .collect();
    let offset = req.messages.len() - messages.len();
    let mut w = Writer {
        items: Vec::new(),
        diag,
        same,
        call_kinds,
    };
    for (i, m) in messages.iter().enumerate() {
        w.message(i + offset, m);
    }
    let items = w.items;
    let plain_prompt = match (messages, items.as_slice()) {
        ([m], [wire::Item::EasyMessage(wm)])
            if m.role == Role::User
                && obj(residue_of(&m.extra, same), "message").is_none()
                && wm.extra.is_empty() =>
        {
            match &wm.content {
                wire::MessageContent::Text(s) => Some(s.clone()),
                wire::MessageContent::Parts(_) => None,
            }
        }
        _ => None,
    };
    out.input = Some(match plain_prompt {
        Some(s) => wire::Input::Text(s),
        None => wire::Input::Items(items),
    });
    encode_params(req, &mut out, diag)?;
    out.stream = req.stream.then_some(true);
    Ok(out)
}
