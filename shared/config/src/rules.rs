//! Rule sets, the "process" layer: declarative conditions plus JSON-body and header edits, validated
//! and compiled once per snapshot, then applied to each upstream request after translation.
//!
//! Paths are RFC 6901 JSON Pointers with one extension: a `*` segment stands for every element of an
//! array or every value of an object. Application never fails: an action that meets a value of the
//! wrong type is skipped and counted in [`Applied::skipped`].

use std::cmp::Ordering;
use std::sync::Arc;

use gproxy_protocol::{Operation, OperationKind};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};

use crate::ValidationError;

/// Headers the channel owns (credentials, framing, hop-by-hop): rules can neither set nor remove them.
pub const OWNED_HEADERS: &[&str] = &[
    "authorization",
    "x-api-key",
    "x-goog-api-key",
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "proxy-authorization",
    "keep-alive",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
];

/// Deepest pointer accepted: bounds the recursion of application, far beyond any real request shape.
const MAX_POINTER_SEGMENTS: usize = 32;
const MAX_GLOB_LEN: usize = 256;

// ---------------------------------------------------------------------------------------------
// The document (what operators write).

/// A named, ordered list of rules that providers attach by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
}

/// Actions applied in order when every condition of `when` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Label for diagnostics and metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "When::is_always")]
    pub when: When,
    pub actions: Vec<Action>,
}

/// Conditions of a rule; each one given must hold, an empty list or `None` does not constrain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// Globs over the upstream model id (`*` any run, `?` one character), case-sensitive.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<String>,
    /// `Operation::as_str` names, e.g. `generate_content`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<String>,
    /// Upstream `OperationKind::as_str` names, e.g. `anthropic_messages`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<bool>,
    /// Pointers that must reach a non-null value (with `*`: at least one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub present: Vec<String>,
    /// Pointers that must reach no non-null value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub absent: Vec<String>,
}

impl When {
    pub fn is_always(&self) -> bool {
        *self == When::default()
    }
}

/// One edit. Body paths are JSON Pointers in the upstream's wire shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Replace or create the value, creating missing intermediate objects.
    Set {
        path: String,
        value: Value,
    },
    /// Like `set`, only where the value is missing or null.
    Default {
        path: String,
        value: Value,
    },
    Remove {
        path: String,
    },
    /// Move a value when present (no `*` in either path).
    Rename {
        from: String,
        to: String,
    },
    /// Bound a number; either bound may be omitted.
    Clamp {
        path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<Value>,
    },
    /// Push onto an array, creating `[value]` when missing or null.
    Append {
        path: String,
        value: Value,
    },
    /// Insert at index 0 of an array, creating `[value]` when missing or null.
    Prepend {
        path: String,
        value: Value,
    },
    /// RFC 7386 merge patch of an object (`null` members delete).
    Merge {
        path: String,
        value: Value,
    },
    SetHeader {
        name: String,
        value: String,
    },
    /// Glob over header names, case-insensitive; never matches an owned header.
    RemoveHeader {
        name: String,
    },
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

// ---------------------------------------------------------------------------------------------
// Compiled form.

/// A compiled `*`/`?` glob: `?` is one character, `*` any run. Matching is linear-ish, allocation-free.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    pattern: Box<str>,
    literal: bool,
    fold_case: bool,
}

impl Glob {
    fn new(pattern: &str, fold_case: bool) -> Glob {
        let pattern: Box<str> = if fold_case {
            pattern.to_ascii_lowercase().into()
        } else {
            pattern.into()
        };
        let literal = !pattern.contains(['*', '?']);
        Glob {
            pattern,
            literal,
            fold_case,
        }
    }

    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    pub fn matches(&self, text: &str) -> bool {
        if self.literal {
            return if self.fold_case {
                self.pattern.eq_ignore_ascii_case(text)
            } else {
                *self.pattern == *text
            };
        }
        glob_match(self.pattern.as_bytes(), text.as_bytes(), self.fold_case)
    }
}

/// Byte length of the UTF-8 character starting with `b` (1 for a stray continuation byte).
fn utf8_len(b: u8) -> usize {
    match b {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xFF => 4,
        _ => 1,
    }
}

/// Iterative glob matching with one backtrack point; `?` and `*` advance by whole characters.
fn glob_match(p: &[u8], t: &[u8], fold: bool) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while let Some(&tc) = t.get(ti) {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi + 1, ti));
                pi += 1;
                continue;
            }
            Some(b'?') => {
                pi += 1;
                ti += utf8_len(tc);
                continue;
            }
            Some(&pc) if pc == tc || (fold && pc == tc.to_ascii_lowercase()) => {
                pi += 1;
                ti += 1;
                continue;
            }
            _ => {}
        }
        let Some((sp, st)) = star else { return false };
        let next = st + t.get(st).map_or(1, |&b| utf8_len(b));
        star = Some((sp, next));
        pi = sp;
        ti = next;
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

