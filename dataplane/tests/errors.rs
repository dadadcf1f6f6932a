//! Client-side failures answered by the gateway itself, each in the caller's protocol shape with
//! the right status: bad JSON, unknown model, keys, permissions, body size, paths and methods.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::client::KINDS;
use common::shapes::error_of;
use common::{standard, standard_with, Kind, ALICE, BOB};
use http::Method;

/// What each kind names the error for a status (OpenAI `type`, Anthropic `error.type`, Gemini `status`).
fn names(kind: Kind, status: u16) -> &'static [&'static str] {
    match (kind, status) {
        (Kind::Anthropic, 400) => &["invalid_request_error"],
        (Kind::Anthropic, 401) => &["authentication_error"],
        (Kind::Anthropic, 403) => &["permission_error"],
        (Kind::Anthropic, 404) => &["not_found_error"],
        (Kind::Anthropic, 405) => &["not_found_error", "invalid_request_error"],
        (Kind::Anthropic, 413) => &["request_too_large"],
        (Kind::Anthropic, 503) => &["overloaded_error", "api_error"],
        (Kind::Gemini, 400) => &["INVALID_ARGUMENT"],
        (Kind::Gemini, 401) => &["UNAUTHENTICATED"],
        (Kind::Gemini, 403) => &["PERMISSION_DENIED"],
        (Kind::Gemini, 404) | (Kind::Gemini, 405) => &["NOT_FOUND"],
        (Kind::Gemini, 413) => &[
            "INVALID_ARGUMENT",
            "RESOURCE_EXHAUSTED",
            "FAILED_PRECONDITION",
        ],
        (Kind::Gemini, 503) => &["UNAVAILABLE"],
        (_, 400) | (_, 413) => &["invalid_request_error"],
        (_, 404) | (_, 405) => &["invalid_request_error", "not_found_error"],
        (_, 401) => &["authentication_error", "invalid_request_error"],
        (_, 403) => &[
            "permission_error",
            "permission_denied",
            "invalid_request_error",
        ],
        (_, 503) => &["server_error", "service_unavailable", "overloaded_error"],
        _ => &[],
    }
}

fn assert_error(kind: Kind, r: &common::client::Reply, status: u16, what: &str) {
    assert_eq!(r.status, status, "{kind:?} {what}: {}", r.text());
    assert_eq!(
        r.header("content-type"),
        Some("application/json"),
        "{kind:?} {what}"
    );
    let (name, message) =
        error_of(kind, &r.json()).unwrap_or_else(|e| panic!("{kind:?} {what}: {e}"));
    assert!(
        names(kind, status).contains(&name.as_str()),
        "{kind:?} {what}: error named {name:?}: {}",
        r.text()
    );
    assert!(!message.is_empty());
    if kind == Kind::Gemini {
        assert_eq!(r.json()["error"]["code"], status, "{what}");
    }
}

#[tokio::test]
async fn invalid_json_is_400_in_each_shape() {
    let (mock, gw) = standard().await;
    for kind in KINDS {
        for route in ["via-chat", "via-gemini"] {
            let path = kind.generate_path(route, false);
            let r = gw
                .call(
                    Method::POST,
                    &path,
                    &kind.auth(ALICE),
                    Some(b"{\"model\": \"via-chat\", oops".to_vec()),
                )
                .await;
            assert_error(kind, &r, 400, &format!("invalid JSON to {route}"));
        }
    }
    assert_eq!(
        mock.stats().total,
        0,
        "a body that is not JSON never goes upstream"
    );
}

#[tokio::test]
async fn unknown_model_is_404() {
    let (mock, gw) = standard().await;
    for kind in KINDS {
        let r = gw
            .generate(
                kind,
                "no-such-model",
                &kind.text_body("no-such-model", "hi", false),
                false,
            )
            .await;
        assert_error(kind, &r, 404, "unknown model");
        assert!(
            r.text().contains("no-such-model"),
            "names the model: {}",
            r.text()
        );
        let r = gw
            .generate(
                kind,
                "nope/x",
                &kind.text_body("nope/x", "hi", false),
                false,
            )
            .await;
        assert_error(kind, &r, 404, "unknown provider/model");
    }
    assert_eq!(mock.stats().total, 0);
}

