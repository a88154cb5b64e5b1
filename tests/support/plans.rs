//! The fix preview's prefilter against the plan over every file: the two plans compared as
//! people and tools see them (every fix's groups, families, edits with their places, blockers
//! and hazards), file indices aside (the prefiltered plan holds fewer files).

use slotlint_analyzer::{key_sites, Discovery, FixableFinding};
use slotlint_fix::prefilter::Prefilter;
use slotlint_fix::FixPlan;

/// A plan as text, its edits' file indices left out (their places name the files).
pub fn view(plan: &FixPlan) -> String {
    let mut fixes = plan.fixes.clone();
    for fix in &mut fixes {
        for fam in &mut fix.families {
            for e in &mut fam.edits {
                e.file = 0;
            }
        }
    }
    format!("{:#?}\n{:#?}", plan.groups, fixes)
}

/// The plan of `findings` over every file of `discovery`, and over the files the prefilter
/// keeps, and how many files each read.
pub fn both(discovery: &Discovery, findings: &[&FixableFinding]) -> [(String, usize); 2] {
    let prefilter = Prefilter::new(findings);
    [
        key_sites::scan(discovery),
        key_sites::scan_selected(discovery, &|texts| prefilter.select(texts)),
    ]
    .map(|files| {
        let n = files.len();
        let plan = slotlint_fix::plan_fixes(findings, files, discovery, &|_| false);
        (view(&plan), n)
    })
}
