//! IR stream events → the Responses event stream: the whole lifecycle under one response id,
//! `sequence_number` from 0, and always a closing `response.completed` / `response.incomplete`.

mod deltas;
mod parts;

use gproxy_protocol::openai::responses::stream as ev;
use gproxy_protocol::openai::responses::{self as wire, StreamEvent as Ev};
use serde_json::{Map, Number, Value};

use super::response::{response_id, status_of, template, usage_to_wire};
use crate::codec::{EncodeContext, Frame, StreamEncoder};
use crate::ir::{Error, Opaque, StopReason, StreamEvent, ToolCall, Usage};

/// The message item being written; consecutive text/refusal parts share it.
struct OpenMessage {
    output: usize,
    id: String,
    parts: Vec<wire::ContentPart>,
}

enum Open {
    Text {
        content: usize,
        text: String,
        annotations: Vec<Value>,
        refusal: bool,
    },
    Reasoning {
        output: usize,
        id: String,
        text: String,
        signature: Option<Opaque>,
        summary: bool,
    },
    Call {
        output: usize,
        id: String,
        call: ToolCall,
    },
}

pub(crate) struct Encoder {
    ctx: EncodeContext,
    template: wire::Response,
    id: String,
    model: String,
    created: i64,
    seq: u64,
    started: bool,
    done: bool,
    output: Vec<wire::Item>,
    message: Option<OpenMessage>,
    open: Vec<(usize, Open)>,
    usage: Usage,
}

impl Encoder {
    pub(crate) fn new(ctx: EncodeContext) -> Self {
        Encoder {
            template: template(&ctx),
            id: response_id("", &ctx.fallback_id),
            model: ctx.model.clone(),
            created: ctx.created,
            ctx,
            seq: 0,
            started: false,
            done: false,
            output: Vec::new(),
            message: None,
            open: Vec::new(),
            usage: Usage::default(),
        }
    }

    fn seq(&mut self) -> Option<u64> {
        let n = self.seq;
        self.seq += 1;
        Some(n)
    }

    fn emit(&mut self, event: Ev, out: &mut Vec<Frame>) {
        let name = event.known_name().unwrap_or("error");
        if let Ok(data) = serde_json::to_string(&event) {
            out.push(Frame::named(name, data));
        }
    }

    fn snapshot(&self, status: &str, done: bool) -> wire::Response {
        let mut r = self.template.clone();
        r.id.clone_from(&self.id);
        r.model.clone_from(&self.model);
        r.created_at = Some(Number::from(self.created));
        r.status = Some(status.to_owned());
        if done {
            r.output.clone_from(&self.output);
            r.usage = Some(usage_to_wire(&self.usage));
        }
        r
    }

    fn lifecycle(
        &mut self,
        kind: fn(ev::ResponseEvent) -> Ev,
        status: &str,
        done: bool,
        out: &mut Vec<Frame>,
    ) -> wire::Response {
        let response = self.snapshot(status, done);
        let e = ev::ResponseEvent {
            response: response.clone(),
            sequence_number: self.seq(),
            extra: Map::new(),
        };
        self.emit(kind(e), out);
        response
    }

    fn ensure_started(&mut self, out: &mut Vec<Frame>) {
        if !self.started {
            self.started = true;
            self.lifecycle(Ev::Created, "in_progress", false, out);
            self.lifecycle(Ev::InProgress, "in_progress", false, out);
        }
    }

    /// Emits `e` with the next sequence number.
    fn emit_numbered(&mut self, mut e: Ev, out: &mut Vec<Frame>) {
        let n = self.seq();
        set_sequence(&mut e, n);
        self.emit(e, out);
    }

    fn complete(&mut self, stop: Option<&StopReason>, out: &mut Vec<Frame>) {
        self.ensure_started(out);
        let open: Vec<usize> = self.open.iter().map(|(i, _)| *i).collect();
        open.into_iter().for_each(|i| self.stop(i, out));
        self.close_message(out);
        let (status, incomplete) = status_of(stop);
        let mut response = self.snapshot(status, true);
        response.incomplete_details = incomplete;
        let e = ev::ResponseEvent {
            response,
            sequence_number: self.seq(),
            extra: Map::new(),
        };
        self.emit(
            if status == "incomplete" {
                Ev::Incomplete(e)
            } else {
                Ev::Completed(e)
            },
            out,
        );
        self.done = true;
    }

