//! Property tests: a random conversation survives encode → decode in every kind, and every
//! stream decoder and translator survives arbitrary input without panicking (the stable stand-in
//! for the cargo-fuzz targets in `shared/transform/fuzz/`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use gproxy_protocol::OperationKind;
use gproxy_transform::ir::{self, Message, Part, Role, Text, ToolCall, ToolResult};
use gproxy_transform::stream::StreamTranslator;
use gproxy_transform::{codec, DecodeContext, Diagnostics, EncodeContext};
use proptest::prelude::*;

const KINDS: [OperationKind; 4] = OperationKind::GENERATE;

fn text() -> impl Strategy<Value = String> {
    // printable text incl. multi-byte characters, quotes and newlines
    "[a-zA-Z0-9 éü日本\"'\\\\\n{}:,.!?-]{1,40}"
}

#[derive(Debug, Clone)]
enum Turn {
    User(String),
    Assistant(String),
    Calls(Vec<(String, String)>), // (name, city)
}

fn turns() -> impl Strategy<Value = (Option<String>, Vec<Turn>)> {
    let turn = prop_oneof![
        text().prop_map(Turn::User),
        text().prop_map(Turn::Assistant),
        proptest::collection::vec(("[a-z_]{1,12}", text()), 1..4).prop_map(Turn::Calls),
    ];
    (
        proptest::option::of(text()),
        proptest::collection::vec(turn, 1..6),
    )
}

/// Build a well-formed conversation: every call batch is followed by its results, and the
/// conversation starts and ends with a user turn (what every provider accepts).
fn build((system, turns): (Option<String>, Vec<Turn>)) -> ir::Request {
    let mut messages = Vec::new();
    if let Some(s) = system {
        messages.push(Message::text(Role::System, s));
    }
    messages.push(Message::text(Role::User, "start"));
    let mut n = 0;
    for t in turns {
        match t {
            Turn::User(s) => messages.push(Message::text(Role::User, s)),
            Turn::Assistant(s) => messages.push(Message::text(Role::Assistant, s)),
            Turn::Calls(calls) => {
                let mut parts = Vec::new();
                let mut results = Vec::new();
                for (name, city) in calls {
                    n += 1;
                    let id = format!("call_{n}");
                    parts.push(Part::ToolCall(ToolCall {
                        id: id.clone(),
                        name: name.clone(),
                        arguments: serde_json::json!({ "city": city }).to_string(),
                        ..ToolCall::default()
                    }));
                    results.push(Message::new(
                        Role::Tool,
                        vec![Part::ToolResult(ToolResult {
                            call_id: id,
                            name: Some(name),
                            content: vec![Part::Text(Text::new(format!("result {n}")))],
                            is_error: false,
                        })],
                    ));
                }
                messages.push(Message::new(Role::Assistant, parts));
                messages.extend(results);
            }
        }
    }
    messages.push(Message::text(Role::User, "end"));
    ir::Request {
        model: "m".into(),
        messages,
        max_output_tokens: Some(100),
        ..ir::Request::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn conversations_round_trip_through_every_kind(conv in turns()) {
        let req = build(conv);
        let want = request_items(&req);
        for kind in KINDS {
            let mut diag = Diagnostics::new();
            let enc = codec(kind).encode_request(&req, &mut diag).unwrap();
            let back = codec(kind)
                .decode_request(&enc.body, DecodeContext { model: Some("m"), stream: Some(false) })
                .unwrap();
            prop_assert_eq!(request_items(&back), want.clone(), "{}", kind);
        }
    }

    #[test]
    fn stream_decoders_never_panic(frames in proptest::collection::vec((proptest::option::of("[a-z_.]{1,30}"), any::<String>()), 0..20)) {
        for kind in KINDS {
            let mut dec = codec(kind).stream_decoder();
            let mut out = Vec::new();
            for (event, data) in &frames {
                let _ = dec.decode(event.as_deref(), data, &mut out);
            }
            dec.finish(&mut out);
        }
    }

    #[test]
    fn stream_decoders_never_panic_on_plausible_json(frames in proptest::collection::vec(json_frame(), 0..20)) {
        for kind in KINDS {
            let mut dec = codec(kind).stream_decoder();
            let mut out = Vec::new();
            for (event, data) in &frames {
                let _ = dec.decode(event.as_deref(), data, &mut out);
            }
            dec.finish(&mut out);
        }
    }

    #[test]
    fn translators_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048), split in 1usize..64) {
        for src in KINDS {
            for dst in KINDS {
                let mut t = StreamTranslator::new(codec(dst).stream_decoder(), codec(src).stream_encoder(EncodeContext::default()));
                let mut out = Vec::new();
                for chunk in bytes.chunks(split) {
                    let _ = t.push(chunk, &mut out);
                }
                let _ = t.finish(&mut out);
            }
        }
    }

    #[test]
    fn request_decoders_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        for kind in KINDS {
            let _ = codec(kind).decode_request(&body, DecodeContext { model: Some("m"), stream: None });
            let _ = codec(kind).decode_response(&body);
            let _ = codec(kind).decode_error(400, &body);
        }
    }
}

