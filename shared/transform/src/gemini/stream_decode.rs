//! `streamGenerateContent?alt=sse` chunks → IR stream events.
//!
//! Gemini has no part boundaries on the wire: consecutive text (or thought) chunks continue one
//! open part, a `functionCall` is a whole call (start, one arguments delta, stop), and the
//! chunk with `finishReason` closes what is open.

use gproxy_protocol::gemini as wire;

use super::content::{args_text, decode_part, gemini_sig, CallIds};
use super::error::decode_error_value;
use super::response::{decode_finish, decode_usage, parse_rfc3339};
use crate::codec::StreamDecoder;
use crate::error::Result;
use crate::ir::{Delta, Part, PartStart, StopReason, StreamEvent, ToolCallKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Text,
    Reasoning,
}

#[derive(Debug, Default)]
pub(crate) struct GeminiStreamDecoder {
    started: bool,
    next_index: usize,
    open: Option<(usize, Open)>,
    ids: CallIds,
    saw_call: bool,
    finished: bool,
}

impl GeminiStreamDecoder {
    fn close(&mut self, out: &mut Vec<StreamEvent>) {
        if let Some((index, _)) = self.open.take() {
            out.push(StreamEvent::PartStop { index });
        }
    }

    /// The index of an open part of `kind`, starting one (and closing another) if needed.
    fn ensure(&mut self, kind: Open, out: &mut Vec<StreamEvent>) -> usize {
        if let Some((index, k)) = self.open {
            if k == kind {
                return index;
            }
        }
        self.close(out);
        let index = self.next();
        let part = match kind {
            Open::Text => PartStart::Text,
            Open::Reasoning => PartStart::Reasoning {
                id: None,
                redacted: false,
            },
        };
        out.push(StreamEvent::PartStart { index, part });
        self.open = Some((index, kind));
        index
    }

    fn next(&mut self) -> usize {
        let i = self.next_index;
        self.next_index += 1;
        i
    }

    fn part(&mut self, p: &wire::Part, out: &mut Vec<StreamEvent>) {
        let signature = p.thought_signature.as_deref().map(gemini_sig);
        if let Some(fc) = &p.function_call {
            self.close(out);
            self.saw_call = true;
            let index = self.next();
            let id = self.ids.call(fc.id.as_deref(), &fc.name);
            out.push(StreamEvent::PartStart {
                index,
                part: PartStart::ToolCall {
                    id,
                    name: fc.name.clone(),
                    namespace: None,
                    kind: ToolCallKind::Function,
                    item_id: None,
                },
            });
            out.push(StreamEvent::Delta {
                index,
                delta: Delta::ToolArguments(args_text(fc.args.as_ref())),
            });
            if let Some(sig) = signature {
                out.push(StreamEvent::Delta {
                    index,
                    delta: Delta::Signature(sig),
                });
            }
            out.push(StreamEvent::PartStop { index });
            return;
        }
        let text = p.text.as_deref();
        let plain =
            p.inline_data.is_none() && p.file_data.is_none() && p.function_response.is_none();
        if p.thought == Some(true) && plain {
            let index = self.ensure(Open::Reasoning, out);
            if let Some(t) = text.filter(|t| !t.is_empty()) {
                out.push(StreamEvent::Delta {
                    index,
                    delta: Delta::Reasoning(t.to_owned()),
                });
            }
            if let Some(sig) = signature {
                // A signature ends its thought; later thoughts start a new part.
                out.push(StreamEvent::Delta {
                    index,
                    delta: Delta::Signature(sig),
                });
                self.close(out);
            }
            return;
        }
        if let (Some(t), true) = (text, plain && p.extra.is_empty()) {
            if let Some(sig) = signature {
                // The signature of the thinking before this text: an empty reasoning part.
                self.close(out);
                let index = self.next();
                out.push(StreamEvent::PartStart {
                    index,
                    part: PartStart::Reasoning {
                        id: None,
                        redacted: false,
                    },
                });
                out.push(StreamEvent::Delta {
                    index,
                    delta: Delta::Signature(sig),
                });
                out.push(StreamEvent::PartStop { index });
            }
            if !t.is_empty() {
                let index = self.ensure(Open::Text, out);
                out.push(StreamEvent::Delta {
                    index,
                    delta: Delta::Text(t.to_owned()),
                });
            }
            return;
        }
        // Media, code execution and unknown payloads: whole parts, as the non-stream decoder
        // makes them.
        self.close(out);
        let mut parts = Vec::new();
        decode_part(p, &mut self.ids, &mut parts);
        for part in parts {
            let index = self.next();
            match part {
                Part::Reasoning(r) => {
                    out.push(StreamEvent::PartStart {
                        index,
                        part: PartStart::Reasoning {
                            id: None,
                            redacted: false,
                        },
                    });
                    if let Some(sig) = r.signature {
                        out.push(StreamEvent::Delta {
                            index,
                            delta: Delta::Signature(sig),
                        });
                    }
                }
                whole => out.push(StreamEvent::PartStart {
                    index,
                    part: PartStart::Whole(whole),
                }),
            }
            out.push(StreamEvent::PartStop { index });
        }
    }
}

impl StreamDecoder for GeminiStreamDecoder {
    fn decode(
        &mut self,
        _event: Option<&str>,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> Result<()> {
        if data.trim().is_empty() {
            // A keep-alive or an empty event: nothing to decode.
            return Ok(());
        }
        let value: serde_json::Value = serde_json::from_str(data)?;
        if value.get("error").is_some() {
            self.close(out);
            out.push(StreamEvent::Error(decode_error_value(0, &value)));
            return Ok(());
        }
        let chunk: wire::GenerateContentResponse = serde_json::from_value(value)?;
        if !self.started {
            self.started = true;
            out.push(StreamEvent::Start {
                id: chunk.response_id.clone().unwrap_or_default(),
                model: chunk.model_version.clone().unwrap_or_default(),
                created: chunk.create_time.as_deref().and_then(parse_rfc3339),
            });
        }
        let first = chunk.candidates.as_ref().and_then(|c| c.first());
        for p in first
            .and_then(|c| c.content.as_ref())
            .map(|c| c.parts.as_slice())
            .unwrap_or_default()
        {
            self.part(p, out);
        }
        if let Some(u) = &chunk.usage_metadata {
            let usage = decode_usage(u);
            if usage.total() > 0 {
                out.push(StreamEvent::Usage(usage));
            }
        }
        let blocked = chunk
            .prompt_feedback
            .as_ref()
            .and_then(|f| f.block_reason.as_ref())
            .is_some();
        let stop = match first.and_then(|c| c.finish_reason.as_ref()) {
            Some(r) => Some(decode_finish(r, self.saw_call)),
            None if blocked => Some(StopReason::ContentFilter),
            None => None,
        };
        if let (Some(stop_reason), false) = (stop, self.finished) {
            self.finished = true;
            self.close(out);
            out.push(StreamEvent::Finish { stop_reason });
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<StreamEvent>) {
        self.close(out);
    }
}
