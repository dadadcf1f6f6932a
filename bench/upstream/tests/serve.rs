//! The mock served on a socket: every protocol's whole and streamed shapes, overrides, pacing and
//! injected faults, read back with a plain hyper client.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use gproxy_bench_upstream::{serve, Config};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper::Request;
use hyper_util::rt::TokioIo;
use serde_json::Value;

async fn start(config: Config) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (addr, _task) = serve(listener, config).unwrap();
    addr
}

struct Reply {
    status: u16,
    headers: hyper::HeaderMap,
    /// Each body frame with its arrival time since the request was sent.
    frames: Vec<(Duration, Bytes)>,
}

impl Reply {
    fn body(&self) -> Vec<u8> {
        self.frames.iter().flat_map(|(_, b)| b.to_vec()).collect()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body()).unwrap()
    }
    fn text(&self) -> String {
        String::from_utf8(self.body()).unwrap()
    }
    /// SSE events as (event name, data JSON or raw).
    fn events(&self) -> Vec<(Option<String>, String)> {
        let text = self.text().replace("\r\n", "\n");
        text.split("\n\n")
            .filter(|e| !e.trim().is_empty())
            .map(|e| {
                let mut name = None;
                let mut data = String::new();
                for line in e.lines() {
                    if let Some(n) = line.strip_prefix("event: ") {
                        name = Some(n.to_owned());
                    } else if let Some(d) = line.strip_prefix("data: ") {
                        data.push_str(d);
                    }
                }
                (name, data)
            })
            .collect()
    }
}

async fn post(addr: SocketAddr, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut tx, conn) = http1::handshake(TokioIo::new(tcp)).await.unwrap();
    tokio::spawn(conn);
    let mut req = Request::post(path).header("host", addr.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req.body(Full::new(Bytes::from(body.to_owned()))).unwrap();
    let t0 = Instant::now();
    let resp = tx.send_request(req).await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let mut body = resp.into_body();
    let mut frames = Vec::new();
    while let Some(f) = body.frame().await {
        if let Ok(d) = f.unwrap().into_data() {
            frames.push((t0.elapsed(), d));
        }
    }
    Reply {
        status,
        headers,
        frames,
    }
}

async fn get(addr: SocketAddr, path: &str) -> Value {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut tx, conn) = http1::handshake(TokioIo::new(tcp)).await.unwrap();
    tokio::spawn(conn);
    let req = Request::get(path)
        .header("host", addr.to_string())
        .body(Full::new(Bytes::new()))
        .unwrap();
    let resp = tx.send_request(req).await.unwrap();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&body).unwrap()
}

const CHAT: &str = r#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"#;
const CHAT_STREAM: &str = r#"{"model":"gpt-4o-mini","stream": true,"messages":[]}"#;

