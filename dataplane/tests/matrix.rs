//! Every client kind × every upstream route, whole and streamed: reply text, usage in the client's
//! fields, stream framing, the usage record, and a tool call round trip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::client::{read_all, TOOL_NAME, TOOL_RESULT};
use common::parse::{framing, sse, streamed, whole, Outcome};
use common::{standard, Kind};
use gproxy_config::usage::EndState;
use serde_json::json;

/// The path the mock must have been asked on, and the upstream kind the record names.
fn upstream(kind: Kind, route: &str, stream: bool) -> (String, &'static str) {
    match route {
        "via-chat" => ("/v1/chat/completions".into(), "openai_chat"),
        // an OpenAI channel serves Chat natively: Chat clients pass through
        "via-responses" if kind == Kind::Chat => ("/v1/chat/completions".into(), "openai_chat"),
        "via-responses" => ("/v1/responses".into(), "openai_responses"),
        "via-anthropic" => ("/v1/messages".into(), "anthropic_messages"),
        "via-gemini" if stream => (
            "/v1beta/models/gemini-2.5-flash:streamGenerateContent".into(),
            "gemini",
        ),
        "via-gemini" => (
            "/v1beta/models/gemini-2.5-flash:generateContent".into(),
            "gemini",
        ),
        other => panic!("unknown route {other}"),
    }
}

fn inbound_str(kind: Kind) -> &'static str {
    match kind {
        Kind::Chat => "openai_chat",
        Kind::Responses => "openai_responses",
        Kind::Anthropic => "anthropic_messages",
        Kind::Gemini => "gemini",
    }
}

fn text_finish(kind: Kind) -> &'static str {
    match kind {
        Kind::Chat => "stop",
        Kind::Responses => "completed",
        Kind::Anthropic => "end_turn",
        Kind::Gemini => "STOP",
    }
}

fn tool_finish(kind: Kind) -> &'static str {
    match kind {
        Kind::Chat => "tool_calls",
        Kind::Responses => "completed",
        Kind::Anthropic => "tool_use",
        Kind::Gemini => "STOP",
    }
}

/// Send one generate request; the outcome and the request id.
async fn run(
    gw: &common::Gateway,
    kind: Kind,
    route: &str,
    body: &serde_json::Value,
    stream: bool,
) -> (Outcome, String) {
    if stream {
        let resp = gw.generate_stream(kind, route, body, &[]).await;
        let status = resp.status().as_u16();
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let rid = resp
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let text = read_all(resp).await;
        if std::env::var_os("GPROXY_TEST_DUMP").is_some() {
            eprintln!("{kind:?} via {route}:\n{text}");
        }
        assert_eq!(status, 200, "{text}");
        assert!(
            ctype.starts_with("text/event-stream"),
            "content-type {ctype}"
        );
        let events = sse(&text);
        framing(kind, &events).unwrap_or_else(|e| panic!("{kind:?} via {route}: {e}\n{text}"));
        (streamed(kind, &events), rid)
    } else {
        let r = gw.generate(kind, route, body, false).await;
        assert_eq!(r.status, 200, "{kind:?} via {route}: {}", r.text());
        (whole(kind, &r.json()), r.request_id())
    }
}

