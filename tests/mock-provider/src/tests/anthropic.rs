//! Anthropic endpoints over HTTP: messages (plain and streamed, thinking, tool use), count_tokens, models.

use serde_json::{json, Value};

use super::client::{get, post, start};
use crate::MockConfig;

const KEY: (&str, &str) = ("x-api-key", "sk-ant-test");
const VERSION: (&str, &str) = ("anthropic-version", "2023-06-01");

fn bash_tools() -> Value {
    json!([
        {"type": "web_search_20250305", "name": "web_search"},
        {"name": "Bash", "input_schema": {"type": "object", "required": ["command"],
            "properties": {"command": {"type": "string"}, "timeout": {"type": "number"}}}},
        {"name": "Read", "input_schema": {"type": "object", "required": ["file_path", "limit"],
            "properties": {"file_path": {"type": "string"}, "limit": {"type": "number"}}}}
    ])
}

#[tokio::test]
async fn message_object_with_thinking_and_cache_usage() {
    let mock = start(MockConfig::default()).await;
    let req = json!({"model": "claude-sonnet-4-5", "max_tokens": 1024,
        "thinking": {"type": "enabled", "budget_tokens": 2000},
        "system": [{"type": "text", "text": "sys", "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": "<reminder>"}, {"type": "text", "text": "say hi"}]}]});
    let r = post(mock.addr(), "/v1/messages", &[KEY, VERSION], &req).await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(
        (v["type"].as_str(), v["model"].as_str()),
        (Some("message"), Some("claude-sonnet-4-5"))
    );
    assert_eq!(
        v["content"][0],
        json!({"type": "thinking", "thinking": "thinking about: say hi", "signature": crate::SIGNATURE})
    );
    assert_eq!(
        v["content"][1],
        json!({"type": "text", "text": "mock reply to: say hi"})
    );
    assert_eq!(v["stop_reason"], "end_turn");
    let total = (req.to_string().len() / 4) as u64;
    let cached = total / 2;
    assert_eq!(v["usage"]["cache_read_input_tokens"], cached);
    assert_eq!(v["usage"]["input_tokens"], total - cached);
    assert_eq!(v["usage"]["output_tokens"], (22 + 21) / 4);
}

#[tokio::test]
async fn message_stream_has_named_events_thinking_signature_and_text() {
    let mock = start(MockConfig {
        chunks: 3,
        ..MockConfig::default()
    })
    .await;
    let req = json!({"model": "claude-opus-4-1", "max_tokens": 64, "stream": true,
        "thinking": {"type": "adaptive"}, "messages": [{"role": "user", "content": "hello"}]});
    let events = post(mock.addr(), "/v1/messages", &[KEY, VERSION], &req)
        .await
        .events();
    for (name, data) in &events {
        assert_eq!(name.as_deref(), data["type"].as_str());
    }
    let names: Vec<&str> = events.iter().filter_map(|e| e.0.as_deref()).collect();
    assert_eq!(
        names,
        [
            "message_start",
            "content_block_start",
            "ping",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "content_block_start",
            "content_block_delta",
            "content_block_delta",
            "content_block_delta",
            "content_block_stop",
            "message_delta",
            "message_stop",
        ]
    );
    assert_eq!(events[0].1["message"]["model"], "claude-opus-4-1");
    assert_eq!(events[1].1["content_block"]["type"], "thinking");
    let thinking: String = events
        .iter()
        .filter(|e| e.1["delta"]["type"] == "thinking_delta")
        .filter_map(|e| e.1["delta"]["thinking"].as_str())
        .collect();
    assert_eq!(thinking, "thinking about: hello");
    assert_eq!(
        events[6].1["delta"],
        json!({"type": "signature_delta", "signature": crate::SIGNATURE})
    );
    let text: String = events
        .iter()
        .filter(|e| e.1["delta"]["type"] == "text_delta" && e.1["index"] == 1)
        .filter_map(|e| e.1["delta"]["text"].as_str())
        .collect();
    assert_eq!(text, "mock reply to: hello");
    assert_eq!(events[13].1["delta"]["stop_reason"], "end_turn");
    assert_eq!(events[13].1["usage"]["output_tokens"], (20 + 21) / 4);
}

