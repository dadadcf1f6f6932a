//! Wire-model tests on captured client requests and documented response / event shapes.

use serde_json::{json, Value};

use super::*;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/clients"
);

/// Bodies of every captured Anthropic Messages / count-tokens request.
fn captured_bodies() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let rec: Value = serde_json::from_str(line).unwrap();
            let p = rec["path"].as_str().unwrap_or("");
            if p.starts_with("/v1/messages") && rec["method"] == "POST" {
                out.push((format!("{}:{}", path.display(), n + 1), rec["body"].clone()));
            }
        }
    }
    out
}

#[test]
fn captured_requests_round_trip_unchanged() {
    let bodies = captured_bodies();
    assert!(
        bodies.len() >= 15,
        "expected the Claude Code and SDK captures, got {}",
        bodies.len()
    );
    for (at, body) in bodies {
        let req: MessagesRequest =
            serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{at}: {e}"));
        let back = serde_json::to_value(&req).unwrap();
        assert_eq!(back, body, "{at}: decode → encode changed the body");
    }
}

#[test]
fn claude_code_shapes_are_typed_not_unknown() {
    let bodies = captured_bodies();
    let (_, body) = bodies
        .iter()
        .find(|(at, _)| at.contains("default-model"))
        .unwrap();
    let req: MessagesRequest = serde_json::from_value(body.clone()).unwrap();
    assert!(req.messages.iter().any(|m| m.role == Role::System));
    assert!(matches!(req.thinking, Some(Thinking::Adaptive(_))));
    assert_eq!(
        req.output_config.as_ref().and_then(|c| c.effort.as_deref()),
        Some("high")
    );
    assert!(
        matches!(req.system, Some(System::Blocks(ref b)) if b.iter().all(|b| matches!(b, ContentBlock::Text(_))))
    );
    let tools = req.tools.unwrap();
    assert!(tools.iter().all(|t| matches!(t, Tool::Custom(_))));

    let (_, body) = bodies
        .iter()
        .rfind(|(at, _)| at.contains("tool-roundtrip"))
        .unwrap();
    let req: MessagesRequest = serde_json::from_value(body.clone()).unwrap();
    let MessageContent::Blocks(blocks) = &req.messages[2].content else {
        panic!("blocks")
    };
    let ContentBlock::ToolResult(tr) = &blocks[0] else {
        panic!("tool_result, got {:?}", blocks[0])
    };
    assert_eq!(tr.tool_use_id, "toolu_mock1");
    assert_eq!(
        tr.content,
        Some(ToolResultContent::Text("mock-tool-ran".into()))
    );
    assert!(tr.cache_control.is_some());
    assert!(matches!(
        req.thinking,
        Some(Thinking::Enabled(ThinkingEnabled {
            budget_tokens: 31999,
            ..
        }))
    ));
}

