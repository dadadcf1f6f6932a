//! Stream decoder on the scenario streams; stream encoder framing and finish rules.

use super::*;

#[test]
fn scenario_streams_match_their_responses() {
    for scenario in SCENARIOS {
        let events = stream_events(scenario);
        assert!(
            matches!(events.first(), Some(StreamEvent::Start { .. })),
            "{scenario}"
        );
        assert!(
            matches!(events.last(), Some(StreamEvent::Finish { .. })),
            "{scenario}: {events:?}"
        );
        let mut streamed = aggregate(&events);
        let whole = response(scenario);
        streamed.extra = whole.extra.clone();
        assert_eq!(streamed, whole, "{scenario}");
    }
}

#[test]
fn stream_decoder_event_shapes() {
    // Consecutive text chunks continue one part.
    let text = stream_events("text");
    let starts = text
        .iter()
        .filter(|e| matches!(e, StreamEvent::PartStart { .. }))
        .count();
    let deltas = text
        .iter()
        .filter(|e| {
            matches!(
                e,
                StreamEvent::Delta {
                    delta: Delta::Text(_),
                    ..
                }
            )
        })
        .count();
    assert_eq!((starts, deltas), (1, 3));

    // Each functionCall is a whole call: start, one arguments delta (+ signature), stop.
    let calls = stream_events("parallel_tools");
    let call0: Vec<_> = calls
        .iter()
        .filter(|e| {
            matches!(
                e,
                StreamEvent::PartStart { index: 0, .. }
                    | StreamEvent::Delta { index: 0, .. }
                    | StreamEvent::PartStop { index: 0 }
            )
        })
        .collect();
    assert!(
        matches!(call0[0], StreamEvent::PartStart { part: PartStart::ToolCall { id, name, .. }, .. } if id == "call_0" && name == "get_weather")
    );
    assert!(
        matches!(call0[1], StreamEvent::Delta { delta: Delta::ToolArguments(a), .. } if a == r#"{"city":"Paris"}"#)
    );
    assert!(matches!(
        call0[2],
        StreamEvent::Delta {
            delta: Delta::Signature(_),
            ..
        }
    ));
    assert!(matches!(call0[3], StreamEvent::PartStop { .. }));
    assert_eq!(
        calls.last(),
        Some(&StreamEvent::Finish {
            stop_reason: StopReason::ToolUse
        })
    );

    // A cut stream still closes its part and invents no finish.
    let mut dec = GeminiCodec.stream_decoder();
    let mut out = Vec::new();
    dec.decode(None, r#"{"candidates": [{"content": {"parts": [{"text": "Hel"}],"role": "model"}}],"responseId": "r1"}"#, &mut out).unwrap();
    dec.finish(&mut out);
    assert_eq!(out.last(), Some(&StreamEvent::PartStop { index: 0 }));
    assert!(!out.iter().any(|e| matches!(e, StreamEvent::Finish { .. })));

    // A mid-stream error chunk is an Error event; a malformed chunk is an error.
    let mut out = Vec::new();
    dec.decode(None, r#"{"error": {"code": 503, "message": "The model is overloaded.", "status": "UNAVAILABLE"}}"#, &mut out).unwrap();
    assert!(matches!(out.last(), Some(StreamEvent::Error(e)) if e.status == 503));
    assert!(dec.decode(None, "{not json", &mut out).is_err());
}

fn encode_stream(events: &[StreamEvent]) -> Vec<Value> {
    let ctx = EncodeContext {
        fallback_id: "gpx-req-1".into(),
        model: MODEL.into(),
        created: 1_700_000_000,
        ..EncodeContext::default()
    };
    let mut enc = GeminiCodec.stream_encoder(ctx);
    let mut frames: Vec<Frame> = Vec::new();
    for e in events {
        enc.encode(e, &mut frames);
    }
    enc.finish(&mut frames);
    enc.finish(&mut frames);
    assert!(
        frames.iter().all(|f| f.event.is_none()),
        "Gemini frames are data-only"
    );
    frames
        .iter()
        .map(|f| serde_json::from_str(&f.data).unwrap())
        .collect()
}

#[test]
fn stream_encoder_always_ends_with_finish_reason_and_usage() {
    let events = vec![
        StreamEvent::Start {
            id: "msg_01".into(),
            model: "claude-sonnet-4-5".into(),
            created: None,
        },
        StreamEvent::PartStart {
            index: 0,
            part: PartStart::Text,
        },
        StreamEvent::Delta {
            index: 0,
            delta: Delta::Text("Hel".into()),
        },
        StreamEvent::Delta {
            index: 0,
            delta: Delta::Text("lo".into()),
        },
        StreamEvent::PartStop { index: 0 },
        StreamEvent::Usage(Usage {
            input_tokens: 12,
            output_tokens: 3,
            ..Usage::default()
        }),
        // No Finish: an upstream cut short.
    ];
    let chunks = encode_stream(&events);
    assert_eq!(chunks.len(), 3, "{chunks:?}");
    assert_eq!(
        chunks[0]["candidates"][0]["content"]["parts"][0]["text"],
        "Hel"
    );
    assert!(chunks
        .iter()
        .all(|c| c["responseId"] == "msg_01" && c["modelVersion"] == "claude-sonnet-4-5"));
    let last = chunks.last().unwrap();
    assert_eq!(last["candidates"][0]["finishReason"], "STOP");
    assert_eq!(
        last["usageMetadata"],
        json!({"promptTokenCount": 12, "candidatesTokenCount": 3, "totalTokenCount": 15})
    );
    assert!(chunks[..2]
        .iter()
        .all(|c| c["candidates"][0].get("finishReason").is_none()
            && c.get("usageMetadata").is_none()));

    // No events at all still ends with a finish reason, under the fallback id.
    let chunks = encode_stream(&[]);
    assert_eq!(chunks.len(), 1);
    assert_eq!(
        (
            chunks[0]["responseId"].as_str(),
            chunks[0]["candidates"][0]["finishReason"].as_str()
        ),
        (Some("gpx-req-1"), Some("STOP"))
    );
}

#[test]
fn stream_encoder_sends_calls_whole_and_round_trips_every_scenario() {
    // Arguments split over deltas (as Chat / Anthropic stream them) arrive as one args object.
    let call = PartStart::ToolCall {
        id: "toolu_1".into(),
        name: "get_weather".into(),
        namespace: None,
        kind: Default::default(),
        item_id: None,
    };
    let events = vec![
        StreamEvent::PartStart {
            index: 0,
            part: call,
        },
        StreamEvent::Delta {
            index: 0,
            delta: Delta::ToolArguments(r#"{"ci"#.into()),
        },
        StreamEvent::Delta {
            index: 0,
            delta: Delta::ToolArguments(r#"ty":"Paris"}"#.into()),
        },
        StreamEvent::PartStop { index: 0 },
        StreamEvent::Finish {
            stop_reason: StopReason::ToolUse,
        },
    ];
    let chunks = encode_stream(&events);
    assert_eq!(
        chunks[0]["candidates"][0]["content"]["parts"][0]["functionCall"],
        json!({"id": "toolu_1", "name": "get_weather", "args": {"city": "Paris"}})
    );
    assert_eq!(chunks[1]["candidates"][0]["finishReason"], "STOP");

    // Gemini stream → IR → Gemini stream → IR keeps the meaning.
    for scenario in SCENARIOS {
        let first = stream_events(scenario);
        let chunks = encode_stream(&first);
        let mut dec = GeminiCodec.stream_decoder();
        let mut again = Vec::new();
        for c in &chunks {
            dec.decode(None, &c.to_string(), &mut again).unwrap();
        }
        dec.finish(&mut again);
        assert_eq!(aggregate(&again), aggregate(&first), "{scenario}");
    }
}
