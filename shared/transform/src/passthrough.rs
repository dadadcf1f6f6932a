//! Same-kind passthrough: read and patch top-level JSON fields (the model name, `stream_options`)
//! in the raw body without parsing the rest, so a 1 MB request costs one linear scan.

use std::borrow::Cow;

use memchr::memchr2;

use crate::error::{Result, TransformError};

/// Byte spans of one top-level member: the key's content (without quotes, escapes raw) and the
/// whole value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Member {
    key: (usize, usize),
    value: (usize, usize),
}

fn malformed(what: &'static str) -> TransformError {
    TransformError::invalid("body", what)
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while let Some(c) = b.get(i) {
        if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
            break;
        }
        i += 1;
    }
    i
}

/// `i` is just after an opening quote; returns the index of the closing quote.
fn string_end(b: &[u8], mut i: usize) -> Result<usize> {
    loop {
        let rest = b.get(i..).ok_or_else(|| malformed("unterminated string"))?;
        match memchr2(b'"', b'\\', rest) {
            Some(off) => {
                let at = i + off;
                if b.get(at) == Some(&b'\\') {
                    i = at + 2;
                } else {
                    return Ok(at);
                }
            }
            None => return Err(malformed("unterminated string")),
        }
    }
}

/// Bytes that open or close a string, object or array.
const STRUCTURAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'{' as usize] = true;
    t[b'[' as usize] = true;
    t[b'}' as usize] = true;
    t[b']' as usize] = true;
    t
};

/// Returns the index just past the value starting at `i`.
fn skip_value(b: &[u8], i: usize) -> Result<usize> {
    match b.get(i) {
        Some(b'"') => Ok(string_end(b, i + 1)? + 1),
        Some(b'{') | Some(b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                // jump to the next byte that matters: a quote or a bracket
                let rest = b.get(j..).unwrap_or_default();
                let Some(off) = rest.iter().position(|&c| STRUCTURAL[usize::from(c)]) else {
                    return Err(malformed("unterminated object or array"));
                };
                j += off;
                match b.get(j) {
                    Some(b'"') => j = string_end(b, j + 1)?,
                    Some(b'{' | b'[') => depth += 1,
                    _ => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(j + 1);
                        }
                    }
                }
                j += 1;
            }
        }
        Some(_) => {
            let mut j = i;
            while let Some(c) = b.get(j) {
                if matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                    break;
                }
                j += 1;
            }
            if j == i {
                return Err(malformed("missing value"));
            }
            Ok(j)
        }
        None => Err(malformed("missing value")),
    }
}

/// The top-level members of a JSON object body.
fn members(b: &[u8]) -> Result<Vec<Member>> {
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return Err(malformed("expected a JSON object"));
    }
    i = skip_ws(b, i + 1);
    let mut out = Vec::with_capacity(16);
    if b.get(i) == Some(&b'}') {
        return Ok(out);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return Err(malformed("expected a field name"));
        }
        let kend = string_end(b, i + 1)?;
        let key = (i + 1, kend);
        i = skip_ws(b, kend + 1);
        if b.get(i) != Some(&b':') {
            return Err(malformed("expected ':'"));
        }
        i = skip_ws(b, i + 1);
        let vend = skip_value(b, i)?;
        out.push(Member {
            key,
            value: (i, vend),
        });
        i = skip_ws(b, vend);
        match b.get(i) {
            Some(b',') => i = skip_ws(b, i + 1),
            Some(b'}') => return Ok(out),
            _ => return Err(malformed("expected ',' or '}'")),
        }
    }
}

fn find<'a>(b: &[u8], ms: &'a [Member], key: &str) -> Option<&'a Member> {
    ms.iter()
        .rev()
        .find(|m| b.get(m.key.0..m.key.1) == Some(key.as_bytes()))
}

/// A JSON object body scanned once: its top-level members can then be read without another
/// scan (`model` and `stream` of every request, say).
pub struct TopLevel<'a> {
    body: &'a [u8],
    members: Vec<Member>,
}

impl<'a> TopLevel<'a> {
    /// Scan `body`; an error when it is not one JSON object.
    pub fn scan(body: &'a [u8]) -> Result<Self> {
        Ok(TopLevel {
            body,
            members: members(body)?,
        })
    }

