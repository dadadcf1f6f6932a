//! Providers with their credentials (secrets sealed) and models: reads, writes, and the
//! referential checks that keep routes and aliases pointing at models that exist.

use std::collections::HashSet;

use gproxy_config::bundle::{ChannelKind, Provider};
use gproxy_config::snapshot::CredentialCooldown;
use serde::{Deserialize, Serialize};

use super::convert::opt_int;
use super::db::{args, Filter, Tx, Val};
use super::error::{Result, StoreError};
use super::provider_rows::{read, users_of, write};
use super::{Page, Paged, Store};
use crate::crypto::Crypto;

/// Which providers a listing returns.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProviderFilter {
    pub enabled: Option<bool>,
    pub channel: Option<ChannelKind>,
    pub name_prefix: Option<String>,
}

impl ProviderFilter {
    fn to_filter(&self) -> Filter {
        let mut f = Filter::default();
        if let Some(e) = self.enabled {
            f.push("enabled", "=", Val::Bool(e));
        }
        if let Some(c) = self.channel {
            f.push("channel", "=", Val::from(c.as_str()));
        }
        if let Some(p) = &self.name_prefix {
            f.push_prefix("name", p);
        }
        f
    }
}

impl Store {
    pub async fn list_providers(&self, crypto: &Crypto, page: Page) -> Result<Paged<Provider>> {
        self.find_providers(crypto, &ProviderFilter::default(), page)
            .await
    }

    pub async fn find_providers(
        &self,
        crypto: &Crypto,
        filter: &ProviderFilter,
        page: Page,
    ) -> Result<Paged<Provider>> {
        let mut tx = self.pool.begin_read().await?;
        let (items, total) = read(&mut tx, crypto, filter.to_filter(), Some(page)).await?;
        tx.commit().await?;
        Ok(Paged { items, total })
    }

    pub async fn get_provider(&self, crypto: &Crypto, name: &str) -> Result<Option<Provider>> {
        let mut f = Filter::default();
        f.push("name", "=", Val::from(name));
        let mut tx = self.pool.begin_read().await?;
        let (mut items, _) = read(&mut tx, crypto, f, None).await?;
        tx.commit().await?;
        Ok(items.pop())
    }

    /// Create or replace a provider (keeping its place in the order); returns the new version.
    /// Dropping a model that a route or alias still uses is a conflict.
    pub async fn put_provider(&self, p: &Provider, crypto: &Crypto, actor: &str) -> Result<u64> {
        let mut w = self.write().await?;
        let existing =
            w.tx.fetch_optional(
                "SELECT position FROM providers WHERE name = $1",
                args![&p.name],
            )
            .await?;
        let position = match &existing {
            Some(r) => r.int(0)?,
            None => {
                next_position(
                    &mut w.tx,
                    "SELECT COALESCE(MAX(position), -1) + 1 FROM providers",
                )
                .await?
            }
        };
        let keep: HashSet<&str> = p.models.iter().map(|m| m.id.as_str()).collect();
        let users = users_of(&mut w.tx, &p.name, &keep).await?;
        if !users.is_empty() {
            return Err(StoreError::Conflict(format!(
                "provider `{}` would drop models still in use: {}",
                p.name,
                users.join("; ")
            )));
        }
        write(&mut w.tx, p, position, crypto).await?;
        let action = if existing.is_some() {
            "replace"
        } else {
            "create"
        };
        let detail = serde_json::json!({
            "credentials": p.credentials.len(),
            "models": p.models.len(),
            "enabled": p.enabled,
        });
        w.audit(actor, action, "provider", Some(&p.name), detail)
            .await?;
        w.commit().await
    }

    /// Delete a provider with its credentials and models; a conflict while anything uses it.
    pub async fn delete_provider(&self, name: &str, actor: &str) -> Result<u64> {
        let mut w = self.write().await?;
        let users = users_of(&mut w.tx, name, &HashSet::new()).await?;
        if !users.is_empty() {
            return Err(StoreError::Conflict(format!(
                "provider `{name}` is still in use: {}; remove those references first",
                users.join("; ")
            )));
        }
        let n =
            w.tx.execute("DELETE FROM providers WHERE name = $1", args![name])
                .await?;
        if n == 0 {
            return Err(StoreError::not_found("provider", name));
        }
        w.audit(
            actor,
            "delete",
            "provider",
            Some(name),
            serde_json::json!({}),
        )
        .await?;
        w.commit().await
    }

    /// Enable or disable several providers at once; all must exist.
    pub async fn set_providers_enabled(
        &self,
        names: &[String],
        enabled: bool,
        actor: &str,
    ) -> Result<u64> {
        let mut w = self.write().await?;
        let mut missing = Vec::new();
        for name in names {
            let n =
                w.tx.execute(
                    "UPDATE providers SET enabled = $1 WHERE name = $2",
                    args![enabled, name],
                )
                .await?;
            if n == 0 {
                missing.push(name.as_str());
            }
        }
        if !missing.is_empty() {
            return Err(StoreError::not_found("provider", missing.join("`, `")));
        }
        let action = if enabled { "enable" } else { "disable" };
        w.audit(
            actor,
            action,
            "provider",
            None,
            serde_json::json!({ "names": names }),
        )
        .await?;
        w.commit().await
    }

    /// Mark a credential cooling down until `until_ms` for `reason` (None clears it). Health
    /// state, not configuration: the config version does not change (the caller bumps it once
    /// for a batch of decisions, so data planes take the new snapshot).
    pub async fn set_credential_cooldown(
        &self,
        provider: &str,
        credential: &str,
        until_ms: Option<u64>,
        reason: Option<&str>,
    ) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let n = tx
            .execute(
                "UPDATE credentials SET cooldown_until_ms = $1, cooldown_reason = $2 \
                 WHERE provider = $3 AND name = $4",
                args![
                    opt_int("cooldown_until_ms", until_ms)?,
                    reason,
                    provider,
                    credential
                ],
            )
            .await?;
        if n == 0 {
            return Err(StoreError::not_found(
                "credential",
                format!("{provider}/{credential}"),
            ));
        }
        tx.commit().await
    }

    /// Every credential with a cooldown set, in provider and credential order.
    pub async fn credential_cooldowns(&self) -> Result<Vec<CredentialCooldown>> {
        let mut tx = self.pool.begin_read().await?;
        let rows = tx
            .fetch_all(
                "SELECT c.provider, c.name, c.cooldown_until_ms, c.cooldown_reason \
                 FROM credentials c JOIN providers p ON p.name = c.provider \
                 WHERE c.cooldown_until_ms IS NOT NULL ORDER BY p.position, c.position",
                vec![],
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                Ok(CredentialCooldown {
                    provider: r.text(0)?,
                    credential: r.text(1)?,
                    until_ms: r.uint(2)?,
                    reason: r.opt_text(3)?.unwrap_or_default(),
                })
            })
            .collect()
    }
}

/// The position after the last one of a table (`sql` is a constant `SELECT COALESCE(MAX...)`).
pub(crate) async fn next_position(tx: &mut Tx, sql: &'static str) -> Result<i64> {
    tx.fetch_one(sql, vec![]).await?.int(0)
}
