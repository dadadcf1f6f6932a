//! Bundle validation: every cross-reference and value checked, all problems reported at once.

use std::collections::HashSet;
use std::fmt;

use crate::bundle::{Bundle, REDACTED};
use crate::digest::parse_hex_digest;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ValidationError {
    /// Path of the offending value, e.g. `routes[2].members[0].provider`.
    pub path: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, thiserror::Error)]
#[serde(transparent)]
pub struct ValidationErrors(pub Vec<ValidationError>);

impl ValidationErrors {
    pub fn single(path: impl Into<String>, message: impl Into<String>) -> Self {
        ValidationErrors(vec![ValidationError {
            path: path.into(),
            message: message.into(),
        }])
    }

    fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(ValidationError {
            path: path.into(),
            message: message.into(),
        });
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{}: {}", e.path, e.message)?;
        }
        Ok(())
    }
}

/// First path segments the data plane serves itself; a provider cannot be named like them.
const RESERVED: &[&str] = &[
    "v1", "v1beta", "v1alpha", "admin", "healthz", "readyz", "metrics",
];

const NAME_RULE: &str = "use 1-64 characters of a-z, A-Z, 0-9, '-', '_', '.'";

fn check_quota(errs: &mut ValidationErrors, at: &str, quota: Option<crate::bundle::Quota>) {
    if let Some(q) = quota {
        if !q.usd.is_finite() || q.usd < 0.0 {
            errs.push(format!("{at}.quota.usd"), "must be finite and >= 0");
        }
    }
}

pub(crate) fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

