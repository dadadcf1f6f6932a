//! The admin API's entity CRUD over HTTP, checked through what a data plane then does: providers
//! (secrets redacted, kept when sent back redacted), routes, aliases, users and keys (material
//! shown once, usable, revocable), users' batch enable/disable. SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use std::time::Duration;

use e2e_support::bundle::{self, ALICE_KEY, UPSTREAM_SECRET};
use e2e_support::{ask, names, with_base, TestDb};
use gproxy_config::digest::key_digest;
use serde_json::{json, Value};

const SYNC: Duration = Duration::from_secs(5);

async fn providers(db: TestDb) {
    let (c, v0) = with_base(db, 1).await;
    let mock = c.mock.url();
    let v1 = c
        .admin
        .expect_version(
            c.admin
                .post("/providers", &bundle::provider("p2", &mock, &["m1"]))
                .await,
        )
        .await;
    assert_eq!(v1, v0 + 1);
    let dup = c
        .admin
        .post("/providers", &bundle::provider("p2", &mock, &["m1"]))
        .await;
    assert_eq!(dup.status, 409, "{dup:?}");
    assert_eq!(dup.body["error"]["code"], "already_exists");
    assert_eq!(c.admin.version().await, v1);

    // reads redact every secret
    let got = c.admin.get("/providers/p2").await;
    assert_eq!(got.status, 200, "{got:?}");
    assert_eq!(got.body["credentials"][0]["api_key"], "<redacted>");
    assert_eq!(got.body["models"], json!([{"id": "m1"}]));
    let list = c.admin.get("/providers").await;
    assert_eq!(names(&list), ["mock", "p2"]);
    assert_eq!(list.body["total"], 2);
    assert!(!list.text.contains("sk-p2-secret") && !list.text.contains(UPSTREAM_SECRET));
    assert_eq!(names(&c.admin.get("/providers?prefix=p").await), ["p2"]);
    assert_eq!(
        names(&c.admin.get("/providers?limit=1&offset=1").await),
        ["p2"]
    );
    assert_eq!(c.admin.get("/providers/ghost").await.status, 404);

    // what was read, sent back with a change: the stored secret stays
    let mut body = got.body.clone();
    body["models"] = json!([{"id": "m1"}, {"id": "m2"}]);
    let v2 = c
        .admin
        .expect_version(c.admin.put("/providers/p2", &body).await)
        .await;
    let full = c.admin.get("/bundle?secrets=true").await.body;
    let p2 = &full["providers"][1];
    assert_eq!(p2["name"], "p2");
    assert_eq!(p2["credentials"][0]["api_key"], "sk-p2-secret-0001");
    assert_eq!(p2["models"], json!([{"id": "m1"}, {"id": "m2"}]));
    // and it is what the data plane sends upstream
    c.wait_version(v2, SYNC).await;
    c.mock
        .update_config(|m| m.required_key = Some("sk-p2-secret-0001".into()));
    assert_eq!(ask(&c, ALICE_KEY, "p2/m2").await, (200, "m2".into()));
    c.mock.update_config(|m| m.required_key = None);

    let mismatch = c.admin.put("/providers/other", &body).await;
    assert_eq!(mismatch.status, 400, "{mismatch:?}");
    assert_eq!(c.admin.version().await, v2);

    let v3 = c
        .admin
        .expect_version(c.admin.delete("/providers/p2").await)
        .await;
    assert_eq!(c.admin.get("/providers/p2").await.status, 404);
    let again = c.admin.delete("/providers/p2").await;
    assert_eq!(
        (again.status, again.body["error"]["code"].clone()),
        (404, json!("not_found"))
    );
    assert_eq!(c.admin.version().await, v3);
    c.wait_version(v3, SYNC).await;
    assert_eq!(
        ask(&c, ALICE_KEY, "p2/m1").await,
        (404, "model_not_found".into())
    );
    c.shutdown().await;
}

async fn routes_and_aliases(db: TestDb) {
    let (c, _) = with_base(db, 1).await;
    let r1 = bundle::route("r1", "mock", "gpt-4o-mini");
    c.admin
        .expect_version(c.admin.post("/routes", &r1).await)
        .await;
    assert_eq!(c.admin.get("/routes/r1").await.body, r1);
    assert_eq!(c.admin.post("/routes", &r1).await.status, 409);
    assert_eq!(names(&c.admin.get("/routes").await), ["gpt-4o", "r1"]);
    assert_eq!(names(&c.admin.get("/routes?prefix=r").await), ["r1"]);
    let r1b = bundle::route("r1", "mock", "gpt-4o");
    let v = c
        .admin
        .expect_version(c.admin.put("/routes/r1", &r1b).await)
        .await;
    assert_eq!(c.admin.get("/routes/r1").await.body, r1b);
    c.wait_version(v, SYNC).await;
    assert_eq!(ask(&c, ALICE_KEY, "r1").await, (200, "gpt-4o".into()));

    let fast = json!({"name": "fast", "target": "r1"});
    let claude = json!({"pattern": "^claude-.*$", "target": "mock/gpt-4o-mini"});
    c.admin
        .expect_version(c.admin.post("/aliases", &fast).await)
        .await;
    let v = c
        .admin
        .expect_version(c.admin.post("/aliases", &claude).await)
        .await;
    let keys: Vec<Value> = c.admin.get("/aliases").await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["key"].clone())
        .collect();
    assert_eq!(keys, [json!("name:fast"), json!("pattern:^claude-.*$")]);
    let got = c.admin.get("/aliases/pattern:%5Eclaude-.%2A%24").await;
    assert_eq!(got.body, claude, "{got:?}");
    c.wait_version(v, SYNC).await;
    assert_eq!(ask(&c, ALICE_KEY, "fast").await, (200, "gpt-4o".into()));
    assert_eq!(
        ask(&c, ALICE_KEY, "claude-3-opus").await,
        (200, "gpt-4o-mini".into())
    );

    // the same name again replaces the alias
    let fast2 = json!({"name": "fast", "target": "gpt-4o"});
    c.admin
        .expect_version(c.admin.post("/aliases", &fast2).await)
        .await;
    assert_eq!(c.admin.get("/aliases").await.body["total"], 2);
    assert_eq!(c.admin.get("/aliases/name:fast").await.body, fast2);

    c.admin
        .expect_version(c.admin.delete("/aliases/name:fast").await)
        .await;
    let v = c
        .admin
        .expect_version(c.admin.delete("/routes/r1").await)
        .await;
    assert_eq!(c.admin.delete("/aliases/name:fast").await.status, 404);
    assert_eq!(c.admin.delete("/routes/r1").await.status, 404);
    c.wait_version(v, SYNC).await;
    for model in ["fast", "r1"] {
        assert_eq!(
            ask(&c, ALICE_KEY, model).await,
            (404, "model_not_found".into())
        );
    }
    c.shutdown().await;
}

