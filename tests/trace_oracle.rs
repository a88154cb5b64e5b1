//! The third judge of the live-cluster oracle: `cargo slotlint trace`.
//!
//! For each fixture app of `fixtures/apps/` (one `#[test]` each):
//! 1. run it on the 6-node Redis Cluster: which calls fail there (as in `tests/cluster.rs`);
//! 2. run it on a standalone `redis-server` under `cargo slotlint trace`, then
//!    `cargo slotlint check --trace` on the app: the findings judged from what the app really
//!    sent (their message says what was *observed*);
//! 3. require that the run-time errors are exactly at the calls that failed on the cluster (the
//!    line an operation reports), each with a rule that fits how it failed, that none is left
//!    at no call site, and that at every failing call the static errors' rules are among the
//!    run-time ones.
//!
//! The apps and servers come from `tests/support`; the apps are judged one at a time, so that
//! each trace holds one app's commands and is taken on an otherwise quiet machine.

#[allow(dead_code)] // the RESP client and some app helpers are the cluster oracle's
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::sync::Mutex;

use serde_json::Value;
use support::apps::{self, Outcome};
use support::servers;

/// The rules a failure of each kind (`appkit::kind_of`) can be a finding of.
const RULES_FOR_KIND: &[(&str, &[&str])] = &[
    (
        "CROSSSLOT",
        &[
            "cross-slot-command",
            "cross-slot-transaction",
            "cross-slot-script",
            "cross-slot-pipeline",
        ],
    ),
    (
        "CLIENT_CROSSSLOT",
        &["cross-slot-pipeline", "cross-slot-transaction"],
    ),
    (
        "OTHER",
        &[
            "sort-pattern",
            "undeclared-script-key",
            "non-zero-database",
            // A sync cluster connection refuses `redis::pipe()` itself.
            "cross-slot-pipeline",
        ],
    ),
];

/// What MONITOR cannot show, by (app, line): the trace is right not to match the cluster there.
const INVISIBLE: &[(&str, u64, &str)] = &[
    (
        "job-queue",
        82,
        "two LMOVEs of keys read from the command line: the trace cannot tell which call sent the crossing one",
    ),
    (
        "outbox",
        204,
        "a sync cluster connection refuses the same-slot pipeline before sending: the server never sees it",
    ),
];

/// One app at a time: its traced run has the standalone server to itself, and no other app's
/// runs and checks load the machine meanwhile — the trace tells a pipeline by MONITOR's
/// timestamps, microseconds apart, and two cores busy with other apps spread them (a pipeline
/// seen as separate commands, once in seven full runs).
static ONE_APP: Mutex<()> = Mutex::new(());

struct Finding {
    rule: String,
    severity: String,
    message: String,
    file: String,
    line: u64,
}

fn check(args: &[&str]) -> Vec<Finding> {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
        .arg("check")
        .args(args)
        .current_dir(apps::repo_root())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "check {args:?}: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_str(&stdout).unwrap();
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| Finding {
            rule: d["rule"].as_str().unwrap().to_owned(),
            severity: d["severity"].as_str().unwrap().to_owned(),
            message: d["message"].as_str().unwrap().to_owned(),
            file: d["file"].as_str().unwrap().to_owned(),
            line: d["line"].as_u64().unwrap(),
        })
        .collect()
}

fn oracle(app: &str) {
    let _one_app = ONE_APP.lock().unwrap_or_else(|e| e.into_inner());
    servers::require_redis_tools();
    let bins = apps::built_apps();
    let cluster = servers::cluster();
    let standalone = servers::standalone();

    // (1) What fails on a cluster: line → kinds.
    let args = apps::app_args(app);
    let observed = apps::run_app(bins, app, &cluster.spec(), args)
        .unwrap_or_else(|e| panic!("{app} on the cluster: {e}"));
    let mut failures: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    for op in &observed.ops {
        if let Outcome::Fail { kind, .. } = &op.outcome {
            failures
                .entry(u64::from(op.line))
                .or_default()
                .insert(kind.clone());
        }
    }

    // (2) The app on one server, under trace; (3) compared. The trace tells a pipeline by its
    // commands' MONITOR times (within 50 µs): on two busy cores the server may be preempted
    // inside one, and the pipeline is then seen as lone commands. A disagreement is judged
    // again on a new trace (at most three): a wrong analysis disagrees every time.
    let mut attempts = Vec::new();
    for _ in 0..3 {
        match traced_agrees(app, bins, &standalone.url(), args, &failures) {
            Ok(()) => return,
            Err(problem) => attempts.push(problem),
        }
    }
    panic!("{}", attempts.join("\n\n(traced again)\n"));
}

