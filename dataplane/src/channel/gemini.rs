//! Gemini API (AI Studio) channel (`x-goog-api-key`).

use gproxy_config::bundle::ChannelKind;
use gproxy_protocol::OperationKind;
use http::{HeaderMap, HeaderValue};

use super::Channel;
use crate::runtime::CredentialRt;

pub struct Gemini;

pub static GEMINI: Gemini = Gemini;

impl Channel for Gemini {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Gemini
    }

    fn default_base_url(&self) -> &'static str {
        "https://generativelanguage.googleapis.com/v1beta"
    }

    fn native_kinds(&self) -> &'static [OperationKind] {
        &[OperationKind::Gemini]
    }

    fn authorize(&self, cred: &CredentialRt, headers: &mut HeaderMap) -> Option<String> {
        if let Ok(mut v) = HeaderValue::from_str(&cred.spec.api_key) {
            v.set_sensitive(true);
            headers.insert("x-goog-api-key", v);
        }
        None
    }
}
