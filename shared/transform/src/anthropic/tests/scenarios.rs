//! The five shared scenarios decode to the IR the codec guide describes, plain and streamed.

use gproxy_protocol::Family;
use serde_json::json;

use super::*;
use crate::ir::{MediaSource, Part, Role, StopReason, Usage};

fn response(name: &str) -> ir::Response {
    AnthropicCodec
        .decode_response(&scenario(name, "response.json"))
        .unwrap()
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

fn usage(input: u64, output: u64, read: u64, write: u64, reasoning: u64) -> Usage {
    Usage {
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: read,
        cache_write_tokens: write,
        reasoning_tokens: reasoning,
    }
}

#[test]
fn text_request_and_answer() {
    let req = decode_request(&scenario("text", "request.json"));
    assert_eq!(req.model, "claude-sonnet-4-5");
    assert_eq!(
        (req.max_output_tokens, req.temperature),
        (Some(256), Some(0.2))
    );
    assert_eq!(req.messages.len(), 2);
    assert_eq!(
        (
            req.messages[0].role,
            text_of(&req.messages[0].parts).as_str()
        ),
        (Role::System, "You are terse.")
    );
    assert_eq!(
        (
            req.messages[1].role,
            text_of(&req.messages[1].parts).as_str()
        ),
        (Role::User, "Say hello.")
    );
    assert_eq!(req.origin, Some(Family::Anthropic));

    let resp = response("text");
    assert_eq!(resp.id, "msg_01XFDUDYJgAACzvnptvVoYEL");
    assert_eq!(text_of(&resp.content), "Hello! How can I help you today?");
    assert_eq!(resp.stop_reason, Some(StopReason::EndTurn));
    assert_eq!(resp.usage, Some(usage(25, 9, 0, 0, 0)));
}

#[test]
fn parallel_tools_request_and_answer() {
    let req = decode_request(&scenario("parallel_tools", "request.json"));
    let names: Vec<_> = req
        .tools
        .iter()
        .map(|t| match t {
            ir::Tool::Function(f) => (
                f.name.as_str(),
                f.parameters.as_ref().unwrap().to_value()["required"][0]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        names,
        [
            ("get_weather", "city".to_owned()),
            ("get_time", "timezone".to_owned())
        ]
    );
    assert_eq!(req.tool_choice, Some(ir::ToolChoice::Auto));
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
    let results: Vec<_> = req.messages[2..]
        .iter()
        .map(|m| match &m.parts[..] {
            [Part::ToolResult(r)] => (r.call_id.clone(), text_of(&r.content)),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        results,
        [
            ("call_w1".to_owned(), "18°C, sunny".to_owned()),
            ("call_t1".to_owned(), "14:05".to_owned())
        ]
    );

    let resp = response("parallel_tools");
    let calls: Vec<_> = resp
        .content
        .iter()
        .map(|p| match p {
            Part::ToolCall(c) => (
                c.name.clone(),
                serde_json::from_str::<serde_json::Value>(&c.arguments).unwrap(),
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        calls,
        [
            ("get_weather".into(), json!({"city": "Paris"})),
            ("get_time".into(), json!({"timezone": "Europe/Paris"}))
        ]
    );
    assert_eq!(resp.stop_reason, Some(StopReason::ToolUse));
    assert_eq!(resp.usage, Some(usage(120, 40, 0, 0, 0)));
}

#[test]
fn reasoning_request_and_answer() {
    let req = decode_request(&scenario("reasoning", "request.json"));
    let rc = req.reasoning.as_ref().unwrap();
    assert_eq!((rc.enabled, rc.budget_tokens), (Some(true), Some(2048)));
    let Part::Reasoning(r) = &req.messages[1].parts[0] else {
        panic!("{:?}", req.messages[1])
    };
    assert_eq!(r.text, "2+2 = 4.");
    let sig = r.signature.as_ref().unwrap();
    assert_eq!(sig.family, Family::Anthropic);
    assert!(sig.value.as_str().unwrap().starts_with("ErUBCkYIBxgC"));
    assert_eq!(text_of(&req.messages[1].parts), "4");
    assert_eq!(text_of(&req.messages[2].parts), "What is 17*23?");

    let resp = response("reasoning");
    let [Part::Reasoning(r), Part::Text(t)] = &resp.content[..] else {
        panic!("{:?}", resp.content)
    };
    assert_eq!((r.text.as_str(), t.text.as_str()), ("17*23 = 391.", "391"));
    assert!(r
        .signature
        .as_ref()
        .unwrap()
        .value
        .as_str()
        .unwrap()
        .starts_with("EqQB"));
    assert_eq!(resp.usage, Some(usage(30, 50, 0, 0, 35)));
}

#[test]
fn image_input_request_and_answer() {
    let req = decode_request(&scenario("image_input", "request.json"));
    let [Part::Text(t), Part::Image(png), Part::Image(url)] = &req.messages[0].parts[..] else {
        panic!("{:?}", req.messages)
    };
    assert_eq!(t.text, "What is in this image?");
    assert!(matches!(&png.source, MediaSource::Base64(d) if d.starts_with("iVBORw0KGgo")));
    assert_eq!(png.mime_type.as_deref(), Some("image/png"));
    assert_eq!(
        url.source,
        MediaSource::Url("https://example.com/cat.jpg".into())
    );
    let resp = response("image_input");
    assert_eq!(text_of(&resp.content), "A red square and a cat.");
    assert_eq!(resp.usage, Some(usage(850, 7, 0, 0, 0)));
}

#[test]
fn cache_usage_request_and_answer() {
    let req = decode_request(&scenario("cache_usage", "request.json"));
    assert_eq!(req.messages[0].role, Role::System);
    assert!(text_of(&req.messages[0].parts).len() > 1000);
    assert_eq!(text_of(&req.messages[1].parts), "Summarize.");
    // The system block's cache_control is kept for the same family only.
    assert_eq!(
        req.extra[crate::anthropic::BLOCK_FIELDS]["m0.p0"]["cache_control"],
        json!({"type": "ephemeral"})
    );
    let resp = response("cache_usage");
    assert_eq!(text_of(&resp.content), "Summary.");
    assert_eq!(resp.usage, Some(usage(2000, 12, 1800, 100, 0)));
}

/// Streamed arguments are the model's text verbatim (`{"city": "Paris"}`); the plain response
/// has an object that the decoder serializes compactly. Compare them as JSON.
fn normalized(parts: Vec<Part>) -> Vec<Part> {
    parts
        .into_iter()
        .map(|p| match p {
            Part::ToolCall(mut c) => {
                let v: serde_json::Value = serde_json::from_str(&c.arguments).unwrap();
                c.arguments = v.to_string();
                Part::ToolCall(c)
            }
            p => p,
        })
        .collect()
}

#[test]
fn every_scenario_stream_aggregates_to_its_response() {
    for name in [
        "text",
        "parallel_tools",
        "reasoning",
        "image_input",
        "cache_usage",
    ] {
        let text = String::from_utf8(scenario(name, "stream.sse")).unwrap();
        let events = decode_stream(&text);
        assert!(
            matches!(events.first(), Some(ir::StreamEvent::Start { .. })),
            "{name}"
        );
        let finishes = events
            .iter()
            .filter(|e| matches!(e, ir::StreamEvent::Finish { .. }))
            .count();
        assert_eq!(finishes, 1, "{name}");
        let starts = events
            .iter()
            .filter(|e| matches!(e, ir::StreamEvent::PartStart { .. }))
            .count();
        let stops = events
            .iter()
            .filter(|e| matches!(e, ir::StreamEvent::PartStop { .. }))
            .count();
        assert_eq!(starts, stops, "{name}");
        let streamed = aggregate(&events);
        let plain = response(name);
        assert_eq!(streamed.id, plain.id, "{name}");
        assert_eq!(
            normalized(streamed.content),
            normalized(plain.content),
            "{name}"
        );
        assert_eq!(streamed.stop_reason, plain.stop_reason, "{name}");
        assert_eq!(streamed.usage, plain.usage, "{name}");
    }
}

#[test]
fn streamed_tool_arguments_pass_through_piece_by_piece() {
    let text = String::from_utf8(scenario("parallel_tools", "stream.sse")).unwrap();
    let pieces: Vec<_> = decode_stream(&text)
        .into_iter()
        .filter_map(|e| match e {
            ir::StreamEvent::Delta {
                index,
                delta: ir::Delta::ToolArguments(s),
            } => Some((index, s)),
            _ => None,
        })
        .collect();
    assert_eq!(
        pieces,
        [
            (0, "{\"city\": ".into()),
            (0, "\"Paris\"}".into()),
            (1, "{\"timezone\": \"Euro".into()),
            (1, "pe/Paris\"}".into())
        ]
    );
}

#[test]
fn cut_stream_is_closed_without_inventing_a_finish() {
    let text = String::from_utf8(scenario("reasoning", "stream.sse")).unwrap();
    let cut: String = sse_events(&text)
        .into_iter()
        .take(5) // message_start, block start, ping, two thinking deltas
        .map(|(e, d)| format!("event: {}\ndata: {d}\n\n", e.unwrap()))
        .collect();
    let events = decode_stream(&cut);
    assert!(matches!(
        events.last(),
        Some(ir::StreamEvent::PartStop { index: 0 })
    ));
    assert!(!events
        .iter()
        .any(|e| matches!(e, ir::StreamEvent::Finish { .. })));
}

#[test]
fn stream_errors_and_malformed_events() {
    let events = decode_stream("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n");
    let [ir::StreamEvent::Error(e)] = &events[..] else {
        panic!("{events:?}")
    };
    assert_eq!(
        (e.kind, e.message.as_str()),
        (ir::ErrorKind::Overloaded, "Overloaded")
    );
    let mut dec = AnthropicCodec.stream_decoder();
    let mut out = Vec::new();
    assert!(dec
        .decode(
            None,
            r#"{"type":"content_block_delta","delta":{}}"#,
            &mut out
        )
        .is_err());
    assert!(dec
        .decode(None, r#"{"type":"brand_new_event","x":1}"#, &mut out)
        .is_ok());
    assert!(dec.decode(None, "not json", &mut out).is_err());
}
