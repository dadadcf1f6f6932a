//! Round trips of the Chat wire models on captured client requests and real response shapes.
#![allow(clippy::unwrap_used, clippy::panic)]

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::*;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/clients"
);

fn round_trip<T: DeserializeOwned + Serialize>(v: &Value) -> T {
    let typed: T = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(&serde_json::to_value(&typed).unwrap(), v);
    typed
}

/// Every Chat request body the SDKs sent.
fn fixture_bodies() -> Vec<Value> {
    let mut out = Vec::new();
    for file in [
        "python-sdks_all-endpoints.jsonl",
        "node-sdks_all-endpoints.jsonl",
    ] {
        let text = std::fs::read_to_string(format!("{FIXTURES}/{file}")).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let rec: Value = serde_json::from_str(line).unwrap();
            if rec["path"] == "/v1/chat/completions" {
                out.push(rec["body"].clone());
            }
        }
    }
    out
}

#[test]
fn fixture_requests_round_trip() {
    let bodies = fixture_bodies();
    assert!(bodies.len() >= 10);
    for body in &bodies {
        round_trip::<ChatRequest>(body);
    }
}

#[test]
fn every_request_field_round_trips() {
    let body = json!({
        "model": "gpt-4o",
        "messages": [
            {"role": "developer", "content": [{"type": "text", "text": "Be brief."}], "name": "ops"},
            {"role": "user", "content": [
                {"type": "text", "text": "look"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "high"}},
                {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
                {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "a.pdf"}},
                {"type": "future_part", "blob": {"x": 1}}
            ]},
            {"role": "assistant", "content": null, "refusal": null, "reasoning_content": "think",
             "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                            {"id": "call_2", "type": "custom", "custom": {"name": "g", "input": "raw"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "ok"},
            {"role": "function", "name": "f", "content": "legacy"}
        ],
        "tools": [
            {"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object"}, "strict": true}},
            {"type": "custom", "custom": {"name": "g", "format": {"type": "grammar", "grammar": {"definition": "start: /x/", "syntax": "lark"}}}}
        ],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
        "parallel_tool_calls": false,
        "response_format": {"type": "json_schema", "json_schema": {"name": "r", "schema": {"type": "object"}, "strict": true}},
        "max_tokens": 10, "max_completion_tokens": 20, "temperature": 0.5, "top_p": 0.9,
        "stop": ["END"], "n": 2, "seed": 7, "presence_penalty": 0.1, "frequency_penalty": 0.2,
        "logit_bias": {"50256": -100}, "logprobs": true, "top_logprobs": 3, "reasoning_effort": "low",
        "verbosity": "low", "stream": true, "stream_options": {"include_usage": true, "include_obfuscation": false},
        "user": "u", "safety_identifier": "s", "prompt_cache_key": "k", "metadata": {"a": "b"}, "store": true,
        "service_tier": "flex", "modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "wav"},
        "prediction": {"type": "content", "content": "x"},
        "web_search_options": {"search_context_size": "low", "user_location": {"type": "approximate", "approximate": {"city": "Paris"}}},
        "some_vendor_flag": {"enable_thinking": true}
    });
    let req: ChatRequest = round_trip(&body);
    assert_eq!(req.messages[2].content, Some(None));
    assert_eq!(
        req.messages[1]
            .content
            .clone()
            .flatten()
            .map(|c| matches!(c, MessageContent::Parts(p) if p.len() == 5)),
        Some(true)
    );
    assert_eq!(
        req.extra["some_vendor_flag"],
        json!({"enable_thinking": true})
    );
    assert_eq!(req.stop, Some(request::Stop::Many(vec!["END".into()])));
}

#[test]
fn responses_and_chunks_round_trip() {
    let resp = json!({
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT", "object": "chat.completion", "created": 1741569952,
        "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello!", "refusal": null, "annotations": []},
                     "logprobs": null, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 19, "completion_tokens": 10, "total_tokens": 29,
                  "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                  "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
        "service_tier": "default", "system_fingerprint": null
    });
    let typed: ChatCompletion = round_trip(&resp);
    assert_eq!(typed.choices[0].finish_reason, Some(Some("stop".into())));
    let chunks = [
        json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini", "service_tier": "default", "system_fingerprint": "fp_1",
               "choices": [{"index": 0, "delta": {"role": "assistant", "content": "", "refusal": null}, "logprobs": null, "finish_reason": null}], "usage": null, "obfuscation": "ab"}),
        json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini",
               "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 1, "id": "call_t1", "type": "function", "function": {"name": "get_time", "arguments": ""}}]}, "logprobs": null, "finish_reason": null}]}),
        json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "gpt-4o-mini",
               "choices": [], "usage": {"prompt_tokens": 8, "completion_tokens": 2, "total_tokens": 10}}),
    ];
    for c in &chunks {
        round_trip::<ChatCompletionChunk>(c);
    }
}