#[test]
fn blocks_of_every_kind_decode_typed_and_unknown_ones_survive() {
    let cases = [
        (
            json!({"type": "text", "text": "hi", "cache_control": {"type": "ephemeral", "ttl": "1h"}}),
            "text",
        ),
        (
            json!({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"}}),
            "image",
        ),
        (
            json!({"type": "image", "source": {"type": "url", "url": "https://example.com/a.png"}}),
            "image",
        ),
        (
            json!({"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "x"}, "title": "t", "context": "c", "citations": {"enabled": true}}),
            "document",
        ),
        (
            json!({"type": "document", "source": {"type": "file", "file_id": "file_011"}}),
            "document",
        ),
        (
            json!({"type": "document", "source": {"type": "content", "content": [{"type": "text", "text": "a"}]}}),
            "document",
        ),
        (
            json!({"type": "thinking", "thinking": "hmm", "signature": "EqQB"}),
            "thinking",
        ),
        (
            json!({"type": "redacted_thinking", "data": "EmwK"}),
            "redacted_thinking",
        ),
        (
            json!({"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}}),
            "tool_use",
        ),
        (
            json!({"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "ok"}], "is_error": true}),
            "tool_result",
        ),
        (
            json!({"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}}),
            "server_tool_use",
        ),
        (
            json!({"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": [{"type": "web_search_result", "url": "u", "title": "t", "encrypted_content": "e"}]}),
            "web_search_tool_result",
        ),
        (
            json!({"type": "search_result", "source": "s", "title": "t", "content": [{"type": "text", "text": "a"}]}),
            "search_result",
        ),
        (
            json!({"type": "container_upload", "file_id": "file_1"}),
            "container_upload",
        ),
        (
            json!({"type": "mid_conv_system", "content": [{"type": "text", "text": "be brief"}]}),
            "mid_conv_system",
        ),
        (
            json!({"type": "brand_new_block", "payload": [1, 2]}),
            "brand_new_block",
        ),
    ];
    for (raw, ty) in cases {
        let block: ContentBlock = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(block.type_name(), ty);
        assert_eq!(
            matches!(block, ContentBlock::Unknown(_)),
            ty == "brand_new_block",
            "{raw}"
        );
        assert_eq!(serde_json::to_value(&block).unwrap(), raw);
    }
}

#[test]
fn server_tools_and_tool_choice_shapes() {
    let tools: Vec<Tool> = serde_json::from_value(json!([
        {"type": "web_search_20250305", "name": "web_search", "max_uses": 5},
        {"type": "bash_20250124", "name": "bash"},
        {"name": "get_weather", "input_schema": {"type": "object"}, "strict": true, "type": "custom"}
    ]))
    .unwrap();
    assert_eq!(tools[0].server_type(), Some("web_search_20250305"));
    assert_eq!(tools[1].server_type(), Some("bash_20250124"));
    assert!(matches!(
        &tools[2],
        Tool::Custom(CustomTool {
            strict: Some(true),
            ..
        })
    ));
    let choice: ToolChoice =
        serde_json::from_value(json!({"type": "any", "disable_parallel_tool_use": true})).unwrap();
    assert_eq!(
        choice,
        ToolChoice::Any(ToolChoiceOptions {
            disable_parallel_tool_use: Some(true),
            ..Default::default()
        })
    );
    let choice: ToolChoice = serde_json::from_value(json!({"type": "tool", "name": "f"})).unwrap();
    assert!(matches!(choice, ToolChoice::Tool(ToolChoiceTool { ref name, .. }) if name == "f"));
}

#[test]
fn response_and_stream_events_keep_their_shape() {
    let resp = json!({
        "id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant",
        "content": [{"type": "text", "text": "Hi"}], "model": "claude-sonnet-4-5-20250929",
        "stop_reason": "model_context_window_exceeded", "stop_sequence": null,
        "usage": {"input_tokens": 10, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                  "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                  "output_tokens": 3, "service_tier": "standard"}
    });
    let m: MessageResponse = serde_json::from_value(resp.clone()).unwrap();
    assert_eq!(m.stop_reason, Some(StopReason::ModelContextWindowExceeded));
    assert_eq!(m.usage.input_tokens, Some(10));
    assert_eq!(serde_json::to_value(&m).unwrap(), resp);

    let events = [
        (
            json!({"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "content": [], "model": "m", "stop_reason": null, "stop_sequence": null, "usage": {"input_tokens": 5, "output_tokens": 1}}}),
            "message_start",
        ),
        (
            json!({"type": "content_block_start", "index": 0, "content_block": {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}}),
            "content_block_start",
        ),
        (
            json!({"type": "content_block_delta", "index": 0, "delta": {"type": "input_json_delta", "partial_json": "{\"a\""}}),
            "content_block_delta",
        ),
        (
            json!({"type": "content_block_delta", "index": 1, "delta": {"type": "signature_delta", "signature": "EqQB"}}),
            "content_block_delta",
        ),
        (
            json!({"type": "content_block_delta", "index": 2, "delta": {"type": "citations_delta", "citation": {"type": "char_location", "cited_text": "x"}}}),
            "content_block_delta",
        ),
        (
            json!({"type": "content_block_stop", "index": 0}),
            "content_block_stop",
        ),
        (
            json!({"type": "message_delta", "delta": {"stop_reason": "tool_use", "stop_sequence": null}, "usage": {"output_tokens": 40}}),
            "message_delta",
        ),
        (json!({"type": "message_stop"}), "message_stop"),
        (json!({"type": "ping"}), "ping"),
        (
            json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
            "error",
        ),
        (json!({"type": "future_event", "x": 1}), "future_event"),
    ];
    for (raw, name) in events {
        let ev: StreamEvent = serde_json::from_value(raw.clone()).unwrap();
        assert_eq!(ev.event_name(), name);
        assert_eq!(
            matches!(ev, StreamEvent::Unknown(_)),
            name == "future_event",
            "{raw}"
        );
        assert_eq!(serde_json::to_value(&ev).unwrap(), raw);
    }
}

#[test]
fn models_errors_and_count_tokens() {
    let list = json!({"data": [{"type": "model", "id": "claude-sonnet-4-5-20250929", "display_name": "Claude Sonnet 4.5", "created_at": "2025-09-29T00:00:00Z"}], "has_more": false, "first_id": "claude-sonnet-4-5-20250929", "last_id": "claude-sonnet-4-5-20250929"});
    let l: ModelList = serde_json::from_value(list.clone()).unwrap();
    assert_eq!(l.data[0].display_name, "Claude Sonnet 4.5");
    assert_eq!(serde_json::to_value(&l).unwrap(), list);

    let err = json!({"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}, "request_id": "req_011"});
    let e: ErrorBody = serde_json::from_value(err.clone()).unwrap();
    assert_eq!(e.error.kind, "rate_limit_error");
    assert_eq!(serde_json::to_value(&e).unwrap(), err);

    let c: CountTokensResponse = serde_json::from_value(json!({"input_tokens": 2095})).unwrap();
    assert_eq!(c.input_tokens, 2095);
}
