//! Codec parts shared by Chat and Responses: errors, models, embeddings.
//!
//! Both OpenAI kinds delegate their `Codec` methods for these operations here, so the two stay
//! byte-identical on the shared endpoints.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use gproxy_protocol::openai::common as wire;
use gproxy_protocol::Family;
use serde_json::Value;

use crate::codec::{DecodeContext, EncodedRequest, Frame};
use crate::diag::Diagnostics;
use crate::error::{Result, TransformError};
use crate::ir;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// The OpenAI error `type` for an error kind. `code` refines rate limits: an exhausted quota is
/// `insufficient_quota` rather than `rate_limit_exceeded`, as OpenAI answers.
pub fn error_type(kind: ir::ErrorKind, code: Option<&str>) -> &'static str {
    match kind {
        ir::ErrorKind::InvalidRequest | ir::ErrorKind::RequestTooLarge => "invalid_request_error",
        ir::ErrorKind::Authentication => "authentication_error",
        ir::ErrorKind::PermissionDenied => "permission_error",
        // OpenAI answers unknown models with `invalid_request_error` + code `model_not_found`.
        ir::ErrorKind::NotFound => "invalid_request_error",
        ir::ErrorKind::RateLimited if code == Some("insufficient_quota") => "insufficient_quota",
        ir::ErrorKind::RateLimited => "rate_limit_exceeded",
        ir::ErrorKind::Overloaded | ir::ErrorKind::Timeout | ir::ErrorKind::Server => {
            "server_error"
        }
    }
}

/// The error kind an OpenAI error `type`/`code` stands for, when no HTTP status says it
/// (errors inside a stream).
pub fn kind_from_type(kind: Option<&str>, code: Option<&str>) -> ir::ErrorKind {
    match (kind.unwrap_or_default(), code.unwrap_or_default()) {
        (_, "invalid_api_key") | ("authentication_error", _) => ir::ErrorKind::Authentication,
        ("permission_error", _) => ir::ErrorKind::PermissionDenied,
        ("not_found_error", _) | (_, "model_not_found") => ir::ErrorKind::NotFound,
        ("insufficient_quota" | "rate_limit_exceeded" | "requests" | "tokens", _)
        | (_, "rate_limit_exceeded" | "insufficient_quota") => ir::ErrorKind::RateLimited,
        ("invalid_request_error", _) => ir::ErrorKind::InvalidRequest,
        (_, "server_is_overloaded" | "overloaded") => ir::ErrorKind::Overloaded,
        _ => ir::ErrorKind::Server,
    }
}

