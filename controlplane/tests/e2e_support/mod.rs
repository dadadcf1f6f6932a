//! Harness of the end-to-end tests: a control plane started in-process on a temp SQLite file or
//! an isolated PostgreSQL schema, N data planes in-process subscribed to it over gRPC, a mock
//! provider, and helpers to change the configuration and wait until every data plane runs it.
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

pub mod bundle;
pub mod db;
pub mod http;
pub mod relay;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use gproxy_controlplane::server::{self, Options, Running};
use gproxy_dataplane::control::{self, usage::UsageOptions, Control, ControlOptions};
use gproxy_dataplane::{App, AppState};
use gproxy_mock_provider::{MockConfig, MockHandle, MockProvider};
use tokio::task::JoinHandle;

pub use db::TestDb;
#[allow(unused_imports)]
pub use http::{chat, error_code, reply_text, Admin, Answer};

pub const ADMIN_TOKEN: &str = "gpa-e2e-admin-token-0001";
pub const CLUSTER_TOKEN: &str = "e2e-cluster-token-0001";
pub const MASTER_KEY: &str = "e2e-master-key";

/// Options of an in-process control plane on `db`; port 0 unless given.
pub fn cp_options(db: &TestDb, http: Option<SocketAddr>, grpc: Option<SocketAddr>) -> Options {
    let any: SocketAddr = "127.0.0.1:0".parse().unwrap();
    Options {
        listen: http.unwrap_or(any),
        grpc_listen: grpc.unwrap_or(any),
        database_url: db.url.clone(),
        data_dir: db.path().join("cp"),
        admin_token: Some(ADMIN_TOKEN.to_owned()),
        master_key: Some(MASTER_KEY.to_owned()),
        cluster_token: Some(CLUSTER_TOKEN.to_owned()),
        boot_bundle: None,
        tls: None,
        spend_refresh: std::time::Duration::from_millis(200),
    }
}

/// One in-process data plane: the app, its HTTP server and its control-plane streams.
pub struct Dataplane {
    pub node_id: String,
    pub app: AppState,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub control: Option<Control>,
    pub spool_dir: PathBuf,
    task: JoinHandle<()>,
}

impl Drop for Dataplane {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Dataplane {
    /// The version of the snapshot it serves.
    pub fn version(&self) -> u64 {
        self.app.runtime().version
    }

    /// Full snapshots it applied so far.
    pub fn full_snapshots(&self) -> u64 {
        self.status()
            .full_snapshots
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn status(&self) -> &gproxy_dataplane::control::Status {
        &self.control.as_ref().expect("connected").status
    }
}

/// How a data plane is started.
#[derive(Debug, Clone)]
pub struct DpOptions {
    pub outbox_capacity: usize,
    pub batch_max: usize,
    pub interval: Duration,
}

impl Default for DpOptions {
    fn default() -> Self {
        DpOptions {
            outbox_capacity: 100_000,
            batch_max: 200,
            interval: Duration::from_millis(50),
        }
    }
}

/// Start a data plane subscribed to the control plane at `grpc`.
pub async fn start_dataplane(
    grpc: SocketAddr,
    node_id: &str,
    spool_dir: PathBuf,
    o: &DpOptions,
) -> Dataplane {
    let app = App::new(&gproxy_dataplane::Options {
        outbox_capacity: o.outbox_capacity,
        connect_timeout: Duration::from_secs(2),
        access_log: None,
    })
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(gproxy_dataplane::http::serve(
        listener,
        app.clone(),
        gproxy_dataplane::http::ServeOptions::default(),
        std::future::pending(),
    ));
    let mut c = ControlOptions::new(format!("http://{grpc}"), node_id);
    c.cluster_token = Some(CLUSTER_TOKEN.to_owned());
    c.backoff_min = Duration::from_millis(20);
    c.backoff_max = Duration::from_millis(200);
    c.usage = UsageOptions {
        spool_dir: spool_dir.clone(),
        batch_max: o.batch_max,
        interval: o.interval,
        window: 16,
    };
    let control = control::start(app.clone(), c).unwrap();
    Dataplane {
        node_id: node_id.to_owned(),
        app,
        url: format!("http://{addr}"),
        control: Some(control),
        spool_dir,
        task,
    }
}

/// A control plane, its data planes and one mock upstream.
pub struct Cluster {
    pub db: TestDb,
    /// `None` while stopped.
    pub cp: Option<Running>,
    pub http_addr: SocketAddr,
    pub grpc_addr: SocketAddr,
    pub admin: Admin,
    pub dps: Vec<Dataplane>,
    pub mock: MockHandle,
    /// The client's HTTP client for data-plane calls.
    pub client: wreq::Client,
    pub dp_options: DpOptions,
}

impl Cluster {
    /// A control plane on `db` (empty configuration) and `n` data planes.
    pub async fn start(db: TestDb, n: usize) -> Cluster {
        Cluster::start_with(db, n, DpOptions::default()).await
    }

    pub async fn start_with(db: TestDb, n: usize, dp_options: DpOptions) -> Cluster {
        let running = server::start(cp_options(&db, None, None))
            .await
            .expect("control plane starts");
        let mock = MockProvider::start(MockConfig {
            record_requests: 0,
            ..MockConfig::default()
        })
        .await
        .expect("mock starts");
        let mut c = Cluster {
            http_addr: running.http_addr,
            grpc_addr: running.grpc_addr,
            admin: Admin::new(format!("http://{}", running.http_addr), ADMIN_TOKEN),
            cp: Some(running),
            db,
            dps: Vec::new(),
            mock,
            client: wreq::Client::new(),
            dp_options,
        };
        for _ in 0..n {
            c.add_dataplane().await;
        }
        c
    }

