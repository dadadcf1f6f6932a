//! Stream event models on a real Responses event sequence.

#![allow(clippy::unwrap_used)]

use serde_json::{json, Value};

use super::stream::{StreamEvent, KNOWN_EVENT_TYPES};
use super::Item;

fn events() -> Vec<Value> {
    let resp = json!({"id": "resp_1", "object": "response", "created_at": 1756315696, "status": "in_progress",
        "error": null, "incomplete_details": null, "instructions": null, "max_output_tokens": null,
        "model": "gpt-5-2025-08-07", "output": [], "previous_response_id": null, "temperature": 1.0,
        "top_p": 1.0, "usage": null, "user": null});
    vec![
        json!({"type": "response.created", "sequence_number": 0, "response": resp}),
        json!({"type": "response.output_item.added", "sequence_number": 2, "output_index": 0,
               "item": {"id": "rs_1", "type": "reasoning", "summary": []}}),
        json!({"type": "response.reasoning_summary_part.added", "sequence_number": 3, "item_id": "rs_1",
               "output_index": 0, "summary_index": 0, "part": {"type": "summary_text", "text": ""}}),
        json!({"type": "response.reasoning_summary_text.delta", "sequence_number": 4, "item_id": "rs_1",
               "output_index": 0, "summary_index": 0, "delta": "17*23", "obfuscation": "x1"}),
        json!({"type": "response.content_part.added", "sequence_number": 7, "item_id": "msg_1", "output_index": 1,
               "content_index": 0, "part": {"type": "output_text", "annotations": [], "logprobs": [], "text": ""}}),
        json!({"type": "response.output_text.delta", "sequence_number": 8, "item_id": "msg_1", "output_index": 1,
               "content_index": 0, "delta": "391", "logprobs": []}),
        json!({"type": "response.output_text.done", "sequence_number": 9, "item_id": "msg_1", "output_index": 1,
               "content_index": 0, "text": "391", "logprobs": []}),
        json!({"type": "response.function_call_arguments.delta", "sequence_number": 12, "item_id": "fc_1",
               "output_index": 2, "delta": "{\"city\""}),
        json!({"type": "response.function_call_arguments.done", "sequence_number": 13, "item_id": "fc_1",
               "output_index": 2, "arguments": "{\"city\":\"Paris\"}"}),
        json!({"type": "response.output_item.done", "sequence_number": 14, "output_index": 2,
               "item": {"id": "fc_1", "type": "function_call", "status": "completed", "arguments": "{}",
                        "call_id": "call_w1", "name": "get_weather"}}),
        json!({"type": "error", "sequence_number": 15, "code": "server_error", "message": "boom", "param": null}),
        json!({"type": "response.web_search_call.searching", "sequence_number": 16, "output_index": 3, "item_id": "ws_1"}),
    ]
}

#[test]
fn events_round_trip() {
    for v in events() {
        let e: StreamEvent = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(e.type_name(), v["type"].as_str());
        let known = KNOWN_EVENT_TYPES.contains(&v["type"].as_str().unwrap());
        assert_eq!(!matches!(e, StreamEvent::Unknown(_)), known, "{v}");
        assert_eq!(serde_json::to_value(&e).unwrap(), v);
    }
}

#[test]
fn output_item_done_carries_the_call() {
    let e: StreamEvent = serde_json::from_value(events()[9].clone()).unwrap();
    let StreamEvent::OutputItemDone(done) = e else {
        panic!("done")
    };
    assert!(
        matches!(done.item, Item::FunctionCall(ref c) if c.call_id == "call_w1" && c.name == "get_weather")
    );
}
