//! Config stream: full snapshot, delta, rejected deltas, reconnects, the cluster token.

use std::sync::atomic::Ordering;
use std::time::Duration;

use gproxy_config::bundle::Member;

use super::fake::{wait_for, FakeCp, Shared};
use super::*;

/// `base` plus a route `name` → compat/gpt-4o (or an unknown provider), at `version`.
fn with_route(base: &Snapshot, name: &str, provider: &str, version: u64) -> Snapshot {
    let mut s = base.clone();
    let mut r = s.routes[0].clone();
    r.name = name.into();
    r.members = vec![Member {
        provider: provider.into(),
        model: "gpt-4o".into(),
        weight: 1,
        tier: 0,
    }];
    s.routes.push(r);
    s.version = version;
    s
}

#[tokio::test]
async fn snapshots_deltas_nacks_and_reconnects() {
    let m = common::mock(Default::default()).await;
    let s1 = standard(&m.url(), 1);
    let cp = FakeCp::start(Shared::new(Some(full(&s1))), any_addr(), TOKEN);
    let spool = spool_dir("config");
    let dp = start_dp(&Options::default(), options(&cp.url(), &spool)).await;
    let shared = cp.shared.clone();

    // full snapshot: ready and answering
    assert!(shared.ack_of(1).await.ok);
    assert_eq!(dp.get_status("/readyz").await, 200);
    assert_eq!(dp.chat("via-chat").await.0, 200);
    assert_eq!(dp.chat("extra").await.0, 404, "no such route yet");
    let hello = shared.hellos.lock().unwrap()[0].clone();
    assert_eq!(
        (hello.node_id.as_str(), hello.last_applied, hello.schema),
        ("dp-test", 0, 1)
    );

    // a delta adding a route
    let s2 = with_route(&s1, "extra", "compat", 2);
    shared.push(delta(&s1, &s2)).await;
    assert!(shared.ack_of(2).await.ok);
    assert_eq!(dp.chat("extra").await.0, 200);

    // a delta naming an unknown provider: NACK, version 2 keeps serving
    shared
        .push(delta(&s2, &with_route(&s2, "broken", "nope", 3)))
        .await;
    let nack = shared.ack_of(3).await;
    assert!(!nack.ok);
    assert!(
        nack.error.contains("unknown provider `nope`"),
        "{}",
        nack.error
    );
    // a full snapshot with an unknown channel: NACK too
    let mut bad = full(&with_route(&s2, "broken", "compat", 4));
    if let Some(RespKind::Full(f)) = bad.kind.as_mut() {
        f.providers[0].channel = "azure".into();
    }
    shared.push(bad).await;
    let nack = shared.ack_of(4).await;
    assert!(!nack.ok && nack.error.contains("channel"), "{}", nack.error);
    assert_eq!(dp.app.runtime().version, 2);
    assert_eq!(dp.chat("extra").await.0, 200);
    assert_eq!(dp.chat("broken").await.0, 404);
    assert_eq!(
        dp.control
            .as_ref()
            .unwrap()
            .status
            .nacks
            .load(Ordering::Relaxed),
        2
    );

    // the stream drops: the data plane reconnects and says what it runs
    *shared.initial.lock().unwrap() = Some(full(&s2));
    shared.drop_config_stream();
    let hello = wait_for("a second hello", || {
        shared.hellos.lock().unwrap().get(1).cloned()
    })
    .await;
    assert_eq!(hello.last_applied, 2);

    // the control plane dies: the data plane keeps serving its last snapshot
    let (addr, shared) = cp.kill();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(dp.get_status("/readyz").await, 200);
    assert_eq!(dp.chat("extra").await.0, 200);
    // ...and comes back on the same address with a newer version
    let s5 = with_route(&s2, "later", "compat", 5);
    *shared.initial.lock().unwrap() = Some(full(&s5));
    let _cp = FakeCp::start(shared.clone(), addr, TOKEN);
    assert!(shared.ack_of(5).await.ok);
    let hello = shared.hellos.lock().unwrap().last().cloned().unwrap();
    assert_eq!(hello.last_applied, 2);
    assert_eq!(dp.chat("later").await.0, 200);
    drop(dp);
    let _ = std::fs::remove_dir_all(&spool);
}

#[tokio::test]
async fn a_wrong_cluster_token_is_refused_and_retried() {
    let m = common::mock(Default::default()).await;
    let cp = FakeCp::start(
        Shared::new(Some(full(&standard(&m.url(), 1)))),
        any_addr(),
        "the-right-token",
    );
    let spool = spool_dir("token");
    let dp = start_dp(&Options::default(), options(&cp.url(), &spool)).await;
    // config, usage and health streams are all refused, again and again
    wait_for("repeated refusals", || {
        (cp.shared.rejected.load(Ordering::SeqCst) >= 6).then_some(())
    })
    .await;
    assert!(cp.shared.hellos.lock().unwrap().is_empty());
    assert_eq!(dp.get_status("/readyz").await, 503, "never configured");
    assert_eq!(dp.get_status("/healthz").await, 200, "alive");
    drop(dp);
    let _ = std::fs::remove_dir_all(&spool);
}
