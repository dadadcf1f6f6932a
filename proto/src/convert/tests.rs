use std::collections::BTreeMap;

use gproxy_config::bundle::{
    Alias, ChannelKind, Credential, CredentialStrategy, Limits, Member, Model, PreferredKind,
    Price, Provider, Quota, Route, Settings, Strategy, Timeouts,
};
use gproxy_config::snapshot::{KeyRecord, UserRecord};
use gproxy_config::usage::{EndState, UsageRecord};
use gproxy_config::Snapshot;
use proptest::prelude::*;
use prost::Message;

use super::*;

/// Every field set, none at its default.
fn full() -> Snapshot {
    Snapshot {
        version: 42,
        providers: vec![Provider {
            name: "oai".into(),
            channel: ChannelKind::OpenaiCompatible,
            base_url: Some("http://127.0.0.1:9001/v1".into()),
            enabled: false,
            credentials: vec![
                Credential {
                    name: Some("main".into()),
                    api_key: "sk-1".into(),
                    enabled: false,
                    proxy: Some("socks5://127.0.0.1:1080".into()),
                    rpm: Some(60),
                },
                Credential {
                    name: None,
                    api_key: "sk-2".into(),
                    enabled: true,
                    proxy: None,
                    rpm: None,
                },
            ],
            credential_strategy: CredentialStrategy::Sticky,
            models: vec![Model {
                id: "gpt-4o".into(),
                upstream: Some("gpt-4o-2024-08-06".into()),
                price: Some(Price {
                    input: 2.5,
                    output: 10.0,
                    cache_read: Some(1.25),
                    cache_write: Some(3.75),
                }),
                display_name: Some("GPT-4o".into()),
                context_window: Some(128_000),
                max_output_tokens: Some(16_384),
            }],
            headers: BTreeMap::from([("x-org".into(), "acme".into())]),
            timeouts: Timeouts {
                connect_ms: Some(1),
                first_byte_ms: Some(2),
                idle_ms: Some(3),
                total_ms: Some(4),
            },
            proxy: Some("http://proxy:3128".into()),
            prefer: Some(PreferredKind::Chat),
            stream_only: true,
            rule_sets: vec!["caps".into()],
        }],
        routes: vec![Route {
            name: "smart".into(),
            strategy: Strategy::LeastLatency,
            members: vec![Member {
                provider: "oai".into(),
                model: "gpt-4o".into(),
                weight: 7,
                tier: 2,
            }],
        }],
        aliases: vec![
            Alias {
                name: Some("gpt4".into()),
                pattern: None,
                target: "smart".into(),
            },
            Alias {
                name: None,
                pattern: Some("^gpt-4o-.*$".into()),
                target: "oai/gpt-4o".into(),
            },
        ],
        users: vec![UserRecord {
            name: "alice".into(),
            enabled: false,
            keys: vec![KeyRecord {
                name: "laptop".into(),
                digest: gproxy_config::digest::key_digest("gp-alice-0001"),
                enabled: false,
            }],
            permissions: vec!["smart".into(), "oai/*".into()],
            limits: Limits {
                rpm: Some(600),
                tpm: Some(1_000_000),
                concurrency: Some(8),
            },
            quota: Some(Quota { usd: 25.0 }),
            spent_usd: 3.5,
            team: Some("ml".into()),
        }],
        teams: vec![gproxy_config::snapshot::GroupRecord {
            name: "ml".into(),
            parent: Some("acme".into()),
            quota: Some(Quota { usd: 100.0 }),
            spent_usd: 1.5,
        }],
        orgs: vec![gproxy_config::snapshot::GroupRecord {
            name: "acme".into(),
            parent: None,
            quota: Some(Quota { usd: 1000.0 }),
            spent_usd: 2.5,
        }],
        rule_sets: vec![serde_json::from_value(serde_json::json!({
            "name": "caps",
            "description": "cap output",
            "enabled": false,
            "rules": [{"name": "cap", "when": {"models": ["gpt-*"], "stream": true},
                       "actions": [{"op": "clamp", "path": "/max_tokens", "max": 64},
                                   {"op": "set_header", "name": "x-team", "value": "ml"}]}],
        }))
        .unwrap()],
        cooldowns: vec![gproxy_config::snapshot::CredentialCooldown {
            provider: "oai".into(),
            credential: "main".into(),
            until_ms: 1_900_000_000_000,
            reason: "rate_limited".into(),
        }],
        settings: Settings {
            max_body_bytes: 4096,
            max_in_flight: 9,
            max_attempts: 5,
            breaker_threshold: 2,
            breaker_cooldown_ms: 1234,
        },
    }
}

fn record() -> UsageRecord {
    UsageRecord {
        request_id: "req-1".into(),
        ts_ms: 1_700_000_000_000,
        user: "alice".into(),
        key: "laptop".into(),
        route: "smart".into(),
        provider: Some("oai".into()),
        credential: Some("oai/main".into()),
        model: Some("gpt-4o-2024-08-06".into()),
        operation: "chat".into(),
        inbound_kind: "openai_chat".into(),
        upstream_kind: Some("openai_responses".into()),
        stream: true,
        input_tokens: 100,
        output_tokens: 20,
        cache_read_tokens: 30,
        cache_write_tokens: 5,
        reasoning_tokens: 7,
        cost_usd: 0.0123,
        status: 200,
        end: EndState::ClientAborted,
        latency_ms: 950,
        ttft_ms: Some(120),
        attempts: 2,
    }
}

