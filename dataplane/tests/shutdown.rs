//! The real binary on SIGTERM: in-flight streams finish, then the process exits cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{mock, standard_bundle, Kind, SETTINGS};
use futures_util::StreamExt;
use gproxy_mock_provider::MockConfig;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn sigterm_drains_in_flight_streams() {
    let m = mock(MockConfig {
        chunks: 8,
        chunk_delay_ms: 100,
        ..MockConfig::default()
    })
    .await;
    let dir = std::env::temp_dir().join(format!("gproxy-shutdown-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("bundle.yaml");
    std::fs::write(&bundle, standard_bundle(&m.url(), SETTINGS)).unwrap();
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gproxy-dataplane"))
        .args([
            "--bundle",
            bundle.to_str().unwrap(),
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--drain-seconds",
            "20",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let http = wreq::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while http
        .get(format!("{base}/readyz"))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .ok()
        != Some(200)
    {
        assert!(Instant::now() < deadline, "data plane did not become ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let body = Kind::Chat.text_body("via-chat", "drain me", true);
    let resp = http
        .post(format!("{base}/v1/chat/completions"))
        .header("authorization", format!("Bearer {}", common::ALICE))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut stream = resp.bytes_stream();
    let first = stream.next().await.unwrap().unwrap();
    assert!(!first.is_empty());
    // SIGTERM while the stream is in flight
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut rest = Vec::new();
    while let Some(chunk) = stream.next().await {
        rest.extend_from_slice(&chunk.expect("the stream was cut during the drain"));
    }
    let text = String::from_utf8_lossy(&rest);
    assert!(
        text.trim_end().ends_with("data: [DONE]"),
        "stream did not finish: {text}"
    );
    // then the process exits on its own, successfully
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(Instant::now() < deadline, "did not exit after the drain");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = std::fs::remove_dir_all(&dir);
}
