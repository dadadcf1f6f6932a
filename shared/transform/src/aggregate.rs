//! Stream → single object: folds IR stream events into one IR response (an upstream that only
//! streams, a client that does not).

use crate::ir::{
    Delta, Error, Part, PartStart, Reasoning, Response, StreamEvent, Text, ToolCall, Usage,
};

/// Folds a stream's IR events into a [`Response`]. Holds only the content itself, never frames.
#[derive(Debug, Default)]
pub struct Aggregator {
    response: Response,
    /// Parts by stream index; a `None` slot is an index the stream never started.
    parts: Vec<Option<Part>>,
    usage: Option<Usage>,
    error: Option<Error>,
}

impl Aggregator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, event: &StreamEvent) {
        match event {
            StreamEvent::Start { id, model, created } => {
                self.response.id.clone_from(id);
                self.response.model.clone_from(model);
                self.response.created = *created;
            }
            StreamEvent::PartStart { index, part } => {
                let part = match part {
                    PartStart::Text => Part::Text(Text::default()),
                    PartStart::Reasoning { id, redacted } => Part::Reasoning(Reasoning {
                        id: id.clone(),
                        redacted: *redacted,
                        ..Reasoning::default()
                    }),
                    PartStart::ToolCall {
                        id,
                        name,
                        namespace,
                        kind,
                        item_id,
                    } => Part::ToolCall(ToolCall {
                        id: id.clone(),
                        name: name.clone(),
                        namespace: namespace.clone(),
                        kind: *kind,
                        item_id: item_id.clone(),
                        ..ToolCall::default()
                    }),
                    PartStart::Refusal => Part::Refusal(String::new()),
                    PartStart::Whole(part) => part.clone(),
                };
                if self.parts.len() <= *index {
                    self.parts.resize(*index + 1, None);
                }
                if let Some(slot) = self.parts.get_mut(*index) {
                    *slot = Some(part);
                }
            }
            StreamEvent::Delta { index, delta } => {
                if let Some(Some(part)) = self.parts.get_mut(*index) {
                    apply_delta(part, delta);
                }
            }
            StreamEvent::PartStop { .. } => {}
            StreamEvent::Usage(u) => match &mut self.usage {
                Some(acc) => acc.merge(u),
                None => self.usage = Some(*u),
            },
            StreamEvent::Finish { stop_reason } => {
                self.response.stop_reason = Some(stop_reason.clone());
            }
            StreamEvent::Error(e) => self.error = Some(e.clone()),
        }
    }

    /// The error the stream ended with, if any.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// The aggregated response, or the stream's error.
    pub fn finish(mut self) -> Result<Response, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        self.response.content = self.parts.into_iter().flatten().collect();
        self.response.usage = self.usage;
        Ok(self.response)
    }
}

fn apply_delta(part: &mut Part, delta: &Delta) {
    match (part, delta) {
        (Part::Text(t), Delta::Text(s)) => t.text.push_str(s),
        (Part::Text(t), Delta::Annotation(a)) => t.annotations.push(a.clone()),
        (Part::Reasoning(r), Delta::Reasoning(s)) => r.text.push_str(s),
        (Part::Reasoning(r), Delta::Signature(sig)) => r.signature = Some(sig.clone()),
        (Part::ToolCall(c), Delta::ToolArguments(s)) => c.arguments.push_str(s),
        (Part::ToolCall(c), Delta::Signature(sig)) => c.signature = Some(sig.clone()),
        (Part::Refusal(r), Delta::Refusal(s)) => r.push_str(s),
        // A delta of another type than its part is a producer bug; ignoring it keeps the rest.
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{StopReason, ToolCallKind};

    #[test]
    fn folds_text_and_parallel_tool_calls() {
        let mut agg = Aggregator::new();
        let call = |id: &str, name: &str| PartStart::ToolCall {
            id: id.into(),
            name: name.into(),
            namespace: None,
            kind: ToolCallKind::Function,
            item_id: None,
        };
        let events = vec![
            StreamEvent::Start {
                id: "r1".into(),
                model: "m".into(),
                created: Some(7),
            },
            StreamEvent::PartStart {
                index: 0,
                part: PartStart::Text,
            },
            StreamEvent::Delta {
                index: 0,
                delta: Delta::Text("Hel".into()),
            },
            StreamEvent::Delta {
                index: 0,
                delta: Delta::Text("lo".into()),
            },
            StreamEvent::PartStop { index: 0 },
            StreamEvent::PartStart {
                index: 1,
                part: call("a", "f"),
            },
            StreamEvent::PartStart {
                index: 2,
                part: call("b", "g"),
            },
            StreamEvent::Delta {
                index: 1,
                delta: Delta::ToolArguments("{\"x\":".into()),
            },
            StreamEvent::Delta {
                index: 2,
                delta: Delta::ToolArguments("{}".into()),
            },
            StreamEvent::Delta {
                index: 1,
                delta: Delta::ToolArguments("1}".into()),
            },
            StreamEvent::PartStop { index: 1 },
            StreamEvent::PartStop { index: 2 },
            StreamEvent::Usage(Usage {
                input_tokens: 10,
                ..Usage::default()
            }),
            StreamEvent::Usage(Usage {
                output_tokens: 5,
                ..Usage::default()
            }),
            StreamEvent::Finish {
                stop_reason: StopReason::ToolUse,
            },
        ];
        for e in &events {
            agg.push(e);
        }
        let r = agg.finish().unwrap();
        assert_eq!(r.id, "r1");
        assert_eq!(r.content.len(), 3);
        assert!(matches!(&r.content[0], Part::Text(t) if t.text == "Hello"));
        assert!(
            matches!(&r.content[1], Part::ToolCall(c) if c.arguments == "{\"x\":1}" && c.name == "f")
        );
        assert!(matches!(&r.content[2], Part::ToolCall(c) if c.arguments == "{}" && c.id == "b"));
        let u = r.usage.unwrap();
        assert_eq!((u.input_tokens, u.output_tokens), (10, 5));
        assert_eq!(r.stop_reason, Some(StopReason::ToolUse));
    }

    #[test]
    fn an_error_wins() {
        let mut agg = Aggregator::new();
        agg.push(&StreamEvent::PartStart {
            index: 0,
            part: PartStart::Text,
        });
        agg.push(&StreamEvent::Error(Error::new(
            crate::ir::ErrorKind::Overloaded,
            "busy",
        )));
        assert_eq!(agg.finish().unwrap_err().message, "busy");
    }
}
