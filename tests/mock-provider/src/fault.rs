//! Errors in each family's exact body shape, and the seeded draw deciding whether a fault fires.

use hyper::{Response, StatusCode};
use serde_json::{json, Value};

use crate::body::{json_bytes, MockBody};
use crate::route::Family;

/// A deterministic uniform draw in [0, 1) for the `n`-th probabilistic request under `seed` (splitmix64).
pub fn draw(seed: u64, n: u64) -> f64 {
    let mut z = seed.wrapping_add(n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// The family's error body for `status`, with `retry-after` when given.
pub fn error_response(
    family: Family,
    status: u16,
    message: &str,
    retry_after: Option<u64>,
) -> Response<MockBody> {
    let body = error_body(family, status, message, retry_after);
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("content-type", "application/json");
    if let Some(secs) = retry_after {
        builder = builder.header("retry-after", secs);
    }
    if family == Family::Anthropic {
        builder = builder.header(
            "x-should-retry",
            (status >= 500 || status == 429).to_string(),
        );
    }
    builder
        .body(MockBody::full(json_bytes(&body)))
        .unwrap_or_else(|_| Response::new(MockBody::empty()))
}

/// The default message for an injected status.
pub fn default_message(status: u16) -> &'static str {
    match status {
        400 => "mock: invalid request",
        401 => "mock: invalid api key",
        403 => "mock: permission denied",
        404 => "mock: not found",
        429 => "mock: rate limit exceeded",
        529 => "Overloaded",
        503 => "mock: service unavailable",
        _ => "mock: injected error",
    }
}

pub fn error_body(family: Family, status: u16, message: &str, retry_after: Option<u64>) -> Value {
    match family {
        Family::OpenAi => {
            let (kind, code) = match status {
                400 => ("invalid_request_error", Value::Null),
                401 => ("invalid_request_error", json!("invalid_api_key")),
                403 => ("permission_error", Value::Null),
                404 => ("invalid_request_error", json!("model_not_found")),
                429 => ("requests", json!("rate_limit_exceeded")),
                _ => ("server_error", Value::Null),
            };
            json!({"error": {"message": message, "type": kind, "param": null, "code": code}})
        }
        Family::Anthropic => {
            let kind = match status {
                400 => "invalid_request_error",
                401 => "authentication_error",
                402 => "billing_error",
                403 => "permission_error",
                404 => "not_found_error",
                413 => "request_too_large",
                429 => "rate_limit_error",
                504 => "timeout_error",
                529 => "overloaded_error",
                _ => "api_error",
            };
            json!({"type": "error", "error": {"type": kind, "message": message},
                   "request_id": "req_mock"})
        }
        Family::Gemini => {
            let grpc = match status {
                400 => "INVALID_ARGUMENT",
                401 => "UNAUTHENTICATED",
                403 => "PERMISSION_DENIED",
                404 => "NOT_FOUND",
                409 => "ABORTED",
                429 => "RESOURCE_EXHAUSTED",
                499 => "CANCELLED",
                501 => "UNIMPLEMENTED",
                503 => "UNAVAILABLE",
                504 => "DEADLINE_EXCEEDED",
                _ => "INTERNAL",
            };
            let mut error = json!({"code": status, "message": message, "status": grpc});
            if let Some(secs) = retry_after {
                error["details"] = json!([{
                    "@type": "type.googleapis.com/google.rpc.RetryInfo",
                    "retryDelay": format!("{secs}s"),
                }]);
            }
            json!({ "error": error })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_repeat_per_seed_and_spread_evenly() {
        let a: Vec<f64> = (0..1000).map(|n| draw(7, n)).collect();
        let b: Vec<f64> = (0..1000).map(|n| draw(7, n)).collect();
        assert_eq!(a, b);
        assert_ne!(a[..10], (0..10).map(|n| draw(8, n)).collect::<Vec<_>>()[..]);
        assert!(a.iter().all(|x| (0.0..1.0).contains(x)));
        let below_half = a.iter().filter(|x| **x < 0.5).count();
        assert!((400..600).contains(&below_half), "{below_half}");
    }

    #[test]
    fn error_shapes_per_family() {
        let cases = [
            (Family::OpenAi, 401, "/error/code", json!("invalid_api_key")),
            (
                Family::OpenAi,
                429,
                "/error/code",
                json!("rate_limit_exceeded"),
            ),
            (Family::OpenAi, 500, "/error/type", json!("server_error")),
            (
                Family::Anthropic,
                529,
                "/error/type",
                json!("overloaded_error"),
            ),
            (Family::Anthropic, 401, "/type", json!("error")),
            (
                Family::Gemini,
                429,
                "/error/status",
                json!("RESOURCE_EXHAUSTED"),
            ),
            (
                Family::Gemini,
                429,
                "/error/details/0/retryDelay",
                json!("3s"),
            ),
            (Family::Gemini, 503, "/error/code", json!(503)),
        ];
        for (family, status, pointer, want) in cases {
            let body = error_body(family, status, "m", Some(3));
            assert_eq!(body.pointer(pointer), Some(&want), "{family:?} {status}");
        }
    }
}
