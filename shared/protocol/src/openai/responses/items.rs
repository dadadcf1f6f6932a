//! Responses items: what `input` lists and `output` returns (messages, tool calls and their
//! outputs, reasoning, built-in tool calls, references).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::content::{nullable, ContentPart, Extra, Message};

/// One item of `input` or `output`. The same shapes travel both ways: a client replays the
/// output items of one turn as input of the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Item {
    Message(Message),
    FunctionCall(FunctionCall),
    FunctionCallOutput(FunctionCallOutput),
    CustomToolCall(CustomToolCall),
    CustomToolCallOutput(CustomToolCallOutput),
    Reasoning(ReasoningItem),
    WebSearchCall(WebSearchCall),
    ItemReference(ItemReference),
    /// A message without the `type` tag (`EasyInputMessage`: `{"role": ..., "content": ...}`).
    #[serde(untagged)]
    EasyMessage(Message),
    /// Any other item (file search, computer use, MCP, shell, ...), verbatim.
    #[serde(untagged)]
    Unknown(Value),
}

impl Item {
    /// The wire `type` of the item, when it has one.
    pub fn type_name(&self) -> Option<&str> {
        Some(match self {
            Item::Message(_) => "message",
            Item::FunctionCall(_) => "function_call",
            Item::FunctionCallOutput(_) => "function_call_output",
            Item::CustomToolCall(_) => "custom_tool_call",
            Item::CustomToolCallOutput(_) => "custom_tool_call_output",
            Item::Reasoning(_) => "reasoning",
            Item::WebSearchCall(_) => "web_search_call",
            Item::ItemReference(_) => "item_reference",
            Item::EasyMessage(_) => return None,
            Item::Unknown(v) => return v.get("type").and_then(Value::as_str),
        })
    }
}

/// A call of a function tool (`fc_...` item id, `call_...` call id).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionCall {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default)]
    pub call_id: String,
    #[serde(default)]
    pub name: String,
    /// Set when the function belongs to a `namespace` tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// JSON text of the arguments.
    #[serde(default)]
    pub arguments: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The output of a function or custom tool: a string or a list of input parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ToolOutput {
    Text(String),
    Parts(Vec<ContentPart>),
}

crate::de::text_or_list!(
    ToolOutput::Text | Parts(ContentPart),
    "a string or an array of content parts"
);

impl Default for ToolOutput {
    fn default() -> Self {
        ToolOutput::Text(String::new())
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionCallOutput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub call_id: String,
    #[serde(default)]
    pub output: ToolOutput,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A call of a custom (freeform) tool: `input` is raw text, not JSON.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CustomToolCall {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default)]
    pub call_id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default)]
    pub input: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CustomToolCallOutput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub call_id: String,
    #[serde(default)]
    pub output: ToolOutput,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `{"type": "summary_text", "text": ...}` in a reasoning item's `summary`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryPart {
    #[serde(rename = "type", default = "summary_text")]
    pub kind: String,
    #[serde(default)]
    pub text: String,
    #[serde(flatten)]
    pub extra: Extra,
}

impl SummaryPart {
    pub fn text(text: impl Into<String>) -> Self {
        SummaryPart {
            kind: summary_text(),
            text: text.into(),
            extra: Extra::new(),
        }
    }
}

fn summary_text() -> String {
    "summary_text".to_owned()
}

/// Model reasoning (`rs_...`): visible summary, optional raw text, and the encrypted chain of
/// thought that must be sent back verbatim when the conversation is not stored.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReasoningItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default)]
    pub summary: Vec<SummaryPart>,
    /// `reasoning_text` parts; an explicit `null` is kept (Codex sends one).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub content: Option<Option<Vec<ContentPart>>>,
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub encrypted_content: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A hosted web search the model ran (`ws_...`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WebSearchCall {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// `{"type": "search", "query": ..., "sources": [...]}`, `open_page`, `find`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A stored item referred to by id.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ItemReference {
    pub id: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::openai::responses::content::Role;
    use serde_json::json;

    #[test]
    fn items_round_trip() {
        let items = json!([
            {"role": "user", "content": "weather?"},
            {"type": "message", "id": "msg_1", "role": "developer", "content": [{"type": "input_text", "text": "be brief"}]},
            {"type": "message", "id": "msg_2", "status": "completed", "role": "assistant", "content": [{"type": "output_text", "text": "Hi", "annotations": []}]},
            {"type": "function_call", "status": "completed", "id": "fc_1", "name": "exec_command", "arguments": "{\"cmd\": \"ls\"}", "call_id": "call_1"},
            {"type": "function_call", "name": "spawn_agent", "namespace": "multi_agent_v1", "arguments": "{}", "call_id": "call_2"},
            {"type": "function_call_output", "id": "fco_1", "call_id": "call_1", "output": "ok"},
            {"type": "function_call_output", "call_id": "call_2", "output": [{"type": "input_text", "text": "a"}]},
            {"type": "custom_tool_call", "id": "ctc_1", "call_id": "call_3", "name": "apply_patch", "input": "*** Begin Patch"},
            {"type": "custom_tool_call_output", "call_id": "call_3", "output": "Done"},
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "**Plan**"}], "content": null, "encrypted_content": "gAAAAB"},
            {"type": "web_search_call", "id": "ws_1", "status": "completed", "action": {"type": "search", "query": "paris"}},
            {"type": "item_reference", "id": "msg_0"},
            {"type": "local_shell_call", "id": "lsh_1", "call_id": "call_4", "status": "completed", "action": {"type": "exec", "command": ["ls"], "env": {}}}
        ]);
        let typed: Vec<Item> = serde_json::from_value(items.clone()).unwrap();
        assert!(matches!(typed[0], Item::EasyMessage(ref m) if m.role == Role::User));
        assert!(matches!(typed[1], Item::Message(ref m) if m.id.as_deref() == Some("msg_1")));
        assert!(
            matches!(typed[4], Item::FunctionCall(ref c) if c.namespace.as_deref() == Some("multi_agent_v1"))
        );
        assert!(matches!(typed[9], Item::Reasoning(ref r) if r.content == Some(None)));
        assert_eq!(typed[12].type_name(), Some("local_shell_call"));
        assert!(matches!(typed[12], Item::Unknown(_)));
        assert_eq!(serde_json::to_value(&typed).unwrap(), items);
    }

    #[test]
    fn an_unknown_type_with_a_role_is_not_taken_for_a_message() {
        let v = json!({"type": "future_thing", "role": "user", "content": "x"});
        let item: Item = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(item, Item::Unknown(v));
    }
}
