//! The rules: one file each, with its documentation next to its code, listed once in [`RULES`].
//!
//! A rule reads a crate's [facts](crate::facts) (plain data, through [`Input`]) and adds
//! [`Diagnostic`]s to a [`Sink`]. Shared reasoning about keys (is this set of keys in one slot,
//! and what would put it there) lives in [`verdict`].

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

use std::path::Path;

use slotlint_commands::CommandTable;

use crate::diagnostic::{Diagnostic, FindingKey, FixableFinding, Label, Severity};
use crate::facts::CrateFacts;
use crate::sites::{CallSite, CALLER_CONTEXTS};
use crate::source::{SourceFile, Span};
use crate::workspace::{Unit, Version};

/// A rule's check: reads a crate's facts, adds findings (and files they point into that are
/// not Rust sources of the crate: Lua files, Cargo.toml).
pub type Check = fn(&Input<'_>, &mut Sink);

/// A rule: its identity, documentation, whether `fix` can rewrite its findings, and its check.
/// Every face reads this one registry: `check`, `fix`, `rules`, `explain`, SARIF, the docs.
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
    /// `cargo slotlint fix` can rewrite its findings with hash tags.
    pub fixable: bool,
    /// `None` for findings made outside the rules (read errors, suppressions).
    pub check: Option<Check>,
}

/// Every rule, in code order.
pub const RULES: &[&Rule] = &[
    &cross_slot_command::RULE,
    &cross_slot_transaction::RULE,
    &cross_slot_script::RULE,
    &cross_slot_pipeline::RULE,
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

/// A rule by name, snake_case name or code.
pub fn find(name_or_code: &str) -> Option<&'static Rule> {
    let wanted = name_or_code.trim().to_ascii_lowercase().replace('_', "-");
    RULES
        .iter()
        .copied()
        .find(|r| r.name == wanted || r.code.eq_ignore_ascii_case(&wanted))
}

/// What every rule reads: one crate's facts and what is known of the crate.
pub struct Input<'a> {
    pub facts: &'a CrateFacts,
    pub sources: &'a [SourceFile],
    /// Whether findings in file `i` are reported (the others are read for their helpers).
    pub reported: &'a [bool],
    pub unit: &'a Unit,
    pub display_root: &'a Path,
    pub commands: &'a CommandTable,
    /// The redis-rs version whose behaviour applies.
    pub version: Version,
    /// Whether that version was read from the project (else it is assumed).
    pub version_known: bool,
    /// Report findings in test code too (see `slotlint_syntax::test_code` for what that is).
    pub check_test_code: bool,
}

impl Input<'_> {
    pub fn display(&self, file: usize) -> &str {
        &self.sources[file].display
    }

    /// Whether a finding at byte `offset` of file `file` is reported: the file is, and the
    /// place is not test code (unless test code is checked).
    pub fn live(&self, file: usize, offset: usize) -> bool {
        self.reported[file] && (self.check_test_code || !self.facts.files[file].in_test(offset))
    }

    /// Call sites that are reported, with their file index.
    pub fn live_sites(&self) -> Vec<(usize, &CallSite)> {
        let mut out = Vec::new();
        for (i, f) in self.facts.files.iter().enumerate() {
            out.extend(
                f.sites
                    .iter()
                    .filter(|s| self.live(i, s.span.start))
                    .map(|s| (i, s)),
            );
        }
        out
    }

    /// Any file of the crate uses a cluster client outside test code.
    pub fn cluster_evidence(&self) -> Option<(usize, Span)> {
        self.facts
            .files
            .iter()
            .enumerate()
            .find_map(|(i, f)| f.cluster_evidence.map(|s| (i, s)))
    }

    /// `redis 0.23.3` or `redis 1.6 (assumed: …)`.
    pub fn version_text(&self) -> String {
        version_text(self.version, self.version_known)
    }

    /// The context of the call-site rules, for file `file`.
    pub fn site_context(&self, file: usize) -> RuleContext<'_> {
        RuleContext {
            file: &self.sources[file],
            version: self.version,
            version_known: self.version_known,
        }
    }
}

/// Where rules put what they find.
#[derive(Default)]
pub struct Sink {
    pub diagnostics: Vec<Diagnostic>,
    /// Files findings point into that are not Rust sources of the crate (Lua, Cargo.toml).
    pub files: Vec<SourceFile>,
    /// For `fix`: the keys of the findings of fixable rules, one per such diagnostic.
    pub fixable: Vec<FixableFinding>,
}

/// Run every rule on one crate.
pub fn check(input: &Input<'_>) -> Sink {
    let mut sink = Sink::default();
    for rule in RULES {
        if let Some(check) = rule.check {
            check(input, &mut sink);
        }
    }
    sink.files
        .retain(|s| sink.diagnostics.iter().any(|d| d.file == s.display));
    sink.files.sort_by(|a, b| a.display.cmp(&b.display));
    sink.files.dedup_by(|a, b| a.display == b.display);
    sink
}