    /// The raw JSON text of a member.
    pub fn raw(&self, key: &str) -> Option<&'a [u8]> {
        find(self.body, &self.members, key).and_then(|m| self.body.get(m.value.0..m.value.1))
    }

    /// A string member, unescaped; `None` when absent or not a string.
    pub fn str(&self, key: &str) -> Result<Option<Cow<'a, str>>> {
        str_value(self.raw(key))
    }

    /// A boolean member; `None` when absent or not a boolean.
    pub fn bool(&self, key: &str) -> Option<bool> {
        match self.raw(key) {
            Some(b"true") => Some(true),
            Some(b"false") => Some(false),
            _ => None,
        }
    }
}

/// A top-level string field (e.g. `model`), unescaped. `None` when absent or not a string.
pub fn get_str<'a>(body: &'a [u8], key: &str) -> Result<Option<Cow<'a, str>>> {
    str_value(TopLevel::scan(body)?.raw(key))
}

fn str_value(raw: Option<&[u8]>) -> Result<Option<Cow<'_, str>>> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    if raw.first() != Some(&b'"') {
        return Ok(None);
    }
    let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or_default();
    if !inner.contains(&b'\\') {
        return std::str::from_utf8(inner)
            .map(|s| Some(Cow::Borrowed(s)))
            .map_err(|_| malformed("invalid UTF-8"));
    }
    Ok(Some(Cow::Owned(serde_json::from_slice::<String>(raw)?)))
}

/// A top-level boolean field (e.g. `stream`).
pub fn get_bool(body: &[u8], key: &str) -> Result<Option<bool>> {
    Ok(TopLevel::scan(body)?.bool(key))
}

/// The raw JSON text of a top-level field.
pub fn get_raw<'a>(body: &'a [u8], key: &str) -> Result<Option<&'a [u8]>> {
    Ok(TopLevel::scan(body)?.raw(key))
}

/// A body edit: set a field to raw JSON, or remove it.
#[derive(Debug, Clone, Copy)]
pub enum Patch<'a> {
    Set(&'a str, &'a [u8]),
    Remove(&'a str),
}

