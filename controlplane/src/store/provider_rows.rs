//! Rows of `providers`, `credentials` and `models`: reading them into [`Provider`]s (secrets
//! opened), writing one provider with its children, and finding what still uses its models.

use std::collections::{BTreeMap, HashMap, HashSet};

use gproxy_config::bundle::{Credential, Model, Price, Provider};

use super::convert::{self, from_json, int, opt_int, to_json};
use super::db::{args, placeholders, Filter, Row, Tx, Val};
use super::error::{Result, StoreError};
use super::Page;
use crate::crypto::Crypto;

const COLUMNS: &str = "name, channel, base_url, enabled, credential_strategy, headers_json, \
     timeouts_json, proxy, prefer, stream_only, rule_sets_json";

/// Providers matching `filter` (all of them with `page = None`), children included.
pub(crate) async fn read(
    tx: &mut Tx,
    crypto: &Crypto,
    filter: Filter,
    page: Option<Page>,
) -> Result<(Vec<Provider>, u64)> {
    let where_sql = filter.sql();
    let total = tx
        .fetch_one(
            &format!("SELECT COUNT(*) FROM providers{where_sql}"),
            filter.args.clone(),
        )
        .await?
        .uint(0)?;
    let mut sql = format!("SELECT {COLUMNS} FROM providers{where_sql} ORDER BY position, name");
    let mut list_args = filter.args.clone();
    if let Some(page) = page {
        let (limit, offset) = page.bounds();
        let n = filter.next();
        sql.push_str(&format!(" LIMIT ${n} OFFSET ${}", n + 1));
        list_args.extend(args![limit, offset]);
    }
    let rows = tx.fetch_all(&sql, list_args).await?;
    let mut providers = rows.iter().map(provider_row).collect::<Result<Vec<_>>>()?;
    if providers.is_empty() {
        return Ok((providers, total));
    }
    // children of exactly these providers (all of them when listing everything)
    let names: Vec<Val> = providers.iter().map(|p| Val::from(&p.name)).collect();
    let scope = if page.is_none() && filter.args.is_empty() {
        (String::new(), vec![])
    } else {
        let list = placeholders(1, names.len());
        (format!(" WHERE provider IN ({list})"), names)
    };
    let creds = tx
        .fetch_all(
            &format!(
                "SELECT provider, name, secret, enabled, proxy, rpm, position FROM credentials{} \
                 ORDER BY provider, position",
                scope.0
            ),
            scope.1.clone(),
        )
        .await?;
    let models = tx
        .fetch_all(
            &format!(
                "SELECT provider, id, upstream, price_input, price_output, price_cache_read, \
                 price_cache_write, display_name, context_window, max_output_tokens FROM models{} \
                 ORDER BY provider, position",
                scope.0
            ),
            scope.1,
        )
        .await?;
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, p) in providers.iter().enumerate() {
        by_name.insert(p.name.clone(), i);
    }
    for r in &creds {
        if let Some(&i) = by_name.get(&r.text(0)?) {
            let c = credential_row(r, crypto)?;
            providers[i].credentials.push(c);
        }
    }
    for r in &models {
        if let Some(&i) = by_name.get(&r.text(0)?) {
            providers[i].models.push(model_row(r)?);
        }
    }
    Ok((providers, total))
}

fn provider_row(r: &Row) -> Result<Provider> {
    Ok(Provider {
        name: r.text(0)?,
        channel: convert::channel(&r.text(1)?)?,
        base_url: r.opt_text(2)?,
        enabled: r.boolean(3)?,
        credentials: Vec::new(),
        credential_strategy: convert::credential_strategy(&r.text(4)?)?,
        models: Vec::new(),
        headers: from_json::<BTreeMap<String, String>>("providers.headers_json", &r.text(5)?)?,
        timeouts: from_json("providers.timeouts_json", &r.text(6)?)?,
        proxy: r.opt_text(7)?,
        prefer: r.opt_text(8)?.map(|s| convert::prefer(&s)).transpose()?,
        stream_only: r.boolean(9)?,
        rule_sets: from_json("providers.rule_sets_json", &r.text(10)?)?,
    })
}

fn credential_row(r: &Row, crypto: &Crypto) -> Result<Credential> {
    let name = r.text(1)?;
    let position: i64 = r.int(6)?;
    Ok(Credential {
        // an unnamed credential is stored under its default name `#<position>`
        name: (name != format!("#{position}")).then_some(name),
        api_key: crypto.open(&r.bytes(2)?)?,
        enabled: r.boolean(3)?,
        proxy: r.opt_text(4)?,
        rpm: r.opt_uint(5)?,
    })
}

fn model_row(r: &Row) -> Result<Model> {
    let price = match (r.opt_float(3)?, r.opt_float(4)?) {
        (Some(input), Some(output)) => Some(Price {
            input,
            output,
            cache_read: r.opt_float(5)?,
            cache_write: r.opt_float(6)?,
        }),
        _ => None,
    };
    Ok(Model {
        id: r.text(1)?,
        upstream: r.opt_text(2)?,
        price,
        display_name: r.opt_text(7)?,
        context_window: r.opt_uint(8)?,
        max_output_tokens: r.opt_uint(9)?,
    })
}

