//! Responses streaming events (`event: <type>` + `data: {"type": <type>, ...}`), one struct per
//! payload shape. Every event carries an increasing `sequence_number`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::content::{ContentPart, Extra};
use super::items::{Item, SummaryPart};
use super::response::Response;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum StreamEvent {
    #[serde(rename = "response.created")]
    Created(ResponseEvent),
    #[serde(rename = "response.queued")]
    Queued(ResponseEvent),
    #[serde(rename = "response.in_progress")]
    InProgress(ResponseEvent),
    #[serde(rename = "response.completed")]
    Completed(ResponseEvent),
    #[serde(rename = "response.incomplete")]
    Incomplete(ResponseEvent),
    #[serde(rename = "response.failed")]
    Failed(ResponseEvent),
    #[serde(rename = "response.output_item.added")]
    OutputItemAdded(OutputItemEvent),
    #[serde(rename = "response.output_item.done")]
    OutputItemDone(OutputItemEvent),
    #[serde(rename = "response.content_part.added")]
    ContentPartAdded(ContentPartEvent),
    #[serde(rename = "response.content_part.done")]
    ContentPartDone(ContentPartEvent),
    #[serde(rename = "response.output_text.delta")]
    OutputTextDelta(TextDelta),
    #[serde(rename = "response.output_text.done")]
    OutputTextDone(TextDone),
    #[serde(rename = "response.output_text.annotation.added")]
    OutputTextAnnotationAdded(AnnotationAdded),
    #[serde(rename = "response.refusal.delta")]
    RefusalDelta(TextDelta),
    #[serde(rename = "response.refusal.done")]
    RefusalDone(RefusalDone),
    #[serde(rename = "response.function_call_arguments.delta")]
    FunctionCallArgumentsDelta(ItemDelta),
    #[serde(rename = "response.function_call_arguments.done")]
    FunctionCallArgumentsDone(ArgumentsDone),
    #[serde(rename = "response.custom_tool_call_input.delta")]
    CustomToolCallInputDelta(ItemDelta),
    #[serde(rename = "response.custom_tool_call_input.done")]
    CustomToolCallInputDone(InputDone),
    #[serde(rename = "response.reasoning_summary_part.added")]
    ReasoningSummaryPartAdded(SummaryPartEvent),
    #[serde(rename = "response.reasoning_summary_part.done")]
    ReasoningSummaryPartDone(SummaryPartEvent),
    #[serde(rename = "response.reasoning_summary_text.delta")]
    ReasoningSummaryTextDelta(SummaryTextDelta),
    #[serde(rename = "response.reasoning_summary_text.done")]
    ReasoningSummaryTextDone(SummaryTextDone),
    #[serde(rename = "response.reasoning_text.delta")]
    ReasoningTextDelta(TextDelta),
    #[serde(rename = "response.reasoning_text.done")]
    ReasoningTextDone(TextDone),
    #[serde(rename = "error")]
    Error(ErrorEvent),
    /// Events this model does not name (built-in tool progress, audio, ...), verbatim.
    #[serde(untagged)]
    Unknown(Value),
}

/// The event types [`StreamEvent`] names; a payload of one of these that does not parse is
/// malformed, any other type is just unknown.
pub const KNOWN_EVENT_TYPES: &[&str] = &[
    "response.created",
    "response.queued",
    "response.in_progress",
    "response.completed",
    "response.incomplete",
    "response.failed",
    "response.output_item.added",
    "response.output_item.done",
    "response.content_part.added",
    "response.content_part.done",
    "response.output_text.delta",
    "response.output_text.done",
    "response.output_text.annotation.added",
    "response.refusal.delta",
    "response.refusal.done",
    "response.function_call_arguments.delta",
    "response.function_call_arguments.done",
    "response.custom_tool_call_input.delta",
    "response.custom_tool_call_input.done",
    "response.reasoning_summary_part.added",
    "response.reasoning_summary_part.done",
    "response.reasoning_summary_text.delta",
    "response.reasoning_summary_text.done",
    "response.reasoning_text.delta",
    "response.reasoning_text.done",
    "error",
];

