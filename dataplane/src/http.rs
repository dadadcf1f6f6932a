//! The HTTP surface: ops endpoints, and one handler that classifies every API path and hands it
//! to the pipeline. Request ids, body caps and load shedding live here.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use gproxy_transform::ir::ErrorKind;

use crate::app::{App, AppState};
use crate::classify::classify;
use crate::error::ApiError;
use crate::pipeline::{self, Incoming};

pub fn router(app: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .fallback(api)
        .with_state(app)
}

async fn readyz(State(app): State<AppState>) -> Response {
    let v = app.runtime().version;
    if v == 0 {
        (http::StatusCode::SERVICE_UNAVAILABLE, "no snapshot yet\n").into_response()
    } else {
        format!("ready: snapshot {v}\n").into_response()
    }
}

async fn metrics(State(app): State<AppState>) -> Response {
    let outbox = app.outbox.len() as f64;
    let dropped = app.outbox.dropped() as f64;
    let text = app.metrics.render(&[
        (
            "gproxy_usage_outbox_records",
            "Usage records waiting for delivery.",
            outbox,
        ),
        (
            "gproxy_usage_dropped_total",
            "Usage records dropped because the outbox was full.",
            dropped,
        ),
    ]);
    (
        [(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        text,
    )
        .into_response()
}

/// Releases an in-flight slot when the response (stream included) is done.
struct InFlight(Arc<App>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

fn request_id(headers: &http::HeaderMap) -> String {
    if let Some(v) = headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
        if !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()) {
            return v.to_owned();
        }
    }
    format!("req_{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

async fn api(State(app): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let rid = request_id(&parts.headers);
    let query = parts.uri.query().map(str::to_owned);
    let inbound = match classify(
        &parts.method,
        parts.uri.path(),
        &parts.headers,
        query.as_deref(),
    ) {
        Ok(i) => i,
        Err(nf) => {
            let (status, msg) = if nf.method_not_allowed {
                (
                    405,
                    format!(
                        "method {} is not allowed on {}",
                        parts.method,
                        parts.uri.path()
                    ),
                )
            } else {
                (
                    404,
                    format!("no such endpoint: {} {}", parts.method, parts.uri.path()),
                )
            };
            return ApiError::new(ErrorKind::NotFound, msg)
                .status(status)
                .render(nf.kind, &rid);
        }
    };
    // load shedding before any work
    let in_flight = app.metrics.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
    let guard = InFlight(app.clone());
    let rt = app.runtime();
    if in_flight as usize > rt.settings.max_in_flight {
        app.metrics.shed.fetch_add(1, Ordering::Relaxed);
        drop(guard);
        return ApiError::overloaded("gateway overloaded, retry shortly")
            .render(inbound.kind, &rid);
    }
    let limit = rt.settings.max_body_bytes;
    drop(rt);
    let body = match axum::body::to_bytes(Body::new(body), limit).await {
        Ok(b) => b,
        Err(e) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                || e.to_string().contains("length limit");
            let err = if too_large {
                ApiError::new(
                    ErrorKind::RequestTooLarge,
                    format!("request body exceeds {limit} bytes"),
                )
                .code("request_too_large")
            } else {
                ApiError::bad_request("could not read the request body")
            };
            return err.render(inbound.kind, &rid);
        }
    };
    let guard: Arc<dyn Send + Sync> = Arc::new(guard);
    pipeline::execute(
        app,
        Incoming {
            inbound,
            headers: parts.headers,
            query,
            body,
            request_id: rid,
            guard: Some(guard),
        },
    )
    .await
}
