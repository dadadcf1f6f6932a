//! OpenAI Chat Completions codec.
