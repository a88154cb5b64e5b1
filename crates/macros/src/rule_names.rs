//! The rules `#[slotlint::allow]` may name, and how a written name resolves to one.
//!
//! A copy of the analyzer's registry (`slotlint_analyzer::rules::RULES`) and of its lookup
//! (`rules::find`), which this proc-macro crate cannot depend on. The copy cannot drift:
//! `crates/slotlint/tests/rule_names.rs` compiles this file on its own and compares both the
//! list and the lookup with the analyzer's. So this file uses `std` only.

/// `(name, code)` of every rule, in the analyzer's order.
pub(crate) const RULES: &[(&str, &str)] = &[
    ("cross-slot-command", "SL101"),
    ("cross-slot-transaction", "SL102"),
    ("cross-slot-script", "SL103"),
    ("cross-slot-pipeline", "SL104"),
    ("non-cluster-client", "SL201"),
    ("non-zero-database", "SL202"),
    ("node-local-command", "SL203"),
    ("undeclared-script-key", "SL204"),
    ("cross-slot-pubsub", "SL205"),
    ("sort-pattern", "SL206"),
    ("hot-hash-tag", "SL207"),
    ("cluster-feature-missing", "SL208"),
    ("cluster-client-config", "SL209"),
    ("parse-error", "SL001"),
    ("unused-suppression", "SL002"),
];

/// The name of the rule `written` names, as the analyzer's suppressions resolve it: the
/// rule's name in any case, with `-` or `_` between words, or its code (`SL101`, `sl101`).
pub(crate) fn resolve(written: &str) -> Option<&'static str> {
    let wanted = written.trim().to_ascii_lowercase().replace('_', "-");
    RULES
        .iter()
        .find(|(name, code)| *name == wanted || code.eq_ignore_ascii_case(&wanted))
        .map(|(name, _)| *name)
}
