//! Every rule of the registry (`slotlint_analyzer::rules::RULES`) on its fixture: exact inline
//! expectations with flagged lines and clean look-alikes (see `support/expect.rs` for the
//! notation), a snapshot of the rendered output of the crate-level rules (SL201–SL209), and the
//! rules' codes and docs.

#[path = "support/expect.rs"]
mod expect;

use std::path::PathBuf;
use std::process::{Command, Output};

use expect::{assert_expectations, found, Expectations};

fn root() -> PathBuf {
    expect::root()
}

fn slotlint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run cargo-slotlint")
}

fn human(dir: &str) -> String {
    let out = slotlint(&["check", dir, "--color", "never"]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One test per crate-level rule: exact findings on its fixture, and the rendered output as a
/// snapshot.
macro_rules! rule_fixture {
    ($test:ident, $rule:literal) => {
        #[test]
        fn $test() {
            let dir = concat!("fixtures/rules/", $rule);
            assert_expectations(dir);
            assert!(
                found(dir).iter().any(|f| f.3 == $rule),
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

/// The fixtures of each rule of the registry: together they hold at least one flagged line and
/// one clean look-alike (`//~ CLEAN rule`) of it, and each meets its inline expectations.
const RULE_FIXTURES: &[(&str, &[&str])] = &[
    ("cross-slot-command", &["fixtures/demo"]),
    ("cross-slot-transaction", &["fixtures/demo"]),
    ("cross-slot-script", &["fixtures/demo"]),
    ("cross-slot-pipeline", &["fixtures/demo"]),
    ("non-cluster-client", &["fixtures/rules/non-cluster-client"]),
    ("non-zero-database", &["fixtures/rules/non-zero-database"]),
    ("node-local-command", &["fixtures/rules/node-local-command"]),
    (
        "undeclared-script-key",
        &["fixtures/rules/undeclared-script-key"],
    ),
    ("cross-slot-pubsub", &["fixtures/rules/cross-slot-pubsub"]),
    ("sort-pattern", &["fixtures/rules/sort-pattern"]),
    ("hot-hash-tag", &["fixtures/rules/hot-hash-tag"]),
    (
        "cluster-feature-missing",
        &["fixtures/rules/cluster-feature-missing"],
    ),
    (
        "cluster-client-config",
        &["fixtures/rules/cluster-client-config"],
    ),
    ("parse-error", &["fixtures/broken"]),
    ("unused-suppression", &["fixtures/rules/unused-suppression"]),
];

#[test]
fn every_rule_has_a_fixture_with_flagged_lines_and_clean_look_alikes() {
    let registry: Vec<&str> = slotlint_analyzer::rules::RULES
        .iter()
        .map(|r| r.name)
        .collect();
    let mapped: Vec<&str> = RULE_FIXTURES.iter().map(|(rule, _)| *rule).collect();
    assert_eq!(
        mapped, registry,
        "RULE_FIXTURES must list every rule of the registry, in its order"
    );
    let mut judged: Vec<(&str, Expectations)> = Vec::new();
    let mut problems = Vec::new();
    for (rule, dirs) in RULE_FIXTURES {
        let (mut flagged, mut clean) = (false, false);
        for dir in *dirs {
            if !judged.iter().any(|(d, _)| d == dir) {
                judged.push((dir, assert_expectations(dir)));
            }
            let expected = &judged.iter().find(|(d, _)| d == dir).unwrap().1;
            flagged |= expected.flags(rule);
            clean |= expected.has_clean(rule);
        }
        if !flagged {
            problems.push(format!(
                "{rule}: no flagged line (`//~ LEVEL {rule}`) in {dirs:?}"
            ));
        }
        if !clean {
            problems.push(format!(
                "{rule}: no clean look-alike (`//~ CLEAN {rule}`) in {dirs:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The registry's codes and levels are stable: a rule's code never changes meaning.
const CODES: &[(&str, &str, &str)] = &[
    ("cross-slot-command", "SL101", "error"),
    ("cross-slot-transaction", "SL102", "error"),
    ("cross-slot-script", "SL103", "error"),
    ("cross-slot-pipeline", "SL104", "error"),
    ("non-cluster-client", "SL201", "error"),
    ("non-zero-database", "SL202", "error"),
    ("node-local-command", "SL203", "warning"),
    ("undeclared-script-key", "SL204", "error"),
    ("cross-slot-pubsub", "SL205", "error"),
    ("sort-pattern", "SL206", "error"),
    ("hot-hash-tag", "SL207", "warning"),
    ("cluster-feature-missing", "SL208", "warning"),
    ("cluster-client-config", "SL209", "note"),
    ("parse-error", "SL001", "note"),
    ("unused-suppression", "SL002", "warning"),
];

#[test]
fn the_registry_keeps_its_codes_and_levels() {
    let registry: Vec<(&str, &str, &str)> = slotlint_analyzer::rules::RULES
        .iter()
        .map(|r| (r.name, r.code, r.severity.as_str()))
        .collect();
    assert_eq!(registry, CODES);
}

#[test]
fn rules_lists_every_rule_with_code_and_severity() {
    let out = slotlint(&["rules"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for (name, code, severity) in CODES {
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
    for (name, code, _) in CODES {
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
