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
    let wall_ms = crate::ledger::now_ms();
    let mut ordered: Vec<&CredentialRt> = (0..n)
        .filter_map(|i| enabled.get((start + i) % n).copied())
        .collect();
    // stable: usable first (breaker closed locally, no cluster-wide cooldown), order kept
    ordered.sort_by_key(|c| !(health.available(&c.id, now) && c.cooldown_until_ms <= wall_ms));
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;
    use gproxy_config::{Bundle, Snapshot};
    use std::time::Duration;

    fn runtime(strategy: &str, cred_strategy: &str) -> Runtime {
        let yaml = format!(
            r#"
providers:
  - name: a
    channel: openai
    credential_strategy: {cred_strategy}
    credentials: [{{name: k1, api_key: s1}}, {{name: k2, api_key: s2}}, {{name: k3, api_key: s3}}]
    models: [{{id: m}}]
  - name: b
    channel: anthropic
    credentials: [{{api_key: s}}]
    models: [{{id: m}}]
  - name: c
    channel: gemini
    credentials: [{{api_key: s}}]
    models: [{{id: m}}]
routes:
  - name: r
    strategy: {strategy}
    members:
      - {{provider: a, model: m, weight: 8}}
      - {{provider: b, model: m, weight: 1}}
      - {{provider: c, model: m, weight: 1, tier: 1}}
users:
  - name: u
    keys: [{{key: gp-user-key-1}}]
"#
        );
        let snap = Snapshot::from_bundle(&Bundle::parse(&yaml).unwrap(), 1).unwrap();
        Runtime::compile(&snap).unwrap()
    }

    fn order(rt: &Runtime, health: &Health, cursors: &Cursors) -> Vec<String> {
        let user = &rt.users[0];
        resolve(rt, user, None, "r", health, cursors)
            .unwrap()
            .candidates
            .iter()
            .map(|c| c.provider.spec.name.clone())
            .collect()
    }

    #[test]
    fn weighted_follows_weights_and_keeps_tiers_last() {
        let rt = runtime("weighted", "round_robin");
        let (h, cur) = (Health::new(5, Duration::from_secs(30)), Cursors::default());
        let mut first_a = 0;
        for _ in 0..1000 {
            let o = order(&rt, &h, &cur);
            assert_eq!(o.len(), 3);
            assert_eq!(o[2], "c", "the fallback tier is always last");
            if o[0] == "a" {
                first_a += 1;
            }
        }
        // weight 8 of 9 within the tier: about 889 of 1000
        assert!((820..=950).contains(&first_a), "{first_a}");
    }

    #[test]
    fn least_latency_prefers_the_fastest_member() {
        let rt = runtime("least_latency", "round_robin");
        let (h, cur) = (Health::new(5, Duration::from_secs(30)), Cursors::default());
        h.success(&Arc::from("a/m"), Duration::from_millis(300));
        h.success(&Arc::from("b/m"), Duration::from_millis(20));
        assert_eq!(order(&rt, &h, &cur), ["b", "a", "c"]);
    }

    #[test]
    fn open_breakers_go_last() {
        let rt = runtime("failover", "round_robin");
        let (h, cur) = (Health::new(1, Duration::from_secs(30)), Cursors::default());
        h.failure(
            &Arc::from("a/m"),
            crate::health::Failure::Transient,
            Instant::now(),
        );
        assert_eq!(order(&rt, &h, &cur), ["b", "c", "a"]);
    }

    #[test]
    fn credentials_rotate_or_stick() {
        let h = Health::new(5, Duration::from_secs(30));
        let cur = Cursors::default();
        let rt = runtime("failover", "round_robin");
        let a = rt.provider("a").unwrap();
        let firsts: Vec<String> = (0..3)
            .map(|_| {
                credentials(a, &[1; 32], &h, &cur)[0]
                    .spec
                    .name
                    .clone()
                    .unwrap()
            })
            .collect();
        assert_eq!(firsts, ["k1", "k2", "k3"], "round robin");

        let rt = runtime("failover", "sticky");
        let a = rt.provider("a").unwrap();
        let key1 = credentials(a, &[1; 32], &h, &cur)[0].id.clone();
        for _ in 0..5 {
            assert_eq!(
                credentials(a, &[1; 32], &h, &cur)[0].id,
                key1,
                "the same key keeps its credential"
            );
        }
        let spread: std::collections::HashSet<_> = (0..32u8)
            .map(|i| credentials(a, &[i; 32], &h, &cur)[0].id.clone())
            .collect();
        assert!(spread.len() > 1, "different keys spread over credentials");
        // a rested credential is skipped while healthy ones remain
        h.failure(&key1, crate::health::Failure::AuthDead, Instant::now());
        assert_ne!(credentials(a, &[1; 32], &h, &cur)[0].id, key1);
    }
}
