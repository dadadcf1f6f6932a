//! Accept loop and request handler: classify the path, drain the body, wait, answer with a
//! precomputed body.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE, RETRY_AFTER};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::body::BenchBody;
use crate::config::{Config, Effective, Shape, StreamMode};
use crate::fault::Faults;
use crate::shapes::{error_body, Bodies, Protocol};

/// What a path asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// A generate call; `stream` is `Some` when the path decides it (Gemini), `sse` is Gemini's
    /// `alt=sse`.
    Generate {
        protocol: Protocol,
        stream: Option<bool>,
        sse: bool,
    },
    Stats,
    Health,
    NotFound,
}

pub fn route(method: &Method, path: &str, query: Option<&str>) -> Route {
    if method == Method::GET {
        return match path {
            "/__bench/stats" => Route::Stats,
            "/healthz" | "/" => Route::Health,
            _ => Route::NotFound,
        };
    }
    if method != Method::POST {
        return Route::NotFound;
    }
    let generate = |protocol, stream| Route::Generate {
        protocol,
        stream,
        sse: false,
    };
    if path.ends_with("/chat/completions") {
        generate(Protocol::Chat, None)
    } else if path.ends_with("/responses") {
        generate(Protocol::Responses, None)
    } else if path.ends_with("/messages") {
        generate(Protocol::Anthropic, None)
    } else if path.ends_with(":streamGenerateContent") {
        let sse = query.is_some_and(|q| q.split('&').any(|kv| kv == "alt=sse"));
        Route::Generate {
            protocol: Protocol::Gemini,
            stream: Some(true),
            sse,
        }
    } else if path.ends_with(":generateContent") {
        generate(Protocol::Gemini, Some(false))
    } else {
        Route::NotFound
    }
}

/// `"stream"` then optional blanks, `:`, optional blanks, `true`: the only look into a body.
pub fn body_says_stream(body: &[u8]) -> bool {
    let key = b"\"stream\"";
    memchr::memmem::find_iter(body, key).any(|at| {
        let rest = body.get(at + key.len()..).unwrap_or_default();
        let rest = trim_start(rest);
        match rest.split_first() {
            Some((b':', after)) => trim_start(after).starts_with(b"true"),
            _ => false,
        }
    })
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    b.get(n..).unwrap_or_default()
}

/// Counters served at `/__bench/stats`.
#[derive(Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub streams: AtomicU64,
    pub failed: AtomicU64,
    pub bytes_in: AtomicU64,
}

impl Stats {
    fn json(&self) -> Bytes {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        Bytes::from(
            serde_json::json!({
                "requests": g(&self.requests),
                "streams": g(&self.streams),
                "failed": g(&self.failed),
                "bytes_in": g(&self.bytes_in),
            })
            .to_string(),
        )
    }
}

pub struct Shared {
    config: Config,
    bodies: Bodies,
    /// Bodies of shapes asked for by `x-bench-*` headers, built on first use.
    extra: RwLock<HashMap<Shape, Arc<Bodies>>>,
    faults: Faults,
    errors: HashMap<(u8, u16), Bytes>,
    pub stats: Stats,
}

fn protocol_tag(p: Protocol) -> u8 {
    p as u8
}

impl Shared {
    pub fn new(config: Config) -> Shared {
        let bodies = Bodies::build(&config.shape);
        let mut errors = HashMap::new();
        for p in Protocol::ALL {
            for s in &config.fail_status {
                errors.insert((protocol_tag(p), *s), error_body(p, *s));
            }
        }
        Shared {
            faults: Faults::new(config.fail_rate, config.fail_status.clone()),
            bodies,
            extra: RwLock::new(HashMap::new()),
            errors,
            stats: Stats::default(),
            config,
        }
    }

    fn bodies_for(&self, shape: &Shape) -> Arc<Bodies> {
        if let Ok(map) = self.extra.read() {
            if let Some(b) = map.get(shape) {
                return b.clone();
            }
        }
        let built = Arc::new(Bodies::build(shape));
        if let Ok(mut map) = self.extra.write() {
            map.entry(shape.clone()).or_insert_with(|| built.clone());
        }
        built
    }

    fn error(&self, p: Protocol, status: u16) -> Bytes {
        self.errors
            .get(&(protocol_tag(p), status))
            .cloned()
            .unwrap_or_else(|| error_body(p, status))
    }
}

const JSON: HeaderValue = HeaderValue::from_static("application/json");
const SSE: HeaderValue = HeaderValue::from_static("text/event-stream");

fn respond(status: StatusCode, ctype: HeaderValue, body: BenchBody) -> Response<BenchBody> {
    let mut r = Response::new(body);
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, ctype);
    r
}

fn plain(status: StatusCode, text: &'static str) -> Response<BenchBody> {
    respond(
        status,
        HeaderValue::from_static("text/plain"),
        BenchBody::whole(Bytes::from_static(text.as_bytes())),
    )
}

/// Read the request body to its end; keep it only when the stream flag must be searched.
async fn drain(body: Incoming, keep: bool) -> Result<(u64, Option<Bytes>), hyper::Error> {
    let mut body = body;
    let mut n = 0u64;
    let mut kept = keep.then(BytesMut::new);
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            n += data.len() as u64;
            if let Some(k) = kept.as_mut() {
                k.extend_from_slice(&data);
            }
        }
    }
    Ok((n, kept.map(BytesMut::freeze)))
}

