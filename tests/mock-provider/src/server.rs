//! The listener: accepts TCP (NODELAY), serves HTTP/1.1 keep-alive and h2c, and the handle that controls it.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::MockConfig;
use crate::handler::{handle, Shared};
use crate::stats::StatsSnapshot;

/// Entry point of the library API.
pub struct MockProvider;

impl MockProvider {
    /// Bind `config.listen` (`127.0.0.1:0` when absent) and serve on the current tokio runtime.
    pub async fn start(config: MockConfig) -> io::Result<MockHandle> {
        let addr = config
            .listen
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = TcpListener::bind(addr).await?;
        Self::serve(listener, config)
    }

    /// Serve on a listener bound by the caller.
    pub fn serve(listener: TcpListener, config: MockConfig) -> io::Result<MockHandle> {
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(config));
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, shared.clone(), rx));
        Ok(MockHandle {
            addr,
            shared,
            shutdown: tx,
            task: Some(task),
        })
    }
}

/// A running mock. Dropping it stops the server too.
pub struct MockHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl MockHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, the base URL to point a client or gateway at.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Counts per path and status, and the last requests received.
    pub fn stats(&self) -> StatsSnapshot {
        self.shared.stats.snapshot()
    }

    pub fn reset_stats(&self) {
        self.shared.stats.reset();
    }

    pub fn config(&self) -> MockConfig {
        self.shared.config().as_ref().clone()
    }

    /// Replace the behaviour for the next requests (in-flight streams keep theirs).
    pub fn set_config(&self, config: MockConfig) {
        self.shared.set_config(config);
    }

    /// Change some fields of the current config.
    pub fn update_config(&self, change: impl FnOnce(&mut MockConfig)) {
        let mut config = self.config();
        change(&mut config);
        self.set_config(config);
    }

    /// Stop accepting, let open connections finish their in-flight request and close, and wait for the listener.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for MockHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(serve_connection(stream, shared.clone(), stop.clone()));
                }
                // out of file descriptors and the like: back off instead of spinning
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            },
            _ = stop.changed() => return,
        }
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let builder = auto::Builder::new(TokioExecutor::new());
    let service = service_fn(move |req| handle(shared.clone(), req));
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = conn.as_mut() => {}
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}
