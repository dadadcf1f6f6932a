//! Admin API: settings, the providers' batch enable/disable, and changes the validation refuses
//! (422 naming the offending path; neither the configuration nor its version change, the data
//! planes keep the old one). SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use std::time::Duration;

use e2e_support::bundle::{self, ALICE_KEY, UPSTREAM_SECRET};
use e2e_support::{ask, names, with_base, TestDb};
use serde_json::{json, Value};

const SYNC: Duration = Duration::from_secs(5);

async fn settings_and_batch_providers(db: TestDb) {
    let (c, _) = with_base(db, 1).await;
    let s = c.admin.get("/settings").await.body;
    assert_eq!(s["max_attempts"], 2);
    assert_eq!(s["breaker_threshold"], 1000);
    let v = c
        .admin
        .expect_version(
            c.admin
                .put(
                    "/settings",
                    &json!({"max_attempts": 3, "max_in_flight": 100}),
                )
                .await,
        )
        .await;
    let s = c.admin.get("/settings").await.body;
    let want = json!({"max_body_bytes": 33554432, "max_in_flight": 100, "max_attempts": 3,
        "breaker_threshold": 5, "breaker_cooldown_ms": 30000});
    assert_eq!(
        s, want,
        "a PUT replaces the settings; the rest take defaults"
    );
    c.wait_version(v, SYNC).await;
    assert_eq!(c.dps[0].app.runtime().settings.max_in_flight, 100);

    c.admin
        .expect_version(
            c.admin
                .post(
                    "/providers",
                    &bundle::provider("p2", &c.mock.url(), &["m1"]),
                )
                .await,
        )
        .await;
    let off = c
        .admin
        .post(
            "/providers/_batch",
            &json!({"names": ["mock", "p2", "ghost"], "enabled": false}),
        )
        .await;
    assert_eq!(off.body["changed"], 2, "{off:?}");
    let v = c.admin.expect_version(off).await;
    assert_eq!(
        names(&c.admin.get("/providers?enabled=false").await),
        ["mock", "p2"]
    );
    c.wait_version(v, SYNC).await;
    for model in ["gpt-4o", "p2/m1"] {
        assert_eq!(
            ask(&c, ALICE_KEY, model).await,
            (404, "model_not_found".into())
        );
    }
    let on = c
        .admin
        .post(
            "/providers/_batch",
            &json!({"names": ["mock"], "enabled": true}),
        )
        .await;
    let v = c.admin.expect_version(on).await;
    c.wait_version(v, SYNC).await;
    assert_eq!(ask(&c, ALICE_KEY, "gpt-4o").await, (200, "gpt-4o".into()));
    c.shutdown().await;
}

/// `(method, path, body, the path the 422 must name)`.
fn refused_changes(mock: &str) -> Vec<(&'static str, String, Value, &'static str)> {
    let mut redacted = bundle::provider("p3", mock, &["m"]);
    redacted["credentials"][0]["api_key"] = json!("<redacted>");
    let reserved = bundle::provider("admin", mock, &["m"]);
    let mut fewer = bundle::provider("mock", mock, &["gpt-4o-mini"]);
    fewer["credentials"][0]["api_key"] = json!(UPSTREAM_SECRET);
    vec![
        (
            "POST",
            "/routes".into(),
            bundle::route("r", "mock", "gpt-9"),
            "routes[1].members[0].model",
        ),
        (
            "POST",
            "/routes".into(),
            bundle::route("r", "nope", "gpt-4o"),
            "routes[1].members[0].provider",
        ),
        (
            "POST",
            "/routes".into(),
            json!({"name": "r", "members": []}),
            "routes[1].members",
        ),
        (
            "POST",
            "/aliases".into(),
            json!({"name": "a", "target": "nowhere"}),
            "aliases[0].target",
        ),
        (
            "POST",
            "/aliases".into(),
            json!({"pattern": "(", "target": "gpt-4o"}),
            "aliases[0].pattern",
        ),
        (
            "POST",
            "/users".into(),
            json!({"name": "dave", "keys": [{"key": "short"}]}),
            "users[1].keys[0].key",
        ),
        ("POST", "/providers".into(), reserved, "providers[1].name"),
        (
            "POST",
            "/providers".into(),
            redacted,
            "providers[1].credentials[0].api_key",
        ),
        (
            "PUT",
            "/providers/mock".into(),
            fewer,
            "routes[0].members[0].model",
        ),
        (
            "DELETE",
            "/providers/mock".into(),
            Value::Null,
            "routes[0].members[0].provider",
        ),
        (
            "PUT",
            "/settings".into(),
            json!({"max_body_bytes": 10}),
            "settings.max_body_bytes",
        ),
        (
            "PUT",
            "/settings".into(),
            json!({"max_attempts": 0}),
            "settings.max_attempts",
        ),
    ]
}

async fn invalid_changes_are_refused(db: TestDb) {
    let (c, v0) = with_base(db, 1).await;
    let before = c.admin.get("/bundle?secrets=true").await.body;
    for (method, path, body, want) in refused_changes(&c.mock.url()) {
        let method = method.parse().unwrap();
        let body = (!body.is_null()).then_some(&body);
        let a = c.admin.call(method, &path, body).await;
        assert_eq!(a.status, 422, "{path} → {a:?}");
        assert_eq!(a.body["error"]["code"], "invalid_configuration");
        assert!(
            a.error_paths().iter().any(|p| p == want),
            "{path}: want {want} in {:?}",
            a.error_paths()
        );
        assert_eq!(c.admin.version().await, v0, "{path}: version unchanged");
    }
    assert_eq!(c.admin.get("/bundle?secrets=true").await.body, before);
    assert_eq!(c.published(), v0);
    assert_eq!(c.dps[0].version(), v0);
    assert_eq!(ask(&c, ALICE_KEY, "gpt-4o").await, (200, "gpt-4o".into()));
    c.shutdown().await;
}

/// Bodies that are not the entity's shape are refused in the API's error shape, naming the field.
async fn malformed_bodies_are_refused_in_shape(db: TestDb) {
    let (c, v0) = with_base(db, 1).await;
    let cases: [(&str, &[u8], &str); 3] = [
        ("/routes", b"{not json", ""),
        ("/routes", br#"{"name": "r"}"#, "members"),
        ("/users", br#"{"name": "u", "enabled": "yes"}"#, "enabled"),
    ];
    for (path, body, field) in cases {
        let full = format!("/admin/v1{path}");
        let a = c
            .admin
            .raw(
                "POST".parse().unwrap(),
                &full,
                Some((body.to_vec(), "application/json")),
            )
            .await;
        assert!(matches!(a.status, 400 | 422), "{path} → {a:?}");
        assert_eq!(a.body["error"]["code"], "invalid_body", "{a:?}");
        assert!(
            a.body["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(field),
            "{a:?}"
        );
    }
    assert_eq!(c.admin.version().await, v0);
    c.shutdown().await;
}

on_both_backends!(
    settings_and_batch_providers,
    invalid_changes_are_refused,
    malformed_bodies_are_refused_in_shape
);
