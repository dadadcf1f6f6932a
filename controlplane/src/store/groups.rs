//! Orgs, teams and rule sets (whole-table rewrites inside a bundle write), users' admin API
//! tokens (digests only), and the store's epoch.

use gproxy_config::bundle::{Org, Quota, Role, Team};
use gproxy_config::rules::RuleSet;
use serde::{Deserialize, Serialize};

use super::convert::{from_json, int, now_ms, to_json};
use super::db::{args, Tx};
use super::error::{Result, StoreError};
use super::Store;

pub(crate) async fn read_orgs(tx: &mut Tx) -> Result<Vec<Org>> {
    let rows = tx
        .fetch_all(
            "SELECT name, display_name, quota_usd FROM orgs ORDER BY position, name",
            vec![],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Org {
                name: r.text(0)?,
                display_name: r.opt_text(1)?,
                quota: r.opt_float(2)?.map(|usd| Quota { usd }),
            })
        })
        .collect()
}

pub(crate) async fn read_teams(tx: &mut Tx) -> Result<Vec<Team>> {
    let rows = tx
        .fetch_all(
            "SELECT name, org, display_name, quota_usd FROM teams ORDER BY position, name",
            vec![],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Team {
                name: r.text(0)?,
                org: r.opt_text(1)?,
                display_name: r.opt_text(2)?,
                quota: r.opt_float(3)?.map(|usd| Quota { usd }),
            })
        })
        .collect()
}

pub(crate) async fn read_rule_sets(tx: &mut Tx) -> Result<Vec<RuleSet>> {
    let rows = tx
        .fetch_all(
            "SELECT doc_json FROM rule_sets ORDER BY position, name",
            vec![],
        )
        .await?;
    rows.iter()
        .map(|r| from_json("rule_sets.doc_json", &r.text(0)?))
        .collect()
}

/// Replace orgs, teams and rule sets with the given ones.
pub(crate) async fn write_all(
    tx: &mut Tx,
    orgs: &[Org],
    teams: &[Team],
    rule_sets: &[RuleSet],
) -> Result<()> {
    for sql in [
        "DELETE FROM orgs",
        "DELETE FROM teams",
        "DELETE FROM rule_sets",
    ] {
        tx.execute(sql, vec![]).await?;
    }
    for (i, o) in orgs.iter().enumerate() {
        tx.execute(
            "INSERT INTO orgs (name, display_name, quota_usd, position) VALUES ($1, $2, $3, $4)",
            args![
                &o.name,
                &o.display_name,
                o.quota.map(|q| q.usd),
                int("position", i)?
            ],
        )
        .await
        .map_err(|e| e.context(|| format!("the bundle lists org `{}` twice", o.name)))?;
    }
    for (i, t) in teams.iter().enumerate() {
        tx.execute(
            "INSERT INTO teams (name, org, display_name, quota_usd, position) \
             VALUES ($1, $2, $3, $4, $5)",
            args![
                &t.name,
                &t.org,
                &t.display_name,
                t.quota.map(|q| q.usd),
                int("position", i)?
            ],
        )
        .await
        .map_err(|e| e.context(|| format!("the bundle lists team `{}` twice", t.name)))?;
    }
    for (i, r) in rule_sets.iter().enumerate() {
        tx.execute(
            "INSERT INTO rule_sets (name, doc_json, position) VALUES ($1, $2, $3)",
            args![&r.name, to_json(r)?, int("position", i)?],
        )
        .await
        .map_err(|e| e.context(|| format!("the bundle lists rule set `{}` twice", r.name)))?;
    }
    Ok(())
}

/// A user's admin API token as listed (never the material).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminTokenInfo {
    pub digest: String,
    pub user: String,
    pub name: Option<String>,
    pub created_ms: u64,
    pub expires_ms: Option<u64>,
    pub last_used_ms: Option<u64>,
}

/// Who an admin API token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOwner {
    pub user: String,
    pub role: Role,
    pub enabled: bool,
}

/// A user who may log in: the stored password hash and what the user may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub user: String,
    pub role: Role,
    pub enabled: bool,
    pub password_hash: Option<String>,
}

impl Store {
    /// The store's epoch: random, fixed when the database was created.
    pub async fn epoch(&self) -> Result<String> {
        let mut tx = self.pool.begin_read().await?;
        let row = tx
            .fetch_optional(
                "SELECT value_json FROM settings WHERE key = 'epoch'",
                vec![],
            )
            .await?;
        tx.commit().await?;
        match row {
            Some(r) => from_json("settings.epoch", &r.text(0)?),
            None => Err(StoreError::Corrupt("settings has no epoch".into())),
        }
    }

