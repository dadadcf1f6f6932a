//! `execute`: the request lifecycle of DESIGN.md §4, each step delegated to its module.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::response::Response;
use bytes::Bytes;
use gproxy_config::digest::key_digest_bytes;
use gproxy_config::usage::EndState;
use gproxy_protocol::{Operation, OperationKind};
use gproxy_transform::{ir::ErrorKind, EncodeContext};
use http::HeaderMap;

use crate::app::AppState;
use crate::auth::presented_key;
use crate::classify::Inbound;
use crate::error::{ApiError, Source};
use crate::health::Failure;
use crate::ledger::Ledger;
use crate::prepare::{self, ClientRequest};
use crate::respond::{self, Shape};
use crate::routing;
use crate::upstream::{self, Disposition};
use crate::{channel, models};

/// Everything about the HTTP request the pipeline needs.
pub struct Incoming {
    pub inbound: Inbound,
    pub headers: HeaderMap,
    pub query: Option<String>,
    pub body: Bytes,
    pub request_id: String,
    /// Holds an in-flight slot until the response (stream included) is done.
    pub guard: Option<Arc<dyn Send + Sync>>,
}

pub async fn execute(app: AppState, req: Incoming) -> Response {
    let kind = req.inbound.kind;
    let ledger = Ledger::new(
        app.clone(),
        req.request_id.clone(),
        req.inbound.operation,
        kind,
    );
    match run(&app, req, ledger).await {
        Ok(resp) => resp,
        Err((e, mut ledger)) => {
            ledger.finish(e.status, EndState::Error);
            e.render(kind, &ledger.request_id)
        }
    }
}

type Failed = (ApiError, Ledger);

