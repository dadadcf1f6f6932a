//! Incremental Server-Sent Events decoder and encoder.
//!
//! [`Decoder`] turns a byte stream that arrives in arbitrary chunks into [`Event`]s following the
//! WHATWG HTML "event stream interpretation" rules (see `docs/sse.md` for the exact semantics and
//! the few deliberate departures a gateway needs). [`encode`], [`encode_event`] and
//! [`encode_comment`] write events back in wire form.

mod decode;
mod encode;

pub use decode::Decoder;
pub use encode::{encode, encode_comment, encode_event};

/// One dispatched event.
///
/// `id` and `retry` describe the event block they came in (not the stream-wide "last event ID"),
/// so a gateway re-emitting an event can forward exactly what the upstream sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    /// The `event:` name; `None` when absent or empty (the spec's default type `message`).
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
    /// The block's last valid `id:` value (`Some("")` for a bare `id:`).
    pub id: Option<String>,
    /// The block's last valid `retry:` value, in milliseconds.
    pub retry: Option<u64>,
}
