//! IR → Chat Completions request.

use gproxy_protocol::openai::chat::{self as wire, ChatRequest};
use gproxy_protocol::Family;
use serde_json::{json, Map, Value};

use super::messages::encode_messages;
use crate::codec::EncodedRequest;
use crate::diag::Diagnostics;
use crate::error::Result;
use crate::ir;

/// Top-level Chat fields that may come back out of `extra` when the request came from OpenAI
/// (Chat itself, or Responses where the field means the same).
const EXTRA_KEYS: &[&str] = &[
    "audio",
    "function_call",
    "functions",
    "logit_bias",
    "metadata",
    "modalities",
    "prediction",
    "prompt_cache_key",
    "prompt_cache_retention",
    "reasoning_effort",
    "response_format",
    "safety_identifier",
    "service_tier",
    "store",
    "stream_options",
    "tool_choice",
    "verbosity",
];

/// The Responses codec's own bookkeeping in `extra` (how its items were shaped): meaningless to
/// Chat, and not a client field worth a diagnostic.
pub(super) const RESPONSES_RESIDUE: &str = "openai_responses";

pub(super) fn encode_request(req: &ir::Request, diag: &mut Diagnostics) -> Result<EncodedRequest> {
    let same_family = req.origin == Some(Family::OpenAi);
    let extra = |key: &str| req.extra.get(key).filter(|_| same_family);

    let (tools, web_search) = encode_tools(&req.tools, diag);
    let has_tools = tools.is_some();
    let mut out = ChatRequest {
        model: req.model.clone(),
        messages: encode_messages(req, diag),
        tools,
        web_search_options: web_search,
        temperature: req.temperature,
        top_p: req.top_p,
        n: req.n,
        seed: req.seed,
        presence_penalty: req.presence_penalty,
        frequency_penalty: req.frequency_penalty,
        stream: req.stream.then_some(true),
        ..Default::default()
    };

    if has_tools {
        out.parallel_tool_calls = req.parallel_tool_calls;
        out.tool_choice = req
            .tool_choice
            .as_ref()
            .map(|c| encode_tool_choice(c, &req.tools));
    } else {
        if req.parallel_tool_calls.is_some() {
            diag.dropped(
                "parallel_tool_calls",
                "Chat rejects parallel_tool_calls without tools",
            );
        }
        if req.tool_choice.is_some() {
            diag.dropped("tool_choice", "Chat rejects tool_choice without tools");
        }
    }

    // The client's spelling when it was a Chat client that sent `max_tokens` (the only one many
    // compatible servers read), else the current name. Never both: OpenAI rejects that.
    if extra("max_tokens").is_some() {
        out.max_tokens = req.max_output_tokens;
    } else {
        out.max_completion_tokens = req.max_output_tokens;
    }

    if !req.stop.is_empty() {
        out.stop = Some(wire::request::Stop::Many(req.stop.clone()));
    }

    if req.stream && req.stream_include_usage {
        out.stream_options = Some(wire::StreamOptions {
            include_usage: Some(true),
            extra: Map::new(),
        });
    }
    // OpenAI rejects `stream_options` on a request that does not stream.
    if let Some(Value::Object(more)) = extra("stream_options").filter(|_| req.stream) {
        let opts = out.stream_options.get_or_insert_with(Default::default);
        opts.extra
            .extend(more.iter().map(|(k, v)| (k.clone(), v.clone())));
    }

    out.response_format = req
        .response_format
        .as_ref()
        .map(|f| encode_response_format(f, diag));
    out.reasoning_effort = req
        .reasoning
        .as_ref()
        .and_then(|r| encode_reasoning(r, diag));
    if let Some(lp) = &req.logprobs {
        out.logprobs = (lp.enabled || lp.top_logprobs.is_none()).then_some(lp.enabled);
        out.top_logprobs = lp.top_logprobs;
    }

    match &req.user {
        // A client that sent only `safety_identifier` gets it back under that name.
        Some(u) if extra("safety_identifier").and_then(Value::as_str) == Some(u) => {}
        u => out.user = u.clone(),
    }

    if let Some(k) = req.top_k {
        if same_family {
            out.extra.insert("top_k".to_owned(), json!(k));
        } else {
            diag.dropped("top_k", "OpenAI Chat has no top_k");
        }
    }

    // Extras are copied only between OpenAI kinds; otherwise each is a dropped field and the
    // typed request is written straight out (no detour through a `Value`).
    let body = if req.origin == Some(Family::OpenAi) && !req.extra.is_empty() {
        let mut body = serde_json::to_value(&out)?;
        if let Value::Object(obj) = &mut body {
            copy_extra(req, obj, diag);
        }
        serde_json::to_vec(&body)?
    } else {
        copy_extra(req, &mut Map::new(), diag);
        serde_json::to_vec(&out)?
    };
    Ok(EncodedRequest {
        body,
        model: req.model.clone(),
        stream: req.stream,
    })
}

