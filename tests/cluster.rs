//! The oracle: a live Redis Cluster judges `cargo slotlint check`.
//!
//! For each fixture app of `fixtures/apps/` (one `#[test]` each):
//! 1. run it on a standalone `redis-server`: the reference, where every operation succeeds;
//! 2. run it on a 6-node Redis Cluster: which calls fail there, and how (the server's
//!    `CROSSSLOT`, redis-rs's client-side refusal of a pipeline spanning slots, …);
//! 3. run `cargo slotlint check --format json` on it and require that the `error` findings are
//!    exactly the calls that failed (a failure lies on a line of an error's span, and every error
//!    has a failure in its span), and that every warning which says the command is *split* per
//!    slot covers a call that succeeded. A finding inside a Lua body counts for the operation
//!    that runs that body only where [`SCRIPT_BODIES`] says so;
//!
//! 4. run the app as rewritten by `cargo slotlint fix --unsafe` (a copy of the apps' workspace,
//!    fixed once and built once) on the cluster: no call may fail, and every result must equal
//!    the reference (node-local commands excepted), except the hazards no hash tag removes,
//!    listed in [`STILL_FAILS_AFTER_FIX`], which must still fail;
//! 5. run `cargo slotlint check` on the fixed copy: no `error` is left but those of
//!    [`UNFIXABLE_RULES`] at the operations of [`STILL_FAILS_AFTER_FIX`].
//!
//! On a mismatch the test fails with a table of predicted vs observed per call.
//!
//! The servers and the apps' build are shared by all tests of this binary (see
//! `support::servers` for how the servers are torn down even when a test panics). Redis 7
//! (`redis-server`, `redis-cli`) must be installed: `apt-get install -y redis-server redis-tools`.
//!
//! `SLOTLINT_CLUSTER_OBSERVE_ONLY=1` stops after step 2 (for working on the apps while the
//! analyzer cannot run); it says so loudly, and must not be set in CI.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use support::apps::{self, Op, Outcome};
use support::servers;

/// What each app is written to provoke on a cluster: the operations that must fail there, with
/// the kind of failure. A change here is a change of the fixtures' intent, not of the analyzer.
const EXPECTED_CLUSTER_FAILURES: &[(&str, &[(&str, &str)])] = &[
    (
        "cache",
        &[("fill-user", "CROSSSLOT"), ("user-view", "CROSSSLOT")],
    ),
    (
        "cart",
        &[
            ("cart-view", "CLIENT_CROSSSLOT"),
            ("add-item", "CLIENT_CROSSSLOT"),
            ("checkout", "CLIENT_CROSSSLOT"),
        ],
    ),
    (
        "hazards",
        &[
            ("sort-by-weight", "OTHER"),
            ("sort-with-names", "OTHER"),
            ("count-visit", "OTHER"),
            ("copy-to-archive-db", "OTHER"),
            ("select-archive-db", "OTHER"),
        ],
    ),
    (
        "job-queue",
        &[
            ("queue-depths", "CLIENT_CROSSSLOT"),
            ("next-by-priority", "CROSSSLOT"),
            ("claim-job", "CROSSSLOT"),
            ("claim-job-blocking", "CROSSSLOT"),
            ("retry-failed", "CROSSSLOT"),
            ("drain-batch", "CROSSSLOT"),
        ],
    ),
    (
        "leaderboard",
        &[
            ("best-of-two-days", "CROSSSLOT"),
            ("weekly-board", "CROSSSLOT"),
            ("unique-players-so-far", "CROSSSLOT"),
            ("weekly-unique-players", "CROSSSLOT"),
        ],
    ),
    (
        "rate-limiter",
        &[
            ("minute-and-hour", "CROSSSLOT"),
            ("minute-and-hour-eval", "CROSSSLOT"),
        ],
    ),
    (
        "session-store",
        &[
            ("revoke-session", "CROSSSLOT"),
            ("archive-session", "CROSSSLOT"),
        ],
    ),
    (
        "stream-consumer",
        &[
            ("read-billing", "CROSSSLOT"),
            ("read-billing-group", "CROSSSLOT"),
        ],
    ),
];

