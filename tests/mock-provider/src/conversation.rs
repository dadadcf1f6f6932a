//! Reads what the mock's answer depends on out of each family's request body.

use serde_json::Value;

/// A tool the request offers: its name and JSON schema of arguments.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolSpec {
    pub name: String,
    pub schema: Value,
}

/// The parts of a request the deterministic answer is derived from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Turn {
    /// The last text part of the last user message.
    pub user_text: String,
    /// The text of the tool result, when the last message is one.
    pub tool_result: Option<String>,
    /// Function tools offered (empty when `tool_choice` is none).
    pub tools: Vec<ToolSpec>,
    /// Thinking / reasoning requested.
    pub thinking: bool,
    /// Prompt caching requested (`cache_control`, `prompt_cache_key`, `cachedContent`).
    pub cache: bool,
}

/// OpenAI Chat Completions: `messages`, `tools[].function`, `prompt_cache_key`.
pub fn from_chat(body: &Value) -> Turn {
    let messages = arr(&body["messages"]);
    let last = messages.last();
    let tool_result = last
        .filter(|m| m["role"] == "tool" || m["role"] == "function")
        .map(|m| text_of(&m["content"]));
    let user_text = messages
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .map(|m| last_text(&m["content"]))
        .unwrap_or_default();
    let tools = if body["tool_choice"] == "none" {
        Vec::new()
    } else {
        arr(&body["tools"])
            .iter()
            .filter(|t| t["type"] == "function")
            .filter_map(|t| tool(&t["function"]["name"], &t["function"]["parameters"]))
            .collect()
    };
    Turn {
        user_text,
        tool_result,
        tools,
        thinking: false,
        cache: body.get("prompt_cache_key").is_some_and(|k| !k.is_null()),
    }
}

/// OpenAI Responses: `input` (string or items), `tools[]` of type function, `reasoning`.
pub fn from_responses(body: &Value) -> Turn {
    let input = &body["input"];
    let items = arr(input);
    let tool_result = items
        .last()
        .filter(|i| {
            matches!(
                i["type"].as_str(),
                Some("function_call_output" | "custom_tool_call_output")
            )
        })
        .map(|i| text_of(&i["output"]));
    let user_text = match input.as_str() {
        Some(s) => s.to_owned(),
        None => items
            .iter()
            .rev()
            .find(|i| i["role"] == "user" && (i["type"].is_null() || i["type"] == "message"))
            .map(|i| last_text(&i["content"]))
            .unwrap_or_default(),
    };
    let tools = if body["tool_choice"] == "none" {
        Vec::new()
    } else {
        arr(&body["tools"])
            .iter()
            .filter(|t| t["type"] == "function")
            .filter_map(|t| tool(&t["name"], &t["parameters"]))
            .collect()
    };
    let reasoning = &body["reasoning"];
    Turn {
        user_text,
        tool_result,
        tools,
        thinking: reasoning.is_object() && reasoning["effort"] != "none",
        cache: body.get("prompt_cache_key").is_some_and(|k| !k.is_null()),
    }
}

/// Anthropic Messages: `messages` with `tool_result` blocks, `tools[].input_schema`, `thinking`.
pub fn from_anthropic(body: &Value, raw: &[u8]) -> Turn {
    let messages = arr(&body["messages"]);
    let tool_result = messages
        .last()
        .filter(|m| m["role"] == "user")
        .and_then(|m| {
            arr(&m["content"])
                .iter()
                .rev()
                .find(|b| b["type"] == "tool_result")
        })
        .map(|b| text_of(&b["content"]));
    let user_text = messages
        .iter()
        .rev()
        .filter(|m| m["role"] == "user")
        .map(|m| last_text(&m["content"]))
        .find(|t| !t.is_empty())
        .unwrap_or_default();
    let tools = if body["tool_choice"]["type"] == "none" {
        Vec::new()
    } else {
        arr(&body["tools"])
            .iter()
            .filter(|t| t["type"].is_null() || t["type"] == "custom")
            .filter_map(|t| tool(&t["name"], &t["input_schema"]))
            .collect()
    };
    Turn {
        user_text,
        tool_result,
        tools,
        thinking: matches!(
            body["thinking"]["type"].as_str(),
            Some("enabled" | "adaptive")
        ),
        cache: contains(raw, b"\"cache_control\""),
    }
}

