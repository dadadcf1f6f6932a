//! [`RawJson`]: a JSON value carried as compact JSON text, for the parts of a request that cross
//! every translation unchanged (tool parameter schemas). Reading one writes its JSON straight
//! into a string (no `Value` tree, no map per object); writing one copies the text.

use std::fmt;
use std::io::Write;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

/// A JSON value kept as its compact text. Two `RawJson` are equal when their compact texts are:
/// values read from JSON keep their key order, so equal inputs give equal texts.
#[derive(Clone)]
pub struct RawJson(Box<RawValue>);

impl RawJson {
    /// The compact JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// The text of `value` (compact).
    pub fn from_value(value: &Value) -> RawJson {
        // serializing a `Value` to a string cannot fail, and its output always parses
        serde_json::value::to_raw_value(value)
            .map(RawJson)
            .unwrap_or_else(|_| RawJson(RawValue::NULL.to_owned()))
    }

    /// Parses the text into a `Value` (for the rare paths that edit a schema).
    pub fn to_value(&self) -> Value {
        serde_json::from_str(self.get()).unwrap_or(Value::Null)
    }

    /// Reads JSON text; the text is kept as given (not compacted).
    pub fn from_json(text: &str) -> Result<RawJson, serde_json::Error> {
        RawValue::from_string(text.to_owned()).map(RawJson)
    }
}

/// `null`, as `Value::default()`.
impl Default for RawJson {
    fn default() -> Self {
        RawJson(RawValue::NULL.to_owned())
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl fmt::Debug for RawJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.get())
    }
}

impl From<Value> for RawJson {
    fn from(v: Value) -> Self {
        RawJson::from_value(&v)
    }
}

impl Serialize for RawJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for RawJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut out = Vec::with_capacity(256);
        Sink(&mut out).deserialize(d)?;
        // the sink writes whole JSON values only, so this always is UTF-8 and always parses
        let text = String::from_utf8(out).map_err(serde::de::Error::custom)?;
        RawValue::from_string(text)
            .map(RawJson)
            .map_err(serde::de::Error::custom)
    }
}

/// Writes the value it is given as compact JSON (object keys too: they arrive as strings). Works with any deserializer (serde_json's
/// reader, serde's buffered content inside `untagged` / `flatten` types, a `Value`).
struct Sink<'a>(&'a mut Vec<u8>);

impl Sink<'_> {
    fn string(&mut self, s: &str) {
        // a `&str` always serializes
        let _ = serde_json::to_writer(&mut *self.0, s);
    }
}

impl<'de> DeserializeSeed<'de> for Sink<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Sink<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<(), E> {
        self.0.extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        // writing to a `Vec` cannot fail
        let _ = write!(self.0, "{v}");
        Ok(())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        let _ = write!(self.0, "{v}");
        Ok(())
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        // non-finite numbers are written as `null`, as serde_json does
        let _ = serde_json::to_writer(&mut *self.0, &v);
        Ok(())
    }

    fn visit_str<E: serde::de::Error>(mut self, v: &str) -> Result<(), E> {
        self.string(v);
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.0.extend_from_slice(b"null");
        Ok(())
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.push(b'[');
        let mut first = true;
        loop {
            let at = self.0.len();
            if !first {
                self.0.push(b',');
            }
            if seq.next_element_seed(Sink(&mut *self.0))?.is_none() {
                self.0.truncate(at);
                break;
            }
            first = false;
        }
        self.0.push(b']');
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.0.push(b'{');
        let mut first = true;
        loop {
            let at = self.0.len();
            if !first {
                self.0.push(b',');
            }
            if map.next_key_seed(Sink(&mut *self.0))?.is_none() {
                self.0.truncate(at);
                break;
            }
            self.0.push(b':');
            map.next_value_seed(Sink(&mut *self.0))?;
            first = false;
        }
        self.0.push(b'}');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde::Deserialize;
    use serde_json::{json, Value};

    use super::RawJson;

    #[derive(Deserialize)]
    struct Flat {
        schema: RawJson,
        #[serde(flatten)]
        extra: serde_json::Map<String, Value>,
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Tool { schema: RawJson },
        Other(serde::de::IgnoredAny),
    }

    const SCHEMA: &str = r#"{ "type": "object", "properties": {"city": {"type": "string", "description": "Paris, \"the\" city\n", "enum": ["a", "b"]}, "n": {"minimum": -3, "maximum": 1.5e3, "x": null, "y": true}}, "required": ["city"] }"#;

    #[test]
    fn reads_compact_text_from_the_reader_from_serde_buffers_and_from_a_value() {
        let want = serde_json::to_string(&serde_json::from_str::<Value>(SCHEMA).unwrap()).unwrap();
        let direct: RawJson = serde_json::from_str(SCHEMA).unwrap();
        assert_eq!(direct.get(), want);
        // inside a flatten struct and an untagged enum serde buffers the value first
        let flat: Flat =
            serde_json::from_str(&format!(r#"{{"schema": {SCHEMA}, "other": 1}}"#)).unwrap();
        assert_eq!(flat.schema.get(), want);
        assert_eq!(flat.extra["other"], json!(1));
        let either: Either = serde_json::from_str(&format!(r#"{{"schema": {SCHEMA}}}"#)).unwrap();
        assert!(matches!(either, Either::Tool { ref schema } if schema.get() == want));
        let from_value: RawJson =
            serde_json::from_value(serde_json::from_str::<Value>(SCHEMA).unwrap()).unwrap();
        assert_eq!(from_value.get(), want);
        assert_eq!(
            direct.to_value(),
            serde_json::from_str::<Value>(SCHEMA).unwrap()
        );
    }

    #[test]
    fn writes_its_text_verbatim_to_json_and_to_values() {
        let raw: RawJson = serde_json::from_str(SCHEMA).unwrap();
        let wrapped = serde_json::to_string(&json!({"a": 1})).unwrap();
        assert_eq!(wrapped, r#"{"a":1}"#);
        #[derive(serde::Serialize)]
        struct Out<'a> {
            p: &'a RawJson,
        }
        assert_eq!(
            serde_json::to_string(&Out { p: &raw }).unwrap(),
            format!(r#"{{"p":{}}}"#, raw.get())
        );
        assert_eq!(
            serde_json::to_value(Out { p: &raw }).unwrap()["p"],
            raw.to_value()
        );
        assert_eq!(RawJson::from_value(&raw.to_value()), raw);
    }

    #[test]
    fn scalars_and_empty_containers_keep_their_form() {
        for text in [
            "null",
            "true",
            "0",
            "-7",
            "18446744073709551615",
            "2.5",
            r#""é\u0001""#,
            "[]",
            "{}",
            "[[],{}]",
        ] {
            let raw: RawJson = serde_json::from_str(text).unwrap();
            assert_eq!(
                serde_json::from_str::<Value>(raw.get()).unwrap(),
                serde_json::from_str::<Value>(text).unwrap(),
                "{text}"
            );
        }
    }
}
