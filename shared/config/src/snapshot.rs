//! The snapshot a data plane runs from: the bundle's configuration with user keys reduced to
//! digests, stamped with a version. The gRPC stream carries it; `--bundle` builds it locally.

use serde::{Deserialize, Serialize};

use crate::bundle::{Alias, Bundle, Limits, Provider, Quota, Route, Settings};
use crate::digest::key_digest;
use crate::rules::RuleSet;
use crate::validate::ValidationErrors;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Monotonically increasing; 0 = never configured.
    pub version: u64,
    pub providers: Vec<Provider>,
    pub routes: Vec<Route>,
    pub aliases: Vec<Alias>,
    pub users: Vec<UserRecord>,
    #[serde(default)]
    pub teams: Vec<GroupRecord>,
    #[serde(default)]
    pub orgs: Vec<GroupRecord>,
    #[serde(default)]
    pub rule_sets: Vec<RuleSet>,
    /// Cluster-wide credential cooldowns decided by the control plane from health reports.
    #[serde(default)]
    pub cooldowns: Vec<CredentialCooldown>,
    pub settings: Settings,
}

/// Do not use `provider`'s credential `credential` before `until_ms` (unix ms).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialCooldown {
    pub provider: String,
    pub credential: String,
    pub until_ms: u64,
    /// `rate_limited`, `auth_dead` or `breaker_open`.
    pub reason: String,
}

impl CredentialCooldown {
    /// The delta key: `provider/credential`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.provider, self.credential)
    }
}

/// A team or an org as the data plane needs it: a quota shared by its users, and the spend the
/// control plane has settled for them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRecord {
    pub name: String,
    /// For a team: the org it belongs to.
    #[serde(default)]
    pub parent: Option<String>,
    pub quota: Option<Quota>,
    #[serde(default)]
    pub spent_usd: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRecord {
    pub name: String,
    pub enabled: bool,
    pub keys: Vec<KeyRecord>,
    pub permissions: Vec<String>,
    pub limits: Limits,
    pub quota: Option<Quota>,
    /// Spend already settled by the control plane, in USD (quota admission compares against it).
    #[serde(default)]
    pub spent_usd: f64,
    #[serde(default)]
    pub team: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    /// Name of the key, or `#<position>`.
    pub name: String,
    /// SHA-256 hex of the key material.
    pub digest: String,
    pub enabled: bool,
}

impl Snapshot {
    /// Validate a bundle and turn it into a snapshot of the given version.
    pub fn from_bundle(bundle: &Bundle, version: u64) -> Result<Snapshot, ValidationErrors> {
        bundle.validate()?;
        let users = bundle
            .users
            .iter()
            .map(|u| UserRecord {
                name: u.name.clone(),
                enabled: u.enabled,
                keys: u
                    .keys
                    .iter()
                    .enumerate()
                    .map(|(j, k)| KeyRecord {
                        name: k.name.clone().unwrap_or_else(|| format!("#{j}")),
                        digest: match (&k.key, &k.digest) {
                            (Some(key), _) => key_digest(key),
                            (None, Some(d)) => d.to_ascii_lowercase(),
                            (None, None) => String::new(), // rejected by validate()
                        },
                        enabled: k.enabled,
                    })
                    .collect(),
                permissions: u.permissions.clone(),
                limits: u.limits,
                quota: u.quota,
                spent_usd: 0.0,
                team: u.team.clone(),
            })
            .collect();
        let teams = bundle
            .teams
            .iter()
            .map(|t| GroupRecord {
                name: t.name.clone(),
                parent: t.org.clone(),
                quota: t.quota,
                spent_usd: 0.0,
            })
            .collect();
        let orgs = bundle
            .orgs
            .iter()
            .map(|o| GroupRecord {
                name: o.name.clone(),
                parent: None,
                quota: o.quota,
                spent_usd: 0.0,
            })
            .collect();
        Ok(Snapshot {
            version,
            providers: bundle.providers.clone(),
            routes: bundle.routes.clone(),
            aliases: bundle.aliases.clone(),
            users,
            teams,
            orgs,
            rule_sets: bundle.rule_sets.clone(),
            cooldowns: Vec::new(),
            settings: bundle.settings,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_digests() {
        let b = Bundle::parse(
            "providers: [{name: p, channel: openai, models: [{id: m}]}]\nusers: [{name: a, keys: [{key: gp-secret-1}]}]\n",
        )
        .unwrap();
        let s = Snapshot::from_bundle(&b, 3).unwrap();
        assert_eq!(s.version, 3);
        assert_eq!(s.users[0].keys[0].digest, key_digest("gp-secret-1"));
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("gp-secret-1"));
    }
}
