//! Responses tool choice, output format (`text`) and reasoning settings ⇄ IR.

use gproxy_protocol::openai::responses as wire;
use serde_json::{Map, Value};

use super::tools::residue_obj;
use crate::diag::Diagnostics;
use crate::ir::{self, ReasoningConfig, ReasoningEffort, ResponseFormat, ToolChoice};

type Residue = Map<String, Value>;

pub(crate) fn tool_choice_from_wire(
    c: wire::ToolChoice,
    residue: &mut Residue,
) -> Option<ToolChoice> {
    let approx = |residue: &mut Residue, raw: &wire::ToolChoice, ir: ToolChoice| {
        residue.insert(
            "tool_choice".to_owned(),
            serde_json::to_value(raw).unwrap_or(Value::Null),
        );
        Some(ir)
    };
    match &c {
        wire::ToolChoice::Mode(m) => match m.as_str() {
            "auto" => Some(ToolChoice::Auto),
            "none" => Some(ToolChoice::None),
            "required" => Some(ToolChoice::Required),
            _ => approx(residue, &c, ToolChoice::Auto),
        },
        wire::ToolChoice::Named(n) => match (n.kind.as_str(), &n.name) {
            ("function" | "custom", Some(name)) if n.extra.is_empty() => {
                Some(ToolChoice::Tool(name.clone()))
            }
            ("allowed_tools", _) => {
                let required = n.extra.get("mode").and_then(Value::as_str) == Some("required");
                approx(
                    residue,
                    &c,
                    if required {
                        ToolChoice::Required
                    } else {
                        ToolChoice::Auto
                    },
                )
            }
            // A hosted tool (`web_search_preview`, `file_search`, `mcp`, ...): must use a tool.
            _ => approx(residue, &c, ToolChoice::Required),
        },
    }
}

pub(crate) fn tool_choice_to_wire(
    c: &ToolChoice,
    tools: &[ir::Tool],
    residue: Option<&Residue>,
) -> wire::ToolChoice {
    if let Some(raw) = residue.and_then(|r| r.get("tool_choice")) {
        if let Ok(c) = serde_json::from_value(raw.clone()) {
            return c;
        }
    }
    let mode = |m: &str| wire::ToolChoice::Mode(m.to_owned());
    match c {
        ToolChoice::Auto => mode("auto"),
        ToolChoice::None => mode("none"),
        ToolChoice::Required => mode("required"),
        ToolChoice::Tool(name) => {
            let custom = tools
                .iter()
                .any(|t| matches!(t, ir::Tool::Custom { name: n, .. } if n == name));
            wire::ToolChoice::Named(wire::NamedToolChoice {
                kind: if custom { "custom" } else { "function" }.to_owned(),
                name: Some(name.clone()),
                extra: wire::Extra::new(),
            })
        }
    }
}

/// `text.format` → IR response format; `verbosity` goes to `extra` under Chat's name for it.
pub(crate) fn text_from_wire(
    t: wire::TextConfig,
    extra: &mut Map<String, Value>,
    residue: &mut Residue,
) -> Option<ResponseFormat> {
    if let Some(v) = t.verbosity {
        extra.insert("verbosity".to_owned(), Value::String(v));
    }
    if !t.extra.is_empty() {
        residue.insert("text_extra".to_owned(), Value::Object(t.extra));
    }
    match t.format? {
        wire::TextFormat::Text(_) => Some(ResponseFormat::Text),
        wire::TextFormat::JsonObject(_) => Some(ResponseFormat::JsonObject),
        wire::TextFormat::JsonSchema(s) => Some(ResponseFormat::JsonSchema {
            name: s.name,
            schema: s.schema,
            strict: s.strict,
            description: s.description,
        }),
        wire::TextFormat::Unknown(v) => {
            residue.insert("text_format".to_owned(), v);
            None
        }
    }
}

pub(crate) fn text_to_wire(
    format: Option<&ResponseFormat>,
    verbosity: Option<String>,
    residue: Option<&Residue>,
) -> Option<wire::TextConfig> {
    let format = match format {
        Some(ResponseFormat::Text) => Some(wire::TextFormat::Text(wire::Extra::new())),
        Some(ResponseFormat::JsonObject) => Some(wire::TextFormat::JsonObject(wire::Extra::new())),
        Some(ResponseFormat::JsonSchema {
            name,
            schema,
            strict,
            description,
        }) => {
            Some(wire::TextFormat::JsonSchema(wire::JsonSchemaFormat {
                // OpenAI requires a schema name.
                name: Some(name.clone().unwrap_or_else(|| "response".to_owned())),
                schema: schema.clone(),
                description: description.clone(),
                strict: *strict,
                extra: wire::Extra::new(),
            }))
        }
        None => residue
            .and_then(|r| r.get("text_format"))
            .cloned()
            .map(wire::TextFormat::Unknown),
    };
    let extra = residue_obj(residue, "text_extra")
        .cloned()
        .unwrap_or_default();
    if format.is_none() && verbosity.is_none() && extra.is_empty() {
        return None;
    }
    Some(wire::TextConfig {
        format,
        verbosity,
        extra,
    })
}

