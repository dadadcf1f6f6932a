//! IR stream events → Anthropic Messages SSE frames: `message_start`, one
//! `content_block_start` / deltas / `content_block_stop` group per part with consecutive
//! indexes, `message_delta` with the stop reason and usage, `message_stop`.
//!
//! Anthropic blocks never interleave, so tool calls streamed in parallel by another provider
//! are queued and replayed one after the other. A tool call's `tool_use` start waits for its
//! first delta, so that a Gemini signature arriving first can precede it as an empty thinking
//! block; a signature arriving after the arguments follows the `tool_use`, tagged with the call
//! id (see `parts::tool_call_signature`).

use gproxy_protocol::anthropic as wire;
use gproxy_protocol::anthropic::{BlockDelta as D, ContentBlock as B};
use serde_json::{json, Map, Value};

use super::blocks::{thinking, SIG_CALL_ID, SIG_VALUE};
use super::convert::flat_tool_name;
use super::misc::encode_stream_error;
use super::stream_frames::{
    delta, json_escape, message_end, message_start, start, stop, whole_part,
};
use super::FAMILY;
use crate::codec::{EncodeContext, Frame, StreamEncoder};
use crate::ir::{self, Delta, PartStart, StreamEvent as Ev};
use crate::sig;

enum Kind {
    Text,
    Thinking,
    /// `redacted_thinking` needs its data in the start event: held until the part stops.
    Redacted {
        data: Option<String>,
    },
    Tool {
        id: String,
        name: String,
        custom: bool,
        started: bool,
        late_sig: Option<ir::Opaque>,
    },
}

struct Active {
    ir_index: usize,
    wire_index: usize,
    kind: Kind,
}

/// A tool call that started while another was streaming.
struct Queued {
    ir_index: usize,
    part: PartStart,
    deltas: Vec<Delta>,
    stopped: bool,
}

pub(crate) struct Encoder {
    id: String,
    model: String,
    started: bool,
    next_index: usize,
    active: Option<Active>,
    queued: Vec<Queued>,
    usage: ir::Usage,
    stop: Option<ir::StopReason>,
    saw_tool_call: bool,
    ended: bool,
}

impl Encoder {
    pub(crate) fn new(ctx: EncodeContext) -> Self {
        Encoder {
            id: ctx.fallback_id,
            model: ctx.model,
            started: false,
            next_index: 0,
            active: None,
            queued: Vec::new(),
            usage: ir::Usage::default(),
            stop: None,
            saw_tool_call: false,
            ended: false,
        }
    }

    fn alloc(&mut self) -> usize {
        self.next_index += 1;
        self.next_index - 1
    }

    fn ensure_started(&mut self, out: &mut Vec<Frame>) {
        if self.started {
            return;
        }
        self.started = true;
        out.push(message_start(&self.id, &self.model, &self.usage));
    }

    /// A thinking block with only a signature (a foreign tool-call signature for the client).
    fn signature_block(&mut self, signature: String, out: &mut Vec<Frame>) {
        let i = self.alloc();
        out.push(start(i, thinking(String::new(), String::new())));
        out.push(delta(i, D::SignatureDelta { signature }));
        out.push(stop(i));
    }

    fn open(&mut self, ir_index: usize, part: PartStart, out: &mut Vec<Frame>) {
        let kind = match part {
            PartStart::Text | PartStart::Refusal => Kind::Text,
            PartStart::Reasoning { redacted: true, .. } => Kind::Redacted { data: None },
            PartStart::Reasoning { .. } => Kind::Thinking,
            PartStart::ToolCall {
                id,
                name,
                namespace,
                kind,
                ..
            } => {
                self.saw_tool_call = true;
                let name = flat_tool_name(&name, namespace.as_deref());
                Kind::Tool {
                    id,
                    name,
                    custom: kind == ir::ToolCallKind::Custom,
                    started: false,
                    late_sig: None,
                }
            }
            PartStart::Whole(p) => return self.whole(&p, out),
        };
        let wire_index = match kind {
            Kind::Text => {
                let i = self.alloc();
                out.push(start(i, B::text("")));
                i
            }
            Kind::Thinking => {
                let i = self.alloc();
                out.push(start(i, thinking(String::new(), String::new())));
                i
            }
            // Allocated when the block is actually written.
            Kind::Redacted { .. } | Kind::Tool { .. } => usize::MAX,
        };
        self.active = Some(Active {
            ir_index,
            wire_index,
            kind,
        });
    }

