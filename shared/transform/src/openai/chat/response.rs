//! Chat Completions response ⇄ IR, with the usage and finish-reason mappings streams share.

use gproxy_protocol::openai::chat::{self as wire, ChatCompletion, Choice, ResponseMessage};
use gproxy_protocol::Family;
use serde_json::{json, Map, Value};

use super::content::content_to_ir;
use super::messages::wire_tool_call;
use super::request_decode::decode_tool_call;
use crate::codec::EncodeContext;
use crate::diag::Diagnostics;
use crate::error::Result;
use crate::ir;

pub(super) fn stop_reason(finish: &str) -> ir::StopReason {
    match finish {
        "stop" => ir::StopReason::EndTurn,
        "length" => ir::StopReason::MaxTokens,
        "tool_calls" | "function_call" => ir::StopReason::ToolUse,
        "content_filter" => ir::StopReason::ContentFilter,
        other => ir::StopReason::Other(other.to_owned()),
    }
}

/// The Chat `finish_reason`. Some families end a turn that calls tools with a plain stop
/// (Gemini `STOP`); Chat clients look for `tool_calls`.
pub(super) fn finish_reason(reason: Option<&ir::StopReason>, has_tool_calls: bool) -> &'static str {
    match reason {
        Some(ir::StopReason::MaxTokens) => "length",
        Some(ir::StopReason::ContentFilter) => "content_filter",
        Some(ir::StopReason::ToolUse) => "tool_calls",
        _ if has_tool_calls => "tool_calls",
        _ => "stop",
    }
}

pub(crate) fn usage_from_wire(u: &wire::Usage) -> ir::Usage {
    let details = u
        .prompt_tokens_details
        .clone()
        .flatten()
        .unwrap_or_default();
    // DeepSeek reports cache hits as `prompt_cache_hit_tokens`.
    let cache_read = details
        .cached_tokens
        .or_else(|| {
            u.extra
                .get("prompt_cache_hit_tokens")
                .and_then(Value::as_u64)
        })
        .unwrap_or(0);
    let reasoning = u
        .completion_tokens_details
        .clone()
        .flatten()
        .and_then(|d| d.reasoning_tokens)
        .unwrap_or(0);
    ir::Usage {
        input_tokens: u.prompt_tokens,
        output_tokens: u.completion_tokens,
        cache_read_tokens: cache_read,
        cache_write_tokens: 0,
        reasoning_tokens: reasoning,
    }
}

/// Usage in the shape OpenAI sends it. Cache writes are part of `prompt_tokens` already and
/// have no field of their own.
pub(super) fn usage_to_wire(u: &ir::Usage) -> wire::Usage {
    wire::Usage {
        prompt_tokens: u.input_tokens,
        completion_tokens: u.output_tokens,
        total_tokens: u.total(),
        prompt_tokens_details: Some(Some(wire::PromptTokensDetails {
            cached_tokens: Some(u.cache_read_tokens),
            audio_tokens: Some(0),
            extra: Map::new(),
        })),
        completion_tokens_details: Some(Some(wire::CompletionTokensDetails {
            reasoning_tokens: Some(u.reasoning_tokens),
            audio_tokens: Some(0),
            accepted_prediction_tokens: Some(0),
            rejected_prediction_tokens: Some(0),
            extra: Map::new(),
        })),
        extra: Map::new(),
    }
}

/// Reasoning text of a Chat message or delta: `reasoning_content` (DeepSeek, older vLLM) or a
/// string `reasoning` (newer vLLM, OpenRouter).
pub(super) fn reasoning_text(
    field: Option<Option<String>>,
    extra: &Map<String, Value>,
) -> Option<String> {
    field.flatten().or_else(|| {
        extra
            .get("reasoning")
            .and_then(Value::as_str)
            .map(str::to_owned)
    })
}

pub(super) fn annotation(value: Value) -> ir::Opaque {
    ir::Opaque {
        family: Family::OpenAi,
        value,
    }
}

