//! Bundles the end-to-end tests apply: one provider on the mock, a route, a user with a key.

use serde_json::{json, Value};

/// The key of the test user `alice`.
pub const ALICE_KEY: &str = "gp-alice-e2e-0001";
/// The upstream secret of the mock provider.
pub const UPSTREAM_SECRET: &str = "sk-mock-upstream-secret-0001";

/// `mock` (OpenAI-compatible on the mock provider, models gpt-4o and gpt-4o-mini), the route
/// `gpt-4o`, and `alice` with [`ALICE_KEY`].
pub fn base(mock: &str) -> String {
    format!(
        r#"providers:
  - name: mock
    channel: openai-compatible
    base_url: {mock}/v1
    credentials: [{{name: main, api_key: {UPSTREAM_SECRET}}}]
    models: [{{id: gpt-4o, price: {{input: 1, output: 2}}}}, {{id: gpt-4o-mini}}]
routes:
  - {{name: gpt-4o, members: [{{provider: mock, model: gpt-4o}}]}}
users:
  - name: alice
    keys: [{{key: {ALICE_KEY}, name: laptop}}]
settings: {{max_attempts: 2, breaker_threshold: 1000, breaker_cooldown_ms: 1000}}
"#
    )
}

/// A provider on the mock, as the admin API takes it.
pub fn provider(name: &str, mock: &str, models: &[&str]) -> Value {
    json!({
        "name": name,
        "channel": "openai-compatible",
        "base_url": format!("{mock}/v1"),
        "credentials": [{"name": "main", "api_key": format!("sk-{name}-secret-0001")}],
        "models": models.iter().map(|m| json!({"id": m})).collect::<Vec<_>>(),
    })
}

/// A one-member failover route.
pub fn route(name: &str, provider: &str, model: &str) -> Value {
    json!({"name": name, "members": [{"provider": provider, "model": model}]})
}
