//! `gproxy-bench-upstream`: a fast mock LLM upstream for the side-by-side benchmarks. Bodies are
//! precomputed at start, request bodies are only drained, and latency, size, stream pacing and
//! injected errors come from flags or per-request `x-bench-*` headers.

pub mod body;
pub mod config;
pub mod fault;
pub mod server;
pub mod shapes;

pub use config::{Answer, Config, Shape, StreamMode, USAGE};
pub use server::serve;
