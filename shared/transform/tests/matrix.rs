//! Every directed edge between the four generate kinds × request / response / stream × the five
//! scenarios of docs/dev/codec-guide.md. Each test checks what a user would notice survives the
//! translation (texts, tool calls and arguments, tool results, images, reasoning, stop reason,
//! usage), that stream output is framed the way the client kind requires and does not depend
//! on how the upstream bytes were split, and pins the exact output in a golden snapshot.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use gproxy_protocol::OperationKind;
use gproxy_transform::aggregate::Aggregator;
use gproxy_transform::ir::StopReason;
use gproxy_transform::stream::StreamTranslator;
use gproxy_transform::{codec, Diagnostics, EncodeContext};

const UPSTREAM_MODEL: &str = "upstream-model";

fn enc_ctx() -> EncodeContext {
    EncodeContext {
        fallback_id: "req_test".into(),
        created: 1_700_000_000,
        model: UPSTREAM_MODEL.into(),
        include_usage: true,
        ..EncodeContext::default()
    }
}

fn name(k: OperationKind) -> &'static str {
    k.as_str()
}

/// Client request of kind `src` → upstream request of kind `dst`.
fn request_edge(src: OperationKind, dst: OperationKind, scenario: &str) {
    let body = read(src, scenario, "request.json");
    let ir = decode_request(src, &body);
    let mut ir_up = ir.clone();
    ir_up.model = UPSTREAM_MODEL.into();
    let mut diag = Diagnostics::new();
    let out = codec(dst)
        .encode_request(&ir_up, &mut diag)
        .unwrap_or_else(|e| panic!("encode: {e}"));
    assert_eq!(out.model, UPSTREAM_MODEL);
    let back = codec(dst)
        .decode_request(
            &out.body,
            DecodeContext {
                model: Some(UPSTREAM_MODEL),
                stream: Some(out.stream),
            },
        )
        .unwrap_or_else(|e| panic!("the encoded {dst} request does not decode: {e}"));
    assert_eq!(back.model, UPSTREAM_MODEL);
    let mut want = request_items(&ir);
    let mut got = request_items(&back);
    if !reasoning_survives(src, dst) {
        want.retain(|i| !matches!(i, Item::Reasoning(_)));
        got.retain(|i| !matches!(i, Item::Reasoning(_)));
    }
    assert_eq!(
        got, want,
        "{scenario}: conversation changed meaning {src} → {dst}"
    );
    assert_eq!(back.tools.len(), ir.tools.len(), "tools");
    assert_eq!(
        back.max_output_tokens.is_some(),
        ir.max_output_tokens.is_some() || dst == OperationKind::AnthropicMessages
    );
    let pretty: serde_json::Value = serde_json::from_slice(&out.body).unwrap();
    insta::assert_json_snapshot!(
        format!("request__{}__{}__{scenario}", name(src), name(dst)),
        pretty
    );
}

use gproxy_transform::DecodeContext;

/// Replayed reasoning in a request crosses only where the target accepts it without the
/// origin's signature: Gemini takes unsigned thought parts. Chat has no field for it; Anthropic
/// and Responses reject thinking / reasoning items without their own signature, so the codecs
/// drop foreign ones (with a diagnostic).
fn reasoning_survives(src: OperationKind, dst: OperationKind) -> bool {
    src == OperationKind::OpenAiResponses && dst == OperationKind::Gemini
}

/// Upstream whole answer of kind `dst` → client answer of kind `src`.
fn response_edge(src: OperationKind, dst: OperationKind, scenario: &str) {
    let body = read(dst, scenario, "response.json");
    let up = codec(dst)
        .decode_response(&body)
        .unwrap_or_else(|e| panic!("decode {dst}: {e}"));
    let mut diag = Diagnostics::new();
    let out = codec(src).encode_response(&up, &enc_ctx(), &mut diag);
    let back = codec(src)
        .decode_response(&out)
        .unwrap_or_else(|e| panic!("the {src} answer does not decode: {e}"));
    compare_answers(&answer(&up), &answer(&back), src, dst, scenario);
    let pretty: serde_json::Value = serde_json::from_slice(&out).unwrap();
    insta::assert_json_snapshot!(
        format!("response__{}__{}__{scenario}", name(dst), name(src)),
        pretty
    );
}

