//! Percentiles over recorded samples and the JSON report.

use serde_json::{json, Value};

/// Percentile `q` (0–1) of sorted microsecond samples, nearest rank.
pub fn percentile(sorted: &[u64], q: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

/// `{count, mean, p50, p90, p99, p999, max}` in milliseconds; null figures when empty.
pub fn summary(mut us: Vec<u64>) -> Value {
    us.sort_unstable();
    let ms = |v: Option<u64>| v.map(|v| v as f64 / 1000.0);
    let mean = (!us.is_empty()).then(|| us.iter().sum::<u64>() as f64 / us.len() as f64 / 1000.0);
    json!({
        "count": us.len(),
        "mean": mean,
        "p50": ms(percentile(&us, 0.50)),
        "p90": ms(percentile(&us, 0.90)),
        "p99": ms(percentile(&us, 0.99)),
        "p999": ms(percentile(&us, 0.999)),
        "max": ms(us.last().copied()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let v: Vec<u64> = (1..=1000).collect();
        assert_eq!(percentile(&v, 0.5), Some(500));
        assert_eq!(percentile(&v, 0.99), Some(990));
        assert_eq!(percentile(&v, 0.999), Some(999));
        assert_eq!(percentile(&v, 1.0), Some(1000));
        assert_eq!(percentile(&v, 0.0), Some(1));
        assert_eq!(percentile(&[], 0.5), None);
    }

    #[test]
    fn summary_in_ms() {
        let s = summary(vec![3000, 1000, 2000]);
        assert_eq!(s["p50"], 2.0);
        assert_eq!(s["max"], 3.0);
        assert_eq!(s["mean"], 2.0);
        assert_eq!(s["count"], 3);
        assert!(summary(Vec::new())["p99"].is_null());
    }
}
