//! Deltas and part ends of the Responses stream encoder.

use gproxy_protocol::openai::responses::stream as ev;
use gproxy_protocol::openai::responses::{self as wire, StreamEvent as Ev};
use gproxy_protocol::Family;
use serde_json::Map;

use super::{refusal_part, Encoder, Open};
use crate::codec::Frame;
use crate::ir::{Delta, ToolCallKind};
use crate::openai::responses::output::{
    call_item, call_signature_item, output_text, reasoning_item,
};

impl Encoder {
    pub(super) fn delta(&mut self, index: usize, delta: &Delta, out: &mut Vec<Frame>) {
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
            (Open::Call { call, .. }, Delta::Signature(s)) => call.signature = Some(s.clone()),
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
            // Annotations of other providers: no Responses field.
            _ => {}
        }
        for e in events {
            self.emit_numbered(e, out);
        }
    }

    pub(super) fn stop(&mut self, index: usize, out: &mut Vec<Frame>) {
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
                if let Some(carrier) = call_signature_item(&call) {
                    let at = self.add_item(carrier.clone(), out);
                    self.finish_item(at, carrier, out);
                }
            }
        }
    }
}
