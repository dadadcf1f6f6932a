//! The gRPC side of the control plane: the config stream (full snapshot, then per-stream deltas),
//! the usage stream (commit, de-duplicate, acknowledge), health reports, and the cluster-token
//! check every call passes first.

mod config;
mod usage;

use std::pin::Pin;
use std::sync::Arc;

use futures_util::Stream;
use gproxy_proto::tonic::{self, Request, Response, Status, Streaming};
use gproxy_proto::v1;

use tokio::sync::watch;

use crate::registry::Registry;
use crate::service::ConfigService;

pub struct GrpcService {
    pub svc: Arc<ConfigService>,
    pub registry: Arc<Registry>,
    /// Becomes true when the server stops: every open stream then ends, so that the graceful
    /// shutdown (which waits for open streams) completes while data planes are connected.
    pub stop: watch::Receiver<bool>,
}

type Out<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// Resolves once the server is stopping (or its sender is gone).
pub(crate) async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

#[tonic::async_trait]
impl gproxy_proto::ControlPlane for GrpcService {
    type StreamConfigStream = Out<v1::ConfigResponse>;
    type StreamUsageStream = Out<v1::UsageAck>;
    type ReportHealthStream = Out<v1::HealthAck>;

    async fn stream_config(
        &self,
        req: Request<Streaming<v1::ConfigRequest>>,
    ) -> Result<Response<Self::StreamConfigStream>, Status> {
        config::serve(
            self.svc.clone(),
            self.registry.clone(),
            self.stop.clone(),
            req,
        )
        .await
    }

    async fn stream_usage(
        &self,
        req: Request<Streaming<v1::UsageBatch>>,
    ) -> Result<Response<Self::StreamUsageStream>, Status> {
        usage::serve(self.svc.clone(), self.stop.clone(), req)
    }

    async fn report_health(
        &self,
        req: Request<Streaming<v1::HealthReport>>,
    ) -> Result<Response<Self::ReportHealthStream>, Status> {
        let mut inbound = req.into_inner();
        let mut stop = self.stop.clone();
        let svc = self.svc.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            loop {
                let report = tokio::select! {
                    m = inbound.message() => match m {
                        Ok(Some(r)) => r,
                        Ok(None) | Err(_) => break,
                    },
                    _ = stopped(&mut stop) => break,
                };
                for e in &report.events {
                    tracing::debug!(node = %report.node_id, subject = %e.subject, id = %e.id, event = %e.event,
                        status = e.status, retry_after_ms = e.retry_after_ms, "data-plane health event");
                }
                if let Err(e) = svc.apply_health(&report.node_id, &report.events).await {
                    tracing::warn!(node = %report.node_id, error = %e, "health events not applied");
                }
                let ack = v1::HealthAck {
                    received: report.events.len() as u32,
                };
                if tx.send(Ok(ack)).await.is_err() {
                    break;
                }
            }
        });
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        )))
    }
}

/// Checks the cluster token on every call (`authorization: Bearer <token>`). Without a
/// configured token every caller is accepted (single-host development only; a warning is logged
/// at start).
#[derive(Clone)]
pub struct ClusterAuth {
    digest: Option<String>,
}

impl ClusterAuth {
    pub fn new(token: Option<&str>) -> Self {
        ClusterAuth {
            digest: token.map(gproxy_config::digest::key_digest),
        }
    }
}

impl tonic::service::Interceptor for ClusterAuth {
    fn call(&mut self, req: Request<()>) -> Result<Request<()>, Status> {
        let Some(want) = &self.digest else {
            return Ok(req);
        };
        let presented = req
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| gproxy_config::digest::key_digest(t.trim()));
        match presented {
            Some(d)
                if d.len() == want.len()
                    && d.bytes()
                        .zip(want.bytes())
                        .fold(0u8, |a, (x, y)| a | (x ^ y))
                        == 0 =>
            {
                Ok(req)
            }
            _ => Err(Status::unauthenticated("invalid cluster token")),
        }
    }
}
