//! `POST /v1/responses` request body (also the body of `POST /v1/responses/input_tokens`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::content::Extra;
use super::items::Item;
use super::tools::{ReasoningConfig, TextConfig, Tool, ToolChoice};

/// `input`: a plain user prompt or a list of items.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Input {
    Text(String),
    Items(Vec<Item>),
}

crate::de::text_or_list!(
    Input::Text | Items(Item),
    "a string or an array of input items"
);

/// `instructions`: a system/developer prompt as text, or (newer API) a list of input items.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Instructions {
    Text(String),
    Items(Vec<Item>),
}

crate::de::text_or_list!(
    Instructions::Text | Items(Item),
    "a string or an array of input items"
);

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Request {
    /// Required to create a response; optional when counting tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Input>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<Instructions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<ReasoningConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tool_calls: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub top_logprobs: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_response_id: Option<String>,
    /// A conversation id or `{"id": ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation: Option<Value>,
    /// Extra output to return: `reasoning.encrypted_content`, `message.output_text.logprobs`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_cache_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    /// `auto` or `disabled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// `{"include_obfuscation": bool}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_options: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background: Option<bool>,
    /// `prompt`, `client_metadata` (Codex), `context_management`, ... verbatim.
    #[serde(flatten)]
    pub extra: Extra,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The `/v1/responses` bodies captured from Codex CLI and the official SDKs.
    pub(crate) fn fixture_bodies() -> Vec<Value> {
        let dir = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/clients"
        );
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let v: Value = serde_json::from_str(line).unwrap();
                if v["path"]
                    .as_str()
                    .is_some_and(|p| p.starts_with("/v1/responses"))
                {
                    out.push(v["body"].clone());
                }
            }
        }
        out
    }

    #[test]
    fn captured_bodies_round_trip() {
        let bodies = fixture_bodies();
        assert!(bodies.len() >= 10, "found {}", bodies.len());
        for body in bodies {
            let req: Request = serde_json::from_value(body.clone()).unwrap();
            assert!(req.model.is_some());
            assert_eq!(serde_json::to_value(&req).unwrap(), body);
        }
    }

    #[test]
    fn codex_items_are_typed() {
        let codex: Vec<Request> = fixture_bodies()
            .into_iter()
            .filter(|b| b.get("client_metadata").is_some())
            .map(|b| serde_json::from_value(b).unwrap())
            .collect();
        assert_eq!(codex.len(), 2);
        let Some(Input::Items(items)) = &codex[1].input else {
            panic!("items")
        };
        assert!(items
            .iter()
            .any(|i| matches!(i, Item::FunctionCall(c) if c.call_id == "call_mock1")));
        assert!(items
            .iter()
            .any(|i| matches!(i, Item::FunctionCallOutput(o) if o.call_id == "call_mock1")));
        assert!(items.iter().all(|i| !matches!(i, Item::Unknown(_))));
        let tools = codex[0].tools.as_ref().unwrap();
        assert!(tools.iter().any(|t| t.type_name() == Some("namespace")));
        assert!(tools.iter().any(|t| t.type_name() == Some("web_search")));
    }
}
