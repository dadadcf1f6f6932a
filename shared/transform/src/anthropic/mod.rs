//! Anthropic Messages codec.
