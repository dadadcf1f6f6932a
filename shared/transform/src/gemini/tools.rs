//! Gemini `tools` / `toolConfig` ⇄ IR tools and tool choice, and the OpenAPI-subset schema
//! (`parameters`, `responseSchema`) → JSON Schema conversion.

use gproxy_protocol::gemini as wire;
use gproxy_protocol::Family;
use serde_json::{Map, Value};

use super::content_encode::flat_name;
use crate::diag::Diagnostics;
use crate::ir::{FunctionTool, Opaque, Tool, ToolChoice};

fn builtin(key: &str, value: &Value) -> Tool {
    let mut m = Map::new();
    m.insert(key.to_owned(), value.clone());
    Tool::Builtin(Opaque {
        family: Family::Gemini,
        value: Value::Object(m),
    })
}

/// Every function declaration and built-in tool of every entry, in order. `googleSearch` is the
/// IR web search; other built-ins are kept verbatim as `{key: config}`.
pub(crate) fn decode_tools(tools: &[wire::Tool]) -> Vec<Tool> {
    let mut out = Vec::new();
    for t in tools {
        for d in t.function_declarations.iter().flatten() {
            let parameters = match (&d.parameters_json_schema, &d.parameters) {
                (Some(schema), _) => Some(schema.clone()),
                (None, Some(openapi)) => Some(openapi_to_json_schema(openapi).into()),
                (None, None) => None,
            };
            out.push(Tool::Function(FunctionTool {
                name: d.name.clone(),
                namespace: None,
                description: d.description.clone(),
                parameters,
                strict: None,
            }));
        }
        if let Some(cfg) = &t.google_search {
            out.push(Tool::WebSearch {
                config: Opaque {
                    family: Family::Gemini,
                    value: cfg.clone(),
                },
            });
        }
        let known = [
            ("googleSearchRetrieval", &t.google_search_retrieval),
            ("codeExecution", &t.code_execution),
            ("urlContext", &t.url_context),
        ];
        for (key, value) in known {
            if let Some(v) = value {
                out.push(builtin(key, v));
            }
        }
        for (key, v) in &t.extra {
            out.push(builtin(key, v));
        }
    }
    out
}

/// All functions in one entry (as Gemini's own clients send them), each built-in in its own.
pub(crate) fn encode_tools(tools: &[Tool], diag: &mut Diagnostics) -> Option<Vec<wire::Tool>> {
    let mut decls = Vec::new();
    let mut entries = Vec::new();
    for (i, tool) in tools.iter().enumerate() {
        let field = format!("tools[{i}]");
        match tool {
            Tool::Function(f) => {
                if f.strict == Some(true) {
                    diag.approximated(&field, "strict schema adherence has no Gemini switch");
                }
                decls.push(wire::FunctionDeclaration {
                    name: flat_name(f.namespace.as_deref(), &f.name),
                    description: f.description.clone(),
                    parameters_json_schema: f.parameters.clone(),
                    ..wire::FunctionDeclaration::default()
                });
            }
            Tool::Custom {
                name,
                description,
                format,
            } => {
                diag.approximated(
                    &field,
                    "custom tool declared as a function with one string `input`",
                );
                if format.is_some() {
                    diag.dropped(&field, "custom tool grammar has no Gemini equivalent");
                }
                decls.push(wire::FunctionDeclaration {
                    name: name.clone(),
                    description: description.clone(),
                    parameters_json_schema: Some(
                        serde_json::json!({
                            "type": "object",
                            "properties": {"input": {"type": "string"}},
                            "required": ["input"]
                        })
                        .into(),
                    ),
                    ..wire::FunctionDeclaration::default()
                });
            }
            Tool::WebSearch { config } => {
                let cfg = if config.family == Family::Gemini {
                    config.value.clone()
                } else {
                    diag.approximated(
                        &field,
                        "web search options of another provider; plain googleSearch used",
                    );
                    Value::Object(Map::new())
                };
                entries.push(wire::Tool {
                    google_search: Some(cfg),
                    ..wire::Tool::default()
                });
            }
            Tool::Builtin(o) => match (
                o.family,
                serde_json::from_value::<wire::Tool>(o.value.clone()),
            ) {
                (Family::Gemini, Ok(t)) => entries.push(t),
                _ => diag.dropped(&field, "built-in tool of another provider"),
            },
        }
    }
    if !decls.is_empty() {
        entries.insert(
            0,
            wire::Tool {
                function_declarations: Some(decls),
                ..wire::Tool::default()
            },
        );
    }
    (!entries.is_empty()).then_some(entries)
}

