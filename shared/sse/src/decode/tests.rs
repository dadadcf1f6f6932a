//! Table-driven tests of the decoder rules.

use super::*;

/// (case name, input chunks, expected events).
type ChunkCase<'a> = (&'a str, Vec<&'a [u8]>, Vec<Event>);

fn ev(event: Option<&str>, data: &str) -> Event {
    Event {
        event: event.map(str::to_owned),
        data: data.to_owned(),
        id: None,
        retry: None,
    }
}

fn with_id(mut e: Event, id: &str) -> Event {
    e.id = Some(id.to_owned());
    e
}

fn with_retry(mut e: Event, retry: u64) -> Event {
    e.retry = Some(retry);
    e
}

/// Feeds `chunks` and returns the events dispatched before `finish` and those `finish` added.
fn run(chunks: &[&[u8]]) -> (Vec<Event>, Vec<Event>) {
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    for chunk in chunks {
        dec.feed(chunk, &mut out);
    }
    let mut fin = Vec::new();
    dec.finish(&mut fin);
    assert_eq!(dec.buffered(), 0, "finish leaves nothing buffered");
    (out, fin)
}

/// Every rule, each on a whole input fed in one chunk: (name, input, events before finish).
#[test]
fn rules_table() {
    let cases: Vec<(&str, &[u8], Vec<Event>)> = vec![
        ("lf", b"data: a\n\n", vec![ev(None, "a")]),
        ("crlf", b"data: a\r\n\r\n", vec![ev(None, "a")]),
        ("cr", b"data: a\r\r", vec![ev(None, "a")]),
        (
            "mixed line ends",
            b"data: a\r\ndata: b\rdata: c\n\r\n",
            vec![ev(None, "a\nb\nc")],
        ),
        (
            "bom skipped",
            b"\xEF\xBB\xBFdata: a\n\n",
            vec![ev(None, "a")],
        ),
        (
            "bom only once",
            b"\xEF\xBB\xBF\xEF\xBB\xBFdata: a\n\n",
            vec![],
        ),
        (
            "bom on a later line is data",
            b"data: a\n\xEF\xBB\xBFdata: b\n\ndata: c\n\n",
            vec![ev(None, "a"), ev(None, "c")],
        ),
        ("comment ignored", b": keep-alive\n\n", vec![]),
        (
            "comment inside event",
            b"data: a\n: note\ndata: b\n\n",
            vec![ev(None, "a\nb")],
        ),
        (
            "one space stripped",
            b"data:  two\n\n",
            vec![ev(None, " two")],
        ),
        ("no space", b"data:x\n\n", vec![ev(None, "x")]),
        ("tab kept", b"data:\tx\n\n", vec![ev(None, "\tx")]),
        ("colon in value", b"data: a: b\n\n", vec![ev(None, "a: b")]),
        ("no colon is empty value", b"data\n\n", vec![ev(None, "")]),
        ("bare data line", b"data:\n\n", vec![ev(None, "")]),
        (
            "no colon joins as empty line",
            b"data: a\ndata\ndata: b\n\n",
            vec![ev(None, "a\n\nb")],
        ),
        (
            "space before colon is another field",
            b"data : x\n\n",
            vec![],
        ),
        ("field names are case sensitive", b"Data: x\n\n", vec![]),
        (
            "event name",
            b"event: delta\ndata: {}\n\n",
            vec![ev(Some("delta"), "{}")],
        ),
        (
            "last event name wins",
            b"event: a\nevent: b\ndata: x\n\n",
            vec![ev(Some("b"), "x")],
        ),
        (
            "empty event name is the default",
            b"event:\ndata: x\n\n",
            vec![ev(None, "x")],
        ),
        (
            "event-only block ignored",
            b"event: ping\n\ndata: x\n\n",
            vec![ev(None, "x")],
        ),
        (
            "event name reset after dispatch",
            b"event: a\ndata: 1\n\ndata: 2\n\n",
            vec![ev(Some("a"), "1"), ev(None, "2")],
        ),
        (
            "empty block ignored",
            b"\n\n\r\n\rdata: x\n\n",
            vec![ev(None, "x")],
        ),
        (
            "id",
            b"id: 7\ndata: x\n\n",
            vec![with_id(ev(None, "x"), "7")],
        ),
        (
            "empty id",
            b"id\ndata: x\n\n",
            vec![with_id(ev(None, "x"), "")],
        ),
        (
            "id with nul ignored",
            b"id: a\0b\ndata: x\n\n",
            vec![ev(None, "x")],
        ),
        (
            "id with nul keeps earlier id",
            b"id: 1\nid: \0\ndata: x\n\n",
            vec![with_id(ev(None, "x"), "1")],
        ),
        (
            "id is per event",
            b"id: 1\ndata: a\n\ndata: b\n\n",
            vec![with_id(ev(None, "a"), "1"), ev(None, "b")],
        ),
        (
            "retry",
            b"retry: 3000\ndata: x\n\n",
            vec![with_retry(ev(None, "x"), 3000)],
        ),
        (
            "retry not digits",
            b"retry: 3s\ndata: x\n\n",
            vec![ev(None, "x")],
        ),
        (
            "retry signed",
            b"retry: -1\ndata: x\n\n",
            vec![ev(None, "x")],
        ),
        ("retry empty", b"retry:\ndata: x\n\n", vec![ev(None, "x")]),
        (
            "retry past u64",
            b"retry: 99999999999999999999999\ndata: x\n\n",
            vec![ev(None, "x")],
        ),
        (
            "retry with two spaces",
            b"retry:  5\ndata: x\n\n",
            vec![ev(None, "x")],
        ),
        (
            "unknown field ignored",
            b"foo: bar\ndata: x\n\n",
            vec![ev(None, "x")],
        ),
        (
            "invalid utf-8 replaced",
            b"data: a\xFFb\n\n",
            vec![ev(None, "a\u{FFFD}b")],
        ),
        (
            "invalid utf-8 in name and id",
            b"event: \xC3\nid: \xFE\ndata: x\n\n",
            vec![with_id(ev(Some("\u{FFFD}"), "x"), "\u{FFFD}")],
        ),
        (
            "multi-byte text",
            "data: héllo ✓ 🦀\n\n".as_bytes(),
            vec![ev(None, "héllo ✓ 🦀")],
        ),
        ("no blank line yet", b"data: a\n", vec![]),
    ];
    for (name, input, want) in cases {
        let (got, _) = run(&[input]);
        assert_eq!(got, want, "case {name}");
    }
}

