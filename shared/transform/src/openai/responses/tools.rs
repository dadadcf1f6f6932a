//! Responses tools, tool choice, output format and reasoning settings ⇄ IR.

use gproxy_protocol::openai::responses as wire;
use gproxy_protocol::Family;
use serde_json::{json, Map, Value};

use crate::diag::Diagnostics;
use crate::ir::{self, Opaque, ReasoningConfig, ReasoningEffort, ResponseFormat, ToolChoice};

type Residue = Map<String, Value>;

fn opaque(value: Value) -> Opaque {
    Opaque {
        family: Family::OpenAi,
        value,
    }
}

fn tool_value(t: &wire::Tool) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

fn function_from_wire(
    f: wire::FunctionTool,
    namespace: Option<&str>,
    residue: &mut Residue,
) -> ir::Tool {
    if f.strict.is_none() {
        // Responses defaults to strict schemas; remember that the client relied on the default.
        residue.insert("strict_omitted".to_owned(), Value::Bool(true));
    }
    if !f.extra.is_empty() {
        let key = match namespace {
            Some(ns) => format!("{ns}.{}", f.name),
            None => f.name.clone(),
        };
        let map = residue.entry("tool_extra").or_insert_with(|| json!({}));
        if let Some(m) = map.as_object_mut() {
            m.insert(key, Value::Object(f.extra));
        }
    }
    ir::Tool::Function(ir::FunctionTool {
        name: f.name,
        namespace: namespace.map(str::to_owned),
        description: f.description,
        parameters: f.parameters,
        strict: f.strict,
    })
}

/// Namespace tools are flattened into one function tool per member, each knowing its
/// namespace; the namespace description waits in the residue for a Responses encoder.
pub(crate) fn tools_from_wire(tools: Vec<wire::Tool>, residue: &mut Residue) -> Vec<ir::Tool> {
    let mut out = Vec::with_capacity(tools.len());
    for tool in tools {
        match tool {
            wire::Tool::Function(f) => out.push(function_from_wire(f, None, residue)),
            wire::Tool::Custom(c) => out.push(ir::Tool::Custom {
                name: c.name,
                description: c.description,
                format: c.format,
            }),
            wire::Tool::Namespace(ns)
                if ns
                    .tools
                    .iter()
                    .all(|t| matches!(t, wire::Tool::Function(_))) =>
            {
                let mut info = ns.extra;
                if let Some(d) = ns.description {
                    info.insert("description".to_owned(), Value::String(d));
                }
                let map = residue.entry("namespaces").or_insert_with(|| json!({}));
                if let Some(m) = map.as_object_mut() {
                    m.insert(ns.name.clone(), Value::Object(info));
                }
                for inner in ns.tools {
                    if let wire::Tool::Function(f) = inner {
                        out.push(function_from_wire(f, Some(&ns.name), residue));
                    }
                }
            }
            other => {
                let value = tool_value(&other);
                if other
                    .type_name()
                    .is_some_and(|t| t.starts_with("web_search"))
                {
                    out.push(ir::Tool::WebSearch {
                        config: opaque(value),
                    });
                } else {
                    out.push(ir::Tool::Builtin(opaque(value)));
                }
            }
        }
    }
    out
}

fn residue_obj<'a>(residue: Option<&'a Residue>, key: &str) -> Option<&'a Map<String, Value>> {
    residue.and_then(|r| r.get(key)).and_then(Value::as_object)
}

fn function_to_wire(f: &ir::FunctionTool, residue: Option<&Residue>) -> wire::FunctionTool {
    let key = match &f.namespace {
        Some(ns) => format!("{ns}.{}", f.name),
        None => f.name.clone(),
    };
    let extra = residue_obj(residue, "tool_extra")
        .and_then(|m| m.get(&key))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    // Responses defaults to strict schemas, every other kind to loose ones: say `false` for
    // a tool whose origin did not choose, unless it came from a Responses client that relied
    // on the Responses default.
    let omitted = residue.is_some_and(|r| r.contains_key("strict_omitted"));
    wire::FunctionTool {
        name: f.name.clone(),
        description: f.description.clone(),
        parameters: f.parameters.clone(),
        strict: f.strict.or(if omitted { None } else { Some(false) }),
        extra,
    }
}

