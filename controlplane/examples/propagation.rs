//! Propagation benchmark: how long a one-object change (PUT a route) takes from the admin API call
//! until every in-process data plane serves it, for N data planes; and the size and cost of the
//! snapshot of a large configuration (one user with one key per `--keys`).
//!
//! `cargo run --release -p gproxy-controlplane --example propagation -- [--dataplanes 2,10]
//! [--rounds 20] [--keys 10000]` prints markdown tables.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../tests/e2e_support/mod.rs"]
mod e2e_support;

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use clap::Parser;
use e2e_support::bundle::{self, ALICE_KEY};
use e2e_support::{Cluster, TestDb};
use gproxy_config::bundle::{Key, User};
use gproxy_config::{Bundle, Snapshot};
use gproxy_dataplane::AppState;
use gproxy_proto::prost::Message;
use gproxy_proto::v1;

#[derive(Parser, Debug)]
#[command(about = "Control plane → data plane propagation benchmark")]
struct Args {
    /// Data-plane counts to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "2,10")]
    dataplanes: Vec<usize>,
    /// One-object changes per data-plane count.
    #[arg(long, default_value_t = 20)]
    rounds: usize,
    /// Users (one key each) of the large configuration.
    #[arg(long, default_value_t = 10_000)]
    keys: usize,
    /// One-object changes measured on the large configuration.
    #[arg(long, default_value_t = 5)]
    large_rounds: usize,
}

/// Milliseconds of a duration, with a fraction.
fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// `(p50, p90, max)` of the samples.
fn percentiles(samples: &[Duration]) -> (Duration, Duration, Duration) {
    let mut s = samples.to_vec();
    s.sort();
    let at = |q: f64| {
        s[((s.len() as f64 * q).ceil() as usize)
            .saturating_sub(1)
            .min(s.len() - 1)]
    };
    (at(0.5), at(0.9), s[s.len() - 1])
}

/// Spin (sleeping 50 µs between looks) on another thread until every app serves `target`; when.
fn watch_until(apps: Vec<AppState>, target: u64) -> std::thread::JoinHandle<Instant> {
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if apps.iter().all(|a| a.runtime().version >= target) {
                return Instant::now();
            }
            assert!(Instant::now() < deadline, "version {target} never arrived");
            std::thread::sleep(Duration::from_micros(50));
        }
    })
}

/// `rounds` one-route changes: `(until every data plane serves it, admin API answer)`.
async fn measure(c: &Cluster, rounds: usize) -> (Vec<Duration>, Vec<Duration>) {
    let apps: Vec<AppState> = c.dps.iter().map(|d| d.app.clone()).collect();
    let (mut all, mut put) = (Vec::new(), Vec::new());
    for i in 0..rounds {
        let target = c.admin.version().await + 1;
        let model = if i % 2 == 0 { "gpt-4o-mini" } else { "gpt-4o" };
        let watcher = watch_until(apps.clone(), target);
        let start = Instant::now();
        let a = c
            .admin
            .put("/routes/bench", &bundle::route("bench", "mock", model))
            .await;
        let answered = start.elapsed();
        assert_eq!(c.admin.expect_version(a).await, target);
        let done = tokio::task::spawn_blocking(move || watcher.join().unwrap())
            .await
            .unwrap();
        all.push(done.saturating_duration_since(start));
        put.push(answered);
    }
    (all, put)
}

/// The base bundle plus `n` users with one key each.
fn large_bundle(mock: &str, n: usize) -> Bundle {
    let mut b = Bundle::parse(&bundle::base(mock)).unwrap();
    b.routes
        .push(serde_json::from_value(bundle::route("bench", "mock", "gpt-4o")).unwrap());
    for i in 0..n {
        b.users.push(User {
            name: format!("user-{i:06}"),
            enabled: true,
            keys: vec![Key {
                key: Some(format!("gp-bench-{i:06}-0123456789abcdefghij")),
                digest: None,
                name: Some("main".into()),
                enabled: true,
            }],
            permissions: vec!["*".into()],
            limits: Default::default(),
            quota: None,
            team: None,
            role: Default::default(),
            password: None,
        });
    }
    b
}

