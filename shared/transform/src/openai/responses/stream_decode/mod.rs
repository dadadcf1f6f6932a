//! Responses event stream → IR stream events: one IR part per output item (per content part
//! for messages), deltas passed through as they arrive.

mod items;

use gproxy_protocol::openai::common::ErrorObject;
use gproxy_protocol::openai::responses::stream::KNOWN_EVENT_TYPES;
use gproxy_protocol::openai::responses::{self as wire, StreamEvent as Ev};
use gproxy_protocol::Family;
use serde_json::{Map, Value};

use crate::codec::StreamDecoder;
use crate::error::{Result, TransformError};
use crate::ir::{Delta, Opaque, PartStart, StreamEvent};
use crate::openai::common;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Refusal,
    Reasoning,
    Call,
}

/// An IR part opened for an output item (`content: None`) or a message content part.
#[derive(Debug)]
struct Slot {
    output: usize,
    content: Option<usize>,
    index: usize,
    /// Bytes of text/arguments already emitted, to emit only the missing tail of a `.done`.
    emitted: usize,
    /// Reasoning: summary text seen, so raw `reasoning_text` is not doubled into it.
    summary: bool,
    closed: bool,
}

#[derive(Debug, Default)]
pub(crate) struct Decoder {
    started: bool,
    slots: Vec<Slot>,
    has_calls: bool,
}

pub(crate) fn error_of(
    code: Option<String>,
    message: String,
    param: Option<String>,
) -> crate::ir::Error {
    let obj = ErrorObject {
        message,
        kind: None,
        param,
        code: code.map(Value::String),
        extra: Map::new(),
    };
    common::error_from_wire(&obj, None)
}

impl Decoder {
    fn start(&mut self, r: Option<&wire::Response>, out: &mut Vec<StreamEvent>) {
        if self.started {
            return;
        }
        self.started = true;
        out.push(StreamEvent::Start {
            id: r.map(|r| r.id.clone()).unwrap_or_default(),
            model: r.map(|r| r.model.clone()).unwrap_or_default(),
            created: r
                .and_then(|r| r.created_at.as_ref())
                .and_then(|n| n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))),
        });
    }

    fn open(
        &mut self,
        output: usize,
        content: Option<usize>,
        part: PartStart,
        out: &mut Vec<StreamEvent>,
    ) -> usize {
        self.start(None, out);
        let index = self.slots.len();
        self.slots.push(Slot {
            output,
            content,
            index,
            emitted: 0,
            summary: false,
            closed: false,
        });
        out.push(StreamEvent::PartStart { index, part });
        index
    }

    fn find(&mut self, output: usize, content: Option<usize>) -> Option<&mut Slot> {
        self.slots
            .iter_mut()
            .find(|s| !s.closed && s.output == output && s.content == content)
    }

    fn was_opened(&self, output: usize, content: Option<usize>) -> bool {
        self.slots
            .iter()
            .any(|s| s.output == output && s.content == content)
    }

    /// A delta for the part at (`output`, `content`), opening a text/refusal part when the
    /// upstream skipped `content_part.added`.
    fn delta(
        &mut self,
        output: usize,
        content: Option<usize>,
        kind: Kind,
        text: &str,
        out: &mut Vec<StreamEvent>,
    ) {
        if text.is_empty() {
            return;
        }
        if self.find(output, content).is_none() {
            let start = match kind {
                Kind::Text => PartStart::Text,
                Kind::Refusal => PartStart::Refusal,
                // A call or reasoning delta without its item: nothing to attach it to.
                Kind::Reasoning | Kind::Call => return,
            };
            self.open(output, content, start, out);
        }
        let Some(slot) = self.find(output, content) else {
            return;
        };
        slot.emitted += text.len();
        let index = slot.index;
        let delta = match kind {
            Kind::Text => Delta::Text(text.to_owned()),
            Kind::Refusal => Delta::Refusal(text.to_owned()),
            Kind::Reasoning => Delta::Reasoning(text.to_owned()),
            Kind::Call => Delta::ToolArguments(text.to_owned()),
        };
        out.push(StreamEvent::Delta { index, delta });
    }

    /// The part of a `.done` text that no delta carried.
    fn rest(
        &mut self,
        output: usize,
        content: Option<usize>,
        kind: Kind,
        full: &str,
        out: &mut Vec<StreamEvent>,
    ) {
        let emitted = self.find(output, content).map_or(0, |s| s.emitted);
        if let Some(tail) = full.get(emitted..) {
            self.delta(output, content, kind, tail, out);
        }
    }

    fn close(&mut self, output: usize, content: Option<usize>, out: &mut Vec<StreamEvent>) {
        if let Some(slot) = self.find(output, content) {
            slot.closed = true;
            out.push(StreamEvent::PartStop { index: slot.index });
        }
    }

    fn close_all(&mut self, out: &mut Vec<StreamEvent>) {
        for slot in self.slots.iter_mut().filter(|s| !s.closed) {
            slot.closed = true;
            out.push(StreamEvent::PartStop { index: slot.index });
        }
    }
}

fn parse(event: Option<&str>, data: &str) -> Result<Option<Ev>> {
    let data = data.trim();
    if data.is_empty() || data == "[DONE]" {
        return Ok(None);
    }
    let ev: Ev = serde_json::from_str(data)?;
    let Ev::Unknown(v) = &ev else {
        return Ok(Some(ev));
    };
    match (v.get("type").and_then(Value::as_str), event) {
        (Some(t), _) if KNOWN_EVENT_TYPES.contains(&t) => Err(TransformError::invalid(
            t,
            "malformed Responses stream event",
        )),
        // A payload without `type`: the SSE event name says it.
        (None, Some(name)) if KNOWN_EVENT_TYPES.contains(&name) => {
            let mut v = v.clone();
            if let Some(m) = v.as_object_mut() {
                m.insert("type".to_owned(), Value::String(name.to_owned()));
            }
            Ok(Some(serde_json::from_value(v).map_err(|_| {
                TransformError::invalid(name, "malformed Responses stream event")
            })?))
        }
        _ => Ok(None),
    }
}

