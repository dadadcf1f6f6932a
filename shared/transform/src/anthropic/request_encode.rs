//! IR → Anthropic Messages request (and count-tokens request).
//!
//! Leading System/Developer messages become `system` text blocks; later ones become
//! `role: "system"` entries in place (the mid-conversation system shape newer Anthropic clients
//! send). Tool messages become `tool_result` blocks in a user turn, and consecutive turns of
//! the same role are merged, since Anthropic requires user/assistant alternation.

use gproxy_protocol::anthropic as wire;
use gproxy_protocol::anthropic::ContentBlock as B;
use serde_json::{json, Map, Value};

use super::blocks::{PartEncoder, Target};
use super::tools::{encode_tools, tool_choice};
use super::{BLOCK_FIELDS, FAMILY};
use crate::codec::EncodedRequest;
use crate::diag::Diagnostics;
use crate::error::{Result, TransformError};
use crate::ir;

/// `max_tokens` is required by Anthropic; used when the client gave none.
pub(crate) const DEFAULT_MAX_TOKENS: u64 = 8192;
/// Anthropic's smallest thinking budget.
const MIN_BUDGET: u64 = 1024;
/// Request fields whose IR-mapped part is rebuilt and whose residual (kept in `extra` by the
/// decoder) is merged back in for the same family.
const MERGED: [&str; 4] = ["thinking", "output_config", "metadata", "tool_choice"];

