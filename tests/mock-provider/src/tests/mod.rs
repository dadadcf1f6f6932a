//! End-to-end tests over real HTTP against a running mock.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod anthropic;
mod client;
mod faults;
mod gemini;
mod load;
mod openai;
mod stats;
