//! The Responses `response` object (non-streamed answer, and the payload of lifecycle events),
//! and the count-tokens answer.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use super::content::Extra;
use super::items::Item;
use super::request::Instructions;
use super::tools::{ReasoningConfig, TextConfig, Tool, ToolChoice};

/// A response (`resp_...`). OpenAI always sends `error`, `incomplete_details`, `instructions`,
/// `max_output_tokens`, `previous_response_id`, `temperature`, `top_p`, `usage` and `user`,
/// as `null` when unset, so those are serialized even when `None`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Response {
    pub id: String,
    #[serde(default = "response_object")]
    pub object: String,
    /// Unix seconds (an integer on OpenAI; some compatible servers send a float).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Number>,
    /// `completed`, `incomplete`, `failed`, `in_progress`, `queued`, `cancelled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default)]
    pub error: Option<ResponseError>,
    #[serde(default)]
    pub incomplete_details: Option<IncompleteDetails>,
    #[serde(default)]
    pub instructions: Option<Instructions>,
    #[serde(default)]
    pub max_output_tokens: Option<u64>,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub output: Vec<Item>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    #[serde(default)]
    pub previous_response_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<ReasoningConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<bool>,
    #[serde(default)]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<TextConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<ToolChoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Tool>>,
    #[serde(default)]
    pub top_p: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncation: Option<String>,
    #[serde(default)]
    pub usage: Option<Usage>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    #[serde(flatten)]
    pub extra: Extra,
}

fn response_object() -> String {
    "response".to_owned()
}

/// Why a response failed: `server_error`, `rate_limit_exceeded`, `invalid_prompt`, ...
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResponseError {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Why a response stopped early: `max_output_tokens` or `content_filter`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IncompleteDetails {
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Token usage. `input_tokens` includes the cached ones; `output_tokens` includes reasoning.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Usage {
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens_details: Option<InputTokensDetails>,
    #[serde(default)]
    pub output_tokens: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens_details: Option<OutputTokensDetails>,
    #[serde(default)]
    pub total_tokens: u64,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InputTokensDetails {
    #[serde(default)]
    pub cached_tokens: u64,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OutputTokensDetails {
    #[serde(default)]
    pub reasoning_tokens: u64,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `POST /v1/responses/input_tokens` answer: `{"object": "response.input_tokens", "input_tokens": N}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InputTokens {
    #[serde(default = "input_tokens_object")]
    pub object: String,
    #[serde(default)]
    pub input_tokens: u64,
    #[serde(flatten)]
    pub extra: Extra,
}

fn input_tokens_object() -> String {
    "response.input_tokens".to_owned()
}

impl InputTokens {
    pub fn new(input_tokens: u64) -> Self {
        InputTokens {
            object: input_tokens_object(),
            input_tokens,
            extra: Extra::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn a_real_response_round_trips() {
        let body = json!({
            "id": "resp_68af4030592c81938ec0a5fbab4a3e9f05438e46b5f69a3b",
            "object": "response",
            "created_at": 1756315696,
            "status": "completed",
            "background": false,
            "error": null,
            "incomplete_details": null,
            "instructions": null,
            "max_output_tokens": null,
            "max_tool_calls": null,
            "model": "gpt-5-2025-08-07",
            "output": [
                {"id": "rs_68af4030baa48193b0b43b4c2a176a1a05438e46b5f69a3b", "type": "reasoning", "summary": []},
                {"id": "msg_68af40337e58819392e935fb404414d005438e46b5f69a3b", "type": "message", "status": "completed",
                 "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": "Hello!"}], "role": "assistant"}
            ],
            "parallel_tool_calls": true,
            "previous_response_id": null,
            "prompt_cache_key": null,
            "reasoning": {"effort": "medium", "summary": "auto"},
            "safety_identifier": null,
            "service_tier": "default",
            "store": true,
            "temperature": 1.0,
            "text": {"format": {"type": "text"}, "verbosity": "medium"},
            "tool_choice": "auto",
            "tools": [],
            "top_logprobs": 0,
            "top_p": 1.0,
            "truncation": "disabled",
            "usage": {"input_tokens": 9, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 74,
                      "output_tokens_details": {"reasoning_tokens": 64}, "total_tokens": 83},
            "user": null,
            "metadata": {}
        });
        let typed: Response = serde_json::from_value(body.clone()).unwrap();
        assert_eq!(
            typed
                .usage
                .as_ref()
                .unwrap()
                .output_tokens_details
                .as_ref()
                .unwrap()
                .reasoning_tokens,
            64
        );
        assert_eq!(typed.output.len(), 2);
        assert_eq!(serde_json::to_value(&typed).unwrap(), body);
    }

    #[test]
    fn input_tokens_answer() {
        let v = json!({"object": "response.input_tokens", "input_tokens": 11});
        let t: InputTokens = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(t, InputTokens::new(11));
        assert_eq!(serde_json::to_value(&t).unwrap(), v);
    }
}
