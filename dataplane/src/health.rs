//! Member and credential health: circuit breakers, cooldowns after 429/401, latency averages.
//! Keyed by stable ids (`provider/model`, `provider/credential`) so it survives snapshot swaps.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dashmap::DashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 401/403: the credential is rejected; long cooldown until refreshed or replaced.
    AuthDead,
    /// 429: back off for Retry-After (or the default cooldown).
    RateLimited(Option<Duration>),
    /// 5xx, timeouts, connection errors.
    Transient,
}

#[derive(Debug, Default)]
struct State {
    consecutive_failures: u32,
    open_until: Option<Instant>,
    /// Exponentially weighted moving average of successful latencies, microseconds.
    ewma_us: f64,
    samples: u64,
}

/// Told when a breaker opens: the id, why, and for how long (the control-plane health reporter).
pub type OpenListener = Box<dyn Fn(&Arc<str>, Failure, Duration) + Send + Sync>;

/// Health of everything upstream, shared by all requests of a data plane.
pub struct Health {
    states: DashMap<Arc<str>, State>,
    threshold: std::sync::atomic::AtomicU32,
    cooldown_ms: std::sync::atomic::AtomicU64,
    on_open: std::sync::OnceLock<OpenListener>,
}

/// How long a rejected credential rests before it is tried again.
const AUTH_DEAD_COOLDOWN: Duration = Duration::from_secs(300);

impl Health {
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Health {
            states: DashMap::new(),
            threshold: threshold.max(1).into(),
            cooldown_ms: (cooldown.as_millis() as u64).into(),
            on_open: std::sync::OnceLock::new(),
        }
    }

    /// Install the breaker-open listener (once; false when one is already set).
    pub fn set_open_listener(&self, f: OpenListener) -> bool {
        self.on_open.set(f).is_ok()
    }

    /// Apply the snapshot's breaker settings.
    pub fn configure(&self, threshold: u32, cooldown: Duration) {
        use std::sync::atomic::Ordering::Relaxed;
        self.threshold.store(threshold.max(1), Relaxed);
        self.cooldown_ms.store(cooldown.as_millis() as u64, Relaxed);
    }

    /// Whether `id` may be tried now (breaker closed or half-open after its cooldown).
    pub fn available(&self, id: &str, now: Instant) -> bool {
        match self.states.get(id) {
            Some(s) => s.open_until.is_none_or(|t| now >= t),
            None => true,
        }
    }

    /// When `id`'s breaker closes again (for ordering fully-open candidate lists).
    pub fn open_until(&self, id: &str) -> Option<Instant> {
        self.states.get(id).and_then(|s| s.open_until)
    }

    pub fn success(&self, id: &Arc<str>, latency: Duration) {
        let mut s = self.states.entry(id.clone()).or_default();
        s.consecutive_failures = 0;
        s.open_until = None;
        let us = latency.as_micros() as f64;
        s.ewma_us = if s.samples == 0 {
            us
        } else {
            s.ewma_us * 0.8 + us * 0.2
        };
        s.samples += 1;
    }

    /// Record a failure; returns true when it opened the breaker.
    pub fn failure(&self, id: &Arc<str>, failure: Failure, now: Instant) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        let mut s = self.states.entry(id.clone()).or_default();
        s.consecutive_failures += 1;
        let cooldown = Duration::from_millis(self.cooldown_ms.load(Relaxed));
        let open_for = match failure {
            Failure::AuthDead => Some(AUTH_DEAD_COOLDOWN),
            Failure::RateLimited(after) => Some(after.unwrap_or(cooldown)),
            Failure::Transient if s.consecutive_failures >= self.threshold.load(Relaxed) => {
                Some(cooldown)
            }
            Failure::Transient => None,
        };
        match open_for {
            Some(d) => {
                s.open_until = Some(now + d);
                drop(s);
                if let Some(listen) = self.on_open.get() {
                    listen(id, failure, d);
                }
                true
            }
            None => false,
        }
    }

    /// Average latency in microseconds, `None` before the first success.
    pub fn latency_us(&self, id: &str) -> Option<f64> {
        self.states
            .get(id)
            .filter(|s| s.samples > 0)
            .map(|s| s.ewma_us)
    }

    /// Ids with an open breaker right now (for health events and the admin view).
    pub fn open(&self, now: Instant) -> Vec<(Arc<str>, Instant)> {
        self.states
            .iter()
            .filter_map(|e| {
                e.open_until
                    .filter(|t| *t > now)
                    .map(|t| (e.key().clone(), t))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaker_opens_after_threshold_and_recovers() {
        let h = Health::new(2, Duration::from_millis(50));
        let id: Arc<str> = Arc::from("p/m");
        let t0 = Instant::now();
        assert!(!h.failure(&id, Failure::Transient, t0));
        assert!(h.available(&id, t0));
        assert!(h.failure(&id, Failure::Transient, t0));
        assert!(!h.available(&id, t0));
        assert!(h.available(&id, t0 + Duration::from_millis(60)));
        h.success(&id, Duration::from_millis(5));
        assert!(h.available(&id, t0));
        assert_eq!(h.latency_us(&id), Some(5000.0));
    }

    #[test]
    fn rate_limit_honours_retry_after() {
        let h = Health::new(5, Duration::from_secs(30));
        let id: Arc<str> = Arc::from("p/#0");
        let t0 = Instant::now();
        assert!(h.failure(&id, Failure::RateLimited(Some(Duration::from_secs(2))), t0));
        assert!(!h.available(&id, t0 + Duration::from_secs(1)));
        assert!(h.available(&id, t0 + Duration::from_secs(2)));
    }
}
