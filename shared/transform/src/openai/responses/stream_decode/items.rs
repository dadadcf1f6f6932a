//! Whole output items and terminal events of the Responses stream decoder.

use gproxy_protocol::openai::responses as wire;
use gproxy_protocol::Family;
use serde_json::Value;

use super::{error_of, Decoder, Kind};
use crate::ir::{Delta, PartStart, StreamEvent, ToolCallKind};
use crate::openai::responses::content::opaque_item;
use crate::openai::responses::request_decode::reasoning_text;
use crate::openai::responses::response::{stop_from_wire, usage_from_wire};
use crate::sig;

impl Decoder {
    pub(super) fn call_start(&mut self, output: usize, c: &wire::Item, out: &mut Vec<StreamEvent>) {
        let (start, args) = match c {
            wire::Item::FunctionCall(c) => (
                PartStart::ToolCall {
                    id: c.call_id.clone(),
                    name: c.name.clone(),
                    namespace: c.namespace.clone(),
                    kind: ToolCallKind::Function,
                    item_id: c.id.clone(),
                },
                c.arguments.as_str(),
            ),
            wire::Item::CustomToolCall(c) => (
                PartStart::ToolCall {
                    id: c.call_id.clone(),
                    name: c.name.clone(),
                    namespace: c.namespace.clone(),
                    kind: ToolCallKind::Custom,
                    item_id: c.id.clone(),
                },
                c.input.as_str(),
            ),
            _ => return,
        };
        self.has_calls = true;
        self.open(output, None, start, out);
        self.delta(output, None, Kind::Call, args, out);
    }

    pub(super) fn item_done(
        &mut self,
        output: usize,
        item: wire::Item,
        out: &mut Vec<StreamEvent>,
    ) {
        match item {
            wire::Item::Message(m) | wire::Item::EasyMessage(m) => {
                let parts = match m.content {
                    wire::MessageContent::Parts(p) => p,
                    wire::MessageContent::Text(s) => {
                        vec![wire::ContentPart::OutputText(wire::OutputText {
                            text: s,
                            ..Default::default()
                        })]
                    }
                };
                for (ci, part) in parts.iter().enumerate() {
                    let (kind, text) = match part {
                        wire::ContentPart::OutputText(t) => (Kind::Text, t.text.as_str()),
                        wire::ContentPart::Refusal(r) => (Kind::Refusal, r.refusal.as_str()),
                        _ => continue,
                    };
                    if self.find(output, Some(ci)).is_some() || !self.was_opened(output, Some(ci)) {
                        self.rest(output, Some(ci), kind, text, out);
                        self.close(output, Some(ci), out);
                    }
                }
                let open: Vec<Option<usize>> = self
                    .slots
                    .iter()
                    .filter(|s| !s.closed && s.output == output)
                    .map(|s| s.content)
                    .collect();
                for content in open {
                    self.close(output, content, out);
                }
            }
            wire::Item::Reasoning(r) => {
                if self.find(output, None).is_none() {
                    self.open(
                        output,
                        None,
                        PartStart::Reasoning {
                            id: r.id.clone(),
                            redacted: false,
                        },
                        out,
                    );
                }
                if self.find(output, None).is_some_and(|s| s.emitted == 0) {
                    self.delta(output, None, Kind::Reasoning, &reasoning_text(&r), out);
                }
                if let (Some(Some(enc)), Some(slot)) =
                    (&r.encrypted_content, self.find(output, None))
                {
                    let index = slot.index;
                    out.push(StreamEvent::Delta {
                        index,
                        delta: Delta::Signature(sig::unwrap(enc, Family::OpenAi)),
                    });
                }
                self.close(output, None, out);
            }
            call @ (wire::Item::FunctionCall(_) | wire::Item::CustomToolCall(_)) => {
                if self.find(output, None).is_none() {
                    self.call_start(output, &call, out);
                }
                let args = match &call {
                    wire::Item::FunctionCall(c) => c.arguments.as_str(),
                    wire::Item::CustomToolCall(c) => c.input.as_str(),
                    _ => "",
                };
                self.rest(output, None, Kind::Call, args, out);
                self.close(output, None, out);
            }
            other => {
                let part = opaque_item(serde_json::to_value(&other).unwrap_or(Value::Null));
                self.open(output, None, PartStart::Whole(part), out);
                self.close(output, None, out);
            }
        }
    }

    /// A terminal response whose items were never streamed (some compatible servers): its
    /// output becomes parts now.
    pub(super) fn replay_output(&mut self, output: Vec<wire::Item>, out: &mut Vec<StreamEvent>) {
        for (i, item) in output.into_iter().enumerate() {
            self.item_done(i, item, out);
        }
    }

    pub(super) fn terminal(
        &mut self,
        e: wire::stream::ResponseEvent,
        default_status: &str,
        out: &mut Vec<StreamEvent>,
    ) {
        let r = e.response;
        self.start(Some(&r), out);
        self.close_all(out);
        if self.slots.is_empty() && !r.output.is_empty() {
            self.replay_output(r.output.clone(), out);
        }
        let calls = r.output.iter().any(|i| {
            matches!(
                i,
                wire::Item::FunctionCall(_) | wire::Item::CustomToolCall(_)
            )
        });
        if let Some(u) = &r.usage {
            out.push(StreamEvent::Usage(usage_from_wire(u)));
        }
        if default_status == "failed" {
            let err = r.error.unwrap_or_default();
            out.push(StreamEvent::Error(error_of(err.code, err.message, None)));
            return;
        }
        let status = r.status.as_deref().unwrap_or(default_status);
        let reason = r
            .incomplete_details
            .as_ref()
            .and_then(|d| d.reason.as_deref());
        if let Some(stop_reason) = stop_from_wire(Some(status), reason, self.has_calls || calls) {
            out.push(StreamEvent::Finish { stop_reason });
        }
    }
}
