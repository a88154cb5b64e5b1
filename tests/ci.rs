//! The CI face: suppressions, baselines, configuration, `--statistics`, `--exit-zero`, `--color`,
//! and the README's GitHub Actions workflow and pre-commit hook, run as written.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cargo-slotlint")
}

fn run_in(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(cwd).env_remove("NO_COLOR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run cargo-slotlint")
}

fn run(args: &[&str]) -> Output {
    run_in(args, &root(), &[])
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    })
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("slotlint-ci-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rs_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// 1-based line of the only line of `file` containing `needle`.
fn line_of(file: &Path, needle: &str) -> u64 {
    let text = std::fs::read_to_string(file).unwrap();
    let found: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(found.len(), 1, "{needle:?} in {}", file.display());
    found[0] as u64
}

/// `(file, line, rule, severity)` of every finding.
fn findings(doc: &serde_json::Value) -> BTreeSet<(String, u64, String, String)> {
    doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["rule"].as_str().unwrap().to_owned(),
                d["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn finding(file: &str, line: u64, rule: &str, severity: &str) -> (String, u64, String, String) {
    (file.into(), line, rule.into(), severity.into())
}

// ----- suppressions -----

#[test]
fn suppressions_hide_findings_and_unused_ones_are_reported() {
    let dir = root().join("fixtures/ci/suppressions");
    let out = run(&["check", "fixtures/ci/suppressions", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc = json_of(&out);
    let lib = dir.join("src/lib.rs");
    let legacy = dir.join("src/legacy.rs");
    let unused = dir.join("src/unused.rs");
    let (l, g, u) = (
        "fixtures/ci/suppressions/src/lib.rs",
        "fixtures/ci/suppressions/src/legacy.rs",
        "fixtures/ci/suppressions/src/unused.rs",
    );
    let misspelled = line_of(&unused, "cross-slot-comand");
    let expected: BTreeSet<_> = [
        // Nothing suppresses it.
        finding(
            l,
            line_of(&lib, "format!(\"user:{id}:old\")"),
            "cross-slot-command",
            "error",
        ),
        // `allow-file` of a rule without findings in the file.
        finding(
            g,
            line_of(&legacy, "allow-file(cross-slot-command)"),
            "unused-suppression",
            "warning",
        ),
        // `allow-file` after the first item.
        finding(
            u,
            line_of(&unused, "too late"),
            "unused-suppression",
            "warning",
        ),
        // A stale comment: the keys share a tag now.
        finding(
            u,
            line_of(&unused, "shared a hash tag since"),
            "unused-suppression",
            "warning",
        ),
        // A misspelled rule suppresses nothing: the finding stays, and the typo is reported.
        finding(u, misspelled, "cross-slot-command", "error"),
        finding(u, misspelled, "unused-suppression", "warning"),
        // An attribute with nothing to suppress in its item.
        finding(
            u,
            line_of(&unused, "#[slotlint::allow(cross_slot_script)]"),
            "unused-suppression",
            "warning",
        ),
        // Malformed.
        finding(
            u,
            line_of(&unused, "// slotlint: allow cross-slot-command"),
            "unused-suppression",
            "warning",
        ),
    ]
    .into_iter()
    .collect();
    assert_eq!(findings(&doc), expected);
    // Same line, line before, attribute on a fn and on an impl, allow-file (two files), and the
    // unused suppression that is itself allowed.
    assert_eq!(doc["summary"]["suppressed"], 8);
    let typo = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "unused-suppression" && d["line"] == misspelled)
        .unwrap();
    assert!(
        typo["help"]
            .as_str()
            .unwrap()
            .contains("did you mean `cross-slot-command`?"),
        "{typo}"
    );

    // Human output: suppressed findings are not printed, only counted.
    let out = run(&["check", "fixtures/ci/suppressions", "--color", "never"]);
    let human = text(&out.stdout);
    assert!(!human.contains("format!(\"a:{id}\")"), "{human}");
    assert!(!human.contains("\"i:{id}\""), "{human}");
    assert!(human.contains("8 suppressed"), "{human}");
}

#[test]
fn suppressed_findings_do_not_count_for_the_exit_code() {
    let dir = temp_dir("suppressed-exit");
    let call = "pub async fn f(con: &mut redis::aio::MultiplexedConnection, id: u64) -> redis::RedisResult<()> {\n    redis::AsyncCommands::rename(con, format!(\"a:{id}\"), format!(\"b:{id}\")).await";
    std::fs::write(dir.join("a.rs"), format!("{call}\n}}\n")).unwrap();
    let out = run_in(&["check", "a.rs"], &dir, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    std::fs::write(
        dir.join("a.rs"),
        format!("{call} // slotlint: allow(cross-slot-command) one tenant\n}}\n"),
    )
    .unwrap();
    let out = run_in(&["check", "a.rs", "--deny", "notes"], &dir, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    // A suppression of unused-suppression in configuration: the typo is not reported either.
    std::fs::write(
        dir.join("a.rs"),
        format!("{call} // slotlint: allow(cross-slot-command, cross-slot-scrpit)\n}}\n"),
    )
    .unwrap();
    let out = run_in(&["check", "a.rs", "--deny", "warnings"], &dir, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    std::fs::write(
        dir.join("slotlint.toml"),
        "[rules]\nunused-suppression = \"allow\"\n",
    )
    .unwrap();
    let out = run_in(&["check", "a.rs", "--deny", "warnings"], &dir, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ----- baseline -----

fn insert_lines_at_top(dir: &Path, n: usize) {
    let mut files = Vec::new();
    rs_files(dir, &mut files);
    assert!(!files.is_empty());
    for f in files {
        let old = std::fs::read_to_string(&f).unwrap();
        let mut new = "// moved down\n".repeat(n);
        new.push('\n');
        new.push_str(&old);
        std::fs::write(&f, new).unwrap();
    }
}

fn replace_in(file: &Path, from: &str, to: &str) {
    let old = std::fs::read_to_string(file).unwrap();
    assert!(old.contains(from), "{from:?} in {}", file.display());
    std::fs::write(file, old.replacen(from, to, 1)).unwrap();
}

#[test]
fn baseline_survives_a_code_move_and_reports_new_and_fixed() {
    let dir = temp_dir("baseline");
    let demo = dir.join("demo");
    copy_dir(&root().join("fixtures/demo"), &demo);
    let baseline = dir.join("slotlint-baseline.json");
    let b = baseline.to_str().unwrap();

    let before = json_of(&run_in(&["check", "--format", "json"], &demo, &[]));
    let count = before["diagnostics"].as_array().unwrap().len();
    assert!(count > 5);
    let out = run_in(&["check", "--write-baseline", b], &demo, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(&format!("recorded {count} findings")));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(written["findings"].as_array().unwrap().len(), count);

    // Every line of every file moves down; one call is reflowed over several lines.
    insert_lines_at_top(&demo, 7);
    replace_in(
        &demo.join("src/cross_slot_command.rs"),
        "con.rename(profile_key(user), settings_key(user))",
        "con.rename(\n        profile_key(user), // old\n        settings_key(user)\n    )",
    );
    let moved = json_of(&run_in(&["check", "--format", "json"], &demo, &[]));
    assert_eq!(moved["diagnostics"].as_array().unwrap().len(), count);
    assert_ne!(
        findings(&moved),
        findings(&before),
        "the lines moved: a line-based baseline would break"
    );
    let out = run_in(&["check", "--format", "json", "--baseline", b], &demo, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let doc = json_of(&out);
    assert_eq!(doc["diagnostics"], serde_json::json!([]));
    assert_eq!(doc["baseline"]["new"], 0);
    assert_eq!(doc["baseline"]["known"], count);
    assert_eq!(doc["baseline"]["fixed"], 0);
    assert_eq!(doc["summary"]["errors"], 0);
    // Nothing new reaches a warning: `--deny warnings` passes.
    let out = run_in(
        &["check", "--baseline", b, "--deny", "warnings"],
        &demo,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));

    // A new finding, and a fixed one.
    let cmd = demo.join("src/cross_slot_command.rs");
    std::fs::write(
        &cmd,
        std::fs::read_to_string(&cmd).unwrap()
            + "\npub async fn copy_cart(con: &mut MultiplexedConnection, cart: u64) -> RedisResult<()> {\n    con.rename(format!(\"cart:{cart}\"), format!(\"cart:{cart}:copy\")).await\n}\n",
    )
    .unwrap();
    replace_in(
        &cmd,
        "con.smove(SESSIONS, SESSIONS_OLD, user)",
        "con.smove(SESSIONS, SESSIONS, user)",
    );
    let out = run_in(&["check", "--format", "json", "--baseline", b], &demo, &[]);
    assert_eq!(out.status.code(), Some(1));
    let doc = json_of(&out);
    let new_line = line_of(&cmd, "cart:{cart}:copy");
    assert_eq!(
        findings(&doc),
        [finding(
            "src/cross_slot_command.rs",
            new_line,
            "cross-slot-command",
            "error"
        )]
        .into_iter()
        .collect()
    );
    assert_eq!(doc["baseline"]["new"], 1);
    assert_eq!(doc["baseline"]["known"], count - 1);
    assert_eq!(doc["baseline"]["fixed"], 1);
    let out = run_in(&["check", "--baseline", b, "--color", "never"], &demo, &[]);
    let human = text(&out.stdout);
    assert!(
        human.contains(&format!(
            "baseline {b}: 1 new, {} known, 1 fixed",
            count - 1
        )),
        "{human}"
    );
    assert!(human.contains("cart:{cart}:copy"));
    assert!(!human.contains("SUNION"), "known findings are not shown");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_or_broken_baseline_is_a_usage_error() {
    let dir = temp_dir("bad-baseline");
    let out = run(&[
        "check",
        "fixtures/demo",
        "--baseline",
        dir.join("nope.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read the baseline"));
    std::fs::write(dir.join("bad.json"), "{\"findings\": 3}").unwrap();
    let out = run(&[
        "check",
        "fixtures/demo",
        "--baseline",
        dir.join("bad.json").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("is not a slotlint baseline"));
    let _ = std::fs::remove_dir_all(&dir);
}

// ----- configuration -----

#[test]
fn configuration_in_cargo_toml_sets_levels_paths_and_the_redis_version() {
    let dir = root().join("fixtures/ci/config");
    let lib = dir.join("src/lib.rs");
    let manifest = "fixtures/ci/config/Cargo.toml";
    let out = run(&["check", "--manifest-path", manifest, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let rename = line_of(&lib, "archive_key(id)).await");
    let mget = line_of(&lib, "con.mget");
    let pipe = line_of(&lib, "redis::pipe()");
    // tests/ is allowed by an override, src/generated is excluded; the pipeline is lowered to
    // a warning; redis-version 0.23.3 predates the cluster client's MGET split: an error.
    // Paths are relative to the repository, not to the workspace.
    let lib_rs = "fixtures/ci/config/src/lib.rs";
    assert_eq!(
        findings(&json_of(&out)),
        [
            finding(lib_rs, rename, "cross-slot-command", "error"),
            finding(lib_rs, mget, "cross-slot-command", "error"),
            finding(lib_rs, pipe, "cross-slot-pipeline", "warning"),
        ]
        .into_iter()
        .collect()
    );
    // The excluded file was still read: the key helper it defines is followed.
    let doc = json_of(&out);
    let keys = &doc["diagnostics"][0]["keys"];
    assert_eq!(keys[1]["pattern"], "archive:order:<id>", "{keys}");
    // The command line wins.
    let out = run(&[
        "check",
        "--manifest-path",
        manifest,
        "--format",
        "json",
        "--redis-version",
        "1.0.0",
    ]);
    assert!(findings(&json_of(&out)).contains(&finding(
        lib_rs,
        mget,
        "cross-slot-command",
        "warning"
    )));
}

fn project(name: &str, manifest_extra: &str) -> PathBuf {
    let dir = temp_dir(name);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nredis = {{ version = \"0.27\", features = [\"tokio-comp\", \"cluster-async\"] }}\n\n[workspace]\n{manifest_extra}"
        ),
    )
    .unwrap();
    // One warning (MGET is split per slot), nothing else.
    std::fs::write(
        dir.join("src/lib.rs"),
        "use redis::AsyncCommands;\npub async fn f(con: &mut redis::aio::MultiplexedConnection, a: u64) -> redis::RedisResult<Vec<String>> {\n    con.mget(&[format!(\"item:{a}\"), format!(\"price:{a}\")]).await\n}\n",
    )
    .unwrap();
    dir
}

#[test]
fn the_failing_severity_comes_from_the_configuration_unless_given() {
    let dir = project("deny", "");
    assert_eq!(run_in(&["check"], &dir, &[]).status.code(), Some(0));
    std::fs::write(dir.join("slotlint.toml"), "deny = \"warnings\"\n").unwrap();
    assert_eq!(run_in(&["check"], &dir, &[]).status.code(), Some(1));
    assert_eq!(
        run_in(&["check", "--deny", "errors"], &dir, &[])
            .status
            .code(),
        Some(0)
    );
    // --exit-zero wins over everything.
    assert_eq!(
        run_in(&["check", "--exit-zero"], &dir, &[]).status.code(),
        Some(0)
    );
    // --config names another file.
    std::fs::write(
        dir.join("other.toml"),
        "[rules]\ncross-slot-command = \"allow\"\n",
    )
    .unwrap();
    let out = run_in(
        &["check", "--config", "other.toml", "--format", "json"],
        &dir,
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_of(&out)["diagnostics"], serde_json::json!([]));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn package_metadata_and_overrides_set_severities() {
    let dir = project(
        "package-metadata",
        "\n[package.metadata.slotlint.rules]\ncross-slot-command = \"deny\"\n",
    );
    let out = run_in(&["check", "--format", "json"], &dir, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_of(&out)["diagnostics"][0]["severity"], "error");
    let dir = project(
        "overrides",
        "\n[workspace.metadata.slotlint]\ninclude = [\"src/**\"]\n[[workspace.metadata.slotlint.overrides]]\npaths = [\"lib.rs\"]\nrules = { SL101 = \"note\" }\n",
    );
    let out = run_in(&["check", "--format", "json"], &dir, &[]);
    assert_eq!(json_of(&out)["diagnostics"][0]["severity"], "note");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn configuration_errors_name_the_closest_valid_key() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "Cargo.toml",
            "[workspace.metadata.slotlint]\nexlcude = [\"x\"]\n",
            &[
                "Cargo.toml:11",
                "unknown key `exlcude`",
                "did you mean `exclude`?",
            ],
        ),
        (
            "slotlint.toml",
            "redis_version = \"0.23\"\n",
            &["slotlint.toml:1", "did you mean `redis-version`?"],
        ),
        (
            "slotlint.toml",
            "[rules]\ncross-slot-comand = \"warn\"\n",
            &[
                "slotlint.toml:2",
                "unknown rule `cross-slot-comand`",
                "did you mean `cross-slot-command`?",
            ],
        ),
        (
            "slotlint.toml",
            "[rules]\ncross-slot-command = \"wran\"\n",
            &["one of allow, note, warn, deny", "did you mean `warn`?"],
        ),
        (
            "slotlint.toml",
            "deny = \"wranings\"\n",
            &["did you mean `warnings`?"],
        ),
        (
            "slotlint.toml",
            "deny = \"allow\"\n",
            &["`allow` is not a failing severity"],
        ),
        (
            "slotlint.toml",
            "[[overrides]]\npath = [\"tests/**\"]\n",
            &["unknown key `path` in [overrides]", "did you mean `paths`?"],
        ),
        (
            "slotlint.toml",
            "redis-version = \"latest\"\n",
            &["not a version"],
        ),
        (
            "slotlint.toml",
            "exclude = \"tests\"\n",
            &["must be a list of globs"],
        ),
        (
            "slotlint.toml",
            "rules = [\n",
            &["slotlint.toml:", "not valid TOML"],
        ),
        (
            "Cargo.toml",
            "[package.metadata.slotlint]\nexclude = []\nverbose = true\n",
            &["unknown key `verbose` in [package.metadata.slotlint]"],
        ),
    ];
    for (i, (file, content, expected)) in cases.iter().enumerate() {
        let dir = project(&format!("config-error-{i}"), "");
        let path = dir.join(file);
        let mut text = if *file == "Cargo.toml" {
            std::fs::read_to_string(&path).unwrap()
        } else {
            String::new()
        };
        text.push_str(content);
        std::fs::write(&path, text).unwrap();
        let out = run_in(&["check"], &dir, &[]);
        let stderr = text_of(&out);
        assert_eq!(out.status.code(), Some(2), "case {i}: {stderr}");
        for e in *expected {
            assert!(stderr.contains(e), "case {i}: expected {e:?} in: {stderr}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    // A member package cannot set what applies to the whole run.
    let dir = temp_dir("member-deny");
    std::fs::write(dir.join("Cargo.toml"), "[workspace]\nmembers = [\"m\"]\n").unwrap();
    std::fs::create_dir_all(dir.join("m/src")).unwrap();
    std::fs::write(
        dir.join("m/Cargo.toml"),
        "[package]\nname = \"m\"\nversion = \"0.1.0\"\n\n[package.metadata.slotlint]\ndeny = \"warnings\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("m/src/lib.rs"), "").unwrap();
    let out = run_in(&["check"], &dir, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text_of(&out).contains("`deny` applies to the whole run"),
        "{}",
        text_of(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn text_of(out: &Output) -> String {
    text(&out.stderr)
}

// ----- statistics, exit-zero, color -----

#[test]
fn statistics_count_findings_per_rule() {
    let out = run(&["check", "fixtures/demo", "--statistics", "--color", "never"]);
    let human = text(&out.stdout);
    let doc = json_of(&run(&["check", "fixtures/demo", "--format", "json"]));
    let per_rule = |rule: &str| {
        doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"] == rule)
            .count()
    };
    assert!(human.contains("count  code   fixable rule\n"), "{human}");
    let mut counts = Vec::new();
    for (code, rule) in [
        ("SL101", "cross-slot-command"),
        ("SL102", "cross-slot-transaction"),
        ("SL103", "cross-slot-script"),
        ("SL104", "cross-slot-pipeline"),
    ] {
        let line = format!("{:>5}  {code:<6} yes     {rule}\n", per_rule(rule));
        let at = human
            .find(&line)
            .unwrap_or_else(|| panic!("{line:?} in:\n{human}"));
        counts.push((at, per_rule(rule)));
    }
    // Most frequent first.
    counts.sort();
    assert!(counts.windows(2).all(|w| w[0].1 >= w[1].1), "{human}");
    // Machine-readable formats keep stdout one document: the statistics go to stderr.
    for format in ["json", "sarif"] {
        let out = run(&["check", "fixtures/demo", "--format", format, "--statistics"]);
        json_of(&out);
        assert!(text(&out.stderr).contains("SL101  yes     cross-slot-command"));
    }
    let out = run(&[
        "check",
        "fixtures/demo",
        "--format",
        "short",
        "--statistics",
    ]);
    assert!(text(&out.stdout).contains("SL104  yes     cross-slot-pipeline"));
}

#[test]
fn exit_zero_never_fails() {
    assert_eq!(run(&["check", "fixtures/demo"]).status.code(), Some(1));
    assert_eq!(
        run(&["check", "fixtures/demo", "--exit-zero", "--deny", "notes"])
            .status
            .code(),
        Some(0)
    );
    // Usage errors still exit 2.
    assert_eq!(
        run(&["check", "fixtures/nope", "--exit-zero"])
            .status
            .code(),
        Some(2)
    );
}

const ESC: &str = "\x1b[";

#[test]
fn colors_follow_the_flag_and_never_go_to_a_pipe_by_default() {
    for format in ["human", "short"] {
        let colored = |args: &[&str], env: &[(&str, &str)]| {
            let mut all = vec!["check", "fixtures/demo", "--format", format];
            all.extend_from_slice(args);
            text(&run_in(&all, &root(), env).stdout).contains(ESC)
        };
        assert!(colored(&["--color", "always"], &[]), "{format}");
        // An explicit flag wins over NO_COLOR (no-color.org).
        assert!(
            colored(&["--color", "always"], &[("NO_COLOR", "1")]),
            "{format}"
        );
        assert!(!colored(&["--color", "never"], &[]), "{format}");
        // stdout is a pipe here: no colors.
        assert!(!colored(&[], &[]), "{format}");
        assert!(!colored(&["--color", "auto"], &[]), "{format}");
    }
    // Machine formats never carry colors.
    for format in ["json", "json-lines", "sarif", "github"] {
        let out = run(&[
            "check",
            "fixtures/demo",
            "--format",
            format,
            "--color",
            "always",
        ]);
        assert!(!text(&out.stdout).contains(ESC), "{format}");
    }
}

/// `--color auto` on a terminal: colors, unless `NO_COLOR` is set (and not empty). The terminal
/// is util-linux's `script`, which must be installed (Debian: `apt-get install -y bsdutils`).
#[test]
fn colors_on_a_terminal_honour_no_color() {
    let version = Command::new("script").arg("--version").output();
    assert!(
        version.as_ref().is_ok_and(|o| o.status.success()),
        "this test needs util-linux's `script` for a terminal (Debian: `apt-get install -y bsdutils`): {version:?}"
    );
    let on_tty = |no_color: Option<&str>| -> String {
        let line = format!("{} check fixtures/demo --format short", bin());
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &line, "/dev/null"])
            .current_dir(root())
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let out = cmd.output().expect("script");
        text(&out.stdout)
    };
    let plain = on_tty(Some("1"));
    assert!(plain.contains("error[SL101]"), "{plain}");
    assert!(!plain.contains(ESC), "NO_COLOR=1 on a terminal: {plain}");
    assert!(on_tty(None).contains(ESC), "a terminal gets colors");
    assert!(on_tty(Some("")).contains(ESC), "an empty NO_COLOR is unset");
}

// ----- the README's CI recipes, run as written -----

/// The `## In CI` section of README.md.
fn readme_ci_section() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("\n## In CI\n").expect("README has `## In CI`");
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |e| e + 4);
    rest[..end].to_owned()
}

/// The fenced code blocks of `lang` in `text`.
fn code_blocks(text: &str, lang: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim() == format!("```{lang}") => current = Some(String::new()),
            Some(block) if line.trim() == "```" => {
                out.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    out
}

/// The values of `key:` in a YAML block (single-line values, as the README writes them).
fn yaml_values(block: &str, key: &str) -> Vec<String> {
    block
        .lines()
        .filter_map(|l| {
            let l = l.trim_start().trim_start_matches("- ");
            l.strip_prefix(&format!("{key}: "))
                .map(|v| v.trim().to_owned())
        })
        .collect()
}

/// A shell whose `cargo slotlint` is this build: `cargo` and `cargo-slotlint` on PATH, and a
/// CARGO_HOME without an installed cargo-slotlint that could shadow it.
fn shell(line: &str, cwd: &Path, tools: &Path) -> Output {
    let path = format!(
        "{}:{}",
        tools.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("sh")
        .args(["-c", line])
        .current_dir(cwd)
        .env("PATH", path)
        .env("CARGO_HOME", tools.join("cargo-home"))
        .env_remove("NO_COLOR")
        .output()
        .expect("sh")
}

fn tools(dir: &Path) -> PathBuf {
    let tools = dir.join("tools");
    std::fs::create_dir_all(tools.join("bin")).unwrap();
    std::fs::create_dir_all(tools.join("cargo-home")).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    #[cfg(unix)]
    {
        let cargo = which(&cargo);
        std::os::unix::fs::symlink(cargo, tools.join("bin/cargo")).unwrap();
        std::os::unix::fs::symlink(bin(), tools.join("bin/cargo-slotlint")).unwrap();
    }
    tools
}

fn which(program: &str) -> PathBuf {
    let p = PathBuf::from(program);
    if p.is_absolute() {
        return p;
    }
    std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .map(|d| Path::new(d).join(program))
        .find(|c| c.is_file())
        .unwrap_or(p)
}

#[cfg(unix)]
#[test]
fn readme_github_workflow_runs_as_written() {
    let section = readme_ci_section();
    let workflow = code_blocks(&section, "yaml")
        .into_iter()
        .find(|b| b.contains("jobs:"))
        .expect("a workflow in `## In CI`");
    assert!(workflow.contains("github/codeql-action/upload-sarif"));
    let runs = yaml_values(&workflow, "run");
    let slotlint_runs: Vec<&String> = runs
        .iter()
        .filter(|r| !r.starts_with("cargo install"))
        .collect();
    assert_eq!(slotlint_runs.len(), 2, "{runs:?}");
    assert!(slotlint_runs
        .iter()
        .all(|r| r.starts_with("cargo slotlint ")));
    let adopt = code_blocks(&section, "sh");
    assert_eq!(adopt.len(), 1);

    let dir = temp_dir("readme-workflow");
    let tools = tools(&dir);
    let project = dir.join("project");
    copy_dir(&root().join("fixtures/demo"), &project);
    // Adoption: the baseline, committed once.
    for line in adopt[0].lines().filter(|l| !l.trim().is_empty()) {
        let out = shell(line, &project, &tools);
        assert_eq!(out.status.code(), Some(0), "{line}: {}", text(&out.stderr));
    }
    assert!(project.join("slotlint-baseline.json").is_file());

    let step = |i: usize| shell(slotlint_runs[i], &project, &tools);
    // A pull request that adds nothing new passes, with no annotation.
    let out = step(0);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
    // The SARIF step always succeeds and writes a SARIF log of every finding.
    let out = step(1);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project.join("slotlint.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());

    // A pull request that adds a cross-slot call fails, with one annotation on it.
    let file = project.join("src/cross_slot_command.rs");
    std::fs::write(
        &file,
        std::fs::read_to_string(&file).unwrap()
            + "\npub async fn copy(con: &mut MultiplexedConnection, id: u64) -> RedisResult<()> {\n    con.rename(format!(\"doc:{id}\"), format!(\"doc:{id}:copy\")).await\n}\n",
    )
    .unwrap();
    let out = step(0);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let annotations = text(&out.stdout);
    let line = line_of(&file, "doc:{id}:copy");
    assert_eq!(annotations.lines().count(), 1, "{annotations}");
    assert!(
        annotations.starts_with(&format!(
            "::error file=src/cross_slot_command.rs,line={line},"
        )),
        "{annotations}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn readme_pre_commit_hook_runs_as_written() {
    let section = readme_ci_section();
    let hook = code_blocks(&section, "yaml")
        .into_iter()
        .find(|b| b.contains(".pre-commit-config.yaml"))
        .expect("a pre-commit configuration in `## In CI`");
    let entry = yaml_values(&hook, "entry");
    assert_eq!(entry.len(), 1);
    assert_eq!(yaml_values(&hook, "language"), ["system"]);
    let dir = temp_dir("readme-pre-commit");
    let tools = tools(&dir);
    let project = dir.join("project");
    copy_dir(&root().join("fixtures/demo"), &project);
    // pre-commit appends the staged files to the entry.
    let staged = "src/cross_slot_script.rs src/keys.rs";
    let out = shell(&format!("{} {staged}", entry[0]), &project, &tools);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    let files: BTreeSet<&str> = report
        .lines()
        .filter(|l| l.contains(": error[") || l.contains(": warning[") || l.contains(": note["))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(files, ["src/cross_slot_script.rs"].into_iter().collect());
    // A commit of clean files passes.
    let out = shell(&format!("{} src/lookalikes.rs", entry[0]), &project, &tools);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn readme_configuration_is_valid_configuration() {
    let section = readme_ci_section();
    let toml = code_blocks(&section, "toml");
    assert_eq!(toml.len(), 1);
    let dir = temp_dir("readme-config");
    copy_dir(&root().join("fixtures/demo"), &dir);
    let manifest = dir.join("Cargo.toml");
    std::fs::write(
        &manifest,
        std::fs::read_to_string(&manifest).unwrap() + "\n" + &toml[0],
    )
    .unwrap();
    let out = run_in(&["check", "--format", "json"], &dir, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc = json_of(&out);
    // deny = "warnings" and the pipeline rule lowered to a warning still fail this demo.
    let found = findings(&doc);
    let pipelines: Vec<_> = found
        .iter()
        .filter(|(_, _, rule, _)| rule == "cross-slot-pipeline")
        .collect();
    assert!(!pipelines.is_empty(), "{found:?}");
    assert!(
        pipelines.iter().all(|(_, _, _, sev)| sev == "warning"),
        "{pipelines:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn suppressions_in_crates_without_redis_are_not_judged_either_way() {
    // The prefilter skips such crates; `--no-prefilter` must not find more in them.
    let dir = temp_dir("no-redis");
    std::fs::write(
        dir.join("a.rs"),
        "// slotlint: allow(cross-slot-command) nothing here\npub fn f() {}\n",
    )
    .unwrap();
    for extra in [None, Some("--no-prefilter")] {
        let mut args = vec!["check", "a.rs", "--format", "json"];
        args.extend(extra);
        let out = run_in(&args, &dir, &[]);
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(
            json_of(&out)["diagnostics"],
            serde_json::json!([]),
            "{extra:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ----- issue 12: paths, baselines, packages, pre-commit, the action -----

/// A git repository in a temporary folder with a copy of the demo at `repo/services/demo`.
fn repo_with_demo(name: &str) -> (PathBuf, PathBuf) {
    let repo = temp_dir(name);
    let status = Command::new("git")
        .args(["init", "-q"])
        .current_dir(&repo)
        .status()
        .expect("git");
    assert!(status.success());
    let demo = repo.join("services/demo");
    copy_dir(&root().join("fixtures/demo"), &demo);
    (repo, demo)
}

fn files_of(doc: &serde_json::Value) -> BTreeSet<String> {
    findings(doc).into_iter().map(|f| f.0).collect()
}

fn no_github(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    extra.to_vec()
}

/// Runs without the GITHUB_WORKSPACE of a CI that runs these tests.
fn run_clean(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .env_remove("GITHUB_WORKSPACE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run cargo-slotlint")
}

#[test]
fn paths_are_relative_to_the_repository_from_any_folder() {
    let (repo, demo) = repo_with_demo("path-base");
    let expect = "services/demo/src/cross_slot_command.rs";
    // From the repository root, the workspace in a subfolder.
    let out = run_clean(
        &[
            "check",
            "--manifest-path",
            "services/demo/Cargo.toml",
            "--format",
            "github",
        ],
        &repo,
        &[],
    );
    assert!(
        text(&out.stdout).contains(&format!("file={expect},")),
        "{}",
        text(&out.stdout)
    );
    // From a subfolder of the workspace, without arguments, in every machine format.
    let sub = demo.join("src");
    let json = json_of(&run_clean(&["check", "--format", "json"], &sub, &[]));
    assert!(files_of(&json).contains(expect), "{:?}", files_of(&json));
    assert!(files_of(&json)
        .iter()
        .all(|f| f.starts_with("services/demo/")));
    let lines = text(&run_clean(&["check", "--format", "json-lines"], &sub, &[]).stdout);
    assert!(lines.lines().next().is_some(), "no finding");
    assert!(lines
        .lines()
        .all(|l| l.contains("\"file\":\"services/demo/")));
    let short = text(&run_clean(&["check", "--format", "short"], &sub, &[]).stdout);
    let short: Vec<&str> = short
        .lines()
        .filter(|l| !l.starts_with("slotlint:"))
        .collect();
    assert!(!short.is_empty(), "no finding");
    assert!(short.iter().all(|l| l.starts_with("services/demo/src/")));
    let sarif = json_of(&run_clean(&["check", "--format", "sarif"], &sub, &[]));
    let sarif_run = &sarif["runs"][0];
    assert_eq!(
        sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        format!("file://{}/", repo.display())
    );
    let results = sarif_run["results"].as_array().unwrap();
    assert!(!results.is_empty(), "no result");
    for r in results {
        let loc = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(loc["uriBaseId"], "%SRCROOT%");
        assert!(loc["uri"]
            .as_str()
            .unwrap()
            .starts_with("services/demo/src/"));
    }
    // From a parent folder, with a path argument.
    let json = json_of(&run_clean(
        &[
            "check",
            "demo/src/cross_slot_command.rs",
            "--format",
            "json",
        ],
        &repo.join("services"),
        &[],
    ));
    assert_eq!(files_of(&json), [expect.to_owned()].into_iter().collect());
    // GITHUB_WORKSPACE is the base under GitHub Actions; --path-base wins over everything.
    let ws = repo.join("services");
    let json = json_of(&run_clean(
        &["check", "--format", "json"],
        &demo,
        &[("GITHUB_WORKSPACE", ws.to_str().unwrap())],
    ));
    assert!(files_of(&json).contains("demo/src/cross_slot_command.rs"));
    let json = json_of(&run_clean(
        &["check", "--format", "json", "--path-base", "."],
        &demo,
        &no_github(&[]),
    ));
    assert!(files_of(&json).contains("src/cross_slot_command.rs"));
    // In this repository: the apps workspace is in fixtures/apps.
    let out = run(&[
        "check",
        "--manifest-path",
        "fixtures/apps/Cargo.toml",
        "--format",
        "github",
    ]);
    let annotations = text(&out.stdout);
    assert!(annotations.lines().next().is_some(), "no annotation");
    assert!(
        annotations
            .lines()
            .all(|l| l.contains(" file=fixtures/apps/")),
        "{annotations}"
    );
    let _ = std::fs::remove_dir_all(&repo);
}

#[test]
fn a_baseline_holds_from_any_folder_and_partial_runs_fix_only_their_files() {
    let (repo, demo) = repo_with_demo("baseline-anywhere");
    let baseline = repo.join("slotlint-baseline.json");
    let b = baseline.to_str().unwrap();
    // Written in the crate…
    let out = run_clean(&["check", "--write-baseline", b], &demo, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    let count = written["findings"].as_array().unwrap().len();
    assert!(count > 0, "an empty baseline");
    assert!(written["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["file"].as_str().unwrap().starts_with("services/demo/")));
    // …checked from its parent folder with a path argument: nothing is new.
    let services = repo.join("services");
    let doc = json_of(&run_clean(
        &["check", "demo", "--format", "json", "--baseline", b],
        &services,
        &[],
    ));
    assert_eq!(doc["baseline"]["new"], 0, "{doc}");
    assert_eq!(doc["baseline"]["known"], count);
    assert_eq!(doc["baseline"]["fixed"], 0);
    // A run over one file (pre-commit) counts no other file's entries as fixed.
    let script = "demo/src/cross_slot_script.rs";
    let doc = json_of(&run_clean(
        &["check", script, "--format", "json", "--baseline", b],
        &services,
        &[],
    ));
    assert_eq!(doc["baseline"]["new"], 0);
    assert_eq!(doc["baseline"]["fixed"], 0, "{doc}");
    // One finding fixed: only a run that checks its file says so.
    let cmd = demo.join("src/cross_slot_command.rs");
    replace_in(
        &cmd,
        "con.smove(SESSIONS, SESSIONS_OLD, user)",
        "con.smove(SESSIONS, SESSIONS, user)",
    );
    let doc = json_of(&run_clean(
        &["check", script, "--format", "json", "--baseline", b],
        &services,
        &[],
    ));
    assert_eq!(doc["baseline"]["fixed"], 0);
    let command = "demo/src/cross_slot_command.rs";
    let doc = json_of(&run_clean(
        &["check", command, "--format", "json", "--baseline", b],
        &services,
        &[],
    ));
    assert_eq!(doc["baseline"]["fixed"], 1);
    // --update-baseline prunes the fixed entry and adds nothing, even a new finding.
    std::fs::write(
        &cmd,
        std::fs::read_to_string(&cmd).unwrap()
            + "\npub async fn copy(con: &mut MultiplexedConnection, id: u64) -> RedisResult<()> {\n    con.rename(format!(\"doc:{id}\"), format!(\"doc:{id}:copy\")).await\n}\n",
    )
    .unwrap();
    let out = run_clean(
        &[
            "check",
            command,
            "--format",
            "json",
            "--baseline",
            b,
            "--update-baseline",
        ],
        &services,
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "the new finding still fails the run"
    );
    assert_eq!(json_of(&out)["baseline"]["new"], 1);
    assert!(
        text(&out.stderr).contains("removed 1 entry"),
        "{}",
        text(&out.stderr)
    );
    let pruned: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(pruned["findings"].as_array().unwrap().len(), count - 1);
    let doc = json_of(&run_clean(
        &["check", "--format", "json", "--baseline", b],
        &demo,
        &[],
    ));
    assert_eq!(doc["baseline"]["fixed"], 0);
    assert_eq!(doc["baseline"]["new"], 1);
    let _ = std::fs::remove_dir_all(&repo);
}

#[test]
fn the_baseline_can_come_from_the_configuration() {
    let (repo, demo) = repo_with_demo("baseline-config");
    let manifest = demo.join("Cargo.toml");
    std::fs::write(
        &manifest,
        std::fs::read_to_string(&manifest).unwrap()
            + "\n[workspace.metadata.slotlint]\nbaseline = \"slotlint-baseline.json\"\n",
    )
    .unwrap();
    // `--write-baseline` without a file writes the configured one, beside the manifest.
    let out = run_clean(&["check", "--write-baseline"], &demo.join("src"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(demo.join("slotlint-baseline.json").is_file());
    // CI and pre-commit use it without flags.
    let out = run_clean(&["check", "--format", "json"], &demo, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(json_of(&out)["baseline"]["new"], 0);
    let out = run_clean(
        &["check", "src/cross_slot_command.rs", "--format", "short"],
        &demo,
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let _ = std::fs::remove_dir_all(&repo);
}

fn packages_of(doc: &serde_json::Value) -> BTreeSet<String> {
    files_of(doc)
        .into_iter()
        .map(|f| f.split('/').nth(2).unwrap().to_owned())
        .collect()
}

#[test]
fn packages_are_selected_as_cargo_selects_them() {
    let apps = "fixtures/apps/Cargo.toml";
    let all = packages_of(&json_of(&run(&[
        "check",
        "--manifest-path",
        apps,
        "--format",
        "json",
    ])));
    assert!(all.len() > 3 && all.contains("cart"), "{all:?}");
    let one = |args: &[&str], cwd: &Path| packages_of(&json_of(&run_in(args, cwd, &[])));
    let set = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        one(
            &[
                "check",
                "--manifest-path",
                apps,
                "-p",
                "cart",
                "--format",
                "json"
            ],
            &root()
        ),
        set(&["cart"])
    );
    assert_eq!(
        one(
            &[
                "check",
                "--manifest-path",
                apps,
                "-p",
                "cart",
                "--package",
                "cache",
                "--format",
                "json"
            ],
            &root()
        ),
        set(&["cache", "cart"])
    );
    let without = one(
        &[
            "check",
            "--manifest-path",
            apps,
            "--exclude",
            "cart",
            "--format",
            "json",
        ],
        &root(),
    );
    assert_eq!(
        without,
        all.iter().filter(|p| *p != "cart").cloned().collect()
    );
    // A member's folder, or its manifest: that package. --workspace: all of them.
    let cart = root().join("fixtures/apps/cart");
    assert_eq!(
        one(&["check", "--format", "json"], &cart.join("src")),
        set(&["cart"])
    );
    assert_eq!(
        one(&["check", "--workspace", "--format", "json"], &cart),
        all
    );
    assert_eq!(
        one(
            &[
                "check",
                "--manifest-path",
                "fixtures/apps/cart/Cargo.toml",
                "--format",
                "json"
            ],
            &root()
        ),
        set(&["cart"])
    );
    // The workspace root checks all.
    assert_eq!(
        one(
            &["check", "--format", "json"],
            &root().join("fixtures/apps")
        ),
        all
    );
    // Mistakes.
    let out = run(&["check", "--manifest-path", "fixtures/apps"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("is a folder; give its manifest: `--manifest-path fixtures/apps/Cargo.toml`"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["check", "--manifest-path", apps, "-p", "crat"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean `cart`?"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["check", "fixtures/demo", "-p", "cart"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn quiet_and_verbose() {
    let out = run(&[
        "check",
        "--manifest-path",
        "fixtures/ci/config/Cargo.toml",
        "-v",
        "--format",
        "short",
    ]);
    let err = text(&out.stderr);
    assert!(
        err.contains("configuration: [workspace.metadata.slotlint] of "),
        "{err}"
    );
    assert!(err.contains("fixtures/ci/config/Cargo.toml"), "{err}");
    assert!(err.contains("package `"), "{err}");
    assert!(err.contains("    fixtures/ci/config/src/lib.rs"), "{err}");
    let out = run(&["check", "fixtures/demo", "-q"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("error[SL101]"));
    assert!(!stdout.contains("slotlint:"), "{stdout}");
    // A slotlint.toml beside a manifest table: said, and only slotlint.toml is read.
    let dir = project("shadow", "");
    let manifest = dir.join("Cargo.toml");
    std::fs::write(
        &manifest,
        std::fs::read_to_string(&manifest).unwrap()
            + "\n[workspace.metadata.slotlint]\ndeny = \"warnings\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("slotlint.toml"), "deny = \"errors\"\n").unwrap();
    let out = run_in(&["check"], &dir, &[]);
    assert!(
        text(&out.stderr).contains("shadows [workspace.metadata.slotlint]"),
        "{}",
        text(&out.stderr)
    );
    let out = run_in(&["check", "-q"], &dir, &[]);
    assert!(!text(&out.stderr).contains("shadows"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_command_is_not_a_path() {
    let out = run(&["slotlint", "chek"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr).trim(),
        "error: unknown command `chek`, did you mean `check`?"
    );
    let out = run(&["explian", "SL101"]);
    assert!(text(&out.stderr).contains("did you mean `explain`?"));
    // An existing path still starts an implied `check`.
    assert_eq!(
        run(&["slotlint", "fixtures/demo", "-q"]).status.code(),
        Some(1)
    );
}

/// `id:` and `entry:` of each hook in .pre-commit-hooks.yaml.
fn hooks() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let blocks: Vec<&str> = text.split("\n- ").skip(1).collect();
    blocks
        .iter()
        .map(|b| {
            let b = format!("  {b}");
            (
                yaml_values(&b, "id")[0].clone(),
                yaml_values(&b, "entry")[0].clone(),
                yaml_values(&b, "language")[0].clone(),
            )
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn the_pre_commit_hooks_run_as_declared() {
    let hooks = hooks();
    assert_eq!(
        hooks.iter().map(|h| h.0.as_str()).collect::<Vec<_>>(),
        ["slotlint", "slotlint-system"]
    );
    let dir = temp_dir("pre-commit-hooks");
    let tools = tools(&dir);
    let project = dir.join("project");
    copy_dir(&root().join("fixtures/demo"), &project);
    for (id, entry, language) in &hooks {
        // `language: rust` installs this repository's binary; `system` uses the installed one.
        assert!(["rust", "system"].contains(&language.as_str()));
        let out = shell(
            &format!("{entry} src/cross_slot_script.rs src/keys.rs"),
            &project,
            &tools,
        );
        assert_eq!(out.status.code(), Some(1), "{id}: {}", text(&out.stderr));
        let files: BTreeSet<String> = text(&out.stdout)
            .lines()
            .filter(|l| l.contains(": error[") || l.contains(": warning["))
            .map(|l| l.split(':').next().unwrap().to_owned())
            .collect();
        assert_eq!(
            files,
            ["src/cross_slot_script.rs".to_owned()]
                .into_iter()
                .collect(),
            "{id}"
        );
        let out = shell(&format!("{entry} src/lookalikes.rs"), &project, &tools);
        assert_eq!(out.status.code(), Some(0), "{id}: {}", text(&out.stdout));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The steps of action.yml: `(run, env)` with `${{ inputs.NAME }}` replaced by `inputs`, else
/// by the input's default.
fn action_steps(inputs: &[(&str, &str)]) -> Vec<(String, Vec<(String, String)>)> {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let mut defaults: Vec<(String, String)> = Vec::new();
    let mut current_input: Option<String> = None;
    let mut section = "";
    let mut steps: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let mut in_env = false;
    for line in text.lines() {
        if !line.starts_with(' ') {
            section = line.trim_end_matches(':');
            continue;
        }
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        match section {
            "inputs" if indent == 2 => {
                current_input = Some(trimmed.trim_end_matches(':').to_owned())
            }
            "inputs" if trimmed.starts_with("default:") => {
                let v = trimmed["default:".len()..]
                    .trim()
                    .trim_matches('"')
                    .to_owned();
                defaults.push((current_input.clone().unwrap(), v));
            }
            "runs" if trimmed.starts_with("- name:") => {
                steps.push((String::new(), Vec::new()));
                in_env = false;
            }
            "runs" if trimmed.starts_with("run:") => {
                steps.last_mut().unwrap().0 = trimmed["run:".len()..].trim().to_owned();
            }
            "runs" if trimmed == "env:" => in_env = true,
            "runs" if in_env && indent == 8 => {
                let (k, v) = trimmed.split_once(':').unwrap();
                let v = v.trim();
                let value = match v
                    .strip_prefix("${{ inputs.")
                    .and_then(|r| r.strip_suffix(" }}"))
                {
                    Some(name) => inputs
                        .iter()
                        .find(|(n, _)| *n == name)
                        .map(|(_, v)| v.to_string())
                        .or_else(|| {
                            defaults
                                .iter()
                                .find(|(n, _)| n == name)
                                .map(|(_, v)| v.clone())
                        })
                        .unwrap_or_else(|| panic!("input {name}")),
                    None => v.to_owned(),
                };
                steps.last_mut().unwrap().1.push((k.to_owned(), value));
            }
            _ => {}
        }
    }
    steps
}

#[cfg(unix)]
#[test]
fn the_action_steps_run_with_githubs_environment() {
    let (repo, demo) = repo_with_demo("action");
    let tools = tools(&repo);
    let summary = repo.join("summary.md");
    let output = repo.join("output.txt");
    let path = format!(
        "{}:{}",
        tools.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let step = |run: &str, env: &[(String, String)], cwd: &Path| {
        let mut cmd = Command::new("bash");
        cmd.args(["-c", run])
            .current_dir(cwd)
            .env("PATH", &path)
            .env("CARGO_HOME", tools.join("cargo-home"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_WORKSPACE", &repo)
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_OUTPUT", &output)
            .env("RUNNER_TEMP", repo.join("tmp"))
            .env_remove("NO_COLOR");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let steps = action_steps(&[("working-directory", "services/demo")]);
    assert_eq!(steps.len(), 2);
    // Install: cargo-slotlint is on PATH already, so nothing is built.
    let out = step(&steps[0].0, &steps[0].1, &repo);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("using "),
        "{}",
        text(&out.stdout)
    );
    // Check, in the working directory: annotations with repository paths, a summary, SARIF.
    let out = step(&steps[1].0, &steps[1].1, &demo);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let annotations = text(&out.stdout);
    assert!(
        annotations.starts_with("::error file=services/demo/src/"),
        "{annotations}"
    );
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(summary.starts_with("## slotlint"), "{summary}");
    assert!(summary.contains("cross-slot-command"), "{summary}");
    let output = std::fs::read_to_string(&output).unwrap();
    assert_eq!(output.trim(), "sarif=slotlint.sarif");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(demo.join("slotlint.sarif")).unwrap())
            .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    // Arguments pass through: with every error allowed, the step succeeds.
    let mut env = steps[1].1.clone();
    for (k, v) in &mut env {
        if k == "SLOTLINT_ARGS" {
            *v = "-A cross-slot-command -A cross-slot-pipeline -A cross-slot-script -A cross-slot-transaction".into();
        }
    }
    let out = step(&steps[1].0, &env, &demo);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&repo);
}

#[test]
fn cargo_binstall_finds_release_archives() {
    let manifest: toml::Table = std::fs::read_to_string(root().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let binstall = &manifest["package"]["metadata"]["binstall"];
    let url = binstall["pkg-url"].as_str().unwrap();
    for var in ["{ repo }", "{ version }", "{ target }", "{ name }"] {
        assert!(url.contains(var), "{url}");
    }
    assert!(binstall["bin-dir"]
        .as_str()
        .unwrap()
        .contains("{ bin }{ binary-ext }"));
    assert_eq!(binstall["pkg-fmt"].as_str(), Some("tgz"));
    assert!(manifest["workspace"]["package"]["repository"]
        .as_str()
        .unwrap()
        .starts_with("https://github.com/"));
}

#[test]
fn the_readme_starts_with_setup_an_example_and_every_test_as_ci_runs_them() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let first = code_blocks(&readme, "sh").into_iter().next().unwrap();
    let commands: Vec<&str> = first
        .lines()
        .map(|l| l.split(" # ").next().unwrap().trim())
        .collect();
    assert_eq!(commands.len(), 3, "{commands:?}");
    // A fresh Debian machine: Redis first (the cluster tests start real servers).
    assert!(
        commands[0].contains("apt-get install -y redis-server redis-tools"),
        "{}",
        commands[0]
    );
    assert!(commands[1].contains("cargo slotlint check fixtures/demo"));
    assert_eq!(commands[2], "cargo test --workspace");
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(ci.lines().any(|l| l.trim() == commands[2]), "{ci}");
}
