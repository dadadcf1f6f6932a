//! Every captured Anthropic request (Claude Code, Python and Node SDKs) decodes, and comes back
//! unchanged through the IR when the upstream is Anthropic too.

use serde_json::Value;

use super::*;
use crate::diag::Diagnostics;
use crate::ir::{Part, Role};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/clients"
);

/// `(where, body)` of every captured `POST /v1/messages` and `/v1/messages/count_tokens`.
fn captured() -> Vec<(String, String, Value)> {
    let mut files: Vec<_> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        for (n, line) in std::fs::read_to_string(&path).unwrap().lines().enumerate() {
            let rec: Value = serde_json::from_str(line).unwrap();
            let p = rec["path"].as_str().unwrap_or_default().to_owned();
            if rec["method"] == "POST" && p.starts_with("/v1/messages") {
                let at = format!("{}:{}", path.file_name().unwrap().to_string_lossy(), n + 1);
                out.push((at, p, rec["body"].clone()));
            }
        }
    }
    out
}

#[test]
fn every_captured_request_decodes_and_round_trips_through_the_ir() {
    let all = captured();
    assert!(all.len() >= 15, "{}", all.len());
    for (at, path, body) in all {
        let raw = serde_json::to_vec(&body).unwrap();
        let count = path.ends_with("count_tokens");
        let req = if count {
            AnthropicCodec
                .decode_count_tokens_request(&raw, DecodeContext::default())
                .unwrap()
        } else {
            AnthropicCodec.decode_request(&raw, DecodeContext::default())
        }
        .unwrap_or_else(|e| panic!("{at}: {e}"));
        assert!(!req.messages.is_empty(), "{at}");
        let mut diag = Diagnostics::new();
        let enc = if count {
            AnthropicCodec
                .encode_count_tokens_request(&req, &mut diag)
                .unwrap()
        } else {
            AnthropicCodec.encode_request(&req, &mut diag)
        }
        .unwrap_or_else(|e| panic!("{at}: {e}"));
        assert!(diag.is_empty(), "{at}: {:?}", diag.items());
        let back: Value = serde_json::from_slice(&enc.body).unwrap();
        assert_eq!(
            back, body,
            "{at}: Anthropic → IR → Anthropic changed the body"
        );
    }
}

#[test]
fn claude_code_system_entries_stay_in_place() {
    let (_, _, body) = captured()
        .into_iter()
        .find(|(at, ..)| at.starts_with("claude-code_messages_default-model"))
        .unwrap();
    let req = decode_request(&serde_json::to_vec(&body).unwrap());
    let roles: Vec<_> = req.messages.iter().map(|m| m.role).collect();
    // three top-level system blocks, the user turn, then the mid-conversation system entry
    assert_eq!(roles, [Role::System, Role::User, Role::System]);
    assert_eq!(req.messages[0].parts.len(), 3);
    let Part::Text(t) = &req.messages[2].parts[0] else {
        panic!()
    };
    assert!(t.text.starts_with("Available agent types"));
    let rc = req.reasoning.unwrap();
    assert_eq!(
        (rc.enabled, rc.budget_tokens, rc.effort),
        (Some(true), None, Some(ir::ReasoningEffort::High))
    );
    assert!(req.extra.contains_key("context_management"));
    assert_eq!(req.tools.len(), 24);
    assert!(req.user.unwrap().contains("device_id"));
}

#[test]
fn claude_code_tool_result_becomes_a_tool_message() {
    let (_, _, body) = captured()
        .into_iter()
        .rfind(|(at, ..)| at.starts_with("claude-code_messages_tool-roundtrip"))
        .unwrap();
    let req = decode_request(&serde_json::to_vec(&body).unwrap());
    let last = req.messages.last().unwrap();
    assert_eq!(last.role, Role::Tool);
    let Part::ToolResult(r) = &last.parts[0] else {
        panic!("{last:?}")
    };
    assert_eq!((r.call_id.as_str(), r.is_error), ("toolu_mock1", false));
    assert_eq!(r.content, vec![Part::Text(ir::Text::new("mock-tool-ran"))]);
    let Part::ToolCall(c) = &req.messages[req.messages.len() - 2].parts[0] else {
        panic!()
    };
    assert_eq!(
        (c.name.as_str(), c.arguments.as_str()),
        (
            "Bash",
            r#"{"command":"echo mock-tool-ran","description":"Echo a marker"}"#
        )
    );
    assert_eq!(req.reasoning.unwrap().budget_tokens, Some(31999));
}
