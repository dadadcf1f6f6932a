//! Chat codec tests on captured SDK requests and the shared scenario payloads.
#![allow(clippy::unwrap_used, clippy::panic)]

use gproxy_protocol::Family;
use serde_json::{json, Value};

use super::ChatCodec;
use crate::codec::{Codec, DecodeContext, EncodeContext};
use crate::diag::Diagnostics;
use crate::ir::{self, Part, Role, StopReason};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/clients"
);
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/openai_chat");
pub(super) const SCENARIOS: [&str; 5] = [
    "text",
    "parallel_tools",
    "reasoning",
    "image_input",
    "cache_usage",
];

pub(super) fn scenario(name: &str, ext: &str) -> String {
    std::fs::read_to_string(format!("{DATA}/{name}.{ext}")).unwrap()
}

pub(super) fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

fn decode(body: &str) -> ir::Request {
    ChatCodec
        .decode_request(body.as_bytes(), DecodeContext::default())
        .unwrap()
}

pub(super) fn encode(req: &ir::Request) -> (Value, Diagnostics) {
    let mut diag = Diagnostics::new();
    let out = ChatCodec.encode_request(req, &mut diag).unwrap();
    (json_of(&out.body), diag)
}

fn text_of(parts: &[Part]) -> String {
    parts
        .iter()
        .filter_map(|p| {
            if let Part::Text(t) = p {
                Some(t.text.as_str())
            } else {
                None
            }
        })
        .collect()
}

fn calls_of(parts: &[Part]) -> Vec<(String, String, String)> {
    parts
        .iter()
        .filter_map(|p| match p {
            Part::ToolCall(c) => Some((c.id.clone(), c.name.clone(), c.arguments.clone())),
            _ => None,
        })
        .collect()
}

/// The stream-only `index` the Python SDK leaves on replayed tool calls has no IR slot (and
/// OpenAI ignores it); everything else must survive.
fn without_tool_call_index(mut body: Value) -> Value {
    for m in body["messages"].as_array_mut().into_iter().flatten() {
        for c in m
            .get_mut("tool_calls")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            c.as_object_mut().map(|o| o.remove("index"));
        }
    }
    body
}

#[test]
fn sdk_requests_survive_decode_then_encode() {
    let mut seen = 0;
    for file in [
        "python-sdks_all-endpoints.jsonl",
        "node-sdks_all-endpoints.jsonl",
    ] {
        let text = std::fs::read_to_string(format!("{FIXTURES}/{file}")).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let rec: Value = serde_json::from_str(line).unwrap();
            if rec["path"] != "/v1/chat/completions" {
                continue;
            }
            seen += 1;
            let req = decode(&rec["body"].to_string());
            assert_eq!(req.origin, Some(Family::OpenAi));
            let (out, diag) = encode(&req);
            assert_eq!(out, without_tool_call_index(rec["body"].clone()), "{file}");
            assert!(diag.is_empty(), "{:?}", diag.items());
        }
    }
    assert!(seen >= 10);
}

#[test]
fn sdk_tool_round_trip_decodes_call_and_result() {
    let body = r#"{"model": "gpt-4o-mini", "stream": true, "stream_options": {"include_usage": true}, "messages": [{"role": "user", "content": "weather?"}, {"role": "assistant", "tool_calls": [{"id": "call_mock1", "function": {"arguments": "{\"city\": \"Paris\"}", "name": "get_weather"}, "type": "function", "index": 0}]}, {"role": "tool", "tool_call_id": "call_mock1", "content": "sunny 21C"}]}"#;
    let req = decode(body);
    assert!(req.stream && req.stream_include_usage);
    assert_eq!(
        calls_of(&req.messages[1].parts),
        [(
            "call_mock1".into(),
            "get_weather".into(),
            r#"{"city": "Paris"}"#.into()
        )]
    );
    let Part::ToolResult(r) = &req.messages[2].parts[0] else {
        panic!("{:?}", req.messages[2])
    };
    assert_eq!(
        (
            req.messages[2].role,
            r.call_id.as_str(),
            text_of(&r.content)
        ),
        (Role::Tool, "call_mock1", "sunny 21C".into())
    );
}

