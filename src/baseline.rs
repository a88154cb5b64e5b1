//! Baselines: the findings a project has accepted for now, so that CI fails only on new ones.
//!
//! A finding is recorded by a fingerprint that does not depend on line numbers: its file, its
//! rule, the text of the call with whitespace and comments removed, and its key patterns. Code
//! moved up or down a file keeps its fingerprint; an edited call gets a new one. Identical calls
//! in one file share a fingerprint and are counted. The file is the path relative to the
//! repository (the path base of `crate::paths`), so a baseline does not depend on the folder a
//! run starts in or on the path arguments. A run over some files only (pre-commit passes the
//! staged ones) counts as fixed only the entries of the files it checked.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};
use slotlint_analyzer::{Diagnostic, Report};

/// The file `--write-baseline` writes and `--baseline` reads.
#[derive(Debug, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub tool: String,
    pub findings: Vec<Entry>,
}

/// One accepted finding. Only `fingerprint` is matched; the rest is for people reading diffs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// What a run found against a baseline.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub file: String,
    pub new: usize,
    pub known: usize,
    /// Baseline entries no longer found.
    pub fixed: usize,
}

/// The call's text without whitespace or `//` and `/* */` comments (string literals kept whole).
fn normalized(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push('"');
                while let Some(c) = chars.next() {
                    out.push(c);
                    if c == '\\' {
                        if let Some(e) = chars.next() {
                            out.push(e);
                        }
                    } else if c == '"' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut prev = ' ';
                for c in chars.by_ref() {
                    if prev == '*' && c == '/' {
                        break;
                    }
                    prev = c;
                }
            }
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// 64-bit FNV-1a: stable across platforms and releases (unlike std's hasher).
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The fingerprint of a finding: file, rule, normalized call text, key patterns.
pub fn fingerprint(d: &Diagnostic, report: &Report) -> String {
    let call = report
        .source(&d.file)
        .and_then(|s| s.text.get(d.span.start..d.span.end))
        .filter(|t| !t.trim().is_empty())
        .map(normalized)
        // Findings without a call (a file that does not parse): their message.
        .unwrap_or_else(|| d.message.clone());
    let mut material = format!("{}\0{}\0{}", d.file, d.rule, call);
    for k in &d.keys {
        material.push('\0');
        material.push_str(k.pattern.as_deref().unwrap_or(&k.text));
    }
    format!("{:016x}", fnv1a(material.as_bytes()))
}

impl Baseline {
    pub fn from_report(report: &Report) -> Baseline {
        let findings = report
            .diagnostics
            .iter()
            .map(|d| Entry {
                fingerprint: fingerprint(d, report),
                rule: d.rule.to_owned(),
                file: d.file.clone(),
                line: d.span.line,
                message: d.message.clone(),
            })
            .collect();
        Baseline {
            version: 1,
            tool: "cargo-slotlint".into(),
            findings,
        }
    }

    pub fn write(&self, path: &Path) -> io::Result<()> {
        let mut text = serde_json::to_string_pretty(self).map_err(io::Error::other)?;
        text.push('\n');
        std::fs::write(path, text)
    }

    pub fn read(path: &Path) -> Result<Baseline, String> {
        // A regular file only: a FIFO given as --baseline must not hang the run.
        let text =
            slotlint_analyzer::input::read_text(path, None, slotlint_analyzer::MAX_FILE_BYTES)
                .map_err(|e| {
                    format!(
                        "cannot read the baseline: {}",
                        e.message(&path.display().to_string())
                    )
                })?;
        let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is not a slotlint baseline (written by `--write-baseline`): {e}",
                path.display()
            )
        })?;
        if baseline.version != 1 {
            return Err(format!(
                "{}: baseline version {} is not supported (this slotlint reads version 1)",
                path.display(),
                baseline.version
            ));
        }
        Ok(baseline)
    }

    /// Keeps only the findings of `report` that the baseline does not know. `checked` is the
    /// set of files the run checked (`None`: the whole workspace): entries of other files are
    /// neither fixed nor pruned. Returns what the run found, and the baseline without the entries
    /// that were fixed (for `--update-baseline`).
    pub fn filter(
        &self,
        report: &mut Report,
        file: &str,
        checked: Option<&BTreeSet<String>>,
    ) -> (Outcome, Baseline) {
        let mut remaining: BTreeMap<&str, usize> = BTreeMap::new();
        for e in &self.findings {
            *remaining.entry(e.fingerprint.as_str()).or_default() += 1;
        }
        let total = remaining.clone();
        let fingerprints: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| fingerprint(d, report))
            .collect();
        let mut known = 0;
        let mut keep = fingerprints
            .iter()
            .map(|f| match remaining.get_mut(f.as_str()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    known += 1;
                    false
                }
                _ => true,
            });
        report.diagnostics.retain(|_| keep.next().unwrap_or(true));
        drop(keep);
        // Per fingerprint, the first `matched` entries were found again; the others are fixed
        // when their file was checked.
        let mut matched: BTreeMap<&str, usize> = total
            .iter()
            .map(|(fp, n)| (*fp, n - remaining.get(fp).copied().unwrap_or(0)))
            .collect();
        let in_scope = |e: &Entry| checked.is_none_or(|c| c.contains(&e.file));
        let mut fixed = 0;
        let mut kept = Vec::new();
        for e in &self.findings {
            let m = matched.get_mut(e.fingerprint.as_str());
            match m {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    kept.push(e.clone());
                }
                _ if in_scope(e) => fixed += 1,
                _ => kept.push(e.clone()),
            }
        }
        let outcome = Outcome {
            file: file.to_owned(),
            new: report.diagnostics.len(),
            known,
            fixed,
        };
        let pruned = Baseline {
            version: self.version,
            tool: self.tool.clone(),
            findings: kept,
        };
        (outcome, pruned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_ignores_layout_and_comments_but_not_strings() {
        assert_eq!(
            normalized("con.rename(\n    a, // old\n    b /* new */)"),
            "con.rename(a,b)"
        );
        assert_eq!(normalized("f(\"a b // c\")"), "f(\"a b // c\")");
        assert_ne!(normalized("f(\"a b\")"), normalized("f(\"ab\")"));
    }

    #[test]
    fn fnv_is_the_reference_function() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
