//! Carrying opaque reasoning data (signatures, encrypted reasoning) through a foreign protocol.
//!
//! A client of protocol A talking to an upstream of protocol B receives B's thinking signature in
//! A's opaque field (e.g. a Gemini `thoughtSignature` in an Anthropic `signature`), and sends it
//! back on the next turn. Wrapping it with its origin lets the next request hand it back to B
//! verbatim, and lets a later switch to another upstream drop it instead of sending garbage.
//!
//! Format: standard base64 of `gpx1.{family}.{payload}`, where payload is `s` + the origin's
//! string value verbatim, or `j` + its JSON when the origin value is not a string. Base64 keeps
//! the wrapped value valid in every provider's opaque field — Gemini's `thoughtSignature` is
//! base64 bytes and rejects anything else — and every wrapped value starts with [`MARK`], so a
//! native signature is told apart without decoding it.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use gproxy_protocol::Family;
use serde_json::Value;

use crate::ir::Opaque;

const PREFIX: &[u8] = b"gpx1.";

/// The first characters of every wrapped value (base64 of `gpx1.`'s first bytes).
pub const MARK: &str = "Z3B4MS";

/// Render `opaque` for a wire field of family `target`: verbatim when it is native, wrapped when
/// it is foreign.
pub fn wrap(opaque: &Opaque, target: Family) -> String {
    let payload = match (&opaque.value, opaque.family == target) {
        (Value::String(s), true) => return s.clone(),
        (Value::String(s), false) => format!("s{s}"),
        (other, _) => format!("j{}", serde_json::to_string(other).unwrap_or_default()),
    };
    STANDARD.encode(format!("gpx1.{}.{payload}", opaque.family))
}

/// Read a string from a wire field of family `native`: a wrapped foreign value comes back with
/// its origin, anything else is the native family's own.
pub fn unwrap(s: &str, native: Family) -> Opaque {
    if s.starts_with(MARK) {
        if let Some(o) = decode_wrapped(s) {
            return o;
        }
    }
    Opaque {
        family: native,
        value: Value::String(s.to_owned()),
    }
}

fn decode_wrapped(s: &str) -> Option<Opaque> {
    let bytes = STANDARD.decode(s).ok()?;
    let rest = std::str::from_utf8(bytes.strip_prefix(PREFIX)?).ok()?;
    let (fam, payload) = rest.split_once('.')?;
    let family = match fam {
        "openai" => Family::OpenAi,
        "anthropic" => Family::Anthropic,
        "gemini" => Family::Gemini,
        _ => return None,
    };
    if let Some(v) = payload.strip_prefix('s') {
        return Some(Opaque {
            family,
            value: Value::String(v.to_owned()),
        });
    }
    let value = serde_json::from_str(payload.strip_prefix('j')?).ok()?;
    Some(Opaque { family, value })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn native_values_stay_verbatim() {
        let o = Opaque {
            family: Family::Anthropic,
            value: Value::String("EqQBCkgIARABGAIiQ".into()),
        };
        assert_eq!(wrap(&o, Family::Anthropic), "EqQBCkgIARABGAIiQ");
        assert_eq!(unwrap("EqQBCkgIARABGAIiQ", Family::Anthropic), o);
    }

    #[test]
    fn foreign_values_round_trip_with_origin() {
        let o = Opaque {
            family: Family::Gemini,
            value: Value::String("CiQB0e2Kb+/sig==".into()),
        };
        let w = wrap(&o, Family::Anthropic);
        assert!(w.starts_with(MARK));
        // valid base64, as Gemini's bytes-typed thoughtSignature requires
        assert!(STANDARD.decode(wrap(&o, Family::Gemini)).is_ok());
        assert_eq!(unwrap(&w, Family::Anthropic), o);
        let j = Opaque {
            family: Family::OpenAi,
            value: serde_json::json!({"id": "rs_1", "enc": "x"}),
        };
        assert_eq!(unwrap(&wrap(&j, Family::Gemini), Family::Gemini), j);
    }

    proptest! {
        #[test]
        fn any_string_round_trips(s in ".*", native in 0..3u8, origin in 0..3u8) {
            let fam = |n| [Family::OpenAi, Family::Anthropic, Family::Gemini][n as usize];
            let o = Opaque { family: fam(origin), value: Value::String(s) };
            prop_assert_eq!(unwrap(&wrap(&o, fam(native)), fam(native)), o);
        }
    }
}
