//! Injected faults over HTTP: statuses with retry-after, seeded probability, limits, cuts, keys, latency.

use std::time::{Duration, Instant};

use serde_json::json;

use super::client::{post, start};
use crate::MockConfig;

const CHAT: &str = "/v1/chat/completions";
const MESSAGES: &str = "/v1/messages";
const GEMINI: &str = "/v1beta/models/gemini-2.5-flash:generateContent";

fn chat(stream: bool) -> serde_json::Value {
    json!({"model": "gpt-4o", "stream": stream, "messages": [{"role": "user", "content": "hi"}]})
}

fn claude(stream: bool) -> serde_json::Value {
    json!({"model": "claude-sonnet-4-5", "max_tokens": 8, "stream": stream, "messages": [{"role": "user", "content": "hi"}]})
}

fn gemini() -> serde_json::Value {
    json!({"contents": [{"role": "user", "parts": [{"text": "hi"}]}]})
}

#[tokio::test]
async fn injected_statuses_use_each_family_error_shape_with_retry_after() {
    let mock = start(MockConfig {
        status: Some(429),
        retry_after: Some(7),
        ..MockConfig::default()
    })
    .await;
    let r = post(mock.addr(), CHAT, &[], &chat(false)).await;
    assert_eq!((r.status, r.header("retry-after")), (429, Some("7")));
    assert_eq!(r.json()["error"]["code"], "rate_limit_exceeded");

    let r = post(
        mock.addr(),
        MESSAGES,
        &[("x-mock-status", "529")],
        &claude(true),
    )
    .await;
    assert_eq!((r.status, r.header("retry-after")), (529, Some("7")));
    assert_eq!(r.json()["error"]["type"], "overloaded_error");
    assert_eq!(r.json()["type"], "error");

    let r = post(mock.addr(), GEMINI, &[], &gemini()).await;
    assert_eq!(r.status, 429);
    let v = r.json();
    assert_eq!(
        (v["error"]["code"].as_u64(), v["error"]["status"].as_str()),
        (Some(429), Some("RESOURCE_EXHAUSTED"))
    );
    assert_eq!(v["error"]["details"][0]["retryDelay"], "7s");

    let r = post(
        mock.addr(),
        CHAT,
        &[("x-mock-status", "none")],
        &chat(false),
    )
    .await;
    assert_eq!(
        r.status, 200,
        "a header clears the global fault for one request"
    );
    let stats = mock.stats();
    assert_eq!(
        (
            stats.count(CHAT, 429),
            stats.count(CHAT, 200),
            stats.count(MESSAGES, 529)
        ),
        (1, 1, 1)
    );
}

#[tokio::test]
async fn seeded_probability_repeats_and_fault_limit_stops_after_n() {
    let config = MockConfig {
        status: Some(500),
        probability: 0.5,
        seed: 42,
        ..MockConfig::default()
    };
    let mock = start(config.clone()).await;
    let mut runs = Vec::new();
    for _ in 0..2 {
        mock.set_config(config.clone());
        let mut statuses = Vec::new();
        for _ in 0..16 {
            statuses.push(post(mock.addr(), CHAT, &[], &chat(false)).await.status);
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    let want: Vec<u16> = (0..16)
        .map(|n| {
            if crate::fault::draw(42, n) < 0.5 {
                500
            } else {
                200
            }
        })
        .collect();
    assert_eq!(runs[0], want);
    assert!(want.contains(&500) && want.contains(&200));

    mock.set_config(MockConfig {
        status: Some(503),
        fault_limit: Some(2),
        ..MockConfig::default()
    });
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            post(mock.addr(), MESSAGES, &[], &claude(false))
                .await
                .status,
        );
    }
    assert_eq!(statuses, [503, 503, 200, 200]);
}

#[tokio::test]
async fn drop_after_chunks_cuts_the_connection_mid_stream() {
    let mock = start(MockConfig {
        drop_after_chunks: Some(3),
        ..MockConfig::default()
    })
    .await;
    let r = post(mock.addr(), CHAT, &[], &chat(true)).await;
    assert_eq!(r.status, 200);
    assert!(!r.complete, "chunked body must not be terminated");
    let events = r.events();
    assert_eq!(events.len(), 3);
    assert!(!r.body.contains("[DONE]"));

    // paced stream, cut chosen per request
    let headers = [
        ("x-mock-drop-after-chunks", "5"),
        ("x-mock-chunk-delay-ms", "5"),
    ];
    let r = post(mock.addr(), MESSAGES, &headers, &claude(true)).await;
    assert!(!r.complete);
    let names: Vec<_> = r.events().into_iter().filter_map(|e| e.0).collect();
    assert_eq!(
        names,
        [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_delta"
        ]
    );

    let r = post(
        mock.addr(),
        CHAT,
        &[("x-mock-drop-after-chunks", "none")],
        &chat(true),
    )
    .await;
    assert!(r.complete && r.body.contains("[DONE]"));
}

