//! Harness of the data-plane integration tests: a mock upstream, a bundle pointing at it, the
//! gateway served on a real socket, and small helpers to wait for usage records.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod client;
pub mod parse;
pub mod shapes;

use std::time::{Duration, Instant};

use gproxy_config::usage::UsageRecord;
use gproxy_config::{Bundle, Snapshot};
use gproxy_dataplane::{App, AppState, Options};
use gproxy_mock_provider::{MockConfig, MockHandle, MockProvider};
use tokio::task::JoinHandle;

pub use client::Kind;

/// The key of the unrestricted test user.
pub const ALICE: &str = "gp-alice-0001";
/// The key of a user who may only use `via-chat` and `compat/*`.
pub const BOB: &str = "gp-bob-00001";

/// The four generate routes, each served by one upstream kind.
pub const ROUTES: [&str; 4] = ["via-chat", "via-responses", "via-anthropic", "via-gemini"];

/// Default settings block, tests replace it when they need other knobs.
pub const SETTINGS: &str =
    "settings: {max_attempts: 3, breaker_threshold: 5, breaker_cooldown_ms: 30000}\n";

/// Providers of every channel kind, all pointing at `mock`.
pub fn providers(mock: &str) -> String {
    format!(
        r#"providers:
  - name: compat
    channel: openai-compatible
    base_url: {mock}/v1
    credentials: [{{name: main, api_key: sk-compat}}]
    models: [{{id: gpt-4o}}, {{id: text-embedding-3-small}}]
  - name: oai
    channel: openai
    prefer: responses
    base_url: {mock}/v1
    credentials: [{{name: main, api_key: sk-oai}}]
    models:
      - {{id: gpt-5, price: {{input: 1, output: 2}}}}
      - {{id: text-embedding-3-small}}
  - name: claude
    channel: anthropic
    base_url: {mock}/v1
    credentials: [{{name: main, api_key: sk-ant}}]
    models: [{{id: claude-sonnet-4-5}}]
  - name: gem
    channel: gemini
    base_url: {mock}/v1beta
    credentials: [{{name: main, api_key: sk-gem}}]
    models: [{{id: gemini-2.5-flash}}, {{id: text-embedding-004}}]
"#
    )
}

/// Routes over [`providers`], and the two users.
pub const ROUTES_AND_USERS: &str = r#"routes:
  - {name: via-chat, members: [{provider: compat, model: gpt-4o}]}
  - {name: via-responses, members: [{provider: oai, model: gpt-5}]}
  - {name: via-anthropic, members: [{provider: claude, model: claude-sonnet-4-5}]}
  - {name: via-gemini, members: [{provider: gem, model: gemini-2.5-flash}]}
  - {name: emb-openai, members: [{provider: oai, model: text-embedding-3-small}]}
  - {name: emb-gemini, members: [{provider: gem, model: text-embedding-004}]}
users:
  - name: alice
    keys: [{key: gp-alice-0001, name: laptop}]
  - name: bob
    keys: [{key: gp-bob-00001, name: phone}]
    permissions: ["via-chat", "compat/*"]
"#;

/// The standard bundle: every provider kind on one mock, the four routes, two users.
pub fn standard_bundle(mock: &str, settings: &str) -> String {
    format!("{}{ROUTES_AND_USERS}{settings}", providers(mock))
}

/// A running gateway.
pub struct Gateway {
    pub app: AppState,
    pub url: String,
    pub http: wreq::Client,
    task: JoinHandle<()>,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The snapshot of a bundle text (panics with the validation errors).
pub fn snapshot(yaml: &str, version: u64) -> Snapshot {
    let bundle =
        Bundle::parse(yaml).unwrap_or_else(|e| panic!("bundle does not parse: {e}\n{yaml}"));
    Snapshot::from_bundle(&bundle, version)
        .unwrap_or_else(|e| panic!("bundle is invalid: {e}\n{yaml}"))
}

/// A gateway without a snapshot yet.
pub async fn serve_empty() -> Gateway {
    let app = App::new(&Options::default()).expect("app");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let task = tokio::spawn(gproxy_dataplane::http::serve(
        listener,
        app.clone(),
        gproxy_dataplane::http::ServeOptions::default(),
        std::future::pending(),
    ));
    Gateway {
        app,
        url: format!("http://{addr}"),
        http: wreq::Client::new(),
        task,
    }
}

/// A gateway running `yaml`.
pub async fn gateway(yaml: &str) -> Gateway {
    let gw = serve_empty().await;
    gw.app.apply(&snapshot(yaml, 1)).expect("snapshot compiles");
    gw
}

/// One mock upstream.
pub async fn mock(config: MockConfig) -> MockHandle {
    MockProvider::start(config).await.expect("mock starts")
}

/// One mock with default behaviour and a gateway on the standard bundle.
pub async fn standard() -> (MockHandle, Gateway) {
    standard_with(SETTINGS).await
}

pub async fn standard_with(settings: &str) -> (MockHandle, Gateway) {
    let m = mock(MockConfig::default()).await;
    let gw = gateway(&standard_bundle(&m.url(), settings)).await;
    (m, gw)
}

impl Gateway {
    /// Wait (up to 5 s) for the usage record of `request_id`.
    pub async fn record(&self, request_id: &str) -> UsageRecord {
        self.record_within(request_id, Duration::from_secs(5))
            .await
            .unwrap_or_else(|| panic!("no usage record for {request_id}"))
    }

    pub async fn record_within(&self, request_id: &str, wait: Duration) -> Option<UsageRecord> {
        let deadline = Instant::now() + wait;
        let mut seen = Vec::new();
        loop {
            let batch = self.app.outbox.take(usize::MAX);
            let (mine, other): (Vec<_>, Vec<_>) =
                batch.into_iter().partition(|r| r.request_id == request_id);
            seen.extend(other);
            if let Some(r) = mine.into_iter().next() {
                self.app.outbox.requeue(seen);
                return Some(r);
            }
            if Instant::now() >= deadline {
                self.app.outbox.requeue(seen);
                return None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Server-side sockets of `port` still open (ESTABLISHED or CLOSE_WAIT), from `/proc/net/tcp*`.
pub fn open_server_sockets(port: u16) -> usize {
    let mut n = 0;
    for f in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state)) = (cols.get(1), cols.get(3)) else {
                continue;
            };
            let Some(p) = local
                .rsplit(':')
                .next()
                .and_then(|p| u16::from_str_radix(p, 16).ok())
            else {
                continue;
            };
            if p == port && (*state == "01" || *state == "08") {
                n += 1;
            }
        }
    }
    n
}