/// Map a parsed OpenAI error object; `status` is `None` for errors inside a stream.
pub fn error_from_wire(obj: &wire::ErrorObject, status: Option<u16>) -> ir::Error {
    let code = match &obj.code {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let kind = match status {
        Some(s) => ir::ErrorKind::from_status(s),
        None => kind_from_type(obj.kind.as_deref(), code.as_deref()),
    };
    // OpenAI puts the detail in `code` and the family in `type`; keep the more specific one.
    let code = code.or_else(|| obj.kind.clone());
    ir::Error {
        kind,
        status: status.unwrap_or_else(|| kind.status()),
        message: obj.message.clone(),
        code,
        param: obj.param.clone(),
    }
}

/// Read an upstream error body. Never fails: a body that is not an OpenAI error becomes the
/// message verbatim.
pub fn decode_error(status: u16, body: &[u8]) -> ir::Error {
    match serde_json::from_slice::<wire::ErrorResponse>(body) {
        Ok(resp) => error_from_wire(&resp.error, Some(status)),
        Err(_) => {
            let mut err = ir::Error::new(
                ir::ErrorKind::from_status(status),
                String::from_utf8_lossy(body),
            );
            err.status = status;
            err
        }
    }
}

/// The wire error object for an IR error.
pub fn error_to_wire(err: &ir::Error) -> wire::ErrorObject {
    // A code that only repeats an OpenAI type name is already said by `type`.
    let ty = error_type(err.kind, err.code.as_deref());
    let code = err
        .code
        .as_deref()
        .filter(|c| *c != ty || *c == "insufficient_quota")
        .map(|c| Value::String(c.to_owned()));
    wire::ErrorObject {
        message: err.message.clone(),
        kind: Some(ty.to_owned()),
        param: err.param.clone(),
        code,
        extra: serde_json::Map::new(),
    }
}

/// `{"error": {message, type, param, code}}`.
pub fn encode_error(err: &ir::Error) -> Vec<u8> {
    let body = wire::ErrorResponse {
        error: error_to_wire(err),
        extra: serde_json::Map::new(),
    };
    serde_json::to_vec(&body).unwrap_or_default()
}

/// The data-only frame that ends a Chat stream with an error (`data: {"error": {...}}`).
pub fn encode_stream_error(err: &ir::Error) -> Frame {
    Frame::data(String::from_utf8_lossy(&encode_error(err)).into_owned())
}

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

fn model_from_wire(m: wire::Model) -> ir::ModelInfo {
    ir::ModelInfo {
        id: m.id,
        created: m.created,
        owned_by: m.owned_by,
        ..Default::default()
    }
}

/// OpenAI model objects have no display name, description or token limits: those are left out.
fn model_to_wire(m: &ir::ModelInfo) -> wire::Model {
    wire::Model {
        id: m.id.clone(),
        object: "model".to_owned(),
        created: Some(m.created.unwrap_or(0)),
        owned_by: Some(m.owned_by.clone().unwrap_or_else(|| "system".to_owned())),
        extra: serde_json::Map::new(),
    }
}

pub fn decode_model_list(body: &[u8]) -> Result<ir::ModelList> {
    let list: wire::ModelList = serde_json::from_slice(body)?;
    Ok(ir::ModelList {
        models: list.data.into_iter().map(model_from_wire).collect(),
        next_page: None,
    })
}

/// OpenAI does not page its model list: a `next_page` cursor has no place and is left out.
pub fn encode_model_list(list: &ir::ModelList) -> Vec<u8> {
    let wire = wire::ModelList {
        object: "list".to_owned(),
        data: list.models.iter().map(model_to_wire).collect(),
        extra: serde_json::Map::new(),
    };
    serde_json::to_vec(&wire).unwrap_or_default()
}

pub fn decode_model(body: &[u8]) -> Result<ir::ModelInfo> {
    Ok(model_from_wire(serde_json::from_slice(body)?))
}

pub fn encode_model(model: &ir::ModelInfo) -> Vec<u8> {
    serde_json::to_vec(&model_to_wire(model)).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Embeddings
// ---------------------------------------------------------------------------------------------

/// How embedding vectors are written in a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmbeddingEncoding {
    #[default]
    Float,
    Base64,
}

/// Request fields copied through `extra` to an OpenAI upstream when the request came from OpenAI.
const EMBEDDING_EXTRA_KEYS: &[&str] = &["encoding_format", "user", "input"];

/// Token-id inputs have no IR slot: they stay in `extra["input"]` with `inputs` empty, so an
/// OpenAI upstream still gets them and other families see an empty input list.
pub fn decode_embeddings_request(
    body: &[u8],
    ctx: DecodeContext<'_>,
) -> Result<ir::EmbeddingRequest> {
    let req: wire::EmbeddingRequest = serde_json::from_slice(body)?;
    let mut extra = req.extra;
    let inputs = match req.input {
        wire::EmbeddingInput::Text(s) => vec![s],
        wire::EmbeddingInput::Texts(v) => v,
        tokens @ (wire::EmbeddingInput::Tokens(_) | wire::EmbeddingInput::TokenArrays(_)) => {
            extra.insert("input".to_owned(), serde_json::to_value(tokens)?);
            Vec::new()
        }
    };
    if let Some(f) = req.encoding_format {
        extra.insert("encoding_format".to_owned(), Value::String(f));
    }
    if let Some(u) = req.user {
        extra.insert("user".to_owned(), Value::String(u));
    }
    let model = if req.model.is_empty() {
        ctx.model.unwrap_or_default().to_owned()
    } else {
        req.model
    };
    Ok(ir::EmbeddingRequest {
        model,
        inputs,
        dimensions: req.dimensions,
        extra,
        origin: Some(Family::OpenAi),
    })
}

pub fn encode_embeddings_request(
    req: &ir::EmbeddingRequest,
    diag: &mut Diagnostics,
) -> Result<EncodedRequest> {
    let same_family = req.origin == Some(Family::OpenAi);
    let mut input = match req.inputs.as_slice() {
        [one] => wire::EmbeddingInput::Text(one.clone()),
        many => wire::EmbeddingInput::Texts(many.to_vec()),
    };
    let mut out = wire::EmbeddingRequest {
        input: wire::EmbeddingInput::Texts(Vec::new()),
        model: req.model.clone(),
        dimensions: req.dimensions,
        encoding_format: None,
        user: None,
        extra: serde_json::Map::new(),
    };
    for (key, value) in &req.extra {
        match (same_family, key.as_str()) {
            (true, "encoding_format") => out.encoding_format = value.as_str().map(str::to_owned),
            (true, "user") => out.user = value.as_str().map(str::to_owned),
            (true, "input") if req.inputs.is_empty() => {
                input = serde_json::from_value(value.clone())
                    .map_err(|e| TransformError::invalid("input", e.to_string()))?;
            }
            (true, k) if !EMBEDDING_EXTRA_KEYS.contains(&k) => {
                out.extra.insert(key.clone(), value.clone());
            }
            _ => diag.dropped(key.clone(), "no OpenAI embeddings field"),
        }
    }
    out.input = input;
    Ok(EncodedRequest {
        body: serde_json::to_vec(&out)?,
        model: req.model.clone(),
        stream: false,
    })
}

/// Decode base64 of little-endian `f32`s. Trailing bytes that do not make a whole float are
/// an error, never silently cut.
pub fn decode_base64_floats(s: &str) -> Result<Vec<f32>> {
    let bytes = STANDARD
        .decode(s)
        .map_err(|e| TransformError::invalid("embedding", e.to_string()))?;
    if bytes.len() % 4 != 0 {
        return Err(TransformError::invalid(
            "embedding",
            "base64 length is not a multiple of 4 bytes",
        ));
    }
    Ok(bytes
        .chunks_exact(4)
        .filter_map(|c| <[u8; 4]>::try_from(c).ok())
        .map(f32::from_le_bytes)
        .collect())
}

pub fn encode_base64_floats(v: &[f32]) -> String {
    let bytes: Vec<u8> = v.iter().flat_map(|f| f.to_le_bytes()).collect();
    STANDARD.encode(bytes)
}

pub fn decode_embeddings_response(body: &[u8]) -> Result<ir::EmbeddingResponse> {
    let resp: wire::EmbeddingResponse = serde_json::from_slice(body)?;
    let mut data = resp.data;
    data.sort_by_key(|e| e.index);
    let embeddings = data
        .into_iter()
        .map(|e| match e.embedding {
            wire::EmbeddingVector::Float(v) => Ok(v.into_iter().map(|f| f as f32).collect()),
            wire::EmbeddingVector::Base64(s) => decode_base64_floats(&s),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ir::EmbeddingResponse {
        model: resp.model,
        embeddings,
        input_tokens: resp.usage.map(|u| u.prompt_tokens),
    })
}

/// The response in the encoding the client asked for (`encoding_format`).
pub fn encode_embeddings_response_as(
    resp: &ir::EmbeddingResponse,
    encoding: EmbeddingEncoding,
) -> Vec<u8> {
    let data = resp
        .embeddings
        .iter()
        .enumerate()
        .map(|(i, v)| wire::Embedding {
            object: "embedding".to_owned(),
            index: u32::try_from(i).unwrap_or(u32::MAX),
            embedding: match encoding {
                EmbeddingEncoding::Float => {
                    wire::EmbeddingVector::Float(v.iter().map(|&f| f64::from(f)).collect())
                }
                EmbeddingEncoding::Base64 => wire::EmbeddingVector::Base64(encode_base64_floats(v)),
            },
            extra: serde_json::Map::new(),
        })
        .collect();
    let tokens = resp.input_tokens.unwrap_or(0);
    let wire = wire::EmbeddingResponse {
        object: "list".to_owned(),
        data,
        model: resp.model.clone(),
        usage: Some(wire::EmbeddingUsage {
            prompt_tokens: tokens,
            total_tokens: tokens,
        }),
        extra: serde_json::Map::new(),
    };
    serde_json::to_vec(&wire).unwrap_or_default()
}

/// The `Codec` entry point: floats, OpenAI's default. The trait gives no access to the client's
/// `encoding_format`; a caller that has the request uses [`encode_embeddings_response_as`].
pub fn encode_embeddings_response(resp: &ir::EmbeddingResponse) -> Vec<u8> {
    encode_embeddings_response_as(resp, EmbeddingEncoding::Float)
}

/// The encoding an IR embeddings request asks for (`extra["encoding_format"]`).
pub fn requested_encoding(req: &ir::EmbeddingRequest) -> EmbeddingEncoding {
    match req.extra.get("encoding_format").and_then(Value::as_str) {
        Some("base64") => EmbeddingEncoding::Base64,
        _ => EmbeddingEncoding::Float,
    }
}

#[cfg(test)]
mod tests;