/// Traces `app` on one server and compares its run-time errors, and the static ones, with the
/// cluster's `failures`.
fn traced_agrees(
    app: &str,
    bins: &std::path::Path,
    standalone_url: &str,
    args: &[&str],
    failures: &BTreeMap<u64, BTreeSet<String>>,
) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("trace.json");
    let traced = {
        Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
            .args(["trace", "--from", standalone_url, "-o"])
            .arg(&trace)
            .arg("--")
            .arg(bins.join(app))
            .args(args)
            .env("SLOTLINT_REDIS", format!("standalone:{standalone_url}"))
            .output()
            .unwrap()
    };
    assert!(
        traced.status.success(),
        "trace of {app}: {}\n{}\n{}",
        traced.status,
        String::from_utf8_lossy(&traced.stdout),
        String::from_utf8_lossy(&traced.stderr)
    );
    let target = format!("fixtures/apps/{app}");
    let joined = check(&[
        "--format",
        "json",
        "--trace",
        trace.to_str().unwrap(),
        &target,
    ]);
    let statik = check(&["--format", "json", &target]);

    let main_rs = format!("{app}/src/main.rs");
    let runtime_errors: Vec<&Finding> = joined
        .iter()
        .filter(|d| d.severity == "error" && d.message.contains("; observed "))
        .collect();
    let mut problems = Vec::new();
    let mut at_lines: BTreeMap<u64, BTreeSet<&str>> = BTreeMap::new();
    for d in &runtime_errors {
        if d.file.ends_with(&main_rs) {
            at_lines.entry(d.line).or_default().insert(&d.rule);
        } else {
            problems.push(format!(
                "run-time error at no call of the app ({}:{}): {}",
                d.file, d.line, d.message
            ));
        }
    }
    let invisible = |line: &u64| INVISIBLE.iter().any(|(a, l, _)| *a == app && l == line);
    for (line, kinds) in failures {
        if invisible(line) {
            continue;
        }
        let Some(rules) = at_lines.get(line) else {
            problems.push(format!(
                "line {line}: failed on the cluster ({kinds:?}), no run-time error"
            ));
            continue;
        };
        for kind in kinds {
            let allowed = RULES_FOR_KIND
                .iter()
                .find(|(k, _)| k == kind)
                .map_or(&[][..], |(_, r)| r);
            if !rules.iter().any(|r| allowed.contains(r)) {
                problems.push(format!(
                    "line {line}: failed with {kind}, but the run-time errors are {rules:?}"
                ));
            }
        }
        let static_rules: BTreeSet<&str> = statik
            .iter()
            .filter(|d| d.severity == "error" && d.file.ends_with(&main_rs) && d.line == *line)
            .map(|d| d.rule.as_str())
            .collect();
        if !static_rules.is_subset(rules) {
            problems.push(format!(
                "line {line}: static errors {static_rules:?}, run-time errors {rules:?}"
            ));
        }
    }
    for (line, rules) in &at_lines {
        if !failures.contains_key(line) && !invisible(line) {
            problems.push(format!(
                "line {line}: run-time error {rules:?}, but the call succeeded on the cluster"
            ));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{app}: the trace and the cluster disagree:\n  - {}\ncluster failures: {failures:?}\nrun-time errors: {at_lines:?}\ntrace stdout:\n{}",
        problems.join("\n  - "),
        String::from_utf8_lossy(&traced.stdout)
    ))
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

/// Every app of `fixtures/apps` has its `#[test]` here.
#[test]
fn every_app_is_judged() {
    let names = apps::app_names(&apps::apps_dir());
    let judged = [
        "cache",
        "cart",
        "hazards",
        "job-queue",
        "job-tracker",
        "leaderboard",
        "outbox",
        "rate-limiter",
        "session-store",
        "stock-keeper",
        "stream-consumer",
    ];
    assert_eq!(names, judged, "add a #[test] for each new app");
}
