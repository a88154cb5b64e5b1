//! The person at the terminal: output that fits the width (snapshots at 80 and 120 columns),
//! a progress line only on a terminal, no panic on a closed pipe, grammar, one vocabulary of
//! levels and `-A/-W/-D`, `CARGO_TERM_COLOR`, fix marks; and hostile file names and lines
//! (issue 16, items 3 and 10).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cargo-slotlint")
}

fn slotlint(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .env_remove("COLUMNS")
        .env_remove("CARGO_TERM_COLOR")
        .env_remove("GITHUB_WORKSPACE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run cargo-slotlint")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Display columns of a line (CJK is two wide), as a terminal counts them.
fn columns(line: &str) -> usize {
    line.chars()
        .map(|c| {
            let c = c as u32;
            if (0x1100..=0x115F).contains(&c)
                || (0x2E80..=0xA4CF).contains(&c)
                || (0xAC00..=0xD7A3).contains(&c)
                || (0xF900..=0xFAFF).contains(&c)
                || (0xFF00..=0xFF60).contains(&c)
            {
                2
            } else {
                1
            }
        })
        .sum()
}

/// Human output at `width` columns.
fn human_at(target: &str, width: usize) -> String {
    let w = width.to_string();
    let out = slotlint(&["check", target], &root(), &[("COLUMNS", &w)]);
    text(&out.stdout)
}

/// No line is wider than `width`, and no backtick span (a key, a number in it) is broken across
/// lines unless it is too wide for any line.
fn assert_fits(output: &str, width: usize) {
    let mut open: Option<String> = None;
    for line in output.lines() {
        assert!(
            columns(line) <= width,
            "{} columns > {width}:\n{line}",
            columns(line)
        );
        let mut rest = line;
        if let Some(span) = open.as_mut() {
            let cont = rest.trim_start();
            match cont.find('`') {
                Some(i) => {
                    span.push_str(&cont[..i]);
                    assert!(
                        columns(span) + 2 > width - 12,
                        "`{span}` fits a line but is broken across two"
                    );
                    open = None;
                    rest = &cont[i + 1..];
                }
                None => {
                    span.push_str(cont);
                    continue;
                }
            }
        }
        if rest.matches('`').count() % 2 == 1 {
            open = Some(rest[rest.rfind('`').unwrap() + 1..].to_owned());
        }
    }
}

#[test]
fn human_output_fits_80_columns() {
    let out = human_at("fixtures/demo", 80);
    assert_fits(&out, 80);
    insta::assert_snapshot!("demo_human_80", out);
}

#[test]
fn human_output_fits_120_columns() {
    let out = human_at("fixtures/demo", 120);
    assert_fits(&out, 120);
    insta::assert_snapshot!("demo_human_120", out);
}

#[test]
fn every_fixture_fits_80_columns() {
    for target in [
        "fixtures/apps",
        "fixtures/rules",
        "fixtures/fix",
        "fixtures/legacy",
    ] {
        assert_fits(&human_at(target, 80), 80);
    }
}

#[test]
fn long_key_lists_keep_three_keys_and_say_how_many_more() {
    // The cache app's MGET lists eight keys with their slots in one label.
    let wide = human_at("fixtures/apps/cache", 200);
    assert!(
        wide.contains("`cache:item:13` (slot 13324), … 5 more"),
        "{wide}"
    );
    // The whole list is still there, in a note, wrapped between keys.
    assert!(wide.contains("= note: at "), "{wide}");
    assert!(wide.contains("`cache:item:18` (slot 1383)"), "{wide}");
    // Notes are not nested under `help:`.
    for line in wide.lines() {
        assert!(!line.trim_start().starts_with("note:"), "{line}");
    }
}

#[test]
fn piped_output_is_100_columns_wide() {
    let out = slotlint(&["check", "fixtures/apps"], &root(), &[]);
    let stdout = text(&out.stdout);
    assert_fits(&stdout, 100);
    assert!(stdout.lines().any(|l| columns(l) > 90), "it uses the width");
}

/// Runs `args` with stdout closed at once by the reader: nothing may panic.
fn with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(bin())
        .args(args)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (child.wait().unwrap().code(), err)
}

#[test]
fn a_closed_pipe_is_not_a_panic() {
    for args in [
        &["explain", "SL101"][..],
        &["rules"],
        &["--help"],
        &["check", "--help"],
        &["--version"],
        &["check", "fixtures/demo"],
        &["check", "fixtures/demo", "--format", "json"],
        &["check", "fixtures/demo", "--format", "sarif"],
        &["check", "fixtures/demo", "--message-format=json"],
        &["fix", "--dry-run", "fixtures/demo"],
        &["fix", "--diff", "--unsafe", "fixtures/demo"],
    ] {
        let (code, err) = with_closed_stdout(args);
        assert_ne!(code, Some(101), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "{args:?}: {err}");
    }
}

