//! Step 12: what one request did, turned into a usage record, a metric sample and one access log
//! line when it ends — including when a stream is dropped because the client went away.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use gproxy_config::usage::{cost_usd, EndState, UsageRecord};
use gproxy_protocol::{Operation, OperationKind};
use gproxy_transform::ir::Usage;

use crate::accesslog::{AccessLog, Value};
use crate::app::App;

pub struct Ledger {
    app: Arc<App>,
    pub request_id: String,
    started: Instant,
    ts_ms: u64,
    pub operation: Operation,
    pub inbound: OperationKind,
    pub user: Option<Arc<str>>,
    pub key: Option<Arc<str>>,
    pub route: Option<String>,
    pub provider: Option<String>,
    pub credential: Option<Arc<str>>,
    pub model: Option<String>,
    pub upstream_kind: Option<OperationKind>,
    pub stream: bool,
    pub usage: Usage,
    pub price: Option<gproxy_config::bundle::Price>,
    pub status: u16,
    pub attempts: u32,
    pub ttft_ms: Option<u64>,
    pub diagnostics: Vec<String>,
    /// Time spent waiting on the upstream (excluded from overhead).
    pub upstream_wait: std::time::Duration,
    end: Option<EndState>,
    /// Whether this request produces a usage record (API calls do; 404s of unknown paths too,
    /// but unauthenticated requests do not).
    pub billable: bool,
}

impl Ledger {
    pub fn new(
        app: Arc<App>,
        request_id: String,
        operation: Operation,
        inbound: OperationKind,
    ) -> Self {
        let ts_ms = now_ms();
        Ledger {
            app,
            request_id,
            started: Instant::now(),
            ts_ms,
            operation,
            inbound,
            user: None,
            key: None,
            route: None,
            provider: None,
            credential: None,
            model: None,
            upstream_kind: None,
            stream: false,
            usage: Usage::default(),
            price: None,
            status: 0,
            attempts: 0,
            ttft_ms: None,
            diagnostics: Vec::new(),
            upstream_wait: std::time::Duration::ZERO,
            end: None,
            billable: false,
        }
    }

    pub fn elapsed(&self) -> std::time::Duration {
        self.started.elapsed()
    }

    pub fn mark_first_byte(&mut self) {
        if self.ttft_ms.is_none() {
            let e = self.started.elapsed();
            self.ttft_ms = Some(e.as_millis() as u64);
            self.app.metrics.ttft.observe(e.as_secs_f64());
        }
    }

    /// Close the ledger with an end state (idempotent: the first call wins).
    pub fn finish(&mut self, status: u16, end: EndState) {
        if self.end.is_some() {
            return;
        }
        self.status = status;
        self.end = Some(end);
        self.emit();
    }

    fn emit(&mut self) {
        let latency = self.started.elapsed();
        let m = &self.app.metrics;
        m.request(
            self.inbound.as_str(),
            self.operation.as_str(),
            self.status,
            latency.as_secs_f64(),
        );
        if !self.stream {
            m.overhead
                .observe(latency.saturating_sub(self.upstream_wait).as_secs_f64());
        }
        let end = self.end.unwrap_or(EndState::ClientAborted);
        let u = self.usage;
        let cost = self
            .price
            .map(|p| {
                cost_usd(
                    &p,
                    u.input_tokens,
                    u.output_tokens,
                    u.cache_read_tokens,
                    u.cache_write_tokens,
                )
            })
            .unwrap_or(0.0);
        match &self.app.access {
            Some(log) if AccessLog::enabled() => self.write_access(log, end, latency),
            Some(_) => {}
            None => self.trace_access(end, latency),
        }
        if !self.billable {
            return;
        }
        let (Some(user), Some(key)) = (&self.user, &self.key) else {
            return;
        };
        self.app.outbox.push(UsageRecord {
            request_id: self.request_id.clone(),
            ts_ms: self.ts_ms,
            user: user.to_string(),
            key: key.to_string(),
            route: self.route.clone().unwrap_or_default(),
            provider: self.provider.clone(),
            credential: self.credential.as_deref().map(str::to_owned),
            model: self.model.clone(),
            operation: self.operation.as_str().to_owned(),
            inbound_kind: self.inbound.as_str().to_owned(),
            upstream_kind: self.upstream_kind.map(|k| k.as_str().to_owned()),
            stream: self.stream,
            input_tokens: u.input_tokens,
            output_tokens: u.output_tokens,
            cache_read_tokens: u.cache_read_tokens,
            cache_write_tokens: u.cache_write_tokens,
            reasoning_tokens: u.reasoning_tokens,
            cost_usd: cost,
            status: self.status,
            end,
            latency_ms: latency.as_millis() as u64,
            ttft_ms: self.ttft_ms,
            attempts: self.attempts,
        });
    }

