//! The interface every wire kind implements: decode its wire shape into the IR, encode the IR into
//! its wire shape. Translation from kind A to kind B is `B.encode(A.decode(x))`; see `translate`.

use gproxy_protocol::{Family, OperationKind};

use crate::diag::Diagnostics;
use crate::error::Result;
use crate::ir;

/// What a decoder needs to know that is not in the body.
#[derive(Debug, Clone, Copy, Default)]
pub struct DecodeContext<'a> {
    /// Model from the path (Gemini `models/{model}:...`); overrides nothing when the body has one.
    pub model: Option<&'a str>,
    /// Stream flag from the path (Gemini `:streamGenerateContent`); bodies of other kinds say it.
    pub stream: Option<bool>,
}

/// What an encoder of responses/streams needs that the upstream may not have said.
#[derive(Debug, Clone, Default)]
pub struct EncodeContext {
    /// Response id to use when the upstream gave none (derived from the gateway request id).
    pub fallback_id: String,
    /// Unix seconds to use when the upstream gave no creation time.
    pub created: i64,
    /// Model to report when the upstream gave none.
    pub model: String,
    /// Chat `stream_options.include_usage` of the client request.
    pub include_usage: bool,
    /// Namespaces of the client's Responses `namespace` tools, so a flattened `{ns}__{name}` call
    /// coming back from another family is split again.
    pub tool_namespaces: Vec<String>,
    /// The client's request, when the encoder wants to echo it (Responses `response` objects
    /// echo instructions, tools and sampling parameters).
    pub request: Option<std::sync::Arc<ir::Request>>,
}

/// One SSE frame to send: optional `event:` name and the `data:` payload (JSON text, or `[DONE]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub event: Option<&'static str>,
    pub data: String,
}

impl Frame {
    pub fn data(data: String) -> Self {
        Frame { event: None, data }
    }

    pub fn named(event: &'static str, data: String) -> Self {
        Frame {
            event: Some(event),
            data,
        }
    }
}

/// Turns one kind's stream into IR events. One instance per response stream.
pub trait StreamDecoder: Send {
    /// Decode one SSE event (`event` name if any, `data` payload). Unknown event types are
    /// ignored, never an error; a malformed payload of a known type is.
    fn decode(
        &mut self,
        event: Option<&str>,
        data: &str,
        out: &mut Vec<ir::StreamEvent>,
    ) -> Result<()>;
    /// End of input: close whatever the upstream left open (a stream cut short still yields a
    /// well-formed event sequence; no `Finish` is invented unless the upstream sent one).
    fn finish(&mut self, out: &mut Vec<ir::StreamEvent>);
}

/// Turns IR events into one kind's SSE frames. One instance per response stream.
pub trait StreamEncoder: Send {
    fn encode(&mut self, event: &ir::StreamEvent, out: &mut Vec<Frame>);
    /// End of input: emit the closing frames the kind needs (`[DONE]`, `message_stop`,
    /// `response.completed`, a last chunk with `finishReason`) if the events did not.
    fn finish(&mut self, out: &mut Vec<Frame>);
}

/// Encoding result of a request: the body, and for Gemini the model and whether the stream
/// endpoint must be used (they live in the path).
#[derive(Debug, Clone, PartialEq)]
pub struct EncodedRequest {
    pub body: Vec<u8>,
    pub model: String,
    pub stream: bool,
}

/// A wire kind's codec. Implementations are stateless unit structs; get one with [`codec`].
pub trait Codec: Send + Sync {
    fn kind(&self) -> OperationKind;

    fn family(&self) -> Family {
        self.kind().family()
    }

    // generate content ----------------------------------------------------------------------
    fn decode_request(&self, body: &[u8], ctx: DecodeContext<'_>) -> Result<ir::Request>;
    fn encode_request(&self, req: &ir::Request, diag: &mut Diagnostics) -> Result<EncodedRequest>;
    fn decode_response(&self, body: &[u8]) -> Result<ir::Response>;
    fn encode_response(
        &self,
        resp: &ir::Response,
        ctx: &EncodeContext,
        diag: &mut Diagnostics,
    ) -> Vec<u8>;
    fn stream_decoder(&self) -> Box<dyn StreamDecoder>;
    fn stream_encoder(&self, ctx: EncodeContext) -> Box<dyn StreamEncoder>;

    // errors -----------------------------------------------------------------------------------
    /// Read an upstream error body (any status >= 400). Never fails: an unreadable body becomes
    /// a message with the raw text.
    fn decode_error(&self, status: u16, body: &[u8]) -> ir::Error;
    /// The error body in this kind's shape; the status to answer with is `err.status`.
    fn encode_error(&self, err: &ir::Error) -> Vec<u8>;
    /// The frame that ends a stream with an error after it has started.
    fn encode_stream_error(&self, err: &ir::Error) -> Frame;

    // count tokens ----------------------------------------------------------------------------
    /// `None` when this kind has no count-tokens endpoint (Chat Completions).
    fn decode_count_tokens_request(
        &self,
        body: &[u8],
        ctx: DecodeContext<'_>,
    ) -> Option<Result<ir::Request>>;
    fn encode_count_tokens_request(
        &self,
        req: &ir::Request,
        diag: &mut Diagnostics,
    ) -> Option<Result<EncodedRequest>>;
    fn decode_count_tokens_response(&self, body: &[u8]) -> Option<Result<ir::TokenCount>>;
    fn encode_count_tokens_response(&self, count: &ir::TokenCount) -> Option<Vec<u8>>;

    // models -------------------------------------------------------------------------------------
    fn decode_model_list(&self, body: &[u8]) -> Result<ir::ModelList>;
    fn encode_model_list(&self, list: &ir::ModelList) -> Vec<u8>;
    fn decode_model(&self, body: &[u8]) -> Result<ir::ModelInfo>;
    fn encode_model(&self, model: &ir::ModelInfo) -> Vec<u8>;

    // embeddings ---------------------------------------------------------------------------------
    /// `None` when this kind has no embeddings endpoint (Anthropic).
    fn decode_embeddings_request(
        &self,
        body: &[u8],
        ctx: DecodeContext<'_>,
    ) -> Option<Result<ir::EmbeddingRequest>>;
    fn encode_embeddings_request(
        &self,
        req: &ir::EmbeddingRequest,
        diag: &mut Diagnostics,
    ) -> Option<Result<EncodedRequest>>;
    fn decode_embeddings_response(&self, body: &[u8]) -> Option<Result<ir::EmbeddingResponse>>;
    fn encode_embeddings_response(&self, resp: &ir::EmbeddingResponse) -> Option<Vec<u8>>;
}
