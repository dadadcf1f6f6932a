//! `gproxy-bench-loadgen`: a small HTTP/1.1 load generator for the side-by-side benchmarks.
//! Closed loop or fixed rate; for streams it times the first `data:` event and the gaps between
//! event-carrying reads. Prints one JSON report.

pub mod args;
pub mod run;
pub mod sse;
pub mod stats;

pub use args::{Args, USAGE};
pub use run::run;
