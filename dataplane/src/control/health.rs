//! Health reporter (best effort): breaker openings of route members and upstream credentials
//! (auth dead, rate limited, tripped) are batched once a second over `ReportHealth`. Events that
//! cannot be sent in time are dropped; cluster-wide decisions come back in the snapshot.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gproxy_proto::v1::{HealthEvent, HealthReport};
use tokio::sync::{mpsc, watch};

use super::link::{outbound, Link};
use super::{sleep_or_stop, stopped};
use crate::app::App;
use crate::health::Failure;

/// Events waiting at most; more are dropped.
const BUFFER: usize = 1024;
/// Events per report at most.
const REPORT_MAX: usize = 256;

/// Hook the breakers of `app` to a channel of events.
pub fn install(app: &App) -> mpsc::Receiver<HealthEvent> {
    let (tx, rx) = mpsc::channel(BUFFER);
    for (health, subject) in [(&app.health, "member"), (&app.cred_health, "credential")] {
        let tx = tx.clone();
        health.set_open_listener(Box::new(
            move |id: &Arc<str>, f: Failure, rest: Duration| {
                let _ = tx.try_send(event(subject, id, f, rest));
            },
        ));
    }
    rx
}

/// One breaker opening as a wire event.
pub fn event(subject: &str, id: &str, failure: Failure, rest: Duration) -> HealthEvent {
    let (event, status, retry_after_ms) = match failure {
        Failure::AuthDead => ("auth_dead", 0, 0),
        Failure::RateLimited(after) => (
            "rate_limited",
            429,
            after.map_or(0, |d| d.as_millis() as u64),
        ),
        Failure::Transient => ("breaker_open", 0, rest.as_millis() as u64),
    };
    HealthEvent {
        ts_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
        subject: subject.to_owned(),
        id: id.to_owned(),
        event: event.to_owned(),
        status,
        retry_after_ms,
    }
}

/// Report until stopped.
pub async fn run(
    mut events: mpsc::Receiver<HealthEvent>,
    link: Link,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = link.backoff();
    let mut pending: Vec<HealthEvent> = Vec::new();
    loop {
        let (tx, rx) = mpsc::channel::<HealthReport>(4);
        let mut client = link.client();
        let opened = tokio::select! {
            r = client.report_health(outbound(rx)) => r,
            _ = stopped(&mut stop) => return,
        };
        match opened {
            Ok(resp) => {
                backoff.reset();
                let mut inbound = resp.into_inner();
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                loop {
                    tokio::select! {
                        ev = events.recv() => match ev {
                            Some(ev) => pending.push(ev),
                            None => return,
                        },
                        _ = tick.tick() => {
                            while !pending.is_empty() {
                                let take = pending.len().min(REPORT_MAX);
                                let report = HealthReport {
                                    node_id: link.node_id.to_string(),
                                    events: pending.drain(..take).collect(),
                                };
                                if tx.try_send(report).is_err() {
                                    break;
                                }
                            }
                        }
                        m = inbound.message() => match m {
                            Ok(Some(_ack)) => {}
                            Ok(None) => break,
                            Err(e) => {
                                tracing::debug!(error = %e, "health stream failed");
                                break;
                            }
                        },
                        _ = stopped(&mut stop) => return,
                    }
                    pending.truncate(BUFFER);
                }
            }
            Err(e) => tracing::debug!(error = %e, "health stream refused"),
        }
        // best effort: what happened while away is stale by the time we are back
        pending.clear();
        while events.try_recv().is_ok() {}
        if sleep_or_stop(backoff.next_delay(), &mut stop).await {
            return;
        }
    }
}
