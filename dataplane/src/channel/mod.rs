//! Channels: upstream adapters. A channel knows its provider's endpoints, which operation kinds
//! it serves natively, and how to authenticate. OAuth channels and TLS/HTTP2 emulation profiles
//! plug in here later (`authorize` gets the credential, `client_profile` picks the HTTP client).

mod anthropic;
mod gemini;
mod openai;

use gproxy_config::bundle::{ChannelKind, PreferredKind};
use gproxy_protocol::{Operation, OperationKey, OperationKind};
use http::HeaderMap;

use crate::runtime::CredentialRt;

pub trait Channel: Send + Sync {
    fn kind(&self) -> ChannelKind;
    /// Base URL including the API version segment, without a trailing slash.
    fn default_base_url(&self) -> &'static str;
    /// Generate-content kinds served natively, the preferred translation target first.
    fn native_kinds(&self) -> &'static [OperationKind];
    /// Whether `op` exists upstream in `kind` (e.g. no count-tokens on Chat Completions).
    fn serves(&self, op: Operation, kind: OperationKind) -> bool {
        self.native_kinds().contains(&kind) && OperationKey::new(op, kind).endpoint().is_some()
    }
    /// Put the credential on the request (header or query); returns a query string to append.
    fn authorize(&self, cred: &CredentialRt, headers: &mut HeaderMap) -> Option<String>;
    /// Headers every request of this channel carries (API version pins).
    fn fixed_headers(&self, _headers: &mut HeaderMap) {}
    /// Request headers from the client that this channel forwards (e.g. `anthropic-beta`).
    fn forwarded_client_headers(&self) -> &'static [&'static str] {
        &[]
    }
}

pub fn for_kind(kind: ChannelKind) -> &'static dyn Channel {
    match kind {
        ChannelKind::Openai => &openai::OPENAI,
        ChannelKind::OpenaiCompatible => &openai::COMPATIBLE,
        ChannelKind::Anthropic => &anthropic::ANTHROPIC,
        ChannelKind::Gemini => &gemini::GEMINI,
    }
}

/// The kind to speak upstream for a client of `inbound` kind doing `op`: the same kind when the
/// channel serves it natively (passthrough), else the preferred native kind that serves `op`.
pub fn upstream_kind(
    channel: &dyn Channel,
    prefer: Option<PreferredKind>,
    op: Operation,
    inbound: OperationKind,
) -> Option<OperationKind> {
    if channel.serves(op, inbound) {
        return Some(inbound);
    }
    let preferred = match prefer {
        Some(PreferredKind::Chat) => Some(OperationKind::OpenAiChat),
        Some(PreferredKind::Responses) => Some(OperationKind::OpenAiResponses),
        None => None,
    };
    preferred
        .into_iter()
        .chain(channel.native_kinds().iter().copied())
        .find(|k| channel.serves(op, *k))
}

/// Full upstream URL for an operation.
pub fn url(base: &str, key: OperationKey, model: &str, auth_query: Option<&str>) -> Option<String> {
    let ep = key.endpoint()?;
    let mut url = String::with_capacity(base.len() + ep.path.len() + model.len() + 16);
    url.push_str(base);
    match ep.path.split_once("{model}") {
        Some((a, b)) => {
            url.push_str(a);
            url.push_str(model);
            url.push_str(b);
        }
        None => url.push_str(ep.path),
    }
    let mut sep = '?';
    for q in [ep.query, auth_query].into_iter().flatten() {
        url.push(sep);
        url.push_str(q);
        sep = '&';
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passthrough_when_native_else_preferred() {
        let oai = for_kind(ChannelKind::Openai);
        let g = Operation::GenerateContent;
        assert_eq!(
            upstream_kind(oai, None, g, OperationKind::OpenAiChat),
            Some(OperationKind::OpenAiChat)
        );
        assert_eq!(
            upstream_kind(oai, None, g, OperationKind::AnthropicMessages),
            Some(OperationKind::OpenAiResponses)
        );
        assert_eq!(
            upstream_kind(oai, Some(PreferredKind::Chat), g, OperationKind::Gemini),
            Some(OperationKind::OpenAiChat)
        );
        let compat = for_kind(ChannelKind::OpenaiCompatible);
        assert_eq!(
            upstream_kind(compat, None, g, OperationKind::OpenAiResponses),
            Some(OperationKind::OpenAiChat)
        );
        // chat-only upstreams have no count tokens
        assert_eq!(
            upstream_kind(
                compat,
                None,
                Operation::CountTokens,
                OperationKind::AnthropicMessages
            ),
            None
        );
        let anth = for_kind(ChannelKind::Anthropic);
        assert_eq!(
            upstream_kind(anth, None, Operation::CountTokens, OperationKind::Gemini),
            Some(OperationKind::AnthropicMessages)
        );
    }

    #[test]
    fn urls() {
        let k = OperationKey::new(Operation::StreamGenerateContent, OperationKind::Gemini);
        assert_eq!(
            url("https://g/v1beta", k, "gemini-2.5-flash", None).unwrap(),
            "https://g/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
        );
        let k = OperationKey::new(Operation::GenerateContent, OperationKind::OpenAiChat);
        assert_eq!(
            url("http://h/v1", k, "m", Some("key=x")).unwrap(),
            "http://h/v1/chat/completions?key=x"
        );
    }
}
