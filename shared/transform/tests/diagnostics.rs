//! Diagnostics reported for the captured real client requests on every edge: bookkeeping keys
//! of one codec must never surface as noise in another, and each drop names a real field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gproxy_protocol::OperationKind;
use gproxy_transform::{codec, DecodeContext, Diagnostics};

#[test]
fn fixture_diagnostics_are_meaningful() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/clients");
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let text = std::fs::read_to_string(entry.path()).unwrap();
        for line in text.lines().take(3) {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let path = v["path"].as_str().unwrap_or_default();
            let kind = if path.ends_with("/chat/completions") {
                OperationKind::OpenAiChat
            } else if path.ends_with("/responses") {
                OperationKind::OpenAiResponses
            } else if path.ends_with("/messages") {
                OperationKind::AnthropicMessages
            } else if path.contains("enerateContent") {
                OperationKind::Gemini
            } else {
                continue;
            };
            let body = serde_json::to_vec(&v["body"]).unwrap();
            let req = codec(kind)
                .decode_request(
                    &body,
                    DecodeContext {
                        model: Some("m"),
                        stream: Some(true),
                    },
                )
                .unwrap();
            for dst in OperationKind::GENERATE {
                if dst == kind {
                    continue;
                }
                let mut d = Diagnostics::new();
                codec(dst).encode_request(&req, &mut d).unwrap();
                let items: Vec<String> = d.items().iter().map(|i| i.to_string()).collect();
                println!("{name} {kind} -> {dst}: {items:#?}");
                for i in &items {
                    assert!(
                        !i.contains("openai_responses") && !i.contains("anthropic_block_fields\""),
                        "{i}"
                    );
                }
            }
        }
    }
}