/// Copy `extra` entries that are Chat fields, for requests from the OpenAI family only.
fn copy_extra(req: &ir::Request, obj: &mut Map<String, Value>, diag: &mut Diagnostics) {
    for (key, value) in &req.extra {
        // Written above from the IR, or bookkeeping of the Responses codec.
        if key == RESPONSES_RESIDUE
            || key == "max_tokens"
            || (key == "stream_options" && !req.stream)
        {
            continue;
        }
        let known = EXTRA_KEYS.contains(&key.as_str());
        // Responses spells `tool_choice` differently; only Chat shapes are copied.
        let fits = match key.as_str() {
            "tool_choice" => value.is_string() || value.get("allowed_tools").is_some(),
            _ => true,
        };
        if req.origin == Some(Family::OpenAi) && known && fits {
            if !obj.contains_key(key) {
                obj.insert(key.clone(), value.clone());
            }
        } else {
            diag.dropped(key.clone(), "no Chat Completions field");
        }
    }
}

/// Function and custom tools go in `tools`; web search is the top-level `web_search_options`.
fn encode_tools(
    tools: &[ir::Tool],
    diag: &mut Diagnostics,
) -> (
    Option<Vec<wire::Tool>>,
    Option<wire::request::WebSearchOptions>,
) {
    let mut out = Vec::new();
    let mut web = None;
    for (i, tool) in tools.iter().enumerate() {
        match tool {
            ir::Tool::Function(f) => {
                let name = match &f.namespace {
                    Some(ns) => format!("{ns}__{}", f.name),
                    None => f.name.clone(),
                };
                let function = wire::FunctionDef {
                    name,
                    description: f.description.clone(),
                    parameters: f.parameters.clone(),
                    strict: f.strict.map(Some),
                    extra: Map::new(),
                };
                out.push(wire::Tool {
                    kind: "function".to_owned(),
                    function: Some(function),
                    ..Default::default()
                });
            }
            ir::Tool::Custom {
                name,
                description,
                format,
            } => {
                let custom = wire::CustomDef {
                    name: name.clone(),
                    description: description.clone(),
                    format: format.clone().map(grammar_to_chat),
                    extra: Map::new(),
                };
                out.push(wire::Tool {
                    kind: "custom".to_owned(),
                    custom: Some(custom),
                    ..Default::default()
                });
            }
            ir::Tool::WebSearch { config } => web = Some(web_search_options(config, i, diag)),
            // A Chat tool nests its config under its type name; other OpenAI shapes are
            // Responses built-ins (file_search, code_interpreter, ...) that Chat lacks.
            ir::Tool::Builtin(o)
                if o.family == Family::OpenAi
                    && o.value
                        .get("type")
                        .and_then(Value::as_str)
                        .is_some_and(|t| o.value.get(t).is_some()) =>
            {
                match serde_json::from_value(o.value.clone()) {
                    Ok(t) => out.push(t),
                    Err(_) => diag.dropped(format!("tools[{i}]"), "malformed tool"),
                }
            }
            ir::Tool::Builtin(_) => diag.dropped(
                format!("tools[{i}]"),
                "built-in tool has no Chat equivalent",
            ),
        }
    }
    ((!out.is_empty()).then_some(out), web)
}

/// IR (flat Responses shape) → Chat's nested `grammar` object.
fn grammar_to_chat(format: Value) -> Value {
    match format {
        Value::Object(mut obj)
            if obj.get("type") == Some(&json!("grammar")) && !obj.contains_key("grammar") =>
        {
            let mut grammar = Map::new();
            for key in ["definition", "syntax"] {
                if let Some(v) = obj.remove(key) {
                    grammar.insert(key.to_owned(), v);
                }
            }
            obj.insert("grammar".to_owned(), Value::Object(grammar));
            Value::Object(obj)
        }
        other => other,
    }
}