fn compare_answers(
    up: &Answer,
    back: &Answer,
    src: OperationKind,
    dst: OperationKind,
    scenario: &str,
) {
    assert_eq!(back.text, up.text, "{scenario}: text {dst} → {src}");
    assert_eq!(back.calls, up.calls, "{scenario}: tool calls {dst} → {src}");
    assert_eq!(
        back.reasoning, up.reasoning,
        "{scenario}: reasoning {dst} → {src}"
    );
    let norm = |s: &Option<StopReason>| match s {
        Some(StopReason::StopSequence(_)) => Some(StopReason::StopSequence(None)),
        other => other.clone(),
    };
    assert_eq!(
        norm(&back.stop),
        norm(&up.stop),
        "{scenario}: stop reason {dst} → {src}"
    );
    assert_eq!(
        comparable_usage(back.usage, src, dst),
        comparable_usage(up.usage, src, dst),
        "{scenario}: usage {dst} → {src}"
    );
}

fn translate_stream(src: OperationKind, dst: OperationKind, input: &[u8], split: usize) -> Vec<u8> {
    let mut t = StreamTranslator::new(
        codec(dst).stream_decoder(),
        codec(src).stream_encoder(enc_ctx()),
    );
    let mut out = Vec::new();
    for chunk in input.chunks(split.max(1)) {
        t.push(chunk, &mut out)
            .unwrap_or_else(|e| panic!("stream {dst} → {src}: {e}"));
    }
    t.finish(&mut out)
        .unwrap_or_else(|e| panic!("stream end {dst} → {src}: {e}"));
    out
}

