//! Anthropic SSE frame builders shared by the stream encoder.

use gproxy_protocol::anthropic as wire;
use gproxy_protocol::anthropic::{BlockDelta as D, ContentBlock as B, StreamEvent as E};
use serde_json::{json, Map};

use super::blocks::{thinking, PartEncoder, Target};
use super::convert::{stop_reason_to_wire, usage_to_wire};
use crate::codec::Frame;
use crate::diag::Diagnostics;
use crate::ir;

pub(crate) fn frame(ev: E) -> Frame {
    let name = match &ev {
        E::MessageStart(_) => "message_start",
        E::ContentBlockStart(_) => "content_block_start",
        E::ContentBlockDelta(_) => "content_block_delta",
        E::ContentBlockStop(_) => "content_block_stop",
        E::MessageDelta(_) => "message_delta",
        E::MessageStop(_) => "message_stop",
        E::Ping(_) => "ping",
        E::Error(_) | E::Unknown(_) => "error",
    };
    Frame::named(name, serde_json::to_string(&ev).unwrap_or_default())
}

pub(crate) fn start(index: usize, content_block: B) -> Frame {
    frame(E::ContentBlockStart(wire::ContentBlockStart {
        index,
        content_block,
        extra: Map::new(),
    }))
}

pub(crate) fn delta(index: usize, delta: D) -> Frame {
    frame(E::ContentBlockDelta(wire::ContentBlockDelta {
        index,
        delta,
        extra: Map::new(),
    }))
}

pub(crate) fn stop(index: usize) -> Frame {
    frame(E::ContentBlockStop(wire::ContentBlockStop {
        index,
        extra: Map::new(),
    }))
}

/// Body of a JSON string literal, for streaming freeform tool input inside `{"input": "..."}`.
pub(crate) fn json_escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted
        .get(1..quoted.len().saturating_sub(1))
        .unwrap_or_default()
        .to_owned()
}

/// `message_start` with the usage known so far and a null stop reason.
pub(crate) fn message_start(id: &str, model: &str, usage: &ir::Usage) -> Frame {
    let mut message = wire::MessageResponse::new(id, model);
    message.usage = usage_to_wire(usage);
    frame(E::MessageStart(wire::MessageStart {
        message,
        extra: Map::new(),
    }))
}

/// `message_delta` (stop reason, output tokens, and input/cache counts when known), then
/// `message_stop`.
pub(crate) fn message_end(reason: &ir::StopReason, usage: &ir::Usage, out: &mut Vec<Frame>) {
    let (stop_reason, stop_sequence) = stop_reason_to_wire(reason, None);
    let mut wire_usage = usage_to_wire(usage);
    if usage.input_tokens == 0 {
        wire_usage.input_tokens = None;
        wire_usage.cache_creation_input_tokens = None;
        wire_usage.cache_read_input_tokens = None;
    }
    let body = wire::MessageDeltaBody {
        stop_reason: Some(stop_reason),
        stop_sequence,
        extra: Map::new(),
    };
    out.push(frame(E::MessageDelta(wire::MessageDelta {
        delta: body,
        usage: Some(wire_usage),
        extra: Map::new(),
    })));
    out.push(frame(E::MessageStop(wire::Empty::default())));
}

/// Frames of a part that arrives complete, as the usual start / delta / stop groups from index
/// `next`. True when a `tool_use` block was written.
pub(crate) fn whole_part(part: &ir::Part, next: &mut usize, out: &mut Vec<Frame>) -> bool {
    let mut wrote_tool = false;
    let mut diag = Diagnostics::new();
    let mut blocks = Vec::new();
    PartEncoder {
        target: Target::Client,
        fields: None,
        diag: &mut diag,
    }
    .encode(part, "", "", &mut blocks);
    for block in blocks {
        let i = *next;
        *next += 1;
        match block {
            B::Text(t) => {
                out.push(start(i, B::text("")));
                out.push(delta(i, D::TextDelta { text: t.text }));
                for citation in t.citations.unwrap_or_default() {
                    out.push(delta(i, D::CitationsDelta { citation }));
                }
            }
            B::Thinking(t) => {
                out.push(start(i, thinking(String::new(), String::new())));
                if !t.thinking.is_empty() {
                    out.push(delta(
                        i,
                        D::ThinkingDelta {
                            thinking: t.thinking,
                        },
                    ));
                }
                if let Some(signature) = t.signature.filter(|s| !s.is_empty()) {
                    out.push(delta(i, D::SignatureDelta { signature }));
                }
            }
            B::ToolUse(mut t) => {
                wrote_tool = true;
                let input = std::mem::replace(&mut t.input, json!({}));
                out.push(start(i, B::ToolUse(t)));
                out.push(delta(
                    i,
                    D::InputJsonDelta {
                        partial_json: input.to_string(),
                    },
                ));
            }
            other => out.push(start(i, other)),
        }
        out.push(stop(i));
    }
    wrote_tool
}
