//! Gemini generateContent codec.
