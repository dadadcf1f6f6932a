//! Gemini endpoints over HTTP: generateContent, SSE and JSON-array streams, thoughts, function calls, the rest.

use serde_json::{json, Value};

use super::client::{get, post, start};
use crate::MockConfig;

const KEY: (&str, &str) = ("x-goog-api-key", "AIza-test");
const FLASH: &str = "/v1beta/models/gemini-2.5-flash";

fn user(text: &str) -> Value {
    json!([{"role": "user", "parts": [{"text": text}]}])
}

#[tokio::test]
async fn generate_content_object_on_v1beta_and_v1() {
    let mock = start(MockConfig::default()).await;
    for prefix in ["/v1beta", "/v1"] {
        let req = json!({"contents": user("hi gemini")});
        let path = format!("{prefix}/models/gemini-2.5-pro:generateContent");
        let v = post(mock.addr(), &path, &[KEY], &req).await.json();
        let cand = &v["candidates"][0];
        assert_eq!(cand["content"]["role"], "model");
        assert_eq!(
            cand["content"]["parts"],
            json!([{"text": "mock reply to: hi gemini"}])
        );
        assert_eq!(cand["finishReason"], "STOP");
        assert_eq!(v["modelVersion"], "gemini-2.5-pro");
        let input = (req.to_string().len() / 4) as u64;
        assert_eq!(v["usageMetadata"]["promptTokenCount"], input);
        assert_eq!(v["usageMetadata"]["candidatesTokenCount"], 24 / 4);
        assert_eq!(v["usageMetadata"]["totalTokenCount"], input + 6);
    }
}