/// A call-site rule over every live site: `check_site` returns the finding for one site.
pub(crate) fn each_site(
    input: &Input<'_>,
    sink: &mut Sink,
    check_site: fn(&CallSite, &RuleContext<'_>) -> Option<Found>,
) {
    for (i, site) in input.live_sites() {
        if let Some(found) = check_site(site, &input.site_context(i)) {
            if merge_repeat(sink.diagnostics.last_mut(), &found.diagnostic, site) {
                continue;
            }
            sink.diagnostics.push(found.diagnostic);
            sink.fixable.extend(found.fixable);
        }
    }
}

/// The walks of one site for several callers (their sites adjacent) are one finding when they
/// say the same: the first, naming the other callers. Notes (slotlint cannot judge the site)
/// are one whatever their reasons, which are all listed. Returns whether `next` was merged
/// into `previous`.
fn merge_repeat(previous: Option<&mut Diagnostic>, next: &Diagnostic, site: &CallSite) -> bool {
    let Some(previous) = previous else {
        return false;
    };
    let Some(context) = site.context.as_deref() else {
        return false;
    };
    let same_place = (
        previous.rule,
        &previous.file,
        previous.span,
        previous.severity,
    ) == (next.rule, &next.file, next.span, next.severity);
    if !same_place {
        return false;
    }
    let names_caller = |n: &String| {
        CALLER_CONTEXTS
            .iter()
            .any(|(first, also)| n.starts_with(first) || n.starts_with(also))
    };
    let reasons = |d: &Diagnostic| -> Vec<String> {
        d.notes
            .iter()
            .filter(|n| !names_caller(n))
            .cloned()
            .collect()
    };
    let same_finding = previous.message == next.message
        && previous.labels == next.labels
        && previous.keys == next.keys
        && previous.help == next.help
        && reasons(previous) == reasons(next);
    if next.severity != Severity::Note && !same_finding {
        return false;
    }
    let at = previous
        .notes
        .iter()
        .rposition(names_caller)
        .map_or(0, |i| i + 1);
    let also = CALLER_CONTEXTS
        .iter()
        .find_map(|(first, also)| {
            context
                .strip_prefix(first)
                .map(|rest| format!("{also}{rest}"))
        })
        .unwrap_or_else(|| context.to_owned());
    previous.notes.insert(at, also);
    for reason in reasons(next) {
        if !previous.notes.contains(&reason) {
            previous.notes.push(reason);
        }
    }
    true
}

/// What a call-site rule needs besides the call site.
pub struct RuleContext<'a> {
    pub file: &'a SourceFile,
    /// The redis-rs version whose behaviour applies.
    pub version: Version,
    /// Whether that version was read from the project (else it is assumed).
    pub version_known: bool,
}

/// A finding of `rule` with nothing but its position and message yet.
pub(crate) fn finding(
    rule: &'static Rule,
    severity: Severity,
    file: &str,
    span: Span,
    focus: Span,
    message: String,
    label: String,
) -> Diagnostic {
    Diagnostic {
        rule: rule.name,
        code: rule.code,
        severity,
        message,
        file: file.to_owned(),
        span,
        focus,
        primary_label: label,
        labels: Vec::<Label>::new(),
        keys: Vec::new(),
        help: None,
        notes: Vec::new(),
    }
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

/// A cross-slot finding made: the diagnostic, and for a fixable rule what `fix` needs of it.
pub(crate) struct Found {
    pub diagnostic: Diagnostic,
    pub fixable: Option<FixableFinding>,
}

impl Finding<'_> {
    pub fn into_found(self, site: &CallSite, cx: &RuleContext<'_>) -> Found {
        let fixable = self.rule.fixable.then(|| FixableFinding {
            rule: self.rule.name,
            file: cx.file.display.clone(),
            span: site.span,
            message: self.message.clone(),
            keys: self
                .keys
                .iter()
                .map(|k| FindingKey {
                    text: k.text.clone(),
                    pattern: k.pattern.clone(),
                })
                .collect(),
        });
        Found {
            diagnostic: self.into_diagnostic(site, cx),
            fixable,
        }
    }

    fn into_diagnostic(mut self, site: &CallSite, cx: &RuleContext<'_>) -> Diagnostic {
        if let Some(context) = &site.context {
            self.notes.insert(0, context.clone());
        }
        if self.severity == Severity::Note {
            // What stopped slotlint: the notes say, so the user knows what to change.
            self.notes.extend(verdict::unresolved_reasons(self.keys));
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
pub(crate) fn version_text((a, b, c): Version, known: bool) -> String {
    if known {
        format!("redis {a}.{b}.{c}")
    } else {
        format!("redis {a}.{b} (assumed: no Cargo.lock or requirement found)")
    }
}

impl RuleContext<'_> {
    pub(crate) fn version_text(&self) -> String {
        version_text(self.version, self.version_known)
    }
}
