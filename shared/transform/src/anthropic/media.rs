//! IR images and files → Anthropic `image` and `document` blocks.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use gproxy_protocol::anthropic as wire;
use gproxy_protocol::anthropic::ContentBlock as B;
use serde_json::Map;

use super::convert::sniff_image_type;
use super::FAMILY;
use crate::diag::Diagnostics;
use crate::ir;

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

pub(crate) fn image_block(m: &ir::Media, at: &str, diag: &mut Diagnostics) -> Option<B> {
    let source = image_source(m, at, diag)?;
    Some(B::Image(wire::ImageBlock {
        source,
        cache_control: None,
        extra: Map::new(),
    }))
}

/// IR files → `document` blocks (PDF as base64 / URL / file id, text as a plain-text source);
/// image files → `image` blocks. Other media types have no Anthropic equivalent.
pub(crate) fn file_block(m: &ir::Media, at: &str, diag: &mut Diagnostics) -> Option<B> {
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
    use serde_json::{json, Value};

    fn encode(part: &ir::Part) -> (Vec<Value>, Diagnostics) {
        let mut diag = Diagnostics::new();
        let block = match part {
            ir::Part::Image(m) => image_block(m, "messages[0].content[0]", &mut diag),
            ir::Part::File(m) => file_block(m, "messages[0].content[0]", &mut diag),
            _ => None,
        };
        (
            block
                .iter()
                .map(|b| serde_json::to_value(b).unwrap())
                .collect(),
            diag,
        )
    }

    #[test]
    fn media_becomes_image_and_document_blocks() {
        let media = |source, mime: Option<&str>| ir::Media {
            source,
            mime_type: mime.map(str::to_owned),
            name: None,
            detail: None,
        };
        let (b, _) = encode(&ir::Part::Image(media(
            ir::MediaSource::Url("data:image/jpeg;base64,/9j/4AA".into()),
            None,
        )));
        assert_eq!(
            b[0]["source"],
            json!({"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AA"})
        );
        let (b, _) = encode(&ir::Part::Image(media(
            ir::MediaSource::Base64("iVBORw0KGgoAAA".into()),
            None,
        )));
        assert_eq!(b[0]["source"]["media_type"], "image/png");
        let (b, _) = encode(&ir::Part::File(media(
            ir::MediaSource::Base64("aGVsbG8=".into()),
            Some("text/plain"),
        )));
        assert_eq!(
            b[0]["source"],
            json!({"type": "text", "media_type": "text/plain", "data": "hello"})
        );
        let (b, d) = encode(&ir::Part::File(media(
            ir::MediaSource::Base64("AAAA".into()),
            Some("audio/wav"),
        )));
        assert!(b.is_empty() && d.mentions("messages[0]"));
    }
}
