//! Usage stream: at-least-once delivery across control-plane crashes, the disk spool with a tiny
//! outbox, spooling on shutdown, and health events.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use gproxy_dataplane::health::Failure;

use super::fake::{wait_for, FakeCp, Shared};
use super::*;

/// Make `n` requests that must succeed; their request ids.
async fn traffic(dp: &Dp, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..n {
        let (status, id) = dp.chat("via-chat").await;
        assert_eq!(status, 200);
        ids.push(id);
    }
    ids
}

/// Wait until every id was committed, then check each was committed once and nothing else was.
async fn all_delivered(shared: &Shared, ids: &[String]) {
    wait_for("every usage record", || {
        let usage = shared.usage.lock().unwrap();
        ids.iter().all(|id| usage.contains_key(id)).then_some(())
    })
    .await;
    let usage = shared.usage.lock().unwrap();
    let want: BTreeSet<&String> = ids.iter().collect();
    let got: BTreeSet<&String> = usage.keys().collect();
    assert_eq!(got, want, "exactly the requests made");
    assert_eq!(want.len(), ids.len(), "request ids are unique");
}

#[tokio::test]
async fn records_survive_a_control_plane_crash_and_unacked_batches_are_resent() {
    let m = common::mock(Default::default()).await;
    let cp = FakeCp::start(
        Shared::new(Some(full(&standard(&m.url(), 1)))),
        any_addr(),
        TOKEN,
    );
    let spool = spool_dir("crash");
    let dp = start_dp(&Options::default(), options(&cp.url(), &spool)).await;
    assert!(cp.shared.ack_of(1).await.ok);

    let mut ids = traffic(&dp, 5).await;
    all_delivered(&cp.shared, &ids).await;

    // these arrive but are never acknowledged before the crash
    cp.shared.ack_usage.store(false, Ordering::SeqCst);
    let unacked = traffic(&dp, 4).await;
    all_delivered(&cp.shared, &[ids.clone(), unacked.clone()].concat()).await;
    ids.extend(unacked.iter().cloned());
    let (addr, shared) = cp.kill();

    // produced while the control plane is down
    ids.extend(traffic(&dp, 6).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    shared.ack_usage.store(true, Ordering::SeqCst);
    let _cp = FakeCp::start(shared.clone(), addr, TOKEN);
    all_delivered(&shared, &ids).await;
    // the unacknowledged ones came again (at least once), committed once
    wait_for("re-sent batches", || {
        let usage = shared.usage.lock().unwrap();
        unacked
            .iter()
            .all(|id| usage.get(id) == Some(&2))
            .then_some(())
    })
    .await;
    assert_eq!(dp.app.outbox.dropped(), 0);
    drop(dp);
    let _ = std::fs::remove_dir_all(&spool);
}

#[tokio::test]
async fn a_tiny_outbox_spills_to_disk_and_the_spool_drains_first() {
    let m = common::mock(Default::default()).await;
    let cp = FakeCp::start(
        Shared::new(Some(full(&standard(&m.url(), 1)))),
        any_addr(),
        TOKEN,
    );
    let spool = spool_dir("tiny");
    let mut opts = options(&cp.url(), &spool);
    opts.usage.batch_max = 3;
    let app_opts = Options {
        outbox_capacity: 4,
        ..Options::default()
    };
    let dp = start_dp(&app_opts, opts).await;
    assert!(cp.shared.ack_of(1).await.ok);
    let (addr, shared) = cp.kill();

    let ids = traffic(&dp, 30).await;
    let status = dp.control.as_ref().unwrap().status.clone();
    assert!(
        status.spooled.load(Ordering::Relaxed) >= 20,
        "spilled to disk"
    );
    assert!(spool_files(&spool) >= 1);
    assert_eq!(dp.app.outbox.dropped(), 0, "nothing dropped");

    let _cp = FakeCp::start(shared.clone(), addr, TOKEN);
    all_delivered(&shared, &ids).await;
    wait_for("an empty spool", || {
        (spool_files(&spool) == 0).then_some(())
    })
    .await;
    assert_eq!(shared.delivered(), ids.len(), "nothing twice");
    // the outbox kept the 4 oldest; the spool went first
    let order = shared.order.lock().unwrap().clone();
    assert_eq!(order[..26], ids[4..], "spooled records first, in order");
    assert_eq!(order[26..], ids[..4]);
    drop(dp);
    let _ = std::fs::remove_dir_all(&spool);
}

#[tokio::test]
async fn shutdown_spools_what_is_pending_for_the_next_start() {
    let m = common::mock(Default::default()).await;
    let snap = standard(&m.url(), 1);
    let cp = FakeCp::start(Shared::new(Some(full(&snap))), any_addr(), TOKEN);
    let spool = spool_dir("restart");
    let mut dp = start_dp(&Options::default(), options(&cp.url(), &spool)).await;
    assert!(cp.shared.ack_of(1).await.ok);
    let (addr, shared) = cp.kill();
    let ids = traffic(&dp, 7).await;
    dp.control.take().unwrap().shutdown().await;
    assert!(spool_files(&spool) >= 1, "pending usage is on disk");
    drop(dp);

    // a new data plane process on the same spool delivers it
    let _cp = FakeCp::start(shared.clone(), addr, TOKEN);
    let dp = start_dp(
        &Options::default(),
        options(&format!("http://{addr}"), &spool),
    )
    .await;
    all_delivered(&shared, &ids).await;
    wait_for("an empty spool", || {
        (spool_files(&spool) == 0).then_some(())
    })
    .await;
    drop(dp);
    let _ = std::fs::remove_dir_all(&spool);
}

#[tokio::test]
async fn breaker_openings_are_reported() {
    let m = common::mock(Default::default()).await;
    let cp = FakeCp::start(
        Shared::new(Some(full(&standard(&m.url(), 1)))),
        any_addr(),
        TOKEN,
    );
    let spool = spool_dir("health");
    let dp = start_dp(&Options::default(), options(&cp.url(), &spool)).await;
    assert!(cp.shared.ack_of(1).await.ok);
    let now = std::time::Instant::now();
    let cred: Arc<str> = Arc::from("compat/main");
    dp.app.cred_health.failure(
        &cred,
        Failure::RateLimited(Some(Duration::from_secs(2))),
        now,
    );
    dp.app
        .cred_health
        .failure(&Arc::from("oai/main"), Failure::AuthDead, now);
    let events = wait_for("two health events", || {
        let h = cp.shared.health.lock().unwrap();
        (h.len() >= 2).then(|| h.clone())
    })
    .await;
    let seen: Vec<_> = events
        .iter()
        .map(|e| {
            (
                e.subject.as_str(),
                e.id.as_str(),
                e.event.as_str(),
                e.retry_after_ms,
            )
        })
        .collect();
    assert!(
        seen.contains(&("credential", "compat/main", "rate_limited", 2000)),
        "{seen:?}"
    );
    assert!(
        seen.contains(&("credential", "oai/main", "auth_dead", 0)),
        "{seen:?}"
    );
    drop(dp);
    let _ = std::fs::remove_dir_all(&spool);
}