pub(super) fn decode_response(body: &[u8]) -> Result<ir::Response> {
    let resp: ChatCompletion = crate::error::from_json(body)?;
    let mut extra = resp.extra;
    if let Some(Some(t)) = resp.service_tier {
        extra.insert("service_tier".to_owned(), json!(t));
    }
    if let Some(Some(f)) = resp.system_fingerprint {
        extra.insert("system_fingerprint".to_owned(), json!(f));
    }
    let mut choices = resp.choices;
    // n > 1: the IR holds one answer; the others ride along for a Chat client.
    let first = if choices.is_empty() {
        None
    } else {
        Some(choices.remove(0))
    };
    if !choices.is_empty() {
        extra.insert("choices".to_owned(), serde_json::to_value(&choices)?);
    }
    let mut content = Vec::new();
    let mut stop = None;
    if let Some(choice) = first {
        stop = choice.finish_reason.flatten().map(|f| stop_reason(&f));
        if let Some(Some(lp)) = choice.logprobs {
            extra.insert("logprobs".to_owned(), lp);
        }
        let msg = choice.message;
        if let Some(r) = reasoning_text(msg.reasoning_content, &msg.extra).filter(|r| !r.is_empty())
        {
            content.push(ir::Part::Reasoning(ir::Reasoning {
                text: r,
                ..Default::default()
            }));
        }
        let annotations: Vec<ir::Opaque> = msg
            .annotations
            .flatten()
            .unwrap_or_default()
            .into_iter()
            .map(annotation)
            .collect();
        let mut parts = msg.content.flatten().map(content_to_ir).unwrap_or_default();
        if let Some(ir::Part::Text(t)) = parts.iter_mut().find(|p| matches!(p, ir::Part::Text(_))) {
            t.annotations = annotations;
        }
        content.extend(parts);
        if let Some(Some(r)) = msg.refusal {
            content.push(ir::Part::Refusal(r));
        }
        for call in msg.tool_calls.flatten().unwrap_or_default() {
            content.extend(decode_tool_call(call).map(ir::Part::ToolCall));
        }
        if let Some(Some(audio)) = msg.audio {
            extra.insert("audio".to_owned(), audio);
        }
        if let Some(Some(fc)) = msg.function_call {
            extra.insert("function_call".to_owned(), fc);
        }
    }
    Ok(ir::Response {
        id: resp.id,
        model: resp.model,
        created: (resp.created != 0).then_some(resp.created),
        content,
        stop_reason: stop,
        usage: resp.usage.flatten().map(|u| usage_from_wire(&u)),
        extra,
    })
}

pub(super) fn encode_response(
    resp: &ir::Response,
    ctx: &EncodeContext,
    diag: &mut Diagnostics,
) -> Vec<u8> {
    let mut reasoning = String::new();
    let mut text = String::new();
    let mut annotations = Vec::new();
    let mut refusal: Option<String> = None;
    let mut calls = Vec::new();
    for (i, part) in resp.content.iter().enumerate() {
        match part {
            ir::Part::Reasoning(r) => {
                reasoning.push_str(&r.text);
                if r.signature.is_some() {
                    diag.dropped(
                        format!("content[{i}].signature"),
                        "reasoning signatures have no Chat field",
                    );
                }
            }
            ir::Part::Text(t) => {
                text.push_str(&t.text);
                for a in &t.annotations {
                    if a.family == Family::OpenAi {
                        annotations.push(a.value.clone());
                    } else {
                        diag.dropped(
                            format!("content[{i}].annotations"),
                            "citations of another provider have no Chat shape",
                        );
                    }
                }
            }
            ir::Part::Refusal(r) => refusal.get_or_insert_with(String::new).push_str(r),
            ir::Part::ToolCall(c) => calls.push(wire_tool_call(c)),
            _ => diag.dropped(
                format!("content[{i}]"),
                "Chat answers carry text, refusals and tool calls only",
            ),
        }
    }
    if resp.usage.is_some_and(|u| u.cache_write_tokens > 0) {
        diag.dropped(
            "usage.cache_write_tokens",
            "Chat usage has no cache-write count (included in prompt_tokens)",
        );
    }
    let finish = finish_reason(resp.stop_reason.as_ref(), !calls.is_empty());
    let extra_str = |k: &str| resp.extra.get(k).and_then(Value::as_str).map(str::to_owned);
    let message = ResponseMessage {
        role: "assistant".to_owned(),
        content: Some((!text.is_empty()).then_some(wire::MessageContent::Text(text))),
        refusal: Some(refusal),
        tool_calls: (!calls.is_empty()).then_some(Some(calls)),
        annotations: Some(Some(annotations)),
        reasoning_content: (!reasoning.is_empty()).then_some(Some(reasoning)),
        audio: resp.extra.get("audio").cloned().map(Some),
        function_call: resp.extra.get("function_call").cloned().map(Some),
        extra: Map::new(),
    };
    let mut choices = vec![Choice {
        index: 0,
        message,
        finish_reason: Some(Some(finish.to_owned())),
        logprobs: Some(resp.extra.get("logprobs").cloned()),
        extra: Map::new(),
    }];
    if let Some(more) = resp
        .extra
        .get("choices")
        .and_then(|v| serde_json::from_value::<Vec<Choice>>(v.clone()).ok())
    {
        choices.extend(more);
    }
    let out = ChatCompletion {
        id: if resp.id.is_empty() {
            ctx.fallback_id.clone()
        } else {
            resp.id.clone()
        },
        object: "chat.completion".to_owned(),
        created: resp.created.unwrap_or(ctx.created),
        model: if resp.model.is_empty() {
            ctx.model.clone()
        } else {
            resp.model.clone()
        },
        choices,
        usage: resp.usage.as_ref().map(|u| Some(usage_to_wire(u))),
        service_tier: extra_str("service_tier").map(Some),
        system_fingerprint: extra_str("system_fingerprint").map(Some),
        extra: Map::new(),
    };
    serde_json::to_vec(&out).unwrap_or_default()
}
