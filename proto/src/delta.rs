//! Snapshot deltas: what changed between two snapshots, as upserts and removals of whole
//! resources, and applying such a delta to a base snapshot. Both are pure.
//!
//! Resources are keyed by name (providers, routes, users) or by alias key (`name:<name>` or
//! `pattern:<regex>`). Order matters (provider index, listed route order, regex alias order), so
//! [`apply`] follows one rule and [`diff`] emits exactly what that rule needs to rebuild `new`:
//!
//! 1. removals first: every base resource whose key is removed is dropped;
//! 2. then upserts in order: a resource whose key is still in the base replaces it in place;
//!    any other one is appended.
//!
//! [`diff`] keeps the longest prefix of `new` that appears in `old` in the same relative order,
//! upserting the ones of them that changed; everything after that prefix is removed (when it
//! existed) and upserted again, so it lands at the end in `new`'s order. Editing, appending or
//! removing one resource costs one entry; inserting in the middle re-sends the tail. A changed kind
//! with duplicate keys (possible only for aliases) is replaced whole.

use std::collections::{HashMap, HashSet};

use gproxy_config::bundle::{Alias, Provider, Route};
use gproxy_config::rules::RuleSet;
use gproxy_config::snapshot::{CredentialCooldown, GroupRecord, UserRecord};
use gproxy_config::Snapshot;

use crate::convert::ConvertError;
use crate::v1::{self, resource::Kind, Resource, ResourceKind, ResourceRef};

/// The delta key of an alias: `name:<name>` or `pattern:<regex>`.
pub fn alias_key(a: &Alias) -> String {
    match (&a.name, &a.pattern) {
        (Some(n), _) => format!("name:{n}"),
        (None, Some(p)) => format!("pattern:{p}"),
        (None, None) => String::new(),
    }
}

/// What turns `old` into `new` (see the module docs for the ordering rule).
pub fn diff(old: &Snapshot, new: &Snapshot) -> v1::Delta {
    let mut d = v1::Delta::default();
    let name_p = |p: &Provider| p.name.clone();
    let name_r = |r: &Route| r.name.clone();
    let name_u = |u: &UserRecord| u.name.clone();
    kind_diff(
        &mut d,
        ResourceKind::Provider,
        &old.providers,
        &new.providers,
        name_p,
        |p| Kind::Provider(p.into()),
    );
    kind_diff(
        &mut d,
        ResourceKind::Route,
        &old.routes,
        &new.routes,
        name_r,
        |r| Kind::Route(r.into()),
    );
    kind_diff(
        &mut d,
        ResourceKind::Alias,
        &old.aliases,
        &new.aliases,
        alias_key,
        |a| Kind::Alias(a.into()),
    );
    kind_diff(
        &mut d,
        ResourceKind::User,
        &old.users,
        &new.users,
        name_u,
        |u| Kind::User(u.into()),
    );
    let name_g = |g: &GroupRecord| g.name.clone();
    kind_diff(
        &mut d,
        ResourceKind::Team,
        &old.teams,
        &new.teams,
        name_g,
        |t| Kind::Team(t.into()),
    );
    kind_diff(
        &mut d,
        ResourceKind::Org,
        &old.orgs,
        &new.orgs,
        name_g,
        |o| Kind::Org(o.into()),
    );
    kind_diff(
        &mut d,
        ResourceKind::RuleSet,
        &old.rule_sets,
        &new.rule_sets,
        |r: &RuleSet| r.name.clone(),
        |r| Kind::RuleSet(r.into()),
    );
    kind_diff(
        &mut d,
        ResourceKind::CredentialState,
        &old.cooldowns,
        &new.cooldowns,
        CredentialCooldown::key,
        |c| Kind::CredentialState(c.into()),
    );
    if old.settings != new.settings {
        d.upserts.push(Resource {
            kind: Some(Kind::Settings((&new.settings).into())),
        });
    }
    d
}

fn kind_diff<T: PartialEq>(
    d: &mut v1::Delta,
    kind: ResourceKind,
    old: &[T],
    new: &[T],
    key: impl Fn(&T) -> String,
    wire: impl Fn(&T) -> Kind,
) {
    let old_keys: Vec<String> = old.iter().map(&key).collect();
    let new_keys: Vec<String> = new.iter().map(&key).collect();
    let mut remove = |name: &str| {
        d.removals.push(ResourceRef {
            kind: kind as i32,
            name: name.to_owned(),
        })
    };
    let mut upserts = Vec::new();
    if old == new {
        return;
    }
    if has_duplicates(&old_keys) || has_duplicates(&new_keys) {
        let mut seen = HashSet::new();
        for k in old_keys.iter().filter(|k| seen.insert(k.as_str())) {
            remove(k);
        }
        upserts.extend(new);
    } else {
        let old_at: HashMap<&str, usize> = old_keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.as_str(), i))
            .collect();
        // the longest prefix of `new` found in `old` in increasing positions
        let mut kept = 0;
        let mut last: Option<usize> = None;
        for k in &new_keys {
            match old_at.get(k.as_str()) {
                Some(&p) if last.is_none_or(|l| p > l) => {
                    last = Some(p);
                    kept += 1;
                }
                _ => break,
            }
        }
        let kept_keys: HashSet<&str> = new_keys[..kept].iter().map(String::as_str).collect();
        for k in old_keys.iter().filter(|k| !kept_keys.contains(k.as_str())) {
            remove(k);
        }
        for (item, k) in new.iter().zip(&new_keys).take(kept) {
            let changed = old_at
                .get(k.as_str())
                .and_then(|&p| old.get(p))
                .is_none_or(|o| o != item);
            if changed {
                upserts.push(item);
            }
        }
        upserts.extend(new.iter().skip(kept));
    }
    d.upserts.extend(upserts.into_iter().map(|t| Resource {
        kind: Some(wire(t)),
    }));
}