    /// A failed stream: an `error` event (the SDKs raise on it), then `response.failed` with
    /// the output so far, both numbered in sequence.
    fn fail(&mut self, err: &Error, out: &mut Vec<Frame>) {
        self.ensure_started(out);
        let wire_err = crate::openai::common::error_to_wire(err);
        let code = match wire_err.code {
            Some(Value::String(c)) => Some(c),
            _ => wire_err.kind,
        };
        let error_event = wire::stream::ErrorEvent {
            code,
            message: wire_err.message,
            param: wire_err.param,
            sequence_number: self.seq(),
            extra: Map::new(),
        };
        self.emit(Ev::Error(error_event), out);
        let mut response = self.snapshot("failed", true);
        response.error =
            Some(wire::ResponseError {
                code: Some(err.code.clone().unwrap_or_else(|| {
                    crate::openai::common::error_type(err.kind, None).to_owned()
                })),
                message: err.message.clone(),
                extra: Map::new(),
            });
        let e = ev::ResponseEvent {
            response,
            sequence_number: self.seq(),
            extra: Map::new(),
        };
        self.emit(Ev::Failed(e), out);
        self.done = true;
    }
}

fn refusal_part(refusal: String) -> wire::ContentPart {
    wire::ContentPart::Refusal(wire::RefusalPart {
        refusal,
        extra: Map::new(),
    })
}

fn set_sequence(e: &mut Ev, n: Option<u64>) {
    match e {
        Ev::OutputTextDelta(d) | Ev::RefusalDelta(d) | Ev::ReasoningTextDelta(d) => {
            d.sequence_number = n
        }
        Ev::OutputTextDone(d) | Ev::ReasoningTextDone(d) => d.sequence_number = n,
        Ev::RefusalDone(d) => d.sequence_number = n,
        Ev::OutputTextAnnotationAdded(d) => d.sequence_number = n,
        Ev::FunctionCallArgumentsDelta(d) | Ev::CustomToolCallInputDelta(d) => {
            d.sequence_number = n
        }
        Ev::FunctionCallArgumentsDone(d) => d.sequence_number = n,
        Ev::CustomToolCallInputDone(d) => d.sequence_number = n,
        Ev::ReasoningSummaryPartAdded(d) | Ev::ReasoningSummaryPartDone(d) => d.sequence_number = n,
        Ev::ReasoningSummaryTextDelta(d) => d.sequence_number = n,
        Ev::ReasoningSummaryTextDone(d) => d.sequence_number = n,
        Ev::ContentPartAdded(d) | Ev::ContentPartDone(d) => d.sequence_number = n,
        Ev::OutputItemAdded(d) | Ev::OutputItemDone(d) => d.sequence_number = n,
        Ev::Created(d)
        | Ev::Queued(d)
        | Ev::InProgress(d)
        | Ev::Completed(d)
        | Ev::Incomplete(d)
        | Ev::Failed(d) => {
            d.sequence_number = n;
        }
        Ev::Error(d) => d.sequence_number = n,
        Ev::Unknown(_) => {}
    }
}

impl StreamEncoder for Encoder {
    fn encode(&mut self, event: &StreamEvent, out: &mut Vec<Frame>) {
        if self.done {
            return;
        }
        match event {
            StreamEvent::Start { id, model, created } => {
                if !self.started {
                    self.id = response_id(id, &self.ctx.fallback_id);
                    if !model.is_empty() {
                        self.model.clone_from(model);
                    }
                    self.created = created.unwrap_or(self.created);
                }
                self.ensure_started(out);
            }
            StreamEvent::PartStart { index, part } => {
                self.ensure_started(out);
                self.start(*index, part, out);
            }
            StreamEvent::Delta { index, delta } => self.delta(*index, delta, out),
            StreamEvent::PartStop { index } => self.stop(*index, out),
            StreamEvent::Usage(u) => self.usage.merge(u),
            StreamEvent::Finish { stop_reason } => self.complete(Some(stop_reason), out),
            StreamEvent::Error(e) => self.fail(e, out),
        }
    }

    fn finish(&mut self, out: &mut Vec<Frame>) {
        if !self.done {
            self.complete(None, out);
        }
    }
}