pub(crate) fn reasoning_from_wire(
    r: wire::ReasoningConfig,
    residue: &mut Residue,
) -> ReasoningConfig {
    let effort = r.effort.as_deref().and_then(ReasoningEffort::parse);
    if let (Some(raw), None) = (&r.effort, effort) {
        residue.insert("reasoning_effort".to_owned(), Value::String(raw.clone()));
    }
    if !r.extra.is_empty() {
        residue.insert("reasoning_extra".to_owned(), Value::Object(r.extra));
    }
    ReasoningConfig {
        enabled: effort.map(|e| e != ReasoningEffort::None),
        effort,
        budget_tokens: None,
        include_thoughts: r.summary.as_ref().map(|_| true),
        summary: r.summary,
    }
}

pub(crate) fn reasoning_to_wire(
    r: &ReasoningConfig,
    residue: Option<&Residue>,
    diag: &mut Diagnostics,
) -> Option<wire::ReasoningConfig> {
    let mut effort = match (r.effort, r.budget_tokens) {
        (Some(e), _) => Some(e.as_str().to_owned()),
        (None, Some(b)) => {
            diag.approximated(
                "reasoning.budget_tokens",
                "thinking budget mapped to the nearest effort",
            );
            Some(ReasoningEffort::from_budget(b).as_str().to_owned())
        }
        (None, None) => residue
            .and_then(|r| r.get("reasoning_effort"))
            .and_then(Value::as_str)
            .map(str::to_owned),
    };
    if r.enabled == Some(false) && r.effort.is_none() {
        // `none` is only accepted by newer models; leave the choice to the model's default.
        diag.approximated(
            "reasoning.enabled",
            "disabled thinking has no portable Responses setting; model default used",
        );
        effort = None;
    }
    let summary = match (&r.summary, r.include_thoughts) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(true)) => Some("auto".to_owned()),
        _ => None,
    };
    let extra = residue_obj(residue, "reasoning_extra")
        .cloned()
        .unwrap_or_default();
    if effort.is_none() && summary.is_none() && extra.is_empty() {
        return None;
    }
    Some(wire::ReasoningConfig {
        effort,
        summary,
        extra,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn choices_formats_and_reasoning() {
        let mut residue = Residue::new();
        let cases = [
            (json!("required"), ToolChoice::Required),
            (
                json!({"type": "function", "name": "get_weather"}),
                ToolChoice::Tool("get_weather".into()),
            ),
        ];
        for (raw, want) in cases {
            let c: wire::ToolChoice = serde_json::from_value(raw.clone()).unwrap();
            assert_eq!(tool_choice_from_wire(c, &mut residue), Some(want.clone()));
            assert_eq!(
                serde_json::to_value(tool_choice_to_wire(&want, &[], None)).unwrap(),
                raw
            );
        }
        let hosted: wire::ToolChoice =
            serde_json::from_value(json!({"type": "web_search_preview"})).unwrap();
        assert_eq!(
            tool_choice_from_wire(hosted.clone(), &mut residue),
            Some(ToolChoice::Required)
        );
        assert_eq!(
            tool_choice_to_wire(&ToolChoice::Required, &[], Some(&residue)),
            hosted
        );

        let r = reasoning_from_wire(
            serde_json::from_value(json!({"effort": "low", "summary": "auto"})).unwrap(),
            &mut residue,
        );
        assert_eq!(
            (r.effort, r.summary.as_deref(), r.include_thoughts),
            (Some(ReasoningEffort::Low), Some("auto"), Some(true))
        );
        let budget = ReasoningConfig {
            enabled: Some(true),
            budget_tokens: Some(2048),
            ..Default::default()
        };
        let mut diag = Diagnostics::new();
        let w = reasoning_to_wire(&budget, None, &mut diag).unwrap();
        assert_eq!(w.effort.as_deref(), Some("low"));
        assert!(diag.mentions("budget_tokens"));
    }
}
