//! Responses stream decoder on the scenario streams, and the stream encoder's lifecycle.

#![allow(clippy::unwrap_used, clippy::panic)]

use gproxy_protocol::Family;
use serde_json::{json, Value};

use super::tests::{expected, facts, scenario};
use super::ResponsesCodec;
use crate::aggregate::Aggregator;
use crate::codec::{Codec, EncodeContext, Frame};
use crate::ir::{
    Delta, ErrorKind, Opaque, PartStart, StopReason, StreamEvent, ToolCallKind, Usage,
};

fn decode_sse(bytes: &[u8]) -> crate::error::Result<Vec<StreamEvent>> {
    let mut sse = gproxy_sse::Decoder::new();
    let mut frames = Vec::new();
    sse.feed(bytes, &mut frames);
    sse.finish(&mut frames);
    let mut dec = ResponsesCodec.stream_decoder();
    let mut out = Vec::new();
    for f in &frames {
        dec.decode(f.event.as_deref(), &f.data, &mut out)?;
    }
    dec.finish(&mut out);
    Ok(out)
}

fn fold(events: &[StreamEvent]) -> crate::ir::Response {
    let mut agg = Aggregator::new();
    events.iter().for_each(|e| agg.push(e));
    agg.finish().unwrap()
}

fn encode(events: &[StreamEvent], ctx: EncodeContext) -> Vec<Frame> {
    let mut enc = ResponsesCodec.stream_encoder(ctx);
    let mut out = Vec::new();
    events.iter().for_each(|e| enc.encode(e, &mut out));
    enc.finish(&mut out);
    out
}

fn sse_bytes(frames: &[Frame]) -> Vec<u8> {
    let mut buf = Vec::new();
    for f in frames {
        gproxy_sse::encode(&mut buf, f.event, &f.data);
    }
    buf
}

fn ctx() -> EncodeContext {
    EncodeContext {
        fallback_id: "req_7f3a".into(),
        created: 1_700_000_000,
        model: "gpt-5".into(),
        ..Default::default()
    }
}

#[test]
fn scenario_streams_decode_like_the_responses() {
    for name in [
        "text",
        "parallel_tools",
        "reasoning",
        "image_input",
        "cache_usage",
    ] {
        let events = decode_sse(&scenario(name, "stream.sse")).unwrap();
        let StreamEvent::Start { id, .. } = &events[0] else {
            panic!("{name}: starts with {:?}", events[0])
        };
        assert!(id.starts_with("resp_"));
        let starts = events
            .iter()
            .filter(|e| matches!(e, StreamEvent::PartStart { .. }))
            .count();
        let stops = events
            .iter()
            .filter(|e| matches!(e, StreamEvent::PartStop { .. }))
            .count();
        assert_eq!(starts, stops, "{name}: every part stops");
        assert_eq!(facts(&fold(&events)), expected(name), "{name}");
    }
}

