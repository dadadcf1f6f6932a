//! IR parts → Anthropic content blocks, for requests to an Anthropic upstream and for responses
//! to an Anthropic client (where foreign opaque data is wrapped so it comes back verbatim).

use gproxy_protocol::anthropic as wire;
use gproxy_protocol::anthropic::ContentBlock as B;
use serde_json::{Map, Value};

use super::convert::{flat_tool_name, tool_input};
use super::media::{file_block, image_block};
use super::FAMILY;
use crate::diag::Diagnostics;
use crate::ir;
use crate::sig;

/// Keys of the wrapped object that ties a Gemini `thoughtSignature` to its call id when the
/// signature reached a stream after the call had started (so it follows the `tool_use`).
pub(crate) const SIG_CALL_ID: &str = "call_id";
pub(crate) const SIG_VALUE: &str = "signature";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// A request to Anthropic: only Anthropic-signed reasoning can be replayed.
    Upstream,
    /// A response to an Anthropic client: foreign opaque data is wrapped, never lost.
    Client,
}

pub(crate) struct PartEncoder<'a> {
    pub target: Target,
    /// Same-family per-block fields by IR location (`m{i}.p{j}`), see `request.rs`.
    pub fields: Option<&'a Map<String, Value>>,
    pub diag: &'a mut Diagnostics,
}

impl PartEncoder<'_> {
    /// Append the blocks for `part` (none when it cannot be represented; reported).
    /// `loc` is the IR location key, `at` the path used in diagnostics.
    pub(crate) fn encode(&mut self, part: &ir::Part, loc: &str, at: &str, out: &mut Vec<B>) {
        let block = match part {
            ir::Part::Text(t) => Some(self.text(t, at)),
            ir::Part::Refusal(s) => {
                self.diag.approximated(at, "refusal sent as a text block");
                Some(B::text(s.clone()))
            }
            ir::Part::Image(_) | ir::Part::File(_) if self.target == Target::Client => {
                self.diag
                    .dropped(at, "Anthropic responses cannot carry images or files");
                None
            }
            ir::Part::Image(m) => image_block(m, at, self.diag),
            ir::Part::File(m) => file_block(m, at, self.diag),
            ir::Part::Reasoning(r) => self.reasoning(r, at),
            ir::Part::ToolCall(c) => {
                self.tool_call_signature(c, at, out);
                Some(B::ToolUse(wire::ToolUseBlock {
                    id: c.id.clone(),
                    name: flat_tool_name(&c.name, c.namespace.as_deref()),
                    input: tool_input(c, at, Some(self.diag)),
                    cache_control: None,
                    extra: Map::new(),
                }))
            }
            ir::Part::ToolResult(tr) if self.target == Target::Upstream => {
                Some(self.tool_result(tr, loc, at))
            }
            ir::Part::ToolResult(_) => {
                self.diag
                    .dropped(at, "a tool result cannot appear in an assistant response");
                None
            }
            ir::Part::Opaque(o) if o.family == FAMILY => Some(B::Unknown(o.value.clone())),
            ir::Part::Opaque(_) => {
                self.diag
                    .dropped(at, "provider-specific block of another provider");
                None
            }
        };
        if let Some(b) = block {
            out.push(apply_fields(b, self.fields.and_then(|f| f.get(loc))));
        }
    }

    fn text(&mut self, t: &ir::Text, at: &str) -> B {
        let (ours, foreign): (Vec<_>, Vec<_>) =
            t.annotations.iter().partition(|a| a.family == FAMILY);
        if !foreign.is_empty() {
            self.diag
                .dropped(format!("{at}.annotations"), "citations of another provider");
        }
        let citations =
            (!ours.is_empty()).then(|| ours.into_iter().map(|a| a.value.clone()).collect());
        B::Text(wire::TextBlock {
            text: t.text.clone(),
            citations,
            cache_control: None,
            extra: Map::new(),
        })
    }

    fn reasoning(&mut self, r: &ir::Reasoning, at: &str) -> Option<B> {
        match (&r.signature, self.target) {
            (Some(op), Target::Upstream) if op.family != FAMILY => {
                self.diag.dropped(
                    at,
                    "reasoning signed by another provider cannot be replayed to Anthropic",
                );
                None
            }
            (None, Target::Upstream) => {
                self.diag
                    .dropped(at, "unsigned reasoning cannot be replayed to Anthropic");
                None
            }
            (None, Target::Client) if r.text.is_empty() => None,
            (None, Target::Client) => Some(thinking(r.text.clone(), String::new())),
            (Some(op), _) => {
                let s = sig::wrap(op, FAMILY);
                Some(if r.redacted {
                    B::RedactedThinking(wire::RedactedThinkingBlock {
                        data: s,
                        extra: Map::new(),
                    })
                } else {
                    thinking(r.text.clone(), s)
                })
            }
        }
    }

    /// A foreign signature on a tool call (Gemini `thoughtSignature`): an Anthropic client gets
    /// it as an empty thinking block right before the `tool_use`; an Anthropic upstream cannot
    /// use it.
    fn tool_call_signature(&mut self, c: &ir::ToolCall, at: &str, out: &mut Vec<B>) {
        match (&c.signature, self.target) {
            (Some(op), Target::Client) if op.family != FAMILY => {
                out.push(thinking(String::new(), sig::wrap(op, FAMILY)));
            }
            (Some(op), Target::Upstream) if op.family != FAMILY => {
                self.diag.dropped(
                    format!("{at}.signature"),
                    "tool-call signature of another provider",
                );
            }
            _ => {}
        }
    }

    fn tool_result(&mut self, tr: &ir::ToolResult, loc: &str, at: &str) -> B {
        let plain = matches!(tr.content.as_slice(), [ir::Part::Text(t)] if t.annotations.is_empty())
            && self
                .fields
                .is_none_or(|f| !f.contains_key(&format!("{loc}.c0")));
        let content = match tr.content.as_slice() {
            [] => None,
            [ir::Part::Text(t)] if plain => Some(wire::ToolResultContent::Text(t.text.clone())),
            parts => {
                let mut blocks = Vec::with_capacity(parts.len());
                for (k, p) in parts.iter().enumerate() {
                    let at = format!("{at}.content[{k}]");
                    match p {
                        ir::Part::Text(_)
                        | ir::Part::Image(_)
                        | ir::Part::File(_)
                        | ir::Part::Refusal(_)
                        | ir::Part::Opaque(_) => {
                            self.encode(p, &format!("{loc}.c{k}"), &at, &mut blocks)
                        }
                        _ => self
                            .diag
                            .dropped(at, "only text, images and documents fit in a tool result"),
                    }
                }
                Some(wire::ToolResultContent::Blocks(blocks))
            }
        };
        B::ToolResult(wire::ToolResultBlock {
            tool_use_id: tr.call_id.clone(),
            content,
            is_error: tr.is_error.then_some(true),
            cache_control: None,
            extra: Map::new(),
        })
    }
}

