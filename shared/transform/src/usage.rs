//! Usage of a whole answer without decoding the answer: the one top-level member is located by
//! the raw scanner and only it is parsed. Same-kind passthrough answers need nothing else.

use gproxy_protocol::OperationKind;

use crate::ir::Usage;
use crate::passthrough::get_raw;

/// The normalized usage of a whole (non-stream) answer of `kind`, when it carries one that
/// parses. Equal to what a full decode reports (`decode_response(body)?.usage`).
pub fn response_usage(kind: OperationKind, body: &[u8]) -> Option<Usage> {
    let key = match kind {
        OperationKind::Gemini => "usageMetadata",
        _ => "usage",
    };
    let raw = get_raw(body, key).ok()??;
    match kind {
        OperationKind::OpenAiChat | OperationKind::OpenAi => {
            let u: gproxy_protocol::openai::chat::Usage = serde_json::from_slice(raw).ok()?;
            Some(crate::openai::chat::response::usage_from_wire(&u))
        }
        OperationKind::OpenAiResponses => {
            let u: gproxy_protocol::openai::responses::Usage = serde_json::from_slice(raw).ok()?;
            Some(crate::openai::responses::response::usage_from_wire(&u))
        }
        OperationKind::AnthropicMessages => {
            let u: gproxy_protocol::anthropic::Usage = serde_json::from_slice(raw).ok()?;
            Some(crate::anthropic::convert::usage_from_wire(&u))
        }
        OperationKind::Gemini => {
            let u: gproxy_protocol::gemini::UsageMetadata = serde_json::from_slice(raw).ok()?;
            Some(crate::gemini::response::decode_usage(&u))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec;

    /// What the fast path reports is what a full decode reports, on every scenario answer.
    #[test]
    fn agrees_with_a_full_decode() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
        let mut checked = 0;
        for kind in OperationKind::GENERATE {
            let dir = std::path::Path::new(root).join(kind.as_str());
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if !name.contains("response") || !name.ends_with(".json") {
                    continue;
                }
                let body = std::fs::read(e.path()).unwrap();
                let Ok(full) = codec(kind).decode_response(&body) else {
                    continue;
                };
                assert_eq!(response_usage(kind, &body), full.usage, "{kind:?} {name}");
                checked += 1;
            }
        }
        assert!(checked >= 8, "only {checked} answers checked");
    }

    #[test]
    fn no_usage_or_a_broken_one_is_none() {
        let k = OperationKind::OpenAiChat;
        assert_eq!(response_usage(k, br#"{"id":"x","choices":[]}"#), None);
        assert_eq!(response_usage(k, br#"{"usage":"nope"}"#), None);
        assert_eq!(response_usage(k, b"not json"), None);
        let u = response_usage(
            k,
            br#"{"id":"x","usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}"#,
        )
        .unwrap();
        assert_eq!((u.input_tokens, u.output_tokens), (7, 3));
    }
}