#[test]
fn argument_deltas_pass_through_and_signatures_arrive() {
    let events = decode_sse(&scenario("parallel_tools", "stream.sse")).unwrap();
    let deltas: Vec<(usize, &str)> = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::Delta {
                index,
                delta: Delta::ToolArguments(a),
            } => Some((*index, a.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        deltas,
        [
            (0, "{\"city\":"),
            (0, "\"Paris\"}"),
            (1, "{\"timezone\":"),
            (1, "\"Europe/"),
            (1, "Paris\"}")
        ]
    );
    let events = decode_sse(&scenario("reasoning", "stream.sse")).unwrap();
    let sig = events.iter().find_map(|e| match e {
        StreamEvent::Delta {
            index: 0,
            delta: Delta::Signature(s),
        } => Some(s),
        _ => None,
    });
    assert!(
        matches!(sig, Some(Opaque { family: Family::OpenAi, value }) if value.as_str().unwrap().starts_with("gAAAAAB"))
    );
}

#[test]
fn decoder_maps_failures_and_incomplete_streams() {
    let failed = br#"event: response.failed
data: {"type":"response.failed","sequence_number":3,"response":{"id":"resp_1","object":"response","status":"failed","model":"gpt-5","output":[],"error":{"code":"rate_limit_exceeded","message":"Slow down"}}}

"#;
    let events = decode_sse(failed).unwrap();
    assert!(
        matches!(events.last(), Some(StreamEvent::Error(e)) if e.kind == ErrorKind::RateLimited && e.message == "Slow down")
    );
    let error = b"event: error\ndata: {\"type\":\"error\",\"sequence_number\":2,\"code\":\"server_error\",\"message\":\"boom\",\"param\":null}\n\n";
    assert!(
        matches!(decode_sse(error).unwrap().last(), Some(StreamEvent::Error(e)) if e.kind == ErrorKind::Server)
    );
    let incomplete = br#"event: response.incomplete
data: {"type":"response.incomplete","sequence_number":9,"response":{"id":"resp_2","object":"response","status":"incomplete","model":"gpt-5","incomplete_details":{"reason":"max_output_tokens"},"output":[{"id":"msg_1","type":"message","status":"incomplete","role":"assistant","content":[{"type":"output_text","text":"Par","annotations":[]}]}],"usage":{"input_tokens":5,"output_tokens":16,"total_tokens":21}}}

"#;
    let resp = fold(&decode_sse(incomplete).unwrap());
    assert_eq!(
        (facts(&resp).0.as_str(), resp.stop_reason),
        ("Par", Some(StopReason::MaxTokens))
    );
    assert_eq!(resp.usage.unwrap().output_tokens, 16);
    assert!(decode_sse(b"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":7}\n\n").is_err());
    assert!(decode_sse(b"event: response.web_search_call.searching\ndata: {\"type\":\"response.web_search_call.searching\",\"output_index\":0}\n\n").unwrap().is_empty());
}

fn text_and_call() -> Vec<StreamEvent> {
    vec![
        StreamEvent::Start {
            id: "msg_01XFDUDYJgAACzvnptvVoYEL".into(),
            model: "claude-sonnet-4-5".into(),
            created: None,
        },
        StreamEvent::PartStart {
            index: 0,
            part: PartStart::Text,
        },
        StreamEvent::Delta {
            index: 0,
            delta: Delta::Text("Checking".into()),
        },
        StreamEvent::Delta {
            index: 0,
            delta: Delta::Text(" now.".into()),
        },
        StreamEvent::PartStop { index: 0 },
        StreamEvent::PartStart {
            index: 1,
            part: PartStart::ToolCall {
                id: "toolu_01A".into(),
                name: "get_weather".into(),
                namespace: None,
                kind: ToolCallKind::Function,
                item_id: None,
            },
        },
        StreamEvent::Delta {
            index: 1,
            delta: Delta::ToolArguments("{\"city\":".into()),
        },
        StreamEvent::Delta {
            index: 1,
            delta: Delta::ToolArguments("\"Paris\"}".into()),
        },
        StreamEvent::PartStop { index: 1 },
        StreamEvent::Usage(Usage {
            input_tokens: 120,
            output_tokens: 40,
            ..Default::default()
        }),
        StreamEvent::Finish {
            stop_reason: StopReason::ToolUse,
        },
    ]
}

#[test]
fn encoder_writes_the_full_lifecycle_under_one_id() {
    let frames = encode(&text_and_call(), ctx());
    let names: Vec<&str> = frames.iter().map(|f| f.event.unwrap()).collect();
    assert_eq!(
        names,
        [
            "response.created",
            "response.in_progress",
            "response.output_item.added",
            "response.content_part.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.done",
            "response.content_part.done",
            "response.output_item.done",
            "response.output_item.added",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.delta",
            "response.function_call_arguments.done",
            "response.output_item.done",
            "response.completed",
        ]
    );
    let data: Vec<Value> = frames
        .iter()
        .map(|f| serde_json::from_str(&f.data).unwrap())
        .collect();
    for (n, d) in data.iter().enumerate() {
        assert_eq!(d["sequence_number"], json!(n), "{d}");
        assert_eq!(d["type"].as_str(), frames[n].event);
    }
    let ids: std::collections::BTreeSet<&str> = data
        .iter()
        .filter_map(|d| d["response"]["id"].as_str())
        .collect();
    assert_eq!(
        ids.into_iter().collect::<Vec<_>>(),
        ["resp_msg_01XFDUDYJgAACzvnptvVoYEL"]
    );
    assert_eq!(data[0]["response"]["status"], "in_progress");
    assert_eq!(data[8]["item"]["content"][0]["text"], "Checking now.");
    assert_eq!(data[12]["arguments"], "{\"city\":\"Paris\"}");
    let done = &data[14]["response"];
    assert_eq!(done["status"], "completed");
    assert_eq!(done["model"], "claude-sonnet-4-5");
    assert_eq!(done["output"].as_array().unwrap().len(), 2);
    assert_eq!(done["output"][0], data[8]["item"]);
    assert_eq!(
        done["output"][1],
        json!({"id": data[9]["item"]["id"], "type": "function_call", "call_id": "toolu_01A", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}", "status": "completed"})
    );
    assert_eq!(
        done["usage"],
        json!({"input_tokens": 120, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 40, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 160})
    );
    // what a Responses client reads back
    let resp = fold(&decode_sse(&sse_bytes(&frames)).unwrap());
    assert_eq!(facts(&resp).0, "Checking now.");
    assert_eq!(resp.stop_reason, Some(StopReason::ToolUse));
}

#[test]
fn encoder_closes_a_stream_that_ended_without_finish() {
    let mut events = text_and_call();
    events.truncate(4);
    let frames = encode(&events, ctx());
    let last: Value = serde_json::from_str(&frames.last().unwrap().data).unwrap();
    assert_eq!(
        (last["type"].as_str(), last["response"]["status"].as_str()),
        (Some("response.completed"), Some("completed"))
    );
    assert_eq!(
        last["response"]["output"][0]["content"][0]["text"],
        "Checking now."
    );
    assert!(
        frames
            .iter()
            .any(|f| f.event == Some("response.output_item.done")),
        "Codex reads the text from output_item.done"
    );

    let mut capped = text_and_call();
    capped.truncate(5);
    capped.push(StreamEvent::Finish {
        stop_reason: StopReason::MaxTokens,
    });
    let frames = encode(&capped, ctx());
    let last: Value = serde_json::from_str(&frames.last().unwrap().data).unwrap();
    assert_eq!(last["type"], "response.incomplete");
    assert_eq!(
        last["response"]["incomplete_details"],
        json!({"reason": "max_output_tokens"})
    );
    assert_eq!(
        frames
            .iter()
            .filter(|f| f.event == Some("response.incomplete"))
            .count(),
        1,
        "finish() adds nothing more"
    );
}

#[test]
fn encoder_splits_namespaces_and_wraps_foreign_signatures() {
    let events = vec![
        StreamEvent::PartStart {
            index: 0,
            part: PartStart::Reasoning {
                id: None,
                redacted: false,
            },
        },
        StreamEvent::Delta {
            index: 0,
            delta: Delta::Reasoning("Plan.".into()),
        },
        StreamEvent::Delta {
            index: 0,
            delta: Delta::Signature(Opaque {
                family: Family::Anthropic,
                value: json!("EqQBCkgIARAB"),
            }),
        },
        StreamEvent::PartStop { index: 0 },
        StreamEvent::PartStart {
            index: 1,
            part: PartStart::ToolCall {
                id: "call_9".into(),
                name: "multi_agent_v1__spawn_agent".into(),
                namespace: None,
                kind: ToolCallKind::Function,
                item_id: None,
            },
        },
        StreamEvent::PartStop { index: 1 },
    ];
    let ctx = EncodeContext {
        tool_namespaces: vec!["multi_agent_v1".into()],
        ..ctx()
    };
    let frames = encode(&events, ctx);
    let last: Value = serde_json::from_str(&frames.last().unwrap().data).unwrap();
    let output = &last["response"]["output"];
    assert_eq!(
        output[0]["encrypted_content"],
        crate::sig::wrap(
            &crate::ir::Opaque {
                family: Family::Anthropic,
                value: "EqQBCkgIARAB".into()
            },
            Family::OpenAi
        )
    );
    assert_eq!(
        output[0]["summary"],
        json!([{"type": "summary_text", "text": "Plan."}])
    );
    assert_eq!(
        (output[1]["name"].as_str(), output[1]["namespace"].as_str()),
        (Some("spawn_agent"), Some("multi_agent_v1"))
    );
    assert_eq!(last["response"]["id"], "resp_req_7f3a");
    // the next turn hands the Anthropic signature back to Anthropic
    let events = decode_sse(&sse_bytes(&frames)).unwrap();
    let sig = events.iter().find_map(|e| match e {
        StreamEvent::Delta {
            delta: Delta::Signature(s),
            ..
        } => Some(s.clone()),
        _ => None,
    });
    assert_eq!(
        sig,
        Some(Opaque {
            family: Family::Anthropic,
            value: json!("EqQBCkgIARAB")
        })
    );
}

#[test]
fn scenario_streams_survive_decode_encode_decode() {
    for name in [
        "text",
        "parallel_tools",
        "reasoning",
        "image_input",
        "cache_usage",
    ] {
        let events = decode_sse(&scenario(name, "stream.sse")).unwrap();
        let frames = encode(&events, ctx());
        let again = decode_sse(&sse_bytes(&frames)).unwrap();
        assert_eq!(facts(&fold(&again)), expected(name), "{name}");
        let seqs: Vec<u64> = frames
            .iter()
            .map(|f| {
                serde_json::from_str::<Value>(&f.data).unwrap()["sequence_number"]
                    .as_u64()
                    .unwrap()
            })
            .collect();
        assert_eq!(seqs, (0..frames.len() as u64).collect::<Vec<_>>());
    }
    let err = ResponsesCodec
        .encode_stream_error(&crate::ir::Error::new(ErrorKind::Overloaded, "Overloaded"));
    assert_eq!(err.event, Some("error"));
    assert_eq!(
        serde_json::from_str::<Value>(&err.data).unwrap(),
        json!({"type": "error", "code": "server_error", "message": "Overloaded", "param": null})
    );
}
