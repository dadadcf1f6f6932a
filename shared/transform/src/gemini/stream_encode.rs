//! IR stream events → `streamGenerateContent?alt=sse` chunks (data-only frames).
//!
//! One chunk per text / thought delta; a function call is sent whole when its part stops (Gemini
//! clients expect `args` as an object, so only that call's argument text is buffered). The last
//! chunk always carries `finishReason` and `usageMetadata`: Gemini CLI re-sends the request when
//! a stream ends without a finish reason.

use std::collections::HashMap;

use gproxy_protocol::gemini as wire;
use serde_json::Map;

use super::content_encode::{encode_call, PartEncoder, SigPolicy};
use super::error::encode_error_body;
use super::media::encode_media;
use super::response::{encode_finish, encode_usage};
use crate::codec::{EncodeContext, Frame, StreamEncoder};
use crate::diag::Diagnostics;
use crate::ir::{Delta, Part, PartStart, StopReason, StreamEvent, ToolCall, Usage};

enum Open {
    Text,
    /// Whether any thought text was sent (a reasoning part with no text only carries a
    /// signature for the part after it).
    Reasoning {
        had_text: bool,
    },
    Call(Box<ToolCall>),
    Other,
}

pub(crate) struct GeminiStreamEncoder {
    id: String,
    model: String,
    open: HashMap<usize, Open>,
    /// Signature of an empty reasoning part, to put on the next text part.
    pending_sig: Option<String>,
    usage: Option<Usage>,
    stop: Option<StopReason>,
    done: bool,
    /// Diagnostics of a stream have no consumer; encoding still reports into one.
    diag: Diagnostics,
}

impl GeminiStreamEncoder {
    pub(crate) fn new(ctx: EncodeContext) -> Self {
        GeminiStreamEncoder {
            id: ctx.fallback_id,
            model: ctx.model,
            open: HashMap::new(),
            pending_sig: None,
            usage: None,
            stop: None,
            done: false,
            diag: Diagnostics::new(),
        }
    }

    fn chunk(
        &self,
        parts: Vec<wire::Part>,
        finish: Option<wire::FinishReason>,
        usage: Option<wire::UsageMetadata>,
    ) -> Frame {
        let last = finish.is_some();
        let resp = wire::GenerateContentResponse {
            candidates: Some(vec![wire::Candidate {
                content: Some(wire::Content {
                    role: Some("model".to_owned()),
                    parts,
                    extra: Map::new(),
                }),
                finish_reason: finish,
                index: last.then_some(0),
                ..wire::Candidate::default()
            }]),
            usage_metadata: usage,
            model_version: Some(self.model.clone()),
            response_id: Some(self.id.clone()),
            ..wire::GenerateContentResponse::default()
        };
        Frame::data(serde_json::to_string(&resp).unwrap_or_default())
    }

    fn emit(&self, part: wire::Part, out: &mut Vec<Frame>) {
        out.push(self.chunk(vec![part], None, None));
    }

    fn signature(&mut self, o: &crate::ir::Opaque) -> Option<String> {
        let names = HashMap::new();
        PartEncoder {
            policy: SigPolicy::WrapForeign,
            names: &names,
            diag: &mut self.diag,
        }
        .signature(o, "signature")
    }

    /// A signature nobody took: on an empty text part, as Gemini itself sends it.
    fn flush_sig(&mut self, out: &mut Vec<Frame>) {
        if let Some(s) = self.pending_sig.take() {
            let part = wire::Part {
                text: Some(String::new()),
                thought_signature: Some(s),
                ..wire::Part::default()
            };
            self.emit(part, out);
        }
    }

    fn stop_call(&mut self, call: &ToolCall, out: &mut Vec<Frame>) {
        let function_call = encode_call(call, "tool_call", &mut self.diag);
        let thought_signature = call.signature.as_ref().and_then(|o| self.signature(o));
        let part = wire::Part {
            function_call: Some(function_call),
            thought_signature,
            ..wire::Part::default()
        };
        self.emit(part, out);
    }

