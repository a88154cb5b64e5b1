//! The `check` command end to end: fixtures with inline expectations (`support/expect.rs`),
//! exit codes, bad input, and the prefilter's equivalence. (The rendered output of the demo is
//! snapshotted by tests/formats.rs.)

#[path = "support/expect.rs"]
mod expect;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use expect::{assert_expectations, findings_of as findings};

fn root() -> PathBuf {
    expect::root()
}

fn slotlint(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run cargo-slotlint")
}

#[test]
fn demo_fixture_meets_its_inline_expectations() {
    assert_expectations("fixtures/demo");
}

/// `fixtures/broken` marks its findings inline: the file that does not parse (a note), the
/// file that does (redis 0.23 does not split MGET: an error), and the manifest (redis 0.23
/// without `cluster`).
#[test]
fn a_file_that_does_not_parse_is_reported_and_the_rest_is_checked() {
    let expected = assert_expectations("fixtures/broken");
    for rule in [
        "parse-error",
        "cross-slot-command",
        "cluster-feature-missing",
    ] {
        assert!(expected.flags(rule), "fixtures/broken marks no {rule}");
    }
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

/// Demand-driven analysis (the default: files that name redis are parsed up front, others only
/// when an item of theirs is needed) finds exactly what analysing every file finds
/// (`--no-prefilter`): the whole JSON document and the exit code, on every package of the
/// fixtures, checked as a workspace (`--manifest-path`) and as a folder.
#[test]
fn demand_driven_analysis_changes_nothing_on_any_fixture() {
    let mut manifests = Vec::new();
    let mut stack = vec![root().join("fixtures")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().is_some_and(|n| n == "Cargo.toml") {
                manifests.push(path);
            }
        }
    }
    manifests.sort();
    assert!(
        manifests.len() > 20,
        "found {} fixture packages",
        manifests.len()
    );
    let runs: Vec<Vec<String>> = manifests
        .iter()
        .flat_map(|m| {
            let dir = m.parent().unwrap().to_string_lossy().into_owned();
            let m = m.to_string_lossy().into_owned();
            [
                vec!["check".into(), "--manifest-path".into(), m],
                vec!["check".into(), dir],
            ]
        })
        .collect();
    // Two runs per case, on both cores.
    let failures: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = runs
            .chunks(runs.len().div_ceil(2))
            .map(|chunk| {
                s.spawn(move || {
                    let mut failures = Vec::new();
                    for args in chunk {
                        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
                        args.extend(["--format", "json"]);
                        let demand = slotlint(&args, &root());
                        args.push("--no-prefilter");
                        let every = slotlint(&args, &root());
                        let parse = |o: &Output| {
                            serde_json::from_slice::<serde_json::Value>(&o.stdout).ok()
                        };
                        let json = parse(&demand);
                        // A document, unless the run refused its input (exit 2).
                        let refused = json.is_none() && demand.status.code() == Some(2);
                        if (json.is_none() && !refused)
                            || json != parse(&every)
                            || demand.status.code() != every.status.code()
                        {
                            failures.push(format!(
                                "{}:\n{}\n--- with --no-prefilter:\n{}",
                                args.join(" "),
                                String::from_utf8_lossy(&demand.stdout),
                                String::from_utf8_lossy(&every.stdout)
                            ));
                        }
                    }
                    failures
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
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

/// A package that a workspace above it excludes (`exclude = ["examples"]`) is its own workspace,
/// as cargo has it: `cargo slotlint` run inside it checks it, not the workspace above (which
/// it did, with that workspace's findings).
#[test]
fn a_package_the_workspace_above_excludes_is_checked_on_its_own() {
    let dir = temp_dir("excluded");
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let rename = |from: &str| {
        format!("pub fn f(c: &mut redis::Connection) -> redis::RedisResult<()> {{ redis::Commands::rename(c, \"{from}\", \"b\") }}\n")
    };
    write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"service\"]\nexclude = [\"examples\"]\n",
    );
    write(
        "service/Cargo.toml",
        "[package]\nname = \"service\"\nversion = \"0.1.0\"\n[dependencies]\nredis = \"0.32\"\n",
    );
    write("service/src/lib.rs", &rename("service:a"));
    write(
        "examples/demo/Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n[dependencies]\nredis = \"0.32\"\n",
    );
    write("examples/demo/src/lib.rs", &rename("demo:a"));
    let files = |cwd: &Path| -> BTreeSet<String> {
        let out = slotlint(&["--format", "json"], cwd);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        findings(&doc).into_iter().map(|f| f.0).collect()
    };
    // Paths are relative to the package (no git repository around it).
    let inside = files(&dir.join("examples/demo"));
    assert!(inside.contains("src/lib.rs"), "{inside:?}");
    assert!(inside.iter().all(|f| !f.contains("service")), "{inside:?}");
    // The workspace itself checks its members, not the excluded package.
    let above = files(&dir);
    assert!(above.contains("service/src/lib.rs"), "{above:?}");
    assert!(above.iter().all(|f| !f.contains("demo")), "{above:?}");
    let _ = std::fs::remove_dir_all(&dir);
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
fn legacy_fixture_meets_its_inline_expectations() {
    assert_expectations("fixtures/legacy");
}

#[test]
fn declared_key_tags_are_trusted() {
    assert_expectations("fixtures/annotated");
}
