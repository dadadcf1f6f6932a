//! Chat stream decoder and encoder tests on the scenario streams and exact frames.
#![allow(clippy::unwrap_used, clippy::panic)]

use serde_json::{json, Value};

use super::tests::{assert_scenario_answer, scenario, SCENARIOS};
use super::ChatCodec;
use crate::codec::{Codec, EncodeContext, Frame};
use crate::ir::{self, Delta, Part, PartStart, StopReason, StreamEvent};

/// `data:` payloads of an SSE body (the scenario files are data-only, one line per event).
fn data_lines(sse: &str) -> Vec<String> {
    sse.split("\n\n")
        .filter_map(|block| {
            block
                .trim()
                .strip_prefix("data:")
                .map(|d| d.trim().to_owned())
        })
        .collect()
}

fn decode_stream(sse: &str) -> Vec<StreamEvent> {
    let mut dec = ChatCodec.stream_decoder();
    let mut out = Vec::new();
    for data in data_lines(sse) {
        dec.decode(None, &data, &mut out).unwrap();
    }
    dec.finish(&mut out);
    out
}

/// Fold events into answer parts the way a consumer would, checking the grammar on the way.
fn aggregate(events: &[StreamEvent]) -> (Vec<Part>, Option<StopReason>, Option<ir::Usage>) {
    assert!(
        matches!(events.first(), Some(StreamEvent::Start { .. })),
        "{events:?}"
    );
    let mut parts: Vec<(usize, Part)> = Vec::new();
    let mut open = Vec::new();
    let (mut stop, mut usage) = (None, None::<ir::Usage>);
    for ev in events {
        assert!(stop.is_none(), "event after Finish: {ev:?}");
        match ev {
            StreamEvent::PartStart { index, part } => {
                open.push(*index);
                let p = match part {
                    PartStart::Text => Part::Text(ir::Text::default()),
                    PartStart::Reasoning { .. } => Part::Reasoning(ir::Reasoning::default()),
                    PartStart::Refusal => Part::Refusal(String::new()),
                    PartStart::ToolCall { id, name, .. } => Part::ToolCall(ir::ToolCall {
                        id: id.clone(),
                        name: name.clone(),
                        ..Default::default()
                    }),
                    PartStart::Whole(p) => p.clone(),
                };
                parts.push((*index, p));
            }
            StreamEvent::Delta { index, delta } => {
                assert!(open.contains(index), "delta to a closed part {index}");
                let (_, part) = parts.iter_mut().find(|(i, _)| i == index).unwrap();
                match (part, delta) {
                    (Part::Text(t), Delta::Text(s)) => t.text.push_str(s),
                    (Part::Reasoning(r), Delta::Reasoning(s)) => r.text.push_str(s),
                    (Part::ToolCall(c), Delta::ToolArguments(s)) => c.arguments.push_str(s),
                    (p, d) => panic!("{d:?} on {p:?}"),
                }
            }
            StreamEvent::PartStop { index } => open.retain(|i| i != index),
            StreamEvent::Usage(u) => usage.get_or_insert_with(ir::Usage::default).merge(u),
            StreamEvent::Finish { stop_reason } => {
                assert!(open.is_empty(), "finish with open parts {open:?}");
                stop = Some(stop_reason.clone());
            }
            StreamEvent::Start { .. } | StreamEvent::Error(_) => {}
        }
    }
    (parts.into_iter().map(|(_, p)| p).collect(), stop, usage)
}

#[test]
fn scenario_streams_decode_to_the_described_answer() {
    for name in SCENARIOS {
        let events = decode_stream(&scenario(name, "stream.sse"));
        let (parts, stop, usage) = aggregate(&events);
        assert_scenario_answer(name, &parts, stop.as_ref(), usage);
        // The stream carries the same answer as the non-streamed response.
        let resp = ChatCodec
            .decode_response(scenario(name, "response.json").as_bytes())
            .unwrap();
        assert_eq!(parts, resp.content, "{name}");
        // Usage comes before Finish, which ends the events.
        assert!(
            matches!(events.last(), Some(StreamEvent::Finish { .. })),
            "{name}"
        );
        assert!(
            matches!(events[events.len() - 2], StreamEvent::Usage(_)),
            "{name}"
        );
    }
}

