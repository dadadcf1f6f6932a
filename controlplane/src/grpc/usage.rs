//! `StreamUsage`: each batch is committed (duplicates by request id ignored) before its ACK, so a
//! data plane that re-sends after a reconnect never double-counts.

use std::sync::Arc;

use gproxy_config::usage::UsageRecord;
use gproxy_proto::tonic::{Request, Response, Status, Streaming};
use gproxy_proto::v1;

use tokio::sync::watch;

use super::{stopped, Out};
use crate::service::ConfigService;

pub fn serve(
    svc: Arc<ConfigService>,
    mut stop: watch::Receiver<bool>,
    req: Request<Streaming<v1::UsageBatch>>,
) -> Result<Response<Out<v1::UsageAck>>, Status> {
    let mut inbound = req.into_inner();
    let (tx, rx) = tokio::sync::mpsc::channel(8);
    tokio::spawn(async move {
        loop {
            // a batch being committed is finished and acknowledged; the stop is seen between
            // batches (what is not acknowledged is re-sent by the data plane)
            let batch = tokio::select! {
                m = inbound.message() => match m {
                    Ok(Some(b)) => b,
                    Ok(None) | Err(_) => break,
                },
                _ = stopped(&mut stop) => break,
            };
            let mut records = Vec::with_capacity(batch.records.len());
            for r in batch.records {
                match UsageRecord::try_from(r) {
                    Ok(rec) => records.push(rec),
                    // a malformed record would be re-sent forever: log it and acknowledge
                    Err(e) => {
                        tracing::error!(node = %batch.node_id, error = %e, "malformed usage record dropped")
                    }
                }
            }
            let ack = match svc.store.insert_usage(&records).await {
                Ok((accepted, duplicates)) => Ok(v1::UsageAck {
                    batch_id: batch.batch_id,
                    accepted,
                    duplicates,
                }),
                Err(e) => {
                    tracing::error!(error = %e, "usage commit failed; the data plane will re-send");
                    Err(Status::unavailable("usage store unavailable"))
                }
            };
            let failed = ack.is_err();
            if tx.send(ack).await.is_err() || failed {
                break;
            }
        }
    });
    Ok(Response::new(Box::pin(
        tokio_stream::wrappers::ReceiverStream::new(rx),
    )))
}