/// Runs the pipeline; the ledger moves into the response when one is produced, or comes back
/// with the error.
async fn run(app: &AppState, req: Incoming, mut led: Ledger) -> Result<Response, Failed> {
    macro_rules! fail {
        ($e:expr) => {
            return Err(($e, led))
        };
    }
    let rt = app.runtime();
    if rt.version == 0 {
        fail!(ApiError::overloaded("gateway has no configuration yet"));
    }
    // 2. authenticate
    let Some(key) = presented_key(&req.headers, req.query.as_deref()) else {
        fail!(ApiError::unauthorized())
    };
    let digest = key_digest_bytes(key.as_bytes());
    let Some(k) = rt.keys.get(&digest).filter(|k| k.enabled) else {
        fail!(ApiError::unauthorized())
    };
    let Some(user) = rt.users.get(k.user).filter(|u| u.enabled) else {
        fail!(ApiError::unauthorized())
    };
    led.user = Some(user.name.clone());
    led.key = Some(k.name.clone());

    let op = req.inbound.operation;
    if matches!(op, Operation::ListModels | Operation::GetModel) {
        let resp = models::answer(&rt, user, &req.inbound, &led.request_id);
        match resp {
            Ok(r) => {
                led.finish(r.status().as_u16(), EndState::Completed);
                return Ok(r);
            }
            Err(e) => fail!(e),
        }
    }

    // 3. model and route
    let mut creq = match ClientRequest::new(req.inbound.clone(), req.body, req.headers) {
        Ok(c) => c,
        Err(e) => fail!(e),
    };
    if creq.model.is_empty() {
        fail!(ApiError::bad_request("`model` is required").code("missing_model"));
    }
    led.billable = true;
    led.stream = creq.stream;
    // 4. quota admission: the user's own, its team's and its org's settled spend
    if let Some(why) = user.exhausted_quota() {
        let mut e = ApiError::new(ErrorKind::RateLimited, why).code("insufficient_quota");
        e.status = 429;
        fail!(e);
    }
    let resolved = match routing::resolve(
        &rt,
        user,
        req.inbound.scoped.as_deref(),
        &creq.model,
        &app.health,
        &app.cursors,
    ) {
        Ok(r) => r,
        Err(e) => fail!(e),
    };
    led.route = Some(resolved.route.clone());

    // 5–10. candidates × credentials, within the attempt budget
    let max_attempts = rt.settings.max_attempts.max(1);
    let mut last_err: Option<ApiError> = None;
    'members: for cand in &resolved.candidates {
        let provider = &cand.provider;
        let Some(up_kind) = channel::upstream_kind(
            provider.channel,
            provider.spec.prefer,
            op,
            creq.inbound.kind,
        ) else {
            if op == Operation::CountTokens {
                return Ok(estimate_tokens(&mut creq, led));
            }
            last_err.get_or_insert(prepare::unsupported(op, creq.inbound.kind));
            continue;
        };
        let out = match prepare::body_for(&mut creq, provider, &cand.model, up_kind) {
            Ok(o) => o,
            // the client's request is malformed or untranslatable: no other member will differ
            Err(e)
                if e.source == Source::Client
                    && e.code.as_deref() != Some("unsupported_operation") =>
            {
                fail!(e)
            }
            Err(e) => {
                last_err = Some(e);
                continue;
            }
        };
        if !out.diagnostics.is_empty() {
            app.metrics.diagnostics(
                creq.inbound.kind.as_str(),
                up_kind.as_str(),
                out.diagnostics.items().len(),
            );
            led.diagnostics = out
                .diagnostics
                .items()
                .iter()
                .map(ToString::to_string)
                .collect();
        }
        let creds = routing::credentials(provider, &digest, &app.cred_health, &app.cursors);
        if creds.is_empty() {
            last_err.get_or_insert(ApiError::overloaded(
                "no credential configured for this provider",
            ));
            continue;
        }
        for cred in creds {
            if led.attempts >= max_attempts {
                break 'members;
            }
            led.attempts += 1;
            let prepared = match prepare::request_for(&creq, &out, provider, cred, &led.request_id)
            {
                Ok(p) => p,
                Err(e) => fail!(e),
            };
            led.provider = Some(provider.spec.name.clone());
            led.credential = Some(cred.id.clone());
            led.model = Some(out.upstream_model.clone());
            led.upstream_kind = Some(up_kind);
            led.price = provider.price(&cand.model);
            let sent_at = Instant::now();
            // a whole answer's body is bounded by `first_byte_ms` too (bundle docs)
            let body_deadline = sent_at + prepared.first_byte;
            let client = provider.client.as_ref().unwrap_or(&app.client);
            let resp = upstream::send(client, prepared).await;
            let waited = sent_at.elapsed();
            led.upstream_wait += waited;
            let resp = match resp {
                Ok(r) => r,
                Err(e) => {
                    app.metrics.upstream_error(&provider.spec.name, e.class());
                    app.health
                        .failure(&cand.member_id, Failure::Transient, Instant::now());
                    tracing::warn!(request_id = %led.request_id, provider = %provider.spec.name, error = ?e, "upstream send failed");
                    let mut err =
                        ApiError::new(ErrorKind::Server, "upstream unavailable").status(502);
                    if matches!(e, upstream::SendError::Timeout) {
                        err = ApiError::new(ErrorKind::Timeout, "upstream timed out");
                    }
                    err.source = Source::Upstream;
                    last_err = Some(err);
                    continue 'members;
                }
            };
            let shape = Shape {
                client_kind: creq.inbound.kind,
                upstream_kind: up_kind,
                operation: op,
                single_embed: creq.inbound.single_embed,
                json_array: creq.inbound.kind == OperationKind::Gemini
                    && op == Operation::StreamGenerateContent
                    && !req
                        .query
                        .as_deref()
                        .is_some_and(|q| q.split('&').any(|kv| kv == "alt=sse")),
                base64_embeddings: op == Operation::CreateEmbedding
                    && gproxy_transform::passthrough::get_str(&creq.body, "encoding_format")
                        .ok()
                        .flatten()
                        .is_some_and(|f| f == "base64"),
                injected_usage: out.injected_usage,
                ctx: encode_ctx(&creq, &led.request_id, &out.upstream_model),
                idle: Duration::from_millis(
                    provider
                        .spec
                        .timeouts
                        .idle_ms
                        .filter(|v| *v > 0)
                        .unwrap_or(300_000),
                ),
                deadline: provider
                    .spec
                    .timeouts
                    .total_ms
                    .filter(|v| *v > 0)
                    .map(|ms| sent_at + Duration::from_millis(ms)),
                body_deadline,
            };
            match upstream::classify(resp.status(), resp.headers()) {
                Disposition::Success => {
                    app.health.success(&cand.member_id, waited);
                    app.cred_health.success(&cred.id, waited);
                    return Ok(
                        if out.stream
                            && matches!(
                                op,
                                Operation::GenerateContent | Operation::StreamGenerateContent
                            )
                        {
                            if out.aggregate {
                                Box::pin(respond::aggregated(resp, &shape, led)).await
                            } else {
                                respond::stream(resp, shape, led, req.guard.clone())
                            }
                        } else {
                            Box::pin(respond::whole(resp, &shape, led)).await
                        },
                    );
                }
                Disposition::Permanent => {
                    return Ok(Box::pin(respond::upstream_error(resp, &shape, &mut led)).await);
                }
                Disposition::Retry(failure) => {
                    let class = match failure {
                        Failure::AuthDead => "auth",
                        Failure::RateLimited(_) => "rate_limited",
                        Failure::Transient => "transient",
                    };
                    app.metrics.upstream_error(&provider.spec.name, class);
                    let now = Instant::now();
                    app.cred_health.failure(&cred.id, failure, now);
                    let status = resp.status().as_u16();
                    let retry_after = upstream::retry_after(resp.headers());
                    let body = respond::read_body_by(resp, 1024 * 1024, shape.body_deadline)
                        .await
                        .unwrap_or_default();
                    let mut err = ApiError::from_ir(
                        gproxy_transform::codec(up_kind).decode_error(status, &body),
                        Source::Upstream,
                    );
                    err.retry_after = retry_after.map(|d| d.as_secs().max(1));
                    last_err = Some(err);
                    if failure == Failure::Transient {
                        app.health.failure(&cand.member_id, failure, now);
                        continue 'members; // the provider is struggling: next member
                    }
                    // auth/rate limit is per credential: try the next credential
                }
            }
        }
    }
    let mut err =
        last_err.unwrap_or_else(|| ApiError::overloaded("no upstream available for this model"));
    if err.source == Source::Upstream && err.kind == ErrorKind::Authentication {
        // the upstream rejected *our* credential: that is not the client's auth failure
        err = ApiError::new(ErrorKind::Server, "upstream credentials were rejected")
            .status(502)
            .gateway();
    }
    fail!(err)
}

