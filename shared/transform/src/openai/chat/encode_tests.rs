//! Chat encoder tests on IR from other families: tool results, signatures, extras, finish.
#![allow(clippy::unwrap_used, clippy::panic)]

use gproxy_protocol::Family;
use serde_json::{json, Value};

use super::tests::{encode, json_of};
use super::ChatCodec;
use crate::codec::{Codec, EncodeContext};
use crate::diag::Diagnostics;
use crate::ir::{self, Part, Role, StopReason};

#[test]
fn foreign_requests_encode_with_diagnostics() {
    let sig = ir::Opaque {
        family: Family::Anthropic,
        value: json!("EqQBCkgIARAB"),
    };
    let mut extra = ir::Extra::new();
    extra.insert("container".into(), json!("c1"));
    let req = ir::Request {
        model: "gpt-4.1".into(),
        messages: vec![
            ir::Message::text(Role::User, "Run it."),
            ir::Message::new(
                Role::Assistant,
                vec![
                    Part::Reasoning(ir::Reasoning {
                        text: "I should call.".into(),
                        signature: Some(sig),
                        ..Default::default()
                    }),
                    Part::ToolCall(ir::ToolCall {
                        id: "toolu_01".into(),
                        name: "run".into(),
                        namespace: Some("shell".into()),
                        arguments: r#"{"cmd":"ls"}"#.into(),
                        ..Default::default()
                    }),
                ],
            ),
            ir::Message::new(
                Role::User,
                vec![
                    Part::ToolResult(ir::ToolResult {
                        call_id: "toolu_01".into(),
                        content: vec![Part::Text(ir::Text::new("a.txt"))],
                        is_error: true,
                        ..Default::default()
                    }),
                    Part::Text(ir::Text::new("Thanks.")),
                ],
            ),
        ],
        tools: vec![ir::Tool::Function(ir::FunctionTool {
            name: "run".into(),
            namespace: Some("shell".into()),
            parameters: Some(json!({"type": "object"}).into()),
            ..Default::default()
        })],
        tool_choice: Some(ir::ToolChoice::Tool("shell__run".into())),
        reasoning: Some(ir::ReasoningConfig {
            enabled: Some(true),
            budget_tokens: Some(2048),
            ..Default::default()
        }),
        response_format: Some(ir::ResponseFormat::JsonSchema {
            name: None,
            schema: json!({"type": "object"}),
            strict: Some(true),
            description: None,
        }),
        max_output_tokens: Some(1024),
        top_k: Some(40),
        stop: vec!["END".into()],
        user: Some("user-1".into()),
        origin: Some(Family::Anthropic),
        extra,
        ..Default::default()
    };
    let (out, diag) = encode(&req);
    assert_eq!(
        out["messages"],
        json!([
            {"role": "user", "content": "Run it."},
            {"role": "assistant", "tool_calls": [{"id": "toolu_01", "type": "function", "function": {"name": "shell__run", "arguments": "{\"cmd\":\"ls\"}"}}]},
            {"role": "tool", "tool_call_id": "toolu_01", "content": "a.txt"},
            {"role": "user", "content": "Thanks."}
        ])
    );
    assert_eq!(out["tools"][0]["function"]["name"], "shell__run");
    assert_eq!(
        out["tool_choice"],
        json!({"type": "function", "function": {"name": "shell__run"}})
    );
    assert_eq!(out["reasoning_effort"], "low");
    assert_eq!(out["response_format"]["json_schema"]["name"], "response");
    assert_eq!(
        (
            out["max_completion_tokens"].clone(),
            out["stop"].clone(),
            out["user"].clone()
        ),
        (json!(1024), json!(["END"]), json!("user-1"))
    );
    assert!(out.get("top_k").is_none() && out.get("container").is_none());
    for field in [
        "messages[1].content[0].signature",
        "reasoning.budget_tokens",
        "response_format.name",
        "top_k",
        "container",
        "is_error",
    ] {
        assert!(diag.mentions(field), "{field}: {:?}", diag.items());
    }
}

#[test]
fn responses_extras_and_web_search_carry_over() {
    let mut extra = ir::Extra::new();
    for (k, v) in [
        ("store", json!(false)),
        ("prompt_cache_key", json!("k1")),
        ("truncation", json!("auto")),
        (
            "tool_choice",
            json!({"type": "allowed_tools", "mode": "auto", "tools": []}),
        ),
    ] {
        extra.insert(k.into(), v);
    }
    let web = ir::Opaque {
        family: Family::OpenAi,
        value: json!({"type": "web_search", "search_context_size": "high", "user_location": {"type": "approximate", "city": "Paris"}}),
    };
    let req = ir::Request {
        model: "gpt-4o".into(),
        messages: vec![ir::Message::text(Role::Developer, "Be brief.")],
        tools: vec![ir::Tool::WebSearch { config: web }],
        origin: Some(Family::OpenAi),
        extra,
        ..Default::default()
    };
    let (out, diag) = encode(&req);
    assert_eq!(
        out["messages"],
        json!([{"role": "developer", "content": "Be brief."}])
    );
    assert_eq!(
        out["web_search_options"],
        json!({"search_context_size": "high", "user_location": {"type": "approximate", "approximate": {"city": "Paris"}}})
    );
    assert_eq!(
        (out["store"].clone(), out["prompt_cache_key"].clone()),
        (json!(false), json!("k1"))
    );
    assert!(out.get("truncation").is_none() && out.get("tool_choice").is_none());
    assert!(diag.mentions("truncation") && diag.mentions("tool_choice"));
}

