//! What crosses the gateway: request ids, the upstream's credentials instead of the client's,
//! no cookies, beta headers only between like protocols, scoped paths, and model listings
//! answered locally in each protocol's shape and filtered by permissions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::client::KINDS;
use common::parse::whole;
use common::{standard, Kind, ALICE, BOB, ROUTES};
use http::Method;

#[tokio::test]
async fn request_id_is_echoed_or_generated() {
    let (mock, gw) = standard().await;
    let kind = Kind::Anthropic;
    let body = kind
        .text_body("via-chat", "hi", false)
        .to_string()
        .into_bytes();
    let mut h = kind.auth(ALICE);
    h.push(("x-request-id", "client-chosen-id-42".into()));
    let r = gw
        .call(Method::POST, "/v1/messages", &h, Some(body.clone()))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-request-id"), Some("client-chosen-id-42"));
    assert_eq!(
        mock.stats().last().unwrap().header("x-request-id"),
        Some("client-chosen-id-42"),
        "sent upstream too"
    );
    assert_eq!(gw.record("client-chosen-id-42").await.user, "alice");

    let r = gw
        .call(
            Method::POST,
            "/v1/messages",
            &kind.auth(ALICE),
            Some(body.clone()),
        )
        .await;
    let generated = r.request_id();
    assert!(
        generated.starts_with("req_") && generated.len() > 10,
        "{generated}"
    );

    // errors carry it too, before and after authentication
    let mut bad = kind.auth("gp-wrong-key-000");
    bad.push(("x-request-id", "err-id-1".into()));
    let r = gw
        .call(Method::POST, "/v1/messages", &bad, Some(body.clone()))
        .await;
    assert_eq!(
        (r.status, r.header("x-request-id")),
        (401, Some("err-id-1"))
    );
    let mut h = kind.auth(ALICE);
    h.push(("x-request-id", "err-id-2".into()));
    let r = gw
        .call(
            Method::POST,
            "/v1/messages",
            &h,
            Some(kind.text_body("nope", "hi", false).to_string().into_bytes()),
        )
        .await;
    assert_eq!(
        (r.status, r.header("x-request-id")),
        (404, Some("err-id-2"))
    );

    // an unusable id (spaces) is replaced
    let mut h = kind.auth(ALICE);
    h.push(("x-request-id", "has spaces in it".into()));
    let r = gw.call(Method::POST, "/v1/messages", &h, Some(body)).await;
    assert!(r.request_id().starts_with("req_"));
}

#[tokio::test]
async fn upstream_gets_provider_credentials_not_client_secrets() {
    let (mock, gw) = standard().await;
    for kind in KINDS {
        for route in ROUTES {
            mock.reset_stats();
            let mut h = kind.auth(ALICE);
            h.push(("cookie", "session=s3cr3t".into()));
            h.push(("proxy-authorization", "Basic czNjcjN0".into()));
            let path = if kind == Kind::Gemini {
                format!("/v1beta/models/{route}:generateContent?key={ALICE}")
            } else {
                kind.generate_path(route, false)
            };
            let r = gw
                .call(
                    Method::POST,
                    &path,
                    &h,
                    Some(kind.text_body(route, "hi", false).to_string().into_bytes()),
                )
                .await;
            assert_eq!(r.status, 200, "{kind:?} via {route}: {}", r.text());
            let up = mock.stats().last().cloned().unwrap();
            let all = format!("{:?} {:?}", up.headers, up.query);
            assert!(
                !all.contains(ALICE),
                "{kind:?} via {route}: client key leaked upstream: {all}"
            );
            assert!(
                !all.contains("s3cr3t") && !all.contains("czNjcjN0"),
                "{kind:?} via {route}: {all}"
            );
            assert!(up.header("cookie").is_none() && up.header("proxy-authorization").is_none());
            let (name, want) = match route {
                "via-chat" => ("authorization", "Bearer sk-compat"),
                "via-responses" => ("authorization", "Bearer sk-oai"),
                "via-anthropic" => ("x-api-key", "sk-ant"),
                _ => ("x-goog-api-key", "sk-gem"),
            };
            assert_eq!(up.header(name), Some(want), "{kind:?} via {route}: {all}");
            if route == "via-anthropic" {
                assert!(up.header("anthropic-version").is_some());
                assert!(up.header("authorization").is_none());
            }
            assert!(!up.body_text().contains(ALICE));
        }
    }
}

