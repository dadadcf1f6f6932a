//! Responses message content: roles, content parts (input and output) and message items.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Fields a wire object carries that the model does not name.
pub type Extra = Map<String, Value>;

/// Keeps an explicit `null` apart from an absent field: `None` = absent, `Some(None)` = `null`.
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
    System,
    Developer,
    /// A role this model does not know, verbatim.
    #[serde(untagged)]
    Other(String),
}

/// `content` of a message: a plain string or a list of parts.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum MessageContent {
    Text(String),
    Parts(Vec<ContentPart>),
}

crate::de::text_or_list!(
    MessageContent::Text | Parts(ContentPart),
    "a string or an array of content parts"
);

/// One content part of a message (input or output), a tool output, or a reasoning item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    InputText(TextPart),
    InputImage(InputImage),
    InputFile(InputFile),
    OutputText(OutputText),
    Refusal(RefusalPart),
    /// Raw chain of thought inside a reasoning item (open-weight models).
    ReasoningText(TextPart),
    #[serde(untagged)]
    Unknown(Value),
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TextPart {
    #[serde(default)]
    pub text: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `input_image`: an `image_url` (https or `data:` URL) or an uploaded `file_id`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InputImage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// `low`, `high` or `auto`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `input_file`: inline `file_data` (a `data:` URL), a `file_url` or an uploaded `file_id`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct InputFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

/// `output_text`: model text with its annotations (citations) and optional logprobs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OutputText {
    #[serde(default)]
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logprobs: Option<Vec<Value>>,
    #[serde(flatten)]
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RefusalPart {
    #[serde(default)]
    pub refusal: String,
    #[serde(flatten)]
    pub extra: Extra,
}

/// Marker for a message item's `type`, which is optional on input (`EasyInputMessage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageType {
    #[serde(rename = "message")]
    Message,
}

/// A message item: input (`user`/`system`/`developer`) or output (`assistant`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Only set on a message without the item tag (`{"role": ..., "content": ...}`) that still
    /// says `type: message`; tagged items carry the type in the enclosing [`super::Item`].
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<MessageType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub role: Role,
    pub content: MessageContent,
    /// `in_progress`, `completed`, `incomplete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(flatten)]
    pub extra: Extra,
}

impl Message {
    pub fn new(role: Role, content: MessageContent) -> Self {
        Message {
            kind: None,
            id: None,
            role,
            content,
            status: None,
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
    fn parts_round_trip_and_keep_unknown_types() {
        let parts = json!([
            {"type": "input_text", "text": "What is in this image?"},
            {"type": "input_image", "image_url": "https://example.com/cat.jpg", "detail": "auto"},
            {"type": "input_file", "filename": "a.pdf", "file_data": "data:application/pdf;base64,JVBE"},
            {"type": "output_text", "text": "Hi", "annotations": [], "logprobs": []},
            {"type": "refusal", "refusal": "No."},
            {"type": "input_audio", "input_audio": {"data": "AAA", "format": "wav"}}
        ]);
        let typed: Vec<ContentPart> = serde_json::from_value(parts.clone()).unwrap();
        assert!(
            matches!(typed[1], ContentPart::InputImage(ref i) if i.detail.as_deref() == Some("auto"))
        );
        assert!(matches!(typed[5], ContentPart::Unknown(_)));
        assert_eq!(serde_json::to_value(&typed).unwrap(), parts);
    }

    #[test]
    fn roles_keep_unknown_values() {
        let r: Role = serde_json::from_value(json!("critic")).unwrap();
        assert_eq!(r, Role::Other("critic".into()));
        assert_eq!(
            serde_json::to_value(Role::Developer).unwrap(),
            json!("developer")
        );
    }
}
