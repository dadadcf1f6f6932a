//! An in-process fake control plane: a real tonic server implementing `ControlPlane`, run on its
//! own thread and runtime so that `kill` drops every connection like a crashed process would.
//! It records Hellos, ACKs, usage (committed once per request id, deliveries counted) and health
//! events, and checks the cluster token.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::Stream;
use gproxy_proto::tonic::codegen::tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};
use gproxy_proto::tonic::{self, Request, Response, Status, Streaming};
use gproxy_proto::v1::{
    config_request, Ack, ConfigRequest, ConfigResponse, HealthAck, HealthEvent, HealthReport,
    Hello, UsageAck, UsageBatch,
};
use gproxy_proto::{ControlPlane, ControlPlaneServer};
use tokio::sync::mpsc;

type Out<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// What the fake control plane saw; survives restarts.
#[derive(Default)]
pub struct Shared {
    pub hellos: Mutex<Vec<Hello>>,
    pub acks: Mutex<Vec<Ack>>,
    /// Request id → times delivered (committed once, the rest are duplicates).
    pub usage: Mutex<HashMap<String, usize>>,
    /// Request ids in the order they were first committed.
    pub order: Mutex<Vec<String>>,
    pub health: Mutex<Vec<HealthEvent>>,
    /// Calls refused for a wrong or missing cluster token.
    pub rejected: AtomicUsize,
    /// Acknowledge usage batches (off: records arrive but stay unacknowledged).
    pub ack_usage: AtomicBool,
    /// Sent first on every new config stream.
    pub initial: Mutex<Option<ConfigResponse>>,
    /// The open config stream, to push responses or to drop it.
    config_tx: Mutex<Option<mpsc::Sender<Result<ConfigResponse, Status>>>>,
}

impl Shared {
    pub fn new(initial: Option<ConfigResponse>) -> Arc<Shared> {
        let s = Shared {
            ack_usage: AtomicBool::new(true),
            ..Default::default()
        };
        *s.initial.lock().unwrap() = initial;
        Arc::new(s)
    }

    /// Send on the open config stream.
    pub async fn push(&self, resp: ConfigResponse) {
        let tx = self.config_tx.lock().unwrap().clone();
        tx.expect("a config stream is open")
            .send(Ok(resp))
            .await
            .expect("config stream alive");
    }

    /// End the open config stream (the data plane sees it close).
    pub fn drop_config_stream(&self) {
        self.config_tx.lock().unwrap().take();
    }

    /// The ACK of `version` (waits up to 10 s).
    pub async fn ack_of(&self, version: u64) -> Ack {
        wait_for(&format!("ack of version {version}"), || {
            self.acks
                .lock()
                .unwrap()
                .iter()
                .rev()
                .find(|a| a.version == version)
                .cloned()
        })
        .await
    }

    pub fn delivered(&self) -> usize {
        self.usage.lock().unwrap().values().sum()
    }
}

/// Poll `f` every 20 ms until it gives a value (panics after 10 s).
pub async fn wait_for<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[derive(Clone)]
struct Service(Arc<Shared>);

#[tonic::async_trait]
impl ControlPlane for Service {
    type StreamConfigStream = Out<ConfigResponse>;
    type StreamUsageStream = Out<UsageAck>;
    type ReportHealthStream = Out<HealthAck>;

    async fn stream_config(
        &self,
        req: Request<Streaming<ConfigRequest>>,
    ) -> Result<Response<Self::StreamConfigStream>, Status> {
        let mut inbound = req.into_inner();
        let (tx, rx) = mpsc::channel(16);
        let initial = self.0.initial.lock().unwrap().clone();
        if let Some(first) = initial {
            tx.send(Ok(first)).await.ok();
        }
        *self.0.config_tx.lock().unwrap() = Some(tx);
        let shared = self.0.clone();
        tokio::spawn(async move {
            while let Ok(Some(m)) = inbound.message().await {
                match m.kind {
                    Some(config_request::Kind::Hello(h)) => shared.hellos.lock().unwrap().push(h),
                    Some(config_request::Kind::Ack(a)) => shared.acks.lock().unwrap().push(a),
                    None => {}
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn stream_usage(
        &self,
        req: Request<Streaming<UsageBatch>>,
    ) -> Result<Response<Self::StreamUsageStream>, Status> {
        let mut inbound = req.into_inner();
        let (tx, rx) = mpsc::channel(64);
        let shared = self.0.clone();
        tokio::spawn(async move {
            while let Ok(Some(batch)) = inbound.message().await {
                let (mut accepted, mut duplicates) = (0, 0);
                {
                    let mut usage = shared.usage.lock().unwrap();
                    for r in &batch.records {
                        let n = usage.entry(r.request_id.clone()).or_default();
                        *n += 1;
                        if *n == 1 {
                            accepted += 1;
                            shared.order.lock().unwrap().push(r.request_id.clone());
                        } else {
                            duplicates += 1;
                        }
                    }
                }
                if shared.ack_usage.load(Ordering::SeqCst) {
                    let ack = UsageAck {
                        batch_id: batch.batch_id,
                        accepted,
                        duplicates,
                    };
                    if tx.send(Ok(ack)).await.is_err() {
                        break;
                    }
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }

    async fn report_health(
        &self,
        req: Request<Streaming<HealthReport>>,
    ) -> Result<Response<Self::ReportHealthStream>, Status> {
        let mut inbound = req.into_inner();
        let (tx, rx) = mpsc::channel(16);
        let shared = self.0.clone();
        tokio::spawn(async move {
            while let Ok(Some(report)) = inbound.message().await {
                let received = report.events.len() as u32;
                shared.health.lock().unwrap().extend(report.events);
                if tx.send(Ok(HealthAck { received })).await.is_err() {
                    break;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(rx))))
    }
}

/// A running fake control plane.
pub struct FakeCp {
    pub addr: SocketAddr,
    pub shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeCp {
    /// Serve on `addr` (`127.0.0.1:0` for any port), accepting `token` only.
    pub fn start(shared: Arc<Shared>, addr: SocketAddr, token: &str) -> FakeCp {
        let listener = std::net::TcpListener::bind(addr).expect("bind the fake control plane");
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let expected = format!("Bearer {token}");
        let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let svc = Service(shared.clone());
        let counter = shared.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let check = move |req: Request<()>| {
                    let ok = req
                        .metadata()
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        == Some(expected.as_str());
                    if ok {
                        Ok(req)
                    } else {
                        counter.rejected.fetch_add(1, Ordering::SeqCst);
                        Err(Status::unauthenticated("bad cluster token"))
                    }
                };
                let server = tonic::transport::Server::builder()
                    .add_service(ControlPlaneServer::with_interceptor(svc, check))
                    .serve_with_incoming(TcpListenerStream::new(listener));
                tokio::select! {
                    _ = server => {}
                    _ = stop_rx => {}
                }
            });
            // dropping the runtime drops every connection task: the sockets close
            drop(rt);
        });
        FakeCp {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Crash: stop accepting and drop every connection.
    pub fn kill(mut self) -> (SocketAddr, Arc<Shared>) {
        self.shutdown();
        self.shared.drop_config_stream();
        (self.addr, self.shared.clone())
    }

    fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for FakeCp {
    fn drop(&mut self) {
        self.shutdown();
    }
}
