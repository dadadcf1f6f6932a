//! Behaviour knobs of the mock: latency, stream pacing, padding, injected faults and the required key.

use std::net::SocketAddr;

use hyper::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Everything that changes how the mock answers. Set at start, replaced at run time with
/// `MockHandle::set_config` or `POST /__mock/config`, and overridden per request by `x-mock-*` headers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MockConfig {
    /// Address to bind (`127.0.0.1:0` when absent); ignored after start.
    pub listen: Option<SocketAddr>,
    /// Delay before the first byte of every answer (errors included), in milliseconds.
    pub latency_ms: u64,
    /// How many pieces each streamed text, thinking text and tool-argument string is cut into.
    pub chunks: usize,
    /// Pause between two streamed pieces, in milliseconds (0 = the whole stream goes out in one write).
    pub chunk_delay_ms: u64,
    /// Filler characters appended to every text reply (benchmarks of 100 KB / 1 MB bodies).
    pub pad_bytes: usize,
    /// Injected fault: answer this status in the family's error shape instead of a reply.
    pub status: Option<u16>,
    /// Chance (0.0–1.0) that the fault fires on a given request; 1.0 = always.
    pub probability: f64,
    /// Seed of the deterministic generator drawing `probability`.
    pub seed: u64,
    /// Inject the fault only into the first N requests after this config was set (global config only).
    pub fault_limit: Option<u64>,
    /// `retry-after` seconds sent with the fault (and as Gemini `RetryInfo`).
    pub retry_after: Option<u64>,
    /// Cut the connection after this many SSE events of a stream.
    pub drop_after_chunks: Option<usize>,
    /// Answer 401 unless the request carries this key the family's way.
    pub required_key: Option<String>,
    /// How many recent requests the stats keep (0 = none, for benchmarks).
    pub record_requests: usize,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            listen: None,
            latency_ms: 0,
            chunks: 4,
            chunk_delay_ms: 0,
            pad_bytes: 0,
            status: None,
            probability: 1.0,
            seed: 0,
            fault_limit: None,
            retry_after: None,
            drop_after_chunks: None,
            required_key: None,
            record_requests: 64,
        }
    }
}

/// The per-request header that overrides each field, in the order of the table in the docs.
pub const HEADER_NAMES: [&str; 10] = [
    "x-mock-latency-ms",
    "x-mock-chunks",
    "x-mock-chunk-delay-ms",
    "x-mock-pad-bytes",
    "x-mock-status",
    "x-mock-probability",
    "x-mock-seed",
    "x-mock-retry-after",
    "x-mock-drop-after-chunks",
    "x-mock-required-key",
];

impl MockConfig {
    /// This config with any `x-mock-*` headers of the request applied on top.
    /// Unparsable header values are ignored; `none` clears an optional field.
    pub fn with_headers(&self, headers: &HeaderMap) -> Self {
        let mut out = self.clone();
        for name in HEADER_NAMES {
            let Some(raw) = headers.get(name).and_then(|v| v.to_str().ok()) else {
                continue;
            };
            let raw = raw.trim();
            let clear = raw.eq_ignore_ascii_case("none");
            match name {
                "x-mock-latency-ms" => set(&mut out.latency_ms, raw),
                "x-mock-chunks" => set(&mut out.chunks, raw),
                "x-mock-chunk-delay-ms" => set(&mut out.chunk_delay_ms, raw),
                "x-mock-pad-bytes" => set(&mut out.pad_bytes, raw),
                "x-mock-status" => set_opt(&mut out.status, raw, clear),
                "x-mock-probability" => set(&mut out.probability, raw),
                "x-mock-seed" => set(&mut out.seed, raw),
                "x-mock-retry-after" => set_opt(&mut out.retry_after, raw, clear),
                "x-mock-drop-after-chunks" => set_opt(&mut out.drop_after_chunks, raw, clear),
                _ => out.required_key = (!clear).then(|| raw.to_owned()),
            }
        }
        out
    }

    /// This config with the fields present in a JSON object replaced (`null` clears an optional field).
    pub fn merged(&self, patch: &Value) -> Result<Self, String> {
        let Value::Object(patch) = patch else {
            return Err("config patch must be a JSON object".to_owned());
        };
        let mut current = serde_json::to_value(self).map_err(|e| e.to_string())?;
        if let Value::Object(map) = &mut current {
            for (key, value) in patch {
                if !map.contains_key(key) {
                    return Err(format!("unknown config field `{key}`"));
                }
                map.insert(key.clone(), value.clone());
            }
        }
        serde_json::from_value(current).map_err(|e| e.to_string())
    }
}

fn set<T: std::str::FromStr>(slot: &mut T, raw: &str) {
    if let Ok(v) = raw.parse() {
        *slot = v;
    }
}

fn set_opt<T: std::str::FromStr>(slot: &mut Option<T>, raw: &str, clear: bool) {
    if clear {
        *slot = None;
    } else if let Ok(v) = raw.parse() {
        *slot = Some(v);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;
    use hyper::header::HeaderValue;

    #[test]
    fn headers_override_and_clear_fields() {
        let base = MockConfig {
            retry_after: Some(3),
            ..MockConfig::default()
        };
        let mut headers = HeaderMap::new();
        headers.insert("x-mock-status", HeaderValue::from_static("529"));
        headers.insert("x-mock-chunks", HeaderValue::from_static("7"));
        headers.insert("x-mock-probability", HeaderValue::from_static("0.25"));
        headers.insert("x-mock-retry-after", HeaderValue::from_static("none"));
        headers.insert(
            "x-mock-latency-ms",
            HeaderValue::from_static("not-a-number"),
        );
        headers.insert("x-mock-required-key", HeaderValue::from_static("sk-1"));
        let got = base.with_headers(&headers);
        assert_eq!(got.status, Some(529));
        assert_eq!(got.chunks, 7);
        assert_eq!(got.probability, 0.25);
        assert_eq!(got.retry_after, None);
        assert_eq!(got.latency_ms, 0);
        assert_eq!(got.required_key.as_deref(), Some("sk-1"));
    }

    #[test]
    fn merge_replaces_only_given_fields_and_rejects_unknown() {
        let base = MockConfig::default();
        let got = base
            .merged(&serde_json::json!({"status": 503, "pad_bytes": 1024}))
            .unwrap();
        assert_eq!(got.status, Some(503));
        assert_eq!(got.pad_bytes, 1024);
        assert_eq!(got.chunks, 4);
        let cleared = got.merged(&serde_json::json!({"status": null})).unwrap();
        assert_eq!(cleared.status, None);
        assert!(base.merged(&serde_json::json!({"stauts": 1})).is_err());
        assert!(base.merged(&serde_json::json!([1])).is_err());
    }
}
