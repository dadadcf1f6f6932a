//! The whole configuration at once: load it as a [`Bundle`], or replace it in one transaction.

use std::collections::HashSet;

use gproxy_config::Bundle;

use super::db::{placeholders, Filter, Tx, Val};
use super::error::{Result, StoreError};
use super::{groups, provider_rows, read_version, routes, settings, user_rows, Store};
use crate::crypto::Crypto;

impl Store {
    /// The whole configuration as a bundle: upstream secrets decrypted, user keys as digests
    /// (key material is never stored).
    pub async fn load_bundle(&self, crypto: &Crypto) -> Result<Bundle> {
        Ok(self.load_bundle_versioned(crypto).await?.1)
    }

    /// The bundle and the config version it is, read from one consistent state.
    pub async fn load_bundle_versioned(&self, crypto: &Crypto) -> Result<(u64, Bundle)> {
        let mut tx = self.pool.begin_read().await?;
        let version = read_version(&mut tx).await?;
        let bundle = read_all(&mut tx, crypto).await?;
        tx.commit().await?;
        Ok((version, bundle))
    }

    /// Replace the whole configuration in one transaction (the caller validated it): all or
    /// nothing. Returns the new config version. Keys given as material are stored as digest and
    /// last4; cooldowns of credentials and creation times of keys that stay are kept.
    pub async fn replace_bundle(
        &self,
        bundle: &Bundle,
        crypto: &Crypto,
        actor: &str,
    ) -> Result<u64> {
        let mut w = self.write().await?;
        let tx = &mut w.tx;
        let prior_keys = user_rows::prior_keys(tx, None).await?;
        for sql in [
            "DELETE FROM aliases",
            "DELETE FROM route_members",
            "DELETE FROM routes",
            "DELETE FROM api_keys",
        ] {
            tx.execute(sql, vec![]).await?;
        }
        let names: Vec<&str> = bundle.providers.iter().map(|p| p.name.as_str()).collect();
        delete_others(tx, "DELETE FROM providers", &names).await?;
        let names: Vec<&str> = bundle.users.iter().map(|u| u.name.as_str()).collect();
        delete_others(tx, "DELETE FROM users", &names).await?;

        let mut seen = HashSet::new();
        for (i, p) in bundle.providers.iter().enumerate() {
            if !seen.insert(p.name.as_str()) {
                return Err(duplicate("provider", &p.name));
            }
            provider_rows::write(tx, p, position(i)?, crypto).await?;
        }
        let mut seen = HashSet::new();
        for (i, r) in bundle.routes.iter().enumerate() {
            if !seen.insert(r.name.as_str()) {
                return Err(duplicate("route", &r.name));
            }
            routes::write(tx, r, position(i)?).await?;
        }
        let mut seen = HashSet::new();
        for (i, a) in bundle.aliases.iter().enumerate() {
            let key = routes::alias_key(a)?;
            if !seen.insert(key) {
                return Err(duplicate("alias", key));
            }
            routes::write_alias(tx, a, position(i)?).await?;
        }
        let mut seen = HashSet::new();
        for (i, u) in bundle.users.iter().enumerate() {
            if !seen.insert(u.name.as_str()) {
                return Err(duplicate("user", &u.name));
            }
            user_rows::write(tx, u, position(i)?, &prior_keys).await?;
        }
        groups::write_all(tx, &bundle.orgs, &bundle.teams, &bundle.rule_sets).await?;
        settings::write_gateway(tx, &bundle.settings).await?;
        let detail = serde_json::json!({
            "providers": bundle.providers.len(),
            "routes": bundle.routes.len(),
            "aliases": bundle.aliases.len(),
            "users": bundle.users.len(),
            "orgs": bundle.orgs.len(),
            "teams": bundle.teams.len(),
            "rule_sets": bundle.rule_sets.len(),
        });
        w.audit(actor, "replace", "bundle", None, detail).await?;
        w.commit().await
    }
}

/// Every table of the configuration, in the bundle's order.
async fn read_all(tx: &mut Tx, crypto: &Crypto) -> Result<Bundle> {
    let (providers, _) = provider_rows::read(tx, crypto, Filter::default(), None).await?;
    let (routes, _) = routes::read(tx, Filter::default(), None).await?;
    let (aliases, _) = routes::read_aliases(tx, None).await?;
    let (users, _) = user_rows::read(tx, Filter::default(), None).await?;
    let settings = settings::read_gateway(tx).await?;
    Ok(Bundle {
        providers,
        routes,
        aliases,
        users,
        orgs: groups::read_orgs(tx).await?,
        teams: groups::read_teams(tx).await?,
        rule_sets: groups::read_rule_sets(tx).await?,
        settings,
    })
}

/// `delete` (a constant `DELETE FROM t`) restricted to rows whose `name` is not in `keep`.
async fn delete_others(tx: &mut Tx, delete: &'static str, keep: &[&str]) -> Result<()> {
    if keep.is_empty() {
        tx.execute(delete, vec![]).await?;
        return Ok(());
    }
    let sql = format!(
        "{delete} WHERE name NOT IN ({})",
        placeholders(1, keep.len())
    );
    tx.execute(&sql, keep.iter().map(|n| Val::from(*n)).collect())
        .await?;
    Ok(())
}

fn position(i: usize) -> Result<i64> {
    super::convert::int("position", i)
}

fn duplicate(entity: &str, name: &str) -> StoreError {
    StoreError::Conflict(format!("the bundle lists {entity} `{name}` twice"))
}
