//! What every family renderer gets (model, plan, ids, pacing) and the two ways an answer goes out.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hyper::Response;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::body::{json_bytes, MockBody, SseBuilder};
use crate::plan::Plan;

/// Inputs of one rendered answer.
pub struct Ctx<'a> {
    /// The model asked for, echoed in every answer.
    pub model: &'a str,
    pub plan: &'a Plan,
    /// The request body, parsed.
    pub request: &'a Value,
    /// Sequence number of this request on the server: ids are derived from it.
    pub seq: u64,
    /// Unix seconds.
    pub created: u64,
    /// Pieces per streamed text.
    pub chunks: usize,
    /// Pause between streamed pieces.
    pub delay: Duration,
    /// Cut the stream after this many events.
    pub drop_after: Option<usize>,
}

impl Ctx<'_> {
    /// An id of this request: `<prefix><seq>`, or `<prefix><seq>_<i>` for the i-th item of it.
    pub fn id(&self, prefix: &str, i: Option<usize>) -> String {
        match i {
            Some(i) => format!("{prefix}mock{}_{i}", self.seq),
            None => format!("{prefix}mock{}", self.seq),
        }
    }

    pub fn sse(&self) -> SseBuilder {
        SseBuilder::new(!self.delay.is_zero(), self.drop_after)
    }
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A JSON answer in one write.
pub fn json_response<T: Serialize>(value: &T) -> Response<MockBody> {
    Response::builder()
        .header("content-type", "application/json")
        .body(MockBody::full(json_bytes(value)))
        .unwrap_or_else(|_| Response::new(MockBody::empty()))
}

/// An SSE answer.
pub fn sse_response(sse: SseBuilder, delay: Duration) -> Response<MockBody> {
    Response::builder()
        .header("content-type", "text/event-stream")
        .header("cache-control", "no-cache")
        .body(sse.finish(delay))
        .unwrap_or_else(|_| Response::new(MockBody::empty()))
}

/// An event payload with `type` first (and `sequence_number` second when given), as the providers send it.
pub fn typed(kind: &str, sequence_number: Option<u64>, data: Value) -> Value {
    let mut map = Map::new();
    map.insert("type".to_owned(), Value::from(kind));
    if let Some(n) = sequence_number {
        map.insert("sequence_number".to_owned(), Value::from(n));
    }
    if let Value::Object(fields) = data {
        map.extend(fields);
    }
    Value::Object(map)
}

/// A deterministic embedding of `text`: `dims` values in [-1, 1) derived from an FNV hash.
pub fn embedding(text: &str, dims: usize) -> Vec<f32> {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    (0..dims)
        .map(|i| {
            let x = crate::fault::draw(h, i as u64);
            (x * 2.0 - 1.0) as f32
        })
        .collect()
}

/// Standard base64 of little-endian f32s: OpenAI's `encoding_format: "base64"` embedding.
pub fn base64_f32(values: &[f32]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (k, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_known_vectors() {
        // 1.0f32 = 00 00 80 3f
        assert_eq!(base64_f32(&[1.0]), "AACAPw==");
        assert_eq!(base64_f32(&[1.0, -2.0]), "AACAPwAAAMA=");
        assert_eq!(base64_f32(&[]), "");
    }

    #[test]
    fn embeddings_are_deterministic_per_text() {
        assert_eq!(embedding("a", 8), embedding("a", 8));
        assert_ne!(embedding("a", 8), embedding("b", 8));
        assert!(embedding("a", 16).iter().all(|v| (-1.0..1.0).contains(v)));
    }
}
