//! The deterministic answer: reply text or tool calls, thinking text, and token usage.

use serde_json::{Map, Value};

use crate::conversation::Turn;

/// Characters of the user text / tool result quoted in the reply.
const QUOTE_CHARS: usize = 64;
/// The signature sent with thinking (base64 of `mock-signature`).
pub const SIGNATURE: &str = "bW9jay1zaWduYXR1cmU=";

/// One tool call the mock makes.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolCall {
    pub name: String,
    /// Arguments as compact JSON text.
    pub arguments: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    Text(String),
    Calls(Vec<ToolCall>),
}

/// Token counts, shared by every family (each reports them in its own fields).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Usage {
    /// All prompt tokens: request body bytes / 4.
    pub input: u64,
    /// All generated tokens (thinking included): reply chars / 4, at least 1.
    pub output: u64,
    /// The thinking part of `output`.
    pub reasoning: u64,
    /// Prompt tokens served from cache (half of `input` when caching was asked for).
    pub cache_read: u64,
}

impl Usage {
    pub fn total(&self) -> u64 {
        self.input + self.output
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub answer: Answer,
    pub thinking: Option<String>,
    pub usage: Usage,
}

/// Decide the answer to a turn. `body_len` is the request body size; `pad` filler chars go after text.
pub fn plan(turn: &Turn, body_len: usize, pad: usize) -> Plan {
    let answer = match &turn.tool_result {
        Some(result) => Answer::Text(padded(format!("tool said: {}", quote(result)), pad)),
        None if !turn.tools.is_empty() => {
            let n = if turn.user_text.contains("parallel") && turn.tools.len() >= 2 {
                2
            } else {
                1
            };
            Answer::Calls(
                turn.tools
                    .iter()
                    .take(n)
                    .map(|t| ToolCall {
                        name: t.name.clone(),
                        arguments: args_from_schema(&t.schema).to_string(),
                    })
                    .collect(),
            )
        }
        None => Answer::Text(padded(
            format!("mock reply to: {}", quote(&turn.user_text)),
            pad,
        )),
    };
    let thinking = turn
        .thinking
        .then(|| format!("thinking about: {}", quote(&turn.user_text)));
    let thinking_chars = thinking.as_deref().map_or(0, |t| t.chars().count());
    let answer_chars = match &answer {
        Answer::Text(t) => t.chars().count(),
        Answer::Calls(calls) => calls
            .iter()
            .map(|c| c.name.chars().count() + c.arguments.chars().count())
            .sum(),
    };
    let input = (body_len / 4) as u64;
    let usage = Usage {
        input,
        output: (((answer_chars + thinking_chars) / 4) as u64).max(1),
        reasoning: (thinking_chars / 4) as u64,
        cache_read: if turn.cache { input / 2 } else { 0 },
    };
    Plan {
        answer,
        thinking,
        usage,
    }
}

/// The first 64 characters.
fn quote(s: &str) -> &str {
    match s.char_indices().nth(QUOTE_CHARS) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn padded(mut text: String, pad: usize) -> String {
    if pad > 0 {
        const FILLER: &[u8] = b" lorem ipsum dolor sit amet 0123456789";
        text.reserve(pad);
        text.extend(FILLER.iter().cycle().take(pad).map(|&b| b as char));
    }
    text
}

/// Arguments that satisfy a JSON schema's `required` properties: strings "x" (or the first enum value),
/// numbers 1, booleans true, arrays [], objects built the same way.
pub fn args_from_schema(schema: &Value) -> Value {
    value_for(schema, 0)
}

fn value_for(schema: &Value, depth: usize) -> Value {
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        if let Some(first) = schema[key].as_array().and_then(|v| v.first()) {
            return value_for(first, depth);
        }
    }
    let ty = match &schema["type"] {
        Value::String(t) => t.to_ascii_lowercase(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null")
            .to_ascii_lowercase(),
        _ if schema.get("properties").is_some() => "object".to_owned(),
        _ => "string".to_owned(),
    };
    match ty.as_str() {
        "string" => Value::from("x"),
        "integer" | "number" => Value::from(1),
        "boolean" => Value::Bool(true),
        "array" => Value::Array(Vec::new()),
        "null" => Value::Null,
        _ if depth > 8 => Value::Object(Map::new()),
        _ => {
            let mut out = Map::new();
            for name in schema["required"].as_array().into_iter().flatten() {
                if let Some(name) = name.as_str() {
                    let prop = &schema["properties"][name];
                    out.insert(name.to_owned(), value_for(prop, depth + 1));
                }
            }
            Value::Object(out)
        }
    }
}

/// Cut `s` into `n` pieces of about equal character count (fewer when `s` is shorter; one when empty).
pub fn split(s: &str, n: usize) -> Vec<&str> {
    let chars = s.chars().count();
    let n = n.clamp(1, chars.max(1));
    let mut out = Vec::with_capacity(n);
    let mut bounds = s.char_indices().map(|(i, _)| i).chain([s.len()]);
    let mut start = 0;
    let mut taken = 0;
    for k in 1..=n {
        let target = chars * k / n;
        let end = bounds.nth(target - taken).unwrap_or(s.len());
        taken = target + 1;
        out.push(&s[start..end]);
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;
    use crate::conversation::ToolSpec;
    use serde_json::json;

    fn tools(names: &[&str]) -> Vec<ToolSpec> {
        names
            .iter()
            .map(|n| ToolSpec {
                name: (*n).into(),
                schema: json!({"type": "object", "required": ["q"], "properties": {"q": {"type": "string"}}}),
            })
            .collect()
    }

    #[test]
    fn answer_follows_the_turn() {
        let long = "é".repeat(100);
        let cases = [
            (
                Turn {
                    user_text: "hello".into(),
                    ..Turn::default()
                },
                Answer::Text("mock reply to: hello".into()),
            ),
            (
                Turn {
                    user_text: long.clone(),
                    ..Turn::default()
                },
                Answer::Text(format!("mock reply to: {}", &long[..128])),
            ),
            (
                Turn {
                    user_text: "x".into(),
                    tool_result: Some("42".into()),
                    tools: tools(&["a"]),
                    ..Turn::default()
                },
                Answer::Text("tool said: 42".into()),
            ),
            (
                Turn {
                    user_text: "go".into(),
                    tools: tools(&["a", "b"]),
                    ..Turn::default()
                },
                Answer::Calls(vec![ToolCall {
                    name: "a".into(),
                    arguments: r#"{"q":"x"}"#.into(),
                }]),
            ),
            (
                Turn {
                    user_text: "in parallel".into(),
                    tools: tools(&["a", "b", "c"]),
                    ..Turn::default()
                },
                Answer::Calls(vec![
                    ToolCall {
                        name: "a".into(),
                        arguments: r#"{"q":"x"}"#.into(),
                    },
                    ToolCall {
                        name: "b".into(),
                        arguments: r#"{"q":"x"}"#.into(),
                    },
                ]),
            ),
        ];
        for (turn, want) in cases {
            assert_eq!(plan(&turn, 100, 0).answer, want);
        }
    }

    #[test]
    fn usage_counts_bytes_chars_thinking_and_cache() {
        let turn = Turn {
            user_text: "hello".into(),
            thinking: true,
            cache: true,
            ..Turn::default()
        };
        let p = plan(&turn, 403, 0);
        // "mock reply to: hello" = 20 chars, "thinking about: hello" = 21 chars
        assert_eq!(
            p.usage,
            Usage {
                input: 100,
                output: 10,
                reasoning: 5,
                cache_read: 50
            }
        );
        assert_eq!(p.thinking.as_deref(), Some("thinking about: hello"));
        let p = plan(&Turn::default(), 3, 1000);
        let Answer::Text(t) = &p.answer else {
            panic!("text expected")
        };
        assert_eq!(t.len(), "mock reply to: ".len() + 1000);
        assert_eq!(p.usage.input, 0);
        assert_eq!(p.usage.output, 253);
    }

    #[test]
    fn schema_arguments_cover_types() {
        let schema = json!({"type": "OBJECT", "required": ["s", "n", "i", "b", "a", "e", "o", "u"], "properties": {
            "s": {"type": "string"}, "n": {"type": "number"}, "i": {"type": "integer"},
            "b": {"type": "boolean"}, "a": {"type": "array", "items": {"type": "string"}},
            "e": {"type": "string", "enum": ["low", "high"]},
            "o": {"type": "object", "required": ["k"], "properties": {"k": {"type": ["null", "integer"]}}},
            "u": {"anyOf": [{"type": "boolean"}, {"type": "string"}]},
            "optional": {"type": "string"}}});
        assert_eq!(
            args_from_schema(&schema),
            json!({"s": "x", "n": 1, "i": 1, "b": true, "a": [], "e": "low", "o": {"k": 1}, "u": true})
        );
        assert_eq!(args_from_schema(&json!({})), json!("x"));
        assert_eq!(
            args_from_schema(&json!({"type": "object", "properties": {}})),
            json!({})
        );
    }

    #[test]
    fn split_keeps_every_char_in_order() {
        for (s, n, want) in [
            ("abcdefgh", 4, vec!["ab", "cd", "ef", "gh"]),
            ("abc", 5, vec!["a", "b", "c"]),
            ("", 3, vec![""]),
            ("héllo", 2, vec!["hé", "llo"]),
        ] {
            assert_eq!(split(s, n), want);
        }
    }
}
