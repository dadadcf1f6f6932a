//! Proptest generators of domain snapshots and usage records (test only).

use std::collections::BTreeMap;

use gproxy_config::bundle::{
    Alias, ChannelKind, Credential, CredentialStrategy, Limits, Member, Model, PreferredKind,
    Price, Provider, Quota, Route, Settings, Strategy as RouteStrategy, Timeouts,
};
use gproxy_config::rules::RuleSet;
use gproxy_config::snapshot::{CredentialCooldown, GroupRecord, KeyRecord, UserRecord};
use gproxy_config::usage::{EndState, UsageRecord};
use gproxy_config::Snapshot;
use proptest::prelude::*;
use proptest::sample::subsequence;

/// Small name pools, so two random snapshots share many resources.
const NAMES: &[&str] = &["a", "b", "c", "d", "e", "f"];

fn text() -> impl Strategy<Value = String> {
    "[a-z0-9 ./-]{0,8}"
}

fn money() -> impl Strategy<Value = f64> {
    (0u32..1_000_000).prop_map(|v| f64::from(v) / 1000.0)
}

fn price() -> impl Strategy<Value = Price> {
    (
        money(),
        money(),
        proptest::option::of(money()),
        proptest::option::of(money()),
    )
        .prop_map(|(input, output, cache_read, cache_write)| Price {
            input,
            output,
            cache_read,
            cache_write,
        })
}

fn model() -> impl Strategy<Value = Model> {
    (
        "[a-z0-9.-]{1,10}",
        proptest::option::of(text()),
        proptest::option::of(price()),
        proptest::option::of(text()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u64>()),
    )
        .prop_map(|(id, upstream, price, display_name, cw, mo)| Model {
            id,
            upstream,
            price,
            display_name,
            context_window: cw,
            max_output_tokens: mo,
        })
}

fn credential() -> impl Strategy<Value = Credential> {
    (
        proptest::option::of("[a-z0-9]{1,6}"),
        "[a-zA-Z0-9-]{1,20}",
        any::<bool>(),
        proptest::option::of(text()),
        proptest::option::of(any::<u32>()),
    )
        .prop_map(|(name, api_key, enabled, proxy, rpm)| Credential {
            name,
            api_key,
            enabled,
            proxy,
            rpm,
        })
}

fn provider(name: &'static str) -> impl Strategy<Value = Provider> {
    let channel = prop_oneof![
        Just(ChannelKind::Openai),
        Just(ChannelKind::Anthropic),
        Just(ChannelKind::Gemini),
        Just(ChannelKind::OpenaiCompatible),
    ];
    let cs = prop_oneof![
        Just(CredentialStrategy::RoundRobin),
        Just(CredentialStrategy::Sticky),
        Just(CredentialStrategy::Failover),
    ];
    let prefer = proptest::option::of(prop_oneof![
        Just(PreferredKind::Chat),
        Just(PreferredKind::Responses)
    ]);
    let timeouts =
        proptest::array::uniform4(proptest::option::of(any::<u64>())).prop_map(|t| Timeouts {
            connect_ms: t[0],
            first_byte_ms: t[1],
            idle_ms: t[2],
            total_ms: t[3],
        });
    (
        (channel, proptest::option::of(text()), any::<bool>(), cs),
        proptest::collection::vec(credential(), 0..3),
        proptest::collection::vec(model(), 0..3),
        proptest::collection::btree_map("[a-z-]{1,8}", text(), 0..3),
        (
            timeouts,
            proptest::option::of(text()),
            prefer,
            any::<bool>(),
            proptest::collection::vec("[a-z]{1,6}", 0..3),
        ),
    )
        .prop_map(
            move |((channel, base_url, enabled, cs), credentials, models, headers, rest)| {
                let headers: BTreeMap<String, String> = headers;
                Provider {
                    name: name.to_owned(),
                    channel,
                    base_url,
                    enabled,
                    credentials,
                    credential_strategy: cs,
                    models,
                    headers,
                    timeouts: rest.0,
                    proxy: rest.1,
                    prefer: rest.2,
                    stream_only: rest.3,
                    rule_sets: rest.4,
                }
            },
        )
}

fn route(name: &'static str) -> impl Strategy<Value = Route> {
    let strategy = prop_oneof![
        Just(RouteStrategy::Failover),
        Just(RouteStrategy::RoundRobin),
        Just(RouteStrategy::Weighted),
        Just(RouteStrategy::LeastLatency),
    ];
    let member =
        ("[a-f]", "[a-z0-9]{1,4}", 0u32..5, 0u32..3).prop_map(|(provider, model, weight, tier)| {
            Member {
                provider,
                model,
                weight,
                tier,
            }
        });
    (strategy, proptest::collection::vec(member, 0..3)).prop_map(move |(strategy, members)| Route {
        name: name.to_owned(),
        strategy,
        members,
    })
}

fn alias() -> impl Strategy<Value = Alias> {
    (any::<bool>(), "[a-c]", "[a-z/]{1,6}").prop_map(|(by_name, k, target)| Alias {
        name: by_name.then(|| k.clone()),
        pattern: (!by_name).then(|| format!("^{k}.*$")),
        target,
    })
}

