//! The HTTP surface: the listener, ops endpoints, and one handler that classifies every API path
//! and hands it to the pipeline. Request ids, body caps and load shedding live here.
//!
//! Connections are served by hyper directly (no router, no tower stack): HTTP/1.1 with
//! keep-alive, or, with [`ServeOptions::http2`], HTTP/1.1 and cleartext HTTP/2 (prior knowledge)
//! on the same port. Every accepted socket gets `TCP_NODELAY`.

use std::convert::Infallible;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use axum::response::{IntoResponse, Response};
use gproxy_transform::ir::ErrorKind;
use http_body_util::BodyExt as _;
use hyper::body::Incoming as HyperBody;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;

use crate::app::{App, AppState};
use crate::classify::classify;
use crate::error::ApiError;
use crate::pipeline::{self, Incoming};

/// How connections are served.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Also accept cleartext HTTP/2 (prior knowledge) next to HTTP/1.1. Off by default: the
    /// protocol sniffing costs a little on every connection, and clients of an LLM API speak
    /// HTTP/1.1 (TLS and HTTP/2 end at the ingress).
    pub http2: bool,
    /// How long a client may take to send a request's headers.
    pub header_read_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            http2: false,
            header_read_timeout: Duration::from_secs(30),
        }
    }
}

/// Serve `listener` until `shutdown` resolves, then stop accepting and wait for the open
/// connections to finish their in-flight requests (the caller bounds that wait).
pub async fn serve(
    listener: TcpListener,
    app: AppState,
    opts: ServeOptions,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    let mut http1 = hyper::server::conn::http1::Builder::new();
    http1
        .timer(TokioTimer::new())
        .keep_alive(true)
        .header_read_timeout(opts.header_read_timeout);
    let mut auto = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    auto.http1()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .header_read_timeout(opts.header_read_timeout);
    auto.http2().timer(TokioTimer::new());
    tokio::pin!(shutdown);
    loop {
        let tcp = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    // out of file descriptors and the like: back off instead of spinning
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
        };
        // clients' small stream writes must not wait for delayed ACKs (Nagle)
        let _ = tcp.set_nodelay(true);
        let io = TokioIo::new(tcp);
        let app = app.clone();
        let svc = service_fn(move |req| {
            let app = app.clone();
            async move { Ok::<_, Infallible>(handle(app, req).await) }
        });
        if opts.http2 {
            let conn = auto.serve_connection(io, svc).into_owned();
            let conn = graceful.watch(conn);
            tokio::spawn(async move {
                let _ = conn.await;
            });
        } else {
            let conn = graceful.watch(http1.serve_connection(io, svc));
            tokio::spawn(async move {
                let _ = conn.await;
            });
        }
    }
    drop(listener);
    graceful.shutdown().await;
}

/// One request: an ops endpoint, or the API.
async fn handle(app: AppState, req: http::Request<HyperBody>) -> Response {
    if req.method() == http::Method::GET {
        match req.uri().path() {
            "/healthz" => return "ok".into_response(),
            "/readyz" => return readyz(&app),
            "/metrics" => return metrics(&app),
            _ => {}
        }
    }
    api(app, req).await
}

fn readyz(app: &App) -> Response {
    let v = app.runtime().version;
    if v == 0 {
        (http::StatusCode::SERVICE_UNAVAILABLE, "no snapshot yet\n").into_response()
    } else {
        format!("ready: snapshot {v}\n").into_response()
    }
}

fn metrics(app: &App) -> Response {
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
    new_request_id()
}

/// `req_` and 32 random hex digits.
fn new_request_id() -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(36);
    id.push_str("req_");
    for word in [fastrand::u64(..), fastrand::u64(..)] {
        for shift in (0..16).rev() {
            id.push(char::from(HEX[((word >> (shift * 4)) & 0xf) as usize]));
        }
    }
    id
}

async fn api(app: AppState, req: http::Request<HyperBody>) -> Response {
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
    let body = match http_body_util::Limited::new(body, limit).collect().await {
        Ok(b) => own_body(b.to_bytes()),
        Err(e) => {
            let too_large = e.is::<http_body_util::LengthLimitError>();
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
    let headers = own_headers(parts.headers);
    drop(parts.uri);
    pipeline::execute(
        app,
        Incoming {
            inbound,
            headers,
            query,
            body,
            request_id: rid,
            guard: Some(guard),
        },
    )
    .await
}

/// Header values (and the URI) are slices of the same read buffer as a small body: copied so
/// that the request holds none of it while it waits on the upstream.
fn own_headers(headers: http::HeaderMap) -> http::HeaderMap {
    let mut out = http::HeaderMap::with_capacity(headers.len());
    for (name, value) in &headers {
        let copy =
            http::HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        out.append(name.clone(), copy);
    }
    out
}

/// Bodies up to this size are copied out of the connection's read buffer.
const OWN_BODY_MAX: usize = 64 * 1024;

/// A one-chunk body is a slice of hyper's read buffer: holding it for the whole request keeps
/// that buffer shared, so hyper allocates a second one to watch the connection while the
/// request is in flight (about 16 KB per in-flight request). A small copy gives the buffer back;
/// larger bodies arrive in several reads and are a fresh buffer already.
fn own_body(body: bytes::Bytes) -> bytes::Bytes {
    if body.len() <= OWN_BODY_MAX {
        bytes::Bytes::copy_from_slice(&body)
    } else {
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_fresh_and_well_formed() {
        let a = new_request_id();
        let b = new_request_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert!(a.starts_with("req_"));
        assert!(a[4..]
            .bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        let mut h = http::HeaderMap::new();
        h.insert("x-request-id", "abc-1".parse().unwrap());
        assert_eq!(request_id(&h), "abc-1");
        h.insert("x-request-id", "has space".parse().unwrap());
        assert!(request_id(&h).starts_with("req_"));
    }
}