/// Chat's `web_search_options` from a web-search tool: verbatim when it came from Chat, mapped
/// from a Responses `web_search` tool (flat `user_location`), defaults for other families.
fn web_search_options(
    config: &ir::Opaque,
    i: usize,
    diag: &mut Diagnostics,
) -> wire::request::WebSearchOptions {
    let mut opts = wire::request::WebSearchOptions::default();
    let Value::Object(obj) = &config.value else {
        return opts;
    };
    if config.family != Family::OpenAi {
        diag.approximated(
            format!("tools[{i}]"),
            "web search settings of another provider replaced by Chat defaults",
        );
        return opts;
    }
    if obj.get("type").is_none() {
        return serde_json::from_value(config.value.clone()).unwrap_or_default();
    }
    opts.search_context_size = obj
        .get("search_context_size")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(Value::Object(loc)) = obj.get("user_location") {
        let mut approximate = loc.clone();
        approximate.remove("type");
        opts.user_location = Some(json!({"type": "approximate", "approximate": approximate}));
    }
    if obj
        .keys()
        .any(|k| !["type", "search_context_size", "user_location"].contains(&k.as_str()))
    {
        diag.dropped(
            format!("tools[{i}]"),
            "web search filters have no Chat field",
        );
    }
    opts
}

fn encode_tool_choice(choice: &ir::ToolChoice, tools: &[ir::Tool]) -> wire::ToolChoice {
    let mode = |m: &str| wire::ToolChoice::Mode(m.to_owned());
    match choice {
        ir::ToolChoice::Auto => mode("auto"),
        ir::ToolChoice::None => mode("none"),
        ir::ToolChoice::Required => mode("required"),
        ir::ToolChoice::Tool(name) => {
            let named = wire::ToolName {
                name: name.clone(),
                extra: Map::new(),
            };
            let custom = tools
                .iter()
                .any(|t| matches!(t, ir::Tool::Custom { name: n, .. } if n == name));
            wire::ToolChoice::Named(Box::new(if custom {
                wire::NamedToolChoice {
                    kind: "custom".to_owned(),
                    custom: Some(named),
                    ..Default::default()
                }
            } else {
                wire::NamedToolChoice {
                    kind: "function".to_owned(),
                    function: Some(named),
                    ..Default::default()
                }
            }))
        }
    }
}

fn encode_response_format(
    format: &ir::ResponseFormat,
    diag: &mut Diagnostics,
) -> wire::ResponseFormat {
    let of = |kind: &str| wire::ResponseFormat {
        kind: kind.to_owned(),
        ..Default::default()
    };
    match format {
        ir::ResponseFormat::Text => of("text"),
        ir::ResponseFormat::JsonObject => of("json_object"),
        ir::ResponseFormat::JsonSchema {
            name,
            schema,
            strict,
            description,
        } => {
            let name = name.clone().unwrap_or_else(|| {
                diag.approximated(
                    "response_format.name",
                    "Chat requires a schema name; `response` used",
                );
                "response".to_owned()
            });
            let json_schema = wire::JsonSchemaFormat {
                name,
                description: description.clone(),
                schema: Some(schema.clone()),
                strict: strict.map(Some),
                extra: Map::new(),
            };
            wire::ResponseFormat {
                json_schema: Some(json_schema),
                ..of("json_schema")
            }
        }
    }
}

fn encode_reasoning(r: &ir::ReasoningConfig, diag: &mut Diagnostics) -> Option<String> {
    if r.summary.is_some() {
        diag.dropped("reasoning.summary", "Chat has no reasoning summary setting");
    }
    if r.include_thoughts == Some(true) {
        diag.dropped(
            "reasoning.include_thoughts",
            "Chat has no switch for visible reasoning",
        );
    }
    match (r.effort, r.budget_tokens, r.enabled) {
        (Some(e), _, _) => Some(e.as_str().to_owned()),
        (None, Some(b), _) => {
            diag.approximated(
                "reasoning.budget_tokens",
                "token budget mapped to the nearest reasoning_effort",
            );
            Some(ir::ReasoningEffort::from_budget(b).as_str().to_owned())
        }
        (None, None, Some(false)) => {
            diag.dropped(
                "reasoning.enabled",
                "reasoning cannot be turned off portably in Chat; model default used",
            );
            None
        }
        _ => None,
    }
}