#[test]
fn scenario_requests_decode_to_the_described_ir() {
    for name in SCENARIOS {
        let body = scenario(name, "request.json");
        let req = decode(&body);
        let roles: Vec<Role> = req.messages.iter().map(|m| m.role).collect();
        match name {
            "text" => {
                assert_eq!(roles, [Role::System, Role::User]);
                assert_eq!(text_of(&req.messages[0].parts), "You are terse.");
                assert_eq!(text_of(&req.messages[1].parts), "Say hello.");
                assert_eq!(
                    (req.max_output_tokens, req.temperature),
                    (Some(256), Some(0.2))
                );
            }
            "parallel_tools" => {
                let names: Vec<_> = req
                    .tools
                    .iter()
                    .filter_map(|t| {
                        if let ir::Tool::Function(f) = t {
                            Some(f.name.as_str())
                        } else {
                            None
                        }
                    })
                    .collect();
                assert_eq!(names, ["get_weather", "get_time"]);
                let ir::Tool::Function(w) = &req.tools[0] else {
                    unreachable!()
                };
                assert_eq!(
                    w.parameters.as_ref().unwrap().to_value()["required"],
                    json!(["city"])
                );
                assert_eq!(req.tool_choice, Some(ir::ToolChoice::Auto));
                assert_eq!(roles, [Role::User, Role::Assistant, Role::Tool, Role::Tool]);
                assert_eq!(
                    calls_of(&req.messages[1].parts),
                    [
                        (
                            "call_w1".into(),
                            "get_weather".into(),
                            r#"{"city":"Paris"}"#.into()
                        ),
                        (
                            "call_t1".into(),
                            "get_time".into(),
                            r#"{"timezone":"Europe/Paris"}"#.into()
                        )
                    ]
                );
                for (m, (id, text)) in req.messages[2..]
                    .iter()
                    .zip([("call_w1", "18°C, sunny"), ("call_t1", "14:05")])
                {
                    let [Part::ToolResult(r)] = m.parts.as_slice() else {
                        panic!("{m:?}")
                    };
                    assert_eq!(
                        (r.call_id.as_str(), text_of(&r.content)),
                        (id, text.to_owned())
                    );
                }
            }
            "reasoning" => {
                assert_eq!(
                    req.reasoning.as_ref().and_then(|r| r.effort),
                    Some(ir::ReasoningEffort::Low)
                );
                let Part::Reasoning(r) = &req.messages[1].parts[0] else {
                    panic!("{:?}", req.messages[1])
                };
                assert_eq!((r.text.as_str(), r.signature.is_none()), ("2+2 = 4.", true));
                assert_eq!(text_of(&req.messages[1].parts), "4");
                assert_eq!(text_of(&req.messages[2].parts), "What is 17*23?");
            }
            "image_input" => {
                let parts = &req.messages[0].parts;
                assert_eq!(text_of(parts), "What is in this image?");
                let Part::Image(png) = &parts[1] else {
                    panic!("{parts:?}")
                };
                assert_eq!(png.mime_type.as_deref(), Some("image/png"));
                assert!(
                    matches!(&png.source, ir::MediaSource::Base64(d) if d.starts_with("iVBORw0KGgo"))
                );
                let Part::Image(url) = &parts[2] else {
                    panic!("{parts:?}")
                };
                assert_eq!(
                    url.source,
                    ir::MediaSource::Url("https://example.com/cat.jpg".into())
                );
            }
            "cache_usage" => {
                assert_eq!(roles, [Role::System, Role::User]);
                assert!(text_of(&req.messages[0].parts).len() > 1000);
                assert_eq!(text_of(&req.messages[1].parts), "Summarize.");
            }
            _ => unreachable!(),
        }
        let (out, diag) = encode(&req);
        assert_eq!(out, serde_json::from_str::<Value>(&body).unwrap(), "{name}");
        assert!(diag.is_empty(), "{name}: {:?}", diag.items());
    }
}

