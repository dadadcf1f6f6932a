//! The service layer: the single writer. Every change is validated against the whole resulting
//! configuration first, written in one transaction (which bumps the version), then the snapshot
//! is rebuilt from the database and published to every data plane.

use std::collections::HashMap;
use std::sync::Arc;

use gproxy_config::bundle::{Alias, Provider, Route, Settings, User};
use gproxy_config::{Bundle, Snapshot, ValidationErrors};
use gproxy_proto::v1::HealthEvent;
use tokio::sync::Mutex;

use crate::crypto::Crypto;
use crate::publish::Publisher;
use crate::store::{Store, StoreError};

/// How long a rate-limited credential rests cluster-wide when the upstream gave no Retry-After.
pub const RATE_LIMIT_REST_MS: u64 = 60_000;
/// How long a credential the upstream refused (401/403) rests cluster-wide.
pub const AUTH_DEAD_REST_MS: u64 = 300_000;
/// The longest rest a Retry-After can ask for.
pub const MAX_REST_MS: u64 = 3_600_000;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid configuration: {0}")]
    Invalid(ValidationErrors),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct ConfigService {
    pub store: Store,
    /// `<store epoch>.<process nonce>`: a version names one snapshot only within one store and
    /// one control-plane process (spend and cooldowns are stamped at publish time), so resuming a
    /// data plane with a delta is offered only within this epoch.
    pub epoch: String,
    pub crypto: Arc<Crypto>,
    pub publisher: Publisher,
    /// One writer at a time: validation sees the configuration the write will replace.
    write: Mutex<()>,
}

impl ConfigService {
    /// Open the service: apply a boot bundle when given (skipped when it equals what is stored,
    /// so restarts do not bump the version), then publish the stored configuration.
    pub async fn start(
        store: Store,
        crypto: Arc<Crypto>,
        boot: Option<Bundle>,
    ) -> Result<Arc<Self>, ServiceError> {
        let snapshot = build_snapshot(&store, &crypto).await?;
        let epoch = format!("{}.{:016x}", store.epoch().await?, rand::random::<u64>());
        let svc = Arc::new(ConfigService {
            epoch,
            store,
            crypto,
            publisher: Publisher::new(snapshot),
            write: Mutex::new(()),
        });
        if let Some(bundle) = boot {
            let current = svc.store.load_bundle(&svc.crypto).await?;
            if !same_config(&current, &bundle) {
                svc.apply_bundle(&bundle, "boot").await?;
            }
        }
        Ok(svc)
    }

    /// Rebuild the snapshot from the database and publish it.
    pub async fn republish(&self) -> Result<u64, ServiceError> {
        let snapshot = build_snapshot(&self.store, &self.crypto).await?;
        let version = snapshot.version;
        self.publisher.publish(snapshot);
        Ok(version)
    }

    /// Publish a new version when the settled spend of a user with a quota changed, so every
    /// data plane's quota admission sees it. Returns whether it published.
    pub async fn refresh_spend(&self) -> Result<bool, ServiceError> {
        let spend = self.store.spend_by_user().await?;
        let current = self.publisher.current();
        let mut candidate = current.snapshot.as_ref().clone();
        settle_spend(&mut candidate, &spend);
        let expired = candidate
            .cooldowns
            .iter()
            .any(|c| c.until_ms <= crate::registry::now_ms());
        if !quota_spend_changed(&current.snapshot, &candidate) && !expired {
            return Ok(false);
        }
        let _w = self.write.lock().await;
        self.store.bump_version().await?;
        self.republish().await?;
        Ok(true)
    }

    /// Turn data planes' credential health events into cluster-wide cooldowns: a 429 rests the
    /// credential for its Retry-After (else [`RATE_LIMIT_REST_MS`]), a 401/403 for
    /// [`AUTH_DEAD_REST_MS`], `recovered` clears it. One new version is published per batch that
    /// changed anything. Member breakers stay local to each data plane (they measure that data
    /// plane's path to the upstream). Returns the cooldowns set or cleared.
    pub async fn apply_health(
        &self,
        node: &str,
        events: &[HealthEvent],
    ) -> Result<usize, ServiceError> {
        let current = self.publisher.current();
        let mut changed = 0;
        let _w = self.write.lock().await;
        for e in events.iter().filter(|e| e.subject == "credential") {
            let Some((provider, credential)) = e.id.split_once('/') else {
                continue;
            };
            let known = current
                .snapshot
                .cooldowns
                .iter()
                .find(|c| c.provider == provider && c.credential == credential);
            let (until, reason) = match e.event.as_str() {
                "rate_limited" => {
                    let rest = if e.retry_after_ms > 0 {
                        e.retry_after_ms
                    } else {
                        RATE_LIMIT_REST_MS
                    };
                    (
                        Some(e.ts_ms.saturating_add(rest.min(MAX_REST_MS))),
                        Some(e.event.as_str()),
                    )
                }
                "auth_dead" => (
                    Some(e.ts_ms.saturating_add(AUTH_DEAD_REST_MS)),
                    Some(e.event.as_str()),
                ),
                "recovered" if known.is_some() => (None, None),
                _ => continue,
            };
            // a decision already in force (or a longer one) needs no new version
            if let (Some(until), Some(k)) = (until, known) {
                if k.until_ms >= until.saturating_sub(1_000) {
                    continue;
                }
            }
            match self
                .store
                .set_credential_cooldown(provider, credential, until, reason)
                .await
            {
                Ok(()) => changed += 1,
                Err(StoreError::NotFound { .. }) => continue, // removed since; nothing to rest
                Err(e) => return Err(e.into()),
            }
            tracing::info!(node, credential = %e.id, event = %e.event, until_ms = until.unwrap_or(0), "cluster-wide credential cooldown");
        }
        if changed > 0 {
            self.store.bump_version().await?;
            self.republish().await?;
        }
        Ok(changed)
    }