fn user(name: &'static str) -> impl Strategy<Value = UserRecord> {
    let key =
        ("[a-z#0-9]{1,6}", "[0-9a-f]{64}", any::<bool>()).prop_map(|(name, digest, enabled)| {
            KeyRecord {
                name,
                digest,
                enabled,
            }
        });
    let limits = (
        proptest::option::of(any::<u32>()),
        proptest::option::of(any::<u64>()),
        proptest::option::of(any::<u32>()),
    )
        .prop_map(|(rpm, tpm, concurrency)| Limits {
            rpm,
            tpm,
            concurrency,
        });
    (
        any::<bool>(),
        proptest::collection::vec(key, 0..3),
        proptest::collection::vec("[a-z*/-]{1,6}", 0..3),
        limits,
        proptest::option::of(money()),
        money(),
        proptest::option::of("[a-z]{1,6}"),
    )
        .prop_map(
            move |(enabled, keys, permissions, limits, quota, spent_usd, team)| UserRecord {
                name: name.to_owned(),
                enabled,
                keys,
                permissions,
                limits,
                quota: quota.map(|usd| Quota { usd }),
                spent_usd,
                team,
            },
        )
}

fn group(name: &'static str) -> impl Strategy<Value = GroupRecord> {
    (
        proptest::option::of("[a-z]{1,6}"),
        proptest::option::of(money()),
        money(),
    )
        .prop_map(move |(parent, quota, spent_usd)| GroupRecord {
            name: name.to_owned(),
            parent,
            quota: quota.map(|usd| Quota { usd }),
            spent_usd,
        })
}

fn rule_set(name: &'static str) -> impl Strategy<Value = RuleSet> {
    (any::<bool>(), 0u32..10_000, proptest::option::of(text())).prop_map(
        move |(enabled, max, description)| {
            let doc = serde_json::json!({
                "name": name,
                "enabled": enabled,
                "description": description,
                "rules": [{"when": {"models": ["gpt-*"]},
                           "actions": [{"op": "clamp", "path": "/max_tokens", "max": max}]}],
            });
            serde_json::from_value(doc).unwrap_or_else(|e| panic!("rule set: {e}"))
        },
    )
}

fn cooldown(name: &'static str) -> impl Strategy<Value = CredentialCooldown> {
    ("[a-z#0-9]{1,6}", any::<u64>(), "[a-z_]{0,12}").prop_map(
        move |(credential, until_ms, reason)| CredentialCooldown {
            provider: name.to_owned(),
            credential,
            until_ms,
            reason,
        },
    )
}

fn settings() -> impl Strategy<Value = Settings> {
    prop_oneof![
        Just(Settings::default()),
        (
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u64>()
        )
            .prop_map(|(b, f, a, t, c)| Settings {
                max_body_bytes: b as usize,
                max_in_flight: f as usize,
                max_attempts: a,
                breaker_threshold: t,
                breaker_cooldown_ms: c,
            }),
    ]
}

/// Each resource of a kind from a shuffled subset of [`NAMES`] (unique names).
fn named<T: std::fmt::Debug, S: Strategy<Value = T>>(
    each: fn(&'static str) -> S,
) -> impl Strategy<Value = Vec<T>> {
    subsequence(NAMES, 0..=NAMES.len())
        .prop_shuffle()
        .prop_flat_map(move |names| names.into_iter().map(each).collect::<Vec<_>>())
}

pub fn snapshot() -> impl Strategy<Value = Snapshot> {
    (
        any::<u64>(),
        named(provider),
        named(route),
        proptest::collection::vec(alias(), 0..5),
        named(user),
        settings(),
        (named(group), named(group), named(rule_set), named(cooldown)),
    )
        .prop_map(
            |(version, providers, routes, aliases, users, settings, more)| {
                let (teams, orgs, rule_sets, cooldowns) = more;
                Snapshot {
                    version,
                    providers,
                    routes,
                    aliases,
                    users,
                    teams,
                    orgs,
                    rule_sets,
                    cooldowns,
                    settings,
                }
            },
        )
}

pub fn usage_record() -> impl Strategy<Value = UsageRecord> {
    let end = prop_oneof![
        Just(EndState::Completed),
        Just(EndState::Error),
        Just(EndState::ClientAborted),
        Just(EndState::UpstreamAborted),
    ];
    let opt = || proptest::option::of(text());
    (
        ("[a-z0-9-]{1,12}", any::<u64>(), text(), text(), text()),
        (opt(), opt(), opt(), text(), text(), opt(), any::<bool>()),
        proptest::array::uniform5(any::<u64>()),
        (
            money(),
            any::<u16>(),
            end,
            any::<u64>(),
            proptest::option::of(any::<u64>()),
            any::<u32>(),
        ),
    )
        .prop_map(|(a, b, t, c)| UsageRecord {
            request_id: a.0,
            ts_ms: a.1,
            user: a.2,
            key: a.3,
            route: a.4,
            provider: b.0,
            credential: b.1,
            model: b.2,
            operation: b.3,
            inbound_kind: b.4,
            upstream_kind: b.5,
            stream: b.6,
            input_tokens: t[0],
            output_tokens: t[1],
            cache_read_tokens: t[2],
            cache_write_tokens: t[3],
            reasoning_tokens: t[4],
            cost_usd: c.0,
            status: c.1,
            end: c.2,
            latency_ms: c.3,
            ttft_ms: c.4,
            attempts: c.5,
        })
}
