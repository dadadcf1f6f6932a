//! Decoder and encoder throughput on an OpenAI-like chat completion stream.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use gproxy_sse::{encode, Decoder};

const EVENTS: usize = 500;
const CHUNK: usize = 1500;

/// The `data` payloads of a 500-event Chat Completions stream (role chunk, deltas, finish, usage).
fn payloads() -> Vec<String> {
    let head = r#"{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4.1-2025-04-14","service_tier":"default","system_fingerprint":"fp_1a2b3c4d5e","choices":[{"index":0,"delta":"#;
    let mut out = Vec::with_capacity(EVENTS);
    out.push(format!(
        r#"{head}{{"role":"assistant","content":"","refusal":null}},"logprobs":null,"finish_reason":null}}],"usage":null}}"#
    ));
    for i in 1..EVENTS - 2 {
        out.push(format!(
            r#"{head}{{"content":" wörd{i}"}},"logprobs":null,"finish_reason":null}}],"usage":null}}"#
        ));
    }
    out.push(format!(
        r#"{head}{{}},"logprobs":null,"finish_reason":"stop"}}],"usage":null}}"#
    ));
    out.push("[DONE]".to_owned());
    out
}

fn wire(payloads: &[String]) -> Vec<u8> {
    let mut buf = Vec::new();
    for p in payloads {
        encode(&mut buf, None, p);
    }
    buf
}

fn bench_decode(c: &mut Criterion) {
    let stream = wire(&payloads());
    let mut group = c.benchmark_group("decode");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function("openai_500_events_1.5KB_chunks", |b| {
        b.iter(|| {
            let mut dec = Decoder::new();
            let mut out = Vec::with_capacity(EVENTS);
            for chunk in stream.chunks(CHUNK) {
                dec.feed(black_box(chunk), &mut out);
            }
            dec.finish(&mut out);
            assert_eq!(out.len(), EVENTS);
            out
        })
    });
    group.finish();
}

fn bench_encode(c: &mut Criterion) {
    let payloads = payloads();
    let bytes = wire(&payloads).len();
    let mut group = c.benchmark_group("encode");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("openai_500_events", |b| {
        let mut buf = Vec::with_capacity(bytes);
        b.iter(|| {
            buf.clear();
            for p in &payloads {
                encode(&mut buf, None, black_box(p));
            }
            buf.len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_decode, bench_encode);
criterion_main!(benches);
