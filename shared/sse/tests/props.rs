//! Property tests: encode → decode round trips under any chunking, and robustness on any bytes.

use gproxy_sse::{encode, encode_comment, encode_event, Decoder, Event};
use proptest::prelude::*;

/// Decodes `input` fed as the pieces between the sorted `cuts`, then finishes.
fn decode_split(input: &[u8], cuts: &[usize]) -> Vec<Event> {
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    let mut start = 0;
    for &cut in cuts {
        let cut = cut.clamp(start, input.len());
        dec.feed(&input[start..cut], &mut out);
        start = cut;
    }
    dec.feed(&input[start..], &mut out);
    dec.finish(&mut out);
    out
}

fn decode_whole(input: &[u8]) -> Vec<Event> {
    decode_split(input, &[])
}

/// What a data string looks like after the wire: every line end becomes `\n`.
fn normalize_newlines(data: &str) -> String {
    data.replace("\r\n", "\n").replace('\r', "\n")
}

/// Text heavy in line ends, spaces, colons and multi-byte characters.
fn text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "\n",
        "\r",
        "\r\n",
        " ",
        ":",
        "data: ",
        "é",
        "✓",
        "🦀",
        "\u{FEFF}",
        "{\"delta\":\"x\"}",
        "a",
        "0",
    ]);
    prop_oneof![
        3 => prop::collection::vec(piece, 0..12).prop_map(|p| p.concat()),
        1 => any::<String>(),
    ]
}

/// A single-line value: no CR, LF or NUL.
fn line_value() -> impl Strategy<Value = String> {
    text().prop_map(|s| s.replace(['\r', '\n', '\0'], ""))
}

fn event() -> impl Strategy<Value = Event> {
    (
        prop::option::of(line_value().prop_filter("non-empty name", |s| !s.is_empty())),
        text(),
        prop::option::of(line_value()),
        prop::option::of(any::<u64>()),
    )
        .prop_map(|(event, data, id, retry)| Event {
            event,
            data,
            id,
            retry,
        })
}

/// Encodes `events` (with a keep-alive comment after every third), optionally behind a BOM.
fn wire(events: &[Event], bom: bool) -> Vec<u8> {
    let mut buf = Vec::new();
    if bom {
        buf.extend_from_slice(b"\xEF\xBB\xBF");
    }
    for (i, e) in events.iter().enumerate() {
        if e.id.is_none() && e.retry.is_none() {
            encode(&mut buf, e.event.as_deref(), &e.data);
        } else {
            encode_event(&mut buf, e);
        }
        if i % 3 == 2 {
            encode_comment(&mut buf, "keep-alive");
        }
    }
    buf
}

fn expected(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .map(|e| Event {
            data: normalize_newlines(&e.data),
            ..e.clone()
        })
        .collect()
}

/// Bytes that look like an event stream often enough to reach every branch, plus raw noise.
fn sse_ish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let name = prop::sample::select(vec![
        &b"data"[..],
        &b"data"[..],
        &b"event"[..],
        &b"id"[..],
        &b"retry"[..],
        &b""[..],
        &b"\xEF\xBB\xBF"[..],
        &b"dat"[..],
    ]);
    let sep = prop::sample::select(vec![&b""[..], &b":"[..], &b": "[..], &b":  "[..]]);
    let value = prop::sample::select(vec![
        &b""[..],
        &b"x"[..],
        &b"42"[..],
        &b":"[..],
        "é🦀".as_bytes(),
        &b"\xE2\x9C"[..],
        &b"\xFF"[..],
        &b"\0"[..],
        &b"\xEF\xBB\xBF"[..],
    ]);
    let end = prop::sample::select(vec![&b"\n"[..], &b"\r"[..], &b"\r\n"[..], &b""[..]]);
    let line = (name, sep, prop::collection::vec(value, 0..3), end).prop_map(|(n, s, v, e)| {
        let mut line = [n, s].concat();
        line.extend(v.concat());
        line.extend_from_slice(e);
        line
    });
    prop_oneof![
        3 => prop::collection::vec(line, 0..24).prop_map(|l| l.concat()),
        1 => prop::collection::vec(any::<u8>(), 0..256),
    ]
}

