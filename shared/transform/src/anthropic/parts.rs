//! Anthropic content blocks → IR parts (requests, responses and whole stream blocks).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use gproxy_protocol::anthropic as wire;
use gproxy_protocol::anthropic::ContentBlock as B;
use serde_json::{Map, Value};

use super::convert::{arguments_text, opaque};
use super::FAMILY;
use crate::error::{Result, TransformError};
use crate::ir;
use crate::sig;

/// Wire fields of one block that have no IR slot (`cache_control`, document `context`, unknown
/// fields), with the location suffix they belong to: `""` for the block itself, `.c{k}` for
/// the k-th block inside a `tool_result`.
pub(crate) type BlockFields = Vec<(String, Map<String, Value>)>;

/// Block types whose malformed shape is an error rather than an opaque block.
const STRUCTURED: [&str; 7] = [
    "text",
    "image",
    "document",
    "thinking",
    "redacted_thinking",
    "tool_use",
    "tool_result",
];

/// Decode one block. `at` is its wire path, for errors.
pub(crate) fn decode_block(block: B, at: &str) -> Result<(ir::Part, BlockFields)> {
    let mut fields = Map::new();
    let part = match block {
        B::Text(t) => {
            keep(&mut fields, t.cache_control, t.extra);
            ir::Part::Text(text_part(t.text, t.citations))
        }
        B::Image(img) => {
            keep(&mut fields, img.cache_control, img.extra);
            match image_media(img.source) {
                Ok(media) => ir::Part::Image(media),
                Err(source) => {
                    return Ok((
                        ir::Part::Opaque(opaque(raw_block("image", source))),
                        Vec::new(),
                    ))
                }
            }
        }
        B::Document(doc) => return document_part(doc),
        B::Thinking(t) => {
            keep(&mut fields, None, t.extra);
            let signature = t
                .signature
                .filter(|s| !s.is_empty())
                .map(|s| sig::unwrap(&s, FAMILY));
            ir::Part::Reasoning(ir::Reasoning {
                text: t.thinking,
                signature,
                redacted: false,
                id: None,
            })
        }
        B::RedactedThinking(r) => {
            keep(&mut fields, None, r.extra);
            let signature = Some(sig::unwrap(&r.data, FAMILY));
            ir::Part::Reasoning(ir::Reasoning {
                text: String::new(),
                signature,
                redacted: true,
                id: None,
            })
        }
        B::ToolUse(t) => {
            keep(&mut fields, t.cache_control, t.extra);
            ir::Part::ToolCall(ir::ToolCall {
                id: t.id,
                name: t.name,
                arguments: arguments_text(&t.input),
                ..ir::ToolCall::default()
            })
        }
        B::ToolResult(tr) => {
            keep(&mut fields, tr.cache_control, tr.extra);
            if tr.is_error == Some(false) {
                // An explicit `false` has no IR slot; kept so the same family gets it back.
                fields.insert("is_error".into(), Value::Bool(false));
            }
            let mut nested = Vec::new();
            let content = match tr.content {
                None => Vec::new(),
                Some(wire::ToolResultContent::Text(s)) => vec![ir::Part::Text(ir::Text::new(s))],
                Some(wire::ToolResultContent::Blocks(blocks)) => {
                    let mut parts = Vec::with_capacity(blocks.len());
                    for (k, b) in blocks.into_iter().enumerate() {
                        let (p, f) = decode_block(b, &format!("{at}.content[{k}]"))?;
                        nested.extend(f.into_iter().map(|(loc, m)| (format!(".c{k}{loc}"), m)));
                        parts.push(p);
                    }
                    parts
                }
            };
            let part = ir::Part::ToolResult(ir::ToolResult {
                call_id: tr.tool_use_id,
                name: None,
                content,
                is_error: tr.is_error.unwrap_or(false),
            });
            let mut all = own(fields);
            all.extend(nested);
            return Ok((part, all));
        }
        B::Unknown(v) => {
            let ty = v.get("type").and_then(Value::as_str).unwrap_or("");
            if STRUCTURED.contains(&ty) {
                return Err(TransformError::invalid(
                    at,
                    format!("malformed `{ty}` block"),
                ));
            }
            if ty.is_empty() {
                return Err(TransformError::invalid(
                    at,
                    "content block without a `type`",
                ));
            }
            ir::Part::Opaque(opaque(v))
        }
        // Server tool use and results, search results, container uploads, mid-turn system
        // blocks reaching here: only Anthropic understands them.
        other => ir::Part::Opaque(opaque(
            serde_json::to_value(&other).map_err(TransformError::Json)?,
        )),
    };
    Ok((part, own(fields)))
}

