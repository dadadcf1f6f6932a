//! The compiled snapshot: everything the hot path looks up (key index, routes, aliases, provider
//! channels), built once per snapshot version and swapped atomically behind one `ArcSwap`.

use std::collections::HashMap;
use std::sync::Arc;

use gproxy_config::bundle::{
    Alias, ChannelKind, Credential, Limits, Price, Provider, Quota, Route, Settings,
};
use gproxy_config::digest::parse_hex_digest;
use gproxy_config::rules::CompiledRules;
use gproxy_config::Snapshot;
use regex::Regex;

use crate::channel::{self, Channel};

/// One upstream provider with its channel, ready to send.
pub struct ProviderRt {
    pub index: usize,
    pub spec: Provider,
    pub channel: &'static dyn Channel,
    /// Base URL without a trailing slash.
    pub base_url: String,
    pub credentials: Vec<CredentialRt>,
    /// Model id → position in `spec.models`.
    pub models: HashMap<String, usize>,
    /// A client of its own when the provider sets `timeouts.connect_ms` (wreq sets the connect
    /// timeout per client); otherwise the shared one is used.
    pub client: Option<wreq::Client>,
    /// The provider's rule sets, compiled in order (empty when it has none).
    pub rules: CompiledRules,
}

pub struct CredentialRt {
    /// Stable identity for health and usage: `provider/credential-name`.
    pub id: Arc<str>,
    pub spec: Credential,
    /// Cluster-wide cooldown decided by the control plane (unix ms; 0 = none).
    pub cooldown_until_ms: u64,
}

impl ProviderRt {
    pub fn model(&self, id: &str) -> Option<&gproxy_config::bundle::Model> {
        self.models.get(id).and_then(|&i| self.spec.models.get(i))
    }

    /// The model name to send upstream for a client-facing model id.
    pub fn upstream_model<'a>(&'a self, id: &'a str) -> &'a str {
        self.model(id)
            .and_then(|m| m.upstream.as_deref())
            .unwrap_or(id)
    }

    pub fn price(&self, id: &str) -> Option<Price> {
        self.model(id).and_then(|m| m.price)
    }
}

pub struct UserRt {
    pub name: Arc<str>,
    pub enabled: bool,
    pub permissions: Vec<Glob>,
    pub limits: Limits,
    pub quota: Option<Quota>,
    pub spent_usd: f64,
    /// Quotas of the user's team and org that apply to it too.
    pub group_quotas: Vec<GroupQuota>,
}

/// A team's or org's spend quota as one of its users sees it.
pub struct GroupQuota {
    /// `team` or `org`.
    pub kind: &'static str,
    pub name: Arc<str>,
    pub usd: f64,
    pub spent_usd: f64,
}

impl UserRt {
    /// The first quota (own, team, org) whose settled spend has reached its cap.
    pub fn exhausted_quota(&self) -> Option<String> {
        if self.quota.is_some_and(|q| self.spent_usd >= q.usd) {
            return Some("spend quota exhausted".to_owned());
        }
        self.group_quotas
            .iter()
            .find(|g| g.spent_usd >= g.usd)
            .map(|g| format!("spend quota of {} `{}` exhausted", g.kind, g.name))
    }

    /// Whether the user may use `name` (a route name or `provider/model`).
    pub fn may_use(&self, name: &str) -> bool {
        self.permissions.iter().any(|g| g.matches(name))
    }
}

pub struct KeyRt {
    pub user: usize,
    pub name: Arc<str>,
    pub enabled: bool,
}

/// A route member resolved to indexes.
#[derive(Debug, Clone)]
pub struct MemberRt {
    pub provider: usize,
    pub model: String,
    pub weight: u32,
    pub tier: u32,
}

pub struct RouteRt {
    pub spec: Route,
    /// Sorted by tier (stable: listed order within a tier).
    pub members: Vec<MemberRt>,
}

/// A compiled snapshot.
pub struct Runtime {
    pub version: u64,
    pub settings: Settings,
    pub providers: Vec<Arc<ProviderRt>>,
    pub providers_by_name: HashMap<String, usize>,
    pub users: Vec<UserRt>,
    pub keys: HashMap<[u8; 32], KeyRt>,
    pub routes: HashMap<String, RouteRt>,
    /// Route names in configuration order, for model listings.
    pub route_order: Vec<String>,
    pub exact_aliases: HashMap<String, String>,
    pub regex_aliases: Vec<(Regex, String)>,
}

