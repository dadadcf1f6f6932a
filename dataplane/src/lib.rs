//! gproxy data plane: the stateless request pipeline (DESIGN.md §4), run from one immutable
//! snapshot behind one `ArcSwap`. `main.rs` only parses flags and wires these parts.

// build.rs links a constructor that sets mimalloc options into this library: keep libmimalloc
// linked into every binary that links it (the bench forwarder, the tests), not only the data
// plane, whose allocator it is.
#[cfg(feature = "mimalloc")]
use libmimalloc_sys as _;

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
