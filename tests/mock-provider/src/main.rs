//! `gproxy-mock-provider`: the mock as a standalone server for benchmarks and manual runs.

use std::net::SocketAddr;
use std::process::ExitCode;

use gproxy_mock_provider::{MockConfig, MockProvider};

const USAGE: &str = "usage: gproxy-mock-provider [options]
  --listen ADDR:PORT        address to bind (default 127.0.0.1:9001)
  --threads N               tokio worker threads (default: one per core)
  --latency-ms MS           delay before the first byte
  --chunks N                pieces per streamed text (default 4)
  --chunk-delay-ms MS       pause between streamed pieces
  --pad-bytes N             filler characters appended to every text reply
  --status CODE             inject this error status
  --probability P           chance of the injected status, 0.0-1.0 (default 1)
  --seed N                  seed of the fault draws
  --retry-after SECS        retry-after sent with the injected status
  --drop-after-chunks N     cut streams after N events
  --required-key KEY        answer 401 unless this key is sent
  --record N                requests kept for /__mock/stats (default 64, 0 = none)";

struct Args {
    config: MockConfig,
    threads: Option<usize>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut config = MockConfig {
        listen: Some(SocketAddr::from(([127, 0, 0, 1], 9001))),
        ..MockConfig::default()
    };
    let mut threads = None;
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |_| format!("bad value for {flag}: {value}");
        match flag.as_str() {
            "--listen" => config.listen = Some(value.parse().map_err(|_| bad(()))?),
            "--threads" => threads = Some(value.parse::<usize>().map_err(|_| bad(()))?.max(1)),
            "--latency-ms" => config.latency_ms = value.parse().map_err(|_| bad(()))?,
            "--chunks" => config.chunks = value.parse().map_err(|_| bad(()))?,
            "--chunk-delay-ms" => config.chunk_delay_ms = value.parse().map_err(|_| bad(()))?,
            "--pad-bytes" => config.pad_bytes = value.parse().map_err(|_| bad(()))?,
            "--status" => config.status = Some(value.parse().map_err(|_| bad(()))?),
            "--probability" => config.probability = value.parse().map_err(|_| bad(()))?,
            "--seed" => config.seed = value.parse().map_err(|_| bad(()))?,
            "--retry-after" => config.retry_after = Some(value.parse().map_err(|_| bad(()))?),
            "--drop-after-chunks" => {
                config.drop_after_chunks = Some(value.parse().map_err(|_| bad(()))?)
            }
            "--required-key" => config.required_key = Some(value),
            "--record" => config.record_requests = value.parse().map_err(|_| bad(()))?,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    Ok(Args { config, threads })
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.threads {
        builder.worker_threads(n);
    }
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        match MockProvider::start(args.config).await {
            Ok(handle) => {
                println!("listening on {}", handle.addr());
                // runs until the process is killed
                std::future::pending::<()>().await;
                drop(handle);
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cannot bind: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    fn args(s: &str) -> Result<Args, String> {
        parse(s.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn flags_fill_the_config() {
        let a = args("--listen 0.0.0.0:9100 --threads 2 --latency-ms 5 --chunks 10 --chunk-delay-ms 3 --pad-bytes 1048576 --status 429 --retry-after 2").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            a.config.listen,
            Some(SocketAddr::from(([0, 0, 0, 0], 9100)))
        );
        assert_eq!(a.threads, Some(2));
        assert_eq!(
            (
                a.config.latency_ms,
                a.config.chunks,
                a.config.chunk_delay_ms
            ),
            (5, 10, 3)
        );
        assert_eq!(a.config.pad_bytes, 1 << 20);
        assert_eq!(
            (a.config.status, a.config.retry_after),
            (Some(429), Some(2))
        );
        assert_eq!(
            args("").map(|a| a.config.listen).ok().flatten(),
            Some(SocketAddr::from(([127, 0, 0, 1], 9001)))
        );
        assert!(args("--chunks many").is_err());
        assert!(args("--bogus 1").is_err());
        assert!(args("--listen").is_err());
    }
}
