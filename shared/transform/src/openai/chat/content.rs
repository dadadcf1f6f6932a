//! Chat content parts ⇄ IR parts: text, images, audio, files, data URLs.

use gproxy_protocol::openai::chat as wire;
use gproxy_protocol::Family;
use serde_json::Value;

use crate::diag::Diagnostics;
use crate::ir;

/// Split `data:{mime};base64,{data}` into its MIME type and payload.
pub(super) fn parse_data_url(url: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    let mime = meta.strip_suffix(";base64")?;
    Some((mime.to_owned(), data.to_owned()))
}

pub(super) fn data_url(mime: &str, data: &str) -> String {
    format!("data:{mime};base64,{data}")
}

fn audio_mime(format: &str) -> String {
    match format {
        "mp3" => "audio/mpeg".to_owned(),
        other => format!("audio/{other}"),
    }
}

/// The `input_audio.format` for an audio MIME type Chat accepts.
fn audio_format(mime: &str) -> Option<&'static str> {
    match mime {
        "audio/wav" | "audio/x-wav" | "audio/wave" => Some("wav"),
        "audio/mpeg" | "audio/mp3" => Some("mp3"),
        _ => None,
    }
}

/// Message content as IR parts (any role; refusal parts only occur on assistant messages).
pub(super) fn content_to_ir(content: wire::MessageContent) -> Vec<ir::Part> {
    match content {
        wire::MessageContent::Text(t) => vec![ir::Part::Text(ir::Text::new(t))],
        wire::MessageContent::Parts(parts) => parts.into_iter().map(part_to_ir).collect(),
    }
}

fn part_to_ir(part: wire::ContentPart) -> ir::Part {
    let opaque = |p: &wire::ContentPart| {
        ir::Part::Opaque(ir::Opaque {
            family: Family::OpenAi,
            value: serde_json::to_value(p).unwrap_or(Value::Null),
        })
    };
    match (part.kind.as_str(), &part) {
        ("text", wire::ContentPart { text: Some(t), .. }) => {
            ir::Part::Text(ir::Text::new(t.clone()))
        }
        (
            "refusal",
            wire::ContentPart {
                refusal: Some(r), ..
            },
        ) => ir::Part::Refusal(r.clone()),
        (
            "image_url",
            wire::ContentPart {
                image_url: Some(img),
                ..
            },
        ) => {
            let (source, mime_type) = match parse_data_url(&img.url) {
                Some((mime, data)) => (ir::MediaSource::Base64(data), Some(mime)),
                None => (ir::MediaSource::Url(img.url.clone()), None),
            };
            ir::Part::Image(ir::Media {
                source,
                mime_type,
                name: None,
                detail: img.detail.clone(),
            })
        }
        (
            "input_audio",
            wire::ContentPart {
                input_audio: Some(a),
                ..
            },
        ) => ir::Part::File(ir::Media {
            source: ir::MediaSource::Base64(a.data.clone()),
            mime_type: Some(audio_mime(&a.format)),
            name: None,
            detail: None,
        }),
        ("file", wire::ContentPart { file: Some(f), .. }) => {
            let (source, mime_type) = match (&f.file_id, &f.file_data) {
                (Some(id), _) => (
                    ir::MediaSource::FileId {
                        family: Family::OpenAi,
                        id: id.clone(),
                    },
                    None,
                ),
                (None, Some(d)) => match parse_data_url(d) {
                    Some((mime, data)) => (ir::MediaSource::Base64(data), Some(mime)),
                    None => (ir::MediaSource::Base64(d.clone()), None),
                },
                (None, None) => return opaque(&part),
            };
            ir::Part::File(ir::Media {
                source,
                mime_type,
                name: f.filename.clone(),
                detail: None,
            })
        }
        _ => opaque(&part),
    }
}

pub(super) fn text_part(text: &str) -> wire::ContentPart {
    wire::ContentPart {
        kind: "text".to_owned(),
        text: Some(text.to_owned()),
        ..Default::default()
    }
}

/// A Gemini `fileUri` or similar that is a plain web address can still be given as a URL.
fn foreign_url(source: &ir::MediaSource) -> Option<&str> {
    match source {
        ir::MediaSource::FileId { family, id } if *family != Family::OpenAi => {
            (id.starts_with("https://") || id.starts_with("http://")).then_some(id.as_str())
        }
        _ => None,
    }
}