    /// Start one more data plane; its index in `dps`.
    pub async fn add_dataplane(&mut self) -> usize {
        let i = self.dps.len();
        let node = format!("dp-{i}");
        let spool = self.db.path().join(format!("spool-{i}"));
        let dp = start_dataplane(self.grpc_addr, &node, spool, &self.dp_options).await;
        self.dps.push(dp);
        i
    }

    /// A data plane that reaches the control plane through a [`relay::Relay`] (to cut).
    pub async fn add_relayed_dataplane(&mut self) -> (usize, relay::Relay) {
        let relay = relay::Relay::start(self.grpc_addr).await;
        let i = self.dps.len();
        let node = format!("dp-{i}");
        let spool = self.db.path().join(format!("spool-{i}"));
        let dp = start_dataplane(relay.addr, &node, spool, &self.dp_options).await;
        self.dps.push(dp);
        (i, relay)
    }

    pub fn running(&self) -> &Running {
        self.cp.as_ref().expect("the control plane is running")
    }

    /// The published version.
    pub fn published(&self) -> u64 {
        self.running().svc.publisher.current().version
    }

    /// Stop the control plane (both servers), within `limit`.
    pub async fn stop_controlplane(&mut self, limit: Duration) {
        let running = self.cp.take().expect("running");
        tokio::time::timeout(limit, running.stop())
            .await
            .expect("the control plane stops in time");
    }

    /// Start the control plane again on the same database and the same ports.
    pub async fn restart_controlplane(&mut self) {
        assert!(self.cp.is_none(), "stop it first");
        let opts = cp_options(&self.db, Some(self.http_addr), Some(self.grpc_addr));
        let deadline = Instant::now() + Duration::from_secs(5);
        let running = loop {
            match server::start(opts.clone()).await {
                Ok(r) => break r,
                // the old listener may take a moment to let go of the port
                Err(e) if Instant::now() < deadline => {
                    eprintln!("restart: {e}; retrying");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("control plane restart: {e}"),
            }
        };
        self.cp = Some(running);
    }

    /// Apply a whole bundle; the new version.
    pub async fn apply(&self, text: &str) -> u64 {
        let a = self.admin.put_bundle(text).await;
        self.admin.expect_version(a).await
    }

    /// Wait until every data plane serves at least `version`.
    pub async fn wait_version(&self, version: u64, limit: Duration) {
        let deadline = Instant::now() + limit;
        loop {
            if self.dps.iter().all(|d| d.version() >= version) {
                return;
            }
            if Instant::now() >= deadline {
                let got: Vec<_> = self
                    .dps
                    .iter()
                    .map(|d| (d.node_id.clone(), d.version()))
                    .collect();
                panic!("data planes did not reach version {version} in {limit:?}: {got:?}");
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Chat Completions on data plane `i`.
    pub async fn chat(&self, i: usize, key: &str, model: &str, prompt: &str) -> Answer {
        chat(&self.client, &self.dps[i].url, key, model, prompt, None)
            .await
            .expect("the data plane answers")
    }

    /// Wait until the store holds `n` usage records (or `limit` passes); the count.
    pub async fn wait_usage(&self, n: u64, limit: Duration) -> u64 {
        let deadline = Instant::now() + limit;
        loop {
            let c = self.running().svc.store.count_usage().await.unwrap();
            if c >= n || Instant::now() >= deadline {
                return c;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stop everything in order (data-plane streams first).
    pub async fn shutdown(mut self) {
        for d in &mut self.dps {
            if let Some(c) = d.control.take() {
                c.shutdown().await;
            }
        }
        if let Some(r) = self.cp.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), r.stop()).await;
        }
    }
}

/// Wait until `f` holds (polling every 5 ms) or panic with `what` after `limit`.
pub async fn eventually<F, Fut>(limit: Duration, what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + limit;
    while !f().await {
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A control plane with the base bundle applied and `n` data planes running it; its version.
pub async fn with_base(db: TestDb, n: usize) -> (Cluster, u64) {
    let c = Cluster::start(db, n).await;
    let v = c.apply(&bundle::base(&c.mock.url())).await;
    c.wait_version(v, Duration::from_secs(5)).await;
    (c, v)
}

/// `items[].name` of a listing.
pub fn names(list: &Answer) -> Vec<String> {
    list.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a listing: {list:?}"))
        .iter()
        .map(|i| i["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Chat Completions on data plane 0 with the prompt `ping`: `(status, error code or reply text)`.
pub async fn ask(c: &Cluster, key: &str, model: &str) -> (u16, String) {
    let a = c.chat(0, key, model, "ping").await;
    let what = if a.status == 200 {
        assert_eq!(reply_text(&a), "mock reply to: ping");
        a.body["model"].as_str().unwrap_or_default().to_owned()
    } else {
        error_code(&a)
    };
    (a.status, what)
}

/// `on_both_backends!(scenario, ...)`: a `sqlite` and a `postgres` test per
/// `async fn scenario(TestDb)` (the PostgreSQL one skips without `GPROXY_TEST_POSTGRES_URL`).
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::e2e_support::TestDb::sqlite()).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(db) = $crate::e2e_support::TestDb::postgres().await else {
                    return;
                };
                super::$name(db).await;
            }
        }
    )*};
}
