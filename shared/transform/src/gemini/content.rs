//! Gemini parts → IR parts, shared by requests, responses and streams (encoding is in
//! `content_encode`).
//!
//! Signatures: a `thoughtSignature` on a `functionCall` part is the IR `ToolCall::signature`; on a
//! `thought: true` part it is that `Reasoning`'s signature; on any other part (Gemini puts it on
//! the text or image part that follows the thinking) it becomes a `Reasoning` part with empty text
//! placed just before that part, and the encoder puts it back onto the following text / media part.

use gproxy_protocol::gemini as wire;
use gproxy_protocol::Family;
use serde_json::Value;

use crate::ir::{self, Media, MediaSource, Opaque, Reasoning, Text, ToolCall, ToolResult};
use crate::sig;

/// Hands out tool-call ids: the call's own `id`, or `call_<n>` with `n` its position among the
/// calls seen so far (deterministic, so a re-decode gives the same ids). Remembers unanswered
/// calls so an id-less `functionResponse` finds its call by name.
#[derive(Debug, Default)]
pub(crate) struct CallIds {
    seen: usize,
    open: Vec<(String, String)>,
}

impl CallIds {
    pub(crate) fn call(&mut self, given: Option<&str>, name: &str) -> String {
        let id = match given {
            Some(id) if !id.is_empty() => id.to_owned(),
            _ => format!("call_{}", self.seen),
        };
        self.seen += 1;
        self.open.push((id.clone(), name.to_owned()));
        id
    }

    pub(crate) fn result(&mut self, given: Option<&str>, name: &str) -> String {
        if let Some(id) = given.filter(|id| !id.is_empty()) {
            self.open.retain(|(open, _)| open != id);
            return id.to_owned();
        }
        if let Some(pos) = self.open.iter().position(|(_, n)| n == name) {
            return self.open.remove(pos).0;
        }
        // No earlier call answers to this name (trimmed history): a fresh id keeps ids unique.
        let id = format!("call_{}", self.seen);
        self.seen += 1;
        id
    }
}

pub(crate) fn gemini_sig(s: &str) -> Opaque {
    sig::unwrap(s, Family::Gemini)
}

/// The JSON text of a call's `args` (compact, key order kept); no args is `{}`.
pub(crate) fn args_text(args: Option<&Value>) -> String {
    match args {
        None | Some(Value::Null) => "{}".to_owned(),
        Some(v) => v.to_string(),
    }
}

/// Decode one wire part into 0..=2 IR parts (see the module doc for signatures).
pub(crate) fn decode_part(p: &wire::Part, ids: &mut CallIds, out: &mut Vec<ir::Part>) {
    let signature = p.thought_signature.as_deref().map(gemini_sig);
    if let Some(fc) = &p.function_call {
        out.push(ir::Part::ToolCall(ToolCall {
            id: ids.call(fc.id.as_deref(), &fc.name),
            name: fc.name.clone(),
            arguments: args_text(fc.args.as_ref()),
            signature,
            ..ToolCall::default()
        }));
        return;
    }
    if let Some(fr) = &p.function_response {
        out.push(ir::Part::ToolResult(decode_function_response(fr, ids)));
        return;
    }
    if p.thought == Some(true) && p.inline_data.is_none() && p.file_data.is_none() {
        out.push(ir::Part::Reasoning(Reasoning {
            text: p.text.clone().unwrap_or_default(),
            signature,
            ..Reasoning::default()
        }));
        return;
    }
    let content = if let Some(text) = &p.text {
        (!text.is_empty()).then(|| ir::Part::Text(Text::new(text.clone())))
    } else if let Some(blob) = &p.inline_data {
        Some(media_part(
            Media {
                source: MediaSource::Base64(blob.data.clone()),
                mime_type: Some(blob.mime_type.clone()).filter(|m| !m.is_empty()),
                name: None,
                detail: None,
            },
            &blob.mime_type,
        ))
    } else if let Some(fd) = &p.file_data {
        let mime = fd.mime_type.clone().unwrap_or_default();
        Some(media_part(
            Media {
                source: file_source(&fd.file_uri),
                mime_type: fd.mime_type.clone(),
                name: None,
                detail: None,
            },
            &mime,
        ))
    } else if p.extra.is_empty() && p.executable_code.is_none() && p.code_execution_result.is_none()
    {
        // Nothing but metadata (a bare `thoughtSignature`).
        None
    } else {
        // executableCode, codeExecutionResult and payloads this codec does not know.
        serde_json::to_value(p).ok().map(|value| {
            ir::Part::Opaque(Opaque {
                family: Family::Gemini,
                value,
            })
        })
    };
    if let Some(signature) = signature {
        out.push(ir::Part::Reasoning(Reasoning {
            signature: Some(signature),
            ..Reasoning::default()
        }));
    }
    out.extend(content);
}

fn media_part(media: Media, mime: &str) -> ir::Part {
    if mime.starts_with("image/") {
        ir::Part::Image(media)
    } else {
        ir::Part::File(media)
    }
}

/// Files API and `gs://` URIs are provider file ids; other http(s) URIs are plain URLs.
fn file_source(uri: &str) -> MediaSource {
    let is_web = uri.starts_with("https://") || uri.starts_with("http://");
    if is_web && !uri.contains("generativelanguage.googleapis.com/") {
        MediaSource::Url(uri.to_owned())
    } else {
        MediaSource::FileId {
            family: Family::Gemini,
            id: uri.to_owned(),
        }
    }
}

/// `{"output": s}` / `{"result": s}` → text `s`; `{"error": s}` → error text `s`; any other
/// object → its JSON text. Inline `parts` become images / files of the result.
pub(crate) fn decode_function_response(
    fr: &wire::FunctionResponse,
    ids: &mut CallIds,
) -> ToolResult {
    let mut content = Vec::new();
    let mut is_error = false;
    match &fr.response {
        Some(Value::Object(m)) if m.len() == 1 => {
            let (key, value) = m
                .iter()
                .next()
                .map_or(("", &Value::Null), |(k, v)| (k.as_str(), v));
            match (key, value) {
                ("output" | "result", Value::String(s)) => {
                    content.push(ir::Part::Text(Text::new(s.clone())))
                }
                ("error", Value::String(s)) => {
                    is_error = true;
                    content.push(ir::Part::Text(Text::new(s.clone())));
                }
                _ => content.push(ir::Part::Text(Text::new(
                    Value::Object(m.clone()).to_string(),
                ))),
            }
        }
        Some(Value::Null) | None => {}
        Some(other) => content.push(ir::Part::Text(Text::new(other.to_string()))),
    }
    for p in fr.parts.iter().flatten() {
        decode_part(p, ids, &mut content);
    }
    ToolResult {
        call_id: ids.result(fr.id.as_deref(), &fr.name),
        name: Some(fr.name.clone()),
        content,
        is_error,
    }
}
