//! Responses content parts ⇄ IR parts, and the opaque wrappers for items the IR cannot name.

use gproxy_protocol::openai::responses as wire;
use gproxy_protocol::Family;
use serde_json::{json, Value};

use crate::diag::Diagnostics;
use crate::ir::{Media, MediaSource, Opaque, Part, Text};

/// Key of the residue object Responses keeps in IR `extra` maps (message ids, item statuses,
/// namespace descriptions, ...): data only a Responses encoder can put back.
pub(crate) const RESIDUE: &str = "openai_responses";
/// Opaque wrapper of a whole Responses item the IR has no part for.
const ITEM_KEY: &str = "openai_responses_item";
/// Opaque wrapper of a Responses content part the IR has no part for.
const PART_KEY: &str = "openai_responses_part";

pub(crate) fn opaque_item(item: Value) -> Part {
    Part::Opaque(Opaque {
        family: Family::OpenAi,
        value: json!({ ITEM_KEY: item }),
    })
}

/// The Responses item inside an opaque part made by [`opaque_item`].
pub(crate) fn as_item(o: &Opaque) -> Option<&Value> {
    (o.family == Family::OpenAi)
        .then(|| o.value.get(ITEM_KEY))
        .flatten()
}

/// The Responses content part inside an opaque part made by [`part_from_wire`].
fn as_part(o: &Opaque) -> Option<&Value> {
    (o.family == Family::OpenAi)
        .then(|| o.value.get(PART_KEY))
        .flatten()
}

/// `data:{mime};base64,{data}` → (mime, data).
fn parse_data_url(url: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    let mime = meta.strip_suffix(";base64")?;
    Some((mime.to_owned(), data.to_owned()))
}

fn data_url(mime: &str, data: &str) -> String {
    format!("data:{mime};base64,{data}")
}

fn media_from_url(url: String) -> (MediaSource, Option<String>) {
    match parse_data_url(&url) {
        Some((mime, data)) => (MediaSource::Base64(data), Some(mime)),
        None => (MediaSource::Url(url), None),
    }
}

/// One wire content part as an IR part.
pub(crate) fn part_from_wire(p: wire::ContentPart) -> Part {
    match p {
        wire::ContentPart::InputText(t) | wire::ContentPart::ReasoningText(t) => {
            Part::Text(Text::new(t.text))
        }
        wire::ContentPart::OutputText(t) => Part::Text(Text {
            text: t.text,
            annotations: t
                .annotations
                .unwrap_or_default()
                .into_iter()
                .map(|value| Opaque {
                    family: Family::OpenAi,
                    value,
                })
                .collect(),
        }),
        wire::ContentPart::Refusal(r) => Part::Refusal(r.refusal),
        wire::ContentPart::InputImage(i) => {
            let (source, mime_type) = match (i.image_url, i.file_id) {
                (_, Some(id)) => (
                    MediaSource::FileId {
                        family: Family::OpenAi,
                        id,
                    },
                    None,
                ),
                (Some(url), None) => media_from_url(url),
                (None, None) => (MediaSource::Url(String::new()), None),
            };
            Part::Image(Media {
                source,
                mime_type,
                name: None,
                detail: i.detail,
            })
        }
        wire::ContentPart::InputFile(f) => {
            let (source, mime_type) = match (f.file_id, f.file_data, f.file_url) {
                (Some(id), _, _) => (
                    MediaSource::FileId {
                        family: Family::OpenAi,
                        id,
                    },
                    None,
                ),
                (None, Some(data), _) => match parse_data_url(&data) {
                    Some((mime, b64)) => (MediaSource::Base64(b64), Some(mime)),
                    None => (MediaSource::Base64(data), None),
                },
                (None, None, Some(url)) => (MediaSource::Url(url), None),
                (None, None, None) => (MediaSource::Url(String::new()), None),
            };
            Part::File(Media {
                source,
                mime_type,
                name: f.filename,
                detail: None,
            })
        }
        wire::ContentPart::Unknown(v) => Part::Opaque(Opaque {
            family: Family::OpenAi,
            value: json!({ PART_KEY: v }),
        }),
    }
}

/// Which side of the conversation a part is written for: input parts (`input_text`) or the
/// model's own output replayed (`output_text`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Input,
    Output,
}

/// An IR text part as a wire part; foreign annotations are dropped with a diagnostic.
pub(crate) fn text_to_wire(
    t: &Text,
    side: Side,
    path: &str,
    diag: &mut Diagnostics,
) -> wire::ContentPart {
    match side {
        Side::Input => {
            if !t.annotations.is_empty() {
                diag.dropped(
                    format!("{path}.annotations"),
                    "input text has no annotations",
                );
            }
            wire::ContentPart::InputText(wire::TextPart {
                text: t.text.clone(),
                extra: wire::Extra::new(),
            })
        }
        Side::Output => {
            let annotations = annotations_to_wire(&t.annotations, path, diag);
            wire::ContentPart::OutputText(wire::OutputText {
                text: t.text.clone(),
                annotations: (!annotations.is_empty()).then_some(annotations),
                logprobs: None,
                extra: wire::Extra::new(),
            })
        }
    }
}

pub(crate) fn annotations_to_wire(
    list: &[Opaque],
    path: &str,
    diag: &mut Diagnostics,
) -> Vec<Value> {
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        if a.family == Family::OpenAi {
            out.push(a.value.clone());
        } else {
            diag.dropped(
                format!("{path}.annotations"),
                "citation of another provider",
            );
        }
    }
    out
}

