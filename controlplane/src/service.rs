//! The service layer: the single writer. Every change is validated against the whole resulting
//! configuration first, written in one transaction (which bumps the version), then the snapshot
//! is rebuilt from the database and published to every data plane.

use std::sync::Arc;

use gproxy_config::bundle::Alias;
use gproxy_config::{Bundle, Snapshot, ValidationErrors};
use tokio::sync::Mutex;

use crate::crypto::Crypto;
use crate::publish::Publisher;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid configuration: {0}")]
    Invalid(ValidationErrors),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct ConfigService {
    pub store: Store,
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
        let svc = Arc::new(ConfigService {
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
        let mut candidate = self.store.load_bundle(&self.crypto).await?;
        let out = edit(&mut candidate)?;
        candidate.validate().map_err(ServiceError::Invalid)?;
        self.store
            .replace_bundle(&candidate, &self.crypto, actor)
            .await?;
        Ok((self.republish().await?, out))
    }
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

/// The snapshot of what is stored, with each user's settled spend.
pub async fn build_snapshot(store: &Store, crypto: &Crypto) -> Result<Snapshot, ServiceError> {
    let bundle = store.load_bundle(crypto).await?;
    let version = store.config_version().await?;
    let mut snap = Snapshot::from_bundle(&bundle, version).map_err(ServiceError::Invalid)?;
    let spend = store.spend_by_user().await?;
    for u in &mut snap.users {
        u.spent_usd = spend.get(&u.name).copied().unwrap_or(0.0);
    }
    Ok(snap)
}