/// The same streams cut into chunks at awkward places: (name, chunks, events before finish).
#[test]
fn chunking_table() {
    let crab = "data: 🦀\n\n".as_bytes(); // the crab is bytes 6..10
    let cases: Vec<ChunkCase> = vec![
        (
            "crlf split across chunks is one line end",
            vec![b"data: a\r", b"\ndata: b\r\n\r\n"],
            vec![ev(None, "a\nb")],
        ),
        (
            "cr at chunk end then cr is a blank line",
            vec![b"data: a\r", b"\rdata: b\n\n"],
            vec![ev(None, "a"), ev(None, "b")],
        ),
        (
            "cr at chunk end, empty chunk, then lf",
            vec![b"data: a\r", b"", b"\n\n"],
            vec![ev(None, "a")],
        ),
        (
            "blank crlf split",
            vec![b"data: a\r\n\r", b"\n"],
            vec![ev(None, "a")],
        ),
        (
            "field name split",
            vec![b"da", b"ta: x\n", b"\n"],
            vec![ev(None, "x")],
        ),
        (
            "multi-byte char split",
            vec![&crab[..7], &crab[7..9], &crab[9..]],
            vec![ev(None, "🦀")],
        ),
        (
            "bom split",
            vec![b"\xEF", b"\xBB", b"\xBFdata: a\n\n"],
            vec![ev(None, "a")],
        ),
        (
            "bom prefix then not a bom",
            vec![b"\xEF\xBB", b"data: a\n\n"],
            vec![],
        ),
        (
            "byte at a time",
            b"event: e\r\ndata: 1\r\n\r\n"
                .iter()
                .map(std::slice::from_ref)
                .collect(),
            vec![ev(Some("e"), "1")],
        ),
    ];
    for (name, chunks, want) in cases {
        let (got, _) = run(&chunks);
        assert_eq!(got, want, "case {name}");
    }
}

