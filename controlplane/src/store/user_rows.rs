//! Rows of `users` and `api_keys`: reading them into [`User`]s (keys as digests) and writing one
//! user with its keys (material reduced to digest and last four characters).

use std::collections::HashMap;

use gproxy_config::bundle::{Key, Limits, Quota, Role, User};
use gproxy_config::digest::{key_digest, parse_hex_digest};

use super::convert::{from_json, now_ms, opt_int, to_json};
use super::db::{args, placeholders, Filter, Row, Tx, Val};
use super::error::{Result, StoreError};
use super::Page;

/// `created_ms` and last4 of keys that existed before a rewrite, by digest.
pub(crate) type PriorKeys = HashMap<String, (i64, Option<String>)>;

pub(crate) async fn read(
    tx: &mut Tx,
    filter: Filter,
    page: Option<Page>,
) -> Result<(Vec<User>, u64)> {
    let where_sql = filter.sql();
    let total = tx
        .fetch_one(
            &format!("SELECT COUNT(*) FROM users{where_sql}"),
            filter.args.clone(),
        )
        .await?
        .uint(0)?;
    let mut sql = format!(
        "SELECT name, enabled, permissions_json, rpm, tpm, concurrency, quota_usd, team, role, \
         password_hash FROM users\
         {where_sql} ORDER BY position, name"
    );
    let mut list_args = filter.args.clone();
    if let Some(page) = page {
        let (limit, offset) = page.bounds();
        let n = filter.next();
        sql.push_str(&format!(" LIMIT ${n} OFFSET ${}", n + 1));
        list_args.extend(args![limit, offset]);
    }
    let rows = tx.fetch_all(&sql, list_args).await?;
    let mut users = rows.iter().map(user_row).collect::<Result<Vec<_>>>()?;
    if users.is_empty() {
        return Ok((users, total));
    }
    let names: Vec<Val> = users.iter().map(|u| Val::from(&u.name)).collect();
    let (scope, scope_args) = if page.is_none() && filter.args.is_empty() {
        (String::new(), vec![])
    } else {
        (
            format!(" WHERE user_name IN ({})", placeholders(1, names.len())),
            names,
        )
    };
    let keys = tx
        .fetch_all(
            &format!(
                "SELECT user_name, digest, name, enabled FROM api_keys{scope} \
                 ORDER BY user_name, position"
            ),
            scope_args,
        )
        .await?;
    let index: HashMap<String, usize> = users
        .iter()
        .enumerate()
        .map(|(i, u)| (u.name.clone(), i))
        .collect();
    for k in &keys {
        if let Some(&i) = index.get(&k.text(0)?) {
            users[i].keys.push(Key {
                key: None,
                digest: Some(k.text(1)?),
                name: k.opt_text(2)?,
                enabled: k.boolean(3)?,
            });
        }
    }
    Ok((users, total))
}

fn user_row(r: &Row) -> Result<User> {
    Ok(User {
        name: r.text(0)?,
        enabled: r.boolean(1)?,
        keys: Vec::new(),
        permissions: from_json("users.permissions_json", &r.text(2)?)?,
        limits: Limits {
            rpm: r.opt_uint(3)?,
            tpm: r.opt_uint(4)?,
            concurrency: r.opt_uint(5)?,
        },
        quota: r.opt_float(6)?.map(|usd| Quota { usd }),
        team: r.opt_text(7)?,
        role: {
            let role = r.text(8)?;
            Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("users.role `{role}`")))?
        },
        password: r.opt_text(9)?,
    })
}

/// `created_ms` and `last4` of existing keys (of one user, or of everyone).
pub(crate) async fn prior_keys(tx: &mut Tx, user: Option<&str>) -> Result<PriorKeys> {
    let rows = match user {
        Some(u) => {
            tx.fetch_all(
                "SELECT digest, created_ms, last4 FROM api_keys WHERE user_name = $1",
                args![u],
            )
            .await?
        }
        None => {
            tx.fetch_all("SELECT digest, created_ms, last4 FROM api_keys", vec![])
                .await?
        }
    };
    rows.iter()
        .map(|r| Ok((r.text(0)?, (r.int(1)?, r.opt_text(2)?))))
        .collect()
}

