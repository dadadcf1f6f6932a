//! Diagnostics: what a translation could not carry to the target side, reported, never silent.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Mapped to the nearest equivalent; meaning mostly kept (e.g. effort → token budget).
    Approximated,
    /// Not representable on the target side and left out on purpose.
    Dropped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Wire path of the field on the source side, e.g. `messages[3].content[0].cache_control`.
    pub field: String,
    pub detail: &'static str,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Approximated => "approximated",
            Severity::Dropped => "dropped",
        };
        write!(f, "{sev} {}: {}", self.field, self.detail)
    }
}

/// Collects diagnostics for one request. Cheap when empty.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn dropped(&mut self, field: impl Into<String>, detail: &'static str) {
        self.items.push(Diagnostic {
            severity: Severity::Dropped,
            field: field.into(),
            detail,
        });
    }

    pub fn approximated(&mut self, field: impl Into<String>, detail: &'static str) {
        self.items.push(Diagnostic {
            severity: Severity::Approximated,
            field: field.into(),
            detail,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    pub fn into_items(self) -> Vec<Diagnostic> {
        self.items
    }

    /// True when some diagnostic names this field (tests use it).
    pub fn mentions(&self, field: &str) -> bool {
        self.items.iter().any(|d| d.field.contains(field))
    }
}