/// JSON frames shaped like the providers' stream events, with random values in the slots, so
/// the decoders' deeper branches are reached.
fn json_frame() -> impl Strategy<Value = (Option<String>, String)> {
    let value = prop_oneof![
        Just(serde_json::json!(null)),
        any::<i64>().prop_map(serde_json::Value::from),
        text().prop_map(serde_json::Value::from),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
    ];
    let templates = prop_oneof![
        Just((
            "message_start",
            r#"{"type":"message_start","message":{"id":"m","model":"x","usage":{"input_tokens":$}}}"#
        )),
        Just((
            "content_block_start",
            r#"{"type":"content_block_start","index":$,"content_block":{"type":"tool_use","id":"t","name":"n","input":{}}}"#
        )),
        Just((
            "content_block_delta",
            r#"{"type":"content_block_delta","index":$,"delta":{"type":"input_json_delta","partial_json":"{"}}"#
        )),
        Just((
            "content_block_stop",
            r#"{"type":"content_block_stop","index":$}"#
        )),
        Just((
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":$},"usage":{"output_tokens":3}}"#
        )),
        Just((
            "response.output_item.added",
            r#"{"type":"response.output_item.added","output_index":$,"item":{"type":"function_call","id":"fc","call_id":"c","name":"n","arguments":""}}"#
        )),
        Just((
            "response.function_call_arguments.delta",
            r#"{"type":"response.function_call_arguments.delta","output_index":$,"item_id":"fc","delta":"{"}"#
        )),
        Just((
            "response.completed",
            r#"{"type":"response.completed","response":{"id":"r","status":"completed","output":$,"usage":{"input_tokens":1,"output_tokens":2}}}"#
        )),
        Just((
            "",
            r#"{"id":"c","choices":[{"index":0,"delta":{"tool_calls":[{"index":$,"id":"x","function":{"name":"f","arguments":"{"}}]},"finish_reason":null}]}"#
        )),
        Just((
            "",
            r#"{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":$}}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":1}}"#
        )),
    ];
    (templates, value).prop_map(|((event, tpl), v)| {
        let event = (!event.is_empty()).then(|| event.to_owned());
        (event, tpl.replace('$', &v.to_string()))
    })
}

#[test]
fn real_client_requests_decode() {
    // every captured client request of a generate kind decodes in its kind
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/clients");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        panic!("fixtures not found at {}", dir.display());
    };
    let mut n = 0;
    for entry in entries.flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let path = v["path"].as_str().unwrap_or_default();
            let kind = if path.ends_with("/chat/completions") {
                OperationKind::OpenAiChat
            } else if path.ends_with("/responses") {
                OperationKind::OpenAiResponses
            } else if path.ends_with("/messages") {
                OperationKind::AnthropicMessages
            } else if path.contains(":generateContent") || path.contains(":streamGenerateContent") {
                OperationKind::Gemini
            } else {
                continue;
            };
            let body = serde_json::to_vec(&v["body"]).unwrap();
            let req = codec(kind)
                .decode_request(
                    &body,
                    DecodeContext {
                        model: Some("gemini-2.5-flash"),
                        stream: Some(false),
                    },
                )
                .unwrap_or_else(|e| panic!("{}: {path}: {e}", entry.path().display()));
            assert!(!req.messages.is_empty(), "{path}");
            // and translates to every other kind
            for dst in KINDS {
                let mut diag = Diagnostics::new();
                codec(dst)
                    .encode_request(&req, &mut diag)
                    .unwrap_or_else(|e| panic!("{path} → {dst}: {e}"));
            }
            n += 1;
        }
    }
    assert_eq!(n, 49, "fixture requests found");
}