const UPSERT_PROVIDER: &str = include_str!("sql/upsert_provider.sql");
const INSERT_CREDENTIAL: &str = "INSERT INTO credentials (provider, name, secret, enabled, proxy, \
     rpm, cooldown_until_ms, position, cooldown_reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
const UPSERT_MODEL: &str = include_str!("sql/upsert_model.sql");

/// Write one provider and replace its credentials and models. Cooldowns of credentials that
/// keep their name survive; models are upserted so route members pointing at them stay valid.
pub(crate) async fn write(tx: &mut Tx, p: &Provider, position: i64, crypto: &Crypto) -> Result<()> {
    let name = &p.name;
    let mut seen = HashSet::new();
    for m in &p.models {
        if !seen.insert(m.id.as_str()) {
            return Err(StoreError::Conflict(format!(
                "provider `{name}` lists model `{}` twice",
                m.id
            )));
        }
    }
    tx.execute(
        UPSERT_PROVIDER,
        args![
            name,
            p.channel.as_str(),
            &p.base_url,
            p.enabled,
            convert::credential_strategy_str(p.credential_strategy),
            to_json(&p.headers)?,
            to_json(&p.timeouts)?,
            &p.proxy,
            p.prefer.map(convert::prefer_str),
            p.stream_only,
            position,
            to_json(&p.rule_sets)?,
        ],
    )
    .await?;

    let mut cooldowns: HashMap<String, (Option<i64>, Option<String>)> = HashMap::new();
    for r in tx
        .fetch_all(
            "SELECT name, cooldown_until_ms, cooldown_reason FROM credentials WHERE provider = $1",
            args![name],
        )
        .await?
    {
        cooldowns.insert(r.text(0)?, (r.get(1)?, r.opt_text(2)?));
    }
    tx.execute("DELETE FROM credentials WHERE provider = $1", args![name])
        .await?;
    for (j, c) in p.credentials.iter().enumerate() {
        let cname = c.name.clone().unwrap_or_else(|| format!("#{j}"));
        let (cooldown, reason) = cooldowns.get(&cname).cloned().unwrap_or_default();
        tx.execute(
            INSERT_CREDENTIAL,
            args![
                name,
                &cname,
                crypto.seal(&c.api_key)?,
                c.enabled,
                &c.proxy,
                opt_int("rpm", c.rpm)?,
                cooldown,
                int("position", j)?,
                reason,
            ],
        )
        .await
        .map_err(|e| {
            e.context(|| format!("provider `{name}` has two credentials named `{cname}`"))
        })?;
    }

    let ids: Vec<Val> = p.models.iter().map(|m| Val::from(&m.id)).collect();
    let mut stale = String::from("DELETE FROM models WHERE provider = $1");
    if !ids.is_empty() {
        stale.push_str(&format!(" AND id NOT IN ({})", placeholders(2, ids.len())));
    }
    let mut stale_args = args![name];
    stale_args.extend(ids);
    tx.execute(&stale, stale_args).await?;
    for (j, m) in p.models.iter().enumerate() {
        let price = m.price.as_ref();
        tx.execute(
            UPSERT_MODEL,
            args![
                name,
                &m.id,
                &m.upstream,
                price.map(|p| p.input),
                price.map(|p| p.output),
                price.and_then(|p| p.cache_read),
                price.and_then(|p| p.cache_write),
                &m.display_name,
                opt_int("context_window", m.context_window)?,
                opt_int("max_output_tokens", m.max_output_tokens)?,
                int("position", j)?,
            ],
        )
        .await?;
    }
    Ok(())
}

/// Routes and aliases that use models of `provider` outside `keep`, as readable phrases.
pub(crate) async fn users_of(
    tx: &mut Tx,
    provider: &str,
    keep: &HashSet<&str>,
) -> Result<Vec<String>> {
    let mut found = Vec::new();
    for r in tx
        .fetch_all(
            "SELECT DISTINCT route, model FROM route_members WHERE provider = $1 ORDER BY route, model",
            args![provider],
        )
        .await?
    {
        let (route, model) = (r.text(0)?, r.text(1)?);
        if !keep.contains(model.as_str()) {
            found.push(format!("route `{route}` uses `{provider}/{model}`"));
        }
    }
    for r in tx
        .fetch_all(
            "SELECT key, target FROM aliases WHERE substr(target, 1, length($1) + 1) = $1 || '/' \
             ORDER BY key",
            args![provider],
        )
        .await?
    {
        let (key, target) = (r.text(0)?, r.text(1)?);
        let model = target.get(provider.len() + 1..).unwrap_or_default();
        if !keep.contains(model) {
            found.push(format!("alias `{key}` targets `{target}`"));
        }
    }
    Ok(found)
}