#[tokio::test]
async fn sse_stream_with_thoughts_signature_and_finish_on_last() {
    let mock = start(MockConfig {
        chunks: 2,
        ..MockConfig::default()
    })
    .await;
    let req = json!({"contents": user("think"), "cachedContent": "cachedContents/abc",
        "generationConfig": {"thinkingConfig": {"includeThoughts": true, "thinkingBudget": 512}}});
    let r = post(
        mock.addr(),
        &format!("{FLASH}:streamGenerateContent?alt=sse"),
        &[KEY],
        &req,
    )
    .await;
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    assert!(r.body.contains("}\r\n\r\ndata: "), "CRLF-separated events");
    let chunks: Vec<Value> = r
        .events()
        .into_iter()
        .map(|(name, d)| {
            assert!(name.is_none());
            d
        })
        .collect();
    assert_eq!(chunks.len(), 4);
    let part = |c: &Value| c["candidates"][0]["content"]["parts"][0].clone();
    let thoughts: String = chunks[..2]
        .iter()
        .map(|c| {
            assert_eq!(part(c)["thought"], true);
            part(c)["text"].as_str().unwrap_or_default().to_owned()
        })
        .collect();
    assert_eq!(thoughts, "thinking about: think");
    let text: String = chunks[2..]
        .iter()
        .filter_map(|c| part(c)["text"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(text, "mock reply to: think");
    assert!(chunks[..3]
        .iter()
        .all(|c| c["candidates"][0]["finishReason"].is_null()));
    let last = &chunks[3];
    assert_eq!(last["candidates"][0]["finishReason"], "STOP");
    assert_eq!(part(last)["thoughtSignature"], crate::SIGNATURE);
    let u = &last["usageMetadata"];
    assert_eq!(u["thoughtsTokenCount"], 21 / 4);
    assert_eq!(u["candidatesTokenCount"], (20 + 21) / 4 - 21 / 4);
    assert_eq!(
        u["cachedContentTokenCount"].as_u64(),
        u["promptTokenCount"].as_u64().map(|p| p / 2)
    );
    assert!(chunks
        .iter()
        .all(|c| c["modelVersion"] == "gemini-2.5-flash"));
}

#[tokio::test]
async fn function_calls_from_declarations_and_function_response_turn() {
    let mock = start(MockConfig::default()).await;
    let tools = json!([{"functionDeclarations": [
        {"name": "list_directory", "parametersJsonSchema": {"type": "object", "required": ["dir_path"],
            "properties": {"dir_path": {"type": "string"}}}},
        {"name": "read_file", "parameters": {"type": "OBJECT", "required": ["path", "lines"],
            "properties": {"path": {"type": "STRING"}, "lines": {"type": "INTEGER"}}}}]}]);
    let req = json!({"contents": user("list in parallel"), "tools": tools,
        "generationConfig": {"thinkingConfig": {"includeThoughts": true}}});
    let r = post(
        mock.addr(),
        &format!("{FLASH}:streamGenerateContent?alt=sse"),
        &[KEY],
        &req,
    )
    .await;
    let chunks: Vec<Value> = r.events().into_iter().map(|e| e.1).collect();
    let last = chunks.last().cloned().unwrap_or_default();
    assert_eq!(last["candidates"][0]["finishReason"], "STOP");
    let parts = &last["candidates"][0]["content"]["parts"];
    assert_eq!(
        parts[0]["functionCall"],
        json!({"name": "list_directory", "args": {"dir_path": "x"}})
    );
    assert_eq!(parts[0]["thoughtSignature"], crate::SIGNATURE);
    assert_eq!(
        parts[1]["functionCall"],
        json!({"name": "read_file", "args": {"path": "x", "lines": 1}})
    );
    assert!(parts[1].get("thoughtSignature").is_none());

    let follow = json!({"tools": tools, "contents": [
        {"role": "user", "parts": [{"text": "list"}]},
        {"role": "model", "parts": [{"functionCall": {"name": "list_directory", "args": {}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "list_directory",
            "response": {"output": "marker.txt (6 bytes)"}}}]}]});
    let v = post(
        mock.addr(),
        &format!("{FLASH}:generateContent"),
        &[KEY],
        &follow,
    )
    .await
    .json();
    assert_eq!(
        v["candidates"][0]["content"]["parts"][0]["text"],
        "tool said: marker.txt (6 bytes)"
    );
}

#[tokio::test]
async fn stream_without_alt_sse_is_a_json_array() {
    let mock = start(MockConfig {
        chunks: 3,
        ..MockConfig::default()
    })
    .await;
    let r = post(
        mock.addr(),
        &format!("{FLASH}:streamGenerateContent"),
        &[KEY],
        &json!({"contents": user("arr")}),
    )
    .await;
    let v = r.json();
    let items = v.as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 3);
    let text: String = items
        .iter()
        .filter_map(|c| c["candidates"][0]["content"]["parts"][0]["text"].as_str())
        .collect();
    assert_eq!(text, "mock reply to: arr");
}

#[tokio::test]
async fn count_tokens_embeddings_and_models() {
    let mock = start(MockConfig::default()).await;
    let req = json!({"contents": user("count")});
    let v = post(mock.addr(), &format!("{FLASH}:countTokens"), &[KEY], &req)
        .await
        .json();
    assert_eq!(v["totalTokens"], req.to_string().len() / 4);

    let emb = "/v1beta/models/text-embedding-004";
    let v = post(
        mock.addr(),
        &format!("{emb}:embedContent"),
        &[KEY],
        &json!({"content": {"parts": [{"text": "a"}]}, "outputDimensionality": 5}),
    )
    .await
    .json();
    assert_eq!(v["embedding"]["values"].as_array().map(Vec::len), Some(5));
    let single = v["embedding"]["values"].clone();
    let v = post(mock.addr(), &format!("{emb}:batchEmbedContents"), &[KEY], &json!({"requests": [
        {"model": "models/text-embedding-004", "content": {"parts": [{"text": "a"}]}, "outputDimensionality": 5},
        {"model": "models/text-embedding-004", "content": {"parts": [{"text": "b"}]}}]})).await.json();
    assert_eq!(v["embeddings"][0]["values"], single);
    assert_eq!(
        v["embeddings"][1]["values"].as_array().map(Vec::len),
        Some(8)
    );

    for path in ["/v1beta/models", "/v1/models"] {
        let v = get(mock.addr(), path, &[KEY]).await.json();
        assert_eq!(v["models"][0]["name"], "models/gemini-2.5-flash", "{path}");
    }
    let v = get(mock.addr(), "/v1/models?key=AIza-test", &[])
        .await
        .json();
    assert!(v["models"].is_array());
    let v = get(mock.addr(), "/v1beta/models/gemini-2.5-flash", &[KEY])
        .await
        .json();
    assert_eq!(v["name"], "models/gemini-2.5-flash");
}