pub async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<BenchBody>, hyper::Error> {
    let (protocol, path_stream, sse) =
        match route(req.method(), req.uri().path(), req.uri().query()) {
            Route::Generate {
                protocol,
                stream,
                sse,
            } => (protocol, stream, sse),
            Route::Stats => {
                return Ok(respond(
                    StatusCode::OK,
                    JSON,
                    BenchBody::whole(shared.stats.json()),
                ))
            }
            Route::Health => return Ok(plain(StatusCode::OK, "ok")),
            Route::NotFound => return Ok(plain(StatusCode::NOT_FOUND, "not found")),
        };
    let eff = match Effective::from_headers(&shared.config, req.headers()) {
        Ok(e) => e,
        Err(_) => return Ok(plain(StatusCode::BAD_REQUEST, "bad x-bench-* header")),
    };
    let search = path_stream.is_none() && eff.stream == StreamMode::Auto;
    let (n, kept) = drain(req.into_body(), search).await?;
    let stats = &shared.stats;
    stats.requests.fetch_add(1, Ordering::Relaxed);
    stats.bytes_in.fetch_add(n, Ordering::Relaxed);
    let stream = match (path_stream, eff.stream) {
        (Some(s), _) => s,
        (None, StreamMode::On) => true,
        (None, StreamMode::Off) => false,
        (None, StreamMode::Auto) => kept.as_deref().is_some_and(body_says_stream),
    };
    if !eff.latency.is_zero() {
        tokio::time::sleep(eff.latency).await;
    }
    if let Some(status) = eff.fail.or_else(|| shared.faults.next()) {
        stats.failed.fetch_add(1, Ordering::Relaxed);
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = respond(code, JSON, BenchBody::whole(shared.error(protocol, status)));
        if let Some(secs) = shared.config.retry_after {
            r.headers_mut().insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        return Ok(r);
    }
    let extra;
    let bodies = match &eff.shape {
        None => &shared.bodies,
        Some(shape) => {
            extra = shared.bodies_for(shape);
            &*extra
        }
    };
    if !stream {
        return Ok(respond(
            StatusCode::OK,
            JSON,
            BenchBody::whole(bodies.whole(protocol)),
        ));
    }
    stats.streams.fetch_add(1, Ordering::Relaxed);
    if protocol == Protocol::Gemini && !sse {
        return Ok(respond(
            StatusCode::OK,
            JSON,
            BenchBody::whole(bodies.gemini_array()),
        ));
    }
    let body = if eff.chunk_gap.is_zero() {
        BenchBody::frames(Arc::from([bodies.joined(protocol)]), eff.chunk_gap)
    } else {
        BenchBody::frames(bodies.frames(protocol), eff.chunk_gap)
    };
    let mut r = respond(StatusCode::OK, SSE, body);
    r.headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-cache"));
    Ok(r)
}

/// Serve on `listener` until the runtime stops.
pub fn serve(listener: TcpListener, config: Config) -> io::Result<(SocketAddr, JoinHandle<()>)> {
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared::new(config));
    let task = tokio::spawn(async move {
        loop {
            let (tcp, _) = match listener.accept().await {
                Ok(c) => c,
                // out of descriptors and the like: keep serving the connections we have
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let shared = shared.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| handle(shared.clone(), req));
                let _ = http1::Builder::new()
                    .timer(TokioTimer::new())
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(tcp), svc)
                    .await;
            });
        }
    });
    Ok((addr, task))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_pick_the_protocol() {
        let p = |path: &str, q: Option<&str>| route(&Method::POST, path, q);
        let gen = |protocol, stream, sse| Route::Generate {
            protocol,
            stream,
            sse,
        };
        assert_eq!(
            p("/v1/chat/completions", None),
            gen(Protocol::Chat, None, false)
        );
        assert_eq!(
            p("/v1/responses", None),
            gen(Protocol::Responses, None, false)
        );
        assert_eq!(
            p("/v1/messages", None),
            gen(Protocol::Anthropic, None, false)
        );
        assert_eq!(
            p("/v1beta/models/g:generateContent", None),
            gen(Protocol::Gemini, Some(false), false)
        );
        assert_eq!(
            p("/v1beta/models/g:streamGenerateContent", Some("alt=sse")),
            gen(Protocol::Gemini, Some(true), true)
        );
        assert_eq!(p("/v1/embeddings", None), Route::NotFound);
        assert_eq!(route(&Method::GET, "/__bench/stats", None), Route::Stats);
        assert_eq!(
            route(&Method::GET, "/v1/chat/completions", None),
            Route::NotFound
        );
    }

    #[test]
    fn stream_flag_search() {
        assert!(body_says_stream(br#"{"model":"m","stream":true}"#));
        assert!(body_says_stream(br#"{"model": "m", "stream" : true}"#));
        assert!(!body_says_stream(br#"{"model":"m","stream":false}"#));
        assert!(!body_says_stream(br#"{"model":"m"}"#));
        assert!(!body_says_stream(br#"{"stream_options":{"x":true}}"#));
        assert!(body_says_stream(
            br#"{"stream_options":{"include_usage":true},"stream":true}"#
        ));
    }
}