#[test]
fn gemini_answer_with_calls_finishes_with_tool_calls() {
    let resp = ir::Response {
        id: String::new(),
        content: vec![Part::ToolCall(ir::ToolCall {
            id: "call_1".into(),
            name: "f".into(),
            arguments: "{}".into(),
            ..Default::default()
        })],
        stop_reason: Some(StopReason::EndTurn),
        usage: Some(ir::Usage {
            input_tokens: 10,
            output_tokens: 3,
            cache_write_tokens: 2,
            ..Default::default()
        }),
        ..Default::default()
    };
    let ctx = EncodeContext {
        fallback_id: "chatcmpl-gw1".into(),
        created: 1700000000,
        model: "gemini-2.5-flash".into(),
        ..Default::default()
    };
    let mut diag = Diagnostics::new();
    let out = json_of(&ChatCodec.encode_response(&resp, &ctx, &mut diag));
    assert_eq!(
        (
            out["id"].clone(),
            out["model"].clone(),
            out["created"].clone()
        ),
        (
            json!("chatcmpl-gw1"),
            json!("gemini-2.5-flash"),
            json!(1700000000)
        )
    );
    assert_eq!(out["choices"][0]["finish_reason"], "tool_calls");
    assert_eq!(out["choices"][0]["message"]["content"], Value::Null);
    assert_eq!(out["usage"]["total_tokens"], 13);
    assert!(diag.mentions("cache_write_tokens"));
}

#[test]
fn every_chat_field_survives_the_ir() {
    let body = json!({
        "model": "gpt-4o",
        "messages": [
            {"role": "developer", "content": "Be brief.", "name": "ops"},
            {"role": "user", "content": [
                {"type": "text", "text": "look"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "high"}},
                {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
                {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0=", "filename": "a.pdf"}},
                {"type": "file", "file": {"file_id": "file-abc123"}}
            ]},
            {"role": "assistant", "content": "Calling.", "reasoning_content": "think",
             "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}},
                            {"id": "call_2", "type": "custom", "custom": {"name": "g", "input": "raw"}}]},
            {"role": "tool", "tool_call_id": "call_1", "content": "ok"},
            {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
            {"role": "function", "name": "f", "content": "legacy"}
        ],
        "tools": [
            {"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object"}, "strict": true}},
            {"type": "custom", "custom": {"name": "g", "format": {"type": "grammar", "grammar": {"definition": "start: /x/", "syntax": "lark"}}}}
        ],
        "tool_choice": {"type": "custom", "custom": {"name": "g"}},
        "parallel_tool_calls": false,
        "response_format": {"type": "json_schema", "json_schema": {"name": "r", "schema": {"type": "object"}, "strict": true}},
        "max_tokens": 10, "temperature": 0.5, "top_p": 0.9, "top_k": 40,
        "stop": ["END"], "n": 2, "seed": 7, "presence_penalty": 0.1, "frequency_penalty": 0.2,
        "logit_bias": {"50256": -100}, "logprobs": true, "top_logprobs": 3, "reasoning_effort": "minimal",
        "verbosity": "low", "stream": true, "stream_options": {"include_usage": true, "include_obfuscation": false},
        "safety_identifier": "s", "prompt_cache_key": "k", "metadata": {"a": "b"}, "store": true,
        "service_tier": "flex", "modalities": ["text", "audio"], "audio": {"voice": "alloy", "format": "wav"},
        "prediction": {"type": "content", "content": "x"},
        "web_search_options": {"search_context_size": "low", "user_location": {"type": "approximate", "approximate": {"city": "Paris", "country": "FR"}}}
    });
    let req = ChatCodec
        .decode_request(body.to_string().as_bytes(), Default::default())
        .unwrap();
    assert_eq!(req.user.as_deref(), Some("s"));
    assert_eq!(req.max_output_tokens, Some(10));
    let Some(ir::Tool::WebSearch { config }) = req.tools.last() else {
        panic!("{:?}", req.tools)
    };
    // The web-search config is in the Responses tool shape, which both OpenAI kinds read.
    assert_eq!(
        config.value,
        json!({"type": "web_search", "search_context_size": "low", "user_location": {"type": "approximate", "city": "Paris", "country": "FR"}})
    );
    let ir::Tool::Custom { format, .. } = &req.tools[1] else {
        panic!("{:?}", req.tools)
    };
    assert_eq!(
        format,
        &Some(json!({"type": "grammar", "definition": "start: /x/", "syntax": "lark"}))
    );
    let (out, diag) = encode(&req);
    assert_eq!(out, body);
    assert!(diag.is_empty(), "{:?}", diag.items());
}