pub(crate) fn thinking(text: String, signature: String) -> B {
    B::Thinking(wire::ThinkingBlock {
        thinking: text,
        signature: Some(signature),
        extra: Map::new(),
    })
}

/// Merge same-family fields kept at decode (`cache_control`, ...) back into a block.
pub(crate) fn apply_fields(block: B, fields: Option<&Value>) -> B {
    let Some(Value::Object(fields)) = fields else {
        return block;
    };
    match serde_json::to_value(&block) {
        Ok(Value::Object(mut m)) => {
            m.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
            B::Unknown(Value::Object(m))
        }
        _ => block,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gproxy_protocol::Family;
    use serde_json::json;

    fn encode(target: Target, part: ir::Part) -> (Vec<Value>, Diagnostics) {
        let mut diag = Diagnostics::new();
        let mut out = Vec::new();
        PartEncoder {
            target,
            fields: None,
            diag: &mut diag,
        }
        .encode(&part, "m0.p0", "messages[0].content[0]", &mut out);
        (
            out.iter()
                .map(|b| serde_json::to_value(b).unwrap())
                .collect(),
            diag,
        )
    }

    #[test]
    fn reasoning_replay_depends_on_signature_family() {
        let gem = ir::Opaque {
            family: Family::Gemini,
            value: json!("CiQB0e2K"),
        };
        let foreign = ir::Part::Reasoning(ir::Reasoning {
            text: "t".into(),
            signature: Some(gem.clone()),
            ..Default::default()
        });
        let (blocks, diag) = encode(Target::Upstream, foreign.clone());
        assert!(blocks.is_empty());
        assert!(diag.mentions("messages[0].content[0]"));
        let (blocks, _) = encode(Target::Client, foreign);
        assert_eq!(
            blocks,
            vec![
                json!({"type": "thinking", "thinking": "t", "signature": sig::wrap(&gem, FAMILY)})
            ]
        );
        let native = ir::Part::Reasoning(ir::Reasoning {
            text: "t".into(),
            signature: Some(ir::Opaque {
                family: FAMILY,
                value: json!("EqQB"),
            }),
            ..Default::default()
        });
        let (blocks, diag) = encode(Target::Upstream, native);
        assert_eq!(
            blocks,
            vec![json!({"type": "thinking", "thinking": "t", "signature": "EqQB"})]
        );
        assert!(diag.is_empty());
    }
}