fn image_part(m: &ir::Media, path: &str, diag: &mut Diagnostics) -> Option<wire::ContentPart> {
    let url = match &m.source {
        ir::MediaSource::Url(u) => u.clone(),
        ir::MediaSource::Base64(d) => {
            let mime = m.mime_type.as_deref().unwrap_or_else(|| {
                diag.approximated(
                    format!("{path}.mime_type"),
                    "image without a MIME type sent as image/png",
                );
                "image/png"
            });
            data_url(mime, d)
        }
        source => match foreign_url(source) {
            Some(u) => {
                diag.approximated(
                    path.to_owned(),
                    "provider file reference sent as an image URL",
                );
                u.to_owned()
            }
            None => {
                diag.dropped(
                    path.to_owned(),
                    "Chat images take a URL or base64 data, not a file id",
                );
                return None;
            }
        },
    };
    let image_url = wire::ImageUrl {
        url,
        detail: m.detail.clone(),
        extra: serde_json::Map::new(),
    };
    Some(wire::ContentPart {
        kind: "image_url".to_owned(),
        image_url: Some(image_url),
        ..Default::default()
    })
}

fn file_part(m: &ir::Media, path: &str, diag: &mut Diagnostics) -> Option<wire::ContentPart> {
    let mime = m.mime_type.as_deref().unwrap_or_default();
    if mime.starts_with("image/") {
        return image_part(m, path, diag);
    }
    let file = match &m.source {
        ir::MediaSource::Base64(d) => {
            if let Some(format) = audio_format(mime) {
                let input_audio = wire::InputAudio {
                    data: d.clone(),
                    format: format.to_owned(),
                    extra: serde_json::Map::new(),
                };
                return Some(wire::ContentPart {
                    kind: "input_audio".to_owned(),
                    input_audio: Some(input_audio),
                    ..Default::default()
                });
            }
            let mime = if mime.is_empty() {
                diag.approximated(
                    format!("{path}.mime_type"),
                    "file without a MIME type sent as application/pdf",
                );
                "application/pdf"
            } else {
                mime
            };
            wire::FileRef {
                file_data: Some(data_url(mime, d)),
                filename: m.name.clone(),
                ..Default::default()
            }
        }
        ir::MediaSource::FileId {
            family: Family::OpenAi,
            id,
        } => wire::FileRef {
            file_id: Some(id.clone()),
            filename: m.name.clone(),
            ..Default::default()
        },
        _ => {
            diag.dropped(
                path.to_owned(),
                "Chat file parts take base64 data or an OpenAI file id, not a URL",
            );
            return None;
        }
    };
    Some(wire::ContentPart {
        kind: "file".to_owned(),
        file: Some(file),
        ..Default::default()
    })
}

/// A user/system part as a Chat content part, or `None` (with a diagnostic) when Chat has no
/// place for it. Tool calls and results are handled by the caller.
pub(super) fn part_to_wire(
    part: &ir::Part,
    path: &str,
    diag: &mut Diagnostics,
) -> Option<wire::ContentPart> {
    match part {
        ir::Part::Text(t) => {
            if !t.annotations.is_empty() {
                diag.dropped(
                    format!("{path}.annotations"),
                    "Chat request messages carry no annotations",
                );
            }
            Some(text_part(&t.text))
        }
        ir::Part::Image(m) => image_part(m, path, diag),
        ir::Part::File(m) => file_part(m, path, diag),
        ir::Part::Opaque(o) if o.family == Family::OpenAi && o.value.get("type").is_some() => {
            serde_json::from_value(o.value.clone()).ok()
        }
        ir::Part::Opaque(_) => {
            diag.dropped(
                path.to_owned(),
                "provider-specific block has no Chat equivalent",
            );
            None
        }
        ir::Part::Reasoning(_) => {
            diag.dropped(
                path.to_owned(),
                "reasoning is only carried on assistant messages",
            );
            None
        }
        ir::Part::Refusal(_) => {
            diag.dropped(
                path.to_owned(),
                "refusals are only carried on assistant messages",
            );
            None
        }
        ir::Part::ToolCall(_) | ir::Part::ToolResult(_) => None,
    }
}

/// Content from parts: a plain string when it is one text part (what SDKs send), else parts.
pub(super) fn content_from_parts(parts: Vec<wire::ContentPart>) -> wire::MessageContent {
    match parts.as_slice() {
        [only] if only.kind == "text" && only.extra.is_empty() => {
            wire::MessageContent::Text(only.text.clone().unwrap_or_default())
        }
        _ => wire::MessageContent::Parts(parts),
    }
}
