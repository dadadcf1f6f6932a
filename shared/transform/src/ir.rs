//! The canonical intermediate form every wire protocol maps into and out of.
//!
//! Conventions that every family codec follows:
//! - System prompts are messages with role `System` (or `Developer`), kept in conversation order. A
//!   top-level system field (Anthropic `system`, Gemini `systemInstruction`, Responses
//!   `instructions`) becomes `System` messages at the front.
//! - Tool calls and tool results are parts of assistant / tool messages; `ToolCall::arguments` is
//!   the JSON text exactly as the model produced it (never re-serialized).
//! - Usage counts are normalized (see [`Usage`]).
//! - Opaque provider data that only its own family understands (thinking signatures, encrypted
//!   reasoning) travels as [`Opaque`] tagged with its origin family.
//! - What the IR has no field for lands in an `extra` map, so a codec of the same family (Chat and
//!   Responses are both OpenAI) can still carry it; other families report it as a diagnostic.

use gproxy_protocol::{Family, RawJson};
use serde_json::{Map, Value};

/// Free-form fields the IR has no slot for, keyed by their wire name.
pub type Extra = Map<String, Value>;

/// `extra` keys that hold a codec's own bookkeeping (shapes to restore on a same-family round
/// trip), not wire fields: other codecs skip them without a diagnostic.
pub const BOOKKEEPING_KEYS: [&str; 1] = ["openai_responses"];

/// Whether an `extra` key is bookkeeping rather than a field a user sent.
pub fn is_bookkeeping(key: &str) -> bool {
    BOOKKEEPING_KEYS.contains(&key)
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

/// A generate-content request (also the input of count-tokens).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Request {
    /// The model the client asked for (from the body, or the path for Gemini).
    pub model: String,
    pub messages: Vec<Message>,
    pub tools: Vec<Tool>,
    pub tool_choice: Option<ToolChoice>,
    /// `None` = provider default.
    pub parallel_tool_calls: Option<bool>,
    pub max_output_tokens: Option<u64>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub top_k: Option<u64>,
    pub stop: Vec<String>,
    pub seed: Option<i64>,
    pub presence_penalty: Option<f64>,
    pub frequency_penalty: Option<f64>,
    /// Number of choices/candidates. Only 1 is translatable to Anthropic and Responses.
    pub n: Option<u32>,
    pub response_format: Option<ResponseFormat>,
    pub reasoning: Option<ReasoningConfig>,
    pub logprobs: Option<Logprobs>,
    pub stream: bool,
    /// Chat `stream_options.include_usage`; other families always report usage.
    pub stream_include_usage: bool,
    /// End-user identifier (OpenAI `user`/`safety_identifier`, Anthropic `metadata.user_id`).
    pub user: Option<String>,
    /// The family the request was decoded from, so same-family codecs may use `extra`.
    pub origin: Option<Family>,
    pub extra: Extra,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    System,
    Developer,
    User,
    Assistant,
    /// OpenAI Chat `tool` messages; other families put tool results in user turns.
    Tool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub parts: Vec<Part>,
    /// Chat `name` on a message.
    pub name: Option<String>,
    pub extra: Extra,
}

impl Message {
    pub fn new(role: Role, parts: Vec<Part>) -> Self {
        Message {
            role,
            parts,
            name: None,
            extra: Extra::new(),
        }
    }

    pub fn text(role: Role, text: impl Into<String>) -> Self {
        Message::new(role, vec![Part::Text(Text::new(text))])
    }
}

/// One piece of content.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(Text),
    Image(Media),
    /// Documents and other files (PDF, audio, ...). `Media::mime_type` tells which.
    File(Media),
    Reasoning(Reasoning),
    ToolCall(ToolCall),
    ToolResult(ToolResult),
    Refusal(String),
    /// A block only its origin family understands (server tool use and results, citations
    /// blocks, ...). Kept verbatim for that family, dropped with a diagnostic elsewhere.
    Opaque(Opaque),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Text {
    pub text: String,
    /// Provider annotations/citations, kept verbatim with their origin.
    pub annotations: Vec<Opaque>,
}

