//! A Gemini `thoughtSignature` on a function call reaches an Anthropic client inside an empty
//! thinking block and comes back on the next request attached to the same tool call.

use gproxy_protocol::Family;
use serde_json::{json, Value};

use super::*;
use crate::codec::EncodeContext;
use crate::diag::Diagnostics;
use crate::ir::{Part, StreamEvent as Ev};
use crate::sig;
use crate::synth::response_events;

const GEMINI_SIG: &str = "CiQB0e2Kb3dRh+BeGVcq7pFhfBNvZk1nUQ4PAXgRn1iyBGc8LnQKYwHR7Ypvm8q3kJ2aVXFd0dXq4Ylq3oqhCmI5b0V9rV5n2dQ=";

fn gemini_response() -> ir::Response {
    let gem = ir::Opaque {
        family: Family::Gemini,
        value: json!(GEMINI_SIG),
    };
    ir::Response {
        id: "Tp4kaZ3fAYSxkdUPp9ek6Qk".into(),
        model: "gemini-2.5-flash".into(),
        created: None,
        content: vec![
            Part::ToolCall(ir::ToolCall {
                id: "call_1".into(),
                name: "get_weather".into(),
                arguments: r#"{"city":"Paris"}"#.into(),
                signature: Some(gem),
                ..Default::default()
            }),
            Part::ToolCall(ir::ToolCall {
                id: "call_2".into(),
                name: "get_time".into(),
                arguments: r#"{"timezone":"Europe/Paris"}"#.into(),
                ..Default::default()
            }),
        ],
        stop_reason: Some(ir::StopReason::ToolUse),
        usage: Some(ir::Usage {
            input_tokens: 120,
            output_tokens: 40,
            ..Default::default()
        }),
        extra: Default::default(),
    }
}

/// The next request a client sends: its question, the assistant content it received, results.
fn next_request(assistant: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "model": "gemini-2.5-flash", "max_tokens": 1024,
        "messages": [
            {"role": "user", "content": "Weather and time in Paris?"},
            {"role": "assistant", "content": assistant},
            {"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "call_1", "content": "18°C, sunny"},
                {"type": "tool_result", "tool_use_id": "call_2", "content": "14:05"}]}
        ]
    }))
    .unwrap()
}

fn assert_signature_back(req: &ir::Request) {
    let calls: Vec<_> = req.messages[1]
        .parts
        .iter()
        .map(|p| match p {
            Part::ToolCall(c) => (c.id.clone(), c.signature.clone()),
            other => panic!("only tool calls expected, got {other:?}"),
        })
        .collect();
    let gem = ir::Opaque {
        family: Family::Gemini,
        value: json!(GEMINI_SIG),
    };
    assert_eq!(
        calls,
        [
            ("call_1".to_owned(), Some(gem)),
            ("call_2".to_owned(), None)
        ]
    );
}

#[test]
fn through_a_plain_response() {
    let mut diag = Diagnostics::new();
    let body =
        AnthropicCodec.encode_response(&gemini_response(), &EncodeContext::default(), &mut diag);
    let v: Value = serde_json::from_slice(&body).unwrap();
    let gem = ir::Opaque {
        family: Family::Gemini,
        value: json!(GEMINI_SIG),
    };
    assert_eq!(
        v["content"][0],
        json!({"type": "thinking", "thinking": "", "signature": sig::wrap(&gem, Family::Anthropic)})
    );
    assert_eq!(v["content"][1]["type"], "tool_use");
    assert_eq!(v["content"][2]["name"], "get_time");
    assert_eq!(v["stop_reason"], "tool_use");
    let req = decode_request(&next_request(v["content"].clone()));
    assert_signature_back(&req);
    // Sent to Anthropic instead, the foreign signature is reported, not sent.
    let mut diag = Diagnostics::new();
    let enc = AnthropicCodec.encode_request(&req, &mut diag).unwrap();
    assert!(!String::from_utf8(enc.body)
        .unwrap()
        .contains(crate::sig::MARK));
    assert!(diag.mentions("signature"));
}

/// The client's content after a stream: blocks rebuilt from the frames the way SDKs do.
fn client_content(frames: &[Frame]) -> Value {
    let mut blocks: Vec<Value> = Vec::new();
    let mut json_buf: Vec<String> = Vec::new();
    for (name, v) in frames_json(frames) {
        match name.as_str() {
            "content_block_start" => {
                assert_eq!(v["index"], blocks.len());
                blocks.push(v["content_block"].clone());
                json_buf.push(String::new());
            }
            "content_block_delta" => {
                let i = v["index"].as_u64().unwrap() as usize;
                let d = &v["delta"];
                match d["type"].as_str().unwrap() {
                    "signature_delta" => blocks[i]["signature"] = d["signature"].clone(),
                    "input_json_delta" => json_buf[i].push_str(d["partial_json"].as_str().unwrap()),
                    "thinking_delta" => {
                        let t = format!(
                            "{}{}",
                            blocks[i]["thinking"].as_str().unwrap(),
                            d["thinking"].as_str().unwrap()
                        );
                        blocks[i]["thinking"] = t.into();
                    }
                    other => panic!("{other}"),
                }
            }
            "content_block_stop" => {
                let i = v["index"].as_u64().unwrap() as usize;
                if !json_buf[i].is_empty() {
                    blocks[i]["input"] = serde_json::from_str(&json_buf[i]).unwrap();
                }
            }
            _ => {}
        }
    }
    Value::Array(blocks)
}

#[test]
fn through_a_stream_with_the_signature_after_the_arguments() {
    // synth order: start, arguments, signature, stop.
    let mut enc = AnthropicCodec.stream_encoder(EncodeContext::default());
    let mut frames = Vec::new();
    for e in response_events(&gemini_response()) {
        enc.encode(&e, &mut frames);
    }
    enc.finish(&mut frames);
    let content = client_content(&frames);
    let types: Vec<_> = content
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(types, ["tool_use", "thinking", "tool_use"]);
    assert_signature_back(&decode_request(&next_request(content)));
}

#[test]
fn through_a_stream_with_the_signature_first() {
    let gem = ir::Opaque {
        family: Family::Gemini,
        value: json!(GEMINI_SIG),
    };
    let call = |index: usize, id: &str, name: &str| Ev::PartStart {
        index,
        part: ir::PartStart::ToolCall {
            id: id.into(),
            name: name.into(),
            namespace: None,
            kind: ir::ToolCallKind::Function,
            item_id: None,
        },
    };
    let args = |index: usize, s: &str| Ev::Delta {
        index,
        delta: ir::Delta::ToolArguments(s.into()),
    };
    let events = [
        Ev::Start {
            id: "r1".into(),
            model: "gemini-2.5-flash".into(),
            created: None,
        },
        call(0, "call_1", "get_weather"),
        Ev::Delta {
            index: 0,
            delta: ir::Delta::Signature(gem),
        },
        args(0, r#"{"city":"Paris"}"#),
        Ev::PartStop { index: 0 },
        call(1, "call_2", "get_time"),
        args(1, r#"{"timezone":"Europe/Paris"}"#),
        Ev::PartStop { index: 1 },
        Ev::Finish {
            stop_reason: ir::StopReason::ToolUse,
        },
    ];
    let mut enc = AnthropicCodec.stream_encoder(EncodeContext::default());
    let mut frames = Vec::new();
    for e in &events {
        enc.encode(e, &mut frames);
    }
    enc.finish(&mut frames);
    let content = client_content(&frames);
    let types: Vec<_> = content
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(types, ["thinking", "tool_use", "tool_use"]);
    assert_signature_back(&decode_request(&next_request(content)));
}
