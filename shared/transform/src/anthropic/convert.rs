//! Small mappings shared by the Anthropic request, response and stream code: stop reasons,
//! usage, tool names, tool input and image media types.

use gproxy_protocol::anthropic as wire;
use serde_json::{Map, Value};

use super::FAMILY;
use crate::diag::Diagnostics;
use crate::ir;

pub(crate) fn opaque(value: Value) -> ir::Opaque {
    ir::Opaque {
        family: FAMILY,
        value,
    }
}

pub(crate) fn stop_reason_from_wire(
    reason: &wire::StopReason,
    sequence: Option<&str>,
) -> ir::StopReason {
    match reason {
        wire::StopReason::EndTurn => ir::StopReason::EndTurn,
        wire::StopReason::MaxTokens => ir::StopReason::MaxTokens,
        // The context window ran out mid-answer: for the client that is a length stop.
        wire::StopReason::ModelContextWindowExceeded => ir::StopReason::MaxTokens,
        wire::StopReason::StopSequence => ir::StopReason::StopSequence(sequence.map(str::to_owned)),
        wire::StopReason::ToolUse => ir::StopReason::ToolUse,
        wire::StopReason::PauseTurn => ir::StopReason::PauseTurn,
        wire::StopReason::Refusal => ir::StopReason::Refusal,
        wire::StopReason::Other(s) => ir::StopReason::Other(s.clone()),
    }
}

/// The wire stop reason and `stop_sequence` for an IR stop reason. `Other` values that are not
/// Anthropic's own become `end_turn` (reported when `diag` is given).
pub(crate) fn stop_reason_to_wire(
    reason: &ir::StopReason,
    diag: Option<&mut Diagnostics>,
) -> (wire::StopReason, Option<String>) {
    let r = match reason {
        ir::StopReason::EndTurn => wire::StopReason::EndTurn,
        ir::StopReason::MaxTokens => wire::StopReason::MaxTokens,
        ir::StopReason::StopSequence(s) => return (wire::StopReason::StopSequence, s.clone()),
        ir::StopReason::ToolUse => wire::StopReason::ToolUse,
        ir::StopReason::ContentFilter | ir::StopReason::Refusal => wire::StopReason::Refusal,
        ir::StopReason::PauseTurn => wire::StopReason::PauseTurn,
        ir::StopReason::Other(s) => match serde_json::from_value(Value::String(s.clone())) {
            Ok(wire::StopReason::Other(_)) | Err(_) => {
                if let Some(d) = diag {
                    d.approximated(
                        "stop_reason",
                        "stop reason with no Anthropic equivalent sent as end_turn",
                    );
                }
                wire::StopReason::EndTurn
            }
            Ok(known) => known,
        },
    };
    (r, None)
}

/// Anthropic usage → IR: input includes cache reads and writes; output includes thinking.
pub(crate) fn usage_from_wire(u: &wire::Usage) -> ir::Usage {
    let read = u.cache_read_input_tokens.unwrap_or(0);
    let write = u.cache_creation_input_tokens.unwrap_or(0);
    ir::Usage {
        input_tokens: u.input_tokens.unwrap_or(0) + read + write,
        output_tokens: u.output_tokens.unwrap_or(0),
        cache_read_tokens: read,
        cache_write_tokens: write,
        reasoning_tokens: u
            .output_tokens_details
            .as_ref()
            .map_or(0, |d| d.thinking_tokens),
    }
}

/// IR usage → Anthropic: `input_tokens` is the uncached remainder.
pub(crate) fn usage_to_wire(u: &ir::Usage) -> wire::Usage {
    wire::Usage {
        input_tokens: Some(u.uncached_input()),
        cache_creation_input_tokens: Some(u.cache_write_tokens),
        cache_read_input_tokens: Some(u.cache_read_tokens),
        output_tokens: Some(u.output_tokens),
        output_tokens_details: (u.reasoning_tokens > 0).then(|| wire::OutputTokensDetails {
            thinking_tokens: u.reasoning_tokens,
            extra: Map::new(),
        }),
        ..wire::Usage::default()
    }
}

/// Anthropic tool names are flat: a Responses namespace tool is sent as `{namespace}__{name}`.
pub(crate) fn flat_tool_name(name: &str, namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) if !ns.is_empty() => format!("{ns}__{name}"),
        _ => name.to_owned(),
    }
}

