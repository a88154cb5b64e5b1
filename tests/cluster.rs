//! The oracle: a live Redis Cluster judges `cargo slotlint check`.
//!
//! For each fixture app of `fixtures/apps/` (one `#[test]` each):
//! 1. run it on a standalone `redis-server`: the reference, where every operation succeeds;
//! 2. run it on a 6-node Redis Cluster: which calls fail there and how, which commands the
//!    cluster client split per slot, which results are one node's (the apps record what each
//!    operation sent: see `fixtures/apps/appkit`);
//! 3. run `cargo slotlint check --format json` on it and judge every call and every finding
//!    (`support::judge`): each failure needs an error of the rule the failure means (a server
//!    `CROSSSLOT` on a command → `cross-slot-command`, on a script → `cross-slot-script`, a
//!    refused MULTI/EXEC → `cross-slot-transaction`, redis-rs's "Received crossed slots in
//!    pipeline" → `cross-slot-pipeline`, the refusals of [`judge::REFUSALS`] → their rule);
//!    each split command a finding that says so; each node-local result a warning; each call
//!    whose keys come from run-time input a note at least. And every error must lie on a failure
//!    of its rule, every warning on a split, a node-local call or run-time keys, every note on
//!    run-time keys. A finding inside a Lua body counts for the operation that runs that body
//!    only where [`SCRIPT_BODIES`] says so;
//! 4. run the app as rewritten by `cargo slotlint fix --unsafe` (a copy of the apps' workspace,
//!    fixed once and built once) on the cluster: no call may fail, and every result must equal
//!    the reference (node-local commands excepted), except the operations of
//!    [`STILL_FAILS_AFTER_FIX`], which must still fail;
//! 5. run `cargo slotlint check` on the fixed copy: no `error` is left but those
//!    [`STILL_FAILS_AFTER_FIX`] allows at its operations.
//!
//! Disagreements the analyzer is known not to resolve yet are listed in [`PENDING`], each with
//! why; a listed disagreement that no longer occurs fails the test too, so the list cannot go
//! stale. On a mismatch the test fails with a table of predicted vs observed per call.
//!
//! The servers and the apps' build are shared by all tests of this binary (see
//! `support::servers` for how the servers are torn down even when a test panics). Redis 7
//! (`redis-server`, `redis-cli`) must be installed: `apt-get install -y redis-server redis-tools`.

mod support;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use support::apps::{self, Op, Outcome};
use support::findings::{map_script_bodies, predictions_at, Diagnostic};
use support::judge::{self, Class, Problem, Site};
use support::servers;

/// What each app is written to provoke on a cluster: the operations that must fail there, with
/// the rule their failure means (see [`judge::rule_of_failure`]). A change here is a change of
/// the fixtures' intent, not of the analyzer.
const EXPECTED_CLUSTER_FAILURES: &[(&str, &[(&str, &str)])] = &[
    (
        "cache",
        &[
            ("fill-user", "cross-slot-command"),
            ("user-view", "cross-slot-pipeline"),
        ],
    ),
    (
        "cart",
        &[
            ("cart-view", "cross-slot-pipeline"),
            ("add-item", "cross-slot-transaction"),
            ("checkout", "cross-slot-transaction"),
        ],
    ),
    (
        "hazards",
        &[
            ("sort-by-weight", "sort-pattern"),
            ("sort-with-names", "sort-pattern"),
            ("count-visit", "undeclared-script-key"),
            ("copy-to-archive-db", "non-zero-database"),
            ("select-archive-db", "non-zero-database"),
        ],
    ),
    (
        "job-queue",
        &[
            ("queue-depths", "cross-slot-pipeline"),
            ("next-by-priority", "cross-slot-command"),
            ("claim-job", "cross-slot-command"),
            ("claim-job-blocking", "cross-slot-command"),
            ("retry-failed", "cross-slot-command"),
            ("drain-batch", "cross-slot-command"),
            ("requeue-named", "cross-slot-command"),
        ],
    ),
    (
        "job-tracker",
        &[
            ("finish", "cross-slot-transaction"),
            ("hand-over", "cross-slot-command"),
            ("complete", "cross-slot-command"),
            ("give-up", "cross-slot-command"),
        ],
    ),
    (
        "leaderboard",
        &[
            ("best-of-two-days", "cross-slot-command"),
            ("weekly-board", "cross-slot-command"),
            ("unique-players-so-far", "cross-slot-command"),
            ("weekly-unique-players", "cross-slot-command"),
        ],
    ),
    (
        "outbox",
        &[
            ("lane-depths", "cross-slot-pipeline"),
            ("retry", "cross-slot-pipeline"),
            ("claim", "cross-slot-transaction"),
            ("flush-batch", "cross-slot-pipeline"),
            ("all-recipients", "cross-slot-command"),
            ("nightly-depths", "cross-slot-pipeline"),
            ("nightly-archive-depths", "cross-slot-pipeline"),
        ],
    ),
    (
        "rate-limiter",
        &[
            ("minute-and-hour", "cross-slot-script"),
            ("minute-and-hour-eval", "cross-slot-script"),
        ],
    ),
    (
        "session-store",
        &[
            ("revoke-session", "cross-slot-command"),
            ("archive-session", "cross-slot-command"),
        ],
    ),
    (
        "stock-keeper",
        &[
            ("restock", "cross-slot-transaction"),
            ("sell-reserved", "cross-slot-command"),
        ],
    ),
    (
        "stream-consumer",
        &[
            ("read-billing", "cross-slot-command"),
            ("read-billing-group", "cross-slot-command"),
        ],
    ),
];

