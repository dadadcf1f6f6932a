//! `${NAME}` expansion for bundle files read at boot, so secrets come from the environment
//! (Kubernetes secrets, systemd credentials) rather than the file. Bundles sent to the admin API
//! are never expanded: that would let an admin read the control plane's environment.

use crate::validate::ValidationErrors;

/// Replace every `${NAME}` (NAME = `[A-Za-z_][A-Za-z0-9_]*`) with `lookup(NAME)`; `$${` is a
/// literal `${`. Every unset variable is reported.
pub fn expand(
    text: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, ValidationErrors> {
    let mut out = String::with_capacity(text.len());
    let mut missing = Vec::new();
    let mut rest = text;
    while let Some(pos) = rest.find("${") {
        let (head, tail) = rest.split_at(pos);
        if let Some(literal) = head.strip_suffix('$') {
            out.push_str(literal);
            out.push_str("${");
            rest = &tail[2..];
            continue;
        }
        out.push_str(head);
        let after = &tail[2..];
        let end = after.find('}');
        let name = end.map(|e| &after[..e]);
        match name {
            Some(n) if valid(n) => {
                match lookup(n) {
                    Some(v) => out.push_str(&v),
                    None => missing.push(n.to_owned()),
                }
                rest = &after[n.len() + 1..];
            }
            _ => {
                out.push_str("${");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(ValidationErrors(
            missing
                .into_iter()
                .map(|n| crate::ValidationError {
                    path: format!("${{{n}}}"),
                    message: "environment variable is not set".to_owned(),
                })
                .collect(),
        ))
    }
}

fn valid(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(n: &str) -> Option<String> {
        match n {
            "KEY" => Some("sk-1".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_and_reports() {
        assert_eq!(expand("a ${KEY} b ${EMPTY}c", env).unwrap(), "a sk-1 b c");
        assert_eq!(
            expand("literal $${KEY} and ${not valid} ${", env).unwrap(),
            "literal ${KEY} and ${not valid} ${"
        );
        let e = expand("${NOPE} ${KEY} ${ALSO}", env).unwrap_err();
        assert_eq!(e.0.len(), 2);
        assert_eq!(e.0[0].path, "${NOPE}");
    }
}
