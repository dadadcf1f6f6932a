//! Which provider family and operation a request is for, and where that family carries its key.

use hyper::{HeaderMap, Method};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    OpenAi,
    Anthropic,
    Gemini,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `HEAD /` or `GET /` (clients probe it).
    Root,
    /// `/__mock/*` control endpoints.
    Admin(String),
    ChatCompletions,
    Responses,
    ResponsesInputTokens,
    Embeddings,
    Messages,
    CountTokens,
    /// `generateContent` / `streamGenerateContent` of a model; `sse` when `alt=sse`.
    Generate {
        model: String,
        stream: bool,
        sse: bool,
    },
    GeminiCountTokens(String),
    EmbedContent(String),
    BatchEmbedContents(String),
    /// `GET .../models` of a family.
    ListModels(Family),
    /// `GET .../models/{id}` of a family.
    GetModel(Family, String),
    NotFound(Family),
}

impl Route {
    pub fn family(&self) -> Family {
        match self {
            Route::Root | Route::Admin(_) => Family::OpenAi,
            Route::ChatCompletions
            | Route::Responses
            | Route::ResponsesInputTokens
            | Route::Embeddings => Family::OpenAi,
            Route::Messages | Route::CountTokens => Family::Anthropic,
            Route::Generate { .. }
            | Route::GeminiCountTokens(_)
            | Route::EmbedContent(_)
            | Route::BatchEmbedContents(_) => Family::Gemini,
            Route::ListModels(f) | Route::GetModel(f, _) | Route::NotFound(f) => *f,
        }
    }
}

/// Route a request. `GET /v1/models` is shared by three families: `anthropic-version` means Anthropic,
/// `x-goog-api-key` or `?key=` means Gemini, anything else OpenAI.
pub fn route(method: &Method, path: &str, query: Option<&str>, headers: &HeaderMap) -> Route {
    if path == "/" && (method == Method::HEAD || method == Method::GET) {
        return Route::Root;
    }
    if let Some(rest) = path.strip_prefix("/__mock/") {
        return Route::Admin(rest.to_owned());
    }
    let post = method == Method::POST;
    let get = method == Method::GET;
    if let Some(rest) = path.strip_prefix("/v1beta/") {
        return gemini(rest, post, get, query);
    }
    let Some(rest) = path.strip_prefix("/v1/") else {
        return Route::NotFound(Family::OpenAi);
    };
    let by_header = if headers.contains_key("anthropic-version") {
        Family::Anthropic
    } else if headers.contains_key("x-goog-api-key") || query_param(query, "key").is_some() {
        Family::Gemini
    } else {
        Family::OpenAi
    };
    match (rest, post, get) {
        ("chat/completions", true, _) => Route::ChatCompletions,
        ("responses", true, _) => Route::Responses,
        ("responses/input_tokens", true, _) => Route::ResponsesInputTokens,
        ("embeddings", true, _) => Route::Embeddings,
        ("messages", true, _) => Route::Messages,
        ("messages/count_tokens", true, _) => Route::CountTokens,
        ("models", _, true) => Route::ListModels(by_header),
        _ if rest.starts_with("models/") && rest.contains(':') => gemini(rest, post, get, query),
        _ => match rest.strip_prefix("models/") {
            Some(id) if get && !id.is_empty() => Route::GetModel(by_header, id.to_owned()),
            _ if rest.starts_with("messages") => Route::NotFound(Family::Anthropic),
            _ => Route::NotFound(by_header),
        },
    }
}

fn gemini(rest: &str, post: bool, get: bool, query: Option<&str>) -> Route {
    if rest == "models" && get {
        return Route::ListModels(Family::Gemini);
    }
    let Some(model_action) = rest.strip_prefix("models/") else {
        return Route::NotFound(Family::Gemini);
    };
    let (model, action) = match model_action.split_once(':') {
        Some((m, a)) => (m.to_owned(), Some(a)),
        None => (model_action.to_owned(), None),
    };
    match (action, post) {
        (None, _) if get => Route::GetModel(Family::Gemini, model),
        (Some("generateContent"), true) => Route::Generate {
            model,
            stream: false,
            sse: false,
        },
        (Some("streamGenerateContent"), true) => Route::Generate {
            model,
            stream: true,
            sse: query_param(query, "alt") == Some("sse"),
        },
        (Some("countTokens"), true) => Route::GeminiCountTokens(model),
        (Some("embedContent"), true) => Route::EmbedContent(model),
        (Some("batchEmbedContents"), true) => Route::BatchEmbedContents(model),
        _ => Route::NotFound(Family::Gemini),
    }
}

