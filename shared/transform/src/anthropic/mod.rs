//! Anthropic Messages codec: `/v1/messages` (plain and streamed), count tokens, models and error
//! bodies ⇄ IR. See `docs/translation/anthropic_messages.md` for what each direction keeps.

mod blocks;
pub(crate) mod convert;
mod media;
mod misc;
mod parts;
mod request;
mod request_encode;
mod response;
mod stream_decode;
mod stream_encode;
mod stream_frames;
mod tools;

#[cfg(test)]
mod tests;

use gproxy_protocol::{Family, OperationKind};

use crate::codec::{
    Codec, DecodeContext, EncodeContext, EncodedRequest, Frame, StreamDecoder, StreamEncoder,
};
use crate::diag::Diagnostics;
use crate::error::Result;
use crate::ir;

pub(crate) const FAMILY: Family = Family::Anthropic;

/// Request `extra` key holding same-family per-block fields with no IR slot (`cache_control`,
/// document `context`, unknown block fields), by IR location. See `request.rs`.
pub const BLOCK_FIELDS: &str = "anthropic_block_fields";

/// The Anthropic Messages wire kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnthropicCodec;

impl Codec for AnthropicCodec {
    fn kind(&self) -> OperationKind {
        OperationKind::AnthropicMessages
    }

    fn decode_request(&self, body: &[u8], ctx: DecodeContext<'_>) -> Result<ir::Request> {
        request::decode(body, ctx)
    }

    fn encode_request(&self, req: &ir::Request, diag: &mut Diagnostics) -> Result<EncodedRequest> {
        request_encode::encode(req, diag, false)
    }

    fn decode_response(&self, body: &[u8]) -> Result<ir::Response> {
        response::decode(body)
    }

    fn encode_response(
        &self,
        resp: &ir::Response,
        ctx: &EncodeContext,
        diag: &mut Diagnostics,
    ) -> Vec<u8> {
        response::encode(resp, ctx, diag)
    }

    fn stream_decoder(&self) -> Box<dyn StreamDecoder> {
        Box::new(stream_decode::Decoder::default())
    }

    fn stream_encoder(&self, ctx: EncodeContext) -> Box<dyn StreamEncoder> {
        Box::new(stream_encode::Encoder::new(ctx))
    }

    fn decode_error(&self, status: u16, body: &[u8]) -> ir::Error {
        misc::decode_error(status, body)
    }

    fn encode_error(&self, err: &ir::Error) -> Vec<u8> {
        misc::encode_error(err)
    }

    fn encode_stream_error(&self, err: &ir::Error) -> Frame {
        misc::encode_stream_error(err)
    }

    fn decode_count_tokens_request(
        &self,
        body: &[u8],
        ctx: DecodeContext<'_>,
    ) -> Option<Result<ir::Request>> {
        Some(request::decode(body, ctx))
    }

    fn encode_count_tokens_request(
        &self,
        req: &ir::Request,
        diag: &mut Diagnostics,
    ) -> Option<Result<EncodedRequest>> {
        Some(request_encode::encode(req, diag, true))
    }

    fn decode_count_tokens_response(&self, body: &[u8]) -> Option<Result<ir::TokenCount>> {
        Some(misc::decode_count_tokens_response(body))
    }

    fn encode_count_tokens_response(&self, count: &ir::TokenCount) -> Option<Vec<u8>> {
        Some(misc::encode_count_tokens_response(count))
    }

    fn decode_model_list(&self, body: &[u8]) -> Result<ir::ModelList> {
        misc::decode_model_list(body)
    }

    fn encode_model_list(&self, list: &ir::ModelList) -> Vec<u8> {
        misc::encode_model_list(list)
    }

    fn decode_model(&self, body: &[u8]) -> Result<ir::ModelInfo> {
        misc::decode_model(body)
    }

    fn encode_model(&self, model: &ir::ModelInfo) -> Vec<u8> {
        misc::encode_model(model)
    }

    fn decode_embeddings_request(
        &self,
        _: &[u8],
        _: DecodeContext<'_>,
    ) -> Option<Result<ir::EmbeddingRequest>> {
        None
    }

    fn encode_embeddings_request(
        &self,
        _: &ir::EmbeddingRequest,
        _: &mut Diagnostics,
    ) -> Option<Result<EncodedRequest>> {
        None
    }

    fn decode_embeddings_response(&self, _: &[u8]) -> Option<Result<ir::EmbeddingResponse>> {
        None
    }

    fn encode_embeddings_response(&self, _: &ir::EmbeddingResponse) -> Option<Vec<u8>> {
        None
    }
}
