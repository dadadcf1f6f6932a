//! The data plane against an in-process fake control plane: snapshots and deltas over
//! `StreamConfig` (ACK/NACK, last good snapshot kept, reconnects), usage over `StreamUsage`
//! (at least once, spooled to disk, exactly once by request id at the control plane), health
//! events, and the cluster token.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../common/mod.rs"]
mod common;
mod config;
mod fake;
mod usage;

use std::path::PathBuf;
use std::time::Duration;

use gproxy_config::Snapshot;
use gproxy_dataplane::control::{self, Control, ControlOptions};
use gproxy_dataplane::{App, AppState, Options};
use gproxy_proto::v1::{config_response::Kind as RespKind, ConfigResponse};
use gproxy_proto::SCHEMA;
use tokio::task::JoinHandle;

pub const TOKEN: &str = "cluster-secret";

/// A data plane in control-plane mode, serving HTTP on a real socket.
pub struct Dp {
    pub app: AppState,
    pub url: String,
    pub control: Option<Control>,
    pub http: wreq::Client,
    task: JoinHandle<()>,
}

impl Drop for Dp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Options for tests: fast reconnects, a private spool directory.
pub fn options(cp_url: &str, spool: &std::path::Path) -> ControlOptions {
    let mut o = ControlOptions::new(cp_url, "dp-test");
    o.cluster_token = Some(TOKEN.to_owned());
    o.backoff_min = Duration::from_millis(20);
    o.backoff_max = Duration::from_millis(200);
    o.usage.spool_dir = spool.to_owned();
    o.usage.interval = Duration::from_millis(50);
    o
}

pub async fn start_dp(app_opts: &Options, opts: ControlOptions) -> Dp {
    let app = App::new(app_opts).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(gproxy_dataplane::http::serve(
        listener,
        app.clone(),
        gproxy_dataplane::http::ServeOptions::default(),
        std::future::pending(),
    ));
    let control = control::start(app.clone(), opts).unwrap();
    Dp {
        app,
        url,
        control: Some(control),
        http: wreq::Client::new(),
        task,
    }
}

impl Dp {
    /// A non-stream chat request for `model` as alice: (status, request id).
    pub async fn chat(&self, model: &str) -> (u16, String) {
        let body =
            serde_json::json!({"model": model, "messages": [{"role": "user", "content": "hi"}]});
        let resp = self
            .http
            .post(format!("{}/v1/chat/completions", self.url))
            .header("authorization", format!("Bearer {}", common::ALICE))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let id = resp
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let _ = resp.bytes().await;
        (status, id)
    }

    pub async fn get_status(&self, path: &str) -> u16 {
        let resp = self
            .http
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .unwrap();
        resp.status().as_u16()
    }
}

pub fn full(s: &Snapshot) -> ConfigResponse {
    ConfigResponse {
        schema: SCHEMA,
        version: s.version,
        kind: Some(RespKind::Full(s.into())),
        base_version: 0,
        epoch: String::new(),
    }
}

pub fn delta(old: &Snapshot, new: &Snapshot) -> ConfigResponse {
    ConfigResponse {
        schema: SCHEMA,
        version: new.version,
        kind: Some(RespKind::Delta(gproxy_proto::delta::diff(old, new))),
        base_version: old.version,
        epoch: String::new(),
    }
}

/// The standard test bundle on `mock` as a snapshot of `version`.
pub fn standard(mock: &str, version: u64) -> Snapshot {
    common::snapshot(&common::standard_bundle(mock, common::SETTINGS), version)
}

pub fn any_addr() -> std::net::SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// A fresh, empty spool directory.
pub fn spool_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "gproxy-control-{tag}-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

pub fn spool_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0)
}
