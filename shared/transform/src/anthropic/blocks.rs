//! IR parts → Anthropic content blocks, for requests to an Anthropic upstream and for responses
//! to an Anthropic client (where foreign opaque data is wrapped so it comes back verbatim).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use gproxy_protocol::anthropic as wire;
use gproxy_protocol::anthropic::ContentBlock as B;
use serde_json::{Map, Value};

use super::convert::{flat_tool_name, sniff_image_type, tool_input};
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

fn image_source(m: &ir::Media, at: &str, diag: &mut Diagnostics) -> Option<wire::MediaSource> {
    Some(match &m.source {
        ir::MediaSource::Base64(data) => {
            let media_type = m
                .mime_type
                .clone()
                .or_else(|| sniff_image_type(data).map(str::to_owned));
            let media_type = media_type.unwrap_or_else(|| {
                diag.approximated(at, "image without a media type sent as image/png");
                "image/png".to_owned()
            });
            wire::MediaSource::Base64 {
                media_type,
                data: data.clone(),
            }
        }
        ir::MediaSource::Url(u) => match parse_data_url(u) {
            Some((media_type, data)) => wire::MediaSource::Base64 { media_type, data },
            None => wire::MediaSource::Url { url: u.clone() },
        },
        ir::MediaSource::FileId { family, id } if *family == FAMILY => wire::MediaSource::File {
            file_id: id.clone(),
        },
        ir::MediaSource::FileId { id, .. } if is_public_url(id) => {
            diag.approximated(at, "file reference of another provider sent as a URL");
            wire::MediaSource::Url { url: id.clone() }
        }
        ir::MediaSource::FileId { .. } => {
            diag.dropped(at, "file id of another provider");
            return None;
        }
    })
}

fn image_block(m: &ir::Media, at: &str, diag: &mut Diagnostics) -> Option<B> {
    let source = image_source(m, at, diag)?;
    Some(B::Image(wire::ImageBlock {
        source,
        cache_control: None,
        extra: Map::new(),
    }))
}

/// IR files → `document` blocks (PDF as base64 / URL / file id, text as a plain-text source);
/// image files → `image` blocks. Other media types have no Anthropic equivalent.
fn file_block(m: &ir::Media, at: &str, diag: &mut Diagnostics) -> Option<B> {
    let mime = m.mime_type.as_deref().unwrap_or("");
    if mime.starts_with("image/") {
        return image_block(m, at, diag);
    }
    let is_pdf = mime == "application/pdf";
    let source = match &m.source {
        ir::MediaSource::Base64(data)
            if is_pdf || (mime.is_empty() && data.starts_with("JVBER")) =>
        {
            wire::MediaSource::Base64 {
                media_type: "application/pdf".into(),
                data: data.clone(),
            }
        }
        ir::MediaSource::Base64(data) if mime.starts_with("text/") => {
            match STANDARD
                .decode(data)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
            {
                Some(text) => wire::MediaSource::Text {
                    media_type: "text/plain".into(),
                    data: text,
                },
                None => {
                    diag.dropped(at, "text document is not base64 UTF-8");
                    return None;
                }
            }
        }
        ir::MediaSource::Url(u) if is_pdf || mime.is_empty() => match parse_data_url(u) {
            Some((_, data)) => wire::MediaSource::Base64 {
                media_type: "application/pdf".into(),
                data,
            },
            None => wire::MediaSource::Url { url: u.clone() },
        },
        ir::MediaSource::FileId { family, id } if *family == FAMILY => wire::MediaSource::File {
            file_id: id.clone(),
        },
        _ => {
            diag.dropped(at, "Anthropic documents take PDF or plain text only");
            return None;
        }
    };
    Some(B::Document(wire::DocumentBlock {
        source,
        title: m.name.clone(),
        context: None,
        citations: None,
        cache_control: None,
        extra: Map::new(),
    }))
}

/// `data:{mime};base64,{data}` → (mime, data).
fn parse_data_url(u: &str) -> Option<(String, String)> {
    let rest = u.strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    let mime = meta.strip_suffix(";base64")?;
    Some((mime.to_owned(), data.to_owned()))
}

/// A URL Anthropic can fetch itself (not a provider's authenticated file API).
fn is_public_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && !s.contains("generativelanguage.googleapis.com")
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

    #[test]
    fn media_becomes_image_and_document_blocks() {
        let media = |source, mime: Option<&str>| ir::Media {
            source,
            mime_type: mime.map(str::to_owned),
            name: None,
            detail: None,
        };
        let (b, _) = encode(
            Target::Upstream,
            ir::Part::Image(media(
                ir::MediaSource::Url("data:image/jpeg;base64,/9j/4AA".into()),
                None,
            )),
        );
        assert_eq!(
            b[0]["source"],
            json!({"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AA"})
        );
        let (b, _) = encode(
            Target::Upstream,
            ir::Part::Image(media(
                ir::MediaSource::Base64("iVBORw0KGgoAAA".into()),
                None,
            )),
        );
        assert_eq!(b[0]["source"]["media_type"], "image/png");
        let (b, _) = encode(
            Target::Upstream,
            ir::Part::File(media(
                ir::MediaSource::Base64("aGVsbG8=".into()),
                Some("text/plain"),
            )),
        );
        assert_eq!(
            b[0]["source"],
            json!({"type": "text", "media_type": "text/plain", "data": "hello"})
        );
        let (b, d) = encode(
            Target::Upstream,
            ir::Part::File(media(
                ir::MediaSource::Base64("AAAA".into()),
                Some("audio/wav"),
            )),
        );
        assert!(b.is_empty() && d.mentions("messages[0]"));
    }
}
