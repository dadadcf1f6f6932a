//! Bundles are all or nothing: an invalid one (even with valid parts) is refused with the
//! offending paths, changes neither the stored configuration nor its version, and the data planes
//! keep answering from the old one. A data plane that connects late gets the whole current
//! configuration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use std::time::Duration;

use e2e_support::bundle::{self, ALICE_KEY};
use e2e_support::{error_code, reply_text, Cluster, TestDb};
use serde_json::json;

/// `(what, bundle text built on the base, paths the 422 must name)`.
fn invalid_bundles(mock: &str) -> Vec<(&'static str, String, Vec<&'static str>)> {
    let base = bundle::base(mock);
    // a valid new provider plus a route to a model it does not have
    let with_extra = base.replace(
        "routes:\n",
        &format!(
            "  - {{name: extra, channel: openai, base_url: {mock}/v1, credentials: [{{api_key: sk-extra-0001}}], models: [{{id: m1}}]}}\nroutes:\n  - {{name: broken, members: [{{provider: extra, model: gpt-unknown}}]}}\n"
        ),
    );
    vec![
        (
            "valid provider + route to an unknown model",
            with_extra,
            vec!["routes[0].members[0].model"],
        ),
        (
            "two problems at once",
            base.replace(
                "provider: mock, model: gpt-4o}",
                "provider: nope, model: gpt-4o}",
            )
            .replace("{key: gp-alice-e2e-0001", "{key: short"),
            vec!["routes[0].members[0].provider", "users[0].keys[0].key"],
        ),
        (
            "a redacted secret",
            base.replace(bundle::UPSTREAM_SECRET, "<redacted>"),
            vec!["providers[0].credentials[0].api_key"],
        ),
        (
            "not a bundle",
            "providers: [{name: x, colour: red".into(),
            vec!["bundle"],
        ),
        (
            "an unknown field",
            format!("{base}colour: red\n"),
            vec!["bundle"],
        ),
    ]
}

async fn atomic(db: TestDb) {
    let mut c = Cluster::start(db, 2).await;
    let v1 = c.apply(&bundle::base(&c.mock.url())).await;
    c.wait_version(v1, Duration::from_secs(5)).await;
    let stored = c.admin.get("/bundle?secrets=true").await.body;
    let audit_total = c.admin.get("/audit").await.body["total"].clone();

    for (what, text, paths) in invalid_bundles(&c.mock.url()) {
        let a = c.admin.put_bundle(&text).await;
        assert_eq!(a.status, 422, "{what}: {a:?}");
        assert_eq!(a.body["error"]["code"], "invalid_configuration", "{what}");
        let got = a.error_paths();
        for p in &paths {
            assert!(got.iter().any(|g| g == p), "{what}: {p} not in {got:?}");
        }
        assert_eq!(c.admin.version().await, v1, "{what}: version unchanged");
        assert_eq!(c.published(), v1, "{what}: nothing published");
        assert_eq!(
            c.admin.get("/bundle?secrets=true").await.body,
            stored,
            "{what}"
        );
    }
    assert_eq!(
        c.admin.get("/audit").await.body["total"],
        audit_total,
        "no audit entry"
    );
    let listed = c.admin.get("/providers").await.body;
    assert_eq!(
        listed["total"], 1,
        "the valid provider of the refused bundle is not there"
    );

    // the data planes still run the old configuration, and received nothing to reject
    tokio::time::sleep(Duration::from_millis(100)).await;
    for i in 0..2 {
        assert_eq!(c.dps[i].version(), v1);
        let ok = c.chat(i, ALICE_KEY, "gpt-4o", "still here").await;
        assert_eq!(ok.status, 200, "{ok:?}");
        assert_eq!(reply_text(&ok), "mock reply to: still here");
        let gone = c.chat(i, ALICE_KEY, "extra/m1", "new provider?").await;
        assert_eq!(
            (gone.status, error_code(&gone)),
            (404, "model_not_found".into()),
            "{gone:?}"
        );
        let status = &c.dps[i].control.as_ref().unwrap().status;
        assert_eq!(status.nacks.load(std::sync::atomic::Ordering::Relaxed), 0);
    }

    // more changes, then a data plane that connects late gets the whole current configuration
    let v2 = c
        .admin
        .expect_version(
            c.admin
                .post("/routes", &bundle::route("smart", "mock", "gpt-4o-mini"))
                .await,
        )
        .await;
    let bob = c
        .admin
        .post("/users", &json!({"name": "bob", "keys": [{"name": "k1"}]}))
        .await;
    let v3 = c.admin.expect_version(bob.clone()).await;
    let bob_key = bob.body["created_keys"][0]["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let v4 = c
        .admin
        .expect_version(c.admin.put("/settings", &json!({"max_attempts": 1})).await)
        .await;
    assert_eq!((v2, v3, v4), (v1 + 1, v1 + 2, v1 + 3));
    let late = c.add_dataplane().await;
    c.wait_version(v4, Duration::from_secs(5)).await;
    let rt = c.dps[late].app.runtime();
    assert_eq!(rt.version, v4);
    assert_eq!(
        rt.settings.max_attempts, 1,
        "settings of the latest version"
    );
    let a = c.chat(late, &bob_key, "smart", "late joiner").await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(reply_text(&a), "mock reply to: late joiner");
    assert_eq!(a.body["model"], "gpt-4o-mini");
    let a = c.chat(late, ALICE_KEY, "gpt-4o", "old route").await;
    assert_eq!(a.status, 200, "{a:?}");
    let listed = c.admin.get("/dataplanes").await.body;
    assert_eq!(listed["items"].as_array().unwrap().len(), 3, "{listed}");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_bundle_changes_nothing_and_a_late_data_plane_gets_everything_sqlite() {
    atomic(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_bundle_changes_nothing_and_a_late_data_plane_gets_everything_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    atomic(db).await;
}