/// The value of `name` in a query string (no percent-decoding: keys and `alt` are plain).
pub fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether the request carries `key` the way its family does: OpenAI `Authorization: Bearer`,
/// Anthropic `x-api-key` or Bearer, Gemini `x-goog-api-key` or `?key=`.
pub fn key_matches(family: Family, key: &str, headers: &HeaderMap, query: Option<&str>) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let bearer = header("authorization").and_then(|v| v.strip_prefix("Bearer "));
    match family {
        Family::OpenAi => bearer == Some(key),
        Family::Anthropic => header("x-api-key") == Some(key) || bearer == Some(key),
        Family::Gemini => {
            header("x-goog-api-key") == Some(key) || query_param(query, "key") == Some(key)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn routes_every_endpoint() {
        let none = headers(&[]);
        let anth = headers(&[("anthropic-version", "2023-06-01")]);
        let goog = headers(&[("x-goog-api-key", "k")]);
        let gen = |stream, sse| Route::Generate {
            model: "gemini-2.5-flash".into(),
            stream,
            sse,
        };
        let cases = [
            (Method::HEAD, "/", None, &none, Route::Root),
            (
                Method::POST,
                "/v1/chat/completions",
                None,
                &none,
                Route::ChatCompletions,
            ),
            (Method::POST, "/v1/responses", None, &none, Route::Responses),
            (
                Method::POST,
                "/v1/responses/input_tokens",
                None,
                &none,
                Route::ResponsesInputTokens,
            ),
            (
                Method::POST,
                "/v1/embeddings",
                None,
                &none,
                Route::Embeddings,
            ),
            (
                Method::POST,
                "/v1/messages",
                Some("beta=true"),
                &anth,
                Route::Messages,
            ),
            (
                Method::POST,
                "/v1/messages/count_tokens",
                None,
                &anth,
                Route::CountTokens,
            ),
            (
                Method::GET,
                "/v1/models",
                None,
                &none,
                Route::ListModels(Family::OpenAi),
            ),
            (
                Method::GET,
                "/v1/models",
                None,
                &anth,
                Route::ListModels(Family::Anthropic),
            ),
            (
                Method::GET,
                "/v1/models",
                None,
                &goog,
                Route::ListModels(Family::Gemini),
            ),
            (
                Method::GET,
                "/v1/models",
                Some("key=k"),
                &none,
                Route::ListModels(Family::Gemini),
            ),
            (
                Method::GET,
                "/v1/models/gpt-4o",
                None,
                &none,
                Route::GetModel(Family::OpenAi, "gpt-4o".into()),
            ),
            (
                Method::GET,
                "/v1beta/models",
                None,
                &none,
                Route::ListModels(Family::Gemini),
            ),
            (
                Method::GET,
                "/v1beta/models/g",
                None,
                &none,
                Route::GetModel(Family::Gemini, "g".into()),
            ),
            (
                Method::POST,
                "/v1beta/models/gemini-2.5-flash:generateContent",
                None,
                &goog,
                gen(false, false),
            ),
            (
                Method::POST,
                "/v1/models/gemini-2.5-flash:streamGenerateContent",
                Some("alt=sse"),
                &goog,
                gen(true, true),
            ),
            (
                Method::POST,
                "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
                None,
                &none,
                gen(true, false),
            ),
            (
                Method::POST,
                "/v1beta/models/m:countTokens",
                None,
                &none,
                Route::GeminiCountTokens("m".into()),
            ),
            (
                Method::POST,
                "/v1beta/models/m:embedContent",
                None,
                &none,
                Route::EmbedContent("m".into()),
            ),
            (
                Method::POST,
                "/v1beta/models/m:batchEmbedContents",
                None,
                &none,
                Route::BatchEmbedContents("m".into()),
            ),
            (
                Method::GET,
                "/v1/chat/completions",
                None,
                &none,
                Route::NotFound(Family::OpenAi),
            ),
            (
                Method::POST,
                "/v1/messages/batches",
                None,
                &anth,
                Route::NotFound(Family::Anthropic),
            ),
            (
                Method::POST,
                "/__mock/config",
                None,
                &none,
                Route::Admin("config".into()),
            ),
        ];
        for (method, path, query, h, want) in cases {
            assert_eq!(route(&method, path, query, h), want, "{method} {path}");
        }
    }

    #[test]
    fn keys_are_read_the_family_way() {
        let bearer = headers(&[("authorization", "Bearer sk")]);
        let x_api = headers(&[("x-api-key", "sk")]);
        let goog = headers(&[("x-goog-api-key", "sk")]);
        let cases = [
            (Family::OpenAi, &bearer, None, true),
            (Family::OpenAi, &x_api, None, false),
            (Family::Anthropic, &x_api, None, true),
            (Family::Anthropic, &bearer, None, true),
            (Family::Gemini, &goog, None, true),
            (Family::Gemini, &bearer, None, false),
            (Family::Gemini, &bearer, Some("alt=sse&key=sk"), true),
            (Family::Gemini, &goog, Some("key=other"), true),
        ];
        for (family, h, q, want) in cases {
            assert_eq!(key_matches(family, "sk", h, q), want, "{family:?} {q:?}");
        }
    }
}
