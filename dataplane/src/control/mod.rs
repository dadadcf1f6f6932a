//! Control-plane mode: the data plane subscribes to its configuration, ships its usage records and
//! reports upstream health over three gRPC streams to `gproxy-controlplane`, reconnecting forever
//! and serving the last good snapshot meanwhile (static stability).

pub mod config;
pub mod health;
pub mod link;
pub mod spool;
pub mod usage;

use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::app::AppState;
pub use link::{Link, LinkError, TlsFiles};

/// Everything control-plane mode needs; [`ControlOptions::new`] has the production defaults.
#[derive(Debug, Clone)]
pub struct ControlOptions {
    /// `http://host:port` or `https://host:port`.
    pub url: String,
    pub node_id: String,
    /// Sent as `authorization: Bearer <token>` on every stream.
    pub cluster_token: Option<String>,
    /// mTLS / private CA; `https` URLs without it trust the WebPKI roots.
    pub tls: TlsFiles,
    /// Reconnect delays: doubling from `min` to `max`, with jitter.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    pub usage: usage::UsageOptions,
}

impl ControlOptions {
    pub fn new(url: impl Into<String>, node_id: impl Into<String>) -> Self {
        ControlOptions {
            url: url.into(),
            node_id: node_id.into(),
            cluster_token: None,
            tls: TlsFiles::default(),
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(10),
            usage: usage::UsageOptions::default(),
        }
    }
}

/// `hostname-pid`, the default node id.
pub fn default_node_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "dataplane".to_owned());
    format!("{host}-{}", std::process::id())
}

/// What the streams are doing, for logs and tests.
#[derive(Debug, Default)]
pub struct Status {
    pub config_connected: AtomicBool,
    pub usage_connected: AtomicBool,
    /// Config versions rejected so far.
    pub nacks: AtomicU64,
    /// Records written to the spool so far.
    pub spooled: AtomicU64,
    /// Usage batches acknowledged so far.
    pub acked_batches: AtomicU64,
    /// Full snapshots applied so far (a resumed stream brings deltas only).
    pub full_snapshots: AtomicU64,
    /// Deltas applied so far.
    pub deltas: AtomicU64,
}

/// The three running streams.
pub struct Control {
    pub status: Arc<Status>,
    stop: watch::Sender<bool>,
    config: JoinHandle<()>,
    health: JoinHandle<()>,
    usage: JoinHandle<()>,
}

/// Start the config subscriber, the usage drainer and the health reporter.
pub fn start(app: AppState, opts: ControlOptions) -> Result<Control, LinkError> {
    let link = Link::new(&opts)?;
    let status = Arc::new(Status::default());
    let (stop, stop_rx) = watch::channel(false);
    let events = health::install(&app);
    let spool = usage::install(&app, &opts.usage, &status);
    let config = tokio::spawn(config::run(
        app.clone(),
        link.clone(),
        status.clone(),
        stop_rx.clone(),
    ));
    let health = tokio::spawn(health::run(events, link.clone(), stop_rx.clone()));
    let usage = tokio::spawn(usage::run(
        app,
        link,
        opts.usage.clone(),
        status.clone(),
        spool,
        stop_rx,
    ));
    Ok(Control {
        status,
        stop,
        config,
        health,
        usage,
    })
}

impl Control {
    /// Stop the streams; usage records not yet acknowledged are written to the spool first.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        let _ = (&mut self.usage).await;
        self.config.abort();
        self.health.abort();
    }
}

impl Drop for Control {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Reconnect delays: exponential from `min` to `max`, each drawn in `[d/2, d]` so that many data
/// planes restarting together do not reconnect in step.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    pub fn new(min: Duration, max: Duration) -> Self {
        let min = min.max(Duration::from_millis(1));
        Backoff {
            min,
            max: max.max(min),
            next: min,
        }
    }

    /// The delay before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (d * 2).min(self.max);
        let half = d / 2;
        half + half.mul_f64(fastrand::f64())
    }

    /// A stream worked: start again from `min`.
    pub fn reset(&mut self) {
        self.next = self.min;
    }
}

/// Whether the `n`th failure in a row is worth a warning (1st, then every 10th); the others are
/// logged at debug so an absent control plane does not flood the log.
pub(crate) fn loud(n: u32) -> bool {
    n <= 1 || n.is_multiple_of(10)
}

/// A status as one short line.
pub(crate) fn status_line(s: &gproxy_proto::tonic::Status) -> String {
    format!("{:?}: {}", s.code(), s.message())
}

/// Wait `d`, or less when told to stop; true when stopped.
pub(crate) async fn sleep_or_stop(d: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => *stop.borrow(),
        _ = stopped(stop) => true,
    }
}

/// Resolves once stop is signalled (or its sender is gone).
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));
        let mut nominal = Duration::from_millis(100);
        for _ in 0..12 {
            let d = b.next_delay();
            assert!(d >= nominal / 2 && d <= nominal, "{d:?} vs {nominal:?}");
            nominal = (nominal * 2).min(Duration::from_secs(10));
        }
        assert!(b.next_delay() >= Duration::from_secs(5));
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
    }
}
