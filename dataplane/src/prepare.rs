//! Steps 6–8: the body, URL and headers of the upstream request for one candidate — a byte patch
//! when the kinds match, a translation through the IR when they differ.

use std::time::Duration;

use bytes::Bytes;
use gproxy_protocol::{Operation, OperationKey, OperationKind};
use gproxy_transform::passthrough::{self, Patch};
use gproxy_transform::{codec, ir, DecodeContext, Diagnostics};
use http::{HeaderMap, HeaderValue};

use gproxy_config::rules::{HeaderEdit, RuleContext};
use gproxy_transform::ir::ErrorKind;

use crate::auth::is_client_only_header;
use crate::channel;
use crate::classify::Inbound;
use crate::error::ApiError;
use crate::runtime::{CredentialRt, ProviderRt};
use crate::upstream::Prepared;

/// The client's request, decoded lazily (only a translation needs the IR).
pub struct ClientRequest {
    pub inbound: Inbound,
    pub body: Bytes,
    pub headers: HeaderMap,
    /// Model name as the client sent it.
    pub model: String,
    pub stream: bool,
    /// Boxed: the request future holds a `ClientRequest` and must stay small to move cheaply.
    ir: Option<Box<ir::Request>>,
}

impl ClientRequest {
    pub fn new(inbound: Inbound, body: Bytes, headers: HeaderMap) -> Result<Self, ApiError> {
        let (model, stream) = match inbound.kind {
            OperationKind::Gemini => {
                // the top-level scan the other kinds get from reading `model`: a body that is
                // not a JSON object is the client's 400, never forwarded upstream
                passthrough::get_raw(&body, "contents").map_err(ApiError::from)?;
                (
                    inbound.path_model.clone().unwrap_or_default(),
                    inbound.operation == Operation::StreamGenerateContent,
                )
            }
            _ => {
                // one scan of the top level for both members
                let top = passthrough::TopLevel::scan(&body).map_err(ApiError::from)?;
                let model = top.str("model").map_err(ApiError::from)?;
                let stream = top.bool("stream").unwrap_or(false);
                (model.map(|m| m.into_owned()).unwrap_or_default(), stream)
            }
        };
        Ok(ClientRequest {
            inbound,
            body,
            headers,
            model,
            stream,
            ir: None,
        })
    }

    fn decode_ctx(&self) -> DecodeContext<'_> {
        DecodeContext {
            model: self.inbound.path_model.as_deref(),
            stream: Some(self.stream),
        }
    }

    /// The IR of a generate request, decoded once. Each candidate sets the fields it owns
    /// (`model`, `stream`, `stream_include_usage`) before encoding, so one IR serves every
    /// attempt without a copy.
    pub fn ir_mut(&mut self) -> Result<&mut ir::Request, ApiError> {
        if self.ir.is_none() {
            let req = codec(self.inbound.kind).decode_request(&self.body, self.decode_ctx())?;
            self.ir = Some(Box::new(req));
        }
        self.ir
            .as_deref_mut()
            .ok_or_else(|| ApiError::bad_request("request could not be decoded"))
    }
}

/// What goes upstream for one candidate.
pub struct Outgoing {
    pub kind: OperationKind,
    pub body: Bytes,
    pub upstream_model: String,
    pub stream: bool,
    /// The upstream streams but the client wants one object.
    pub aggregate: bool,
    pub diagnostics: Diagnostics,
    /// We asked a Chat upstream for a usage chunk the client did not ask for: strip it.
    pub injected_usage: bool,
    /// Header edits of the provider's matching rules (applied last in [`request_for`]).
    pub rule_headers: Vec<HeaderEdit>,
}

/// Headers a rule's `remove_header` glob never removes.
const CHANNEL_OWNED: &[&str] = &[
    "authorization",
    "x-api-key",
    "x-goog-api-key",
    "content-type",
    "content-length",
    "host",
];

