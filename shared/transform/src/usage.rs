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
            // the wire type keeps unknown members in a `flatten` map, which makes serde buffer
            // every field; this one reads only what `usage_from_wire` uses
            let u: ChatUsage = serde_json::from_slice(raw).ok()?;
            Some(Usage {
                input_tokens: u.prompt_tokens,
                output_tokens: u.completion_tokens,
                cache_read_tokens: u
                    .prompt_tokens_details
                    .and_then(|d| d.cached_tokens)
                    .or_else(|| u.prompt_cache_hit_tokens.as_ref()?.as_u64())
                    .unwrap_or(0),
                cache_write_tokens: 0,
                reasoning_tokens: u
                    .completion_tokens_details
                    .and_then(|d| d.reasoning_tokens)
                    .unwrap_or(0),
            })
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

/// The members of an OpenAI Chat `usage` object that the normalized usage needs.
#[derive(serde::Deserialize)]
struct ChatUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    #[serde(default)]
    prompt_tokens_details: Option<ChatPromptDetails>,
    #[serde(default)]
    completion_tokens_details: Option<ChatCompletionDetails>,
    /// DeepSeek's name for cache hits (counted only when it is an unsigned integer, as the
    /// full decode does).
    #[serde(default)]
    prompt_cache_hit_tokens: Option<serde_json::Value>,
}

#[derive(serde::Deserialize)]
struct ChatPromptDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
}

#[derive(serde::Deserialize)]
struct ChatCompletionDetails {
    #[serde(default)]
    reasoning_tokens: Option<u64>,
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

    /// The lean Chat usage reader agrees with the wire type on every variant providers send.
    #[test]
    fn chat_usage_variants_agree_with_a_full_decode() {
        let usages = [
            r#"{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}"#,
            r#"{"prompt_tokens":9,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":4,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":1,"accepted_prediction_tokens":0}}"#,
            r#"{"prompt_tokens":9,"completion_tokens":2,"prompt_tokens_details":null,"completion_tokens_details":null}"#,
            r#"{"prompt_tokens":9,"completion_tokens":2,"prompt_cache_hit_tokens":6,"prompt_cache_miss_tokens":3}"#,
            r#"{"prompt_tokens":9,"completion_tokens":2,"prompt_cache_hit_tokens":"6"}"#,
            r#"{"prompt_tokens":9,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":null},"prompt_cache_hit_tokens":5}"#,
            r#"{"prompt_tokens":9,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1},"prompt_cache_hit_tokens":5}"#,
            r#"{"completion_tokens":2}"#,
            r#"{"prompt_tokens":"9"}"#,
            r#"{"prompt_tokens":9,"completion_tokens_details":{"reasoning_tokens":"x"}}"#,
        ];
        for u in usages {
            let body = format!(
                r#"{{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{{"index":0,"message":{{"role":"assistant","content":"hi"}},"finish_reason":"stop"}}],"usage":{u}}}"#
            );
            let full = codec(OperationKind::OpenAiChat)
                .decode_response(body.as_bytes())
                .ok()
                .and_then(|r| r.usage);
            let fast = response_usage(OperationKind::OpenAiChat, body.as_bytes());
            assert_eq!(fast, full, "{u}");
        }
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
