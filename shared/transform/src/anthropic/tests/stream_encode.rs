//! The stream encoder writes Anthropic's exact framing.

use gproxy_protocol::Family;
use serde_json::json;

use super::*;
use crate::codec::EncodeContext;
use crate::ir::{Delta, PartStart, StreamEvent as Ev};

fn ctx() -> EncodeContext {
    EncodeContext {
        fallback_id: "msg_gpx_1".into(),
        model: "claude-sonnet-4-5".into(),
        ..Default::default()
    }
}

fn run(events: &[Ev]) -> Vec<(String, serde_json::Value)> {
    let mut enc = AnthropicCodec.stream_encoder(ctx());
    let mut frames = Vec::new();
    for e in events {
        enc.encode(e, &mut frames);
    }
    enc.finish(&mut frames);
    frames_json(&frames)
}

fn tool(index: usize, id: &str, name: &str) -> Ev {
    Ev::PartStart {
        index,
        part: PartStart::ToolCall {
            id: id.into(),
            name: name.into(),
            namespace: None,
            kind: ir::ToolCallKind::Function,
            item_id: None,
        },
    }
}

fn d(index: usize, delta: Delta) -> Ev {
    Ev::Delta { index, delta }
}

#[test]
fn text_thinking_and_two_tool_calls() {
    let sig = ir::Opaque {
        family: Family::Anthropic,
        value: json!("EqQBCkgI"),
    };
    let events = [
        Ev::Start {
            id: "msg_01A".into(),
            model: "claude-sonnet-4-5-20250929".into(),
            created: None,
        },
        Ev::Usage(ir::Usage {
            input_tokens: 2000,
            cache_read_tokens: 1800,
            cache_write_tokens: 100,
            ..Default::default()
        }),
        Ev::PartStart {
            index: 0,
            part: PartStart::Reasoning {
                id: None,
                redacted: false,
            },
        },
        d(0, Delta::Reasoning("Two lookups.".into())),
        d(0, Delta::Signature(sig)),
        Ev::PartStop { index: 0 },
        Ev::PartStart {
            index: 1,
            part: PartStart::Text,
        },
        d(1, Delta::Text("Checking.".into())),
        Ev::PartStop { index: 1 },
        tool(2, "toolu_w", "get_weather"),
        d(2, Delta::ToolArguments("{\"city\":".into())),
        d(2, Delta::ToolArguments("\"Paris\"}".into())),
        Ev::PartStop { index: 2 },
        tool(3, "toolu_t", "get_time"),
        d(
            3,
            Delta::ToolArguments("{\"timezone\":\"Europe/Paris\"}".into()),
        ),
        Ev::PartStop { index: 3 },
        Ev::Usage(ir::Usage {
            output_tokens: 40,
            ..Default::default()
        }),
        Ev::Finish {
            stop_reason: ir::StopReason::ToolUse,
        },
    ];
    let frames = run(&events);
    let got: Vec<_> = frames
        .iter()
        .map(|(name, v)| {
            let detail = match name.as_str() {
                "content_block_start" => v["content_block"]["type"].as_str().unwrap().to_owned(),
                "content_block_delta" => v["delta"]["type"].as_str().unwrap().to_owned(),
                _ => String::new(),
            };
            (name.as_str().to_owned(), v["index"].as_u64(), detail)
        })
        .collect();
    let want = [
        ("message_start", None, ""),
        ("content_block_start", Some(0), "thinking"),
        ("content_block_delta", Some(0), "thinking_delta"),
        ("content_block_delta", Some(0), "signature_delta"),
        ("content_block_stop", Some(0), ""),
        ("content_block_start", Some(1), "text"),
        ("content_block_delta", Some(1), "text_delta"),
        ("content_block_stop", Some(1), ""),
        ("content_block_start", Some(2), "tool_use"),
        ("content_block_delta", Some(2), "input_json_delta"),
        ("content_block_delta", Some(2), "input_json_delta"),
        ("content_block_stop", Some(2), ""),
        ("content_block_start", Some(3), "tool_use"),
        ("content_block_delta", Some(3), "input_json_delta"),
        ("content_block_stop", Some(3), ""),
        ("message_delta", None, ""),
        ("message_stop", None, ""),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), *b, c.to_string()))
        .collect();
    assert_eq!(got, want);

    let start = &frames[0].1["message"];
    assert_eq!(
        (start["id"].as_str(), start["model"].as_str()),
        (Some("msg_01A"), Some("claude-sonnet-4-5-20250929"))
    );
    assert_eq!(start["stop_reason"], json!(null));
    assert_eq!(start["usage"]["input_tokens"], 100);
    assert_eq!(start["usage"]["cache_read_input_tokens"], 1800);
    assert_eq!(frames[3].1["delta"]["signature"], "EqQBCkgI");
    assert_eq!(
        frames[8].1["content_block"],
        json!({"type": "tool_use", "id": "toolu_w", "name": "get_weather", "input": {}})
    );
    let delta = &frames[15].1;
    assert_eq!(
        delta["delta"],
        json!({"stop_reason": "tool_use", "stop_sequence": null})
    );
    assert_eq!(delta["usage"]["output_tokens"], 40);
    assert_eq!(delta["usage"]["input_tokens"], 100);
}

