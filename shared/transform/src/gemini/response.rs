//! `generateContent` response ⇄ IR response; usage and finish-reason mapping shared with streams.

use std::collections::HashMap;

use gproxy_protocol::gemini as wire;
use serde_json::{Map, Value};

use super::content::{decode_part, CallIds};
use super::content_encode::{PartEncoder, SigPolicy};
use crate::codec::EncodeContext;
use crate::diag::Diagnostics;
use crate::error::Result;
use crate::ir::{self, Response, StopReason, Usage};

/// Candidate fields with no IR slot, kept in `Response::extra` under their wire names.
const CANDIDATE_EXTRA: [&str; 7] = [
    "safetyRatings",
    "citationMetadata",
    "groundingMetadata",
    "finishMessage",
    "avgLogprobs",
    "logprobsResult",
    "urlContextMetadata",
];

pub(crate) fn decode(body: &[u8]) -> Result<Response> {
    let w: wire::GenerateContentResponse = crate::error::from_json(body)?;
    let mut resp = Response {
        id: w.response_id.clone().unwrap_or_default(),
        model: w.model_version.clone().unwrap_or_default(),
        created: w.create_time.as_deref().and_then(parse_rfc3339),
        usage: w.usage_metadata.as_ref().map(decode_usage),
        extra: w.extra.clone(),
        ..Response::default()
    };
    let candidates = w.candidates.unwrap_or_default();
    let mut ids = CallIds::default();
    if let Some(first) = candidates.first() {
        for p in first.content.iter().flat_map(|c| &c.parts) {
            decode_part(p, &mut ids, &mut resp.content);
        }
        let has_calls = resp
            .content
            .iter()
            .any(|p| matches!(p, ir::Part::ToolCall(_)));
        resp.stop_reason = first
            .finish_reason
            .as_ref()
            .map(|r| decode_finish(r, has_calls));
        if let Ok(Value::Object(mut m)) = serde_json::to_value(first) {
            for key in CANDIDATE_EXTRA {
                if let Some(v) = m.remove(key) {
                    resp.extra.insert(key.to_owned(), v);
                }
            }
        }
    }
    // Only candidate 0 is the answer; the others stay in `extra` for a Gemini client.
    if let Some(rest) = candidates.get(1..).filter(|r| !r.is_empty()) {
        if let Ok(v) = serde_json::to_value(rest) {
            resp.extra.insert("candidates".to_owned(), v);
        }
    }
    if let Some(pf) = &w.prompt_feedback {
        if pf.block_reason.is_some() && resp.stop_reason.is_none() {
            resp.stop_reason = Some(StopReason::ContentFilter);
        }
        if let Ok(v) = serde_json::to_value(pf) {
            resp.extra.insert("promptFeedback".to_owned(), v);
        }
    }
    Ok(resp)
}

/// `STOP` is a tool-use stop when the candidate called functions.
pub(crate) fn decode_finish(r: &wire::FinishReason, has_calls: bool) -> StopReason {
    use wire::FinishReason as F;
    match r {
        F::Stop if has_calls => StopReason::ToolUse,
        F::Stop => StopReason::EndTurn,
        F::MaxTokens => StopReason::MaxTokens,
        F::Safety | F::ProhibitedContent | F::Blocklist | F::Spii | F::ImageSafety => {
            StopReason::ContentFilter
        }
        other => StopReason::Other(other.as_str().to_owned()),
    }
}

pub(crate) fn encode_finish(r: &StopReason) -> wire::FinishReason {
    use wire::FinishReason as F;
    match r {
        StopReason::EndTurn
        | StopReason::ToolUse
        | StopReason::StopSequence(_)
        | StopReason::Refusal
        | StopReason::PauseTurn => F::Stop,
        StopReason::MaxTokens => F::MaxTokens,
        StopReason::ContentFilter => F::Safety,
        StopReason::Other(s) => match F::parse(s) {
            F::Unknown(_) => F::Other,
            known => known,
        },
    }
}

/// input = prompt (includes cached), output = candidates + thoughts.
pub(crate) fn decode_usage(u: &wire::UsageMetadata) -> Usage {
    let thoughts = u.thoughts_token_count.unwrap_or(0);
    Usage {
        input_tokens: u.prompt_token_count.unwrap_or(0),
        output_tokens: u.candidates_token_count.unwrap_or(0) + thoughts,
        cache_read_tokens: u.cached_content_token_count.unwrap_or(0),
        cache_write_tokens: 0,
        reasoning_tokens: thoughts,
    }
}

pub(crate) fn encode_usage(u: &Usage, diag: &mut Diagnostics) -> wire::UsageMetadata {
    if u.cache_write_tokens > 0 {
        diag.dropped(
            "usage.cache_write_tokens",
            "Gemini reports no cache writes; counted in the prompt only",
        );
    }
    let nonzero = |n: u64| (n > 0).then_some(n);
    wire::UsageMetadata {
        prompt_token_count: Some(u.input_tokens),
        candidates_token_count: Some(u.output_tokens.saturating_sub(u.reasoning_tokens)),
        total_token_count: Some(u.total()),
        cached_content_token_count: nonzero(u.cache_read_tokens),
        thoughts_token_count: nonzero(u.reasoning_tokens),
        ..wire::UsageMetadata::default()
    }
}

