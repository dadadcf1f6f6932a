//! OpenAI family: Chat Completions, Responses, embeddings and models.

mod chat;
mod misc;
mod responses;

pub use chat::chat_completions;
pub use misc::{embeddings, get_model, input_tokens, list_models};
pub use responses::responses;
