//! Mock LLM provider.
