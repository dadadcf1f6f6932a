//! Carrying opaque reasoning data (signatures, encrypted reasoning) through a foreign protocol.
//!
//! A client of protocol A talking to an upstream of protocol B receives B's thinking signature in
//! A's opaque field (e.g. a Gemini `thoughtSignature` in an Anthropic `signature`), and sends it
//! back on the next turn. Wrapping it with its origin lets the next request hand it back to B
//! verbatim, and lets a later switch to another upstream drop it instead of sending garbage.
//!
//! Format: `gpx1.{family}.{payload}` where payload is the origin's string value verbatim, or
//! `j` + base64url(JSON) when the origin value is not a string.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gproxy_protocol::Family;
use serde_json::Value;

use crate::ir::Opaque;

const PREFIX: &str = "gpx1.";

/// Render `opaque` for a wire field of family `target`: verbatim when it is native, wrapped when
/// it is foreign.
pub fn wrap(opaque: &Opaque, target: Family) -> String {
    match (&opaque.value, opaque.family == target) {
        (Value::String(s), true) => s.clone(),
        (Value::String(s), false) => format!("{PREFIX}{}.s{s}", opaque.family),
        (other, _) => {
            let json = serde_json::to_vec(other).unwrap_or_default();
            format!(
                "{PREFIX}{}.j{}",
                opaque.family,
                URL_SAFE_NO_PAD.encode(json)
            )
        }
    }
}

/// Read a string from a wire field of family `native`: a wrapped foreign value comes back with
/// its origin, anything else is the native family's own.
pub fn unwrap(s: &str, native: Family) -> Opaque {
    if let Some(rest) = s.strip_prefix(PREFIX) {
        if let Some((fam, payload)) = rest.split_once('.') {
            let family = match fam {
                "openai" => Some(Family::OpenAi),
                "anthropic" => Some(Family::Anthropic),
                "gemini" => Some(Family::Gemini),
                _ => None,
            };
            if let Some(family) = family {
                if let Some(v) = payload.strip_prefix('s') {
                    return Opaque {
                        family,
                        value: Value::String(v.to_owned()),
                    };
                }
                if let Some(b) = payload.strip_prefix('j') {
                    if let Some(value) = URL_SAFE_NO_PAD
                        .decode(b)
                        .ok()
                        .and_then(|j| serde_json::from_slice(&j).ok())
                    {
                        return Opaque { family, value };
                    }
                }
            }
        }
    }
    Opaque {
        family: native,
        value: Value::String(s.to_owned()),
    }
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
        assert!(w.starts_with("gpx1.gemini."));
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
