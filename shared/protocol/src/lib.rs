//! Operation taxonomy and typed serde wire models for OpenAI Chat Completions, OpenAI Responses,
//! Anthropic Messages and Gemini. Pure data: no IO, no async.
//!
//! Every wire struct keeps the fields it does not know in an `extra` map (`#[serde(flatten)]`), and
//! every enum that the providers grow has a catch-all variant, so a passthrough never drops data.

mod de;
pub mod raw;
pub mod taxonomy;

pub use raw::RawJson;
pub use taxonomy::{Family, Operation, OperationGroup, OperationKey, OperationKind};

pub mod anthropic;
pub mod gemini;
pub mod openai;
