//! OpenAI Chat Completions wire models.
//!
//! Objects are flat structs with a `type` string where the API tags them, so a part, tool or
//! tool call of a type we do not know survives a decode → encode unchanged (its fields land in
//! `extra`). Fields that OpenAI sends as an explicit `null` and that clients echo back are
//! [`Nullable`], so the `null` survives too.

pub mod request;
pub mod response;
pub mod stream;
pub mod types;

pub use request::{ChatRequest, Message, StreamOptions};
pub use response::{ChatCompletion, Choice, ResponseMessage};
pub use stream::{ChatCompletionChunk, ChunkChoice, ChunkDelta, ToolCallDelta};
pub use types::*;

use serde::{Deserialize, Deserializer};

/// A field that may be absent (`None`), explicitly `null` (`Some(None)`) or set.
pub type Nullable<T> = Option<Option<T>>;

/// `deserialize_with` for [`Nullable`] fields (use with `#[serde(default)]`).
pub fn nullable<'de, D, T>(d: D) -> Result<Nullable<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests;
