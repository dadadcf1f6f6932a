//! The five shared scenarios decode to the IR the codec guide describes.

use super::*;

#[test]
fn scenario_requests_decode_to_the_described_ir() {
    let r = request("text");
    assert_eq!(
        (r.model.as_str(), r.stream, r.origin),
        (MODEL, false, Some(Family::Gemini))
    );
    assert_eq!(
        r.messages,
        vec![
            Message::text(Role::System, "You are terse."),
            Message::text(Role::User, "Say hello.")
        ]
    );
    assert_eq!((r.max_output_tokens, r.temperature), (Some(256), Some(0.2)));
    assert!(r.extra.is_empty());

    let r = request("parallel_tools");
    let names: Vec<_> = r
        .tools
        .iter()
        .map(|t| match t {
            crate::ir::Tool::Function(f) => (
                f.name.as_str(),
                f.parameters
                    .as_ref()
                    .map(|p| p.to_value()["required"].clone()),
            ),
            _ => ("?", None),
        })
        .collect();
    assert_eq!(
        names,
        vec![
            ("get_weather", Some(json!(["city"]))),
            ("get_time", Some(json!(["timezone"])))
        ]
    );
    assert_eq!(r.tool_choice, Some(ToolChoice::Auto));
    assert_eq!(r.messages.len(), 4);
    let calls: Vec<_> = r.messages[1]
        .parts
        .iter()
        .map(|p| match p {
            Part::ToolCall(c) => (c.id.as_str(), c.name.as_str(), c.arguments.as_str()),
            _ => ("?", "?", "?"),
        })
        .collect();
    assert_eq!(r.messages[1].role, Role::Assistant);
    assert_eq!(
        calls,
        vec![
            ("call_w1", "get_weather", r#"{"city":"Paris"}"#),
            ("call_t1", "get_time", r#"{"timezone":"Europe/Paris"}"#)
        ]
    );
    for (msg, (id, name, out)) in r.messages[2..].iter().zip([
        ("call_w1", "get_weather", "18°C, sunny"),
        ("call_t1", "get_time", "14:05"),
    ]) {
        assert_eq!(msg.role, Role::Tool);
        assert_eq!(
            msg.parts,
            vec![Part::ToolResult(ToolResult {
                call_id: id.into(),
                name: Some(name.into()),
                content: vec![Part::Text(Text::new(out))],
                is_error: false
            })]
        );
    }

    let r = request("reasoning");
    let cfg = r.reasoning.clone().unwrap();
    assert_eq!(
        (cfg.enabled, cfg.budget_tokens, cfg.include_thoughts),
        (Some(true), Some(2048), Some(true))
    );
    let Part::Reasoning(replayed) = &r.messages[1].parts[0] else {
        panic!("{:?}", r.messages[1])
    };
    assert_eq!(replayed.text, "**Adding small numbers**\n\n2+2 is 4.");
    assert_eq!(
        replayed.signature.as_ref().map(|s| s.family),
        Some(Family::Gemini)
    );
    assert_eq!(texts(&r.messages[1].parts), vec!["4"]);
    assert_eq!(
        r.messages.last(),
        Some(&Message::text(Role::User, "What is 17*23?"))
    );

    let r = request("image_input");
    let parts = &r.messages[0].parts;
    assert_eq!(texts(parts), vec!["What is in this image?"]);
    assert!(
        matches!(&parts[1], Part::Image(Media { source: MediaSource::Base64(d), mime_type: Some(m), .. }) if d.starts_with("iVBORw0KGgo") && m == "image/png")
    );
    assert!(
        matches!(&parts[2], Part::Image(Media { source: MediaSource::Url(u), mime_type: Some(m), .. }) if u == "https://example.com/cat.jpg" && m == "image/jpeg")
    );

    let r = request("cache_usage");
    assert_eq!(r.messages[0].role, Role::System);
    assert!(texts(&r.messages[0].parts)[0].len() > 4000);
    assert_eq!(r.messages[1], Message::text(Role::User, "Summarize."));
}

#[test]
fn scenario_responses_decode_to_the_described_ir() {
    let r = response("text");
    assert_eq!(
        (r.id.as_str(), r.model.as_str()),
        ("mJ0kaf2KBoqpkdUP3Lq2wQ8", MODEL)
    );
    assert_eq!(texts(&r.content), vec!["Hello! How can I help you today?"]);
    assert_eq!(
        (r.stop_reason, r.usage),
        (Some(StopReason::EndTurn), usage(25, 9, 0, 0))
    );

    let r = response("parallel_tools");
    assert_eq!(
        (r.stop_reason.clone(), r.usage),
        (Some(StopReason::ToolUse), usage(120, 40, 0, 0))
    );
    let Part::ToolCall(first) = &r.content[0] else {
        panic!()
    };
    let Part::ToolCall(second) = &r.content[1] else {
        panic!()
    };
    assert_eq!(
        (
            first.id.as_str(),
            first.name.as_str(),
            first.arguments.as_str()
        ),
        ("call_0", "get_weather", r#"{"city":"Paris"}"#)
    );
    assert_eq!(
        (
            second.id.as_str(),
            second.name.as_str(),
            second.arguments.as_str()
        ),
        ("call_1", "get_time", r#"{"timezone":"Europe/Paris"}"#)
    );
    assert!(first
        .signature
        .as_ref()
        .is_some_and(|s| s.family == Family::Gemini));
    assert_eq!(second.signature, None);

    let r = response("reasoning");
    let Part::Reasoning(thought) = &r.content[0] else {
        panic!()
    };
    assert_eq!(thought.text, "17*23 = 391.");
    assert!(thought
        .signature
        .as_ref()
        .is_some_and(|s| s.value.as_str().is_some_and(|v| v.starts_with("CtgB"))));
    assert_eq!(texts(&r.content), vec!["391"]);
    assert_eq!(r.usage, usage(30, 50, 0, 35));

    let r = response("image_input");
    assert_eq!(
        (texts(&r.content), r.usage),
        (vec!["A red square and a cat."], usage(850, 7, 0, 0))
    );

    let r = response("cache_usage");
    assert_eq!(
        (texts(&r.content), r.usage),
        (vec!["Summary."], usage(2000, 12, 1800, 0))
    );
}
