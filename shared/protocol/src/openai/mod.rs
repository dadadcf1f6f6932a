//! OpenAI wire models: Chat Completions, Responses, and the shared models/embeddings/error bodies.

pub mod chat;
pub mod common;
pub mod responses;