/// A header edit collected by [`CompiledRules::apply`]; the data plane applies them in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderEdit {
    /// Insert or replace; `name` is lowercase.
    Set { name: String, value: String },
    /// Remove every header whose name matches (case-insensitive), owned headers excepted.
    Remove(Glob),
}

impl HeaderEdit {
    /// Whether this edit concerns `header_name` (case-insensitive). Owned headers never match a removal.
    pub fn matches(&self, header_name: &str) -> bool {
        match self {
            HeaderEdit::Set { name, .. } => name.eq_ignore_ascii_case(header_name),
            HeaderEdit::Remove(glob) => !is_owned(header_name) && glob.matches(header_name),
        }
    }
}

fn is_owned(name: &str) -> bool {
    OWNED_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    /// An object key; `index` is set when the key is also a valid array index.
    Key {
        key: Box<str>,
        index: Option<usize>,
    },
    Wild,
}

#[derive(Debug, Clone, PartialEq)]
struct Pointer {
    segs: Box<[Seg]>,
    /// First parent depth at which missing objects may be created: after the last `*`, and never
    /// when the last segment is `*` itself.
    create_from: usize,
}

impl Pointer {
    fn has_wild(&self) -> bool {
        self.segs.contains(&Seg::Wild)
    }
}

fn parse_pointer(s: &str) -> Result<Pointer, String> {
    if s.is_empty() {
        return Ok(Pointer {
            segs: Box::new([]),
            create_from: 0,
        });
    }
    let Some(rest) = s.strip_prefix('/') else {
        return Err(format!(
            "`{s}` is not a JSON pointer: start with '/' (or use \"\" for the whole body)"
        ));
    };
    let mut segs = Vec::new();
    for raw in rest.split('/') {
        if raw == "*" {
            segs.push(Seg::Wild);
            continue;
        }
        let key = unescape(raw).ok_or_else(|| {
            format!("`{s}`: '~' must be followed by 0 ('~') or 1 ('/') in a JSON pointer")
        })?;
        let index = array_index(&key);
        segs.push(Seg::Key {
            key: key.into(),
            index,
        });
    }
    if segs.len() > MAX_POINTER_SEGMENTS {
        return Err(format!(
            "`{s}` has more than {MAX_POINTER_SEGMENTS} segments"
        ));
    }
    let create_from = match segs.split_last() {
        Some((Seg::Wild, _)) => usize::MAX,
        Some((_, parents)) => parents
            .iter()
            .rposition(|s| *s == Seg::Wild)
            .map_or(0, |i| i + 1),
        None => 0,
    };
    Ok(Pointer {
        segs: segs.into(),
        create_from,
    })
}

fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// RFC 6901 array index: `0` or digits without a leading zero.
fn array_index(s: &str) -> Option<usize> {
    let digits = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits || (s.len() > 1 && s.starts_with('0')) {
        return None;
    }
    s.parse().ok()
}

#[derive(Debug, Clone, PartialEq)]
enum BodyOp {
    Set(Pointer, Value),
    Default(Pointer, Value),
    Remove(Pointer),
    Rename(Pointer, Pointer),
    Clamp(Pointer, Option<Number>, Option<Number>),
    Append(Pointer, Value),
    Prepend(Pointer, Value),
    /// The patch, and what it yields on a missing target (the patch without its null members).
    Merge(Pointer, Map<String, Value>, Value),
}

#[derive(Debug, Clone, PartialEq)]
struct CompiledRule {
    /// `set` or `set/rule` for diagnostics.
    label: Box<str>,
    models: Box<[Glob]>,
    operations: Box<[Operation]>,
    kinds: Box<[OperationKind]>,
    stream: Option<bool>,
    present: Box<[Pointer]>,
    absent: Box<[Pointer]>,
    body: Box<[BodyOp]>,
    headers: Box<[HeaderEdit]>,
}

impl CompiledRule {
    /// The conditions that do not need the body.
    fn matches_context(&self, ctx: &RuleContext<'_>) -> bool {
        self.stream.is_none_or(|s| s == ctx.stream)
            && (self.operations.is_empty() || self.operations.contains(&ctx.operation))
            && (self.kinds.is_empty() || self.kinds.contains(&ctx.kind))
            && (self.models.is_empty() || self.models.iter().any(|g| g.matches(ctx.model)))
    }

    fn has_body_conditions(&self) -> bool {
        !self.present.is_empty() || !self.absent.is_empty()
    }

    fn matches_body(&self, body: &Value) -> bool {
        self.present.iter().all(|p| exists(body, &p.segs))
            && !self.absent.iter().any(|p| exists(body, &p.segs))
    }
}

/// What a request is, as far as rule conditions are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleContext<'a> {
    /// The upstream model id (after alias and route resolution).
    pub model: &'a str,
    pub operation: Operation,
    /// The upstream wire shape.
    pub kind: OperationKind,
    pub stream: bool,
}

