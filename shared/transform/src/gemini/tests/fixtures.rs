//! The captured client requests (Gemini CLI, Python and Node SDKs) and count tokens.

use super::*;

#[test]
fn every_captured_gemini_request_decodes() {
    let bodies = fixture_bodies();
    assert!(bodies.len() >= 20);
    for (path, body) in bodies {
        let (model_path, op) = path.rsplit_once(':').unwrap();
        let model = model_path.rsplit('/').next().unwrap();
        let ctx = DecodeContext {
            model: Some(model),
            stream: Some(op == "streamGenerateContent"),
        };
        let bytes = body.to_string().into_bytes();
        match op {
            "generateContent" | "streamGenerateContent" => {
                let req = GeminiCodec.decode_request(&bytes, ctx).unwrap();
                assert_eq!(req.model, model);
                assert_eq!(req.stream, op == "streamGenerateContent");
                assert!(!req.messages.is_empty(), "{path}");
                let mut diag = Diagnostics::new();
                let back: Value = serde_json::from_slice(
                    &GeminiCodec.encode_request(&req, &mut diag).unwrap().body,
                )
                .unwrap();
                assert_eq!(
                    without_synthesized_ids(back["contents"].clone()),
                    body["contents"],
                    "{path}"
                );
                assert!(diag.is_empty(), "{path}: {diag:?}");
            }
            "countTokens" => {
                let req = GeminiCodec
                    .decode_count_tokens_request(&bytes, ctx)
                    .unwrap()
                    .unwrap();
                assert_eq!(req.messages, vec![Message::text(Role::User, "hi")]);
                let enc = GeminiCodec
                    .encode_count_tokens_request(&req, &mut Diagnostics::new())
                    .unwrap()
                    .unwrap();
                assert_eq!(serde_json::from_slice::<Value>(&enc.body).unwrap(), body);
            }
            "batchEmbedContents" | "embedContent" => {
                let req = GeminiCodec
                    .decode_embeddings_request(&bytes, ctx)
                    .unwrap()
                    .unwrap();
                assert_eq!(
                    (req.model.as_str(), req.inputs.clone()),
                    ("text-embedding-004", vec!["hi".to_owned()])
                );
            }
            other => panic!("unexpected operation {other}"),
        }
    }
}

#[test]
fn python_sdk_tool_round_uses_names_to_pair_results() {
    let body = fixture_bodies()
        .into_iter()
        .find(|(_, b)| {
            b["contents"].as_array().is_some_and(|c| c.len() == 3) && b.get("tools").is_some()
        })
        .unwrap()
        .1;
    let req = GeminiCodec
        .decode_request(body.to_string().as_bytes(), ctx(false))
        .unwrap();
    let Part::ToolCall(call) = &req.messages[1].parts[0] else {
        panic!()
    };
    let Part::ToolResult(result) = &req.messages[2].parts[0] else {
        panic!()
    };
    assert_eq!(
        (call.id.as_str(), result.call_id.as_str()),
        ("call_0", "call_0")
    );
    assert_eq!(
        texts(&result.content),
        vec![r#"{"result":{"forecast":"sunny 21C","city":"Paris"}}"#]
    );
    let crate::ir::Tool::Function(f) = &req.tools[0] else {
        panic!()
    };
    assert_eq!(
        f.parameters.as_ref().unwrap().to_value()["required"],
        json!(["city"])
    );
}

#[test]
fn count_tokens_both_ways() {
    let body = json!({"generateContentRequest": {"model": "models/gemini-2.5-flash", "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "systemInstruction": {"parts": [{"text": "Be brief."}]}}});
    let req = GeminiCodec
        .decode_count_tokens_request(body.to_string().as_bytes(), DecodeContext::default())
        .unwrap()
        .unwrap();
    assert_eq!((req.model.as_str(), req.messages.len()), (MODEL, 2));
    let enc = GeminiCodec
        .encode_count_tokens_request(&req, &mut Diagnostics::new())
        .unwrap()
        .unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&enc.body).unwrap(), body);
    let count = GeminiCodec.decode_count_tokens_response(br#"{"totalTokens": 31, "cachedContentTokenCount": 10, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 31}]}"#).unwrap().unwrap();
    assert_eq!((count.input_tokens, count.cache_read_tokens), (31, 10));
    let out = GeminiCodec.encode_count_tokens_response(&count).unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&out).unwrap(),
        json!({"totalTokens": 31, "cachedContentTokenCount": 10})
    );
}
