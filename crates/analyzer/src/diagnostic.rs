//! Findings as plain data: what the rules produce and the outputs render.

use crate::source::Span;
use serde::Serialize;
use std::fmt;

/// How bad a finding is. Ordered: `Note < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key the finding reasoned about.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// Source text of the key expression.
    pub text: String,
    /// The key pattern (`user:{id}:profile`), or `None` when the analyzer could not resolve it.
    pub pattern: Option<String>,
    /// The hash tag of the pattern, if any.
    pub hash_tag: Option<String>,
    /// The slot, when the hashed part is literal.
    pub slot: Option<u16>,
    /// The expression stands for a collection of keys (one pattern per element).
    pub many: bool,
    #[serde(skip)]
    pub span: Span,
}

/// A secondary position with a message, shown as a label in the code frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable rule name, e.g. `cross-slot-command`.
    pub rule: &'static str,
    /// Stable rule code, e.g. `SL101`.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// File as shown to users.
    pub file: String,
    /// The whole call expression that a cluster refuses or changes (JSON positions).
    pub span: Span,
    /// The part of it to underline in a code frame (the method and its arguments).
    pub focus: Span,
    /// Label on the primary span.
    pub primary_label: String,
    pub labels: Vec<Label>,
    pub keys: Vec<KeyInfo>,
    pub help: Option<String>,
    /// Extra lines after the help (why, in Redis terms).
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// Order used everywhere: file, position, rule.
    pub fn sort_key(&self) -> (&str, usize, usize, &str) {
        (&self.file, self.span.line, self.span.column, self.rule)
    }

    /// What a [`FixableFinding`] and its diagnostic share: rule, file and span (not the message,
    /// which `check --trace` rewrites).
    pub(crate) fn place(&self) -> (&str, &str, Span) {
        (self.rule, &self.file, self.span)
    }
}

/// What `fix` needs of a finding a hash tag can fix (a rule with [`Rule::fixable`]): where it is
/// and its keys, with their patterns. Made by the rule next to the [`Diagnostic`] it describes,
/// which has the same rule, file and span ([`crate::Report::fixable_findings`] pairs them).
///
/// [`Rule::fixable`]: crate::rules::Rule::fixable
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixableFinding {
    pub rule: &'static str,
    /// File as shown to users (as in [`Diagnostic::file`]).
    pub file: String,
    pub span: Span,
    pub message: String,
    /// The keys the finding reasons about, in its order.
    pub keys: Vec<FindingKey>,
}

/// A key of a [`FixableFinding`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FindingKey {
    /// Source text of the key expression.
    pub text: String,
    /// The pattern with its hole identities; `None` when the analyzer could not resolve it.
    pub pattern: Option<slotlint_keys::KeyPattern>,
}

impl FixableFinding {
    /// Order used everywhere: file, position, rule (as [`Diagnostic::sort_key`]).
    pub fn sort_key(&self) -> (&str, usize, usize, &str) {
        (&self.file, self.span.line, self.span.column, self.rule)
    }

    /// Rule, file and span: the [`Diagnostic::place`] of the diagnostic it describes.
    pub(crate) fn place(&self) -> (&str, &str, Span) {
        (self.rule, &self.file, self.span)
    }

    /// Whether both describe the same finding (a finding made twice).
    pub fn describes_same(&self, other: &FixableFinding) -> bool {
        (self.place(), &self.message) == (other.place(), &other.message)
    }
}
