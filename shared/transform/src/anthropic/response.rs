//! Anthropic Messages response ⇄ IR.

use gproxy_protocol::anthropic as wire;
use serde_json::Value;

use super::blocks::{PartEncoder, Target};
use super::convert::{stop_reason_from_wire, stop_reason_to_wire, usage_from_wire, usage_to_wire};
use super::parts::decode_block;
use crate::codec::EncodeContext;
use crate::diag::Diagnostics;
use crate::error::Result;
use crate::ir;

/// Response fields of Anthropic's own that an Anthropic client gets back when present.
const KEPT: [&str; 2] = ["container", "stop_details"];

pub(crate) fn decode(body: &[u8]) -> Result<ir::Response> {
    let w: wire::MessageResponse = crate::error::from_json(body)?;
    from_wire(w)
}

pub(crate) fn from_wire(w: wire::MessageResponse) -> Result<ir::Response> {
    let mut content = Vec::with_capacity(w.content.len());
    for (k, block) in w.content.into_iter().enumerate() {
        content.push(decode_block(block, &format!("content[{k}]"))?.0);
    }
    let mut extra = w.extra;
    if let Some(tier) = &w.usage.service_tier {
        extra.insert("service_tier".into(), Value::String(tier.clone()));
    }
    Ok(ir::Response {
        id: w.id,
        model: w.model,
        created: None,
        content,
        stop_reason: w
            .stop_reason
            .as_ref()
            .map(|r| stop_reason_from_wire(r, w.stop_sequence.as_deref())),
        usage: Some(usage_from_wire(&w.usage)),
        extra,
    })
}

pub(crate) fn encode(resp: &ir::Response, ctx: &EncodeContext, diag: &mut Diagnostics) -> Vec<u8> {
    let w = to_wire(resp, ctx, diag);
    serde_json::to_vec(&w).unwrap_or_default()
}

fn diag_dropped(diag: &mut Diagnostics, key: &str) {
    diag.dropped(
        key.to_owned(),
        "response field with no Anthropic equivalent",
    );
}

pub(crate) fn to_wire(
    resp: &ir::Response,
    ctx: &EncodeContext,
    diag: &mut Diagnostics,
) -> wire::MessageResponse {
    let id = if resp.id.is_empty() {
        ctx.fallback_id.clone()
    } else {
        resp.id.clone()
    };
    let model = if resp.model.is_empty() {
        ctx.model.clone()
    } else {
        resp.model.clone()
    };
    let mut w = wire::MessageResponse::new(id, model);
    let mut enc = PartEncoder {
        target: Target::Client,
        fields: None,
        diag,
    };
    for (k, part) in resp.content.iter().enumerate() {
        enc.encode(part, "", &format!("content[{k}]"), &mut w.content);
    }
    let reason = resp.stop_reason.clone().unwrap_or_else(|| {
        let called = resp
            .content
            .iter()
            .any(|p| matches!(p, ir::Part::ToolCall(_)));
        if called {
            ir::StopReason::ToolUse
        } else {
            ir::StopReason::EndTurn
        }
    });
    let (reason, sequence) = stop_reason_to_wire(&reason, Some(enc.diag));
    w.stop_reason = Some(reason);
    w.stop_sequence = sequence;
    w.usage = usage_to_wire(&resp.usage.unwrap_or_default());
    for (k, v) in &resp.extra {
        match (k.as_str(), v.as_str()) {
            (k, _) if KEPT.contains(&k) => {
                w.extra.insert(k.to_owned(), v.clone());
            }
            ("service_tier", Some(tier @ ("standard" | "priority" | "batch"))) => {
                w.usage.service_tier = Some(tier.to_owned());
            }
            _ => diag_dropped(enc.diag, k),
        }
    }
    w
}
