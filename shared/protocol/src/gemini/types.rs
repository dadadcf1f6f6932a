//! Content types shared by Gemini requests and responses: `Content`, `Part` and the part payloads.
//!
//! Field names are camelCase on the wire; the API also accepts the proto (snake_case) names, so
//! every multi-word field takes its snake_case spelling as an alias. A part is one struct with
//! every payload optional (the API's `oneof data`) so a new payload kind lands in `extra`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One turn: `role` is `user` or `model` (absent on `systemInstruction` and single-turn input).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Content {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default)]
    pub parts: Vec<Part>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One piece of content. Exactly one payload is set in a valid part; `thought`,
/// `thoughtSignature` and `videoMetadata` are metadata that ride along.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "inline_data"
    )]
    pub inline_data: Option<Blob>,
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "file_data")]
    pub file_data: Option<FileData>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "function_call"
    )]
    pub function_call: Option<FunctionCall>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "function_response"
    )]
    pub function_response: Option<FunctionResponse>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "executable_code"
    )]
    pub executable_code: Option<ExecutableCode>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "code_execution_result"
    )]
    pub code_execution_result: Option<CodeExecutionResult>,
    /// The part is a thought summary (only with `thinkingConfig.includeThoughts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thought: Option<bool>,
    /// Opaque signature of the model's thinking; must be sent back verbatim on the next turn.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "thought_signature"
    )]
    pub thought_signature: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        alias = "video_metadata"
    )]
    pub video_metadata: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Part {
    /// A plain text part.
    pub fn text(text: impl Into<String>) -> Self {
        Part {
            text: Some(text.into()),
            ..Part::default()
        }
    }
}

/// Inline bytes: `data` is base64.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Blob {
    #[serde(default, alias = "mime_type")]
    pub mime_type: String,
    #[serde(default)]
    pub data: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A file by URI: Files API (`https://generativelanguage.googleapis.com/v1beta/files/...`),
/// `gs://` (Vertex), YouTube or a public URL.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileData {
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "mime_type")]
    pub mime_type: Option<String>,
    #[serde(default, alias = "file_uri")]
    pub file_uri: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A call the model asks for. `id` is set by some models and by clients (Gemini CLI).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionCall {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: String,
    /// A JSON object (absent when the function takes no arguments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The result of a call, sent back in a `user` turn. `response` must be a JSON object.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
    /// Multimodal results (inline images) of newer models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parts: Option<Vec<Part>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Code the model generated for the code-execution tool.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ExecutableCode {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default)]
    pub code: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Output of running [`ExecutableCode`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CodeExecutionResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