    pub async fn bundle(&self) -> Result<Bundle, ServiceError> {
        Ok(self.store.load_bundle(&self.crypto).await?)
    }

    /// Replace the whole configuration: validated first, all or nothing.
    pub async fn apply_bundle(&self, bundle: &Bundle, actor: &str) -> Result<u64, ServiceError> {
        let _w = self.write.lock().await;
        bundle.validate().map_err(ServiceError::Invalid)?;
        self.store
            .replace_bundle(bundle, &self.crypto, actor)
            .await?;
        self.republish().await
    }

    /// Change part of the configuration: the edit is applied to the stored bundle, the whole
    /// result is validated, then written in one transaction (audited as `actor`).
    pub async fn edit<T>(
        &self,
        actor: &str,
        edit: impl FnOnce(&mut Bundle) -> Result<T, ServiceError>,
    ) -> Result<(u64, T), ServiceError> {
        let _w = self.write.lock().await;
        let current = self.store.load_bundle(&self.crypto).await?;
        let mut candidate = current.clone();
        let out = edit(&mut candidate)?;
        candidate.validate().map_err(ServiceError::Invalid)?;
        // one changed entity is written alone (its own transaction); anything wider replaces
        // the whole configuration in one transaction
        let (store, crypto) = (&self.store, self.crypto.as_ref());
        match single_change(&current, &candidate) {
            Some(Change::Provider(p)) => store.put_provider(p, crypto, actor).await?,
            Some(Change::DeleteProvider(n)) => store.delete_provider(n, actor).await?,
            Some(Change::Route(r)) => store.put_route(r, actor).await?,
            Some(Change::DeleteRoute(n)) => store.delete_route(n, actor).await?,
            Some(Change::Alias(a)) => store.put_alias(a, actor).await?,
            Some(Change::DeleteAlias(k)) => store.delete_alias(k, actor).await?,
            Some(Change::User(u)) => store.put_user(u, actor).await?,
            Some(Change::DeleteUser(n)) => store.delete_user(n, actor).await?,
            Some(Change::Settings(st)) => store.put_settings(st, actor).await?,
            None => store.replace_bundle(&candidate, crypto, actor).await?,
        };
        Ok((self.republish().await?, out))
    }
}

