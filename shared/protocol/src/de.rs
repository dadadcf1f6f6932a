//! Hand-written `Deserialize` for the wire enums that serde's `untagged` would otherwise parse
//! twice: `untagged` buffers the whole value (every string and map allocated once more), then
//! tries each variant against the buffer. These read the JSON once.

/// A "string or array" enum: `$text(String)` for a string, `$list(Vec<$elem>)` for an array.
macro_rules! text_or_list {
    ($ty:ident :: $text:ident | $list:ident ( $elem:ty ), $expecting:literal) => {
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        Ok($ty::$text(v.to_owned()))
                    }
                    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<$ty, E> {
                        Ok($ty::$text(v))
                    }
                    fn visit_seq<A: serde::de::SeqAccess<'de>>(
                        self,
                        seq: A,
                    ) -> Result<$ty, A::Error> {
                        <Vec<$elem> as serde::Deserialize>::deserialize(
                            serde::de::value::SeqAccessDeserializer::new(seq),
                        )
                        .map($ty::$list)
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

pub(crate) use text_or_list;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use crate::anthropic::request::MessageContent;
    use crate::openai::chat::request::Stop;

    #[test]
    fn reads_a_string_or_an_array_and_names_both_in_its_error() {
        let text: MessageContent = serde_json::from_str(r#""hi""#).unwrap();
        assert_eq!(text, MessageContent::Text("hi".into()));
        let blocks: MessageContent =
            serde_json::from_str(r#"[{"type":"text","text":"a"},{"type":"text","text":"b"}]"#)
                .unwrap();
        assert!(matches!(blocks, MessageContent::Blocks(ref b) if b.len() == 2));
        // from a Value too (rules and tests decode through `from_value`)
        let v: Stop = serde_json::from_value(json!(["x", "y"])).unwrap();
        assert_eq!(v, Stop::Many(vec!["x".into(), "y".into()]));
        let err = serde_json::from_str::<MessageContent>("12").unwrap_err();
        assert!(err.to_string().contains("a string or an array"), "{err}");
        // an element error names the element, not the enum
        let err = serde_json::from_str::<Stop>("[1]").unwrap_err();
        assert!(err.to_string().contains("expected a string"), "{err}");
    }
}
