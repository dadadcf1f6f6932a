//! Content blocks shared by Messages requests, responses and stream events.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Fields a wire object carries that the model does not name, kept verbatim.
pub type Extra = Map<String, Value>;

/// One content block. Blocks of a type this model does not know, and known types whose shape
/// does not match, land in [`ContentBlock::Unknown`] verbatim, so a new block type never fails a
/// request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentBlock {
    Text(TextBlock),
    Image(ImageBlock),
    Document(DocumentBlock),
    SearchResult(SearchResultBlock),
    Thinking(ThinkingBlock),
    RedactedThinking(RedactedThinkingBlock),
    ToolUse(ToolUseBlock),
    ToolResult(ToolResultBlock),
    ServerToolUse(ServerToolUseBlock),
    WebSearchToolResult(ServerToolResultBlock),
    WebFetchToolResult(ServerToolResultBlock),
    CodeExecutionToolResult(ServerToolResultBlock),
    BashCodeExecutionToolResult(ServerToolResultBlock),
    TextEditorCodeExecutionToolResult(ServerToolResultBlock),
    ToolSearchToolResult(ServerToolResultBlock),
    McpToolUse(ServerToolUseBlock),
    McpToolResult(ServerToolResultBlock),
    ContainerUpload(ContainerUploadBlock),
    /// System instructions placed inside a turn (`mid_conv_system`).
    MidConvSystem(MidConvSystemBlock),
    #[serde(untagged)]
    Unknown(Value),
}

impl ContentBlock {
    /// The block's `type` as it appears on the wire.
    pub fn type_name(&self) -> &str {
        match self {
            ContentBlock::Text(_) => "text",
            ContentBlock::Image(_) => "image",
            ContentBlock::Document(_) => "document",
            ContentBlock::SearchResult(_) => "search_result",
            ContentBlock::Thinking(_) => "thinking",
            ContentBlock::RedactedThinking(_) => "redacted_thinking",
            ContentBlock::ToolUse(_) => "tool_use",
            ContentBlock::ToolResult(_) => "tool_result",
            ContentBlock::ServerToolUse(_) => "server_tool_use",
            ContentBlock::WebSearchToolResult(_) => "web_search_tool_result",
            ContentBlock::WebFetchToolResult(_) => "web_fetch_tool_result",
            ContentBlock::CodeExecutionToolResult(_) => "code_execution_tool_result",
            ContentBlock::BashCodeExecutionToolResult(_) => "bash_code_execution_tool_result",
            ContentBlock::TextEditorCodeExecutionToolResult(_) => {
                "text_editor_code_execution_tool_result"
            }
            ContentBlock::ToolSearchToolResult(_) => "tool_search_tool_result",
            ContentBlock::McpToolUse(_) => "mcp_tool_use",
            ContentBlock::McpToolResult(_) => "mcp_tool_result",
            ContentBlock::ContainerUpload(_) => "container_upload",
            ContentBlock::MidConvSystem(_) => "mid_conv_system",
            ContentBlock::Unknown(v) => v.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }

    pub fn text(text: impl Into<String>) -> Self {
        ContentBlock::Text(TextBlock::new(text))
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TextBlock {
    pub text: String,
    /// Citations: in responses, the sources the text cites; kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citations: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl TextBlock {
    pub fn new(text: impl Into<String>) -> Self {
        TextBlock {
            text: text.into(),
            ..TextBlock::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageBlock {
    pub source: MediaSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Where an image or document comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MediaSource {
    /// Base64 data (images; PDF documents).
    Base64 {
        media_type: String,
        data: String,
    },
    Url {
        url: String,
    },
    /// A Files API id.
    File {
        file_id: String,
    },
    /// Plain-text document (`media_type: text/plain`, `data` is the text itself).
    Text {
        media_type: String,
        data: String,
    },
    /// A document made of content blocks (`content`: string or blocks).
    Content {
        content: Value,
    },
    #[serde(untagged)]
    Unknown(Value),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentBlock {
    pub source: MediaSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// Citations config (`{"enabled": true}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citations: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResultBlock {
    pub source: String,
    pub title: String,
    pub content: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citations: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ThinkingBlock {
    pub thinking: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RedactedThinkingBlock {
    pub data: String,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolUseBlock {
    pub id: String,
    pub name: String,
    /// The arguments as a JSON object.
    pub input: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolResultBlock {
    pub tool_use_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<ToolResultContent>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_error: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `tool_result.content`: a string or blocks (text, image, document, search result).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ToolResultContent {
    Text(String),
    Blocks(Vec<ContentBlock>),
}

crate::de::text_or_list!(
    ToolResultContent::Text | Blocks(ContentBlock),
    "a string or an array of content blocks"
);

/// `server_tool_use` and `mcp_tool_use`: a call the provider runs itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerToolUseBlock {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub input: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Results of server tools (`web_search_tool_result`, `code_execution_tool_result`, ...).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerToolResultBlock {
    pub tool_use_id: String,
    #[serde(default)]
    pub content: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerUploadBlock {
    pub file_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MidConvSystemBlock {
    pub content: Vec<ContentBlock>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}