/// Operations whose result on a cluster legitimately differs from the standalone one although
/// they succeed: redis-rs sends SCAN to one random node, which holds only part of the keys, and
/// a pipeline (KEYS inside one) to one node. (KEYS and DBSIZE on their own are fanned out to
/// every primary and combined, so they agree.)
const NODE_LOCAL: &[(&str, &str)] = &[
    ("session-store", "scan-sessions"),
    ("hazards", "items-in-pipeline"),
];

/// Findings of [`SCRIPT_BODY_RULE`] point into the Lua body, not at the call that runs it:
/// (app, operation, name of the `const` holding the body the operation runs). A finding of that
/// rule whose span lies inside that `const`'s string literal counts as a finding at every run
/// of the operation — no other finding is moved.
const SCRIPT_BODIES: &[(&str, &str, &str)] = &[("hazards", "count-visit", "COUNT_VISIT")];

/// The rule whose findings [`SCRIPT_BODIES`] maps to operations.
const SCRIPT_BODY_RULE: &str = "undeclared-script-key";

/// Operations whose failure no hash tag can remove, so `cargo slotlint fix --unsafe` leaves them
/// failing: (app, operation). Step 4 requires that they still fail (so that the list cannot go
/// stale) and does not compare their results; step 5 accepts errors of [`UNFIXABLE_RULES`] at
/// them, and nowhere else.
const STILL_FAILS_AFTER_FIX: &[(&str, &str)] = &[
    ("hazards", "sort-by-weight"),
    ("hazards", "sort-with-names"),
    ("hazards", "count-visit"),
    ("hazards", "copy-to-archive-db"),
    ("hazards", "select-archive-db"),
];

/// The rules whose errors may remain after `fix`, at the operations of [`STILL_FAILS_AFTER_FIX`].
const UNFIXABLE_RULES: &[&str] = &["sort-pattern", "undeclared-script-key", "non-zero-database"];

#[derive(Debug, Clone)]
struct Diagnostic {
    rule: String,
    severity: String,
    message: String,
    file: String,
    line: u32,
    end_line: u32,
    /// Lines of the operations that run the Lua body this finding lies in (see
    /// [`SCRIPT_BODIES`]); empty for every other finding.
    script_ops: Vec<u32>,
}

impl Diagnostic {
    fn covers(&self, line: u32) -> bool {
        (self.line <= line && line <= self.end_line) || self.script_ops.contains(&line)
    }

    fn says_split(&self) -> bool {
        self.severity == "warning" && self.message.to_ascii_lowercase().contains("split")
    }

    fn label(&self) -> String {
        let span = if self.end_line == self.line {
            format!("{}", self.line)
        } else {
            format!("{}-{}", self.line, self.end_line)
        };
        let split = if self.says_split() { " (split)" } else { "" };
        let script = match self.script_ops.first() {
            Some(op) => format!(" (script run at {op})"),
            None => String::new(),
        };
        format!("{} {}{split} @{span}{script}", self.severity, self.rule)
    }
}

/// Runs `cargo slotlint check --format json fixtures/apps/<app>` and reads its diagnostics.
fn predictions(app: &str) -> Result<Vec<Diagnostic>, String> {
    predictions_at(&format!("fixtures/apps/{app}"))
}