#[tokio::test]
async fn whole_answers_have_each_protocols_shape_and_size() {
    let addr = start(Config::default()).await;
    let r = post(addr, "/v1/chat/completions", &[], CHAT).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.headers["content-type"], "application/json");
    assert_eq!(r.frames.len(), 1, "a whole answer is one write");
    assert!(r.body().len().abs_diff(1024) < 64);
    let v = r.json();
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    assert!(
        v["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .len()
            > 300
    );
    assert_eq!(v["usage"]["prompt_tokens"], 256);

    let v = post(addr, "/v1/responses", &[], "{}").await.json();
    assert_eq!(
        (v["object"].as_str(), v["status"].as_str()),
        (Some("response"), Some("completed"))
    );
    assert_eq!(v["output"][0]["content"][0]["type"], "output_text");
    assert!(v["usage"]["output_tokens"].as_u64().unwrap() > 0);

    let v = post(addr, "/v1/messages", &[], "{}").await.json();
    assert_eq!(
        (v["type"].as_str(), v["stop_reason"].as_str()),
        (Some("message"), Some("end_turn"))
    );
    assert_eq!(v["content"][0]["type"], "text");
    assert_eq!(v["usage"]["input_tokens"], 256);

    let v = post(
        addr,
        "/v1beta/models/gemini-2.5-flash:generateContent",
        &[],
        "{}",
    )
    .await
    .json();
    assert_eq!(v["candidates"][0]["finishReason"], "STOP");
    assert!(v["candidates"][0]["content"]["parts"][0]["text"].is_string());
    assert!(v["usageMetadata"]["candidatesTokenCount"].as_u64().unwrap() > 0);

    let r = post(addr, "/v1/embeddings", &[], "{}").await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn tool_answers_carry_one_call_with_json_arguments() {
    let addr = start(Config::default()).await;
    let tool = [("x-bench-answer", "tool")];
    let v = post(addr, "/v1/chat/completions", &tool, CHAT).await.json();
    let call = &v["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(call["function"]["name"], "get_weather");
    let args: Value =
        serde_json::from_str(call["function"]["arguments"].as_str().unwrap()).unwrap();
    assert_eq!(args["city"], "Paris");

    let v = post(addr, "/v1/messages", &tool, "{}").await.json();
    assert_eq!(v["stop_reason"], "tool_use");
    assert_eq!(v["content"][0]["input"]["city"], "Paris");

    let v = post(addr, "/v1/responses", &tool, "{}").await.json();
    assert_eq!(v["output"][0]["type"], "function_call");

    let v = post(addr, "/v1beta/models/g:generateContent", &tool, "{}")
        .await
        .json();
    assert_eq!(
        v["candidates"][0]["content"]["parts"][0]["functionCall"]["args"]["city"],
        "Paris"
    );
}

#[tokio::test]
async fn streams_follow_each_protocols_event_sequence() {
    let addr = start(Config::default()).await;
    let chunks = [("x-bench-chunks", "5")];

    let r = post(addr, "/v1/chat/completions", &chunks, CHAT_STREAM).await;
    assert_eq!(r.headers["content-type"], "text/event-stream");
    let ev = r.events();
    assert_eq!(ev.last().unwrap().1, "[DONE]");
    let usage: Value = serde_json::from_str(&ev[ev.len() - 2].1).unwrap();
    assert_eq!(usage["choices"], serde_json::json!([]));
    assert!(usage["usage"]["completion_tokens"].as_u64().unwrap() > 0);
    let deltas = ev
        .iter()
        .filter(|(_, d)| d.contains("\"content\":\"") && !d.contains("\"content\":\"\""))
        .count();
    assert_eq!(deltas, 5);

    let ev = post(addr, "/v1/messages", &chunks, CHAT_STREAM)
        .await
        .events();
    let names: Vec<&str> = ev.iter().filter_map(|(n, _)| n.as_deref()).collect();
    assert_eq!(names.first(), Some(&"message_start"));
    assert_eq!(
        names
            .iter()
            .filter(|n| **n == "content_block_delta")
            .count(),
        5
    );
    assert_eq!(
        &names[names.len() - 3..],
        ["content_block_stop", "message_delta", "message_stop"]
    );

    let ev = post(addr, "/v1/responses", &chunks, CHAT_STREAM)
        .await
        .events();
    let seq: Vec<u64> = ev
        .iter()
        .map(|(_, d)| {
            serde_json::from_str::<Value>(d).unwrap()["sequence_number"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(seq, (0..seq.len() as u64).collect::<Vec<_>>());
    assert_eq!(ev.last().unwrap().0.as_deref(), Some("response.completed"));
    let done: Value = serde_json::from_str(&ev.last().unwrap().1).unwrap();
    assert_eq!(done["response"]["status"], "completed");

    let r = post(
        addr,
        "/v1beta/models/g:streamGenerateContent?alt=sse",
        &chunks,
        "{}",
    )
    .await;
    assert!(r.text().contains("\r\n\r\n"));
    let ev = r.events();
    assert_eq!(ev.len(), 5);
    let last: Value = serde_json::from_str(&ev[4].1).unwrap();
    assert_eq!(last["candidates"][0]["finishReason"], "STOP");
    let first: Value = serde_json::from_str(&ev[0].1).unwrap();
    assert!(first["candidates"][0].get("finishReason").is_none());

    let r = post(
        addr,
        "/v1beta/models/g:streamGenerateContent",
        &chunks,
        "{}",
    )
    .await;
    assert_eq!(r.json().as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn stream_flag_comes_from_the_body_or_the_flags() {
    let addr = start(Config::default()).await;
    let r = post(addr, "/v1/chat/completions", &[], CHAT).await;
    assert_eq!(r.headers["content-type"], "application/json");
    let r = post(addr, "/v1/chat/completions", &[], CHAT_STREAM).await;
    assert_eq!(r.headers["content-type"], "text/event-stream");
    let r = post(
        addr,
        "/v1/chat/completions",
        &[("x-bench-stream", "off")],
        CHAT_STREAM,
    )
    .await;
    assert_eq!(r.headers["content-type"], "application/json");

    let forced = start(Config {
        stream: gproxy_bench_upstream::StreamMode::On,
        ..Config::default()
    })
    .await;
    let r = post(forced, "/v1/messages", &[], CHAT).await;
    assert_eq!(r.headers["content-type"], "text/event-stream");
}

#[tokio::test]
async fn latency_and_chunk_gaps_are_applied() {
    let mut config = Config::default();
    config.shape.chunks = 4;
    config.chunk_gap = Duration::from_millis(25);
    let addr = start(config).await;
    let r = post(
        addr,
        "/v1/chat/completions",
        &[("x-bench-latency-ms", "40")],
        CHAT_STREAM,
    )
    .await;
    assert_eq!(r.frames.len(), 4, "one frame per content event");
    let (first, _) = r.frames[0];
    let (last, _) = r.frames[3];
    assert!(
        first >= Duration::from_millis(40),
        "first frame after {first:?}"
    );
    assert!(
        first < Duration::from_millis(40 + 25),
        "the first frame is not held back"
    );
    assert!(
        last - first >= Duration::from_millis(75),
        "three gaps of 25 ms: {:?}",
        last - first
    );

    let r = post(
        addr,
        "/v1/chat/completions",
        &[("x-bench-chunk-gap-ms", "0")],
        CHAT_STREAM,
    )
    .await;
    assert_eq!(r.frames.len(), 1, "no gap: the stream goes in one write");
}

#[tokio::test]
async fn faults_are_deterministic_and_shaped_per_protocol() {
    let config = Config {
        fail_rate: 0.5,
        fail_status: vec![429, 500],
        retry_after: Some(2),
        ..Config::default()
    };
    let addr = start(config).await;
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(post(addr, "/v1/chat/completions", &[], CHAT).await.status);
    }
    assert_eq!(statuses, [200, 429, 200, 500]);
    let r = post(addr, "/v1/messages", &[("x-bench-fail", "529")], "{}").await;
    assert_eq!(r.status, 529);
    assert_eq!(r.json()["error"]["type"], "overloaded_error");
    assert_eq!(r.headers["retry-after"], "2");
    let r = post(
        addr,
        "/v1beta/models/g:generateContent",
        &[("x-bench-fail", "429")],
        "{}",
    )
    .await;
    assert_eq!(r.json()["error"]["status"], "RESOURCE_EXHAUSTED");
    let r = post(
        addr,
        "/v1/chat/completions",
        &[("x-bench-fail", "429")],
        "{}",
    )
    .await;
    assert_eq!(r.json()["error"]["type"], "rate_limit_error");

    let stats = get(addr, "/__bench/stats").await;
    assert_eq!(stats["requests"], 7);
    assert_eq!(stats["failed"], 5);
    let r = post(
        addr,
        "/v1/chat/completions",
        &[("x-bench-chunks", "many")],
        CHAT,
    )
    .await;
    assert_eq!(r.status, 400);
}

#[tokio::test]
async fn request_bodies_are_drained_whatever_their_size() {
    let addr = start(Config::default()).await;
    let big = format!(
        r#"{{"model":"m","messages":[{{"role":"user","content":"{}"}}]}}"#,
        "x".repeat(2 << 20)
    );
    let r = post(addr, "/v1/chat/completions", &[], &big).await;
    assert_eq!(r.status, 200);
    let stats = get(addr, "/__bench/stats").await;
    assert_eq!(stats["bytes_in"].as_u64().unwrap(), big.len() as u64);
}
