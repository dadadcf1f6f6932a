//! A change made through the admin API reaches two running data planes and changes what they
//! answer; the control plane then lists both as applied at the published version.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use std::time::Duration;

use e2e_support::bundle::{self, ALICE_KEY};
use e2e_support::{error_code, reply_text, Cluster, TestDb};

async fn propagation(db: TestDb) {
    let c = Cluster::start(db, 2).await;
    let v1 = c.apply(&bundle::base(&c.mock.url())).await;
    c.wait_version(v1, Duration::from_secs(5)).await;

    // before: `smart` is neither a route nor provider/model
    for i in 0..2 {
        let a = c.chat(i, ALICE_KEY, "smart", "hello before").await;
        assert_eq!(a.status, 404, "dp-{i}: {a:?}");
        assert_eq!(error_code(&a), "model_not_found", "dp-{i}: {a:?}");
    }

    let a = c
        .admin
        .post("/routes", &bundle::route("smart", "mock", "gpt-4o-mini"))
        .await;
    let v2 = c.admin.expect_version(a).await;
    assert_eq!(v2, v1 + 1);
    c.wait_version(v2, Duration::from_secs(5)).await;

    for i in 0..2 {
        let a = c.chat(i, ALICE_KEY, "smart", "hello after").await;
        assert_eq!(a.status, 200, "dp-{i}: {a:?}");
        assert_eq!(reply_text(&a), "mock reply to: hello after");
        assert_eq!(a.body["model"], "gpt-4o-mini", "the route's member model");
    }

    // the registry catches up with the ACKs (sent right after the swap)
    let mut listed = serde_json::Value::Null;
    for _ in 0..200 {
        listed = c.admin.get("/dataplanes").await.body;
        let items = listed["items"].as_array().cloned().unwrap_or_default();
        if items.len() == 2 && items.iter().all(|d| d["applied_version"] == v2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(listed["published_version"], v2, "{listed}");
    let items = listed["items"].as_array().unwrap();
    let nodes: Vec<_> = items
        .iter()
        .map(|d| d["node_id"].as_str().unwrap())
        .collect();
    assert_eq!(nodes, ["dp-0", "dp-1"], "{listed}");
    for d in items {
        assert_eq!(d["connected"], true, "{d}");
        assert_eq!(d["applied_version"], v2, "{d}");
        assert_eq!(d["sent_version"], v2, "{d}");
        assert_eq!(d["lag_versions"], 0, "{d}");
        assert!(d["last_error"].is_null(), "{d}");
    }
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_added_through_the_admin_api_reaches_two_data_planes_sqlite() {
    propagation(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_added_through_the_admin_api_reaches_two_data_planes_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    propagation(db).await;
}
