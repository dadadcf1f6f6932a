//! Responses `response` object ⇄ IR response: output items, status, usage, and the echo of
//! the request parameters that OpenAI puts in every response object.

use gproxy_protocol::openai::responses as wire;
use gproxy_protocol::Family;
use serde_json::{json, Map, Number, Value};

use super::content::{annotations_to_wire, as_item, opaque_item, part_from_wire};
use super::output::{
    call_item, call_signature_item, item_id, message_item, output_text, reasoning_item,
};
use super::request_decode::reasoning_from_wire;
use super::request_encode::{encode_params, instructions_of};
use crate::codec::EncodeContext;
use crate::diag::Diagnostics;
use crate::error::Result;
use crate::ir::{self, Part, StopReason, ToolCall, ToolCallKind, Usage};

pub(crate) fn usage_from_wire(u: &wire::Usage) -> Usage {
    Usage {
        input_tokens: u.input_tokens,
        output_tokens: u.output_tokens,
        cache_read_tokens: u
            .input_tokens_details
            .as_ref()
            .map_or(0, |d| d.cached_tokens),
        cache_write_tokens: 0,
        reasoning_tokens: u
            .output_tokens_details
            .as_ref()
            .map_or(0, |d| d.reasoning_tokens),
    }
}

/// OpenAI reports no cache writes: they are part of `input_tokens` and nothing more.
pub(crate) fn usage_to_wire(u: &Usage) -> wire::Usage {
    wire::Usage {
        input_tokens: u.input_tokens,
        input_tokens_details: Some(wire::InputTokensDetails {
            cached_tokens: u.cache_read_tokens,
            extra: Map::new(),
        }),
        output_tokens: u.output_tokens,
        output_tokens_details: Some(wire::OutputTokensDetails {
            reasoning_tokens: u.reasoning_tokens,
            extra: Map::new(),
        }),
        total_tokens: u.total(),
        extra: Map::new(),
    }
}

pub(crate) fn stop_from_wire(
    status: Option<&str>,
    reason: Option<&str>,
    has_calls: bool,
) -> Option<StopReason> {
    Some(match (status, reason) {
        (Some("completed") | None, _) if has_calls => StopReason::ToolUse,
        (Some("completed") | None, _) => StopReason::EndTurn,
        (Some("incomplete"), Some("max_output_tokens")) => StopReason::MaxTokens,
        (Some("incomplete"), Some("content_filter")) => StopReason::ContentFilter,
        (Some("incomplete"), Some(other)) => StopReason::Other(other.to_owned()),
        (Some("in_progress" | "queued"), _) => return None,
        (Some(other), _) => StopReason::Other(other.to_owned()),
    })
}

/// `status` and `incomplete_details` for an IR stop reason.
pub(crate) fn status_of(
    stop: Option<&StopReason>,
) -> (&'static str, Option<wire::IncompleteDetails>) {
    let incomplete = |reason: &str| {
        (
            "incomplete",
            Some(wire::IncompleteDetails {
                reason: Some(reason.to_owned()),
                extra: Map::new(),
            }),
        )
    };
    match stop {
        Some(StopReason::MaxTokens) => incomplete("max_output_tokens"),
        Some(StopReason::ContentFilter) => incomplete("content_filter"),
        _ => ("completed", None),
    }
}

/// A Responses id (`resp_...`) for an upstream id of any family.
pub(crate) fn response_id(id: &str, fallback: &str) -> String {
    let id = if id.is_empty() { fallback } else { id };
    if id.starts_with("resp_") {
        id.to_owned()
    } else {
        format!("resp_{id}")
    }
}

/// The response object with every request parameter OpenAI echoes, before any output.
pub(crate) fn template(ctx: &EncodeContext) -> wire::Response {
    let mut r = wire::Response {
        object: "response".to_owned(),
        parallel_tool_calls: Some(true),
        store: Some(false),
        text: Some(wire::TextConfig {
            format: Some(wire::TextFormat::Text(Map::new())),
            ..Default::default()
        }),
        tool_choice: Some(wire::ToolChoice::Mode("auto".to_owned())),
        tools: Some(Vec::new()),
        truncation: Some("disabled".to_owned()),
        metadata: Some(Map::new()),
        ..Default::default()
    };
    let Some(req) = &ctx.request else { return r };
    let mut w = wire::Request::default();
    if encode_params(req, &mut w, &mut Diagnostics::new()).is_err() {
        return r;
    }
    let same = req.origin == Some(Family::OpenAi);
    r.instructions = req
        .messages
        .first()
        .and_then(|m| instructions_of(m, same))
        .map(wire::Instructions::Text);
    r.max_output_tokens = w.max_output_tokens;
    r.temperature = w.temperature;
    r.top_p = w.top_p;
    r.user = w.user;
    r.reasoning = w.reasoning.or(r.reasoning);
    r.parallel_tool_calls = w.parallel_tool_calls.or(r.parallel_tool_calls);
    r.text = w.text.or(r.text);
    r.tool_choice = w.tool_choice.or(r.tool_choice);
    r.tools = w.tools.or(r.tools);
    for (key, value) in w.extra {
        match key.as_str() {
            "store" => r.store = value.as_bool(),
            "truncation" => r.truncation = value.as_str().map(str::to_owned),
            "service_tier" => r.service_tier = value.as_str().map(str::to_owned),
            "previous_response_id" => r.previous_response_id = value.as_str().map(str::to_owned),
            "metadata" => r.metadata = value.as_object().cloned(),
            "prompt_cache_key" | "safety_identifier" | "background" | "max_tool_calls"
            | "top_logprobs" => {
                r.extra.insert(key, value);
            }
            _ => {}
        }
    }
    r
}