/// Step 7: the provider's rule sets, on the body in the upstream's shape. The body is parsed only
/// when a matching rule edits or inspects it.
fn apply_rules(provider: &ProviderRt, op: Operation, out: &mut Outgoing) -> Result<(), ApiError> {
    let rules = &provider.rules;
    if rules.is_empty() {
        return Ok(());
    }
    let operation = match (op, out.stream) {
        (Operation::GenerateContent | Operation::StreamGenerateContent, true) => {
            Operation::StreamGenerateContent
        }
        (Operation::GenerateContent | Operation::StreamGenerateContent, false) => {
            Operation::GenerateContent
        }
        (op, _) => op,
    };
    let ctx = RuleContext {
        model: &out.upstream_model,
        operation,
        kind: out.kind,
        stream: out.stream,
    };
    let applied = if rules.needs_body(&ctx) {
        let mut body: serde_json::Value = serde_json::from_slice(&out.body)
            .map_err(|e| ApiError::bad_request(format!("request body is not JSON: {e}")))?;
        let applied = rules.apply(&ctx, &mut body);
        if applied.body_changed {
            out.body = Bytes::from(
                serde_json::to_vec(&body)
                    .map_err(|e| ApiError::new(ErrorKind::Server, format!("rule output: {e}")))?,
            );
        }
        applied
    } else {
        rules.header_edits(&ctx)
    };
    if applied.rules_matched > 0 {
        tracing::debug!(provider = %provider.spec.name, matched = applied.rules_matched, skipped = applied.skipped, "rules applied");
    }
    out.rule_headers = applied.headers.into_iter().cloned().collect();
    Ok(())
}

pub fn body_for(
    creq: &mut ClientRequest,
    provider: &ProviderRt,
    model_id: &str,
    up_kind: OperationKind,
) -> Result<Outgoing, ApiError> {
    let upstream_model = provider.upstream_model(model_id).to_owned();
    let op = creq.inbound.operation;
    let mut diagnostics = Diagnostics::new();
    let mut injected_usage = false;
    let generate = matches!(
        op,
        Operation::GenerateContent | Operation::StreamGenerateContent
    );
    // a stream-only upstream streams even for a non-stream client; the gateway aggregates
    let aggregate = generate && provider.spec.stream_only && !creq.stream;
    let stream = creq.stream || aggregate;
    if up_kind == creq.inbound.kind {
        let body = if up_kind == OperationKind::Gemini {
            creq.body.clone()
        } else {
            let model_json = serde_json::to_vec(&upstream_model).unwrap_or_default();
            let mut patches = Vec::with_capacity(3);
            if upstream_model != creq.model {
                patches.push(Patch::Set("model", &model_json));
            }
            if aggregate {
                patches.push(Patch::Set("stream", b"true"));
            }
            let usage_opt = br#"{"include_usage":true}"#;
            if up_kind == OperationKind::OpenAiChat && stream {
                let has =
                    passthrough::get_raw(&creq.body, "stream_options").map_err(ApiError::from)?;
                if has.is_none() {
                    patches.push(Patch::Set("stream_options", usage_opt));
                    injected_usage = true;
                }
            }
            if patches.is_empty() {
                creq.body.clone()
            } else {
                Bytes::from(passthrough::patch(&creq.body, &patches).map_err(ApiError::from)?)
            }
        };
        let mut out = Outgoing {
            kind: up_kind,
            body,
            upstream_model,
            stream,
            aggregate,
            diagnostics,
            injected_usage,
            rule_headers: Vec::new(),
        };
        apply_rules(provider, op, &mut out)?;
        return Ok(out);
    }
    let src = codec(creq.inbound.kind);
    let dst = codec(up_kind);
    let ctx = DecodeContext {
        model: creq.inbound.path_model.as_deref(),
        stream: Some(stream),
    };
    let encoded = match op {
        Operation::GenerateContent | Operation::StreamGenerateContent => {
            let req = creq.ir_mut()?;
            req.model.clone_from(&upstream_model);
            req.stream = stream;
            // only the Chat encoder reads this, and only for a stream
            if up_kind == OperationKind::OpenAiChat && stream {
                req.stream_include_usage = true;
            }
            dst.encode_request(req, &mut diagnostics)?
        }
        Operation::CountTokens => {
            let mut req = src
                .decode_count_tokens_request(&creq.body, ctx)
                .ok_or_else(|| unsupported(op, creq.inbound.kind))??;
            req.model = upstream_model.clone();
            dst.encode_count_tokens_request(&req, &mut diagnostics)
                .ok_or_else(|| unsupported(op, up_kind))??
        }
        Operation::CreateEmbedding => {
            let mut req = src
                .decode_embeddings_request(&creq.body, ctx)
                .ok_or_else(|| unsupported(op, creq.inbound.kind))??;
            req.model = upstream_model.clone();
            dst.encode_embeddings_request(&req, &mut diagnostics)
                .ok_or_else(|| unsupported(op, up_kind))??
        }
        _ => return Err(unsupported(op, up_kind)),
    };
    let mut out = Outgoing {
        kind: up_kind,
        body: Bytes::from(encoded.body),
        upstream_model,
        stream,
        aggregate,
        diagnostics,
        injected_usage: false,
        rule_headers: Vec::new(),
    };
    apply_rules(provider, op, &mut out)?;
    Ok(out)
}

