//! Gemini family: generateContent (plain and streamed), countTokens, embeddings and models.

mod generate;
mod misc;

pub use generate::generate;
pub use misc::{batch_embed_contents, count_tokens, embed_content, get_model, list_models};
