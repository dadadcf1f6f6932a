//! IR parts → Gemini parts, shared by requests, responses and streams (see `content` for the
//! signature rules).

use std::collections::HashMap;

use gproxy_protocol::gemini as wire;
use gproxy_protocol::Family;
use serde_json::{Map, Value};

use super::media::encode_media;
use crate::diag::Diagnostics;
use crate::ir::{self, Opaque, ToolCall, ToolCallKind, ToolResult};
use crate::sig;

/// What to do with a signature that came from another family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SigPolicy {
    /// Requests to a Gemini upstream: Gemini cannot read it, drop it (with a diagnostic).
    DropForeign,
    /// Responses to a Gemini client: wrap it so it comes back verbatim on the next turn.
    WrapForeign,
}

/// Remember the function name of each tool call in `parts`, for later results that carry no
/// name. Called message by message, so a result pairs with the latest earlier call of its id
/// (synthesized `call_<n>` ids repeat across turns).
pub(crate) fn note_calls(names: &mut HashMap<String, String>, parts: &[ir::Part]) {
    for p in parts {
        if let ir::Part::ToolCall(c) = p {
            names.insert(c.id.clone(), flat_name(c.namespace.as_deref(), &c.name));
        }
    }
}

/// Gemini has no tool namespaces: `{namespace}__{name}`.
pub(crate) fn flat_name(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) if !ns.is_empty() => format!("{ns}__{name}"),
        _ => name.to_owned(),
    }
}

/// Encodes the parts of one message (or one response), carrying a pending signature from an
/// empty `Reasoning` part onto the next text / media part.
pub(crate) struct PartEncoder<'a> {
    pub(crate) policy: SigPolicy,
    pub(crate) names: &'a HashMap<String, String>,
    pub(crate) diag: &'a mut Diagnostics,
}

impl PartEncoder<'_> {
    pub(crate) fn signature(&mut self, o: &Opaque, field: &str) -> Option<String> {
        if o.family == Family::Gemini || self.policy == SigPolicy::WrapForeign {
            Some(sig::wrap(o, Family::Gemini))
        } else {
            self.diag.dropped(
                field,
                "signature of another provider; Gemini cannot verify it",
            );
            None
        }
    }

    pub(crate) fn encode(&mut self, parts: &[ir::Part], field: &str) -> Vec<wire::Part> {
        let mut out = Vec::with_capacity(parts.len());
        let mut pending: Option<String> = None;
        for (i, part) in parts.iter().enumerate() {
            let f = format!("{field}[{i}]");
            let start = out.len();
            match part {
                ir::Part::Reasoning(r) => {
                    let s = r.signature.as_ref().and_then(|o| self.signature(o, &f));
                    if r.text.is_empty() && !r.redacted {
                        flush(&mut out, pending.take());
                        pending = s;
                    } else {
                        if r.redacted {
                            self.diag
                                .approximated(&f, "redacted thinking sent as an empty thought");
                        }
                        out.push(wire::Part {
                            text: Some(r.text.clone()),
                            thought: Some(true),
                            thought_signature: s,
                            ..wire::Part::default()
                        });
                    }
                    continue;
                }
                ir::Part::Text(t) => {
                    if !t.annotations.is_empty() {
                        self.diag
                            .dropped(&f, "text annotations have no Gemini request field");
                    }
                    out.push(wire::Part::text(t.text.clone()));
                }
                ir::Part::Refusal(s) => {
                    self.diag.approximated(&f, "refusal sent as text");
                    out.push(wire::Part::text(s.clone()));
                }
                ir::Part::Image(m) | ir::Part::File(m) => {
                    out.extend(encode_media(m, &f, self.diag))
                }
                ir::Part::ToolCall(c) => {
                    flush(&mut out, pending.take());
                    let signature = c.signature.as_ref().and_then(|o| self.signature(o, &f));
                    out.push(wire::Part {
                        function_call: Some(encode_call(c, &f, self.diag)),
                        thought_signature: signature,
                        ..wire::Part::default()
                    });
                    continue;
                }
                ir::Part::ToolResult(r) => {
                    flush(&mut out, pending.take());
                    out.extend(encode_result(r, self.names, &f, self.diag));
                    continue;
                }
                ir::Part::Opaque(o) => match (
                    o.family,
                    serde_json::from_value::<wire::Part>(o.value.clone()),
                ) {
                    (Family::Gemini, Ok(p)) => out.push(p),
                    _ => self
                        .diag
                        .dropped(&f, "provider-specific block Gemini does not understand"),
                },
            }
            // A text / media part takes the signature of the empty reasoning part before it.
            if let Some(p) = out.get_mut(start) {
                if let Some(s) = pending.take() {
                    p.thought_signature = Some(s);
                }
            }
        }
        flush(&mut out, pending);
        out
    }
}