/// Tool-call arguments as the JSON object Anthropic's `input` needs. Custom (freeform) calls are
/// wrapped as `{"input": raw}`; unparsable or non-object arguments become `{}`, reported.
pub(crate) fn tool_input(
    call: &ir::ToolCall,
    field: &str,
    diag: Option<&mut Diagnostics>,
) -> Value {
    if call.kind == ir::ToolCallKind::Custom {
        if let Some(d) = diag {
            d.approximated(field, "freeform tool input sent as {\"input\": text}");
        }
        let mut m = Map::new();
        m.insert("input".into(), Value::String(call.arguments.clone()));
        return Value::Object(m);
    }
    if call.arguments.trim().is_empty() {
        return Value::Object(Map::new());
    }
    match serde_json::from_str::<Value>(&call.arguments) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            if let Some(d) = diag {
                d.approximated(field, "tool arguments are not a JSON object; sent as {}");
            }
            Value::Object(Map::new())
        }
    }
}

/// Compact JSON text of a tool input object (IR `arguments`).
pub(crate) fn arguments_text(input: &Value) -> String {
    match input {
        Value::Null => "{}".to_owned(),
        v => serde_json::to_string(v).unwrap_or_else(|_| "{}".to_owned()),
    }
}

/// Media type of base64 image data, from its first bytes, for sources that did not say.
pub(crate) fn sniff_image_type(data: &str) -> Option<&'static str> {
    const MAGIC: [(&str, &str); 4] = [
        ("iVBORw0KGgo", "image/png"),
        ("/9j/", "image/jpeg"),
        ("R0lGOD", "image/gif"),
        ("UklGR", "image/webp"),
    ];
    MAGIC
        .iter()
        .find(|(m, _)| data.starts_with(m))
        .map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_normalizes_cache_both_ways() {
        let wire_u = wire::Usage {
            input_tokens: Some(100),
            cache_read_input_tokens: Some(1800),
            cache_creation_input_tokens: Some(100),
            output_tokens: Some(12),
            ..Default::default()
        };
        let u = usage_from_wire(&wire_u);
        assert_eq!(
            (
                u.input_tokens,
                u.cache_read_tokens,
                u.cache_write_tokens,
                u.output_tokens
            ),
            (2000, 1800, 100, 12)
        );
        let back = usage_to_wire(&u);
        assert_eq!(back.input_tokens, Some(100));
        assert_eq!(back.cache_read_input_tokens, Some(1800));
        assert_eq!(back.cache_creation_input_tokens, Some(100));
    }

    #[test]
    fn stop_reasons_map_both_ways() {
        let cases = [
            ("end_turn", ir::StopReason::EndTurn),
            ("max_tokens", ir::StopReason::MaxTokens),
            ("tool_use", ir::StopReason::ToolUse),
            ("pause_turn", ir::StopReason::PauseTurn),
            ("refusal", ir::StopReason::Refusal),
            ("model_context_window_exceeded", ir::StopReason::MaxTokens),
            (
                "something_new",
                ir::StopReason::Other("something_new".into()),
            ),
        ];
        for (s, want) in cases {
            let w: wire::StopReason = serde_json::from_value(Value::String(s.into())).unwrap();
            assert_eq!(stop_reason_from_wire(&w, None), want, "{s}");
        }
        let w = wire::StopReason::StopSequence;
        let ir_r = stop_reason_from_wire(&w, Some("END"));
        assert_eq!(
            stop_reason_to_wire(&ir_r, None),
            (wire::StopReason::StopSequence, Some("END".into()))
        );
        let mut d = Diagnostics::new();
        let (r, _) = stop_reason_to_wire(&ir::StopReason::Other("RECITATION".into()), Some(&mut d));
        assert_eq!(r, wire::StopReason::EndTurn);
        assert!(d.mentions("stop_reason"));
        assert_eq!(
            stop_reason_to_wire(&ir::StopReason::ContentFilter, None).0,
            wire::StopReason::Refusal
        );
    }

    #[test]
    fn tool_input_parses_or_reports() {
        let mut d = Diagnostics::new();
        let call = |args: &str| ir::ToolCall {
            arguments: args.into(),
            ..Default::default()
        };
        assert_eq!(
            tool_input(&call(r#"{"city":"Paris"}"#), "x", Some(&mut d)),
            serde_json::json!({"city": "Paris"})
        );
        assert_eq!(
            tool_input(&call(""), "x", Some(&mut d)),
            serde_json::json!({})
        );
        assert!(d.is_empty());
        assert_eq!(
            tool_input(&call("{\"city\":"), "messages[1]", Some(&mut d)),
            serde_json::json!({})
        );
        assert!(d.mentions("messages[1]"));
    }
}