#[tokio::test]
async fn required_key_is_checked_the_family_way() {
    let mock = start(MockConfig {
        required_key: Some("sk-good".into()),
        ..MockConfig::default()
    })
    .await;
    let cases = [
        (
            CHAT,
            chat(false),
            vec![("authorization", "Bearer sk-good")],
            200,
        ),
        (
            CHAT,
            chat(false),
            vec![("authorization", "Bearer sk-bad")],
            401,
        ),
        (CHAT, chat(false), vec![("x-api-key", "sk-good")], 401),
        (MESSAGES, claude(false), vec![("x-api-key", "sk-good")], 200),
        (
            MESSAGES,
            claude(false),
            vec![("authorization", "Bearer sk-good")],
            200,
        ),
        (MESSAGES, claude(false), vec![("x-api-key", "sk-bad")], 401),
        (GEMINI, gemini(), vec![("x-goog-api-key", "sk-good")], 200),
        (GEMINI, gemini(), vec![], 401),
    ];
    for (path, body, headers, want) in cases {
        let r = post(mock.addr(), path, &headers, &body).await;
        assert_eq!(r.status, want, "{path} {headers:?}");
        if want == 401 {
            let v = r.json();
            let kind = match path {
                CHAT => v["error"]["code"].clone(),
                MESSAGES => v["error"]["type"].clone(),
                _ => v["error"]["status"].clone(),
            };
            let expected = match path {
                CHAT => "invalid_api_key",
                MESSAGES => "authentication_error",
                _ => "UNAUTHENTICATED",
            };
            assert_eq!(kind, expected);
        }
    }
    let r = post(
        mock.addr(),
        &format!("{GEMINI}?key=sk-good"),
        &[],
        &gemini(),
    )
    .await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn latency_and_chunk_spacing_delay_the_answer() {
    let mock = start(MockConfig {
        latency_ms: 120,
        ..MockConfig::default()
    })
    .await;
    let t = Instant::now();
    let r = post(mock.addr(), CHAT, &[], &chat(false)).await;
    assert_eq!(r.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(120));

    let t = Instant::now();
    let headers = [
        ("x-mock-latency-ms", "0"),
        ("x-mock-chunks", "5"),
        ("x-mock-chunk-delay-ms", "40"),
    ];
    let r = post(mock.addr(), CHAT, &headers, &chat(true)).await;
    assert!(r.complete);
    let elapsed = t.elapsed();
    assert!(
        elapsed >= Duration::from_millis(160),
        "4 pauses of 40 ms, got {elapsed:?}"
    );
    assert!(elapsed < Duration::from_millis(2000));
    let content = r
        .events()
        .iter()
        .filter(|e| {
            e.1["choices"][0]["delta"]["content"]
                .as_str()
                .is_some_and(|c| !c.is_empty())
        })
        .count();
    assert_eq!(content, 5);
}

#[tokio::test]
async fn unknown_endpoints_answer_404_in_family_shape() {
    let mock = start(MockConfig::default()).await;
    let r = post(mock.addr(), "/v1/audio/speech", &[], &json!({})).await;
    assert_eq!(
        (r.status, r.json()["error"]["type"].as_str()),
        (404, Some("invalid_request_error"))
    );
    let r = post(
        mock.addr(),
        "/v1/messages/batches",
        &[("anthropic-version", "2023-06-01")],
        &json!({}),
    )
    .await;
    assert_eq!(
        (r.status, r.json()["error"]["type"].as_str()),
        (404, Some("not_found_error"))
    );
    let r = post(mock.addr(), "/v1beta/models/m:predict", &[], &json!({})).await;
    assert_eq!(
        (r.status, r.json()["error"]["status"].as_str()),
        (404, Some("NOT_FOUND"))
    );
    let r = super::client::send(mock.addr(), "POST", CHAT, &[], "{not json").await;
    assert_eq!(r.status, 400);
}
