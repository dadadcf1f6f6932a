//! Routes with their members, and aliases (keyed by their name or their pattern).

use std::collections::HashMap;

use gproxy_config::bundle::{Alias, Member, Route};

use super::convert::{self, int};
use super::db::{args, placeholders, Filter, Tx, Val};
use super::error::{Result, StoreError};
use super::providers::next_position;
use super::{Page, Paged, Store};

/// Routes matching `filter` (all with `page = None`), members included.
pub(crate) async fn read(
    tx: &mut Tx,
    filter: Filter,
    page: Option<Page>,
) -> Result<(Vec<Route>, u64)> {
    let where_sql = filter.sql();
    let total = tx
        .fetch_one(
            &format!("SELECT COUNT(*) FROM routes{where_sql}"),
            filter.args.clone(),
        )
        .await?
        .uint(0)?;
    let mut sql = format!("SELECT name, strategy FROM routes{where_sql} ORDER BY position, name");
    let mut list_args = filter.args.clone();
    if let Some(page) = page {
        let (limit, offset) = page.bounds();
        let n = filter.next();
        sql.push_str(&format!(" LIMIT ${n} OFFSET ${}", n + 1));
        list_args.extend(args![limit, offset]);
    }
    let mut routes = Vec::new();
    for r in tx.fetch_all(&sql, list_args).await? {
        routes.push(Route {
            name: r.text(0)?,
            strategy: convert::strategy(&r.text(1)?)?,
            members: Vec::new(),
        });
    }
    if routes.is_empty() {
        return Ok((routes, total));
    }
    let names: Vec<Val> = routes.iter().map(|r| Val::from(&r.name)).collect();
    let (scope, scope_args) = if page.is_none() && filter.args.is_empty() {
        (String::new(), vec![])
    } else {
        (
            format!(" WHERE route IN ({})", placeholders(1, names.len())),
            names,
        )
    };
    let members = tx
        .fetch_all(
            &format!(
                "SELECT route, provider, model, weight, tier FROM route_members{scope} \
                 ORDER BY route, position"
            ),
            scope_args,
        )
        .await?;
    let index: HashMap<String, usize> = routes
        .iter()
        .enumerate()
        .map(|(i, r)| (r.name.clone(), i))
        .collect();
    for m in &members {
        if let Some(&i) = index.get(&m.text(0)?) {
            routes[i].members.push(Member {
                provider: m.text(1)?,
                model: m.text(2)?,
                weight: m.uint(3)?,
                tier: m.uint(4)?,
            });
        }
    }
    Ok((routes, total))
}

const UPSERT_ROUTE: &str = "INSERT INTO routes (name, strategy, position) VALUES ($1, $2, $3) \
     ON CONFLICT (name) DO UPDATE SET strategy = excluded.strategy, position = excluded.position";
const INSERT_MEMBER: &str = "INSERT INTO route_members (route, position, provider, model, weight, \
     tier) VALUES ($1, $2, $3, $4, $5, $6)";

/// Write one route and replace its members; a member naming a model that does not exist is a
/// conflict (the foreign key on `models` says so).
pub(crate) async fn write(tx: &mut Tx, r: &Route, position: i64) -> Result<()> {
    tx.execute(
        UPSERT_ROUTE,
        args![&r.name, convert::strategy_str(r.strategy), position],
    )
    .await?;
    tx.execute("DELETE FROM route_members WHERE route = $1", args![&r.name])
        .await?;
    for (j, m) in r.members.iter().enumerate() {
        tx.execute(
            INSERT_MEMBER,
            args![
                &r.name,
                int("position", j)?,
                &m.provider,
                &m.model,
                i64::from(m.weight),
                i64::from(m.tier),
            ],
        )
        .await
        .map_err(|e| {
            e.context(|| {
                format!(
                    "route `{}` member {j}: provider `{}` has no model `{}`",
                    r.name, m.provider, m.model
                )
            })
        })?;
    }
    Ok(())
}

/// The primary key of an alias: its name, or its pattern.
pub(crate) fn alias_key(a: &Alias) -> Result<&str> {
    match (&a.name, &a.pattern) {
        (Some(n), None) => Ok(n),
        (None, Some(p)) => Ok(p),
        _ => Err(StoreError::Invalid(
            "an alias sets exactly one of `name` and `pattern`".into(),
        )),
    }
}

pub(crate) async fn read_aliases(tx: &mut Tx, page: Option<Page>) -> Result<(Vec<Alias>, u64)> {
    let total = tx
        .fetch_one("SELECT COUNT(*) FROM aliases", vec![])
        .await?
        .uint(0)?;
    let mut sql = String::from("SELECT name, pattern, target FROM aliases ORDER BY position, key");
    let mut a = vec![];
    if let Some(page) = page {
        let (limit, offset) = page.bounds();
        sql.push_str(" LIMIT $1 OFFSET $2");
        a = args![limit, offset];
    }
    let rows = tx.fetch_all(&sql, a).await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(Alias {
                name: r.opt_text(0)?,
                pattern: r.opt_text(1)?,
                target: r.text(2)?,
            })
        })
        .collect::<Result<_>>()?;
    Ok((items, total))
}

const UPSERT_ALIAS: &str = "INSERT INTO aliases (key, name, pattern, target, position) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO UPDATE SET name = excluded.name, \
     pattern = excluded.pattern, target = excluded.target, position = excluded.position";

pub(crate) async fn write_alias(tx: &mut Tx, a: &Alias, position: i64) -> Result<()> {
    let key = alias_key(a)?;
    tx.execute(
        UPSERT_ALIAS,
        args![key, &a.name, &a.pattern, &a.target, position],
    )
    .await?;
    Ok(())
}

