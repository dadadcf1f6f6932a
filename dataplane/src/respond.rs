//! Step 11: shape the upstream answer for the client — as is, or translated — for whole bodies
//! and incrementally for streams, settling usage into the ledger.

use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use gproxy_config::usage::EndState;
use gproxy_protocol::{Operation, OperationKind};
use gproxy_transform::ir::{self, ErrorKind};
use gproxy_transform::stream::{StreamTap, StreamTranslator};
use gproxy_transform::{codec, Diagnostics, EncodeContext};

use crate::error::{ApiError, Source};
use crate::ledger::Ledger;

/// Largest upstream body read whole (non-stream answers, error bodies).
const MAX_UPSTREAM_BODY: usize = 64 * 1024 * 1024;
/// Largest SSE frame an upstream may hold open before the stream is cut.
const MAX_PENDING_FRAME: usize = 16 * 1024 * 1024;

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

fn json_response(status: u16, body: impl Into<Body>, request_id: &str) -> Response {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header("x-request-id", request_id)
        .body(body.into())
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

pub async fn read_body(resp: wreq::Response, limit: usize) -> Result<Bytes, ApiError> {
    let mut stream = resp.bytes_stream();
    let mut buf = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| upstream_failure(format!("upstream body: {e}")))?;
        if buf.len() + chunk.len() > limit {
            return Err(upstream_failure(
                "upstream body exceeds the gateway's limit".to_owned(),
            ));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(buf))
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

fn upstream_failure(message: String) -> ApiError {
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

/// A whole (non-stream) success answer.
pub async fn whole(resp: wreq::Response, shape: &Shape, mut ledger: Ledger) -> Response {
    let t0 = Instant::now();
    let body = match read_body_by(resp, MAX_UPSTREAM_BODY, shape.body_deadline).await {
        Ok(b) => b,
        Err(e) => {
            ledger.finish(e.status, EndState::Error);
            return e.render(shape.client_kind, &ledger.request_id);
        }
    };
    ledger.upstream_wait += t0.elapsed();
    match convert_whole(&body, shape, &mut ledger) {
        Ok(out) => {
            ledger.finish(200, EndState::Completed);
            json_response(200, out, &ledger.request_id)
        }
        Err(e) => {
            ledger.finish(e.status, EndState::Error);
            e.render(shape.client_kind, &ledger.request_id)
        }
    }
}

fn convert_whole(body: &Bytes, shape: &Shape, ledger: &mut Ledger) -> Result<Bytes, ApiError> {
    let up = codec(shape.upstream_kind);
    let client = codec(shape.client_kind);
    let same = shape.client_kind == shape.upstream_kind;
    let bad_upstream = |e: gproxy_transform::TransformError| {
        upstream_failure(format!("unreadable upstream answer: {e}"))
    };
    match shape.operation {
        Operation::GenerateContent | Operation::StreamGenerateContent => {
            let resp = up.decode_response(body);
            if same {
                if let Ok(r) = &resp {
                    ledger.usage = r.usage.unwrap_or_default();
                }
                return Ok(body.clone());
            }
            let resp = resp.map_err(bad_upstream)?;
            ledger.usage = resp.usage.unwrap_or_default();
            let mut diag = Diagnostics::new();
            let out = client.encode_response(&resp, &shape.ctx, &mut diag);
            ledger
                .diagnostics
                .extend(diag.items().iter().map(ToString::to_string));
            Ok(Bytes::from(out))
        }
        Operation::CountTokens => {
            if same {
                return Ok(body.clone());
            }
            let count = up
                .decode_count_tokens_response(body)
                .ok_or_else(unsupported_answer)?
                .map_err(bad_upstream)?;
            client
                .encode_count_tokens_response(&count)
                .map(Bytes::from)
                .ok_or_else(unsupported_answer)
        }
        Operation::CreateEmbedding => {
            let resp = up.decode_embeddings_response(body);
            if let Some(Ok(r)) = &resp {
                ledger.usage.input_tokens = r.input_tokens.unwrap_or(0);
            }
            if same {
                return Ok(body.clone());
            }
            let mut resp = resp.ok_or_else(unsupported_answer)?.map_err(bad_upstream)?;
            if resp.model.is_empty() {
                // Gemini answers carry no model: report the one that served the request
                resp.model.clone_from(&shape.ctx.model);
            }
            if shape.single_embed && shape.client_kind == OperationKind::Gemini {
                return Ok(Bytes::from(
                    gproxy_transform::gemini::encode_embed_content_response(&resp),
                ));
            }
            if shape.base64_embeddings
                && shape.client_kind.family() == gproxy_protocol::Family::OpenAi
            {
                return Ok(Bytes::from(
                    gproxy_transform::openai::common::encode_embeddings_response_as(
                        &resp,
                        gproxy_transform::openai::common::EmbeddingEncoding::Base64,
                    ),
                ));
            }
            client
                .encode_embeddings_response(&resp)
                .map(Bytes::from)
                .ok_or_else(unsupported_answer)
        }
        _ => Ok(body.clone()),
    }
}

/// A stream-only upstream answering a non-stream client: the stream is folded into one object
/// (never more than the answer itself is held).
pub async fn aggregated(resp: wreq::Response, shape: &Shape, mut ledger: Ledger) -> Response {
    let t0 = Instant::now();
    let mut sse = gproxy_sse::Decoder::new();
    let mut decoder = codec(shape.upstream_kind).stream_decoder();
    let mut agg = gproxy_transform::aggregate::Aggregator::new();
    let mut events = Vec::new();
    let mut ir_events = Vec::new();
    let mut body = resp.bytes_stream();
    let mut failure: Option<ApiError> = None;
    loop {
        let wait = match shape.deadline {
            Some(d) => shape.idle.min(d.saturating_duration_since(Instant::now())),
            None => shape.idle,
        };
        let chunk = match tokio::time::timeout(wait, body.next()).await {
            Ok(Some(Ok(c))) => c,
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                failure = Some(upstream_failure(format!("upstream stream broke: {e}")));
                break;
            }
            Err(_) => {
                failure = Some(ApiError::new(
                    ErrorKind::Timeout,
                    "upstream stream timed out",
                ));
                break;
            }
        };
        sse.feed(&chunk, &mut events);
        if sse.buffered() > MAX_PENDING_FRAME {
            failure = Some(upstream_failure("upstream frame too large".to_owned()));
            break;
        }
        for ev in events.drain(..) {
            if let Err(e) = decoder.decode(ev.event.as_deref(), &ev.data, &mut ir_events) {
                failure = Some(upstream_failure(format!("unreadable upstream stream: {e}")));
            }
        }
        for ev in ir_events.drain(..) {
            agg.push(&ev);
        }
        if failure.is_some() {
            break;
        }
    }
    if failure.is_none() {
        sse.finish(&mut events);
        for ev in events.drain(..) {
            let _ = decoder.decode(ev.event.as_deref(), &ev.data, &mut ir_events);
        }
        decoder.finish(&mut ir_events);
        for ev in ir_events.drain(..) {
            agg.push(&ev);
        }
    }
    ledger.upstream_wait += t0.elapsed();
    let result = match failure {
        Some(e) => Err(e),
        None => agg
            .finish()
            .map_err(|e| ApiError::from_ir(e, Source::Upstream)),
    };
    match result {
        Ok(r) => {
            ledger.usage = r.usage.unwrap_or_default();
            let mut diag = Diagnostics::new();
            let out = codec(shape.client_kind).encode_response(&r, &shape.ctx, &mut diag);
            ledger
                .diagnostics
                .extend(diag.items().iter().map(ToString::to_string));
            ledger.finish(200, EndState::Completed);
            json_response(200, out, &ledger.request_id)
        }
        Err(e) => {
            ledger.finish(e.status, EndState::UpstreamAborted);
            e.render(shape.client_kind, &ledger.request_id)
        }
    }
}

fn unsupported_answer() -> ApiError {
    upstream_failure("the upstream answer cannot be represented for this client".to_owned())
}

enum Shaper {
    /// Same kind: bytes forwarded unchanged, a tap reads usage.
    Raw(StreamTap),
    /// Same kind, but the usage-only chunk we asked for is removed.
    StripUsage {
        sse: gproxy_sse::Decoder,
        events: Vec<gproxy_sse::Event>,
        tap: StreamTap,
    },
    Translate(Box<StreamTranslator>),
}

type Upstream = Pin<Box<dyn Stream<Item = Result<Bytes, wreq::Error>> + Send>>;

struct StreamState {
    upstream: Upstream,
    shaper: Shaper,
    ledger: Ledger,
    client_kind: OperationKind,
    idle: Duration,
    deadline: Option<Instant>,
    done: bool,
    /// Responses passthrough: the last `sequence_number` the upstream sent, so an error frame
    /// of ours continues the numbering.
    last_sequence: Option<u64>,
    array: Option<JsonArray>,
    _guard: Option<Arc<dyn Send + Sync>>,
}

/// Re-frames a Gemini SSE stream as the JSON array Gemini sends without `alt=sse`.
#[derive(Default)]
struct JsonArray {
    sse: gproxy_sse::Decoder,
    events: Vec<gproxy_sse::Event>,
    started: bool,
}

impl JsonArray {
    fn convert(&mut self, sse_bytes: &[u8], done: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(sse_bytes.len() + 8);
        self.sse.feed(sse_bytes, &mut self.events);
        if done {
            self.sse.finish(&mut self.events);
        }
        for ev in self.events.drain(..) {
            out.extend_from_slice(if self.started { b",\r\n" } else { b"[" });
            self.started = true;
            out.extend_from_slice(ev.data.as_bytes());
        }
        if done {
            if !self.started {
                out.push(b'[');
            }
            out.push(b']');
        }
        out
    }
}

/// A streaming success answer: chunks go out as they arrive.
pub fn stream(
    resp: wreq::Response,
    shape: Shape,
    mut ledger: Ledger,
    guard: Option<Arc<dyn Send + Sync>>,
) -> Response {
    ledger.stream = true;
    let is_sse = resp
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("event-stream"));
    let shaper = if shape.client_kind == shape.upstream_kind && is_sse {
        let tap = StreamTap::new(codec(shape.upstream_kind).stream_decoder());
        if shape.injected_usage {
            Shaper::StripUsage {
                sse: gproxy_sse::Decoder::new(),
                events: Vec::new(),
                tap,
            }
        } else {
            Shaper::Raw(tap)
        }
    } else {
        Shaper::Translate(Box::new(StreamTranslator::new(
            codec(shape.upstream_kind).stream_decoder(),
            codec(shape.client_kind).stream_encoder(shape.ctx.clone()),
        )))
    };
    let upstream: Upstream = if is_sse {
        Box::pin(resp.bytes_stream())
    } else {
        // The upstream answered a stream request with a whole object: synthesize its stream.
        let up_kind = shape.upstream_kind;
        Box::pin(
            futures_util::stream::once(async move { resp.bytes().await })
                .map(move |r| r.map(|body| synthesize_sse(up_kind, &body))),
        )
    };
    let request_id = ledger.request_id.clone();
    let content_type = if shape.json_array {
        "application/json"
    } else {
        "text/event-stream"
    };
    let state = StreamState {
        upstream,
        shaper,
        ledger,
        client_kind: shape.client_kind,
        idle: shape.idle,
        deadline: shape.deadline,
        done: false,
        last_sequence: None,
        array: shape.json_array.then(JsonArray::default),
        _guard: guard,
    };
    let body = futures_util::stream::unfold(state, |mut st| async move {
        loop {
            if st.done {
                return None;
            }
            let wait = match st.deadline {
                Some(d) => st.idle.min(d.saturating_duration_since(Instant::now())),
                None => st.idle,
            };
            let next = tokio::time::timeout(wait, st.upstream.next()).await;
            let mut out = Vec::new();
            match next {
                Ok(Some(Ok(chunk))) => {
                    if let Err(e) = st.shape_chunk(&chunk, &mut out) {
                        st.fail(e, &mut out);
                    }
                }
                Ok(None) => st.end(&mut out),
                Ok(Some(Err(e))) => st.fail(format!("upstream stream broke: {e}"), &mut out),
                Err(_) => st.fail("upstream stream timed out".to_owned(), &mut out),
            }
            if let Some(array) = &mut st.array {
                out = array.convert(&out, st.done);
            }
            if !out.is_empty() {
                st.ledger.mark_first_byte();
                return Some((Ok::<Bytes, std::io::Error>(Bytes::from(out)), st));
            }
        }
    });
    Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, content_type)
        .header(http::header::CACHE_CONTROL, "no-cache")
        .header("x-request-id", request_id)
        .header("x-accel-buffering", "no")
        .body(Body::from_stream(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// The last `"sequence_number":N` in a chunk of a Responses stream.
fn last_sequence_number(chunk: &[u8]) -> Option<u64> {
    const KEY: &[u8] = b"\"sequence_number\":";
    let at = memchr::memmem::rfind(chunk, KEY)? + KEY.len();
    let digits = chunk
        .get(at..)?
        .iter()
        .skip_while(|b| **b == b' ')
        .take_while(|b| b.is_ascii_digit());
    let mut n: u64 = 0;
    let mut any = false;
    for d in digits {
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        any = true;
    }
    any.then_some(n)
}

/// An upstream whole answer rendered as that kind's own SSE stream, for the stream shaper.
fn synthesize_sse(kind: OperationKind, body: &Bytes) -> Bytes {
    let c = codec(kind);
    let Ok(resp) = c.decode_response(body) else {
        return Bytes::new();
    };
    let mut enc = c.stream_encoder(EncodeContext::default());
    let mut frames = Vec::new();
    for ev in gproxy_transform::synth::response_events(&resp) {
        enc.encode(&ev, &mut frames);
    }
    enc.finish(&mut frames);
    let mut out = Vec::new();
    gproxy_transform::stream::write_frames(&mut frames, &mut out);
    Bytes::from(out)
}

impl Drop for StreamState {
    /// The client went away mid-stream: the ledger (dropped next) records the usage seen so far.
    fn drop(&mut self) {
        if !self.done {
            let outcome = match &self.shaper {
                Shaper::Raw(tap) | Shaper::StripUsage { tap, .. } => tap.outcome(),
                Shaper::Translate(t) => t.outcome(),
            };
            self.ledger.usage = outcome.usage.unwrap_or_default();
        }
    }
}

impl StreamState {
    fn shape_chunk(&mut self, chunk: &Bytes, out: &mut Vec<u8>) -> Result<(), String> {
        match &mut self.shaper {
            Shaper::Raw(tap) => {
                tap.observe(chunk);
                if self.client_kind == OperationKind::OpenAiResponses {
                    if let Some(n) = last_sequence_number(chunk) {
                        self.last_sequence = Some(n);
                    }
                }
                out.extend_from_slice(chunk);
            }
            Shaper::StripUsage { sse, events, tap } => {
                sse.feed(chunk, events);
                if sse.buffered() > MAX_PENDING_FRAME {
                    return Err("upstream frame too large".to_owned());
                }
                for ev in events.drain(..) {
                    tap.observe_event(ev.event.as_deref(), &ev.data);
                    let usage_only =
                        ev.data.contains("\"choices\":[]") && ev.data.contains("\"usage\"");
                    if !usage_only {
                        gproxy_sse::encode(out, ev.event.as_deref(), &ev.data);
                    }
                }
            }
            Shaper::Translate(t) => {
                t.push(chunk, out)
                    .map_err(|e| format!("unreadable upstream stream: {e}"))?;
                if t.buffered() > MAX_PENDING_FRAME {
                    return Err("upstream frame too large".to_owned());
                }
            }
        }
        Ok(())
    }

    fn end(&mut self, out: &mut Vec<u8>) {
        self.done = true;
        let outcome = match &mut self.shaper {
            Shaper::Raw(tap) => tap.finish().clone(),
            Shaper::StripUsage { sse, events, tap } => {
                sse.finish(events);
                for ev in events.drain(..) {
                    tap.observe_event(ev.event.as_deref(), &ev.data);
                    if !(ev.data.contains("\"choices\":[]") && ev.data.contains("\"usage\"")) {
                        gproxy_sse::encode(out, ev.event.as_deref(), &ev.data);
                    }
                }
                tap.finish().clone()
            }
            Shaper::Translate(t) => {
                let _ = t.finish(out);
                t.outcome().clone()
            }
        };
        self.ledger.usage = outcome.usage.unwrap_or_default();
        match outcome.error {
            Some(e) => self.ledger.finish(e.status, EndState::UpstreamAborted),
            None => self.ledger.finish(200, EndState::Completed),
        }
    }

    fn fail(&mut self, message: String, out: &mut Vec<u8>) {
        self.done = true;
        let err = ir::Error::new(ErrorKind::Server, message).with_status(502);
        if let Shaper::Translate(t) = &mut self.shaper {
            // the client's encoder ends its own stream, numbering and closing what it opened
            t.push_events(&[ir::StreamEvent::Error(err)], out);
        } else {
            let mut frame = codec(self.client_kind).encode_stream_error(&err);
            if self.client_kind == OperationKind::OpenAiResponses {
                let next = self.last_sequence.map_or(0, |n| n + 1).to_string();
                let patches = [gproxy_transform::passthrough::Patch::Set(
                    "sequence_number",
                    next.as_bytes(),
                )];
                if let Ok(data) =
                    gproxy_transform::passthrough::patch(frame.data.as_bytes(), &patches)
                {
                    frame.data = String::from_utf8(data).unwrap_or(frame.data);
                }
            }
            gproxy_sse::encode(out, frame.event, &frame.data);
        }
        let outcome = match &self.shaper {
            Shaper::Raw(tap) | Shaper::StripUsage { tap, .. } => tap.outcome().clone(),
            Shaper::Translate(t) => t.outcome().clone(),
        };
        self.ledger.usage = outcome.usage.unwrap_or_default();
        self.ledger.finish(502, EndState::UpstreamAborted);
    }
}