/// Apply patches to the top level of a JSON object body in one pass. A `Set` of a missing field
/// inserts it first in the object. Everything else is copied byte for byte.
pub fn patch(body: &[u8], patches: &[Patch<'_>]) -> Result<Vec<u8>> {
    let ms = members(body)?;
    // (start, end, replacement); removals take the following comma (or the preceding one).
    let mut edits: Vec<(usize, usize, Vec<u8>)> = Vec::with_capacity(patches.len());
    let mut inserts: Vec<u8> = Vec::new();
    for p in patches {
        match *p {
            Patch::Set(key, value) => {
                if let Some(m) = find(body, &ms, key) {
                    edits.push((m.value.0, m.value.1, value.to_vec()));
                } else {
                    inserts.push(b'"');
                    inserts.extend_from_slice(escape_key(key).as_bytes());
                    inserts.extend_from_slice(b"\":");
                    inserts.extend_from_slice(value);
                    inserts.push(b',');
                }
            }
            Patch::Remove(key) => {
                if let Some(pos) = ms
                    .iter()
                    .rposition(|m| body.get(m.key.0..m.key.1) == Some(key.as_bytes()))
                {
                    let m = ms[pos];
                    let start = m.key.0 - 1;
                    let (s, e) = match ms.get(pos + 1) {
                        Some(next) => (start, next.key.0 - 1),
                        None => match pos.checked_sub(1).and_then(|p| ms.get(p)) {
                            Some(prev) => (prev.value.1, m.value.1),
                            None => (start, m.value.1),
                        },
                    };
                    edits.push((s, e, Vec::new()));
                }
            }
        }
    }
    edits.sort_by_key(|e| e.0);
    let open = skip_ws(body, 0) + 1;
    let mut out = Vec::with_capacity(body.len() + inserts.len() + 16);
    out.extend_from_slice(body.get(..open).unwrap_or_default());
    if !inserts.is_empty() {
        if ms.len() == edits.iter().filter(|e| e.2.is_empty()).count() {
            inserts.pop(); // no member survives: no trailing comma
        }
        out.extend_from_slice(&inserts);
    }
    let mut at = open;
    for (s, e, rep) in edits {
        if s < at {
            continue; // overlapping edits of one key: first wins
        }
        out.extend_from_slice(body.get(at..s).unwrap_or_default());
        out.extend_from_slice(&rep);
        at = e;
    }
    out.extend_from_slice(body.get(at..).unwrap_or_default());
    Ok(out)
}

fn escape_key(key: &str) -> Cow<'_, str> {
    if key.bytes().all(|c| c != b'"' && c != b'\\' && c >= 0x20) {
        Cow::Borrowed(key)
    } else {
        let s = serde_json::to_string(key).unwrap_or_default();
        Cow::Owned(s.trim_matches('"').to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn v(b: &[u8]) -> Value {
        serde_json::from_slice(b).unwrap()
    }

    #[test]
    fn reads_fields_without_parsing_the_rest() {
        let body = br#" { "messages": [{"role":"user","content":"a \"model\": x"}], "model" : "gpt-4o", "stream":true } "#;
        assert_eq!(get_str(body, "model").unwrap().as_deref(), Some("gpt-4o"));
        assert_eq!(get_bool(body, "stream").unwrap(), Some(true));
        assert_eq!(get_str(body, "nope").unwrap(), None);
        assert_eq!(
            get_str(br#"{"model":"a\u00e9\"b"}"#, "model")
                .unwrap()
                .as_deref(),
            Some("aé\"b")
        );
    }

    #[test]
    fn rewrites_the_model_and_keeps_every_other_byte() {
        let body =
            br#"{"model":"alias","messages":[{"content":"{\"model\":1}"}],"x":{"model":"inner"}}"#;
        let out = patch(body, &[Patch::Set("model", br#""real-model""#)]).unwrap();
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"{"model":"real-model","messages":[{"content":"{\"model\":1}"}],"x":{"model":"inner"}}"#
        );
    }

    #[test]
    fn inserts_and_removes() {
        let body = br#"{"model":"m","stream":true}"#;
        let out = patch(
            body,
            &[Patch::Set("stream_options", br#"{"include_usage":true}"#)],
        )
        .unwrap();
        assert_eq!(
            v(&out),
            json!({"stream_options":{"include_usage":true},"model":"m","stream":true})
        );
        let out = patch(body, &[Patch::Remove("stream")]).unwrap();
        assert_eq!(v(&out), json!({"model":"m"}));
        let out = patch(body, &[Patch::Remove("model")]).unwrap();
        assert_eq!(v(&out), json!({"stream":true}));
        let out = patch(br#"{"a":1}"#, &[Patch::Remove("a"), Patch::Set("b", b"2")]).unwrap();
        assert_eq!(v(&out), json!({"b":2}));
        let out = patch(b"{}", &[Patch::Set("b", b"2")]).unwrap();
        assert_eq!(v(&out), json!({"b":2}));
    }

    #[test]
    fn rejects_what_is_not_an_object() {
        for bad in [
            &b"[1]"[..],
            b"",
            b"{\"a\":",
            b"{\"a\" 1}",
            b"{\"a\":\"x}",
            b"{\"a\":1,}",
        ] {
            assert!(
                patch(bad, &[Patch::Set("model", b"\"x\"")]).is_err(),
                "{bad:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn patching_agrees_with_a_full_parse(
            obj in proptest::collection::btree_map("[a-z]{1,6}", any::<i32>(), 0..6),
            key in "[a-z]{1,6}",
            val in any::<i32>(),
        ) {
            let body = serde_json::to_vec(&obj).unwrap();
            let out = patch(&body, &[Patch::Set(&key, val.to_string().as_bytes())]).unwrap();
            let mut expect = serde_json::to_value(&obj).unwrap();
            expect[key.as_str()] = json!(val);
            prop_assert_eq!(v(&out), expect);
            let out = patch(&body, &[Patch::Remove(&key)]).unwrap();
            let mut expect = serde_json::to_value(&obj).unwrap();
            expect.as_object_mut().unwrap().remove(&key);
            prop_assert_eq!(v(&out), expect);
        }

        #[test]
        fn never_panics(body in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = patch(&body, &[Patch::Set("model", b"1"), Patch::Remove("x")]);
            let _ = get_str(&body, "model");
        }
    }
}