fn own(fields: Map<String, Value>) -> BlockFields {
    if fields.is_empty() {
        Vec::new()
    } else {
        vec![(String::new(), fields)]
    }
}

fn keep(fields: &mut Map<String, Value>, cache_control: Option<Value>, extra: Map<String, Value>) {
    if let Some(cc) = cache_control {
        fields.insert("cache_control".into(), cc);
    }
    fields.extend(extra);
}

pub(crate) fn text_part(text: String, citations: Option<Vec<Value>>) -> ir::Text {
    ir::Text {
        text,
        annotations: citations
            .unwrap_or_default()
            .into_iter()
            .map(opaque)
            .collect(),
    }
}

fn raw_block(ty: &str, source: wire::MediaSource) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), Value::String(ty.into()));
    m.insert(
        "source".into(),
        serde_json::to_value(source).unwrap_or(Value::Null),
    );
    Value::Object(m)
}

/// Image source → IR media; sources images cannot have come back as `Err`.
fn image_media(source: wire::MediaSource) -> std::result::Result<ir::Media, wire::MediaSource> {
    let (source, mime) = match source {
        wire::MediaSource::Base64 { media_type, data } => {
            (ir::MediaSource::Base64(data), Some(media_type))
        }
        wire::MediaSource::Url { url } => (ir::MediaSource::Url(url), None),
        wire::MediaSource::File { file_id } => (
            ir::MediaSource::FileId {
                family: FAMILY,
                id: file_id,
            },
            None,
        ),
        other => return Err(other),
    };
    Ok(ir::Media {
        source,
        mime_type: mime,
        name: None,
        detail: None,
    })
}

/// PDF and plain-text documents become IR files (text as base64 `text/plain`); documents built
/// from content blocks have no IR equivalent and stay opaque.
fn document_part(doc: wire::DocumentBlock) -> Result<(ir::Part, BlockFields)> {
    let mut fields = Map::new();
    if let Some(c) = doc.context {
        fields.insert("context".into(), Value::String(c));
    }
    if let Some(c) = doc.citations {
        fields.insert("citations".into(), c);
    }
    keep(&mut fields, doc.cache_control, doc.extra);
    let (source, mime) = match doc.source {
        wire::MediaSource::Base64 { media_type, data } => {
            (ir::MediaSource::Base64(data), Some(media_type))
        }
        wire::MediaSource::Text { media_type, data } => (
            ir::MediaSource::Base64(STANDARD.encode(data.as_bytes())),
            Some(media_type),
        ),
        wire::MediaSource::Url { url } => (
            ir::MediaSource::Url(url),
            Some("application/pdf".to_owned()),
        ),
        wire::MediaSource::File { file_id } => (
            ir::MediaSource::FileId {
                family: FAMILY,
                id: file_id,
            },
            None,
        ),
        other => {
            let mut v = raw_block("document", other);
            if let (Value::Object(m), Some(title)) = (&mut v, doc.title) {
                m.insert("title".into(), Value::String(title));
            }
            if let Value::Object(m) = &mut v {
                m.extend(fields);
            }
            return Ok((ir::Part::Opaque(opaque(v)), Vec::new()));
        }
    };
    let media = ir::Media {
        source,
        mime_type: mime,
        name: doc.title,
        detail: None,
    };
    Ok((ir::Part::File(media), own(fields)))
}