pub fn unsupported(op: Operation, kind: OperationKind) -> ApiError {
    ApiError::bad_request(format!("{op} is not available in {kind} on this route"))
        .code("unsupported_operation")
}

/// URL, headers and timeouts for one credential.
pub fn request_for(
    creq: &ClientRequest,
    out: &Outgoing,
    provider: &ProviderRt,
    cred: &CredentialRt,
    request_id: &str,
) -> Result<Prepared, ApiError> {
    let op = match (creq.inbound.operation, out.stream) {
        (Operation::GenerateContent | Operation::StreamGenerateContent, true) => {
            Operation::StreamGenerateContent
        }
        (Operation::GenerateContent | Operation::StreamGenerateContent, false) => {
            Operation::GenerateContent
        }
        (op, _) => op,
    };
    let mut headers = HeaderMap::with_capacity(8);
    let auth_query = provider.channel.authorize(cred, &mut headers);
    provider.channel.fixed_headers(&mut headers);
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        http::header::USER_AGENT,
        HeaderValue::from_static(concat!("gproxy/", env!("CARGO_PKG_VERSION"))),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", v);
    }
    if creq.inbound.kind == out.kind {
        for name in provider.channel.forwarded_client_headers() {
            if let Some(v) = creq.headers.get(*name) {
                if !is_client_only_header(name) {
                    headers.insert(*name, v.clone());
                }
            }
        }
    }
    for (k, v) in &provider.spec.headers {
        if let (Ok(k), Ok(v)) = (
            http::HeaderName::try_from(k.as_str()),
            HeaderValue::from_str(v),
        ) {
            headers.insert(k, v);
        }
    }
    for edit in &out.rule_headers {
        match edit {
            HeaderEdit::Set { name, value } => {
                if let (Ok(k), Ok(v)) = (
                    http::HeaderName::try_from(name.as_str()),
                    HeaderValue::from_str(value),
                ) {
                    headers.insert(k, v);
                }
            }
            remove @ HeaderEdit::Remove(_) => {
                // credentials and framing stay the channel's, whatever a glob matches
                let doomed: Vec<http::HeaderName> = headers
                    .keys()
                    .filter(|k| !CHANNEL_OWNED.contains(&k.as_str()) && remove.matches(k.as_str()))
                    .cloned()
                    .collect();
                for k in doomed {
                    headers.remove(k);
                }
            }
        }
    }
    let key = OperationKey::new(op, out.kind);
    let mut url = channel::url(
        &provider.base_url,
        key,
        &out.upstream_model,
        auth_query.as_deref(),
    )
    .ok_or_else(|| unsupported(op, out.kind))?;
    if creq.inbound.single_embed && out.kind == OperationKind::Gemini {
        url = url.replacen(":batchEmbedContents", ":embedContent", 1);
    }
    let t = &provider.spec.timeouts;
    Ok(Prepared {
        url,
        headers,
        body: out.body.clone(),
        proxy: cred
            .spec
            .proxy
            .clone()
            .or_else(|| provider.spec.proxy.clone()),
        first_byte: Duration::from_millis(t.first_byte_ms.filter(|v| *v > 0).unwrap_or(600_000)),
    })
}
