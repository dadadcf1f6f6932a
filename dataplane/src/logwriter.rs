//! Log lines (the access log above all: one per request) are appended to a shared buffer and
//! written to stdout in batches — by a flusher thread every [`FLUSH_EVERY`], or inline once the
//! buffer holds [`FLUSH_BYTES`] — instead of one `write(2)` per line. At a few thousand requests
//! per second that turns thousands of syscalls a second into twenty. A crash can lose at most the
//! last interval's lines; [`BatchWriter::flush`] runs at exit.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often buffered lines are written out.
pub const FLUSH_EVERY: Duration = Duration::from_millis(50);
/// A buffer this full is written at once by the logging thread.
pub const FLUSH_BYTES: usize = 256 * 1024;

/// A cloneable handle to the shared buffer; hand it to `tracing_subscriber::fmt().with_writer`.
#[derive(Clone, Default)]
pub struct BatchWriter {
    buf: Arc<Mutex<Vec<u8>>>,
}

impl BatchWriter {
    /// A writer with its flusher thread started.
    pub fn start() -> BatchWriter {
        let w = BatchWriter::default();
        let flusher = w.clone();
        let spawned = std::thread::Builder::new()
            .name("gproxy-log".into())
            .spawn(move || loop {
                std::thread::sleep(FLUSH_EVERY);
                flusher.flush();
            });
        if spawned.is_err() {
            eprintln!("cannot start the log flusher; lines are written at {FLUSH_BYTES} bytes");
        }
        w
    }

    /// A writer for one line (or a few), appended to the buffer.
    pub fn line(&self) -> Line<'_> {
        Line(self)
    }

    /// Write out what is buffered.
    pub fn flush(&self) {
        let pending = {
            let mut b = self.buf.lock().unwrap_or_else(|p| p.into_inner());
            if b.is_empty() {
                return;
            }
            std::mem::take(&mut *b)
        };
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&pending);
        let _ = out.flush();
    }
}

/// What one log event writes into.
pub struct Line<'a>(&'a BatchWriter);

impl Write for Line<'_> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let full = {
            let mut b = self.0.buf.lock().unwrap_or_else(|p| p.into_inner());
            b.extend_from_slice(data);
            b.len() >= FLUSH_BYTES
        };
        if full {
            self.0.flush();
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for BatchWriter {
    type Writer = Line<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        Line(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::fmt::MakeWriter as _;

    #[test]
    fn lines_wait_in_the_buffer_until_flushed() {
        let w = BatchWriter::default();
        let mut l = w.make_writer();
        l.write_all(b"one\n").unwrap();
        l.write_all(b"two\n").unwrap();
        assert_eq!(&*w.buf.lock().unwrap(), b"one\ntwo\n");
        w.flush();
        assert!(w.buf.lock().unwrap().is_empty());
    }
}