/// Domain → wire → bytes → wire → domain.
fn through_wire(s: &Snapshot) -> Result<Snapshot, ConvertError> {
    let bytes = v1::Snapshot::from(s).encode_to_vec();
    let wire = v1::Snapshot::decode(bytes.as_slice()).unwrap();
    snapshot(wire, s.version)
}

#[test]
fn every_field_survives_the_round_trip() {
    let s = full();
    assert_eq!(through_wire(&s).unwrap(), s);
    let wire = v1::Snapshot::from(&s);
    assert_eq!(wire.providers[0].channel, "openai-compatible");
    assert_eq!(wire.providers[0].credential_strategy, "sticky");
    assert_eq!(wire.providers[0].prefer, "chat");
    assert_eq!(wire.providers[0].credentials[1].name, "");
    assert_eq!(wire.routes[0].strategy, "least_latency");
    assert_eq!(wire.users[0].quota_usd, Some(25.0));
    // the version is the response's, not the snapshot's
    assert_eq!(Snapshot::try_from(wire).unwrap().version, 0);
}

#[test]
fn usage_record_round_trip() {
    let r = record();
    let bytes = v1::UsageRecord::from(&r).encode_to_vec();
    let wire = v1::UsageRecord::decode(bytes.as_slice()).unwrap();
    assert_eq!(wire.end, "client_aborted");
    assert_eq!(UsageRecord::try_from(wire).unwrap(), r);
}

#[test]
fn proto3_defaults_mean_domain_defaults() {
    let wire = v1::Snapshot {
        providers: vec![v1::Provider {
            name: "g".into(),
            channel: "gemini".into(),
            ..Default::default()
        }],
        routes: vec![v1::Route {
            name: "r".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    let s = snapshot(wire, 7).unwrap();
    assert_eq!(s.version, 7);
    assert_eq!(s.settings, Settings::default());
    assert_eq!(
        s.providers[0].credential_strategy,
        CredentialStrategy::RoundRobin
    );
    assert_eq!(s.providers[0].prefer, None);
    assert_eq!(s.providers[0].timeouts, Timeouts::default());
    assert_eq!(s.routes[0].strategy, Strategy::Failover);
}

#[test]
fn bad_values_name_their_field() {
    type Edit = fn(&mut v1::Snapshot);
    let cases: &[(&str, Edit, &str)] = &[
        (
            "unknown channel",
            |w| w.providers[0].channel = "azure".into(),
            "providers[0].channel",
        ),
        (
            "empty channel",
            |w| w.providers[0].channel.clear(),
            "providers[0].channel",
        ),
        (
            "unknown credential strategy",
            |w| w.providers[0].credential_strategy = "random".into(),
            "providers[0].credential_strategy",
        ),
        (
            "unknown prefer",
            |w| w.providers[0].prefer = "completions".into(),
            "providers[0].prefer",
        ),
        (
            "unknown route strategy",
            |w| w.routes[0].strategy = "fastest".into(),
            "routes[0].strategy",
        ),
        (
            "short digest",
            |w| w.users[0].keys[0].digest = "abc".into(),
            "users[0].keys[0].digest",
        ),
        (
            "non-hex digest",
            |w| w.users[0].keys[0].digest = "z".repeat(64),
            "users[0].keys[0].digest",
        ),
    ];
    for (what, edit, path) in cases {
        let mut w = v1::Snapshot::from(&full());
        edit(&mut w);
        let err = snapshot(w, 1).unwrap_err();
        assert_eq!(err.path, *path, "{what}: {err}");
    }
}

#[test]
fn uppercase_digests_are_accepted_lowercased() {
    let mut w = v1::Snapshot::from(&full());
    let d = w.users[0].keys[0].digest.to_ascii_uppercase();
    w.users[0].keys[0].digest = d;
    let s = snapshot(w, 1).unwrap();
    assert_eq!(s.users[0].keys[0].digest, full().users[0].keys[0].digest);
}

#[test]
fn bad_usage_values_name_their_field() {
    let mut w = v1::UsageRecord::from(&record());
    w.end = "timeout".into();
    let err = UsageRecord::try_from(w).unwrap_err();
    assert_eq!(
        (err.path.as_str(), err.to_string().as_str()),
        ("end", "end: unknown value `timeout`")
    );
    let mut w = v1::UsageRecord::from(&record());
    w.status = 70_000;
    assert_eq!(UsageRecord::try_from(w).unwrap_err().path, "status");
}

proptest! {
    #[test]
    fn random_snapshots_round_trip(s in crate::testgen::snapshot()) {
        prop_assert_eq!(through_wire(&s).unwrap(), s);
    }

    #[test]
    fn random_usage_records_round_trip(r in crate::testgen::usage_record()) {
        let bytes = v1::UsageRecord::from(&r).encode_to_vec();
        let back = UsageRecord::try_from(v1::UsageRecord::decode(bytes.as_slice()).unwrap());
        prop_assert_eq!(back.unwrap(), r);
    }
}
