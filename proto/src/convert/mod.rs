//! Conversions between the generated wire types ([`crate::v1`]) and the domain types of
//! `gproxy-config`. Domain → wire is infallible (`From`); wire → domain is checked (`TryFrom`) and
//! every failure names the offending field by path (`providers[2].channel`).

mod resources;
mod usage;

use gproxy_config::Snapshot;

use crate::v1;

/// A wire value the domain model cannot hold: an unknown enum string, a malformed digest, a
/// number out of range. `path` is relative to the converted message (`routes[0].strategy`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ConvertError {
    pub path: String,
    pub message: String,
}

impl ConvertError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConvertError {
            path: path.into(),
            message: message.into(),
        }
    }

    /// The same error seen from an enclosing message: `prefix.path`.
    pub fn within(mut self, prefix: &str) -> Self {
        self.path = if self.path.is_empty() {
            prefix.to_owned()
        } else {
            format!("{prefix}.{}", self.path)
        };
        self
    }
}

/// Convert a list element by element, prefixing errors with `field[i]`.
pub(crate) fn list<W, D>(field: &str, items: Vec<W>) -> Result<Vec<D>, ConvertError>
where
    D: TryFrom<W, Error = ConvertError>,
{
    items
        .into_iter()
        .enumerate()
        .map(|(i, w)| D::try_from(w).map_err(|e| e.within(&format!("{field}[{i}]"))))
        .collect()
}

/// A wire snapshot as the domain snapshot of `version` (the version travels in `ConfigResponse`).
pub fn snapshot(wire: v1::Snapshot, version: u64) -> Result<Snapshot, ConvertError> {
    Ok(Snapshot {
        version,
        providers: list("providers", wire.providers)?,
        routes: list("routes", wire.routes)?,
        aliases: list("aliases", wire.aliases)?,
        users: list("users", wire.users)?,
        teams: list("teams", wire.teams)?,
        orgs: list("orgs", wire.orgs)?,
        rule_sets: list("rule_sets", wire.rule_sets)?,
        cooldowns: list("credential_states", wire.credential_states)?,
        settings: match wire.settings {
            Some(s) => s
                .try_into()
                .map_err(|e: ConvertError| e.within("settings"))?,
            None => gproxy_config::bundle::Settings::default(),
        },
    })
}

/// Version 0; use [`snapshot`] to stamp the version the snapshot arrived with.
impl TryFrom<v1::Snapshot> for Snapshot {
    type Error = ConvertError;

    fn try_from(wire: v1::Snapshot) -> Result<Self, Self::Error> {
        snapshot(wire, 0)
    }
}

/// The snapshot's version is not part of the message (it is `ConfigResponse.version`).
impl From<&Snapshot> for v1::Snapshot {
    fn from(s: &Snapshot) -> Self {
        v1::Snapshot {
            providers: s.providers.iter().map(Into::into).collect(),
            routes: s.routes.iter().map(Into::into).collect(),
            aliases: s.aliases.iter().map(Into::into).collect(),
            users: s.users.iter().map(Into::into).collect(),
            teams: s.teams.iter().map(Into::into).collect(),
            orgs: s.orgs.iter().map(Into::into).collect(),
            rule_sets: s.rule_sets.iter().map(Into::into).collect(),
            credential_states: s.cooldowns.iter().map(Into::into).collect(),
            settings: Some((&s.settings).into()),
        }
    }
}

#[cfg(test)]
mod tests;
