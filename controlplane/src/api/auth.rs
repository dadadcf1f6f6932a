//! Who is calling the admin API, and what they may do.
//!
//! Two kinds of bearer token:
//! - the bootstrap admin token (`GPROXY_ADMIN_TOKEN`), which can do everything;
//! - users' tokens (`gpa-…`), from a password login (`POST /admin/v1/login`, 12 h by default) or
//!   made by the user for scripts (`POST /admin/v1/me/tokens`). Stored as SHA-256 digests.
//!
//! A user's role decides the rest: `admin` = everything, `viewer` = every read (no secrets),
//! `member` = only `/me/...` (its own keys, tokens and usage).

use std::time::Duration;

use axum::extract::{Path, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use gproxy_config::bundle::Role;
use gproxy_config::digest::key_digest;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{constant_time_eq, ApiError, Body, Shared};

/// How long a password login's token lives unless asked otherwise.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// The longest lifetime a login may ask for.
const MAX_SESSION_TTL: Duration = Duration::from_secs(30 * 24 * 3600);

/// The caller, put in the request's extensions by [`authenticate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// The bootstrap admin token.
    Bootstrap,
    User {
        name: String,
        role: Role,
    },
}

impl Principal {
    /// How audit entries name the caller.
    pub fn actor(&self) -> String {
        match self {
            Principal::Bootstrap => "admin".to_owned(),
            Principal::User { name, .. } => format!("user:{name}"),
        }
    }

    fn role(&self) -> Role {
        match self {
            Principal::Bootstrap => Role::Admin,
            Principal::User { role, .. } => *role,
        }
    }
}

fn bearer(req: &Request) -> Option<&str> {
    req.headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

fn unauthorized() -> Response {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "a valid admin bearer token is required",
    )
    .into_response()
}

fn forbidden(role: Role) -> Response {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        format!("the `{}` role may not do this", role.as_str()),
    )
    .into_response()
}

/// Resolve the bearer token to a [`Principal`] and check the role against the path: `/me/...`
/// and `/logout` are for every user; reads for viewers and admins (never `?secrets=true`);
/// writes for admins.
pub async fn authenticate(State(state): State<Shared>, mut req: Request, next: Next) -> Response {
    let Some(token) = bearer(&req) else {
        return unauthorized();
    };
    let digest = key_digest(token);
    let principal = if !state.admin_digest.is_empty()
        && constant_time_eq(digest.as_bytes(), state.admin_digest.as_bytes())
    {
        Principal::Bootstrap
    } else {
        match state.svc.store.admin_token_owner(&digest).await {
            Ok(Some(o)) if o.enabled => Principal::User {
                name: o.user,
                role: o.role,
            },
            Ok(_) => return unauthorized(),
            Err(e) => return ApiError::from(e).into_response(),
        }
    };
    let path = req.uri().path();
    let own = path.starts_with("/me") || path == "/logout";
    let read = req.method() == Method::GET || req.method() == Method::HEAD;
    let secrets = req
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|kv| kv == "secrets=true"));
    let allowed = match principal.role() {
        Role::Admin => true,
        Role::Viewer => own || (read && !secrets),
        Role::Member => own,
    };
    if !allowed {
        return forbidden(principal.role());
    }
    req.extensions_mut().insert(principal);
    next.run(req).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    user: String,
    password: String,
    /// Token lifetime; default 12 h, at most 30 days.
    ttl_seconds: Option<u64>,
}

/// `POST /admin/v1/login`: a password login. Every failure is the same 401 (no hint whether the
/// user exists); the argon2 check runs even for unknown users so timing tells nothing either.
pub async fn login(
    State(s): State<Shared>,
    Body(b): Body<LoginBody>,
) -> Result<Json<Value>, ApiError> {
    let login = s.svc.store.login_of(&b.user).await?;
    let hash = login
        .as_ref()
        .and_then(|l| l.password_hash.clone())
        .unwrap_or_else(dummy_hash);
    let password = b.password;
    let ok = tokio::task::spawn_blocking(move || crate::passwords::verify(&hash, &password))
        .await
        .unwrap_or(false);
    let login = match login {
        Some(l) if ok && l.enabled && l.password_hash.is_some() => l,
        _ => {
            tracing::info!(user = %b.user, "admin login refused");
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_login",
                "wrong user or password",
            ));
        }
    };
    let ttl = b
        .ttl_seconds
        .map_or(SESSION_TTL, Duration::from_secs)
        .min(MAX_SESSION_TTL);
    let token = new_token();
    let info = s
        .svc
        .store
        .add_admin_token(
            &key_digest(&token),
            &login.user,
            Some("login"),
            Some(ttl.as_millis() as u64),
        )
        .await?;
    tracing::info!(user = %login.user, "admin login");
    Ok(Json(json!({
        "token": token,
        "user": login.user,
        "role": login.role,
        "expires_ms": info.expires_ms,
    })))
}