#[tokio::test]
async fn tool_use_streams_input_json_in_pieces_then_answers_the_result() {
    let mock = start(MockConfig::default()).await;
    let req = json!({"model": "claude-haiku-4-5", "max_tokens": 64, "stream": true, "tools": bash_tools(),
        "messages": [{"role": "user", "content": "use tools in parallel"}]});
    let events = post(mock.addr(), "/v1/messages", &[KEY, VERSION], &req)
        .await
        .events();
    let starts: Vec<&Value> = events
        .iter()
        .filter(|e| e.1["type"] == "content_block_start")
        .map(|e| &e.1["content_block"])
        .collect();
    assert_eq!(starts.len(), 2);
    assert_eq!(
        (starts[0]["name"].as_str(), starts[1]["name"].as_str()),
        (Some("Bash"), Some("Read"))
    );
    assert!(starts[0]["id"]
        .as_str()
        .is_some_and(|id| id.starts_with("toolu_")));
    assert_eq!(starts[0]["input"], json!({}));
    for (index, want) in [
        (0, json!({"command": "x"})),
        (1, json!({"file_path": "x", "limit": 1})),
    ] {
        let pieces: Vec<&str> = events
            .iter()
            .filter(|e| e.1["delta"]["type"] == "input_json_delta" && e.1["index"] == index)
            .filter_map(|e| e.1["delta"]["partial_json"].as_str())
            .collect();
        assert_eq!(pieces.len(), 4);
        let parsed: Value = serde_json::from_str(&pieces.concat()).unwrap_or_default();
        assert_eq!(parsed, want);
    }
    let delta = events
        .iter()
        .find(|e| e.1["type"] == "message_delta")
        .map(|e| &e.1["delta"]["stop_reason"]);
    assert_eq!(delta, Some(&json!("tool_use")));

    let follow = json!({"model": "claude-haiku-4-5", "max_tokens": 64, "tools": bash_tools(), "messages": [
        {"role": "user", "content": "run"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "mock-tool-ran"}]}]});
    let v = post(mock.addr(), "/v1/messages", &[KEY, VERSION], &follow)
        .await
        .json();
    assert_eq!(v["content"][0]["text"], "tool said: mock-tool-ran");
    let v = post(mock.addr(), "/v1/messages", &[KEY, VERSION],
        &json!({"model": "m", "max_tokens": 8, "tools": bash_tools(), "messages": [{"role": "user", "content": "go"}]})).await.json();
    assert_eq!(v["content"][0]["input"], json!({"command": "x"}));
    assert_eq!(v["content"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn count_tokens_and_models_told_apart_by_version_header() {
    let mock = start(MockConfig::default()).await;
    let req =
        json!({"model": "claude-sonnet-4-5", "messages": [{"role": "user", "content": "count"}]});
    let v = post(
        mock.addr(),
        "/v1/messages/count_tokens",
        &[KEY, VERSION],
        &req,
    )
    .await
    .json();
    assert_eq!(v, json!({"input_tokens": req.to_string().len() / 4}));
    let v = get(mock.addr(), "/v1/models", &[KEY, VERSION]).await.json();
    assert_eq!(v["data"][0]["type"], "model");
    assert_eq!(v["has_more"], false);
    assert_eq!(v["first_id"], v["data"][0]["id"]);
    let v = get(mock.addr(), "/v1/models/claude-x", &[KEY, VERSION])
        .await
        .json();
    assert_eq!(
        (v["type"].as_str(), v["id"].as_str()),
        (Some("model"), Some("claude-x"))
    );
}