/// The digest and last four characters a key is stored as.
pub(crate) fn stored_key(user: &str, j: usize, k: &Key) -> Result<(String, Option<String>)> {
    match (&k.key, &k.digest) {
        (Some(material), _) => {
            let chars: Vec<char> = material.chars().collect();
            let last4: String = chars[chars.len().saturating_sub(4)..].iter().collect();
            Ok((key_digest(material), Some(last4)))
        }
        (None, Some(d)) if parse_hex_digest(d).is_some() => Ok((d.to_ascii_lowercase(), None)),
        (None, Some(_)) => Err(StoreError::Invalid(format!(
            "user `{user}` key {j}: a digest is 64 hex characters (SHA-256)"
        ))),
        (None, None) => Err(StoreError::Invalid(format!(
            "user `{user}` key {j}: set `key` or `digest`"
        ))),
    }
}

const UPSERT_USER: &str = "INSERT INTO users (name, enabled, permissions_json, rpm, tpm, \
     concurrency, quota_usd, position, team, role, password_hash) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
     ON CONFLICT (name) DO UPDATE SET enabled = excluded.enabled, \
     permissions_json = excluded.permissions_json, rpm = excluded.rpm, tpm = excluded.tpm, \
     concurrency = excluded.concurrency, quota_usd = excluded.quota_usd, position = excluded.position, \
     team = excluded.team, role = excluded.role, password_hash = excluded.password_hash";
pub(crate) const INSERT_KEY: &str =
    "INSERT INTO api_keys (digest, user_name, name, enabled, created_ms, \
     last4, position) VALUES ($1, $2, $3, $4, $5, $6, $7)";

/// Write one user and replace its keys (creation times and last4s of kept keys survive).
pub(crate) async fn write(tx: &mut Tx, u: &User, position: i64, prior: &PriorKeys) -> Result<()> {
    tx.execute(
        UPSERT_USER,
        args![
            &u.name,
            u.enabled,
            to_json(&u.permissions)?,
            opt_int("rpm", u.limits.rpm)?,
            opt_int("tpm", u.limits.tpm)?,
            opt_int("concurrency", u.limits.concurrency)?,
            u.quota.map(|q| q.usd),
            position,
            &u.team,
            u.role.as_str(),
            password_hash(&u.name, u.password.as_deref())?,
        ],
    )
    .await?;
    tx.execute("DELETE FROM api_keys WHERE user_name = $1", args![&u.name])
        .await?;
    let now = now_ms();
    for (j, k) in u.keys.iter().enumerate() {
        let (digest, last4) = stored_key(&u.name, j, k)?;
        let (created, old_last4) = prior.get(&digest).cloned().unwrap_or((now, None));
        tx.execute(
            INSERT_KEY,
            args![
                &digest,
                &u.name,
                &k.name,
                k.enabled,
                created,
                last4.or(old_last4),
                opt_int("position", Some(j))?,
            ],
        )
        .await
        .map_err(|e| {
            e.context(|| {
                format!(
                    "user `{}` key {j}: the same key is configured twice",
                    u.name
                )
            })
        })?;
    }
    Ok(())
}

/// What `users.password_hash` stores: an argon2 PHC string as given, plain text hashed.
fn password_hash(user: &str, password: Option<&str>) -> Result<Option<String>> {
    match password {
        None => Ok(None),
        Some(p) if gproxy_config::bundle::is_password_hash(p) => Ok(Some(p.to_owned())),
        Some(p) => crate::passwords::hash(p).map(Some).map_err(|e| {
            StoreError::Invalid(format!("user `{user}`: cannot hash the password: {e}"))
        }),
    }
}
