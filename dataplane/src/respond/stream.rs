//! Streaming answers: chunks go out as they arrive — verbatim, with our usage chunk removed, or
//! translated — and the stream always ends in the client's own framing.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use gproxy_config::usage::EndState;
use gproxy_protocol::OperationKind;
use gproxy_transform::ir::{self, ErrorKind};
use gproxy_transform::stream::{StreamTap, StreamTranslator};
use gproxy_transform::{codec, EncodeContext};

use super::{Shape, MAX_PENDING_FRAME};
use crate::ledger::Ledger;

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
    /// One timer for the whole stream, re-armed only when it fires: a chunk just records
    /// `last_chunk`, so the per-chunk cost is a clock read, not a timer-wheel update.
    timer: Pin<Box<tokio::time::Sleep>>,
    last_chunk: Instant,
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
        let tap = StreamTap::for_kind(
            shape.upstream_kind,
            codec(shape.upstream_kind).stream_decoder(),
        );
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
        timer: Box::pin(tokio::time::sleep_until(
            idle_deadline(Instant::now(), shape.idle, shape.deadline).into(),
        )),
        last_chunk: Instant::now(),
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
            let next = std::future::poll_fn(|cx| st.poll_upstream(cx)).await;
            let mut out = Vec::new();
            match next {
                Some(Some(Ok(chunk))) => {
                    if st.array.is_none() {
                        if let Shaper::Raw(_) = st.shaper {
                            // verbatim: the upstream's own buffer goes out, no copy
                            st.observe_raw(&chunk);
                            if chunk.is_empty() {
                                continue;
                            }
                            st.ledger.mark_first_byte();
                            return Some((Ok::<Bytes, std::io::Error>(chunk), st));
                        }
                    }
                    if let Err(e) = st.shape_chunk(&chunk, &mut out) {
                        st.fail(e, &mut out);
                    }
                }
                Some(None) => st.end(&mut out),
                Some(Some(Err(e))) => st.fail(format!("upstream stream broke: {e}"), &mut out),
                None => st.fail("upstream stream timed out".to_owned(), &mut out),
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

/// When a stream that last saw a chunk at `last` times out: `idle` after it, or the overall
/// deadline if that comes first.
fn idle_deadline(last: Instant, idle: Duration, deadline: Option<Instant>) -> Instant {
    let at = last + idle;
    deadline.map_or(at, |d| d.min(at))
}

impl StreamState {
    /// The next upstream item; `None` when the stream has been idle too long or passed its
    /// deadline.
    #[allow(clippy::type_complexity)]
    fn poll_upstream(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Option<Result<Bytes, wreq::Error>>>> {
        use std::task::Poll;
        if let Poll::Ready(item) = self.upstream.poll_next_unpin(cx) {
            self.last_chunk = Instant::now();
            return Poll::Ready(Some(item));
        }
        loop {
            if self.timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            let due = idle_deadline(self.last_chunk, self.idle, self.deadline);
            if Instant::now() >= due {
                return Poll::Ready(None);
            }
            // chunks came since the timer was set: push it out and wait again
            self.timer.as_mut().reset(due.into());
        }
    }

    /// A verbatim chunk: the tap reads usage; a Responses stream remembers its numbering.
    fn observe_raw(&mut self, chunk: &Bytes) {
        if let Shaper::Raw(tap) = &mut self.shaper {
            tap.observe(chunk);
            if self.client_kind == OperationKind::OpenAiResponses {
                if let Some(n) = last_sequence_number(chunk) {
                    self.last_sequence = Some(n);
                }
            }
        }
    }

    fn shape_chunk(&mut self, chunk: &Bytes, out: &mut Vec<u8>) -> Result<(), String> {
        match &mut self.shaper {
            Shaper::Raw(_) => {
                self.observe_raw(chunk);
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