/// A hash of a random password, checked for unknown users so a login takes as long either way.
fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| crate::passwords::hash(&new_token()).unwrap_or_default())
        .clone()
}

fn new_token() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    format!("gpa-{}", Alphanumeric.sample_string(&mut rand::rng(), 40))
}

/// `POST /admin/v1/logout`: forget the presented token.
pub async fn logout(
    State(s): State<Shared>,
    Extension(p): Extension<Principal>,
    req: Request,
) -> Result<Json<Value>, ApiError> {
    let Principal::User { name, .. } = &p else {
        return Err(ApiError::bad_request("the bootstrap token cannot log out"));
    };
    let token = bearer(&req).unwrap_or_default();
    s.svc
        .store
        .delete_admin_token(&key_digest(token), Some(name))
        .await?;
    Ok(Json(json!({ "ok": true })))
}

fn me(p: &Principal) -> Result<&str, ApiError> {
    match p {
        Principal::User { name, .. } => Ok(name),
        Principal::Bootstrap => Err(ApiError::bad_request(
            "the bootstrap token belongs to no user; use /admin/v1/users/...",
        )),
    }
}

/// `GET /admin/v1/me`: the caller, its team and keys (digests), and its spend so far.
pub async fn whoami(
    State(s): State<Shared>,
    Extension(p): Extension<Principal>,
) -> Result<Json<Value>, ApiError> {
    if p == Principal::Bootstrap {
        return Ok(Json(
            json!({ "user": null, "role": "admin", "bootstrap": true }),
        ));
    }
    let name = me(&p)?;
    let user = s
        .svc
        .store
        .get_user(name)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("user `{name}`")))?;
    let keys = s.svc.store.list_keys(name).await?;
    let spent = s
        .svc
        .store
        .spend_by_user()
        .await?
        .get(name)
        .copied()
        .unwrap_or(0.0);
    Ok(Json(json!({
        "user": user.name,
        "role": user.role,
        "team": user.team,
        "enabled": user.enabled,
        "permissions": user.permissions,
        "limits": user.limits,
        "quota": user.quota,
        "spent_usd": spent,
        "keys": keys,
    })))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    name: Option<String>,
    ttl_seconds: Option<u64>,
}

/// `POST /admin/v1/me/tokens`: a named token for scripts (no expiry unless `ttl_seconds`); the
/// material is in the answer, once.
pub async fn create_token(
    State(s): State<Shared>,
    Extension(p): Extension<Principal>,
    body: Option<Json<NewToken>>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let name = me(&p)?;
    let b = body.map(|Json(b)| b).unwrap_or_default();
    let token = new_token();
    let info = s
        .svc
        .store
        .add_admin_token(
            &key_digest(&token),
            name,
            b.name.as_deref(),
            b.ttl_seconds.map(|t| t.saturating_mul(1000)),
        )
        .await?;
    let mut v = serde_json::to_value(&info).unwrap_or_default();
    v["token"] = json!(token);
    Ok((StatusCode::CREATED, Json(v)))
}

pub async fn list_tokens(
    State(s): State<Shared>,
    Extension(p): Extension<Principal>,
) -> Result<Json<Value>, ApiError> {
    let items = s.svc.store.admin_tokens(me(&p)?).await?;
    Ok(Json(json!({ "items": items })))
}

pub async fn delete_token(
    State(s): State<Shared>,
    Extension(p): Extension<Principal>,
    Path(digest): Path<String>,
) -> Result<Json<Value>, ApiError> {
    s.svc
        .store
        .delete_admin_token(&digest.to_ascii_lowercase(), Some(me(&p)?))
        .await?;
    Ok(Json(json!({ "ok": true })))
}

/// `POST /admin/v1/me/keys`: a new API key for the caller, shown once.
pub async fn create_my_key(
    State(s): State<Shared>,
    Extension(p): Extension<Principal>,
    body: Option<Json<super::entities::NewKey>>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let user = me(&p)?.to_owned();
    let name = body.and_then(|Json(k)| k.name);
    super::entities::add_key(&s, &user, name, &p.actor()).await
}

pub async fn delete_my_key(
    State(s): State<Shared>,
    Extension(p): Extension<Principal>,
    Path(digest): Path<String>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let user = me(&p)?.to_owned();
    super::entities::remove_key(&s, &user, &digest, &p.actor()).await
}

/// `GET /admin/v1/me/usage`: the caller's recent usage records.
pub async fn my_usage(
    State(s): State<Shared>,
    Extension(p): Extension<Principal>,
    axum::extract::Query(q): axum::extract::Query<super::PageQuery>,
) -> Result<Json<Value>, ApiError> {
    let filter = crate::store::UsageFilter {
        user: Some(me(&p)?.to_owned()),
        ..Default::default()
    };
    let page = crate::store::Page {
        limit: q.limit.clamp(1, 1000),
        offset: u64::from(q.offset),
    };
    let res = s.svc.store.recent_usage(filter, page).await?;
    Ok(Json(json!({ "items": res.items, "total": res.total })))
}