fn encode_ctx(creq: &ClientRequest, request_id: &str, upstream_model: &str) -> EncodeContext {
    let created = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    // only a Chat stream's chunks depend on it: whole answers skip the scan
    let include_usage = creq.stream
        && creq.inbound.kind == OperationKind::OpenAiChat
        && gproxy_transform::passthrough::get_raw(&creq.body, "stream_options")
            .ok()
            .flatten()
            .is_some_and(|raw| {
                serde_json::from_slice::<serde_json::Value>(raw)
                    .ok()
                    .and_then(|v| v.get("include_usage").and_then(|b| b.as_bool()))
                    .unwrap_or(false)
            });
    EncodeContext {
        fallback_id: request_id.to_owned(),
        created,
        model: upstream_model.to_owned(),
        include_usage,
        tool_namespaces: Vec::new(),
        request: None,
    }
}

/// Count tokens for a route whose upstream has no such endpoint: a local estimate (about four
/// bytes of text per token), documented as approximate.
fn estimate_tokens(creq: &mut ClientRequest, mut led: Ledger) -> Response {
    let kind = creq.inbound.kind;
    let codec = gproxy_transform::codec(kind);
    let req = codec.decode_count_tokens_request(
        &creq.body,
        gproxy_transform::DecodeContext {
            model: creq.inbound.path_model.as_deref(),
            stream: None,
        },
    );
    let n = match req {
        Some(Ok(r)) => models::estimate_input_tokens(&r),
        _ => (creq.body.len() / 4) as u64,
    };
    let count = gproxy_transform::ir::TokenCount {
        input_tokens: n,
        cache_read_tokens: 0,
    };
    let body = codec
        .encode_count_tokens_response(&count)
        .unwrap_or_default();
    led.diagnostics.push(
        "approximated input_tokens: estimated locally, the upstream has no count endpoint"
            .to_owned(),
    );
    led.finish(200, EndState::Completed);
    Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header("x-request-id", led.request_id.as_str())
        .header("x-gproxy-estimated", "true")
        .body(axum::body::Body::from(body))
        .unwrap_or_else(|_| Response::new(axum::body::Body::empty()))
}
