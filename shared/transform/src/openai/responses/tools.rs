//! Responses tools, tool choice, output format and reasoning settings ⇄ IR.

use gproxy_protocol::openai::responses as wire;
use gproxy_protocol::Family;
use serde_json::{json, Map, Value};

use crate::diag::Diagnostics;
use crate::ir::{self, Opaque};

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

pub(crate) fn residue_obj<'a>(
    residue: Option<&'a Residue>,
    key: &str,
) -> Option<&'a Map<String, Value>> {
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
}