/// Gemini generateContent: `contents[].parts` with `functionResponse`, `functionDeclarations`, `thinkingConfig`.
pub fn from_gemini(body: &Value) -> Turn {
    let contents = arr(&body["contents"]);
    let tool_result = contents.last().and_then(|c| {
        arr(&c["parts"])
            .iter()
            .rev()
            .find_map(|p| p.get("functionResponse"))
            .map(|r| function_response_text(&r["response"]))
    });
    let user_text = contents
        .iter()
        .rev()
        .filter(|c| c["role"] == "user" || c["role"].is_null())
        .map(|c| last_text(&c["parts"]))
        .find(|t| !t.is_empty())
        .unwrap_or_default();
    // The API accepts camelCase and snake_case (google-genai sends snake_case); so does the mock.
    let mode = &either(
        either(body, "toolConfig", "tool_config"),
        "functionCallingConfig",
        "function_calling_config",
    )["mode"];
    let tools = if mode == "NONE" {
        Vec::new()
    } else {
        arr(&body["tools"])
            .iter()
            .flat_map(|t| arr(either(t, "functionDeclarations", "function_declarations")).iter())
            .filter_map(|f| {
                let schema = match f
                    .get("parametersJsonSchema")
                    .or_else(|| f.get("parameters_json_schema"))
                {
                    Some(s) => s,
                    None => &f["parameters"],
                };
                tool(&f["name"], schema)
            })
            .collect()
    };
    let thinking_config = either(
        either(body, "generationConfig", "generation_config"),
        "thinkingConfig",
        "thinking_config",
    );
    Turn {
        user_text,
        tool_result,
        tools,
        thinking: *either(thinking_config, "includeThoughts", "include_thoughts") == true,
        cache: either(body, "cachedContent", "cached_content")
            .as_str()
            .is_some(),
    }
}

/// `v[camel]`, or `v[snake]` when the camelCase key is absent.
fn either<'a>(v: &'a Value, camel: &str, snake: &str) -> &'a Value {
    match v.get(camel) {
        Some(x) => x,
        None => &v[snake],
    }
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

fn tool(name: &Value, schema: &Value) -> Option<ToolSpec> {
    Some(ToolSpec {
        name: name.as_str()?.to_owned(),
        schema: schema.clone(),
    })
}

/// The last text of a message content: a string, or the last part carrying `text`.
fn last_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .rev()
            .filter(|p| p["thought"] != true)
            .find_map(|p| p["text"].as_str())
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

/// All text of a tool result content: a string, or the text parts joined.
fn text_of(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str().or_else(|| p.as_str()))
            .collect::<Vec<_>>()
            .join(""),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A Gemini `functionResponse.response`: its `output`/`content`/`result` text, else the JSON.
fn function_response_text(response: &Value) -> String {
    ["output", "content", "result"]
        .iter()
        .find_map(|k| response[*k].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| text_of(response))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extracts_user_text_tool_results_and_flags_per_family() {
        let chat = json!({"messages": [
            {"role": "user", "content": [{"type": "text", "text": "hi there"}]},
            {"role": "assistant", "tool_calls": []},
            {"role": "tool", "tool_call_id": "c", "content": "42 degrees"}],
            "tools": [{"type": "function", "function": {"name": "w", "parameters": {}}}],
            "prompt_cache_key": "k"});
        let responses = json!({"input": [
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "say hi"}]},
            {"type": "function_call_output", "call_id": "c", "output": "ran"}],
            "reasoning": {"summary": "auto"}});
        let anthropic = json!({"messages": [
            {"role": "user", "content": [{"type": "text", "text": "ctx"}, {"type": "text", "text": "go"}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t",
                "content": [{"type": "text", "text": "done"}], "cache_control": {"type": "ephemeral"}}]}],
            "thinking": {"type": "adaptive"}, "tool_choice": {"type": "none"},
            "tools": [{"name": "Bash", "input_schema": {}}, {"type": "web_search_20250305", "name": "web_search"}]});
        let gemini = json!({"contents": [
            {"role": "user", "parts": [{"text": "list it"}]},
            {"role": "user", "parts": [{"functionResponse": {"name": "ls", "response": {"output": "a.txt"}}}]}],
            "generationConfig": {"thinkingConfig": {"includeThoughts": true}}});
        let cases = [
            (from_chat(&chat), "hi there", "42 degrees", 1, false, true),
            (from_responses(&responses), "say hi", "ran", 0, true, false),
            (
                from_anthropic(&anthropic, anthropic.to_string().as_bytes()),
                "go",
                "done",
                0,
                true,
                true,
            ),
            (from_gemini(&gemini), "list it", "a.txt", 0, true, false),
        ];
        for (turn, text, result, tools, thinking, cache) in cases {
            assert_eq!(turn.user_text, text);
            assert_eq!(turn.tool_result.as_deref(), Some(result));
            assert_eq!(turn.tools.len(), tools, "{text}");
            assert_eq!(turn.thinking, thinking, "{text}");
            assert_eq!(turn.cache, cache, "{text}");
        }
    }

    #[test]
    fn string_input_and_gemini_declarations_with_json_schema() {
        let turn = from_responses(&json!({"input": "plain", "tools": [
            {"type": "web_search"}, {"type": "function", "name": "f", "parameters": {"type": "object"}}]}));
        assert_eq!(turn.user_text, "plain");
        assert_eq!(turn.tool_result, None);
        assert_eq!(turn.tools[0].name, "f");
        let turn = from_gemini(&json!({"contents": [{"parts": [{"text": "q"}]}],
            "tools": [{"functionDeclarations": [{"name": "g", "parametersJsonSchema": {"required": ["a"]}}]}]}));
        assert_eq!(turn.user_text, "q");
        assert_eq!(turn.tools[0].schema["required"][0], "a");
    }
}
