use gproxy_config::Bundle;
use gproxy_proto::v1::{self, config_response::Kind};

use super::*;
use crate::app::Options;

const BUNDLE: &str = r#"
providers:
  - {name: a, channel: openai, base_url: "http://127.0.0.1:9/v1", models: [{id: m}]}
routes:
  - {name: r1, members: [{provider: a, model: m}]}
users:
  - {name: u, keys: [{key: gp-user-0001}]}
"#;

fn base(version: u64) -> Snapshot {
    Snapshot::from_bundle(&Bundle::parse(BUNDLE).unwrap(), version).unwrap()
}

fn full(s: &Snapshot) -> ConfigResponse {
    ConfigResponse {
        schema: SCHEMA,
        version: s.version,
        kind: Some(Kind::Full(s.into())),
        base_version: 0,
        epoch: String::new(),
    }
}

fn delta_of(old: &Snapshot, new: &Snapshot) -> ConfigResponse {
    ConfigResponse {
        schema: SCHEMA,
        version: new.version,
        kind: Some(Kind::Delta(delta::diff(old, new))),
        base_version: old.version,
        epoch: String::new(),
    }
}

fn with_route(s: &Snapshot, name: &str, provider: &str, version: u64) -> Snapshot {
    let mut n = s.clone();
    let mut r = n.routes[0].clone();
    r.name = name.into();
    r.members[0].provider = provider.into();
    n.routes.push(r);
    n.version = version;
    n
}

#[test]
fn full_then_delta_then_rejections() {
    let app = App::new(&Options::default()).unwrap();
    let mut last = None;
    let s1 = base(1);
    let ack = handle(&app, &mut last, full(&s1));
    assert!(ack.ok && ack.version == 1, "{ack:?}");
    assert_eq!(app.runtime().version, 1);

    let s2 = with_route(&s1, "r2", "a", 2);
    let ack = handle(&app, &mut last, delta_of(&s1, &s2));
    assert!(ack.ok, "{ack:?}");
    assert_eq!(app.runtime().version, 2);
    assert_eq!(last.as_ref(), Some(&s2));

    type Case = (&'static str, ConfigResponse, &'static str);
    let cases: Vec<Case> = vec![
        (
            "unknown provider in a route",
            delta_of(&s2, &with_route(&s2, "r3", "nope", 3)),
            "invalid: routes[2].members[0].provider: unknown provider `nope`",
        ),
        (
            "delta on another base",
            delta_of(&s1, &with_route(&s1, "r3", "a", 3)),
            "delta from version 1 but version 2 is applied",
        ),
        (
            "unknown channel",
            {
                let mut r = full(&with_route(&s2, "r3", "a", 3));
                if let Some(Kind::Full(f)) = r.kind.as_mut() {
                    f.providers[0].channel = "azure".into();
                }
                r
            },
            "snapshot.providers[0].channel: unknown value `azure`",
        ),
        (
            "newer schema",
            ConfigResponse {
                schema: SCHEMA + 1,
                ..full(&s2)
            },
            "schema 2 is newer than this data plane's (1)",
        ),
        (
            "empty",
            ConfigResponse {
                kind: None,
                ..full(&s2)
            },
            "neither a full snapshot nor a delta",
        ),
    ];
    for (what, resp, error) in cases {
        let ack = handle(&app, &mut last, resp);
        assert!(!ack.ok, "{what}");
        assert_eq!(ack.error, error, "{what}");
        assert_eq!(app.runtime().version, 2, "{what}: the old snapshot serves");
        assert_eq!(last.as_ref(), Some(&s2), "{what}");
    }
}

#[test]
fn a_delta_before_any_snapshot_is_rejected() {
    let app = App::new(&Options::default()).unwrap();
    let mut last = None;
    let ack = handle(&app, &mut last, delta_of(&base(1), &base(2)));
    assert_eq!(
        (ack.ok, ack.error.as_str()),
        (false, "delta from version 1 but version 0 is applied")
    );
    assert_eq!(app.runtime().version, 0);
}

#[test]
fn invalid_values_are_nacked_and_nothing_is_swapped() {
    let app = App::new(&Options::default()).unwrap();
    let mut last = None;
    let mut s = base(1);
    s.aliases.push(gproxy_config::bundle::Alias {
        name: None,
        pattern: Some("(".into()),
        target: "r1".into(),
    });
    let ack = handle(&app, &mut last, full(&s));
    assert!(!ack.ok);
    assert!(ack.error.contains("aliases[0].pattern"), "{}", ack.error);
    let mut w: v1::Snapshot = (&base(1)).into();
    w.users[0].keys[0].digest = "xyz".into();
    let resp = ConfigResponse {
        kind: Some(Kind::Full(w)),
        ..full(&base(1))
    };
    let ack = handle(&app, &mut last, resp);
    assert!(
        ack.error.starts_with("snapshot.users[0].keys[0].digest"),
        "{}",
        ack.error
    );
    assert!(last.is_none());
}
