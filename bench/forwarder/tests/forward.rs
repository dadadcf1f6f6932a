//! The forwarder between the load generator and the bench upstream: answers arrive intact,
//! streams are not held back, a dead upstream is a 502.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::Duration;

use gproxy_bench_loadgen::{run, Args};
use gproxy_bench_upstream::Config;
use serde_json::Value;

async fn listener() -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()
}

async fn chain(config: Config) -> SocketAddr {
    let up = gproxy_bench_upstream::serve(listener().await, config)
        .unwrap()
        .0;
    gproxy_bench_forwarder::serve(listener().await, up)
        .unwrap()
        .0
}

async fn load(flags: String, body: &str) -> Value {
    let mut a = Args::parse(flags.split_whitespace().map(str::to_owned)).unwrap();
    a.body = body.to_owned().into();
    run(a).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_pass_through_whole() {
    let addr = chain(Config::default()).await;
    let body = format!(
        r#"{{"model":"m","messages":[{{"role":"user","content":"{}"}}]}}"#,
        "x".repeat(100_000)
    );
    let r = load(
        format!("--url http://{addr}/v1/chat/completions -c 4 -d 0.5 --method POST -H x-bench-response-bytes:2048"),
        &body,
    )
    .await;
    let ok = r["ok"].as_u64().unwrap();
    assert!(ok > 10, "{r}");
    assert_eq!(r["completed"], ok);
    let per = r["bytes_in"].as_u64().unwrap() / ok;
    assert!(
        per.abs_diff(2048) < 64,
        "x-bench-* headers reach the upstream: {per} bytes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wreq_client_passes_answers_and_headers_through() {
    let up = gproxy_bench_upstream::serve(listener().await, Config::default())
        .unwrap()
        .0;
    let addr = gproxy_bench_forwarder::serve_with(
        listener().await,
        up,
        gproxy_bench_forwarder::ClientKind::Wreq,
    )
    .unwrap()
    .0;
    let r = load(
        format!("--url http://{addr}/v1/chat/completions -c 2 -d 0.3 --method POST -H x-bench-response-bytes:3000"),
        r#"{"model":"m","messages":[]}"#,
    )
    .await;
    let ok = r["ok"].as_u64().unwrap();
    assert!(ok > 10, "{r}");
    assert_eq!(r["completed"], ok);
    let per = r["bytes_in"].as_u64().unwrap() / ok;
    assert!(per.abs_diff(3000) < 64, "{per} bytes per answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_are_not_buffered() {
    let mut config = Config::default();
    config.shape.chunks = 6;
    config.chunk_gap = Duration::from_millis(30);
    let addr = chain(config).await;
    let r = load(
        format!(
            "--url http://{addr}/v1/messages -c 2 -d 0.3 --method POST --stream --min-events 6"
        ),
        r#"{"model":"m","stream":true,"messages":[]}"#,
    )
    .await;
    let s = &r["stream"];
    assert!(r["ok"].as_u64().unwrap() >= 2, "{r}");
    // the first event arrives long before the 150 ms the whole stream takes
    assert!(s["ttft_ms"]["max"].as_f64().unwrap() < 60.0, "{r}");
    assert!(s["gap_ms"]["p50"].as_f64().unwrap() >= 25.0, "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_upstream_is_a_502() {
    let dead = listener().await;
    let up = dead.local_addr().unwrap();
    drop(dead);
    let addr = gproxy_bench_forwarder::serve(listener().await, up)
        .unwrap()
        .0;
    let r = load(
        format!("--url http://{addr}/v1/chat/completions -c 1 -d 0.2"),
        "",
    )
    .await;
    assert_eq!(r["ok"], 0);
    assert!(r["status"]["502"].as_u64().unwrap() > 0, "{r}");
}
