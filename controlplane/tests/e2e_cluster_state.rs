//! What the control plane decides for the whole cluster, seen on data planes: team and org spend
//! quotas, provider rule sets mutating upstream requests, credential cooldowns learned from one
//! data plane's health reports applied on another, and a reconnecting data plane resuming with a
//! delta. SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use std::time::Duration;

use e2e_support::bundle::{self, ALICE_KEY, UPSTREAM_SECRET};
use e2e_support::{eventually, Cluster, TestDb};
use serde_json::json;

const SYNC: Duration = Duration::from_secs(5);
const BOB_KEY: &str = "gp-bob-e2e-0001";

async fn team_and_org_quotas(db: TestDb) {
    let c = Cluster::start(db, 2).await;
    // alice is in team `ml` (no quota of its own) of org `acme`, whose quota one answer exceeds;
    // bob is in team `ops` outside any org
    let text = bundle::base(&c.mock.url()).replace(
        "  - name: alice\n",
        &format!(
            "  - name: bob\n    team: ops\n    keys: [{{key: {BOB_KEY}}}]\n  - name: alice\n    team: ml\n"
        ),
    ) + "orgs: [{name: acme, quota: {usd: 0.00001}}]\n\
         teams: [{name: ml, org: acme}, {name: ops}]\n";
    let v = c.apply(&text).await;
    c.wait_version(v, SYNC).await;

    let first = c.chat(0, ALICE_KEY, "gpt-4o", "spend something").await;
    assert_eq!(first.status, 200, "{first:?}");
    assert_eq!(c.wait_usage(1, SYNC).await, 1);
    eventually(SYNC, "org spend published to data plane 1", || async {
        c.chat(1, ALICE_KEY, "gpt-4o", "more").await.status == 429
    })
    .await;
    let refused = c.chat(1, ALICE_KEY, "gpt-4o", "more").await;
    assert_eq!(refused.body["error"]["code"], "insufficient_quota");
    let msg = refused.body["error"]["message"].as_str().unwrap();
    assert!(msg.contains("org `acme`"), "{msg}");
    // bob's team is not in the org: unaffected
    assert_eq!(c.chat(1, BOB_KEY, "gpt-4o", "hi").await.status, 200);

    // moving alice to `ops` lifts the org's quota from her
    let moved = text.replace("    team: ml\n", "    team: ops\n");
    let v = c.apply(&moved).await;
    c.wait_version(v, SYNC).await;
    assert_eq!(
        c.chat(1, ALICE_KEY, "gpt-4o", "free again").await.status,
        200
    );

    // a team quota, on the team itself
    let capped = moved.replace("{name: ops}", "{name: ops, quota: {usd: 0.00001}}");
    let v = c.apply(&capped).await;
    c.wait_version(v, SYNC).await;
    eventually(SYNC, "team quota refuses", || async {
        c.chat(0, BOB_KEY, "gpt-4o", "x").await.status == 429
    })
    .await;
    let refused = c.chat(0, BOB_KEY, "gpt-4o", "x").await;
    assert!(
        refused.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("team `ops`"),
        "{refused:?}"
    );
    c.shutdown().await;
}

async fn rule_sets_mutate_upstream_requests(db: TestDb) {
    let c = Cluster::start(db, 1).await;
    c.mock.update_config(|m| m.record_requests = 16);
    let text = bundle::base(&c.mock.url()).replace(
        "    models: [",
        "    rule_sets: [caps]\n    models: [",
    ) + "rule_sets:\n  - name: caps\n    rules:\n      - when: {models: [\"gpt-4o*\"]}\n        actions:\n          - {op: clamp, path: /max_tokens, max: 64}\n          - {op: default, path: /temperature, value: 0.25}\n          - {op: remove, path: /user}\n          - {op: set_header, name: x-team, value: ml}\n";
    let v = c.apply(&text).await;
    c.wait_version(v, SYNC).await;

    let a = c
        .client
        .post(format!("{}/v1/chat/completions", c.dps[0].url))
        .header("authorization", format!("Bearer {ALICE_KEY}"))
        .header("content-type", "application/json")
        .body(
            serde_json::to_vec(&json!({
                "model": "gpt-4o",
                "max_tokens": 4096,
                "user": "someone@example.com",
                "messages": [{"role": "user", "content": "hi"}],
            }))
            .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(a.status(), 200);
    let stats = c.mock.stats();
    let sent = stats.last().expect("a recorded request");
    let body = sent.json().unwrap();
    assert_eq!(body["max_tokens"], 64, "{body}");
    assert_eq!(body["temperature"], 0.25);
    assert!(body.get("user").is_none(), "{body}");
    assert_eq!(sent.header("x-team"), Some("ml"));
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {UPSTREAM_SECRET}").as_str()),
        "credentials stay the channel's"
    );

    // disabling the rule set through the admin API stops the mutation
    let off = c
        .admin
        .post(
            "/rule_sets/_batch",
            &json!({"names": ["caps"], "enabled": false}),
        )
        .await;
    let v = c.admin.expect_version(off).await;
    c.wait_version(v, SYNC).await;
    let a = c.chat(0, ALICE_KEY, "gpt-4o", "again").await;
    assert_eq!(a.status, 200);
    let stats = c.mock.stats();
    let sent = stats.last().unwrap();
    assert!(sent.json().unwrap().get("temperature").is_none());
    assert_eq!(sent.header("x-team"), None);

    // an invalid rule set is refused whole, with the path of the problem
    let bad = c
        .admin
        .post(
            "/rule_sets",
            &json!({"name": "bad", "rules": [{"actions": [{"op": "set_header", "name": "authorization", "value": "x"}]}]}),
        )
        .await;
    assert_eq!(bad.status, 422, "{bad:?}");
    assert!(bad.text.contains("rule_sets"), "{bad:?}");
    c.shutdown().await;
}

