//! Tool definitions and tool choice ⇄ IR. Custom tools are IR functions; `web_search_*` server
//! tools are IR web search; other server tools are kept opaque for Anthropic.

use gproxy_protocol::anthropic as wire;
use serde_json::{json, Map, Value};

use super::convert::{flat_tool_name, opaque};
use super::FAMILY;
use crate::diag::Diagnostics;
use crate::error::{Result, TransformError};
use crate::ir;

pub(crate) fn decode_tool(
    tool: wire::Tool,
    k: usize,
    fields: &mut Map<String, Value>,
) -> Result<ir::Tool> {
    match tool {
        wire::Tool::Custom(c) => {
            let mut f = c.extra;
            if let Some(cc) = c.cache_control {
                f.insert("cache_control".into(), cc);
            }
            if let Some(kind) = c.kind {
                f.insert("type".into(), Value::String(kind));
            }
            if !f.is_empty() {
                fields.insert(format!("t{k}"), Value::Object(f));
            }
            Ok(ir::Tool::Function(ir::FunctionTool {
                name: c.name,
                namespace: None,
                description: c.description,
                parameters: Some(c.input_schema),
                strict: c.strict,
            }))
        }
        wire::Tool::Server(v) => match v.get("type").and_then(Value::as_str) {
            Some(t) if t.starts_with("web_search_") => {
                Ok(ir::Tool::WebSearch { config: opaque(v) })
            }
            Some(_) => Ok(ir::Tool::Builtin(opaque(v))),
            None => Err(TransformError::invalid(
                format!("tools[{k}]"),
                "a tool needs `name` and `input_schema`, or a server tool `type`",
            )),
        },
    }
}

pub(crate) fn encode_tools(
    tools: &[ir::Tool],
    fields: Option<&Map<String, Value>>,
    diag: &mut Diagnostics,
) -> Vec<wire::Tool> {
    let mut out = Vec::with_capacity(tools.len());
    for (k, t) in tools.iter().enumerate() {
        let at = format!("tools[{k}]");
        let tool = match t {
            ir::Tool::Function(f) => {
                let schema = f
                    .parameters
                    .clone()
                    .unwrap_or_else(|| json!({"type": "object", "properties": {}}).into());
                let mut c = wire::CustomTool {
                    name: flat_tool_name(&f.name, f.namespace.as_deref()),
                    description: f.description.clone(),
                    input_schema: schema,
                    strict: f.strict,
                    ..Default::default()
                };
                if let Some(Value::Object(kept)) = fields.and_then(|f| f.get(&format!("t{k}"))) {
                    for (key, v) in kept {
                        match key.as_str() {
                            "cache_control" => c.cache_control = Some(v.clone()),
                            "type" => c.kind = v.as_str().map(str::to_owned),
                            _ => {
                                c.extra.insert(key.clone(), v.clone());
                            }
                        }
                    }
                }
                wire::Tool::Custom(c)
            }
            ir::Tool::Custom {
                name, description, ..
            } => {
                diag.approximated(
                    at,
                    "freeform tool sent as a function taking {\"input\": string}",
                );
                wire::Tool::Custom(wire::CustomTool {
                    name: name.clone(),
                    description: description.clone(),
                    input_schema: json!({"type": "object", "properties": {"input": {"type": "string"}}, "required": ["input"]}).into(),
                    ..Default::default()
                })
            }
            ir::Tool::WebSearch { config } if config.family == FAMILY => {
                wire::Tool::Server(config.value.clone())
            }
            ir::Tool::WebSearch { config } => {
                diag.approximated(at, "web search sent as Anthropic's web_search tool");
                wire::Tool::Server(web_search_tool(&config.value))
            }
            ir::Tool::Builtin(o) if o.family == FAMILY => wire::Tool::Server(o.value.clone()),
            ir::Tool::Builtin(_) => {
                diag.dropped(at, "built-in tool of another provider");
                continue;
            }
        };
        out.push(tool);
    }
    out
}

/// Anthropic's web search tool, with the domain filter and user location of an OpenAI one.
fn web_search_tool(config: &Value) -> Value {
    let mut t = json!({"type": "web_search_20250305", "name": "web_search"});
    if let Some(domains) = config.pointer("/filters/allowed_domains") {
        t["allowed_domains"] = domains.clone();
    }
    if let Some(loc) = config.get("user_location").filter(|l| l.is_object()) {
        t["user_location"] = loc.clone();
    }
    t
}

pub(crate) fn tool_choice(req: &ir::Request, same: bool) -> Option<wire::ToolChoice> {
    let disable = match req.parallel_tool_calls {
        Some(false) => Some(true),
        Some(true) if same => Some(false),
        _ => None,
    };
    let opts = wire::ToolChoiceOptions {
        disable_parallel_tool_use: disable,
        extra: Map::new(),
    };
    Some(match &req.tool_choice {
        None if disable.is_some() => wire::ToolChoice::Auto(opts),
        None => return None,
        Some(ir::ToolChoice::Auto) => wire::ToolChoice::Auto(opts),
        Some(ir::ToolChoice::Required) => wire::ToolChoice::Any(opts),
        Some(ir::ToolChoice::None) => wire::ToolChoice::None(wire::ToolChoiceOptions::default()),
        Some(ir::ToolChoice::Tool(name)) => wire::ToolChoice::Tool(wire::ToolChoiceTool {
            name: name.clone(),
            disable_parallel_tool_use: disable,
            extra: Map::new(),
        }),
    })
}