pub(crate) fn bundle(b: &Bundle) -> Result<(), ValidationErrors> {
    let mut errs = ValidationErrors::default();
    let mut providers = HashSet::new();
    let mut models: HashSet<(String, String)> = HashSet::new();
    for (i, p) in b.providers.iter().enumerate() {
        let at = format!("providers[{i}]");
        if !valid_name(&p.name) {
            errs.push(format!("{at}.name"), NAME_RULE);
        } else if RESERVED.contains(&p.name.as_str()) {
            errs.push(
                format!("{at}.name"),
                format!("`{}` is a reserved path segment", p.name),
            );
        }
        if !providers.insert(p.name.as_str()) {
            errs.push(
                format!("{at}.name"),
                format!("duplicate provider `{}`", p.name),
            );
        }
        if let Some(url) = &p.base_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                errs.push(
                    format!("{at}.base_url"),
                    "must start with http:// or https://",
                );
            }
        }
        for (field, proxy) in std::iter::once(("proxy".to_owned(), &p.proxy)).chain(
            p.credentials
                .iter()
                .enumerate()
                .map(|(j, c)| (format!("credentials[{j}].proxy"), &c.proxy)),
        ) {
            if let Some(proxy) = proxy {
                let ok = ["http://", "https://", "socks5://", "socks5h://"]
                    .iter()
                    .any(|s| proxy.starts_with(s));
                if !ok {
                    errs.push(
                        format!("{at}.{field}"),
                        "proxy must be http://, https://, socks5:// or socks5h://",
                    );
                }
            }
        }
        let mut creds = HashSet::new();
        for (j, c) in p.credentials.iter().enumerate() {
            if c.api_key.is_empty() {
                errs.push(
                    format!("{at}.credentials[{j}].api_key"),
                    "must not be empty",
                );
            } else if c.api_key == REDACTED {
                errs.push(
                    format!("{at}.credentials[{j}].api_key"),
                    "is redacted; supply the secret",
                );
            }
            let name = c.name.clone().unwrap_or_else(|| format!("#{j}"));
            if !creds.insert(name.clone()) {
                errs.push(
                    format!("{at}.credentials[{j}].name"),
                    format!("duplicate credential `{name}`"),
                );
            }
        }
        for (j, m) in p.models.iter().enumerate() {
            if m.id.is_empty() {
                errs.push(format!("{at}.models[{j}].id"), "must not be empty");
            }
            if !models.insert((p.name.clone(), m.id.clone())) {
                errs.push(
                    format!("{at}.models[{j}].id"),
                    format!("duplicate model `{}`", m.id),
                );
            }
            if let Some(price) = &m.price {
                let all = [
                    Some(price.input),
                    Some(price.output),
                    price.cache_read,
                    price.cache_write,
                ];
                if all.iter().flatten().any(|v| !v.is_finite() || *v < 0.0) {
                    errs.push(
                        format!("{at}.models[{j}].price"),
                        "prices must be finite and >= 0",
                    );
                }
            }
        }
    }

    let mut routes = HashSet::new();
    for (i, r) in b.routes.iter().enumerate() {
        let at = format!("routes[{i}]");
        if r.name.is_empty() {
            errs.push(format!("{at}.name"), "must not be empty");
        }
        if !routes.insert(r.name.as_str()) {
            errs.push(
                format!("{at}.name"),
                format!("duplicate route `{}`", r.name),
            );
        }
        if r.members.is_empty() {
            errs.push(format!("{at}.members"), "a route needs at least one member");
        }
        for (j, m) in r.members.iter().enumerate() {
            if !providers.contains(m.provider.as_str()) {
                errs.push(
                    format!("{at}.members[{j}].provider"),
                    format!("unknown provider `{}`", m.provider),
                );
            } else if !models.contains(&(m.provider.clone(), m.model.clone())) {
                errs.push(
                    format!("{at}.members[{j}].model"),
                    format!("provider `{}` has no model `{}`", m.provider, m.model),
                );
            }
            if m.weight == 0 {
                errs.push(format!("{at}.members[{j}].weight"), "must be at least 1");
            }
        }
    }

    for (i, a) in b.aliases.iter().enumerate() {
        let at = format!("aliases[{i}]");
        match (&a.name, &a.pattern) {
            (Some(_), None) => {}
            (None, Some(p)) => {
                if let Err(e) = regex::Regex::new(p) {
                    errs.push(format!("{at}.pattern"), format!("invalid regex: {e}"));
                }
            }
            _ => errs.push(at.clone(), "set exactly one of `name` and `pattern`"),
        }
        let target_ok = routes.contains(a.target.as_str())
            || a.target
                .split_once('/')
                .is_some_and(|(p, m)| models.contains(&(p.to_owned(), m.to_owned())));
        if !target_ok {
            errs.push(
                format!("{at}.target"),
                format!("`{}` is neither a route nor a provider/model", a.target),
            );
        }
    }

    let mut orgs = HashSet::new();
    for (i, o) in b.orgs.iter().enumerate() {
        let at = format!("orgs[{i}]");
        if !valid_name(&o.name) {
            errs.push(format!("{at}.name"), NAME_RULE);
        }
        if !orgs.insert(o.name.as_str()) {
            errs.push(format!("{at}.name"), format!("duplicate org `{}`", o.name));
        }
        check_quota(&mut errs, &at, o.quota);
    }
    let mut teams = HashSet::new();
    for (i, t) in b.teams.iter().enumerate() {
        let at = format!("teams[{i}]");
        if !valid_name(&t.name) {
            errs.push(format!("{at}.name"), NAME_RULE);
        }
        if !teams.insert(t.name.as_str()) {
            errs.push(format!("{at}.name"), format!("duplicate team `{}`", t.name));
        }
        if let Some(o) = &t.org {
            if !orgs.contains(o.as_str()) {
                errs.push(format!("{at}.org"), format!("unknown org `{o}`"));
            }
        }
        check_quota(&mut errs, &at, t.quota);
    }

    let mut users = HashSet::new();
    let mut digests = HashSet::new();
    for (i, u) in b.users.iter().enumerate() {
        let at = format!("users[{i}]");
        if u.name.is_empty() {
            errs.push(format!("{at}.name"), "must not be empty");
        }
        if !users.insert(u.name.as_str()) {
            errs.push(format!("{at}.name"), format!("duplicate user `{}`", u.name));
        }
        for (j, k) in u.keys.iter().enumerate() {
            let digest = match (&k.key, &k.digest) {
                (Some(key), None) if key.len() >= 8 => Some(crate::digest::key_digest(key)),
                (Some(_), None) => {
                    errs.push(
                        format!("{at}.keys[{j}].key"),
                        "keys must be at least 8 characters",
                    );
                    None
                }
                (None, Some(d)) if parse_hex_digest(d).is_some() => Some(d.to_ascii_lowercase()),
                (None, Some(_)) => {
                    errs.push(
                        format!("{at}.keys[{j}].digest"),
                        "must be 64 hex characters (SHA-256)",
                    );
                    None
                }
                _ => {
                    errs.push(
                        format!("{at}.keys[{j}]"),
                        "set exactly one of `key` and `digest`",
                    );
                    None
                }
            };
            if let Some(d) = digest {
                if !digests.insert(d) {
                    errs.push(
                        format!("{at}.keys[{j}]"),
                        "the same key is configured twice",
                    );
                }
            }
        }
        if u.permissions.iter().any(|p| p.is_empty()) {
            errs.push(format!("{at}.permissions"), "patterns must not be empty");
        }
        check_quota(&mut errs, &at, u.quota);
        if let Some(t) = &u.team {
            if !teams.contains(t.as_str()) {
                errs.push(format!("{at}.team"), format!("unknown team `{t}`"));
            }
        }
        if let Some(p) = &u.password {
            if p == REDACTED {
                errs.push(format!("{at}.password"), "is redacted; supply the password");
            } else if !crate::bundle::is_password_hash(p) && p.chars().count() < 8 {
                errs.push(
                    format!("{at}.password"),
                    "passwords must be at least 8 characters",
                );
            }
        }
    }

    errs.0
        .extend(crate::rules::validate(&b.rule_sets, "rule_sets"));
    let rule_sets: HashSet<&str> = b.rule_sets.iter().map(|r| r.name.as_str()).collect();
    for (i, p) in b.providers.iter().enumerate() {
        for (j, r) in p.rule_sets.iter().enumerate() {
            if !rule_sets.contains(r.as_str()) {
                errs.push(
                    format!("providers[{i}].rule_sets[{j}]"),
                    format!("unknown rule set `{r}`"),
                );
            }
        }
    }

    let s = &b.settings;
    if s.max_attempts == 0 {
        errs.push("settings.max_attempts", "must be at least 1");
    }
    if s.max_body_bytes < 1024 {
        errs.push("settings.max_body_bytes", "must be at least 1024");
    }
    if s.max_in_flight == 0 {
        errs.push("settings.max_in_flight", "must be at least 1");
    }

    if errs.0.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}

