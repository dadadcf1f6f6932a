//! Count tokens and embeddings through translating routes: the client gets the upstream's numbers
//! and vectors in its own shape; a route without a count endpoint answers a marked estimate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{standard, Kind, ALICE};
use serde_json::{json, Value};

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a vector: {v}"))
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn same_vector(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "{a:?} vs {b:?}");
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-6, "{a:?} vs {b:?}");
    }
}

#[tokio::test]
async fn anthropic_count_tokens_through_gemini() {
    let (mock, gw) = standard().await;
    let body = json!({"model": "via-gemini", "messages": [{"role": "user", "content": "count these words please"}]});
    let r = gw
        .post(Kind::Anthropic, ALICE, "/v1/messages/count_tokens", &body)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let up = mock.stats().last().cloned().unwrap();
    assert_eq!(up.path, "/v1beta/models/gemini-2.5-flash:countTokens");
    assert!(
        up.body_text().contains("count these words please"),
        "{}",
        up.body_text()
    );
    assert_eq!(r.json()["input_tokens"], json!(up.body.len() / 4));
    assert_eq!(r.header("x-gproxy-estimated"), None);
}

#[tokio::test]
async fn gemini_count_tokens_through_anthropic() {
    let (mock, gw) = standard().await;
    let body =
        json!({"contents": [{"role": "user", "parts": [{"text": "how many tokens is this"}]}]});
    let r = gw
        .post(
            Kind::Gemini,
            ALICE,
            "/v1beta/models/via-anthropic:countTokens",
            &body,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let up = mock.stats().last().cloned().unwrap();
    assert_eq!(up.path, "/v1/messages/count_tokens");
    assert_eq!(up.json().unwrap()["model"], "claude-sonnet-4-5");
    assert_eq!(r.json()["totalTokens"], json!(up.body.len() / 4));
}

#[tokio::test]
async fn responses_input_tokens_through_anthropic_and_gemini_through_responses() {
    let (mock, gw) = standard().await;
    let body = json!({"model": "via-anthropic", "input": "tokens of a responses client"});
    let r = gw
        .post(Kind::Responses, ALICE, "/v1/responses/input_tokens", &body)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let up = mock.stats().last().cloned().unwrap();
    assert_eq!(up.path, "/v1/messages/count_tokens");
    assert_eq!(r.json()["input_tokens"], json!(up.body.len() / 4));

    let body = json!({"contents": [{"role": "user", "parts": [{"text": "gemini asks openai"}]}]});
    let r = gw
        .post(
            Kind::Gemini,
            ALICE,
            "/v1beta/models/via-responses:countTokens",
            &body,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let up = mock.stats().last().cloned().unwrap();
    assert_eq!(up.path, "/v1/responses/input_tokens");
    assert_eq!(r.json()["totalTokens"], json!(up.body.len() / 4));
}

#[tokio::test]
async fn count_tokens_on_a_chat_only_route_is_a_marked_estimate() {
    let (mock, gw) = standard().await;
    let text = "a".repeat(400);
    let body = json!({"model": "via-chat", "messages": [{"role": "user", "content": text}]});
    let r = gw
        .post(Kind::Anthropic, ALICE, "/v1/messages/count_tokens", &body)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-gproxy-estimated"), Some("true"));
    let n = r.json()["input_tokens"].as_u64().unwrap();
    assert!((100..=120).contains(&n), "about 4 bytes per token: {n}");
    assert_eq!(mock.stats().total, 0, "never sent upstream");
}

#[tokio::test]
async fn openai_embeddings_through_gemini() {
    let (mock, gw) = standard().await;
    let body = json!({"model": "emb-gemini", "input": ["hello", "world"], "dimensions": 4});
    let r = gw.post(Kind::Chat, ALICE, "/v1/embeddings", &body).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let up = mock.stats().last().cloned().unwrap();
    assert_eq!(
        up.path,
        "/v1beta/models/text-embedding-004:batchEmbedContents"
    );
    let v = r.json();
    assert_eq!(v["object"], "list");
    let data = v["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(
        (data[0]["index"].as_u64(), data[1]["index"].as_u64()),
        (Some(0), Some(1))
    );
    let translated: Vec<Vec<f64>> = data.iter().map(|d| floats(&d["embedding"])).collect();
    assert_eq!(
        translated[0].len(),
        4,
        "dimensions became outputDimensionality"
    );

    // the same texts asked natively give the same vectors
    let native = json!({"requests": [
        {"model": "models/emb-gemini", "content": {"parts": [{"text": "hello"}]}, "outputDimensionality": 4},
        {"model": "models/emb-gemini", "content": {"parts": [{"text": "world"}]}, "outputDimensionality": 4}
    ]});
    let n = gw
        .post(
            Kind::Gemini,
            ALICE,
            "/v1beta/models/emb-gemini:batchEmbedContents",
            &native,
        )
        .await;
    assert_eq!(n.status, 200, "{}", n.text());
    let nv = n.json();
    for (i, t) in translated.iter().enumerate() {
        same_vector(t, &floats(&nv["embeddings"][i]["values"]));
    }
}

#[tokio::test]
async fn gemini_embeddings_through_openai() {
    let (mock, gw) = standard().await;
    let single = json!({"content": {"parts": [{"text": "hello"}]}});
    let r = gw
        .post(
            Kind::Gemini,
            ALICE,
            "/v1beta/models/emb-openai:embedContent",
            &single,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let up = mock.stats().last().cloned().unwrap();
    assert_eq!(up.path, "/v1/embeddings");
    assert_eq!(up.json().unwrap()["model"], "text-embedding-3-small");
    let one = floats(&r.json()["embedding"]["values"]);
    let rec = gw.record(&r.request_id()).await;
    assert_eq!(
        rec.input_tokens,
        (up.body.len() / 4) as u64,
        "embedding usage recorded"
    );

    let batch = json!({"requests": [
        {"model": "models/emb-openai", "content": {"parts": [{"text": "hello"}]}},
        {"model": "models/emb-openai", "content": {"parts": [{"text": "world"}]}}
    ]});
    let r = gw
        .post(
            Kind::Gemini,
            ALICE,
            "/v1beta/models/emb-openai:batchEmbedContents",
            &batch,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let embs = r.json()["embeddings"].as_array().cloned().unwrap();
    assert_eq!(embs.len(), 2);
    same_vector(&floats(&embs[0]["values"]), &one);

    let native = json!({"model": "emb-openai", "input": "hello"});
    let n = gw.post(Kind::Chat, ALICE, "/v1/embeddings", &native).await;
    assert_eq!(n.status, 200, "{}", n.text());
    same_vector(&floats(&n.json()["data"][0]["embedding"]), &one);
    assert_eq!(one.len(), 8);
}

#[tokio::test]
async fn embeddings_on_a_route_without_them_is_a_client_error() {
    let (mock, gw) = standard().await;
    let r = gw
        .post(
            Kind::Chat,
            ALICE,
            "/v1/embeddings",
            &json!({"model": "via-anthropic", "input": "x"}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    let e = &r.json()["error"];
    assert!(
        e["message"].as_str().unwrap().contains("create_embedding"),
        "{e}"
    );
    assert_eq!(mock.stats().total, 0);
}

/// The Node SDK asks for `encoding_format: base64` by default: a translated answer must honour it.
#[tokio::test]
async fn openai_base64_embeddings_through_gemini() {
    use base64::Engine;
    let (_mock, gw) = standard().await;
    let floats_body = json!({"model": "emb-gemini", "input": "hello"});
    let plain = gw
        .post(Kind::Chat, ALICE, "/v1/embeddings", &floats_body)
        .await;
    let want = floats(&plain.json()["data"][0]["embedding"]);
    let b64_body = json!({"model": "emb-gemini", "input": "hello", "encoding_format": "base64"});
    let r = gw
        .post(Kind::Chat, ALICE, "/v1/embeddings", &b64_body)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let s = r.json()["data"][0]["embedding"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| panic!("not base64: {}", r.text()));
    let bytes = base64::engine::general_purpose::STANDARD.decode(s).unwrap();
    let got: Vec<f64> = bytes
        .chunks_exact(4)
        .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
        .collect();
    same_vector(&got, &want);
}
