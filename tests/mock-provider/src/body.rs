//! Response bodies: one buffer for plain answers, paced SSE segments (optionally cut mid-stream) for streams.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use serde::Serialize;
use tokio::time::Sleep;

/// How long a cut stream waits after its last event so hyper flushes it before the connection drops.
const DROP_GRACE: Duration = Duration::from_millis(20);

/// The body of every answer the mock gives.
pub enum MockBody {
    /// A whole answer sent in one write.
    Full(Option<Bytes>),
    /// A stream sent as segments with a pause between them.
    Stream(SseStream),
}

impl MockBody {
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        Self::Full(Some(bytes.into()))
    }

    pub fn empty() -> Self {
        Self::Full(None)
    }
}

/// Segments of SSE text; each after the first waits `delay`; `cut` ends with an error (connection closed).
pub struct SseStream {
    segments: VecDeque<Bytes>,
    delay: Duration,
    started: bool,
    cut: bool,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl Body for MockBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            MockBody::Full(bytes) => Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            MockBody::Stream(stream) => stream.poll_next(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, MockBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            MockBody::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            MockBody::Full(None) => SizeHint::with_exact(0),
            MockBody::Stream(_) => SizeHint::default(),
        }
    }
}

impl SseStream {
    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        if let Some(sleep) = self.sleep.as_mut() {
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.sleep = None;
            return Poll::Ready(self.take_segment());
        }
        if self.segments.is_empty() {
            if !self.cut {
                return Poll::Ready(None);
            }
            self.cut = false;
            self.sleep = Some(Box::pin(tokio::time::sleep(DROP_GRACE)));
            return self.poll_next(cx);
        }
        if self.started && !self.delay.is_zero() {
            self.sleep = Some(Box::pin(tokio::time::sleep(self.delay)));
            return self.poll_next(cx);
        }
        self.started = true;
        Poll::Ready(self.take_segment())
    }

    /// The next segment, or the error that aborts the connection once a cut stream has run out.
    fn take_segment(&mut self) -> Option<Result<Frame<Bytes>, io::Error>> {
        match self.segments.pop_front() {
            Some(seg) => Some(Ok(Frame::data(seg))),
            None => Some(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "mock: stream dropped on purpose",
            ))),
        }
    }
}

/// Builds an SSE stream: events are packed into as few writes as the pacing allows.
pub struct SseBuilder {
    buf: Vec<u8>,
    segments: VecDeque<Bytes>,
    paced: bool,
    drop_after: Option<usize>,
    events: usize,
    cut: bool,
    deltas: usize,
    crlf: bool,
}

impl SseBuilder {
    /// `paced`: a pause will separate deltas, so each delta starts a new segment.
    pub fn new(paced: bool, drop_after: Option<usize>) -> Self {
        Self {
            buf: Vec::with_capacity(1024),
            segments: VecDeque::new(),
            paced,
            drop_after,
            events: 0,
            cut: false,
            deltas: 0,
            crlf: false,
        }
    }

    /// End events with `\r\n\r\n` (Gemini) instead of `\n\n`.
    pub fn crlf(mut self) -> Self {
        self.crlf = true;
        self
    }

    /// `event: <name>` + `data: <json>`; `delta` marks a content piece (paced).
    pub fn named<T: Serialize>(&mut self, name: &str, data: &T, delta: bool) {
        if self.begin(delta) {
            self.buf.extend_from_slice(b"event: ");
            self.buf.extend_from_slice(name.as_bytes());
            self.buf.push(b'\n');
            self.data_line(data);
            self.end();
        }
    }

    /// A data-only event.
    pub fn data<T: Serialize>(&mut self, data: &T, delta: bool) {
        if self.begin(delta) {
            self.data_line(data);
            self.end();
        }
    }

    /// A data-only event with a literal payload such as `[DONE]`.
    pub fn raw(&mut self, payload: &str) {
        if self.begin(false) {
            self.buf.extend_from_slice(b"data: ");
            self.buf.extend_from_slice(payload.as_bytes());
            self.end();
        }
    }

    pub fn finish(mut self, delay: Duration) -> MockBody {
        self.flush();
        MockBody::Stream(SseStream {
            segments: self.segments,
            delay: if self.paced { delay } else { Duration::ZERO },
            started: false,
            cut: self.cut,
            sleep: None,
        })
    }

    /// Whether the event is written at all (false once the stream was cut).
    fn begin(&mut self, delta: bool) -> bool {
        if self.cut {
            return false;
        }
        if delta {
            if self.paced && self.deltas > 0 {
                self.flush();
            }
            self.deltas += 1;
        }
        true
    }

    fn data_line<T: Serialize>(&mut self, data: &T) {
        self.buf.extend_from_slice(b"data: ");
        if serde_json::to_writer(&mut self.buf, data).is_err() {
            self.buf.extend_from_slice(b"{}");
        }
    }

    fn end(&mut self) {
        self.buf
            .extend_from_slice(if self.crlf { b"\r\n\r\n" } else { b"\n\n" });
        self.events += 1;
        if self.drop_after == Some(self.events) {
            self.cut = true;
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.buf.is_empty() {
            self.segments
                .push_back(Bytes::from(std::mem::take(&mut self.buf)));
        }
    }
}

/// Serialize a JSON answer into one buffer.
pub fn json_bytes<T: Serialize>(value: &T) -> Bytes {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn segments(body: MockBody) -> (Vec<String>, bool) {
        match body {
            MockBody::Stream(s) => (
                s.segments
                    .iter()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .collect(),
                s.cut,
            ),
            MockBody::Full(_) => (Vec::new(), false),
        }
    }

    #[test]
    fn unpaced_stream_is_one_write_and_paced_splits_at_deltas() {
        for (paced, want_segments) in [(false, 1), (true, 3)] {
            let mut b = SseBuilder::new(paced, None);
            b.named("start", &json!({"a": 1}), false);
            b.named("delta", &json!({"d": "x"}), true);
            b.named("delta", &json!({"d": "y"}), true);
            b.named("delta", &json!({"d": "z"}), true);
            b.raw("[DONE]");
            let (segs, cut) = segments(b.finish(Duration::from_millis(5)));
            assert_eq!(segs.len(), want_segments, "paced={paced}");
            assert!(!cut);
            assert!(segs[0].starts_with("event: start\ndata: {\"a\":1}\n\n"));
            assert!(segs.concat().ends_with("data: [DONE]\n\n"));
        }
    }

    #[test]
    fn drop_after_keeps_exactly_n_events_and_marks_the_cut() {
        let mut b = SseBuilder::new(false, Some(2)).crlf();
        for i in 0..5 {
            b.data(&json!({"i": i}), true);
        }
        let (segs, cut) = segments(b.finish(Duration::ZERO));
        assert!(cut);
        assert_eq!(
            segs.concat(),
            "data: {\"i\":0}\r\n\r\ndata: {\"i\":1}\r\n\r\n"
        );
    }
}
