//! Criterion benchmarks of the translation hot path: parse + transform of a 1 KB and a 100 KB
//! request, the raw-byte passthrough patch, and a 500-event stream. Results: docs/benchmarks.md.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use gproxy_protocol::OperationKind;
use gproxy_transform::passthrough::{patch, Patch};
use gproxy_transform::stream::StreamTranslator;
use gproxy_transform::{codec, DecodeContext, Diagnostics, EncodeContext};
use serde_json::json;

/// A Chat request of about `target` bytes: a system prompt, a tool, alternating turns.
fn chat_request(target: usize) -> Vec<u8> {
    let mut messages =
        vec![json!({"role": "system", "content": "You are a helpful assistant. Answer briefly."})];
    let mut i = 0;
    loop {
        let body = serde_json::to_vec(&json!({
            "model": "gpt-4o",
            "messages": messages,
            "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
            "max_tokens": 512,
            "stream": true,
        }))
        .unwrap_or_default();
        if body.len() >= target {
            return body;
        }
        let role = if i % 2 == 0 { "user" } else { "assistant" };
        messages.push(json!({"role": role, "content": format!("message {i}: the quick brown fox jumps over the lazy dog, again and again.")}));
        i += 1;
    }
}

/// An Anthropic stream of `n` text deltas.
fn anthropic_stream(n: usize) -> Vec<u8> {
    let mut s = String::new();
    s.push_str("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude\",\"stop_reason\":null,\"usage\":{\"input_tokens\":10,\"output_tokens\":1}}}\n\n");
    s.push_str("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n");
    for i in 0..n {
        s.push_str(&format!(
            "event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{{\"type\":\"text_delta\",\"text\":\"token {i} \"}}}}\n\n"
        ));
    }
    s.push_str(
        "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n",
    );
    s.push_str("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":500}}\n\n");
    s.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    s.into_bytes()
}

fn requests(c: &mut Criterion) {
    let mut g = c.benchmark_group("request");
    for size in [1024usize, 100 * 1024] {
        let body = chat_request(size);
        g.throughput(Throughput::Bytes(body.len() as u64));
        let label = format!("{}KB", size / 1024);
        g.bench_with_input(
            BenchmarkId::new("chat_to_anthropic", &label),
            &body,
            |b, body| {
                b.iter(|| {
                    let req = codec(OperationKind::OpenAiChat)
                        .decode_request(body, DecodeContext::default())
                        .unwrap_or_default();
                    codec(OperationKind::AnthropicMessages)
                        .encode_request(&req, &mut Diagnostics::new())
                        .map(|e| e.body.len())
                        .unwrap_or(0)
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("chat_to_gemini", &label),
            &body,
            |b, body| {
                b.iter(|| {
                    let req = codec(OperationKind::OpenAiChat)
                        .decode_request(body, DecodeContext::default())
                        .unwrap_or_default();
                    codec(OperationKind::Gemini)
                        .encode_request(&req, &mut Diagnostics::new())
                        .map(|e| e.body.len())
                        .unwrap_or(0)
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("passthrough_patch_model", &label),
            &body,
            |b, body| {
                b.iter(|| {
                    patch(body, &[Patch::Set("model", b"\"gpt-4o-2024-11-20\"")])
                        .map(|v| v.len())
                        .unwrap_or(0)
                })
            },
        );
    }
    g.finish();
}

fn streams(c: &mut Criterion) {
    let input = anthropic_stream(500);
    let mut g = c.benchmark_group("stream_500_events");
    g.throughput(Throughput::Elements(500));
    for (name, client) in [
        ("anthropic_to_chat", OperationKind::OpenAiChat),
        ("anthropic_to_responses", OperationKind::OpenAiResponses),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut t = StreamTranslator::new(
                    codec(OperationKind::AnthropicMessages).stream_decoder(),
                    codec(client).stream_encoder(EncodeContext::default()),
                );
                let mut out = Vec::with_capacity(input.len() * 2);
                for chunk in input.chunks(1500) {
                    let _ = t.push(chunk, &mut out);
                }
                let _ = t.finish(&mut out);
                out.len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, requests, streams);
criterion_main!(benches);