/// The same for any folder (relative to the repository root, or absolute).
fn predictions_at(target: &str) -> Result<Vec<Diagnostic>, String> {
    let bin = env!("CARGO_BIN_EXE_cargo-slotlint");
    let output = Command::new(bin)
        .args(["check", "--format", "json", target])
        .current_dir(apps::repo_root())
        .output()
        .map_err(|e| format!("running {bin}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let shown = || {
        format!("`cargo slotlint check --format json {target}` ({}):\nstdout:\n{stdout}\nstderr:\n{stderr}", output.status)
    };
    if !matches!(output.status.code(), Some(0) | Some(1)) {
        return Err(format!("expected exit 0 or 1 from {}", shown()));
    }
    let json: serde_json::Value =
        serde_json::from_str(&stdout).map_err(|e| format!("{e}: not JSON from {}", shown()))?;
    if json["version"] != 1 {
        return Err(format!("expected \"version\": 1 from {}", shown()));
    }
    let list = json["diagnostics"]
        .as_array()
        .ok_or_else(|| format!("no \"diagnostics\" array from {}", shown()))?;
    let mut diagnostics = Vec::new();
    for d in list {
        let text = |field: &str| d[field].as_str().map(str::to_string);
        let number = |field: &str| d[field].as_u64().map(|n| n as u32);
        let parsed = (|| {
            let line = number("line")?;
            Some(Diagnostic {
                rule: text("rule")?,
                severity: text("severity")?,
                message: text("message")?,
                file: text("file")?.replace('\\', "/"),
                line,
                end_line: number("end_line").unwrap_or(line).max(line),
                script_ops: Vec::new(),
            })
        })();
        diagnostics
            .push(parsed.ok_or_else(|| format!("malformed diagnostic {d} from {}", shown()))?);
    }
    Ok(diagnostics)
}

/// The lines (1-based, first and last) of the string literal of `const <name>` in `source`:
/// `"…"`, `r"…"` or `r#"…"#`, on one line or several.
fn const_literal_lines(source: &str, name: &str) -> Option<(u32, u32)> {
    let decl = format!("const {name}:");
    let start = source.find(&decl)?;
    let first_line = source[..start].matches('\n').count() as u32 + 1;
    let after_eq = start + source[start..].find('=')? + 1;
    let rest = &source[after_eq..];
    let open = rest.find('"')?;
    let hashes = rest[..open].trim_start();
    let end = if let Some(hashes) = hashes.strip_prefix('r') {
        let closer = format!("\"{hashes}");
        open + 1 + rest[open + 1..].find(&closer)?
    } else {
        let mut escaped = false;
        open + 1
            + rest[open + 1..].find(|c| {
                let close = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                close
            })?
    };
    let last_line = first_line
        + rest[..end].matches('\n').count() as u32
        + source[start..after_eq].matches('\n').count() as u32;
    Some((first_line, last_line))
}

/// Attributes the findings of [`SCRIPT_BODY_RULE`] inside a Lua body of [`SCRIPT_BODIES`] to
/// the operations (of `ops`, as run from `main_rs`) that run it.
fn map_script_bodies(app: &str, main_rs: &Path, ops: &[Op], diagnostics: &mut [Diagnostic]) {
    for (_, op, body) in SCRIPT_BODIES.iter().filter(|(a, _, _)| *a == app) {
        let source = std::fs::read_to_string(main_rs)
            .unwrap_or_else(|e| panic!("{}: {e}", main_rs.display()));
        let (first, last) = const_literal_lines(&source, body).unwrap_or_else(|| {
            panic!(
                "SCRIPT_BODIES: no `const {body}` string in {}",
                main_rs.display()
            )
        });
        let mut lines: Vec<u32> = ops
            .iter()
            .filter(|o| o.name == *op)
            .map(|o| o.line)
            .collect();
        lines.dedup();
        assert!(
            !lines.is_empty(),
            "SCRIPT_BODIES: {app} ran no operation {op}"
        );
        for d in diagnostics.iter_mut() {
            if d.rule == SCRIPT_BODY_RULE && first <= d.line && d.end_line <= last {
                d.script_ops.extend(&lines);
            }
        }
    }
}

/// A copy of `fixtures/apps` rewritten by `cargo slotlint fix --unsafe`, and its binaries:
/// made once per test binary. Returns (the copy, the folder of its binaries).
fn fixed_apps() -> &'static (PathBuf, PathBuf) {
    static FIXED: OnceLock<Result<(PathBuf, PathBuf), String>> = OnceLock::new();
    let made = FIXED.get_or_init(|| {
        let copy = apps::apps_target_dir().join("fixed-src");
        let _ = std::fs::remove_dir_all(&copy);
        copy_tree(&apps::apps_dir(), &copy).map_err(|e| format!("copying the apps: {e}"))?;
        // Own binary names, so that the copy shares the target dir (and the compiled redis crate)
        // with the original apps without overwriting their binaries.
        for app in apps::app_names(&copy) {
            let manifest = copy.join(&app).join("Cargo.toml");
            let mut text = std::fs::read_to_string(&manifest)
                .map_err(|e| format!("{}: {e}", manifest.display()))?;
            text.push_str(&format!(
                "\n[[bin]]\nname = \"{app}-fixed\"\npath = \"src/main.rs\"\n"
            ));
            std::fs::write(&manifest, text).map_err(|e| format!("{}: {e}", manifest.display()))?;
        }
        let plan = copy.join("slotlint-migration.json");
        let output = Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
            .args([
                "fix",
                "--unsafe",
                "--allow-dirty",
                "--allow-no-vcs",
                "--plan",
            ])
            .arg(&plan)
            .arg("--manifest-path")
            .arg(copy.join("Cargo.toml"))
            .output()
            .map_err(|e| format!("running cargo slotlint fix: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "`cargo slotlint fix --unsafe` on a copy of the apps failed ({}):\n{}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
        let bins = apps::build_apps(&copy, "fixed")?;
        Ok((copy, bins))
    });
    match made {
        Ok(pair) => pair,
        Err(e) => panic!("{e}"),
    }
}

/// Copies a folder, without `target` folders.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            if entry.file_name() != "target" {
                copy_tree(&path, &to.join(entry.file_name()))?;
            }
        } else {
            std::fs::copy(&path, to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// One row of the report: an operation (all its runs, for one in a loop) or a finding that
/// covers no operation.
struct Row {
    line: u32,
    op: String,
    standalone: String,
    cluster: String,
    predicted: String,
    verdict: String,
}

fn table(app: &str, rows: &[Row]) -> String {
    let headers = [
        "line",
        "operation",
        "standalone",
        "cluster",
        "predicted",
        "verdict",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.line.to_string(),
                r.op.clone(),
                r.standalone.clone(),
                r.cluster.clone(),
                r.predicted.clone(),
                r.verdict.clone(),
            ]
        })
        .collect();
    let mut widths = headers.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.len());
        }
    }
    let mut out =
        format!("{app}: predicted (cargo slotlint check) vs observed (6-node Redis Cluster)\n");
    let mut line = |cols: &[String]| {
        let padded: Vec<String> = cols
            .iter()
            .zip(widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        let _ = writeln!(out, "  {}", padded.join("  ").trim_end());
    };
    line(&headers.map(str::to_string));
    for row in &cells {
        line(row);
    }
    out
}