fn row(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

async fn propagation_table(args: &Args) -> String {
    let mut out = String::from(
        "| data planes | rounds | p50 ms | p90 ms | max ms | admin API answer p50 ms |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n",
    );
    for &n in &args.dataplanes {
        let c = Cluster::start(TestDb::sqlite(), n).await;
        let mut b = bundle::base(&c.mock.url());
        b = b.replace(
            "users:",
            "  - {name: bench, members: [{provider: mock, model: gpt-4o}]}\nusers:",
        );
        let v = c.apply(&b).await;
        c.wait_version(v, Duration::from_secs(10)).await;
        measure(&c, 2).await; // warm-up: connections, pools, first deltas
        let (all, put) = measure(&c, args.rounds).await;
        let (p50, p90, max) = percentiles(&all);
        let (put50, _, _) = percentiles(&put);
        row(
            &mut out,
            &[
                n.to_string(),
                args.rounds.to_string(),
                format!("{:.2}", ms(p50)),
                format!("{:.2}", ms(p90)),
                format!("{:.2}", ms(max)),
                format!("{:.2}", ms(put50)),
            ],
        );
        let dp = c.dps[0].url.clone();
        let a = e2e_support::chat(&c.client, &dp, ALICE_KEY, "bench", "ok?", None)
            .await
            .unwrap();
        assert_eq!(a.status, 200, "the data planes still serve");
        c.shutdown().await;
    }
    out
}

async fn snapshot_table(args: &Args) -> String {
    let c = Cluster::start(TestDb::sqlite(), 1).await;
    let big = large_bundle(&c.mock.url(), args.keys);
    let snap = Snapshot::from_bundle(&big, 1).unwrap();
    let t = Instant::now();
    let wire = v1::Snapshot::from(&snap);
    let proto_len = wire.encoded_len();
    let encoded = wire.encode_to_vec();
    let encode = t.elapsed();
    let json_len = serde_json::to_vec(&snap).unwrap().len();
    let bundle_json_len = serde_json::to_vec(&big).unwrap().len();

    // the whole path: PUT the bundle → validate, write, rebuild, publish → one data plane applies
    let text = serde_json::to_string(&big).unwrap();
    let apps = vec![c.dps[0].app.clone()];
    let target = c.admin.version().await + 1;
    let watcher = watch_until(apps, target);
    let t = Instant::now();
    let a = c.admin.put_bundle(&text).await;
    let put = t.elapsed();
    assert_eq!(c.admin.expect_version(a).await, target);
    let done = tokio::task::spawn_blocking(move || watcher.join().unwrap())
        .await
        .unwrap();
    let end_to_end = done.saturating_duration_since(t);

    // the parts: rebuild from the database, and the data plane's decode + validate + compile
    let svc = c.running().svc.clone();
    let t = Instant::now();
    let rebuilt = gproxy_controlplane::service::build_snapshot(&svc.store, &svc.crypto)
        .await
        .unwrap();
    let build = t.elapsed();
    assert_eq!(rebuilt.users.len(), args.keys + 1);
    let fresh = gproxy_dataplane::App::new(&Default::default()).unwrap();
    let resp = v1::ConfigResponse {
        schema: gproxy_proto::SCHEMA,
        version: target,
        base_version: 0,
        epoch: String::new(),
        kind: Some(v1::config_response::Kind::Full(
            v1::Snapshot::decode(encoded.as_slice()).unwrap(),
        )),
    };
    let t = Instant::now();
    let ack = gproxy_dataplane::control::config::handle(&fresh, &mut None, resp);
    let apply = t.elapsed();
    assert!(ack.ok, "{}", ack.error);

    // a one-object change on the large configuration
    let (all, put_small) = measure(&c, args.large_rounds.max(1)).await;
    let (p50, _, max) = percentiles(&all);
    let (put50, _, _) = percentiles(&put_small);
    c.shutdown().await;

    let mut out = String::from("| measure | value |\n| --- | ---: |\n");
    let kib = |n: usize| format!("{n} B ({:.0} KiB)", n as f64 / 1024.0);
    let cells: Vec<(String, String)> = vec![
        ("users, one key each".into(), args.keys.to_string()),
        ("snapshot, protobuf (`encoded_len`)".into(), kib(proto_len)),
        ("snapshot, JSON".into(), kib(json_len)),
        ("bundle as applied, JSON".into(), kib(bundle_json_len)),
        ("protobuf encode".into(), format!("{:.1} ms", ms(encode))),
        (
            "snapshot rebuild from the database".into(),
            format!("{:.1} ms", ms(build)),
        ),
        (
            "data plane: decode + validate + compile + swap".into(),
            format!("{:.1} ms", ms(apply)),
        ),
        (
            "PUT /admin/v1/bundle answered (validate, write, rebuild, publish)".into(),
            format!("{:.1} ms", ms(put)),
        ),
        (
            "PUT /admin/v1/bundle → one data plane serves it".into(),
            format!("{:.1} ms", ms(end_to_end)),
        ),
        (
            format!(
                "one route PUT on this configuration → served (p50 / max of {})",
                args.large_rounds.max(1)
            ),
            format!(
                "{:.1} / {:.1} ms (admin answer p50 {:.1} ms)",
                ms(p50),
                ms(max),
                ms(put50)
            ),
        ),
    ];
    for (k, v) in cells {
        row(&mut out, &[k, v]);
    }
    out
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    assert!(args.rounds > 0, "--rounds must be at least 1");
    let started = Instant::now();
    println!("## Propagation of a one-object change (PUT /admin/v1/routes/bench)\n");
    println!("{}", propagation_table(&args).await);
    println!("## Snapshot of a large configuration\n");
    println!("{}", snapshot_table(&args).await);
    println!("(total {:.1} s)", started.elapsed().as_secs_f64());
}
