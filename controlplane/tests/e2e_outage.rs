//! A control-plane outage under load: the data planes keep answering every request from their
//! last snapshot, and the usage produced while the control plane is down arrives exactly once
//! after it is restarted on the same database and gRPC port (one data plane keeps it in memory,
//! the other spills it to its disk spool), even when it is sent again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod e2e_support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use e2e_support::bundle::{self, ALICE_KEY};
use e2e_support::{chat, reply_text, Cluster, DpOptions, TestDb, CLUSTER_TOKEN};
use gproxy_config::usage::UsageRecord;
use gproxy_controlplane::store::{Page, Period, UsageFilter};
use gproxy_proto::v1;

const CLIENTS: usize = 4;
const LOAD: Duration = Duration::from_millis(2000);
const STOP_AFTER: Duration = Duration::from_millis(500);

#[derive(Default)]
struct Tally {
    ok: BTreeSet<String>,
    failed: Vec<String>,
}

/// `CLIENTS` clients alternating between the data planes until `stop`.
fn load(
    c: &Cluster,
    stop: Arc<AtomicBool>,
    tally: Arc<Mutex<Tally>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..CLIENTS)
        .map(|n| {
            let http = c.client.clone();
            let urls: Vec<String> = c.dps.iter().map(|d| d.url.clone()).collect();
            let (stop, tally) = (stop.clone(), tally.clone());
            tokio::spawn(async move {
                let mut i = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    let id = format!("outage-{n}-{i}");
                    let url = &urls[(n + i) % urls.len()];
                    let prompt = format!("load {n} {i}");
                    let res = chat(&http, url, ALICE_KEY, "gpt-4o", &prompt, Some(&id)).await;
                    let mut t = tally.lock().unwrap();
                    match res {
                        Ok(a)
                            if a.status == 200
                                && reply_text(&a) == format!("mock reply to: {prompt}") =>
                        {
                            t.ok.insert(id);
                        }
                        Ok(a) => t.failed.push(format!("{id}: {} {}", a.status, a.text)),
                        Err(e) => t.failed.push(format!("{id}: {e}")),
                    }
                    i += 1;
                }
            })
        })
        .collect()
}

/// Every stored record, oldest page first.
async fn stored(c: &Cluster) -> Vec<UsageRecord> {
    let store = &c.running().svc.store;
    let mut all = Vec::new();
    loop {
        let page = Page::new(Page::MAX_LIMIT, all.len() as u64);
        let got = store
            .recent_usage(UsageFilter::default(), page)
            .await
            .unwrap();
        let n = got.items.len();
        all.extend(got.items);
        if n < Page::MAX_LIMIT as usize {
            return all;
        }
    }
}

