//! The audit log: who changed what, when, and which config version the change produced.

use serde::{Deserialize, Serialize};

use super::convert::{from_json, now_ms, to_json};
use super::db::{args, Tx};
use super::error::Result;
use super::{Page, Paged, Store, Write};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    pub ts_ms: u64,
    pub actor: String,
    /// `create`, `replace`, `delete`, `enable`, `disable`, `add_key`, ...
    pub action: String,
    /// `provider`, `route`, `alias`, `user`, `key`, `settings`, `bundle`, `admin_token`.
    pub entity: String,
    pub name: Option<String>,
    /// The config version the change produced; 0 for changes outside the configuration.
    pub version: u64,
    /// What changed, never secrets.
    pub detail: serde_json::Value,
}

const INSERT: &str =
    "INSERT INTO audit (ts_ms, actor, action, entity, name, version, detail_json) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub(crate) async fn record(
    tx: &mut Tx,
    version: u64,
    actor: &str,
    action: &str,
    entity: &str,
    name: Option<&str>,
    detail: &serde_json::Value,
) -> Result<()> {
    let version = super::convert::int("version", version)?;
    tx.execute(
        INSERT,
        args![
            now_ms(),
            actor,
            action,
            entity,
            name,
            version,
            to_json(detail)?
        ],
    )
    .await?;
    Ok(())
}

impl Write {
    /// Audit this write under the version it produces.
    pub(crate) async fn audit(
        &mut self,
        actor: &str,
        action: &str,
        entity: &str,
        name: Option<&str>,
        detail: serde_json::Value,
    ) -> Result<()> {
        record(
            &mut self.tx,
            self.version,
            actor,
            action,
            entity,
            name,
            &detail,
        )
        .await
    }
}

impl Store {
    /// The newest entries first.
    pub async fn audit_log(&self, page: Page) -> Result<Paged<AuditEntry>> {
        let (limit, offset) = page.bounds();
        let mut tx = self.pool.begin_read().await?;
        let total = tx
            .fetch_one("SELECT COUNT(*) FROM audit", vec![])
            .await?
            .uint(0)?;
        let rows = tx
            .fetch_all(
                "SELECT id, ts_ms, actor, action, entity, name, version, detail_json FROM audit \
                 ORDER BY id DESC LIMIT $1 OFFSET $2",
                args![limit, offset],
            )
            .await?;
        tx.commit().await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(AuditEntry {
                    id: r.int(0)?,
                    ts_ms: r.uint(1)?,
                    actor: r.text(2)?,
                    action: r.text(3)?,
                    entity: r.text(4)?,
                    name: r.opt_text(5)?,
                    version: r.uint(6)?,
                    detail: from_json("audit.detail_json", &r.text(7)?)?,
                })
            })
            .collect::<Result<_>>()?;
        Ok(Paged { items, total })
    }
}
