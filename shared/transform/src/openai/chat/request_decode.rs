//! Chat Completions request → IR.

use gproxy_protocol::openai::chat::{self as wire, ChatRequest, Message};
use gproxy_protocol::Family;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::content::content_to_ir;
use crate::codec::DecodeContext;
use crate::error::{Result, TransformError};
use crate::ir;

pub(super) fn decode_request(body: &[u8], ctx: DecodeContext<'_>) -> Result<ir::Request> {
    let req: ChatRequest = crate::error::from_json(body)?;
    let mut extra = req.extra;
    keep(&mut extra, "logit_bias", req.logit_bias);
    keep(&mut extra, "verbosity", req.verbosity);
    keep(&mut extra, "prompt_cache_key", req.prompt_cache_key);
    keep(&mut extra, "metadata", req.metadata);
    keep(&mut extra, "store", req.store);
    keep(&mut extra, "service_tier", req.service_tier);
    keep(&mut extra, "modalities", req.modalities);
    keep(&mut extra, "audio", req.audio);
    keep(&mut extra, "prediction", req.prediction);
    // Remember which spelling the client used, so a Chat upstream gets the same one back.
    keep(&mut extra, "max_tokens", req.max_tokens);
    // `user` wins the IR slot; a lone `safety_identifier` takes it and is remembered.
    keep(
        &mut extra,
        "safety_identifier",
        req.safety_identifier.clone(),
    );
    // Chat has no top_k; vLLM and other compatible servers read it.
    let top_k = extra.remove("top_k").and_then(|v| v.as_u64());

    let stream_include_usage = match req.stream_options {
        Some(opts) => {
            if !opts.extra.is_empty() {
                extra.insert("stream_options".to_owned(), Value::Object(opts.extra));
            }
            opts.include_usage == Some(true)
        }
        None => false,
    };

    let mut tools: Vec<ir::Tool> = req
        .tools
        .unwrap_or_default()
        .into_iter()
        .map(decode_tool)
        .collect();
    if let Some(ws) = req.web_search_options {
        let value = web_search_to_ir(ws);
        tools.push(ir::Tool::WebSearch {
            config: ir::Opaque {
                family: Family::OpenAi,
                value,
            },
        });
    }

    let tool_choice = match req.tool_choice {
        None => None,
        Some(choice) => match decode_tool_choice(&choice) {
            Some(c) => Some(c),
            None => {
                extra.insert("tool_choice".to_owned(), serde_json::to_value(choice)?);
                None
            }
        },
    };

    let response_format = match req.response_format {
        None => None,
        Some(rf) => match decode_response_format(&rf) {
            Some(f) => Some(f),
            None => {
                extra.insert("response_format".to_owned(), serde_json::to_value(rf)?);
                None
            }
        },
    };

    let reasoning = match req
        .reasoning_effort
        .as_deref()
        .map(|e| (e, ir::ReasoningEffort::parse(e)))
    {
        None => None,
        Some((_, Some(effort))) => Some(ir::ReasoningConfig {
            enabled: Some(effort != ir::ReasoningEffort::None),
            effort: Some(effort),
            ..Default::default()
        }),
        Some((raw, None)) => {
            extra.insert("reasoning_effort".to_owned(), json!(raw));
            None
        }
    };

    let logprobs = (req.logprobs.is_some() || req.top_logprobs.is_some()).then(|| ir::Logprobs {
        enabled: req.logprobs == Some(true),
        top_logprobs: req.top_logprobs,
    });

    let messages = req
        .messages
        .into_iter()
        .enumerate()
        .map(|(i, m)| decode_message(i, m))
        .collect::<Result<Vec<_>>>()?;

    let stop = match req.stop {
        None => Vec::new(),
        Some(wire::request::Stop::One(s)) => vec![s],
        Some(wire::request::Stop::Many(v)) => v,
    };

    let model = if req.model.is_empty() {
        ctx.model.unwrap_or_default().to_owned()
    } else {
        req.model
    };
    Ok(ir::Request {
        model,
        messages,
        tools,
        tool_choice,
        parallel_tool_calls: req.parallel_tool_calls,
        max_output_tokens: req.max_completion_tokens.or(req.max_tokens),
        temperature: req.temperature,
        top_p: req.top_p,
        top_k,
        stop,
        seed: req.seed,
        presence_penalty: req.presence_penalty,
        frequency_penalty: req.frequency_penalty,
        n: req.n,
        response_format,
        reasoning,
        logprobs,
        stream: req.stream.unwrap_or(false),
        stream_include_usage,
        user: req.user.or(req.safety_identifier),
        origin: Some(Family::OpenAi),
        extra,
    })
}

/// Chat's `web_search_options` in the shape of the Responses `web_search` tool, the one OpenAI
/// web-search config both OpenAI kinds read (`user_location` flat instead of nested).
fn web_search_to_ir(ws: wire::request::WebSearchOptions) -> Value {
    let mut obj = Map::new();
    obj.insert("type".to_owned(), json!("web_search"));
    if let Some(size) = ws.search_context_size {
        obj.insert("search_context_size".to_owned(), json!(size));
    }
    if let Some(loc) = ws.user_location {
        let mut flat = Map::new();
        flat.insert(
            "type".to_owned(),
            loc.get("type")
                .cloned()
                .unwrap_or_else(|| json!("approximate")),
        );
        if let Some(Value::Object(approx)) = loc.get("approximate") {
            flat.extend(approx.clone());
        }
        obj.insert("user_location".to_owned(), Value::Object(flat));
    }
    obj.extend(ws.extra);
    Value::Object(obj)
}