/// A split position in `input`: half the time right after a CR, where the CRLF rule bites.
fn split_point(input: &[u8], at: prop::sample::Index, after_cr: bool) -> usize {
    let crs: Vec<usize> = after_crs(input);
    if after_cr && !crs.is_empty() {
        *at.get(&crs)
    } else {
        at.index(input.len() + 1)
    }
}

fn after_crs(input: &[u8]) -> Vec<usize> {
    input
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\r')
        .map(|(i, _)| i + 1)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn roundtrip_random_splits(
        events in prop::collection::vec(event(), 0..8),
        bom in any::<bool>(),
        line_end in prop::sample::select(vec![&b"\n"[..], &b"\r\n"[..], &b"\r"[..]]),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        // The encoder writes LF only and never a raw CR or LF inside a line, so any line-end
        // style can be swapped in byte-wise (UTF-8 never has 0x0A inside a character).
        let mut bytes = Vec::new();
        for b in wire(&events, bom) {
            if b == b'\n' {
                bytes.extend_from_slice(line_end);
            } else {
                bytes.push(b);
            }
        }
        let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        cuts.sort_unstable();
        prop_assert_eq!(decode_split(&bytes, &cuts), expected(&events));
    }

    /// The stable twin of `fuzz/fuzz_targets/sse_decode.rs`: one split anywhere never changes
    /// the decoded events.
    #[test]
    fn fuzz_equivalent_split_agrees(
        input in sse_ish_bytes(),
        at in any::<prop::sample::Index>(),
        after_cr in any::<bool>(),
    ) {
        let at = split_point(&input, at, after_cr);
        prop_assert_eq!(decode_split(&input, &[at]), decode_whole(&input));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_stay_bounded(
        input in sse_ish_bytes(),
        sizes in prop::collection::vec(1usize..40, 1..8),
    ) {
        let mut dec = Decoder::new();
        let mut out = Vec::new();
        let mut fed = 0;
        let mut rest = &input[..];
        for size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (chunk, tail) = rest.split_at((*size).min(rest.len()));
            rest = tail;
            dec.feed(chunk, &mut out);
            fed += chunk.len();
            prop_assert!(dec.buffered() <= fed, "buffered {} > fed {}", dec.buffered(), fed);
        }
        dec.finish(&mut out);
        prop_assert_eq!(dec.buffered(), 0);
        let data_bytes: usize = out.iter().map(|e| e.data.len()).sum();
        // U+FFFD is 3 bytes for 1 invalid input byte: decoded text never exceeds 3x the input.
        prop_assert!(data_bytes <= 3 * input.len());
    }
}

/// Fixed streams decoded with every split point, and every pair of split points, must agree with
/// the one-chunk decode (and with the expected events).
#[test]
fn every_split_point_fixed_streams() {
    let crlf_named = b"event: content_block_delta\r\ndata: {\"t\":\"a\"}\r\n\r\n".to_vec();
    let cr_only = b"data: 1\rdata: 2\r\rid: 9\rdata: 3\r\r".to_vec();
    let utf8 = "\u{FEFF}data: héllo ✓\r\ndata: 🦀🦀\n\n: ok\r\ndata: ü\r\n\r\n"
        .as_bytes()
        .to_vec();
    let no_trailing_blank = "data: tail ✓\r\n".as_bytes().to_vec();
    let cases: Vec<(Vec<u8>, Vec<Event>)> = vec![
        (
            crlf_named,
            vec![Event {
                event: Some("content_block_delta".into()),
                data: "{\"t\":\"a\"}".into(),
                ..Event::default()
            }],
        ),
        (
            cr_only,
            vec![
                Event {
                    data: "1\n2".into(),
                    ..Event::default()
                },
                Event {
                    data: "3".into(),
                    id: Some("9".into()),
                    ..Event::default()
                },
            ],
        ),
        (
            utf8,
            vec![
                Event {
                    data: "héllo ✓\n🦀🦀".into(),
                    ..Event::default()
                },
                Event {
                    data: "ü".into(),
                    ..Event::default()
                },
            ],
        ),
        (
            no_trailing_blank,
            vec![Event {
                data: "tail ✓".into(),
                ..Event::default()
            }],
        ),
    ];
    for (bytes, want) in cases {
        assert_eq!(decode_whole(&bytes), want);
        for i in 0..=bytes.len() {
            for j in i..=bytes.len() {
                assert_eq!(decode_split(&bytes, &[i, j]), want, "cuts {i} {j}");
            }
        }
    }
}