/// Send `records` again on a fresh usage stream, as a data plane does after a crash before the
/// acknowledgement; the acks as `(accepted, duplicates)` summed.
async fn resend(c: &Cluster, records: &[UsageRecord]) -> (u64, u64) {
    use gproxy_proto::tonic::{metadata::MetadataValue, transport::Channel, Request};
    let channel = Channel::from_shared(format!("http://{}", c.grpc_addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let token: MetadataValue<_> = format!("Bearer {CLUSTER_TOKEN}").parse().unwrap();
    let mut client =
        gproxy_proto::ControlPlaneClient::with_interceptor(channel, move |mut r: Request<()>| {
            r.metadata_mut().insert("authorization", token.clone());
            Ok(r)
        });
    let batches: Vec<v1::UsageBatch> = records
        .chunks(300)
        .enumerate()
        .map(|(i, chunk)| v1::UsageBatch {
            node_id: "dp-resender".into(),
            batch_id: i as u64 + 1,
            records: chunk.iter().map(Into::into).collect(),
        })
        .collect();
    let n = batches.len();
    let mut acks = client
        .stream_usage(futures_util::stream::iter(batches))
        .await
        .unwrap()
        .into_inner();
    let (mut accepted, mut duplicates, mut seen) = (0, 0, 0);
    while let Some(ack) = acks.message().await.unwrap() {
        accepted += u64::from(ack.accepted);
        duplicates += u64::from(ack.duplicates);
        seen += 1;
    }
    assert_eq!(seen, n, "one ack per batch");
    (accepted, duplicates)
}

async fn outage(db: TestDb) {
    let mut c = Cluster::start(db, 1).await;
    // the second data plane's outbox is tiny: what the control plane cannot take goes to disk
    c.dp_options = DpOptions {
        outbox_capacity: 8,
        ..DpOptions::default()
    };
    c.add_dataplane().await;
    let v = c.apply(&bundle::base(&c.mock.url())).await;
    c.wait_version(v, Duration::from_secs(5)).await;
    let svc = c.running().svc.clone();

    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let clients = load(&c, stop.clone(), tally.clone());

    tokio::time::sleep(STOP_AFTER).await;
    let before_stop = tally.lock().unwrap().ok.len();
    c.stop_controlplane(Duration::from_secs(5)).await;
    let stopped_at = started.elapsed();
    let stored_at_stop = svc.store.count_usage().await.unwrap();

    tokio::time::sleep(LOAD.saturating_sub(started.elapsed())).await;
    stop.store(true, Ordering::Relaxed);
    for t in clients {
        t.await.unwrap();
    }
    let tally = Arc::try_unwrap(tally).ok().unwrap().into_inner().unwrap();
    let ok = tally.ok.len() as u64;
    assert!(
        tally.failed.is_empty(),
        "{} requests failed: {:?}",
        tally.failed.len(),
        &tally.failed[..tally.failed.len().min(5)]
    );
    assert!(before_stop > 0, "load ran before the stop");
    assert!(
        ok > before_stop as u64 + 20,
        "load went on during the outage: {before_stop} → {ok}"
    );
    // the control plane really was away: nothing arrived meanwhile, and the tiny outbox spilled
    assert_eq!(svc.store.count_usage().await.unwrap(), stored_at_stop);
    assert!(
        stored_at_stop < ok,
        "{stored_at_stop} of {ok} stored before the restart"
    );
    let spooled = c.dps[1]
        .control
        .as_ref()
        .unwrap()
        .status
        .spooled
        .load(Ordering::Relaxed);
    assert!(spooled > 0, "dp-1 spilled to its spool");
    for d in &c.dps {
        assert!(!d
            .control
            .as_ref()
            .unwrap()
            .status
            .usage_connected
            .load(Ordering::Relaxed));
        assert_eq!(d.version(), v, "still serving the last snapshot");
    }
    drop(svc);

    c.restart_controlplane().await;
    assert_eq!(c.published(), v, "the restart publishes the stored version");
    let got = c.wait_usage(ok, Duration::from_secs(15)).await;
    assert_eq!(got, ok, "every successful request's usage, once");
    // let any late re-send land, then look again
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(c.running().svc.store.count_usage().await.unwrap(), ok);
    let records = stored(&c).await;
    let ids: BTreeSet<String> = records.iter().map(|r| r.request_id.clone()).collect();
    assert_eq!(ids.len(), records.len(), "no request id twice");
    assert_eq!(ids, tally.ok, "exactly the successful requests");
    for dp in &c.dps {
        let spool_files = std::fs::read_dir(&dp.spool_dir)
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(
            spool_files, 0,
            "{}: delivered spool segments are deleted",
            dp.node_id
        );
    }

    // a data plane sending them all again changes nothing
    let (accepted, duplicates) = resend(&c, &records).await;
    assert_eq!((accepted, duplicates), (0, ok));
    assert_eq!(c.running().svc.store.count_usage().await.unwrap(), ok);
    let f = UsageFilter {
        period: Period::Day,
        ..UsageFilter::default()
    };
    let totals = c.running().svc.store.usage_totals(f).await.unwrap();
    assert_eq!(
        totals.iter().map(|r| r.requests).sum::<u64>(),
        ok,
        "rollups counted once"
    );
    eprintln!("outage: {ok} requests, control plane stopped at {stopped_at:?}, {stored_at_stop} stored before; dp-1 spooled {spooled}");
    c.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_fails_and_usage_arrives_once_across_a_controlplane_outage_sqlite() {
    outage(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_request_fails_and_usage_arrives_once_across_a_controlplane_outage_postgres() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    outage(db).await;
}
