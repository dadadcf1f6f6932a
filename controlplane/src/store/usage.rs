//! Usage settlement: records de-duplicated by request id, with hourly and daily rollups updated
//! in the same transaction for the records accepted.

use std::collections::BTreeMap;

use gproxy_config::usage::{EndState, UsageRecord};
use serde::{Deserialize, Serialize};

use super::convert::{end_state_str, int, opt_int};
use super::db::{args, Tx};
use super::error::Result;
use super::Store;

/// Which rollup [`Store::usage_totals`] reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    #[default]
    Hour,
    /// UTC days.
    Day,
}

impl Period {
    pub const fn millis(self) -> u64 {
        match self {
            Period::Hour => 3_600_000,
            Period::Day => 86_400_000,
        }
    }

    /// Start of the bucket holding `ts_ms`.
    pub const fn bucket(self, ts_ms: u64) -> u64 {
        ts_ms - ts_ms % self.millis()
    }
}

/// Which dimensions totals keep apart; the others are summed over. The default keeps them all
/// (one row per bucket, user, route, provider and model, as the rollups store them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UsageGroup {
    pub bucket: bool,
    pub user: bool,
    pub route: bool,
    pub provider: bool,
    pub model: bool,
}

impl UsageGroup {
    /// Everything summed into one row.
    pub const NONE: UsageGroup = UsageGroup {
        bucket: false,
        user: false,
        route: false,
        provider: false,
        model: false,
    };
}

impl Default for UsageGroup {
    fn default() -> UsageGroup {
        UsageGroup {
            bucket: true,
            user: true,
            route: true,
            provider: true,
            model: true,
        }
    }
}

/// Narrows usage queries. `period` and `group` only matter to [`Store::usage_totals`]; there
/// `from_ms`/`to_ms` compare against bucket starts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UsageFilter {
    pub period: Period,
    pub group: UsageGroup,
    /// Inclusive, Unix ms.
    pub from_ms: Option<u64>,
    /// Exclusive, Unix ms.
    pub to_ms: Option<u64>,
    pub user: Option<String>,
    pub route: Option<String>,
    /// `""` selects requests that reached no provider.
    pub provider: Option<String>,
    pub model: Option<String>,
}

/// Totals of one group; a dimension that was not grouped on is `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UsageRow {
    pub bucket_ms: Option<u64>,
    pub user: Option<String>,
    pub route: Option<String>,
    /// `Some("")` for requests that reached no provider.
    pub provider: Option<String>,
    pub model: Option<String>,
    pub requests: u64,
    /// Requests that ended in an error or an upstream abort.
    pub errors: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
    pub reasoning_tokens: u64,
    pub cost_usd: f64,
}

const INSERT: &str = include_str!("sql/insert_usage.sql");
const UPSERT_HOURLY: &str = include_str!("sql/upsert_usage_hourly.sql");
const UPSERT_DAILY: &str = include_str!("sql/upsert_usage_daily.sql");

type RollupKey = (u64, String, String, String, String);

#[derive(Default)]
struct Sums {
    requests: u64,
    errors: u64,
    tokens: [u64; 5],
    cost_usd: f64,
}

impl Sums {
    fn add(&mut self, r: &UsageRecord) {
        self.requests += 1;
        self.errors += u64::from(matches!(r.end, EndState::Error | EndState::UpstreamAborted));
        let t = [
            r.input_tokens,
            r.output_tokens,
            r.cache_read_tokens,
            r.cache_write_tokens,
            r.reasoning_tokens,
        ];
        for (acc, v) in self.tokens.iter_mut().zip(t) {
            *acc = acc.saturating_add(v);
        }
        self.cost_usd += r.cost_usd;
    }
}

async fn insert_one(tx: &mut Tx, r: &UsageRecord) -> Result<bool> {
    let t = |what, v: u64| int(what, v);
    let n = tx
        .execute(
            INSERT,
            args![
                &r.request_id,
                t("ts_ms", r.ts_ms)?,
                &r.user,
                &r.key,
                &r.route,
                &r.provider,
                &r.credential,
                &r.model,
                &r.operation,
                &r.inbound_kind,
                &r.upstream_kind,
                r.stream,
                t("input_tokens", r.input_tokens)?,
                t("output_tokens", r.output_tokens)?,
                t("cache_read_tokens", r.cache_read_tokens)?,
                t("cache_write_tokens", r.cache_write_tokens)?,
                t("reasoning_tokens", r.reasoning_tokens)?,
                r.cost_usd,
                i64::from(r.status),
                end_state_str(r.end),
                t("latency_ms", r.latency_ms)?,
                opt_int("ttft_ms", r.ttft_ms)?,
                i64::from(r.attempts),
            ],
        )
        .await?;
    Ok(n == 1)
}

async fn upsert_rollup(tx: &mut Tx, sql: &str, sums: BTreeMap<RollupKey, Sums>) -> Result<()> {
    for ((bucket, user, route, provider, model), s) in sums {
        let [input, output, cache_read, cache_write, reasoning] = s.tokens;
        tx.execute(
            sql,
            args![
                int("bucket_ms", bucket)?,
                user,
                route,
                provider,
                model,
                int("requests", s.requests)?,
                int("errors", s.errors)?,
                int("input_tokens", input)?,
                int("output_tokens", output)?,
                int("cache_read_tokens", cache_read)?,
                int("cache_write_tokens", cache_write)?,
                int("reasoning_tokens", reasoning)?,
                s.cost_usd,
            ],
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// Settle a batch in one transaction: records whose request id is already stored are
    /// duplicates (at-least-once delivery); the others are stored and added to the rollups.
    /// Returns `(accepted, duplicates)`.
    pub async fn insert_usage(&self, records: &[UsageRecord]) -> Result<(u32, u32)> {
        if records.is_empty() {
            return Ok((0, 0));
        }
        let mut tx = self.pool.begin().await?;
        let mut hourly: BTreeMap<RollupKey, Sums> = BTreeMap::new();
        let mut daily: BTreeMap<RollupKey, Sums> = BTreeMap::new();
        let (mut accepted, mut duplicates) = (0u32, 0u32);
        for r in records {
            if !insert_one(&mut tx, r).await? {
                duplicates += 1;
                continue;
            }
            accepted += 1;
            for (period, map) in [(Period::Hour, &mut hourly), (Period::Day, &mut daily)] {
                let key = (
                    period.bucket(r.ts_ms),
                    r.user.clone(),
                    r.route.clone(),
                    r.provider.clone().unwrap_or_default(),
                    r.model.clone().unwrap_or_default(),
                );
                map.entry(key).or_default().add(r);
            }
        }
        upsert_rollup(&mut tx, UPSERT_HOURLY, hourly).await?;
        upsert_rollup(&mut tx, UPSERT_DAILY, daily).await?;
        tx.commit().await?;
        Ok((accepted, duplicates))
    }
}
