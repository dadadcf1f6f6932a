//! Encoding IR requests of other families into Anthropic requests.

use gproxy_protocol::Family;
use serde_json::{json, Value};

use super::*;
use crate::diag::Diagnostics;
use crate::ir::{Message, Part, Role};

fn encode(req: &ir::Request) -> (Value, Diagnostics) {
    let mut diag = Diagnostics::new();
    let enc = AnthropicCodec.encode_request(req, &mut diag).unwrap();
    (serde_json::from_slice(&enc.body).unwrap(), diag)
}

fn call(id: &str, name: &str, args: &str) -> Part {
    Part::ToolCall(ir::ToolCall {
        id: id.into(),
        name: name.into(),
        arguments: args.into(),
        ..Default::default()
    })
}

fn result(id: &str, text: &str) -> Message {
    Message::new(
        Role::Tool,
        vec![Part::ToolResult(ir::ToolResult {
            call_id: id.into(),
            content: vec![Part::Text(ir::Text::new(text))],
            ..Default::default()
        })],
    )
}

fn chat_request(messages: Vec<Message>) -> ir::Request {
    ir::Request {
        model: "claude-sonnet-4-5".into(),
        messages,
        origin: Some(Family::OpenAi),
        ..Default::default()
    }
}

#[test]
fn system_tool_results_and_alternation() {
    let req = chat_request(vec![
        Message::text(Role::Developer, "Be brief."),
        Message::text(Role::User, "Weather and time in Paris?"),
        Message::new(
            Role::Assistant,
            vec![
                call("call_w1", "get_weather", r#"{"city":"Paris"}"#),
                call("call_t1", "get_time", r#"{"timezone":"Europe/Paris"}"#),
            ],
        ),
        result("call_w1", "18°C, sunny"),
        result("call_t1", "14:05"),
        Message::text(Role::User, "Thanks."),
        Message::text(Role::System, "Answer in French from now on."),
        Message::text(Role::User, "Merci."),
    ]);
    let (body, diag) = encode(&req);
    assert_eq!(body["system"], "Be brief.");
    assert_eq!(body["max_tokens"], 8192);
    assert!(diag.mentions("max_output_tokens"));
    assert_eq!(
        body["messages"],
        json!([
            {"role": "user", "content": "Weather and time in Paris?"},
            {"role": "assistant", "content": [
                {"type": "tool_use", "id": "call_w1", "name": "get_weather", "input": {"city": "Paris"}},
                {"type": "tool_use", "id": "call_t1", "name": "get_time", "input": {"timezone": "Europe/Paris"}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "call_w1", "content": "18°C, sunny"},
                {"type": "tool_result", "tool_use_id": "call_t1", "content": "14:05"},
                {"type": "text", "text": "Thanks."}]},
            {"role": "system", "content": "Answer in French from now on."},
            {"role": "user", "content": "Merci."}
        ])
    );
}

#[test]
fn effort_becomes_a_budget_and_sampling_conflicts_are_reported() {
    let mut req = chat_request(vec![Message::text(Role::User, "What is 17*23?")]);
    req.reasoning = Some(ir::ReasoningConfig {
        effort: Some(ir::ReasoningEffort::Low),
        ..Default::default()
    });
    req.max_output_tokens = Some(4096);
    req.temperature = Some(0.2);
    req.seed = Some(7);
    let (body, diag) = encode(&req);
    assert_eq!(
        body["thinking"],
        json!({"type": "enabled", "budget_tokens": 2048})
    );
    assert!(body.get("temperature").is_none());
    for field in ["reasoning.effort", "temperature", "seed"] {
        assert!(diag.mentions(field), "{field}: {:?}", diag.items());
    }
    req.max_output_tokens = Some(1000);
    let (body, diag) = encode(&req);
    assert!(body.get("thinking").is_none());
    assert!(diag.mentions("reasoning"));
    req.reasoning = Some(ir::ReasoningConfig {
        enabled: Some(false),
        ..Default::default()
    });
    assert_eq!(encode(&req).0["thinking"], json!({"type": "disabled"}));
}

#[test]
fn foreign_reasoning_and_opaque_parts_are_dropped_with_a_diagnostic() {
    let sig = ir::Opaque {
        family: Family::OpenAi,
        value: json!("gAAAAenc"),
    };
    let req = chat_request(vec![
        Message::text(Role::User, "2+2?"),
        Message::new(
            Role::Assistant,
            vec![
                Part::Reasoning(ir::Reasoning {
                    text: "add".into(),
                    signature: Some(sig),
                    ..Default::default()
                }),
                Part::Text(ir::Text::new("4")),
            ],
        ),
        Message::text(Role::User, "and 3+3?"),
    ]);
    let (body, diag) = encode(&req);
    assert_eq!(
        body["messages"][1],
        json!({"role": "assistant", "content": "4"})
    );
    assert!(diag.mentions("messages[1].content[0]"));
}

#[test]
fn tools_choice_format_and_unsupported_fields() {
    let mut req = chat_request(vec![Message::text(Role::User, "hi")]);
    req.tools = vec![
        ir::Tool::Function(ir::FunctionTool {
            name: "lookup".into(),
            namespace: Some("crm".into()),
            ..Default::default()
        }),
        ir::Tool::WebSearch {
            config: ir::Opaque {
                family: Family::OpenAi,
                value: json!({"type": "web_search", "filters": {"allowed_domains": ["example.com"]}}),
            },
        },
        ir::Tool::Builtin(ir::Opaque {
            family: Family::Gemini,
            value: json!({"codeExecution": {}}),
        }),
    ];
    req.tool_choice = Some(ir::ToolChoice::Required);
    req.parallel_tool_calls = Some(false);
    req.response_format = Some(ir::ResponseFormat::JsonSchema {
        name: Some("r".into()),
        schema: json!({"type": "object"}),
        strict: Some(true),
        description: None,
    });
    req.extra.insert("store".into(), json!(false));
    let (body, diag) = encode(&req);
    assert_eq!(
        body["tools"][0],
        json!({"name": "crm__lookup", "input_schema": {"type": "object", "properties": {}}})
    );
    assert_eq!(
        body["tools"][1],
        json!({"type": "web_search_20250305", "name": "web_search", "allowed_domains": ["example.com"]})
    );
    assert_eq!(body["tools"].as_array().unwrap().len(), 2);
    assert_eq!(
        body["tool_choice"],
        json!({"type": "any", "disable_parallel_tool_use": true})
    );
    assert_eq!(
        body["output_config"],
        json!({"format": {"type": "json_schema", "schema": {"type": "object"}}})
    );
    assert!(body.get("store").is_none());
    for field in ["tools[1]", "tools[2]", "store"] {
        assert!(diag.mentions(field), "{field}: {:?}", diag.items());
    }
    req.n = Some(2);
    assert!(AnthropicCodec
        .encode_request(&req, &mut Diagnostics::new())
        .is_err());
}

#[test]
fn scenario_requests_survive_the_same_family_round_trip() {
    for name in [
        "text",
        "parallel_tools",
        "reasoning",
        "image_input",
        "cache_usage",
    ] {
        let raw = scenario(name, "request.json");
        let req = decode_request(&raw);
        let mut diag = Diagnostics::new();
        let enc = AnthropicCodec.encode_request(&req, &mut diag).unwrap();
        let want: Value = serde_json::from_slice(&raw).unwrap();
        assert_eq!(
            serde_json::from_slice::<Value>(&enc.body).unwrap(),
            want,
            "{name}"
        );
        assert!(diag.is_empty(), "{name}: {:?}", diag.items());
    }
}

#[test]
fn tool_results_inside_other_turns_move_to_a_user_turn() {
    let assistant = Message::new(
        Role::Assistant,
        vec![
            call("call_1", "lookup", "{}"),
            Part::ToolResult(ir::ToolResult {
                call_id: "call_1".into(),
                content: vec![Part::Text(ir::Text::new("found"))],
                is_error: true,
                ..Default::default()
            }),
        ],
    );
    let mut req = chat_request(vec![
        Message::text(Role::User, "find it"),
        assistant,
        Message::text(Role::User, "ok?"),
    ]);
    req.max_output_tokens = Some(512);
    let (body, diag) = encode(&req);
    assert!(diag.is_empty(), "{:?}", diag.items());
    assert_eq!(
        body["messages"],
        json!([
            {"role": "user", "content": "find it"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "call_1", "name": "lookup", "input": {}}]},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "call_1", "content": "found", "is_error": true},
                {"type": "text", "text": "ok?"}]}
        ])
    );
}
