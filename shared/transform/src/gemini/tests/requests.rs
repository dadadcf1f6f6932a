//! Request / response encoding rules: tool-result names, signatures, roles, Gemini-only fields.

use super::*;

#[test]
fn tool_result_name_comes_from_the_earlier_call() {
    let call = ToolCall {
        id: "toolu_01A".into(),
        name: "get_weather".into(),
        arguments: r#"{"city":"Paris"}"#.into(),
        ..ToolCall::default()
    };
    let result = |id: &str, is_error| ToolResult {
        call_id: id.into(),
        name: None,
        content: vec![Part::Text(Text::new("18°C, sunny"))],
        is_error,
    };
    let req = Request {
        model: "models/gemini-2.5-flash".into(),
        messages: vec![
            Message::text(Role::User, "Weather?"),
            Message::new(Role::Assistant, vec![Part::ToolCall(call)]),
            Message::new(
                Role::User,
                vec![
                    Part::ToolResult(result("toolu_01A", false)),
                    Part::ToolResult(result("toolu_gone", true)),
                ],
            ),
        ],
        ..Request::default()
    };
    let mut diag = Diagnostics::new();
    let enc = GeminiCodec.encode_request(&req, &mut diag).unwrap();
    assert_eq!((enc.model.as_str(), enc.stream), (MODEL, false));
    let body: Value = serde_json::from_slice(&enc.body).unwrap();
    let parts = &body["contents"][2]["parts"];
    assert_eq!(
        parts[0]["functionResponse"],
        json!({"id": "toolu_01A", "name": "get_weather", "response": {"output": "18°C, sunny"}})
    );
    assert_eq!(
        parts[1]["functionResponse"]["response"],
        json!({"error": "18°C, sunny"})
    );
    assert!(diag.mentions("messages[2].content[1]"), "{diag:?}");
    assert_eq!(
        body["contents"][1]["parts"][0]["functionCall"]["args"],
        json!({"city": "Paris"})
    );
}

#[test]
fn thought_signature_on_function_call_round_trips() {
    // The Gemini CLI replays a call with its signature; it must reach the upstream verbatim.
    let body = fixture_bodies()
        .into_iter()
        .find(|(p, b)| {
            p.contains("streamGenerate") && b.to_string().contains("skip_thought_signature")
        })
        .unwrap()
        .1;
    let req = GeminiCodec
        .decode_request(body.to_string().as_bytes(), ctx(true))
        .unwrap();
    let Part::ToolCall(call) = &req.messages[2].parts[0] else {
        panic!("{:?}", req.messages[2])
    };
    assert_eq!(
        (call.id.as_str(), call.signature.clone()),
        (
            "list_directory_1795560837092_0",
            gemini_sig("skip_thought_signature_validator")
        )
    );
    let mut diag = Diagnostics::new();
    let enc = GeminiCodec.encode_request(&req, &mut diag).unwrap();
    assert!(enc.stream);
    let back: Value = serde_json::from_slice(&enc.body).unwrap();
    assert_eq!(back["contents"], body["contents"]);
    assert_eq!(back["tools"], body["tools"]);
    assert_eq!(
        back["systemInstruction"]["parts"],
        body["systemInstruction"]["parts"]
    );
    assert_eq!(
        back["generationConfig"]["thinkingConfig"],
        body["generationConfig"]["thinkingConfig"]
    );

    // Response side: the signature goes back to a Gemini client on the same part.
    let resp = response("parallel_tools");
    let out: Value = serde_json::from_slice(&GeminiCodec.encode_response(
        &resp,
        &EncodeContext::default(),
        &mut diag,
    ))
    .unwrap();
    let want: Value = serde_json::from_slice(&data("parallel_tools.response.json")).unwrap();
    assert_eq!(
        out["candidates"][0]["content"]["parts"][0]["thoughtSignature"],
        want["candidates"][0]["content"]["parts"][0]["thoughtSignature"]
    );
    assert_eq!(out["usageMetadata"]["totalTokenCount"], 160);
}

#[test]
fn signatures_of_other_families() {
    let claude = Opaque {
        family: Family::Anthropic,
        value: Value::String("EqQBCkgIARAB".into()),
    };
    let thinking = Part::Reasoning(Reasoning {
        text: "Let me think.".into(),
        signature: Some(claude.clone()),
        ..Reasoning::default()
    });
    // To a Gemini upstream: dropped with a diagnostic, the thought text stays.
    let req = Request {
        model: MODEL.into(),
        messages: vec![
            Message::text(Role::User, "hi"),
            Message::new(
                Role::Assistant,
                vec![thinking.clone(), Part::Text(Text::new("Hi!"))],
            ),
        ],
        ..Request::default()
    };
    let mut diag = Diagnostics::new();
    let body: Value =
        serde_json::from_slice(&GeminiCodec.encode_request(&req, &mut diag).unwrap().body).unwrap();
    assert_eq!(
        body["contents"][1]["parts"],
        json!([{"text": "Let me think.", "thought": true}, {"text": "Hi!"}])
    );
    assert!(diag.mentions("messages[1].content[0]"));
    // To a Gemini client: wrapped, so the next request hands it back to Anthropic verbatim.
    let resp = Response {
        content: vec![thinking, Part::Text(Text::new("Hi!"))],
        ..Response::default()
    };
    let out =
        GeminiCodec.encode_response(&resp, &EncodeContext::default(), &mut Diagnostics::new());
    let decoded = GeminiCodec.decode_response(&out).unwrap();
    assert!(
        matches!(&decoded.content[0], Part::Reasoning(r) if r.signature.as_ref() == Some(&claude))
    );
}

