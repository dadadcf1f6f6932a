//! The declarative bundle (DESIGN.md §7): the whole configuration as one JSON or YAML document,
//! applied atomically by `PUT /admin/v1/bundle` or at boot with `--bundle FILE`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::validate::{self, ValidationErrors};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub providers: Vec<Provider>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<Alias>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<User>,
    /// Organizations: a spend quota over all of their teams' users.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orgs: Vec<Org>,
    /// Teams group users (optionally inside an org) under a shared spend quota.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<Team>,
    /// Request-mutation rules that providers apply after translation (`docs/rules.md`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rule_sets: Vec<crate::rules::RuleSet>,
    #[serde(default)]
    pub settings: Settings,
}

/// The upstream adapter a provider uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelKind {
    /// api.openai.com: Chat Completions and Responses natively.
    Openai,
    /// api.anthropic.com: Messages.
    Anthropic,
    /// Gemini API (AI Studio): generateContent.
    Gemini,
    /// Any Chat Completions server (vLLM, Ollama, DeepSeek, Groq, OpenRouter, ...).
    OpenaiCompatible,
}

impl ChannelKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            ChannelKind::Openai => "openai",
            ChannelKind::Anthropic => "anthropic",
            ChannelKind::Gemini => "gemini",
            ChannelKind::OpenaiCompatible => "openai-compatible",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// Unique; also the scoped path prefix (`/{name}/v1/...`).
    pub name: String,
    pub channel: ChannelKind,
    /// Defaults per channel (`https://api.openai.com/v1`, ...). Include the version segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credentials: Vec<Credential>,
    /// How a request picks among healthy credentials.
    #[serde(default, skip_serializing_if = "is_default")]
    pub credential_strategy: CredentialStrategy,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<Model>,
    /// Extra headers sent upstream on every request.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub timeouts: Timeouts,
    /// Upstream HTTP/SOCKS proxy URL for this provider (a credential may override it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// For `openai`: which OpenAI kind a foreign protocol is translated to (`responses` or `chat`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefer: Option<PreferredKind>,
    /// The upstream only answers streams: non-stream clients get the stream aggregated into one
    /// object by the gateway.
    #[serde(default, skip_serializing_if = "is_false")]
    pub stream_only: bool,
    /// Names of rule sets applied, in order, to every request sent to this provider.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rule_sets: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PreferredKind {
    Chat,
    Responses,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialStrategy {
    /// Spread requests over healthy credentials in turn.
    #[default]
    RoundRobin,
    /// The same API key keeps the same credential while it is healthy (upstream prompt caches).
    Sticky,
    /// Always the first healthy credential in order.
    Failover,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// Unique within the provider; defaults to `#<position>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub api_key: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// Requests per minute this credential may receive (the provider's limit for the key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpm: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    /// The model name clients use with this provider (`provider/id` addressing, route members).
    pub id: String,
    /// Name sent upstream when it differs from `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u64>,
}

/// USD per one million tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    #[serde(default)]
    pub input: f64,
    #[serde(default)]
    pub output: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_write: Option<f64>,
}

/// Milliseconds. `0` or absent = the default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timeouts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_ms: Option<u64>,
    /// Until the response headers (non-stream: the whole body) arrive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_byte_ms: Option<u64>,
    /// Longest silence between two stream chunks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_ms: Option<u64>,
    /// Whole request, stream included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// The model name clients send.
    pub name: String,
    #[serde(default, skip_serializing_if = "is_default")]
    pub strategy: Strategy,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Members in order (by tier, then listed order); the next one only when one fails.
    #[default]
    Failover,
    RoundRobin,
    /// Random by weight within the lowest healthy tier.
    Weighted,
    /// Lowest observed latency first.
    LeastLatency,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub provider: String,
    pub model: String,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub weight: u32,
    /// Lower tiers are tried first; higher tiers are fallbacks.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub tier: u32,
}

