//! CRUD for providers, routes, aliases, users (+ keys) and settings, in the bundle's own JSON
//! shapes, through one set of generic handlers over [`Entity`]. Secrets are redacted on the way
//! out; a redacted secret sent back keeps the stored one.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use gproxy_config::bundle::{Alias, Key, Org, Provider, Route, Settings, Team, User, REDACTED};
use gproxy_config::rules::RuleSet;
use gproxy_config::Bundle;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::auth::Principal;
use super::{ApiError, Body, PageQuery, Shared};
use crate::service::{alias_key, upsert, ServiceError};

type Res = Result<(StatusCode, Json<Value>), ApiError>;

/// A configuration entity the admin API manages.
pub trait Entity: Clone + Serialize + DeserializeOwned + Send + 'static {
    /// Singular name, for messages and audit.
    const KIND: &'static str;
    /// Creating one that exists replaces it (aliases have no other identity than their content).
    const UPSERT_ON_CREATE: bool = false;
    fn key(&self) -> String;
    fn all(b: &Bundle) -> &[Self];
    fn all_mut(b: &mut Bundle) -> &mut Vec<Self>;
    /// How it is fetched (secrets redacted).
    fn view(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }
    /// How it is listed.
    fn list_view(&self) -> Value {
        self.view()
    }
    /// Settle a written entity against the stored one; extra fields for the answer.
    fn prepare(&mut self, _stored: Option<&Self>) -> Value {
        json!({})
    }
    fn enabled(&self) -> Option<bool> {
        None
    }
    fn set_enabled(&mut self, _enabled: bool) -> bool {
        false
    }
}

impl Entity for Provider {
    const KIND: &'static str = "provider";
    fn key(&self) -> String {
        self.name.clone()
    }
    fn all(b: &Bundle) -> &[Self] {
        &b.providers
    }
    fn all_mut(b: &mut Bundle) -> &mut Vec<Self> {
        &mut b.providers
    }
    fn view(&self) -> Value {
        let mut p = self.clone();
        for c in &mut p.credentials {
            c.api_key = REDACTED.to_owned();
        }
        serde_json::to_value(p).unwrap_or_default()
    }
    fn prepare(&mut self, stored: Option<&Self>) -> Value {
        for c in &mut self.credentials {
            if c.api_key == REDACTED {
                if let Some(prev) =
                    stored.and_then(|o| o.credentials.iter().find(|x| x.name == c.name))
                {
                    c.api_key.clone_from(&prev.api_key);
                }
            }
        }
        json!({})
    }
    fn enabled(&self) -> Option<bool> {
        Some(self.enabled)
    }
    fn set_enabled(&mut self, enabled: bool) -> bool {
        self.enabled = enabled;
        true
    }
}

impl Entity for Route {
    const KIND: &'static str = "route";
    fn key(&self) -> String {
        self.name.clone()
    }
    fn all(b: &Bundle) -> &[Self] {
        &b.routes
    }
    fn all_mut(b: &mut Bundle) -> &mut Vec<Self> {
        &mut b.routes
    }
}

impl Entity for Alias {
    const KIND: &'static str = "alias";
    const UPSERT_ON_CREATE: bool = true;
    fn key(&self) -> String {
        alias_key(self)
    }
    fn all(b: &Bundle) -> &[Self] {
        &b.aliases
    }
    fn all_mut(b: &mut Bundle) -> &mut Vec<Self> {
        &mut b.aliases
    }
    /// Listed with its key, the handle of `GET`/`DELETE /aliases/{key}`.
    fn list_view(&self) -> Value {
        let mut v = self.view();
        v["key"] = json!(alias_key(self));
        v
    }
}

