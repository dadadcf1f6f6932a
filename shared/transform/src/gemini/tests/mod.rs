//! Tests of the Gemini codec: the five shared scenarios, the captured client requests, stream
//! decode / encode and the signature and tool-name rules. Shared helpers live here.

use gproxy_protocol::Family;
use serde_json::{json, Value};

use super::GeminiCodec;
use crate::aggregate::Aggregator;
use crate::codec::{Codec, DecodeContext, EncodeContext, Frame};
use crate::diag::Diagnostics;
use crate::ir::{
    Delta, Media, MediaSource, Message, Opaque, Part, PartStart, Reasoning, Request, Response,
    Role, StopReason, StreamEvent, Text, ToolCall, ToolChoice, ToolResult, Usage,
};

mod fixtures;
mod requests;
mod scenarios;
mod streams;

const MODEL: &str = "gemini-2.5-flash";

const SCENARIOS: [&str; 5] = [
    "text",
    "parallel_tools",
    "reasoning",
    "image_input",
    "cache_usage",
];

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/gemini/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ctx(stream: bool) -> DecodeContext<'static> {
    DecodeContext {
        model: Some(MODEL),
        stream: Some(stream),
    }
}

fn request(scenario: &str) -> Request {
    GeminiCodec
        .decode_request(&data(&format!("{scenario}.request.json")), ctx(false))
        .unwrap()
}

fn response(scenario: &str) -> Response {
    GeminiCodec
        .decode_response(&data(&format!("{scenario}.response.json")))
        .unwrap()
}

/// The IR events of a scenario stream, fed through the SSE decoder in small byte chunks.
fn stream_events(scenario: &str) -> Vec<StreamEvent> {
    let bytes = data(&format!("{scenario}.stream.sse"));
    let mut sse = gproxy_sse::Decoder::new();
    let mut frames = Vec::new();
    for chunk in bytes.chunks(7) {
        sse.feed(chunk, &mut frames);
    }
    sse.finish(&mut frames);
    let mut dec = GeminiCodec.stream_decoder();
    let mut out = Vec::new();
    for f in &frames {
        dec.decode(f.event.as_deref(), &f.data, &mut out).unwrap();
    }
    dec.finish(&mut out);
    out
}

fn aggregate(events: &[StreamEvent]) -> Response {
    let mut agg = Aggregator::new();
    for e in events {
        agg.push(e);
    }
    agg.finish().unwrap()
}

fn texts(parts: &[Part]) -> Vec<&str> {
    parts
        .iter()
        .filter_map(|p| {
            if let Part::Text(t) = p {
                Some(t.text.as_str())
            } else {
                None
            }
        })
        .collect()
}

fn gemini_sig(s: &str) -> Option<Opaque> {
    Some(Opaque {
        family: Family::Gemini,
        value: Value::String(s.to_owned()),
    })
}

fn usage(input: u64, output: u64, cache_read: u64, reasoning: u64) -> Option<Usage> {
    Some(Usage {
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: cache_read,
        cache_write_tokens: 0,
        reasoning_tokens: reasoning,
    })
}

/// Every Gemini request in the captured client fixtures, with its path.
fn fixture_bodies() -> Vec<(String, Value)> {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/fixtures/clients"
    );
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            let rec: Value = serde_json::from_str(line).unwrap();
            let path = rec["path"].as_str().unwrap_or_default();
            if rec["method"] == "POST" && path.contains("/models/") && path.contains(':') {
                out.push((path.to_owned(), rec["body"].clone()));
            }
        }
    }
    out
}

/// Drop the `call_<n>` ids the decoder gave id-less calls (the encoder sends them, as Gemini CLI
/// sends its own).
fn without_synthesized_ids(mut v: Value) -> Value {
    match &mut v {
        Value::Object(m) => {
            let synthesized = m
                .get("id")
                .and_then(Value::as_str)
                .and_then(|id| id.strip_prefix("call_"))
                .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
            if synthesized {
                m.remove("id");
            }
            for (_, child) in m.iter_mut() {
                *child = without_synthesized_ids(child.take());
            }
        }
        Value::Array(a) => a
            .iter_mut()
            .for_each(|c| *c = without_synthesized_ids(c.take())),
        _ => {}
    }
    v
}
