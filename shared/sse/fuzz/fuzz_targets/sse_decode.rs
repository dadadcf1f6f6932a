//! Fuzz target: decoding split at any point agrees with decoding in one piece, and never panics.
#![no_main]

use gproxy_sse::{Decoder, Event};
use libfuzzer_sys::fuzz_target;

fn decode(pieces: &[&[u8]]) -> Vec<Event> {
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    let mut fed = 0;
    for piece in pieces {
        dec.feed(piece, &mut out);
        fed += piece.len();
        assert!(dec.buffered() <= fed, "buffered more than was fed");
    }
    dec.finish(&mut out);
    assert_eq!(dec.buffered(), 0);
    out
}

fuzz_target!(|input: &[u8]| {
    let Some((&first, stream)) = input.split_first() else {
        return;
    };
    let at = usize::from(first) % (stream.len() + 1);
    let (head, tail) = stream.split_at(at);
    let whole = decode(&[stream]);
    let split = decode(&[head, tail]);
    assert_eq!(whole, split, "split at {at} changed the events");
});
