//! Mock LLM provider speaking OpenAI, Anthropic and Gemini wire shapes, with injected faults (tests, benchmarks).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use gproxy_mock_provider::{MockConfig, MockProvider};
//! let mock = MockProvider::start(MockConfig::default()).await?;
//! // point the gateway at mock.url(), send traffic, then:
//! let stats = mock.stats();
//! assert_eq!(stats.count("/v1/chat/completions", 200), 0);
//! mock.update_config(|c| c.status = Some(529));
//! mock.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! See `docs/dev/mock-provider.md` for the answers, the knobs and the control endpoints.

mod admin;
mod anthropic;
mod body;
mod config;
mod conversation;
mod dispatch;
mod fault;
mod gemini;
mod handler;
mod openai;
mod plan;
mod reply;
mod route;
mod server;
mod stats;

#[cfg(test)]
mod tests;

pub use config::{MockConfig, HEADER_NAMES};
pub use plan::{args_from_schema, SIGNATURE};
pub use server::{MockHandle, MockProvider};
pub use stats::{RecordedRequest, StatsSnapshot};
