//! Configuration resources: providers (credentials, models, prices, timeouts), routes, aliases,
//! users (key digests only) and settings.

use gproxy_config::bundle::{
    Alias, ChannelKind, Credential, CredentialStrategy, Limits, Member, Model, PreferredKind,
    Price, Provider, Quota, Route, Settings, Strategy, Timeouts,
};
use gproxy_config::digest::parse_hex_digest;
use gproxy_config::rules::RuleSet;
use gproxy_config::snapshot::{CredentialCooldown, GroupRecord, KeyRecord, UserRecord};

use super::{list, ConvertError};
use crate::v1;

// ----- enum strings -------------------------------------------------------------------------

pub(crate) fn channel(s: &str) -> Result<ChannelKind, ConvertError> {
    Ok(match s {
        "openai" => ChannelKind::Openai,
        "anthropic" => ChannelKind::Anthropic,
        "gemini" => ChannelKind::Gemini,
        "openai-compatible" => ChannelKind::OpenaiCompatible,
        other => return Err(unknown("channel", other)),
    })
}

fn credential_strategy(s: &str) -> Result<CredentialStrategy, ConvertError> {
    Ok(match s {
        "" => CredentialStrategy::default(),
        "round_robin" => CredentialStrategy::RoundRobin,
        "sticky" => CredentialStrategy::Sticky,
        "failover" => CredentialStrategy::Failover,
        other => return Err(unknown("credential_strategy", other)),
    })
}

fn credential_strategy_str(s: CredentialStrategy) -> &'static str {
    match s {
        CredentialStrategy::RoundRobin => "round_robin",
        CredentialStrategy::Sticky => "sticky",
        CredentialStrategy::Failover => "failover",
    }
}

fn prefer(s: &str) -> Result<Option<PreferredKind>, ConvertError> {
    Ok(match s {
        "" => None,
        "chat" => Some(PreferredKind::Chat),
        "responses" => Some(PreferredKind::Responses),
        other => return Err(unknown("prefer", other)),
    })
}

fn prefer_str(p: Option<PreferredKind>) -> &'static str {
    match p {
        None => "",
        Some(PreferredKind::Chat) => "chat",
        Some(PreferredKind::Responses) => "responses",
    }
}

fn strategy(s: &str) -> Result<Strategy, ConvertError> {
    Ok(match s {
        "" => Strategy::default(),
        "failover" => Strategy::Failover,
        "round_robin" => Strategy::RoundRobin,
        "weighted" => Strategy::Weighted,
        "least_latency" => Strategy::LeastLatency,
        other => return Err(unknown("strategy", other)),
    })
}

fn strategy_str(s: Strategy) -> &'static str {
    match s {
        Strategy::Failover => "failover",
        Strategy::RoundRobin => "round_robin",
        Strategy::Weighted => "weighted",
        Strategy::LeastLatency => "least_latency",
    }
}

fn unknown(field: &str, value: &str) -> ConvertError {
    ConvertError::new(field, format!("unknown value `{value}`"))
}

// ----- providers ----------------------------------------------------------------------------

impl From<&Provider> for v1::Provider {
    fn from(p: &Provider) -> Self {
        v1::Provider {
            name: p.name.clone(),
            channel: p.channel.as_str().to_owned(),
            base_url: p.base_url.clone(),
            enabled: p.enabled,
            credentials: p.credentials.iter().map(Into::into).collect(),
            credential_strategy: credential_strategy_str(p.credential_strategy).to_owned(),
            models: p.models.iter().map(Into::into).collect(),
            headers: p.headers.clone(),
            timeouts: Some((&p.timeouts).into()),
            proxy: p.proxy.clone(),
            prefer: prefer_str(p.prefer).to_owned(),
            stream_only: p.stream_only,
            rule_sets: p.rule_sets.clone(),
        }
    }
}

impl TryFrom<v1::Provider> for Provider {
    type Error = ConvertError;

    fn try_from(w: v1::Provider) -> Result<Self, Self::Error> {
        Ok(Provider {
            channel: channel(&w.channel)?,
            credential_strategy: credential_strategy(&w.credential_strategy)?,
            prefer: prefer(&w.prefer)?,
            credentials: list("credentials", w.credentials)?,
            models: list("models", w.models)?,
            timeouts: w.timeouts.map(Into::into).unwrap_or_default(),
            name: w.name,
            base_url: w.base_url,
            enabled: w.enabled,
            headers: w.headers,
            proxy: w.proxy,
            stream_only: w.stream_only,
            rule_sets: w.rule_sets,
        })
    }
}

impl From<&Credential> for v1::Credential {
    fn from(c: &Credential) -> Self {
        v1::Credential {
            name: c.name.clone().unwrap_or_default(),
            api_key: c.api_key.clone(),
            enabled: c.enabled,
            proxy: c.proxy.clone(),
            rpm: c.rpm,
        }
    }
}

