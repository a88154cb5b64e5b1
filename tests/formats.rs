//! Every output format on the demo fixture, as snapshots, and SARIF against the OASIS schema.

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn slotlint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
        .args(args)
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .expect("run cargo-slotlint")
}

fn stdout(args: &[&str]) -> String {
    let out = slotlint(args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{args:?}: the demo has errors\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn human_snapshot() {
    insta::assert_snapshot!(
        "demo_human",
        stdout(&["check", "fixtures/demo", "--format", "human"])
    );
}

#[test]
fn short_snapshot() {
    insta::assert_snapshot!(
        "demo_short",
        stdout(&["check", "fixtures/demo", "--format", "short"])
    );
}

#[test]
fn json_snapshot() {
    let text = stdout(&["check", "fixtures/demo", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["version"], 1);
    insta::assert_snapshot!("demo_json", text);
}

#[test]
fn json_lines_snapshot() {
    let text = stdout(&["check", "fixtures/demo", "--format", "json-lines"]);
    // Each line is one finding, the same object as in `json`'s `diagnostics`.
    let doc: serde_json::Value =
        serde_json::from_str(&stdout(&["check", "fixtures/demo", "--format", "json"])).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(&lines, doc["diagnostics"].as_array().unwrap());
    insta::assert_snapshot!("demo_json_lines", text);
}

#[test]
fn github_snapshot() {
    let text = stdout(&["check", "fixtures/demo", "--format", "github"]);
    for line in text.lines() {
        assert!(
            line.starts_with("::error file=")
                || line.starts_with("::warning file=")
                || line.starts_with("::notice file="),
            "not a workflow command: {line}"
        );
        // One command per line (newlines in messages are escaped), and the properties end at the
        // first `::` (their colons and commas are escaped).
        let (properties, message) = line[2..].split_once("::").expect("a message");
        assert!(!message.is_empty());
        for p in properties.split(',').skip(1) {
            let (_, value) = p.split_once('=').expect("key=value");
            assert!(!value.contains(':'), "{line}");
        }
    }
    insta::assert_snapshot!("demo_github", text);
}

#[test]
fn sarif_snapshot() {
    // `originalUriBaseIds` holds the checkout's absolute path.
    let text = stdout(&["check", "fixtures/demo", "--format", "sarif"]);
    let base = format!("\"file://{}/\"", root().display());
    assert!(text.contains(&base), "{base} in {text}");
    insta::assert_snapshot!("demo_sarif", text.replace(&base, "\"file:///REPO/\""));
}

/// The official schema, kept byte for byte in fixtures/sarif. It has a known defect that strict
/// validators refuse when they check the schema itself: the `language` pattern of `run` and
/// `artifact` has an unbalanced `]`. It is corrected here, in memory, to what it means (two
/// letters, optionally `-` and two more); no property slotlint writes is affected.
fn sarif_schema() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("fixtures/sarif/sarif-schema-2.1.0.json"))
        .expect("the SARIF schema in fixtures/sarif");
    let defect = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert_eq!(text.matches(defect).count(), 2, "the schema file changed");
    let text = text.replace(defect, r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#);
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("the schema compiles")
}

/// Validates a SARIF log against the OASIS SARIF 2.1.0 schema.
fn assert_valid_sarif(doc: &serde_json::Value) {
    let validator = sarif_schema();
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

fn sarif_of(args: &[&str]) -> serde_json::Value {
    let out = slotlint(args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("SARIF is JSON")
}

#[test]
fn the_schema_rejects_what_it_should() {
    // The validator is not vacuous: a result without a message, and a bad level, are refused.
    let mut doc = sarif_of(&["check", "fixtures/demo", "--format", "sarif"]);
    doc["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!sarif_schema().is_valid(&doc));
    let mut doc = sarif_of(&["check", "fixtures/demo", "--format", "sarif"]);
    doc["runs"][0]["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("message");
    assert!(!sarif_schema().is_valid(&doc));
}

#[test]
fn sarif_is_valid_and_complete_on_the_demo() {
    let doc = sarif_of(&["check", "fixtures/demo", "--format", "sarif"]);
    assert_valid_sarif(&doc);
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let names = slotlint_rules();
    assert_eq!(names.len(), slotlint_analyzer::rules::RULES.len());
    assert_eq!(rules.len(), names.len());
    for rule in names {
        let r = rules
            .iter()
            .find(|r| r["id"] == rule.as_str())
            .unwrap_or_else(|| panic!("rule {rule} in the driver"));
        let help_uri = r["helpUri"].as_str().unwrap();
        assert_eq!(
            help_uri,
            format!("https://github.com/slotlint/slotlint/blob/main/docs/rules/{rule}.md")
        );
        // docs/rules/NAME.md is generated from the registry (tests/docs.rs keeps it current).
        assert!(
            root().join(format!("docs/rules/{rule}.md")).is_file(),
            "{help_uri} points at a file of the repository"
        );
        assert!(["very-high", "high", "medium", "low"]
            .contains(&r["properties"]["precision"].as_str().unwrap()));
        assert!(["error", "warning", "recommendation"]
            .contains(&r["properties"]["problem.severity"].as_str().unwrap()));
        assert!(r["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## What it finds"));
        assert!(r["properties"]["code"].as_str().unwrap().starts_with("SL"));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&slotlint(&["check", "fixtures/demo", "--format", "json"]).stdout)
            .unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), json["diagnostics"].as_array().unwrap().len());
    for (r, d) in results.iter().zip(json["diagnostics"].as_array().unwrap()) {
        assert_eq!(r["ruleId"], d["rule"]);
        assert_eq!(r["level"], d["severity"]);
        let region = &r["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], d["line"]);
        assert_eq!(region["startColumn"], d["column"]);
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            d["file"]
        );
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        assert!(r["partialFingerprints"]["slotlint/v1"].is_string());
        assert!(r.get("suppressions").is_none());
        // Each related location is linked from the message: `[label](id)`.
        let text = r["message"]["text"].as_str().unwrap();
        for rel in r["relatedLocations"].as_array().into_iter().flatten() {
            let link = format!("]({})", rel["id"]);
            assert!(text.contains(&link), "{link} in {text}");
        }
    }
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        format!("file://{}/", root().display())
    );
    // Fixes from the fix engine: each replacement rewrites a string literal of the demo.
    let fixed: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r.get("fixes").is_some())
        .collect();
    assert!(!fixed.is_empty());
    for r in fixed {
        for change in r["fixes"][0]["artifactChanges"].as_array().unwrap() {
            let file = root().join(change["artifactLocation"]["uri"].as_str().unwrap());
            let source = std::fs::read_to_string(&file).unwrap();
            for rep in change["replacements"].as_array().unwrap() {
                let region = &rep["deletedRegion"];
                let line = source
                    .lines()
                    .nth(region["startLine"].as_u64().unwrap() as usize - 1)
                    .unwrap();
                let old: String = line
                    .chars()
                    .skip(region["startColumn"].as_u64().unwrap() as usize - 1)
                    .take(
                        (region["endColumn"].as_u64().unwrap()
                            - region["startColumn"].as_u64().unwrap())
                            as usize,
                    )
                    .collect();
                let new = rep["insertedContent"]["text"].as_str().unwrap();
                assert!(old.starts_with('"') && old.ends_with('"'), "{old}");
                // Only braces are inserted.
                assert_eq!(
                    new.replace(['{', '}'], ""),
                    old.replace(['{', '}'], ""),
                    "{old} -> {new}"
                );
            }
        }
    }
}

#[test]
fn sarif_leaves_suppressed_findings_out_unless_asked() {
    // GitHub code scanning ignores `suppressions`: each would be an open alert.
    let doc = sarif_of(&["check", "fixtures/ci/suppressions", "--format", "sarif"]);
    assert_valid_sarif(&doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    assert!(results.iter().all(|r| r.get("suppressions").is_none()));

    let doc = sarif_of(&[
        "check",
        "fixtures/ci/suppressions",
        "--format",
        "sarif",
        "--sarif-include-suppressed",
    ]);
    assert_valid_sarif(&doc);
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 8, "{suppressed:#?}");
    for r in &suppressed {
        assert_eq!(r["suppressions"][0]["kind"], "inSource");
    }
    assert!(suppressed
        .iter()
        .any(|r| r["suppressions"][0]["justification"]
            == "batch job, runs against the standalone replica"));
}

#[test]
fn sarif_is_valid_with_a_configuration_and_a_baseline() {
    let dir = std::env::temp_dir().join(format!("slotlint-formats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let baseline = dir.join("baseline.json");
    let manifest = "fixtures/ci/config/Cargo.toml";
    let out = slotlint(&[
        "check",
        "--manifest-path",
        manifest,
        "--write-baseline",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let doc = sarif_of(&[
        "check",
        "--manifest-path",
        manifest,
        "--format",
        "sarif",
        "--baseline",
        baseline.to_str().unwrap(),
    ]);
    assert_valid_sarif(&doc);
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

fn slotlint_rules() -> Vec<String> {
    let out = slotlint(&["rules"]);
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().nth(1).unwrap().to_owned())
        .collect()
}

#[test]
fn every_format_exits_alike() {
    for format in ["human", "json", "json-lines", "sarif", "github", "short"] {
        let out = slotlint(&["check", "fixtures/demo", "--format", format]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let out = slotlint(&["check", "fixtures/demo", "--format", format, "--exit-zero"]);
        assert_eq!(out.status.code(), Some(0), "{format}");
    }
}
