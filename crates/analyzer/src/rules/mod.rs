//! The rules: one file each, with its documentation next to its code.
//!
//! A rule reads [`CallSite`]s (plain data) and returns [`Diagnostic`]s. Shared reasoning about
//! keys (is this set of keys in one slot, and what would put it there) lives in [`verdict`].

pub mod cluster_client_config;
pub mod cluster_feature_missing;
pub mod cross_slot_command;
pub mod cross_slot_pipeline;
pub mod cross_slot_pubsub;
pub mod cross_slot_script;
pub mod cross_slot_transaction;
pub mod hot_hash_tag;
pub mod node_local_command;
pub mod non_cluster_client;
pub mod non_zero_database;
pub mod parse_error;
pub mod sort_pattern;
pub mod undeclared_script_key;
pub mod unused_suppression;
pub mod verdict;

use crate::diagnostic::{Diagnostic, Severity};
use crate::sites::{CallSite, SiteKind};
use crate::source::SourceFile;
use crate::workspace::Version;

/// A rule's identity and documentation.
#[derive(Debug)]
pub struct Rule {
    /// Stable name, used in configuration and suppressions: `cross-slot-command`.
    pub name: &'static str,
    /// Stable short code: `SL101`.
    pub code: &'static str,
    /// The most severe level the rule reports (it may report less when less is certain).
    pub severity: Severity,
    /// One line for `cargo slotlint rules`.
    pub summary: &'static str,
    /// Markdown: What it finds / Why it breaks on a cluster / Example / Fix.
    pub docs: &'static str,
}

/// Every rule, in code order.
pub const RULES: &[&Rule] = &[
    &cross_slot_command::RULE,
    &cross_slot_transaction::RULE,
    &cross_slot_script::RULE,
    &cross_slot_pipeline::RULE,
    // The crate-level hazards (run by `crate::hazards::check_unit`).
    &non_cluster_client::RULE,
    &non_zero_database::RULE,
    &node_local_command::RULE,
    &undeclared_script_key::RULE,
    &cross_slot_pubsub::RULE,
    &sort_pattern::RULE,
    &hot_hash_tag::RULE,
    &cluster_feature_missing::RULE,
    &cluster_client_config::RULE,
    &parse_error::RULE,
    &unused_suppression::RULE,
];

/// A rule by name or code.
pub fn find(name_or_code: &str) -> Option<&'static Rule> {
    let wanted = name_or_code.trim().to_ascii_lowercase().replace('_', "-");
    RULES
        .iter()
        .copied()
        .find(|r| r.name == wanted || r.code.eq_ignore_ascii_case(&wanted))
}

/// What a rule needs besides the call site.
pub struct RuleContext<'a> {
    pub file: &'a SourceFile,
    /// The redis-rs version whose behaviour applies.
    pub version: Version,
    /// Whether that version was read from the project (else it is assumed).
    pub version_known: bool,
}

/// Run every rule on the call sites of one file.
pub fn check(sites: &[CallSite], cx: &RuleContext<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for site in sites {
        let found = match &site.kind {
            SiteKind::Command(_) => cross_slot_command::check(site, cx),
            SiteKind::Pipeline { atomic: true, .. } | SiteKind::Transaction { .. } => {
                cross_slot_transaction::check(site, cx)
            }
            SiteKind::Pipeline { .. } => cross_slot_pipeline::check(site, cx),
            SiteKind::Script { .. } => cross_slot_script::check(site, cx),
        };
        out.extend(found);
    }
    out
}

/// The parts of a cross-slot finding; the rule files fill them in.
pub(crate) struct Finding<'k> {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub message: String,
    pub primary_label: String,
    pub keys: &'k [crate::sites::KeyArg],
    pub notes: Vec<String>,
    pub help: Option<String>,
}

impl Finding<'_> {
    pub fn into_diagnostic(mut self, site: &CallSite, cx: &RuleContext<'_>) -> Diagnostic {
        if let Some(context) = &site.context {
            self.notes.insert(0, context.clone());
        }
        let mut labels = verdict::key_labels(self.keys);
        labels.truncate(12);
        Diagnostic {
            rule: self.rule.name,
            code: self.rule.code,
            severity: self.severity,
            message: self.message,
            file: cx.file.display.clone(),
            span: site.span,
            focus: site.focus,
            primary_label: self.primary_label,
            labels,
            keys: verdict::key_infos(self.keys),
            help: self.help,
            notes: self.notes,
        }
    }
}

/// `redis 0.23.3` or `redis 1.6 (assumed)`, for messages.
pub(crate) fn version_text(cx: &RuleContext<'_>) -> String {
    let (a, b, c) = cx.version;
    if cx.version_known {
        format!("redis {a}.{b}.{c}")
    } else {
        format!("redis {a}.{b} (assumed: no Cargo.lock or requirement found)")
    }
}
