//! OpenAI Responses codec: `POST /v1/responses` (and its stream), `POST /v1/responses/input_tokens`;
//! errors, models and embeddings are the ones shared with Chat (`openai::common`).

mod content;
mod conversation;
mod messages_encode;
mod output;
mod request_decode;
mod request_encode;
pub(crate) mod response;
mod settings;
mod stream_decode;
mod stream_encode;
mod tools;

#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod stream_tests;
#[cfg(test)]
mod tests;

use gproxy_protocol::openai::responses as wire;
use gproxy_protocol::OperationKind;
use serde_json::{Map, Value};

use crate::codec::{
    Codec, DecodeContext, EncodeContext, EncodedRequest, Frame, StreamDecoder, StreamEncoder,
};
use crate::diag::Diagnostics;
use crate::error::Result;
use crate::ir;
use crate::openai::common;

/// The OpenAI Responses wire kind.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResponsesCodec;

/// Fields `POST /v1/responses/input_tokens` accepts; generation-only settings (sampling, output
/// limits, storage, streaming) do not change the count and are left out.
const COUNT_FIELDS: &[&str] = &[
    "model",
    "input",
    "instructions",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "reasoning",
    "text",
    "previous_response_id",
    "conversation",
    "truncation",
];

fn encode_body(req: &ir::Request, diag: &mut Diagnostics) -> Result<(wire::Request, Vec<u8>)> {
    let wire = request_encode::encode(req, diag)?;
    let body = serde_json::to_vec(&wire)?;
    Ok((wire, body))
}

impl Codec for ResponsesCodec {
    fn kind(&self) -> OperationKind {
        OperationKind::OpenAiResponses
    }

    fn decode_request(&self, body: &[u8], ctx: DecodeContext<'_>) -> Result<ir::Request> {
        request_decode::decode(body, ctx)
    }

    fn encode_request(&self, req: &ir::Request, diag: &mut Diagnostics) -> Result<EncodedRequest> {
        let (_, body) = encode_body(req, diag)?;
        Ok(EncodedRequest {
            body,
            model: req.model.clone(),
            stream: req.stream,
        })
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
        common::decode_error(status, body)
    }

    fn encode_error(&self, err: &ir::Error) -> Vec<u8> {
        common::encode_error(err)
    }

    /// Responses ends a failed stream with an `error` event (no sequence number: the frame is
    /// written outside the encoder that counted them).
    fn encode_stream_error(&self, err: &ir::Error) -> Frame {
        let wire = common::error_to_wire(err);
        let code = match wire.code {
            Some(Value::String(c)) => Some(c),
            _ => wire.kind,
        };
        let event = wire::stream::ErrorEvent {
            code,
            message: wire.message,
            param: wire.param,
            sequence_number: None,
            extra: Map::new(),
        };
        let data = serde_json::to_string(&wire::StreamEvent::Error(event)).unwrap_or_default();
        Frame::named("error", data)
    }

    fn decode_count_tokens_request(
        &self,
        body: &[u8],
        ctx: DecodeContext<'_>,
    ) -> Option<Result<ir::Request>> {
        Some(request_decode::decode(body, ctx))
    }

    fn encode_count_tokens_request(
        &self,
        req: &ir::Request,
        diag: &mut Diagnostics,
    ) -> Option<Result<EncodedRequest>> {
        Some((|| {
            let (wire, _) = encode_body(req, diag)?;
            let Value::Object(full) = serde_json::to_value(&wire)? else {
                return Ok(EncodedRequest {
                    body: b"{}".to_vec(),
                    model: req.model.clone(),
                    stream: false,
                });
            };
            let kept: Map<String, Value> = full
                .into_iter()
                .filter(|(k, _)| COUNT_FIELDS.contains(&k.as_str()))
                .collect();
            Ok(EncodedRequest {
                body: serde_json::to_vec(&kept)?,
                model: req.model.clone(),
                stream: false,
            })
        })())
    }

    fn decode_count_tokens_response(&self, body: &[u8]) -> Option<Result<ir::TokenCount>> {
        Some(
            serde_json::from_slice::<wire::InputTokens>(body)
                .map(|t| ir::TokenCount {
                    input_tokens: t.input_tokens,
                    cache_read_tokens: 0,
                })
                .map_err(Into::into),
        )
    }

    fn encode_count_tokens_response(&self, count: &ir::TokenCount) -> Option<Vec<u8>> {
        serde_json::to_vec(&wire::InputTokens::new(count.input_tokens)).ok()
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
