//! Usage reads: totals from the rollups, recent records, spend per user, counts.

use std::collections::HashMap;

use gproxy_config::usage::UsageRecord;

use super::convert::{end_state, opt_int};
use super::db::{args, Filter, Row, Val};
use super::error::Result;
use super::usage::{Period, UsageFilter, UsageRow};
use super::{Page, Paged, Store};

/// Most rows [`Store::usage_totals`] returns (the finest grouping over a long range is large).
pub const MAX_TOTAL_ROWS: i64 = 10_000;

const RECORD_COLUMNS: &str = "request_id, ts_ms, user_name, key, route, provider, credential, \
     model, operation, inbound_kind, upstream_kind, stream, input_tokens, output_tokens, \
     cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, status, end_state, \
     latency_ms, ttft_ms, attempts";

const SUMS: &str = "COALESCE(CAST(SUM(requests) AS BIGINT), 0), \
     COALESCE(CAST(SUM(errors) AS BIGINT), 0), \
     COALESCE(CAST(SUM(input_tokens) AS BIGINT), 0), \
     COALESCE(CAST(SUM(output_tokens) AS BIGINT), 0), \
     COALESCE(CAST(SUM(cache_read_tokens) AS BIGINT), 0), \
     COALESCE(CAST(SUM(cache_write_tokens) AS BIGINT), 0), \
     COALESCE(CAST(SUM(reasoning_tokens) AS BIGINT), 0), \
     COALESCE(SUM(cost_usd), 0.0)";

/// The conditions of `filter` over a table with `time_column` and the usual dimensions.
fn conditions(filter: &UsageFilter, time_column: &'static str) -> Result<Filter> {
    let mut f = Filter::default();
    if let Some(from) = opt_int("from_ms", filter.from_ms)? {
        f.push(time_column, ">=", Val::from(from));
    }
    if let Some(to) = opt_int("to_ms", filter.to_ms)? {
        f.push(time_column, "<", Val::from(to));
    }
    for (column, value) in [
        ("user_name", &filter.user),
        ("route", &filter.route),
        ("provider", &filter.provider),
        ("model", &filter.model),
    ] {
        if let Some(v) = value {
            f.push(column, "=", Val::from(v));
        }
    }
    Ok(f)
}

fn record_row(r: &Row) -> Result<UsageRecord> {
    Ok(UsageRecord {
        request_id: r.text(0)?,
        ts_ms: r.uint(1)?,
        user: r.text(2)?,
        key: r.text(3)?,
        route: r.text(4)?,
        provider: r.opt_text(5)?,
        credential: r.opt_text(6)?,
        model: r.opt_text(7)?,
        operation: r.text(8)?,
        inbound_kind: r.text(9)?,
        upstream_kind: r.opt_text(10)?,
        stream: r.boolean(11)?,
        input_tokens: r.uint(12)?,
        output_tokens: r.uint(13)?,
        cache_read_tokens: r.uint(14)?,
        cache_write_tokens: r.uint(15)?,
        reasoning_tokens: r.uint(16)?,
        cost_usd: r.float(17)?,
        status: r.uint(18)?,
        end: end_state(&r.text(19)?)?,
        latency_ms: r.uint(20)?,
        ttft_ms: r.opt_uint(21)?,
        attempts: r.uint(22)?,
    })
}

impl Store {
    /// Totals per `filter.period` bucket and the grouped dimensions, ordered by them; at most
    /// [`MAX_TOTAL_ROWS`] rows.
    pub async fn usage_totals(&self, filter: UsageFilter) -> Result<Vec<UsageRow>> {
        let table = match filter.period {
            Period::Hour => "usage_hourly",
            Period::Day => "usage_daily",
        };
        let g = filter.group;
        let dims: Vec<&str> = [
            (g.bucket, "bucket_ms"),
            (g.user, "user_name"),
            (g.route, "route"),
            (g.provider, "provider"),
            (g.model, "model"),
        ]
        .into_iter()
        .filter_map(|(on, column)| on.then_some(column))
        .collect();
        let f = conditions(&filter, "bucket_ms")?;
        let mut sql = String::from("SELECT ");
        for d in &dims {
            sql.push_str(d);
            sql.push_str(", ");
        }
        sql.push_str(SUMS);
        sql.push_str(" FROM ");
        sql.push_str(table);
        sql.push_str(&f.sql());
        if !dims.is_empty() {
            let list = dims.join(", ");
            sql.push_str(&format!(" GROUP BY {list} ORDER BY {list}"));
        }
        sql.push_str(&format!(" LIMIT ${}", f.next()));
        let mut a = f.args;
        a.extend(args![MAX_TOTAL_ROWS]);

        let mut tx = self.pool.begin_read().await?;
        let rows = tx.fetch_all(&sql, a).await?;
        tx.commit().await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut row = UsageRow {
                bucket_ms: if g.bucket { Some(r.uint(0)?) } else { None },
                ..UsageRow::default()
            };
            let mut at = usize::from(g.bucket);
            for (on, slot) in [
                (g.user, &mut row.user),
                (g.route, &mut row.route),
                (g.provider, &mut row.provider),
                (g.model, &mut row.model),
            ] {
                if on {
                    *slot = Some(r.text(at)?);
                    at += 1;
                }
            }
            row.requests = r.uint(at)?;
            row.errors = r.uint(at + 1)?;
            row.input_tokens = r.uint(at + 2)?;
            row.output_tokens = r.uint(at + 3)?;
            row.cache_read_tokens = r.uint(at + 4)?;
            row.cache_write_tokens = r.uint(at + 5)?;
            row.reasoning_tokens = r.uint(at + 6)?;
            row.cost_usd = r.float(at + 7)?;
            out.push(row);
        }
        Ok(out)
    }

    /// Stored records, newest first.
    pub async fn recent_usage(
        &self,
        filter: UsageFilter,
        page: Page,
    ) -> Result<Paged<UsageRecord>> {
        let f = conditions(&filter, "ts_ms")?;
        let where_sql = f.sql();
        let (limit, offset) = page.bounds();
        let n = f.next();
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM usage{where_sql} ORDER BY ts_ms DESC, request_id DESC \
             LIMIT ${n} OFFSET ${}",
            n + 1
        );
        let mut a = f.args.clone();
        a.extend(args![limit, offset]);
        let mut tx = self.pool.begin_read().await?;
        let total = tx
            .fetch_one(&format!("SELECT COUNT(*) FROM usage{where_sql}"), f.args)
            .await?
            .uint(0)?;
        let rows = tx.fetch_all(&sql, a).await?;
        tx.commit().await?;
        let items = rows.iter().map(record_row).collect::<Result<_>>()?;
        Ok(Paged { items, total })
    }

    /// Settled spend of every user that has usage, in USD (for quota admission).
    pub async fn spend_by_user(&self) -> Result<HashMap<String, f64>> {
        let mut tx = self.pool.begin_read().await?;
        let rows = tx
            .fetch_all(
                "SELECT user_name, COALESCE(SUM(cost_usd), 0.0) FROM usage_daily GROUP BY user_name",
                vec![],
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(|r| Ok((r.text(0)?, r.float(1)?))).collect()
    }

    /// Number of stored usage records.
    pub async fn count_usage(&self) -> Result<u64> {
        let mut tx = self.pool.begin_read().await?;
        let n = tx
            .fetch_one("SELECT COUNT(*) FROM usage", vec![])
            .await?
            .uint(0)?;
        tx.commit().await?;
        Ok(n)
    }
}
