//! A stream-only upstream answering a non-stream client: the stream folded into one object.

use std::time::Instant;

use axum::response::Response;
use futures_util::StreamExt;
use gproxy_config::usage::EndState;
use gproxy_transform::ir::ErrorKind;
use gproxy_transform::{codec, Diagnostics};

use super::{json_response, upstream_failure, Shape, MAX_PENDING_FRAME};
use crate::error::{ApiError, Source};
use crate::ledger::Ledger;

/// A stream-only upstream answering a non-stream client: the stream is folded into one object
/// (never more than the answer itself is held).
pub async fn aggregated(resp: wreq::Response, shape: &Shape, mut ledger: Ledger) -> Response {
    let t0 = Instant::now();
    let mut sse = gproxy_sse::Decoder::new();
    let mut decoder = codec(shape.upstream_kind).stream_decoder();
    let mut agg = gproxy_transform::aggregate::Aggregator::new();
    let mut events = Vec::new();
    let mut ir_events = Vec::new();
    let mut body = resp.bytes_stream();
    let mut failure: Option<ApiError> = None;
    loop {
        let wait = match shape.deadline {
            Some(d) => shape.idle.min(d.saturating_duration_since(Instant::now())),
            None => shape.idle,
        };
        let chunk = match tokio::time::timeout(wait, body.next()).await {
            Ok(Some(Ok(c))) => c,
            Ok(None) => break,
            Ok(Some(Err(e))) => {
                failure = Some(upstream_failure(format!("upstream stream broke: {e}")));
                break;
            }
            Err(_) => {
                failure = Some(ApiError::new(
                    ErrorKind::Timeout,
                    "upstream stream timed out",
                ));
                break;
            }
        };
        sse.feed(&chunk, &mut events);
        if sse.buffered() > MAX_PENDING_FRAME {
            failure = Some(upstream_failure("upstream frame too large".to_owned()));
            break;
        }
        for ev in events.drain(..) {
            if let Err(e) = decoder.decode(ev.event.as_deref(), &ev.data, &mut ir_events) {
                failure = Some(upstream_failure(format!("unreadable upstream stream: {e}")));
            }
        }
        for ev in ir_events.drain(..) {
            agg.push(&ev);
        }
        if failure.is_some() {
            break;
        }
    }
    if failure.is_none() {
        sse.finish(&mut events);
        for ev in events.drain(..) {
            let _ = decoder.decode(ev.event.as_deref(), &ev.data, &mut ir_events);
        }
        decoder.finish(&mut ir_events);
        for ev in ir_events.drain(..) {
            agg.push(&ev);
        }
    }
    ledger.upstream_wait += t0.elapsed();
    let result = match failure {
        Some(e) => Err(e),
        None => agg
            .finish()
            .map_err(|e| ApiError::from_ir(e, Source::Upstream)),
    };
    match result {
        Ok(r) => {
            ledger.usage = r.usage.unwrap_or_default();
            let mut diag = Diagnostics::new();
            let out = codec(shape.client_kind).encode_response(&r, &shape.ctx, &mut diag);
            ledger
                .diagnostics
                .extend(diag.items().iter().map(ToString::to_string));
            ledger.finish(200, EndState::Completed);
            json_response(200, out, &ledger.request_id)
        }
        Err(e) => {
            ledger.finish(e.status, EndState::UpstreamAborted);
            e.render(shape.client_kind, &ledger.request_id)
        }
    }
}