pub(crate) fn encode(
    req: &ir::Request,
    diag: &mut Diagnostics,
    count_tokens: bool,
) -> Result<EncodedRequest> {
    let same = req.origin == Some(FAMILY);
    if req.n.is_some_and(|n| n > 1) {
        return Err(TransformError::Unsupported(
            "n > 1: Anthropic returns one message per request".into(),
        ));
    }
    let fields = if same {
        req.extra.get(BLOCK_FIELDS).and_then(Value::as_object)
    } else {
        None
    };
    let (system, messages) = encode_messages(req, fields, same, diag);
    let mut w = wire::MessagesRequest {
        model: req.model.clone(),
        messages,
        system,
        ..Default::default()
    };
    let tools = encode_tools(&req.tools, fields, diag);
    if !tools.is_empty() {
        w.tool_choice = tool_choice(req, same);
        w.tools = Some(tools);
    }
    if !count_tokens {
        let max = req.max_output_tokens.unwrap_or_else(|| {
            diag.approximated(
                "max_output_tokens",
                "Anthropic requires max_tokens; 8192 used",
            );
            DEFAULT_MAX_TOKENS
        });
        w.max_tokens = Some(max);
        w.temperature = req.temperature.map(|t| {
            if t > 1.0 {
                diag.approximated("temperature", "Anthropic temperature is at most 1; clamped");
            }
            t.min(1.0)
        });
        w.top_p = req.top_p;
        w.top_k = req.top_k;
        w.stop_sequences = (!req.stop.is_empty()).then(|| req.stop.clone());
        w.stream = req.stream.then_some(true);
    }
    let (thinking, effort) = encode_reasoning(req, same, w.max_tokens, diag);
    if !same && matches!(thinking, Some(wire::Thinking::Enabled(_))) {
        drop_sampling_under_thinking(&mut w, diag);
    }
    w.thinking = thinking;
    let format = match &req.response_format {
        Some(ir::ResponseFormat::JsonSchema { schema, .. }) => {
            Some(json!({"type": "json_schema", "schema": schema}))
        }
        Some(ir::ResponseFormat::JsonObject) => {
            diag.dropped(
                "response_format",
                "Anthropic has no JSON mode without a schema",
            );
            None
        }
        Some(ir::ResponseFormat::Text) | None => None,
    };
    if effort.is_some() || format.is_some() {
        w.output_config = Some(wire::OutputConfig {
            effort,
            format,
            extra: Map::new(),
        });
    }
    w.metadata = req.user.clone().map(|u| wire::Metadata {
        user_id: Some(u),
        extra: Map::new(),
    });
    report_unsupported(req, diag);

    let mut body = match serde_json::to_value(&w)? {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    for (k, v) in &req.extra {
        if k == BLOCK_FIELDS || crate::ir::is_bookkeeping(k) {
            continue;
        }
        if !same {
            diag.dropped(
                k.clone(),
                "field of another provider with no Anthropic equivalent",
            );
            continue;
        }
        match (body.get_mut(k), v) {
            (Some(Value::Object(have)), Value::Object(residual))
                if MERGED.contains(&k.as_str()) =>
            {
                have.extend(residual.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            (Some(_), _) => {}
            (None, v) => {
                body.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(EncodedRequest {
        body: serde_json::to_vec(&body)?,
        model: req.model.clone(),
        stream: req.stream && !count_tokens,
    })
}

fn encode_messages(
    req: &ir::Request,
    fields: Option<&Map<String, Value>>,
    same: bool,
    diag: &mut Diagnostics,
) -> (Option<wire::System>, Vec<wire::Message>) {
    let mut enc = PartEncoder {
        target: Target::Upstream,
        fields,
        diag,
    };
    let mut system: Vec<B> = Vec::new();
    let mut out: Vec<(wire::Role, Vec<B>, Map<String, Value>)> = Vec::new();
    let mut leading = true;
    for (i, m) in req.messages.iter().enumerate() {
        let role = match m.role {
            ir::Role::System | ir::Role::Developer => wire::Role::System,
            ir::Role::User | ir::Role::Tool => wire::Role::User,
            ir::Role::Assistant => wire::Role::Assistant,
        };
        // Tool results go to a user turn wherever they appear; the rest stays in `role`.
        let mut segments: Vec<(wire::Role, Vec<B>)> = Vec::new();
        for (j, p) in m.parts.iter().enumerate() {
            let at = format!("messages[{i}].content[{j}]");
            let seg_role = match (&role, p) {
                (wire::Role::System, ir::Part::Text(_)) => role.clone(),
                (wire::Role::System, _)
                | (wire::Role::Assistant, ir::Part::Image(_) | ir::Part::File(_))
                | (wire::Role::User, ir::Part::ToolCall(_) | ir::Part::Reasoning(_)) => {
                    enc.diag.dropped(
                        at,
                        "content of this kind cannot appear in this Anthropic turn",
                    );
                    continue;
                }
                (_, ir::Part::ToolResult(_)) => wire::Role::User,
                _ => role.clone(),
            };
            if segments.last().is_none_or(|(r, _)| *r != seg_role) {
                segments.push((seg_role, Vec::new()));
            }
            if let Some((_, blocks)) = segments.last_mut() {
                enc.encode(p, &format!("m{i}.p{j}"), &at, blocks);
            }
        }
        if role == wire::Role::System && leading {
            system.extend(segments.into_iter().flat_map(|(_, b)| b));
            continue;
        }
        leading = false;
        for (seg_role, blocks) in segments {
            if blocks.is_empty() {
                continue;
            }
            match out.last_mut() {
                Some((r, b, _)) if *r == seg_role && seg_role != wire::Role::System => {
                    b.extend(blocks)
                }
                _ => {
                    let extra = if same { m.extra.clone() } else { Map::new() };
                    out.push((seg_role, blocks, extra));
                }
            }
        }
    }
    let system = (!system.is_empty()).then(|| match plain_text(&system) {
        Some(s) => wire::System::Text(s),
        None => wire::System::Blocks(system),
    });
    let messages = out
        .into_iter()
        .map(|(role, blocks, extra)| {
            let content = match plain_text(&blocks) {
                Some(s) => wire::MessageContent::Text(s),
                None => wire::MessageContent::Blocks(blocks),
            };
            wire::Message {
                role,
                content,
                extra,
            }
        })
        .collect();
    (system, messages)
}

/// The text of a single plain text block (sent as the string shorthand).
fn plain_text(blocks: &[B]) -> Option<String> {
    match blocks {
        [B::Text(t)]
            if t.citations.is_none() && t.cache_control.is_none() && t.extra.is_empty() =>
        {
            Some(t.text.clone())
        }
        _ => None,
    }
}

/// The `thinking` config and `output_config.effort`. The same family gets back what it sent
/// (adaptive, effort); other families' effort becomes a budget, since older Claude models take
/// only a budget.
fn encode_reasoning(
    req: &ir::Request,
    same: bool,
    max_tokens: Option<u64>,
    diag: &mut Diagnostics,
) -> (Option<wire::Thinking>, Option<String>) {
    let Some(rc) = &req.reasoning else {
        return (None, None);
    };
    if same {
        let options = wire::ThinkingOptions {
            display: rc
                .include_thoughts
                .map(|v| if v { "summarized" } else { "omitted" }.to_owned()),
            extra: Map::new(),
        };
        let t = match (rc.enabled, rc.budget_tokens) {
            (Some(false), _) => Some(wire::Thinking::Disabled(options)),
            (_, Some(b)) => Some(wire::Thinking::Enabled(wire::ThinkingEnabled {
                budget_tokens: b,
                options,
            })),
            (Some(true), None) => Some(wire::Thinking::Adaptive(options)),
            (None, None) => None,
        };
        return (t, rc.effort.map(|e| e.as_str().to_owned()));
    }
    let disabled = wire::Thinking::Disabled(wire::ThinkingOptions::default());
    if rc.enabled == Some(false)
        || rc.effort == Some(ir::ReasoningEffort::None)
        || rc.budget_tokens == Some(0)
    {
        return (Some(disabled), None);
    }
    let mut budget = match (rc.budget_tokens, rc.effort) {
        (Some(b), _) => b,
        (None, Some(e)) => {
            diag.approximated(
                "reasoning.effort",
                "reasoning effort sent as an Anthropic thinking budget",
            );
            e.budget_tokens()
        }
        // A client asking to see thoughts without a budget (Gemini `includeThoughts`: Gemini
        // models think by default) gets thinking at the medium budget.
        (None, None) if rc.enabled == Some(true) || rc.include_thoughts == Some(true) => {
            diag.approximated(
                "reasoning",
                "thinking without a budget sent with the medium-effort budget",
            );
            ir::ReasoningEffort::Medium.budget_tokens()
        }
        (None, None) => return (None, None),
    };
    if budget < MIN_BUDGET {
        diag.approximated(
            "reasoning.budget_tokens",
            "raised to Anthropic's minimum thinking budget (1024)",
        );
        budget = MIN_BUDGET;
    }
    if let Some(max) = max_tokens.filter(|m| budget >= *m) {
        if max <= MIN_BUDGET {
            diag.dropped(
                "reasoning",
                "max output tokens too small for Anthropic's minimum thinking budget",
            );
            return (None, None);
        }
        diag.approximated(
            "reasoning.budget_tokens",
            "thinking budget lowered below max_tokens",
        );
        budget = max - 1;
    }
    let options = wire::ThinkingOptions::default();
    (
        Some(wire::Thinking::Enabled(wire::ThinkingEnabled {
            budget_tokens: budget,
            options,
        })),
        None,
    )
}

/// Anthropic rejects `temperature` other than 1, `top_k`, and `top_p` below 0.95 with thinking.
fn drop_sampling_under_thinking(w: &mut wire::MessagesRequest, diag: &mut Diagnostics) {
    if w.temperature.take_if(|t| *t != 1.0).is_some() {
        diag.dropped(
            "temperature",
            "Anthropic allows no temperature other than 1 with thinking",
        );
    }
    if w.top_k.take().is_some() {
        diag.dropped("top_k", "Anthropic allows no top_k with thinking");
    }
    if w.top_p.take_if(|p| *p < 0.95).is_some() {
        diag.dropped(
            "top_p",
            "Anthropic allows top_p only from 0.95 with thinking",
        );
    }
}

fn report_unsupported(req: &ir::Request, diag: &mut Diagnostics) {
    let unsupported = [
        ("seed", req.seed.is_some()),
        ("presence_penalty", req.presence_penalty.is_some()),
        ("frequency_penalty", req.frequency_penalty.is_some()),
        ("logprobs", req.logprobs.as_ref().is_some_and(|l| l.enabled)),
    ];
    for (field, set) in unsupported {
        if set {
            diag.dropped(field, "Anthropic has no such parameter");
        }
    }
}