/// Operations whose result on a cluster legitimately differs from the standalone one although
/// they succeed: redis-rs sends SCAN to one random node, which holds only part of the keys, and
/// a pipeline (KEYS inside one) to one node. (KEYS and DBSIZE on their own are fanned out to
/// every primary and combined, so they agree.) Each needs a `node-local-command` warning.
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

/// Operations whose failure `cargo slotlint fix --unsafe` does not remove, by design: (app,
/// operation, the rules whose errors may remain there, why). Step 4 requires that they still
/// fail (so that the list cannot go stale) and does not compare their results; step 5 accepts
/// errors of those rules at them, and no other error anywhere.
const STILL_FAILS_AFTER_FIX: &[(&str, &str, &[&str], &str)] = &[
    (
        "hazards",
        "sort-by-weight",
        &["sort-pattern"],
        "no hash tag removes a SORT pattern",
    ),
    (
        "hazards",
        "sort-with-names",
        &["sort-pattern"],
        "no hash tag removes a SORT pattern",
    ),
    (
        "hazards",
        "count-visit",
        &["undeclared-script-key"],
        "the script builds a key from ARGV",
    ),
    (
        "hazards",
        "copy-to-archive-db",
        &["non-zero-database"],
        "a cluster has database 0 only",
    ),
    (
        "hazards",
        "select-archive-db",
        &["non-zero-database"],
        "a cluster has database 0 only",
    ),
    (
        "job-queue",
        "requeue-named",
        &[],
        "its keys come from the command line",
    ),
    (
        "outbox",
        "all-recipients",
        &["cross-slot-command"],
        "a union over channels: fix declines a constant tag (one hot slot)",
    ),
    (
        "outbox",
        "nightly-depths",
        &["cross-slot-pipeline"],
        "a sync ClusterConnection refuses every `redis::pipe()`, whatever its keys",
    ),
    (
        "outbox",
        "nightly-archive-depths",
        &["cross-slot-pipeline"],
        "a sync ClusterConnection refuses every `redis::pipe()`, whatever its keys",
    ),
];

/// Disagreements the analyzer is known not to resolve yet: (app, operation or `(no
/// operation)`, class, why). Each must occur (remove the entry when the analyzer learns it).
const PENDING: &[(&str, &str, Class, &str)] = &[
    // Issue 11, shape (1): keys in struct fields built by a constructor, and a config object's
    // methods. Reported; `fix` declines these families on purpose: their keys start with a
    // value, so the SCAN glob `migrate` would move them by (`*:running`) matches other keys too.
    (
        "job-tracker",
        "finish",
        Class::AfterFix,
        "reported, but fix blocks: the keys (`{}:running`, `{}:done`) start with a value",
    ),
    (
        "job-tracker",
        "hand-over",
        Class::AfterFix,
        "reported, but fix blocks: the keys (`{}:running`, `{}:done`) start with a value",
    ),
    (
        "job-tracker",
        "complete",
        Class::AfterFix,
        "reported, but fix blocks: the keys (`{}:{}:pending`) start with a value",
    ),
    (
        "job-tracker",
        "give-up",
        Class::AfterFix,
        "reported, but fix blocks: the keys (`{}:{}:done`) start with a value",
    ),
];

