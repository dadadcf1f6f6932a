//! Opening and closing the output items of the Responses stream encoder.

use gproxy_protocol::openai::responses::stream as ev;
use gproxy_protocol::openai::responses::{self as wire, StreamEvent as Ev};
use serde_json::Map;

use super::{refusal_part, Encoder, Open, OpenMessage};
use crate::codec::{Frame, StreamEncoder};
use crate::ir::{Delta, Part, PartStart, StreamEvent, ToolCall, ToolCallKind};
use crate::openai::responses::content::as_item;
use crate::openai::responses::output::{
    call_item, item_id, message_item, output_text, reasoning_item,
};

impl Encoder {
    pub(super) fn item_event(
        &mut self,
        output: usize,
        item: wire::Item,
        added: bool,
        out: &mut Vec<Frame>,
    ) {
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
    pub(super) fn add_item(&mut self, item: wire::Item, out: &mut Vec<Frame>) -> usize {
        let output = self.output.len();
        self.output.push(item.clone());
        self.item_event(output, item, true, out);
        output
    }

    pub(super) fn finish_item(&mut self, output: usize, item: wire::Item, out: &mut Vec<Frame>) {
        if let Some(slot) = self.output.get_mut(output) {
            *slot = item.clone();
        }
        self.item_event(output, item, false, out);
    }

    pub(super) fn close_message(&mut self, out: &mut Vec<Frame>) {
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
    pub(super) fn close_for(&mut self, keep_calls: bool, out: &mut Vec<Frame>) {
        let stale: Vec<usize> = self
            .open
            .iter()
            .filter(|(_, o)| match o {
                Open::Text { .. } => false,
                Open::Call { .. } => !keep_calls,
                Open::Reasoning { .. } => true,
            })
            .map(|(i, _)| *i)
            .collect();
        stale.into_iter().for_each(|i| self.stop(i, out));
        self.close_message(out);
    }

    pub(super) fn start_text(&mut self, index: usize, refusal: bool, out: &mut Vec<Frame>) {
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

    pub(super) fn start(&mut self, index: usize, part: &PartStart, out: &mut Vec<Frame>) {
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
    pub(super) fn whole(&mut self, index: usize, part: &Part, out: &mut Vec<Frame>) {
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
            Part::ToolCall(c) => {
                let start = PartStart::ToolCall {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    namespace: c.namespace.clone(),
                    kind: c.kind,
                    item_id: c.item_id.clone(),
                };
                let mut e = vec![
                    StreamEvent::PartStart { index, part: start },
                    d(Delta::ToolArguments(c.arguments.clone())),
                ];
                e.extend(c.signature.iter().map(|s| d(Delta::Signature(s.clone()))));
                e
            }
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
}