/// An empty name is the unnamed credential (`#<position>`).
impl TryFrom<v1::Credential> for Credential {
    type Error = ConvertError;

    fn try_from(w: v1::Credential) -> Result<Self, Self::Error> {
        Ok(Credential {
            name: Some(w.name).filter(|n| !n.is_empty()),
            api_key: w.api_key,
            enabled: w.enabled,
            proxy: w.proxy,
            rpm: w.rpm,
        })
    }
}

impl From<&Model> for v1::Model {
    fn from(m: &Model) -> Self {
        v1::Model {
            id: m.id.clone(),
            upstream: m.upstream.clone(),
            price: m.price.as_ref().map(Into::into),
            display_name: m.display_name.clone(),
            context_window: m.context_window,
            max_output_tokens: m.max_output_tokens,
        }
    }
}

impl TryFrom<v1::Model> for Model {
    type Error = ConvertError;

    fn try_from(w: v1::Model) -> Result<Self, Self::Error> {
        Ok(Model {
            id: w.id,
            upstream: w.upstream,
            price: w.price.map(Into::into),
            display_name: w.display_name,
            context_window: w.context_window,
            max_output_tokens: w.max_output_tokens,
        })
    }
}

impl From<&Price> for v1::Price {
    fn from(p: &Price) -> Self {
        v1::Price {
            input: p.input,
            output: p.output,
            cache_read: p.cache_read,
            cache_write: p.cache_write,
        }
    }
}

impl From<v1::Price> for Price {
    fn from(w: v1::Price) -> Self {
        Price {
            input: w.input,
            output: w.output,
            cache_read: w.cache_read,
            cache_write: w.cache_write,
        }
    }
}

impl From<&Timeouts> for v1::Timeouts {
    fn from(t: &Timeouts) -> Self {
        v1::Timeouts {
            connect_ms: t.connect_ms,
            first_byte_ms: t.first_byte_ms,
            idle_ms: t.idle_ms,
            total_ms: t.total_ms,
        }
    }
}

impl From<v1::Timeouts> for Timeouts {
    fn from(w: v1::Timeouts) -> Self {
        Timeouts {
            connect_ms: w.connect_ms,
            first_byte_ms: w.first_byte_ms,
            idle_ms: w.idle_ms,
            total_ms: w.total_ms,
        }
    }
}

// ----- routes and aliases -------------------------------------------------------------------

impl From<&Route> for v1::Route {
    fn from(r: &Route) -> Self {
        v1::Route {
            name: r.name.clone(),
            strategy: strategy_str(r.strategy).to_owned(),
            members: r.members.iter().map(Into::into).collect(),
        }
    }
}

impl TryFrom<v1::Route> for Route {
    type Error = ConvertError;

    fn try_from(w: v1::Route) -> Result<Self, Self::Error> {
        Ok(Route {
            strategy: strategy(&w.strategy)?,
            members: w.members.into_iter().map(Into::into).collect(),
            name: w.name,
        })
    }
}

impl From<&Member> for v1::Member {
    fn from(m: &Member) -> Self {
        v1::Member {
            provider: m.provider.clone(),
            model: m.model.clone(),
            weight: m.weight,
            tier: m.tier,
        }
    }
}

impl From<v1::Member> for Member {
    fn from(w: v1::Member) -> Self {
        Member {
            provider: w.provider,
            model: w.model,
            weight: w.weight,
            tier: w.tier,
        }
    }
}

impl From<&Alias> for v1::Alias {
    fn from(a: &Alias) -> Self {
        v1::Alias {
            name: a.name.clone(),
            pattern: a.pattern.clone(),
            target: a.target.clone(),
        }
    }
}

impl TryFrom<v1::Alias> for Alias {
    type Error = ConvertError;

    fn try_from(w: v1::Alias) -> Result<Self, Self::Error> {
        Ok(Alias {
            name: w.name,
            pattern: w.pattern,
            target: w.target,
        })
    }
}

// ----- users --------------------------------------------------------------------------------

impl From<&UserRecord> for v1::User {
    fn from(u: &UserRecord) -> Self {
        v1::User {
            name: u.name.clone(),
            enabled: u.enabled,
            keys: u.keys.iter().map(Into::into).collect(),
            permissions: u.permissions.clone(),
            limits: Some((&u.limits).into()),
            quota_usd: u.quota.map(|q| q.usd),
            spent_usd: u.spent_usd,
            team: u.team.clone(),
        }
    }
}

impl TryFrom<v1::User> for UserRecord {
    type Error = ConvertError;

    fn try_from(w: v1::User) -> Result<Self, Self::Error> {
        Ok(UserRecord {
            keys: list("keys", w.keys)?,
            name: w.name,
            enabled: w.enabled,
            permissions: w.permissions,
            limits: w.limits.map(Into::into).unwrap_or_default(),
            quota: w.quota_usd.map(|usd| Quota { usd }),
            spent_usd: w.spent_usd,
            team: w.team,
        })
    }
}

