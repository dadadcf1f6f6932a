//! Anthropic error bodies, count tokens and models ⇄ IR.

use gproxy_protocol::anthropic as wire;
use ir::ErrorKind as K;

use crate::codec::Frame;
use crate::error::Result;
use crate::ir;

fn kind_from_type(t: &str) -> Option<K> {
    Some(match t {
        "invalid_request_error" => K::InvalidRequest,
        "authentication_error" => K::Authentication,
        "permission_error" | "billing_error" => K::PermissionDenied,
        "not_found_error" => K::NotFound,
        "request_too_large" => K::RequestTooLarge,
        "rate_limit_error" => K::RateLimited,
        "timeout_error" => K::Timeout,
        "api_error" => K::Server,
        "overloaded_error" => K::Overloaded,
        _ => return None,
    })
}

fn type_from_kind(k: K) -> &'static str {
    match k {
        K::InvalidRequest => "invalid_request_error",
        K::Authentication => "authentication_error",
        K::PermissionDenied => "permission_error",
        K::NotFound => "not_found_error",
        K::RequestTooLarge => "request_too_large",
        K::RateLimited => "rate_limit_error",
        K::Overloaded => "overloaded_error",
        K::Timeout => "timeout_error",
        K::Server => "api_error",
    }
}

pub(crate) fn error_from_wire(d: &wire::ErrorDetail, status: Option<u16>) -> ir::Error {
    let kind = kind_from_type(&d.kind).unwrap_or_else(|| status.map_or(K::Server, K::from_status));
    ir::Error {
        kind,
        status: status.unwrap_or_else(|| kind.status()),
        message: d.message.clone(),
        code: Some(d.kind.clone()),
        param: None,
    }
}

pub(crate) fn decode_error(status: u16, body: &[u8]) -> ir::Error {
    match serde_json::from_slice::<wire::ErrorBody>(body) {
        Ok(b) => error_from_wire(&b.error, Some(status)),
        Err(_) => {
            let kind = K::from_status(status);
            let text = String::from_utf8_lossy(body).trim().to_owned();
            let message = if text.is_empty() {
                format!("upstream answered HTTP {status}")
            } else {
                text
            };
            ir::Error {
                kind,
                status,
                message,
                code: None,
                param: None,
            }
        }
    }
}

fn error_body(err: &ir::Error) -> wire::ErrorBody {
    // Keep the upstream's type when it is one of Anthropic's (e.g. `billing_error`).
    let ty = match err.code.as_deref() {
        Some(code) if kind_from_type(code).is_some() => code,
        _ => type_from_kind(err.kind),
    };
    wire::ErrorBody::new(ty, err.message.clone())
}

pub(crate) fn encode_error(err: &ir::Error) -> Vec<u8> {
    serde_json::to_vec(&error_body(err)).unwrap_or_default()
}

pub(crate) fn encode_stream_error(err: &ir::Error) -> Frame {
    Frame::named(
        "error",
        String::from_utf8(encode_error(err)).unwrap_or_default(),
    )
}

pub(crate) fn decode_count_tokens_response(body: &[u8]) -> Result<ir::TokenCount> {
    let w: wire::CountTokensResponse = serde_json::from_slice(body)?;
    Ok(ir::TokenCount {
        input_tokens: w.input_tokens,
        cache_read_tokens: 0,
    })
}

pub(crate) fn encode_count_tokens_response(count: &ir::TokenCount) -> Vec<u8> {
    let w = wire::CountTokensResponse {
        input_tokens: count.input_tokens,
        extra: Default::default(),
    };
    serde_json::to_vec(&w).unwrap_or_default()
}

fn model_from_wire(m: wire::ModelInfo) -> ir::ModelInfo {
    ir::ModelInfo {
        created: parse_rfc3339(&m.created_at),
        display_name: (!m.display_name.is_empty()).then_some(m.display_name),
        id: m.id,
        description: None,
        owned_by: Some("anthropic".to_owned()),
        input_token_limit: m.max_input_tokens,
        output_token_limit: m.max_tokens,
    }
}

fn model_to_wire(m: &ir::ModelInfo) -> wire::ModelInfo {
    let name = m.display_name.clone().unwrap_or_else(|| m.id.clone());
    let mut w = wire::ModelInfo::new(m.id.clone(), name, format_rfc3339(m.created.unwrap_or(0)));
    w.max_input_tokens = m.input_token_limit;
    w.max_tokens = m.output_token_limit;
    w
}

pub(crate) fn decode_model_list(body: &[u8]) -> Result<ir::ModelList> {
    let w: wire::ModelList = serde_json::from_slice(body)?;
    let next_page = if w.has_more { w.last_id } else { None };
    Ok(ir::ModelList {
        models: w.data.into_iter().map(model_from_wire).collect(),
        next_page,
    })
}