/// The outcome of applying compiled rules to one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Applied<'a> {
    pub rules_matched: u32,
    /// Whether an edit was made (the caller must re-serialize the body). `false` guarantees the
    /// body is as it was; `true` may, rarely, follow edits that undid each other.
    pub body_changed: bool,
    /// Body actions skipped because a value on their path had the wrong type.
    pub skipped: u32,
    /// Header edits of the matched rules, in rule and action order.
    pub headers: Vec<&'a HeaderEdit>,
    /// Labels of the matched rules, in order: `set/rule`, or `set#index` for an unnamed rule.
    pub matched: Vec<&'a str>,
}

/// The rule sets of one provider, compiled in order; cloning shares them.
#[derive(Debug, Clone, Default)]
pub struct CompiledRules {
    rules: Arc<[CompiledRule]>,
}

impl CompiledRules {
    /// Compile the given sets in order, skipping disabled ones. Error paths name the set:
    /// `rule_sets.<name>.rules[0].actions[1].path`.
    pub fn compile(sets: &[&RuleSet]) -> Result<CompiledRules, Vec<ValidationError>> {
        let mut errs = Vec::new();
        let mut rules = Vec::new();
        for set in sets.iter().filter(|s| s.enabled) {
            rules.extend(compile_set(
                set,
                &format!("rule_sets.{}", set.name),
                &mut errs,
            ));
        }
        if errs.is_empty() {
            Ok(CompiledRules {
                rules: rules.into(),
            })
        } else {
            Err(errs)
        }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Number of compiled rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether a rule that matches `ctx` has body actions or body conditions (`present` /
    /// `absent`): when false, the body need not be parsed and [`Self::header_edits`] gives the
    /// same result as [`Self::apply`].
    pub fn needs_body(&self, ctx: &RuleContext<'_>) -> bool {
        self.rules
            .iter()
            .any(|r| (!r.body.is_empty() || r.has_body_conditions()) && r.matches_context(ctx))
    }

    /// Apply every matching rule in order: body edits in place, header edits collected. Conditions
    /// on the body see it as earlier rules left it.
    pub fn apply(&self, ctx: &RuleContext<'_>, body: &mut Value) -> Applied<'_> {
        let mut applied = Applied::default();
        for rule in self.rules.iter() {
            if !rule.matches_context(ctx) || !rule.matches_body(body) {
                continue;
            }
            applied.rules_matched += 1;
            applied.matched.push(&rule.label);
            for op in rule.body.iter() {
                let out = op.apply(body);
                applied.body_changed |= out.changed;
                applied.skipped += u32::from(out.skipped);
            }
            applied.headers.extend(rule.headers.iter());
        }
        applied
    }

    /// Header edits without a body: rules with `present` / `absent` conditions do not match, and
    /// body actions are not applied (call only when [`Self::needs_body`] is false).
    pub fn header_edits(&self, ctx: &RuleContext<'_>) -> Applied<'_> {
        let mut applied = Applied::default();
        for rule in self.rules.iter() {
            if rule.has_body_conditions() || !rule.matches_context(ctx) {
                continue;
            }
            applied.rules_matched += 1;
            applied.matched.push(&rule.label);
            applied.headers.extend(rule.headers.iter());
        }
        applied
    }
}

// ---------------------------------------------------------------------------------------------
// Validation and compilation (one pass does both).

/// Validate rule sets as they appear in a bundle; `at` is the path prefix, e.g. `rule_sets`.
pub fn validate(sets: &[RuleSet], at: &str) -> Vec<ValidationError> {
    let mut errs = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, set) in sets.iter().enumerate() {
        let at = format!("{at}[{i}]");
        if !seen.insert(set.name.as_str()) {
            push(
                &mut errs,
                format!("{at}.name"),
                format!("duplicate rule set `{}`", set.name),
            );
        }
        compile_set(set, &at, &mut errs);
    }
    errs
}

fn push(errs: &mut Vec<ValidationError>, path: String, message: impl Into<String>) {
    errs.push(ValidationError {
        path,
        message: message.into(),
    });
}

fn valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

const NAME_RULE: &str = "use 1-64 characters of a-z, A-Z, 0-9, '-', '_', '.'";

fn compile_set(set: &RuleSet, at: &str, errs: &mut Vec<ValidationError>) -> Vec<CompiledRule> {
    if !valid_name(&set.name) {
        push(errs, format!("{at}.name"), NAME_RULE);
    }
    let mut out = Vec::with_capacity(set.rules.len());
    for (r, rule) in set.rules.iter().enumerate() {
        let at = format!("{at}.rules[{r}]");
        let label = match &rule.name {
            Some(n) => format!("{}/{n}", set.name),
            None => format!("{}#{r}", set.name),
        };
        if let Some(c) = compile_rule(rule, label, &at, errs) {
            out.push(c);
        }
    }
    out
}

fn compile_rule(
    rule: &Rule,
    label: String,
    at: &str,
    errs: &mut Vec<ValidationError>,
) -> Option<CompiledRule> {
    let before = errs.len();
    if rule.name.as_deref().is_some_and(|n| !valid_name(n)) {
        push(errs, format!("{at}.name"), NAME_RULE);
    }
    let w = &rule.when;
    let wat = format!("{at}.when");
    let models = collect(&w.models, &format!("{wat}.models"), errs, |m| {
        valid_glob(m).map(|()| Glob::new(m, false))
    });
    let operations = collect(&w.operations, &format!("{wat}.operations"), errs, |o| {
        Operation::ALL
            .into_iter()
            .find(|op| op.as_str() == o)
            .ok_or_else(|| {
                let names: Vec<_> = Operation::ALL.iter().map(|op| op.as_str()).collect();
                format!("unknown operation `{o}`; one of: {}", names.join(", "))
            })
    });
    let kinds = collect(&w.kinds, &format!("{wat}.kinds"), errs, |k| {
        OperationKind::parse(k).ok_or_else(|| {
            format!(
                "unknown kind `{k}`; one of: openai_chat, openai_responses, openai, \
                 anthropic_messages, gemini"
            )
        })
    });
    let present = collect(&w.present, &format!("{wat}.present"), errs, |p| {
        parse_pointer(p)
    });
    let absent = collect(&w.absent, &format!("{wat}.absent"), errs, |p| {
        parse_pointer(p)
    });
    if rule.actions.is_empty() {
        push(
            errs,
            format!("{at}.actions"),
            "a rule needs at least one action",
        );
    }
    let mut body = Vec::new();
    let mut headers = Vec::new();
    for (a, action) in rule.actions.iter().enumerate() {
        let aat = format!("{at}.actions[{a}]");
        match compile_action(action, &aat, errs) {
            Some(Compiled::Body(op)) => body.push(op),
            Some(Compiled::Header(h)) => headers.push(h),
            None => {}
        }
    }
    (errs.len() == before).then(|| CompiledRule {
        label: label.into(),
        models: models.into(),
        operations: operations.into(),
        kinds: kinds.into(),
        stream: w.stream,
        present: present.into(),
        absent: absent.into(),
        body: body.into(),
        headers: headers.into(),
    })
}

fn collect<T>(
    items: &[String],
    at: &str,
    errs: &mut Vec<ValidationError>,
    f: impl Fn(&str) -> Result<T, String>,
) -> Vec<T> {
    let mut out = Vec::with_capacity(items.len());
    for (i, s) in items.iter().enumerate() {
        match f(s) {
            Ok(v) => out.push(v),
            Err(m) => push(errs, format!("{at}[{i}]"), m),
        }
    }
    out
}

enum Compiled {
    Body(BodyOp),
    Header(HeaderEdit),
}

fn compile_action(action: &Action, at: &str, errs: &mut Vec<ValidationError>) -> Option<Compiled> {
    let before = errs.len();
    let ptr = |field: &str, p: &str, errs: &mut Vec<ValidationError>| match parse_pointer(p) {
        Ok(ptr) => Some(ptr),
        Err(m) => {
            push(errs, format!("{at}.{field}"), m);
            None
        }
    };
    let op = match action {
        Action::Set { path, value } => {
            Compiled::Body(BodyOp::Set(ptr("path", path, errs)?, value.clone()))
        }
        Action::Default { path, value } => {
            Compiled::Body(BodyOp::Default(ptr("path", path, errs)?, value.clone()))
        }
        Action::Remove { path } => {
            let p = ptr("path", path, errs)?;
            if p.segs.is_empty() {
                push(errs, format!("{at}.path"), "cannot remove the whole body");
                return None;
            }
            Compiled::Body(BodyOp::Remove(p))
        }
        Action::Rename { from, to } => {
            let from_p = ptr("from", from, errs);
            let to_p = ptr("to", to, errs);
            for (field, p) in [("from", &from_p), ("to", &to_p)] {
                match p {
                    Some(p) if p.has_wild() => push(
                        errs,
                        format!("{at}.{field}"),
                        "`*` is not allowed in a rename path",
                    ),
                    Some(p) if p.segs.is_empty() => push(
                        errs,
                        format!("{at}.{field}"),
                        "a rename path cannot be the whole body",
                    ),
                    _ => {}
                }
            }
            let (from_p, to_p) = (from_p?, to_p?);
            if from_p == to_p {
                push(
                    errs,
                    format!("{at}.to"),
                    "renaming a value to itself does nothing",
                );
            }
            Compiled::Body(BodyOp::Rename(from_p, to_p))
        }
        Action::Clamp { path, min, max } => {
            let p = ptr("path", path, errs);
            let mut bound = |field: &str, v: &Option<Value>| match v {
                None => None,
                Some(Value::Number(n)) => Some(n.clone()),
                Some(_) => {
                    push(
                        errs,
                        format!("{at}.{field}"),
                        "a clamp bound must be a number",
                    );
                    None
                }
            };
            let (lo, hi) = (bound("min", min), bound("max", max));
            if min.is_none() && max.is_none() {
                push(errs, at.to_string(), "clamp needs `min`, `max` or both");
            }
            if let (Some(l), Some(h)) = (&lo, &hi) {
                if num_cmp(l, h) == Some(Ordering::Greater) {
                    push(
                        errs,
                        format!("{at}.min"),
                        format!("min {l} is greater than max {h}"),
                    );
                }
            }
            Compiled::Body(BodyOp::Clamp(p?, lo, hi))
        }
        Action::Append { path, value } => {
            Compiled::Body(BodyOp::Append(ptr("path", path, errs)?, value.clone()))
        }
        Action::Prepend { path, value } => {
            Compiled::Body(BodyOp::Prepend(ptr("path", path, errs)?, value.clone()))
        }
        Action::Merge { path, value } => {
            let p = ptr("path", path, errs);
            let Value::Object(patch) = value else {
                push(
                    errs,
                    format!("{at}.value"),
                    "a merge value must be an object (use `set` to replace)",
                );
                return None;
            };
            let fresh = strip_nulls(value);
            Compiled::Body(BodyOp::Merge(p?, patch.clone(), fresh))
        }
        Action::SetHeader { name, value } => {
            if !is_token(name) {
                push(
                    errs,
                    format!("{at}.name"),
                    format!("`{name}` is not a valid header name"),
                );
            } else if is_owned(name) {
                push(errs, format!("{at}.name"), owned_message(name));
            }
            if !value
                .bytes()
                .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
            {
                push(
                    errs,
                    format!("{at}.value"),
                    "a header value must be visible ASCII, spaces or tabs",
                );
            }
            Compiled::Header(HeaderEdit::Set {
                name: name.to_ascii_lowercase(),
                value: value.clone(),
            })
        }
        Action::RemoveHeader { name } => {
            let glob_ok = !name.is_empty()
                && name.len() <= MAX_GLOB_LEN
                && name.bytes().all(|b| b == b'?' || is_tchar(b));
            if !glob_ok {
                push(
                    errs,
                    format!("{at}.name"),
                    format!("`{name}` is not a valid header name glob"),
                );
            } else if is_owned(name) {
                push(errs, format!("{at}.name"), owned_message(name));
            }
            Compiled::Header(HeaderEdit::Remove(Glob::new(name, true)))
        }
    };
    (errs.len() == before).then_some(op)
}

fn owned_message(name: &str) -> String {
    format!(
        "`{}` is owned by the channel (credentials and framing): rules cannot change it",
        name.to_ascii_lowercase()
    )
}

fn valid_glob(g: &str) -> Result<(), String> {
    if g.is_empty() {
        return Err("a glob cannot be empty".into());
    }
    if g.len() > MAX_GLOB_LEN {
        return Err(format!("a glob is at most {MAX_GLOB_LEN} bytes"));
    }
    if g.chars().any(char::is_control) {
        return Err(format!(
            "glob `{}` contains control characters",
            g.escape_debug()
        ));
    }
    Ok(())
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_tchar)
}

// ---------------------------------------------------------------------------------------------
// Application.

#[derive(Debug, Clone, Copy, Default)]
struct Outcome {
    changed: bool,
    skipped: bool,
}

/// What an action did to one existing value.
enum Edit {
    Keep,
    Changed,
    Skip,
}

impl Outcome {
    fn record(&mut self, e: Edit) {
        match e {
            Edit::Keep => {}
            Edit::Changed => self.changed = true,
            Edit::Skip => self.skipped = true,
        }
    }
}

impl BodyOp {
    fn pointer(&self) -> &Pointer {
        match self {
            BodyOp::Set(p, _)
            | BodyOp::Default(p, _)
            | BodyOp::Remove(p)
            | BodyOp::Rename(p, _)
            | BodyOp::Clamp(p, _, _)
            | BodyOp::Append(p, _)
            | BodyOp::Prepend(p, _)
            | BodyOp::Merge(p, _, _) => p,
        }
    }

    /// Whether the action writes (creates missing intermediates; type mismatches count as skips).
    fn writes(&self) -> bool {
        !matches!(self, BodyOp::Remove(_) | BodyOp::Clamp(..))
    }

    fn apply(&self, body: &mut Value) -> Outcome {
        let mut out = Outcome::default();
        match self {
            BodyOp::Rename(from, to) => rename(body, from, to, &mut out),
            BodyOp::Remove(p) => walk(body, p, 0, false, &mut out, &mut |c, last, out| {
                remove_at(c, last, out)
            }),
            _ => {
                let ptr = self.pointer();
                if ptr.segs.is_empty() {
                    out.record(self.edit(body));
                } else {
                    walk(
                        body,
                        ptr,
                        0,
                        self.writes(),
                        &mut out,
                        &mut |c, last, out| self.edit_at(c, last, out),
                    );
                }
            }
        }
        out
    }

    /// Edit an existing value in place.
    fn edit(&self, x: &mut Value) -> Edit {
        match self {
            BodyOp::Set(_, v) => {
                if x == v {
                    return Edit::Keep;
                }
                *x = v.clone();
                Edit::Changed
            }
            BodyOp::Default(_, v) => {
                if !x.is_null() || v.is_null() {
                    return Edit::Keep;
                }
                *x = v.clone();
                Edit::Changed
            }
            BodyOp::Clamp(_, lo, hi) => match x {
                Value::Number(n) => {
                    let bound = match (lo, hi) {
                        (Some(l), _) if num_cmp(n, l) == Some(Ordering::Less) => l,
                        (_, Some(h)) if num_cmp(n, h) == Some(Ordering::Greater) => h,
                        _ => return Edit::Keep,
                    };
                    *n = bound.clone();
                    Edit::Changed
                }
                Value::Null => Edit::Keep,
                _ => Edit::Skip,
            },
            BodyOp::Append(_, v) | BodyOp::Prepend(_, v) => match x {
                Value::Array(a) => {
                    if matches!(self, BodyOp::Append(..)) {
                        a.push(v.clone());
                    } else {
                        a.insert(0, v.clone());
                    }
                    Edit::Changed
                }
                Value::Null => {
                    *x = Value::Array(vec![v.clone()]);
                    Edit::Changed
                }
                _ => Edit::Skip,
            },
            BodyOp::Merge(_, patch, fresh) => match x {
                Value::Object(m) => {
                    if merge_patch(m, patch) {
                        Edit::Changed
                    } else {
                        Edit::Keep
                    }
                }
                Value::Null => {
                    *x = fresh.clone();
                    Edit::Changed
                }
                _ => Edit::Skip,
            },
            BodyOp::Remove(_) | BodyOp::Rename(..) => Edit::Keep,
        }
    }

    /// The value a missing target gets, if the action creates one.
    fn vacant(&self) -> Option<Value> {
        match self {
            BodyOp::Set(_, v) | BodyOp::Default(_, v) => Some(v.clone()),
            BodyOp::Append(_, v) | BodyOp::Prepend(_, v) => Some(Value::Array(vec![v.clone()])),
            BodyOp::Merge(_, _, fresh) => Some(fresh.clone()),
            BodyOp::Clamp(..) | BodyOp::Remove(_) | BodyOp::Rename(..) => None,
        }
    }

    /// Apply to the child `last` of `container` (every child for `*`).
    fn edit_at(&self, container: &mut Value, last: &Seg, out: &mut Outcome) {
        match (container, last) {
            (Value::Array(a), Seg::Wild) => a.iter_mut().for_each(|x| out.record(self.edit(x))),
            (Value::Object(m), Seg::Wild) => {
                m.values_mut().for_each(|x| out.record(self.edit(x)));
            }
            (_, Seg::Wild) => {}
            (Value::Object(m), Seg::Key { key, .. }) => match m.get_mut(&**key) {
                Some(x) => out.record(self.edit(x)),
                None => {
                    if let Some(v) = self.vacant() {
                        m.insert(key.to_string(), v);
                        out.changed = true;
                    }
                }
            },
            (Value::Array(a), Seg::Key { index, .. }) => {
                match index.and_then(|i| a.get_mut(i)) {
                    Some(x) => out.record(self.edit(x)),
                    // arrays are not grown through an index: append / prepend do that
                    None => out.skipped |= self.writes(),
                }
            }
            (_, Seg::Key { .. }) => out.skipped |= self.writes(),
        }
    }
}

/// Visit every parent the pointer reaches and call `f(parent, last_segment)`. In `create` mode
/// missing (or null) objects after the last `*` are created, and a value of the wrong type on the
/// way counts as a skip; a `*` over a scalar or a missing key before a `*` reaches nothing.
fn walk<F>(v: &mut Value, ptr: &Pointer, depth: usize, create: bool, out: &mut Outcome, f: &mut F)
where
    F: FnMut(&mut Value, &Seg, &mut Outcome),
{
    let Some((last, parents)) = ptr.segs.split_last() else {
        return;
    };
    let Some(seg) = parents.get(depth) else {
        f(v, last, out);
        return;
    };
    match (v, seg) {
        (Value::Array(a), Seg::Wild) => {
            for x in a.iter_mut() {
                walk(x, ptr, depth + 1, create, out, f);
            }
        }
        (Value::Object(m), Seg::Wild) => {
            for x in m.values_mut() {
                walk(x, ptr, depth + 1, create, out, f);
            }
        }
        (_, Seg::Wild) => {}
        (Value::Object(m), Seg::Key { key, .. }) => {
            if create && depth >= ptr.create_from && m.get(&**key).is_none_or(Value::is_null) {
                m.insert(key.to_string(), Value::Object(Map::new()));
                out.changed = true;
            }
            if let Some(c) = m.get_mut(&**key) {
                walk(c, ptr, depth + 1, create, out, f);
            }
        }
        (Value::Array(a), Seg::Key { index, .. }) => match index.and_then(|i| a.get_mut(i)) {
            Some(c) => walk(c, ptr, depth + 1, create, out, f),
            None => out.skipped |= create && depth >= ptr.create_from,
        },
        (_, Seg::Key { .. }) => out.skipped |= create && depth >= ptr.create_from,
    }
}

fn remove_at(container: &mut Value, last: &Seg, out: &mut Outcome) {
    match (container, last) {
        (Value::Array(a), Seg::Wild) if !a.is_empty() => {
            a.clear();
            out.changed = true;
        }
        (Value::Object(m), Seg::Wild) if !m.is_empty() => {
            m.clear();
            out.changed = true;
        }
        (Value::Object(m), Seg::Key { key, .. }) => {
            out.changed |= m.shift_remove(&**key).is_some();
        }
        (Value::Array(a), Seg::Key { index: Some(i), .. }) if *i < a.len() => {
            a.remove(*i);
            out.changed = true;
        }
        _ => {}
    }
}

/// Whether the pointer reaches a non-null value (any, through `*`).
fn exists(v: &Value, segs: &[Seg]) -> bool {
    let Some((first, rest)) = segs.split_first() else {
        return !v.is_null();
    };
    match (v, first) {
        (Value::Array(a), Seg::Wild) => a.iter().any(|x| exists(x, rest)),
        (Value::Object(m), Seg::Wild) => m.values().any(|x| exists(x, rest)),
        (Value::Object(m), Seg::Key { key, .. }) => m.get(&**key).is_some_and(|x| exists(x, rest)),
        (Value::Array(a), Seg::Key { index, .. }) => index
            .and_then(|i| a.get(i))
            .is_some_and(|x| exists(x, rest)),
        _ => false,
    }
}

/// Follow a wildcard-free pointer without creating anything.
fn get_mut<'v>(mut v: &'v mut Value, segs: &[Seg]) -> Option<&'v mut Value> {
    for seg in segs {
        v = match (v, seg) {
            (Value::Object(m), Seg::Key { key, .. }) => m.get_mut(&**key)?,
            (Value::Array(a), Seg::Key { index, .. }) => a.get_mut((*index)?)?,
            _ => return None,
        };
    }
    Some(v)
}

