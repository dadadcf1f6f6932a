//! Streams under stress: an upstream cut mid-stream ends the client's stream with its protocol's
//! error frame, a client that goes away cancels the upstream and is recorded, chunks arrive as
//! they are produced, idle upstreams time out, and an injected usage chunk stays invisible.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::client::read_all;
use common::parse::{framing, sse, streamed};
use common::shapes::stream_error;
use common::{gateway, mock, open_server_sockets, standard_bundle, Kind, SETTINGS};
use futures_util::StreamExt;
use gproxy_config::usage::EndState;
use gproxy_mock_provider::MockConfig;
use serde_json::json;

/// (client kind, route): passthrough pairs first, then translated ones.
const PAIRS: [(Kind, &str); 8] = [
    (Kind::Chat, "via-chat"),
    (Kind::Responses, "via-responses"),
    (Kind::Anthropic, "via-anthropic"),
    (Kind::Gemini, "via-gemini"),
    (Kind::Chat, "via-anthropic"),
    (Kind::Responses, "via-gemini"),
    (Kind::Anthropic, "via-chat"),
    (Kind::Gemini, "via-responses"),
];

#[tokio::test]
async fn upstream_cut_mid_stream_ends_with_an_error_frame() {
    let m = mock(MockConfig {
        drop_after_chunks: Some(3),
        ..MockConfig::default()
    })
    .await;
    let gw = gateway(&standard_bundle(&m.url(), SETTINGS)).await;
    for (kind, route) in PAIRS {
        let prompt = "a reply that will be cut short";
        let resp = gw
            .generate_stream(kind, route, &kind.text_body(route, prompt, true), &[])
            .await;
        assert_eq!(resp.status(), 200, "{kind:?} via {route}");
        let rid = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
        let text = read_all(resp).await;
        let events = sse(&text);
        let err = stream_error(kind, &events)
            .unwrap_or_else(|| panic!("{kind:?} via {route}: no error frame\n{text}"));
        assert!(err.to_string().to_lowercase().contains("upstream"), "{err}");
        assert!(
            framing(kind, &events).is_err(),
            "{kind:?} via {route}: the stream must not look complete\n{text}"
        );
        let got = streamed(kind, &events[..events.len() - 1]).text;
        assert!(
            format!("mock reply to: {prompt}").starts_with(&got),
            "{kind:?} via {route}: partial text {got:?}"
        );
        let rec = gw.record(&rid).await;
        assert_eq!(rec.end, EndState::UpstreamAborted, "{kind:?} via {route}");
        assert_eq!(rec.status, 502);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_disconnect_cancels_upstream_and_is_recorded() {
    let pairs = [
        (Kind::Chat, "via-chat"),
        (Kind::Anthropic, "via-chat"),
        (Kind::Anthropic, "via-anthropic"),
        (Kind::Gemini, "via-anthropic"),
        (Kind::Responses, "via-gemini"),
    ];
    for (kind, route) in pairs {
        // 40 pieces 50 ms apart: a two-second stream
        let m = mock(MockConfig {
            chunks: 40,
            chunk_delay_ms: 50,
            ..MockConfig::default()
        })
        .await;
        let port = m.addr().port();
        let gw = gateway(&standard_bundle(&m.url(), SETTINGS)).await;
        let prompt = "a long answer that nobody will read to the end";
        let t0 = Instant::now();
        let resp = gw
            .generate_stream(kind, route, &kind.text_body(route, prompt, true), &[])
            .await;
        assert_eq!(resp.status(), 200);
        let rid = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
        let mut body = resp.bytes_stream();
        let first = body.next().await.unwrap().unwrap();
        assert!(!first.is_empty());
        assert_eq!(
            open_server_sockets(port),
            1,
            "the upstream request is in flight"
        );
        drop(body);

        let rec = gw.record(&rid).await;
        assert_eq!(rec.end, EndState::ClientAborted, "{kind:?} via {route}");
        assert!(
            rec.latency_ms < 1500,
            "recorded when the client left, not at the stream's end: {}",
            rec.latency_ms
        );
        assert!(rec.provider.is_some());
        if route != "via-chat" {
            // Anthropic and Gemini report the prompt's tokens at the start: they are recorded
            let up = m.stats().last().cloned().unwrap();
            assert_eq!(
                rec.input_tokens,
                (up.body.len() / 4) as u64,
                "{kind:?} via {route}: usage seen so far"
            );
        }
        let deadline = Instant::now() + Duration::from_secs(2);
        while open_server_sockets(port) > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(
            open_server_sockets(port),
            0,
            "{kind:?} via {route}: the upstream connection was closed"
        );
        assert!(
            t0.elapsed() < Duration::from_millis(1800),
            "closed before the stream would have ended"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_arrive_as_the_upstream_produces_them() {
    let m = mock(MockConfig {
        chunks: 4,
        chunk_delay_ms: 150,
        ..MockConfig::default()
    })
    .await;
    let gw = gateway(&standard_bundle(&m.url(), SETTINGS)).await;
    for (kind, route) in [
        (Kind::Anthropic, "via-anthropic"),
        (Kind::Gemini, "via-anthropic"),
        (Kind::Responses, "via-chat"),
    ] {
        let prompt = "pace me";
        let t0 = Instant::now();
        let resp = gw
            .generate_stream(kind, route, &kind.text_body(route, prompt, true), &[])
            .await;
        assert_eq!(resp.status(), 200);
        let mut body = resp.bytes_stream();
        let mut all = Vec::new();
        let mut arrivals = Vec::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.unwrap();
            all.extend_from_slice(&chunk);
            let so_far = streamed(kind, &sse(&String::from_utf8_lossy(&all))).text;
            arrivals.push((t0.elapsed(), so_far.len()));
        }
        let total = t0.elapsed();
        let first_text = arrivals
            .iter()
            .find(|(_, n)| *n > 0)
            .map(|(t, _)| *t)
            .unwrap();
        assert!(
            total >= Duration::from_millis(450),
            "the mock paces 4 pieces 150 ms apart: {total:?}"
        );
        assert!(
            total - first_text >= Duration::from_millis(300),
            "{kind:?} via {route}: first text at {first_text:?}, end at {total:?}: not incremental"
        );
        let distinct: std::collections::BTreeSet<usize> = arrivals
            .iter()
            .map(|(_, n)| *n)
            .filter(|n| *n > 0)
            .collect();
        assert!(
            distinct.len() >= 3,
            "{kind:?} via {route}: text grew in steps {arrivals:?}"
        );
        let events = sse(&String::from_utf8_lossy(&all));
        framing(kind, &events).unwrap();
        assert_eq!(
            streamed(kind, &events).text,
            format!("mock reply to: {prompt}")
        );
    }
}

/// A Chat stream of `prompt` through `route` (served by `provider`, whose idle limit is
/// `idle_ms`) from a mock sending `chunks` chunks `gap_ms` apart: the request id, the events and
/// the elapsed time.
async fn stream_with_idle_limit(
    provider: &str,
    route: &str,
    prompt: &str,
    idle_ms: u64,
    chunks: usize,
    gap_ms: u64,
) -> (
    common::Gateway,
    String,
    Vec<common::parse::SseEvent>,
    Duration,
) {
    let m = mock(MockConfig {
        chunks,
        chunk_delay_ms: gap_ms,
        ..MockConfig::default()
    })
    .await;
    let base = standard_bundle(&m.url(), SETTINGS);
    let at = format!("  - name: {provider}\n");
    let yaml = base.replacen(
        &at,
        &format!("{at}    timeouts: {{idle_ms: {idle_ms}}}\n"),
        1,
    );
    assert_ne!(yaml, base, "provider {provider} is in the bundle");
    let gw = gateway(&yaml).await;
    let t0 = Instant::now();
    let kind = Kind::Chat;
    let resp = gw
        .generate_stream(kind, route, &kind.text_body(route, prompt, true), &[])
        .await;
    assert_eq!(resp.status(), 200);
    let rid = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    let events = sse(&read_all(resp).await);
    let elapsed = t0.elapsed();
    (gw, rid, events, elapsed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_upstream_stream_times_out() {
    let (gw, rid, events, elapsed) =
        stream_with_idle_limit("claude", "via-anthropic", "slow", 150, 3, 600).await;
    assert!(
        elapsed < Duration::from_millis(1000),
        "cut after the idle timeout: {elapsed:?}"
    );
    let err =
        stream_error(Kind::Chat, &events).unwrap_or_else(|| panic!("no error frame: {events:?}"));
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(gw.record(&rid).await.end, EndState::UpstreamAborted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_that_keeps_moving_outlives_its_idle_timeout() {
    // chunks 120 ms apart, idle limit 300 ms, stream ~0.6 s long: the limit is per gap, not total
    let (gw, rid, events, elapsed) =
        stream_with_idle_limit("compat", "via-chat", "steady", 300, 5, 120).await;
    assert!(
        elapsed > Duration::from_millis(400),
        "the stream ran past one idle period: {elapsed:?}"
    );
    let kind = Kind::Chat;
    assert!(stream_error(kind, &events).is_none(), "{events:?}");
    framing(kind, &events).unwrap();
    assert_eq!(streamed(kind, &events).text, "mock reply to: steady");
    assert_eq!(gw.record(&rid).await.end, EndState::Completed);
}

#[tokio::test]
async fn injected_usage_chunk_is_not_shown_but_recorded() {
    let (m, gw) = common::standard().await;
    for route in ["via-chat", "via-anthropic"] {
        let body = json!({"model": route, "stream": true, "messages": [{"role": "user", "content": "count me"}]});
        let resp = gw.generate_stream(Kind::Chat, route, &body, &[]).await;
        let rid = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
        let text = read_all(resp).await;
        let events = sse(&text);
        framing(Kind::Chat, &events).unwrap();
        assert!(
            !text.contains("\"usage\":{"),
            "{route}: the client did not ask for usage\n{text}"
        );
        let o = streamed(Kind::Chat, &events);
        assert_eq!(o.text, "mock reply to: count me");
        let rec = gw.record(&rid).await;
        assert!(
            rec.input_tokens > 0 && rec.output_tokens > 0,
            "{route}: usage still accounted: {rec:?}"
        );
    }
    let up = m.stats().requests[0].json().unwrap();
    assert_eq!(
        up["stream_options"]["include_usage"], true,
        "asked upstream for usage"
    );
}

/// A stream-only upstream and a client that does not stream: the gateway streams upstream and
/// answers one object in the client's shape, with the usage the stream reported.
#[tokio::test]
async fn stream_only_upstreams_are_aggregated_for_non_stream_clients() {
    let m = mock(MockConfig::default()).await;
    let yaml = standard_bundle(&m.url(), SETTINGS)
        .replace("    base_url:", "    stream_only: true\n    base_url:");
    let gw = gateway(&yaml).await;
    for (kind, route) in PAIRS {
        let prompt = "one object please";
        let reply = gw
            .generate(kind, route, &kind.text_body(route, prompt, false), false)
            .await;
        assert_eq!(reply.status, 200, "{kind:?} via {route}: {}", reply.text());
        let got = common::parse::whole(kind, &reply.json());
        assert_eq!(
            got.text,
            format!("mock reply to: {prompt}"),
            "{kind:?} via {route}"
        );
        assert!(
            got.output_tokens.unwrap_or(0) > 0,
            "{kind:?} via {route}: usage {got:?}"
        );
        let up = m.stats().last().cloned().unwrap();
        let streamed = up.path.contains(":streamGenerateContent")
            || up.json().is_some_and(|b| b["stream"] == json!(true));
        assert!(
            streamed,
            "{kind:?} via {route}: upstream was not asked to stream: {}",
            up.path
        );
        let rec = gw.record(&reply.request_id()).await;
        assert!(!rec.stream, "the client did not stream");
        assert_eq!(rec.end, EndState::Completed);
        assert!(rec.output_tokens > 0);
    }
}

/// Without `alt=sse`, Gemini streams a JSON array of response chunks; so does the gateway, for
/// a Gemini upstream (passthrough) and a translated one.
#[tokio::test]
async fn gemini_stream_without_alt_sse_is_a_json_array() {
    let m = mock(MockConfig {
        chunks: 4,
        ..MockConfig::default()
    })
    .await;
    let gw = gateway(&standard_bundle(&m.url(), SETTINGS)).await;
    for route in ["via-gemini", "via-anthropic", "via-chat"] {
        let prompt = "array of chunks";
        let body = Kind::Gemini.text_body(route, prompt, true);
        let path = format!("/v1beta/models/{route}:streamGenerateContent");
        let reply = gw.post(Kind::Gemini, common::ALICE, &path, &body).await;
        assert_eq!(reply.status, 200, "{route}: {}", reply.text());
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "{route}"
        );
        let chunks: Vec<serde_json::Value> = serde_json::from_str(&reply.text())
            .unwrap_or_else(|e| panic!("{route}: not a JSON array ({e}): {}", reply.text()));
        assert!(chunks.len() > 1, "{route}: streamed in pieces");
        let text: String = chunks
            .iter()
            .flat_map(|c| {
                c["candidates"][0]["content"]["parts"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter_map(|p| p["text"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(text, format!("mock reply to: {prompt}"), "{route}");
        assert!(
            chunks.last().unwrap()["candidates"][0]["finishReason"].is_string(),
            "{route}"
        );
    }
}