    pub async fn login_of(&self, user: &str) -> Result<Option<Login>> {
        let mut tx = self.pool.begin_read().await?;
        let row = tx
            .fetch_optional(
                "SELECT name, role, enabled, password_hash FROM users WHERE name = $1",
                args![user],
            )
            .await?;
        tx.commit().await?;
        row.map(|r| {
            Ok(Login {
                user: r.text(0)?,
                role: role(&r.text(1)?)?,
                enabled: r.boolean(2)?,
                password_hash: r.opt_text(3)?,
            })
        })
        .transpose()
    }

    /// Record a token (its digest) for `user`; `ttl_ms` None = until deleted.
    pub async fn add_admin_token(
        &self,
        digest: &str,
        user: &str,
        name: Option<&str>,
        ttl_ms: Option<u64>,
    ) -> Result<AdminTokenInfo> {
        let now = now_ms();
        let expires = ttl_ms
            .map(|t| i64::try_from(t).map(|t| now.saturating_add(t)))
            .transpose()
            .map_err(|_| StoreError::Invalid("token lifetime out of range".into()))?;
        let mut tx = self.pool.begin().await?;
        tx.execute(
            "INSERT INTO admin_tokens (digest, user_name, name, created_ms, expires_ms) \
             VALUES ($1, $2, $3, $4, $5)",
            args![digest, user, name, now, expires],
        )
        .await?;
        // expired tokens are swept whenever a new one is made
        tx.execute(
            "DELETE FROM admin_tokens WHERE expires_ms IS NOT NULL AND expires_ms < $1",
            args![now],
        )
        .await?;
        tx.commit().await?;
        Ok(AdminTokenInfo {
            digest: digest.to_owned(),
            user: user.to_owned(),
            name: name.map(str::to_owned),
            created_ms: u64::try_from(now).unwrap_or_default(),
            expires_ms: expires.and_then(|e| u64::try_from(e).ok()),
            last_used_ms: None,
        })
    }

    /// The owner of an unexpired token, marking it used.
    pub async fn admin_token_owner(&self, digest: &str) -> Result<Option<TokenOwner>> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let row = tx
            .fetch_optional(
                "SELECT u.name, u.role, u.enabled FROM admin_tokens t \
                 JOIN users u ON u.name = t.user_name \
                 WHERE t.digest = $1 AND (t.expires_ms IS NULL OR t.expires_ms > $2)",
                args![digest, now],
            )
            .await?;
        if row.is_some() {
            tx.execute(
                "UPDATE admin_tokens SET last_used_ms = $1 WHERE digest = $2",
                args![now, digest],
            )
            .await?;
        }
        tx.commit().await?;
        row.map(|r| {
            Ok(TokenOwner {
                user: r.text(0)?,
                role: role(&r.text(1)?)?,
                enabled: r.boolean(2)?,
            })
        })
        .transpose()
    }

    pub async fn admin_tokens(&self, user: &str) -> Result<Vec<AdminTokenInfo>> {
        let mut tx = self.pool.begin_read().await?;
        let rows = tx
            .fetch_all(
                "SELECT digest, user_name, name, created_ms, expires_ms, last_used_ms \
                 FROM admin_tokens WHERE user_name = $1 AND (expires_ms IS NULL OR expires_ms > $2) \
                 ORDER BY created_ms",
                args![user, now_ms()],
            )
            .await?;
        tx.commit().await?;
        rows.iter()
            .map(|r| {
                Ok(AdminTokenInfo {
                    digest: r.text(0)?,
                    user: r.text(1)?,
                    name: r.opt_text(2)?,
                    created_ms: r.uint(3)?,
                    expires_ms: r.opt_uint(4)?,
                    last_used_ms: r.opt_uint(5)?,
                })
            })
            .collect()
    }

    /// Delete a token of `user` (`None` for any user's).
    pub async fn delete_admin_token(&self, digest: &str, user: Option<&str>) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let n = match user {
            Some(u) => {
                tx.execute(
                    "DELETE FROM admin_tokens WHERE digest = $1 AND user_name = $2",
                    args![digest, u],
                )
                .await?
            }
            None => {
                tx.execute("DELETE FROM admin_tokens WHERE digest = $1", args![digest])
                    .await?
            }
        };
        tx.commit().await?;
        if n == 0 {
            return Err(StoreError::not_found("token", digest));
        }
        Ok(())
    }
}

fn role(s: &str) -> Result<Role> {
    Role::parse(s).ok_or_else(|| StoreError::Corrupt(format!("users.role `{s}`")))
}
