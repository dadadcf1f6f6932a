//! Responses codec on the captured client requests (Codex CLI, SDKs), on requests from other
//! kinds, and on count tokens.

#![allow(clippy::unwrap_used, clippy::panic)]

use gproxy_protocol::Family;
use serde_json::{json, Value};

use super::tests::{decode, encode, result, scenario};
use super::ResponsesCodec;
use crate::codec::Codec;
use crate::diag::Diagnostics;
use crate::ir::{self, Part, Role, ToolChoice};

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
            parameters: Some(json!({"type": "object"}).into()),
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
fn gemini_call_signatures_ride_a_reasoning_item_through_the_client() {
    use crate::codec::EncodeContext;
    use crate::ir::{Delta, Opaque, PartStart, StopReason, StreamEvent, ToolCallKind};
    let sig = Opaque {
        family: Family::Gemini,
        value: json!("CiQB0e2Kb+sig=="),
    };
    let events = [
        StreamEvent::PartStart {
            index: 0,
            part: PartStart::ToolCall {
                id: "call_1".into(),
                name: "get_weather".into(),
                namespace: None,
                kind: ToolCallKind::Function,
                item_id: None,
            },
        },
        StreamEvent::Delta {
            index: 0,
            delta: Delta::ToolArguments(r#"{"city":"Paris"}"#.into()),
        },
        StreamEvent::Delta {
            index: 0,
            delta: Delta::Signature(sig.clone()),
        },
        StreamEvent::PartStop { index: 0 },
        StreamEvent::Finish {
            stop_reason: StopReason::ToolUse,
        },
    ];
    let mut enc = ResponsesCodec.stream_encoder(EncodeContext::default());
    let mut frames = Vec::new();
    events.iter().for_each(|e| enc.encode(e, &mut frames));
    enc.finish(&mut frames);
    let last: Value = serde_json::from_str(&frames.last().unwrap().data).unwrap();
    let output = last["response"]["output"].as_array().unwrap().clone();
    assert_eq!(output.len(), 2);
    assert_eq!(output[1]["id"], "rs_callsig_call_1");
    assert_eq!(
        output[1]["encrypted_content"],
        crate::sig::wrap(
            &crate::ir::Opaque {
                family: Family::Gemini,
                value: "CiQB0e2Kb+sig==".into()
            },
            Family::OpenAi
        )
    );

    // Codex replays the output items with the tool result on the next turn
    let mut input = vec![json!({"role": "user", "content": "Weather in Paris?"})];
    input.extend(output);
    input.push(json!({"type": "function_call_output", "call_id": "call_1", "output": "18°C"}));
    let req = decode(
        json!({"model": "gemini-3-pro", "input": input})
            .to_string()
            .as_bytes(),
    );
    let [Part::ToolCall(call)] = req.messages[1].parts.as_slice() else {
        panic!("{:?}", req.messages[1])
    };
    assert_eq!(
        (call.id.as_str(), call.signature.as_ref()),
        ("call_1", Some(&sig))
    );
    // an OpenAI upstream cannot use it
    let (out, diag) = encode(&req);
    assert_eq!(out["input"].as_array().unwrap().len(), 3);
    assert!(diag.mentions("messages[1].content[0].signature"));
}
