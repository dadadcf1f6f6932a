//! The streaming pipeline: upstream bytes → SSE events → IR events → client frames → bytes,
//! incrementally, one chunk at a time. Also a tap that only observes a same-kind stream.

use crate::codec::{Frame, StreamDecoder, StreamEncoder};
use crate::error::Result;
use crate::ir::{Error, StopReason, StreamEvent, Usage};

/// What the gateway learns from a stream for accounting, whatever the kinds on both sides.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct StreamOutcome {
    pub usage: Option<Usage>,
    pub stop_reason: Option<StopReason>,
    pub error: Option<Error>,
    /// Whether any content event (a part) was seen: the first-token moment.
    pub started_content: bool,
}

impl StreamOutcome {
    fn observe(&mut self, event: &StreamEvent) {
        match event {
            StreamEvent::Usage(u) => match &mut self.usage {
                Some(acc) => acc.merge(u),
                None => self.usage = Some(*u),
            },
            StreamEvent::Finish { stop_reason } => self.stop_reason = Some(stop_reason.clone()),
            StreamEvent::Error(e) => self.error = Some(e.clone()),
            StreamEvent::PartStart { .. } | StreamEvent::Delta { .. } => {
                self.started_content = true
            }
            _ => {}
        }
    }
}

/// Translates one response stream from an upstream kind to a client kind.
pub struct StreamTranslator {
    sse: gproxy_sse::Decoder,
    decoder: Box<dyn StreamDecoder>,
    encoder: Box<dyn StreamEncoder>,
    sse_events: Vec<gproxy_sse::Event>,
    ir_events: Vec<StreamEvent>,
    frames: Vec<Frame>,
    outcome: StreamOutcome,
}

impl StreamTranslator {
    pub fn new(decoder: Box<dyn StreamDecoder>, encoder: Box<dyn StreamEncoder>) -> Self {
        StreamTranslator {
            sse: gproxy_sse::Decoder::new(),
            decoder,
            encoder,
            sse_events: Vec::new(),
            ir_events: Vec::new(),
            frames: Vec::new(),
            outcome: StreamOutcome::default(),
        }
    }

    /// Feed upstream bytes; append the client's bytes for them to `out` (possibly nothing yet).
    /// An error means the upstream sent a malformed frame: end the stream with the client
    /// kind's error frame.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) -> Result<()> {
        self.sse.feed(chunk, &mut self.sse_events);
        self.drain(out)
    }

    /// Feed IR events directly (an upstream that answered with a whole object, synthesized).
    pub fn push_events(&mut self, events: &[StreamEvent], out: &mut Vec<u8>) {
        for ev in events {
            self.outcome.observe(ev);
            self.encoder.encode(ev, &mut self.frames);
        }
        write_frames(&mut self.frames, out);
    }

    /// Upstream ended: flush what is pending and close the client's stream properly.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> Result<()> {
        self.sse.finish(&mut self.sse_events);
        let res = self.drain(out);
        self.decoder.finish(&mut self.ir_events);
        self.encode_pending(out);
        self.encoder.finish(&mut self.frames);
        write_frames(&mut self.frames, out);
        res
    }

    pub fn outcome(&self) -> &StreamOutcome {
        &self.outcome
    }

    /// Bytes held by the SSE decoder waiting for a frame end (cap it against a hostile upstream).
    pub fn buffered(&self) -> usize {
        self.sse.buffered()
    }

    fn drain(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let mut result = Ok(());
        for ev in self.sse_events.drain(..) {
            if let Err(e) = self
                .decoder
                .decode(ev.event.as_deref(), &ev.data, &mut self.ir_events)
            {
                result = Err(e);
                break;
            }
        }
        self.sse_events.clear();
        self.encode_pending(out);
        result
    }

    fn encode_pending(&mut self, out: &mut Vec<u8>) {
        for ev in self.ir_events.drain(..) {
            self.outcome.observe(&ev);
            self.encoder.encode(&ev, &mut self.frames);
        }
        write_frames(&mut self.frames, out);
    }
}