    /// The access line, formatted by hand (see `accesslog`).
    fn write_access(&self, log: &AccessLog, end: EndState, latency: std::time::Duration) {
        let u = self.usage;
        log.write(&[
            ("request_id", Value::Bare(&self.request_id)),
            ("op", Value::Str(Some(self.operation.as_str()))),
            ("kind", Value::Str(Some(self.inbound.as_str()))),
            (
                "upstream_kind",
                Value::Str(self.upstream_kind.map(|k| k.as_str())),
            ),
            ("user", Value::Str(self.user.as_deref())),
            ("route", Value::Str(self.route.as_deref())),
            ("provider", Value::Str(self.provider.as_deref())),
            ("credential", Value::Str(self.credential.as_deref())),
            ("model", Value::Str(self.model.as_deref())),
            ("status", Value::U64(Some(u64::from(self.status)))),
            ("end", Value::Bare(end_name(end))),
            ("stream", Value::Bool(self.stream)),
            ("attempts", Value::U64(Some(u64::from(self.attempts)))),
            ("latency_ms", Value::U64(Some(latency.as_millis() as u64))),
            ("ttft_ms", Value::U64(self.ttft_ms)),
            ("input_tokens", Value::U64(Some(u.input_tokens))),
            ("output_tokens", Value::U64(Some(u.output_tokens))),
            ("cache_read_tokens", Value::U64(Some(u.cache_read_tokens))),
            ("diagnostics", Value::List(&self.diagnostics)),
        ]);
    }

    /// The same line through `tracing` (when no access log writer is configured).
    fn trace_access(&self, end: EndState, latency: std::time::Duration) {
        let u = self.usage;
        tracing::info!(
            target: "gproxy::access",
            request_id = %self.request_id,
            op = self.operation.as_str(),
            kind = self.inbound.as_str(),
            upstream_kind = self.upstream_kind.map(|k| k.as_str()),
            user = self.user.as_deref(),
            route = self.route.as_deref(),
            provider = self.provider.as_deref(),
            credential = self.credential.as_deref(),
            model = self.model.as_deref(),
            status = self.status,
            end = ?end,
            stream = self.stream,
            attempts = self.attempts,
            latency_ms = latency.as_millis() as u64,
            ttft_ms = self.ttft_ms,
            input_tokens = u.input_tokens,
            output_tokens = u.output_tokens,
            cache_read_tokens = u.cache_read_tokens,
            diagnostics = ?self.diagnostics,
            "request"
        );
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        if self.end.is_none() {
            // Dropped mid-flight: the client disconnected (the body stream was dropped).
            if self.status == 0 {
                self.status = 499;
            }
            self.end = Some(EndState::ClientAborted);
            self.emit();
        }
    }
}

/// `EndState`'s `Debug` name, as the `tracing` line prints it.
fn end_name(end: EndState) -> &'static str {
    match end {
        EndState::Completed => "Completed",
        EndState::Error => "Error",
        EndState::ClientAborted => "ClientAborted",
        EndState::UpstreamAborted => "UpstreamAborted",
    }
}

/// Wall-clock time in unix milliseconds (0 before 1970).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