/// Where a taken value was, to put it back.
enum Slot {
    Key(usize),
    Index(usize),
}

fn rename(body: &mut Value, from: &Pointer, to: &Pointer, out: &mut Outcome) {
    let Some((Seg::Key { key, index }, parents)) = from.segs.split_last() else {
        return;
    };
    let Some(container) = get_mut(body, parents) else {
        return;
    };
    let taken = match container {
        Value::Object(m) => m
            .keys()
            .position(|k| **k == **key)
            .and_then(|pos| Some((m.shift_remove(&**key)?, Slot::Key(pos)))),
        Value::Array(a) => match index {
            Some(i) if *i < a.len() => Some((a.remove(*i), Slot::Index(*i))),
            _ => None,
        },
        _ => None,
    };
    let Some((value, slot)) = taken else {
        return;
    };
    let value = match put(body, &to.segs, value) {
        Ok(()) => {
            out.changed = true;
            return;
        }
        Err(value) => value,
    };
    // the destination is blocked by a value of the wrong type: restore the source. `put` fails
    // before creating anything, so the source's parent is still where it was.
    out.skipped = true;
    match (get_mut(body, parents), slot) {
        (Some(Value::Object(m)), Slot::Key(pos)) if pos <= m.len() => {
            m.shift_insert(pos, key.to_string(), value);
        }
        (Some(Value::Array(a)), Slot::Index(i)) if i <= a.len() => a.insert(i, value),
        _ => {}
    }
}

