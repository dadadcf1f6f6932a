//! Users' own access to the admin API: password logins (argon2), roles (admin / viewer /
//! member), tokens made for scripts, logout, `/me`, audit naming the user, and passwords never
//! shown. SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use std::time::Duration;

use e2e_support::bundle::{self, ALICE_KEY};
use e2e_support::http::Admin;
use e2e_support::{ask, with_base, TestDb};
use serde_json::{json, Value};

const SYNC: Duration = Duration::from_secs(5);

/// The base bundle plus a team and three users who can log in.
fn people(mock: &str) -> String {
    let base = bundle::base(mock);
    let users = "users:\n  - name: alice\n    keys: [{key: gp-alice-e2e-0001, name: laptop}]\n    \
         team: ml\n    password: alice-password-1\n  - name: vera\n    role: viewer\n    \
         password: vera-password-1\n  - name: root\n    role: admin\n    password: root-password-1\n  \
         - name: nologin\n";
    let base = base.replace(
        "users:\n  - name: alice\n    keys: [{key: gp-alice-e2e-0001, name: laptop}]\n",
        users,
    );
    format!("{base}orgs: [{{name: acme}}]\nteams: [{{name: ml, org: acme}}]\n")
}

async fn login(admin: &Admin, user: &str, password: &str) -> (u16, Value) {
    let a = admin
        .with_token(None)
        .post("/login", &json!({"user": user, "password": password}))
        .await;
    (a.status, a.body)
}

async fn token(admin: &Admin, user: &str, password: &str) -> Admin {
    let (status, body) = login(admin, user, password).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["expires_ms"].as_u64().unwrap() > 0);
    let t = body["token"].as_str().unwrap();
    assert!(t.starts_with("gpa-"), "{t}");
    admin.with_token(Some(t))
}

async fn roles(db: TestDb) {
    let (c, _) = with_base(db, 1).await;
    let v = c.apply(&people(&c.mock.url())).await;
    c.wait_version(v, SYNC).await;

    // passwords are stored as argon2 hashes and never shown by the entity API
    let got = c.admin.get("/users/alice").await;
    assert_eq!(got.body["password"], "<redacted>", "{got:?}");
    assert_eq!(got.body["team"], "ml");
    let export = c.admin.get("/bundle?secrets=true").await;
    assert!(!export.text.contains("alice-password-1"));
    assert!(export.text.contains("$argon2id$"), "export keeps the hash");

    // wrong password, unknown user, user without a password: one 401 alike
    for (u, p) in [
        ("alice", "wrong-password"),
        ("ghost", "alice-password-1"),
        ("nologin", "whatever-123"),
    ] {
        let (status, body) = login(&c.admin, u, p).await;
        assert_eq!(status, 401, "{u}: {body}");
        assert_eq!(body["error"]["code"], "invalid_login");
    }

    // a member: only /me
    let alice = token(&c.admin, "alice", "alice-password-1").await;
    let me = alice.get("/me").await;
    assert_eq!(me.status, 200, "{me:?}");
    assert_eq!(me.body["user"], "alice");
    assert_eq!(me.body["role"], "member");
    assert_eq!(me.body["team"], "ml");
    assert_eq!(me.body["keys"][0]["name"], "laptop");
    for path in ["/providers", "/users", "/bundle", "/audit"] {
        let a = alice.get(path).await;
        assert_eq!(a.status, 403, "{path}: {a:?}");
        assert_eq!(a.body["error"]["code"], "forbidden");
    }
    // ... who manages its own keys
    let k = alice.post("/me/keys", &json!({"name": "ci"})).await;
    assert_eq!(k.status, 201, "{k:?}");
    let key = k.body["key"].as_str().unwrap().to_owned();
    c.wait_version(k.body["version"].as_u64().unwrap(), SYNC)
        .await;
    assert_eq!(ask(&c, &key, "gpt-4o").await.0, 200);
    let digest = k.body["digest"].as_str().unwrap();
    let del = alice.delete(&format!("/me/keys/{digest}")).await;
    assert_eq!(del.status, 200, "{del:?}");
    c.wait_version(del.body["version"].as_u64().unwrap(), SYNC)
        .await;
    assert_eq!(ask(&c, &key, "gpt-4o").await.0, 401);
    assert_eq!(ask(&c, ALICE_KEY, "gpt-4o").await.0, 200);
    // ... and sees its own usage only
    let usage = alice.get("/me/usage").await;
    assert_eq!(usage.status, 200, "{usage:?}");

    // a viewer reads everything but secrets, writes nothing
    let vera = token(&c.admin, "vera", "vera-password-1").await;
    assert_eq!(vera.get("/providers").await.status, 200);
    assert_eq!(vera.get("/bundle").await.status, 200);
    assert_eq!(vera.get("/bundle?secrets=true").await.status, 403);
    let w = vera
        .post("/routes", &bundle::route("r2", "mock", "gpt-4o"))
        .await;
    assert_eq!(w.status, 403, "{w:?}");

    // an admin user writes, and the audit log names it
    let root = token(&c.admin, "root", "root-password-1").await;
    let w = root
        .post("/routes", &bundle::route("r2", "mock", "gpt-4o"))
        .await;
    root.expect_version(w).await;
    let audit = c.admin.get("/audit?limit=5").await;
    assert!(
        audit.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["actor"]
                .as_str()
                .unwrap()
                .starts_with("user:root: create route r2")),
        "{audit:?}"
    );

    // a disabled user's tokens stop working
    let off = c
        .admin
        .post(
            "/users/_batch",
            &json!({"names": ["vera"], "enabled": false}),
        )
        .await;
    c.admin.expect_version(off).await;
    assert_eq!(vera.get("/providers").await.status, 401);
    c.shutdown().await;
}

