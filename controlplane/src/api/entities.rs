//! CRUD for providers, routes, aliases, users (+ keys) and settings, in the bundle's own JSON
//! shapes. Secrets are redacted on the way out; a redacted secret sent back keeps the stored one.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use gproxy_config::bundle::{Alias, Key, Provider, Route, Settings, User, REDACTED};
use gproxy_config::Bundle;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{ApiError, Body, PageQuery, Shared};
use crate::service::{alias_key, upsert, ServiceError};

type Res = Result<(StatusCode, Json<Value>), ApiError>;

fn ok(version: u64, extra: Value) -> Res {
    let mut body = json!({ "version": version });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    Ok((StatusCode::OK, Json(body)))
}

fn redact(p: &Provider) -> Provider {
    let mut p = p.clone();
    for c in &mut p.credentials {
        c.api_key = REDACTED.to_owned();
    }
    p
}

/// Keep stored secrets for credentials sent back redacted.
fn keep_secrets(new: &mut Provider, old: Option<&Provider>) {
    for c in &mut new.credentials {
        if c.api_key == REDACTED {
            if let Some(prev) = old.and_then(|o| o.credentials.iter().find(|x| x.name == c.name)) {
                c.api_key.clone_from(&prev.api_key);
            }
        }
    }
}

fn missing(what: &str, name: &str) -> ServiceError {
    ServiceError::NotFound(format!("{what} `{name}`"))
}

fn conflict(what: &str, name: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "already_exists",
        format!("{what} `{name}` already exists"),
    )
}

async fn bundle(s: &Shared) -> Result<Bundle, ApiError> {
    Ok(s.svc.bundle().await?)
}

#[derive(Deserialize)]
pub struct ListFilter {
    #[serde(flatten)]
    page: PageQuery,
    enabled: Option<bool>,
    prefix: Option<String>,
}

// providers ---------------------------------------------------------------------------------

pub async fn list_providers(
    State(s): State<Shared>,
    Query(f): Query<ListFilter>,
) -> Result<Json<Value>, ApiError> {
    let items: Vec<Provider> = bundle(&s)
        .await?
        .providers
        .iter()
        .filter(|p| f.enabled.is_none_or(|e| p.enabled == e))
        .filter(|p| f.prefix.as_deref().is_none_or(|x| p.name.starts_with(x)))
        .map(redact)
        .collect();
    Ok(Json(f.page.slice(&items)))
}

pub async fn get_provider(
    State(s): State<Shared>,
    Path(name): Path<String>,
) -> Result<Json<Provider>, ApiError> {
    let b = bundle(&s).await?;
    let p = b
        .providers
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| ApiError::not_found(format!("provider `{name}`")))?;
    Ok(Json(redact(p)))
}

pub async fn create_provider(State(s): State<Shared>, Body(p): Body<Provider>) -> Res {
    if bundle(&s).await?.providers.iter().any(|x| x.name == p.name) {
        return Err(conflict("provider", &p.name));
    }
    let actor = format!("admin: create provider {}", p.name);
    let (v, ()) = s
        .svc
        .edit(&actor, |b| {
            b.providers.push(p);
            Ok(())
        })
        .await?;
    ok(v, json!({}))
}

pub async fn put_provider(
    State(s): State<Shared>,
    Path(name): Path<String>,
    Body(mut p): Body<Provider>,
) -> Res {
    if p.name != name {
        return Err(ApiError::bad_request(
            "the body's `name` must match the path",
        ));
    }
    let actor = format!("admin: put provider {name}");
    let (v, ()) = s
        .svc
        .edit(&actor, |b| {
            keep_secrets(&mut p, b.providers.iter().find(|x| x.name == name));
            upsert(&mut b.providers, p, |x| x.name == name);
            Ok(())
        })
        .await?;
    ok(v, json!({}))
}

pub async fn delete_provider(State(s): State<Shared>, Path(name): Path<String>) -> Res {
    let actor = format!("admin: delete provider {name}");
    let (v, ()) = s
        .svc
        .edit(&actor, |b| {
            let before = b.providers.len();
            b.providers.retain(|p| p.name != name);
            if b.providers.len() == before {
                return Err(missing("provider", &name));
            }
            Ok(())
        })
        .await?;
    ok(v, json!({}))
}

#[derive(Deserialize)]
pub struct Batch {
    names: Vec<String>,
    enabled: bool,
}

pub async fn batch_providers(State(s): State<Shared>, Body(batch): Body<Batch>) -> Res {
    let actor = format!(
        "admin: set enabled={} on {} providers",
        batch.enabled,
        batch.names.len()
    );
    let (v, n) = s
        .svc
        .edit(&actor, |b| {
            let mut n = 0;
            for p in b
                .providers
                .iter_mut()
                .filter(|p| batch.names.contains(&p.name))
            {
                p.enabled = batch.enabled;
                n += 1;
            }
            Ok(n)
        })
        .await?;
    ok(v, json!({ "changed": n }))
}

