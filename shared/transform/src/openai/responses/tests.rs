//! Responses codec on the scenario files and the captured client requests: requests, responses,
//! count tokens.

#![allow(clippy::unwrap_used, clippy::panic)]

use gproxy_protocol::Family;
use serde_json::{json, Value};

use super::ResponsesCodec;
use crate::codec::{Codec, DecodeContext, EncodeContext};
use crate::diag::Diagnostics;
use crate::ir::{self, MediaSource, Part, ReasoningEffort, Role, StopReason, ToolChoice, Usage};

pub(super) fn scenario(name: &str, ext: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/data/openai_responses/{name}.{ext}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn decode(body: &[u8]) -> ir::Request {
    ResponsesCodec
        .decode_request(body, DecodeContext::default())
        .unwrap()
}

fn encode(req: &ir::Request) -> (Value, Diagnostics) {
    let mut diag = Diagnostics::new();
    let out = ResponsesCodec.encode_request(req, &mut diag).unwrap();
    (serde_json::from_slice(&out.body).unwrap(), diag)
}

fn text(p: &Part) -> &str {
    match p {
        Part::Text(t) => &t.text,
        other => panic!("not text: {other:?}"),
    }
}

fn result(m: &ir::Message) -> (&str, &str) {
    match m.parts.as_slice() {
        [Part::ToolResult(r)] => (r.call_id.as_str(), text(&r.content[0])),
        other => panic!("not one tool result: {other:?}"),
    }
}

#[test]
fn scenario_requests_decode_to_the_described_ir() {
    let req = decode(&scenario("text", "request.json"));
    assert_eq!(
        req.messages.iter().map(|m| m.role).collect::<Vec<_>>(),
        [Role::System, Role::User]
    );
    assert_eq!(
        (
            text(&req.messages[0].parts[0]),
            text(&req.messages[1].parts[0])
        ),
        ("You are terse.", "Say hello.")
    );
    assert_eq!(
        (req.max_output_tokens, req.temperature, req.model.as_str()),
        (Some(256), Some(0.2), "gpt-4.1")
    );

    let req = decode(&scenario("parallel_tools", "request.json"));
    let names: Vec<_> = req
        .tools
        .iter()
        .map(|t| match t {
            ir::Tool::Function(f) => f.name.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        (names, req.tool_choice.clone()),
        (vec!["get_weather", "get_time"], Some(ToolChoice::Auto))
    );
    let roles: Vec<_> = req.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::User, Role::Assistant, Role::Tool, Role::Tool]);
    let calls: Vec<_> = req.messages[1]
        .parts
        .iter()
        .map(|p| match p {
            Part::ToolCall(c) => (c.id.as_str(), c.name.as_str(), c.arguments.as_str()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("call_w1", "get_weather", r#"{"city":"Paris"}"#),
            ("call_t1", "get_time", r#"{"timezone":"Europe/Paris"}"#)
        ]
    );
    assert_eq!(
        (result(&req.messages[2]), result(&req.messages[3])),
        (("call_w1", "18°C, sunny"), ("call_t1", "14:05"))
    );

    let req = decode(&scenario("reasoning", "request.json"));
    let r = req.reasoning.clone().unwrap();
    assert_eq!(
        (r.effort, r.summary.as_deref(), r.include_thoughts),
        (Some(ReasoningEffort::Low), Some("auto"), Some(true))
    );
    let [Part::Reasoning(rs), Part::Text(answer)] = req.messages[1].parts.as_slice() else {
        panic!("{:?}", req.messages[1])
    };
    assert_eq!((rs.text.as_str(), answer.text.as_str()), ("2+2 = 4.", "4"));
    assert!(rs.id.as_deref().unwrap().starts_with("rs_"));
    let sig = rs.signature.clone().unwrap();
    assert_eq!(sig.family, Family::OpenAi);
    assert!(sig.value.as_str().unwrap().starts_with("gAAAAAB"));
    assert_eq!(req.extra["include"], json!(["reasoning.encrypted_content"]));

    let req = decode(&scenario("image_input", "request.json"));
    let [Part::Text(q), Part::Image(png), Part::Image(url)] = req.messages[0].parts.as_slice()
    else {
        panic!("parts")
    };
    assert_eq!(q.text, "What is in this image?");
    assert_eq!(
        (png.mime_type.as_deref(), &url.source),
        (
            Some("image/png"),
            &MediaSource::Url("https://example.com/cat.jpg".into())
        )
    );
    assert!(matches!(&png.source, MediaSource::Base64(d) if d.starts_with("iVBORw0KGgo")));

    let req = decode(&scenario("cache_usage", "request.json"));
    assert_eq!(req.messages[0].role, Role::System);
    assert!(text(&req.messages[0].parts[0]).len() > 1000);
    assert_eq!(text(&req.messages[1].parts[0]), "Summarize.");
}

#[test]
fn scenario_requests_survive_decode_encode() {
    for name in [
        "text",
        "parallel_tools",
        "reasoning",
        "image_input",
        "cache_usage",
    ] {
        let body: Value = serde_json::from_slice(&scenario(name, "request.json")).unwrap();
        let (out, diag) = encode(&decode(body.to_string().as_bytes()));
        assert_eq!(out, body, "{name}");
        assert!(diag.is_empty(), "{name}: {:?}", diag.items());
    }
}

/// The response facts a user notices: text, reasoning, calls, stop reason, usage.
pub(super) fn facts(
    resp: &ir::Response,
) -> (
    String,
    String,
    Vec<(String, String)>,
    Option<StopReason>,
    Option<Usage>,
) {
    let mut out = (
        String::new(),
        String::new(),
        Vec::new(),
        resp.stop_reason.clone(),
        resp.usage,
    );
    for p in &resp.content {
        match p {
            Part::Text(t) => out.0.push_str(&t.text),
            Part::Reasoning(r) => out.1.push_str(&r.text),
            Part::ToolCall(c) => out.2.push((c.name.clone(), c.arguments.clone())),
            _ => {}
        }
    }
    out
}

pub(super) fn usage(input: u64, output: u64, cache_read: u64, reasoning: u64) -> Option<Usage> {
    Some(Usage {
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: cache_read,
        cache_write_tokens: 0,
        reasoning_tokens: reasoning,
    })
}

pub(super) fn expected(
    name: &str,
) -> (
    String,
    String,
    Vec<(String, String)>,
    Option<StopReason>,
    Option<Usage>,
) {
    let s = String::from;
    match name {
        "text" => (
            s("Hello! How can I help you today?"),
            s(""),
            vec![],
            Some(StopReason::EndTurn),
            usage(25, 9, 0, 0),
        ),
        "parallel_tools" => (
            s(""),
            s(""),
            vec![
                (s("get_weather"), s(r#"{"city":"Paris"}"#)),
                (s("get_time"), s(r#"{"timezone":"Europe/Paris"}"#)),
            ],
            Some(StopReason::ToolUse),
            usage(120, 40, 0, 0),
        ),
        "reasoning" => (
            s("391"),
            s("17*23 = 391."),
            vec![],
            Some(StopReason::EndTurn),
            usage(30, 50, 0, 35),
        ),
        "image_input" => (
            s("A red square and a cat."),
            s(""),
            vec![],
            Some(StopReason::EndTurn),
            usage(850, 7, 0, 0),
        ),
        "cache_usage" => (
            s("Summary."),
            s(""),
            vec![],
            Some(StopReason::EndTurn),
            usage(2000, 12, 1800, 0),
        ),
        other => panic!("{other}"),
    }
}

#[test]
fn scenario_responses_decode_and_encode_back() {
    let ctx = EncodeContext {
        fallback_id: "req_1".into(),
        created: 1_700_000_000,
        model: "m".into(),
        ..Default::default()
    };
    for name in [
        "text",
        "parallel_tools",
        "reasoning",
        "image_input",
        "cache_usage",
    ] {
        let resp = ResponsesCodec
            .decode_response(&scenario(name, "response.json"))
            .unwrap();
        assert_eq!(facts(&resp), expected(name), "{name}");
        assert!(resp.id.starts_with("resp_"));
        let mut diag = Diagnostics::new();
        let body = ResponsesCodec.encode_response(&resp, &ctx, &mut diag);
        let again = ResponsesCodec.decode_response(&body).unwrap();
        assert_eq!(facts(&again), expected(name), "{name} re-encoded");
        let v: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            (v["id"].as_str(), v["object"].as_str()),
            (Some(resp.id.as_str()), Some("response"))
        );
    }
    let resp = ResponsesCodec
        .decode_response(&scenario("reasoning", "response.json"))
        .unwrap();
    let Part::Reasoning(r) = &resp.content[0] else {
        panic!("reasoning first")
    };
    assert!(r
        .signature
        .as_ref()
        .unwrap()
        .value
        .as_str()
        .unwrap()
        .starts_with("gAAAAAB"));
}

/// Every `/v1/responses` body the captured clients sent.
fn fixture_bodies() -> Vec<Value> {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/clients"
    );
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        for line in std::fs::read_to_string(entry.unwrap().path())
            .unwrap()
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let v: Value = serde_json::from_str(line).unwrap();
            if v["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/v1/responses"))
            {
                out.push(v["body"].clone());
            }
        }
    }
    out
}

#[test]
fn captured_client_bodies_decode_and_codex_round_trips() {
    let bodies = fixture_bodies();
    assert!(bodies.len() >= 10);
    let mut codex = 0;
    for body in bodies {
        let req = decode(body.to_string().as_bytes());
        assert!(!req.messages.is_empty() && req.model.starts_with("gpt"));
        if body.get("client_metadata").is_none() {
            continue;
        }
        codex += 1;
        let (out, diag) = encode(&req);
        assert_eq!(out, body, "codex body changed");
        assert!(diag.is_empty(), "{:?}", diag.items());
        // what a Codex turn means: developer prompts, namespace tools, web search, the call
        assert_eq!(req.messages[0].role, Role::Developer);
        assert!(req.tools.iter().any(|t| matches!(t, ir::Tool::Function(f) if f.name == "spawn_agent" && f.namespace.as_deref() == Some("multi_agent_v1"))));
        assert!(req
            .tools
            .iter()
            .any(|t| matches!(t, ir::Tool::WebSearch { .. })));
        assert_eq!(
            req.extra["prompt_cache_key"],
            json!("01a20fc4-0723-7e10-b6f2-3eece4039ec8")
        );
    }
    assert_eq!(codex, 2);
}

#[test]
fn codex_tool_round_is_a_call_and_its_result() {
    let body = fixture_bodies()
        .into_iter()
        .filter(|b| b.get("client_metadata").is_some())
        .nth(1)
        .unwrap();
    let req = decode(body.to_string().as_bytes());
    let n = req.messages.len();
    let Part::ToolCall(c) = &req.messages[n - 2].parts[0] else {
        panic!("call")
    };
    assert_eq!(
        (c.id.as_str(), c.name.as_str(), c.item_id.as_deref()),
        (
            "call_mock1",
            "exec_command",
            Some("fc_f42fe081566e4992a4b61417")
        )
    );
    assert_eq!(req.messages[n - 1].role, Role::Tool);
    let (id, out) = result(&req.messages[n - 1]);
    assert_eq!(id, "call_mock1");
    assert!(out.contains("mock-tool-ran"));
}

#[test]
fn foreign_requests_encode_with_diagnostics() {
    let mut req = ir::Request {
        model: "gpt-5".into(),
        messages: vec![
            ir::Message::text(Role::System, "Be brief."),
            ir::Message::text(Role::User, "Hi"),
            ir::Message::new(
                Role::Assistant,
                vec![
                    Part::Reasoning(ir::Reasoning {
                        text: "thinking".into(),
                        signature: Some(ir::Opaque {
                            family: Family::Anthropic,
                            value: json!("EqQB"),
                        }),
                        ..Default::default()
                    }),
                    Part::Text(ir::Text::new("Hello")),
                ],
            ),
            ir::Message::text(Role::User, "Again"),
        ],
        tools: vec![ir::Tool::Function(ir::FunctionTool {
            name: "f".into(),
            parameters: Some(json!({"type": "object"})),
            ..Default::default()
        })],
        tool_choice: Some(ToolChoice::Tool("f".into())),
        stop: vec!["END".into()],
        reasoning: Some(ir::ReasoningConfig {
            budget_tokens: Some(8000),
            include_thoughts: Some(true),
            ..Default::default()
        }),
        origin: Some(Family::Anthropic),
        ..Default::default()
    };
    req.extra
        .insert("previous_response_id".into(), json!("resp_x"));
    let (out, diag) = encode(&req);
    assert_eq!(out["instructions"], "Be brief.");
    assert_eq!(
        out["input"],
        json!([
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "Hello"},
            {"role": "user", "content": "Again"}
        ])
    );
    assert_eq!(
        out["tools"][0]["strict"], false,
        "other kinds default to loose schemas"
    );
    assert_eq!(out["tool_choice"], json!({"type": "function", "name": "f"}));
    assert_eq!(
        out["reasoning"],
        json!({"effort": "medium", "summary": "auto"})
    );
    assert!(out.get("previous_response_id").is_none());
    for field in [
        "messages[2].content[0]",
        "stop",
        "previous_response_id",
        "reasoning.budget_tokens",
    ] {
        assert!(diag.mentions(field), "{field}: {:?}", diag.items());
    }
}

#[test]
fn chat_origin_extras_are_filtered() {
    let mut req = ir::Request {
        model: "gpt-4o".into(),
        messages: vec![ir::Message::text(Role::User, "hi")],
        origin: Some(Family::OpenAi),
        ..Default::default()
    };
    req.extra.insert("store".into(), json!(true));
    req.extra
        .insert("stream_options".into(), json!({"include_usage": true}));
    req.extra
        .insert("logit_bias".into(), json!({"50256": -100}));
    req.extra.insert("verbosity".into(), json!("low"));
    let (out, diag) = encode(&req);
    assert_eq!(
        out,
        json!({"model": "gpt-4o", "input": "hi", "store": true, "text": {"verbosity": "low"}})
    );
    assert!(diag.mentions("logit_bias"));
}

#[test]
fn count_tokens_keeps_only_counting_fields() {
    let mut req = decode(&scenario("text", "request.json"));
    req.stream = true;
    let mut diag = Diagnostics::new();
    let out = ResponsesCodec
        .encode_count_tokens_request(&req, &mut diag)
        .unwrap()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.body).unwrap();
    assert_eq!(
        v,
        json!({"model": "gpt-4.1", "input": "Say hello.", "instructions": "You are terse."})
    );
    let n = ResponsesCodec
        .decode_count_tokens_response(br#"{"object":"response.input_tokens","input_tokens":11}"#)
        .unwrap()
        .unwrap();
    assert_eq!(n.input_tokens, 11);
    let body = ResponsesCodec
        .encode_count_tokens_response(&ir::TokenCount {
            input_tokens: 42,
            cache_read_tokens: 0,
        })
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"object": "response.input_tokens", "input_tokens": 42})
    );
}