pub(crate) fn decode(body: &[u8]) -> Result<ir::Response> {
    let r: wire::Response = crate::error::from_json(body)?;
    let mut content = Vec::with_capacity(r.output.len());
    let mut has_calls = false;
    for item in r.output {
        match item {
            wire::Item::Message(m) | wire::Item::EasyMessage(m) => match m.content {
                wire::MessageContent::Text(s) => content.push(Part::Text(ir::Text::new(s))),
                wire::MessageContent::Parts(parts) => {
                    content.extend(parts.into_iter().map(part_from_wire))
                }
            },
            wire::Item::Reasoning(rs) => {
                content.push(Part::Reasoning(reasoning_from_wire(rs, None)))
            }
            wire::Item::FunctionCall(c) => {
                has_calls = true;
                content.push(Part::ToolCall(ToolCall {
                    id: c.call_id,
                    name: c.name,
                    namespace: c.namespace,
                    arguments: c.arguments,
                    kind: ToolCallKind::Function,
                    signature: None,
                    item_id: c.id,
                }));
            }
            wire::Item::CustomToolCall(c) => {
                has_calls = true;
                content.push(Part::ToolCall(ToolCall {
                    id: c.call_id,
                    name: c.name,
                    namespace: c.namespace,
                    arguments: c.input,
                    kind: ToolCallKind::Custom,
                    signature: None,
                    item_id: c.id,
                }));
            }
            other => content.push(opaque_item(
                serde_json::to_value(&other).unwrap_or(Value::Null),
            )),
        }
    }
    let reason = r
        .incomplete_details
        .as_ref()
        .and_then(|d| d.reason.as_deref());
    let mut extra = Map::new();
    if let Some(t) = r.service_tier {
        extra.insert("service_tier".to_owned(), Value::String(t));
    }
    if let Some(e) = &r.error {
        extra.insert("error".to_owned(), serde_json::to_value(e)?);
    }
    Ok(ir::Response {
        id: r.id,
        model: r.model,
        created: r
            .created_at
            .as_ref()
            .and_then(|n| n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))),
        content,
        stop_reason: stop_from_wire(r.status.as_deref(), reason, has_calls),
        usage: r.usage.as_ref().map(usage_from_wire),
        extra,
    })
}

/// IR output parts as Responses output items; consecutive text and refusal parts share one
/// message item, as OpenAI writes them.
fn output_items(
    resp: &ir::Response,
    id: &str,
    ctx: &EncodeContext,
    diag: &mut Diagnostics,
) -> Vec<wire::Item> {
    let mut out = Vec::new();
    let mut msg: Vec<wire::ContentPart> = Vec::new();
    let flush = |out: &mut Vec<wire::Item>, msg: &mut Vec<wire::ContentPart>| {
        if !msg.is_empty() {
            let n = out.len();
            out.push(message_item(
                item_id("msg", id, n),
                std::mem::take(msg),
                "completed",
            ));
        }
    };
    for (j, part) in resp.content.iter().enumerate() {
        let path = format!("content[{j}]");
        match part {
            Part::Text(t) => msg.push(output_text(
                t.text.clone(),
                annotations_to_wire(&t.annotations, &path, diag),
            )),
            Part::Refusal(r) => msg.push(wire::ContentPart::Refusal(wire::RefusalPart {
                refusal: r.clone(),
                extra: Map::new(),
            })),
            Part::Reasoning(r) => {
                flush(&mut out, &mut msg);
                let rid = r.id.clone().unwrap_or_else(|| item_id("rs", id, out.len()));
                out.push(reasoning_item(rid, &r.text, r.signature.as_ref()));
            }
            Part::ToolCall(c) => {
                flush(&mut out, &mut msg);
                let prefix = if c.kind == ToolCallKind::Custom {
                    "ctc"
                } else {
                    "fc"
                };
                let cid = c
                    .item_id
                    .clone()
                    .unwrap_or_else(|| item_id(prefix, id, out.len()));
                out.push(call_item(cid, c, &ctx.tool_namespaces, "completed"));
                out.extend(call_signature_item(c));
            }
            Part::Opaque(o) if as_item(o).is_some() => {
                flush(&mut out, &mut msg);
                if let Some(v) = as_item(o) {
                    out.push(
                        serde_json::from_value(v.clone())
                            .unwrap_or_else(|_| wire::Item::Unknown(v.clone())),
                    );
                }
            }
            _ => diag.dropped(path, "no Responses output item for this part"),
        }
    }
    flush(&mut out, &mut msg);
    out
}

pub(crate) fn encode(resp: &ir::Response, ctx: &EncodeContext, diag: &mut Diagnostics) -> Vec<u8> {
    let id = response_id(&resp.id, &ctx.fallback_id);
    let (status, incomplete) = status_of(resp.stop_reason.as_ref());
    let mut r = template(ctx);
    r.output = output_items(resp, &id, ctx, diag);
    r.id = id;
    r.created_at = Some(Number::from(resp.created.unwrap_or(ctx.created)));
    r.model = if resp.model.is_empty() {
        ctx.model.clone()
    } else {
        resp.model.clone()
    };
    r.status = Some(status.to_owned());
    r.incomplete_details = incomplete;
    r.usage = Some(usage_to_wire(&resp.usage.unwrap_or_default()));
    if let Some(t) = resp.extra.get("service_tier").and_then(Value::as_str) {
        r.service_tier = Some(t.to_owned());
    }
    for key in resp
        .extra
        .keys()
        .filter(|k| !matches!(k.as_str(), "service_tier" | "error"))
    {
        diag.dropped(format!("response.{key}"), "no Responses field");
    }
    serde_json::to_vec(&r).unwrap_or_else(|_| {
        json!({"id": r.id, "object": "response"})
            .to_string()
            .into_bytes()
    })
}