fn has_duplicates(keys: &[String]) -> bool {
    let mut seen = HashSet::with_capacity(keys.len());
    !keys.iter().all(|k| seen.insert(k.as_str()))
}

/// `base` with `delta` applied, stamped `version`. Fails, leaving nothing half-applied, when a
/// resource does not convert or a removal names no resource kind.
pub fn apply(base: &Snapshot, delta: &v1::Delta, version: u64) -> Result<Snapshot, ConvertError> {
    let mut removals: [HashSet<&str>; 8] = Default::default();
    for (i, r) in delta.removals.iter().enumerate() {
        let slot = match ResourceKind::try_from(r.kind) {
            Ok(ResourceKind::Provider) => 0,
            Ok(ResourceKind::Route) => 1,
            Ok(ResourceKind::Alias) => 2,
            Ok(ResourceKind::User) => 3,
            Ok(ResourceKind::Team) => 4,
            Ok(ResourceKind::Org) => 5,
            Ok(ResourceKind::RuleSet) => 6,
            Ok(ResourceKind::CredentialState) => 7,
            Ok(ResourceKind::Unspecified) | Err(_) => {
                return Err(ConvertError::new(
                    format!("removals[{i}].kind"),
                    format!("unknown resource kind {}", r.kind),
                ))
            }
        };
        removals[slot].insert(r.name.as_str());
    }
    let [rm_p, rm_r, rm_a, rm_u, rm_t, rm_o, rm_rs, rm_c] = &removals;
    let mut providers = Upserts::new(&base.providers, rm_p, |p| p.name.clone());
    let mut routes = Upserts::new(&base.routes, rm_r, |r| r.name.clone());
    let mut aliases = Upserts::new(&base.aliases, rm_a, alias_key);
    let mut users = Upserts::new(&base.users, rm_u, |u| u.name.clone());
    let mut teams = Upserts::new(&base.teams, rm_t, |t| t.name.clone());
    let mut orgs = Upserts::new(&base.orgs, rm_o, |o| o.name.clone());
    let mut rule_sets = Upserts::new(&base.rule_sets, rm_rs, |r| r.name.clone());
    let mut cooldowns = Upserts::new(&base.cooldowns, rm_c, CredentialCooldown::key);
    let mut settings = base.settings;
    for (i, up) in delta.upserts.iter().enumerate() {
        let at = |e: ConvertError| e.within(&format!("upserts[{i}]"));
        match up.kind.clone() {
            Some(Kind::Provider(p)) => providers.put(
                p.try_into()
                    .map_err(|e: ConvertError| at(e.within("provider")))?,
            ),
            Some(Kind::Route(r)) => routes.put(
                r.try_into()
                    .map_err(|e: ConvertError| at(e.within("route")))?,
            ),
            Some(Kind::Alias(a)) => aliases.put(
                a.try_into()
                    .map_err(|e: ConvertError| at(e.within("alias")))?,
            ),
            Some(Kind::User(u)) => users.put(
                u.try_into()
                    .map_err(|e: ConvertError| at(e.within("user")))?,
            ),
            Some(Kind::Team(t)) => teams.put(
                t.try_into()
                    .map_err(|e: ConvertError| at(e.within("team")))?,
            ),
            Some(Kind::Org(o)) => orgs.put(
                o.try_into()
                    .map_err(|e: ConvertError| at(e.within("org")))?,
            ),
            Some(Kind::RuleSet(r)) => rule_sets.put(
                r.try_into()
                    .map_err(|e: ConvertError| at(e.within("rule_set")))?,
            ),
            Some(Kind::CredentialState(c)) => cooldowns.put(
                c.try_into()
                    .map_err(|e: ConvertError| at(e.within("credential_state")))?,
            ),
            Some(Kind::Settings(s)) => {
                settings = s
                    .try_into()
                    .map_err(|e: ConvertError| at(e.within("settings")))?
            }
            None => return Err(ConvertError::new(format!("upserts[{i}]"), "empty resource")),
        }
    }
    Ok(Snapshot {
        version,
        providers: providers.items,
        routes: routes.items,
        aliases: aliases.items,
        users: users.items,
        teams: teams.items,
        orgs: orgs.items,
        rule_sets: rule_sets.items,
        cooldowns: cooldowns.items,
        settings,
    })
}

/// One kind being rebuilt: the base minus removals, then upserts replacing or appending.
struct Upserts<T, K: Fn(&T) -> String> {
    items: Vec<T>,
    /// Key → index among the base items that survived the removals.
    base_at: HashMap<String, usize>,
    key: K,
}

impl<T: Clone, K: Fn(&T) -> String> Upserts<T, K> {
    fn new(base: &[T], removed: &HashSet<&str>, key: K) -> Self {
        let items: Vec<T> = base
            .iter()
            .filter(|t| !removed.contains(key(t).as_str()))
            .cloned()
            .collect();
        let mut base_at = HashMap::with_capacity(items.len());
        for (i, t) in items.iter().enumerate() {
            base_at.entry(key(t)).or_insert(i);
        }
        Upserts {
            items,
            base_at,
            key,
        }
    }

    fn put(&mut self, t: T) {
        match self
            .base_at
            .get(&(self.key)(&t))
            .and_then(|&i| self.items.get_mut(i))
        {
            Some(slot) => *slot = t,
            None => self.items.push(t),
        }
    }
}

#[cfg(test)]
mod tests;
