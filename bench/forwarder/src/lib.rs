//! `gproxy-bench-forwarder`: the thinnest reverse proxy hyper allows. Method, path, headers and
//! body go to one upstream over a keep-alive pool; the response streams back unbuffered. What a
//! proxy costs beyond this is the proxy's own work.
//!
//! [`ClientKind::Wreq`] swaps the upstream client for gproxy's own (wreq, built by
//! `gproxy_dataplane::app::upstream_client`), with both bodies collected as gproxy collects them for a whole
//! answer: the floor of a proxy built from gproxy's parts, without gproxy's pipeline.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, HOST};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub type ProxyBody = Either<Incoming, Full<Bytes>>;

/// Headers that belong to one hop and are never forwarded (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 7] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
];

fn strip_hop_by_hop(h: &mut HeaderMap) {
    // names listed in `connection` are hop-by-hop too
    let listed: Vec<String> = h
        .get_all("connection")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .filter(|s| !s.is_empty())
        .collect();
    for name in HOP_BY_HOP
        .iter()
        .copied()
        .chain(listed.iter().map(String::as_str))
    {
        h.remove(name);
    }
}

/// Which HTTP client carries requests upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    /// hyper-util's legacy pooled client, bodies streamed both ways (the default).
    Hyper,
    /// wreq, request and answer bodies collected in memory.
    Wreq,
}

/// The client behind a [`Forwarder`], one of [`ClientKind`].
#[allow(clippy::large_enum_variant)] // one per process, never moved on the request path
enum Upstream {
    Hyper(Client<HttpConnector, Incoming>),
    Wreq(wreq::Client),
}

pub struct Forwarder {
    client: Upstream,
    upstream: SocketAddr,
    host: HeaderValue,
}

impl Forwarder {
    pub fn new(upstream: SocketAddr) -> io::Result<Forwarder> {
        Forwarder::with_client(upstream, ClientKind::Hyper)
    }

    pub fn with_client(upstream: SocketAddr, kind: ClientKind) -> io::Result<Forwarder> {
        let client = match kind {
            ClientKind::Hyper => {
                let mut connector = HttpConnector::new();
                connector.set_nodelay(true);
                connector.set_keepalive(Some(Duration::from_secs(60)));
                Upstream::Hyper(
                    Client::builder(TokioExecutor::new())
                        .pool_idle_timeout(Duration::from_secs(90))
                        .pool_max_idle_per_host(usize::MAX)
                        .timer(TokioTimer::new())
                        .pool_timer(TokioTimer::new())
                        .build(connector),
                )
            }
            // gproxy's own client, built by gproxy's own constructor
            ClientKind::Wreq => Upstream::Wreq(
                gproxy_dataplane::app::upstream_client(Duration::from_secs(10))
                    .map_err(io::Error::other)?,
            ),
        };
        let host = HeaderValue::from_str(&upstream.to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("localhost"));
        Ok(Forwarder {
            client,
            upstream,
            host,
        })
    }

    fn target(&self, req: &Request<Incoming>) -> Option<Uri> {
        let pq = req.uri().path_and_query().map_or("/", |p| p.as_str());
        Uri::builder()
            .scheme("http")
            .authority(self.upstream.to_string())
            .path_and_query(pq)
            .build()
            .ok()
    }

    pub async fn forward(&self, mut req: Request<Incoming>) -> Response<ProxyBody> {
        let client = match &self.client {
            Upstream::Hyper(c) => c,
            Upstream::Wreq(c) => return self.forward_wreq(c, req).await,
        };
        let Some(uri) = self.target(&req) else {
            return status(StatusCode::BAD_REQUEST);
        };
        *req.uri_mut() = uri;
        strip_hop_by_hop(req.headers_mut());
        req.headers_mut().insert(HOST, self.host.clone());
        match client.request(req).await {
            Ok(resp) => {
                let (mut parts, body) = resp.into_parts();
                strip_hop_by_hop(&mut parts.headers);
                Response::from_parts(parts, Either::Left(body))
            }
            Err(_) => status(StatusCode::BAD_GATEWAY),
        }
    }

    async fn forward_wreq(
        &self,
        client: &wreq::Client,
        req: Request<Incoming>,
    ) -> Response<ProxyBody> {
        let Some(uri) = self.target(&req) else {
            return status(StatusCode::BAD_REQUEST);
        };
        let (mut parts, body) = req.into_parts();
        let Ok(body) = body.collect().await.map(|b| b.to_bytes()) else {
            return status(StatusCode::BAD_REQUEST);
        };
        strip_hop_by_hop(&mut parts.headers);
        parts.headers.remove(HOST);
        let sent = client
            .request(parts.method, uri.to_string())
            .headers(parts.headers)
            .body(body)
            .send()
            .await;
        let Ok(resp) = sent else {
            return status(StatusCode::BAD_GATEWAY);
        };
        let code = resp.status();
        let mut headers = resp.headers().clone();
        let Ok(body) = resp.bytes().await else {
            return status(StatusCode::BAD_GATEWAY);
        };
        strip_hop_by_hop(&mut headers);
        headers.remove("transfer-encoding");
        let mut r = Response::new(Either::Right(Full::new(body)));
        *r.status_mut() = code;
        *r.headers_mut() = headers;
        r
    }
}

fn status(code: StatusCode) -> Response<ProxyBody> {
    let mut r = Response::new(Either::Right(Full::new(Bytes::new())));
    *r.status_mut() = code;
    r
}

/// Serve on `listener`, forwarding to `upstream`, until the runtime stops.
pub fn serve(
    listener: TcpListener,
    upstream: SocketAddr,
) -> io::Result<(SocketAddr, JoinHandle<()>)> {
    serve_with(listener, upstream, ClientKind::Hyper)
}

/// [`serve`] with a choice of upstream client.
pub fn serve_with(
    listener: TcpListener,
    upstream: SocketAddr,
    kind: ClientKind,
) -> io::Result<(SocketAddr, JoinHandle<()>)> {
    let addr = listener.local_addr()?;
    let fwd = std::sync::Arc::new(Forwarder::with_client(upstream, kind)?);
    let task = tokio::spawn(async move {
        loop {
            let (tcp, _) = match listener.accept().await {
                Ok(c) => c,
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    continue;
                }
            };
            let _ = tcp.set_nodelay(true);
            let fwd = fwd.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| {
                    let fwd = fwd.clone();
                    async move { Ok::<_, hyper::Error>(fwd.forward(req).await) }
                });
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
    fn hop_by_hop_headers_are_dropped() {
        let mut h = HeaderMap::new();
        h.insert(
            "connection",
            HeaderValue::from_static("keep-alive, x-secret"),
        );
        h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        h.insert("x-secret", HeaderValue::from_static("1"));
        h.insert("authorization", HeaderValue::from_static("Bearer k"));
        h.insert("content-type", HeaderValue::from_static("application/json"));
        strip_hop_by_hop(&mut h);
        let mut left: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
        left.sort_unstable();
        assert_eq!(left, vec!["authorization", "content-type"]);
    }
}
