//! Incremental event-stream decoder: chunks of bytes in, complete [`Event`]s out.

use std::mem;

use memchr::{memchr, memchr2};

use crate::Event;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Incremental SSE decoder.
///
/// Complete lines are parsed straight out of the caller's chunk; only the unterminated tail of a
/// chunk is copied into an internal buffer. That buffer never holds a line terminator, so a new
/// chunk is scanned from its first byte only and buffered bytes are never scanned twice.
#[derive(Debug, Default)]
pub struct Decoder {
    /// Unterminated tail of the previous chunks (no CR or LF in it), or a partial leading BOM.
    partial: Vec<u8>,
    /// The last line ended in CR at the very end of a chunk: an LF opening the next chunk belongs
    /// to that line end.
    pending_cr: bool,
    /// The leading BOM has been skipped, or the stream turned out not to start with one.
    bom_done: bool,
    /// The pending event being built.
    block: Block,
}

/// Field buffers of the event block being read.
#[derive(Debug, Default)]
struct Block {
    data: String,
    /// At least one `data` field was seen (the spec's "data buffer is not empty").
    has_data: bool,
    event: Option<String>,
    id: Option<String>,
    retry: Option<u64>,
    /// Raw input bytes the buffers above hold (see [`Decoder::buffered`]).
    raw_data: usize,
    raw_event: usize,
    raw_id: usize,
}

impl Decoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feed bytes as they arrive; complete events are appended to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<Event>) {
        let mut rest = chunk;
        if !self.bom_done {
            match self.skip_bom(rest) {
                Some(after) => rest = after,
                None => return,
            }
        }
        if self.pending_cr {
            let Some((&first, tail)) = rest.split_first() else {
                return;
            };
            self.pending_cr = false;
            if first == b'\n' {
                rest = tail;
            }
        }
        while let Some(pos) = memchr2(b'\n', b'\r', rest) {
            let (line, after) = rest.split_at(pos);
            // `after` starts with the terminator found at `pos`.
            let consumed = match after {
                [b'\r', b'\n', ..] => 2,
                [b'\r'] => {
                    self.pending_cr = true;
                    1
                }
                _ => 1,
            };
            if self.partial.is_empty() {
                self.block.line(line, out);
            } else {
                let mut joined = mem::take(&mut self.partial);
                joined.extend_from_slice(line);
                self.block.line(&joined, out);
                joined.clear();
                self.partial = joined; // keep the capacity for the next split line
            }
            rest = after.get(consumed..).unwrap_or_default();
        }
        self.partial.extend_from_slice(rest);
    }

    /// End of input: the unterminated last line is processed, and a final event not terminated by
    /// a blank line is dispatched too. The decoder is then ready for a new stream.
    pub fn finish(&mut self, out: &mut Vec<Event>) {
        let partial = mem::take(&mut self.partial);
        if !partial.is_empty() {
            self.block.line(&partial, out);
        }
        self.block.dispatch(out);
        *self = Self::default();
    }

    /// Bytes buffered but not yet dispatched: the unterminated line plus the raw size of the
    /// pending event's fields. Never more than the bytes fed since the last dispatch.
    pub fn buffered(&self) -> usize {
        self.partial.len() + self.block.raw_data + self.block.raw_event + self.block.raw_id
    }

    /// Skips a leading UTF-8 BOM, even one split across chunks. `None` means every byte of `rest`
    /// is a BOM prefix kept in `partial` and more input is needed to decide.
    fn skip_bom<'a>(&mut self, rest: &'a [u8]) -> Option<&'a [u8]> {
        // `partial` holds a strict prefix of the BOM here (possibly empty).
        let have = self.partial.len();
        let want = BOM.get(have..).unwrap_or_default();
        let n = want.len().min(rest.len());
        let (head, tail) = rest.split_at(n);
        if want.starts_with(head) {
            if n == want.len() {
                self.partial.clear();
                self.bom_done = true;
                return Some(tail);
            }
            self.partial.extend_from_slice(head);
            return None;
        }
        // Not a BOM: the kept bytes are ordinary line bytes (BOM bytes are never CR or LF).
        self.bom_done = true;
        Some(rest)
    }
}

impl Block {
    /// Processes one complete line (terminator removed).
    fn line(&mut self, line: &[u8], out: &mut Vec<Event>) {
        let (name, value) = match memchr(b':', line) {
            None if line.is_empty() => return self.dispatch(out),
            None => (line, &b""[..]),
            Some(0) => return, // comment
            Some(colon) => {
                let (name, value) = line.split_at(colon);
                let value = value.get(1..).unwrap_or_default();
                (name, value.strip_prefix(b" ").unwrap_or(value))
            }
        };
        match name {
            b"data" => {
                let text = String::from_utf8_lossy(value);
                if self.has_data {
                    self.data.push('\n');
                    self.data.push_str(&text);
                    self.raw_data += 1 + value.len();
                } else {
                    self.data = text.into_owned();
                    self.has_data = true;
                    self.raw_data = value.len();
                }
            }
            b"event" => {
                self.event = Some(String::from_utf8_lossy(value).into_owned());
                self.raw_event = value.len();
            }
            b"id" if memchr(0, value).is_none() => {
                self.id = Some(String::from_utf8_lossy(value).into_owned());
                self.raw_id = value.len();
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                // All ASCII digits, so only an overflow past u64 can fail; that is ignored too.
                if let Some(ms) = std::str::from_utf8(value).ok().and_then(|s| s.parse().ok()) {
                    self.retry = Some(ms);
                }
            }
            _ => {} // unknown field, an `id` holding NUL, or a `retry` that is not all digits
        }
    }

    /// Blank line: emits the pending event if it has data, and starts a new block either way.
    fn dispatch(&mut self, out: &mut Vec<Event>) {
        let block = mem::take(self);
        if block.has_data {
            out.push(Event {
                event: block.event.filter(|name| !name.is_empty()),
                data: block.data,
                id: block.id,
                retry: block.retry,
            });
        }
    }
}

#[cfg(test)]
mod tests;
