//! OpenAI endpoints over HTTP: chat and responses (plain and streamed), tools, embeddings, models.

use serde_json::{json, Value};

use super::client::{get, post, start};
use crate::MockConfig;

const AUTH: (&str, &str) = ("authorization", "Bearer sk-test");

fn weather_tools() -> Value {
    json!([
        {"type": "function", "function": {"name": "get_weather", "parameters": {
            "type": "object", "required": ["city", "days"],
            "properties": {"city": {"type": "string"}, "days": {"type": "integer"}, "unit": {"type": "string"}}}}},
        {"type": "function", "function": {"name": "get_time", "parameters": {
            "type": "object", "required": ["zone"], "properties": {"zone": {"type": "string", "enum": ["UTC", "CET"]}}}}}
    ])
}

#[tokio::test]
async fn chat_completion_object_echoes_model_and_counts_usage() {
    let mock = start(MockConfig::default()).await;
    let req = json!({"model": "gpt-4o-mini", "prompt_cache_key": "k",
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "Hello there"}]});
    let r = post(mock.addr(), "/v1/chat/completions", &[AUTH], &req).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["model"], "gpt-4o-mini");
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "mock reply to: Hello there"
    );
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    let input = (req.to_string().len() / 4) as u64;
    assert_eq!(v["usage"]["prompt_tokens"], input);
    assert_eq!(v["usage"]["completion_tokens"], 26 / 4);
    assert_eq!(
        v["usage"]["prompt_tokens_details"]["cached_tokens"],
        input / 2
    );
}

#[tokio::test]
async fn chat_stream_sends_data_only_chunks_usage_and_done() {
    let mock = start(MockConfig {
        chunks: 3,
        ..MockConfig::default()
    })
    .await;
    let req = json!({"model": "gpt-4o", "stream": true, "stream_options": {"include_usage": true},
        "messages": [{"role": "user", "content": "stream me"}]});
    let r = post(mock.addr(), "/v1/chat/completions", &[AUTH], &req).await;
    assert_eq!(r.header("content-type"), Some("text/event-stream"));
    let events = r.events();
    assert!(events.iter().all(|(name, _)| name.is_none()));
    assert_eq!(events.last().map(|e| &e.1), Some(&json!("[DONE]")));
    let chunks: Vec<&Value> = events
        .iter()
        .map(|e| &e.1)
        .filter(|d| d.is_object())
        .collect();
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "mock reply to: stream me");
    let content_chunks = chunks
        .iter()
        .filter(|c| {
            c["choices"][0]["delta"]["content"]
                .as_str()
                .is_some_and(|s| !s.is_empty())
        })
        .count();
    assert_eq!(content_chunks, 3);
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let finish: Vec<&Value> = chunks
        .iter()
        .map(|c| &c["choices"][0]["finish_reason"])
        .filter(|f| !f.is_null())
        .collect();
    assert_eq!(finish, [&json!("stop")]);
    let last = chunks.last().unwrap_or_else(|| panic!("no chunks"));
    assert_eq!(last["choices"], json!([]));
    assert_eq!(last["usage"]["completion_tokens"], 24 / 4);
    assert!(chunks[..chunks.len() - 1]
        .iter()
        .all(|c| c["usage"].is_null()));
    assert!(chunks
        .iter()
        .all(|c| c["model"] == "gpt-4o" && c["object"] == "chat.completion.chunk"));
}