#[cfg(test)]
mod tests {
    use crate::Bundle;

    const GOOD: &str = r#"
providers:
  - name: oai
    channel: openai
    base_url: http://127.0.0.1:9001/v1
    credentials:
      - api_key: sk-test
    models:
      - id: gpt-4o
        price: {input: 2.5, output: 10, cache_read: 1.25}
routes:
  - name: gpt-4o
    strategy: failover
    members:
      - {provider: oai, model: gpt-4o}
aliases:
  - {pattern: "^gpt-4o-.*$", target: gpt-4o}
users:
  - name: alice
    keys:
      - key: gp-alice-0001
    permissions: ["*"]
    limits: {rpm: 600, tpm: 1000000}
    quota: {usd: 25}
"#;

    #[test]
    fn the_design_example_validates() {
        let b = Bundle::parse(GOOD).unwrap();
        b.validate().unwrap();
        assert_eq!(b.users[0].limits.rpm, Some(600));
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let bad = GOOD
            .replace("model: gpt-4o}", "model: gpt-5}")
            .replace("target: gpt-4o", "target: nope")
            .replace("^gpt-4o-.*$", "(");
        let errs = Bundle::parse(&bad).unwrap().validate().unwrap_err();
        let paths: Vec<_> = errs.0.iter().map(|e| e.path.as_str()).collect();
        assert!(paths.contains(&"routes[0].members[0].model"), "{paths:?}");
        assert!(paths.contains(&"aliases[0].pattern"), "{paths:?}");
        assert!(paths.contains(&"aliases[0].target"), "{paths:?}");
    }

    #[test]
    fn unknown_fields_and_redacted_secrets_are_rejected() {
        assert!(Bundle::parse("providers: []\nbogus: 1\n").is_err());
        let redacted = Bundle::parse(GOOD).unwrap().redacted();
        let errs = redacted.validate().unwrap_err();
        assert!(errs
            .0
            .iter()
            .any(|e| e.path == "providers[0].credentials[0].api_key"));
        // key material is exported as its digest, which is valid on re-import
        assert!(redacted.users[0].keys[0].key.is_none());
        assert_eq!(
            redacted.users[0].keys[0].digest.as_ref().map(String::len),
            Some(64)
        );
    }

    #[test]
    fn json_bundles_parse_too() {
        let b = Bundle::parse(r#"{"providers":[{"name":"a","channel":"gemini"}]}"#).unwrap();
        b.validate().unwrap();
        assert!(
            Bundle::parse(r#"{"providers":[{"name":"admin","channel":"gemini"}]}"#)
                .unwrap()
                .validate()
                .is_err()
        );
    }
}
