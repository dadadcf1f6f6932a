//! What the mock saw: answer counts per path and status, and the last requests received.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;

/// One request as the mock received it, so tests can assert what the gateway sent upstream.
#[derive(Clone, Debug, Serialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// The raw query string (without `?`), if any.
    pub query: Option<String>,
    /// Header names lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    #[serde(serialize_with = "body_as_text")]
    pub body: Bytes,
}

impl RecordedRequest {
    /// First value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, when it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as (lossy) UTF-8 text.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn body_as_text<S: serde::Serializer>(body: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(body))
}

/// A copy of the stats at one moment.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StatsSnapshot {
    /// Answers given, per path then per status code.
    pub counts: BTreeMap<String, BTreeMap<u16, u64>>,
    /// All answers given.
    pub total: u64,
    /// The most recent requests, oldest first (`record_requests` of them at most).
    pub requests: Vec<RecordedRequest>,
}

impl StatsSnapshot {
    /// Answers given on `path` with `status`.
    pub fn count(&self, path: &str, status: u16) -> u64 {
        self.counts
            .get(path)
            .and_then(|m| m.get(&status))
            .copied()
            .unwrap_or(0)
    }

    /// Answers given on `path`, any status.
    pub fn count_path(&self, path: &str) -> u64 {
        self.counts.get(path).map(|m| m.values().sum()).unwrap_or(0)
    }

    /// The most recent request.
    pub fn last(&self) -> Option<&RecordedRequest> {
        self.requests.last()
    }
}

#[derive(Default)]
struct Inner {
    counts: BTreeMap<String, BTreeMap<u16, u64>>,
    total: u64,
    requests: VecDeque<RecordedRequest>,
}

/// The shared recorder; one short lock per request.
#[derive(Default)]
pub struct Stats {
    inner: Mutex<Inner>,
}

impl Stats {
    pub fn record_request(&self, request: RecordedRequest, keep: usize) {
        if keep == 0 {
            return;
        }
        let mut inner = self.lock();
        while inner.requests.len() >= keep {
            inner.requests.pop_front();
        }
        inner.requests.push_back(request);
    }

    pub fn record_status(&self, path: &str, status: u16) {
        let mut inner = self.lock();
        inner.total += 1;
        match inner.counts.get_mut(path) {
            Some(per_status) => *per_status.entry(status).or_insert(0) += 1,
            None => {
                inner
                    .counts
                    .insert(path.to_owned(), BTreeMap::from([(status, 1)]));
            }
        }
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        let inner = self.lock();
        StatsSnapshot {
            counts: inner.counts.clone(),
            total: inner.total,
            requests: inner.requests.iter().cloned().collect(),
        }
    }

    pub fn reset(&self) {
        *self.lock() = Inner::default();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // a panic while holding the lock leaves plain counters behind: still usable
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    fn req(path: &str) -> RecordedRequest {
        RecordedRequest {
            method: "POST".into(),
            path: path.into(),
            query: None,
            headers: vec![("x-api-key".into(), "k".into())],
            body: Bytes::from_static(br#"{"a":1}"#),
        }
    }

    #[test]
    fn keeps_the_last_n_requests_and_counts_per_status() {
        let stats = Stats::default();
        for p in ["/a", "/b", "/c"] {
            stats.record_request(req(p), 2);
        }
        stats.record_status("/a", 200);
        stats.record_status("/a", 200);
        stats.record_status("/a", 429);
        let snap = stats.snapshot();
        let paths: Vec<_> = snap.requests.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["/b", "/c"]);
        assert_eq!(snap.count("/a", 200), 2);
        assert_eq!(snap.count("/a", 429), 1);
        assert_eq!(snap.count_path("/a"), 3);
        assert_eq!(snap.total, 3);
        assert_eq!(snap.last().and_then(|r| r.header("X-Api-Key")), Some("k"));
        let json = serde_json::to_value(&snap).unwrap();
        assert_eq!(json["requests"][0]["body"], r#"{"a":1}"#);
        assert_eq!(json["counts"]["/a"]["429"], 1);
    }
}
