//! Single object → stream: turns one IR response into the IR events a stream of it would have
//! produced (a client that streams, an upstream that does not).

use crate::ir::{Delta, Part, PartStart, Response, StopReason, StreamEvent};

/// The events of `resp` as a stream, in the grammar of [`StreamEvent`].
pub fn response_events(resp: &Response) -> Vec<StreamEvent> {
    let mut out = Vec::with_capacity(3 + resp.content.len() * 3);
    out.push(StreamEvent::Start {
        id: resp.id.clone(),
        model: resp.model.clone(),
        created: resp.created,
    });
    for (index, part) in resp.content.iter().enumerate() {
        match part {
            Part::Text(t) => {
                out.push(StreamEvent::PartStart {
                    index,
                    part: PartStart::Text,
                });
                if !t.text.is_empty() {
                    out.push(StreamEvent::Delta {
                        index,
                        delta: Delta::Text(t.text.clone()),
                    });
                }
                for a in &t.annotations {
                    out.push(StreamEvent::Delta {
                        index,
                        delta: Delta::Annotation(a.clone()),
                    });
                }
            }
            Part::Reasoning(r) => {
                out.push(StreamEvent::PartStart {
                    index,
                    part: PartStart::Reasoning {
                        id: r.id.clone(),
                        redacted: r.redacted,
                    },
                });
                if !r.text.is_empty() {
                    out.push(StreamEvent::Delta {
                        index,
                        delta: Delta::Reasoning(r.text.clone()),
                    });
                }
                if let Some(sig) = &r.signature {
                    out.push(StreamEvent::Delta {
                        index,
                        delta: Delta::Signature(sig.clone()),
                    });
                }
            }
            Part::ToolCall(c) => {
                out.push(StreamEvent::PartStart {
                    index,
                    part: PartStart::ToolCall {
                        id: c.id.clone(),
                        name: c.name.clone(),
                        namespace: c.namespace.clone(),
                        kind: c.kind,
                        item_id: c.item_id.clone(),
                    },
                });
                if !c.arguments.is_empty() {
                    out.push(StreamEvent::Delta {
                        index,
                        delta: Delta::ToolArguments(c.arguments.clone()),
                    });
                }
                if let Some(sig) = &c.signature {
                    out.push(StreamEvent::Delta {
                        index,
                        delta: Delta::Signature(sig.clone()),
                    });
                }
            }
            Part::Refusal(r) => {
                out.push(StreamEvent::PartStart {
                    index,
                    part: PartStart::Refusal,
                });
                out.push(StreamEvent::Delta {
                    index,
                    delta: Delta::Refusal(r.clone()),
                });
            }
            other => {
                out.push(StreamEvent::PartStart {
                    index,
                    part: PartStart::Whole(other.clone()),
                });
            }
        }
        out.push(StreamEvent::PartStop { index });
    }
    if let Some(u) = resp.usage {
        out.push(StreamEvent::Usage(u));
    }
    out.push(StreamEvent::Finish {
        stop_reason: resp.stop_reason.clone().unwrap_or(StopReason::EndTurn),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::Aggregator;
    use crate::ir::{Opaque, Reasoning, Text, ToolCall, Usage};
    use gproxy_protocol::Family;

    #[test]
    fn synthesis_then_aggregation_is_identity() {
        let resp = Response {
            id: "msg_1".into(),
            model: "m".into(),
            created: Some(1),
            content: vec![
                Part::Reasoning(Reasoning {
                    text: "think".into(),
                    signature: Some(Opaque {
                        family: Family::Anthropic,
                        value: "sig".into(),
                    }),
                    ..Reasoning::default()
                }),
                Part::Text(Text::new("hi")),
                Part::ToolCall(ToolCall {
                    id: "c1".into(),
                    name: "f".into(),
                    arguments: "{\"a\":1}".into(),
                    ..ToolCall::default()
                }),
                Part::Refusal("no".into()),
            ],
            stop_reason: Some(StopReason::ToolUse),
            usage: Some(Usage {
                input_tokens: 3,
                output_tokens: 4,
                ..Usage::default()
            }),
            extra: Default::default(),
        };
        let mut agg = Aggregator::new();
        for e in response_events(&resp) {
            agg.push(&e);
        }
        assert_eq!(agg.finish().unwrap(), resp);
    }
}