/// The meaning of each scenario's answer: text, reasoning, calls, stop, usage.
pub(super) fn assert_scenario_answer(
    name: &str,
    content: &[Part],
    stop: Option<&StopReason>,
    usage: Option<ir::Usage>,
) {
    let usage = usage.unwrap();
    let reasoning: String = content
        .iter()
        .filter_map(|p| {
            if let Part::Reasoning(r) = p {
                Some(r.text.as_str())
            } else {
                None
            }
        })
        .collect();
    let (text, stop_want, input, output) = match name {
        "text" => (
            "Hello! How can I help you today?",
            StopReason::EndTurn,
            25,
            9,
        ),
        "parallel_tools" => ("", StopReason::ToolUse, 120, 40),
        "reasoning" => ("391", StopReason::EndTurn, 30, 50),
        "image_input" => ("A red square and a cat.", StopReason::EndTurn, 850, 7),
        "cache_usage" => ("Summary.", StopReason::EndTurn, 2000, 12),
        _ => unreachable!(),
    };
    assert_eq!(text_of(content), text, "{name}");
    assert_eq!(stop, Some(&stop_want), "{name}");
    assert_eq!(
        (usage.input_tokens, usage.output_tokens),
        (input, output),
        "{name}"
    );
    match name {
        "parallel_tools" => assert_eq!(
            calls_of(content),
            [
                (
                    "call_w1".into(),
                    "get_weather".into(),
                    r#"{"city":"Paris"}"#.into()
                ),
                (
                    "call_t1".into(),
                    "get_time".into(),
                    r#"{"timezone":"Europe/Paris"}"#.into()
                )
            ]
        ),
        "reasoning" => {
            assert_eq!(reasoning, "17*23 = 391.");
            assert_eq!(usage.reasoning_tokens, 35);
        }
        "cache_usage" => assert_eq!(
            (usage.cache_read_tokens, usage.cache_write_tokens),
            (1800, 0)
        ),
        _ => assert!(reasoning.is_empty() && calls_of(content).is_empty()),
    }
}

#[test]
fn scenario_responses_decode_and_reencode() {
    let ctx = EncodeContext::default();
    for name in SCENARIOS {
        let body = scenario(name, "response.json");
        let resp = ChatCodec.decode_response(body.as_bytes()).unwrap();
        assert_scenario_answer(name, &resp.content, resp.stop_reason.as_ref(), resp.usage);
        let mut diag = Diagnostics::new();
        let out = ChatCodec.encode_response(&resp, &ctx, &mut diag);
        assert!(diag.is_empty(), "{name}: {:?}", diag.items());
        // OpenAI-shaped answers come back byte-for-byte in meaning; the DeepSeek one loses only
        // its vendor usage fields.
        if name != "reasoning" {
            assert_eq!(
                json_of(&out),
                serde_json::from_str::<Value>(&body).unwrap(),
                "{name}"
            );
        }
        assert_eq!(
            ChatCodec.decode_response(&out).unwrap().content,
            resp.content,
            "{name}"
        );
    }
}

#[test]
fn count_tokens_is_absent_and_shared_endpoints_delegate() {
    assert!(ChatCodec
        .decode_count_tokens_request(b"{}", DecodeContext::default())
        .is_none());
    assert!(ChatCodec
        .encode_count_tokens_response(&ir::TokenCount::default())
        .is_none());
    let err = ChatCodec.decode_error(429, br#"{"error":{"message":"Rate limit reached","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#);
    assert_eq!(
        (err.kind, err.message.as_str()),
        (ir::ErrorKind::RateLimited, "Rate limit reached")
    );
    let emb = ChatCodec
        .decode_embeddings_request(
            br#"{"model":"text-embedding-3-small","input":"hi"}"#,
            DecodeContext::default(),
        )
        .unwrap()
        .unwrap();
    assert_eq!(emb.inputs, ["hi"]);
}
