//! `:countTokens` request and response ⇄ IR.

use gproxy_protocol::gemini as wire;
use gproxy_protocol::Family;

use super::content::CallIds;
use super::request::{bare_model, decode_contents, from_wire, to_wire};
use crate::codec::{DecodeContext, EncodedRequest};
use crate::diag::Diagnostics;
use crate::error::Result;
use crate::ir::{Request, TokenCount};

/// `{contents}` or `{generateContentRequest}`; both become an IR request.
pub(crate) fn decode_request(body: &[u8], ctx: DecodeContext<'_>) -> Result<Request> {
    let w: wire::CountTokensRequest = serde_json::from_slice(body)?;
    if let Some(gcr) = w.generate_content_request {
        return Ok(from_wire(
            gcr,
            DecodeContext {
                stream: Some(false),
                ..ctx
            },
        ));
    }
    let mut ids = CallIds::default();
    Ok(Request {
        model: ctx.model.map(bare_model).unwrap_or_default().to_owned(),
        messages: decode_contents(w.contents.as_deref().unwrap_or_default(), &mut ids),
        origin: Some(Family::Gemini),
        extra: w.extra,
        ..Request::default()
    })
}

/// Bare `contents` when that is all there is; otherwise the whole request as
/// `generateContentRequest`, so the system instruction and tools are counted too.
pub(crate) fn encode_request(req: &Request, diag: &mut Diagnostics) -> Result<EncodedRequest> {
    let model = bare_model(&req.model).to_owned();
    let mut gcr = to_wire(req, diag);
    let contents = std::mem::take(&mut gcr.contents);
    let body = if gcr == wire::GenerateContentRequest::default() {
        wire::CountTokensRequest {
            contents: Some(contents),
            ..Default::default()
        }
    } else {
        gcr.contents = contents;
        gcr.model = Some(format!("models/{model}"));
        wire::CountTokensRequest {
            generate_content_request: Some(gcr),
            ..Default::default()
        }
    };
    Ok(EncodedRequest {
        body: serde_json::to_vec(&body)?,
        model,
        stream: false,
    })
}

pub(crate) fn decode_response(body: &[u8]) -> Result<TokenCount> {
    let w: wire::CountTokensResponse = serde_json::from_slice(body)?;
    Ok(TokenCount {
        input_tokens: w.total_tokens,
        cache_read_tokens: w.cached_content_token_count.unwrap_or(0),
    })
}

pub(crate) fn encode_response(count: &TokenCount) -> Vec<u8> {
    let w = wire::CountTokensResponse {
        total_tokens: count.input_tokens,
        cached_content_token_count: (count.cache_read_tokens > 0)
            .then_some(count.cache_read_tokens),
        ..Default::default()
    };
    serde_json::to_vec(&w).unwrap_or_default()
}
