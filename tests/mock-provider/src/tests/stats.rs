//! Stats and control over HTTP and the library API: recorded requests, counts, run-time config, shutdown.

use serde_json::json;

use super::client::{get, post, send, start};
use crate::MockConfig;

#[tokio::test]
async fn records_what_was_sent_and_counts_per_path_and_status() {
    let mock = start(MockConfig {
        record_requests: 2,
        ..MockConfig::default()
    })
    .await;
    let body = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "first"}]});
    post(
        mock.addr(),
        "/v1/chat/completions",
        &[("authorization", "Bearer sk-1")],
        &body,
    )
    .await;
    let claude = json!({"model": "c", "max_tokens": 1, "messages": []});
    let headers = [("x-api-key", "k2"), ("anthropic-beta", "b1")];
    post(mock.addr(), "/v1/messages?beta=true", &headers, &claude).await;
    post(
        mock.addr(),
        "/v1/messages?beta=true",
        &[("x-mock-status", "429")],
        &claude,
    )
    .await;

    let stats = mock.stats();
    assert_eq!(stats.count("/v1/chat/completions", 200), 1);
    assert_eq!(stats.count("/v1/messages", 200), 1);
    assert_eq!(stats.count("/v1/messages", 429), 1);
    assert_eq!(stats.count_path("/v1/messages"), 2);
    assert_eq!(stats.total, 3);
    assert_eq!(stats.requests.len(), 2, "only the last two kept");
    let first = &stats.requests[0];
    assert_eq!(
        (
            first.method.as_str(),
            first.path.as_str(),
            first.query.as_deref()
        ),
        ("POST", "/v1/messages", Some("beta=true"))
    );
    assert_eq!(first.header("anthropic-beta"), Some("b1"));
    assert_eq!(first.json(), Some(claude.clone()));
    assert_eq!(
        stats.last().and_then(|r| r.header("x-mock-status")),
        Some("429")
    );

    let over_http = get(mock.addr(), "/__mock/stats", &[]).await.json();
    assert_eq!(over_http["counts"]["/v1/messages"]["429"], 1);
    assert_eq!(over_http["requests"][0]["body"], claude.to_string());
    assert_eq!(over_http["total"], 3, "control endpoints are not counted");

    post(mock.addr(), "/__mock/stats/reset", &[], &json!({})).await;
    assert_eq!(mock.stats().total, 0);
    mock.reset_stats();
    mock.update_config(|c| c.record_requests = 0);
    post(mock.addr(), "/v1/chat/completions", &[], &body).await;
    let stats = mock.stats();
    assert_eq!((stats.total, stats.requests.len()), (1, 0));
}

#[tokio::test]
async fn config_endpoint_merges_replaces_and_rejects_unknown_fields() {
    let mock = start(MockConfig::default()).await;
    let r = post(
        mock.addr(),
        "/__mock/config",
        &[],
        &json!({"status": 503, "retry_after": 2}),
    )
    .await;
    assert_eq!(r.json()["status"], 503);
    assert_eq!(mock.config().retry_after, Some(2));
    let chat = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}]});
    let r = post(mock.addr(), "/v1/chat/completions", &[], &chat).await;
    assert_eq!((r.status, r.header("retry-after")), (503, Some("2")));

    let r = send(
        mock.addr(),
        "PUT",
        "/__mock/config",
        &[],
        r#"{"pad_bytes": 100000}"#,
    )
    .await;
    assert_eq!(r.json()["status"], serde_json::Value::Null);
    let v = post(mock.addr(), "/v1/chat/completions", &[], &chat)
        .await
        .json();
    let text = v["choices"][0]["message"]["content"]
        .as_str()
        .unwrap_or_default();
    assert!(text.starts_with("mock reply to: x"));
    assert_eq!(text.len(), "mock reply to: x".len() + 100_000);

    let r = post(mock.addr(), "/__mock/config", &[], &json!({"latency": 5})).await;
    assert_eq!(r.status, 400);
    let r = get(mock.addr(), "/__mock/config", &[]).await;
    assert_eq!(r.json()["pad_bytes"], 100_000);
}

#[tokio::test]
async fn shutdown_stops_accepting_connections() {
    let mock = start(MockConfig::default()).await;
    let addr = mock.addr();
    assert_eq!(send(addr, "HEAD", "/", &[], "").await.status, 200);
    mock.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
