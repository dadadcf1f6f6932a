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

pub(super) fn decode(body: &[u8]) -> ir::Request {
    ResponsesCodec
        .decode_request(body, DecodeContext::default())
        .unwrap()
}

pub(super) fn encode(req: &ir::Request) -> (Value, Diagnostics) {
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

pub(super) fn result(m: &ir::Message) -> (&str, &str) {
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
pub(super) type Facts = (
    String,
    String,
    Vec<(String, String)>,
    Option<StopReason>,
    Option<Usage>,
);

pub(super) fn facts(resp: &ir::Response) -> Facts {
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

pub(super) fn expected(name: &str) -> Facts {
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