/// A `*`-only glob (permissions).
pub struct Glob(String);

impl Glob {
    pub fn new(p: &str) -> Self {
        Glob(p.to_owned())
    }

    pub fn matches(&self, s: &str) -> bool {
        glob_match(self.0.as_bytes(), s.as_bytes())
    }
}

fn glob_match(p: &[u8], s: &[u8]) -> bool {
    // Iterative wildcard match with backtracking to the last `*`: linear in practice.
    let (mut pi, mut si) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while si < s.len() {
        if pi < p.len() && p[pi] != b'*' && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            pi += 1;
            mark = si;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error("alias pattern `{0}` does not compile: {1}")]
    Regex(String, regex::Error),
    #[error("{0}")]
    Invalid(String),
}

impl Runtime {
    /// An empty runtime (before the first snapshot): every request gets 503.
    pub fn empty() -> Self {
        Runtime {
            version: 0,
            settings: Settings::default(),
            providers: Vec::new(),
            providers_by_name: HashMap::new(),
            users: Vec::new(),
            keys: HashMap::new(),
            routes: HashMap::new(),
            route_order: Vec::new(),
            exact_aliases: HashMap::new(),
            regex_aliases: Vec::new(),
        }
    }

    pub fn compile(snap: &Snapshot) -> Result<Runtime, CompileError> {
        let mut providers = Vec::with_capacity(snap.providers.len());
        let mut providers_by_name = HashMap::new();
        for (index, p) in snap.providers.iter().enumerate() {
            let channel = channel::for_kind(p.channel);
            let base_url = p
                .base_url
                .clone()
                .unwrap_or_else(|| channel.default_base_url().to_owned())
                .trim_end_matches('/')
                .to_owned();
            let credentials = p
                .credentials
                .iter()
                .enumerate()
                .map(|(j, c)| CredentialRt {
                    id: Arc::from(format!(
                        "{}/{}",
                        p.name,
                        c.name.clone().unwrap_or_else(|| format!("#{j}"))
                    )),
                    spec: c.clone(),
                    cooldown_until_ms: 0,
                })
                .collect::<Vec<_>>();
            let mut credentials = credentials;
            for c in snap.cooldowns.iter().filter(|c| c.provider == p.name) {
                let id = format!("{}/{}", c.provider, c.credential);
                if let Some(rt) = credentials.iter_mut().find(|rt| *rt.id == *id) {
                    rt.cooldown_until_ms = c.until_ms;
                }
            }
            let models = p
                .models
                .iter()
                .enumerate()
                .map(|(i, m)| (m.id.clone(), i))
                .collect();
            providers_by_name.insert(p.name.clone(), index);
            let client = match p.timeouts.connect_ms.filter(|ms| *ms > 0) {
                Some(ms) => Some(
                    crate::app::upstream_client(std::time::Duration::from_millis(ms)).map_err(
                        |e| CompileError::Invalid(format!("provider {}: http client: {e}", p.name)),
                    )?,
                ),
                None => None,
            };
            let sets = p
                .rule_sets
                .iter()
                .map(|name| {
                    snap.rule_sets
                        .iter()
                        .find(|r| r.name == *name)
                        .ok_or_else(|| {
                            CompileError::Invalid(format!(
                                "provider {}: unknown rule set `{name}`",
                                p.name
                            ))
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            let rules = CompiledRules::compile(&sets).map_err(|errs| {
                CompileError::Invalid(format!(
                    "provider {}: {}",
                    p.name,
                    gproxy_config::ValidationErrors(errs)
                ))
            })?;
            providers.push(Arc::new(ProviderRt {
                index,
                spec: p.clone(),
                channel,
                base_url,
                credentials,
                models,
                client,
                rules,
            }));
        }
        let mut users = Vec::with_capacity(snap.users.len());
        let mut keys = HashMap::new();
        for (ui, u) in snap.users.iter().enumerate() {
            for k in &u.keys {
                let digest = parse_hex_digest(&k.digest).ok_or_else(|| {
                    CompileError::Invalid(format!("user {} has a malformed key digest", u.name))
                })?;
                keys.insert(
                    digest,
                    KeyRt {
                        user: ui,
                        name: Arc::from(k.name.as_str()),
                        enabled: k.enabled,
                    },
                );
            }
            let team = u
                .team
                .as_deref()
                .and_then(|t| snap.teams.iter().find(|g| g.name == t));
            let org = team
                .and_then(|t| t.parent.as_deref())
                .and_then(|o| snap.orgs.iter().find(|g| g.name == o));
            let group_quotas = [("team", team), ("org", org)]
                .into_iter()
                .filter_map(|(kind, g)| {
                    let g = g?;
                    Some(GroupQuota {
                        kind,
                        name: Arc::from(g.name.as_str()),
                        usd: g.quota?.usd,
                        spent_usd: g.spent_usd,
                    })
                })
                .collect();
            users.push(UserRt {
                name: Arc::from(u.name.as_str()),
                enabled: u.enabled,
                permissions: u.permissions.iter().map(|p| Glob::new(p)).collect(),
                limits: u.limits,
                quota: u.quota,
                spent_usd: u.spent_usd,
                group_quotas,
            });
        }
        let mut routes = HashMap::new();
        let mut route_order = Vec::new();
        for r in &snap.routes {
            let mut members: Vec<MemberRt> = r
                .members
                .iter()
                .filter_map(|m| {
                    providers_by_name
                        .get(&m.provider)
                        .map(|&provider| MemberRt {
                            provider,
                            model: m.model.clone(),
                            weight: m.weight.max(1),
                            tier: m.tier,
                        })
                })
                .collect();
            members.sort_by_key(|m| m.tier);
            route_order.push(r.name.clone());
            routes.insert(
                r.name.clone(),
                RouteRt {
                    spec: r.clone(),
                    members,
                },
            );
        }
        let mut exact_aliases = HashMap::new();
        let mut regex_aliases = Vec::new();
        for Alias {
            name,
            pattern,
            target,
        } in &snap.aliases
        {
            if let Some(n) = name {
                exact_aliases.insert(n.clone(), target.clone());
            } else if let Some(p) = pattern {
                let re = Regex::new(p).map_err(|e| CompileError::Regex(p.clone(), e))?;
                regex_aliases.push((re, target.clone()));
            }
        }
        Ok(Runtime {
            version: snap.version,
            settings: snap.settings,
            providers,
            providers_by_name,
            users,
            keys,
            routes,
            route_order,
            exact_aliases,
            regex_aliases,
        })
    }

    pub fn provider(&self, name: &str) -> Option<&Arc<ProviderRt>> {
        self.providers_by_name
            .get(name)
            .and_then(|&i| self.providers.get(i))
    }

    /// Follow aliases (exact first, then regexes in order) to a route name or `provider/model`.
    pub fn resolve_alias<'a>(&'a self, model: &'a str) -> &'a str {
        if let Some(t) = self.exact_aliases.get(model) {
            return t;
        }
        for (re, t) in &self.regex_aliases {
            if re.is_match(model) {
                return t;
            }
        }
        model
    }

    pub fn channel_kind(&self, provider: usize) -> Option<ChannelKind> {
        self.providers.get(provider).map(|p| p.spec.channel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_with_its_own_connect_timeout_gets_its_own_client() {
        let b = gproxy_config::Bundle::parse(
            "providers:\n  - {name: a, channel: openai, timeouts: {connect_ms: 1500}}\n  - {name: b, channel: gemini}\n",
        )
        .unwrap();
        let rt = Runtime::compile(&Snapshot::from_bundle(&b, 1).unwrap()).unwrap();
        assert!(rt.provider("a").unwrap().client.is_some());
        assert!(
            rt.provider("b").unwrap().client.is_none(),
            "the shared client serves the rest"
        );
    }

    #[test]
    fn globs() {
        for (p, s, want) in [
            ("*", "anything", true),
            ("gpt-*", "gpt-4o", true),
            ("gpt-*", "claude", false),
            ("oai/*", "oai/gpt-4o", true),
            ("*-mini", "gpt-4o-mini", true),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            ("exact", "exact", true),
            ("exact", "exactly", false),
        ] {
            assert_eq!(Glob::new(p).matches(s), want, "{p} {s}");
        }
    }
}