impl StreamDecoder for Decoder {
    fn decode(
        &mut self,
        event: Option<&str>,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> Result<()> {
        let Some(ev) = parse(event, data)? else {
            return Ok(());
        };
        match ev {
            Ev::Created(e) | Ev::Queued(e) | Ev::InProgress(e) => {
                self.start(Some(&e.response), out)
            }
            Ev::Completed(e) => self.terminal(e, "completed", out),
            Ev::Incomplete(e) => self.terminal(e, "incomplete", out),
            Ev::Failed(e) => self.terminal(e, "failed", out),
            Ev::OutputItemAdded(e) => match &e.item {
                wire::Item::Reasoning(r) => {
                    self.open(
                        e.output_index,
                        None,
                        PartStart::Reasoning {
                            id: r.id.clone(),
                            redacted: false,
                        },
                        out,
                    );
                }
                wire::Item::FunctionCall(_) | wire::Item::CustomToolCall(_) => {
                    self.call_start(e.output_index, &e.item, out)
                }
                _ => self.start(None, out),
            },
            Ev::OutputItemDone(e) => self.item_done(e.output_index, e.item, out),
            Ev::ContentPartAdded(e) => {
                let (kind, start, text) = match &e.part {
                    wire::ContentPart::OutputText(t) => {
                        (Kind::Text, PartStart::Text, t.text.as_str())
                    }
                    wire::ContentPart::Refusal(r) => {
                        (Kind::Refusal, PartStart::Refusal, r.refusal.as_str())
                    }
                    _ => return Ok(()),
                };
                if self.find(e.output_index, Some(e.content_index)).is_none() {
                    self.open(e.output_index, Some(e.content_index), start, out);
                }
                self.delta(e.output_index, Some(e.content_index), kind, text, out);
            }
            Ev::ContentPartDone(e) => {
                let (kind, text) = match &e.part {
                    wire::ContentPart::OutputText(t) => (Kind::Text, t.text.as_str()),
                    wire::ContentPart::Refusal(r) => (Kind::Refusal, r.refusal.as_str()),
                    _ => return Ok(()),
                };
                self.rest(e.output_index, Some(e.content_index), kind, text, out);
                self.close(e.output_index, Some(e.content_index), out);
            }
            Ev::OutputTextDelta(d) => self.delta(
                d.output_index,
                Some(d.content_index),
                Kind::Text,
                &d.delta,
                out,
            ),
            Ev::OutputTextDone(d) => self.rest(
                d.output_index,
                Some(d.content_index),
                Kind::Text,
                &d.text,
                out,
            ),
            Ev::OutputTextAnnotationAdded(a) => {
                if let Some(slot) = self.find(a.output_index, Some(a.content_index)) {
                    let delta = Delta::Annotation(Opaque {
                        family: Family::OpenAi,
                        value: a.annotation,
                    });
                    out.push(StreamEvent::Delta {
                        index: slot.index,
                        delta,
                    });
                }
            }
            Ev::RefusalDelta(d) => self.delta(
                d.output_index,
                Some(d.content_index),
                Kind::Refusal,
                &d.delta,
                out,
            ),
            Ev::RefusalDone(d) => self.rest(
                d.output_index,
                Some(d.content_index),
                Kind::Refusal,
                &d.refusal,
                out,
            ),
            Ev::FunctionCallArgumentsDelta(d) | Ev::CustomToolCallInputDelta(d) => {
                self.delta(d.output_index, None, Kind::Call, &d.delta, out);
            }
            Ev::FunctionCallArgumentsDone(d) => {
                self.rest(d.output_index, None, Kind::Call, &d.arguments, out)
            }
            Ev::CustomToolCallInputDone(d) => {
                self.rest(d.output_index, None, Kind::Call, &d.input, out)
            }
            Ev::ReasoningSummaryPartAdded(e) => {
                if let Some(slot) = self.find(e.output_index, None) {
                    slot.summary = true;
                    if e.summary_index > 0 && slot.emitted > 0 {
                        self.delta(e.output_index, None, Kind::Reasoning, "\n\n", out);
                    }
                }
            }
            Ev::ReasoningSummaryTextDelta(d) => {
                if let Some(slot) = self.find(d.output_index, None) {
                    slot.summary = true;
                }
                self.delta(d.output_index, None, Kind::Reasoning, &d.delta, out);
            }
            Ev::ReasoningTextDelta(d) => {
                if self.find(d.output_index, None).is_some_and(|s| !s.summary) {
                    self.delta(d.output_index, None, Kind::Reasoning, &d.delta, out);
                }
            }
            Ev::Error(e) => {
                let (code, message, param) = match e.extra.get("error").and_then(Value::as_object) {
                    Some(inner) if e.message.is_empty() => (
                        inner.get("code").and_then(Value::as_str).map(str::to_owned),
                        inner
                            .get("message")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                        inner
                            .get("param")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                    ),
                    _ => (e.code, e.message, e.param),
                };
                out.push(StreamEvent::Error(error_of(code, message, param)));
            }
            Ev::ReasoningSummaryPartDone(_)
            | Ev::ReasoningSummaryTextDone(_)
            | Ev::ReasoningTextDone(_)
            | Ev::Unknown(_) => {}
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<StreamEvent>) {
        self.close_all(out);
    }
}