impl Text {
    pub fn new(text: impl Into<String>) -> Self {
        Text {
            text: text.into(),
            annotations: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Media {
    pub source: MediaSource,
    /// e.g. `image/png`, `application/pdf`. Required for base64 data, optional for URLs.
    pub mime_type: Option<String>,
    /// File name or document title.
    pub name: Option<String>,
    /// OpenAI image `detail` (`low`/`high`/`auto`).
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MediaSource {
    /// Base64 data without the `data:` prefix.
    Base64(String),
    Url(String),
    /// A provider file id (OpenAI `file_id`, Anthropic `file_id`, Gemini `fileUri`).
    FileId {
        family: Family,
        id: String,
    },
}

/// Model reasoning: visible (summarized) text, and/or an opaque signature / encrypted blob that
/// the origin provider needs back verbatim on the next turn.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reasoning {
    pub text: String,
    /// Thinking signature (Anthropic `signature`, Gemini `thoughtSignature`) or encrypted
    /// reasoning (Responses `encrypted_content`, Anthropic `redacted_thinking.data`).
    pub signature: Option<Opaque>,
    /// Anthropic `redacted_thinking`: no visible text, the data is in `signature`.
    pub redacted: bool,
    /// Provider item id (Responses `rs_...`).
    pub id: Option<String>,
}

/// Data meaningful only to its origin family.
#[derive(Debug, Clone, PartialEq)]
pub struct Opaque {
    pub family: Family,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolCall {
    /// The id the tool result refers back to (Chat `id`, Responses `call_id`, Anthropic `id`,
    /// Gemini `functionCall.id` or a synthesized one).
    pub id: String,
    pub name: String,
    /// Responses `namespace` tools; flattened as `{namespace}__{name}` for other families.
    pub namespace: Option<String>,
    /// JSON text of the arguments, verbatim (or the raw input of a custom tool).
    pub arguments: String,
    pub kind: ToolCallKind,
    /// Gemini `thoughtSignature` attached to the call part.
    pub signature: Option<Opaque>,
    /// Responses output item id (`fc_...`).
    pub item_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ToolCallKind {
    #[default]
    Function,
    /// Responses custom (freeform) tool: `arguments` is raw text, not JSON.
    Custom,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ToolResult {
    pub call_id: String,
    /// Tool name when the wire carries it (Gemini needs it; encoders look it up from the matching
    /// earlier `ToolCall` when it is `None`).
    pub name: Option<String>,
    /// Text and images returned by the tool.
    pub content: Vec<Part>,
    pub is_error: bool,
}

// ---------------------------------------------------------------------------------------------
// Tools, formats, reasoning config
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub enum Tool {
    Function(FunctionTool),
    /// Responses custom tool with optional grammar `format`.
    Custom {
        name: String,
        description: Option<String>,
        format: Option<Value>,
    },
    /// Web search, available in every family under different names.
    WebSearch {
        config: Opaque,
    },
    /// Any other provider built-in tool (code execution, computer use, ...), kept verbatim.
    Builtin(Opaque),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct FunctionTool {
    pub name: String,
    pub namespace: Option<String>,
    pub description: Option<String>,
    /// JSON Schema of the arguments, as compact JSON text (it crosses every edge unchanged).
    pub parameters: Option<RawJson>,
    pub strict: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ToolChoice {
    Auto,
    None,
    /// Must call some tool.
    Required,
    /// Must call this tool.
    Tool(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ResponseFormat {
    Text,
    JsonObject,
    JsonSchema {
        name: Option<String>,
        schema: Value,
        strict: Option<bool>,
        description: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReasoningEffort {
    None,
    Minimal,
    Low,
    Medium,
    High,
    XHigh,
}

impl ReasoningEffort {
    pub const fn as_str(self) -> &'static str {
        match self {
            ReasoningEffort::None => "none",
            ReasoningEffort::Minimal => "minimal",
            ReasoningEffort::Low => "low",
            ReasoningEffort::Medium => "medium",
            ReasoningEffort::High => "high",
            ReasoningEffort::XHigh => "xhigh",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "none" => ReasoningEffort::None,
            "minimal" => ReasoningEffort::Minimal,
            "low" => ReasoningEffort::Low,
            "medium" => ReasoningEffort::Medium,
            "high" => ReasoningEffort::High,
            "xhigh" => ReasoningEffort::XHigh,
            _ => return None,
        })
    }

    /// Token budget used when a family only takes a budget (Anthropic, Gemini 2.5).
    pub const fn budget_tokens(self) -> u64 {
        match self {
            ReasoningEffort::None => 0,
            ReasoningEffort::Minimal => 1024,
            ReasoningEffort::Low => 2048,
            ReasoningEffort::Medium => 8192,
            ReasoningEffort::High => 24576,
            ReasoningEffort::XHigh => 32768,
        }
    }

    /// Effort used when a family only takes an effort (OpenAI) and the client gave a budget.
    pub fn from_budget(budget: u64) -> Self {
        match budget {
            0 => ReasoningEffort::None,
            1..=1024 => ReasoningEffort::Minimal,
            1025..=4096 => ReasoningEffort::Low,
            4097..=16384 => ReasoningEffort::Medium,
            16385..=32767 => ReasoningEffort::High,
            _ => ReasoningEffort::XHigh,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReasoningConfig {
    /// `Some(false)` = thinking explicitly disabled.
    pub enabled: Option<bool>,
    pub effort: Option<ReasoningEffort>,
    pub budget_tokens: Option<u64>,
    /// Ask for visible reasoning (Responses `summary`, Gemini `includeThoughts`).
    pub include_thoughts: Option<bool>,
    /// Responses `summary` value verbatim (`auto`, `concise`, `detailed`).
    pub summary: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Logprobs {
    pub enabled: bool,
    pub top_logprobs: Option<u32>,
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Response {
    pub id: String,
    pub model: String,
    /// Unix seconds.
    pub created: Option<i64>,
    /// Assistant output in order: reasoning, text, refusal and tool-call parts.
    pub content: Vec<Part>,
    pub stop_reason: Option<StopReason>,
    pub usage: Option<Usage>,
    pub extra: Extra,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// Natural end of turn.
    EndTurn,
    MaxTokens,
    /// Hit a stop sequence (which one, when known).
    StopSequence(Option<String>),
    ToolUse,
    ContentFilter,
    Refusal,
    /// Anthropic `pause_turn` (long-running server tool).
    PauseTurn,
    /// Anything else, verbatim from the origin (e.g. Gemini `RECITATION`).
    Other(String),
}

/// Normalized token usage.
///
/// - `input_tokens` counts every prompt token, including cache reads and cache writes
///   (OpenAI `prompt_tokens` semantics; Anthropic's `input_tokens` excludes both caches, so the
///   Anthropic decoder adds them and the encoder subtracts them).
/// - `output_tokens` counts every generated token, including reasoning (OpenAI
///   `completion_tokens` semantics; Gemini's `candidatesTokenCount` excludes `thoughtsTokenCount`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
    pub reasoning_tokens: u64,
}

impl Usage {
    pub fn total(&self) -> u64 {
        self.input_tokens + self.output_tokens
    }

    /// Prompt tokens that were neither read from nor written to a cache.
    pub fn uncached_input(&self) -> u64 {
        self.input_tokens
            .saturating_sub(self.cache_read_tokens)
            .saturating_sub(self.cache_write_tokens)
    }

    /// Merge a later report into this one: streams report usage cumulatively in several events,
    /// so a non-zero later value wins.
    pub fn merge(&mut self, later: &Usage) {
        fn pick(a: &mut u64, b: u64) {
            if b != 0 {
                *a = b;
            }
        }
        pick(&mut self.input_tokens, later.input_tokens);
        pick(&mut self.output_tokens, later.output_tokens);
        pick(&mut self.cache_read_tokens, later.cache_read_tokens);
        pick(&mut self.cache_write_tokens, later.cache_write_tokens);
        pick(&mut self.reasoning_tokens, later.reasoning_tokens);
    }
}

// ---------------------------------------------------------------------------------------------
// Streams
// ---------------------------------------------------------------------------------------------

/// One event of a generate-content stream. Every producer follows this grammar:
/// `Start`, then any number of (`PartStart` `Delta`* `PartStop`) with increasing `index` (parts
/// never interleave: a part is stopped before the next starts, except tool calls of the same
/// turn which may interleave when the upstream streams parallel calls), `Usage` anywhere,
/// `Finish` once, then end of input. `Error` may come at any point and ends the stream.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    Start {
        id: String,
        model: String,
        created: Option<i64>,
    },
    PartStart {
        index: usize,
        part: PartStart,
    },
    Delta {
        index: usize,
        delta: Delta,
    },
    PartStop {
        index: usize,
    },
    /// Cumulative usage so far (merge with [`Usage::merge`]).
    Usage(Usage),
    Finish {
        stop_reason: StopReason,
    },
    Error(Error),
}

#[derive(Debug, Clone, PartialEq)]
pub enum PartStart {
    Text,
    Reasoning {
        id: Option<String>,
        redacted: bool,
    },
    ToolCall {
        id: String,
        name: String,
        namespace: Option<String>,
        kind: ToolCallKind,
        item_id: Option<String>,
    },
    Refusal,
    /// A complete part that is not streamed piecewise (images, opaque blocks).
    Whole(Part),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Delta {
    Text(String),
    Reasoning(String),
    /// Signature or encrypted reasoning; usually arrives once, just before `PartStop`.
    Signature(Opaque),
    ToolArguments(String),
    Refusal(String),
    /// A text annotation/citation.
    Annotation(Opaque),
}

// ---------------------------------------------------------------------------------------------
// Errors, count tokens, models, embeddings
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    InvalidRequest,
    Authentication,
    PermissionDenied,
    NotFound,
    RequestTooLarge,
    RateLimited,
    /// Upstream overloaded (Anthropic 529, Gemini 503 UNAVAILABLE).
    Overloaded,
    Timeout,
    Server,
}

impl ErrorKind {
    /// The HTTP status this kind is answered with when no upstream status is known.
    pub const fn status(self) -> u16 {
        match self {
            ErrorKind::InvalidRequest => 400,
            ErrorKind::Authentication => 401,
            ErrorKind::PermissionDenied => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::RequestTooLarge => 413,
            ErrorKind::RateLimited => 429,
            ErrorKind::Overloaded => 503,
            ErrorKind::Timeout => 504,
            ErrorKind::Server => 500,
        }
    }

    pub fn from_status(status: u16) -> Self {
        match status {
            400 | 422 => ErrorKind::InvalidRequest,
            401 => ErrorKind::Authentication,
            403 => ErrorKind::PermissionDenied,
            404 => ErrorKind::NotFound,
            408 | 504 => ErrorKind::Timeout,
            413 => ErrorKind::RequestTooLarge,
            429 => ErrorKind::RateLimited,
            503 | 529 => ErrorKind::Overloaded,
            _ if (400..500).contains(&status) => ErrorKind::InvalidRequest,
            _ => ErrorKind::Server,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub kind: ErrorKind,
    /// HTTP status to answer with.
    pub status: u16,
    pub message: String,
    /// Provider error code / type string verbatim, when known.
    pub code: Option<String>,
    /// OpenAI `param`.
    pub param: Option<String>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            status: kind.status(),
            message: message.into(),
            code: None,
            param: None,
        }
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TokenCount {
    pub input_tokens: u64,
    pub cache_read_tokens: u64,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelInfo {
    /// Bare id (`gpt-4o`, `claude-sonnet-4-5`, `gemini-2.5-flash` without `models/`).
    pub id: String,
    pub display_name: Option<String>,
    pub description: Option<String>,
    /// Unix seconds.
    pub created: Option<i64>,
    pub owned_by: Option<String>,
    pub input_token_limit: Option<u64>,
    pub output_token_limit: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ModelList {
    pub models: Vec<ModelInfo>,
    /// Opaque paging cursor for the next page.
    pub next_page: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct EmbeddingRequest {
    pub model: String,
    pub inputs: Vec<String>,
    pub dimensions: Option<u32>,
    /// Gemini `taskType` / `title`, OpenAI `encoding_format`, ...
    pub extra: Extra,
    pub origin: Option<Family>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct EmbeddingResponse {
    pub model: String,
    pub embeddings: Vec<Vec<f32>>,
    pub input_tokens: Option<u64>,
}