// routes ------------------------------------------------------------------------------------

pub async fn list_routes(
    State(s): State<Shared>,
    Query(f): Query<ListFilter>,
) -> Result<Json<Value>, ApiError> {
    let items: Vec<Route> = bundle(&s)
        .await?
        .routes
        .into_iter()
        .filter(|r| f.prefix.as_deref().is_none_or(|x| r.name.starts_with(x)))
        .collect();
    Ok(Json(f.page.slice(&items)))
}

pub async fn get_route(
    State(s): State<Shared>,
    Path(name): Path<String>,
) -> Result<Json<Route>, ApiError> {
    let b = bundle(&s).await?;
    b.routes
        .into_iter()
        .find(|r| r.name == name)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("route `{name}`")))
}

pub async fn create_route(State(s): State<Shared>, Body(r): Body<Route>) -> Res {
    if bundle(&s).await?.routes.iter().any(|x| x.name == r.name) {
        return Err(conflict("route", &r.name));
    }
    let actor = format!("admin: create route {}", r.name);
    let (v, ()) = s
        .svc
        .edit(&actor, |b| {
            b.routes.push(r);
            Ok(())
        })
        .await?;
    ok(v, json!({}))
}

pub async fn put_route(
    State(s): State<Shared>,
    Path(name): Path<String>,
    Body(r): Body<Route>,
) -> Res {
    if r.name != name {
        return Err(ApiError::bad_request(
            "the body's `name` must match the path",
        ));
    }
    let actor = format!("admin: put route {name}");
    let (v, ()) = s
        .svc
        .edit(&actor, |b| {
            upsert(&mut b.routes, r, |x| x.name == name);
            Ok(())
        })
        .await?;
    ok(v, json!({}))
}

pub async fn delete_route(State(s): State<Shared>, Path(name): Path<String>) -> Res {
    let actor = format!("admin: delete route {name}");
    let (v, ()) = s
        .svc
        .edit(&actor, |b| {
            let before = b.routes.len();
            b.routes.retain(|r| r.name != name);
            if b.routes.len() == before {
                return Err(missing("route", &name));
            }
            Ok(())
        })
        .await?;
    ok(v, json!({}))
}

// aliases -----------------------------------------------------------------------------------

pub async fn list_aliases(
    State(s): State<Shared>,
    Query(f): Query<ListFilter>,
) -> Result<Json<Value>, ApiError> {
    let items: Vec<Value> = bundle(&s)
        .await?
        .aliases
        .iter()
        .map(|a| {
            let mut v = serde_json::to_value(a).unwrap_or_default();
            v["key"] = json!(alias_key(a));
            v
        })
        .collect();
    Ok(Json(f.page.slice(&items)))
}

pub async fn get_alias(
    State(s): State<Shared>,
    Path(key): Path<String>,
) -> Result<Json<Alias>, ApiError> {
    let b = bundle(&s).await?;
    b.aliases
        .into_iter()
        .find(|a| alias_key(a) == key)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("alias `{key}`")))
}

/// Create or replace the alias with the same name / pattern.
pub async fn create_alias(State(s): State<Shared>, Body(a): Body<Alias>) -> Res {
    let key = alias_key(&a);
    let actor = format!("admin: put alias {key}");
    let (v, ()) = s
        .svc
        .edit(&actor, |b| {
            upsert(&mut b.aliases, a, |x| alias_key(x) == key);
            Ok(())
        })
        .await?;
    ok(v, json!({}))
}

pub async fn delete_alias(State(s): State<Shared>, Path(key): Path<String>) -> Res {
    let actor = format!("admin: delete alias {key}");
    let (v, ()) = s
        .svc
        .edit(&actor, |b| {
            let before = b.aliases.len();
            b.aliases.retain(|a| alias_key(a) != key);
            if b.aliases.len() == before {
                return Err(missing("alias", &key));
            }
            Ok(())
        })
        .await?;
    ok(v, json!({}))
}

// users and keys ----------------------------------------------------------------------------

pub async fn list_users(
    State(s): State<Shared>,
    Query(f): Query<ListFilter>,
) -> Result<Json<Value>, ApiError> {
    let items: Vec<User> = bundle(&s)
        .await?
        .users
        .into_iter()
        .filter(|u| f.enabled.is_none_or(|e| u.enabled == e))
        .filter(|u| f.prefix.as_deref().is_none_or(|x| u.name.starts_with(x)))
        .collect();
    Ok(Json(f.page.slice(&items)))
}

pub async fn get_user(
    State(s): State<Shared>,
    Path(name): Path<String>,
) -> Result<Json<User>, ApiError> {
    let b = bundle(&s).await?;
    b.users
        .into_iter()
        .find(|u| u.name == name)
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("user `{name}`")))
}

