//! `bench-loadgen`: parse flags, read the body, run, print the JSON report.

use std::process::ExitCode;

use gproxy_bench_loadgen::{run, Args, USAGE};

fn main() -> ExitCode {
    let mut args = match Args::parse(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if let Some(path) = &args.body_file {
        match std::fs::read(path) {
            Ok(b) => args.body = b.into(),
            Err(e) => {
                eprintln!("cannot read {path}: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(args.threads)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let report = runtime.block_on(run(args));
    println!("{report}");
    ExitCode::SUCCESS
}