#[test]
fn interleaved_tool_calls_are_serialized() {
    let events = [
        Ev::Start {
            id: "chatcmpl-1".into(),
            model: "gpt-4o".into(),
            created: Some(1),
        },
        tool(0, "call_w1", "get_weather"),
        d(0, Delta::ToolArguments("{\"city\"".into())),
        tool(1, "call_t1", "get_time"),
        d(1, Delta::ToolArguments("{\"timezone\":".into())),
        d(0, Delta::ToolArguments(":\"Paris\"}".into())),
        d(1, Delta::ToolArguments("\"Europe/Paris\"}".into())),
        Ev::PartStop { index: 0 },
        Ev::PartStop { index: 1 },
        Ev::Finish {
            stop_reason: ir::StopReason::ToolUse,
        },
    ];
    let frames = run(&events);
    let mut args: Vec<(u64, String)> = Vec::new();
    let mut order = Vec::new();
    for (name, v) in &frames {
        if name == "content_block_delta" {
            let i = v["index"].as_u64().unwrap();
            match args.iter_mut().find(|(j, _)| *j == i) {
                Some((_, s)) => s.push_str(v["delta"]["partial_json"].as_str().unwrap()),
                None => args.push((i, v["delta"]["partial_json"].as_str().unwrap().to_owned())),
            }
        }
        if name.starts_with("content_block_st") {
            order.push(format!("{name}:{}", v["index"]));
        }
    }
    assert_eq!(
        order,
        [
            "content_block_start:0",
            "content_block_stop:0",
            "content_block_start:1",
            "content_block_stop:1"
        ]
    );
    assert_eq!(
        args,
        [
            (0, "{\"city\":\"Paris\"}".to_owned()),
            (1, "{\"timezone\":\"Europe/Paris\"}".to_owned())
        ]
    );
}

#[test]
fn finish_closes_what_the_upstream_left_open() {
    let events = [
        Ev::Start {
            id: String::new(),
            model: String::new(),
            created: None,
        },
        Ev::PartStart {
            index: 0,
            part: PartStart::Text,
        },
        d(0, Delta::Text("Hel".into())),
    ];
    let frames = run(&events);
    let names: Vec<_> = frames.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "message_start",
            "content_block_start",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop"
        ]
    );
    assert_eq!(frames[0].1["message"]["id"], "msg_gpx_1");
    assert_eq!(frames[4].1["delta"]["stop_reason"], "end_turn");
}

#[test]
fn an_error_ends_the_stream() {
    let events = [
        Ev::Start {
            id: "msg_1".into(),
            model: "m".into(),
            created: None,
        },
        Ev::PartStart {
            index: 0,
            part: PartStart::Text,
        },
        Ev::Error(ir::Error::new(ir::ErrorKind::Overloaded, "Overloaded")),
    ];
    let frames = run(&events);
    let last = frames.last().unwrap();
    assert_eq!(last.0, "error");
    assert_eq!(
        last.1["error"],
        json!({"type": "overloaded_error", "message": "Overloaded"})
    );
    assert!(!frames.iter().any(|(n, _)| n == "message_stop"));
}

#[test]
fn redacted_thinking_and_custom_tool_input() {
    let events = [
        Ev::Start {
            id: "resp_1".into(),
            model: "gpt-5".into(),
            created: None,
        },
        Ev::PartStart {
            index: 0,
            part: PartStart::Reasoning {
                id: Some("rs_1".into()),
                redacted: true,
            },
        },
        d(
            0,
            Delta::Signature(ir::Opaque {
                family: Family::OpenAi,
                value: json!("gAAAA"),
            }),
        ),
        Ev::PartStop { index: 0 },
        Ev::PartStart {
            index: 1,
            part: PartStart::ToolCall {
                id: "call_1".into(),
                name: "apply_patch".into(),
                namespace: None,
                kind: ir::ToolCallKind::Custom,
                item_id: None,
            },
        },
        d(1, Delta::ToolArguments("*** Begin \"Patch\"".into())),
        Ev::PartStop { index: 1 },
    ];
    let frames = run(&events);
    assert_eq!(frames[1].1["content_block"]["type"], "redacted_thinking");
    assert_eq!(
        crate::sig::unwrap(
            frames[1].1["content_block"]["data"].as_str().unwrap(),
            Family::Anthropic
        )
        .family,
        Family::OpenAi
    );
    let input: String = frames
        .iter()
        .filter(|(n, v)| n == "content_block_delta" && v["index"] == 1)
        .map(|(_, v)| v["delta"]["partial_json"].as_str().unwrap())
        .collect();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&input).unwrap(),
        json!({"input": "*** Begin \"Patch\""})
    );
}

#[test]
fn scenario_streams_survive_decode_then_encode() {
    for name in [
        "text",
        "parallel_tools",
        "reasoning",
        "image_input",
        "cache_usage",
    ] {
        let text = String::from_utf8(scenario(name, "stream.sse")).unwrap();
        let events = decode_stream(&text);
        let mut enc = AnthropicCodec.stream_encoder(ctx());
        let mut frames = Vec::new();
        for e in &events {
            enc.encode(e, &mut frames);
        }
        enc.finish(&mut frames);
        let again = decode_stream(&frames_text(&frames));
        assert_eq!(aggregate(&again), aggregate(&events), "{name}");
    }
}