/// Store `value` at a wildcard-free pointer, creating missing (or null) objects on the way; gives
/// the value back, untouched body, when a value of the wrong type is in the way.
fn put(root: &mut Value, segs: &[Seg], value: Value) -> Result<(), Value> {
    let Some((last, parents)) = segs.split_last() else {
        *root = value;
        return Ok(());
    };
    // find the failure before creating anything, so a failed put leaves the body as it was
    let mut probe: &Value = root;
    for seg in parents {
        probe = match (probe, seg) {
            (Value::Object(m), Seg::Key { key, .. }) => match m.get(&**key) {
                Some(c) if !c.is_null() => c,
                _ => break,
            },
            (Value::Array(a), Seg::Key { index, .. }) => match index.and_then(|i| a.get(i)) {
                Some(c) => c,
                None => return Err(value),
            },
            _ => return Err(value),
        };
    }
    let mut cur = root;
    for seg in parents {
        cur = match (cur, seg) {
            (Value::Object(m), Seg::Key { key, .. }) => {
                if m.get(&**key).is_none_or(Value::is_null) {
                    m.insert(key.to_string(), Value::Object(Map::new()));
                }
                match m.get_mut(&**key) {
                    Some(c) => c,
                    None => return Err(value),
                }
            }
            (Value::Array(a), Seg::Key { index, .. }) => match index.and_then(|i| a.get_mut(i)) {
                Some(c) => c,
                None => return Err(value),
            },
            _ => return Err(value),
        };
    }
    match (cur, last) {
        (Value::Object(m), Seg::Key { key, .. }) => {
            m.insert(key.to_string(), value);
            Ok(())
        }
        (Value::Array(a), Seg::Key { index, .. }) => match index.and_then(|i| a.get_mut(i)) {
            Some(slot) => {
                *slot = value;
                Ok(())
            }
            None => Err(value),
        },
        _ => Err(value),
    }
}

