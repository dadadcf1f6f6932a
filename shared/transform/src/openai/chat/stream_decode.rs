//! Chat chunk stream → IR stream events.
//!
//! Chat has no part boundaries: a part starts when a delta of a new kind (reasoning, text,
//! refusal, a tool call `index` not seen yet) arrives and stops when another kind starts or the
//! choice finishes. Tool calls of one turn stay open together, since upstreams may interleave
//! their argument deltas by `index`. `Finish` is held back until the usage chunk (or the end),
//! so consumers see the final usage before the stop.

use gproxy_protocol::openai::chat::{ChatCompletionChunk, ChunkChoice};
use gproxy_protocol::openai::common::ErrorResponse;

use super::response::{annotation, reasoning_text, stop_reason, usage_from_wire};
use crate::codec::StreamDecoder;
use crate::error::Result;
use crate::ir::{self, Delta, PartStart, StreamEvent};
use crate::openai::common::error_from_wire;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Reasoning,
    Text,
    Refusal,
}

#[derive(Debug, Default)]
pub(super) struct ChatStreamDecoder {
    started: bool,
    next_index: usize,
    /// The open reasoning/text/refusal part and its IR index.
    open: Option<(Open, usize)>,
    /// Open tool calls: (Chat `index`, IR index), in start order.
    calls: Vec<(u32, usize)>,
    pending_finish: Option<ir::StopReason>,
    done: bool,
}

impl ChatStreamDecoder {
    fn close_open(&mut self, out: &mut Vec<StreamEvent>) {
        if let Some((_, index)) = self.open.take() {
            out.push(StreamEvent::PartStop { index });
        }
    }

    fn close_calls(&mut self, out: &mut Vec<StreamEvent>) {
        for (_, index) in self.calls.drain(..) {
            out.push(StreamEvent::PartStop { index });
        }
    }

    fn close_all(&mut self, out: &mut Vec<StreamEvent>) {
        self.close_open(out);
        self.close_calls(out);
    }

    /// The IR index of the open part of `kind`, starting it (and stopping others) if needed.
    fn ensure(&mut self, kind: Open, out: &mut Vec<StreamEvent>) -> usize {
        if let Some((k, index)) = self.open {
            if k == kind {
                return index;
            }
        }
        self.close_all(out);
        let index = self.next_index;
        self.next_index += 1;
        let part = match kind {
            Open::Reasoning => PartStart::Reasoning {
                id: None,
                redacted: false,
            },
            Open::Text => PartStart::Text,
            Open::Refusal => PartStart::Refusal,
        };
        out.push(StreamEvent::PartStart { index, part });
        self.open = Some((kind, index));
        index
    }

    fn flush_finish(&mut self, out: &mut Vec<StreamEvent>) {
        if let Some(stop_reason) = self.pending_finish.take() {
            out.push(StreamEvent::Finish { stop_reason });
        }
    }

    fn choice(&mut self, choice: ChunkChoice, out: &mut Vec<StreamEvent>) {
        let delta = choice.delta;
        if let Some(r) =
            reasoning_text(delta.reasoning_content, &delta.extra).filter(|r| !r.is_empty())
        {
            let index = self.ensure(Open::Reasoning, out);
            out.push(StreamEvent::Delta {
                index,
                delta: Delta::Reasoning(r),
            });
        }
        if let Some(t) = delta.content.flatten().filter(|t| !t.is_empty()) {
            let index = self.ensure(Open::Text, out);
            out.push(StreamEvent::Delta {
                index,
                delta: Delta::Text(t),
            });
        }
        for a in delta.annotations.unwrap_or_default() {
            let index = self.ensure(Open::Text, out);
            out.push(StreamEvent::Delta {
                index,
                delta: Delta::Annotation(annotation(a)),
            });
        }
        if let Some(r) = delta.refusal.flatten().filter(|r| !r.is_empty()) {
            let index = self.ensure(Open::Refusal, out);
            out.push(StreamEvent::Delta {
                index,
                delta: Delta::Refusal(r),
            });
        }
        for call in delta.tool_calls.unwrap_or_default() {
            let custom = call.kind.as_deref() == Some("custom") || call.custom.is_some();
            let (name, args) = match (&call.function, &call.custom) {
                (Some(f), _) => (f.name.clone(), f.arguments.clone()),
                (None, Some(c)) => (c.name.clone(), c.input.clone()),
                (None, None) => (None, None),
            };
            let index = match self.calls.iter().find(|(wire, _)| *wire == call.index) {
                Some((_, index)) => *index,
                None => {
                    self.close_open(out);
                    let index = self.next_index;
                    self.next_index += 1;
                    let kind = if custom {
                        ir::ToolCallKind::Custom
                    } else {
                        ir::ToolCallKind::Function
                    };
                    let part = PartStart::ToolCall {
                        id: call.id.clone().unwrap_or_default(),
                        name: name.unwrap_or_default(),
                        namespace: None,
                        kind,
                        item_id: None,
                    };
                    out.push(StreamEvent::PartStart { index, part });
                    self.calls.push((call.index, index));
                    index
                }
            };
            if let Some(a) = args.filter(|a| !a.is_empty()) {
                out.push(StreamEvent::Delta {
                    index,
                    delta: Delta::ToolArguments(a),
                });
            }
        }
        if let Some(f) = choice.finish_reason.flatten() {
            self.close_all(out);
            self.pending_finish = Some(stop_reason(&f));
        }
    }
}

impl StreamDecoder for ChatStreamDecoder {
    fn decode(
        &mut self,
        event: Option<&str>,
        data: &str,
        out: &mut Vec<StreamEvent>,
    ) -> Result<()> {
        if self.done || !matches!(event, None | Some("message") | Some("error")) {
            return Ok(());
        }
        let data = data.trim();
        if data == "[DONE]" {
            self.close_all(out);
            self.flush_finish(out);
            self.done = true;
            return Ok(());
        }
        if data.is_empty() {
            return Ok(());
        }
        let chunk: ChatCompletionChunk = serde_json::from_str(data)?;
        if let Some(err) = chunk.extra.get("error") {
            let parsed: ErrorResponse =
                serde_json::from_value(serde_json::json!({ "error": err }))?;
            self.close_all(out);
            out.push(StreamEvent::Error(error_from_wire(&parsed.error, None)));
            self.done = true;
            return Ok(());
        }
        // Azure opens with a chunk of prompt filter results only: no id, no choices.
        let filler = chunk.id.is_empty()
            && chunk.choices.is_empty()
            && !matches!(chunk.usage, Some(Some(_)));
        if filler {
            return Ok(());
        }
        if !self.started {
            self.started = true;
            out.push(StreamEvent::Start {
                id: chunk.id.clone(),
                model: chunk.model.clone(),
                created: (chunk.created != 0).then_some(chunk.created),
            });
        }
        // n > 1 streams interleave choices; the IR follows the first one.
        if let Some(choice) = chunk.choices.into_iter().find(|c| c.index == 0) {
            self.choice(choice, out);
        }
        if let Some(Some(usage)) = chunk.usage {
            out.push(StreamEvent::Usage(usage_from_wire(&usage)));
            self.flush_finish(out);
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<StreamEvent>) {
        if self.done {
            return;
        }
        self.close_all(out);
        self.flush_finish(out);
        self.done = true;
    }
}