/// Watches a stream that passes through unchanged (same kind on both sides), for accounting.
pub struct StreamTap {
    sse: gproxy_sse::Decoder,
    decoder: Box<dyn StreamDecoder>,
    sse_events: Vec<gproxy_sse::Event>,
    ir_events: Vec<StreamEvent>,
    outcome: StreamOutcome,
    /// The kind, when known: once content started, plain text deltas are not decoded (they carry
    /// nothing the outcome keeps, and they are most of a stream).
    kind: Option<gproxy_protocol::OperationKind>,
}

/// Whether an event is a plain text (or reasoning-text) delta and nothing else: no usage, no
/// stop, no error, no tool call. Conservative: anything unsure is decoded.
fn plain_text_delta(kind: gproxy_protocol::OperationKind, event: Option<&str>, data: &str) -> bool {
    use gproxy_protocol::OperationKind as K;
    let has = |needle: &str| memchr::memmem::find(data.as_bytes(), needle.as_bytes()).is_some();
    match kind {
        K::OpenAiChat | K::OpenAi => {
            has("\"content\":\"")
                && !has("\"tool_calls\"")
                && !has("\"finish_reason\":\"")
                && !has("\"usage\":{")
                && !has("\"error\"")
                && !has("\"refusal\":\"")
        }
        K::AnthropicMessages => {
            event == Some("content_block_delta")
                && (has("\"type\":\"text_delta\"") || has("\"type\":\"thinking_delta\""))
        }
        K::OpenAiResponses => matches!(
            event,
            Some("response.output_text.delta")
                | Some("response.reasoning_summary_text.delta")
                | Some("response.reasoning_text.delta")
        ),
        K::Gemini => false,
    }
}

impl StreamTap {
    pub fn new(decoder: Box<dyn StreamDecoder>) -> Self {
        StreamTap {
            sse: gproxy_sse::Decoder::new(),
            decoder,
            sse_events: Vec::new(),
            ir_events: Vec::new(),
            outcome: StreamOutcome::default(),
            kind: None,
        }
    }

    /// A tap for a stream of `kind` that skips decoding plain text deltas once content started:
    /// the same outcome (usage, stop reason, error, first content) at a fraction of the cost.
    pub fn for_kind(kind: gproxy_protocol::OperationKind, decoder: Box<dyn StreamDecoder>) -> Self {
        StreamTap {
            kind: Some(kind),
            ..StreamTap::new(decoder)
        }
    }

    fn skippable(&self, event: Option<&str>, data: &str) -> bool {
        self.outcome.started_content && self.kind.is_some_and(|k| plain_text_delta(k, event, data))
    }

    /// Observe bytes that are forwarded as they are. Malformed frames are the client's to judge;
    /// the tap ignores them.
    pub fn observe(&mut self, chunk: &[u8]) {
        self.sse.feed(chunk, &mut self.sse_events);
        self.drain();
    }

    /// Observe one already-decoded SSE event (callers that filter events themselves).
    pub fn observe_event(&mut self, event: Option<&str>, data: &str) {
        if self.skippable(event, data) {
            return;
        }
        let _ = self.decoder.decode(event, data, &mut self.ir_events);
        for ev in self.ir_events.drain(..) {
            self.outcome.observe(&ev);
        }
    }

    pub fn finish(&mut self) -> &StreamOutcome {
        self.sse.finish(&mut self.sse_events);
        self.drain();
        self.decoder.finish(&mut self.ir_events);
        for ev in self.ir_events.drain(..) {
            self.outcome.observe(&ev);
        }
        &self.outcome
    }

    pub fn outcome(&self) -> &StreamOutcome {
        &self.outcome
    }

    fn drain(&mut self) {
        let mut events = std::mem::take(&mut self.sse_events);
        for ev in events.drain(..) {
            if self.skippable(ev.event.as_deref(), &ev.data) {
                continue;
            }
            // A malformed frame is forwarded unchanged; accounting just skips it.
            let _ = self
                .decoder
                .decode(ev.event.as_deref(), &ev.data, &mut self.ir_events);
            for ev in self.ir_events.drain(..) {
                self.outcome.observe(&ev);
            }
        }
        self.sse_events = events;
        for ev in self.ir_events.drain(..) {
            self.outcome.observe(&ev);
        }
    }
}

/// Serialize frames in SSE wire form and clear them.
pub fn write_frames(frames: &mut Vec<Frame>, out: &mut Vec<u8>) {
    for f in frames.drain(..) {
        gproxy_sse::encode(out, f.event, &f.data);
    }
}