pub(crate) fn encode_model_list(list: &ir::ModelList) -> Vec<u8> {
    let data: Vec<_> = list.models.iter().map(model_to_wire).collect();
    let w = wire::ModelList {
        first_id: data.first().map(|m| m.id.clone()),
        last_id: data.last().map(|m| m.id.clone()),
        has_more: list.next_page.is_some(),
        data,
        extra: Default::default(),
    };
    serde_json::to_vec(&w).unwrap_or_default()
}

pub(crate) fn decode_model(body: &[u8]) -> Result<ir::ModelInfo> {
    Ok(model_from_wire(serde_json::from_slice(body)?))
}

pub(crate) fn encode_model(m: &ir::ModelInfo) -> Vec<u8> {
    serde_json::to_vec(&model_to_wire(m)).unwrap_or_default()
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// `2025-02-19T00:00:00Z` (fraction and `±hh:mm` offsets accepted) → Unix seconds.
pub(crate) fn parse_rfc3339(s: &str) -> Option<i64> {
    let (date, time) = s.split_once(['T', 't', ' '])?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, mo, day) = (d.next()??, d.next()??, d.next()??);
    let (clock, offset) = match time.find(['Z', 'z', '+', '-']) {
        Some(i) => time.split_at(i),
        None => (time, ""),
    };
    let clock = clock.split('.').next()?;
    let mut c = clock.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (h, mi, sec) = (c.next()??, c.next()??, c.next()??);
    let off = match offset.as_bytes().first() {
        Some(b'+' | b'-') => {
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
    if !(1..=12).contains(&mo) || !(1..=31).contains(&day) {
        return None;
    }
    Some(days_from_civil(y, mo, day) * 86_400 + h * 3600 + mi * 60 + sec - off)
}

pub(crate) fn format_rfc3339(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let s = t.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn times_round_trip() {
        for (s, t) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2025-02-19T00:00:00Z", 1_739_923_200),
            ("2024-02-29T12:34:56Z", 1_709_210_096),
        ] {
            assert_eq!(parse_rfc3339(s), Some(t), "{s}");
            assert_eq!(format_rfc3339(t), s);
        }
        assert_eq!(
            parse_rfc3339("2025-02-19T02:00:00.123+02:00"),
            Some(1_739_923_200)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }

    #[test]
    fn errors_map_types_and_statuses() {
        let e = decode_error(529, br#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}"#);
        assert_eq!(
            (e.kind, e.status, e.message.as_str()),
            (K::Overloaded, 529, "Overloaded")
        );
        let e = decode_error(502, b"<html>bad gateway</html>");
        assert_eq!(
            (e.kind, e.message.as_str()),
            (K::Server, "<html>bad gateway</html>")
        );
        let body: Value =
            serde_json::from_slice(&encode_error(&ir::Error::new(K::RateLimited, "slow down")))
                .unwrap();
        assert_eq!(
            body,
            json!({"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}})
        );
        let f = encode_stream_error(&ir::Error::new(K::Overloaded, "busy"));
        assert_eq!(f.event, Some("error"));
        assert!(f.data.contains("overloaded_error"));
    }

    #[test]
    fn models_and_count_tokens() {
        let body = br#"{"data":[{"type":"model","id":"claude-sonnet-4-5-20250929","display_name":"Claude Sonnet 4.5","created_at":"2025-09-29T00:00:00Z"},{"type":"model","id":"claude-haiku-4-5","display_name":"Claude Haiku 4.5","created_at":"2025-10-01T00:00:00Z"}],"has_more":true,"first_id":"claude-sonnet-4-5-20250929","last_id":"claude-haiku-4-5"}"#;
        let list = decode_model_list(body).unwrap();
        assert_eq!(list.models.len(), 2);
        assert_eq!(
            list.models[0].display_name.as_deref(),
            Some("Claude Sonnet 4.5")
        );
        assert_eq!(list.models[0].created, Some(1_759_104_000));
        assert_eq!(list.next_page.as_deref(), Some("claude-haiku-4-5"));
        let back: Value = serde_json::from_slice(&encode_model_list(&list)).unwrap();
        assert_eq!(back, serde_json::from_slice::<Value>(body).unwrap());
        let one = ir::ModelInfo {
            id: "gpt-4o".into(),
            ..Default::default()
        };
        let v: Value = serde_json::from_slice(&encode_model(&one)).unwrap();
        assert_eq!(
            v,
            json!({"type": "model", "id": "gpt-4o", "display_name": "gpt-4o", "created_at": "1970-01-01T00:00:00Z"})
        );
        assert_eq!(
            decode_count_tokens_response(br#"{"input_tokens":2095}"#)
                .unwrap()
                .input_tokens,
            2095
        );
        assert_eq!(
            encode_count_tokens_response(&ir::TokenCount {
                input_tokens: 7,
                cache_read_tokens: 0
            }),
            br#"{"input_tokens":7}"#
        );
    }
}
