//! IR stream events → Chat chunk frames (data-only SSE, ending with `data: [DONE]`).

use gproxy_protocol::openai::chat::stream::{CustomCallDelta, FunctionCallDelta};
use gproxy_protocol::openai::chat::{ChatCompletionChunk, ChunkChoice, ChunkDelta, ToolCallDelta};
use gproxy_protocol::Family;
use serde_json::Map;

use super::response::{finish_reason, usage_to_wire};
use crate::codec::{EncodeContext, Frame, StreamEncoder};
use crate::ir::{self, Delta, PartStart, StreamEvent};
use crate::openai::common::encode_stream_error;

pub(super) struct ChatStreamEncoder {
    ctx: EncodeContext,
    id: String,
    model: String,
    created: i64,
    started: bool,
    /// IR part index → (Chat tool-call `index`, custom tool?).
    calls: Vec<(usize, u32, bool)>,
    usage: Option<ir::Usage>,
    done: bool,
}

impl ChatStreamEncoder {
    pub(super) fn new(ctx: EncodeContext) -> Self {
        ChatStreamEncoder {
            id: ctx.fallback_id.clone(),
            model: ctx.model.clone(),
            created: ctx.created,
            ctx,
            started: false,
            calls: Vec::new(),
            usage: None,
            done: false,
        }
    }

    fn chunk(&self, choices: Vec<ChunkChoice>) -> ChatCompletionChunk {
        ChatCompletionChunk {
            id: self.id.clone(),
            object: "chat.completion.chunk".to_owned(),
            created: self.created,
            model: self.model.clone(),
            choices,
            // With include_usage every chunk carries `usage: null` except the last.
            usage: self.ctx.include_usage.then_some(None),
            ..Default::default()
        }
    }

    fn push(&self, chunk: &ChatCompletionChunk, out: &mut Vec<Frame>) {
        if let Ok(data) = serde_json::to_string(chunk) {
            out.push(Frame::data(data));
        }
    }

    fn delta(&mut self, delta: ChunkDelta, out: &mut Vec<Frame>) {
        self.start(out);
        let choice = ChunkChoice {
            delta,
            logprobs: Some(None),
            finish_reason: Some(None),
            ..Default::default()
        };
        let chunk = self.chunk(vec![choice]);
        self.push(&chunk, out);
    }

    /// The first chunk carries the role, as OpenAI sends it.
    fn start(&mut self, out: &mut Vec<Frame>) {
        if self.started {
            return;
        }
        self.started = true;
        let delta = ChunkDelta {
            role: Some("assistant".to_owned()),
            content: Some(Some(String::new())),
            ..Default::default()
        };
        let choice = ChunkChoice {
            delta,
            logprobs: Some(None),
            finish_reason: Some(None),
            ..Default::default()
        };
        let chunk = self.chunk(vec![choice]);
        self.push(&chunk, out);
    }

    fn call_delta(index: u32, custom: bool, args: String) -> ToolCallDelta {
        let mut d = ToolCallDelta {
            index,
            ..Default::default()
        };
        if custom {
            d.custom = Some(CustomCallDelta {
                input: Some(args),
                ..Default::default()
            });
        } else {
            d.function = Some(FunctionCallDelta {
                arguments: Some(args),
                ..Default::default()
            });
        }
        d
    }

    fn start_call(&mut self, ir_index: usize, c: &ir::ToolCall, out: &mut Vec<Frame>) {
        let index = u32::try_from(self.calls.len()).unwrap_or(u32::MAX);
        let custom = c.kind == ir::ToolCallKind::Custom;
        self.calls.push((ir_index, index, custom));
        let name = match &c.namespace {
            Some(ns) => format!("{ns}__{}", c.name),
            None => c.name.clone(),
        };
        let mut d = Self::call_delta(index, custom, c.arguments.clone());
        d.id = Some(c.id.clone());
        d.kind = Some(if custom { "custom" } else { "function" }.to_owned());
        if let Some(f) = &mut d.function {
            f.name = Some(name);
        } else if let Some(cu) = &mut d.custom {
            cu.name = Some(name);
        }
        self.delta(
            ChunkDelta {
                tool_calls: Some(vec![d]),
                ..Default::default()
            },
            out,
        );
    }

