//! The operation taxonomy of the seed design: what a request does and in which wire shape.

use std::fmt;

/// A provider API family. Two kinds of one family (Chat vs Responses) share auth, errors and models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    OpenAi,
    Anthropic,
    Gemini,
}

impl Family {
    pub const fn as_str(self) -> &'static str {
        match self {
            Family::OpenAi => "openai",
            Family::Anthropic => "anthropic",
            Family::Gemini => "gemini",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Broad capability of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperationGroup {
    Models,
    CountTokens,
    GenerateContent,
    Images,
    Embeddings,
    Compact,
    Conversation,
}

/// A concrete action a client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    ListModels,
    GetModel,
    CountTokens,
    GenerateContent,
    StreamGenerateContent,
    CreateImage,
    EditImage,
    CreateEmbedding,
    CompactContent,
    CreateConversation,
}

impl Operation {
    pub const ALL: [Operation; 10] = [
        Operation::ListModels,
        Operation::GetModel,
        Operation::CountTokens,
        Operation::GenerateContent,
        Operation::StreamGenerateContent,
        Operation::CreateImage,
        Operation::EditImage,
        Operation::CreateEmbedding,
        Operation::CompactContent,
        Operation::CreateConversation,
    ];

    pub const fn group(self) -> OperationGroup {
        match self {
            Operation::ListModels | Operation::GetModel => OperationGroup::Models,
            Operation::CountTokens => OperationGroup::CountTokens,
            Operation::GenerateContent | Operation::StreamGenerateContent => {
                OperationGroup::GenerateContent
            }
            Operation::CreateImage | Operation::EditImage => OperationGroup::Images,
            Operation::CreateEmbedding => OperationGroup::Embeddings,
            Operation::CompactContent => OperationGroup::Compact,
            Operation::CreateConversation => OperationGroup::Conversation,
        }
    }

    pub const fn is_stream(self) -> bool {
        matches!(self, Operation::StreamGenerateContent)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Operation::ListModels => "list_models",
            Operation::GetModel => "get_model",
            Operation::CountTokens => "count_tokens",
            Operation::GenerateContent => "generate_content",
            Operation::StreamGenerateContent => "stream_generate_content",
            Operation::CreateImage => "create_image",
            Operation::EditImage => "edit_image",
            Operation::CreateEmbedding => "create_embedding",
            Operation::CompactContent => "compact_content",
            Operation::CreateConversation => "create_conversation",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The wire shape of an operation. OpenAI has two generate-content shapes that are different
/// protocols, not labels: Chat Completions and Responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OperationKind {
    OpenAiChat,
    OpenAiResponses,
    /// OpenAI endpoints shared by both generate shapes: models, embeddings, images.
    OpenAi,
    AnthropicMessages,
    Gemini,
}

impl OperationKind {
    /// The four generate-content kinds that translate into each other.
    pub const GENERATE: [OperationKind; 4] = [
        OperationKind::OpenAiChat,
        OperationKind::OpenAiResponses,
        OperationKind::AnthropicMessages,
        OperationKind::Gemini,
    ];

    pub const fn family(self) -> Family {
        match self {
            OperationKind::OpenAiChat | OperationKind::OpenAiResponses | OperationKind::OpenAi => {
                Family::OpenAi
            }
            OperationKind::AnthropicMessages => Family::Anthropic,
            OperationKind::Gemini => Family::Gemini,
        }
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            OperationKind::OpenAiChat => "openai_chat",
            OperationKind::OpenAiResponses => "openai_responses",
            OperationKind::OpenAi => "openai",
            OperationKind::AnthropicMessages => "anthropic_messages",
            OperationKind::Gemini => "gemini",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "openai_chat" => OperationKind::OpenAiChat,
            "openai_responses" => OperationKind::OpenAiResponses,
            "openai" => OperationKind::OpenAi,
            "anthropic_messages" => OperationKind::AnthropicMessages,
            "gemini" => OperationKind::Gemini,
            _ => return None,
        })
    }
}

impl fmt::Display for OperationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// HTTP method of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// An operation in a wire shape: the unit that routing rules and transforms key on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OperationKey {
    pub operation: Operation,
    pub kind: OperationKind,
}

/// Where an operation lives on the provider's API. `{model}` stands for the model id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    pub method: Method,
    pub path: &'static str,
    /// Query that must be present, e.g. `alt=sse` for Gemini streams.
    pub query: Option<&'static str>,
}

