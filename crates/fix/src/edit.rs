//! Turning chosen fixes into new file contents, checked before anything is written.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use slotlint_syntax::line_index::LineIndex;

use crate::annotate::Annotation;
use crate::plan::{Family, Fix, FixPlan};

/// One file's text before and after the edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileChange {
    pub path: PathBuf,
    pub display: String,
    pub before: String,
    pub after: String,
}

impl FileChange {
    /// A unified diff (`--- a/FILE`, `+++ b/FILE`, three lines of context).
    pub fn unified_diff(&self) -> String {
        similar::TextDiff::from_lines(&self.before, &self.after)
            .unified_diff()
            .context_radius(3)
            .header(
                &format!("a/{}", self.display),
                &format!("b/{}", self.display),
            )
            .to_string()
    }
}

/// The new contents of every file the chosen fixes touch. Each edited file is parsed again,
/// and scanned again to check that no literal of a renamed family is left behind.
pub fn changes(plan: &FixPlan, chosen: &[&Fix]) -> Result<Vec<FileChange>, String> {
    changes_with(plan, chosen, &[])
}

/// [`changes`], with `#[slotlint::key]` attributes inserted too (`--annotate`): each edited
/// file is also checked to hold, after the edits, one more key attribute per annotation.
/// Runs on a thread with the parser's stack ([`slotlint_analyzer::parse::with_parse_stack`]):
/// the files are parsed again.
pub fn changes_with(
    plan: &FixPlan,
    chosen: &[&Fix],
    annotations: &[Annotation],
) -> Result<Vec<FileChange>, String> {
    slotlint_analyzer::parse::with_parse_stack(|| changes_here(plan, chosen, annotations))
}

fn changes_here(
    plan: &FixPlan,
    chosen: &[&Fix],
    annotations: &[Annotation],
) -> Result<Vec<FileChange>, String> {
    let mut per_file: Vec<Vec<(usize, String)>> = vec![Vec::new(); plan.files.len()];
    // Per file, the families edited there and the literals they edit (as written before).
    let mut edited: Vec<Vec<(&Family, HashSet<&str>)>> = vec![Vec::new(); plan.files.len()];
    for fix in chosen {
        for fam in &fix.families {
            let mut by_file: HashMap<usize, HashSet<&str>> = HashMap::new();
            for e in &fam.edits {
                per_file[e.file].extend(e.inserts.iter().cloned());
                by_file.entry(e.file).or_default().insert(e.before.as_str());
            }
            for (fi, befores) in by_file {
                edited[fi].push((fam, befores));
            }
        }
    }
    let mut attributes = vec![0usize; plan.files.len()];
    for a in annotations {
        per_file[a.file].push((a.at, a.text.clone()));
        attributes[a.file] += 1;
    }
    let mut out = Vec::new();
    for (fi, mut inserts) in per_file.into_iter().enumerate() {
        if inserts.is_empty() {
            continue;
        }
        let file = &plan.files[fi];
        let (text, display) = (&file.source.text, &file.source.display);
        // Stable: insertions at one offset keep their order.
        inserts.sort_by_key(|(at, _)| *at);
        let mut after = String::with_capacity(text.len() + inserts.len() * 2);
        let mut last = 0;
        for (at, inserted) in &inserts {
            after.push_str(&text[last..*at]);
            after.push_str(inserted);
            last = *at;
        }
        after.push_str(&text[last..]);
        let parsed = slotlint_analyzer::parse::parse_rust(&after).map_err(|e| {
            format!(
                "{display} would not parse after the rewrite ({e}); nothing was written (a slotlint bug)"
            )
        })?;
        if attributes[fi] > 0 {
            let before = slotlint_analyzer::parse::parse_rust(text)
                .map(|f| crate::annotate::key_attributes(&f))
                .unwrap_or(0);
            if crate::annotate::key_attributes(&parsed) != before + attributes[fi] {
                return Err(format!(
                    "{display}: the `#[slotlint::key]` attributes are not on functions after the rewrite; nothing was written (a slotlint bug)"
                ));
            }
        }
        // The new text's key sites, from the tree just parsed.
        let rescanned = slotlint_syntax::key_sites::scan(&parsed, &after, false);
        for (fam, befores) in &edited[fi] {
            let left = rescanned
                .sites
                .iter()
                .find(|s| befores.contains(&after[s.start..s.end]) && s.atoms() == fam.old);
            if let Some(s) = left {
                let (line, column) = LineIndex::new(&after).line_col(&after, s.start);
                return Err(format!(
                    "{display}:{line}:{column}: `{}` is still built after the rewrite; nothing was written (a slotlint bug)",
                    fam.old_display
                ));
            }
        }
        drop(parsed);
        // Spans of the new tree are no longer needed: free the thread's source map.
        proc_macro2::extra::invalidate_current_thread_spans();
        out.push(FileChange {
            path: file.source.path.clone(),
            display: display.clone(),
            before: text.clone(),
            after,
        });
    }
    Ok(out)
}