/// `AUTO` / `NONE` / `ANY` (with one allowed name: that tool). `None` when the config says more
/// than the IR can hold (several allowed names, `VALIDATED`, retrieval config): the caller keeps
/// the wire value in `extra` then, and still gets the nearest choice.
pub(crate) fn decode_tool_config(cfg: &wire::ToolConfig) -> (Option<ToolChoice>, bool) {
    let Some(fcc) = &cfg.function_calling_config else {
        return (None, cfg.extra.is_empty());
    };
    let names = fcc.allowed_function_names.as_deref().unwrap_or_default();
    let exact = cfg.extra.is_empty() && fcc.extra.is_empty();
    let (choice, exact) = match &fcc.mode {
        None | Some(wire::FunctionCallingMode::ModeUnspecified) => {
            (None, exact && names.is_empty())
        }
        Some(wire::FunctionCallingMode::Auto) => {
            (Some(ToolChoice::Auto), exact && names.is_empty())
        }
        Some(wire::FunctionCallingMode::None) => {
            (Some(ToolChoice::None), exact && names.is_empty())
        }
        Some(wire::FunctionCallingMode::Any) => match names {
            [one] => (Some(ToolChoice::Tool(one.clone())), exact),
            [] => (Some(ToolChoice::Required), exact),
            _ => (Some(ToolChoice::Required), false),
        },
        Some(wire::FunctionCallingMode::Validated) => (Some(ToolChoice::Auto), false),
        Some(wire::FunctionCallingMode::Unknown(_)) => (None, false),
    };
    (choice, exact)
}

pub(crate) fn encode_tool_choice(choice: &ToolChoice) -> wire::ToolConfig {
    let (mode, names) = match choice {
        ToolChoice::Auto => (wire::FunctionCallingMode::Auto, None),
        ToolChoice::None => (wire::FunctionCallingMode::None, None),
        ToolChoice::Required => (wire::FunctionCallingMode::Any, None),
        ToolChoice::Tool(name) => (wire::FunctionCallingMode::Any, Some(vec![name.clone()])),
    };
    wire::ToolConfig {
        function_calling_config: Some(wire::FunctionCallingConfig {
            mode: Some(mode),
            allowed_function_names: names,
            extra: Map::new(),
        }),
        extra: Map::new(),
    }
}

/// Gemini's OpenAPI subset → JSON Schema: type names lowercased (`OBJECT` → `object`) and
/// `nullable: true` folded into the type (`["string", "null"]`). Everything else is already
/// JSON Schema vocabulary.
pub(crate) fn openapi_to_json_schema(schema: &Value) -> Value {
    let Value::Object(m) = schema else {
        return schema.clone();
    };
    let nullable = m.get("nullable").and_then(Value::as_bool) == Some(true);
    let mut out = Map::with_capacity(m.len());
    for (key, v) in m {
        let v = match (key.as_str(), v) {
            ("nullable", _) => continue,
            ("type", Value::String(t)) => {
                let t = Value::String(t.to_ascii_lowercase());
                if nullable {
                    Value::Array(vec![t, Value::String("null".to_owned())])
                } else {
                    t
                }
            }
            ("properties" | "$defs" | "definitions", Value::Object(props)) => Value::Object(
                props
                    .iter()
                    .map(|(k, s)| (k.clone(), openapi_to_json_schema(s)))
                    .collect(),
            ),
            ("items" | "not" | "additionalProperties", s @ Value::Object(_)) => {
                openapi_to_json_schema(s)
            }
            ("anyOf" | "oneOf" | "allOf" | "prefixItems", Value::Array(list)) => {
                Value::Array(list.iter().map(openapi_to_json_schema).collect())
            }
            (_, other) => other.clone(),
        };
        out.insert(key.clone(), v);
    }
    if nullable && !out.contains_key("type") {
        // `nullable` without a type (e.g. on an anyOf): keep the keyword, JSON Schema ignores it.
        out.insert("nullable".to_owned(), Value::Bool(true));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn openapi_schema_becomes_json_schema() {
        let cases = [
            (
                json!({"type": "OBJECT", "properties": {"x": {"type": "STRING"}}}),
                json!({"type": "object", "properties": {"x": {"type": "string"}}}),
            ),
            (
                json!({"type": "ARRAY", "items": {"type": "INTEGER", "nullable": true}}),
                json!({"type": "array", "items": {"type": ["integer", "null"]}}),
            ),
            (
                json!({"anyOf": [{"type": "NUMBER"}, {"type": "BOOLEAN"}], "description": "d"}),
                json!({"anyOf": [{"type": "number"}, {"type": "boolean"}], "description": "d"}),
            ),
        ];
        for (input, want) in cases {
            assert_eq!(openapi_to_json_schema(&input), want);
        }
    }

    #[test]
    fn tool_config_modes() {
        let cases = [
            (
                json!({"functionCallingConfig": {"mode": "AUTO"}}),
                Some(ToolChoice::Auto),
                true,
            ),
            (
                json!({"functionCallingConfig": {"mode": "NONE"}}),
                Some(ToolChoice::None),
                true,
            ),
            (
                json!({"functionCallingConfig": {"mode": "ANY"}}),
                Some(ToolChoice::Required),
                true,
            ),
            (
                json!({"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_time"]}}),
                Some(ToolChoice::Tool("get_time".into())),
                true,
            ),
            (
                json!({"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["a", "b"]}}),
                Some(ToolChoice::Required),
                false,
            ),
            (
                json!({"functionCallingConfig": {"mode": "VALIDATED"}}),
                Some(ToolChoice::Auto),
                false,
            ),
        ];
        for (cfg, want, exact) in cases {
            let cfg: wire::ToolConfig = serde_json::from_value(cfg).unwrap();
            assert_eq!(decode_tool_config(&cfg), (want.clone(), exact));
            if exact {
                if let Some(choice) = &want {
                    assert_eq!(
                        decode_tool_config(&encode_tool_choice(choice)).0.as_ref(),
                        Some(choice)
                    );
                }
            }
        }
    }
}