#[tokio::test]
async fn missing_or_wrong_key_is_401() {
    let (mock, gw) = standard().await;
    for kind in KINDS {
        let body = kind
            .text_body("via-chat", "hi", false)
            .to_string()
            .into_bytes();
        let path = kind.generate_path("via-chat", false);
        let none: Vec<(&str, String)> = kind
            .auth(ALICE)
            .into_iter()
            .filter(|(k, _)| *k == "anthropic-version")
            .collect();
        let r = gw
            .call(Method::POST, &path, &none, Some(body.clone()))
            .await;
        assert_error(kind, &r, 401, "missing key");
        let r = gw
            .call(
                Method::POST,
                &path,
                &kind.auth("gp-wrong-key-000"),
                Some(body),
            )
            .await;
        assert_error(kind, &r, 401, "wrong key");
    }
    // the key in Gemini's query works too, and a wrong one there is refused
    let body = Kind::Gemini
        .text_body("via-chat", "hi", false)
        .to_string()
        .into_bytes();
    let r = gw
        .call(
            Method::POST,
            &format!("/v1beta/models/via-chat:generateContent?key={ALICE}"),
            &[],
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = gw
        .call(
            Method::POST,
            "/v1beta/models/via-chat:generateContent?key=nope-nope",
            &[],
            Some(body),
        )
        .await;
    assert_error(Kind::Gemini, &r, 401, "wrong query key");
    assert_eq!(mock.stats().total, 1);
    assert!(
        gw.app.outbox.take(100).iter().all(|r| r.user == "alice"),
        "no record for unauthenticated calls"
    );
}

#[tokio::test]
async fn restricted_user_gets_403() {
    let (mock, gw) = standard().await;
    for kind in KINDS {
        for model in ["via-gemini", "oai/gpt-5"] {
            let r = gw
                .post(
                    kind,
                    BOB,
                    &kind.generate_path(model, false),
                    &kind.text_body(model, "hi", false),
                )
                .await;
            assert_error(kind, &r, 403, &format!("bob on {model}"));
        }
        for model in ["via-chat", "compat/gpt-4o"] {
            let r = gw
                .post(
                    kind,
                    BOB,
                    &kind.generate_path(model, false),
                    &kind.text_body(model, "hi", false),
                )
                .await;
            assert_eq!(r.status, 200, "bob may use {model}: {}", r.text());
        }
    }
    assert_eq!(
        mock.stats().total,
        8,
        "only the permitted requests went upstream"
    );
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let (mock, gw) = standard_with("settings: {max_body_bytes: 2048}\n").await;
    for kind in KINDS {
        let big = kind.text_body("via-chat", &"x".repeat(4096), false);
        let r = gw.generate(kind, "via-chat", &big, false).await;
        assert_error(kind, &r, 413, "body too large");
        let small = kind.text_body("via-chat", "fits", false);
        assert_eq!(
            gw.generate(kind, "via-chat", &small, false).await.status,
            200
        );
    }
    assert_eq!(mock.stats().total, 4);
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods_in_the_guessed_shape() {
    let (_mock, gw) = standard().await;
    let cases: [(Method, &str, Kind, u16); 7] = [
        (Method::POST, "/v1/nope", Kind::Chat, 404),
        (Method::POST, "/v1/messages/nope", Kind::Anthropic, 404),
        (
            Method::POST,
            "/v1beta/models/via-gemini:explode",
            Kind::Gemini,
            404,
        ),
        (Method::POST, "/compat/v1/nope", Kind::Chat, 404),
        (Method::GET, "/v1/chat/completions", Kind::Chat, 405),
        (Method::GET, "/v1/messages", Kind::Anthropic, 405),
        (
            Method::GET,
            "/v1beta/models/via-gemini:generateContent",
            Kind::Gemini,
            405,
        ),
    ];
    for (method, path, kind, status) in cases {
        let r = gw.call(method.clone(), path, &kind.auth(ALICE), None).await;
        assert_error(kind, &r, status, &format!("{method} {path}"));
        assert!(
            r.header("x-request-id").is_some_and(|v| !v.is_empty()),
            "{path}"
        );
    }
}
