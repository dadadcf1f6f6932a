//! The `settings` table: gateway settings, the admin token digest, and a sealed probe that tells a
//! wrong master key at startup instead of at the first secret read.

use gproxy_config::bundle::Settings;

use super::audit;
use super::convert::{from_json, to_json};
use super::db::{args, Tx};
use super::error::Result;
use super::Store;
use crate::crypto::{Crypto, CryptoError};

const GATEWAY: &str = "gateway";
const ADMIN_TOKEN: &str = "admin_token_digest";
const KEY_PROBE: &str = "master_key_probe";
const PROBE_TEXT: &str = "gproxy master key probe";

const UPSERT: &str = "INSERT INTO settings (key, value_json) VALUES ($1, $2) \
     ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json";

pub(crate) async fn read_gateway(tx: &mut Tx) -> Result<Settings> {
    match tx
        .fetch_optional(
            "SELECT value_json FROM settings WHERE key = $1",
            args![GATEWAY],
        )
        .await?
    {
        Some(r) => from_json("settings.gateway", &r.text(0)?),
        None => Ok(Settings::default()),
    }
}

pub(crate) async fn write_gateway(tx: &mut Tx, s: &Settings) -> Result<()> {
    tx.execute(UPSERT, args![GATEWAY, to_json(s)?]).await?;
    Ok(())
}

impl Store {
    pub async fn get_settings(&self) -> Result<Settings> {
        let mut tx = self.pool.begin_read().await?;
        let s = read_gateway(&mut tx).await?;
        tx.commit().await?;
        Ok(s)
    }

    /// Replace the gateway settings; returns the new version.
    pub async fn put_settings(&self, s: &Settings, actor: &str) -> Result<u64> {
        let mut w = self.write().await?;
        write_gateway(&mut w.tx, s).await?;
        let detail = serde_json::to_value(s).unwrap_or_default();
        w.audit(actor, "replace", "settings", None, detail).await?;
        w.commit().await
    }

    /// SHA-256 hex of the admin bearer token, once one was set.
    pub async fn admin_token_digest(&self) -> Result<Option<String>> {
        let mut tx = self.pool.begin_read().await?;
        let row = tx
            .fetch_optional(
                "SELECT value_json FROM settings WHERE key = $1",
                args![ADMIN_TOKEN],
            )
            .await?;
        tx.commit().await?;
        row.map(|r| from_json("settings.admin_token_digest", &r.text(0)?))
            .transpose()
    }

    /// Store the admin token's digest (not configuration: the version does not change).
    pub async fn set_admin_token_digest(&self, digest: &str) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        tx.execute(UPSERT, args![ADMIN_TOKEN, to_json(&digest)?])
            .await?;
        let detail = serde_json::json!({});
        audit::record(&mut tx, 0, "system", "set", "admin_token", None, &detail).await?;
        tx.commit().await
    }

    /// Check that `crypto` is the key the stored secrets were sealed with: the first call stores
    /// a sealed probe, later calls open it. A different key fails with [`CryptoError::WrongKey`].
    pub async fn verify_master_key(&self, crypto: &Crypto) -> Result<()> {
        let probe = hex(&crypto.seal(PROBE_TEXT)?);
        let mut tx = self.pool.begin().await?;
        tx.execute(
            "INSERT INTO settings (key, value_json) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
            args![KEY_PROBE, to_json(&probe)?],
        )
        .await?;
        let stored: String = from_json(
            "settings.master_key_probe",
            &tx.fetch_one(
                "SELECT value_json FROM settings WHERE key = $1",
                args![KEY_PROBE],
            )
            .await?
            .text(0)?,
        )?;
        tx.commit().await?;
        let sealed = unhex(&stored).ok_or(CryptoError::Malformed("master key probe is not hex"))?;
        if crypto.open(&sealed)? != PROBE_TEXT {
            return Err(CryptoError::WrongKey.into());
        }
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()))
        .collect()
}