    fn delta(&mut self, index: usize, delta: &Delta, out: &mut Vec<Frame>) {
        match (self.open.get_mut(&index), delta) {
            (Some(Open::Call(call)), Delta::ToolArguments(a)) => call.arguments.push_str(a),
            (Some(Open::Call(call)), Delta::Signature(s)) => call.signature = Some(s.clone()),
            (Some(Open::Reasoning { had_text }), Delta::Reasoning(t)) => {
                if t.is_empty() {
                    return;
                }
                *had_text = true;
                let part = wire::Part {
                    text: Some(t.clone()),
                    thought: Some(true),
                    ..wire::Part::default()
                };
                self.emit(part, out);
            }
            (Some(Open::Reasoning { had_text }), Delta::Signature(s)) => {
                let had_text = *had_text;
                let Some(sig) = self.signature(s) else { return };
                if had_text {
                    let part = wire::Part {
                        text: Some(String::new()),
                        thought: Some(true),
                        thought_signature: Some(sig),
                        ..wire::Part::default()
                    };
                    self.emit(part, out);
                } else {
                    self.flush_sig(out);
                    self.pending_sig = Some(sig);
                }
            }
            (_, Delta::Text(t) | Delta::Refusal(t)) => {
                if t.is_empty() {
                    return;
                }
                let part = wire::Part {
                    text: Some(t.clone()),
                    thought_signature: self.pending_sig.take(),
                    ..wire::Part::default()
                };
                self.emit(part, out);
            }
            // Citations have no Gemini stream field; other combinations are out of grammar.
            _ => {}
        }
    }
}

impl StreamEncoder for GeminiStreamEncoder {
    fn encode(&mut self, event: &StreamEvent, out: &mut Vec<Frame>) {
        if self.done {
            return;
        }
        match event {
            StreamEvent::Start { id, model, .. } => {
                if !id.is_empty() {
                    self.id.clone_from(id);
                }
                if !model.is_empty() {
                    self.model.clone_from(model);
                }
            }
            StreamEvent::PartStart { index, part } => {
                let open = match part {
                    PartStart::Text | PartStart::Refusal => Open::Text,
                    // Redacted thinking has no text but is a thought of its own, as in `encode_response`.
                    PartStart::Reasoning { redacted, .. } => Open::Reasoning {
                        had_text: *redacted,
                    },
                    PartStart::ToolCall {
                        id,
                        name,
                        namespace,
                        kind,
                        item_id,
                    } => {
                        self.flush_sig(out);
                        Open::Call(Box::new(ToolCall {
                            id: id.clone(),
                            name: name.clone(),
                            namespace: namespace.clone(),
                            kind: *kind,
                            item_id: item_id.clone(),
                            ..ToolCall::default()
                        }))
                    }
                    PartStart::Whole(Part::Image(m) | Part::File(m)) => {
                        if let Some(mut p) = encode_media(m, "content", &mut self.diag) {
                            p.thought_signature = self.pending_sig.take();
                            self.emit(p, out);
                        }
                        Open::Other
                    }
                    PartStart::Whole(part) => {
                        self.flush_sig(out);
                        let names = HashMap::new();
                        let parts = PartEncoder {
                            policy: SigPolicy::WrapForeign,
                            names: &names,
                            diag: &mut self.diag,
                        }
                        .encode(std::slice::from_ref(part), "content");
                        for p in parts {
                            self.emit(p, out);
                        }
                        Open::Other
                    }
                };
                self.open.insert(*index, open);
            }
            StreamEvent::Delta { index, delta } => self.delta(*index, delta, out),
            StreamEvent::PartStop { index } => {
                if let Some(Open::Call(call)) = self.open.remove(index) {
                    self.stop_call(&call, out);
                }
            }
            StreamEvent::Usage(u) => match &mut self.usage {
                Some(acc) => acc.merge(u),
                None => self.usage = Some(*u),
            },
            StreamEvent::Finish { stop_reason } => self.stop = Some(stop_reason.clone()),
            StreamEvent::Error(e) => {
                self.done = true;
                out.push(Frame::data(
                    String::from_utf8_lossy(&encode_error_body(e)).into_owned(),
                ));
            }
        }
    }

    fn finish(&mut self, out: &mut Vec<Frame>) {
        if self.done {
            return;
        }
        self.done = true;
        self.flush_sig(out);
        // Calls the upstream never closed still reach the client.
        let mut unclosed: Vec<_> = self.open.drain().collect();
        unclosed.sort_by_key(|(i, _)| *i);
        for (_, open) in unclosed {
            if let Open::Call(call) = open {
                self.stop_call(&call, out);
            }
        }
        let finish = encode_finish(self.stop.as_ref().unwrap_or(&StopReason::EndTurn));
        let usage = self.usage.map(|u| encode_usage(&u, &mut self.diag));
        out.push(self.chunk(vec![wire::Part::text("")], Some(finish), usage));
    }
}
