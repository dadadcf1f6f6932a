//! OpenAI Responses codec.
