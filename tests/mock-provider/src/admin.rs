//! `/__mock/*`: read and change the config, read and clear the stats, over HTTP (benchmarks, other languages).

use bytes::Bytes;
use hyper::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::body::{json_bytes, MockBody};
use crate::config::MockConfig;
use crate::handler::Shared;
use crate::reply::json_response;

/// `GET stats`, `POST stats/reset`, `GET config`, `POST config` (merge fields), `PUT config` (replace).
pub fn handle(shared: &Shared, method: &Method, cmd: &str, body: &Bytes) -> Response<MockBody> {
    match (method.as_str(), cmd) {
        ("GET", "stats") => json_response(&shared.stats.snapshot()),
        ("POST", "stats/reset") => {
            shared.stats.reset();
            json_response(&json!({"ok": true}))
        }
        ("GET", "config") => json_response(shared.config().as_ref()),
        ("POST" | "PUT", "config") => {
            let patch: Value = match serde_json::from_slice(body) {
                Ok(v) => v,
                Err(e) => return bad_request(&e.to_string()),
            };
            let base = if method == Method::PUT {
                MockConfig::default()
            } else {
                shared.config().as_ref().clone()
            };
            match base.merged(&patch) {
                Ok(new) => {
                    shared.set_config(new.clone());
                    json_response(&new)
                }
                Err(e) => bad_request(&e),
            }
        }
        _ => {
            let mut resp = Response::new(MockBody::full(json_bytes(
                &json!({"error": "unknown mock control endpoint"}),
            )));
            *resp.status_mut() = StatusCode::NOT_FOUND;
            resp
        }
    }
}

fn bad_request(message: &str) -> Response<MockBody> {
    let mut resp = json_response(&json!({ "error": message }));
    *resp.status_mut() = StatusCode::BAD_REQUEST;
    resp
}
