//! Store: usage settlement (dedup by request id), rollups, totals, recent records, spend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod store_support;

use std::collections::HashMap;

use gproxy_config::usage::{EndState, UsageRecord};
use gproxy_controlplane::store::{Page, Period, UsageFilter, UsageGroup};
use store_support::TestDb;

const HOUR: u64 = 3_600_000;
/// 2025-01-01T00:00:00Z
const DAY0: u64 = 1_735_689_600_000;

fn record(i: u64, user: &str, ts_ms: u64, provider: Option<&str>, end: EndState) -> UsageRecord {
    UsageRecord {
        request_id: format!("req-{user}-{i}"),
        ts_ms,
        user: user.into(),
        key: format!("key-{user}"),
        route: "gpt-4o".into(),
        provider: provider.map(Into::into),
        credential: provider.map(|_| "primary".into()),
        model: provider.map(|_| "gpt-4o".into()),
        operation: "chat".into(),
        inbound_kind: "openai_chat".into(),
        upstream_kind: provider.map(|_| "openai_responses".into()),
        stream: i.is_multiple_of(2),
        input_tokens: 100 + i,
        output_tokens: 10 * i,
        cache_read_tokens: i,
        cache_write_tokens: 2 * i,
        reasoning_tokens: 3 * i,
        cost_usd: 0.001 * i as f64,
        status: if end == EndState::Error { 502 } else { 200 },
        end,
        latency_ms: 40 + i,
        ttft_ms: i.is_multiple_of(2).then_some(7),
        attempts: 1,
    }
}

/// 30 records over two users, three hours (two days), with errors and provider-less ones.
fn batch() -> Vec<UsageRecord> {
    (0..30)
        .map(|i| {
            let user = if i % 2 == 0 { "bob" } else { "alice" };
            let ts = DAY0 + 23 * HOUR + (i % 3) * HOUR + i * 1000;
            let (provider, end) = match i % 5 {
                0 => (None, EndState::Error),
                1 => (Some("oai"), EndState::UpstreamAborted),
                2 => (Some("oai"), EndState::ClientAborted),
                _ => (Some("oai"), EndState::Completed),
            };
            record(i, user, ts, provider, end)
        })
        .collect()
}

