//! Users and their API keys. Key material is never stored: its SHA-256 digest and last four
//! characters only; generated keys are returned once.

use std::collections::HashSet;

use base64::Engine as _;
use gproxy_config::bundle::User;
use gproxy_config::digest::key_digest;
use serde::{Deserialize, Serialize};

use super::convert::now_ms;
use super::db::{args, placeholders, Filter, Val};
use super::error::{Result, StoreError};
use super::providers::next_position;
use super::user_rows::{prior_keys, read, stored_key, write, INSERT_KEY};
use super::{Page, Paged, Store};
use crate::crypto::random_bytes;

/// Which users a listing returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UserFilter {
    pub enabled: Option<bool>,
    pub name_prefix: Option<String>,
}

/// What the store knows about a key (for display; the material is gone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    pub digest: String,
    pub user: String,
    pub name: Option<String>,
    pub enabled: bool,
    pub created_ms: u64,
    /// Last four characters of the material, when it was ever known to the store.
    pub last4: Option<String>,
}

/// A freshly generated key: `key` is shown once and never again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewKey {
    pub key: String,
    pub digest: String,
    pub last4: String,
    /// The config version that carries it.
    pub version: u64,
}

impl Store {
    pub async fn list_users(&self, page: Page) -> Result<Paged<User>> {
        self.find_users(&UserFilter::default(), page).await
    }

    pub async fn find_users(&self, filter: &UserFilter, page: Page) -> Result<Paged<User>> {
        let mut f = Filter::default();
        if let Some(e) = filter.enabled {
            f.push("enabled", "=", Val::Bool(e));
        }
        if let Some(p) = &filter.name_prefix {
            f.push_prefix("name", p);
        }
        let mut tx = self.pool.begin_read().await?;
        let (items, total) = read(&mut tx, f, Some(page)).await?;
        tx.commit().await?;
        Ok(Paged { items, total })
    }

    /// A user with its keys as digests.
    pub async fn get_user(&self, name: &str) -> Result<Option<User>> {
        let mut f = Filter::default();
        f.push("name", "=", Val::from(name));
        let mut tx = self.pool.begin_read().await?;
        let (mut items, _) = read(&mut tx, f, None).await?;
        tx.commit().await?;
        Ok(items.pop())
    }

    /// Create or replace a user and its keys; a key that belongs to another user is a conflict.
    pub async fn put_user(&self, u: &User, actor: &str) -> Result<u64> {
        let mut w = self.write().await?;
        let mut digests = Vec::with_capacity(u.keys.len());
        let mut seen = HashSet::new();
        for (j, k) in u.keys.iter().enumerate() {
            let (d, _) = stored_key(&u.name, j, k)?;
            if !seen.insert(d.clone()) {
                return Err(StoreError::Conflict(format!(
                    "user `{}` key {j}: the same key is configured twice",
                    u.name
                )));
            }
            digests.push(Val::from(d));
        }
        if !digests.is_empty() {
            let sql = format!(
                "SELECT user_name FROM api_keys WHERE user_name <> $1 AND digest IN ({}) \
                 ORDER BY user_name",
                placeholders(2, digests.len())
            );
            let mut a = args![&u.name];
            a.extend(digests);
            if let Some(r) = w.tx.fetch_optional(&sql, a).await? {
                return Err(StoreError::Conflict(format!(
                    "a key of user `{}` already belongs to user `{}`",
                    u.name,
                    r.text(0)?
                )));
            }
        }
        let existing =
            w.tx.fetch_optional("SELECT position FROM users WHERE name = $1", args![&u.name])
                .await?;
        let position = match &existing {
            Some(r) => r.int(0)?,
            None => {
                next_position(
                    &mut w.tx,
                    "SELECT COALESCE(MAX(position), -1) + 1 FROM users",
                )
                .await?
            }
        };
        let prior = prior_keys(&mut w.tx, Some(&u.name)).await?;
        write(&mut w.tx, u, position, &prior).await?;
        let action = if existing.is_some() {
            "replace"
        } else {
            "create"
        };
        let detail = serde_json::json!({ "keys": u.keys.len(), "enabled": u.enabled });
        w.audit(actor, action, "user", Some(&u.name), detail)
            .await?;
        w.commit().await
    }

    /// Delete a user and its keys (its usage history stays).
    pub async fn delete_user(&self, name: &str, actor: &str) -> Result<u64> {
        let mut w = self.write().await?;
        let n =
            w.tx.execute("DELETE FROM users WHERE name = $1", args![name])
                .await?;
        if n == 0 {
            return Err(StoreError::not_found("user", name));
        }
        w.audit(actor, "delete", "user", Some(name), serde_json::json!({}))
            .await?;
        w.commit().await
    }

