//! The `check` command end to end: fixtures with inline expectations, output snapshots, exit
//! codes, bad input, and the prefilter's equivalence.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn slotlint(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run cargo-slotlint")
}

fn json(args: &[&str]) -> serde_json::Value {
    let out = slotlint(args, &root());
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "JSON from {args:?}: {e}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `(file, line, severity, rule)` of every finding.
fn findings(doc: &serde_json::Value) -> BTreeSet<(String, u64, String, String)> {
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

/// `//~ LEVEL rule` at the end of a line (`#~` in Cargo.toml): a finding of that rule and
/// severity starts there.
fn expectations(dir: &str) -> BTreeSet<(String, u64, String, String)> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root().join(dir)];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                || path.file_name().is_some_and(|n| n == "Cargo.toml")
            {
                let marker = if path.extension().is_some_and(|e| e == "rs") {
                    "//~ "
                } else {
                    "#~ "
                };
                let text = std::fs::read_to_string(&path).unwrap();
                let rel = path
                    .strip_prefix(root())
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                for (i, line) in text.lines().enumerate() {
                    if let Some(pos) = line.find(marker) {
                        let mut words = line[pos + marker.len()..].split_whitespace();
                        let level = words.next().unwrap().to_ascii_lowercase();
                        let rule = words.next().unwrap().to_owned();
                        out.insert((rel.clone(), i as u64 + 1, level, rule));
                    }
                }
            }
        }
    }
    out
}

fn assert_expectations(dir: &str) {
    let expected = expectations(dir);
    let found = findings(&json(&["check", dir, "--format", "json"]));
    let missing: Vec<_> = expected.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    assert!(missing.is_empty() && unexpected.is_empty(), "in {dir}\nmissing (annotated, not found): {missing:#?}\nunexpected (found, not annotated): {unexpected:#?}");
}

#[test]
fn demo_fixture_meets_its_inline_expectations() {
    assert_expectations("fixtures/demo");
}

