//! The admin API's whole-configuration and operational side: the admin token on every route,
//! bundle export (redacted, with secrets, YAML round trip), the OpenAPI document against the
//! routes the router really serves, the audit log, usage records and totals. SQLite and
//! PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use std::collections::BTreeSet;
use std::time::Duration;

use e2e_support::bundle::{self, ALICE_KEY, UPSTREAM_SECRET};
use e2e_support::{chat, with_base, TestDb, ADMIN_TOKEN};
use gproxy_config::digest::key_digest;
use gproxy_config::Bundle;
use serde_json::{json, Value};
use wreq::Method;

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// `(METHOD, path with parameters as {})` of every route `api::router` declares, read from its
/// source so that a route added there and not documented fails this test.
fn served_routes() -> BTreeSet<(String, String)> {
    let src = include_str!("../src/api/mod.rs");
    let body = src.split("pub fn router").nth(1).unwrap();
    let body = body.split("\n}\n").next().unwrap();
    let mut out = BTreeSet::new();
    for chunk in body.split(".route(").skip(1) {
        let path = chunk.split('"').nth(1).unwrap();
        let path = if path.starts_with("/admin/v1") {
            path.to_owned()
        } else {
            format!("/admin/v1{path}")
        };
        let chunk = chunk.split(';').next().unwrap();
        let chunk = chunk
            .split(".layer(")
            .next()
            .unwrap()
            .split(".nest(")
            .next()
            .unwrap();
        for m in METHODS {
            let call = format!("{m}(");
            let called = chunk.match_indices(&call).any(|(at, _)| {
                !chunk[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            });
            if called {
                out.insert((m.to_uppercase(), normalize(&path)));
            }
        }
    }
    out
}

/// `/users/{name}/keys/{digest}` → `/users/{}/keys/{}`.
fn normalize(path: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for ch in path.chars() {
        match ch {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

async fn admin_token_on_every_route(db: TestDb) {
    let (c, v0) = with_base(db, 1).await;
    let routes = served_routes();
    assert!(routes.len() >= 30, "{routes:?}");
    for (method, path) in &routes {
        // the two routes open to anyone: the API description and the password login
        if path.ends_with("/openapi.json") || path.ends_with("/login") {
            continue;
        }
        let path = path.replace("{}", "x");
        for token in [None, Some("wrong-token"), Some("")] {
            let admin = c.admin.with_token(token);
            let body = (method != "GET" && method != "DELETE")
                .then(|| (b"{}".to_vec(), "application/json"));
            let a = admin.raw(method.parse().unwrap(), &path, body).await;
            assert_eq!(a.status, 401, "{method} {path} with {token:?}: {a:?}");
            assert_eq!(a.body["error"]["code"], "unauthorized");
        }
    }
    // a writing call with a wrong token changed nothing
    let wrong = c.admin.with_token(Some("gpa-not-it"));
    let a = wrong.put_bundle("{}").await;
    assert_eq!(a.status, 401);
    assert_eq!(c.admin.version().await, v0);
    // the document is public; the right token opens the rest
    let doc = c
        .admin
        .with_token(None)
        .raw(Method::GET, "/admin/v1/openapi.json", None)
        .await;
    assert_eq!(doc.status, 200);
    let ok = c.admin.with_token(Some(ADMIN_TOKEN)).get("/version").await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.body["config_version"], v0);
    assert_eq!(ok.body["published_version"], v0);
    c.shutdown().await;
}

async fn bundle_export_and_yaml_round_trip(db: TestDb) {
    let (c, v0) = with_base(db, 1).await;
    let red = c.admin.get("/bundle").await;
    assert_eq!(red.status, 200);
    assert_eq!(
        red.body["providers"][0]["credentials"][0]["api_key"],
        "<redacted>"
    );
    let key = &red.body["users"][0]["keys"][0];
    assert_eq!(key["digest"], key_digest(ALICE_KEY));
    assert!(key.get("key").is_none());
    assert!(!red.text.contains(UPSTREAM_SECRET) && !red.text.contains(ALICE_KEY));

    let full = c.admin.get("/bundle?secrets=true").await.body;
    assert_eq!(
        full["providers"][0]["credentials"][0]["api_key"],
        UPSTREAM_SECRET
    );
    assert_eq!(full["users"][0]["keys"][0]["digest"], key_digest(ALICE_KEY));

    let yaml = c
        .admin
        .raw(
            Method::GET,
            "/admin/v1/bundle?format=yaml&secrets=true",
            None,
        )
        .await;
    assert_eq!(yaml.status, 200);
    assert_eq!(yaml.content_type.as_deref(), Some("application/yaml"));
    let parsed = Bundle::parse(&yaml.text).unwrap();
    assert_eq!(
        serde_json::to_value(&parsed).unwrap(),
        full,
        "YAML and JSON exports agree"
    );
    let v1 = c
        .admin
        .expect_version(c.admin.put_bundle(&yaml.text).await)
        .await;
    assert_eq!(v1, v0 + 1);
    assert_eq!(
        c.admin.get("/bundle?secrets=true").await.body,
        full,
        "round trip"
    );
    c.wait_version(v1, Duration::from_secs(5)).await;
    assert_eq!(c.chat(0, ALICE_KEY, "gpt-4o", "after").await.status, 200);

    // a redacted export cannot be applied as it is
    let red_yaml = c
        .admin
        .raw(Method::GET, "/admin/v1/bundle?format=yaml", None)
        .await;
    for text in [red_yaml.text, red.text] {
        let a = c.admin.put_bundle(&text).await;
        assert_eq!(a.status, 422, "{a:?}");
        assert!(a
            .error_paths()
            .contains(&"providers[0].credentials[0].api_key".to_owned()));
    }
    assert_eq!(c.admin.version().await, v1);
    c.shutdown().await;
}

/// Every `"$ref"` in `v`.
fn refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("$ref", Value::String(s)) => out.push(s.clone()),
                    _ => refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

async fn openapi_lists_every_served_route(db: TestDb) {
    let (c, _) = with_base(db, 1).await;
    let doc = c
        .admin
        .with_token(None)
        .raw(Method::GET, "/admin/v1/openapi.json", None)
        .await;
    assert_eq!(doc.status, 200);
    assert!(doc
        .content_type
        .as_deref()
        .unwrap_or("")
        .starts_with("application/json"));
    let doc: Value = serde_json::from_str(&doc.text).expect("valid JSON");
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS {
            if let Some(op) = item.get(m) {
                assert!(op["responses"].is_object(), "{m} {path} has responses");
                documented.insert((m.to_uppercase(), normalize(path)));
            }
        }
    }
    let served: BTreeSet<_> = served_routes()
        .into_iter()
        .filter(|(_, p)| !p.ends_with("/openapi.json"))
        .collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let phantom: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not documented: {undocumented:?}"
    );
    assert!(phantom.is_empty(), "documented but not served: {phantom:?}");
    // and the router answers each documented operation (not 405, not its own empty 404)
    for (method, path) in &documented {
        let path = path.replace("{}", "no-such-thing");
        let body =
            (method == "PUT" || method == "POST").then(|| (b"{}".to_vec(), "application/json"));
        let a = c.admin.raw(method.parse().unwrap(), &path, body).await;
        assert!(
            a.status != 405 && !(a.status == 404 && a.text.is_empty()),
            "{method} {path}: {a:?}"
        );
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let pointer = r.strip_prefix('#').expect("local ref");
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
    }
    c.shutdown().await;
}

async fn audit_entries_appear(db: TestDb) {
    let (c, v0) = with_base(db, 1).await;
    let v1 = c
        .admin
        .expect_version(
            c.admin
                .post("/routes", &bundle::route("r1", "mock", "gpt-4o"))
                .await,
        )
        .await;
    let v2 = c
        .admin
        .expect_version(c.admin.delete("/routes/r1").await)
        .await;
    let v3 = c
        .admin
        .expect_version(c.admin.put("/settings", &json!({"max_attempts": 1})).await)
        .await;
    let refused = c
        .admin
        .post("/routes", &bundle::route("r2", "mock", "gpt-9"))
        .await;
    assert_eq!(refused.status, 422);
    let log = c.admin.get("/audit?limit=4").await.body;
    let seen: Vec<(String, u64)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap().to_owned(),
                e["version"].as_u64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("admin: put settings", v3),
        ("admin: delete route r1", v2),
        ("admin: create route r1", v1),
        ("admin: apply bundle", v0),
    ];
    let want: Vec<(String, u64)> = want.iter().map(|(a, v)| ((*a).to_owned(), *v)).collect();
    assert_eq!(seen, want, "newest first, the refused change absent");
    let second = c.admin.get("/audit?limit=1&offset=1").await.body;
    assert_eq!(second["items"][0]["actor"], "admin: delete route r1");
    assert!(second["total"].as_u64().unwrap() >= 4);
    assert!(
        !log.to_string().contains(UPSTREAM_SECRET),
        "no secret in the audit"
    );
    c.shutdown().await;
}