/// Parse a client-side stream back into an answer, checking its framing.
fn read_stream(kind: OperationKind, bytes: &[u8]) -> Answer {
    let mut sse = gproxy_sse::Decoder::new();
    let mut events = Vec::new();
    sse.feed(bytes, &mut events);
    sse.finish(&mut events);
    assert!(!events.is_empty(), "no frames");
    match kind {
        OperationKind::AnthropicMessages | OperationKind::OpenAiResponses => {
            assert!(
                events.iter().all(|e| e.event.is_some()),
                "{kind} frames need `event:` lines"
            );
        }
        OperationKind::OpenAiChat => {
            assert!(
                events.iter().all(|e| e.event.is_none()),
                "chat frames are data-only"
            );
            assert_eq!(
                events.last().map(|e| e.data.as_str()),
                Some("[DONE]"),
                "chat ends with [DONE]"
            );
        }
        OperationKind::Gemini => {
            assert!(
                events.iter().all(|e| e.event.is_none()),
                "gemini frames are data-only"
            );
            let last: serde_json::Value =
                serde_json::from_str(&events.last().unwrap().data).unwrap();
            assert!(
                last["candidates"][0]["finishReason"].is_string(),
                "gemini's last chunk needs finishReason: {last}"
            );
        }
        OperationKind::OpenAi => {}
    }
    if kind == OperationKind::AnthropicMessages {
        let starts = events
            .iter()
            .filter(|e| e.event.as_deref() == Some("content_block_start"))
            .count();
        let stops = events
            .iter()
            .filter(|e| e.event.as_deref() == Some("content_block_stop"))
            .count();
        assert_eq!(starts, stops, "every content_block_start has its stop");
        assert_eq!(
            events.last().and_then(|e| e.event.as_deref()),
            Some("message_stop")
        );
    }
    if kind == OperationKind::OpenAiResponses {
        let last = events.last().and_then(|e| e.event.as_deref());
        assert!(
            matches!(last, Some("response.completed" | "response.incomplete")),
            "{last:?}"
        );
        let ids: std::collections::HashSet<String> = events
            .iter()
            .filter_map(|e| serde_json::from_str::<serde_json::Value>(&e.data).ok())
            .filter_map(|v| v["response"]["id"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(
            ids.len(),
            1,
            "one response id across the lifecycle: {ids:?}"
        );
    }
    let mut dec = codec(kind).stream_decoder();
    let mut ir = Vec::new();
    for e in &events {
        dec.decode(e.event.as_deref(), &e.data, &mut ir)
            .unwrap_or_else(|err| panic!("{kind} frame {e:?}: {err}"));
    }
    dec.finish(&mut ir);
    let mut agg = Aggregator::new();
    for e in &ir {
        agg.push(e);
    }
    answer(
        &agg.finish()
            .unwrap_or_else(|e| panic!("stream ended in error: {e:?}")),
    )
}

/// Upstream stream of kind `dst` → client stream of kind `src`.
fn stream_edge(src: OperationKind, dst: OperationKind, scenario: &str) {
    let input = read(dst, scenario, "stream.sse");
    // what the upstream said, read natively
    let up = read_stream_lenient(dst, &input);
    let whole = translate_stream(src, dst, &input, usize::MAX);
    for split in [1, 7, 64] {
        assert_eq!(
            translate_stream(src, dst, &input, split),
            whole,
            "output depends on chunking ({split})"
        );
    }
    let back = read_stream(src, &whole);
    compare_answers(&up, &back, src, dst, scenario);
    insta::assert_snapshot!(
        format!("stream__{}__{}__{scenario}", name(dst), name(src)),
        String::from_utf8_lossy(&whole)
    );
}

fn read_stream_lenient(kind: OperationKind, bytes: &[u8]) -> Answer {
    let mut sse = gproxy_sse::Decoder::new();
    let mut events = Vec::new();
    sse.feed(bytes, &mut events);
    sse.finish(&mut events);
    let mut dec = codec(kind).stream_decoder();
    let mut ir = Vec::new();
    for e in &events {
        dec.decode(e.event.as_deref(), &e.data, &mut ir).unwrap();
    }
    dec.finish(&mut ir);
    let mut agg = Aggregator::new();
    for e in &ir {
        agg.push(e);
    }
    answer(&agg.finish().unwrap())
}

macro_rules! edge {
    ($mod:ident, $src:expr, $dst:expr) => {
        mod $mod {
            use super::*;
            #[test]
            fn request_text() {
                request_edge($src, $dst, "text")
            }
            #[test]
            fn request_parallel_tools() {
                request_edge($src, $dst, "parallel_tools")
            }
            #[test]
            fn request_reasoning() {
                request_edge($src, $dst, "reasoning")
            }
            #[test]
            fn request_image_input() {
                request_edge($src, $dst, "image_input")
            }
            #[test]
            fn request_cache_usage() {
                request_edge($src, $dst, "cache_usage")
            }
            #[test]
            fn response_text() {
                response_edge($src, $dst, "text")
            }
            #[test]
            fn response_parallel_tools() {
                response_edge($src, $dst, "parallel_tools")
            }
            #[test]
            fn response_reasoning() {
                response_edge($src, $dst, "reasoning")
            }
            #[test]
            fn response_image_input() {
                response_edge($src, $dst, "image_input")
            }
            #[test]
            fn response_cache_usage() {
                response_edge($src, $dst, "cache_usage")
            }
            #[test]
            fn stream_text() {
                stream_edge($src, $dst, "text")
            }
            #[test]
            fn stream_parallel_tools() {
                stream_edge($src, $dst, "parallel_tools")
            }
            #[test]
            fn stream_reasoning() {
                stream_edge($src, $dst, "reasoning")
            }
            #[test]
            fn stream_image_input() {
                stream_edge($src, $dst, "image_input")
            }
            #[test]
            fn stream_cache_usage() {
                stream_edge($src, $dst, "cache_usage")
            }
        }
    };
}

use OperationKind::{AnthropicMessages as A, Gemini as G, OpenAiChat as C, OpenAiResponses as R};

// client kind first, upstream kind second
edge!(chat_to_responses, C, R);
edge!(chat_to_anthropic, C, A);
edge!(chat_to_gemini, C, G);
edge!(responses_to_chat, R, C);
edge!(responses_to_anthropic, R, A);
edge!(responses_to_gemini, R, G);
edge!(anthropic_to_chat, A, C);
edge!(anthropic_to_responses, A, R);
edge!(anthropic_to_gemini, A, G);
edge!(gemini_to_chat, G, C);
edge!(gemini_to_responses, G, R);
edge!(gemini_to_anthropic, G, A);
