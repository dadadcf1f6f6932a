//! The admin REST API under `/admin/v1/`: thin handlers over the service layer. Every write is
//! validated against the whole resulting configuration, committed in one transaction, then
//! published. Errors are `{"error": {"message", "code", "details"?}}`.

pub mod auth;
mod entities;
pub use entities::generate_key;
use entities::{batch, create, delete, get_one, list, put};
use gproxy_config::bundle::{Alias, Org, Provider, Route, Team, User};
use gproxy_config::rules::RuleSet;
mod openapi;
mod ops;

use std::sync::Arc;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::registry::Registry;
use crate::service::{ConfigService, ServiceError};
use crate::store::StoreError;

pub struct AdminState {
    pub svc: Arc<ConfigService>,
    pub registry: Arc<Registry>,
    /// SHA-256 hex of the admin bearer token.
    pub admin_digest: String,
}

pub type Shared = Arc<AdminState>;

pub fn router(state: Shared) -> Router {
    let api = Router::new()
        .route("/version", get(ops::version))
        .route("/bundle", get(ops::get_bundle).put(ops::put_bundle))
        .route("/dataplanes", get(ops::dataplanes))
        .route("/usage", get(ops::usage))
        .route("/usage/totals", get(ops::usage_totals))
        .route("/audit", get(ops::audit))
        .route(
            "/settings",
            get(entities::get_settings).put(entities::put_settings),
        )
        .route("/providers", get(list::<Provider>).post(create::<Provider>))
        .route("/providers/_batch", post(batch::<Provider>))
        .route(
            "/providers/{name}",
            get(get_one::<Provider>)
                .put(put::<Provider>)
                .delete(delete::<Provider>),
        )
        .route("/routes", get(list::<Route>).post(create::<Route>))
        .route(
            "/routes/{name}",
            get(get_one::<Route>)
                .put(put::<Route>)
                .delete(delete::<Route>),
        )
        .route("/aliases", get(list::<Alias>).post(create::<Alias>))
        .route(
            "/aliases/{key}",
            get(get_one::<Alias>).delete(delete::<Alias>),
        )
        .route("/users", get(list::<User>).post(create::<User>))
        .route("/users/_batch", post(batch::<User>))
        .route(
            "/users/{name}",
            get(get_one::<User>).put(put::<User>).delete(delete::<User>),
        )
        .route("/users/{name}/keys", post(entities::create_key))
        .route(
            "/users/{name}/keys/{digest}",
            axum::routing::delete(entities::delete_key),
        )
        .route("/orgs", get(list::<Org>).post(create::<Org>))
        .route(
            "/orgs/{name}",
            get(get_one::<Org>).put(put::<Org>).delete(delete::<Org>),
        )
        .route("/teams", get(list::<Team>).post(create::<Team>))
        .route(
            "/teams/{name}",
            get(get_one::<Team>).put(put::<Team>).delete(delete::<Team>),
        )
        .route("/rule_sets", get(list::<RuleSet>).post(create::<RuleSet>))
        .route("/rule_sets/_batch", post(batch::<RuleSet>))
        .route(
            "/rule_sets/{name}",
            get(get_one::<RuleSet>)
                .put(put::<RuleSet>)
                .delete(delete::<RuleSet>),
        )
        .route("/logout", post(auth::logout))
        .route("/me", get(auth::whoami))
        .route("/me/usage", get(auth::my_usage))
        .route("/me/keys", post(auth::create_my_key))
        .route(
            "/me/keys/{digest}",
            axum::routing::delete(auth::delete_my_key),
        )
        .route(
            "/me/tokens",
            get(auth::list_tokens).post(auth::create_token),
        )
        .route(
            "/me/tokens/{digest}",
            axum::routing::delete(auth::delete_token),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ))
        .with_state(state.clone());
    Router::new()
        .route("/admin/v1/openapi.json", get(openapi::document))
        .route("/admin/v1/login", post(auth::login).with_state(state))
        .nest("/admin/v1", api)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{} not found", what.into()),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut err = json!({"message": self.message, "code": self.code});
        if let Some(d) = self.details {
            err["details"] = d;
        }
        (self.status, Json(json!({ "error": err }))).into_response()
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(errs) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "invalid_configuration",
                message: errs.to_string(),
                details: serde_json::to_value(&errs).ok(),
            },
            ServiceError::NotFound(what) => ApiError::not_found(what),
            ServiceError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "already_exists", m),
            ServiceError::Store(s) => s.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
            StoreError::NotFound { entity, name } => {
                ApiError::not_found(format!("{entity} `{name}`"))
            }
            other => {
                tracing::error!(error = %other, "store failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "storage failure",
                )
            }
        }
    }
}

/// A JSON body whose rejections (bad JSON, missing or mistyped fields) are answered in the API's
/// error shape, with serde's message naming the field.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> axum::extract::FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(rej) => Err(ApiError::new(rej.status(), "invalid_body", rej.body_text())),
        }
    }
}

/// `?limit=&offset=` paging.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub struct PageQuery {
    #[serde(default = "default_limit", deserialize_with = "query_u32")]
    pub limit: u32,
    #[serde(default, deserialize_with = "query_u32")]
    pub offset: u32,
}

/// A number of a query string. Where [`PageQuery`] is `#[serde(flatten)]`ed into another query,
/// serde hands its values over as text, which plain `u32` fields refuse (`?limit=1` was a 400).
fn query_u32<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Num {
        Int(u32),
        Text(String),
    }
    match Num::deserialize(d)? {
        Num::Int(n) => Ok(n),
        Num::Text(t) => t.trim().parse().map_err(serde::de::Error::custom),
    }
}

fn default_limit() -> u32 {
    100
}

impl PageQuery {
    pub fn slice<T: Clone + serde::Serialize>(&self, items: &[T]) -> serde_json::Value {
        let limit = self.limit.clamp(1, 1000) as usize;
        let page: Vec<T> = items
            .iter()
            .skip(self.offset as usize)
            .take(limit)
            .cloned()
            .collect();
        json!({"items": page, "total": items.len(), "limit": limit, "offset": self.offset})
    }
}
