//! Watches a streamed body go by: where the first `data:` arrives, how many SSE events end in
//! each frame (blank line after `\n` or `\r\n`), and whether an error event passed.

use memchr::memmem;

/// Bytes of the previous frame kept to find a marker split across two frames.
const CARRY: usize = 16;

#[derive(Debug, Default)]
pub struct Scanner {
    /// 0 normal, 1 just after a line end, 2 after a line end then `\r`.
    state: u8,
    carry: Vec<u8>,
    pub saw_data: bool,
    pub events: u64,
    pub error: bool,
}

/// What one frame brought.
#[derive(Debug, PartialEq, Eq)]
pub struct FrameInfo {
    /// This frame holds the first `data:` of the stream.
    pub first_data: bool,
    /// Events completed in this frame.
    pub events: u64,
}

impl Scanner {
    pub fn feed(&mut self, frame: &[u8]) -> FrameInfo {
        let mut events = 0;
        for &b in frame {
            self.state = match (self.state, b) {
                (0, b'\n') => 1,
                (1, b'\n') | (2, b'\n') => {
                    events += 1;
                    0
                }
                (1, b'\r') => 2,
                (_, b'\n') => 1,
                _ => 0,
            };
        }
        self.events += events;
        let mut window = std::mem::take(&mut self.carry);
        window.extend_from_slice(frame);
        let first_data = !self.saw_data && memmem::find(&window, b"data:").is_some();
        self.saw_data |= first_data;
        if !self.error
            && (memmem::find(&window, b"event: error").is_some()
                || memmem::find(&window, b"data: {\"error\"").is_some())
        {
            self.error = true;
        }
        let keep = window.len().saturating_sub(CARRY);
        self.carry = window.split_off(keep);
        FrameInfo { first_data, events }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_events_with_either_line_end() {
        let mut s = Scanner::default();
        let f = s.feed(b"event: a\ndata: {}\n\ndata: {}\n\n");
        assert_eq!(
            f,
            FrameInfo {
                first_data: true,
                events: 2
            }
        );
        let f = s.feed(b"data: {}\r\n\r\ndata: {}\r\n");
        assert_eq!(
            f,
            FrameInfo {
                first_data: false,
                events: 1
            }
        );
        let f = s.feed(b"\r\n");
        assert_eq!(f.events, 1);
        assert_eq!(s.events, 4);
        assert!(!s.error);
    }

    #[test]
    fn markers_split_across_frames_are_found() {
        let mut s = Scanner::default();
        assert!(!s.feed(b": comment\n\nda").first_data);
        assert!(s.feed(b"ta: {}\n").first_data);
        assert_eq!(s.feed(b"\n").events, 1);
        s.feed(b"event: err");
        s.feed(b"or\ndata: {}\n\n");
        assert!(s.error);
        let mut s = Scanner::default();
        s.feed(b"data: {\"error\":{\"message\":\"x\"}}\n\n");
        assert!(s.error);
    }
}
