//! A manual throughput check (`cargo test -p gproxy-mock-provider -- --ignored load --nocapture`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::client::start;
use crate::MockConfig;

/// Requests answered on one keep-alive connection until `deadline`.
async fn hammer(addr: std::net::SocketAddr, deadline: Instant, done: Arc<AtomicU64>) {
    let body = r#"{"model":"gpt-4o","messages":[{"role":"user","content":"hello"}]}"#;
    let req = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    while Instant::now() < deadline {
        stream.write_all(req.as_bytes()).await.unwrap();
        let mut have = 0;
        loop {
            let n = stream.read(&mut buf[have..]).await.unwrap();
            assert!(n > 0, "connection closed");
            have += n;
            let Some(end) = buf[..have].windows(4).position(|w| w == b"\r\n\r\n") else {
                continue;
            };
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .and_then(|v| v.trim().parse().ok())
                .unwrap();
            if have >= end + 4 + len {
                break;
            }
        }
        done.fetch_add(1, Ordering::Relaxed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "manual throughput check"]
async fn load_keep_alive_chat() {
    let mock = start(MockConfig {
        record_requests: 0,
        ..MockConfig::default()
    })
    .await;
    let done = Arc::new(AtomicU64::new(0));
    let secs = 2;
    let deadline = Instant::now() + Duration::from_secs(secs);
    let tasks: Vec<_> = (0..32)
        .map(|_| tokio::spawn(hammer(mock.addr(), deadline, done.clone())))
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let n = done.load(Ordering::Relaxed);
    println!(
        "{n} requests in {secs}s = {} req/s (32 keep-alive connections)",
        n / secs
    );
    assert_eq!(mock.stats().count("/v1/chat/completions", 200), n);
}
