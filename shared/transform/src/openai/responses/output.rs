//! Responses output items built from IR parts (shared by the response and stream encoders).

use gproxy_protocol::openai::responses as wire;
use gproxy_protocol::Family;
use serde_json::{Map, Value};

use crate::ir::{self, ToolCall, ToolCallKind};
use crate::sig;

/// Splits a flattened `{ns}__{name}` call back into namespace and name when `ns` is one of the
/// client's namespaces.
pub(crate) fn split_namespace(c: &ToolCall, namespaces: &[String]) -> (String, Option<String>) {
    if c.namespace.is_none() {
        if let Some((ns, name)) = c.name.split_once("__") {
            if namespaces.iter().any(|n| n == ns) {
                return (name.to_owned(), Some(ns.to_owned()));
            }
        }
    }
    (c.name.clone(), c.namespace.clone())
}

/// The output item of a tool call.
pub(crate) fn call_item(
    id: String,
    c: &ToolCall,
    namespaces: &[String],
    status: &str,
) -> wire::Item {
    let (name, namespace) = split_namespace(c, namespaces);
    let status = Some(status.to_owned());
    match c.kind {
        ToolCallKind::Function => wire::Item::FunctionCall(wire::FunctionCall {
            id: Some(id),
            call_id: c.id.clone(),
            name,
            namespace,
            arguments: c.arguments.clone(),
            status,
            extra: Map::new(),
        }),
        ToolCallKind::Custom => wire::Item::CustomToolCall(wire::CustomToolCall {
            id: Some(id),
            call_id: c.id.clone(),
            name,
            namespace,
            input: c.arguments.clone(),
            status,
            extra: Map::new(),
        }),
    }
}

pub(crate) fn reasoning_item(id: String, text: &str, signature: Option<&ir::Opaque>) -> wire::Item {
    wire::Item::Reasoning(wire::ReasoningItem {
        id: Some(id),
        summary: if text.is_empty() {
            Vec::new()
        } else {
            vec![wire::SummaryPart::text(text)]
        },
        encrypted_content: signature.map(|s| Some(sig::wrap(s, Family::OpenAi))),
        ..Default::default()
    })
}

/// Id prefix of the reasoning item that carries another provider's tool-call signature
/// (Gemini `thoughtSignature` on a `functionCall`), which a `function_call` item has no field
/// for: `rs_callsig_{call_id}`, placed right after the call. The client replays it, and the
/// request decoder puts the signature back on the call.
pub(crate) const CALL_SIG_PREFIX: &str = "rs_callsig_";

/// The carrier item of a tool call's signature; `None` for OpenAI's own (it has none).
pub(crate) fn call_signature_item(c: &ToolCall) -> Option<wire::Item> {
    let sig = c
        .signature
        .as_ref()
        .filter(|s| s.family != Family::OpenAi)?;
    Some(reasoning_item(
        format!("{CALL_SIG_PREFIX}{}", c.id),
        "",
        Some(sig),
    ))
}

pub(crate) fn message_item(
    id: String,
    content: Vec<wire::ContentPart>,
    status: &str,
) -> wire::Item {
    let mut m = wire::Message::new(wire::Role::Assistant, wire::MessageContent::Parts(content));
    m.id = Some(id);
    m.status = Some(status.to_owned());
    wire::Item::Message(m)
}

pub(crate) fn output_text(text: String, annotations: Vec<Value>) -> wire::ContentPart {
    wire::ContentPart::OutputText(wire::OutputText {
        text,
        annotations: Some(annotations),
        logprobs: Some(Vec::new()),
        extra: Map::new(),
    })
}

/// Item ids minted for one response: `{prefix}_{response id without resp_}{n}`.
pub(crate) fn item_id(prefix: &str, resp_id: &str, n: usize) -> String {
    format!(
        "{prefix}_{}{n:02}",
        resp_id.strip_prefix("resp_").unwrap_or(resp_id)
    )
}