async fn cooldowns_learned_on_one_data_plane_hold_on_another(db: TestDb) {
    let c = Cluster::start(db, 2).await;
    c.mock.update_config(|m| m.record_requests = 64);
    // two credentials tried in order; the upstream only accepts the second
    let text = bundle::base(&c.mock.url())
        .replace(
            &format!("credentials: [{{name: main, api_key: {UPSTREAM_SECRET}}}]"),
            "credential_strategy: failover\n    credentials: [{name: main, api_key: sk-revoked-0001}, {name: backup, api_key: sk-good-0002}]",
        );
    let v = c.apply(&text).await;
    c.wait_version(v, SYNC).await;
    c.mock
        .update_config(|m| m.required_key = Some("sk-good-0002".into()));

    // data plane 0 meets the 401 and fails over to the backup
    let a = c.chat(0, ALICE_KEY, "gpt-4o", "hi").await;
    assert_eq!(a.status, 200, "{a:?}");
    // ... reports it, and the control plane publishes a cooldown for `main`
    eventually(SYNC, "cooldown published", || async {
        c.published() > v
            && c.running()
                .svc
                .publisher
                .current()
                .snapshot
                .cooldowns
                .iter()
                .any(|cd| cd.credential == "main" && cd.reason == "auth_dead")
    })
    .await;
    c.wait_version(c.published(), SYNC).await;

    // data plane 1 never saw a failure, yet goes straight to the backup
    c.mock.reset_stats();
    let b = c.chat(1, ALICE_KEY, "gpt-4o", "hi").await;
    assert_eq!(b.status, 200, "{b:?}");
    let stats = c.mock.stats();
    assert_eq!(stats.requests.len(), 1, "one upstream attempt: {stats:?}");
    assert_eq!(
        stats.requests[0].header("authorization"),
        Some("Bearer sk-good-0002")
    );
    c.shutdown().await;
}

async fn a_reconnecting_data_plane_resumes_with_a_delta(db: TestDb) {
    let mut c = Cluster::start(db, 1).await;
    let v = c.apply(&bundle::base(&c.mock.url())).await;
    c.wait_version(v, SYNC).await;
    // a second data plane whose connection is cut (its process, and snapshot, stay)
    let (i, relay) = c.add_relayed_dataplane().await;
    c.wait_version(v, SYNC).await;
    eventually(SYNC, "the first snapshot was counted", || async {
        c.dps[i].full_snapshots() >= 1
    })
    .await;
    let fulls_before = c.dps[i].full_snapshots();
    assert_eq!(fulls_before, 1);
    relay.cut();
    eventually(SYNC, "the cut is noticed", || async {
        !c.dps[i]
            .status()
            .config_connected
            .load(std::sync::atomic::Ordering::Relaxed)
    })
    .await;
    eventually(SYNC, "reconnected", || async {
        c.dps[i]
            .status()
            .config_connected
            .load(std::sync::atomic::Ordering::Relaxed)
    })
    .await;
    let v2 = c
        .admin
        .expect_version(
            c.admin
                .post("/routes", &bundle::route("r2", "mock", "gpt-4o-mini"))
                .await,
        )
        .await;
    c.wait_version(v2, SYNC).await;
    assert_eq!(
        c.dps[i].full_snapshots(),
        fulls_before,
        "the reconnect resumed with a delta, no full snapshot"
    );
    // the counter moves just after the snapshot becomes visible: wait for it, do not race it
    eventually(SYNC, "a delta was counted", || async {
        c.dps[i]
            .status()
            .deltas
            .load(std::sync::atomic::Ordering::Relaxed)
            >= 1
    })
    .await;
    assert_eq!(c.chat(i, ALICE_KEY, "r2", "hi").await.status, 200);
    c.shutdown().await;
}

on_both_backends!(
    team_and_org_quotas,
    rule_sets_mutate_upstream_requests,
    cooldowns_learned_on_one_data_plane_hold_on_another,
    a_reconnecting_data_plane_resumes_with_a_delta,
);
