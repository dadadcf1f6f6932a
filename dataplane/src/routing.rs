//! Steps 3 and 5: model name → route or `provider/model` → ordered candidates (strategy, tiers,
//! health), and the credential each candidate uses.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use gproxy_config::bundle::{CredentialStrategy, Strategy};

use crate::error::ApiError;
use crate::health::Health;
use crate::runtime::{CredentialRt, ProviderRt, Runtime, UserRt};

/// One upstream to try.
#[derive(Clone)]
pub struct Candidate {
    pub provider: Arc<ProviderRt>,
    /// Client-facing model id at that provider.
    pub model: String,
    /// `provider/model`: the member's health id.
    pub member_id: Arc<str>,
}

/// The resolved target of a request.
pub struct Resolved {
    /// What permissions are checked against and usage is attributed to.
    pub route: String,
    pub candidates: Vec<Candidate>,
}

/// Round-robin cursors that survive snapshot swaps.
#[derive(Default)]
pub struct Cursors {
    routes: dashmap::DashMap<String, AtomicUsize>,
    creds: dashmap::DashMap<String, AtomicUsize>,
}

impl Cursors {
    fn next(map: &dashmap::DashMap<String, AtomicUsize>, key: &str) -> usize {
        if let Some(c) = map.get(key) {
            return c.fetch_add(1, Ordering::Relaxed);
        }
        map.entry(key.to_owned())
            .or_default()
            .fetch_add(1, Ordering::Relaxed)
    }
}

/// Resolve `model` for `user`: scoped provider, alias, route, or `provider/model`.
pub fn resolve(
    rt: &Runtime,
    user: &UserRt,
    scoped: Option<&str>,
    model: &str,
    health: &Health,
    cursors: &Cursors,
) -> Result<Resolved, ApiError> {
    if let Some(p) = scoped {
        let provider = rt
            .provider(p)
            .ok_or_else(|| ApiError::model_not_found(&format!("{p}/{model}")))?;
        return direct(user, provider, model);
    }
    let target = rt.resolve_alias(model);
    if let Some(route) = rt.routes.get(target) {
        if !user.may_use(target) {
            return Err(ApiError::forbidden(model));
        }
        let rows: Vec<(u32, u32, Candidate)> = route
            .members
            .iter()
            .filter_map(|m| {
                let provider = rt.providers.get(m.provider)?.clone();
                if !provider.spec.enabled {
                    return None;
                }
                let member_id = Arc::from(format!("{}/{}", provider.spec.name, m.model));
                Some((
                    m.tier,
                    m.weight,
                    Candidate {
                        provider,
                        model: m.model.clone(),
                        member_id,
                    },
                ))
            })
            .collect();
        let members = order(rows, route, health, cursors);
        if members.is_empty() {
            return Err(ApiError::model_not_found(model));
        }
        return Ok(Resolved {
            route: route.spec.name.clone(),
            candidates: members,
        });
    }
    if let Some((p, m)) = target.split_once('/') {
        if let Some(provider) = rt.provider(p) {
            return direct(user, provider, m);
        }
    }
    Err(ApiError::model_not_found(model))
}

fn direct(user: &UserRt, provider: &Arc<ProviderRt>, model: &str) -> Result<Resolved, ApiError> {
    let name = format!("{}/{}", provider.spec.name, model);
    if !provider.spec.enabled {
        return Err(ApiError::model_not_found(&name));
    }
    if !user.may_use(&name) {
        return Err(ApiError::forbidden(&name));
    }
    let member_id = Arc::from(name.as_str());
    Ok(Resolved {
        route: name,
        candidates: vec![Candidate {
            provider: provider.clone(),
            model: model.to_owned(),
            member_id,
        }],
    })
}

/// Order members by strategy within each tier (tiers ascending), then push members with an
/// open breaker to the end (soonest-closing first): they are tried only when nothing else is left.
/// `rows` are (tier, weight, candidate), sorted by tier.
fn order(
    rows: Vec<(u32, u32, Candidate)>,
    route: &crate::runtime::RouteRt,
    health: &Health,
    cursors: &Cursors,
) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::with_capacity(rows.len());
    let mut start = 0;
    while start < rows.len() {
        let tier = rows[start].0;
        let end = rows[start..]
            .iter()
            .position(|r| r.0 != tier)
            .map_or(rows.len(), |p| start + p);
        let mut group: Vec<(u32, Candidate)> = rows[start..end]
            .iter()
            .map(|r| (r.1, r.2.clone()))
            .collect();
        match route.spec.strategy {
            Strategy::Failover => {}
            Strategy::RoundRobin => {
                let n = group.len();
                let k = Cursors::next(&cursors.routes, &format!("{}#{tier}", route.spec.name))
                    % n.max(1);
                group.rotate_left(k);
            }
            Strategy::Weighted => weighted_shuffle(&mut group),
            Strategy::LeastLatency => {
                group.sort_by(|a, b| {
                    let la = health.latency_us(&a.1.member_id).unwrap_or(0.0);
                    let lb = health.latency_us(&b.1.member_id).unwrap_or(0.0);
                    la.total_cmp(&lb)
                });
            }
        }
        out.extend(group.into_iter().map(|g| g.1));
        start = end;
    }
    let now = Instant::now();
    let (mut ok, mut open): (Vec<_>, Vec<_>) = out
        .into_iter()
        .partition(|c| health.available(&c.member_id, now));
    open.sort_by_key(|c| health.open_until(&c.member_id));
    ok.extend(open);
    ok
}

/// Weighted random order without replacement (Efraimidis–Spirakis keys).
fn weighted_shuffle(group: &mut [(u32, Candidate)]) {
    let mut keyed: Vec<(f64, usize)> = group
        .iter()
        .enumerate()
        .map(|(i, (w, _))| (fastrand::f64().powf(1.0 / f64::from((*w).max(1))), i))
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0));
    let order: Vec<usize> = keyed.into_iter().map(|k| k.1).collect();
    let snapshot: Vec<(u32, Candidate)> = group.to_vec();
    for (slot, idx) in order.into_iter().enumerate() {
        if let (Some(dst), Some(src)) = (group.get_mut(slot), snapshot.get(idx)) {
            *dst = src.clone();
        }
    }
}

/// Healthy credentials of a provider in the order to try them.
pub fn credentials<'a>(
    provider: &'a ProviderRt,
    key_digest: &[u8; 32],
    health: &Health,
    cursors: &Cursors,
) -> Vec<&'a CredentialRt> {
    let enabled: Vec<&CredentialRt> = provider
        .credentials
        .iter()
        .filter(|c| c.spec.enabled)
        .collect();
    let n = enabled.len();
    if n == 0 {
        return enabled;
    }
    let start = match provider.spec.credential_strategy {
        CredentialStrategy::Failover => 0,
        CredentialStrategy::RoundRobin => Cursors::next(&cursors.creds, &provider.spec.name) % n,
        CredentialStrategy::Sticky => {
            let h = u64::from_le_bytes([
                key_digest[0],
                key_digest[1],
                key_digest[2],
                key_digest[3],
                key_digest[4],
                key_digest[5],
                key_digest[6],
                key_digest[7],
            ]);
            (h % n as u64) as usize
        }
    };
    let now = Instant::now();
    let mut ordered: Vec<&CredentialRt> = (0..n)
        .filter_map(|i| enabled.get((start + i) % n).copied())
        .collect();
    ordered.sort_by_key(|c| !health.available(&c.id, now)); // stable: healthy first, order kept
    ordered
}