/// Whether `target` names a route or an existing `provider/model`.
async fn target_exists(tx: &mut Tx, target: &str) -> Result<bool> {
    if tx
        .fetch_optional("SELECT 1 FROM routes WHERE name = $1", args![target])
        .await?
        .is_some()
    {
        return Ok(true);
    }
    let Some((provider, model)) = target.split_once('/') else {
        return Ok(false);
    };
    Ok(tx
        .fetch_optional(
            "SELECT 1 FROM models WHERE provider = $1 AND id = $2",
            args![provider, model],
        )
        .await?
        .is_some())
}

impl Store {
    pub async fn list_routes(&self, page: Page) -> Result<Paged<Route>> {
        self.find_routes(None, page).await
    }

    /// Routes whose name starts with `name_prefix`.
    pub async fn find_routes(&self, name_prefix: Option<&str>, page: Page) -> Result<Paged<Route>> {
        let mut f = Filter::default();
        if let Some(p) = name_prefix {
            f.push_prefix("name", p);
        }
        let mut tx = self.pool.begin_read().await?;
        let (items, total) = read(&mut tx, f, Some(page)).await?;
        tx.commit().await?;
        Ok(Paged { items, total })
    }

    pub async fn get_route(&self, name: &str) -> Result<Option<Route>> {
        let mut f = Filter::default();
        f.push("name", "=", Val::from(name));
        let mut tx = self.pool.begin_read().await?;
        let (mut items, _) = read(&mut tx, f, None).await?;
        tx.commit().await?;
        Ok(items.pop())
    }

    /// Create or replace a route; returns the new version.
    pub async fn put_route(&self, r: &Route, actor: &str) -> Result<u64> {
        let mut w = self.write().await?;
        let existing =
            w.tx.fetch_optional(
                "SELECT position FROM routes WHERE name = $1",
                args![&r.name],
            )
            .await?;
        let position = match &existing {
            Some(row) => row.int(0)?,
            None => {
                next_position(
                    &mut w.tx,
                    "SELECT COALESCE(MAX(position), -1) + 1 FROM routes",
                )
                .await?
            }
        };
        write(&mut w.tx, r, position).await?;
        let action = if existing.is_some() {
            "replace"
        } else {
            "create"
        };
        let detail = serde_json::json!({ "members": r.members.len() });
        w.audit(actor, action, "route", Some(&r.name), detail)
            .await?;
        w.commit().await
    }

    /// Delete a route; a conflict while an alias targets it.
    pub async fn delete_route(&self, name: &str, actor: &str) -> Result<u64> {
        let mut w = self.write().await?;
        let aliases =
            w.tx.fetch_all(
                "SELECT key FROM aliases WHERE target = $1 ORDER BY key",
                args![name],
            )
            .await?;
        if !aliases.is_empty() {
            let keys = aliases
                .iter()
                .map(|r| r.text(0))
                .collect::<Result<Vec<_>>>()?;
            return Err(StoreError::Conflict(format!(
                "route `{name}` is the target of alias(es) `{}`; remove them first",
                keys.join("`, `")
            )));
        }
        let n =
            w.tx.execute("DELETE FROM routes WHERE name = $1", args![name])
                .await?;
        if n == 0 {
            return Err(StoreError::not_found("route", name));
        }
        w.audit(actor, "delete", "route", Some(name), serde_json::json!({}))
            .await?;
        w.commit().await
    }

    pub async fn list_aliases(&self, page: Page) -> Result<Paged<Alias>> {
        let mut tx = self.pool.begin_read().await?;
        let (items, total) = read_aliases(&mut tx, Some(page)).await?;
        tx.commit().await?;
        Ok(Paged { items, total })
    }

    /// The alias whose name or pattern is `key`.
    pub async fn get_alias(&self, key: &str) -> Result<Option<Alias>> {
        let mut tx = self.pool.begin_read().await?;
        let row = tx
            .fetch_optional(
                "SELECT name, pattern, target FROM aliases WHERE key = $1",
                args![key],
            )
            .await?;
        tx.commit().await?;
        row.map(|r| {
            Ok(Alias {
                name: r.opt_text(0)?,
                pattern: r.opt_text(1)?,
                target: r.text(2)?,
            })
        })
        .transpose()
    }

    /// Create or replace the alias with this name/pattern; its target must exist.
    pub async fn put_alias(&self, a: &Alias, actor: &str) -> Result<u64> {
        let key = alias_key(a)?.to_owned();
        let mut w = self.write().await?;
        if !target_exists(&mut w.tx, &a.target).await? {
            return Err(StoreError::Conflict(format!(
                "alias target `{}` is neither a route nor a provider/model",
                a.target
            )));
        }
        let existing =
            w.tx.fetch_optional("SELECT position FROM aliases WHERE key = $1", args![&key])
                .await?;
        let position = match &existing {
            Some(row) => row.int(0)?,
            None => {
                next_position(
                    &mut w.tx,
                    "SELECT COALESCE(MAX(position), -1) + 1 FROM aliases",
                )
                .await?
            }
        };
        write_alias(&mut w.tx, a, position).await?;
        let action = if existing.is_some() {
            "replace"
        } else {
            "create"
        };
        let detail = serde_json::json!({ "target": a.target });
        w.audit(actor, action, "alias", Some(&key), detail).await?;
        w.commit().await
    }

    pub async fn delete_alias(&self, key: &str, actor: &str) -> Result<u64> {
        let mut w = self.write().await?;
        let n =
            w.tx.execute("DELETE FROM aliases WHERE key = $1", args![key])
                .await?;
        if n == 0 {
            return Err(StoreError::not_found("alias", key));
        }
        w.audit(actor, "delete", "alias", Some(key), serde_json::json!({}))
            .await?;
        w.commit().await
    }
}
