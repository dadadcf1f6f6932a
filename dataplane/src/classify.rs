//! Step 1 of the pipeline: which operation, in which wire kind, from method, path and headers.

use gproxy_protocol::{Operation, OperationKind};
use http::{HeaderMap, Method};

/// What an inbound request is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    pub operation: Operation,
    pub kind: OperationKind,
    /// Model named in the path (Gemini actions, `GET /models/{id}`).
    pub path_model: Option<String>,
    /// `/{provider}/v1/...`: the request targets this provider directly.
    pub scoped: Option<String>,
    /// Gemini `:embedContent` (single) rather than `:batchEmbedContents`.
    pub single_embed: bool,
}

/// Why a path is not an API endpoint; the kind guessed from the path shapes the error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound {
    pub kind: OperationKind,
    pub method_not_allowed: bool,
}

pub fn classify(
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<Inbound, NotFound> {
    let path = path.trim_end_matches('/');
    let mut segs = path.trim_start_matches('/').splitn(2, '/');
    let first = segs.next().unwrap_or_default();
    let (scoped, version, rest) = if first == "v1" || first == "v1beta" || first == "v1alpha" {
        (None, first, segs.next().unwrap_or_default())
    } else {
        let tail = segs.next().unwrap_or_default();
        let mut t = tail.splitn(2, '/');
        let v = t.next().unwrap_or_default();
        (Some(first.to_owned()), v, t.next().unwrap_or_default())
    };
    let is_anthropic = headers.contains_key("anthropic-version");
    let is_gemini = version != "v1"
        || headers.contains_key("x-goog-api-key")
        || query.is_some_and(|q| q.split('&').any(|kv| kv.starts_with("key=")));
    let guess = if version == "v1beta" || version == "v1alpha" {
        OperationKind::Gemini
    } else if is_anthropic || rest.starts_with("messages") {
        OperationKind::AnthropicMessages
    } else if rest.contains(':') || is_gemini {
        OperationKind::Gemini
    } else {
        OperationKind::OpenAiChat
    };
    let not_found = |method_not_allowed| NotFound {
        kind: guess,
        method_not_allowed,
    };
    if !matches!(version, "v1" | "v1beta" | "v1alpha") {
        return Err(not_found(false));
    }
    let get = *method == Method::GET;
    let post = *method == Method::POST;
    let inbound = |operation, kind, path_model: Option<&str>| Inbound {
        operation,
        kind,
        path_model: path_model.map(str::to_owned),
        scoped: scoped.clone(),
        single_embed: false,
    };

    // Gemini actions: models/{model}:{action}
    if let Some(model_action) = rest.strip_prefix("models/") {
        if let Some((model, action)) = model_action.rsplit_once(':') {
            if !post {
                return Err(not_found(true));
            }
            let op = match action {
                "generateContent" => Operation::GenerateContent,
                "streamGenerateContent" => Operation::StreamGenerateContent,
                "countTokens" => Operation::CountTokens,
                "embedContent" | "batchEmbedContents" => Operation::CreateEmbedding,
                _ => return Err(not_found(false)),
            };
            let mut i = inbound(op, OperationKind::Gemini, Some(model));
            i.single_embed = action == "embedContent";
            return Ok(i);
        }
    }
    let models_kind = if guess == OperationKind::Gemini {
        OperationKind::Gemini
    } else if is_anthropic {
        OperationKind::AnthropicMessages
    } else {
        OperationKind::OpenAi
    };
    match rest {
        "models" if get => Ok(inbound(Operation::ListModels, models_kind, None)),
        r if get && r.starts_with("models/") => Ok(inbound(
            Operation::GetModel,
            models_kind,
            r.strip_prefix("models/"),
        )),
        "chat/completions" if post && version == "v1" => Ok(inbound(
            Operation::GenerateContent,
            OperationKind::OpenAiChat,
            None,
        )),
        "responses" if post && version == "v1" => Ok(inbound(
            Operation::GenerateContent,
            OperationKind::OpenAiResponses,
            None,
        )),
        "responses/input_tokens" if post && version == "v1" => Ok(inbound(
            Operation::CountTokens,
            OperationKind::OpenAiResponses,
            None,
        )),
        "responses/compact" if post && version == "v1" => Ok(inbound(
            Operation::CompactContent,
            OperationKind::OpenAiResponses,
            None,
        )),
        "embeddings" if post && version == "v1" => Ok(inbound(
            Operation::CreateEmbedding,
            OperationKind::OpenAi,
            None,
        )),
        "images/generations" if post && version == "v1" => {
            Ok(inbound(Operation::CreateImage, OperationKind::OpenAi, None))
        }
        "messages" if post && version == "v1" => Ok(inbound(
            Operation::GenerateContent,
            OperationKind::AnthropicMessages,
            None,
        )),
        "messages/count_tokens" if post && version == "v1" => Ok(inbound(
            Operation::CountTokens,
            OperationKind::AnthropicMessages,
            None,
        )),
        "models"
        | "chat/completions"
        | "responses"
        | "embeddings"
        | "messages"
        | "messages/count_tokens" => Err(not_found(true)),
        _ => Err(not_found(false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Operation as O;
    use OperationKind as K;

    fn h(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(*k, v.parse().unwrap());
        }
        m
    }

    #[test]
    fn table() {
        let none = h(&[]);
        let anth = h(&[("anthropic-version", "2023-06-01")]);
        let goog = h(&[("x-goog-api-key", "k")]);
        type Case<'a> = (
            Method,
            &'a str,
            &'a HeaderMap,
            Option<&'a str>,
            O,
            K,
            Option<&'a str>,
            Option<&'a str>,
        );
        let cases: Vec<Case> = vec![
            (
                Method::POST,
                "/v1/chat/completions",
                &none,
                None,
                O::GenerateContent,
                K::OpenAiChat,
                None,
                None,
            ),
            (
                Method::POST,
                "/v1/responses",
                &none,
                None,
                O::GenerateContent,
                K::OpenAiResponses,
                None,
                None,
            ),
            (
                Method::POST,
                "/v1/responses/input_tokens",
                &none,
                None,
                O::CountTokens,
                K::OpenAiResponses,
                None,
                None,
            ),
            (
                Method::POST,
                "/v1/messages",
                &anth,
                None,
                O::GenerateContent,
                K::AnthropicMessages,
                None,
                None,
            ),
            (
                Method::POST,
                "/v1/messages",
                &none,
                None,
                O::GenerateContent,
                K::AnthropicMessages,
                None,
                None,
            ),
            (
                Method::POST,
                "/v1/messages/count_tokens",
                &anth,
                None,
                O::CountTokens,
                K::AnthropicMessages,
                None,
                None,
            ),
            (
                Method::GET,
                "/v1/models",
                &none,
                None,
                O::ListModels,
                K::OpenAi,
                None,
                None,
            ),
            (
                Method::GET,
                "/v1/models",
                &anth,
                None,
                O::ListModels,
                K::AnthropicMessages,
                None,
                None,
            ),
            (
                Method::GET,
                "/v1/models",
                &goog,
                None,
                O::ListModels,
                K::Gemini,
                None,
                None,
            ),
            (
                Method::GET,
                "/v1/models",
                &none,
                Some("key=abc"),
                O::ListModels,
                K::Gemini,
                None,
                None,
            ),
            (
                Method::GET,
                "/v1beta/models",
                &none,
                None,
                O::ListModels,
                K::Gemini,
                None,
                None,
            ),
            (
                Method::GET,
                "/v1/models/gpt-4o",
                &none,
                None,
                O::GetModel,
                K::OpenAi,
                Some("gpt-4o"),
                None,
            ),
            (
                Method::POST,
                "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
                &goog,
                Some("alt=sse"),
                O::StreamGenerateContent,
                K::Gemini,
                Some("gemini-2.5-flash"),
                None,
            ),
            (
                Method::POST,
                "/v1/models/gemini-2.5-flash:generateContent",
                &goog,
                None,
                O::GenerateContent,
                K::Gemini,
                Some("gemini-2.5-flash"),
                None,
            ),
            (
                Method::POST,
                "/v1beta/models/text-embedding-004:batchEmbedContents",
                &goog,
                None,
                O::CreateEmbedding,
                K::Gemini,
                Some("text-embedding-004"),
                None,
            ),
            (
                Method::POST,
                "/oai/v1/chat/completions",
                &none,
                None,
                O::GenerateContent,
                K::OpenAiChat,
                None,
                Some("oai"),
            ),
            (
                Method::POST,
                "/g/v1beta/models/m:countTokens",
                &none,
                None,
                O::CountTokens,
                K::Gemini,
                Some("m"),
                Some("g"),
            ),
        ];
        for (m, p, hd, q, op, kind, model, scoped) in cases {
            let got = classify(&m, p, hd, q).unwrap_or_else(|e| panic!("{p}: {e:?}"));
            assert_eq!((got.operation, got.kind), (op, kind), "{p}");
            assert_eq!(got.path_model.as_deref(), model, "{p}");
            assert_eq!(got.scoped.as_deref(), scoped, "{p}");
        }
    }

    #[test]
    fn unknown_paths_and_methods() {
        let none = HeaderMap::new();
        assert!(
            classify(&Method::GET, "/v1/chat/completions", &none, None)
                .unwrap_err()
                .method_not_allowed
        );
        let e = classify(&Method::POST, "/v1/messages/nope", &none, None).unwrap_err();
        assert_eq!(e.kind, K::AnthropicMessages);
        assert!(classify(&Method::POST, "/v1beta/models/m:explode", &none, None).is_err());
        assert!(classify(&Method::GET, "/", &none, None).is_err());
    }
}
