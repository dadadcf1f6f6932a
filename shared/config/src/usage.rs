//! The usage record a data plane emits per request and the control plane settles.

use serde::{Deserialize, Serialize};

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndState {
    /// The response (or stream) was delivered completely.
    Completed,
    /// Answered with an error (client or upstream).
    Error,
    /// The client went away before the end; the upstream request was cancelled.
    ClientAborted,
    /// The upstream failed after the response had started.
    UpstreamAborted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageRecord {
    /// Unique per request; the control plane de-duplicates on it.
    pub request_id: String,
    /// Unix milliseconds when the request arrived.
    pub ts_ms: u64,
    pub user: String,
    pub key: String,
    /// Route name or `provider/model` the client addressed (after aliases).
    pub route: String,
    pub provider: Option<String>,
    pub credential: Option<String>,
    /// Model id at the provider that served it.
    pub model: Option<String>,
    pub operation: String,
    pub inbound_kind: String,
    pub upstream_kind: Option<String>,
    pub stream: bool,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
    pub reasoning_tokens: u64,
    /// USD at the provider model's configured price.
    pub cost_usd: f64,
    pub status: u16,
    pub end: EndState,
    pub latency_ms: u64,
    /// Time to first content byte, streams only.
    pub ttft_ms: Option<u64>,
    pub attempts: u32,
}

/// Cost in USD of a usage at a price (USD per 1M tokens). Uncached input at `input`, cache
/// reads at `cache_read` (default: input), cache writes at `cache_write` (default: input).
pub fn cost_usd(
    price: &crate::bundle::Price,
    input: u64,
    output: u64,
    cache_read: u64,
    cache_write: u64,
) -> f64 {
    let uncached = input.saturating_sub(cache_read).saturating_sub(cache_write) as f64;
    let per = 1e-6;
    (uncached * price.input
        + cache_read as f64 * price.cache_read.unwrap_or(price.input)
        + cache_write as f64 * price.cache_write.unwrap_or(price.input)
        + output as f64 * price.output)
        * per
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::Price;

    #[test]
    fn cached_tokens_are_priced_apart() {
        let p = Price {
            input: 2.5,
            output: 10.0,
            cache_read: Some(1.25),
            cache_write: None,
        };
        // 1M input of which 0.5M cached, 0.1M output
        let c = cost_usd(&p, 1_000_000, 100_000, 500_000, 0);
        assert!(
            (c - (0.5 * 2.5 + 0.5 * 1.25 + 0.1 * 10.0)).abs() < 1e-9,
            "{c}"
        );
    }
}