/// What `finish` adds at end of input: (name, input, events only `finish` dispatches).
#[test]
fn finish_table() {
    let cases: Vec<(&str, &[u8], Vec<Event>)> = vec![
        (
            "terminated line, no blank line",
            b"data: last\n",
            vec![ev(None, "last")],
        ),
        (
            "unterminated last line",
            b"data: last",
            vec![ev(None, "last")],
        ),
        (
            "unterminated line joins pending data",
            b"event: e\ndata: a\ndata: b",
            vec![ev(Some("e"), "a\nb")],
        ),
        ("complete stream adds nothing", b"data: a\n\n", vec![]),
        ("event-only tail ignored", b"event: x\n", vec![]),
        ("comment tail ignored", b": bye", vec![]),
        ("empty input", b"", vec![]),
        ("lone bom", b"\xEF\xBB\xBF", vec![]),
        ("partial bom becomes a line", b"\xEF\xBB", vec![]),
    ];
    for (name, input, want) in cases {
        let (_, got) = run(&[input]);
        assert_eq!(got, want, "case {name}");
    }
}

#[test]
fn finish_resets_for_a_new_stream() {
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    dec.feed(b"\xEF\xBB\xBFevent: a\ndata: 1\r", &mut out);
    dec.finish(&mut out);
    // A new stream: its BOM is skipped again and the old CR does not swallow its first LF.
    dec.feed(b"\xEF\xBB\xBF\ndata: 2\n\n", &mut out);
    assert_eq!(out, vec![ev(Some("a"), "1"), ev(None, "2")]);
}

#[test]
fn buffered_tracks_pending_bytes() {
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    dec.feed(b"data: abc", &mut out);
    assert_eq!(dec.buffered(), 9, "partial line");
    dec.feed(b"\n", &mut out);
    assert_eq!(dec.buffered(), 3, "pending data value");
    dec.feed(
        b"data: de\nevent: xy\nid: 1\n: comments are not kept\n",
        &mut out,
    );
    assert_eq!(dec.buffered(), 3 + 1 + 2 + 2 + 1);
    dec.feed(b"\n", &mut out);
    assert_eq!(dec.buffered(), 0);
    assert_eq!(out.len(), 1);
}

#[test]
fn buffered_counts_raw_bytes_not_replacement_chars() {
    // Each invalid byte becomes a 3-byte U+FFFD, but the cap is about what the upstream sent.
    let mut dec = Decoder::new();
    let mut out = Vec::new();
    dec.feed(b"data: \xFF\xFF\xFF\xFF\n", &mut out);
    assert_eq!(dec.buffered(), 4);
}

#[test]
fn openai_stream_in_small_chunks() {
    let stream = concat!(
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Héllo\"}}]}\n\n",
        ": keep-alive\n\n",
        "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        "data: [DONE]\n\n",
    )
    .as_bytes();
    for size in [1, 2, 3, 7, 64] {
        let chunks: Vec<&[u8]> = stream.chunks(size).collect();
        let (got, fin) = run(&chunks);
        assert!(fin.is_empty());
        assert_eq!(got.len(), 4, "chunk size {size}");
        assert!(got[1].data.contains("\"content\":\"Héllo\""));
        assert_eq!(got[3].data, "[DONE]");
    }
}

#[test]
fn anthropic_named_events() {
    let stream = b"event: message_start\r\ndata: {\"type\":\"message_start\"}\r\n\r\nevent: ping\r\ndata: {\"type\": \"ping\"}\r\n\r\nevent: content_block_delta\r\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}\r\n\r\n";
    let (got, _) = run(&[stream]);
    let names: Vec<_> = got.iter().map(|e| e.event.as_deref()).collect();
    assert_eq!(
        names,
        [
            Some("message_start"),
            Some("ping"),
            Some("content_block_delta")
        ]
    );
    assert!(got[2].data.ends_with("\"text\":\"Hi\"}}"));
}