    fn start_tool(&mut self, a: &mut Active, out: &mut Vec<Frame>) {
        let Kind::Tool {
            id, name, started, ..
        } = &mut a.kind
        else {
            return;
        };
        if *started {
            return;
        }
        *started = true;
        let block = wire::ToolUseBlock {
            id: id.clone(),
            name: name.clone(),
            input: json!({}),
            cache_control: None,
            extra: Map::new(),
        };
        a.wire_index = self.alloc();
        out.push(start(a.wire_index, B::ToolUse(block)));
    }

    fn apply(&mut self, a: &mut Active, d: &Delta, out: &mut Vec<Frame>) {
        let i = a.wire_index;
        match (&mut a.kind, d) {
            (Kind::Text, Delta::Text(t) | Delta::Refusal(t)) => {
                out.push(delta(i, D::TextDelta { text: t.clone() }))
            }
            (Kind::Text, Delta::Annotation(o)) if o.family == FAMILY => {
                out.push(delta(
                    i,
                    D::CitationsDelta {
                        citation: o.value.clone(),
                    },
                ));
            }
            (Kind::Thinking, Delta::Reasoning(t)) => out.push(delta(
                i,
                D::ThinkingDelta {
                    thinking: t.clone(),
                },
            )),
            (Kind::Thinking, Delta::Signature(o)) => {
                out.push(delta(
                    i,
                    D::SignatureDelta {
                        signature: sig::wrap(o, FAMILY),
                    },
                ));
            }
            (Kind::Redacted { data }, Delta::Signature(o)) => *data = Some(sig::wrap(o, FAMILY)),
            (Kind::Tool { started: false, .. }, Delta::Signature(o)) if o.family != FAMILY => {
                self.signature_block(sig::wrap(o, FAMILY), out);
            }
            (Kind::Tool { late_sig, .. }, Delta::Signature(o)) if o.family != FAMILY => {
                *late_sig = Some(o.clone())
            }
            (Kind::Tool { .. }, Delta::ToolArguments(args)) if !args.is_empty() => {
                let first = matches!(a.kind, Kind::Tool { started: false, .. });
                self.start_tool(a, out);
                let custom = matches!(a.kind, Kind::Tool { custom: true, .. });
                let partial_json = match (custom, first) {
                    (true, true) => format!("{{\"input\":\"{}", json_escape(args)),
                    (true, false) => json_escape(args),
                    (false, _) => args.clone(),
                };
                out.push(delta(a.wire_index, D::InputJsonDelta { partial_json }));
            }
            _ => {}
        }
    }

    fn close_active(&mut self, out: &mut Vec<Frame>) {
        let Some(mut a) = self.active.take() else {
            return;
        };
        match &mut a.kind {
            Kind::Text | Kind::Thinking => out.push(stop(a.wire_index)),
            Kind::Redacted { data } => {
                if let Some(data) = data.take() {
                    let i = self.alloc();
                    out.push(start(
                        i,
                        B::RedactedThinking(wire::RedactedThinkingBlock {
                            data,
                            extra: Map::new(),
                        }),
                    ));
                    out.push(stop(i));
                }
            }
            Kind::Tool {
                started, custom, ..
            } => {
                let (was_started, custom) = (*started, *custom);
                self.start_tool(&mut a, out);
                if custom {
                    let tail = if was_started {
                        "\"}"
                    } else {
                        "{\"input\":\"\"}"
                    };
                    out.push(delta(
                        a.wire_index,
                        D::InputJsonDelta {
                            partial_json: tail.to_owned(),
                        },
                    ));
                }
                out.push(stop(a.wire_index));
                if let Kind::Tool {
                    id,
                    late_sig: Some(op),
                    ..
                } = &a.kind
                {
                    let mut tagged = Map::new();
                    tagged.insert(SIG_CALL_ID.into(), Value::String(id.clone()));
                    tagged.insert(SIG_VALUE.into(), op.value.clone());
                    let wrapped = ir::Opaque {
                        family: op.family,
                        value: Value::Object(tagged),
                    };
                    self.signature_block(sig::wrap(&wrapped, FAMILY), out);
                }
            }
        }
    }

