//! Whole (non-stream) answers: read, account, translate when the kinds differ.

use std::time::Instant;

use axum::response::Response;
use bytes::Bytes;
use gproxy_config::usage::EndState;
use gproxy_protocol::{Operation, OperationKind};
use gproxy_transform::{codec, Diagnostics};

use super::{
    json_response, read_body_by, unsupported_answer, upstream_failure, Shape, MAX_UPSTREAM_BODY,
};
use crate::error::ApiError;
use crate::ledger::Ledger;

/// A whole (non-stream) success answer.
pub async fn whole(resp: wreq::Response, shape: &Shape, mut ledger: Ledger) -> Response {
    let t0 = Instant::now();
    let body = match read_body_by(resp, MAX_UPSTREAM_BODY, shape.body_deadline).await {
        Ok(b) => b,
        Err(e) => {
            ledger.finish(e.status, EndState::Error);
            return e.render(shape.client_kind, &ledger.request_id);
        }
    };
    ledger.upstream_wait += t0.elapsed();
    match convert_whole(&body, shape, &mut ledger) {
        Ok(out) => {
            ledger.finish(200, EndState::Completed);
            json_response(200, out, &ledger.request_id)
        }
        Err(e) => {
            ledger.finish(e.status, EndState::Error);
            e.render(shape.client_kind, &ledger.request_id)
        }
    }
}

fn convert_whole(body: &Bytes, shape: &Shape, ledger: &mut Ledger) -> Result<Bytes, ApiError> {
    let up = codec(shape.upstream_kind);
    let client = codec(shape.client_kind);
    let same = shape.client_kind == shape.upstream_kind;
    let bad_upstream = |e: gproxy_transform::TransformError| {
        upstream_failure(format!("unreadable upstream answer: {e}"))
    };
    match shape.operation {
        Operation::GenerateContent | Operation::StreamGenerateContent => {
            if same {
                // passthrough: only the usage member is parsed, never the answer
                ledger.usage =
                    gproxy_transform::response_usage(shape.upstream_kind, body).unwrap_or_default();
                return Ok(body.clone());
            }
            let resp = up.decode_response(body).map_err(bad_upstream)?;
            ledger.usage = resp.usage.unwrap_or_default();
            let mut diag = Diagnostics::new();
            let out = client.encode_response(&resp, &shape.ctx, &mut diag);
            ledger
                .diagnostics
                .extend(diag.items().iter().map(ToString::to_string));
            Ok(Bytes::from(out))
        }
        Operation::CountTokens => {
            if same {
                return Ok(body.clone());
            }
            let count = up
                .decode_count_tokens_response(body)
                .ok_or_else(unsupported_answer)?
                .map_err(bad_upstream)?;
            client
                .encode_count_tokens_response(&count)
                .map(Bytes::from)
                .ok_or_else(unsupported_answer)
        }
        Operation::CreateEmbedding => {
            let resp = up.decode_embeddings_response(body);
            if let Some(Ok(r)) = &resp {
                ledger.usage.input_tokens = r.input_tokens.unwrap_or(0);
            }
            if same {
                return Ok(body.clone());
            }
            let mut resp = resp.ok_or_else(unsupported_answer)?.map_err(bad_upstream)?;
            if resp.model.is_empty() {
                // Gemini answers carry no model: report the one that served the request
                resp.model.clone_from(&shape.ctx.model);
            }
            if shape.single_embed && shape.client_kind == OperationKind::Gemini {
                return Ok(Bytes::from(
                    gproxy_transform::gemini::encode_embed_content_response(&resp),
                ));
            }
            if shape.base64_embeddings
                && shape.client_kind.family() == gproxy_protocol::Family::OpenAi
            {
                return Ok(Bytes::from(
                    gproxy_transform::openai::common::encode_embeddings_response_as(
                        &resp,
                        gproxy_transform::openai::common::EmbeddingEncoding::Base64,
                    ),
                ));
            }
            client
                .encode_embeddings_response(&resp)
                .map(Bytes::from)
                .ok_or_else(unsupported_answer)
        }
        _ => Ok(body.clone()),
    }
}
