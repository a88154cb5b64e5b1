//! The crate-level hazard rules (SL201–SL209), each on its fixture under `fixtures/rules/`:
//! exact inline expectations, a snapshot of the rendered output, and the rules' docs.
//!
//! Expectations sit at the end of the line a finding starts on: `//~ LEVEL rule` in Rust,
//! `--~ LEVEL rule` in Lua (also inside a Rust string holding a Lua body), `#~ LEVEL rule` in
//! Cargo.toml. `~^` points at the line above (a Lua shebang cannot carry a comment).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn slotlint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run cargo-slotlint")
}

type Finding = (String, u64, String, String);

fn findings(dir: &str) -> BTreeSet<Finding> {
    let out = slotlint(&["check", dir, "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON for {dir}: {e}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
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

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

fn expectations(dir: &str) -> BTreeSet<Finding> {
    let mut files = Vec::new();
    files_under(&root().join(dir), &mut files);
    let mut out = BTreeSet::new();
    for path in files {
        let marker = match path.extension().and_then(|e| e.to_str()) {
            Some("rs") => &["//~", "--~"][..],
            Some("lua") => &["--~"][..],
            Some("toml") => &["#~"][..],
            _ => continue,
        };
        let text = std::fs::read_to_string(&path).unwrap();
        let rel = path
            .strip_prefix(root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (i, line) in text.lines().enumerate() {
            for m in marker {
                let Some(pos) = line.find(m) else { continue };
                let rest = &line[pos + m.len()..];
                let (line_no, rest) = match rest.strip_prefix('^') {
                    Some(r) => (i as u64, r),
                    None => (i as u64 + 1, rest),
                };
                let mut words = rest.split_whitespace();
                let (Some(level), Some(rule)) = (words.next(), words.next()) else {
                    continue;
                };
                if !matches!(level, "ERROR" | "WARNING" | "NOTE") {
                    continue;
                }
                out.insert((
                    rel.clone(),
                    line_no,
                    level.to_ascii_lowercase(),
                    rule.to_owned(),
                ));
            }
        }
    }
    out
}

fn assert_expectations(dir: &str) {
    let expected = expectations(dir);
    let found = findings(dir);
    let missing: Vec<_> = expected.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "in {dir}\nmissing (annotated, not found): {missing:#?}\nunexpected (found, not annotated): {unexpected:#?}"
    );
    assert!(!expected.is_empty(), "{dir} has no expectations");
}

fn human(dir: &str) -> String {
    let out = slotlint(&["check", dir, "--color", "never"]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One test per rule: exact findings, and the rendered output as a snapshot.
macro_rules! rule_fixture {
    ($test:ident, $rule:literal) => {
        #[test]
        fn $test() {
            let dir = concat!("fixtures/rules/", $rule);
            assert_expectations(dir);
            let found = findings(dir);
            assert!(
                found.iter().any(|f| f.3 == $rule),
                "{dir} shows no finding of {}",
                $rule
            );
            insta::assert_snapshot!(stringify!($test), human(dir));
        }
    };
}

rule_fixture!(non_cluster_client, "non-cluster-client");
rule_fixture!(non_zero_database, "non-zero-database");
rule_fixture!(node_local_command, "node-local-command");
rule_fixture!(undeclared_script_key, "undeclared-script-key");
rule_fixture!(cross_slot_pubsub, "cross-slot-pubsub");
rule_fixture!(sort_pattern, "sort-pattern");
rule_fixture!(hot_hash_tag, "hot-hash-tag");
rule_fixture!(cluster_feature_missing, "cluster-feature-missing");
rule_fixture!(cluster_client_config, "cluster-client-config");

const RULES: &[(&str, &str, &str)] = &[
    ("non-cluster-client", "SL201", "error"),
    ("non-zero-database", "SL202", "error"),
    ("node-local-command", "SL203", "warning"),
    ("undeclared-script-key", "SL204", "error"),
    ("cross-slot-pubsub", "SL205", "error"),
    ("sort-pattern", "SL206", "error"),
    ("hot-hash-tag", "SL207", "warning"),
    ("cluster-feature-missing", "SL208", "warning"),
    ("cluster-client-config", "SL209", "note"),
];

#[test]
fn rules_lists_every_rule_with_code_and_severity() {
    let out = slotlint(&["rules"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for (name, code, severity) in RULES {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .unwrap_or_else(|| panic!("`rules` does not list {name}:\n{text}"));
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[0], *code, "{line}");
        assert_eq!(words[2], *severity, "{line}");
        assert!(words.len() > 4, "no summary: {line}");
    }
}

#[test]
fn explain_prints_the_docs_of_every_rule() {
    for (name, code, _) in RULES {
        for arg in [*name, *code] {
            let out = slotlint(&["explain", arg]);
            assert_eq!(out.status.code(), Some(0), "explain {arg}");
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.starts_with(name), "{text}");
            for section in ["## What it finds", "## Why it", "## Example", "## Fix"] {
                assert!(
                    text.contains(section),
                    "explain {arg} lacks {section}:\n{text}"
                );
            }
        }
    }
}

#[test]
fn a_lua_file_with_findings_is_shown_with_its_code_frame() {
    let text = human("fixtures/rules/undeclared-script-key");
    assert!(
        text.contains("src/scripts/unlock.lua:7:"),
        "no frame in the Lua file:\n{text}"
    );
    assert!(text.contains("redis.call('RPUSH', 'locks:log', ARGV[1])"));
}
