//! Wall time of each translation step on real request/response bodies, for quick profiling
//! between criterion runs:
//!
//!     cargo run --release -p gproxy-transform --example edge_cost -- \
//!         anthropic REQ.json chat RESP.json [iterations]
//!
//! decodes REQ.json as the client kind, encodes it for the upstream kind, decodes RESP.json as
//! the upstream kind's answer and encodes that for the client, printing ns per step.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::time::Instant;

use gproxy_protocol::OperationKind;
use gproxy_transform::{codec, DecodeContext, Diagnostics, EncodeContext};

fn kind(name: &str) -> OperationKind {
    match name {
        "chat" => OperationKind::OpenAiChat,
        "responses" => OperationKind::OpenAiResponses,
        "anthropic" => OperationKind::AnthropicMessages,
        "gemini" => OperationKind::Gemini,
        other => panic!("unknown kind {other}"),
    }
}

fn time<T>(label: &str, n: u32, mut f: impl FnMut() -> T) {
    for _ in 0..n / 10 {
        std::hint::black_box(f());
    }
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(f());
    }
    println!(
        "{label:<28} {:>8.0} ns",
        t.elapsed().as_nanos() as f64 / f64::from(n)
    );
}

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let (client, up) = (kind(&a[0]), kind(&a[2]));
    let req = std::fs::read(&a[1]).expect("request file");
    let resp = std::fs::read(&a[3]).expect("response file");
    let n: u32 = a.get(4).map_or(20_000, |s| s.parse().expect("iterations"));
    let (cc, uc) = (codec(client), codec(up));

    let ir_req = cc
        .decode_request(&req, DecodeContext::default())
        .expect("decodes");
    let ir_resp = uc.decode_response(&resp).expect("decodes");
    time("decode client request", n, || {
        cc.decode_request(&req, DecodeContext::default())
            .map(|r| r.messages.len())
    });
    time("encode upstream request", n, || {
        uc.encode_request(&ir_req, &mut Diagnostics::new())
            .map(|e| e.body.len())
    });
    time("decode upstream response", n, || {
        uc.decode_response(&resp).map(|r| r.content.len())
    });
    time("encode client response", n, || {
        cc.encode_response(&ir_resp, &EncodeContext::default(), &mut Diagnostics::new())
            .len()
    });
    time("serde_json::Value (request)", n, || {
        serde_json::from_slice::<serde_json::Value>(&req).map(|v| v.is_object())
    });
}
