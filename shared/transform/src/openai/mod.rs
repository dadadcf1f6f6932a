//! OpenAI: Chat Completions and Responses, plus the parts both share (errors, models, embeddings).

pub mod chat;
pub mod common;
pub mod responses;
