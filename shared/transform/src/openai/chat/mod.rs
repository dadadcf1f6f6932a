//! OpenAI Chat Completions codec.
//!
//! Requests, responses and streams map through the IR here; errors, models and embeddings are
//! the OpenAI shapes shared with Responses (`openai::common`). Chat has no count-tokens endpoint.

mod content;
mod messages;
mod request_decode;
mod request_encode;
pub(crate) mod response;
mod stream_decode;
mod stream_encode;

use gproxy_protocol::OperationKind;

use crate::codec::{
    Codec, DecodeContext, EncodeContext, EncodedRequest, Frame, StreamDecoder, StreamEncoder,
};
use crate::diag::Diagnostics;
use crate::error::Result;
use crate::ir;
use crate::openai::common;

/// The Chat Completions wire kind (`POST /v1/chat/completions`).
#[derive(Debug, Clone, Copy, Default)]
pub struct ChatCodec;

impl Codec for ChatCodec {
    fn kind(&self) -> OperationKind {
        OperationKind::OpenAiChat
    }

    fn decode_request(&self, body: &[u8], ctx: DecodeContext<'_>) -> Result<ir::Request> {
        request_decode::decode_request(body, ctx)
    }

    fn encode_request(&self, req: &ir::Request, diag: &mut Diagnostics) -> Result<EncodedRequest> {
        request_encode::encode_request(req, diag)
    }

    fn decode_response(&self, body: &[u8]) -> Result<ir::Response> {
        response::decode_response(body)
    }

    fn encode_response(
        &self,
        resp: &ir::Response,
        ctx: &EncodeContext,
        diag: &mut Diagnostics,
    ) -> Vec<u8> {
        response::encode_response(resp, ctx, diag)
    }

    fn stream_decoder(&self) -> Box<dyn StreamDecoder> {
        Box::new(stream_decode::ChatStreamDecoder::default())
    }

    fn stream_encoder(&self, ctx: EncodeContext) -> Box<dyn StreamEncoder> {
        Box::new(stream_encode::ChatStreamEncoder::new(ctx))
    }

    fn decode_error(&self, status: u16, body: &[u8]) -> ir::Error {
        common::decode_error(status, body)
    }

    fn encode_error(&self, err: &ir::Error) -> Vec<u8> {
        common::encode_error(err)
    }

    fn encode_stream_error(&self, err: &ir::Error) -> Frame {
        common::encode_stream_error(err)
    }

    fn decode_count_tokens_request(
        &self,
        _body: &[u8],
        _ctx: DecodeContext<'_>,
    ) -> Option<Result<ir::Request>> {
        None
    }

    fn encode_count_tokens_request(
        &self,
        _req: &ir::Request,
        _diag: &mut Diagnostics,
    ) -> Option<Result<EncodedRequest>> {
        None
    }

    fn decode_count_tokens_response(&self, _body: &[u8]) -> Option<Result<ir::TokenCount>> {
        None
    }

    fn encode_count_tokens_response(&self, _count: &ir::TokenCount) -> Option<Vec<u8>> {
        None
    }

    fn decode_model_list(&self, body: &[u8]) -> Result<ir::ModelList> {
        common::decode_model_list(body)
    }

    fn encode_model_list(&self, list: &ir::ModelList) -> Vec<u8> {
        common::encode_model_list(list)
    }

    fn decode_model(&self, body: &[u8]) -> Result<ir::ModelInfo> {
        common::decode_model(body)
    }

    fn encode_model(&self, model: &ir::ModelInfo) -> Vec<u8> {
        common::encode_model(model)
    }

    fn decode_embeddings_request(
        &self,
        body: &[u8],
        ctx: DecodeContext<'_>,
    ) -> Option<Result<ir::EmbeddingRequest>> {
        Some(common::decode_embeddings_request(body, ctx))
    }

    fn encode_embeddings_request(
        &self,
        req: &ir::EmbeddingRequest,
        diag: &mut Diagnostics,
    ) -> Option<Result<EncodedRequest>> {
        Some(common::encode_embeddings_request(req, diag))
    }

    fn decode_embeddings_response(&self, body: &[u8]) -> Option<Result<ir::EmbeddingResponse>> {
        Some(common::decode_embeddings_response(body))
    }

    fn encode_embeddings_response(&self, resp: &ir::EmbeddingResponse) -> Option<Vec<u8>> {
        Some(common::encode_embeddings_response(resp))
    }
}

#[cfg(test)]
mod encode_tests;
#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod tests;
