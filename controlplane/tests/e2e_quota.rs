//! Spend quotas hold across data planes: usage settled by the control plane is published, and
//! every data plane's quota admission refuses a user whose spend reached the quota — including
//! on a data plane that never served that user. SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use std::time::Duration;

use e2e_support::bundle::{self, ALICE_KEY};
use e2e_support::{eventually, Cluster, TestDb};

async fn quota_is_enforced_cluster_wide(db: TestDb) {
    let c = Cluster::start(db, 2).await;
    // gpt-4o costs $1 / $2 per 1M tokens: one mock answer costs a few 1e-5 USD
    let text = bundle::base(&c.mock.url()).replace(
        "  - name: alice\n",
        "  - name: alice\n    quota: {usd: 0.00001}\n",
    );
    let v = c.apply(&text).await;
    c.wait_version(v, Duration::from_secs(5)).await;

    let first = c.chat(0, ALICE_KEY, "gpt-4o", "spend something").await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(c.wait_usage(1, Duration::from_secs(5)).await, 1);
    let spent = c.running().svc.store.spend_by_user().await.unwrap()["alice"];
    assert!(
        spent > 0.00001,
        "the first answer already exceeds the quota: {spent}"
    );

    // the spend is published within the refresh interval and the *other* data plane refuses
    eventually(
        Duration::from_secs(5),
        "quota published to data plane 1",
        || async { c.chat(1, ALICE_KEY, "gpt-4o", "one more").await.status == 429 },
    )
    .await;
    let refused = c.chat(1, ALICE_KEY, "gpt-4o", "one more").await;
    assert_eq!(refused.status, 429);
    assert_eq!(
        refused.body["error"]["code"], "insufficient_quota",
        "{refused:?}"
    );
    assert!(
        c.published() > v,
        "settled spend is published as a new version"
    );
    c.shutdown().await;
}

on_both_backends!(quota_is_enforced_cluster_wide);