/// A copy of `fixtures/apps` rewritten by `cargo slotlint fix --unsafe`, and its binaries:
/// made once per test binary. Returns (the copy, the folder of its binaries).
fn fixed_apps() -> &'static (PathBuf, PathBuf) {
    static FIXED: OnceLock<Result<(PathBuf, PathBuf), String>> = OnceLock::new();
    let made = FIXED.get_or_init(|| {
        let copy = apps::apps_target_dir().join("fixed-src");
        let _ = std::fs::remove_dir_all(&copy);
        copy_tree(&apps::apps_dir(), &copy).map_err(|e| format!("copying the apps: {e}"))?;
        // Own binary names, so that the copy shares the target dir (and the compiled redis crate)
        // with the original apps without overwriting their binaries. And its own folder for
        // `appkit`: cargo names a path package's build by its path relative to the workspace,
        // so an `appkit/` in both would share one fingerprint, and a build of the originals
        // would find the copy's sources fresh and keep a stale appkit.
        std::fs::rename(copy.join("appkit"), copy.join("appkit-fixed"))
            .map_err(|e| format!("renaming the copy's appkit: {e}"))?;
        let edit = |path: &Path, edit: &dyn Fn(String) -> String| -> Result<(), String> {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            std::fs::write(path, edit(text)).map_err(|e| format!("{}: {e}", path.display()))
        };
        edit(&copy.join("Cargo.toml"), &|text| {
            text.replace("\"appkit\",", "\"appkit-fixed\",")
        })?;
        for app in apps::app_names(&copy) {
            edit(&copy.join(&app).join("Cargo.toml"), &|text| {
                text.replace("path = \"../appkit\"", "path = \"../appkit-fixed\"")
                    + &format!("\n[[bin]]\nname = \"{app}-fixed\"\npath = \"src/main.rs\"\n")
            })?;
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

/// One row of the report: a call site, or a finding that covers none.
struct Row {
    line: u32,
    op: String,
    keys: String,
    standalone: String,
    cluster: String,
    predicted: String,
    verdict: String,
}

fn table(app: &str, rows: &[Row]) -> String {
    let headers = [
        "line",
        "operation",
        "keys",
        "standalone",
        "cluster",
        "predicted",
        "verdict",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|r| {
            [
                r.line.to_string(),
                r.op.clone(),
                r.keys.clone(),
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
            *w = (*w).max(c.chars().count());
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

/// What the cluster did at a call site: outcomes, what the first failing (else the first) run
/// sent, and the rule its failure means.
fn observed_cell(runs: &[&Op]) -> String {
    let shown = runs.iter().find(|op| op.failed()).unwrap_or(&runs[0]);
    let rule = match judge::rule_of_failure(shown) {
        Ok(rule) => format!(" => {rule}"),
        Err(_) if shown.failed() => " => ?".into(),
        Err(_) => String::new(),
    };
    format!("{} via {}{rule}", summarize(runs), shown.via_text())
}

/// Steps 4 and 5: the app as `cargo slotlint fix --unsafe` rewrote it runs on the cluster with
/// nothing failing but [`STILL_FAILS_AFTER_FIX`] and prints what the original printed on one
/// server (`reference`); `check` on it reports no error but those the list allows there.
fn judge_fix(app: &str, args: &[&str], reference: &[Op], cluster_spec: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let main_rs = format!("{app}/src/main.rs");
    let node_local = |op: &Op| NODE_LOCAL.contains(&(app, op.name.as_str()));
    let (copy, fixed_bins) = fixed_apps();
    let fixed = apps::run_app(fixed_bins, app, cluster_spec, args)
        .unwrap_or_else(|e| panic!("{app} (fixed) on the cluster: {e}"));
    let after_fix = |op: &Op, text: String| Problem {
        op: op.name.clone(),
        line: Some(op.line),
        class: Class::AfterFix,
        text,
    };
    if shape(&fixed.ops) != shape(reference) {
        problems.push(Problem {
            op: "(all)".into(),
            line: None,
            class: Class::AfterFix,
            text: format!(
                "ran other operations:\n{}\nvs\n{}",
                fixed.stdout,
                reference
                    .iter()
                    .map(|op| format!("{} line={}", op.name, op.line))
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        });
    }
    let listed: Vec<(&str, &[&str])> = STILL_FAILS_AFTER_FIX
        .iter()
        .filter(|(a, _, _, _)| *a == app)
        .map(|(_, op, rules, _)| (*op, *rules))
        .collect();
    let still_fails = |op: &Op| listed.iter().any(|(name, _)| *name == op.name);
    for (op, _) in &listed {
        let runs: Vec<&Op> = fixed.ops.iter().filter(|o| o.name == *op).collect();
        if runs.is_empty() || runs.iter().any(|o| !o.failed()) {
            problems.push(Problem {
                op: op.to_string(),
                line: None,
                class: Class::Fixture,
                text: format!(
                    "STILL_FAILS_AFTER_FIX lists it, but after fix it did not fail: {}",
                    summarize(&runs)
                ),
            });
        }
    }
    // Results are compared up to the first failure fix should have removed (after it, the data
    // legitimately differs; that failure is the problem).
    let mut failed_before = false;
    for (want, got) in reference.iter().zip(&fixed.ops) {
        match (&want.outcome, &got.outcome) {
            _ if still_fails(got) => {}
            (_, Outcome::Fail { kind, message }) => {
                failed_before = true;
                problems.push(after_fix(
                    got,
                    format!("still fails on the cluster: {kind} {message}"),
                ))
            }
            (Outcome::Ok(w), Outcome::Ok(g)) if w != g && !node_local(got) && !failed_before => {
                problems.push(after_fix(
                    got,
                    format!("gave {g:?} on the cluster, the original {w:?} on one server"),
                ))
            }
            _ => {}
        }
    }
    // (e) `check` on the fixed app: no error left, but those of the unfixable rules at the
    // operations that still fail.
    let fixed_dir = copy.join(app);
    let mut left = predictions_at(&fixed_dir.to_string_lossy())
        .unwrap_or_else(|e| panic!("{app} (fixed): {e}"));
    map_script_bodies(
        &script_bodies(app),
        SCRIPT_BODY_RULE,
        &fixed_dir.join("src").join("main.rs"),
        &fixed.ops,
        &mut left,
    );
    for d in left.iter().filter(|d| d.is("error")) {
        let allowed = d.file.ends_with(&main_rs)
            && fixed.ops.iter().any(|op| {
                d.covers(op.line)
                    && listed
                        .iter()
                        .any(|(name, rules)| *name == op.name && rules.contains(&d.rule.as_str()))
            });
        if !allowed {
            let op = fixed.ops.iter().find(|op| d.covers(op.line));
            problems.push(Problem {
                op: op.map_or("(no operation)".into(), |op| op.name.clone()),
                line: Some(d.line),
                class: Class::AfterFix,
                text: format!(
                    "check still reports {}:{} {}: {}",
                    d.file, d.line, d.rule, d.message
                ),
            });
        }
    }

    problems
}

/// The (operation, `const` of the Lua body it runs) of [`SCRIPT_BODIES`] for `app`.
fn script_bodies(app: &str) -> Vec<(&'static str, &'static str)> {
    SCRIPT_BODIES
        .iter()
        .filter(|(a, _, _)| *a == app)
        .map(|(_, op, body)| (*op, *body))
        .collect()
}

/// `(name, line)` of each operation, in order.
fn shape(ops: &[Op]) -> Vec<(String, u32)> {
    ops.iter().map(|op| (op.name.clone(), op.line)).collect()
}

fn oracle(app: &str) {
    servers::require_redis_tools();
    let bins = apps::built_apps();
    let standalone = servers::standalone();
    let cluster = servers::cluster();
    let args = apps::app_args(app);

    // (a) The reference: every operation succeeds on one server.
    let reference = apps::run_app(bins, app, &format!("standalone:{}", standalone.url()), args)
        .unwrap_or_else(|e| panic!("{app} on the standalone server: {e}"));
    let failed: Vec<&Op> = reference.ops.iter().filter(|op| op.failed()).collect();
    assert!(
        failed.is_empty(),
        "{app} must succeed on a standalone server, but {failed:?} failed\nstderr:\n{}",
        reference.stderr
    );

    // (b) The same program on the cluster.
    let observed = apps::run_app(bins, app, &cluster.spec(), args)
        .unwrap_or_else(|e| panic!("{app} on the cluster: {e}"));
    assert_eq!(
        shape(&reference.ops),
        shape(&observed.ops),
        "{app} ran different operations on the standalone server and on the cluster:\n{}\nvs\n{}",
        reference.stdout,
        observed.stdout
    );

    let mut problems: Vec<Problem> = Vec::new();
    let fixture = |op: &Op, text: String| Problem {
        op: op.name.clone(),
        line: Some(op.line),
        class: Class::Fixture,
        text,
    };

    // Results of successful operations must agree with the reference up to the first failure
    // (after it, the data legitimately differs), except for node-local commands.
    let node_local = |op: &Op| NODE_LOCAL.contains(&(app, op.name.as_str()));
    let first_failure = observed
        .ops
        .iter()
        .position(Op::failed)
        .unwrap_or(usize::MAX);
    let mut remarks: BTreeMap<(u32, String), &str> = BTreeMap::new();
    for (i, (want, got)) in reference.ops.iter().zip(&observed.ops).enumerate() {
        if let (Outcome::Ok(want_result), Outcome::Ok(got_result)) = (&want.outcome, &got.outcome) {
            if want_result != got_result {
                let remark = if node_local(got) {
                    "node-local: differs as expected"
                } else if i > first_failure {
                    "differs after an earlier failure"
                } else {
                    problems.push(fixture(got, format!("succeeded on the cluster with {got_result:?}, standalone gave {want_result:?}")));
                    "RESULT DIFFERS"
                };
                remarks.insert((got.line, got.name.clone()), remark);
            }
        }
    }

    // The failures must be the ones the app is written to provoke.
    let expected: Vec<(String, String)> = EXPECTED_CLUSTER_FAILURES
        .iter()
        .find(|(name, _)| *name == app)
        .map(|(_, list)| {
            list.iter()
                .map(|(o, r)| (o.to_string(), r.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let mut actual: Vec<(String, String)> = Vec::new();
    for op in observed.ops.iter().filter(|op| op.failed()) {
        let rule = match judge::rule_of_failure(op) {
            Ok(rule) => rule.to_string(),
            Err(e) => format!("? ({e})"),
        };
        let entry = (op.name.clone(), rule);
        if !actual.contains(&entry) {
            actual.push(entry);
        }
    }
    if actual != expected {
        problems.push(Problem {
            op: "(all)".into(),
            line: None,
            class: Class::Fixture,
            text: format!("the cluster failures are not the ones the fixture is written for:\n      expected {expected:?}\n      observed {actual:?}"),
        });
    }

    // (c) The analyzer's predictions, judged.
    let diagnostics =
        predictions_at(&format!("fixtures/apps/{app}")).unwrap_or_else(|e| panic!("{app}: {e}"));
    let main_rs = format!("{app}/src/main.rs");
    let (mut in_main, elsewhere): (Vec<Diagnostic>, Vec<Diagnostic>) = diagnostics
        .into_iter()
        .partition(|d| d.file.ends_with(&main_rs));
    map_script_bodies(
        &script_bodies(app),
        SCRIPT_BODY_RULE,
        &apps::apps_dir().join(&main_rs),
        &observed.ops,
        &mut in_main,
    );

    // Group the operations by call site (a call in a loop runs several times).
    let mut grouped: BTreeMap<(u32, String), Runs> = BTreeMap::new();
    for (want, got) in reference.ops.iter().zip(&observed.ops) {
        let site = grouped.entry((got.line, got.name.clone())).or_default();
        site.0.push(want);
        site.1.push(got);
    }
    let sites: Vec<Site> = grouped
        .iter()
        .map(|((line, name), (_, runs))| Site {
            line: *line,
            name: name.clone(),
            runs: runs.clone(),
            node_local: NODE_LOCAL.contains(&(app, name.as_str())),
        })
        .collect();
    problems.extend(judge::judge(&sites, &in_main, &elsewhere));

    // (d), (e) The app as `cargo slotlint fix --unsafe` rewrote it.
    problems.extend(judge_fix(app, args, &reference.ops, &cluster.spec()));

    // Known gaps of the analyzer: each must still occur.
    let pending: Vec<&(&str, &str, Class, &str)> =
        PENDING.iter().filter(|(a, _, _, _)| *a == app).collect();
    let is_pending = |p: &Problem| {
        pending
            .iter()
            .any(|(_, op, class, _)| p.op == *op && p.class == *class)
    };
    // A listed gap that no longer occurs is stale: it fails the test (it is not "known").
    let mut stale = Vec::new();
    for (_, op, class, why) in &pending {
        if !problems.iter().any(|p| p.op == *op && p.class == *class) {
            stale.push(Problem {
                op: op.to_string(),
                line: None,
                class: *class,
                text: format!(
                    "PENDING lists {} at {op} ({why}), and it no longer occurs: remove the entry",
                    class.as_str()
                ),
            });
        }
    }

    // The report.
    let verdict_of = |line: Option<u32>, op: &str| -> String {
        let mut verdict: Vec<String> = Vec::new();
        for p in problems.iter().filter(|p| p.op == op && p.line == line) {
            let v = if is_pending(p) {
                format!("{} (pending)", p.class.as_str())
            } else {
                p.class.as_str().to_string()
            };
            if !verdict.contains(&v) {
                verdict.push(v);
            }
        }
        if verdict.is_empty() {
            "ok".into()
        } else {
            verdict.join("; ")
        }
    };
    let mut rows = Vec::new();
    for (site, ((_, _), (reference_runs, _))) in sites.iter().zip(&grouped) {
        let covering: Vec<String> = in_main
            .iter()
            .filter(|d| d.covers(site.line))
            .map(Diagnostic::label)
            .collect();
        let mut verdict = verdict_of(Some(site.line), &site.name);
        if let Some(remark) = remarks.get(&(site.line, site.name.clone())) {
            verdict = format!("{verdict}; {remark}");
        }
        rows.push(Row {
            line: site.line,
            op: site.name.clone(),
            keys: if site.runs.iter().any(|op| op.input) {
                "input"
            } else {
                "code"
            }
            .into(),
            standalone: summarize(reference_runs),
            cluster: observed_cell(&site.runs),
            predicted: if covering.is_empty() {
                "-".into()
            } else {
                covering.join("; ")
            },
            verdict,
        });
    }
    for d in in_main
        .iter()
        .filter(|d| !sites.iter().any(|s| d.covers(s.line)))
    {
        rows.push(Row {
            line: d.line,
            op: "(no operation)".into(),
            keys: "-".into(),
            standalone: "-".into(),
            cluster: "-".into(),
            predicted: d.label(),
            verdict: verdict_of(Some(d.line), "(no operation)"),
        });
    }
    rows.sort_by(|a, b| (a.line, &a.op).cmp(&(b.line, &b.op)));
    let report = table(app, &rows);
    let shown = |list: &[&Problem]| -> String {
        list.iter()
            .map(|p| {
                let at = p.line.map_or(String::new(), |l| format!(" (line {l})"));
                format!("\n  - {} {}{at}: {}", p.class.as_str(), p.op, p.text)
            })
            .collect()
    };
    let (known, mut new): (Vec<&Problem>, Vec<&Problem>) =
        problems.iter().partition(|p| is_pending(p));
    new.extend(&stale);
    if new.is_empty() {
        eprintln!("{report}");
    }
    if !known.is_empty() {
        eprintln!("{app}: pending (listed in PENDING):{}", shown(&known));
    }
    assert!(
        new.is_empty(),
        "{app}: the analyzer and the cluster disagree, or the fixture misbehaves:{}\n\n{report}\ncluster output:\n{}",
        shown(&new),
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
    let source = std::fs::read_to_string(file!()).expect("tests/cluster.rs");
    for app in &apps {
        let test = format!("oracle(\"{app}\");");
        assert!(source.contains(&test), "no #[test] runs `{test}`");
    }
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
fn job_tracker() {
    oracle("job-tracker");
}

#[test]
fn leaderboard() {
    oracle("leaderboard");
}

#[test]
fn outbox() {
    oracle("outbox");
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
fn stock_keeper() {
    oracle("stock-keeper");
}

#[test]
fn stream_consumer() {
    oracle("stream-consumer");
}