fn approx(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

async fn usage_is_deduplicated(db: &TestDb) {
    let s = &db.store;
    let b = batch();
    assert_eq!(s.insert_usage(&b).await.unwrap(), (30, 0));
    assert_eq!(s.insert_usage(&b).await.unwrap(), (0, 30));
    assert_eq!(s.count_usage().await.unwrap(), 30);
    // a resent batch overlapping new records, with a duplicate inside the batch itself
    let mut mixed = b[25..].to_vec();
    let extra = record(100, "carol", DAY0, Some("oai"), EndState::Completed);
    mixed.push(extra.clone());
    mixed.push(extra);
    assert_eq!(s.insert_usage(&mixed).await.unwrap(), (1, 6));
    assert_eq!(s.count_usage().await.unwrap(), 31);
    assert_eq!(s.insert_usage(&[]).await.unwrap(), (0, 0));
    // duplicates did not count twice in the rollups
    let all = UsageFilter {
        period: Period::Day,
        group: UsageGroup::NONE,
        ..Default::default()
    };
    assert_eq!(s.usage_totals(all).await.unwrap()[0].requests, 31);
}

async fn rollups_sum_correctly(db: &TestDb) {
    let s = &db.store;
    let b = batch();
    // in three batches, so rollup rows are updated, not only inserted
    for chunk in b.chunks(11) {
        s.insert_usage(chunk).await.unwrap();
    }
    // per hour and user (and the route/provider/model kept apart), against sums made here
    // (hour, user, provider) -> (requests, errors, input, reasoning, cost)
    type Sums = (u64, u64, u64, u64, f64);
    let mut expect: HashMap<(u64, String, String), Sums> = HashMap::new();
    for r in &b {
        let e = expect
            .entry((
                Period::Hour.bucket(r.ts_ms),
                r.user.clone(),
                r.provider.clone().unwrap_or_default(),
            ))
            .or_default();
        e.0 += 1;
        e.1 += u64::from(matches!(r.end, EndState::Error | EndState::UpstreamAborted));
        e.2 += r.input_tokens;
        e.3 += r.reasoning_tokens;
        e.4 += r.cost_usd;
    }
    let rows = s.usage_totals(UsageFilter::default()).await.unwrap();
    assert_eq!(rows.len(), expect.len());
    for row in &rows {
        let key = (
            row.bucket_ms.unwrap(),
            row.user.clone().unwrap(),
            row.provider.clone().unwrap(),
        );
        let e = expect[&key];
        assert_eq!(
            (
                row.requests,
                row.errors,
                row.input_tokens,
                row.reasoning_tokens
            ),
            (e.0, e.1, e.2, e.3),
            "{key:?}"
        );
        assert!(approx(row.cost_usd, e.4), "{key:?}");
        assert_eq!(row.route.as_deref(), Some("gpt-4o"));
    }

    // daily totals per user: the batch spans two UTC days
    let by_user_day = UsageFilter {
        period: Period::Day,
        group: UsageGroup {
            user: true,
            bucket: true,
            ..UsageGroup::NONE
        },
        ..Default::default()
    };
    let rows = s.usage_totals(by_user_day).await.unwrap();
    let days: Vec<(u64, &str, u64)> = rows
        .iter()
        .map(|r| (r.bucket_ms.unwrap(), r.user.as_deref().unwrap(), r.requests))
        .collect();
    let day1 = DAY0 + 24 * HOUR;
    let count = |user: &str, day: u64| {
        b.iter()
            .filter(|r| r.user == user && Period::Day.bucket(r.ts_ms) == day)
            .count() as u64
    };
    assert_eq!(
        days,
        vec![
            (DAY0, "alice", count("alice", DAY0)),
            (DAY0, "bob", count("bob", DAY0)),
            (day1, "alice", count("alice", day1)),
            (day1, "bob", count("bob", day1)),
        ]
    );
    assert_eq!(rows.iter().map(|r| r.requests).sum::<u64>(), 30);
    assert!(rows.iter().all(|r| r.route.is_none() && r.model.is_none()));

    // filters: one user, from a bucket on; everything summed into one row
    let bob_day1 = UsageFilter {
        period: Period::Hour,
        group: UsageGroup::NONE,
        user: Some("bob".into()),
        from_ms: Some(day1),
        ..Default::default()
    };
    let rows = s.usage_totals(bob_day1).await.unwrap();
    let want: Vec<&UsageRecord> = b
        .iter()
        .filter(|r| r.user == "bob" && r.ts_ms >= day1)
        .collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].requests, want.len() as u64);
    assert_eq!(
        rows[0].output_tokens,
        want.iter().map(|r| r.output_tokens).sum::<u64>()
    );
    assert_eq!(
        rows[0].cache_write_tokens,
        want.iter().map(|r| r.cache_write_tokens).sum::<u64>()
    );
    let none = UsageFilter {
        provider: Some(String::new()),
        group: UsageGroup::NONE,
        ..Default::default()
    };
    assert_eq!(s.usage_totals(none).await.unwrap()[0].requests, 6);

    // spend per user, from the daily rollup
    let spend = s.spend_by_user().await.unwrap();
    for user in ["alice", "bob"] {
        let want: f64 = b
            .iter()
            .filter(|r| r.user == user)
            .map(|r| r.cost_usd)
            .sum();
        assert!(
            approx(spend[user], want),
            "{user}: {} vs {want}",
            spend[user]
        );
    }
    assert_eq!(spend.len(), 2);
}

async fn recent_usage_pages(db: &TestDb) {
    let s = &db.store;
    let b = batch();
    s.insert_usage(&b).await.unwrap();
    let mut alice: Vec<UsageRecord> = b.iter().filter(|r| r.user == "alice").cloned().collect();
    alice.sort_by_key(|r| std::cmp::Reverse(r.ts_ms));
    let filter = UsageFilter {
        user: Some("alice".into()),
        ..Default::default()
    };
    let first = s
        .recent_usage(filter.clone(), Page::new(5, 0))
        .await
        .unwrap();
    assert_eq!(first.total, alice.len() as u64);
    assert_eq!(first.items, alice[..5].to_vec());
    let second = s.recent_usage(filter, Page::new(5, 5)).await.unwrap();
    assert_eq!(second.items, alice[5..10].to_vec());
    let window = UsageFilter {
        from_ms: Some(DAY0 + 24 * HOUR),
        to_ms: Some(DAY0 + 25 * HOUR),
        ..Default::default()
    };
    let got = s.recent_usage(window, Page::all()).await.unwrap();
    assert_eq!(got.total, 10);
    assert!(got
        .items
        .iter()
        .all(|r| Period::Hour.bucket(r.ts_ms) == DAY0 + 24 * HOUR));
}

both_backends!(
    usage_is_deduplicated,
    rollups_sum_correctly,
    recent_usage_pages
);
