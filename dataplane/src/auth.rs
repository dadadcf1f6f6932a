//! Step 2: the client's API key, from wherever its SDK puts it, looked up by digest.

use http::HeaderMap;

/// The key presented by the client: `Authorization: Bearer`, `x-api-key`, `x-goog-api-key` or
/// `?key=`, in that order.
pub fn presented_key<'a>(headers: &'a HeaderMap, query: Option<&'a str>) -> Option<&'a str> {
    if let Some(v) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let v = v.trim();
        if let Some(k) = v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
        {
            return Some(k.trim());
        }
    }
    for h in ["x-api-key", "x-goog-api-key"] {
        if let Some(k) = headers.get(h).and_then(|v| v.to_str().ok()) {
            return Some(k.trim());
        }
    }
    query.and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("key=")))
}

/// Headers that authenticate the client to the gateway or describe the hop: never forwarded.
pub fn is_client_only_header(name: &str) -> bool {
    matches!(
        name,
        "authorization"
            | "x-api-key"
            | "x-goog-api-key"
            | "cookie"
            | "host"
            | "connection"
            | "keep-alive"
            | "proxy-authorization"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
            | "content-length"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sdk_placement() {
        let mut h = HeaderMap::new();
        assert_eq!(presented_key(&h, Some("alt=sse&key=q1")), Some("q1"));
        h.insert("x-goog-api-key", "g1".parse().unwrap());
        assert_eq!(presented_key(&h, None), Some("g1"));
        h.insert("x-api-key", "a1".parse().unwrap());
        assert_eq!(presented_key(&h, None), Some("a1"));
        h.insert("authorization", "Bearer b1".parse().unwrap());
        assert_eq!(presented_key(&h, None), Some("b1"));
        assert_eq!(presented_key(&HeaderMap::new(), Some("alt=sse")), None);
    }
}
