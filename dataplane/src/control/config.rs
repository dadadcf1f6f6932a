//! Config subscriber: `StreamConfig` with a Hello, then each full snapshot or delta is converted,
//! validated, compiled and swapped in atomically, and ACKed; anything that fails is NACKed and the
//! previous snapshot keeps serving. Reconnects forever with backoff.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use gproxy_config::bundle::{Bundle, Key, Org, Role, Team, User};
use gproxy_config::Snapshot;
use gproxy_proto::v1::{
    config_request, config_response, Ack, ConfigRequest, ConfigResponse, Hello,
};
use gproxy_proto::{convert, delta, tonic, SCHEMA};
use tokio::sync::{mpsc, watch};

use super::link::{outbound, Link};
use super::{sleep_or_stop, stopped, Status};
use crate::app::{App, AppState};

/// Subscribe until stopped.
pub async fn run(app: AppState, link: Link, status: Arc<Status>, mut stop: watch::Receiver<bool>) {
    let mut last: Option<Snapshot> = None;
    // the control plane's store epoch of `last`: a reconnect resumes with a delta within it
    let mut epoch = String::new();
    let mut backoff = link.backoff();
    let mut failures = 0u32;
    loop {
        let result = tokio::select! {
            r = session(&app, &link, &status, &mut last, &mut epoch, &mut backoff) => r,
            _ = stopped(&mut stop) => return,
        };
        let served = last.as_ref().map_or(0, |s| s.version);
        let was_up = status.config_connected.swap(false, Ordering::Relaxed);
        match result {
            Ok(()) => {
                failures = 0;
                tracing::info!("control plane ended the config stream; reconnecting");
            }
            Err(e) => {
                failures = if was_up {
                    1
                } else {
                    failures.saturating_add(1)
                };
                if super::loud(failures) {
                    tracing::warn!(error = %e, failures, serving = served, "config stream failed; retrying");
                } else {
                    tracing::debug!(error = %e, failures, "config stream failed; retrying");
                }
            }
        }
        if sleep_or_stop(backoff.next_delay(), &mut stop).await {
            return;
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum StreamError {
    #[error("{}", super::status_line(.0))]
    Status(#[from] tonic::Status),
    #[error("the request stream closed")]
    Closed,
}

async fn session(
    app: &App,
    link: &Link,
    status: &Status,
    last: &mut Option<Snapshot>,
    epoch: &mut String,
    backoff: &mut super::Backoff,
) -> Result<(), StreamError> {
    let (tx, rx) = mpsc::channel::<ConfigRequest>(4);
    let hello = Hello {
        node_id: link.node_id.to_string(),
        release: env!("CARGO_PKG_VERSION").to_owned(),
        last_applied: last.as_ref().map_or(0, |s| s.version),
        schema: SCHEMA,
        epoch: epoch.clone(),
    };
    tx.send(request(config_request::Kind::Hello(hello)))
        .await
        .map_err(|_| StreamError::Closed)?;
    let mut inbound = link
        .client()
        .stream_config(outbound(rx))
        .await?
        .into_inner();
    status.config_connected.store(true, Ordering::Relaxed);
    tracing::info!(
        last_applied = last.as_ref().map_or(0, |s| s.version),
        "config stream open"
    );
    while let Some(resp) = inbound.message().await? {
        backoff.reset();
        let resp_epoch = resp.epoch.clone();
        let full = matches!(resp.kind, Some(config_response::Kind::Full(_)));
        let ack = handle(app, last, resp);
        if ack.ok {
            *epoch = resp_epoch;
            let n = if full {
                &status.full_snapshots
            } else {
                &status.deltas
            };
            n.fetch_add(1, Ordering::Relaxed);
            tracing::info!(version = ack.version, "snapshot applied");
        } else {
            status.nacks.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(version = ack.version, error = %ack.error, "snapshot rejected; the previous one keeps serving");
        }
        tx.send(request(config_request::Kind::Ack(ack)))
            .await
            .map_err(|_| StreamError::Closed)?;
    }
    Ok(())
}

fn request(kind: config_request::Kind) -> ConfigRequest {
    ConfigRequest { kind: Some(kind) }
}

/// Apply one response on top of `last` (the last applied snapshot, kept for deltas) and say how
/// it went. `last` and the serving snapshot change only on success.
pub fn handle(app: &App, last: &mut Option<Snapshot>, resp: ConfigResponse) -> Ack {
    let version = resp.version;
    let outcome = next_snapshot(last.as_ref(), resp).and_then(|snap| {
        if last.as_ref() != Some(&snap) {
            app.apply(&snap)
                .map_err(|e| format!("does not compile: {e}"))?;
        }
        *last = Some(snap);
        Ok(())
    });
    match outcome {
        Ok(()) => Ack {
            version,
            ok: true,
            error: String::new(),
        },
        Err(error) => Ack {
            version,
            ok: false,
            error,
        },
    }
}

/// The snapshot a response brings, converted and validated (not yet applied).
pub fn next_snapshot(last: Option<&Snapshot>, resp: ConfigResponse) -> Result<Snapshot, String> {
    if resp.schema > SCHEMA {
        return Err(format!(
            "schema {} is newer than this data plane's ({SCHEMA})",
            resp.schema
        ));
    }
    let snap = match resp.kind {
        Some(config_response::Kind::Full(full)) => {
            convert::snapshot(full, resp.version).map_err(|e| format!("snapshot.{e}"))?
        }
        Some(config_response::Kind::Delta(d)) => {
            let applied = last.map_or(0, |s| s.version);
            let base = last
                .filter(|s| s.version == resp.base_version)
                .ok_or_else(|| {
                    format!(
                        "delta from version {} but version {applied} is applied",
                        resp.base_version
                    )
                })?;
            delta::apply(base, &d, resp.version).map_err(|e| format!("delta.{e}"))?
        }
        None => return Err("neither a full snapshot nor a delta".to_owned()),
    };
    validate(&snap).map_err(|e| format!("invalid: {e}"))?;
    Ok(snap)
}

/// The bundle rules (cross references, names, values) checked on a snapshot.
pub fn validate(snap: &Snapshot) -> Result<(), gproxy_config::ValidationErrors> {
    let bundle = Bundle {
        providers: snap.providers.clone(),
        routes: snap.routes.clone(),
        aliases: snap.aliases.clone(),
        users: snap
            .users
            .iter()
            .map(|u| User {
                name: u.name.clone(),
                enabled: u.enabled,
                keys: u
                    .keys
                    .iter()
                    .map(|k| Key {
                        key: None,
                        digest: Some(k.digest.clone()),
                        name: Some(k.name.clone()),
                        enabled: k.enabled,
                    })
                    .collect(),
                permissions: u.permissions.clone(),
                limits: u.limits,
                quota: u.quota,
                team: u.team.clone(),
                role: Role::default(),
                password: None,
            })
            .collect(),
        orgs: snap
            .orgs
            .iter()
            .map(|o| Org {
                name: o.name.clone(),
                display_name: None,
                quota: o.quota,
            })
            .collect(),
        teams: snap
            .teams
            .iter()
            .map(|t| Team {
                name: t.name.clone(),
                org: t.parent.clone(),
                display_name: None,
                quota: t.quota,
            })
            .collect(),
        rule_sets: snap.rule_sets.clone(),
        settings: snap.settings,
    };
    bundle.validate()
}

#[cfg(test)]
mod tests;