async fn usage_records_and_totals(db: TestDb) {
    let (c, v0) = with_base(db, 1).await;
    let url = c.dps[0].url.clone();
    let mut ids = BTreeSet::new();
    for (i, model) in ["gpt-4o", "gpt-4o", "gpt-4o", "mock/gpt-4o-mini"]
        .iter()
        .enumerate()
    {
        let id = format!("usage-{i}");
        let a = chat(&c.client, &url, ALICE_KEY, model, "count me", Some(&id))
            .await
            .unwrap();
        assert_eq!(a.status, 200, "{a:?}");
        ids.insert(id);
    }
    assert_eq!(c.wait_usage(4, Duration::from_secs(10)).await, 4);

    let all = c.admin.get("/usage").await.body;
    assert_eq!(all["total"], 4, "{all}");
    let items = all["items"].as_array().unwrap();
    let got: BTreeSet<String> = items
        .iter()
        .map(|r| r["request_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(got, ids);
    for r in items {
        assert_eq!(r["user"], "alice");
        assert_eq!(r["status"], 200);
        assert_eq!(r["provider"], "mock");
        assert!(r["input_tokens"].as_u64().unwrap() > 0, "{r}");
    }
    let (tokens_in, tokens_out) = items.iter().fold((0, 0), |(i, o), r| {
        (
            i + r["input_tokens"].as_u64().unwrap(),
            o + r["output_tokens"].as_u64().unwrap(),
        )
    });
    assert_eq!(c.admin.get("/usage?route=gpt-4o").await.body["total"], 3);
    assert_eq!(
        c.admin.get("/usage?route=mock/gpt-4o-mini").await.body["total"],
        1
    );
    assert_eq!(c.admin.get("/usage?user=nobody").await.body["total"], 0);
    let page = c.admin.get("/usage?limit=2&offset=1").await.body;
    assert_eq!(
        (
            page["items"].as_array().unwrap().len(),
            page["total"].clone()
        ),
        (2, json!(4))
    );
    assert_eq!(
        c.admin.get("/usage?since_ms=32503680000000").await.body["total"],
        0,
        "year 3000"
    );

    for period in ["hour", "day"] {
        let t = c.admin.get(&format!("/usage/totals?period={period}")).await;
        assert_eq!(t.status, 200, "{t:?}");
        let rows = t.body["items"].as_array().unwrap();
        let sum = |f: &str| rows.iter().map(|r| r[f].as_u64().unwrap()).sum::<u64>();
        assert_eq!(sum("requests"), 4, "{period}: {rows:?}");
        assert_eq!(sum("errors"), 0);
        assert_eq!(
            (sum("input_tokens"), sum("output_tokens")),
            (tokens_in, tokens_out)
        );
        let priced = rows.iter().find(|r| r["route"] == "gpt-4o").unwrap();
        assert!(
            priced["cost_usd"].as_f64().unwrap() > 0.0,
            "gpt-4o is priced: {priced}"
        );
        let free = rows
            .iter()
            .find(|r| r["route"] == "mock/gpt-4o-mini")
            .unwrap();
        assert_eq!(free["cost_usd"].as_f64().unwrap(), 0.0);
    }
    let t = c.admin.get("/usage/totals?route=gpt-4o").await.body;
    assert_eq!(
        t["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["requests"].as_u64().unwrap())
            .sum::<u64>(),
        3
    );
    assert_eq!(c.admin.get("/usage/totals?period=week").await.status, 400);

    let dps = c.admin.get("/dataplanes").await.body;
    assert_eq!(dps["items"][0]["node_id"], "dp-0");
    assert_eq!(dps["items"][0]["applied_version"], v0);
    c.shutdown().await;
}

on_both_backends!(
    admin_token_on_every_route,
    bundle_export_and_yaml_round_trip,
    openapi_lists_every_served_route,
    audit_entries_appear,
    usage_records_and_totals,
);
