//! `generationConfig` ⇄ IR sampling parameters, reasoning config and response format.

use gproxy_protocol::gemini as wire;
use serde_json::{Number, Value};

use super::tools::openapi_to_json_schema;
use crate::diag::Diagnostics;
use crate::ir::{Logprobs, ReasoningConfig, ReasoningEffort, Request, ResponseFormat};

const JSON_MIME: &str = "application/json";

fn num(n: Option<&Number>) -> Option<f64> {
    n.and_then(Number::as_f64)
}

fn from_f64(x: Option<f64>) -> Option<Number> {
    x.and_then(Number::from_f64)
}

/// Fill the IR from `generationConfig`; returns the fields the IR has no slot for (to keep in
/// `extra["generationConfig"]`), `None` when there are none.
pub(crate) fn decode_generation_config(
    gc: &wire::GenerationConfig,
    req: &mut Request,
) -> Option<Value> {
    req.temperature = num(gc.temperature.as_ref());
    req.top_p = num(gc.top_p.as_ref());
    req.top_k = gc.top_k.as_ref().and_then(|n| {
        n.as_u64()
            .or_else(|| n.as_f64().map(|f| f.max(0.0).round() as u64))
    });
    req.n = gc.candidate_count;
    req.max_output_tokens = gc.max_output_tokens;
    req.stop = gc.stop_sequences.clone().unwrap_or_default();
    req.presence_penalty = num(gc.presence_penalty.as_ref());
    req.frequency_penalty = num(gc.frequency_penalty.as_ref());
    req.seed = gc.seed;
    if gc.response_logprobs.is_some() || gc.logprobs.is_some() {
        req.logprobs = Some(Logprobs {
            enabled: gc.response_logprobs.unwrap_or(false),
            top_logprobs: gc.logprobs,
        });
    }
    req.reasoning = gc.thinking_config.as_ref().map(decode_thinking);

    let mut rest = wire::GenerationConfig {
        response_modalities: gc.response_modalities.clone(),
        media_resolution: gc.media_resolution.clone(),
        extra: gc.extra.clone(),
        ..wire::GenerationConfig::default()
    };
    if let Some(tc) = &gc.thinking_config {
        if !tc.extra.is_empty() {
            rest.thinking_config = Some(wire::ThinkingConfig {
                extra: tc.extra.clone(),
                ..Default::default()
            });
        }
    }
    let mime = gc.response_mime_type.as_deref();
    let schema = match (&gc.response_json_schema, &gc.response_schema) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(s)) => Some(openapi_to_json_schema(s)),
        (None, None) => None,
    };
    req.response_format = match (mime, schema) {
        (Some(JSON_MIME), Some(schema)) => Some(ResponseFormat::JsonSchema {
            name: None,
            schema,
            strict: None,
            description: None,
        }),
        (Some(JSON_MIME), None) => Some(ResponseFormat::JsonObject),
        (Some("text/plain"), None) => Some(ResponseFormat::Text),
        (None, None) => None,
        // `text/x.enum` and other MIME types: kept for Gemini, no IR slot.
        _ => {
            rest.response_mime_type = gc.response_mime_type.clone();
            rest.response_schema = gc.response_schema.clone();
            rest.response_json_schema = gc.response_json_schema.clone();
            None
        }
    };
    let rest = serde_json::to_value(&rest).ok()?;
    rest.as_object()
        .is_some_and(|m| !m.is_empty())
        .then_some(rest)
}

