//! `POST /v1/messages` and `POST /v1/messages/count_tokens` request bodies.

use crate::RawJson;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::types::{ContentBlock, Extra};

/// A Messages request. `max_tokens` is required by `/v1/messages` and absent from count-tokens
/// requests, which share this shape ([`CountTokensRequest`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MessagesRequest {
    pub model: String,
    pub messages: Vec<Message>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<System>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_k: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_sequences: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Metadata>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<Thinking>,
    /// `{effort, format}`: effort level and structured-output format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_config: Option<OutputConfig>,
    /// Structured outputs beta shape (`{"type": "json_schema", "schema": {...}}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_format: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_management: Option<Value>,
    /// `auto` or `standard_only`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// Container id (string) or `{id, skills}` for code execution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp_servers: Option<Vec<Value>>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Count-tokens requests are Messages requests without `max_tokens` and sampling parameters.
pub type CountTokensRequest = MessagesRequest;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub role: Role,
    pub content: MessageContent,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
    /// Mid-conversation system instructions, as newer clients (Claude Code) send them.
    System,
    #[serde(untagged)]
    Other(String),
}

/// A string is shorthand for one text block.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MessageContent {
    Text(String),
    Blocks(Vec<ContentBlock>),
}

crate::de::text_or_list!(
    MessageContent::Text | Blocks(ContentBlock),
    "a string or an array of content blocks"
);

/// Top-level `system`: a string or text blocks (which may carry `cache_control`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum System {
    Text(String),
    Blocks(Vec<ContentBlock>),
}

crate::de::text_or_list!(
    System::Text | Blocks(ContentBlock),
    "a string or an array of text blocks"
);

/// A tool definition: a custom (client) tool with an `input_schema`, or a server tool
/// identified by its versioned `type` (`web_search_20250305`, `bash_20250124`, ...).
// Nearly every tool is custom; boxing it would add an allocation per tool for no gain.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Tool {
    Custom(CustomTool),
    /// Server tools and anything else, verbatim.
    Server(Value),
}

impl Tool {
    /// The server tool's `type`, if this is one.
    pub fn server_type(&self) -> Option<&str> {
        match self {
            Tool::Server(v) => v.get("type").and_then(Value::as_str),
            Tool::Custom(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CustomTool {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub input_schema: RawJson,
    /// Absent or `custom`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolChoice {
    Auto(ToolChoiceOptions),
    /// Must call some tool.
    Any(ToolChoiceOptions),
    Tool(ToolChoiceTool),
    None(ToolChoiceOptions),
    #[serde(untagged)]
    Unknown(Value),
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ToolChoiceOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_parallel_tool_use: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ToolChoiceTool {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_parallel_tool_use: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Metadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Extended thinking configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Thinking {
    Enabled(ThinkingEnabled),
    Disabled(ThinkingOptions),
    /// The model decides how much to think (effort in `output_config.effort`).
    Adaptive(ThinkingOptions),
    #[serde(untagged)]
    Unknown(Value),
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ThinkingEnabled {
    pub budget_tokens: u64,
    #[serde(flatten)]
    pub options: ThinkingOptions,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ThinkingOptions {
    /// `summarized` (default) or `omitted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OutputConfig {
    /// `low`, `medium`, `high`, `xhigh`, `max`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    /// `{"type": "json_schema", "schema": {...}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}
