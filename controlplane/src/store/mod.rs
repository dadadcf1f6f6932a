//! Persistence of the control plane: the configuration in normalized tables, usage with hourly
//! and daily rollups, the audit log; SQLite by default, PostgreSQL by URL.
//!
//! Backend choice: an enum of the two native pools ([`db::Pool`]) rather than `sqlx::AnyPool`.
//! `Any` decodes SQLite's 0/1 booleans badly, has no BLOB/BYTEA distinction of its own and needs
//! runtime driver registration; with the native drivers each value keeps its real type (BOOLEAN,
//! BIGINT, BLOB on SQLite / BYTEA on PostgreSQL) while every statement is still written once
//! (`$N` placeholders work on both; `ON CONFLICT` and `RETURNING` too).
//!
//! Every configuration write runs in one transaction whose first statement bumps the config
//! version: that takes SQLite's write lock up front (no deferred-upgrade `SQLITE_BUSY`) and
//! serializes writers on the PostgreSQL version row, so versions are gapless and ordered.

mod audit;
mod bundle;
mod convert;
mod db;
mod error;
mod groups;
mod provider_rows;
mod providers;
mod routes;
mod settings;
mod usage;
mod usage_query;
mod user_rows;
mod users;

use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use db::{Pool, Tx};

pub use audit::AuditEntry;
pub use error::{Result, StoreError};
pub use groups::{AdminTokenInfo, Login, TokenOwner};
pub use providers::ProviderFilter;
pub use usage::{Period, UsageFilter, UsageGroup, UsageRow};
pub use usage_query::MAX_TOTAL_ROWS;
pub use users::{KeyInfo, NewKey, UserFilter};

/// The default database: a SQLite file beside the binary's working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/gproxy.db";

/// Handle to the database; cheap to clone (the pool is shared).
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A page of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Page {
    /// At most [`Page::MAX_LIMIT`]; larger values are clamped.
    pub limit: u32,
    pub offset: u64,
}

impl Page {
    pub const MAX_LIMIT: u32 = 1000;

    pub fn new(limit: u32, offset: u64) -> Page {
        Page { limit, offset }
    }

    /// Everything (up to [`Page::MAX_LIMIT`] items).
    pub fn all() -> Page {
        Page::new(Page::MAX_LIMIT, 0)
    }

    fn bounds(self) -> (i64, i64) {
        (
            i64::from(self.limit.min(Page::MAX_LIMIT)),
            i64::try_from(self.offset).unwrap_or(i64::MAX),
        )
    }
}

impl Default for Page {
    fn default() -> Page {
        Page::new(100, 0)
    }
}

/// One page of items and how many match in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: u64,
}

const BUMP_VERSION: &str =
    "UPDATE settings SET value_json = CAST(CAST(value_json AS BIGINT) + 1 AS TEXT) \
     WHERE key = 'config_version' RETURNING value_json";
const READ_VERSION: &str = "SELECT value_json FROM settings WHERE key = 'config_version'";

impl Store {
    /// Connect to `sqlite://PATH` (parent directory and file created; WAL, foreign keys, busy
    /// timeout) or `postgres://...`, then apply the pending migrations.
    pub async fn open(url: &str) -> Result<Store> {
        let pool = if url.starts_with("sqlite:") {
            open_sqlite(url).await?
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            open_postgres(url).await?
        } else {
            let scheme = url.split(':').next().unwrap_or_default();
            return Err(StoreError::UnsupportedUrl(format!("{scheme}:")));
        };
        Ok(Store { pool })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// The current configuration version (0 = never configured).
    pub async fn config_version(&self) -> Result<u64> {
        let mut tx = self.pool.begin_read().await?;
        let v = read_version(&mut tx).await?;
        tx.commit().await?;
        Ok(v)
    }

    /// Bump the configuration version without changing the configuration: the snapshot also
    /// carries data kept outside it (settled spend), and data planes only take newer versions.
    pub async fn bump_version(&self) -> Result<u64> {
        self.write().await?.commit().await
    }

    /// Start a configuration write: one transaction, version already bumped.
    pub(crate) async fn write(&self) -> Result<Write> {
        let mut tx = self.pool.begin().await?;
        let row = tx.fetch_one(BUMP_VERSION, vec![]).await?;
        let version = parse_version(&row.text(0)?)?;
        Ok(Write { tx, version })
    }

    /// Close the pool (waits for connections in use to be returned).
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }
}

/// An open configuration write; dropping it without [`Write::commit`] rolls everything back,
/// the version bump included.
pub(crate) struct Write {
    pub(crate) tx: Tx,
    pub(crate) version: u64,
}

impl Write {
    pub(crate) async fn commit(self) -> Result<u64> {
        self.tx.commit().await?;
        Ok(self.version)
    }
}

async fn read_version(tx: &mut Tx) -> Result<u64> {
    match tx.fetch_optional(READ_VERSION, vec![]).await? {
        Some(row) => parse_version(&row.text(0)?),
        None => Ok(0),
    }
}

fn parse_version(s: &str) -> Result<u64> {
    s.trim()
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("config_version `{s}` is not a number")))
}

async fn open_sqlite(url: &str) -> Result<Pool> {
    let opts = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let file = opts.get_filename().to_path_buf();
    let in_memory = file.to_string_lossy().starts_with("file:sqlx-in-memory");
    if !in_memory {
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
    }
    let mut pool = SqlitePoolOptions::new().max_connections(8);
    if in_memory {
        // the in-memory database lives only as long as one connection to it does
        pool = pool
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
    }
    let pool = pool.connect_with(opts).await?;
    sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
    Ok(Pool::Sqlite(pool))
}

async fn open_postgres(url: &str) -> Result<Pool> {
    let opts = PgConnectOptions::from_str(url)?;
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(opts)
        .await?;
    sqlx::migrate!("./migrations/postgres").run(&pool).await?;
    Ok(Pool::Postgres(pool))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Crypto;

    #[tokio::test]
    async fn in_memory_sqlite_is_one_database_across_connections() {
        let s = Store::open("sqlite::memory:").await.unwrap();
        let b = gproxy_config::Bundle::parse(
            "providers: [{name: p, channel: gemini, credentials: [{api_key: k-123}]}]",
        )
        .unwrap();
        let c = Crypto::from_master_key("m");
        s.replace_bundle(&b, &c, "t").await.unwrap();
        // several reads at once use several pooled connections
        let (a, b2) = tokio::join!(s.load_bundle(&c), s.load_bundle(&c));
        assert_eq!(a.unwrap(), b);
        assert_eq!(b2.unwrap(), b);
    }

    #[tokio::test]
    async fn unsupported_urls_are_named_without_their_credentials() {
        let err = Store::open("mysql://root:hunter2@db/gproxy")
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::UnsupportedUrl(_)), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("mysql:") && !msg.contains("hunter2"), "{msg}");
    }

    #[test]
    fn pages_are_clamped() {
        assert_eq!(Page::new(5000, 7).bounds(), (1000, 7));
        assert_eq!(Page::default().bounds(), (100, 0));
    }
}
