//! Response bodies of the four protocols, built once per [`Shape`]: the whole object, the stream
//! as one frame per content event, and the error bodies.

mod anthropic;
mod chat;
mod gemini;
mod responses;

use std::sync::Arc;

use bytes::Bytes;
use serde_json::Value;

use crate::config::{Answer, Shape};

/// The API family a request path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Chat,
    Responses,
    Anthropic,
    Gemini,
}

impl Protocol {
    pub const ALL: [Protocol; 4] = [
        Protocol::Chat,
        Protocol::Responses,
        Protocol::Anthropic,
        Protocol::Gemini,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// Prompt tokens every answer reports (the mock never parses the request to count them).
pub const INPUT_TOKENS: u64 = 256;
/// Fixed creation time, so bodies are identical from run to run.
pub const CREATED: u64 = 1_750_000_000;
pub const TOOL_NAME: &str = "get_weather";

/// What one answer says, before it is put into a protocol's shape.
pub struct Content {
    pub model: String,
    pub answer: Answer,
    /// The text, or the tool call's JSON arguments.
    pub text: String,
    pub pieces: Vec<String>,
    pub output_tokens: u64,
}

impl Content {
    pub fn total_tokens(&self) -> u64 {
        INPUT_TOKENS + self.output_tokens
    }
}

/// A stream before framing: events sent at once, one event per content piece, closing events.
pub struct StreamParts {
    pub head: Vec<u8>,
    pub deltas: Vec<Vec<u8>>,
    pub tail: Vec<u8>,
}

impl StreamParts {
    /// One frame per delta: the head rides with the first, the tail with the last.
    fn frames(self) -> Vec<Bytes> {
        let n = self.deltas.len();
        if n == 0 {
            let mut all = self.head;
            all.extend_from_slice(&self.tail);
            return vec![Bytes::from(all)];
        }
        let mut out = Vec::with_capacity(n);
        for (i, d) in self.deltas.into_iter().enumerate() {
            let mut frame = Vec::new();
            if i == 0 {
                frame.extend_from_slice(&self.head);
            }
            frame.extend_from_slice(&d);
            if i + 1 == n {
                frame.extend_from_slice(&self.tail);
            }
            out.push(Bytes::from(frame));
        }
        out
    }
}

/// `data: {json}\n\n`
pub fn data(v: &Value) -> Vec<u8> {
    format!("data: {v}\n\n").into_bytes()
}

/// `event: NAME\ndata: {json}\n\n`
pub fn named(event: &str, v: &Value) -> Vec<u8> {
    format!("event: {event}\ndata: {v}\n\n").into_bytes()
}

const FILLER: &str =
    "The quick brown fox jumps over the lazy dog while the benchmark counts every byte. ";

/// ASCII prose of exactly `n` bytes.
pub fn filler(n: usize) -> String {
    FILLER.chars().cycle().take(n).collect()
}

/// Tool arguments of about `n` bytes: a real-looking object with a padded note.
pub fn tool_arguments(n: usize) -> String {
    let base = r#"{"city":"Paris","unit":"celsius","note":""}"#;
    let pad = n.saturating_sub(base.len());
    format!(
        r#"{{"city":"Paris","unit":"celsius","note":"{}"}}"#,
        filler(pad)
    )
}

/// `n` nearly equal pieces of `s` (ASCII), none empty when `s` has at least `n` bytes.
pub fn split(s: &str, n: usize) -> Vec<String> {
    let n = n.max(1);
    let len = s.len();
    (0..n)
        .map(|i| s[len * i / n..len * (i + 1) / n].to_owned())
        .collect()
}

fn content(shape: &Shape, text_len: usize) -> Content {
    // every piece carries something, as a real token stream does
    let text_len = text_len.max(shape.chunks).max(8);
    let text = match shape.answer {
        Answer::Text => filler(text_len),
        Answer::Tool => tool_arguments(text_len),
    };
    let pieces = split(&text, shape.chunks);
    Content {
        model: shape.model.clone(),
        answer: shape.answer,
        output_tokens: (text.len() as u64 / 4).max(1),
        text,
        pieces,
    }
}

fn whole_value(p: Protocol, c: &Content) -> Value {
    match p {
        Protocol::Chat => chat::whole(c),
        Protocol::Responses => responses::whole(c),
        Protocol::Anthropic => anthropic::whole(c),
        Protocol::Gemini => gemini::whole(c),
    }
}

fn stream_parts(p: Protocol, c: &Content) -> StreamParts {
    match p {
        Protocol::Chat => chat::stream(c),
        Protocol::Responses => responses::stream(c),
        Protocol::Anthropic => anthropic::stream(c),
        Protocol::Gemini => gemini::stream(c),
    }
}

/// Content for `p` whose whole body comes to about `shape.response_bytes`.
fn sized_content(p: Protocol, shape: &Shape) -> Content {
    let empty = whole_value(p, &content(shape, 0)).to_string().len();
    let small = content(shape, 0).text.len();
    content(shape, shape.response_bytes.saturating_sub(empty) + small)
}

/// Every body of one shape.
pub struct Bodies {
    whole: [Bytes; 4],
    frames: [Arc<[Bytes]>; 4],
    joined: [Bytes; 4],
    gemini_array: Bytes,
}

impl Bodies {
    pub fn build(shape: &Shape) -> Bodies {
        let mut whole: [Bytes; 4] = Default::default();
        let mut frames: [Arc<[Bytes]>; 4] = Default::default();
        let mut joined: [Bytes; 4] = Default::default();
        let mut gemini_array = Bytes::new();
        for p in Protocol::ALL {
            let c = sized_content(p, shape);
            whole[p.index()] = Bytes::from(whole_value(p, &c).to_string());
            let f = stream_parts(p, &c).frames();
            joined[p.index()] = Bytes::from(f.concat());
            frames[p.index()] = f.into();
            if p == Protocol::Gemini {
                gemini_array = Bytes::from(gemini::array(&c));
            }
        }
        Bodies {
            whole,
            frames,
            joined,
            gemini_array,
        }
    }

    pub fn whole(&self, p: Protocol) -> Bytes {
        self.whole[p.index()].clone()
    }

    pub fn frames(&self, p: Protocol) -> Arc<[Bytes]> {
        self.frames[p.index()].clone()
    }

    /// The whole stream as one buffer (no pause between events).
    pub fn joined(&self, p: Protocol) -> Bytes {
        self.joined[p.index()].clone()
    }

    /// Gemini `:streamGenerateContent` without `alt=sse`: the chunks as one JSON array.
    pub fn gemini_array(&self) -> Bytes {
        self.gemini_array.clone()
    }
}

/// The error body of a status in a protocol's shape.
pub fn error_body(p: Protocol, status: u16) -> Bytes {
    let message = format!("bench-upstream injected status {status}");
    let v = match p {
        Protocol::Chat | Protocol::Responses => chat::error(status, &message),
        Protocol::Anthropic => anthropic::error(status, &message),
        Protocol::Gemini => gemini::error(status, &message),
    };
    Bytes::from(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(bytes: usize, chunks: usize, answer: Answer) -> Shape {
        Shape {
            response_bytes: bytes,
            chunks,
            answer,
            model: "m".into(),
        }
    }

    #[test]
    fn split_covers_the_text_in_n_pieces() {
        let p = split("abcdefghij", 3);
        assert_eq!(p.concat(), "abcdefghij");
        assert_eq!(p.len(), 3);
        assert!(p.iter().all(|x| !x.is_empty()));
        assert_eq!(split("ab", 1), vec!["ab"]);
    }

    #[test]
    fn whole_bodies_come_to_the_asked_size() {
        for answer in [Answer::Text, Answer::Tool] {
            for size in [1024, 100 * 1024] {
                let b = Bodies::build(&shape(size, 8, answer));
                for p in Protocol::ALL {
                    let n = b.whole(p).len();
                    assert!(
                        n.abs_diff(size) <= 64,
                        "{p:?} {answer:?}: {n} bytes for {size}"
                    );
                    let v: Value = serde_json::from_slice(&b.whole(p)).unwrap();
                    assert!(v.is_object());
                }
            }
        }
    }

    #[test]
    fn streams_have_one_frame_per_chunk() {
        let b = Bodies::build(&shape(1024, 50, Answer::Text));
        for p in Protocol::ALL {
            assert_eq!(b.frames(p).len(), 50, "{p:?}");
            assert_eq!(b.frames(p).concat(), b.joined(p).to_vec());
        }
        // Gemini sends a tool call whole, in one chunk
        let b = Bodies::build(&shape(1024, 5, Answer::Tool));
        assert_eq!(b.frames(Protocol::Gemini).len(), 1);
        assert_eq!(b.frames(Protocol::Chat).len(), 5);
    }

    #[test]
    fn tool_arguments_are_json_of_the_asked_size() {
        let a = tool_arguments(500);
        let v: Value = serde_json::from_str(&a).unwrap();
        assert_eq!(v["city"], "Paris");
        assert_eq!(a.len(), 500);
    }
}
