//! Step 11: shape the upstream answer for the client — as is, or translated — for whole bodies
//! (`whole`), streams folded into one object (`aggregate`) and streams passed on chunk by chunk
//! (`stream`), settling usage into the ledger.

mod aggregate;
mod stream;
mod whole;

pub use aggregate::aggregated;
pub use stream::stream;
pub use whole::whole;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;
use gproxy_config::usage::EndState;
use gproxy_protocol::{Operation, OperationKind};
use gproxy_transform::codec;
use gproxy_transform::ir::ErrorKind;
use gproxy_transform::EncodeContext;

use crate::error::{ApiError, Source};
use crate::ledger::Ledger;

/// Largest upstream body read whole (non-stream answers, error bodies).
pub(crate) const MAX_UPSTREAM_BODY: usize = 64 * 1024 * 1024;
/// Largest SSE frame an upstream may hold open before the stream is cut.
pub(crate) const MAX_PENDING_FRAME: usize = 16 * 1024 * 1024;

pub struct Shape {
    pub client_kind: OperationKind,
    pub upstream_kind: OperationKind,
    pub operation: Operation,
    pub single_embed: bool,
    /// A Gemini client streaming without `alt=sse`: the stream is a JSON array.
    pub json_array: bool,
    /// An OpenAI embeddings client asked for `encoding_format: base64`.
    pub base64_embeddings: bool,
    pub injected_usage: bool,
    pub ctx: EncodeContext,
    pub idle: Duration,
    pub deadline: Option<Instant>,
    /// Until when a whole (non-stream) body or an error body may take to arrive.
    pub body_deadline: Instant,
}

pub(crate) fn json_response(status: u16, body: impl Into<Body>, request_id: &str) -> Response {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header("x-request-id", request_id)
        .body(body.into())
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

pub async fn read_body(resp: wreq::Response, limit: usize) -> Result<Bytes, ApiError> {
    let hint = resp
        .content_length()
        .map_or(0, |n| usize::try_from(n).unwrap_or(usize::MAX).min(limit));
    let mut stream = resp.bytes_stream();
    // a body that arrives in one chunk (most answers) is kept as it is, with no copy
    let mut first: Option<Bytes> = None;
    let mut buf: Vec<u8> = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| upstream_failure(format!("upstream body: {e}")))?;
        let held = first.as_ref().map_or(0, Bytes::len) + buf.len();
        if held + chunk.len() > limit {
            return Err(upstream_failure(
                "upstream body exceeds the gateway's limit".to_owned(),
            ));
        }
        if first.is_none() && buf.is_empty() {
            first = Some(chunk);
            continue;
        }
        if let Some(f) = first.take() {
            buf.reserve(hint.max(f.len() + chunk.len()));
            buf.extend_from_slice(&f);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(match first {
        Some(f) => f,
        None => Bytes::from(buf),
    })
}

/// [`read_body`] that gives up at `deadline` (an upstream stalling mid-body must not hold the
/// request forever).
pub async fn read_body_by(
    resp: wreq::Response,
    limit: usize,
    deadline: Instant,
) -> Result<Bytes, ApiError> {
    match tokio::time::timeout_at(deadline.into(), read_body(resp, limit)).await {
        Ok(r) => r,
        Err(_) => {
            let mut e = ApiError::new(ErrorKind::Timeout, "upstream timed out sending its answer");
            e.source = Source::Upstream;
            Err(e)
        }
    }
}

pub(crate) fn upstream_failure(message: String) -> ApiError {
    let mut e = ApiError::new(ErrorKind::Server, message).status(502);
    e.source = Source::Upstream;
    e
}

/// An upstream error answer, in the client's shape (verbatim when the kinds match).
pub async fn upstream_error(resp: wreq::Response, shape: &Shape, ledger: &mut Ledger) -> Response {
    let status = resp.status().as_u16();
    let retry_after = crate::upstream::retry_after(resp.headers());
    let body = read_body_by(resp, 1024 * 1024, shape.body_deadline)
        .await
        .unwrap_or_default();
    ledger.finish(status, EndState::Error);
    if shape.client_kind == shape.upstream_kind {
        let mut r = json_response(status, body, &ledger.request_id);
        if let Some(ra) =
            retry_after.and_then(|d| http::HeaderValue::from_str(&d.as_secs().to_string()).ok())
        {
            r.headers_mut().insert(http::header::RETRY_AFTER, ra);
        }
        return r;
    }
    let err = codec(shape.upstream_kind).decode_error(status, &body);
    let mut api = ApiError::from_ir(err, Source::Upstream);
    api.retry_after = retry_after.map(|d| d.as_secs());
    api.render(shape.client_kind, &ledger.request_id)
}

pub(crate) fn unsupported_answer() -> ApiError {
    upstream_failure("the upstream answer cannot be represented for this client".to_owned())
}
