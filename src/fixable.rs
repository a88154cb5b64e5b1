//! Which findings `cargo slotlint fix` can rewrite: per rule ([`fixable`]) for `--statistics`,
//! and per finding ([`Fixes`], from the fix planner's plan for this very report) for the marks
//! of `check`, SARIF `fixes` and the editor's quick fixes.
//!
//! Not here: planning or applying fixes (`slotlint-fix`, `cargo slotlint fix`).

use std::collections::HashMap;
use std::path::Path;

use slotlint_analyzer::{rules, Diagnostic, Discovery, Report, Span};
use slotlint_fix::{Applicability, FixPlan};

/// Whether findings of `rule` can be fixed by `cargo slotlint fix` at all (the registry's
/// [`rules::Rule::fixable`]).
pub fn fixable(rule: &str) -> bool {
    rules::find(rule).is_some_and(|r| r.fixable)
}

/// One text edit of a fix: replace `span` of `file` (a displayed path) with `replacement`.
#[derive(Clone, Debug)]
pub struct Edit {
    pub file: String,
    pub span: Span,
    pub replacement: String,
}

/// A fix of a finding: edits that, applied together, fix it (and every site of the key families
/// involved, across files).
#[derive(Clone, Debug)]
pub struct SuggestedFix {
    pub applicability: Applicability,
    pub description: String,
    pub edits: Vec<Edit>,
}

/// The fixes the planner found for a report's findings.
#[derive(Default)]
pub struct Fixes {
    plan: FixPlan,
    /// `(rule, file, line, column)` of a finding → index of its fix in `plan.fixes`.
    by_finding: HashMap<(String, String, usize, usize), usize>,
}

fn finding_key(
    rule: &str,
    file: &str,
    line: usize,
    column: usize,
) -> (String, String, usize, usize) {
    (rule.to_owned(), file.to_owned(), line, column)
}

impl Fixes {
    /// Plans the fixes of `report` over every file `everything` found (key families span the
    /// workspace). Its files are read here, and only when there is a fixable finding: `check`
    /// does not ask the analysis for the key sites of every file (`Options::key_sites`), which
    /// would cost every run much of a parse again; and of those only the files whose tokens may
    /// matter to the fixes are parsed (`slotlint_fix::prefilter`: the same plan). Files
    /// `excluded` by the configuration are never edited. Only fixes that apply (safe, or
    /// unsafe) and whose edits check out are kept.
    pub fn plan(
        report: &Report,
        everything: &Discovery,
        excluded: &dyn Fn(&Path) -> bool,
    ) -> Fixes {
        let findings = report.fixable_findings();
        if findings.is_empty() {
            return Fixes::default();
        }
        // Only the files whose tokens may matter to these findings' fixes are parsed.
        let prefilter = slotlint_fix::prefilter::Prefilter::new(&findings);
        let key_files = slotlint_analyzer::key_sites::scan_selected(everything, &|texts| {
            prefilter.select(texts)
        });
        let plan = slotlint_fix::plan_fixes(&findings, key_files, everything, excluded);
        let mut by_finding = HashMap::new();
        for (i, fix) in plan.fixes.iter().enumerate() {
            if fix.applicability().is_none() || slotlint_fix::changes(&plan, &[fix]).is_err() {
                continue;
            }
            for &g in &fix.groups {
                for f in &plan.groups[g].findings {
                    by_finding.insert(finding_key(f.rule, &f.file, f.line, f.column), i);
                }
            }
        }
        Fixes { plan, by_finding }
    }

    fn fix_of(&self, d: &Diagnostic) -> Option<&slotlint_fix::Fix> {
        let i = self
            .by_finding
            .get(&finding_key(d.rule, &d.file, d.span.line, d.span.column))?;
        self.plan.fixes.get(*i)
    }

    /// Whether `cargo slotlint fix` rewrites the keys of `d` (`Safe`), or does with `--unsafe`.
    pub fn applicability(&self, d: &Diagnostic) -> Option<Applicability> {
        self.fix_of(d)?.applicability()
    }

    /// `(fixable by fix, more with --unsafe)` among `diagnostics`.
    pub fn counts(&self, diagnostics: &[Diagnostic]) -> (usize, usize) {
        let mut counts = (0, 0);
        for d in diagnostics {
            match self.applicability(d) {
                Some(Applicability::Safe) => counts.0 += 1,
                Some(Applicability::Unsafe) => counts.1 += 1,
                None => {}
            }
        }
        counts
    }

    /// The fix of `d` as edits: each rewritten string literal replaced whole.
    pub fn suggested(&self, d: &Diagnostic) -> Option<SuggestedFix> {
        let fix = self.fix_of(d)?;
        let applicability = fix.applicability()?;
        let mut edits = Vec::new();
        let mut tags: Vec<&str> = Vec::new();
        for fam in &fix.families {
            if !tags.contains(&fam.tag_display.as_str()) {
                tags.push(&fam.tag_display);
            }
            for e in &fam.edits {
                let file = self.plan.files.get(e.file)?;
                let old = file.source.text.get(e.start..e.end)?;
                let mut new = old.to_owned();
                for (at, text) in e.inserts.iter().rev() {
                    new.insert_str(at.checked_sub(e.start)?, text);
                }
                let (line, column) = file.line_col(e.start);
                let (end_line, end_column) = file.line_col(e.end);
                edits.push(Edit {
                    file: file.source.display.clone(),
                    span: Span {
                        start: e.start,
                        end: e.end,
                        line,
                        column,
                        end_line,
                        end_column,
                    },
                    replacement: new,
                });
            }
        }
        let tags: Vec<String> = tags.iter().map(|t| format!("`{t}`")).collect();
        let description = format!(
            "put {} in a hash tag at every site of the key {} ({}{})",
            tags.join(", "),
            if fix.families.len() == 1 {
                "family"
            } else {
                "families"
            },
            applicability.as_str(),
            match applicability {
                Applicability::Safe => "",
                Applicability::Unsafe => ": renames keys a running service may hold",
            }
        );
        Some(SuggestedFix {
            applicability,
            description,
            edits,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cross_slot_rules_are_fixable() {
        for rule in [
            "cross-slot-command",
            "cross-slot-transaction",
            "cross-slot-script",
            "cross-slot-pipeline",
        ] {
            assert!(fixable(rule), "{rule}");
        }
        assert!(!fixable("node-local-command"));
    }
}
