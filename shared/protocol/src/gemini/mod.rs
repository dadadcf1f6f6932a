//! Gemini wire models.
