//! Operations endpoints and overload: liveness, readiness before and after the first snapshot,
//! Prometheus counters after traffic, and load shedding beyond `max_in_flight`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::shapes::error_of;
use common::{gateway, mock, serve_empty, snapshot, standard, standard_bundle, Kind};
use futures_util::StreamExt;
use gproxy_mock_provider::MockConfig;
use http::Method;

#[tokio::test]
async fn health_and_readiness() {
    let m = mock(MockConfig::default()).await;
    let gw = serve_empty().await;
    let r = gw.call(Method::GET, "/healthz", &[], None).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        gw.call(Method::GET, "/readyz", &[], None).await.status,
        503,
        "no snapshot yet"
    );
    // API calls before the first snapshot are refused, retryable
    let kind = Kind::Anthropic;
    let r = gw
        .generate(
            kind,
            "via-chat",
            &kind.text_body("via-chat", "early", false),
            false,
        )
        .await;
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(r.header("retry-after").is_some());
    error_of(kind, &r.json()).unwrap();

    gw.app
        .apply(&snapshot(&standard_bundle(&m.url(), common::SETTINGS), 7))
        .unwrap();
    let r = gw.call(Method::GET, "/readyz", &[], None).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains('7'), "{}", r.text());
    let r = gw
        .generate(
            kind,
            "via-chat",
            &kind.text_body("via-chat", "now", false),
            false,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        gw.call(Method::GET, "/healthz", &[], None).await.status,
        200
    );
}

#[tokio::test]
async fn metrics_count_requests_after_traffic() {
    let (_m, gw) = standard().await;
    for _ in 0..2 {
        let r = gw
            .generate(
                Kind::Chat,
                "via-anthropic",
                &Kind::Chat.text_body("via-anthropic", "m", false),
                false,
            )
            .await;
        assert_eq!(r.status, 200);
    }
    let r = gw
        .generate(
            Kind::Gemini,
            "nope",
            &Kind::Gemini.text_body("nope", "m", false),
            false,
        )
        .await;
    assert_eq!(r.status, 404);
    let r = gw.call(Method::GET, "/metrics", &[], None).await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    let text = r.text();
    for line in [
        "gproxy_requests_total{kind=\"openai_chat\",operation=\"generate_content\",status=\"200\"} 2",
        "gproxy_requests_total{kind=\"gemini\",operation=\"generate_content\",status=\"404\"} 1",
        "gproxy_request_duration_seconds_count{kind=\"openai_chat\"} 2",
        "gproxy_snapshot_version 1",
        "gproxy_in_flight 0",
    ] {
        assert!(text.lines().any(|l| l == line), "missing `{line}` in\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_is_shed_beyond_max_in_flight() {
    let m = mock(MockConfig {
        chunks: 20,
        chunk_delay_ms: 50,
        ..MockConfig::default()
    })
    .await;
    let gw = gateway(&standard_bundle(&m.url(), "settings: {max_in_flight: 1}\n")).await;
    let kind = Kind::Anthropic;
    let slow = gw
        .generate_stream(
            kind,
            "via-chat",
            &kind.text_body("via-chat", "slow", true),
            &[],
        )
        .await;
    assert_eq!(slow.status(), 200);
    let mut body = slow.bytes_stream();
    assert!(body.next().await.is_some(), "the stream has started");

    for k in [Kind::Chat, Kind::Gemini] {
        let r = gw
            .generate(
                k,
                "via-chat",
                &k.text_body("via-chat", "second", false),
                false,
            )
            .await;
        assert_eq!(r.status, 503, "{k:?}: {}", r.text());
        assert_eq!(r.header("retry-after"), Some("1"));
        error_of(k, &r.json()).unwrap();
    }
    let metrics = gw.call(Method::GET, "/metrics", &[], None).await.text();
    assert!(
        metrics.lines().any(|l| l == "gproxy_shed_total 2"),
        "{metrics}"
    );

    // the slot is released when the stream ends
    while body.next().await.is_some() {}
    drop(body);
    let mut status = 0;
    for _ in 0..50 {
        status = gw
            .generate(
                Kind::Chat,
                "via-chat",
                &Kind::Chat.text_body("via-chat", "third", false),
                false,
            )
            .await
            .status;
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(status, 200);
}

/// With `http2` on, the API port also speaks cleartext HTTP/2 (prior knowledge) next to
/// HTTP/1.1; without it, an HTTP/2 client is refused at the protocol level.
#[tokio::test]
async fn http2_prior_knowledge_when_enabled() {
    use gproxy_dataplane::http::{serve, ServeOptions};
    let m = mock(MockConfig::default()).await;
    for http2 in [true, false] {
        let app = gproxy_dataplane::App::new(&gproxy_dataplane::Options::default()).unwrap();
        app.apply(&snapshot(&standard_bundle(&m.url(), common::SETTINGS), 1))
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let opts = ServeOptions {
            http2,
            ..ServeOptions::default()
        };
        let task = tokio::spawn(serve(listener, app, opts, std::future::pending()));
        let h2 = wreq::Client::builder().http2_only().build().unwrap();
        let h1 = wreq::Client::builder().http1_only().build().unwrap();
        let body = Kind::Chat.text_body("via-chat", "hello over h2", false);
        let send = |c: &wreq::Client| {
            c.post(format!("{url}/v1/chat/completions"))
                .header("authorization", format!("Bearer {}", common::ALICE))
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
        };
        let r1 = send(&h1).await.unwrap();
        assert_eq!(r1.status(), 200);
        assert_eq!(r1.version(), http::Version::HTTP_11);
        match send(&h2).await {
            Ok(r) => {
                assert!(http2, "an HTTP/2 request was served with http2 off");
                assert_eq!(r.status(), 200);
                assert_eq!(r.version(), http::Version::HTTP_2);
                let v: serde_json::Value =
                    serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
                assert_eq!(v["object"], "chat.completion", "{v}");
            }
            Err(e) => assert!(!http2, "h2c refused with http2 on: {e}"),
        }
        task.abort();
    }
}