#[test]
fn grammar_counts_one_as_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.rs"),
        "pub async fn f(con: &mut redis::aio::MultiplexedConnection, id: u64) -> redis::RedisResult<()> {\n    redis::AsyncCommands::rename(con, format!(\"a:{id}\"), format!(\"b:{id}\")).await\n}\n",
    )
    .unwrap();
    let out = slotlint(&["check", "a.rs"], dir.path(), &[]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("slotlint: 1 error, 0 warnings, 0 notes in 1 file (1 redis call)"),
        "{stdout}"
    );
}

#[test]
fn an_excluded_path_says_it_is_excluded() {
    let out = slotlint(
        &["check", "fixtures/ci/config/src/generated/mod.rs"],
        &root(),
        &[],
    );
    let err = text(&out.stderr);
    assert!(err.contains("is excluded by `exclude` in"), "{err}");
    assert!(err.contains("fixtures/ci/config/Cargo.toml"), "{err}");
}

/// `(rule, severity)` of every finding of `--format json`.
fn rule_severities(args: &[&str], cwd: &Path) -> Vec<(String, String)> {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let out = slotlint(&all, cwd, &[]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)));
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["rule"].as_str().unwrap().to_owned(),
                d["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn one_vocabulary_of_levels_and_clippy_style_flags() {
    let demo = root().join("fixtures/demo");
    // -A drops a rule, -W lowers it, -D raises one.
    let found = rule_severities(
        &[
            "-A",
            "cross-slot-command",
            "-W",
            "SL104",
            "-D",
            "cross_slot_script",
        ],
        &demo,
    );
    assert!(
        found.iter().all(|(r, _)| r != "cross-slot-command"),
        "{found:?}"
    );
    assert!(found
        .iter()
        .filter(|(r, _)| r == "cross-slot-pipeline")
        .all(|(_, s)| s == "warning"));
    assert!(found
        .iter()
        .any(|(r, s)| r == "cross-slot-script" && s == "error"));
    // The last flag for a rule wins over the configuration.
    let dir = tempfile::tempdir().unwrap();
    let code = |args: &[&str], config: &str| {
        std::fs::write(dir.path().join("slotlint.toml"), config).unwrap();
        let mut all = vec!["check", "a.rs"];
        all.extend_from_slice(args);
        slotlint(&all, dir.path(), &[]).status.code()
    };
    std::fs::write(
        dir.path().join("a.rs"),
        "pub async fn f(con: &mut redis::aio::MultiplexedConnection) -> redis::RedisResult<Vec<String>> {\n    redis::AsyncCommands::keys(con, \"user:*\").await\n}\n",
    )
    .unwrap();
    // node-local-command is a warning: `-D warnings`, `--deny warning` and `deny = "warn"` fail.
    assert_eq!(code(&[], ""), Some(0));
    assert_eq!(code(&["-D", "warnings"], ""), Some(1));
    assert_eq!(code(&["--deny", "warning"], ""), Some(1));
    assert_eq!(code(&[], "deny = \"warn\"\n"), Some(1));
    assert_eq!(
        code(&[], "[rules]\nnode-local-command = \"error\"\n"),
        Some(1)
    );
    assert_eq!(
        code(&[], "[rules]\nnode-local-command = \"errors\"\n"),
        Some(1)
    );
    assert_eq!(
        code(
            &["-W", "node-local-command"],
            "[rules]\nnode-local-command = \"deny\"\n"
        ),
        Some(0)
    );
    assert_eq!(
        code(&["-A", "node-local-command", "-D", "notes"], ""),
        Some(0)
    );
    // Mistakes name the closest word.
    let out = slotlint(
        &["check", "a.rs", "-A", "node-local-comand"],
        dir.path(),
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("did you mean `node-local-command`?"));
    let out = slotlint(&["check", "a.rs", "--deny", "wranings"], dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("did you mean `warnings`?"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn cargo_term_color_is_honoured_like_color() {
    let colored = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["check", "fixtures/demo"];
        all.extend_from_slice(args);
        text(&slotlint(&all, &root(), env).stdout).contains("\x1b[")
    };
    assert!(!colored(&[], &[]));
    assert!(colored(&[], &[("CARGO_TERM_COLOR", "always")]));
    assert!(!colored(&[], &[("CARGO_TERM_COLOR", "never")]));
    // The flag wins.
    assert!(colored(
        &["--color", "always"],
        &[("CARGO_TERM_COLOR", "never")]
    ));
    assert!(!colored(
        &["--color", "never"],
        &[("CARGO_TERM_COLOR", "always")]
    ));
}

#[test]
fn check_marks_what_fix_rewrites() {
    let out = slotlint(&["check", "fixtures/demo"], &root(), &[]);
    let stdout = text(&out.stdout);
    let marked = stdout
        .lines()
        .filter(|l| l.trim_start().starts_with("= fix: `cargo slotlint fix"))
        .count();
    assert!(marked > 0, "{stdout}");
    // The closing line counts them, as the fix planner sees them.
    let expected = format!("slotlint: {marked} fixable with `cargo slotlint fix --unsafe`");
    assert!(stdout.contains(&expected), "{expected} in\n{stdout}");
    let dry = slotlint(&["fix", "--dry-run", "fixtures/demo"], &root(), &[]);
    assert!(text(&dry.stdout).contains("unsafe"));
}

/// The terminal is util-linux's `script`; without it this test says so and checks nothing.
#[test]
fn a_progress_line_only_on_a_terminal() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let on_tty = |extra: &str| -> String {
        let line = format!(
            "{} check fixtures/apps --format json {extra} >/dev/null",
            bin()
        );
        let out = Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .current_dir(root())
            .env("SLOTLINT_PROGRESS_DELAY_MS", "0")
            .output()
            .expect("script");
        text(&out.stdout)
    };
    let shown = on_tty("");
    assert!(shown.contains("Checking "), "{shown:?}");
    assert!(shown.contains(" files"), "{shown:?}");
    // Erased before the report.
    assert!(shown.contains("\r\x1b[K"), "{shown:?}");
    assert!(!on_tty("-q").contains("Checking"));
    // Piped stderr: nothing.
    let out = slotlint(
        &["check", "fixtures/apps", "--format", "json"],
        &root(),
        &[("SLOTLINT_PROGRESS_DELAY_MS", "0")],
    );
    assert!(!text(&out.stderr).contains("Checking"));
}

/// `SLOTLINT_TIMINGS=1`: where the run's time went, on stderr; the report is the same.
#[test]
fn timings_go_to_stderr_and_change_nothing_else() {
    let args = ["check", "fixtures/follow", "--format", "json"];
    let plain = slotlint(&args, &root(), &[]);
    let timed = slotlint(&args, &root(), &[("SLOTLINT_TIMINGS", "1")]);
    assert_eq!(text(&plain.stdout), text(&timed.stdout));
    assert_eq!(plain.status.code(), timed.status.code());
    assert!(!text(&plain.stderr).contains("timings"));
    let err = text(&timed.stderr);
    let spent = |phase: &str| -> f64 {
        let line = err
            .lines()
            .find(|l| l.trim_start().starts_with(phase))
            .unwrap_or_else(|| panic!("no {phase:?} in {err}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    };
    for phase in [
        "discover",
        "name scan",
        "name index",
        "demand parse",
        "analysis",
    ] {
        assert!(spent(phase) >= 0.0);
    }
    // The crate names redis: it was read, parsed and evaluated.
    for phase in ["read", "parse", "evaluate"] {
        assert!(spent(phase) > 0.0, "{phase}: {err}");
    }
    // The work counted: its functions were followed, its structs' fields modelled.
    assert!(spent("files parsed on demand") >= 0.0);
    for work in ["summaries walked", "builders walked"] {
        assert!(spent(work) > 0.0, "{work}: {err}");
    }
}

const CALL: &str =
    "redis::AsyncCommands::rename(con, format!(\"a:{id}\"), format!(\"b:{id}\")).await";

fn source_with_line(prefix: &str) -> String {
    format!(
        "pub async fn f(con: &mut redis::aio::MultiplexedConnection, id: u64) -> redis::RedisResult<()> {{\n    {prefix}{CALL}\n}}\n"
    )
}

/// Issue 16, item 3: a file name with a newline (or an escape) cannot start a line of its own in
/// the human, short or github output (and so cannot forge a workflow command).
#[cfg(unix)]
#[test]
fn regression_16_3_control_characters_in_printed_paths_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let name = "x\n::error file=forged.rs,line=1::forged\u{1b}[31m.rs";
    std::fs::write(dir.path().join(name), source_with_line("")).unwrap();
    for format in ["human", "short", "github"] {
        let out = slotlint(&["check", ".", "--format", format], dir.path(), &[]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: {}",
            text(&out.stderr)
        );
        let stdout = text(&out.stdout);
        let shown = if format == "github" {
            "x\\n%3A%3Aerror file=forged.rs"
        } else {
            "x\\n::error file=forged.rs"
        };
        assert!(stdout.contains(shown), "{format}: {stdout}");
        assert!(stdout.contains("\\u{1b}[31m"), "{format}: {stdout}");
        assert!(!stdout.contains('\u{1b}'), "{format}: {stdout}");
        for line in stdout.lines() {
            assert!(!line.starts_with("::error file=forged"), "{format}: {line}");
        }
    }
}

/// Issue 16, item 10: a finding past display column 65,535 (a 65,600-character line, a 99 KB
/// line of CJK text) renders, cut around the span.
#[test]
fn regression_16_10_findings_past_column_65535_render() {
    let dir = tempfile::tempdir().unwrap();
    for (name, filler) in [
        (
            "wide.rs",
            format!("let _pad = \"{}\"; ", "x".repeat(65_600)),
        ),
        (
            "cjk.rs",
            format!("let _pad = \"{}\"; ", "漢".repeat(33_000)),
        ),
    ] {
        std::fs::write(dir.path().join(name), source_with_line(&filler)).unwrap();
        let out = slotlint(&["check", name], dir.path(), &[("COLUMNS", "100")]);
        assert_eq!(out.status.code(), Some(1), "{name}: {}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(
            stdout.starts_with("error[SL101]: "),
            "{name}: {stdout:.300}"
        );
        assert!(stdout.contains("rename"), "{name}");
        assert_fits(&stdout, 100);
    }
}