#[tokio::test]
async fn beta_headers_only_between_like_protocols() {
    let (mock, gw) = standard().await;
    let cases = [
        (Kind::Anthropic, "via-anthropic", "anthropic-beta", true),
        (Kind::Anthropic, "via-chat", "anthropic-beta", false),
        (Kind::Anthropic, "via-gemini", "anthropic-beta", false),
        (Kind::Chat, "via-anthropic", "anthropic-beta", false),
        (Kind::Responses, "via-responses", "openai-beta", true),
        (Kind::Responses, "via-anthropic", "openai-beta", false),
        (Kind::Gemini, "via-chat", "openai-beta", false),
    ];
    for (kind, route, header, forwarded) in cases {
        let mut h = kind.auth(ALICE);
        h.push((header, "some-feature-2025-01-01".into()));
        let r = gw
            .call(
                Method::POST,
                &kind.generate_path(route, false),
                &h,
                Some(kind.text_body(route, "hi", false).to_string().into_bytes()),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let got = mock
            .stats()
            .last()
            .unwrap()
            .header(header)
            .map(str::to_owned);
        assert_eq!(
            got.is_some(),
            forwarded,
            "{kind:?} via {route}: {header} {got:?}"
        );
    }
}

#[tokio::test]
async fn scoped_paths_target_one_provider() {
    let (mock, gw) = standard().await;
    let kind = Kind::Chat;
    let r = gw
        .post(
            kind,
            ALICE,
            "/claude/v1/chat/completions",
            &kind.text_body("claude-sonnet-4-5", "scoped", false),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(whole(kind, &r.json()).text, "mock reply to: scoped");
    let up = mock.stats().last().cloned().unwrap();
    assert_eq!(up.path, "/v1/messages");
    assert_eq!(up.json().unwrap()["model"], "claude-sonnet-4-5");
    assert_eq!(
        gw.record(&r.request_id()).await.route,
        "claude/claude-sonnet-4-5"
    );
    // bob may use compat/* only
    let r = gw
        .post(
            kind,
            BOB,
            "/claude/v1/chat/completions",
            &kind.text_body("claude-sonnet-4-5", "no", false),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = gw
        .post(
            kind,
            BOB,
            "/compat/v1/chat/completions",
            &kind.text_body("gpt-4o", "yes", false),
        )
        .await;
    assert_eq!(r.status, 200);
}

fn ids(kind: Kind, v: &serde_json::Value) -> Vec<String> {
    let (list, field) = match kind {
        Kind::Gemini => (&v["models"], "name"),
        _ => (&v["data"], "id"),
    };
    list.as_array()
        .unwrap_or_else(|| panic!("{kind:?} list: {v}"))
        .iter()
        .map(|m| {
            m[field]
                .as_str()
                .unwrap()
                .trim_start_matches("models/")
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn model_listing_in_each_shape_filtered_by_permissions() {
    let (mock, gw) = standard().await;
    for kind in [Kind::Chat, Kind::Anthropic, Kind::Gemini] {
        for (key, user) in [(ALICE, "alice"), (BOB, "bob")] {
            let r = gw
                .call(Method::GET, "/v1/models", &kind.auth(key), None)
                .await;
            assert_eq!(r.status, 200, "{}", r.text());
            let v = r.json();
            match kind {
                Kind::Chat => assert_eq!(v["object"], "list"),
                Kind::Anthropic => {
                    assert_eq!(v["data"][0]["type"], "model", "{v}");
                    assert!(v.get("has_more").is_some(), "{v}");
                }
                _ => assert!(
                    v["models"][0]["name"]
                        .as_str()
                        .unwrap()
                        .starts_with("models/"),
                    "{v}"
                ),
            }
            let got = ids(kind, &v);
            if user == "alice" {
                for want in [
                    "via-chat",
                    "via-responses",
                    "via-anthropic",
                    "via-gemini",
                    "oai/gpt-5",
                    "gem/gemini-2.5-flash",
                ] {
                    assert!(
                        got.iter().any(|g| g == want),
                        "{kind:?} alice misses {want}: {got:?}"
                    );
                }
            } else {
                let mut got = got.clone();
                got.sort();
                assert_eq!(
                    got,
                    ["compat/gpt-4o", "compat/text-embedding-3-small", "via-chat"],
                    "{kind:?} bob"
                );
            }
        }
    }
    // one model, and one bob may not see
    let r = gw
        .call(
            Method::GET,
            "/v1/models/via-gemini",
            &Kind::Chat.auth(ALICE),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.json()["id"].as_str()),
        (200, Some("via-gemini"))
    );
    let r = gw
        .call(
            Method::GET,
            "/v1/models/via-gemini",
            &Kind::Chat.auth(BOB),
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    let r = gw
        .call(
            Method::GET,
            "/v1beta/models/via-chat",
            &Kind::Gemini.auth(BOB),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.json()["name"].as_str()),
        (200, Some("models/via-chat"))
    );
    // never upstream; no key, no list
    assert_eq!(mock.stats().total, 0);
    assert_eq!(
        gw.call(Method::GET, "/v1/models", &[], None).await.status,
        401
    );
}

#[tokio::test]
async fn aliases_resolve_to_routes_and_provider_models() {
    let m = common::mock(gproxy_mock_provider::MockConfig::default()).await;
    let yaml = format!(
        "{}{}aliases:\n  - {{name: gpt-4, target: via-anthropic}}\n  - {{pattern: \"^claude-3-5-.*$\", target: gem/gemini-2.5-flash}}\n{}",
        common::providers(&m.url()),
        common::ROUTES_AND_USERS,
        common::SETTINGS
    );
    let gw = common::gateway(&yaml).await;
    for (model, path, route) in [
        ("gpt-4", "/v1/messages", "via-anthropic"),
        (
            "claude-3-5-sonnet-latest",
            "/v1beta/models/gemini-2.5-flash:generateContent",
            "gem/gemini-2.5-flash",
        ),
    ] {
        let r = gw
            .generate(
                Kind::Chat,
                model,
                &Kind::Chat.text_body(model, "alias", false),
                false,
            )
            .await;
        assert_eq!(r.status, 200, "{model}: {}", r.text());
        assert_eq!(m.stats().last().unwrap().path, path, "{model}");
        assert_eq!(gw.record(&r.request_id()).await.route, route);
    }
    // an alias to a route bob may not use is refused like the route itself
    let r = gw
        .post(
            Kind::Chat,
            BOB,
            "/v1/chat/completions",
            &Kind::Chat.text_body("gpt-4", "x", false),
        )
        .await;
    assert_eq!(r.status, 403);
}