/// Another name for a route or a `provider/model`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alias {
    /// Exact model name...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// ...or a regex over the whole model name (`^claude-3-5-.*$`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// A route name or `provider/model`.
    pub target: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub name: String,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<Key>,
    /// Glob patterns over route names and `provider/model` (`*`, `gpt-*`, `oai/*`).
    #[serde(default = "all", skip_serializing_if = "is_all")]
    pub permissions: Vec<String>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub limits: Limits,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
    /// The team this user belongs to (its quota, and its org's, also apply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// What the user may do in the admin API and console with a password login.
    #[serde(default, skip_serializing_if = "is_default")]
    pub role: Role,
    /// Console / admin API password: plain text on import (hashed with argon2id when stored) or
    /// an argon2 PHC string (`$argon2id$...`), which is what export shows. Absent = no login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// A user's standing in the admin API: members see and manage only their own keys and usage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Member,
    /// Reads everything, writes nothing.
    Viewer,
    /// Everything the bootstrap admin token can do.
    Admin,
}

impl Role {
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Viewer => "viewer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "member" => Some(Role::Member),
            "viewer" => Some(Role::Viewer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Org {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Spend cap over every user of every team of this org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Spend cap over every user of this team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<Quota>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Key {
    /// Imported key material. Export redacts it; the snapshot carries only its digest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// SHA-256 hex digest, for keys whose material is not known any more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpm: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tpm: Option<u64>,
    /// Requests in flight at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// Spend cap in USD.
    pub usd: f64,
}

/// Gateway-wide knobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Requests in flight per data plane before new ones are shed with 503.
    pub max_in_flight: usize,
    /// Upstream attempts per request (first try + failovers).
    pub max_attempts: u32,
    /// Consecutive failures that open a member's / credential's breaker.
    pub breaker_threshold: u32,
    /// How long an open breaker stays open, in ms.
    pub breaker_cooldown_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            max_body_bytes: 32 * 1024 * 1024,
            max_in_flight: 4096,
            max_attempts: 3,
            breaker_threshold: 5,
            breaker_cooldown_ms: 30_000,
        }
    }
}

impl Bundle {
    /// Parse a bundle from JSON or YAML (YAML is a superset; JSON is tried first for speed and
    /// its precise error positions).
    pub fn parse(text: &str) -> Result<Bundle, ValidationErrors> {
        let trimmed = text.trim_start();
        let parsed = if trimmed.starts_with('{') {
            serde_json::from_str(text).map_err(|e| e.to_string())
        } else {
            serde_yaml::from_str(text).map_err(|e| e.to_string())
        };
        parsed.map_err(|e| ValidationErrors::single("bundle", e))
    }

    /// Check every cross-reference and value; all problems at once.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        validate::bundle(self)
    }

    /// A copy with upstream secrets and key material replaced by digests/redactions, for export.
    pub fn redacted(&self) -> Bundle {
        let mut b = self.clone();
        for p in &mut b.providers {
            for c in &mut p.credentials {
                c.api_key = REDACTED.to_owned();
            }
        }
        for u in &mut b.users {
            if u.password.as_deref().is_some_and(|p| !is_password_hash(p)) {
                u.password = Some(REDACTED.to_owned());
            }
            for k in &mut u.keys {
                if let Some(key) = k.key.take() {
                    k.digest = Some(crate::digest::key_digest(&key));
                }
            }
        }
        b
    }
}

/// Whether a `password` value is already an argon2 PHC hash (stored as is) rather than plain text.
pub fn is_password_hash(p: &str) -> bool {
    p.starts_with("$argon2")
}

/// What export puts in place of a secret. Applying a bundle that still holds it is an error.
pub const REDACTED: &str = "<redacted>";

fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}
fn is_false(b: &bool) -> bool {
    !*b
}
fn one() -> u32 {
    1
}
fn is_one(v: &u32) -> bool {
    *v == 1
}
fn is_zero(v: &u32) -> bool {
    *v == 0
}
fn all() -> Vec<String> {
    vec!["*".to_owned()]
}
fn is_all(v: &[String]) -> bool {
    v.len() == 1 && v[0] == "*"
}
fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}
