//! Anthropic Messages channel (`x-api-key` + pinned `anthropic-version`).

use gproxy_config::bundle::ChannelKind;
use gproxy_protocol::OperationKind;
use http::{HeaderMap, HeaderValue};

use super::Channel;
use crate::runtime::CredentialRt;

pub struct Anthropic;

pub static ANTHROPIC: Anthropic = Anthropic;

impl Channel for Anthropic {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Anthropic
    }

    fn default_base_url(&self) -> &'static str {
        "https://api.anthropic.com/v1"
    }

    fn native_kinds(&self) -> &'static [OperationKind] {
        &[OperationKind::AnthropicMessages]
    }

    fn authorize(&self, cred: &CredentialRt, headers: &mut HeaderMap) -> Option<String> {
        if let Ok(mut v) = HeaderValue::from_str(&cred.spec.api_key) {
            v.set_sensitive(true);
            headers.insert("x-api-key", v);
        }
        None
    }

    fn fixed_headers(&self, headers: &mut HeaderMap) {
        headers.insert("anthropic-version", HeaderValue::from_static("2023-06-01"));
    }

    fn forwarded_client_headers(&self) -> &'static [&'static str] {
        &["anthropic-beta"]
    }
}
