//! Anthropic family: Messages, token counting and models.

mod messages;
mod misc;

pub use messages::messages;
pub use misc::{count_tokens, get_model, list_models};
