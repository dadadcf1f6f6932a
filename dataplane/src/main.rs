//! `gproxy-dataplane`: parse flags, load the snapshot source, serve.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use gproxy_config::{Bundle, Snapshot};
use gproxy_dataplane::accesslog::{AccessLog, Format as AccessFormat};
use gproxy_dataplane::control::{self, ControlOptions, TlsFiles};
use gproxy_dataplane::http::ServeOptions;
use gproxy_dataplane::logwriter::BatchWriter;
use gproxy_dataplane::{App, Options};

/// mimalloc, with arenas committed lazily (`build.rs`, `src/mimalloc_options.c`): glibc malloc was
/// a fifth of a translated request's instructions.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "gproxy-dataplane",
    version,
    about = "gproxy data plane: the LLM request pipeline"
)]
struct Args {
    /// HTTP listen address for the API.
    #[arg(long, env = "GPROXY_LISTEN", default_value = "0.0.0.0:8080")]
    listen: SocketAddr,
    /// Control plane gRPC URL (ignored with --bundle).
    #[arg(
        long,
        env = "GPROXY_CONTROLPLANE",
        default_value = "http://127.0.0.1:8082"
    )]
    controlplane: String,
    /// Run standalone from a bundle file (JSON or YAML) instead of a control plane.
    #[arg(long, env = "GPROXY_BUNDLE_FILE")]
    bundle: Option<PathBuf>,
    /// Standalone mode: append usage records to this JSONL file.
    #[arg(long, env = "GPROXY_USAGE_LOG")]
    usage_log: Option<PathBuf>,
    /// Log format: `text` or `json`.
    #[arg(long, env = "GPROXY_LOG_FORMAT", default_value = "text")]
    log_format: String,
    /// Worker threads (default: number of cores).
    #[arg(long, env = "GPROXY_WORKERS")]
    workers: Option<usize>,
    /// Seconds to let in-flight requests and streams finish on shutdown.
    #[arg(long, env = "GPROXY_DRAIN_SECONDS", default_value_t = 30)]
    drain_seconds: u64,
    /// This data plane's name at the control plane (default: hostname-pid).
    #[arg(long, env = "GPROXY_NODE_ID")]
    node_id: Option<String>,
    /// Shared secret the control plane expects (`authorization: Bearer` on every stream).
    #[arg(long, env = "GPROXY_CLUSTER_TOKEN", hide_env_values = true)]
    cluster_token: Option<String>,
    /// PEM CA bundle to verify the control plane with (implies TLS).
    #[arg(long, env = "GPROXY_TLS_CA")]
    tls_ca: Option<PathBuf>,
    /// PEM client certificate for mTLS to the control plane (with --tls-key).
    #[arg(long, env = "GPROXY_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "GPROXY_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// Also serve cleartext HTTP/2 (prior knowledge) on the API port, next to HTTP/1.1.
    #[arg(long, env = "GPROXY_HTTP2")]
    http2: bool,
    /// Where usage records wait on disk while the control plane cannot take them.
    #[arg(long, env = "GPROXY_SPOOL_DIR", default_value = "./data/spool")]
    spool_dir: PathBuf,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let logs = init_tracing(&args.log_format);
    let access = AccessLog::new(
        logs.clone(),
        if args.log_format == "json" {
            AccessFormat::Json
        } else {
            AccessFormat::Text
        },
    );
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    if let Some(w) = args.workers {
        rt.worker_threads(w.max(1));
    }
    let rt = match rt.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let code = match rt.block_on(run(args, access)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "data plane failed");
            std::process::ExitCode::FAILURE
        }
    };
    logs.flush();
    code
}

fn init_tracing(format: &str) -> BatchWriter {
    use std::io::IsTerminal as _;
    let filter = tracing_subscriber::EnvFilter::try_from_env("GPROXY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let writer = BatchWriter::start();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal())
        .with_writer(writer.clone());
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
    writer
}

async fn run(args: Args, access: AccessLog) -> Result<(), Box<dyn std::error::Error>> {
    let opts = Options {
        access_log: Some(access),
        ..Options::default()
    };
    let app = App::new(&opts)?;
    let mut control = None;
    let mut usage_log = None;
    match &args.bundle {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let text = gproxy_config::env::expand(&text, |n| std::env::var(n).ok())?;
            let bundle = Bundle::parse(&text)?;
            let snap = Snapshot::from_bundle(&bundle, 1)?;
            app.apply(&snap)?;
            tracing::info!(path = %path.display(), providers = snap.providers.len(), routes = snap.routes.len(), "bundle loaded");
            if let Some(path) = args.usage_log.clone() {
                let log = gproxy_dataplane::usage::write_jsonl(app.outbox.clone(), path.clone())
                    .map_err(|e| format!("cannot open usage log {}: {e}", path.display()))?;
                usage_log = Some(log);
            }
        }
        None => {
            let mut c = ControlOptions::new(
                args.controlplane.clone(),
                args.node_id
                    .clone()
                    .unwrap_or_else(control::default_node_id),
            );
            c.cluster_token = args.cluster_token.clone();
            c.tls = TlsFiles {
                ca: args.tls_ca.clone(),
                cert: args.tls_cert.clone(),
                key: args.tls_key.clone(),
            };
            c.usage.spool_dir = args.spool_dir.clone();
            tracing::info!(controlplane = %c.url, node_id = %c.node_id, "waiting for the first snapshot from the control plane");
            control = Some(control::start(app.clone(), c)?);
        }
    }
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    tracing::info!(listen = %listener.local_addr()?, "data plane listening");
    let drain = Duration::from_secs(args.drain_seconds);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let serve_opts = ServeOptions {
        http2: args.http2,
        ..ServeOptions::default()
    };
    let server = gproxy_dataplane::http::serve(listener, app, serve_opts, async move {
        shutdown_signal().await;
        tracing::info!("shutting down: draining in-flight requests");
        let _ = tx.send(());
    });
    tokio::select! {
        () = server => {}
        _ = async { let _ = rx.await; tokio::time::sleep(drain).await } => {
            tracing::warn!("drain period over; closing remaining connections");
        }
    };
    if let Some(c) = control {
        // usage not yet acknowledged goes to the spool for the next start
        c.shutdown().await;
    }
    if let Some(log) = usage_log {
        log.finish();
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