#[test]
fn incomplete_and_failed_responses_map_to_stop_reasons() {
    let cases = [
        (
            json!({"status": "incomplete", "incomplete_details": {"reason": "max_output_tokens"}}),
            Some(StopReason::MaxTokens),
        ),
        (
            json!({"status": "incomplete", "incomplete_details": {"reason": "content_filter"}}),
            Some(StopReason::ContentFilter),
        ),
        (
            json!({"status": "failed", "error": {"code": "server_error", "message": "boom"}}),
            Some(StopReason::Other("failed".into())),
        ),
    ];
    for (patch, stop) in cases {
        let mut body: Value = serde_json::from_slice(&scenario("text", "response.json")).unwrap();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let resp = ResponsesCodec
            .decode_response(body.to_string().as_bytes())
            .unwrap();
        assert_eq!(resp.stop_reason, stop);
    }
    let resp = ir::Response {
        id: "msg_01".into(),
        stop_reason: Some(StopReason::MaxTokens),
        ..Default::default()
    };
    let body =
        ResponsesCodec.encode_response(&resp, &EncodeContext::default(), &mut Diagnostics::new());
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (v["id"].as_str(), v["status"].as_str()),
        (Some("resp_msg_01"), Some("incomplete"))
    );
    assert_eq!(v["incomplete_details"]["reason"], "max_output_tokens");
}