#[test]
fn parallel_tool_arguments_pass_through_per_call() {
    let events = decode_stream(&scenario("parallel_tools", "stream.sse"));
    let args = |idx: usize| -> Vec<&str> {
        events
            .iter()
            .filter_map(|e| match e {
                StreamEvent::Delta {
                    index,
                    delta: Delta::ToolArguments(a),
                } if *index == idx => Some(a.as_str()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(args(0), [r#"{"city":"#, r#""Paris"}"#]);
    assert_eq!(args(1), [r#"{"timezone":"#, r#""Europe/Paris"}"#]);
    let starts: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            StreamEvent::PartStart {
                index,
                part: PartStart::ToolCall { id, name, .. },
            } => Some((*index, id.as_str(), name.as_str())),
            _ => None,
        })
        .collect();
    assert_eq!(
        starts,
        [(0, "call_w1", "get_weather"), (1, "call_t1", "get_time")]
    );
}

#[test]
fn interleaved_calls_and_mid_stream_errors() {
    let chunk = |delta: Value| {
        json!({"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0, "delta": delta, "finish_reason": null}]}).to_string()
    };
    let mut dec = ChatCodec.stream_decoder();
    let mut out = Vec::new();
    for d in [
        json!({"role": "assistant", "content": "Checking."}),
        json!({"tool_calls": [{"index": 0, "id": "a", "type": "function", "function": {"name": "f", "arguments": "{\"x\":"}}, {"index": 1, "id": "b", "type": "function", "function": {"name": "g", "arguments": "{"}}]}),
        json!({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}, {"index": 1, "function": {"arguments": "}"}}]}),
    ] {
        dec.decode(None, &chunk(d), &mut out).unwrap();
    }
    dec.decode(None, r#"{"error":{"message":"upstream overloaded","type":"server_error","param":null,"code":null}}"#, &mut out).unwrap();
    dec.finish(&mut out);
    let (parts, stop, _) = aggregate(&out);
    assert_eq!(stop, None);
    let args: Vec<_> = parts
        .iter()
        .filter_map(|p| {
            if let Part::ToolCall(c) = p {
                Some((c.id.as_str(), c.arguments.as_str()))
            } else {
                None
            }
        })
        .collect();
    assert_eq!(args, [("a", r#"{"x":1}"#), ("b", "{}")]);
    let Some(StreamEvent::Error(e)) = out.last() else {
        panic!("{out:?}")
    };
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ir::ErrorKind::Server, "upstream overloaded")
    );
    assert!(
        dec.decode(None, "{not json", &mut Vec::new()).is_ok(),
        "input after an error is ignored"
    );
    let mut fresh = ChatCodec.stream_decoder();
    assert!(fresh.decode(None, "{not json", &mut Vec::new()).is_err());
}

fn encode_events(events: &[StreamEvent], include_usage: bool) -> Vec<Frame> {
    let ctx = EncodeContext {
        fallback_id: "chatcmpl-gw".into(),
        created: 1700000000,
        model: "m".into(),
        include_usage,
        ..Default::default()
    };
    let mut enc = ChatCodec.stream_encoder(ctx);
    let mut out = Vec::new();
    for e in events {
        enc.encode(e, &mut out);
    }
    enc.finish(&mut out);
    out
}

fn text_events() -> Vec<StreamEvent> {
    vec![
        StreamEvent::Start {
            id: "msg_01".into(),
            model: "claude-sonnet-4-5".into(),
            created: None,
        },
        StreamEvent::PartStart {
            index: 0,
            part: PartStart::Reasoning {
                id: None,
                redacted: false,
            },
        },
        StreamEvent::Delta {
            index: 0,
            delta: Delta::Reasoning("Hm.".into()),
        },
        StreamEvent::Delta {
            index: 0,
            delta: Delta::Signature(ir::Opaque {
                family: gproxy_protocol::Family::Anthropic,
                value: json!("sig"),
            }),
        },
        StreamEvent::PartStop { index: 0 },
        StreamEvent::PartStart {
            index: 1,
            part: PartStart::Text,
        },
        StreamEvent::Delta {
            index: 1,
            delta: Delta::Text("Hi".into()),
        },
        StreamEvent::PartStop { index: 1 },
        StreamEvent::Usage(ir::Usage {
            input_tokens: 5,
            output_tokens: 2,
            cache_read_tokens: 1,
            ..Default::default()
        }),
        StreamEvent::Finish {
            stop_reason: StopReason::EndTurn,
        },
    ]
}

#[test]
fn encoder_writes_exact_chat_frames() {
    let frames = encode_events(&text_events(), true);
    let head = r#"{"id":"msg_01","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-5","#;
    let want = [
        format!(
            r#"{head}"choices":[{{"index":0,"delta":{{"role":"assistant","content":""}},"logprobs":null,"finish_reason":null}}],"usage":null}}"#
        ),
        format!(
            r#"{head}"choices":[{{"index":0,"delta":{{"reasoning_content":"Hm."}},"logprobs":null,"finish_reason":null}}],"usage":null}}"#
        ),
        format!(
            r#"{head}"choices":[{{"index":0,"delta":{{"content":"Hi"}},"logprobs":null,"finish_reason":null}}],"usage":null}}"#
        ),
        format!(
            r#"{head}"choices":[{{"index":0,"delta":{{}},"logprobs":null,"finish_reason":"stop"}}],"usage":null}}"#
        ),
        format!(
            r#"{head}"choices":[],"usage":{{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7,"prompt_tokens_details":{{"cached_tokens":1,"audio_tokens":0}},"completion_tokens_details":{{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}}}}"#
        ),
        "[DONE]".to_owned(),
    ];
    let got: Vec<&str> = frames.iter().map(|f| f.data.as_str()).collect();
    assert_eq!(got, want);
    assert!(frames.iter().all(|f| f.event.is_none()));

    // Without include_usage: no usage chunk and no `usage: null`.
    let frames = encode_events(&text_events(), false);
    assert_eq!(frames.len(), 5);
    assert!(frames.iter().all(|f| !f.data.contains("usage")));
    assert_eq!(frames.last().unwrap().data, "[DONE]");
}

#[test]
fn encoded_tool_streams_decode_back() {
    let events = decode_stream(&scenario("parallel_tools", "stream.sse"));
    let frames = encode_events(&events, true);
    let first_call: Value = serde_json::from_str(&frames[1].data).unwrap();
    assert_eq!(
        first_call["choices"][0]["delta"]["tool_calls"],
        json!([{"index": 0, "id": "call_w1", "type": "function", "function": {"name": "get_weather", "arguments": ""}}])
    );
    let finish = frames
        .iter()
        .find(|f| f.data.contains(r#""finish_reason":"tool_calls""#));
    assert!(finish.is_some());
    let sse: String = frames
        .iter()
        .map(|f| format!("data: {}\n\n", f.data))
        .collect();
    assert_eq!(aggregate(&decode_stream(&sse)), aggregate(&events));
}

#[test]
fn errors_end_the_stream_without_done() {
    let events = [
        StreamEvent::Start {
            id: "x".into(),
            model: "m".into(),
            created: Some(1),
        },
        StreamEvent::Error(ir::Error::new(ir::ErrorKind::Overloaded, "Overloaded")),
    ];
    let frames = encode_events(&events, true);
    assert_eq!(frames.len(), 2);
    let err: Value = serde_json::from_str(&frames[1].data).unwrap();
    assert_eq!(
        err,
        json!({"error": {"message": "Overloaded", "type": "server_error", "param": null, "code": null}})
    );
}
