//! Faithful translation between OpenAI Chat Completions, OpenAI Responses, Anthropic Messages and
//! Gemini, through one canonical intermediate form ([`ir`]). Pure: no IO, no async.
//!
//! Each wire kind implements [`codec::Codec`] (decode into the IR, encode out of it) in its own
//! module; the generic parts — stream aggregation and synthesis, the streaming pipeline,
//! same-kind passthrough — work on the IR only.

pub mod codec;
pub mod diag;
pub mod error;
pub mod ir;
pub mod sig;

pub mod anthropic;
pub mod gemini;
pub mod openai;

pub use codec::{
    Codec, DecodeContext, EncodeContext, EncodedRequest, Frame, StreamDecoder, StreamEncoder,
};
pub use diag::{Diagnostic, Diagnostics, Severity};
pub use error::{Result, TransformError};

pub mod aggregate;
pub mod passthrough;
pub mod stream;
pub mod synth;

mod usage;
pub use usage::response_usage;

use gproxy_protocol::OperationKind;

/// The codec of a wire kind. The plain `OpenAi` kind (models, embeddings) uses the Chat codec,
/// whose errors, models and embeddings are the shared OpenAI ones.
pub fn codec(kind: OperationKind) -> &'static dyn Codec {
    match kind {
        OperationKind::OpenAiChat | OperationKind::OpenAi => &openai::chat::ChatCodec,
        OperationKind::OpenAiResponses => &openai::responses::ResponsesCodec,
        OperationKind::AnthropicMessages => &anthropic::AnthropicCodec,
        OperationKind::Gemini => &gemini::GeminiCodec,
    }
}
