//! `StreamConfig`: after the data plane's Hello, a full snapshot, then for every published
//! version a delta against what this stream last sent. A NACK of a delta is answered with a full
//! snapshot; a NACK of a full snapshot waits for the next version.

use std::sync::Arc;

use gproxy_proto::tonic::{Request, Response, Status, Streaming};
use gproxy_proto::v1::{self, config_request, config_response};

use tokio::sync::watch;

use super::{stopped, Out};
use crate::publish::Published;
use crate::registry::Registry;
use crate::service::ConfigService;

fn full(p: &Published, epoch: &str) -> v1::ConfigResponse {
    v1::ConfigResponse {
        schema: gproxy_proto::SCHEMA,
        version: p.version,
        base_version: 0,
        epoch: epoch.to_owned(),
        kind: Some(config_response::Kind::Full(v1::Snapshot::from(
            p.snapshot.as_ref(),
        ))),
    }
}

fn delta(prev: &Published, p: &Published, epoch: &str) -> v1::ConfigResponse {
    v1::ConfigResponse {
        schema: gproxy_proto::SCHEMA,
        version: p.version,
        base_version: prev.version,
        epoch: epoch.to_owned(),
        kind: Some(config_response::Kind::Delta(gproxy_proto::delta::diff(
            &prev.snapshot,
            &p.snapshot,
        ))),
    }
}

pub async fn serve(
    svc: Arc<ConfigService>,
    registry: Arc<Registry>,
    mut stop: watch::Receiver<bool>,
    req: Request<Streaming<v1::ConfigRequest>>,
) -> Result<Response<Out<v1::ConfigResponse>>, Status> {
    let peer = req.remote_addr().map(|a| a.to_string());
    let mut inbound = req.into_inner();
    let hello = match inbound.message().await? {
        Some(v1::ConfigRequest {
            kind: Some(config_request::Kind::Hello(h)),
        }) => h,
        _ => return Err(Status::invalid_argument("the first message must be Hello")),
    };
    if hello.node_id.is_empty() {
        return Err(Status::invalid_argument("Hello.node_id is required"));
    }
    let node = hello.node_id.clone();
    registry.connected(&node, &hello.release, peer, hello.last_applied);
    tracing::info!(node = %node, release = %hello.release, last_applied = hello.last_applied, "data plane connected");
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let mut watch = svc.publisher.subscribe();
    // resume: a data plane that applied a version this store published recently gets a delta
    // from it (or nothing, when it is current) instead of the whole snapshot
    let resumed = (hello.last_applied > 0 && !hello.epoch.is_empty() && hello.epoch == svc.epoch)
        .then(|| svc.publisher.recent(hello.last_applied))
        .flatten();
    if let Some(r) = &resumed {
        registry.update(&node, |i| {
            i.sent_version = r.version;
            i.applied_version = r.version;
        });
        tracing::info!(node = %node, from = r.version, "resuming the config stream with deltas");
    }
    tokio::spawn(async move {
        let epoch = svc.epoch.clone();
        let mut pending_full = resumed.is_none();
        let mut last_sent: Option<Arc<Published>> = resumed;
        loop {
            let current = watch.borrow_and_update().clone();
            // version 0 = nothing configured yet: the data plane stays not-ready until there is
            let unsent =
                last_sent.as_ref().map(|l| l.version) != Some(current.version) || pending_full;
            if current.version > 0 && unsent {
                let msg = match (&last_sent, pending_full) {
                    (Some(prev), false) => delta(prev, &current, &epoch),
                    _ => full(&current, &epoch),
                };
                if tx.send(Ok(msg)).await.is_err() {
                    break;
                }
                registry.update(&node, |i| i.sent_version = current.version);
                last_sent = Some(current);
                pending_full = false;
            }
            tokio::select! {
                _ = stopped(&mut stop) => break,
                changed = watch.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
                msg = inbound.message() => match msg {
                    Ok(Some(v1::ConfigRequest { kind: Some(config_request::Kind::Ack(ack)) })) => {
                        if ack.ok {
                            registry.update(&node, |i| {
                                i.applied_version = ack.version;
                                i.last_error = None;
                            });
                        } else {
                            tracing::warn!(node = %node, version = ack.version, error = %ack.error, "data plane rejected a snapshot");
                            let was_delta = last_sent.as_ref().is_some_and(|l| l.version == ack.version);
                            registry.update(&node, |i| i.last_error = Some(ack.error.clone()));
                            // a rejected delta may be a base mismatch: resend in full once
                            pending_full = was_delta;
                        }
                    }
                    Ok(Some(_)) => {}
                    Ok(None) | Err(_) => break,
                },
            }
        }
        registry.disconnected(&node);
        tracing::info!(node = %node, "data plane disconnected");
    });
    Ok(Response::new(Box::pin(
        tokio_stream::wrappers::ReceiverStream::new(rx),
    )))
}
