//! OpenAI wire models shared by Chat and Responses: errors, models, embeddings.