    pub async fn set_users_enabled(
        &self,
        names: &[String],
        enabled: bool,
        actor: &str,
    ) -> Result<u64> {
        let mut w = self.write().await?;
        let mut missing = Vec::new();
        for name in names {
            let sql = "UPDATE users SET enabled = $1 WHERE name = $2";
            if w.tx.execute(sql, args![enabled, name]).await? == 0 {
                missing.push(name.as_str());
            }
        }
        if !missing.is_empty() {
            return Err(StoreError::not_found("user", missing.join("`, `")));
        }
        let action = if enabled { "enable" } else { "disable" };
        w.audit(
            actor,
            action,
            "user",
            None,
            serde_json::json!({ "names": names }),
        )
        .await?;
        w.commit().await
    }

    /// Generate a key for `user`: `gp-` and 40 random URL-safe characters, returned once.
    pub async fn add_key(&self, user: &str, name: Option<&str>, actor: &str) -> Result<NewKey> {
        let material = format!(
            "gp-{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes::<30>()?)
        );
        let digest = key_digest(&material);
        let last4 = material[material.len() - 4..].to_owned();
        let mut w = self.write().await?;
        if w.tx
            .fetch_optional("SELECT 1 FROM users WHERE name = $1", args![user])
            .await?
            .is_none()
        {
            return Err(StoreError::not_found("user", user));
        }
        let position =
            w.tx.fetch_one(
                "SELECT COALESCE(MAX(position), -1) + 1 FROM api_keys WHERE user_name = $1",
                args![user],
            )
            .await?
            .int(0)?;
        let row = args![&digest, user, name, true, now_ms(), &last4, position];
        w.tx.execute(INSERT_KEY, row).await?;
        let detail =
            serde_json::json!({ "user": user, "name": name, "digest": digest, "last4": last4 });
        w.audit(actor, "add_key", "key", Some(user), detail).await?;
        let version = w.commit().await?;
        Ok(NewKey {
            key: material,
            digest,
            last4,
            version,
        })
    }

    /// Delete a key by its digest.
    pub async fn delete_key(&self, digest: &str, actor: &str) -> Result<u64> {
        let digest = digest.to_ascii_lowercase();
        let mut w = self.write().await?;
        let row =
            w.tx.fetch_optional(
                "DELETE FROM api_keys WHERE digest = $1 RETURNING user_name",
                args![&digest],
            )
            .await?;
        let Some(row) = row else {
            return Err(StoreError::not_found("key", digest));
        };
        let detail = serde_json::json!({ "user": row.text(0)?, "digest": digest });
        w.audit(actor, "delete_key", "key", Some(&row.text(0)?), detail)
            .await?;
        w.commit().await
    }

    pub async fn set_key_enabled(&self, digest: &str, enabled: bool, actor: &str) -> Result<u64> {
        let digest = digest.to_ascii_lowercase();
        let mut w = self.write().await?;
        let sql = "UPDATE api_keys SET enabled = $1 WHERE digest = $2 RETURNING user_name";
        let Some(row) = w.tx.fetch_optional(sql, args![enabled, &digest]).await? else {
            return Err(StoreError::not_found("key", digest));
        };
        let action = if enabled { "enable_key" } else { "disable_key" };
        let detail = serde_json::json!({ "digest": digest });
        w.audit(actor, action, "key", Some(&row.text(0)?), detail)
            .await?;
        w.commit().await
    }

    /// The keys of a user, in order, with what is known about each.
    pub async fn list_keys(&self, user: &str) -> Result<Vec<KeyInfo>> {
        let mut tx = self.pool.begin_read().await?;
        if tx
            .fetch_optional("SELECT 1 FROM users WHERE name = $1", args![user])
            .await?
            .is_none()
        {
            return Err(StoreError::not_found("user", user));
        }
        let rows = tx
            .fetch_all(
                "SELECT digest, user_name, name, enabled, created_ms, last4 FROM api_keys \
                 WHERE user_name = $1 ORDER BY position",
                args![user],
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                Ok(KeyInfo {
                    digest: r.text(0)?,
                    user: r.text(1)?,
                    name: r.opt_text(2)?,
                    enabled: r.boolean(3)?,
                    created_ms: r.uint(4)?,
                    last4: r.opt_text(5)?,
                })
            })
            .collect()
    }
}
