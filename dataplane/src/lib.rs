//! gproxy data plane: the stateless request pipeline (DESIGN.md §4), run from one immutable
//! snapshot behind one `ArcSwap`. `main.rs` only parses flags and wires these parts.

pub mod accesslog;
pub mod app;
pub mod auth;
pub mod channel;
pub mod classify;
pub mod control;
pub mod error;
pub mod health;
pub mod http;
pub mod ledger;
pub mod logwriter;
pub mod metrics;
pub mod models;
pub mod pipeline;
pub mod prepare;
pub mod respond;
pub mod routing;
pub mod runtime;
pub mod upstream;
pub mod usage;

pub use app::{App, AppState, Options};
