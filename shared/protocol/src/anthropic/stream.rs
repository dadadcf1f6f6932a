//! Server-sent events of a streaming Messages response (the `data:` payloads; each also comes
//! with an `event:` line naming its `type`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::ErrorDetail;
use super::response::{MessageResponse, StopReason, Usage};
use super::types::{ContentBlock, Extra};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    MessageStart(MessageStart),
    ContentBlockStart(ContentBlockStart),
    ContentBlockDelta(ContentBlockDelta),
    ContentBlockStop(ContentBlockStop),
    MessageDelta(MessageDelta),
    MessageStop(Empty),
    Ping(Empty),
    Error(ErrorEvent),
    #[serde(untagged)]
    Unknown(Value),
}

impl StreamEvent {
    /// The SSE `event:` name of this event.
    pub fn event_name(&self) -> &str {
        match self {
            StreamEvent::MessageStart(_) => "message_start",
            StreamEvent::ContentBlockStart(_) => "content_block_start",
            StreamEvent::ContentBlockDelta(_) => "content_block_delta",
            StreamEvent::ContentBlockStop(_) => "content_block_stop",
            StreamEvent::MessageDelta(_) => "message_delta",
            StreamEvent::MessageStop(_) => "message_stop",
            StreamEvent::Ping(_) => "ping",
            StreamEvent::Error(_) => "error",
            StreamEvent::Unknown(v) => v.get("type").and_then(Value::as_str).unwrap_or(""),
        }
    }
}

/// Events without a payload of their own (`message_stop`, `ping`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Empty {
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageStart {
    pub message: MessageResponse,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentBlockStart {
    pub index: usize,
    /// The block with empty content (`text: ""`, `input: {}`), filled by the deltas.
    pub content_block: ContentBlock,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentBlockDelta {
    pub index: usize,
    pub delta: BlockDelta,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BlockDelta {
    TextDelta {
        text: String,
    },
    /// A piece of the tool input JSON text; the pieces concatenate to the full object.
    InputJsonDelta {
        partial_json: String,
    },
    ThinkingDelta {
        thinking: String,
    },
    SignatureDelta {
        signature: String,
    },
    CitationsDelta {
        citation: Value,
    },
    #[serde(untagged)]
    Unknown(Value),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentBlockStop {
    pub index: usize,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageDelta {
    pub delta: MessageDeltaBody,
    /// Cumulative usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct MessageDeltaBody {
    #[serde(default)]
    pub stop_reason: Option<StopReason>,
    #[serde(default)]
    pub stop_sequence: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorEvent {
    pub error: ErrorDetail,
    #[serde(flatten)]
    pub extra: Extra,
}