impl Entity for User {
    const KIND: &'static str = "user";
    fn key(&self) -> String {
        self.name.clone()
    }
    fn all(b: &Bundle) -> &[Self] {
        &b.users
    }
    fn all_mut(b: &mut Bundle) -> &mut Vec<Self> {
        &mut b.users
    }
    /// The password hash is not shown (`<redacted>` when one is set).
    fn view(&self) -> Value {
        let mut u = self.clone();
        if u.password.is_some() {
            u.password = Some(REDACTED.to_owned());
        }
        serde_json::to_value(u).unwrap_or_default()
    }
    /// Key material in a create/put is imported (stored as its digest); keys without material
    /// or digest are generated and returned once in `created_keys`. A `<redacted>` password
    /// keeps the stored one.
    fn prepare(&mut self, stored: Option<&Self>) -> Value {
        if self.password.as_deref() == Some(REDACTED) {
            self.password = stored.and_then(|s| s.password.clone());
        }
        let mut created = Vec::new();
        for k in &mut self.keys {
            if k.key.is_none() && k.digest.is_none() {
                let material = generate_key();
                created.push(json!({"name": k.name, "key": material}));
                k.key = Some(material);
            }
        }
        json!({ "created_keys": created })
    }
    fn enabled(&self) -> Option<bool> {
        Some(self.enabled)
    }
    fn set_enabled(&mut self, enabled: bool) -> bool {
        self.enabled = enabled;
        true
    }
}

impl Entity for Org {
    const KIND: &'static str = "org";
    fn key(&self) -> String {
        self.name.clone()
    }
    fn all(b: &Bundle) -> &[Self] {
        &b.orgs
    }
    fn all_mut(b: &mut Bundle) -> &mut Vec<Self> {
        &mut b.orgs
    }
}

impl Entity for Team {
    const KIND: &'static str = "team";
    fn key(&self) -> String {
        self.name.clone()
    }
    fn all(b: &Bundle) -> &[Self] {
        &b.teams
    }
    fn all_mut(b: &mut Bundle) -> &mut Vec<Self> {
        &mut b.teams
    }
}

impl Entity for RuleSet {
    const KIND: &'static str = "rule set";
    fn key(&self) -> String {
        self.name.clone()
    }
    fn all(b: &Bundle) -> &[Self] {
        &b.rule_sets
    }
    fn all_mut(b: &mut Bundle) -> &mut Vec<Self> {
        &mut b.rule_sets
    }
    fn enabled(&self) -> Option<bool> {
        Some(self.enabled)
    }
    fn set_enabled(&mut self, enabled: bool) -> bool {
        self.enabled = enabled;
        true
    }
}

pub fn generate_key() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    format!("gp-{}", Alphanumeric.sample_string(&mut rand::rng(), 40))
}

fn ok(version: u64, extra: Value) -> Res {
    let mut body = json!({ "version": version });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    Ok((StatusCode::OK, Json(body)))
}

fn missing<E: Entity>(key: &str) -> ServiceError {
    ServiceError::NotFound(format!("{} `{key}`", E::KIND))
}

#[derive(Deserialize)]
pub struct ListFilter {
    #[serde(flatten)]
    page: PageQuery,
    enabled: Option<bool>,
    prefix: Option<String>,
}

pub async fn list<E: Entity>(
    State(s): State<Shared>,
    Query(f): Query<ListFilter>,
) -> Result<Json<Value>, ApiError> {
    let b = s.svc.bundle().await?;
    let items: Vec<Value> = E::all(&b)
        .iter()
        .filter(|e| {
            f.enabled
                .is_none_or(|want| e.enabled().is_none_or(|is| is == want))
        })
        .filter(|e| f.prefix.as_deref().is_none_or(|p| e.key().starts_with(p)))
        .map(Entity::list_view)
        .collect();
    Ok(Json(f.page.slice(&items)))
}

pub async fn get_one<E: Entity>(
    State(s): State<Shared>,
    Path(key): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let b = s.svc.bundle().await?;
    E::all(&b)
        .iter()
        .find(|e| e.key() == key)
        .map(|e| Json(e.view()))
        .ok_or_else(|| ApiError::not_found(format!("{} `{key}`", E::KIND)))
}

pub async fn create<E: Entity>(
    State(s): State<Shared>,
    Extension(p): Extension<Principal>,
    Body(mut e): Body<E>,
) -> Res {
    let key = e.key();
    let actor = format!("{}: create {} {key}", p.actor(), E::KIND);
    let (v, extra) = s
        .svc
        .edit(&actor, |b| {
            let items = E::all_mut(b);
            let stored = items.iter().find(|x| x.key() == key).cloned();
            if stored.is_some() && !E::UPSERT_ON_CREATE {
                return Err(ServiceError::Conflict(format!(
                    "{} `{key}` already exists",
                    E::KIND
                )));
            }
            let extra = e.prepare(stored.as_ref());
            upsert(items, e, |x| x.key() == key);
            Ok(extra)
        })
        .await?;
    ok(v, extra)
}

