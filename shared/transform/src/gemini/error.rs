//! Google API error bodies ⇄ IR errors.

use gproxy_protocol::gemini as wire;
use serde_json::Value;

use crate::codec::Frame;
use crate::ir::{Error, ErrorKind};

/// Read any error body: `{"error": {...}}`, the `[{"error": {...}}]` array the non-SSE stream
/// endpoint sends, or anything else (then the raw text is the message).
pub(crate) fn decode_error(status: u16, body: &[u8]) -> Error {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => decode_error_value(status, &v),
        Err(_) => raw(status, String::from_utf8_lossy(body).into_owned()),
    }
}

/// `status` 0 means unknown (a mid-stream error): the body's `code` decides then.
pub(crate) fn decode_error_value(status: u16, v: &Value) -> Error {
    let v = match v {
        Value::Array(items) => items.first().unwrap_or(v),
        other => other,
    };
    match serde_json::from_value::<wire::ErrorResponse>(v.clone()) {
        Ok(body) => {
            let e = body.error;
            let status = if status == 0 {
                e.code.unwrap_or(500)
            } else {
                status
            };
            let kind = e
                .status
                .as_deref()
                .and_then(kind_of_status)
                .unwrap_or_else(|| ErrorKind::from_status(status));
            Error {
                kind,
                status,
                message: e.message,
                code: e.status,
                param: None,
            }
        }
        Err(_) => raw(status, v.to_string()),
    }
}

fn raw(status: u16, message: String) -> Error {
    let status = if status == 0 { 500 } else { status };
    let kind = ErrorKind::from_status(status);
    Error {
        kind,
        status,
        message,
        code: None,
        param: None,
    }
}

/// Canonical codes whose meaning is sharper than the HTTP status alone.
fn kind_of_status(s: &str) -> Option<ErrorKind> {
    Some(match s {
        "UNAUTHENTICATED" => ErrorKind::Authentication,
        "PERMISSION_DENIED" => ErrorKind::PermissionDenied,
        "NOT_FOUND" => ErrorKind::NotFound,
        "RESOURCE_EXHAUSTED" => ErrorKind::RateLimited,
        "UNAVAILABLE" => ErrorKind::Overloaded,
        "DEADLINE_EXCEEDED" => ErrorKind::Timeout,
        "INTERNAL" => ErrorKind::Server,
        "INVALID_ARGUMENT" | "FAILED_PRECONDITION" | "OUT_OF_RANGE" => ErrorKind::InvalidRequest,
        _ => return None,
    })
}

fn status_of_kind(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidRequest | ErrorKind::RequestTooLarge => "INVALID_ARGUMENT",
        ErrorKind::Authentication => "UNAUTHENTICATED",
        ErrorKind::PermissionDenied => "PERMISSION_DENIED",
        ErrorKind::NotFound => "NOT_FOUND",
        ErrorKind::RateLimited => "RESOURCE_EXHAUSTED",
        ErrorKind::Overloaded => "UNAVAILABLE",
        ErrorKind::Timeout => "DEADLINE_EXCEEDED",
        ErrorKind::Server => "INTERNAL",
    }
}

/// `{"error": {"code", "message", "status"}}`; a Gemini status code name from upstream is kept.
pub(crate) fn encode_error_body(err: &Error) -> Vec<u8> {
    let status = match err.code.as_deref() {
        Some(c) if kind_of_status(c).is_some() => c.to_owned(),
        _ => status_of_kind(err.kind).to_owned(),
    };
    let body = wire::ErrorResponse {
        error: wire::ErrorStatus {
            code: Some(err.status),
            message: err.message.clone(),
            status: Some(status),
            ..wire::ErrorStatus::default()
        },
        extra: Default::default(),
    };
    serde_json::to_vec(&body).unwrap_or_default()
}

pub(crate) fn encode_stream_error(err: &Error) -> Frame {
    Frame::data(String::from_utf8_lossy(&encode_error_body(err)).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_google_errors() {
        let cases = [
            (
                429,
                json!({"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}}),
                ErrorKind::RateLimited,
            ),
            (
                400,
                json!({"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.", "status": "INVALID_ARGUMENT",
                "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}]}}),
                ErrorKind::InvalidRequest,
            ),
            (
                503,
                json!([{"error": {"code": 503, "message": "The model is overloaded. Please try again later.", "status": "UNAVAILABLE"}}]),
                ErrorKind::Overloaded,
            ),
            (
                0,
                json!({"error": {"code": 500, "message": "An internal error has occurred.", "status": "INTERNAL"}}),
                ErrorKind::Server,
            ),
        ];
        for (status, body, kind) in cases {
            let e = decode_error(status, body.to_string().as_bytes());
            assert_eq!(e.kind, kind, "{body}");
            assert!(!e.message.is_empty());
            assert_ne!(e.status, 0);
        }
        let e = decode_error(502, b"<html>Bad Gateway</html>");
        assert_eq!(
            (e.kind, e.status, e.message.as_str()),
            (ErrorKind::Server, 502, "<html>Bad Gateway</html>")
        );
    }

    #[test]
    fn encodes_google_errors() {
        let e = Error::new(ErrorKind::RateLimited, "slow down");
        let v: Value = serde_json::from_slice(&encode_error_body(&e)).unwrap();
        assert_eq!(
            v,
            json!({"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}})
        );
        let frame = encode_stream_error(&Error::new(ErrorKind::Overloaded, "busy"));
        assert_eq!(frame.event, None);
        assert!(frame.data.contains("\"UNAVAILABLE\""));
    }
}