#[test]
fn text_part_signature_is_an_empty_reasoning_part() {
    let body = json!({"candidates": [{"content": {"parts": [{"text": "Hello", "thoughtSignature": "AY89a18i"}], "role": "model"}, "finishReason": "STOP"}]});
    let r = GeminiCodec
        .decode_response(body.to_string().as_bytes())
        .unwrap();
    assert_eq!(
        r.content,
        vec![
            Part::Reasoning(Reasoning {
                signature: gemini_sig("AY89a18i"),
                ..Reasoning::default()
            }),
            Part::Text(Text::new("Hello"))
        ]
    );
    let out: Value = serde_json::from_slice(&GeminiCodec.encode_response(
        &r,
        &EncodeContext::default(),
        &mut Diagnostics::new(),
    ))
    .unwrap();
    assert_eq!(
        out["candidates"][0]["content"]["parts"],
        body["candidates"][0]["content"]["parts"]
    );
}

#[test]
fn request_encoding_folds_roles_and_choices() {
    let req = Request {
        model: "gemini-2.5-pro".into(),
        messages: vec![
            Message::text(Role::System, "Be brief."),
            Message::text(Role::Developer, "Use metric units."),
            Message::text(Role::User, "Hi"),
            Message::text(Role::System, "Now answer in French."),
            Message::text(Role::User, "Weather?"),
        ],
        tool_choice: Some(ToolChoice::Tool("get_weather".into())),
        stop: vec!["END".into()],
        n: Some(2),
        ..Request::default()
    };
    let mut diag = Diagnostics::new();
    let body: Value =
        serde_json::from_slice(&GeminiCodec.encode_request(&req, &mut diag).unwrap().body).unwrap();
    assert_eq!(
        body["systemInstruction"],
        json!({"parts": [{"text": "Be brief."}, {"text": "Use metric units."}]})
    );
    assert_eq!(
        body["contents"],
        json!([{"role": "user", "parts": [{"text": "Hi"}, {"text": "Now answer in French."}, {"text": "Weather?"}]}])
    );
    assert_eq!(
        body["toolConfig"],
        json!({"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}})
    );
    assert_eq!(
        body["generationConfig"],
        json!({"candidateCount": 2, "stopSequences": ["END"]})
    );
    assert!(diag.mentions("messages[3]"));
}

#[test]
fn gemini_only_fields_survive_a_gemini_round_trip() {
    let body = json!({
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
        "generationConfig": {"responseModalities": ["TEXT"], "temperature": 0.5},
        "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["a", "b"]}},
        "cachedContent": "cachedContents/abc123"
    });
    let req = GeminiCodec
        .decode_request(body.to_string().as_bytes(), ctx(false))
        .unwrap();
    assert_eq!(req.tool_choice, Some(ToolChoice::Required));
    let mut diag = Diagnostics::new();
    let back: Value =
        serde_json::from_slice(&GeminiCodec.encode_request(&req, &mut diag).unwrap().body).unwrap();
    assert_eq!(back, body);
    assert!(diag.is_empty(), "{diag:?}");
    // From another family the same extras are reported, not sent.
    let foreign = Request {
        origin: Some(Family::OpenAi),
        ..req
    };
    let mut diag = Diagnostics::new();
    let out: Value = serde_json::from_slice(
        &GeminiCodec
            .encode_request(&foreign, &mut diag)
            .unwrap()
            .body,
    )
    .unwrap();
    assert!(out.get("safetySettings").is_none() && diag.mentions("safetySettings"));
}

#[test]
fn repeated_synthesized_ids_pair_with_the_latest_call() {
    // Two Gemini turns without ids both yield `call_0`; a nameless result (from an Anthropic or
    // Chat client) must take the name of the call just before it.
    let call = |name: &str| {
        Message::new(
            Role::Assistant,
            vec![Part::ToolCall(ToolCall {
                id: "call_0".into(),
                name: name.into(),
                arguments: "{}".into(),
                ..ToolCall::default()
            })],
        )
    };
    let result = Message::new(
        Role::Tool,
        vec![Part::ToolResult(ToolResult {
            call_id: "call_0".into(),
            name: None,
            content: vec![Part::Text(Text::new("ok"))],
            is_error: false,
        })],
    );
    let req = Request {
        model: MODEL.into(),
        messages: vec![
            Message::text(Role::User, "go"),
            call("list_directory"),
            result.clone(),
            call("read_file"),
            result,
        ],
        ..Request::default()
    };
    let body: Value = serde_json::from_slice(
        &GeminiCodec
            .encode_request(&req, &mut Diagnostics::new())
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(
        body["contents"][2]["parts"][0]["functionResponse"]["name"],
        "list_directory"
    );
    assert_eq!(
        body["contents"][4]["parts"][0]["functionResponse"]["name"],
        "read_file"
    );
}
