//! Fuzz every stream state machine: the first byte picks the upstream and client kinds and the
//! chunk size, the rest is the upstream byte stream.
#![no_main]

use gproxy_protocol::OperationKind;
use gproxy_transform::stream::StreamTranslator;
use gproxy_transform::{codec, EncodeContext};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else { return };
    let kinds = OperationKind::GENERATE;
    let up = kinds[(sel & 3) as usize];
    let client = kinds[((sel >> 2) & 3) as usize];
    let split = 1 + (sel >> 4) as usize * 17;
    let mut t = StreamTranslator::new(codec(up).stream_decoder(), codec(client).stream_encoder(EncodeContext::default()));
    let mut out = Vec::new();
    for chunk in rest.chunks(split) {
        let _ = t.push(chunk, &mut out);
    }
    let _ = t.finish(&mut out);
});
