//! Shared state of a data plane: the current compiled snapshot behind one `ArcSwap`, and the
//! long-lived parts that survive snapshot swaps (health, cursors, metrics, outbox, HTTP client).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use gproxy_config::Snapshot;

use crate::accesslog::AccessLog;
use crate::health::Health;
use crate::metrics::Metrics;
use crate::routing::Cursors;
use crate::runtime::{CompileError, Runtime};
use crate::usage::Outbox;

pub struct App {
    runtime: ArcSwap<Runtime>,
    /// Route members (`provider/model`).
    pub health: Health,
    /// Upstream credentials (`provider/credential`), kept apart so ids never collide.
    pub cred_health: Health,
    pub cursors: Cursors,
    pub metrics: Metrics,
    pub outbox: Arc<Outbox>,
    pub client: wreq::Client,
    /// Hand-formatted access lines; `None` logs them through `tracing` (tests, embedding).
    pub access: Option<AccessLog>,
}

pub type AppState = Arc<App>;

#[derive(Debug, Clone)]
pub struct Options {
    pub outbox_capacity: usize,
    pub connect_timeout: Duration,
    pub access_log: Option<AccessLog>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            outbox_capacity: 100_000,
            connect_timeout: Duration::from_secs(10),
            access_log: None,
        }
    }
}

/// Idle keep-alive connections kept per upstream host. Sized for a burst of long requests (a
/// wave of 1 000 one-second completions): with a smaller pool every wave closed the surplus
/// connections and reopened them on the next, a TCP handshake per request. Idle ones still
/// close after 90 s.
const POOL_MAX_IDLE_PER_HOST: usize = 4096;

/// An upstream HTTP client: pooled keep-alive connections, no redirects, no ambient proxies
/// (proxies are per provider / credential), no retries of its own: failover is the pipeline's
/// (wreq's default policy retries HTTP/2 protocol NACKs and, to be able to, clones every
/// request's headers and extensions before sending it).
pub fn upstream_client(connect_timeout: Duration) -> Result<wreq::Client, wreq::Error> {
    wreq::Client::builder()
        .connect_timeout(connect_timeout)
        .tcp_nodelay(true)
        .pool_idle_timeout(Duration::from_secs(90))
        .pool_max_idle_per_host(POOL_MAX_IDLE_PER_HOST)
        .no_proxy()
        .redirect(wreq::redirect::Policy::none())
        .retry(wreq::retry::Policy::never().max_retries_per_request(0))
        .build()
}

impl App {
    pub fn new(opts: &Options) -> Result<AppState, wreq::Error> {
        let client = upstream_client(opts.connect_timeout)?;
        let defaults = gproxy_config::bundle::Settings::default();
        Ok(Arc::new(App {
            runtime: ArcSwap::from_pointee(Runtime::empty()),
            health: Health::new(
                defaults.breaker_threshold,
                Duration::from_millis(defaults.breaker_cooldown_ms),
            ),
            cred_health: Health::new(
                defaults.breaker_threshold,
                Duration::from_millis(defaults.breaker_cooldown_ms),
            ),
            cursors: Cursors::default(),
            metrics: Metrics::default(),
            outbox: Arc::new(Outbox::new(opts.outbox_capacity)),
            client,
            access: opts.access_log.clone(),
        }))
    }

    /// The snapshot for one request: load once, use throughout.
    pub fn runtime(&self) -> Arc<Runtime> {
        self.runtime.load_full()
    }

    /// Compile and swap in a snapshot; the previous one keeps serving when it fails.
    pub fn apply(&self, snap: &Snapshot) -> Result<u64, CompileError> {
        let rt = Runtime::compile(snap)?;
        let cooldown = Duration::from_millis(rt.settings.breaker_cooldown_ms);
        self.health
            .configure(rt.settings.breaker_threshold, cooldown);
        self.cred_health
            .configure(rt.settings.breaker_threshold, cooldown);
        let version = rt.version;
        self.runtime.store(Arc::new(rt));
        self.metrics
            .snapshot_version
            .store(version, Ordering::Relaxed);
        Ok(version)
    }
}
