//! Tests of the shared OpenAI errors, models and embeddings codec parts.
#![allow(clippy::unwrap_used, clippy::panic)]

use super::*;
use serde_json::json;

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

#[test]
fn errors_map_status_and_type() {
    let cases: &[(u16, Value, ir::ErrorKind, &str)] = &[
        (
            401,
            json!({"error": {"message": "Incorrect API key provided: sk-test.", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}),
            ir::ErrorKind::Authentication,
            "invalid_api_key",
        ),
        (
            429,
            json!({"error": {"message": "You exceeded your current quota.", "type": "insufficient_quota", "param": null, "code": "insufficient_quota"}}),
            ir::ErrorKind::RateLimited,
            "insufficient_quota",
        ),
        (
            404,
            json!({"error": {"message": "The model `gpt-9` does not exist", "type": "invalid_request_error", "param": "model", "code": "model_not_found"}}),
            ir::ErrorKind::NotFound,
            "model_not_found",
        ),
        (
            500,
            json!({"error": {"message": "The server had an error", "type": "server_error", "param": null, "code": null}}),
            ir::ErrorKind::Server,
            "server_error",
        ),
    ];
    for (status, body, kind, code) in cases {
        let err = decode_error(*status, body.to_string().as_bytes());
        assert_eq!(
            (err.kind, err.status, err.code.as_deref()),
            (*kind, *status, Some(*code))
        );
        let again = decode_error(*status, &encode_error(&err));
        assert_eq!(again, err, "{status}");
    }
    let quota = json_of(&encode_error(&decode_error(
        429,
        cases[1].1.to_string().as_bytes(),
    )));
    assert_eq!(quota, cases[1].1);
}

#[test]
fn foreign_errors_get_openai_types() {
    let mut err = ir::Error::new(ir::ErrorKind::Overloaded, "Overloaded");
    err.code = Some("overloaded_error".into());
    let body = json_of(&encode_error(&err));
    assert_eq!(
        body,
        json!({"error": {"message": "Overloaded", "type": "server_error", "param": null, "code": "overloaded_error"}})
    );
    let frame = encode_stream_error(&ir::Error::new(ir::ErrorKind::RateLimited, "slow down"));
    assert_eq!(frame.event, None);
    assert_eq!(
        json_of(frame.data.as_bytes())["error"]["type"],
        "rate_limit_exceeded"
    );
    let garbage = decode_error(502, b"<html>bad gateway</html>");
    assert_eq!(
        (garbage.kind, garbage.status, garbage.message.as_str()),
        (ir::ErrorKind::Server, 502, "<html>bad gateway</html>")
    );
    assert_eq!(
        kind_from_type(Some("invalid_request_error"), None),
        ir::ErrorKind::InvalidRequest
    );
}

#[test]
fn models_round_trip() {
    let body = json!({"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"}, {"id": "o3", "object": "model", "created": 1744225308, "owned_by": "openai"}]});
    let list = decode_model_list(body.to_string().as_bytes()).unwrap();
    assert_eq!(list.models[1].id, "o3");
    assert_eq!(list.models[0].created, Some(1721172741));
    assert_eq!(json_of(&encode_model_list(&list)), body);
    let one = ir::ModelInfo {
        id: "claude-sonnet-4-5".into(),
        display_name: Some("Claude".into()),
        ..Default::default()
    };
    assert_eq!(
        json_of(&encode_model(&one)),
        json!({"id": "claude-sonnet-4-5", "object": "model", "created": 0, "owned_by": "system"})
    );
    assert_eq!(
        decode_model(&encode_model(&one)).unwrap().id,
        "claude-sonnet-4-5"
    );
}

#[test]
fn embeddings_requests_round_trip() {
    let bodies = [
        json!({"model": "text-embedding-3-small", "input": "hi", "encoding_format": "base64"}),
        json!({"model": "text-embedding-3-small", "input": ["a", "b"], "encoding_format": "float"}),
        json!({"model": "text-embedding-3-small", "input": [[1, 2], [3]], "dimensions": 256, "user": "u1"}),
    ];
    for body in bodies {
        let req = decode_embeddings_request(body.to_string().as_bytes(), DecodeContext::default())
            .unwrap();
        let mut diag = Diagnostics::new();
        let out = encode_embeddings_request(&req, &mut diag).unwrap();
        assert_eq!(json_of(&out.body), body);
        assert!(diag.is_empty());
    }
    let req = decode_embeddings_request(
        br#"{"model":"m","input":"hi","encoding_format":"base64"}"#,
        DecodeContext::default(),
    )
    .unwrap();
    assert_eq!(
        (req.inputs.clone(), requested_encoding(&req)),
        (vec!["hi".to_owned()], EmbeddingEncoding::Base64)
    );
    let foreign = ir::EmbeddingRequest {
        origin: Some(Family::Gemini),
        extra: req.extra.clone(),
        ..req
    };
    let mut diag = Diagnostics::new();
    let out = encode_embeddings_request(&foreign, &mut diag).unwrap();
    assert_eq!(json_of(&out.body), json!({"input": "hi", "model": "m"}));
    assert!(diag.mentions("encoding_format"));
}

#[test]
fn embeddings_responses_decode_floats_and_base64() {
    let floats = [1.0f32, -0.5, 0.25];
    let b64 = encode_base64_floats(&floats);
    assert_eq!(b64, "AACAPwAAAL8AAIA+");
    let body = json!({"object": "list", "data": [{"object": "embedding", "index": 1, "embedding": b64}, {"object": "embedding", "index": 0, "embedding": [0.5, 2.0]}], "model": "text-embedding-3-small", "usage": {"prompt_tokens": 3, "total_tokens": 3}});
    let resp = decode_embeddings_response(body.to_string().as_bytes()).unwrap();
    assert_eq!(resp.embeddings, vec![vec![0.5, 2.0], floats.to_vec()]);
    assert_eq!(resp.input_tokens, Some(3));
    let base64 = json_of(&encode_embeddings_response_as(
        &resp,
        EmbeddingEncoding::Base64,
    ));
    assert_eq!(base64["data"][1]["embedding"], "AACAPwAAAL8AAIA+");
    let float = json_of(&encode_embeddings_response(&resp));
    assert_eq!(
        float["data"][0],
        json!({"object": "embedding", "index": 0, "embedding": [0.5, 2.0]})
    );
    assert_eq!(
        float["usage"],
        json!({"prompt_tokens": 3, "total_tokens": 3})
    );
    assert!(decode_base64_floats("AACAPwA=").is_err());
}
