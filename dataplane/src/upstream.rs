//! Steps 8 and 9: send a prepared request upstream through wreq and classify the answer.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};

use crate::health::Failure;

/// A request ready to go upstream.
pub struct Prepared {
    pub url: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub proxy: Option<String>,
    /// Until response headers arrive.
    pub first_byte: Duration,
}

/// What an upstream answer means for failover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Success,
    /// Retry elsewhere, and mark the credential/member.
    Retry(Failure),
    /// The request itself is wrong (400, 404, 413, 422): every upstream would say the same.
    Permanent,
}

pub fn classify(status: StatusCode, headers: &HeaderMap) -> Disposition {
    match status.as_u16() {
        200..=299 => Disposition::Success,
        401 | 403 => Disposition::Retry(Failure::AuthDead),
        429 => Disposition::Retry(Failure::RateLimited(retry_after(headers))),
        402 => Disposition::Retry(Failure::AuthDead), // billing exhausted on that credential
        408 | 409 | 425 | 500..=599 => Disposition::Retry(Failure::Transient),
        _ => Disposition::Permanent,
    }
}

/// `retry-after` in seconds (HTTP dates are ignored: the default cooldown applies).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(http::header::RETRY_AFTER)?.to_str().ok()?;
    let secs: f64 = v.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)))
}

/// Why no response came back.
#[derive(Debug)]
pub enum SendError {
    Timeout,
    Connect(String),
    Other(String),
}

impl SendError {
    pub fn class(&self) -> &'static str {
        match self {
            SendError::Timeout => "timeout",
            SendError::Connect(_) => "connect",
            SendError::Other(_) => "transport",
        }
    }
}

pub async fn send(client: &wreq::Client, p: Prepared) -> Result<wreq::Response, SendError> {
    let mut rb = client.post(p.url.as_str()).headers(p.headers).body(p.body);
    if let Some(proxy) = &p.proxy {
        match wreq::Proxy::all(proxy.as_str()) {
            Ok(px) => rb = rb.proxy(px),
            Err(e) => return Err(SendError::Other(format!("invalid proxy: {e}"))),
        }
    }
    match tokio::time::timeout(p.first_byte, rb.send()).await {
        Err(_) => Err(SendError::Timeout),
        Ok(Ok(resp)) => Ok(resp),
        Ok(Err(e)) if e.is_timeout() => Err(SendError::Timeout),
        Ok(Err(e)) if e.is_connect() => Err(SendError::Connect(e.to_string())),
        Ok(Err(e)) => Err(SendError::Other(e.to_string())),
    }
}

pub async fn get(
    client: &wreq::Client,
    url: &str,
    headers: HeaderMap,
    timeout: Duration,
) -> Result<wreq::Response, SendError> {
    match tokio::time::timeout(timeout, client.get(url).headers(headers).send()).await {
        Err(_) => Err(SendError::Timeout),
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(SendError::Other(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions() {
        let mut h = HeaderMap::new();
        assert_eq!(classify(StatusCode::OK, &h), Disposition::Success);
        assert_eq!(
            classify(StatusCode::BAD_REQUEST, &h),
            Disposition::Permanent
        );
        assert_eq!(classify(StatusCode::NOT_FOUND, &h), Disposition::Permanent);
        assert_eq!(
            classify(StatusCode::UNAUTHORIZED, &h),
            Disposition::Retry(Failure::AuthDead)
        );
        assert_eq!(
            classify(StatusCode::from_u16(529).unwrap(), &h),
            Disposition::Retry(Failure::Transient)
        );
        h.insert("retry-after", "7".parse().unwrap());
        assert_eq!(
            classify(StatusCode::TOO_MANY_REQUESTS, &h),
            Disposition::Retry(Failure::RateLimited(Some(Duration::from_secs(7))))
        );
        h.insert(
            "retry-after",
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), None);
    }
}