async fn tokens(db: TestDb) {
    let (c, _) = with_base(db, 1).await;
    let v = c.apply(&people(&c.mock.url())).await;
    c.wait_version(v, SYNC).await;
    let alice = token(&c.admin, "alice", "alice-password-1").await;

    // a named token for scripts: shown once, listed without its material
    let t = alice.post("/me/tokens", &json!({"name": "script"})).await;
    assert_eq!(t.status, 201, "{t:?}");
    let material = t.body["token"].as_str().unwrap().to_owned();
    assert_eq!(t.body["expires_ms"], Value::Null);
    let script = c.admin.with_token(Some(&material));
    assert_eq!(script.get("/me").await.body["user"], "alice");
    let list = alice.get("/me/tokens").await;
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "the login and the script: {list:?}");
    assert!(!list.text.contains(&material));
    let script_digest = t.body["digest"].as_str().unwrap();
    assert!(items
        .iter()
        .any(|i| i["digest"] == script_digest && i["last_used_ms"].as_u64().is_some()));

    // one user cannot delete another's token
    let vera = token(&c.admin, "vera", "vera-password-1").await;
    let steal = vera.delete(&format!("/me/tokens/{script_digest}")).await;
    assert_eq!(steal.status, 404, "{steal:?}");
    assert_eq!(
        alice
            .delete(&format!("/me/tokens/{script_digest}"))
            .await
            .status,
        200
    );
    assert_eq!(script.get("/me").await.status, 401);

    // logout ends the session; the bootstrap token has no session to end
    assert_eq!(alice.post("/logout", &json!({})).await.status, 200);
    assert_eq!(alice.get("/me").await.status, 401);
    assert_eq!(c.admin.post("/logout", &json!({})).await.status, 400);
    assert_eq!(c.admin.get("/me").await.body["bootstrap"], true);

    // a short-lived login expires
    let a = c
        .admin
        .with_token(None)
        .post(
            "/login",
            &json!({"user": "alice", "password": "alice-password-1", "ttl_seconds": 1}),
        )
        .await;
    let short = c.admin.with_token(Some(a.body["token"].as_str().unwrap()));
    assert_eq!(short.get("/me").await.status, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(short.get("/me").await.status, 401);

    // a password set through the API (plain text in, hash stored) logs in
    let mut u = c.admin.get("/users/nologin").await.body;
    u["password"] = json!("fresh-password-9");
    c.admin
        .expect_version(c.admin.put("/users/nologin", &u).await)
        .await;
    let (status, _) = login(&c.admin, "nologin", "fresh-password-9").await;
    assert_eq!(status, 200);
    // sent back redacted, the stored hash stays
    let mut u = c.admin.get("/users/nologin").await.body;
    u["role"] = json!("viewer");
    c.admin
        .expect_version(c.admin.put("/users/nologin", &u).await)
        .await;
    let (status, body) = login(&c.admin, "nologin", "fresh-password-9").await;
    assert_eq!((status, body["role"].clone()), (200, json!("viewer")));
    // too short a password is refused with its path
    u["password"] = json!("short");
    let bad = c.admin.put("/users/nologin", &u).await;
    assert_eq!(bad.status, 422, "{bad:?}");
    assert!(
        bad.error_paths().iter().any(|p| p.ends_with(".password")),
        "{bad:?}"
    );
    c.shutdown().await;
}

on_both_backends!(roles, tokens,);