/// Keep a field that has no IR slot in `extra` under its wire name.
fn keep<T: Serialize>(extra: &mut ir::Extra, key: &str, value: Option<T>) {
    if let Some(v) = value.and_then(|v| serde_json::to_value(v).ok()) {
        extra.insert(key.to_owned(), v);
    }
}

fn decode_tool(tool: wire::Tool) -> ir::Tool {
    match (tool.kind.as_str(), &tool.function, &tool.custom) {
        ("function", Some(f), _) => ir::Tool::Function(ir::FunctionTool {
            name: f.name.clone(),
            namespace: None,
            description: f.description.clone(),
            parameters: f.parameters.clone(),
            strict: f.strict.flatten(),
        }),
        ("custom", _, Some(c)) => ir::Tool::Custom {
            name: c.name.clone(),
            description: c.description.clone(),
            format: c.format.clone().map(grammar_to_ir),
        },
        _ => ir::Tool::Builtin(ir::Opaque {
            family: Family::OpenAi,
            value: serde_json::to_value(&tool).unwrap_or(Value::Null),
        }),
    }
}

/// Chat nests a custom tool's grammar (`{"type":"grammar","grammar":{definition,syntax}}`);
/// the IR uses the flat Responses shape (`{"type":"grammar",definition,syntax}`).
fn grammar_to_ir(format: Value) -> Value {
    match format {
        Value::Object(mut obj) if obj.get("type") == Some(&json!("grammar")) => {
            if let Some(Value::Object(inner)) = obj.remove("grammar") {
                obj.extend(inner);
            }
            Value::Object(obj)
        }
        other => other,
    }
}

fn decode_tool_choice(choice: &wire::ToolChoice) -> Option<ir::ToolChoice> {
    match choice {
        wire::ToolChoice::Mode(m) => match m.as_str() {
            "auto" => Some(ir::ToolChoice::Auto),
            "none" => Some(ir::ToolChoice::None),
            "required" => Some(ir::ToolChoice::Required),
            _ => None,
        },
        wire::ToolChoice::Named(n) => match (n.kind.as_str(), &n.function, &n.custom) {
            ("function", Some(t), _) | ("custom", _, Some(t)) if n.extra.is_empty() => {
                Some(ir::ToolChoice::Tool(t.name.clone()))
            }
            _ => None,
        },
    }
}

fn decode_response_format(rf: &wire::ResponseFormat) -> Option<ir::ResponseFormat> {
    match (rf.kind.as_str(), &rf.json_schema) {
        ("text", _) => Some(ir::ResponseFormat::Text),
        ("json_object", _) => Some(ir::ResponseFormat::JsonObject),
        ("json_schema", Some(s)) => Some(ir::ResponseFormat::JsonSchema {
            name: Some(s.name.clone()),
            schema: s.schema.clone().unwrap_or_else(|| json!({})),
            strict: s.strict.flatten(),
            description: s.description.clone(),
        }),
        _ => None,
    }
}

pub(super) fn decode_tool_call(call: wire::ToolCall) -> Option<ir::ToolCall> {
    let (name, arguments, kind) = match (call.kind.as_deref(), call.function, call.custom) {
        (Some("custom"), _, Some(c)) => (c.name, c.input, ir::ToolCallKind::Custom),
        (Some("function") | None, Some(f), _) => (f.name, f.arguments, ir::ToolCallKind::Function),
        _ => return None,
    };
    Some(ir::ToolCall {
        id: call.id,
        name,
        namespace: None,
        arguments,
        kind,
        signature: None,
        item_id: None,
    })
}

fn decode_message(i: usize, m: Message) -> Result<ir::Message> {
    let mut extra = m.extra;
    if let Some(audio) = m.audio {
        extra.insert("audio".to_owned(), audio);
    }
    if let Some(fc) = m.function_call {
        extra.insert("function_call".to_owned(), fc);
    }
    let content = m.content.flatten().map(content_to_ir).unwrap_or_default();
    let (role, parts) = match m.role.as_str() {
        "system" => (ir::Role::System, content),
        "developer" => (ir::Role::Developer, content),
        "user" => (ir::Role::User, content),
        "assistant" => {
            let mut parts = Vec::new();
            if let Some(r) = m.reasoning_content.filter(|r| !r.is_empty()) {
                parts.push(ir::Part::Reasoning(ir::Reasoning {
                    text: r,
                    ..Default::default()
                }));
            }
            parts.extend(content);
            if let Some(Some(r)) = m.refusal {
                parts.push(ir::Part::Refusal(r));
            }
            for (j, call) in m.tool_calls.unwrap_or_default().into_iter().enumerate() {
                match decode_tool_call(call.clone()) {
                    Some(c) => parts.push(ir::Part::ToolCall(c)),
                    None => {
                        let bad = serde_json::to_value(call)?;
                        return Err(TransformError::invalid(
                            format!("messages[{i}].tool_calls[{j}]"),
                            format!("unsupported tool call {bad}"),
                        ));
                    }
                }
            }
            (ir::Role::Assistant, parts)
        }
        "tool" | "function" => {
            let legacy = m.role == "function";
            let call_id = if legacy {
                m.name.clone()
            } else {
                m.tool_call_id
            };
            let result = ir::ToolResult {
                call_id: call_id.unwrap_or_default(),
                name: if legacy { m.name.clone() } else { None },
                content,
                is_error: false,
            };
            if legacy {
                extra.insert("role".to_owned(), json!("function"));
            }
            (ir::Role::Tool, vec![ir::Part::ToolResult(result)])
        }
        other => {
            return Err(TransformError::invalid(
                format!("messages[{i}].role"),
                format!("unknown role `{other}`"),
            ));
        }
    };
    Ok(ir::Message {
        role,
        parts,
        name: m.name,
        extra,
    })
}
