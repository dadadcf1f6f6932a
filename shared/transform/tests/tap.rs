//! The passthrough tap that skips plain text deltas reports exactly what the full tap reports,
//! on every scenario stream of every kind, however the bytes are chunked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use gproxy_protocol::OperationKind;
use gproxy_transform::codec;
use gproxy_transform::stream::StreamTap;

fn outcome_of(tap: &mut StreamTap, body: &[u8], chunk: usize) -> String {
    for c in body.chunks(chunk) {
        tap.observe(c);
    }
    format!("{:?}", tap.finish())
}

#[test]
fn skipping_text_deltas_changes_no_outcome() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    let mut checked = 0;
    for kind in OperationKind::GENERATE {
        let dir = std::path::Path::new(root).join(kind.as_str());
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.ends_with(".sse") {
                continue;
            }
            let body = std::fs::read(e.path()).unwrap();
            for chunk in [1, 7, 64, body.len().max(1)] {
                let full = outcome_of(
                    &mut StreamTap::new(codec(kind).stream_decoder()),
                    &body,
                    chunk,
                );
                let fast = outcome_of(
                    &mut StreamTap::for_kind(kind, codec(kind).stream_decoder()),
                    &body,
                    chunk,
                );
                assert_eq!(fast, full, "{kind:?} {name} in {chunk}-byte chunks");
                assert!(full.contains("usage: Some"), "{kind:?} {name}: {full}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 16, "only {checked} streams");
}
