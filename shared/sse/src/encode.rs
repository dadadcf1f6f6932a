//! Event-stream encoder: writes events and comments in wire form.

use memchr::memchr2;

use crate::Event;

/// Append one event in wire form: optional `event: NAME\n`, then `data: LINE\n` per line of `data`
/// (split on `\n`, `\r\n` and `\r`), then a blank line.
///
/// An empty `event` name is left out (it means the default type anyway), and CR / LF inside the
/// name are dropped so a name can never break the framing.
pub fn encode(buf: &mut Vec<u8>, event: Option<&str>, data: &str) {
    buf.reserve(data.len() + event.map_or(0, |name| name.len() + 8) + 8);
    if let Some(name) = event.filter(|name| !name.is_empty()) {
        single_line_field(buf, b"event: ", name);
    }
    data_lines(buf, data);
    buf.push(b'\n');
}

/// Append a whole [`Event`], including its `id` and `retry` fields, in wire form.
pub fn encode_event(buf: &mut Vec<u8>, event: &Event) {
    if let Some(name) = event.event.as_deref().filter(|name| !name.is_empty()) {
        single_line_field(buf, b"event: ", name);
    }
    if let Some(id) = &event.id {
        single_line_field(buf, b"id: ", id);
    }
    if let Some(retry) = event.retry {
        buf.extend_from_slice(format!("retry: {retry}\n").as_bytes());
    }
    data_lines(buf, &event.data);
    buf.push(b'\n');
}

/// Append a comment line (`: text\n\n`), used for keep-alives. A multi-line `text` becomes one
/// comment line per line.
pub fn encode_comment(buf: &mut Vec<u8>, text: &str) {
    for_each_line(text.as_bytes(), |line| {
        buf.extend_from_slice(b": ");
        buf.extend_from_slice(line);
        buf.push(b'\n');
    });
    buf.push(b'\n');
}

fn data_lines(buf: &mut Vec<u8>, data: &str) {
    for_each_line(data.as_bytes(), |line| {
        buf.extend_from_slice(b"data: ");
        buf.extend_from_slice(line);
        buf.push(b'\n');
    });
}

/// Writes `prefix value\n`, leaving out any CR or LF in `value`.
fn single_line_field(buf: &mut Vec<u8>, prefix: &[u8], value: &str) {
    buf.extend_from_slice(prefix);
    for_each_line(value.as_bytes(), |piece| buf.extend_from_slice(piece));
    buf.push(b'\n');
}

/// Calls `f` for each line of `text` split on `\n`, `\r\n` and `\r`; an empty text is one empty
/// line, and a trailing line end yields a final empty line (so the data survives a round trip).
fn for_each_line(text: &[u8], mut f: impl FnMut(&[u8])) {
    let mut rest = text;
    while let Some(pos) = memchr2(b'\n', b'\r', rest) {
        let (line, after) = rest.split_at(pos);
        f(line);
        let consumed = if after.starts_with(b"\r\n") { 2 } else { 1 };
        rest = after.get(consumed..).unwrap_or_default();
    }
    f(rest);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn encoded(event: Option<&str>, data: &str) -> String {
        let mut buf = Vec::new();
        encode(&mut buf, event, data);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn encode_table() {
        let cases: &[(Option<&str>, &str, &str)] = &[
            (None, "{\"a\":1}", "data: {\"a\":1}\n\n"),
            (
                Some("message_start"),
                "{}",
                "event: message_start\ndata: {}\n\n",
            ),
            (None, "[DONE]", "data: [DONE]\n\n"),
            (None, "", "data: \n\n"),
            (None, "a\nb", "data: a\ndata: b\n\n"),
            (None, "a\r\nb\rc", "data: a\ndata: b\ndata: c\n\n"),
            (None, "a\n", "data: a\ndata: \n\n"),
            (None, " lead", "data:  lead\n\n"),
            (Some(""), "x", "data: x\n\n"),
            (Some("bad\r\nname"), "x", "event: badname\ndata: x\n\n"),
            (None, "héllo ✓", "data: héllo ✓\n\n"),
        ];
        for (event, data, want) in cases {
            assert_eq!(
                encoded(*event, data),
                *want,
                "event {event:?} data {data:?}"
            );
        }
    }

    #[test]
    fn encode_appends() {
        let mut buf = b"data: 1\n\n".to_vec();
        encode(&mut buf, None, "2");
        assert_eq!(buf, b"data: 1\n\ndata: 2\n\n");
    }

    #[test]
    fn encode_event_writes_id_and_retry() {
        let mut buf = Vec::new();
        let event = Event {
            event: Some("ping".into()),
            data: "x\ny".into(),
            id: Some("42".into()),
            retry: Some(3000),
        };
        encode_event(&mut buf, &event);
        assert_eq!(
            String::from_utf8(buf).unwrap(),
            "event: ping\nid: 42\nretry: 3000\ndata: x\ndata: y\n\n"
        );
    }

    #[test]
    fn comment_table() {
        let cases = [
            ("keep-alive", ": keep-alive\n\n"),
            ("", ": \n\n"),
            ("a\nb", ": a\n: b\n\n"),
        ];
        for (text, want) in cases {
            let mut buf = Vec::new();
            encode_comment(&mut buf, text);
            assert_eq!(String::from_utf8(buf).unwrap(), want, "text {text:?}");
        }
    }
}