    fn part_start(&mut self, index: usize, part: &PartStart, out: &mut Vec<Frame>) {
        match part {
            PartStart::ToolCall {
                id,
                name,
                namespace,
                kind,
                ..
            } => {
                let call = ir::ToolCall {
                    id: id.clone(),
                    name: name.clone(),
                    namespace: namespace.clone(),
                    kind: *kind,
                    ..Default::default()
                };
                self.start_call(index, &call, out);
            }
            PartStart::Whole(ir::Part::ToolCall(c)) => self.start_call(index, c, out),
            PartStart::Whole(ir::Part::Text(t)) => self.text(&t.text, out),
            PartStart::Whole(ir::Part::Reasoning(r)) if !r.text.is_empty() => {
                self.delta(
                    ChunkDelta {
                        reasoning_content: Some(Some(r.text.clone())),
                        ..Default::default()
                    },
                    out,
                );
            }
            PartStart::Whole(ir::Part::Refusal(r)) => {
                self.delta(
                    ChunkDelta {
                        refusal: Some(Some(r.clone())),
                        ..Default::default()
                    },
                    out,
                );
            }
            // Text, reasoning and refusal parts show up with their first delta; images and
            // provider blocks have no place in a Chat answer.
            _ => self.start(out),
        }
    }

    fn text(&mut self, text: &str, out: &mut Vec<Frame>) {
        if !text.is_empty() {
            self.delta(
                ChunkDelta {
                    content: Some(Some(text.to_owned())),
                    ..Default::default()
                },
                out,
            );
        }
    }

    fn part_delta(&mut self, index: usize, delta: &Delta, out: &mut Vec<Frame>) {
        match delta {
            Delta::Text(t) => self.text(t, out),
            Delta::Reasoning(r) if !r.is_empty() => {
                self.delta(
                    ChunkDelta {
                        reasoning_content: Some(Some(r.clone())),
                        ..Default::default()
                    },
                    out,
                );
            }
            Delta::Refusal(r) => self.delta(
                ChunkDelta {
                    refusal: Some(Some(r.clone())),
                    ..Default::default()
                },
                out,
            ),
            Delta::ToolArguments(a) if !a.is_empty() => {
                if let Some(&(_, wire, custom)) = self.calls.iter().find(|(i, _, _)| *i == index) {
                    let d = Self::call_delta(wire, custom, a.clone());
                    self.delta(
                        ChunkDelta {
                            tool_calls: Some(vec![d]),
                            ..Default::default()
                        },
                        out,
                    );
                }
            }
            Delta::Annotation(a) if a.family == Family::OpenAi => {
                self.delta(
                    ChunkDelta {
                        annotations: Some(vec![a.value.clone()]),
                        ..Default::default()
                    },
                    out,
                );
            }
            // Signatures and foreign citations have no Chat field.
            _ => {}
        }
    }

    fn finish_chunk(&mut self, reason: &ir::StopReason, out: &mut Vec<Frame>) {
        self.start(out);
        let finish = finish_reason(Some(reason), !self.calls.is_empty());
        let choice = ChunkChoice {
            delta: ChunkDelta::default(),
            logprobs: Some(None),
            finish_reason: Some(Some(finish.to_owned())),
            extra: Map::new(),
            index: 0,
        };
        let chunk = self.chunk(vec![choice]);
        self.push(&chunk, out);
    }
}

impl StreamEncoder for ChatStreamEncoder {
    fn encode(&mut self, event: &StreamEvent, out: &mut Vec<Frame>) {
        if self.done {
            return;
        }
        match event {
            StreamEvent::Start { id, model, created } => {
                if !id.is_empty() {
                    self.id = id.clone();
                }
                if !model.is_empty() {
                    self.model = model.clone();
                }
                if let Some(c) = created {
                    self.created = *c;
                }
                self.start(out);
            }
            StreamEvent::PartStart { index, part } => self.part_start(*index, part, out),
            StreamEvent::Delta { index, delta } => self.part_delta(*index, delta, out),
            StreamEvent::PartStop { .. } => {}
            StreamEvent::Usage(u) => self.usage.get_or_insert_with(ir::Usage::default).merge(u),
            StreamEvent::Finish { stop_reason } => self.finish_chunk(stop_reason, out),
            StreamEvent::Error(e) => {
                out.push(encode_stream_error(e));
                self.done = true;
            }
        }
    }

    fn finish(&mut self, out: &mut Vec<Frame>) {
        if self.done {
            return;
        }
        self.done = true;
        if self.ctx.include_usage {
            if let Some(u) = &self.usage {
                let mut chunk = self.chunk(Vec::new());
                chunk.usage = Some(Some(usage_to_wire(u)));
                self.push(&chunk, out);
            }
        }
        out.push(Frame::data("[DONE]".to_owned()));
    }
}
