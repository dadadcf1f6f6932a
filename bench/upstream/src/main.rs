//! `bench-upstream`: parse flags, start the runtime, serve until killed.

use std::process::ExitCode;

use gproxy_bench_upstream::{serve, Config, USAGE};

fn main() -> ExitCode {
    let config = match Config::parse(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.threads)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(config.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("cannot bind {}: {e}", config.listen);
                return ExitCode::FAILURE;
            }
        };
        match serve(listener, config) {
            Ok((addr, task)) => {
                println!("listening on {addr}");
                let _ = task.await;
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cannot serve: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