/// IR tools as Responses tools: consecutive function tools of one namespace are grouped back.
pub(crate) fn tools_to_wire(
    tools: &[ir::Tool],
    residue: Option<&Residue>,
    diag: &mut Diagnostics,
) -> Vec<wire::Tool> {
    let mut out: Vec<wire::Tool> = Vec::with_capacity(tools.len());
    for (i, tool) in tools.iter().enumerate() {
        match tool {
            ir::Tool::Function(f) => {
                let func = wire::Tool::Function(function_to_wire(f, residue));
                let Some(ns) = &f.namespace else {
                    out.push(func);
                    continue;
                };
                if let Some(wire::Tool::Namespace(last)) = out.last_mut() {
                    if &last.name == ns {
                        last.tools.push(func);
                        continue;
                    }
                }
                let mut extra = residue_obj(residue, "namespaces")
                    .and_then(|m| m.get(ns))
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let description = match extra.remove("description") {
                    Some(Value::String(d)) => Some(d),
                    _ => None,
                };
                out.push(wire::Tool::Namespace(wire::NamespaceTool {
                    name: ns.clone(),
                    description,
                    tools: vec![func],
                    extra,
                }));
            }
            ir::Tool::Custom {
                name,
                description,
                format,
            } => out.push(wire::Tool::Custom(wire::CustomTool {
                name: name.clone(),
                description: description.clone(),
                format: format.clone(),
                extra: wire::Extra::new(),
            })),
            ir::Tool::WebSearch { config }
                if config.family == Family::OpenAi && config.value.is_object() =>
            {
                out.push(wire::Tool::Unknown(config.value.clone()));
            }
            ir::Tool::WebSearch { .. } => {
                diag.approximated(
                    format!("tools[{i}]"),
                    "web search settings of another provider become a plain `web_search`",
                );
                out.push(wire::Tool::Unknown(json!({"type": "web_search"})));
            }
            ir::Tool::Builtin(o) if o.family == Family::OpenAi && o.value.get("type").is_some() => {
                match serde_json::from_value::<wire::Tool>(o.value.clone()) {
                    Ok(t) => out.push(t),
                    Err(_) => out.push(wire::Tool::Unknown(o.value.clone())),
                }
            }
            ir::Tool::Builtin(_) => {
                diag.dropped(format!("tools[{i}]"), "built-in tool of another provider")
            }
        }
    }
    out
}

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

    #[test]
    fn namespaces_flatten_and_regroup() {
        let tools: Vec<wire::Tool> = serde_json::from_value(json!([
            {"type": "function", "name": "exec_command", "strict": false, "parameters": {"type": "object"}},
            {"type": "namespace", "name": "multi_agent_v1", "description": "Sub-agents.", "tools": [
                {"type": "function", "name": "spawn_agent", "parameters": {"type": "object"}},
                {"type": "function", "name": "wait_agent", "parameters": {"type": "object"}, "defer_loading": true}]},
            {"type": "web_search", "external_web_access": false},
            {"type": "file_search", "vector_store_ids": ["vs_1"]}
        ]))
        .unwrap();
        let mut residue = Residue::new();
        let ir = tools_from_wire(tools.clone(), &mut residue);
        assert_eq!(ir.len(), 5);
        assert!(
            matches!(&ir[2], ir::Tool::Function(f) if f.name == "wait_agent" && f.namespace.as_deref() == Some("multi_agent_v1"))
        );
        assert!(matches!(&ir[3], ir::Tool::WebSearch { .. }));
        assert!(matches!(&ir[4], ir::Tool::Builtin(_)));
        let mut diag = Diagnostics::new();
        assert_eq!(tools_to_wire(&ir, Some(&residue), &mut diag), tools);
        assert!(diag.is_empty());
    }

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