async fn text_case(kind: Kind, route: &str, stream: bool) {
    let (mock, gw) = standard().await;
    let prompt = format!("hello from {kind:?} to {route}");
    let (o, rid) = run(
        &gw,
        kind,
        route,
        &kind.text_body(route, &prompt, stream),
        stream,
    )
    .await;

    let want = format!("mock reply to: {prompt}");
    assert_eq!(o.text, want, "{kind:?} via {route} stream={stream}");
    assert!(o.calls.is_empty());
    assert_eq!(
        o.finish.as_deref(),
        Some(text_finish(kind)),
        "finish reason"
    );

    // the mock's numbers (input = upstream body bytes / 4), in the client's own fields
    let stats = mock.stats();
    assert_eq!(stats.requests.len(), 1, "one upstream request");
    let up = stats.last().unwrap();
    let (path, up_kind) = upstream(kind, route, stream);
    assert_eq!(up.path, path);
    if route == "via-gemini" && stream {
        assert_eq!(up.query.as_deref(), Some("alt=sse"));
    }
    let input = (up.body.len() / 4) as u64;
    let output = ((want.chars().count() / 4) as u64).max(1);
    assert_eq!(
        o.input_tokens,
        Some(input),
        "input tokens as the client sees them"
    );
    assert_eq!(
        o.output_tokens,
        Some(output),
        "output tokens as the client sees them"
    );

    let rec = gw.record(&rid).await;
    assert_eq!(rec.end, EndState::Completed);
    assert_eq!((rec.status, rec.attempts, rec.stream), (200, 1, stream));
    assert_eq!(rec.route, route);
    assert_eq!(rec.user, "alice");
    assert_eq!(rec.key, "laptop");
    assert_eq!(rec.inbound_kind, inbound_str(kind));
    assert_eq!(rec.upstream_kind.as_deref(), Some(up_kind));
    assert_eq!(
        (rec.input_tokens, rec.output_tokens),
        (input, output),
        "usage record tokens"
    );
    if route == "via-responses" {
        // gpt-5 is priced at $1 / $2 per 1M tokens
        let cost = (input as f64 + 2.0 * output as f64) * 1e-6;
        assert!(
            (rec.cost_usd - cost).abs() < 1e-12,
            "cost {} want {cost}",
            rec.cost_usd
        );
    }
    if stream {
        assert!(
            rec.ttft_ms.is_some(),
            "streams record a time to first token"
        );
    }
}

async fn tool_case(kind: Kind, route: &str) {
    let (mock, gw) = standard().await;
    let prompt = "what is the weather in Paris?";
    let (o, _) = run(
        &gw,
        kind,
        route,
        &kind.tool_body(route, prompt, false),
        false,
    )
    .await;
    assert_eq!(
        o.calls.len(),
        1,
        "{kind:?} via {route}: one tool call, got {o:?}"
    );
    let call = o.calls[0].clone();
    assert_eq!(call.name, TOOL_NAME);
    assert_eq!(
        call.args,
        json!({"city": "x"}),
        "arguments built from the schema"
    );
    assert_eq!(o.finish.as_deref(), Some(tool_finish(kind)));
    assert!(o.text.is_empty(), "no text besides the call: {:?}", o.text);
    if kind != Kind::Gemini {
        assert!(
            call.id.as_deref().is_some_and(|id| !id.is_empty()),
            "tool call id: {call:?}"
        );
    }

    // the same call streamed
    let (s, _) = run(&gw, kind, route, &kind.tool_body(route, prompt, true), true).await;
    assert_eq!(s.calls.len(), 1, "streamed: {s:?}");
    assert_eq!(
        (s.calls[0].name.as_str(), &s.calls[0].args),
        (TOOL_NAME, &json!({"city": "x"}))
    );
    assert_eq!(
        s.finish.as_deref(),
        Some(tool_finish(kind)),
        "streamed finish"
    );

    // the result goes back in the client's shape and the model answers from it
    let (r, _) = run(
        &gw,
        kind,
        route,
        &kind.tool_result_body(route, prompt, &call),
        false,
    )
    .await;
    assert!(
        r.text.starts_with("tool said: ") && r.text.contains(TOOL_RESULT),
        "{kind:?} via {route}: {:?}; upstream got {}",
        r.text,
        mock.stats().last().unwrap().body_text()
    );
}

macro_rules! routes {
    ($kind:expr) => {
        routes!(@one $kind, via_chat => "via-chat");
        routes!(@one $kind, via_responses => "via-responses");
        routes!(@one $kind, via_anthropic => "via-anthropic");
        routes!(@one $kind, via_gemini => "via-gemini");
    };
    (@one $kind:expr, $m:ident => $route:literal) => {
        mod $m {
            use super::*;
            #[tokio::test]
            async fn whole() {
                text_case($kind, $route, false).await;
            }
            #[tokio::test]
            async fn stream() {
                text_case($kind, $route, true).await;
            }
            #[tokio::test]
            async fn tools() {
                tool_case($kind, $route).await;
            }
        }
    };
}

mod chat {
    use super::*;
    routes!(Kind::Chat);
}

mod responses {
    use super::*;
    routes!(Kind::Responses);
}

mod anthropic {
    use super::*;
    routes!(Kind::Anthropic);
}

mod gemini {
    use super::*;
    routes!(Kind::Gemini);
}