/// The one entity an edit changed.
enum Change<'a> {
    Provider(&'a Provider),
    DeleteProvider(&'a str),
    Route(&'a Route),
    DeleteRoute(&'a str),
    Alias(&'a Alias),
    DeleteAlias(&'a str),
    User(&'a User),
    DeleteUser(&'a str),
    Settings(&'a Settings),
}

/// `Some` when exactly one entity differs between the two bundles (order changes count as
/// wider changes: they need the whole configuration rewritten).
fn single_change<'a>(old: &'a Bundle, new: &'a Bundle) -> Option<Change<'a>> {
    let mut changes: Vec<Change<'a>> = Vec::new();
    diff(
        &old.providers,
        &new.providers,
        |p| p.name.clone(),
        &mut changes,
        Change::Provider,
        |p| Change::DeleteProvider(&p.name),
    )?;
    diff(
        &old.routes,
        &new.routes,
        |r| r.name.clone(),
        &mut changes,
        Change::Route,
        |r| Change::DeleteRoute(&r.name),
    )?;
    diff(
        &old.aliases,
        &new.aliases,
        alias_key,
        &mut changes,
        Change::Alias,
        |a| {
            Change::DeleteAlias(
                a.name
                    .as_deref()
                    .or(a.pattern.as_deref())
                    .unwrap_or_default(),
            )
        },
    )?;
    diff(
        &old.users,
        &new.users,
        |u| u.name.clone(),
        &mut changes,
        Change::User,
        |u| Change::DeleteUser(&u.name),
    )?;
    if old.settings != new.settings {
        changes.push(Change::Settings(&new.settings));
    }
    if changes.len() == 1 {
        changes.pop()
    } else {
        None
    }
}

/// Record per-item changes of one collection; `None` when its order changed.
fn diff<'a, T: PartialEq>(
    old: &'a [T],
    new: &'a [T],
    key: impl Fn(&T) -> String,
    out: &mut Vec<Change<'a>>,
    put: impl Fn(&'a T) -> Change<'a>,
    delete: impl Fn(&'a T) -> Change<'a>,
) -> Option<()> {
    let old_keys: Vec<String> = old.iter().map(&key).collect();
    let new_keys: Vec<String> = new.iter().map(&key).collect();
    let kept_old: Vec<&String> = old_keys.iter().filter(|k| new_keys.contains(k)).collect();
    let kept_new: Vec<&String> = new_keys.iter().filter(|k| old_keys.contains(k)).collect();
    if kept_old != kept_new {
        return None;
    }
    for (item, k) in old.iter().zip(&old_keys) {
        if !new_keys.contains(k) {
            out.push(delete(item));
        }
    }
    for (item, k) in new.iter().zip(&new_keys) {
        match old_keys.iter().position(|o| o == k) {
            Some(j) if old.get(j) == Some(item) => {}
            _ => out.push(put(item)),
        }
    }
    Some(())
}

/// Replace the item `same` matches, or append it.
pub fn upsert<T>(items: &mut Vec<T>, item: T, same: impl Fn(&T) -> bool) {
    match items.iter_mut().find(|x| same(x)) {
        Some(slot) => *slot = item,
        None => items.push(item),
    }
}

/// Aliases are keyed by their exact name or their pattern.
pub fn alias_key(a: &Alias) -> String {
    match (&a.name, &a.pattern) {
        (Some(n), _) => format!("name:{n}"),
        (None, Some(p)) => format!("pattern:{p}"),
        (None, None) => String::new(),
    }
}

/// Whether two bundles configure the same thing (key material compared by digest).
fn same_config(stored: &Bundle, boot: &Bundle) -> bool {
    let norm = |b: &Bundle| {
        let mut b = b.clone();
        for u in &mut b.users {
            for k in &mut u.keys {
                if let Some(key) = k.key.take() {
                    k.digest = Some(gproxy_config::digest::key_digest(&key));
                }
                k.digest = k.digest.as_ref().map(|d| d.to_ascii_lowercase());
            }
        }
        b
    };
    norm(stored) == norm(boot)
}

/// The snapshot of what is stored, with settled spend per user, team and org, and the
/// credential cooldowns still running.
pub async fn build_snapshot(store: &Store, crypto: &Crypto) -> Result<Snapshot, ServiceError> {
    let (version, bundle) = store.load_bundle_versioned(crypto).await?;
    let mut snap = Snapshot::from_bundle(&bundle, version).map_err(ServiceError::Invalid)?;
    settle_spend(&mut snap, &store.spend_by_user().await?);
    let now = crate::registry::now_ms();
    snap.cooldowns = store
        .credential_cooldowns()
        .await?
        .into_iter()
        .filter(|c| c.until_ms > now)
        .collect();
    Ok(snap)
}

/// Stamp settled spend: a user's own, a team's as the sum of its current users', an org's as the
/// sum of its teams'.
fn settle_spend(snap: &mut Snapshot, spend: &HashMap<String, f64>) {
    let mut teams: HashMap<&str, f64> = HashMap::new();
    for u in &mut snap.users {
        u.spent_usd = spend.get(&u.name).copied().unwrap_or(0.0);
        if let Some(t) = &u.team {
            *teams.entry(t.as_str()).or_default() += u.spent_usd;
        }
    }
    let mut orgs: HashMap<String, f64> = HashMap::new();
    for t in &mut snap.teams {
        t.spent_usd = teams.get(t.name.as_str()).copied().unwrap_or(0.0);
        if let Some(o) = &t.parent {
            *orgs.entry(o.clone()).or_default() += t.spent_usd;
        }
    }
    for o in &mut snap.orgs {
        o.spent_usd = orgs.get(&o.name).copied().unwrap_or(0.0);
    }
}

/// Whether settled spend moved for anyone a quota applies to.
fn quota_spend_changed(old: &Snapshot, new: &Snapshot) -> bool {
    let moved = |a: f64, b: f64| (a - b).abs() > 1e-12;
    let users = old.users.iter().zip(&new.users);
    let groups = old
        .teams
        .iter()
        .zip(&new.teams)
        .chain(old.orgs.iter().zip(&new.orgs));
    users
        .filter(|(o, _)| o.quota.is_some())
        .any(|(o, n)| moved(o.spent_usd, n.spent_usd))
        || groups
            .filter(|(o, _)| o.quota.is_some())
            .any(|(o, n)| moved(o.spent_usd, n.spent_usd))
}