#[tokio::test]
async fn chat_tool_calls_plain_streamed_parallel_and_after_result() {
    let mock = start(MockConfig {
        chunks: 4,
        ..MockConfig::default()
    })
    .await;
    let base = json!({"model": "gpt-4o", "tools": weather_tools(),
        "messages": [{"role": "user", "content": "weather please"}]});
    let v = post(mock.addr(), "/v1/chat/completions", &[AUTH], &base)
        .await
        .json();
    let call = &v["choices"][0]["message"]["tool_calls"][0];
    assert_eq!(v["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(
        v["choices"][0]["message"]["tool_calls"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(call["function"]["name"], "get_weather");
    assert_eq!(call["function"]["arguments"], r#"{"city":"x","days":1}"#);

    let mut streamed = base.clone();
    streamed["stream"] = json!(true);
    streamed["messages"][0]["content"] = json!("do both in parallel");
    let r = post(mock.addr(), "/v1/chat/completions", &[AUTH], &streamed).await;
    let mut args = [String::new(), String::new()];
    let mut names = Vec::new();
    let mut arg_deltas = 0;
    for (_, d) in r.events() {
        for tc in d["choices"][0]["delta"]["tool_calls"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let i = tc["index"].as_u64().unwrap_or(9) as usize;
            if let Some(n) = tc["function"]["name"].as_str() {
                names.push(n.to_owned());
                assert!(tc["id"].as_str().is_some_and(|id| id.starts_with("call_")));
            }
            if let Some(a) = tc["function"]["arguments"]
                .as_str()
                .filter(|a| !a.is_empty())
            {
                args[i].push_str(a);
                arg_deltas += 1;
            }
        }
    }
    assert_eq!(names, ["get_weather", "get_time"]);
    assert_eq!(args, [r#"{"city":"x","days":1}"#, r#"{"zone":"UTC"}"#]);
    assert_eq!(arg_deltas, 8);

    let mut after = base.clone();
    after["messages"] = json!([{"role": "user", "content": "weather please"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
            "function": {"name": "get_weather", "arguments": "{}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "sunny, 21C"}]);
    let v = post(mock.addr(), "/v1/chat/completions", &[AUTH], &after)
        .await
        .json();
    assert_eq!(
        v["choices"][0]["message"]["content"],
        "tool said: sunny, 21C"
    );
}

fn types(events: &[(Option<String>, Value)]) -> Vec<String> {
    events
        .iter()
        .map(|(name, data)| {
            assert_eq!(
                name.as_deref(),
                data["type"].as_str(),
                "event name = data.type"
            );
            name.clone().unwrap_or_default()
        })
        .collect()
}

#[tokio::test]
async fn responses_object_and_stream_with_reasoning() {
    let mock = start(MockConfig {
        chunks: 2,
        ..MockConfig::default()
    })
    .await;
    let req = json!({"model": "gpt-5", "input": "explain", "reasoning": {"effort": "low", "summary": "auto"},
        "include": ["reasoning.encrypted_content"]});
    let v = post(mock.addr(), "/v1/responses", &[AUTH], &req)
        .await
        .json();
    assert_eq!(
        (
            v["object"].as_str(),
            v["status"].as_str(),
            v["model"].as_str()
        ),
        (Some("response"), Some("completed"), Some("gpt-5"))
    );
    assert_eq!(v["output"][0]["type"], "reasoning");
    assert_eq!(
        v["output"][0]["summary"][0]["text"],
        "thinking about: explain"
    );
    assert_eq!(v["output"][0]["encrypted_content"], crate::SIGNATURE);
    assert_eq!(
        v["output"][1]["content"][0]["text"],
        "mock reply to: explain"
    );
    assert_eq!(
        v["usage"]["output_tokens_details"]["reasoning_tokens"],
        23 / 4
    );
    assert_eq!(v["usage"]["output_tokens"], (23 + 22) / 4);

    let mut streamed = req.clone();
    streamed["stream"] = json!(true);
    let events = post(mock.addr(), "/v1/responses", &[AUTH], &streamed)
        .await
        .events();
    let want = [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_summary_part.done",
        "response.output_item.done",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.delta",
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ];
    assert_eq!(types(&events), want);
    let seqs: Vec<u64> = events
        .iter()
        .filter_map(|e| e.1["sequence_number"].as_u64())
        .collect();
    assert_eq!(seqs, (0..want.len() as u64).collect::<Vec<_>>());
    let ids: Vec<&Value> = events
        .iter()
        .filter_map(|e| e.1.get("response"))
        .map(|r| &r["id"])
        .collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "one response id");
    let text: String = events
        .iter()
        .filter(|e| e.1["type"] == "response.output_text.delta")
        .filter_map(|e| e.1["delta"].as_str())
        .collect();
    assert_eq!(text, "mock reply to: explain");
    let done = &events[15].1["item"];
    assert_eq!(
        (done["type"].as_str(), done["status"].as_str()),
        (Some("message"), Some("completed"))
    );
    assert_eq!(
        events[16].1["response"]["usage"]["output_tokens"],
        v["usage"]["output_tokens"]
    );
    assert_eq!(
        events[16].1["response"]["usage"]["input_tokens"],
        streamed.to_string().len() / 4
    );
}

#[tokio::test]
async fn responses_stream_function_call_and_tool_output_turn() {
    let mock = start(MockConfig::default()).await;
    let tools = json!([{"type": "web_search"}, {"type": "function", "name": "exec_command",
        "parameters": {"type": "object", "required": ["cmd"], "properties": {"cmd": {"type": "string"}}}}]);
    let req = json!({"model": "gpt-5", "stream": true, "tools": tools, "prompt_cache_key": "abc",
        "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "run it"}]}]});
    let events = post(mock.addr(), "/v1/responses", &[AUTH], &req)
        .await
        .events();
    let names = types(&events);
    assert_eq!(
        names
            .iter()
            .filter(|n| *n == "response.function_call_arguments.delta")
            .count(),
        4
    );
    let args: String = events
        .iter()
        .filter(|e| e.1["type"] == "response.function_call_arguments.delta")
        .filter_map(|e| e.1["delta"].as_str())
        .collect();
    assert_eq!(args, r#"{"cmd":"x"}"#);
    let done = events
        .iter()
        .find(|e| e.1["type"] == "response.function_call_arguments.done")
        .map(|e| &e.1);
    assert_eq!(
        done.map(|d| &d["arguments"]),
        Some(&json!(r#"{"cmd":"x"}"#))
    );
    let completed = &events
        .last()
        .map(|e| &e.1["response"])
        .cloned()
        .unwrap_or_default();
    assert_eq!(completed["output"][0]["type"], "function_call");
    assert_eq!(completed["output"][0]["name"], "exec_command");
    assert!(completed["usage"]["input_tokens_details"]["cached_tokens"].as_u64() > Some(0));

    let follow = json!({"model": "gpt-5", "tools": tools, "input": [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "run it"}]},
        {"type": "function_call", "call_id": "call_1", "name": "exec_command", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "call_1", "output": "mock-tool-ran\n"}]});
    let v = post(mock.addr(), "/v1/responses", &[AUTH], &follow)
        .await
        .json();
    assert_eq!(
        v["output"][0]["content"][0]["text"],
        "tool said: mock-tool-ran\n"
    );
}

#[tokio::test]
async fn input_tokens_models_and_embeddings() {
    let mock = start(MockConfig::default()).await;
    let req = json!({"model": "gpt-5", "input": "count me please"});
    let v = post(mock.addr(), "/v1/responses/input_tokens", &[AUTH], &req)
        .await
        .json();
    assert_eq!(
        v,
        json!({"object": "response.input_tokens", "input_tokens": req.to_string().len() / 4})
    );

    let v = get(mock.addr(), "/v1/models", &[AUTH]).await.json();
    assert_eq!(v["object"], "list");
    assert_eq!(v["data"][0]["object"], "model");
    let v = get(mock.addr(), "/v1/models/gpt-4.1-nano", &[AUTH])
        .await
        .json();
    assert_eq!(v["id"], "gpt-4.1-nano");

    let req = json!({"model": "text-embedding-3-small", "input": ["a", "b"], "encoding_format": "float", "dimensions": 4});
    let v = post(mock.addr(), "/v1/embeddings", &[AUTH], &req)
        .await
        .json();
    assert_eq!(v["model"], "text-embedding-3-small");
    assert_eq!(v["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["data"][1]["index"], 1);
    assert_eq!(v["data"][0]["embedding"].as_array().map(Vec::len), Some(4));
    let req = json!({"model": "text-embedding-3-small", "input": "a", "encoding_format": "base64"});
    let v = post(mock.addr(), "/v1/embeddings", &[AUTH], &req)
        .await
        .json();
    // 8 f32 = 32 bytes = 44 base64 chars
    assert_eq!(v["data"][0]["embedding"].as_str().map(str::len), Some(44));
    let missing = post(
        mock.addr(),
        "/v1/chat/completions",
        &[AUTH],
        &json!({"messages": []}),
    )
    .await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.json()["error"]["type"], "invalid_request_error");
}