/// Key material in a create/put is imported (stored as its digest); keys without material or
/// digest are generated and returned once in `created_keys`.
fn fill_keys(u: &mut User) -> Vec<Value> {
    let mut created = Vec::new();
    for k in &mut u.keys {
        if k.key.is_none() && k.digest.is_none() {
            let material = generate_key();
            created.push(json!({"name": k.name, "key": material}));
            k.key = Some(material);
        }
    }
    created
}

pub fn generate_key() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    format!("gp-{}", Alphanumeric.sample_string(&mut rand::rng(), 40))
}

pub async fn create_user(State(s): State<Shared>, Body(mut u): Body<User>) -> Res {
    if bundle(&s).await?.users.iter().any(|x| x.name == u.name) {
        return Err(conflict("user", &u.name));
    }
    let created = fill_keys(&mut u);
    let actor = format!("admin: create user {}", u.name);
    let (v, ()) = s
        .svc
        .edit(&actor, |b| {
            b.users.push(u);
            Ok(())
        })
        .await?;
    ok(v, json!({ "created_keys": created }))
}

pub async fn put_user(
    State(s): State<Shared>,
    Path(name): Path<String>,
    Body(mut u): Body<User>,
) -> Res {
    if u.name != name {
        return Err(ApiError::bad_request(
            "the body's `name` must match the path",
        ));
    }
    let created = fill_keys(&mut u);
    let actor = format!("admin: put user {name}");
    let (v, ()) = s
        .svc
        .edit(&actor, |b| {
            upsert(&mut b.users, u, |x| x.name == name);
            Ok(())
        })
        .await?;
    ok(v, json!({ "created_keys": created }))
}

pub async fn delete_user(State(s): State<Shared>, Path(name): Path<String>) -> Res {
    let actor = format!("admin: delete user {name}");
    let (v, ()) = s
        .svc
        .edit(&actor, |b| {
            let before = b.users.len();
            b.users.retain(|u| u.name != name);
            if b.users.len() == before {
                return Err(missing("user", &name));
            }
            Ok(())
        })
        .await?;
    ok(v, json!({}))
}

pub async fn batch_users(State(s): State<Shared>, Body(batch): Body<Batch>) -> Res {
    let actor = format!(
        "admin: set enabled={} on {} users",
        batch.enabled,
        batch.names.len()
    );
    let (v, n) = s
        .svc
        .edit(&actor, |b| {
            let mut n = 0;
            for u in b.users.iter_mut().filter(|u| batch.names.contains(&u.name)) {
                u.enabled = batch.enabled;
                n += 1;
            }
            Ok(n)
        })
        .await?;
    ok(v, json!({ "changed": n }))
}

#[derive(Deserialize, Default)]
pub struct NewKey {
    name: Option<String>,
}

/// Create a key for a user; its material is in the answer, once.
pub async fn create_key(
    State(s): State<Shared>,
    Path(user): Path<String>,
    body: Option<Json<NewKey>>,
) -> Res {
    let name = body.and_then(|Json(k)| k.name);
    let material = generate_key();
    let digest = gproxy_config::digest::key_digest(&material);
    let actor = format!("admin: create key for {user}");
    let key = Key {
        key: Some(material.clone()),
        digest: None,
        name: name.clone(),
        enabled: true,
    };
    let (v, ()) = s
        .svc
        .edit(&actor, |b| {
            let u = b
                .users
                .iter_mut()
                .find(|u| u.name == user)
                .ok_or_else(|| missing("user", &user))?;
            u.keys.push(key);
            Ok(())
        })
        .await?;
    let mut res = ok(
        v,
        json!({ "key": material, "digest": digest, "name": name }),
    )?;
    res.0 = StatusCode::CREATED;
    Ok(res)
}

pub async fn delete_key(
    State(s): State<Shared>,
    Path((user, digest)): Path<(String, String)>,
) -> Res {
    let actor = format!("admin: delete key of {user}");
    let digest = digest.to_ascii_lowercase();
    let (v, ()) = s
        .svc
        .edit(&actor, |b| {
            let u = b
                .users
                .iter_mut()
                .find(|u| u.name == user)
                .ok_or_else(|| missing("user", &user))?;
            let before = u.keys.len();
            u.keys.retain(|k| {
                let d = k
                    .digest
                    .clone()
                    .or_else(|| k.key.as_deref().map(gproxy_config::digest::key_digest));
                d.as_deref() != Some(digest.as_str())
            });
            if u.keys.len() == before {
                return Err(missing("key", &digest));
            }
            Ok(())
        })
        .await?;
    ok(v, json!({}))
}

// settings ----------------------------------------------------------------------------------

pub async fn get_settings(State(s): State<Shared>) -> Result<Json<Settings>, ApiError> {
    Ok(Json(bundle(&s).await?.settings))
}

pub async fn put_settings(State(s): State<Shared>, Body(settings): Body<Settings>) -> Res {
    let (v, ()) = s
        .svc
        .edit("admin: put settings", |b| {
            b.settings = settings;
            Ok(())
        })
        .await?;
    ok(v, json!({}))
}
