//! `gproxy-controlplane`: parse flags, start, print the admin token once, wait for a signal.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use gproxy_config::Bundle;
use gproxy_controlplane::server::{self, Options, Tls};

#[derive(Parser, Debug)]
#[command(
    name = "gproxy-controlplane",
    version,
    about = "gproxy control plane: configuration, admin API, usage"
)]
struct Args {
    /// Admin API (and console) listen address.
    #[arg(long, env = "GPROXY_LISTEN", default_value = "0.0.0.0:8081")]
    listen: SocketAddr,
    /// gRPC listen address for data planes.
    #[arg(long, env = "GPROXY_GRPC_LISTEN", default_value = "0.0.0.0:8082")]
    grpc_listen: SocketAddr,
    /// `sqlite://PATH` or `postgres://...`.
    #[arg(
        long,
        env = "GPROXY_DATABASE_URL",
        default_value = "sqlite://./data/gproxy.db"
    )]
    database_url: String,
    /// Where the generated master key lives when GPROXY_MASTER_KEY is not set.
    #[arg(long, env = "GPROXY_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// Bootstrap admin bearer token (generated and printed once when absent).
    #[arg(long, env = "GPROXY_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Encrypts stored upstream secrets.
    #[arg(long, env = "GPROXY_MASTER_KEY", hide_env_values = true)]
    master_key: Option<String>,
    /// Token data planes must present on the gRPC streams.
    #[arg(long, env = "GPROXY_CLUSTER_TOKEN", hide_env_values = true)]
    cluster_token: Option<String>,
    /// Apply this bundle (JSON/YAML, `${ENV}` expanded) at start when it differs from the stored one.
    #[arg(long, env = "GPROXY_BUNDLE_FILE")]
    bundle: Option<PathBuf>,
    /// gRPC TLS certificate (PEM).
    #[arg(long, env = "GPROXY_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// gRPC TLS private key (PEM).
    #[arg(long, env = "GPROXY_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// CA that data-plane client certificates must chain to (enables mTLS).
    #[arg(long, env = "GPROXY_TLS_CLIENT_CA", requires = "tls_cert")]
    tls_client_ca: Option<PathBuf>,
    /// Seconds between checks of settled spend (published to data planes for quota admission).
    #[arg(long, env = "GPROXY_SPEND_REFRESH_SECONDS", default_value_t = 10)]
    spend_refresh_seconds: u64,
    /// Redis for shared counters (not used yet).
    #[arg(long, env = "GPROXY_REDIS_URL")]
    redis_url: Option<String>,
    /// `text` or `json`.
    #[arg(long, env = "GPROXY_LOG_FORMAT", default_value = "text")]
    log_format: String,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("GPROXY_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if args.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "control plane failed");
            std::process::ExitCode::FAILURE
        }
    }
}

fn read(path: &PathBuf) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let boot_bundle = match &args.bundle {
        Some(path) => {
            let text = gproxy_config::env::expand(&read(path)?, |n| std::env::var(n).ok())?;
            Some(Bundle::parse(&text)?)
        }
        None => None,
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(c), Some(k)) => Some(Tls {
            cert_pem: read(c)?,
            key_pem: read(k)?,
            client_ca_pem: args.tls_client_ca.as_ref().map(read).transpose()?,
        }),
        _ => None,
    };
    if args.redis_url.is_some() {
        tracing::warn!("GPROXY_REDIS_URL is set but shared counters are not implemented yet");
    }
    let running = server::start(Options {
        listen: args.listen,
        grpc_listen: args.grpc_listen,
        database_url: args.database_url,
        data_dir: args.data_dir,
        admin_token: args.admin_token,
        master_key: args.master_key,
        cluster_token: args.cluster_token,
        boot_bundle,
        tls,
        spend_refresh: std::time::Duration::from_secs(args.spend_refresh_seconds),
    })
    .await?;
    if let Some(token) = &running.generated_admin_token {
        // printed once, on the first start; only its digest is stored
        println!("admin token (shown once, store it now): {token}");
    }
    println!(
        "admin API: http://{}/admin/v1/   data-plane gRPC: {}",
        running.http_addr, running.grpc_addr
    );
    shutdown_signal().await;
    tracing::info!("shutting down");
    running.stop().await;
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