impl From<&KeyRecord> for v1::Key {
    fn from(k: &KeyRecord) -> Self {
        v1::Key {
            name: k.name.clone(),
            digest: k.digest.clone(),
            enabled: k.enabled,
        }
    }
}

/// The digest must be 64 hex characters (SHA-256); it is kept lowercase.
impl TryFrom<v1::Key> for KeyRecord {
    type Error = ConvertError;

    fn try_from(w: v1::Key) -> Result<Self, Self::Error> {
        if parse_hex_digest(&w.digest).is_none() {
            return Err(ConvertError::new(
                "digest",
                format!(
                    "must be 64 hex characters (SHA-256), got {} characters",
                    w.digest.len()
                ),
            ));
        }
        Ok(KeyRecord {
            name: w.name,
            digest: w.digest.to_ascii_lowercase(),
            enabled: w.enabled,
        })
    }
}

impl From<&Limits> for v1::Limits {
    fn from(l: &Limits) -> Self {
        v1::Limits {
            rpm: l.rpm,
            tpm: l.tpm,
            concurrency: l.concurrency,
        }
    }
}

impl From<v1::Limits> for Limits {
    fn from(w: v1::Limits) -> Self {
        Limits {
            rpm: w.rpm,
            tpm: w.tpm,
            concurrency: w.concurrency,
        }
    }
}

// ----- settings -----------------------------------------------------------------------------

impl From<&Settings> for v1::Settings {
    fn from(s: &Settings) -> Self {
        v1::Settings {
            max_body_bytes: s.max_body_bytes as u64,
            max_in_flight: s.max_in_flight as u64,
            max_attempts: s.max_attempts,
            breaker_threshold: s.breaker_threshold,
            breaker_cooldown_ms: s.breaker_cooldown_ms,
        }
    }
}

impl TryFrom<v1::Settings> for Settings {
    type Error = ConvertError;

    fn try_from(w: v1::Settings) -> Result<Self, Self::Error> {
        let size = |field: &str, v: u64| {
            usize::try_from(v).map_err(|_| ConvertError::new(field, format!("{v} is too large")))
        };
        Ok(Settings {
            max_body_bytes: size("max_body_bytes", w.max_body_bytes)?,
            max_in_flight: size("max_in_flight", w.max_in_flight)?,
            max_attempts: w.max_attempts,
            breaker_threshold: w.breaker_threshold,
            breaker_cooldown_ms: w.breaker_cooldown_ms,
        })
    }
}

// ----- teams, orgs, rule sets, credential states -------------------------------------------

impl From<&GroupRecord> for v1::Group {
    fn from(g: &GroupRecord) -> Self {
        v1::Group {
            name: g.name.clone(),
            parent: g.parent.clone(),
            quota_usd: g.quota.map(|q| q.usd),
            spent_usd: g.spent_usd,
        }
    }
}

impl TryFrom<v1::Group> for GroupRecord {
    type Error = ConvertError;

    fn try_from(w: v1::Group) -> Result<Self, Self::Error> {
        Ok(GroupRecord {
            name: w.name,
            parent: w.parent,
            quota: w.quota_usd.map(|usd| Quota { usd }),
            spent_usd: w.spent_usd,
        })
    }
}

impl From<&RuleSet> for v1::RuleSet {
    fn from(r: &RuleSet) -> Self {
        v1::RuleSet {
            name: r.name.clone(),
            // serializing plain data to JSON cannot fail
            json: serde_json::to_string(r).unwrap_or_default(),
        }
    }
}

impl TryFrom<v1::RuleSet> for RuleSet {
    type Error = ConvertError;

    fn try_from(w: v1::RuleSet) -> Result<Self, Self::Error> {
        let r: RuleSet = serde_json::from_str(&w.json)
            .map_err(|e| ConvertError::new("json", format!("rule set `{}`: {e}", w.name)))?;
        if r.name != w.name {
            return Err(ConvertError::new(
                "name",
                format!("`{}` does not match its document's `{}`", w.name, r.name),
            ));
        }
        Ok(r)
    }
}

impl From<&CredentialCooldown> for v1::CredentialState {
    fn from(c: &CredentialCooldown) -> Self {
        v1::CredentialState {
            provider: c.provider.clone(),
            credential: c.credential.clone(),
            cooldown_until_ms: c.until_ms,
            reason: c.reason.clone(),
        }
    }
}

impl TryFrom<v1::CredentialState> for CredentialCooldown {
    type Error = ConvertError;

    fn try_from(w: v1::CredentialState) -> Result<Self, Self::Error> {
        if w.provider.is_empty() || w.credential.is_empty() {
            return Err(ConvertError::new(
                "provider",
                "a credential state names its provider and credential",
            ));
        }
        Ok(CredentialCooldown {
            provider: w.provider,
            credential: w.credential,
            until_ms: w.cooldown_until_ms,
            reason: w.reason,
        })
    }
}
