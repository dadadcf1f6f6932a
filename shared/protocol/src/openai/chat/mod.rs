//! OpenAI Chat Completions wire models.
