//! Codec parts shared by Chat and Responses: errors, models, embeddings.