/// The runs of one call site: on the standalone server, on the cluster.
type Runs<'a> = (Vec<&'a Op>, Vec<&'a Op>);

fn summarize(ops: &[&Op]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for op in ops {
        let s = op.outcome.to_string();
        if !seen.contains(&s) {
            seen.push(s);
        }
    }
    let runs = if ops.len() > 1 {
        format!(" ×{}", ops.len())
    } else {
        String::new()
    };
    format!("{}{runs}", seen.join("/"))
}

fn oracle(app: &str) {
    servers::require_redis_tools();
    let bins = apps::built_apps();
    let standalone = servers::standalone();
    let cluster = servers::cluster();

    // (a) The reference: every operation succeeds on one server.
    let reference = apps::run_app(bins, app, &format!("standalone:{}", standalone.url()))
        .unwrap_or_else(|e| panic!("{app} on the standalone server: {e}"));
    let failed: Vec<&Op> = reference.ops.iter().filter(|op| op.failed()).collect();
    assert!(
        failed.is_empty(),
        "{app} must succeed on a standalone server, but {failed:?} failed\nstderr:\n{}",
        reference.stderr
    );

    // (b) The same program on the cluster.
    let observed = apps::run_app(bins, app, &cluster.spec())
        .unwrap_or_else(|e| panic!("{app} on the cluster: {e}"));
    let shape = |ops: &[Op]| -> Vec<(String, u32)> {
        ops.iter().map(|op| (op.name.clone(), op.line)).collect()
    };
    assert_eq!(
        shape(&reference.ops),
        shape(&observed.ops),
        "{app} ran different operations on the standalone server and on the cluster:\n{}\nvs\n{}",
        reference.stdout,
        observed.stdout
    );

    let mut problems: Vec<String> = Vec::new();

    // Results of successful operations must agree with the reference up to the first failure
    // (after it, the data legitimately differs), except for node-local commands.
    let first_failure = observed
        .ops
        .iter()
        .position(Op::failed)
        .unwrap_or(usize::MAX);
    let mut differs: BTreeMap<(u32, String), String> = BTreeMap::new();
    for (i, (want, got)) in reference.ops.iter().zip(&observed.ops).enumerate() {
        if let (Outcome::Ok(want_result), Outcome::Ok(got_result)) = (&want.outcome, &got.outcome) {
            if want_result != got_result {
                let node_local = NODE_LOCAL.contains(&(app, got.name.as_str()));
                let note = if node_local {
                    "node-local: differs as expected"
                } else if i > first_failure {
                    "differs after an earlier failure"
                } else {
                    problems.push(format!(
                        "{} (line {}) succeeded on the cluster with {got_result:?}, standalone gave {want_result:?}",
                        got.name, got.line
                    ));
                    "RESULT DIFFERS"
                };
                differs.insert((got.line, got.name.clone()), note.into());
            }
        }
    }

    // The failures must be the ones the app is written to provoke.
    let expected: Vec<(String, String)> = EXPECTED_CLUSTER_FAILURES
        .iter()
        .find(|(name, _)| *name == app)
        .map(|(_, list)| {
            list.iter()
                .map(|(o, k)| (o.to_string(), k.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let mut actual: Vec<(String, String)> = Vec::new();
    for op in &observed.ops {
        if let Outcome::Fail { kind, .. } = &op.outcome {
            let entry = (op.name.clone(), kind.clone());
            if !actual.contains(&entry) {
                actual.push(entry);
            }
        }
    }
    if actual != expected {
        problems.push(format!(
            "the cluster failures are not the ones the fixture is written for:\n  expected {expected:?}\n  observed {actual:?}"
        ));
    }

    // (c) The analyzer's predictions.
    let observe_only = std::env::var_os("SLOTLINT_CLUSTER_OBSERVE_ONLY").is_some_and(|v| v == "1");
    let diagnostics = if observe_only {
        eprintln!(
            "SLOTLINT_CLUSTER_OBSERVE_ONLY=1: NOT comparing with `cargo slotlint check` ({app})"
        );
        Vec::new()
    } else {
        predictions(app).unwrap_or_else(|e| panic!("{app}: {e}"))
    };
    let main_rs = format!("{app}/src/main.rs");
    let (mut in_main, elsewhere): (Vec<Diagnostic>, Vec<Diagnostic>) = diagnostics
        .into_iter()
        .partition(|d| d.file.ends_with(&main_rs));
    map_script_bodies(
        app,
        &apps::apps_dir().join(&main_rs),
        &observed.ops,
        &mut in_main,
    );

    // Group the operations by call site (a call in a loop runs several times).
    let mut sites: BTreeMap<(u32, String), Runs> = BTreeMap::new();
    for (want, got) in reference.ops.iter().zip(&observed.ops) {
        let site = sites.entry((got.line, got.name.clone())).or_default();
        site.0.push(want);
        site.1.push(got);
    }

    let failing_lines: Vec<u32> = observed
        .ops
        .iter()
        .filter(|op| op.failed())
        .map(|op| op.line)
        .collect();
    let mut rows = Vec::new();
    for ((line, name), (reference_runs, cluster_runs)) in &sites {
        let failed = cluster_runs.iter().any(|op| op.failed());
        let covering: Vec<&Diagnostic> = in_main.iter().filter(|d| d.covers(*line)).collect();
        let errors = covering.iter().filter(|d| d.severity == "error").count();
        // An error is a false alarm when no call in its span failed; one that spans several
        // calls (e.g. a pipeline built over several statements) needs one failure among them.
        let false_alarms = covering
            .iter()
            .filter(|d| d.severity == "error")
            .filter(|d| !failing_lines.iter().any(|l| d.covers(*l)))
            .count();
        let split_warnings = covering.iter().filter(|d| d.says_split()).count();
        let mut verdict = Vec::new();
        if !observe_only {
            if failed && errors == 0 {
                verdict.push("MISSED: failed, no error predicted".to_string());
            }
            if !failed && false_alarms > 0 {
                verdict.push("FALSE ALARM: error predicted, call succeeded".to_string());
            }
            if failed && split_warnings > 0 {
                verdict.push("WRONG: 'split' warning on a call that failed".to_string());
            }
        }
        if let Some(note) = differs.get(&(*line, name.clone())) {
            verdict.push(note.clone());
        }
        for v in &verdict {
            if v.starts_with("MISSED") || v.starts_with("FALSE") || v.starts_with("WRONG") {
                problems.push(format!("line {line} ({name}): {v}"));
            }
        }
        rows.push(Row {
            line: *line,
            op: name.clone(),
            standalone: summarize(reference_runs),
            cluster: summarize(cluster_runs),
            predicted: if covering.is_empty() {
                "-".into()
            } else {
                covering
                    .iter()
                    .map(|d| d.label())
                    .collect::<Vec<_>>()
                    .join("; ")
            },
            verdict: if verdict.is_empty() {
                "ok".into()
            } else {
                verdict.join("; ")
            },
        });
    }

    // Findings that cover no operation at all.
    for d in &in_main {
        let covers_an_op = sites.keys().any(|(line, _)| d.covers(*line));
        if covers_an_op {
            continue;
        }
        let verdict = if d.severity == "error" {
            "FALSE ALARM: error on a line where no call ran"
        } else if d.says_split() {
            "WRONG: 'split' warning on a line where no call ran"
        } else {
            "(not judged)"
        };
        if verdict != "(not judged)" {
            problems.push(format!("{}: {verdict}: {}", d.label(), d.message));
        }
        rows.push(Row {
            line: d.line,
            op: "(no operation)".into(),
            standalone: "-".into(),
            cluster: "-".into(),
            predicted: d.label(),
            verdict: verdict.into(),
        });
    }
    for d in elsewhere.iter().filter(|d| d.severity == "error") {
        problems.push(format!(
            "{}:{}: error {} outside the app's main.rs, where no call ran: {}",
            d.file, d.line, d.rule, d.message
        ));
    }
    rows.sort_by(|a, b| (a.line, &a.op).cmp(&(b.line, &b.op)));

    // (d) The app as `cargo slotlint fix --unsafe` rewrote it: nothing fails on the cluster, and
    // it prints what the original printed on one server.
    if !observe_only {
        let (copy, fixed_bins) = fixed_apps();
        let fixed = apps::run_app(fixed_bins, app, &cluster.spec())
            .unwrap_or_else(|e| panic!("{app} (fixed) on the cluster: {e}"));
        if shape(&fixed.ops) != shape(&reference.ops) {
            problems.push(format!(
                "after fix, {app} ran other operations:\n{}\nvs\n{}",
                fixed.stdout, reference.stdout
            ));
        }
        let still_fails = |op: &Op| STILL_FAILS_AFTER_FIX.contains(&(app, op.name.as_str()));
        for (op_app, op) in STILL_FAILS_AFTER_FIX.iter().filter(|(a, _)| *a == app) {
            let runs: Vec<&Op> = fixed.ops.iter().filter(|o| o.name == *op).collect();
            if runs.is_empty() || runs.iter().any(|o| !o.failed()) {
                problems.push(format!(
                    "STILL_FAILS_AFTER_FIX lists ({op_app:?}, {op:?}), but after fix it did not fail: {}",
                    summarize(&runs)
                ));
            }
        }
        for (want, got) in reference.ops.iter().zip(&fixed.ops) {
            match (&want.outcome, &got.outcome) {
                _ if still_fails(got) => {}
                (_, Outcome::Fail { kind, message }) => problems.push(format!(
                    "after fix, {} (line {}) still fails on the cluster: {kind} {message}",
                    got.name, got.line
                )),
                (Outcome::Ok(w), Outcome::Ok(g))
                    if w != g && !NODE_LOCAL.contains(&(app, got.name.as_str())) =>
                {
                    problems.push(format!(
                        "after fix, {} (line {}) gave {g:?} on the cluster, the original {w:?} on one server",
                        got.name, got.line
                    ))
                }
                _ => {}
            }
        }
        for row in rows.iter_mut() {
            let runs: Vec<&Op> = fixed
                .ops
                .iter()
                .filter(|op| op.line == row.line && op.name == row.op)
                .collect();
            if !runs.is_empty() {
                row.cluster = format!("{} | fixed: {}", row.cluster, summarize(&runs));
            }
        }
        // (e) `check` on the fixed app: no error left, but those of the unfixable rules at the
        // operations that still fail.
        let fixed_dir = copy.join(app);
        let mut left = predictions_at(&fixed_dir.to_string_lossy())
            .unwrap_or_else(|e| panic!("{app} (fixed): {e}"));
        map_script_bodies(
            app,
            &fixed_dir.join("src").join("main.rs"),
            &fixed.ops,
            &mut left,
        );
        let unfixable_lines: Vec<u32> = fixed
            .ops
            .iter()
            .filter(|op| still_fails(op))
            .map(|op| op.line)
            .collect();
        let allowed = |d: &Diagnostic| {
            d.file.ends_with(&main_rs)
                && UNFIXABLE_RULES.contains(&d.rule.as_str())
                && unfixable_lines.iter().any(|l| d.covers(*l))
        };
        for d in left.iter().filter(|d| d.severity == "error" && !allowed(d)) {
            problems.push(format!(
                "after fix, check still reports {}:{} {}: {}",
                d.file, d.line, d.rule, d.message
            ));
        }
    }

    let report = table(app, &rows);
    eprintln!("{report}");
    assert!(
        problems.is_empty(),
        "{app}: the analyzer and the cluster disagree, or the fixture misbehaves:\n  - {}\n\n{report}\ncluster output:\n{}",
        problems.join("\n  - "),
        observed.stdout
    );
}

/// Every app of `fixtures/apps` has its expectations above and its `#[test]` below.
#[test]
fn every_app_is_judged() {
    let apps = apps::app_names(&apps::apps_dir());
    let listed: Vec<String> = EXPECTED_CLUSTER_FAILURES
        .iter()
        .map(|(app, _)| app.to_string())
        .collect();
    assert_eq!(
        apps, listed,
        "fixtures/apps and EXPECTED_CLUSTER_FAILURES list different apps (add a #[test] too)"
    );
}

#[test]
fn cache() {
    oracle("cache");
}

#[test]
fn cart() {
    oracle("cart");
}

#[test]
fn hazards() {
    oracle("hazards");
}

#[test]
fn job_queue() {
    oracle("job-queue");
}

#[test]
fn leaderboard() {
    oracle("leaderboard");
}

#[test]
fn rate_limiter() {
    oracle("rate-limiter");
}

#[test]
fn session_store() {
    oracle("session-store");
}

#[test]
fn stream_consumer() {
    oracle("stream-consumer");
}