#[test]
fn every_cross_slot_rule_fires_on_the_demo() {
    let found = findings(&json(&["check", "fixtures/demo", "--format", "json"]));
    for rule in [
        "cross-slot-command",
        "cross-slot-transaction",
        "cross-slot-script",
        "cross-slot-pipeline",
    ] {
        assert!(
            found.iter().any(|f| f.3 == rule && f.2 == "error"),
            "no error of {rule}"
        );
    }
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_the_rest_is_checked() {
    let doc = json(&["check", "fixtures/broken", "--format", "json"]);
    let found = findings(&doc);
    assert!(
        found.contains(&(
            "fixtures/broken/src/broken.rs".into(),
            5,
            "note".into(),
            "parse-error".into()
        )),
        "{found:#?}"
    );
    // redis 0.23 (from Cargo.toml) does not split MGET: an error, not a warning.
    assert!(
        found.contains(&(
            "fixtures/broken/src/fine.rs".into(),
            5,
            "error".into(),
            "cross-slot-command".into()
        )),
        "{found:#?}"
    );
    // redis 0.23 without `cluster`: the manifest is reported too.
    assert!(
        found.contains(&(
            "fixtures/broken/Cargo.toml".into(),
            10,
            "warning".into(),
            "cluster-feature-missing".into()
        )),
        "{found:#?}"
    );
    assert_eq!(found.len(), 3, "{found:#?}");
}

#[test]
fn prefilter_changes_nothing() {
    for dir in ["fixtures/demo", "fixtures/broken", "crates", "fixtures"] {
        let with = slotlint(&["check", dir, "--format", "json"], &root());
        let without = slotlint(
            &["check", dir, "--format", "json", "--no-prefilter"],
            &root(),
        );
        let (a, b): (serde_json::Value, serde_json::Value) = (
            serde_json::from_slice(&with.stdout).unwrap(),
            serde_json::from_slice(&without.stdout).unwrap(),
        );
        assert_eq!(
            a["diagnostics"], b["diagnostics"],
            "prefilter changed the findings on {dir}"
        );
        assert_eq!(with.status.code(), without.status.code());
    }
}

#[test]
fn exit_codes() {
    let code = |args: &[&str]| slotlint(args, &root()).status.code();
    assert_eq!(
        code(&["check", "fixtures/demo"]),
        Some(1),
        "errors fail the run"
    );
    assert_eq!(code(&["check", "fixtures/demo", "--exit-zero"]), Some(0));
    assert_eq!(
        code(&["check", "fixtures/demo/src/lookalikes.rs"]),
        Some(0),
        "nothing found"
    );
    // A file whose only findings are a warning and a note.
    let dir = temp_dir("warn-only");
    std::fs::write(dir.join("w.rs"), "use redis::AsyncCommands;\nasync fn f(c: &mut redis::aio::MultiplexedConnection, ids: &[u64]) {\n    let k: Vec<String> = ids.iter().map(|i| format!(\"a:{i}\")).collect();\n    let _: () = c.del(&k).await.unwrap();\n}\n").unwrap();
    let d = dir.to_str().unwrap();
    assert_eq!(code(&["check", d]), Some(0), "warnings pass by default");
    assert_eq!(code(&["check", d, "--deny", "warnings"]), Some(1));
    assert_eq!(code(&["check", "no/such/path"]), Some(2), "usage error");
    assert_eq!(
        code(&["check", "--format", "yaml", "fixtures/demo"]),
        Some(2),
        "bad flag"
    );
    assert_eq!(code(&["explain", "no-such-rule"]), Some(2));
    assert_eq!(code(&["explain", "cross-slot-command"]), Some(0));
    assert_eq!(code(&["explain", "SL104"]), Some(0));
    assert_eq!(code(&["rules"]), Some(0));
    // `cargo slotlint …` passes `slotlint` as the first argument.
    assert_eq!(
        code(&["slotlint", "check", "fixtures/demo/src/lookalikes.rs"]),
        Some(0)
    );
    assert_eq!(
        code(&["slotlint", "fixtures/demo"]),
        Some(1),
        "check is the default subcommand"
    );
}

#[test]
fn manifest_path_selects_the_workspace() {
    let out = slotlint(
        &[
            "check",
            "--manifest-path",
            "fixtures/demo/Cargo.toml",
            "--format",
            "json",
        ],
        &root(),
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files: BTreeSet<String> = findings(&doc).into_iter().map(|f| f.0).collect();
    // Paths are relative to the repository root (the git top level), whatever the workspace.
    assert!(
        files.contains("fixtures/demo/src/cross_slot_command.rs"),
        "{files:?}"
    );
    // Run from inside the workspace, without arguments.
    let out = slotlint(&["--format", "json"], &root().join("fixtures/demo/src"));
    assert_eq!(out.status.code(), Some(1));
    let doc2: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["diagnostics"], doc2["diagnostics"]);
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("slotlint-engine-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn bad_input_gets_a_clear_note_and_the_run_goes_on() {
    let dir = temp_dir("bad-input");
    let good = "use redis::Commands;\nfn f(c: &mut redis::Connection) { let _: () = c.rename(\"a\", \"b\").unwrap(); }\n";
    std::fs::write(dir.join("good.rs"), good).unwrap();
    std::fs::write(dir.join("latin1.rs"), b"// redis caf\xe9\nfn x() {}\n").unwrap();
    std::fs::write(dir.join("syntax.rs"), "use redis::Commands;\nfn f( {\n").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.join("missing.rs"), dir.join("dangling.rs")).unwrap();
        std::fs::create_dir(dir.join("loop")).unwrap();
        std::os::unix::fs::symlink(&dir, dir.join("loop").join("back")).unwrap();
    }
    // A huge file: over the size limit, reported, not read.
    let huge = std::fs::File::create(dir.join("huge.rs")).unwrap();
    huge.set_len(slotlint_limit() + 1).unwrap();
    let out = slotlint(
        &["check", dir.to_str().unwrap(), "--format", "json"],
        &root(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "the good file's error still fails the run: {stderr}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let messages: Vec<String> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| format!("{} {}", d["rule"], d["message"]))
        .collect();
    let has = |needle: &str| messages.iter().any(|m| m.contains(needle));
    assert!(has("not valid UTF-8"), "{messages:#?}");
    assert!(has("does not parse"), "{messages:#?}");
    assert!(has("MiB"), "{messages:#?}");
    assert!(has("RENAME"), "{messages:#?}");
    #[cfg(unix)]
    assert!(has("dangling.rs"), "{messages:#?}");
}

fn slotlint_limit() -> u64 {
    slotlint_analyzer::MAX_FILE_BYTES
}

#[test]
fn a_workspace_without_redis_says_so() {
    let out = slotlint(&["check", "crates/hashslot"], &root());
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("no use of the redis crate found"),
        "{stdout}"
    );
}

#[test]
fn human_output_snapshot() {
    let out = slotlint(&["check", "fixtures/demo", "--color", "never"], &root());
    insta::assert_snapshot!("demo_human", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn json_output_snapshot() {
    let out = slotlint(&["check", "fixtures/demo", "--format", "json"], &root());
    insta::assert_snapshot!("demo_json", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn legacy_fixture_meets_its_inline_expectations() {
    assert_expectations("fixtures/legacy");
}

#[test]
fn declared_key_tags_are_trusted() {
    assert_expectations("fixtures/annotated");
}
