//! OpenAI and OpenAI-compatible channels (Bearer auth).

use gproxy_config::bundle::ChannelKind;
use gproxy_protocol::OperationKind;
use http::{HeaderMap, HeaderValue};

use super::Channel;
use crate::runtime::CredentialRt;

pub struct OpenAi {
    compatible: bool,
}

pub static OPENAI: OpenAi = OpenAi { compatible: false };
pub static COMPATIBLE: OpenAi = OpenAi { compatible: true };

impl Channel for OpenAi {
    fn kind(&self) -> ChannelKind {
        if self.compatible {
            ChannelKind::OpenaiCompatible
        } else {
            ChannelKind::Openai
        }
    }

    fn default_base_url(&self) -> &'static str {
        if self.compatible {
            "http://127.0.0.1:8000/v1"
        } else {
            "https://api.openai.com/v1"
        }
    }

    fn native_kinds(&self) -> &'static [OperationKind] {
        if self.compatible {
            &[OperationKind::OpenAiChat, OperationKind::OpenAi]
        } else {
            &[
                OperationKind::OpenAiResponses,
                OperationKind::OpenAiChat,
                OperationKind::OpenAi,
            ]
        }
    }

    fn authorize(&self, cred: &CredentialRt, headers: &mut HeaderMap) -> Option<String> {
        if let Ok(v) = HeaderValue::from_str(&format!("Bearer {}", cred.spec.api_key)) {
            let mut v = v;
            v.set_sensitive(true);
            headers.insert(http::header::AUTHORIZATION, v);
        }
        None
    }

    fn forwarded_client_headers(&self) -> &'static [&'static str] {
        &["openai-beta"]
    }
}
