//! IR stream events → the Responses event stream: the whole lifecycle under one response id,
//! `sequence_number` from 0, and always a closing `response.completed` / `response.incomplete`.

use gproxy_protocol::openai::responses::stream as ev;
use gproxy_protocol::openai::responses::{self as wire, StreamEvent as Ev};
use gproxy_protocol::Family;
use serde_json::{Map, Number, Value};

use super::content::as_item;
use super::response::{
    call_item, item_id, message_item, output_text, reasoning_item, response_id, status_of,
    template, usage_to_wire,
};
use crate::codec::{EncodeContext, Frame, StreamEncoder};
use crate::ir::{
    Delta, Error, Opaque, Part, PartStart, StopReason, StreamEvent, ToolCall, ToolCallKind, Usage,
};

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

    fn item_event(&mut self, output: usize, item: wire::Item, added: bool, out: &mut Vec<Frame>) {
        let e = ev::OutputItemEvent {
            output_index: output,
            item,
            sequence_number: self.seq(),
            extra: Map::new(),
        };
        self.emit(
            if added {
                Ev::OutputItemAdded(e)
            } else {
                Ev::OutputItemDone(e)
            },
            out,
        );
    }

    /// Adds an item in progress and announces it.
    fn add_item(&mut self, item: wire::Item, out: &mut Vec<Frame>) -> usize {
        let output = self.output.len();
        self.output.push(item.clone());
        self.item_event(output, item, true, out);
        output
    }

    fn finish_item(&mut self, output: usize, item: wire::Item, out: &mut Vec<Frame>) {
        if let Some(slot) = self.output.get_mut(output) {
            *slot = item.clone();
        }
        self.item_event(output, item, false, out);
    }

    fn close_message(&mut self, out: &mut Vec<Frame>) {
        let texts: Vec<usize> = self
            .open
            .iter()
            .filter(|(_, o)| matches!(o, Open::Text { .. }))
            .map(|(i, _)| *i)
            .collect();
        texts.into_iter().for_each(|i| self.stop(i, out));
        if let Some(m) = self.message.take() {
            self.finish_item(m.output, message_item(m.id, m.parts, "completed"), out);
        }
    }

    /// Closes what a new part of this kind cannot run alongside: everything, except that tool
    /// calls of one turn may interleave.
    fn close_for(&mut self, keep_calls: bool, out: &mut Vec<Frame>) {
        let stale: Vec<usize> = self
            .open
            .iter()
            .filter(|(_, o)| {
                !(keep_calls && matches!(o, Open::Call { .. })) && !matches!(o, Open::Text { .. })
            })
            .map(|(i, _)| *i)
            .collect();
        stale.into_iter().for_each(|i| self.stop(i, out));
        self.close_message(out);
    }

    fn start_text(&mut self, index: usize, refusal: bool, out: &mut Vec<Frame>) {
        let calls: Vec<usize> = self
            .open
            .iter()
            .filter(|(_, o)| !matches!(o, Open::Text { .. }))
            .map(|(i, _)| *i)
            .collect();
        calls.into_iter().for_each(|i| self.stop(i, out));
        if self.message.is_none() {
            let id = item_id("msg", &self.id, self.output.len());
            let mut m = wire::Message::new(
                wire::Role::Assistant,
                wire::MessageContent::Parts(Vec::new()),
            );
            m.id = Some(id.clone());
            m.status = Some("in_progress".to_owned());
            let output = self.add_item(wire::Item::Message(m), out);
            self.message = Some(OpenMessage {
                output,
                id,
                parts: Vec::new(),
            });
        }
        let part = if refusal {
            refusal_part(String::new())
        } else {
            output_text(String::new(), Vec::new())
        };
        let Some(m) = self.message.as_mut() else {
            return;
        };
        let content = m.parts.len();
        m.parts.push(part.clone());
        let (item_id, output) = (m.id.clone(), m.output);
        let e = ev::ContentPartEvent {
            item_id,
            output_index: output,
            content_index: content,
            part,
            sequence_number: self.seq(),
            extra: Map::new(),
        };
        self.emit(Ev::ContentPartAdded(e), out);
        self.open.push((
            index,
            Open::Text {
                content,
                text: String::new(),
                annotations: Vec::new(),
                refusal,
            },
        ));
    }

    fn start(&mut self, index: usize, part: &PartStart, out: &mut Vec<Frame>) {
        match part {
            PartStart::Text => self.start_text(index, false, out),
            PartStart::Refusal => self.start_text(index, true, out),
            PartStart::Reasoning { id, .. } => {
                self.close_for(false, out);
                let rid = id
                    .clone()
                    .unwrap_or_else(|| item_id("rs", &self.id, self.output.len()));
                let output = self.add_item(reasoning_item(rid.clone(), "", None), out);
                self.open.push((
                    index,
                    Open::Reasoning {
                        output,
                        id: rid,
                        text: String::new(),
                        signature: None,
                        summary: false,
                    },
                ));
            }
            PartStart::ToolCall {
                id,
                name,
                namespace,
                kind,
                item_id: iid,
            } => {
                self.close_for(true, out);
                let call = ToolCall {
                    id: id.clone(),
                    name: name.clone(),
                    namespace: namespace.clone(),
                    kind: *kind,
                    ..Default::default()
                };
                let prefix = if *kind == ToolCallKind::Custom {
                    "ctc"
                } else {
                    "fc"
                };
                let cid = iid
                    .clone()
                    .unwrap_or_else(|| item_id(prefix, &self.id, self.output.len()));
                let output = self.add_item(
                    call_item(cid.clone(), &call, &self.ctx.tool_namespaces, "in_progress"),
                    out,
                );
                self.open.push((
                    index,
                    Open::Call {
                        output,
                        id: cid,
                        call,
                    },
                ));
            }
            PartStart::Whole(part) => self.whole(index, part, out),
        }
    }

    /// A complete part: told as the events a streamed one would have produced.
    fn whole(&mut self, index: usize, part: &Part, out: &mut Vec<Frame>) {
        let d = |delta| StreamEvent::Delta { index, delta };
        let events = match part {
            Part::Opaque(o) => {
                if let Some(v) = as_item(o) {
                    self.close_for(false, out);
                    let item: wire::Item = serde_json::from_value(v.clone())
                        .unwrap_or_else(|_| wire::Item::Unknown(v.clone()));
                    let output = self.add_item(item.clone(), out);
                    self.finish_item(output, item, out);
                }
                return;
            }
            Part::Text(t) => {
                let mut e = vec![
                    StreamEvent::PartStart {
                        index,
                        part: PartStart::Text,
                    },
                    d(Delta::Text(t.text.clone())),
                ];
                e.extend(
                    t.annotations
                        .iter()
                        .map(|a| d(Delta::Annotation(a.clone()))),
                );
                e
            }
            Part::Refusal(r) => vec![
                StreamEvent::PartStart {
                    index,
                    part: PartStart::Refusal,
                },
                d(Delta::Refusal(r.clone())),
            ],
            Part::Reasoning(r) => {
                let mut e = vec![
                    StreamEvent::PartStart {
                        index,
                        part: PartStart::Reasoning {
                            id: r.id.clone(),
                            redacted: r.redacted,
                        },
                    },
                    d(Delta::Reasoning(r.text.clone())),
                ];
                e.extend(r.signature.iter().map(|s| d(Delta::Signature(s.clone()))));
                e
            }
            Part::ToolCall(c) => vec![
                StreamEvent::PartStart {
                    index,
                    part: PartStart::ToolCall {
                        id: c.id.clone(),
                        name: c.name.clone(),
                        namespace: c.namespace.clone(),
                        kind: c.kind,
                        item_id: c.item_id.clone(),
                    },
                },
                d(Delta::ToolArguments(c.arguments.clone())),
            ],
            // Images, files and foreign blocks have no Responses output item.
            _ => return,
        };
        for e in events
            .iter()
            .chain([StreamEvent::PartStop { index }].iter())
        {
            self.encode(e, out);
        }
    }

    fn delta(&mut self, index: usize, delta: &Delta, out: &mut Vec<Frame>) {
        let Some(pos) = self.open.iter().position(|(i, _)| *i == index) else {
            return;
        };
        let (item_id, output) = self
            .message
            .as_ref()
            .map(|m| (m.id.clone(), m.output))
            .unwrap_or_default();
        let Some((_, open)) = self.open.get_mut(pos) else {
            return;
        };
        let mut events = Vec::new();
        match (open, delta) {
            (
                Open::Text {
                    content,
                    text,
                    refusal,
                    ..
                },
                Delta::Text(s) | Delta::Refusal(s),
            ) if !s.is_empty() => {
                text.push_str(s);
                let d = ev::TextDelta {
                    item_id,
                    output_index: output,
                    content_index: *content,
                    delta: s.clone(),
                    ..Default::default()
                };
                events.push(if *refusal {
                    Ev::RefusalDelta(d)
                } else {
                    Ev::OutputTextDelta(ev::TextDelta {
                        logprobs: Some(Vec::new()),
                        ..d
                    })
                });
            }
            (
                Open::Text {
                    content,
                    annotations,
                    refusal: false,
                    ..
                },
                Delta::Annotation(a),
            ) if a.family == Family::OpenAi => {
                events.push(Ev::OutputTextAnnotationAdded(ev::AnnotationAdded {
                    item_id,
                    output_index: output,
                    content_index: *content,
                    annotation_index: annotations.len(),
                    annotation: a.value.clone(),
                    ..Default::default()
                }));
                annotations.push(a.value.clone());
            }
            (
                Open::Reasoning {
                    output,
                    id,
                    text,
                    summary,
                    ..
                },
                Delta::Reasoning(s),
            ) if !s.is_empty() => {
                if !*summary {
                    *summary = true;
                    events.push(Ev::ReasoningSummaryPartAdded(ev::SummaryPartEvent {
                        item_id: id.clone(),
                        output_index: *output,
                        summary_index: 0,
                        part: wire::SummaryPart::text(""),
                        sequence_number: None,
                        extra: Map::new(),
                    }));
                }
                text.push_str(s);
                events.push(Ev::ReasoningSummaryTextDelta(ev::SummaryTextDelta {
                    item_id: id.clone(),
                    output_index: *output,
                    delta: s.clone(),
                    ..Default::default()
                }));
            }
            (Open::Reasoning { signature, .. }, Delta::Signature(s)) => {
                *signature = Some(s.clone())
            }
            (Open::Call { output, id, call }, Delta::ToolArguments(s)) if !s.is_empty() => {
                call.arguments.push_str(s);
                let d = ev::ItemDelta {
                    item_id: id.clone(),
                    output_index: *output,
                    delta: s.clone(),
                    ..Default::default()
                };
                events.push(if call.kind == ToolCallKind::Custom {
                    Ev::CustomToolCallInputDelta(d)
                } else {
                    Ev::FunctionCallArgumentsDelta(d)
                });
            }
            // Annotations of other providers, tool-call signatures: no Responses field.
            _ => {}
        }
        for e in events {
            self.emit_numbered(e, out);
        }
    }

    /// Emits `e` with the next sequence number.
    fn emit_numbered(&mut self, mut e: Ev, out: &mut Vec<Frame>) {
        let n = self.seq();
        set_sequence(&mut e, n);
        self.emit(e, out);
    }

    fn stop(&mut self, index: usize, out: &mut Vec<Frame>) {
        let Some(pos) = self.open.iter().position(|(i, _)| *i == index) else {
            return;
        };
        let (_, open) = self.open.remove(pos);
        match open {
            Open::Text {
                content,
                text,
                annotations,
                refusal,
            } => {
                let Some((item_id, output)) =
                    self.message.as_ref().map(|m| (m.id.clone(), m.output))
                else {
                    return;
                };
                let part = if refusal {
                    self.emit_numbered(
                        Ev::RefusalDone(ev::RefusalDone {
                            item_id: item_id.clone(),
                            output_index: output,
                            content_index: content,
                            refusal: text.clone(),
                            ..Default::default()
                        }),
                        out,
                    );
                    refusal_part(text)
                } else {
                    let done = ev::TextDone {
                        item_id: item_id.clone(),
                        output_index: output,
                        content_index: content,
                        text: text.clone(),
                        logprobs: Some(Vec::new()),
                        ..Default::default()
                    };
                    self.emit_numbered(Ev::OutputTextDone(done), out);
                    output_text(text, annotations)
                };
                if let Some(slot) = self.message.as_mut().and_then(|m| m.parts.get_mut(content)) {
                    *slot = part.clone();
                }
                let e = ev::ContentPartEvent {
                    item_id,
                    output_index: output,
                    content_index: content,
                    part,
                    sequence_number: None,
                    extra: Map::new(),
                };
                self.emit_numbered(Ev::ContentPartDone(e), out);
            }
            Open::Reasoning {
                output,
                id,
                text,
                signature,
                summary,
            } => {
                if summary {
                    let done = ev::SummaryTextDone {
                        item_id: id.clone(),
                        output_index: output,
                        text: text.clone(),
                        ..Default::default()
                    };
                    self.emit_numbered(Ev::ReasoningSummaryTextDone(done), out);
                    let part = ev::SummaryPartEvent {
                        item_id: id.clone(),
                        output_index: output,
                        summary_index: 0,
                        part: wire::SummaryPart::text(text.clone()),
                        sequence_number: None,
                        extra: Map::new(),
                    };
                    self.emit_numbered(Ev::ReasoningSummaryPartDone(part), out);
                }
                self.finish_item(output, reasoning_item(id, &text, signature.as_ref()), out);
            }
            Open::Call { output, id, call } => {
                let e = if call.kind == ToolCallKind::Custom {
                    Ev::CustomToolCallInputDone(ev::InputDone {
                        item_id: id.clone(),
                        output_index: output,
                        input: call.arguments.clone(),
                        ..Default::default()
                    })
                } else {
                    Ev::FunctionCallArgumentsDone(ev::ArgumentsDone {
                        item_id: id.clone(),
                        output_index: output,
                        arguments: call.arguments.clone(),
                        ..Default::default()
                    })
                };
                self.emit_numbered(e, out);
                let item = call_item(id, &call, &self.ctx.tool_namespaces, "completed");
                self.finish_item(output, item, out);
            }
        }
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

    fn fail(&mut self, err: &Error, out: &mut Vec<Frame>) {
        self.ensure_started(out);
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
