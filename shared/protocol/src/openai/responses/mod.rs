//! OpenAI Responses wire models.
