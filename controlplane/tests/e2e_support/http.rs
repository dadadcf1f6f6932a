//! HTTP clients of the tests: the admin API (bearer token, JSON in and out) and a client's
//! Chat Completions call to a data plane.

use serde_json::{json, Value};
use wreq::Method;

/// An answer: status and body (JSON when it parses, else a string).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub text: String,
    pub content_type: Option<String>,
}

impl Answer {
    /// The `error.details` paths of a 422.
    pub fn error_paths(&self) -> Vec<String> {
        self.body["error"]["details"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["path"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The admin API of one control plane.
#[derive(Clone)]
pub struct Admin {
    pub http: wreq::Client,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub token: Option<String>,
}

impl Admin {
    pub fn new(base: String, token: &str) -> Admin {
        Admin {
            http: wreq::Client::new(),
            base,
            token: Some(token.to_owned()),
        }
    }

    /// The same API with another token (or none).
    pub fn with_token(&self, token: Option<&str>) -> Admin {
        Admin {
            token: token.map(str::to_owned),
            ..self.clone()
        }
    }

    /// Send raw bytes with a content type.
    pub async fn raw(&self, method: Method, path: &str, body: Option<(Vec<u8>, &str)>) -> Answer {
        let mut rb = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            rb = rb.header("authorization", format!("Bearer {t}"));
        }
        if let Some((bytes, ct)) = body {
            rb = rb.header("content-type", ct).body(bytes);
        }
        let resp = rb.send().await.expect("admin API answers");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = resp.text().await.expect("admin body");
        let body = serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()));
        Answer {
            status,
            body,
            text,
            content_type,
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Answer {
        let body = body.map(|b| (serde_json::to_vec(b).unwrap(), "application/json"));
        self.raw(method, &format!("/admin/v1{path}"), body).await
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        self.call(Method::DELETE, path, None).await
    }

    /// `PUT /admin/v1/bundle` with a JSON or YAML text.
    pub async fn put_bundle(&self, text: &str) -> Answer {
        let ct = if text.trim_start().starts_with('{') {
            "application/json"
        } else {
            "application/yaml"
        };
        self.raw(
            Method::PUT,
            "/admin/v1/bundle",
            Some((text.as_bytes().to_vec(), ct)),
        )
        .await
    }

    /// The stored configuration version.
    pub async fn version(&self) -> u64 {
        let a = self.get("/version").await;
        assert_eq!(a.status, 200, "{a:?}");
        a.body["config_version"].as_u64().expect("config_version")
    }

    /// Expect 200 and return the new version the write answered with.
    pub async fn expect_version(&self, a: Answer) -> u64 {
        assert!(a.status == 200 || a.status == 201, "{a:?}");
        a.body["version"].as_u64().expect("version in the answer")
    }
}

/// `POST /v1/chat/completions` on a data plane with `key`; the request id is ours.
pub async fn chat(
    http: &wreq::Client,
    base: &str,
    key: &str,
    model: &str,
    prompt: &str,
    request_id: Option<&str>,
) -> Result<Answer, wreq::Error> {
    let body = json!({"model": model, "messages": [{"role": "user", "content": prompt}]});
    let mut rb = http
        .post(format!("{base}/v1/chat/completions"))
        .header("authorization", format!("Bearer {key}"))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap_or_default());
    if let Some(id) = request_id {
        rb = rb.header("x-request-id", id);
    }
    let resp = rb.send().await?;
    let status = resp.status().as_u16();
    let text = resp.text().await?;
    let body = serde_json::from_str(&text).unwrap_or_else(|_| Value::String(text.clone()));
    Ok(Answer {
        status,
        body,
        text,
        content_type: None,
    })
}

/// The assistant text of a Chat Completions answer.
pub fn reply_text(a: &Answer) -> &str {
    a.body["choices"][0]["message"]["content"]
        .as_str()
        .unwrap_or("")
}

/// The error code (`error.code`, or `error.type`) of an OpenAI-shaped error.
pub fn error_code(a: &Answer) -> String {
    let e = &a.body["error"];
    e["code"]
        .as_str()
        .or_else(|| e["type"].as_str())
        .unwrap_or("")
        .to_owned()
}