pub async fn put<E: Entity>(
    State(s): State<Shared>,
    Extension(p): Extension<Principal>,
    Path(key): Path<String>,
    Body(mut e): Body<E>,
) -> Res {
    if e.key() != key {
        return Err(ApiError::bad_request(
            "the body's `name` must match the path",
        ));
    }
    let actor = format!("{}: put {} {key}", p.actor(), E::KIND);
    let (v, extra) = s
        .svc
        .edit(&actor, |b| {
            let items = E::all_mut(b);
            let extra = e.prepare(items.iter().find(|x| x.key() == key));
            upsert(items, e, |x| x.key() == key);
            Ok(extra)
        })
        .await?;
    ok(v, extra)
}

pub async fn delete<E: Entity>(
    State(s): State<Shared>,
    Extension(p): Extension<Principal>,
    Path(key): Path<String>,
) -> Res {
    let actor = format!("{}: delete {} {key}", p.actor(), E::KIND);
    let (v, ()) = s
        .svc
        .edit(&actor, |b| {
            let items = E::all_mut(b);
            let before = items.len();
            items.retain(|x| x.key() != key);
            if items.len() == before {
                return Err(missing::<E>(&key));
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

pub async fn batch<E: Entity>(
    State(s): State<Shared>,
    Extension(p): Extension<Principal>,
    Body(batch): Body<Batch>,
) -> Res {
    let actor = format!(
        "{}: set enabled={} on {} {}s",
        p.actor(),
        batch.enabled,
        batch.names.len(),
        E::KIND
    );
    let (v, n) = s
        .svc
        .edit(&actor, |b| {
            let n = E::all_mut(b)
                .iter_mut()
                .filter(|e| batch.names.contains(&e.key()))
                .map(|e| e.set_enabled(batch.enabled))
                .filter(|changed| *changed)
                .count();
            Ok(n)
        })
        .await?;
    ok(v, json!({ "changed": n }))
}

// keys --------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct NewKey {
    pub(crate) name: Option<String>,
}

/// Create a key for a user; its material is in the answer, once.
pub async fn create_key(
    State(s): State<Shared>,
    Extension(p): Extension<Principal>,
    Path(user): Path<String>,
    body: Option<Json<NewKey>>,
) -> Res {
    let name = body.and_then(|Json(k)| k.name);
    add_key(&s, &user, name, &p.actor()).await
}

pub(crate) async fn add_key(s: &Shared, user: &str, name: Option<String>, who: &str) -> Res {
    let material = generate_key();
    let digest = gproxy_config::digest::key_digest(&material);
    let actor = format!("{who}: create key for {user}");
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
                .ok_or_else(|| missing::<User>(user))?;
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
    Extension(p): Extension<Principal>,
    Path((user, digest)): Path<(String, String)>,
) -> Res {
    remove_key(&s, &user, &digest, &p.actor()).await
}

pub(crate) async fn remove_key(s: &Shared, user: &str, digest: &str, who: &str) -> Res {
    let actor = format!("{who}: delete key of {user}");
    let digest = digest.to_ascii_lowercase();
    let (v, ()) = s
        .svc
        .edit(&actor, |b| {
            let u = b
                .users
                .iter_mut()
                .find(|u| u.name == user)
                .ok_or_else(|| missing::<User>(user))?;
            let before = u.keys.len();
            u.keys.retain(|k| {
                let d = k
                    .digest
                    .clone()
                    .or_else(|| k.key.as_deref().map(gproxy_config::digest::key_digest));
                d.as_deref() != Some(digest.as_str())
            });
            if u.keys.len() == before {
                return Err(ServiceError::NotFound(format!("key `{digest}`")));
            }
            Ok(())
        })
        .await?;
    ok(v, json!({}))
}

// settings ----------------------------------------------------------------------------------

pub async fn get_settings(State(s): State<Shared>) -> Result<Json<Settings>, ApiError> {
    Ok(Json(s.svc.bundle().await?.settings))
}

pub async fn put_settings(
    State(s): State<Shared>,
    Extension(p): Extension<Principal>,
    Body(settings): Body<Settings>,
) -> Res {
    let actor = format!("{}: put settings", p.actor());
    let (v, ()) = s
        .svc
        .edit(&actor, |b| {
            b.settings = settings;
            Ok(())
        })
        .await?;
    ok(v, json!({}))
}