async fn users_and_keys(db: TestDb) {
    let (c, _) = with_base(db, 1).await;
    let created = c
        .admin
        .post(
            "/users",
            &json!({"name": "carol", "keys": [{"name": "k1"}]}),
        )
        .await;
    c.admin.expect_version(created.clone()).await;
    let k1 = created.body["created_keys"][0]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(created.body["created_keys"][0]["name"], "k1");
    assert!(k1.starts_with("gp-") && k1.len() >= 40, "{k1}");
    let user = c.admin.get("/users/carol").await;
    assert_eq!(user.body["keys"][0]["digest"], key_digest(&k1));
    assert!(user.body["keys"][0].get("key").is_none(), "{user:?}");
    assert!(!user.text.contains(&k1));

    let made = c
        .admin
        .post("/users/carol/keys", &json!({"name": "k2"}))
        .await;
    assert_eq!(made.status, 201, "{made:?}");
    let k2 = made.body["key"].as_str().unwrap().to_owned();
    let d2 = made.body["digest"].as_str().unwrap().to_owned();
    assert_eq!(d2, key_digest(&k2));
    let v = c.admin.expect_version(made).await;
    let user = c.admin.get("/users/carol").await;
    assert_eq!(user.body["keys"].as_array().unwrap().len(), 2);
    assert!(!user.text.contains(&k1) && !user.text.contains(&k2));
    let ghost = c.admin.post("/users/nobody/keys", &json!({})).await;
    assert_eq!(ghost.status, 404, "{ghost:?}");
    c.wait_version(v, SYNC).await;
    assert_eq!(ask(&c, &k1, "gpt-4o").await.0, 200);
    assert_eq!(ask(&c, &k2, "gpt-4o").await.0, 200);

    // revoking a key reaches the data plane
    let v = c
        .admin
        .expect_version(c.admin.delete(&format!("/users/carol/keys/{d2}")).await)
        .await;
    c.wait_version(v, SYNC).await;
    assert_eq!(
        ask(&c, &k2, "gpt-4o").await,
        (401, "invalid_api_key".into())
    );
    assert_eq!(ask(&c, &k1, "gpt-4o").await.0, 200);
    let again = c.admin.delete(&format!("/users/carol/keys/{d2}")).await;
    assert_eq!(again.status, 404);

    // what was read, sent back with narrower permissions (keys as digests stay)
    let mut body = c.admin.get("/users/carol").await.body;
    body["permissions"] = json!(["gpt-4o"]);
    let v = c
        .admin
        .expect_version(c.admin.put("/users/carol", &body).await)
        .await;
    c.wait_version(v, SYNC).await;
    assert_eq!(ask(&c, &k1, "gpt-4o").await.0, 200);
    assert_eq!(
        ask(&c, &k1, "mock/gpt-4o-mini").await,
        (403, "model_not_permitted".into())
    );

    // batch disable, then enable
    let off = c
        .admin
        .post(
            "/users/_batch",
            &json!({"names": ["carol", "alice", "ghost"], "enabled": false}),
        )
        .await;
    assert_eq!(off.body["changed"], 2, "{off:?}");
    let v = c.admin.expect_version(off).await;
    assert_eq!(
        names(&c.admin.get("/users?enabled=false").await),
        ["alice", "carol"]
    );
    c.wait_version(v, SYNC).await;
    for key in [k1.as_str(), ALICE_KEY] {
        assert_eq!(
            ask(&c, key, "gpt-4o").await,
            (401, "invalid_api_key".into())
        );
    }
    let on = c
        .admin
        .post(
            "/users/_batch",
            &json!({"names": ["carol", "alice"], "enabled": true}),
        )
        .await;
    let v = c.admin.expect_version(on).await;
    c.wait_version(v, SYNC).await;
    assert_eq!(ask(&c, &k1, "gpt-4o").await.0, 200);

    let v = c
        .admin
        .expect_version(c.admin.delete("/users/carol").await)
        .await;
    assert_eq!(c.admin.get("/users/carol").await.status, 404);
    c.wait_version(v, SYNC).await;
    assert_eq!(ask(&c, &k1, "gpt-4o").await.0, 401);
    assert_eq!(ask(&c, ALICE_KEY, "gpt-4o").await.0, 200);
    c.shutdown().await;
}

on_both_backends!(providers, routes_and_aliases, users_and_keys,);
