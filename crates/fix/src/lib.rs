//! `cargo slotlint fix`: hash-tag rewrites of Redis key families in Rust sources.
//!
//! What it is for: turning the findings of the four cross-slot rules into edits that make the
//! keys used together share a hash tag, and into a migration plan for the keys a running
//! service already holds. Data flows one way:
//!
//! findings ([`plan::groups`]: keys used together → a tag from `slotlint_keys::suggest`, or
//! why none) → key families (every literal, format string, constant and SCAN glob of the
//! workspace with the family's skeleton, found by [`scan`]) → [`plan::Fix`]es (all of a family's
//! sites or none, `safe` or `unsafe`, or blocked with the sites that block them) → new file
//! contents ([`edit::changes`], each re-parsed) → all-or-nothing writes ([`write::write_all`])
//! and the [`migration::MigrationPlan`], whose [`migration::Migrator`] tells `migrate` what to
//! do with each existing key. With `--annotate`, [`annotate::annotations`] adds
//! `#[slotlint::key(tag = "…")]` to the functions whose returned key a chosen fix rewrote, in
//! packages that depend on `slotlint`; the attributes go through the same checked,
//! all-or-nothing path ([`edit::changes_with`]).
//!
//! What it is not for: finding the calls and tracing the keys (`slotlint-analyzer`), choosing
//! the tag (`slotlint-keys`), talking to Redis or printing (the `cargo-slotlint` binary). It
//! never runs the scanned project and edits only string literals, by inserting characters (and,
//! with `--annotate`, inserts whole attribute lines above functions; never Cargo.toml).

pub mod annotate;
pub mod edit;
pub mod literal;
pub mod migration;
pub mod pattern;
pub mod plan;
pub mod scan;
pub mod write;

use std::path::Path;

use rayon::prelude::*;

use slotlint_analyzer::{display_path, Discovery, Report};

pub use annotate::{annotations, Annotation, Annotations};
pub use edit::{changes, changes_with, FileChange};
pub use migration::{KeyFate, MigrationPlan, Migrator};
pub use plan::{Applicability, Fix, FixPlan, Outcome};
pub use write::{write_all, FileWrite, WriteError};

/// Read and scan every Rust file discovery found (every file of every package, including
/// those a configuration excludes from reports: they build keys too).
pub fn scan_workspace(discovery: &Discovery) -> Vec<scan::ScannedFile> {
    let jobs: Vec<(usize, &Path, bool)> = discovery
        .units
        .iter()
        .enumerate()
        .flat_map(|(ui, unit)| {
            unit.files.iter().map(move |path| {
                let test_only = path
                    .strip_prefix(&unit.root)
                    .ok()
                    .and_then(|rel| rel.components().next())
                    .is_some_and(|c| {
                        let c = c.as_os_str();
                        c == "tests" || c == "benches"
                    });
                (ui, path.as_path(), test_only)
            })
        })
        .collect();
    let run = || -> Vec<scan::ScannedFile> {
        jobs.par_iter()
            .map(|&(ui, path, test_only)| {
                let display = display_path(path, &discovery.display_root);
                let scanned = read(path).and_then(|text| {
                    std::panic::catch_unwind(|| {
                        scan::scan_file(path.to_path_buf(), display.clone(), text, ui, test_only)
                    })
                    .map_err(|_| "could not be scanned (a slotlint bug)".to_owned())
                });
                match scanned {
                    Ok(f) => f,
                    Err(problem) => {
                        let mut f = scan::scan_file(
                            path.to_path_buf(),
                            display,
                            String::new(),
                            ui,
                            test_only,
                        );
                        f.problem = Some(problem);
                        f
                    }
                }
            })
            .collect()
    };
    // Files are independent; each worker frees its span map after each file. syn recurses
    // over deeply nested code: big stacks, as the analyzer's.
    match rayon::ThreadPoolBuilder::new()
        .stack_size(64 * 1024 * 1024)
        .build()
    {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    }
}

fn read(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot be read: {e}"))?;
    if meta.len() > slotlint_analyzer::MAX_FILE_BYTES {
        return Err("is larger than slotlint reads".to_owned());
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot be read: {e}"))?;
    String::from_utf8(bytes).map_err(|_| "is not valid UTF-8".to_owned())
}

/// Plan the fixes for a report over the files of `discovery`.
pub fn plan_fixes(report: &Report, discovery: &Discovery) -> FixPlan {
    plan::plan(report, scan_workspace(discovery))
}
