//! The load generator against the bench upstream on a socket: closed loop, fixed rate, streams
//! with pacing, injected errors and a dead port all show in the report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::Duration;

use gproxy_bench_loadgen::{run, Args};
use gproxy_bench_upstream::{serve, Config};
use serde_json::Value;

async fn upstream(config: Config) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    serve(listener, config).unwrap().0
}

async fn load(flags: &str, body: &str) -> Value {
    let mut a = Args::parse(flags.split_whitespace().map(str::to_owned)).unwrap();
    a.body = body.to_owned().into();
    run(a).await
}

const CHAT: &str = r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"#;
const STREAM: &str = r#"{"model":"gpt-4o-mini","stream":true,"messages":[]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_loop_counts_every_answer() {
    let addr = upstream(Config::default()).await;
    let r = load(
        &format!("--url http://{addr}/v1/chat/completions --method POST -c 4 -d 0.5"),
        CHAT,
    )
    .await;
    let ok = r["ok"].as_u64().unwrap();
    assert!(ok > 50, "{r}");
    assert_eq!(r["completed"], ok);
    assert_eq!(
        (r["non_2xx"].as_u64(), r["errors"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(r["status"]["200"], ok);
    assert!(r["latency_ms"]["p99"].as_f64().unwrap() > 0.0);
    assert!(r["bytes_in"].as_u64().unwrap() >= ok * 900);
    assert!(r.get("stream").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fixed_rate_sends_on_schedule() {
    let addr = upstream(Config::default()).await;
    let r = load(
        &format!("--url http://{addr}/v1/chat/completions --method POST -c 8 -q 200 -d 1"),
        CHAT,
    )
    .await;
    let n = r["completed"].as_u64().unwrap();
    assert!((190..=201).contains(&n), "200 rps for 1 s gave {n}: {r}");
    assert_eq!(r["mode"], "rate");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_report_ttft_and_gaps() {
    let mut config = Config::default();
    config.shape.chunks = 10;
    config.chunk_gap = Duration::from_millis(5);
    config.latency = Duration::from_millis(20);
    let addr = upstream(config).await;
    let r = load(
        &format!("--url http://{addr}/v1/chat/completions --method POST -c 4 -d 0.5 --stream --min-events 10"),
        STREAM,
    )
    .await;
    let s = &r["stream"];
    assert!(r["ok"].as_u64().unwrap() >= 4, "{r}");
    assert_eq!(
        (s["short_streams"].as_u64(), s["stream_errors"].as_u64()),
        (Some(0), Some(0))
    );
    // head + 10 content events + finish, usage, [DONE]
    assert_eq!(s["events_per_stream"], 14.0);
    let ttft = s["ttft_ms"]["p50"].as_f64().unwrap();
    assert!((20.0..40.0).contains(&ttft), "ttft {ttft}");
    let gap = s["gap_ms"]["p50"].as_f64().unwrap();
    assert!((4.0..15.0).contains(&gap), "gap {gap}");
    // nine gaps per stream
    assert_eq!(
        s["gap_ms"]["count"].as_u64().unwrap(),
        9 * s["streams"].as_u64().unwrap()
    );

    // a stream shorter than asked fails
    let r = load(
        &format!("--url http://{addr}/v1/chat/completions --method POST -c 1 -d 0.2 --stream --min-events 50"),
        STREAM,
    )
    .await;
    assert_eq!(r["ok"], 0);
    assert!(r["stream"]["short_streams"].as_u64().unwrap() > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_and_dead_ports_are_counted() {
    let addr = upstream(Config {
        fail_rate: 0.1,
        fail_status: vec![429, 500],
        ..Config::default()
    })
    .await;
    let r = load(
        &format!("--url http://{addr}/v1/chat/completions --method POST -c 2 -d 0.5"),
        CHAT,
    )
    .await;
    let completed = r["completed"].as_f64().unwrap();
    let non = r["non_2xx"].as_f64().unwrap();
    assert!((non / completed - 0.1).abs() < 0.02, "{r}");
    assert!(r["status"]["429"].as_u64().unwrap() > 0 && r["status"]["500"].as_u64().unwrap() > 0);

    let dead = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let r = load(&format!("--url http://127.0.0.1:{port}/ -c 1 -d 0.2"), "").await;
    assert_eq!(r["ok"], 0);
    assert!(r["errors"].as_u64().unwrap() > 0);
}
