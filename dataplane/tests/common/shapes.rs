//! Error shapes as a client reads them: the error body of each kind, and the error frame a
//! stream of each kind ends with.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;

use super::parse::SseEvent;
use super::Kind;

/// The error a client reads from an error body of `kind`: (type or status name, message).
pub fn error_of(kind: Kind, v: &Value) -> Result<(String, String), String> {
    match kind {
        Kind::Chat | Kind::Responses => {
            let e = &v["error"];
            match (e["type"].as_str(), e["message"].as_str()) {
                (Some(t), Some(m)) if e.get("param").is_some() && e.get("code").is_some() => {
                    Ok((t.to_owned(), m.to_owned()))
                }
                _ => Err(format!("not an OpenAI error body: {v}")),
            }
        }
        Kind::Anthropic => match (
            v["type"].as_str(),
            v["error"]["type"].as_str(),
            v["error"]["message"].as_str(),
        ) {
            (Some("error"), Some(t), Some(m)) => Ok((t.to_owned(), m.to_owned())),
            _ => Err(format!("not an Anthropic error body: {v}")),
        },
        Kind::Gemini => {
            let e = &v["error"];
            match (
                e["code"].as_u64(),
                e["message"].as_str(),
                e["status"].as_str(),
            ) {
                (Some(_), Some(m), Some(s)) => Ok((s.to_owned(), m.to_owned())),
                _ => Err(format!("not a Gemini error body: {v}")),
            }
        }
    }
}

/// The error frame a stream of `kind` ends with, if it ends with one.
pub fn stream_error(kind: Kind, events: &[SseEvent]) -> Option<Value> {
    let last = events.iter().rev().find(|e| e.data != "[DONE]")?;
    let v: Value = serde_json::from_str(&last.data).ok()?;
    match kind {
        Kind::Anthropic => {
            (last.event.as_deref() == Some("error") && v["type"] == "error").then_some(v)
        }
        Kind::Responses => {
            // `error` (the SDKs raise on it), optionally followed by `response.failed`
            let err = if last.event.as_deref() == Some("response.failed") {
                let before = events.iter().rev().nth(1)?;
                serde_json::from_str::<Value>(&before.data)
                    .ok()
                    .filter(|_| before.event.as_deref() == Some("error"))?
            } else {
                v
            };
            (err["type"] == "error").then_some(err)
        }
        Kind::Chat | Kind::Gemini => (last.event.is_none() && v["error"].is_object()).then_some(v),
    }
}