/// `thinkingBudget` 0 = disabled, -1 = dynamic (enabled, no budget), n = budget n;
/// `thinkingLevel` = effort.
fn decode_thinking(tc: &wire::ThinkingConfig) -> ReasoningConfig {
    let mut r = ReasoningConfig {
        include_thoughts: tc.include_thoughts,
        ..ReasoningConfig::default()
    };
    match tc.thinking_budget {
        Some(0) => {
            r.enabled = Some(false);
            r.budget_tokens = Some(0);
        }
        Some(b) if b > 0 => {
            r.enabled = Some(true);
            r.budget_tokens = u64::try_from(b).ok();
        }
        Some(_) => r.enabled = Some(true),
        None => {}
    }
    if let Some(level) = &tc.thinking_level {
        r.effort = ReasoningEffort::parse(&level.to_ascii_lowercase());
        if r.effort.is_some() {
            r.enabled = Some(true);
        }
    }
    r
}

/// Gemini 3 models take `thinkingLevel`; earlier ones only `thinkingBudget`.
fn takes_level(model: &str) -> bool {
    let m = model.strip_prefix("models/").unwrap_or(model);
    m.starts_with("gemini-") && !m.starts_with("gemini-1") && !m.starts_with("gemini-2")
}

fn encode_thinking(
    r: &ReasoningConfig,
    model: &str,
    diag: &mut Diagnostics,
) -> wire::ThinkingConfig {
    let mut tc = wire::ThinkingConfig {
        include_thoughts: r.include_thoughts.or_else(|| {
            r.summary.as_deref().map(|s| {
                diag.approximated(
                    "reasoning.summary",
                    "summary style mapped to includeThoughts",
                );
                s != "none"
            })
        }),
        ..wire::ThinkingConfig::default()
    };
    let level = takes_level(model);
    if r.enabled == Some(false) {
        if level {
            diag.approximated(
                "reasoning",
                "Gemini 3 cannot disable thinking; minimal level used",
            );
            tc.thinking_level = Some("minimal".to_owned());
        } else {
            tc.thinking_budget = Some(0);
        }
        return tc;
    }
    match (r.effort, r.budget_tokens) {
        (Some(effort), _) if level => {
            let name = match effort {
                ReasoningEffort::None => {
                    diag.approximated(
                        "reasoning.effort",
                        "Gemini 3 cannot disable thinking; minimal used",
                    );
                    "minimal"
                }
                ReasoningEffort::XHigh => {
                    diag.approximated("reasoning.effort", "xhigh mapped to Gemini's highest level");
                    "high"
                }
                other => other.as_str(),
            };
            tc.thinking_level = Some(name.to_owned());
        }
        (_, Some(budget)) => tc.thinking_budget = Some(i64::try_from(budget).unwrap_or(i64::MAX)),
        (Some(effort), None) => {
            diag.approximated(
                "reasoning.effort",
                "effort mapped to a thinking token budget",
            );
            tc.thinking_budget = Some(i64::try_from(effort.budget_tokens()).unwrap_or(i64::MAX));
        }
        (None, None) if r.enabled == Some(true) && !level => tc.thinking_budget = Some(-1),
        (None, None) => {}
    }
    tc
}