/// The Gemini `thoughtSignature` of a function call, carried to an Anthropic client as an empty
/// thinking block (see `blocks.rs`): `Some((call id if tagged, signature))`.
pub(crate) fn tool_call_signature(block: &B) -> Option<(Option<String>, ir::Opaque)> {
    let B::Thinking(t) = block else { return None };
    if !t.thinking.is_empty() {
        return None;
    }
    let op = sig::unwrap(t.signature.as_deref()?, FAMILY);
    if op.family != gproxy_protocol::Family::Gemini {
        return None;
    }
    match &op.value {
        Value::String(_) => Some((None, op)),
        Value::Object(m) => {
            let id = m.get(super::blocks::SIG_CALL_ID)?.as_str()?.to_owned();
            let value = m.get(super::blocks::SIG_VALUE)?.clone();
            Some((
                Some(id),
                ir::Opaque {
                    family: op.family,
                    value,
                },
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decode(v: Value) -> (ir::Part, BlockFields) {
        decode_block(serde_json::from_value(v).unwrap(), "messages[0].content[0]").unwrap()
    }

    #[test]
    fn media_blocks_become_ir_media() {
        let (p, f) = decode(
            json!({"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}, "cache_control": {"type": "ephemeral"}}),
        );
        assert!(
            matches!(p, ir::Part::Image(ir::Media { source: ir::MediaSource::Url(ref u), .. }) if u == "https://example.com/cat.jpg")
        );
        assert_eq!(
            f,
            vec![(
                String::new(),
                json!({"cache_control": {"type": "ephemeral"}})
                    .as_object()
                    .unwrap()
                    .clone()
            )]
        );

        let (p, f) = decode(
            json!({"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "hello"}, "title": "notes", "context": "ctx"}),
        );
        let ir::Part::File(m) = p else { panic!() };
        assert_eq!(m.source, ir::MediaSource::Base64("aGVsbG8=".into()));
        assert_eq!(
            (m.mime_type.as_deref(), m.name.as_deref()),
            (Some("text/plain"), Some("notes"))
        );
        assert_eq!(f[0].1["context"], "ctx");

        let (p, _) = decode(
            json!({"type": "document", "source": {"type": "content", "content": "x"}, "title": "t"}),
        );
        let ir::Part::Opaque(o) = p else { panic!() };
        assert_eq!(
            o.value,
            json!({"type": "document", "source": {"type": "content", "content": "x"}, "title": "t"})
        );
    }

    #[test]
    fn thinking_signatures_are_unwrapped() {
        let foreign = sig::wrap(
            &ir::Opaque {
                family: gproxy_protocol::Family::OpenAi,
                value: json!("enc"),
            },
            FAMILY,
        );
        let (p, _) = decode(json!({"type": "thinking", "thinking": "hm", "signature": foreign}));
        let ir::Part::Reasoning(r) = p else { panic!() };
        assert_eq!(r.signature.unwrap().family, gproxy_protocol::Family::OpenAi);
        let (p, _) = decode(json!({"type": "redacted_thinking", "data": "EmwK"}));
        assert_eq!(
            p,
            ir::Part::Reasoning(ir::Reasoning {
                redacted: true,
                signature: Some(opaque(json!("EmwK"))),
                ..Default::default()
            })
        );
    }

    #[test]
    fn malformed_known_blocks_fail_and_new_blocks_stay_opaque() {
        let b: B = serde_json::from_value(json!({"type": "tool_use", "id": "x"})).unwrap();
        assert!(decode_block(b, "messages[2].content[1]")
            .unwrap_err()
            .to_string()
            .contains("messages[2].content[1]"));
        let (p, _) = decode(
            json!({"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []}),
        );
        assert!(
            matches!(p, ir::Part::Opaque(ref o) if o.value["type"] == "web_search_tool_result")
        );
    }

    #[test]
    fn tool_results_keep_nested_fields() {
        let (p, f) = decode(
            json!({"type": "tool_result", "tool_use_id": "toolu_1", "is_error": true,
            "content": [{"type": "text", "text": "boom", "cache_control": {"type": "ephemeral"}}]}),
        );
        let ir::Part::ToolResult(tr) = p else {
            panic!()
        };
        assert!(tr.is_error);
        assert_eq!(tr.content, vec![ir::Part::Text(ir::Text::new("boom"))]);
        assert_eq!(f[0].0, ".c0");
    }
}
