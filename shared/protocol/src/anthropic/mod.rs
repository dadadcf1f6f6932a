//! Anthropic Messages wire models.
