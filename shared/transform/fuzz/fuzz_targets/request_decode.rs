//! Fuzz request and response decoding of every kind, and re-encoding into every other kind.
#![no_main]

use gproxy_protocol::OperationKind;
use gproxy_transform::{codec, DecodeContext, Diagnostics, EncodeContext};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for src in OperationKind::GENERATE {
        if let Ok(req) = codec(src).decode_request(data, DecodeContext { model: Some("m"), stream: None }) {
            for dst in OperationKind::GENERATE {
                let _ = codec(dst).encode_request(&req, &mut Diagnostics::new());
            }
        }
        if let Ok(resp) = codec(src).decode_response(data) {
            for dst in OperationKind::GENERATE {
                let _ = codec(dst).encode_response(&resp, &EncodeContext::default(), &mut Diagnostics::new());
            }
        }
    }
});