fn image_to_wire(
    m: &Media,
    side: Side,
    path: &str,
    diag: &mut Diagnostics,
) -> Option<wire::ContentPart> {
    if side == Side::Output {
        diag.dropped(path, "assistant messages cannot hold images");
        return None;
    }
    let mut img = wire::InputImage {
        detail: m.detail.clone(),
        ..Default::default()
    };
    match &m.source {
        MediaSource::Url(url) => img.image_url = Some(url.clone()),
        MediaSource::Base64(data) => {
            let mime = m.mime_type.as_deref().unwrap_or("image/png");
            img.image_url = Some(data_url(mime, data));
        }
        MediaSource::FileId {
            family: Family::OpenAi,
            id,
        } => img.file_id = Some(id.clone()),
        MediaSource::FileId { .. } => {
            diag.dropped(path, "file id of another provider");
            return None;
        }
    }
    Some(wire::ContentPart::InputImage(img))
}

fn file_to_wire(
    m: &Media,
    side: Side,
    path: &str,
    diag: &mut Diagnostics,
) -> Option<wire::ContentPart> {
    if side == Side::Output {
        diag.dropped(path, "assistant messages cannot hold files");
        return None;
    }
    let mut file = wire::InputFile {
        filename: m.name.clone(),
        ..Default::default()
    };
    match &m.source {
        MediaSource::Url(url) => file.file_url = Some(url.clone()),
        MediaSource::Base64(data) => {
            file.file_data = Some(match &m.mime_type {
                Some(mime) => data_url(mime, data),
                None => data.clone(),
            });
            if file.filename.is_none() {
                // OpenAI rejects inline file data without a name.
                diag.approximated(path, "inline file without a name is sent as `file`");
                file.filename = Some("file".to_owned());
            }
        }
        MediaSource::FileId {
            family: Family::OpenAi,
            id,
        } => file.file_id = Some(id.clone()),
        MediaSource::FileId { .. } => {
            diag.dropped(path, "file id of another provider");
            return None;
        }
    }
    Some(wire::ContentPart::InputFile(file))
}

/// An IR content part as a wire content part of a message or tool output. Tool calls, tool
/// results and reasoning are items, not content: the caller handles them.
pub(crate) fn part_to_wire(
    part: &Part,
    side: Side,
    path: &str,
    diag: &mut Diagnostics,
) -> Option<wire::ContentPart> {
    match part {
        Part::Text(t) => Some(text_to_wire(t, side, path, diag)),
        Part::Image(m) => image_to_wire(m, side, path, diag),
        Part::File(m) => file_to_wire(m, side, path, diag),
        Part::Refusal(r) if side == Side::Output => {
            Some(wire::ContentPart::Refusal(wire::RefusalPart {
                refusal: r.clone(),
                extra: wire::Extra::new(),
            }))
        }
        Part::Refusal(_) => {
            diag.dropped(path, "a refusal only appears in assistant output");
            None
        }
        Part::Opaque(o) => match as_part(o) {
            Some(v) => Some(wire::ContentPart::Unknown(v.clone())),
            None => {
                diag.dropped(path, "provider-specific block with no Responses equivalent");
                None
            }
        },
        Part::Reasoning(_) | Part::ToolCall(_) | Part::ToolResult(_) => {
            diag.dropped(path, "not a content part");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn images_and_files_map_both_ways() {
        let parts: Vec<wire::ContentPart> = serde_json::from_value(json!([
            {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo=", "detail": "high"},
            {"type": "input_image", "image_url": "https://example.com/cat.jpg"},
            {"type": "input_image", "file_id": "file-abc"},
            {"type": "input_file", "filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBERi0="},
            {"type": "input_file", "file_url": "https://example.com/a.pdf"}
        ]))
        .unwrap();
        let ir: Vec<Part> = parts.clone().into_iter().map(part_from_wire).collect();
        let Part::Image(png) = &ir[0] else {
            panic!("image")
        };
        assert_eq!(png.source, MediaSource::Base64("iVBORw0KGgo=".into()));
        assert_eq!(
            (png.mime_type.as_deref(), png.detail.as_deref()),
            (Some("image/png"), Some("high"))
        );
        assert!(
            matches!(&ir[2], Part::Image(m) if m.source == MediaSource::FileId { family: Family::OpenAi, id: "file-abc".into() })
        );
        assert!(
            matches!(&ir[3], Part::File(m) if m.name.as_deref() == Some("a.pdf") && m.mime_type.as_deref() == Some("application/pdf"))
        );
        let mut diag = Diagnostics::new();
        let back: Vec<_> = ir
            .iter()
            .filter_map(|p| part_to_wire(p, Side::Input, "p", &mut diag))
            .collect();
        assert_eq!(back, parts);
        assert!(diag.is_empty());
    }

    #[test]
    fn foreign_file_ids_and_unknown_parts() {
        let mut diag = Diagnostics::new();
        let gemini = Part::Image(Media {
            source: MediaSource::FileId {
                family: Family::Gemini,
                id: "files/x".into(),
            },
            mime_type: Some("image/jpeg".into()),
            name: None,
            detail: None,
        });
        assert!(part_to_wire(&gemini, Side::Input, "messages[0].content[0]", &mut diag).is_none());
        assert!(diag.mentions("messages[0].content[0]"));
        let audio = json!({"type": "input_audio", "input_audio": {"data": "AAA", "format": "wav"}});
        let part = part_from_wire(serde_json::from_value(audio.clone()).unwrap());
        let back = part_to_wire(&part, Side::Input, "p", &mut diag).unwrap();
        assert_eq!(serde_json::to_value(back).unwrap(), audio);
    }
}