impl OperationKey {
    pub const fn new(operation: Operation, kind: OperationKind) -> Self {
        OperationKey { operation, kind }
    }

    /// The upstream endpoint of this operation in its wire shape (path relative to the API root,
    /// i.e. after `/v1` for OpenAI and Anthropic and after `/v1beta` for Gemini), or `None` when
    /// the kind has no such operation (e.g. Anthropic embeddings).
    pub const fn endpoint(self) -> Option<Endpoint> {
        use Method::{Get, Post};
        use Operation as O;
        use OperationKind as K;
        let (method, path, query) = match (self.operation, self.kind) {
            (O::ListModels, K::OpenAi | K::OpenAiChat | K::OpenAiResponses) => {
                (Get, "/models", None)
            }
            (O::GetModel, K::OpenAi | K::OpenAiChat | K::OpenAiResponses) => {
                (Get, "/models/{model}", None)
            }
            (O::GenerateContent | O::StreamGenerateContent, K::OpenAiChat) => {
                (Post, "/chat/completions", None)
            }
            (O::GenerateContent | O::StreamGenerateContent, K::OpenAiResponses) => {
                (Post, "/responses", None)
            }
            (O::CountTokens, K::OpenAiResponses) => (Post, "/responses/input_tokens", None),
            (O::CompactContent, K::OpenAiResponses) => (Post, "/responses/compact", None),
            (O::CreateEmbedding, K::OpenAi | K::OpenAiChat | K::OpenAiResponses) => {
                (Post, "/embeddings", None)
            }
            (O::CreateImage, K::OpenAi | K::OpenAiChat | K::OpenAiResponses) => {
                (Post, "/images/generations", None)
            }
            (O::EditImage, K::OpenAi | K::OpenAiChat | K::OpenAiResponses) => {
                (Post, "/images/edits", None)
            }
            (O::CreateConversation, K::OpenAiResponses) => (Post, "/conversations", None),
            (O::ListModels, K::AnthropicMessages) => (Get, "/models", None),
            (O::GetModel, K::AnthropicMessages) => (Get, "/models/{model}", None),
            (O::GenerateContent | O::StreamGenerateContent, K::AnthropicMessages) => {
                (Post, "/messages", None)
            }
            (O::CountTokens, K::AnthropicMessages) => (Post, "/messages/count_tokens", None),
            (O::ListModels, K::Gemini) => (Get, "/models", None),
            (O::GetModel, K::Gemini) => (Get, "/models/{model}", None),
            (O::GenerateContent, K::Gemini) => (Post, "/models/{model}:generateContent", None),
            (O::StreamGenerateContent, K::Gemini) => (
                Post,
                "/models/{model}:streamGenerateContent",
                Some("alt=sse"),
            ),
            (O::CountTokens, K::Gemini) => (Post, "/models/{model}:countTokens", None),
            (O::CreateEmbedding, K::Gemini) => (Post, "/models/{model}:batchEmbedContents", None),
            _ => return None,
        };
        Some(Endpoint {
            method,
            path,
            query,
        })
    }
}

impl fmt::Display for OperationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.operation, self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generate_kind_has_both_generate_endpoints() {
        for kind in OperationKind::GENERATE {
            for op in [Operation::GenerateContent, Operation::StreamGenerateContent] {
                assert!(
                    OperationKey::new(op, kind).endpoint().is_some(),
                    "{op} {kind}"
                );
            }
        }
    }

    #[test]
    fn gemini_stream_requires_sse() {
        let ep = OperationKey::new(Operation::StreamGenerateContent, OperationKind::Gemini)
            .endpoint()
            .unwrap();
        assert_eq!(ep.path, "/models/{model}:streamGenerateContent");
        assert_eq!(ep.query, Some("alt=sse"));
    }

    #[test]
    fn anthropic_has_no_embeddings_and_chat_no_count_tokens() {
        let k = OperationKey::new(Operation::CreateEmbedding, OperationKind::AnthropicMessages);
        assert!(k.endpoint().is_none());
        let k = OperationKey::new(Operation::CountTokens, OperationKind::OpenAiChat);
        assert!(k.endpoint().is_none());
    }

    #[test]
    fn kind_names_round_trip() {
        for kind in OperationKind::GENERATE {
            assert_eq!(OperationKind::parse(kind.as_str()), Some(kind));
        }
        for op in Operation::ALL {
            assert!(!op.as_str().is_empty());
        }
    }
}
