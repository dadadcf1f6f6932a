//! Usage records: the data plane's per-request record, settled by the control plane.

use gproxy_config::usage::{EndState, UsageRecord};

use super::ConvertError;
use crate::v1;

pub(crate) fn end_str(e: EndState) -> &'static str {
    match e {
        EndState::Completed => "completed",
        EndState::Error => "error",
        EndState::ClientAborted => "client_aborted",
        EndState::UpstreamAborted => "upstream_aborted",
    }
}

fn end(s: &str) -> Result<EndState, ConvertError> {
    Ok(match s {
        "completed" => EndState::Completed,
        "error" => EndState::Error,
        "client_aborted" => EndState::ClientAborted,
        "upstream_aborted" => EndState::UpstreamAborted,
        other => return Err(ConvertError::new("end", format!("unknown value `{other}`"))),
    })
}

impl From<&UsageRecord> for v1::UsageRecord {
    fn from(r: &UsageRecord) -> Self {
        v1::UsageRecord {
            request_id: r.request_id.clone(),
            ts_ms: r.ts_ms,
            user: r.user.clone(),
            key: r.key.clone(),
            route: r.route.clone(),
            provider: r.provider.clone(),
            credential: r.credential.clone(),
            model: r.model.clone(),
            operation: r.operation.clone(),
            inbound_kind: r.inbound_kind.clone(),
            upstream_kind: r.upstream_kind.clone(),
            stream: r.stream,
            input_tokens: r.input_tokens,
            output_tokens: r.output_tokens,
            cache_read_tokens: r.cache_read_tokens,
            cache_write_tokens: r.cache_write_tokens,
            reasoning_tokens: r.reasoning_tokens,
            cost_usd: r.cost_usd,
            status: u32::from(r.status),
            end: end_str(r.end).to_owned(),
            latency_ms: r.latency_ms,
            ttft_ms: r.ttft_ms,
            attempts: r.attempts,
        }
    }
}

impl TryFrom<v1::UsageRecord> for UsageRecord {
    type Error = ConvertError;

    fn try_from(w: v1::UsageRecord) -> Result<Self, Self::Error> {
        let status = u16::try_from(w.status).map_err(|_| {
            ConvertError::new("status", format!("{} is not an HTTP status", w.status))
        })?;
        Ok(UsageRecord {
            end: end(&w.end)?,
            status,
            request_id: w.request_id,
            ts_ms: w.ts_ms,
            user: w.user,
            key: w.key,
            route: w.route,
            provider: w.provider,
            credential: w.credential,
            model: w.model,
            operation: w.operation,
            inbound_kind: w.inbound_kind,
            upstream_kind: w.upstream_kind,
            stream: w.stream,
            input_tokens: w.input_tokens,
            output_tokens: w.output_tokens,
            cache_read_tokens: w.cache_read_tokens,
            cache_write_tokens: w.cache_write_tokens,
            reasoning_tokens: w.reasoning_tokens,
            cost_usd: w.cost_usd,
            latency_ms: w.latency_ms,
            ttft_ms: w.ttft_ms,
            attempts: w.attempts,
        })
    }
}
