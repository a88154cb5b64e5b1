//! Inline expectations: what `cargo slotlint check` must find in a fixture, written in the
//! fixture itself. Used by tests/rules.rs and tests/engine.rs (as `#[path]` modules: std and
//! serde_json only).
//!
//! A finding is expected where the line it starts on ends with a marker: `//~ LEVEL rule` in
//! Rust, `--~ LEVEL rule` in Lua (also inside a Rust string holding a Lua body), `#~ LEVEL rule`
//! in Cargo.toml, LEVEL one of `ERROR`, `WARNING`, `NOTE`. `~^` points at the line above (a Lua
//! shebang or a suppression comment cannot carry a marker). A line may carry several markers; a
//! marker right after a backtick is prose quoting the notation.
//!
//! `//~ CLEAN rule` marks a clean look-alike: a line that looks like what `rule` flags and must
//! not be flagged. It adds no expected finding; it declares the look-alike, so that a test can
//! require one per rule (the exact comparison already rejects any finding on an unmarked line).
//!
//! A fixture is judged exactly: every expected finding is found, nothing else is, and it has at
//! least one expectation. A marker that does not parse, or names no rule of
//! `slotlint_analyzer::rules::RULES`, fails the test.

// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `(file relative to the repository root, line, severity, rule)`.
pub type Finding = (String, u64, String, String);

/// What a fixture's markers say.
#[derive(Debug, Default)]
pub struct Expectations {
    /// Findings expected, with their severity.
    pub findings: BTreeSet<Finding>,
    /// Clean look-alikes, with severity `clean`.
    pub clean: BTreeSet<Finding>,
}

impl Expectations {
    /// Whether a finding of `rule` is expected somewhere.
    pub fn flags(&self, rule: &str) -> bool {
        self.findings.iter().any(|f| f.3 == rule)
    }

    /// Whether a clean look-alike of `rule` is declared somewhere.
    pub fn has_clean(&self, rule: &str) -> bool {
        self.clean.iter().any(|f| f.3 == rule)
    }
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `cargo slotlint check <dir> --format json` from the repository root.
pub fn check_json(dir: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
        .args(["check", dir, "--format", "json"])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run cargo-slotlint");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON for {dir}: {e}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The findings of a `--format json` document.
pub fn findings_of(doc: &serde_json::Value) -> BTreeSet<Finding> {
    doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["severity"].as_str().unwrap().to_owned(),
                d["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// What `cargo slotlint check <dir>` finds.
pub fn found(dir: &str) -> BTreeSet<Finding> {
    findings_of(&check_json(dir))
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The markers a file of this name can carry.
fn markers_of(path: &Path) -> &'static [&'static str] {
    match path.extension().and_then(|e| e.to_str()) {
        Some("rs") => &["//~", "--~"],
        Some("lua") => &["--~"],
        _ if path.file_name().is_some_and(|n| n == "Cargo.toml") => &["#~"],
        _ => &[],
    }
}

/// Reads every marker of the files under `dir` (relative to the repository root).
pub fn expectations(dir: &str) -> Expectations {
    let mut files = Vec::new();
    files_under(&root().join(dir), &mut files);
    files.sort();
    let mut out = Expectations::default();
    for path in files {
        let markers = markers_of(&path);
        if markers.is_empty() {
            continue;
        }
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let rel = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            for marker in markers {
                for (pos, _) in line.match_indices(marker) {
                    // Documentation quoting the notation: `//~ LEVEL rule`.
                    if line[..pos].ends_with('`') {
                        continue;
                    }
                    let at = format!("{rel}:{}: `{}`", i + 1, line.trim());
                    let rest = &line[pos + marker.len()..];
                    let (line_no, rest) = match rest.strip_prefix('^') {
                        Some(r) => (i as u64, r),
                        None => (i as u64 + 1, rest),
                    };
                    let mut words = rest.split_whitespace();
                    let (Some(level), Some(rule)) = (words.next(), words.next()) else {
                        panic!("{at}: a marker needs a level and a rule");
                    };
                    assert!(
                        slotlint_analyzer::rules::RULES
                            .iter()
                            .any(|r| r.name == rule),
                        "{at}: no rule is named {rule:?}"
                    );
                    let entry = (
                        rel.clone(),
                        line_no,
                        level.to_ascii_lowercase(),
                        rule.into(),
                    );
                    match level {
                        "ERROR" | "WARNING" | "NOTE" => out.findings.insert(entry),
                        "CLEAN" => out.clean.insert(entry),
                        _ => panic!("{at}: the level is ERROR, WARNING, NOTE or CLEAN"),
                    };
                }
            }
        }
    }
    for (file, line, _, rule) in &out.clean {
        assert!(
            !out.findings
                .iter()
                .any(|f| &f.0 == file && f.1 == *line && &f.3 == rule),
            "{file}:{line}: marked both flagged and a clean look-alike of {rule}"
        );
    }
    out
}

/// Checks `dir` and requires exactly its expected findings, and at least one of them. Returns
/// the expectations.
pub fn assert_expectations(dir: &str) -> Expectations {
    let expected = expectations(dir);
    assert!(
        !expected.findings.is_empty(),
        "{dir} has no expectations: mark the lines findings start on with `//~ LEVEL rule`"
    );
    let found = found(dir);
    let missing: Vec<_> = expected.findings.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected.findings).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "in {dir}\nmissing (annotated, not found): {missing:#?}\nunexpected (found, not annotated): {unexpected:#?}"
    );
    expected
}
