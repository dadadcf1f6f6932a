//! Responses tool definitions, tool choice, output format (`text`) and reasoning settings.

use crate::RawJson;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::content::Extra;

/// A tool the model may call. Built-in tools (web search, file search, MCP, code interpreter,
/// computer use, shell, ...) stay verbatim in [`Tool::Unknown`]; their `type` names them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Tool {
    Function(FunctionTool),
    Custom(CustomTool),
    Namespace(NamespaceTool),
    #[serde(untagged)]
    Unknown(Value),
}

impl Tool {
    pub fn type_name(&self) -> Option<&str> {
        match self {
            Tool::Function(_) => Some("function"),
            Tool::Custom(_) => Some("custom"),
            Tool::Namespace(_) => Some("namespace"),
            Tool::Unknown(v) => v.get("type").and_then(Value::as_str),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FunctionTool {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// JSON Schema of the arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<RawJson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A freeform tool; `format` is `{"type": "text"}` or a grammar (`lark` / `regex`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CustomTool {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Value>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Function and custom tools grouped under a name the model calls them with (`namespace` on
/// the call item).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NamespaceTool {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub tools: Vec<Tool>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `tool_choice`: a mode (`auto`, `none`, `required`) or a named tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ToolChoice {
    Mode(String),
    /// `{"type": "function", "name": ...}`, `{"type": "custom", "name": ...}`, a hosted tool
    /// type (`{"type": "web_search_preview"}`), `allowed_tools`, `mcp`, ...
    Named(NamedToolChoice),
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct NamedToolChoice {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `text`: output format and verbosity.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TextConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<TextFormat>,
    /// `low`, `medium`, `high`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verbosity: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TextFormat {
    Text(Extra),
    JsonObject(Extra),
    JsonSchema(JsonSchemaFormat),
    #[serde(untagged)]
    Unknown(Value),
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct JsonSchemaFormat {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub schema: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `reasoning`: effort (`none` .. `xhigh`) and summary (`auto`, `concise`, `detailed`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReasoningConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effort: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn tools_round_trip() {
        let tools = json!([
            {"type": "function", "name": "get_weather", "description": "Weather", "strict": false, "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}},
            {"type": "custom", "name": "apply_patch", "format": {"type": "grammar", "syntax": "lark", "definition": "start: /.+/"}},
            {"type": "namespace", "name": "crm", "description": "CRM tools", "tools": [{"type": "function", "name": "lookup", "parameters": {"type": "object"}, "defer_loading": true}]},
            {"type": "web_search", "external_web_access": false},
            {"type": "file_search", "vector_store_ids": ["vs_1"]}
        ]);
        let typed: Vec<Tool> = serde_json::from_value(tools.clone()).unwrap();
        assert!(matches!(typed[2], Tool::Namespace(ref n) if n.tools.len() == 1));
        assert_eq!(typed[3].type_name(), Some("web_search"));
        assert_eq!(serde_json::to_value(&typed).unwrap(), tools);
    }

    #[test]
    fn choices_and_formats_round_trip() {
        for v in [
            json!("auto"),
            json!({"type": "function", "name": "f"}),
            json!({"type": "allowed_tools", "mode": "auto", "tools": []}),
        ] {
            let c: ToolChoice = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(serde_json::to_value(&c).unwrap(), v);
        }
        let text = json!({"format": {"type": "json_schema", "name": "out", "schema": {"type": "object"}, "strict": true}, "verbosity": "low"});
        let t: TextConfig = serde_json::from_value(text.clone()).unwrap();
        assert!(matches!(t.format, Some(TextFormat::JsonSchema(ref s)) if s.strict == Some(true)));
        assert_eq!(serde_json::to_value(&t).unwrap(), text);
        let plain: TextConfig =
            serde_json::from_value(json!({"format": {"type": "text"}})).unwrap();
        assert!(matches!(plain.format, Some(TextFormat::Text(_))));
    }
}