pub(crate) fn encode(resp: &Response, ctx: &EncodeContext, diag: &mut Diagnostics) -> Vec<u8> {
    let names = HashMap::new();
    let parts = PartEncoder {
        policy: SigPolicy::WrapForeign,
        names: &names,
        diag: &mut *diag,
    }
    .encode(&resp.content, "content");
    let mut candidate = wire::Candidate {
        content: Some(wire::Content {
            role: Some("model".to_owned()),
            parts,
            extra: Map::new(),
        }),
        finish_reason: Some(
            resp.stop_reason
                .as_ref()
                .map_or(wire::FinishReason::Stop, encode_finish),
        ),
        index: Some(0),
        ..wire::Candidate::default()
    };
    let mut w = wire::GenerateContentResponse {
        usage_metadata: resp.usage.as_ref().map(|u| encode_usage(u, diag)),
        model_version: Some(if resp.model.is_empty() {
            ctx.model.clone()
        } else {
            resp.model.clone()
        }),
        response_id: Some(if resp.id.is_empty() {
            ctx.fallback_id.clone()
        } else {
            resp.id.clone()
        }),
        ..wire::GenerateContentResponse::default()
    };
    let mut more = Vec::new();
    for (key, v) in &resp.extra {
        match key.as_str() {
            k if CANDIDATE_EXTRA.contains(&k) => {
                candidate.extra.insert(key.clone(), v.clone());
            }
            "promptFeedback" => w.prompt_feedback = serde_json::from_value(v.clone()).ok(),
            "candidates" => {
                more = serde_json::from_value::<Vec<wire::Candidate>>(v.clone()).unwrap_or_default()
            }
            _ => diag.dropped(format!("response.{key}"), "no Gemini response field"),
        }
    }
    let mut candidates = vec![candidate];
    candidates.extend(more);
    w.candidates = Some(candidates);
    serde_json::to_vec(&w).unwrap_or_default()
}

/// `2025-03-10T14:54:45.066123Z` (or with a `±hh:mm` offset) → Unix seconds.
pub(crate) fn parse_rfc3339(s: &str) -> Option<i64> {
    let (date, time) = s.split_once(['T', 't', ' '])?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, mo, da) = (d.next()??, d.next()??, d.next()??);
    let (clock, offset) = match time.find(['Z', 'z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    let mut c = clock.splitn(3, ':');
    let h: i64 = c.next()?.parse().ok()?;
    let mi: i64 = c.next()?.parse().ok()?;
    let sec: i64 = c.next()?.split('.').next()?.parse().ok()?;
    let off = match offset.as_bytes().first() {
        Some(b'+') | Some(b'-') => {
            let (oh, om) = offset.get(1..)?.split_once(':')?;
            let v = oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60;
            if offset.starts_with('-') {
                -v
            } else {
                v
            }
        }
        _ => 0,
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (mo + if mo > 2 { -3 } else { 9 }) + 2) / 5 + da - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + sec - off)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2026-03-10T14:54:45.066123Z"),
            Some(1_773_154_485)
        );
        assert_eq!(
            parse_rfc3339("2026-03-10T15:54:45+01:00"),
            Some(1_773_154_485)
        );
        assert_eq!(parse_rfc3339("garbage"), None);
    }

    #[test]
    fn usage_both_ways() {
        let u = wire::UsageMetadata {
            prompt_token_count: Some(30),
            candidates_token_count: Some(15),
            thoughts_token_count: Some(35),
            cached_content_token_count: Some(10),
            total_token_count: Some(80),
            ..Default::default()
        };
        let ir = decode_usage(&u);
        assert_eq!(
            ir,
            Usage {
                input_tokens: 30,
                output_tokens: 50,
                cache_read_tokens: 10,
                cache_write_tokens: 0,
                reasoning_tokens: 35
            }
        );
        let mut d = Diagnostics::new();
        assert_eq!(encode_usage(&ir, &mut d), u);
        assert!(d.is_empty());
    }

    #[test]
    fn finish_reasons() {
        use wire::FinishReason as F;
        let cases = [
            (F::Stop, false, StopReason::EndTurn),
            (F::Stop, true, StopReason::ToolUse),
            (F::MaxTokens, false, StopReason::MaxTokens),
            (F::ProhibitedContent, false, StopReason::ContentFilter),
            (F::Spii, false, StopReason::ContentFilter),
            (F::Recitation, false, StopReason::Other("RECITATION".into())),
            (
                F::Unknown("NEW_REASON".into()),
                false,
                StopReason::Other("NEW_REASON".into()),
            ),
        ];
        for (wire, calls, want) in cases {
            assert_eq!(decode_finish(&wire, calls), want);
        }
        assert_eq!(
            encode_finish(&StopReason::Other("RECITATION".into())),
            F::Recitation
        );
        assert_eq!(encode_finish(&StopReason::Other("pause".into())), F::Other);
        assert_eq!(encode_finish(&StopReason::ToolUse), F::Stop);
    }
}
