//! Scenario, fixture and round-trip tests of the Anthropic codec.

mod fixtures;
mod request_encode;
mod scenarios;
mod signatures;
mod stream_encode;

use serde_json::Value;

use super::AnthropicCodec;
use crate::aggregate::Aggregator;
use crate::codec::{Codec, DecodeContext, Frame};
use crate::ir;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/anthropic_messages");

fn scenario(name: &str, ext: &str) -> Vec<u8> {
    let path = format!("{DATA}/{name}.{ext}");
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn decode_request(body: &[u8]) -> ir::Request {
    AnthropicCodec
        .decode_request(body, DecodeContext::default())
        .unwrap()
}

/// `(event name, data)` of each event of an SSE text (enough for the provider-framed files).
fn sse_events(text: &str) -> Vec<(Option<String>, String)> {
    text.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let mut event = None;
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    event = Some(v.trim().to_owned());
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push(v.trim_start().to_owned());
                }
            }
            (event, data.join("\n"))
        })
        .collect()
}

/// Decode an Anthropic SSE text into IR events.
fn decode_stream(text: &str) -> Vec<ir::StreamEvent> {
    let mut dec = AnthropicCodec.stream_decoder();
    let mut out = Vec::new();
    for (event, data) in sse_events(text) {
        dec.decode(event.as_deref(), &data, &mut out).unwrap();
    }
    dec.finish(&mut out);
    out
}

fn aggregate(events: &[ir::StreamEvent]) -> ir::Response {
    let mut agg = Aggregator::new();
    for e in events {
        agg.push(e);
    }
    agg.finish().unwrap()
}

/// Frames as `(event name, JSON data)`, checking each name matches the data's `type`.
fn frames_json(frames: &[Frame]) -> Vec<(String, Value)> {
    frames
        .iter()
        .map(|f| {
            let v: Value = serde_json::from_str(&f.data).unwrap();
            let name = f.event.unwrap_or_default().to_owned();
            assert_eq!(
                v["type"],
                name.as_str(),
                "event name and type differ: {}",
                f.data
            );
            (name, v)
        })
        .collect()
}

/// Frames as SSE text, as the pipeline would write them.
fn frames_text(frames: &[Frame]) -> String {
    frames
        .iter()
        .map(|f| {
            format!(
                "event: {}\ndata: {}\n\n",
                f.event.unwrap_or_default(),
                f.data
            )
        })
        .collect()
}
