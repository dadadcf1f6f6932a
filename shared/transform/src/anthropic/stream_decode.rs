//! Anthropic Messages SSE → IR stream events.

use gproxy_protocol::anthropic as wire;
use gproxy_protocol::anthropic::{BlockDelta as D, ContentBlock as B, StreamEvent as E};
use serde_json::Value;

use super::convert::{arguments_text, opaque, stop_reason_from_wire, usage_from_wire};
use super::misc::error_from_wire;
use super::parts::text_part;
use super::FAMILY;
use crate::codec::StreamDecoder;
use crate::error::{Result, TransformError};
use crate::ir::{self, Delta, PartStart, StreamEvent as Ev};
use crate::sig;

const KNOWN_EVENTS: [&str; 8] = [
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
    "ping",
    "error",
];

enum Open {
    Streamed,
    /// A server-tool block: its input deltas are gathered and the block is emitted whole.
    Opaque {
        block: Value,
        json: String,
    },
}

#[derive(Default)]
pub(crate) struct Decoder {
    /// Cumulative usage as Anthropic reported it; `message_delta` may repeat only some fields.
    usage: wire::Usage,
    open: Vec<(usize, Open)>,
}

impl Decoder {
    fn usage(&mut self, u: &wire::Usage, out: &mut Vec<Ev>) {
        let s = &mut self.usage;
        let pairs = [
            (&mut s.input_tokens, u.input_tokens),
            (
                &mut s.cache_creation_input_tokens,
                u.cache_creation_input_tokens,
            ),
            (&mut s.cache_read_input_tokens, u.cache_read_input_tokens),
            (&mut s.output_tokens, u.output_tokens),
        ];
        for (have, new) in pairs {
            if new.is_some() {
                *have = new;
            }
        }
        if u.output_tokens_details.is_some() {
            s.output_tokens_details.clone_from(&u.output_tokens_details);
        }
        out.push(Ev::Usage(usage_from_wire(&self.usage)));
    }

    fn block_start(&mut self, index: usize, block: B, out: &mut Vec<Ev>) -> Result<()> {
        let part = |part| Ev::PartStart { index, part };
        let delta = |delta| Ev::Delta { index, delta };
        match block {
            B::Text(t) => {
                out.push(part(PartStart::Text));
                let t = text_part(t.text, t.citations);
                if !t.text.is_empty() {
                    out.push(delta(Delta::Text(t.text)));
                }
                out.extend(
                    t.annotations
                        .into_iter()
                        .map(|a| delta(Delta::Annotation(a))),
                );
            }
            B::Thinking(t) => {
                out.push(part(PartStart::Reasoning {
                    id: None,
                    redacted: false,
                }));
                if !t.thinking.is_empty() {
                    out.push(delta(Delta::Reasoning(t.thinking)));
                }
                if let Some(s) = t.signature.filter(|s| !s.is_empty()) {
                    out.push(delta(Delta::Signature(sig::unwrap(&s, FAMILY))));
                }
            }
            B::RedactedThinking(r) => {
                out.push(part(PartStart::Reasoning {
                    id: None,
                    redacted: true,
                }));
                out.push(delta(Delta::Signature(sig::unwrap(&r.data, FAMILY))));
            }
            B::ToolUse(t) => {
                out.push(part(PartStart::ToolCall {
                    id: t.id,
                    name: t.name,
                    namespace: None,
                    kind: ir::ToolCallKind::Function,
                    item_id: None,
                }));
                if t.input.as_object().is_some_and(|m| !m.is_empty()) {
                    out.push(delta(Delta::ToolArguments(arguments_text(&t.input))));
                }
            }
            B::Unknown(v)
                if ["text", "thinking", "tool_use"]
                    .contains(&v.get("type").and_then(Value::as_str).unwrap_or("")) =>
            {
                return Err(TransformError::invalid(
                    "content_block",
                    "malformed content block start",
                ));
            }
            other => {
                let block = serde_json::to_value(&other)?;
                self.open.push((
                    index,
                    Open::Opaque {
                        block,
                        json: String::new(),
                    },
                ));
                return Ok(());
            }
        }
        self.open.push((index, Open::Streamed));
        Ok(())
    }

    fn delta(&mut self, index: usize, d: D, out: &mut Vec<Ev>) {
        let Some((_, open)) = self.open.iter_mut().find(|(i, _)| *i == index) else {
            return;
        };
        let delta = match (open, d) {
            (Open::Opaque { json, .. }, D::InputJsonDelta { partial_json }) => {
                json.push_str(&partial_json);
                return;
            }
            (Open::Opaque { .. }, _) => return,
            (_, D::TextDelta { text }) => Delta::Text(text),
            (_, D::ThinkingDelta { thinking }) => Delta::Reasoning(thinking),
            (_, D::SignatureDelta { signature }) => {
                Delta::Signature(sig::unwrap(&signature, FAMILY))
            }
            (_, D::InputJsonDelta { partial_json }) if partial_json.is_empty() => return,
            (_, D::InputJsonDelta { partial_json }) => Delta::ToolArguments(partial_json),
            (_, D::CitationsDelta { citation }) => Delta::Annotation(opaque(citation)),
            (_, D::Unknown(_)) => return,
        };
        out.push(Ev::Delta { index, delta });
    }

    fn block_stop(&mut self, index: usize, out: &mut Vec<Ev>) {
        let Some(pos) = self.open.iter().position(|(i, _)| *i == index) else {
            return;
        };
        let (_, open) = self.open.remove(pos);
        close(index, open, out);
    }
}

fn close(index: usize, open: Open, out: &mut Vec<Ev>) {
    if let Open::Opaque { mut block, json } = open {
        if !json.is_empty() {
            let input = serde_json::from_str(&json).unwrap_or(Value::String(json));
            if let Value::Object(m) = &mut block {
                m.insert("input".into(), input);
            }
        }
        out.push(Ev::PartStart {
            index,
            part: PartStart::Whole(ir::Part::Opaque(opaque(block))),
        });
    }
    out.push(Ev::PartStop { index });
}

impl StreamDecoder for Decoder {
    fn decode(&mut self, _event: Option<&str>, data: &str, out: &mut Vec<Ev>) -> Result<()> {
        match serde_json::from_str::<E>(data)? {
            E::MessageStart(s) => {
                let m = s.message;
                out.push(Ev::Start {
                    id: m.id,
                    model: m.model,
                    created: None,
                });
                self.usage(&m.usage, out);
            }
            E::ContentBlockStart(s) => self.block_start(s.index, s.content_block, out)?,
            E::ContentBlockDelta(d) => self.delta(d.index, d.delta, out),
            E::ContentBlockStop(s) => self.block_stop(s.index, out),
            E::MessageDelta(d) => {
                if let Some(u) = &d.usage {
                    self.usage(u, out);
                }
                if let Some(r) = &d.delta.stop_reason {
                    out.push(Ev::Finish {
                        stop_reason: stop_reason_from_wire(r, d.delta.stop_sequence.as_deref()),
                    });
                }
            }
            E::MessageStop(_) | E::Ping(_) => {}
            E::Error(e) => out.push(Ev::Error(error_from_wire(&e.error, None))),
            E::Unknown(v) => {
                let ty = v.get("type").and_then(Value::as_str).unwrap_or("");
                if KNOWN_EVENTS.contains(&ty) {
                    return Err(TransformError::invalid(ty, "malformed stream event"));
                }
            }
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Ev>) {
        for (index, open) in std::mem::take(&mut self.open) {
            close(index, open, out);
        }
    }
}