/// The IR's generation parameters as `generationConfig` on top of `base` (the Gemini-only fields
/// kept in `extra`); `None` when nothing is set.
pub(crate) fn encode_generation_config(
    req: &Request,
    base: wire::GenerationConfig,
    diag: &mut Diagnostics,
) -> Option<wire::GenerationConfig> {
    let mut gc = base;
    gc.temperature = from_f64(req.temperature).or(gc.temperature);
    gc.top_p = from_f64(req.top_p).or(gc.top_p);
    gc.top_k = req.top_k.map(Number::from).or(gc.top_k);
    gc.candidate_count = req.n.or(gc.candidate_count);
    gc.max_output_tokens = req.max_output_tokens.or(gc.max_output_tokens);
    if !req.stop.is_empty() {
        gc.stop_sequences = Some(req.stop.clone());
    }
    gc.presence_penalty = from_f64(req.presence_penalty).or(gc.presence_penalty);
    gc.frequency_penalty = from_f64(req.frequency_penalty).or(gc.frequency_penalty);
    gc.seed = req.seed.or(gc.seed);
    if let Some(lp) = &req.logprobs {
        gc.response_logprobs = Some(lp.enabled);
        gc.logprobs = lp.top_logprobs;
    }
    if let Some(r) = &req.reasoning {
        let extra = gc
            .thinking_config
            .take()
            .map(|t| t.extra)
            .unwrap_or_default();
        let tc = encode_thinking(r, &req.model, diag);
        gc.thinking_config = Some(wire::ThinkingConfig { extra, ..tc });
    }
    match &req.response_format {
        None => {}
        Some(ResponseFormat::Text) => gc.response_mime_type = Some("text/plain".to_owned()),
        Some(ResponseFormat::JsonObject) => gc.response_mime_type = Some(JSON_MIME.to_owned()),
        Some(ResponseFormat::JsonSchema {
            name,
            schema,
            strict,
            description,
        }) => {
            if name.is_some() || description.is_some() || strict.is_some() {
                diag.dropped(
                    "response_format",
                    "schema name, description and strict have no Gemini field",
                );
            }
            gc.response_mime_type = Some(JSON_MIME.to_owned());
            gc.response_schema = None;
            gc.response_json_schema = Some(schema.clone());
        }
    }
    (gc != wire::GenerationConfig::default()).then_some(gc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn thinking(v: Value) -> ReasoningConfig {
        decode_thinking(&serde_json::from_value(v).unwrap())
    }

    #[test]
    fn thinking_budget_and_level() {
        let off = thinking(json!({"thinkingBudget": 0}));
        assert_eq!((off.enabled, off.budget_tokens), (Some(false), Some(0)));
        let dynamic = thinking(json!({"thinkingBudget": -1, "includeThoughts": true}));
        assert_eq!(
            (
                dynamic.enabled,
                dynamic.budget_tokens,
                dynamic.include_thoughts
            ),
            (Some(true), None, Some(true))
        );
        let level = thinking(json!({"thinkingLevel": "HIGH"}));
        assert_eq!(level.effort, Some(ReasoningEffort::High));

        let mut d = Diagnostics::new();
        let back = encode_thinking(&dynamic, "gemini-2.5-flash", &mut d);
        assert_eq!(
            (back.thinking_budget, back.include_thoughts),
            (Some(-1), Some(true))
        );
        let low = ReasoningConfig {
            effort: Some(ReasoningEffort::Low),
            ..Default::default()
        };
        assert_eq!(
            encode_thinking(&low, "gemini-3-pro-preview", &mut d)
                .thinking_level
                .as_deref(),
            Some("low")
        );
        assert_eq!(
            encode_thinking(&low, "gemini-2.5-pro", &mut d).thinking_budget,
            Some(2048)
        );
        assert!(d.mentions("reasoning.effort"));
        assert_eq!(
            encode_thinking(&off, "gemini-2.5-flash", &mut d).thinking_budget,
            Some(0)
        );
    }

    #[test]
    fn response_format_from_mime_and_schema() {
        let cases = [
            (
                json!({"responseMimeType": "application/json", "responseSchema": {"type": "OBJECT", "properties": {"x": {"type": "STRING"}}}}),
                Some(ResponseFormat::JsonSchema {
                    name: None,
                    schema: json!({"type": "object", "properties": {"x": {"type": "string"}}}),
                    strict: None,
                    description: None,
                }),
                false,
            ),
            (
                json!({"responseMimeType": "application/json"}),
                Some(ResponseFormat::JsonObject),
                false,
            ),
            (
                json!({"responseMimeType": "text/x.enum", "responseSchema": {"type": "STRING", "enum": ["a"]}}),
                None,
                true,
            ),
        ];
        for (gc, want, kept) in cases {
            let mut req = Request::default();
            let rest = decode_generation_config(&serde_json::from_value(gc).unwrap(), &mut req);
            assert_eq!(req.response_format, want);
            assert_eq!(rest.is_some(), kept);
        }
    }
}