/// A signature with no part to ride on travels on an empty text part, as Gemini sends it.
fn flush(out: &mut Vec<wire::Part>, pending: Option<String>) {
    if let Some(s) = pending {
        out.push(wire::Part {
            text: Some(String::new()),
            thought_signature: Some(s),
            ..wire::Part::default()
        });
    }
}

pub(crate) fn encode_call(c: &ToolCall, field: &str, diag: &mut Diagnostics) -> wire::FunctionCall {
    let args = if c.kind == ToolCallKind::Custom {
        diag.approximated(
            field,
            "custom tool input sent as the `input` argument of a function call",
        );
        let mut m = Map::new();
        m.insert("input".to_owned(), Value::String(c.arguments.clone()));
        Value::Object(m)
    } else {
        args_object(&c.arguments, field, diag)
    };
    wire::FunctionCall {
        id: Some(c.id.clone()).filter(|id| !id.is_empty()),
        name: flat_name(c.namespace.as_deref(), &c.name),
        args: Some(args),
        extra: Map::new(),
    }
}

/// Gemini needs `args` as an object: empty text is `{}`, anything unparsable is `{}` plus a
/// diagnostic.
pub(crate) fn args_object(arguments: &str, field: &str, diag: &mut Diagnostics) -> Value {
    if arguments.trim().is_empty() {
        return Value::Object(Map::new());
    }
    match serde_json::from_str::<Value>(arguments) {
        Ok(v @ Value::Object(_)) => v,
        _ => {
            diag.dropped(field, "tool arguments are not a JSON object; sent as {}");
            Value::Object(Map::new())
        }
    }
}

fn encode_result(
    r: &ToolResult,
    names: &HashMap<String, String>,
    field: &str,
    diag: &mut Diagnostics,
) -> Vec<wire::Part> {
    let name = match (&r.name, names.get(&r.call_id)) {
        (Some(n), _) => n.clone(),
        (None, Some(n)) => n.clone(),
        (None, None) => {
            diag.approximated(
                field,
                "no earlier tool call with this id; its id is used as the function name",
            );
            r.call_id.clone()
        }
    };
    let mut texts = Vec::new();
    let mut media = Vec::new();
    for (i, p) in r.content.iter().enumerate() {
        let f = format!("{field}.content[{i}]");
        match p {
            ir::Part::Text(t) => texts.push(t.text.as_str()),
            ir::Part::Refusal(t) => texts.push(t.as_str()),
            ir::Part::Image(m) | ir::Part::File(m) => {
                diag.approximated(
                    &f,
                    "tool result media sent as a part beside the function response",
                );
                media.extend(encode_media(m, &f, diag));
            }
            _ => diag.dropped(&f, "tool result part Gemini cannot carry"),
        }
    }
    let text = texts.join("\n");
    let response = if r.is_error {
        single("error", text)
    } else {
        match serde_json::from_str::<Value>(&text) {
            Ok(v @ Value::Object(_)) => v,
            _ => single("output", text),
        }
    };
    let fr = wire::FunctionResponse {
        id: Some(r.call_id.clone()).filter(|id| !id.is_empty()),
        name,
        response: Some(response),
        parts: None,
        extra: Map::new(),
    };
    let mut out = vec![wire::Part {
        function_response: Some(fr),
        ..wire::Part::default()
    }];
    out.extend(media);
    out
}

fn single(key: &str, text: String) -> Value {
    let mut m = Map::new();
    m.insert(key.to_owned(), Value::String(text));
    Value::Object(m)
}
