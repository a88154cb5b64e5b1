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

    /// Sorts `findings` as [`FixableFinding::sort_key`] says and keeps one of each: findings
    /// made twice (a site walked in two caller contexts) are one, and findings of one place
    /// with other keys (a helper's call with each caller's keys) stay apart.
    pub fn sort_and_dedup(findings: &mut Vec<FixableFinding>) {
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let mut kept: Vec<FixableFinding> = Vec::with_capacity(findings.len());
        for f in findings.drain(..) {
            let seen = kept
                .iter()
                .rev()
                .take_while(|k| k.sort_key() == f.sort_key())
                .any(|k| *k == f);
            if !seen {
                kept.push(f);
            }
        }
        *findings = kept;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slotlint_keys::KeyPattern;

    fn finding(line: usize, message: &str, keys: &[&str]) -> FixableFinding {
        FixableFinding {
            rule: "cross-slot-command",
            file: "src/lib.rs".into(),
            span: Span {
                line,
                column: 5,
                ..Span::default()
            },
            message: message.into(),
            keys: keys
                .iter()
                .map(|k| FindingKey {
                    text: format!("{k:?}"),
                    pattern: Some(KeyPattern::literal(*k)),
                })
                .collect(),
        }
    }

    /// A helper's call site is judged once per caller: the same message with each caller's
    /// keys is one finding per caller; the same keys found twice are one.
    #[test]
    fn findings_of_one_place_with_other_keys_stay_apart() {
        let same = "`MGET` keys land in different hash slots";
        let mut findings = vec![
            finding(9, same, &["a:1", "a:2"]),
            finding(3, "other", &["x"]),
            finding(9, same, &["b:1", "b:2"]),
            finding(9, same, &["a:1", "a:2"]),
        ];
        FixableFinding::sort_and_dedup(&mut findings);
        let seen: Vec<(usize, Vec<&str>)> = findings
            .iter()
            .map(|f| {
                (
                    f.span.line,
                    f.keys.iter().map(|k| k.text.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            vec![
                (3, vec!["\"x\""]),
                (9, vec!["\"a:1\"", "\"a:2\""]),
                (9, vec!["\"b:1\"", "\"b:2\""]),
            ]
        );
    }
}
