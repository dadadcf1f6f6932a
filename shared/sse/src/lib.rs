//! Incremental Server-Sent Events decoder and encoder.
