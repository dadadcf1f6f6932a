//! `bench-forwarder`: parse flags, start the runtime, forward until killed.

use std::net::SocketAddr;
use std::process::ExitCode;

const USAGE: &str = "usage: bench-forwarder --upstream ADDR:PORT [--listen ADDR:PORT] [--workers N]
  --upstream ADDR:PORT   where every request goes
  --listen ADDR:PORT     address to bind (default 127.0.0.1:9200)
  --workers N            tokio worker threads (default 1)
  --client hyper|wreq    upstream client (default hyper; wreq collects both bodies, as gproxy)";

struct Args {
    listen: SocketAddr,
    upstream: SocketAddr,
    workers: usize,
    client: gproxy_bench_forwarder::ClientKind,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut listen = SocketAddr::from(([127, 0, 0, 1], 9200));
    let mut upstream = None;
    let mut workers = 1;
    let mut client = gproxy_bench_forwarder::ClientKind::Hyper;
    while let Some(flag) = args.next() {
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let v = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = || format!("bad value for {flag}: {v}");
        match flag.as_str() {
            "--listen" => listen = v.parse().map_err(|_| bad())?,
            "--upstream" => upstream = Some(v.parse().map_err(|_| bad())?),
            "--workers" => workers = v.parse::<usize>().map_err(|_| bad())?.max(1),
            "--client" => {
                client = match v.as_str() {
                    "hyper" => gproxy_bench_forwarder::ClientKind::Hyper,
                    "wreq" => gproxy_bench_forwarder::ClientKind::Wreq,
                    _ => return Err(bad()),
                }
            }
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    let upstream = upstream.ok_or("--upstream is required")?;
    Ok(Args {
        listen,
        upstream,
        workers,
        client,
    })
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.workers)
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
        let listener = match tokio::net::TcpListener::bind(args.listen).await {
            Ok(l) => l,
            Err(e) => {
                eprintln!("cannot bind {}: {e}", args.listen);
                return ExitCode::FAILURE;
            }
        };
        match gproxy_bench_forwarder::serve_with(listener, args.upstream, args.client) {
            Ok((addr, task)) => {
                println!("listening on {addr}, forwarding to {}", args.upstream);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Result<Args, String> {
        parse(s.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn flags() {
        let a = args("--upstream 127.0.0.1:9 --listen 127.0.0.1:8 --workers 3").unwrap();
        assert_eq!(a.upstream, SocketAddr::from(([127, 0, 0, 1], 9)));
        assert_eq!((a.listen.port(), a.workers), (8, 3));
        assert!(args("--listen 127.0.0.1:8").is_err());
        assert!(args("--upstream nowhere").is_err());
        assert!(args("--upstream 127.0.0.1:9 --workers").is_err());
        assert_eq!(a.client, gproxy_bench_forwarder::ClientKind::Hyper);
        let w = args("--upstream 127.0.0.1:9 --client wreq").unwrap();
        assert_eq!(w.client, gproxy_bench_forwarder::ClientKind::Wreq);
        assert!(args("--upstream 127.0.0.1:9 --client curl").is_err());
    }
}
