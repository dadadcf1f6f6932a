//! IR media (images, files) → Gemini `inlineData` / `fileData` parts.

use gproxy_protocol::gemini as wire;
use gproxy_protocol::Family;
use serde_json::Map;

use crate::diag::Diagnostics;
use crate::ir::{Media, MediaSource};

pub(crate) fn encode_media(m: &Media, field: &str, diag: &mut Diagnostics) -> Option<wire::Part> {
    if m.detail.as_deref().is_some_and(|d| d != "auto") {
        diag.dropped(field, "image detail has no Gemini equivalent");
    }
    if m.name.is_some() {
        diag.dropped(field, "file name has no Gemini field");
    }
    let blob = |mime: Option<&str>, data: &str, diag: &mut Diagnostics| {
        let mime = mime
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| {
                diag.approximated(
                    field,
                    "inline data without a MIME type sent as application/octet-stream",
                );
                "application/octet-stream".to_owned()
            });
        wire::Part {
            inline_data: Some(wire::Blob {
                mime_type: mime,
                data: data.to_owned(),
                extra: Map::new(),
            }),
            ..wire::Part::default()
        }
    };
    let file = |uri: &str, mime: Option<String>| wire::Part {
        file_data: Some(wire::FileData {
            mime_type: mime,
            file_uri: uri.to_owned(),
            extra: Map::new(),
        }),
        ..wire::Part::default()
    };
    match &m.source {
        MediaSource::Base64(data) => Some(blob(m.mime_type.as_deref(), data, diag)),
        MediaSource::Url(url) => match parse_data_url(url) {
            Some((mime, data)) => Some(blob(m.mime_type.as_deref().or(Some(mime)), data, diag)),
            None => Some(file(
                url,
                m.mime_type
                    .clone()
                    .or_else(|| guess_mime(url).map(str::to_owned)),
            )),
        },
        MediaSource::FileId {
            family: Family::Gemini,
            id,
        } => Some(file(id, m.mime_type.clone())),
        MediaSource::FileId { .. } => {
            diag.dropped(field, "file id of another provider");
            None
        }
    }
}

/// `data:image/png;base64,AAAA` → (`image/png`, `AAAA`).
fn parse_data_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("data:")?;
    let (meta, data) = rest.split_once(',')?;
    let mime = meta.strip_suffix(";base64")?;
    Some((mime, data))
}

/// Gemini wants a MIME type for `fileData`; guess it from the URL's extension.
fn guess_mime(url: &str) -> Option<&'static str> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let ext = path.rsplit('.').next()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "heic" => "image/heic",
        "pdf" => "application/pdf",
        "mp3" => "audio/mp3",
        "wav" => "audio/wav",
        "mp4" => "video/mp4",
        "txt" => "text/plain",
        _ => return None,
    })
}
