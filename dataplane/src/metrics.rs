//! Prometheus metrics, hand-rolled on atomics: the hot path touches a few relaxed counters and
//! never allocates once a label set has been seen.

use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

use dashmap::DashMap;

/// Latency buckets in seconds: 50 µs .. 120 s.
const BUCKETS: [f64; 20] = [
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
    2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
];

#[derive(Default)]
pub struct Histogram {
    counts: [AtomicU64; 21],
    sum_ns: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, seconds: f64) {
        let i = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        if let Some(c) = self.counts.get(i) {
            c.fetch_add(1, Relaxed);
        }
        self.sum_ns.fetch_add((seconds * 1e9) as u64, Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, labels: &str) {
        let mut cum = 0u64;
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, b) in BUCKETS.iter().enumerate() {
            cum += self.counts[i].load(Relaxed);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {cum}");
        }
        cum += self.counts[BUCKETS.len()].load(Relaxed);
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {cum}");
        let _ = writeln!(
            out,
            "{name}_sum{{{labels}}} {}",
            self.sum_ns.load(Relaxed) as f64 / 1e9
        );
        let _ = writeln!(out, "{name}_count{{{labels}}} {cum}");
    }
}

#[derive(Default)]
pub struct Metrics {
    /// (inbound kind, operation, status) → count
    requests: DashMap<(&'static str, &'static str, u16), AtomicU64>,
    /// inbound kind → total latency
    latency: DashMap<&'static str, Histogram>,
    /// Time spent in the gateway itself (excludes waiting for the upstream).
    pub overhead: Histogram,
    /// Time to first byte of streams as the client sees it.
    pub ttft: Histogram,
    /// (provider, class) → count
    upstream_errors: DashMap<(String, &'static str), AtomicU64>,
    /// (from kind, to kind) → translation diagnostics
    diagnostics: DashMap<(&'static str, &'static str), AtomicU64>,
    pub in_flight: AtomicI64,
    pub shed: AtomicU64,
    pub snapshot_version: AtomicU64,
}

impl Metrics {
    pub fn request(&self, kind: &'static str, op: &'static str, status: u16, seconds: f64) {
        bump(&self.requests, (kind, op, status));
        if let Some(h) = self.latency.get(kind) {
            h.observe(seconds);
        } else {
            self.latency.entry(kind).or_default().observe(seconds);
        }
    }

    pub fn upstream_error(&self, provider: &str, class: &'static str) {
        let key = (provider.to_owned(), class);
        bump(&self.upstream_errors, key);
    }

    pub fn diagnostics(&self, from: &'static str, to: &'static str, n: usize) {
        if n > 0 {
            self.diagnostics
                .entry((from, to))
                .or_default()
                .fetch_add(n as u64, Relaxed);
        }
    }

    pub fn render(&self, extra: &[(&str, &str, f64)]) -> String {
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP gproxy_requests_total Requests answered, by inbound kind, operation and status.\n");
        out.push_str("# TYPE gproxy_requests_total counter\n");
        for e in self.requests.iter() {
            let (k, op, st) = e.key();
            let _ = writeln!(
                out,
                "gproxy_requests_total{{kind=\"{k}\",operation=\"{op}\",status=\"{st}\"}} {}",
                e.value().load(Relaxed)
            );
        }
        out.push_str(
            "# HELP gproxy_request_duration_seconds Request latency as the client sees it.\n",
        );
        out.push_str("# TYPE gproxy_request_duration_seconds histogram\n");
        for e in self.latency.iter() {
            e.value().render(
                &mut out,
                "gproxy_request_duration_seconds",
                &format!("kind=\"{}\"", e.key()),
            );
        }
        out.push_str(
            "# HELP gproxy_overhead_seconds Time spent in the gateway, upstream waits excluded.\n",
        );
        out.push_str("# TYPE gproxy_overhead_seconds histogram\n");
        self.overhead
            .render(&mut out, "gproxy_overhead_seconds", "");
        out.push_str("# HELP gproxy_stream_ttft_seconds Time to the first streamed byte.\n");
        out.push_str("# TYPE gproxy_stream_ttft_seconds histogram\n");
        self.ttft.render(&mut out, "gproxy_stream_ttft_seconds", "");
        out.push_str(
            "# HELP gproxy_upstream_errors_total Upstream failures by provider and class.\n",
        );
        out.push_str("# TYPE gproxy_upstream_errors_total counter\n");
        for e in self.upstream_errors.iter() {
            let (p, c) = e.key();
            let _ = writeln!(
                out,
                "gproxy_upstream_errors_total{{provider=\"{}\",class=\"{c}\"}} {}",
                escape(p),
                e.value().load(Relaxed)
            );
        }
        out.push_str("# HELP gproxy_translation_diagnostics_total Fields a translation approximated or dropped.\n");
        out.push_str("# TYPE gproxy_translation_diagnostics_total counter\n");
        for e in self.diagnostics.iter() {
            let (f, t) = e.key();
            let _ = writeln!(
                out,
                "gproxy_translation_diagnostics_total{{from=\"{f}\",to=\"{t}\"}} {}",
                e.value().load(Relaxed)
            );
        }
        let gauges: [(&str, &str, f64); 3] = [
            (
                "gproxy_in_flight",
                "Requests in flight.",
                self.in_flight.load(Relaxed) as f64,
            ),
            (
                "gproxy_shed_total",
                "Requests shed for overload.",
                self.shed.load(Relaxed) as f64,
            ),
            (
                "gproxy_snapshot_version",
                "Applied snapshot version.",
                self.snapshot_version.load(Relaxed) as f64,
            ),
        ];
        for (name, help, v) in gauges.iter().chain(extra.iter()) {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        out
    }
}

fn bump<K: std::hash::Hash + Eq + Clone>(map: &DashMap<K, AtomicU64>, key: K) {
    if let Some(c) = map.get(&key) {
        c.fetch_add(1, Relaxed);
        return;
    }
    map.entry(key).or_default().fetch_add(1, Relaxed);
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.request("openai_chat", "generate_content", 200, 0.002);
        m.request("openai_chat", "generate_content", 200, 0.2);
        m.upstream_error("oai", "rate_limited");
        let text = m.render(&[]);
        assert!(text.contains("gproxy_requests_total{kind=\"openai_chat\",operation=\"generate_content\",status=\"200\"} 2"));
        assert!(text.contains(
            "gproxy_request_duration_seconds_bucket{kind=\"openai_chat\",le=\"0.0025\"} 1"
        ));
        assert!(text.contains("gproxy_request_duration_seconds_count{kind=\"openai_chat\"} 2"));
        assert!(text
            .contains("gproxy_upstream_errors_total{provider=\"oai\",class=\"rate_limited\"} 1"));
    }
}
