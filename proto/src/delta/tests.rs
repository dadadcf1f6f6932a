use gproxy_config::bundle::{Alias, Bundle};
use gproxy_config::Snapshot;
use proptest::prelude::*;
use prost::Message;

use super::*;

fn snap(yaml: &str) -> Snapshot {
    Snapshot::from_bundle(&Bundle::parse(yaml).unwrap(), 1).unwrap()
}

const BASE: &str = r#"
providers:
  - {name: a, channel: openai, models: [{id: m}]}
  - {name: b, channel: anthropic, models: [{id: m}]}
  - {name: c, channel: gemini, models: [{id: m}]}
routes:
  - {name: r1, members: [{provider: a, model: m}]}
aliases:
  - {name: x, target: r1}
  - {pattern: "^y.*$", target: r1}
users:
  - {name: u, keys: [{key: gp-user-0001}]}
"#;

/// (upserted names by kind, removed names) of a delta, for readable assertions.
fn summary(d: &v1::Delta) -> (Vec<String>, Vec<String>) {
    let ups = d
        .upserts
        .iter()
        .map(|r| match &r.kind {
            Some(Kind::Provider(p)) => format!("provider:{}", p.name),
            Some(Kind::Route(r)) => format!("route:{}", r.name),
            Some(Kind::Alias(a)) => format!("alias:{}", a.target),
            Some(Kind::User(u)) => format!("user:{}", u.name),
            Some(Kind::Settings(_)) => "settings".to_owned(),
            Some(Kind::Team(t)) => format!("team:{}", t.name),
            Some(Kind::Org(o)) => format!("org:{}", o.name),
            Some(Kind::RuleSet(r)) => format!("rule_set:{}", r.name),
            Some(Kind::CredentialState(c)) => format!("cooldown:{}/{}", c.provider, c.credential),
            None => "empty".to_owned(),
        })
        .collect();
    let rms = d
        .removals
        .iter()
        .map(|r| format!("{}:{}", r.kind, r.name))
        .collect();
    (ups, rms)
}

fn to_strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn small_changes_make_small_deltas() {
    type Edit = fn(&mut Snapshot);
    let cases: &[(&str, Edit, &[&str], &[&str])] = &[
        ("nothing", |_| {}, &[], &[]),
        (
            "edit a provider in the middle",
            |s| s.providers[1].stream_only = true,
            &["provider:b"],
            &[],
        ),
        (
            "append a route",
            |s| {
                let mut r = s.routes[0].clone();
                r.name = "r2".into();
                s.routes.push(r);
            },
            &["route:r2"],
            &[],
        ),
        (
            "remove a provider",
            |s| {
                s.providers.remove(0);
            },
            &[],
            &["1:a"],
        ),
        (
            "remove a pattern alias",
            |s| {
                s.aliases.pop();
            },
            &[],
            &["3:pattern:^y.*$"],
        ),
        (
            "move the last provider first: the tail is re-sent",
            |s| s.providers.rotate_right(1),
            &["provider:a", "provider:b"],
            &["1:a", "1:b"],
        ),
        (
            "spend settled",
            |s| s.users[0].spent_usd = 1.5,
            &["user:u"],
            &[],
        ),
        (
            "settings",
            |s| s.settings.max_attempts = 9,
            &["settings"],
            &[],
        ),
    ];
    let old = snap(BASE);
    for (what, edit, ups, rms) in cases {
        let mut new = old.clone();
        edit(&mut new);
        new.version = 2;
        let d = diff(&old, &new);
        let (u, r) = summary(&d);
        assert_eq!((&u, &r), (&to_strings(ups), &to_strings(rms)), "{what}");
        assert_eq!(apply(&old, &d, 2).unwrap(), new, "{what}");
    }
}

#[test]
fn duplicate_alias_keys_replace_the_kind_whole() {
    let old = snap(BASE);
    let mut new = old.clone();
    new.aliases.push(Alias {
        name: Some("x".into()),
        pattern: None,
        target: "a/m".into(),
    });
    let d = diff(&old, &new);
    let (ups, rms) = summary(&d);
    assert_eq!(ups, ["alias:r1", "alias:r1", "alias:a/m"]);
    assert_eq!(rms, ["3:name:x", "3:pattern:^y.*$"]);
    assert_eq!(apply(&old, &d, 1).unwrap(), new);
    // and back
    assert_eq!(apply(&new, &diff(&new, &old), 1).unwrap(), old);
}

#[test]
fn bad_deltas_fail_with_a_path_and_leave_the_base_alone() {
    let base = snap(BASE);
    let bad_channel = v1::Delta {
        upserts: vec![
            Resource {
                kind: Some(Kind::Settings((&base.settings).into())),
            },
            Resource {
                kind: Some(Kind::Provider(v1::Provider {
                    name: "z".into(),
                    channel: "azure".into(),
                    ..Default::default()
                })),
            },
        ],
        removals: vec![],
    };
    let err = apply(&base, &bad_channel, 2).unwrap_err();
    assert_eq!(err.path, "upserts[1].provider.channel");
    let empty = v1::Delta {
        upserts: vec![Resource { kind: None }],
        removals: vec![],
    };
    assert_eq!(apply(&base, &empty, 2).unwrap_err().path, "upserts[0]");
    let unknown_kind = v1::Delta {
        upserts: vec![],
        removals: vec![ResourceRef {
            kind: 99,
            name: "a".into(),
        }],
    };
    assert_eq!(
        apply(&base, &unknown_kind, 2).unwrap_err().path,
        "removals[0].kind"
    );
}

#[test]
fn removing_what_is_not_there_is_a_no_op() {
    let base = snap(BASE);
    let d = v1::Delta {
        upserts: vec![],
        removals: vec![ResourceRef {
            kind: ResourceKind::Route as i32,
            name: "nope".into(),
        }],
    };
    let mut want = base.clone();
    want.version = 5;
    assert_eq!(apply(&base, &d, 5).unwrap(), want);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn apply_of_diff_rebuilds_new(
        old in crate::testgen::snapshot(),
        new in crate::testgen::snapshot(),
    ) {
        let d = diff(&old, &new);
        let wire = v1::Delta::decode(d.encode_to_vec().as_slice()).unwrap();
        prop_assert_eq!(apply(&old, &wire, new.version).unwrap(), new.clone());
        // a snapshot against itself needs nothing
        prop_assert_eq!(diff(&new, &new), v1::Delta::default());
    }
}