    /// Close the active part, then replay queued tool calls until one is still streaming.
    fn advance(&mut self, out: &mut Vec<Frame>) {
        self.close_active(out);
        while !self.queued.is_empty() {
            let q = self.queued.remove(0);
            self.open(q.ir_index, q.part, out);
            if let Some(mut a) = self.active.take() {
                for d in &q.deltas {
                    self.apply(&mut a, d, out);
                }
                self.active = Some(a);
            }
            if !q.stopped {
                return;
            }
            self.close_active(out);
        }
    }

    /// Close everything, including queued tool calls that have not stopped yet.
    fn close_all(&mut self, out: &mut Vec<Frame>) {
        while self.active.is_some() || !self.queued.is_empty() {
            self.advance(out);
        }
    }

    /// A part that arrives complete: written as the usual start / delta / stop groups.
    fn whole(&mut self, part: &ir::Part, out: &mut Vec<Frame>) {
        self.saw_tool_call |= whole_part(part, &mut self.next_index, out);
    }

    fn message_end(&mut self, out: &mut Vec<Frame>) {
        let reason = self.stop.clone().unwrap_or(if self.saw_tool_call {
            ir::StopReason::ToolUse
        } else {
            ir::StopReason::EndTurn
        });
        message_end(&reason, &self.usage, out);
    }
}

impl StreamEncoder for Encoder {
    fn encode(&mut self, event: &Ev, out: &mut Vec<Frame>) {
        if self.ended {
            return;
        }
        match event {
            Ev::Start { id, model, .. } => {
                if !id.is_empty() {
                    self.id.clone_from(id);
                }
                if !model.is_empty() {
                    self.model.clone_from(model);
                }
            }
            Ev::Usage(u) => self.usage.merge(u),
            Ev::PartStart { index, part } => {
                self.ensure_started(out);
                let tool = matches!(part, PartStart::ToolCall { .. });
                let active_tool = matches!(
                    &self.active,
                    Some(Active {
                        kind: Kind::Tool { .. },
                        ..
                    })
                );
                if tool && active_tool {
                    self.queued.push(Queued {
                        ir_index: *index,
                        part: part.clone(),
                        deltas: Vec::new(),
                        stopped: false,
                    });
                    return;
                }
                self.close_all(out);
                self.open(*index, part.clone(), out);
            }
            Ev::Delta { index, delta } => {
                if let Some(mut a) = self.active.take() {
                    if a.ir_index == *index {
                        self.apply(&mut a, delta, out);
                        self.active = Some(a);
                        return;
                    }
                    self.active = Some(a);
                }
                if let Some(q) = self.queued.iter_mut().find(|q| q.ir_index == *index) {
                    q.deltas.push(delta.clone());
                }
            }
            Ev::PartStop { index } => {
                if self.active.as_ref().is_some_and(|a| a.ir_index == *index) {
                    self.advance(out);
                } else if let Some(q) = self.queued.iter_mut().find(|q| q.ir_index == *index) {
                    q.stopped = true;
                }
            }
            Ev::Finish { stop_reason } => self.stop = Some(stop_reason.clone()),
            Ev::Error(e) => {
                self.ensure_started(out);
                out.push(encode_stream_error(e));
                self.ended = true;
            }
        }
    }

    fn finish(&mut self, out: &mut Vec<Frame>) {
        if self.ended {
            return;
        }
        self.ensure_started(out);
        self.close_all(out);
        self.message_end(out);
        self.ended = true;
    }
}
