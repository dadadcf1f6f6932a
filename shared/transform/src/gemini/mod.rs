//! Gemini generateContent codec (AI Studio `v1` / `v1beta`): the model and the stream flag live
//! in the path, so decoders read them from [`DecodeContext`] and request encoders return them in
//! [`EncodedRequest`] for the data plane to build the path.

mod config;
mod content;
mod content_encode;
mod count_tokens;
mod embeddings;
mod error;
mod media;
mod models;
mod request;
pub(crate) mod response;
mod stream_decode;
mod stream_encode;
mod tools;

#[cfg(test)]
mod tests;

use gproxy_protocol::OperationKind;

use crate::codec::{
    Codec, DecodeContext, EncodeContext, EncodedRequest, Frame, StreamDecoder, StreamEncoder,
};
use crate::diag::Diagnostics;
use crate::error::Result;
use crate::ir;

/// The codec of [`OperationKind::Gemini`].
#[derive(Debug, Clone, Copy, Default)]
pub struct GeminiCodec;

/// The `:embedContent` (single) response body; [`Codec::encode_embeddings_response`] gives the
/// `:batchEmbedContents` form.
pub fn encode_embed_content_response(resp: &ir::EmbeddingResponse) -> Vec<u8> {
    embeddings::encode_single_response(resp)
}

impl Codec for GeminiCodec {
    fn kind(&self) -> OperationKind {
        OperationKind::Gemini
    }

    fn decode_request(&self, body: &[u8], ctx: DecodeContext<'_>) -> Result<ir::Request> {
        request::decode(body, ctx)
    }

    fn encode_request(&self, req: &ir::Request, diag: &mut Diagnostics) -> Result<EncodedRequest> {
        request::encode(req, diag)
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
        Box::<stream_decode::GeminiStreamDecoder>::default()
    }

    fn stream_encoder(&self, ctx: EncodeContext) -> Box<dyn StreamEncoder> {
        Box::new(stream_encode::GeminiStreamEncoder::new(ctx))
    }

    fn decode_error(&self, status: u16, body: &[u8]) -> ir::Error {
        error::decode_error(status, body)
    }

    fn encode_error(&self, err: &ir::Error) -> Vec<u8> {
        error::encode_error_body(err)
    }

    fn encode_stream_error(&self, err: &ir::Error) -> Frame {
        error::encode_stream_error(err)
    }

    fn decode_count_tokens_request(
        &self,
        body: &[u8],
        ctx: DecodeContext<'_>,
    ) -> Option<Result<ir::Request>> {
        Some(count_tokens::decode_request(body, ctx))
    }

    fn encode_count_tokens_request(
        &self,
        req: &ir::Request,
        diag: &mut Diagnostics,
    ) -> Option<Result<EncodedRequest>> {
        Some(count_tokens::encode_request(req, diag))
    }

    fn decode_count_tokens_response(&self, body: &[u8]) -> Option<Result<ir::TokenCount>> {
        Some(count_tokens::decode_response(body))
    }

    fn encode_count_tokens_response(&self, count: &ir::TokenCount) -> Option<Vec<u8>> {
        Some(count_tokens::encode_response(count))
    }

    fn decode_model_list(&self, body: &[u8]) -> Result<ir::ModelList> {
        models::decode_list(body)
    }

    fn encode_model_list(&self, list: &ir::ModelList) -> Vec<u8> {
        models::encode_list(list)
    }

    fn decode_model(&self, body: &[u8]) -> Result<ir::ModelInfo> {
        models::decode_model(body)
    }

    fn encode_model(&self, model: &ir::ModelInfo) -> Vec<u8> {
        models::encode_model(model)
    }

    fn decode_embeddings_request(
        &self,
        body: &[u8],
        ctx: DecodeContext<'_>,
    ) -> Option<Result<ir::EmbeddingRequest>> {
        Some(embeddings::decode_request(body, ctx))
    }

    fn encode_embeddings_request(
        &self,
        req: &ir::EmbeddingRequest,
        diag: &mut Diagnostics,
    ) -> Option<Result<EncodedRequest>> {
        Some(embeddings::encode_request(req, diag))
    }

    fn decode_embeddings_response(&self, body: &[u8]) -> Option<Result<ir::EmbeddingResponse>> {
        Some(embeddings::decode_response(body))
    }

    fn encode_embeddings_response(&self, resp: &ir::EmbeddingResponse) -> Option<Vec<u8>> {
        Some(embeddings::encode_batch_response(resp))
    }
}