/// `response.created` / `in_progress` / `completed` / `incomplete` / `failed`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ResponseEvent {
    pub response: Response,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `response.output_item.added` / `done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputItemEvent {
    #[serde(default)]
    pub output_index: usize,
    pub item: Item,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `response.content_part.added` / `done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentPartEvent {
    #[serde(default)]
    pub item_id: String,
    #[serde(default)]
    pub output_index: usize,
    #[serde(default)]
    pub content_index: usize,
    pub part: ContentPart,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A text delta inside a content part (`output_text`, `refusal`, `reasoning_text`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TextDelta {
    #[serde(default)]
    pub item_id: String,
    #[serde(default)]
    pub output_index: usize,
    #[serde(default)]
    pub content_index: usize,
    #[serde(default)]
    pub delta: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// The full text of a finished content part (`output_text.done`, `reasoning_text.done`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TextDone {
    #[serde(default)]
    pub item_id: String,
    #[serde(default)]
    pub output_index: usize,
    #[serde(default)]
    pub content_index: usize,
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RefusalDone {
    #[serde(default)]
    pub item_id: String,
    #[serde(default)]
    pub output_index: usize,
    #[serde(default)]
    pub content_index: usize,
    #[serde(default)]
    pub refusal: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AnnotationAdded {
    #[serde(default)]
    pub item_id: String,
    #[serde(default)]
    pub output_index: usize,
    #[serde(default)]
    pub content_index: usize,
    #[serde(default)]
    pub annotation_index: usize,
    #[serde(default)]
    pub annotation: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// A delta of a whole item: function-call arguments or custom-tool input.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ItemDelta {
    #[serde(default)]
    pub item_id: String,
    #[serde(default)]
    pub output_index: usize,
    #[serde(default)]
    pub delta: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ArgumentsDone {
    #[serde(default)]
    pub item_id: String,
    #[serde(default)]
    pub output_index: usize,
    #[serde(default)]
    pub arguments: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InputDone {
    #[serde(default)]
    pub item_id: String,
    #[serde(default)]
    pub output_index: usize,
    #[serde(default)]
    pub input: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `response.reasoning_summary_part.added` / `done`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryPartEvent {
    #[serde(default)]
    pub item_id: String,
    #[serde(default)]
    pub output_index: usize,
    #[serde(default)]
    pub summary_index: usize,
    pub part: SummaryPart,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SummaryTextDelta {
    #[serde(default)]
    pub item_id: String,
    #[serde(default)]
    pub output_index: usize,
    #[serde(default)]
    pub summary_index: usize,
    #[serde(default)]
    pub delta: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SummaryTextDone {
    #[serde(default)]
    pub item_id: String,
    #[serde(default)]
    pub output_index: usize,
    #[serde(default)]
    pub summary_index: usize,
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `error`: a failure after the stream started.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorEvent {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub param: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_number: Option<u64>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl StreamEvent {
    /// The wire `type` (also the SSE `event:` name).
    pub fn type_name(&self) -> Option<&str> {
        match self {
            StreamEvent::Unknown(v) => v.get("type").and_then(Value::as_str),
            known => known.known_name(),
        }
    }

    /// The `type` of a named event; `None` for [`StreamEvent::Unknown`].
    pub const fn known_name(&self) -> Option<&'static str> {
        Some(match self {
            StreamEvent::Created(_) => "response.created",
            StreamEvent::Queued(_) => "response.queued",
            StreamEvent::InProgress(_) => "response.in_progress",
            StreamEvent::Completed(_) => "response.completed",
            StreamEvent::Incomplete(_) => "response.incomplete",
            StreamEvent::Failed(_) => "response.failed",
            StreamEvent::OutputItemAdded(_) => "response.output_item.added",
            StreamEvent::OutputItemDone(_) => "response.output_item.done",
            StreamEvent::ContentPartAdded(_) => "response.content_part.added",
            StreamEvent::ContentPartDone(_) => "response.content_part.done",
            StreamEvent::OutputTextDelta(_) => "response.output_text.delta",
            StreamEvent::OutputTextDone(_) => "response.output_text.done",
            StreamEvent::OutputTextAnnotationAdded(_) => "response.output_text.annotation.added",
            StreamEvent::RefusalDelta(_) => "response.refusal.delta",
            StreamEvent::RefusalDone(_) => "response.refusal.done",
            StreamEvent::FunctionCallArgumentsDelta(_) => "response.function_call_arguments.delta",
            StreamEvent::FunctionCallArgumentsDone(_) => "response.function_call_arguments.done",
            StreamEvent::CustomToolCallInputDelta(_) => "response.custom_tool_call_input.delta",
            StreamEvent::CustomToolCallInputDone(_) => "response.custom_tool_call_input.done",
            StreamEvent::ReasoningSummaryPartAdded(_) => "response.reasoning_summary_part.added",
            StreamEvent::ReasoningSummaryPartDone(_) => "response.reasoning_summary_part.done",
            StreamEvent::ReasoningSummaryTextDelta(_) => "response.reasoning_summary_text.delta",
            StreamEvent::ReasoningSummaryTextDone(_) => "response.reasoning_summary_text.done",
            StreamEvent::ReasoningTextDelta(_) => "response.reasoning_text.delta",
            StreamEvent::ReasoningTextDone(_) => "response.reasoning_text.done",
            StreamEvent::Error(_) => "error",
            StreamEvent::Unknown(_) => return None,
        })
    }
}