/// RFC 7386 on an object target; returns whether anything changed.
fn merge_patch(target: &mut Map<String, Value>, patch: &Map<String, Value>) -> bool {
    let mut changed = false;
    for (k, pv) in patch {
        match pv {
            Value::Null => changed |= target.shift_remove(k).is_some(),
            Value::Object(pm) => match target.get_mut(k) {
                Some(Value::Object(tm)) => changed |= merge_patch(tm, pm),
                Some(other) => {
                    *other = strip_nulls(pv);
                    changed = true;
                }
                None => {
                    target.insert(k.clone(), strip_nulls(pv));
                    changed = true;
                }
            },
            _ => match target.get_mut(k) {
                Some(t) if t == pv => {}
                Some(t) => {
                    *t = pv.clone();
                    changed = true;
                }
                None => {
                    target.insert(k.clone(), pv.clone());
                    changed = true;
                }
            },
        }
    }
    changed
}

/// What a merge patch yields on an empty target: the patch without null members, recursively.
fn strip_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, x)| !x.is_null())
                .map(|(k, x)| (k.clone(), strip_nulls(x)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Exact comparison for integers, `f64` otherwise.
fn num_cmp(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return Some(x.cmp(&y));
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return Some(x.cmp(&y));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_matching_table() {
        let cases: &[(&str, &str, bool, bool)] = &[
            ("", "", false, true),
            ("", "a", false, false),
            ("*", "", false, true),
            ("?", "", false, false),
            ("a*", "a", false, true),
            ("a**b", "ab", false, true),
            ("*-mini", "gpt-4o-mini", false, true),
            ("*-mini", "gpt-4o-mini-x", false, false),
            ("gpt-?o", "gpt-4o", false, true),
            ("??", "é", false, false),
            ("?", "é", false, true),
            ("*é*", "xéy", false, true),
            ("x-stainless-*", "X-Stainless-Arch", true, true),
            ("x-stainless-*", "X-Stainless-Arch", false, false),
            (
                "a*a*a*a*b",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                false,
                false,
            ),
        ];
        for &(p, t, fold, want) in cases {
            let pattern = if fold {
                p.to_ascii_lowercase()
            } else {
                p.into()
            };
            assert_eq!(
                glob_match(pattern.as_bytes(), t.as_bytes(), fold),
                want,
                "{p} ~ {t}"
            );
        }
        assert!(Glob::new("X-A", true).matches("x-a"));
        assert!(!Glob::new("X-A", false).matches("x-a"));
    }

    #[test]
    fn pointers_parse_with_escapes_indices_and_creation_depth() {
        let p = parse_pointer("/a~1b/0/01/*/m~0n").unwrap();
        let keys: Vec<_> = p
            .segs
            .iter()
            .map(|s| match s {
                Seg::Key { key, index } => format!("{key}:{index:?}"),
                Seg::Wild => "*".into(),
            })
            .collect();
        assert_eq!(keys, ["a/b:None", "0:Some(0)", "01:None", "*", "m~n:None"]);
        assert_eq!(p.create_from, 4);
        assert_eq!(parse_pointer("/a/b").unwrap().create_from, 0);
        assert_eq!(parse_pointer("/a/*").unwrap().create_from, usize::MAX);
        assert!(parse_pointer("").unwrap().segs.is_empty());
        assert_eq!(parse_pointer("/").unwrap().segs.len(), 1, "the empty key");
        for bad in ["a", "/a~", "/~2", "#/a"] {
            assert!(parse_pointer(bad).is_err(), "{bad}");
        }
    }
}
