//! One request end to end: read, record, wait, check the key, maybe inject a fault, answer.

use std::borrow::Cow;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::HeaderValue;
use hyper::{Request, Response};

use crate::admin;
use crate::body::MockBody;
use crate::config::MockConfig;
use crate::dispatch::dispatch;
use crate::fault::{default_message, draw, error_response};
use crate::route::{key_matches, route, Family, Route};
use crate::stats::{RecordedRequest, Stats};

/// State shared by every connection of one mock server.
pub struct Shared {
    config: RwLock<Arc<MockConfig>>,
    pub stats: Stats,
    /// Requests answered so far: ids are derived from it.
    seq: AtomicU64,
    /// Probabilistic fault draws since the config was set.
    draws: AtomicU64,
    /// Faults injected since the config was set (for `fault_limit`).
    faults: AtomicU64,
}

impl Shared {
    pub fn new(config: MockConfig) -> Self {
        Self {
            config: RwLock::new(Arc::new(config)),
            stats: Stats::default(),
            seq: AtomicU64::new(0),
            draws: AtomicU64::new(0),
            faults: AtomicU64::new(0),
        }
    }

    pub fn config(&self) -> Arc<MockConfig> {
        match self.config.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Replace the config; the fault draw sequence and `fault_limit` count start over.
    pub fn set_config(&self, config: MockConfig) {
        let new = Arc::new(config);
        match self.config.write() {
            Ok(mut guard) => *guard = new,
            Err(poisoned) => *poisoned.into_inner() = new,
        }
        self.draws.store(0, Ordering::Relaxed);
        self.faults.store(0, Ordering::Relaxed);
    }

    fn fault_fires(&self, cfg: &MockConfig) -> Option<u16> {
        let status = cfg.status?;
        let fires = if cfg.probability >= 1.0 {
            true
        } else if cfg.probability <= 0.0 {
            false
        } else {
            draw(cfg.seed, self.draws.fetch_add(1, Ordering::Relaxed)) < cfg.probability
        };
        if !fires {
            return None;
        }
        let n = self.faults.fetch_add(1, Ordering::Relaxed);
        match cfg.fault_limit {
            Some(limit) if n >= limit => None,
            _ => Some(status),
        }
    }
}

pub async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<MockBody>, Infallible> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    let query = parts.uri.query();
    let route = route(&parts.method, path, query, &parts.headers);
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            let resp = error_response(route.family(), 400, "mock: unreadable body", None);
            return Ok(resp);
        }
    };
    if let Route::Admin(cmd) = &route {
        return Ok(admin::handle(&shared, &parts.method, cmd, &body));
    }
    let global = shared.config();
    let overridden = parts
        .headers
        .keys()
        .any(|k| k.as_str().starts_with("x-mock-"));
    let cfg: Cow<'_, MockConfig> = if overridden {
        Cow::Owned(global.with_headers(&parts.headers))
    } else {
        Cow::Borrowed(global.as_ref())
    };
    if cfg.record_requests > 0 {
        let recorded = RecordedRequest {
            method: parts.method.to_string(),
            path: path.to_owned(),
            query: query.map(str::to_owned),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: body.clone(),
        };
        shared.stats.record_request(recorded, cfg.record_requests);
    }
    if cfg.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(cfg.latency_ms)).await;
    }
    let family = route.family();
    let mut resp = if route == Route::Root {
        Response::new(MockBody::empty())
    } else if cfg
        .required_key
        .as_deref()
        .is_some_and(|key| !key_matches(family, key, &parts.headers, query))
    {
        error_response(family, 401, default_message(401), None)
    } else if let Some(status) = shared.fault_fires(&cfg) {
        error_response(family, status, default_message(status), cfg.retry_after)
    } else {
        let seq = shared.seq.fetch_add(1, Ordering::Relaxed) + 1;
        dispatch(&route, &body, &cfg, seq)
    };
    let request_id = match family {
        Family::OpenAi => Some("x-request-id"),
        Family::Anthropic => Some("request-id"),
        Family::Gemini => None,
    };
    if let Some(name) = request_id {
        resp.headers_mut()
            .insert(name, HeaderValue::from_static("req_mock"));
    }
    let status = resp.status();
    shared.stats.record_status(path, status.as_u16());
    Ok(resp)
}
