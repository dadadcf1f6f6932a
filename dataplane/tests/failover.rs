//! Failover and health: transient upstream failures move to the next member, rate limits and
//! rejected keys to the next credential, breakers stop trying a failing member, client errors
//! are not retried, and the attempt budget holds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::client::read_all;
use common::parse::{framing, sse, streamed, whole};
use common::shapes::error_of;
use common::{gateway, mock, Kind};
use gproxy_config::usage::EndState;
use gproxy_mock_provider::{MockConfig, MockHandle};
use serde_json::Value;

/// One provider entry: `channel` at `url` (version segment included) with one credential per key.
fn provider(name: &str, channel: &str, url: &str, keys: &[&str], strategy: &str) -> String {
    let creds: Vec<String> = keys
        .iter()
        .map(|k| format!("{{name: {k}, api_key: sk-{k}}}"))
        .collect();
    format!(
        "  - {{name: {name}, channel: {channel}, base_url: \"{url}\", credential_strategy: {strategy}, \
         credentials: [{}], models: [{{id: m}}]}}\n",
        creds.join(", ")
    )
}

/// A bundle with `providers` (already rendered) and one failover route `fo` over all of them.
fn bundle(providers: &[String], settings: &str) -> String {
    let names: Vec<String> = providers
        .iter()
        .map(|p| {
            p.split("name: ")
                .nth(1)
                .unwrap()
                .split(',')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    let members: Vec<String> = names
        .iter()
        .map(|n| format!("{{provider: {n}, model: m}}"))
        .collect();
    format!(
        "providers:\n{}routes:\n  - {{name: fo, members: [{}]}}\nusers:\n  - {{name: alice, keys: [{{key: gp-alice-0001, name: laptop}}]}}\nsettings: {settings}\n",
        providers.concat(),
        members.join(", ")
    )
}

/// Two failover members: an OpenAI-compatible provider on mock `a`, then Anthropic on mock `b`.
fn compat_then_anthropic(a: &MockHandle, b: &MockHandle, settings: &str) -> String {
    bundle(
        &[
            provider(
                "p1",
                "openai-compatible",
                &format!("{}/v1", a.url()),
                &["k1"],
                "failover",
            ),
            provider(
                "p2",
                "anthropic",
                &format!("{}/v1", b.url()),
                &["k1"],
                "failover",
            ),
        ],
        settings,
    )
}

fn failing(status: u16) -> MockConfig {
    MockConfig {
        status: Some(status),
        ..MockConfig::default()
    }
}

#[tokio::test]
async fn server_error_fails_over_to_the_next_member() {
    let a = mock(failing(500)).await;
    let b = mock(MockConfig::default()).await;
    let yaml = compat_then_anthropic(&a, &b, "{max_attempts: 3}");
    let gw = gateway(&yaml).await;
    let r = gw
        .generate(
            Kind::Chat,
            "fo",
            &Kind::Chat.text_body("fo", "are you there", false),
            false,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        whole(Kind::Chat, &r.json()).text,
        "mock reply to: are you there"
    );
    assert_eq!(a.stats().count("/v1/chat/completions", 500), 1);
    assert_eq!(b.stats().count("/v1/messages", 200), 1);
    let rec = gw.record(&r.request_id()).await;
    assert_eq!(
        (rec.provider.as_deref(), rec.attempts, rec.status),
        (Some("p2"), 2, 200)
    );
    assert_eq!(rec.credential.as_deref(), Some("p2/k1"));
    assert_eq!(rec.end, EndState::Completed);

    // a stream fails over the same way, before anything was sent to the client
    let resp = gw
        .generate_stream(
            Kind::Anthropic,
            "fo",
            &Kind::Anthropic.text_body("fo", "stream it", true),
            &[],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let rid = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    let events = sse(&read_all(resp).await);
    framing(Kind::Anthropic, &events).unwrap();
    assert_eq!(
        streamed(Kind::Anthropic, &events).text,
        "mock reply to: stream it"
    );
    let rec = gw.record(&rid).await;
    assert_eq!((rec.provider.as_deref(), rec.attempts), (Some("p2"), 2));
}

#[tokio::test]
async fn refused_connection_fails_over() {
    let b = mock(MockConfig::default()).await;
    // a port nobody listens on: bind one and drop it
    let dead = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let yaml = bundle(
        &[
            provider(
                "p1",
                "anthropic",
                &format!("http://{dead}/v1"),
                &["k1"],
                "failover",
            ),
            provider(
                "p2",
                "gemini",
                &format!("{}/v1beta", b.url()),
                &["k1"],
                "failover",
            ),
        ],
        "{max_attempts: 3}",
    );
    let gw = gateway(&yaml).await;
    let r = gw
        .generate(
            Kind::Anthropic,
            "fo",
            &Kind::Anthropic.text_body("fo", "anyone", false),
            false,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        whole(Kind::Anthropic, &r.json()).text,
        "mock reply to: anyone"
    );
    let rec = gw.record(&r.request_id()).await;
    assert_eq!((rec.provider.as_deref(), rec.attempts), (Some("p2"), 2));
}

#[tokio::test]
async fn rate_limited_credential_rests_and_is_skipped() {
    let a = mock(MockConfig {
        status: Some(429),
        retry_after: Some(30),
        fault_limit: Some(1),
        ..MockConfig::default()
    })
    .await;
    let yaml = bundle(
        &[provider(
            "p1",
            "openai",
            &format!("{}/v1", a.url()),
            &["k1", "k2"],
            "failover",
        )],
        "{}",
    );
    let gw = gateway(&yaml).await;
    let body = Kind::Responses.text_body("fo", "first", false);
    let r = gw.generate(Kind::Responses, "fo", &body, false).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let auths: Vec<String> = a
        .stats()
        .requests
        .iter()
        .map(|q| q.header("authorization").unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        auths,
        ["Bearer sk-k1", "Bearer sk-k2"],
        "429 on k1, then k2"
    );
    let rec = gw.record(&r.request_id()).await;
    assert_eq!(
        (rec.credential.as_deref(), rec.attempts),
        (Some("p1/k2"), 2)
    );

    // k1 rests for its retry-after: the next request goes straight to k2
    let r = gw
        .generate(
            Kind::Responses,
            "fo",
            &Kind::Responses.text_body("fo", "second", false),
            false,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let stats = a.stats();
    assert_eq!(stats.total, 3, "one upstream request for the second call");
    assert_eq!(
        stats.last().unwrap().header("authorization"),
        Some("Bearer sk-k2")
    );
    assert_eq!(gw.record(&r.request_id()).await.attempts, 1);
}

#[tokio::test]
async fn upstream_401_on_every_credential_is_a_502() {
    let a = mock(MockConfig {
        required_key: Some("sk-right".into()),
        ..MockConfig::default()
    })
    .await;
    let yaml = bundle(
        &[provider(
            "p1",
            "openai-compatible",
            &format!("{}/v1", a.url()),
            &["k1", "k2"],
            "failover",
        )],
        "{}",
    );
    let gw = gateway(&yaml).await;
    for kind in [Kind::Anthropic, Kind::Chat] {
        let r = gw
            .generate(kind, "fo", &kind.text_body("fo", "hi", false), false)
            .await;
        assert_eq!(
            r.status,
            502,
            "{kind:?}: the client's key was fine: {}",
            r.text()
        );
        error_of(kind, &r.json()).unwrap();
        let rec = gw.record(&r.request_id()).await;
        assert_eq!((rec.status, rec.end), (502, EndState::Error));
    }
    // both credentials were tried once, then rested: the second request found none healthy
    // and still tried them (rested last), within the budget
    assert_eq!(a.stats().count("/v1/chat/completions", 401), 4);
}

#[tokio::test]
async fn breaker_stops_trying_a_failing_member() {
    let a = mock(failing(503)).await;
    let b = mock(MockConfig::default()).await;
    let yaml = bundle(
        &[
            provider(
                "p1",
                "gemini",
                &format!("{}/v1beta", a.url()),
                &["k1"],
                "failover",
            ),
            provider(
                "p2",
                "openai-compatible",
                &format!("{}/v1", b.url()),
                &["k1"],
                "failover",
            ),
        ],
        "{breaker_threshold: 2, breaker_cooldown_ms: 60000}",
    );
    let gw = gateway(&yaml).await;
    let mut a_counts = Vec::new();
    for i in 0..5 {
        let r = gw
            .generate(
                Kind::Gemini,
                "fo",
                &Kind::Gemini.text_body("fo", &format!("n{i}"), false),
                false,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(
            whole(Kind::Gemini, &r.json()).text,
            format!("mock reply to: n{i}")
        );
        a_counts.push(a.stats().total);
    }
    assert_eq!(
        a_counts,
        [1, 2, 2, 2, 2],
        "after 2 failures the member is skipped during the cooldown"
    );
    assert_eq!(b.stats().total, 5);
}

#[tokio::test]
async fn client_errors_are_not_failed_over() {
    let a = mock(failing(400)).await;
    let b = mock(MockConfig::default()).await;
    let yaml = compat_then_anthropic(&a, &b, "{}");
    let gw = gateway(&yaml).await;
    // translated: an Anthropic client reads an Anthropic error
    let r = gw
        .generate(
            Kind::Anthropic,
            "fo",
            &Kind::Anthropic.text_body("fo", "bad", false),
            false,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    let (ty, _) = error_of(Kind::Anthropic, &r.json()).unwrap();
    assert_eq!(ty, "invalid_request_error");
    // passthrough: a Chat client reads the upstream's own error
    let r2 = gw
        .generate(
            Kind::Chat,
            "fo",
            &Kind::Chat.text_body("fo", "bad", false),
            false,
        )
        .await;
    assert_eq!(r2.status, 400);
    error_of(Kind::Chat, &r2.json()).unwrap();
    assert_eq!(
        b.stats().total,
        0,
        "a 400 is the request's fault: no other member is tried"
    );
    let rec = gw.record(&r.request_id()).await;
    assert_eq!(
        (rec.status, rec.end, rec.attempts),
        (400, EndState::Error, 1)
    );
}

#[tokio::test]
async fn attempts_are_bounded_by_max_attempts() {
    let a = mock(failing(500)).await;
    let url = format!("{}/v1", a.url());
    let yaml = bundle(
        &[
            provider("p1", "openai-compatible", &url, &["k1", "k2"], "failover"),
            provider("p2", "openai-compatible", &url, &["k1"], "failover"),
            provider("p3", "openai-compatible", &url, &["k1"], "failover"),
        ],
        "{max_attempts: 2}",
    );
    let gw = gateway(&yaml).await;
    let r = gw
        .generate(
            Kind::Gemini,
            "fo",
            &Kind::Gemini.text_body("fo", "x", false),
            false,
        )
        .await;
    assert!(r.status >= 500, "{} {}", r.status, r.text());
    let (status, _) = error_of(Kind::Gemini, &r.json()).unwrap();
    assert!(!status.is_empty());
    assert_eq!(a.stats().total, 2, "two attempts, not three");
    let rec = gw.record(&r.request_id()).await;
    assert_eq!((rec.attempts, rec.end), (2, EndState::Error));
    let _: Value = r.json();
}

#[tokio::test]
async fn exhausted_rate_limits_reach_the_client_with_retry_after() {
    let a = mock(MockConfig {
        status: Some(429),
        retry_after: Some(7),
        ..MockConfig::default()
    })
    .await;
    let yaml = bundle(
        &[provider(
            "p1",
            "anthropic",
            &format!("{}/v1", a.url()),
            &["k1", "k2"],
            "round_robin",
        )],
        "{}",
    );
    let gw = gateway(&yaml).await;
    for kind in [Kind::Chat, Kind::Anthropic, Kind::Gemini] {
        let r = gw
            .generate(kind, "fo", &kind.text_body("fo", "please", false), false)
            .await;
        assert_eq!(r.status, 429, "{kind:?}: {}", r.text());
        assert_eq!(r.header("retry-after"), Some("7"), "{kind:?}");
        error_of(kind, &r.json()).unwrap();
    }
}

#[tokio::test]
async fn slow_first_byte_times_out_and_fails_over() {
    let a = mock(MockConfig {
        latency_ms: 2000,
        ..MockConfig::default()
    })
    .await;
    let b = mock(MockConfig::default()).await;
    let slow = provider(
        "p1",
        "openai-compatible",
        &format!("{}/v1", a.url()),
        &["k1"],
        "failover",
    )
    .replace(
        "credential_strategy",
        "timeouts: {first_byte_ms: 150}, credential_strategy",
    );
    let yaml = bundle(
        &[
            slow,
            provider(
                "p2",
                "openai",
                &format!("{}/v1", b.url()),
                &["k1"],
                "failover",
            ),
        ],
        "{}",
    );
    let gw = gateway(&yaml).await;
    let t0 = std::time::Instant::now();
    let r = gw
        .generate(
            Kind::Responses,
            "fo",
            &Kind::Responses.text_body("fo", "quick", false),
            false,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        t0.elapsed() < std::time::Duration::from_millis(1500),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(
        whole(Kind::Responses, &r.json()).text,
        "mock reply to: quick"
    );
    let rec = gw.record(&r.request_id()).await;
    assert_eq!((rec.provider.as_deref(), rec.attempts), (Some("p2"), 2));
    let metrics = gw
        .call(http::Method::GET, "/metrics", &[], None)
        .await
        .text();
    assert!(
        metrics.contains("gproxy_upstream_errors_total{provider=\"p1\",class=\"timeout\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn round_robin_spreads_members() {
    let a = mock(MockConfig::default()).await;
    let b = mock(MockConfig::default()).await;
    let yaml = bundle(
        &[
            provider(
                "p1",
                "openai-compatible",
                &format!("{}/v1", a.url()),
                &["k1"],
                "failover",
            ),
            provider(
                "p2",
                "gemini",
                &format!("{}/v1beta", b.url()),
                &["k1"],
                "failover",
            ),
        ],
        "{}",
    )
    .replace(
        "{name: fo, members",
        "{name: fo, strategy: round_robin, members",
    );
    let gw = gateway(&yaml).await;
    for i in 0..6 {
        let r = gw
            .generate(
                Kind::Anthropic,
                "fo",
                &Kind::Anthropic.text_body("fo", &format!("rr{i}"), false),
                false,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(
            whole(Kind::Anthropic, &r.json()).text,
            format!("mock reply to: rr{i}")
        );
    }
    assert_eq!((a.stats().total, b.stats().total), (3, 3));
}

/// An upstream that sends a whole answer's headers and then stalls in the middle of its body.
async fn stalling_upstream() -> std::net::SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 65536];
                let _ = s.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"id\":";
                let _ = s.write_all(head.as_bytes()).await;
                tokio::time::sleep(std::time::Duration::from_secs(30)).await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_body_times_out() {
    let addr = stalling_upstream().await;
    let p = provider(
        "p1",
        "openai-compatible",
        &format!("http://{addr}/v1"),
        &["k1"],
        "failover",
    )
    .replace(
        "credential_strategy",
        "timeouts: {first_byte_ms: 200}, credential_strategy",
    );
    let gw = gateway(&bundle(&[p], "{}")).await;
    let t0 = std::time::Instant::now();
    let body = Kind::Anthropic.text_body("fo", "hi", false);
    let call = gw.generate(Kind::Anthropic, "fo", &body, false);
    let r = tokio::time::timeout(std::time::Duration::from_secs(3), call)
        .await
        .expect("the gateway gives up");
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(1),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(r.status, 504, "{}", r.text());
    error_of(Kind::Anthropic, &r.json()).unwrap();
    let rec = gw.record(&r.request_id()).await;
    assert_eq!((rec.status, rec.end), (504, EndState::Error));
}
