//! `cargo slotlint check`: its arguments, and the run from discovery to exit code.
//!
//! discovery and package selection (`crate::select`) → the path base (`crate::paths`) →
//! configuration (`crate::config`) → analysis → baseline (`crate::baseline`) → fixes, when the
//! output shows them (`crate::fixable`) → output (`crate::output`) → exit code.

use std::collections::BTreeSet;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use clap::ArgAction;
use slotlint_analyzer::{analyze, display_path, workspace, Options, Severity};

use crate::baseline::{Baseline, Outcome};
use crate::config::Config;
use crate::fixable::Fixes;
use crate::levels::{parse_failing, parse_flag, Level, LevelFlag};
use crate::output::{self, Format, Output};
use crate::paths::{absolute, path_base, printable};
use crate::select::{select, Packages};
use crate::term::{self, ColorChoice, ProgressLine};

#[derive(clap::Parser, Debug)]
#[command(after_help = "\
Levels: allow, note(s), warn/warning(s), deny/error(s). `-D warnings` fails on warnings.
Exit codes: 0 nothing at or above the failing severity, 1 findings, 2 usage or internal error.")]
pub struct CheckArgs {
    /// Files or folders to check instead of the current workspace (their whole packages are read,
    /// findings are reported for these).
    pub paths: Vec<PathBuf>,
    /// Path to the Cargo.toml of the workspace, or of one member to check only it.
    #[arg(long, value_name = "PATH", help_heading = "Package selection")]
    pub manifest_path: Option<PathBuf>,
    /// Check only this package (repeatable).
    #[arg(
        short,
        long = "package",
        value_name = "NAME",
        help_heading = "Package selection"
    )]
    pub package: Vec<String>,
    /// Check every package of the workspace, even from a member's folder.
    #[arg(long, help_heading = "Package selection")]
    pub workspace: bool,
    /// Leave this package out (repeatable; implies --workspace).
    #[arg(long, value_name = "NAME", help_heading = "Package selection")]
    pub exclude: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, help_heading = "Output")]
    pub format: Option<Format>,
    /// cargo's --message-format: `json` prints cargo's JSON message stream (for rust-analyzer's
    /// check.overrideCommand and bacon); also json-diagnostic-short,
    /// json-diagnostic-rendered-ansi, human, short.
    #[arg(
        long,
        value_name = "FMT",
        help_heading = "Output",
        conflicts_with = "format"
    )]
    pub message_format: Option<String>,
    /// Run `cargo check --message-format=json` first and pass its messages through (with
    /// --message-format=json; extra cargo arguments go after `--`).
    #[arg(long, help_heading = "Output", conflicts_with = "with_clippy")]
    pub with_cargo_check: bool,
    /// Run `cargo clippy --message-format=json` first and pass its messages through.
    #[arg(long, help_heading = "Output")]
    pub with_clippy: bool,
    /// Print paths relative to DIR (default: GITHUB_WORKSPACE, else the git repository's top
    /// level, else the workspace root).
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub path_base: Option<PathBuf>,
    /// SARIF: keep suppressed findings, marked as suppressed (GitHub code scanning would show
    /// them as open alerts).
    #[arg(long, help_heading = "Output")]
    pub sarif_include_suppressed: bool,
    /// When to use colors (auto: only on a terminal, never with NO_COLOR set; default from
    /// CARGO_TERM_COLOR).
    #[arg(long, value_enum, help_heading = "Output")]
    pub color: Option<ColorChoice>,
    /// Print the number of findings per rule after the report.
    #[arg(long, help_heading = "Output")]
    pub statistics: bool,
    /// Join a trace written by `cargo slotlint trace` to the call sites: findings observed at run
    /// time are reported at their call, under the same rules.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Print the findings only: no summary, no progress, no warnings.
    #[arg(short, long, help_heading = "Output", conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print the configuration file, packages and files used (on stderr).
    #[arg(short, long, action = ArgAction::Count, help_heading = "Output")]
    pub verbose: u8,

    /// Fail (exit 1) on findings of LEVEL or worse (errors, warnings, notes; default: the
    /// configuration's `deny`, else errors); with a rule name, deny that rule.
    #[arg(short = 'D', long, value_name = "LEVEL|RULE", help_heading = "Levels")]
    pub deny: Vec<String>,
    /// Report RULE's findings as warnings (repeatable).
    #[arg(short = 'W', long, value_name = "RULE", help_heading = "Levels")]
    pub warn: Vec<String>,
    /// Drop RULE's findings (repeatable).
    #[arg(short = 'A', long, value_name = "RULE", help_heading = "Levels")]
    pub allow: Vec<String>,
    /// Exit 0 even when findings reach the failing severity.
    #[arg(long, help_heading = "Levels")]
    pub exit_zero: bool,

    /// Report only findings that are not in this baseline file (default: `baseline` of the
    /// configuration).
    #[arg(long, value_name = "FILE", help_heading = "Baseline")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings as accepted, in FILE (default: the configured baseline),
    /// and exit 0.
    #[arg(long, value_name = "FILE", num_args = 0..=1, conflicts_with_all = ["baseline", "update_baseline"], help_heading = "Baseline")]
    pub write_baseline: Option<Option<PathBuf>>,
    /// Remove from the baseline the entries that were fixed (of the files checked); add nothing.
    #[arg(long, help_heading = "Baseline")]
    pub update_baseline: bool,

    /// Read the configuration from FILE (a slotlint.toml, or a Cargo.toml's
    /// [workspace.metadata.slotlint]) instead of looking for one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The redis-rs version to assume where Cargo.lock and Cargo.toml do not say (e.g. 0.23.3);
    /// overrides `redis-version` of the configuration.
    #[arg(long, value_name = "VERSION")]
    pub redis_version: Option<String>,
    /// Parse every crate, even those whose sources never name redis (findings are identical).
    #[arg(long)]
    pub no_prefilter: bool,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0, hide = true)]
    pub threads: usize,
    /// Arguments for `cargo check`/`cargo clippy` (after `--`).
    #[arg(last = true, value_name = "CARGO_ARGS")]
    pub cargo_args: Vec<String>,
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    let _ = writeln!(io::stderr(), "error: {message}");
    ExitCode::from(2)
}

/// A line on stderr, unless the run is quiet.
fn say(quiet: bool, message: impl std::fmt::Display) {
    if !quiet {
        let _ = writeln!(io::stderr(), "{message}");
    }
}

/// The failing severity of `-D LEVEL`, and the rule levels of `-A/-W/-D RULE`.
type LevelFlags = (Option<Severity>, Vec<(&'static str, Level)>);

/// The failing severity and the rule levels of `-D/-W/-A`, in the order given.
fn level_flags(args: &CheckArgs) -> Result<LevelFlags, String> {
    let mut failing = None;
    let mut rules = Vec::new();
    // clap keeps each flag's values in order; rustc's "last one wins" per rule holds within each
    // flag, and deny over warn over allow across them, as the indices are not kept.
    for (level, values) in [
        (Level::Allow, &args.allow),
        (Level::Warn, &args.warn),
        (Level::Deny, &args.deny),
    ] {
        for v in values {
            match parse_flag(level, v) {
                Ok(LevelFlag::Failing(s)) => failing = Some(s),
                Ok(LevelFlag::Rule(rule, l)) => rules.push((rule, l)),
                Err(e) if level == Level::Deny => {
                    // Neither a rule nor a severity: say both.
                    return Err(format!(
                        "`--deny {v}`: {}; or {e}",
                        parse_failing(v).unwrap_err()
                    ));
                }
                Err(e) => return Err(e),
            }
        }
    }
    Ok((failing, rules))
}

/// Runs `cargo check`/`cargo clippy --message-format=json`, copying its messages to stdout
/// except its `build-finished` line. Returns whether it succeeded.
fn run_cargo(args: &CheckArgs, subcommand: &str) -> Result<bool, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.arg(subcommand).arg("--message-format=json");
    if let Some(m) = &args.manifest_path {
        cmd.arg("--manifest-path").arg(m);
    }
    for p in &args.package {
        cmd.arg("--package").arg(p);
    }
    if args.workspace {
        cmd.arg("--workspace");
    }
    for e in &args.exclude {
        cmd.arg("--exclude").arg(e);
    }
    cmd.args(&args.cargo_args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run `cargo {subcommand}`: {e}"))?;
    let stdout = child.stdout.take().expect("piped stdout");
    let mut out = io::stdout().lock();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("reading `cargo {subcommand}`: {e}"))?;
        if line.contains("\"reason\":\"build-finished\"") {
            continue;
        }
        if writeln!(out, "{line}").is_err() {
            break;
        }
    }
    let _ = out.flush();
    let status = child
        .wait()
        .map_err(|e| format!("`cargo {subcommand}`: {e}"))?;
    Ok(status.success())
}

pub fn run(args: CheckArgs) -> ExitCode {
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => return fail(format!("cannot read the current directory: {e}")),
    };
    let output = match (&args.message_format, args.format) {
        (Some(m), _) => match Output::parse_message_format(m) {
            Ok(o) => o,
            Err(e) => return fail(e),
        },
        (None, f) => Output::Format(f.unwrap_or(Format::Human)),
    };
    let with_cargo = match (args.with_cargo_check, args.with_clippy) {
        (true, _) => Some("check"),
        (_, true) => Some("clippy"),
        _ => None,
    };
    if with_cargo.is_some() && !matches!(output, Output::CargoJson(_)) {
        return fail("--with-cargo-check and --with-clippy pass cargo's JSON messages through: use them with --message-format=json");
    }
    if !args.cargo_args.is_empty() && with_cargo.is_none() {
        return fail(
            "arguments after `--` are for cargo: use them with --with-cargo-check or --with-clippy",
        );
    }
    let (flag_failing, flag_rules) = match level_flags(&args) {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let assumed_redis = match args.redis_version.as_deref() {
        Some(v) => match workspace::parse_version_lower_bound(v) {
            Some(v) => Some(v),
            None => {
                return fail(format!(
                    "`--redis-version {v}` is not a version like 0.23.3"
                ))
            }
        },
        None => None,
    };
    let packages = Packages {
        package: args.package.clone(),
        workspace: args.workspace,
        exclude: args.exclude.clone(),
    };
    let discovery_time = std::time::Instant::now();
    let selected = match select(&cwd, &args.paths, args.manifest_path.as_deref(), &packages) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let discovery_time = discovery_time.elapsed();
    for w in &selected.warnings {
        say(args.quiet, format!("warning: {w}"));
    }
    let github = std::env::var_os("GITHUB_WORKSPACE")
        .filter(|v| !v.is_empty())
        .map(|v| absolute(&cwd, Path::new(&v)));
    let explicit_base = args.path_base.as_deref().map(|p| absolute(&cwd, p));
    let base = path_base(
        explicit_base.as_deref(),
        github.as_deref(),
        &selected.checked,
        &selected.root,
    );
    let mut discovery = selected.discovery;
    let mut everything = selected.everything;
    discovery.display_root = base.clone();
    everything.display_root = base.clone();

    // The configuration is looked for from the workspace root, or the first path.
    let start = if args.paths.is_empty() {
        selected.root.clone()
    } else {
        selected.checked.clone()
    };
    let explicit = args.config.as_ref().map(|c| absolute(&cwd, c));
    let mut config = match Config::load(&start, explicit.as_deref(), &discovery) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    config.command_line = flag_rules;
    if let Some(shadow) = &config.shadowed {
        say(args.quiet, format!("warning: {shadow}"));
    }
    for p in &args.paths {
        let abs = absolute(&cwd, p);
        if abs.is_file() {
            if let Some(by) = config.excluded_by(&abs) {
                say(
                    args.quiet,
                    format!(
                        "slotlint: {} is excluded by {by}: it is read, not reported on",
                        printable(&p.display().to_string())
                    ),
                );
            }
        }
    }
    config.filter(&mut discovery);
    if args.verbose > 0 {
        verbose(&config, &discovery, &base);
    }
    let progress = ProgressLine::for_run(args.quiet);
    let options = Options {
        prefilter: !args.no_prefilter,
        assumed_redis: assumed_redis.or(config.redis_version),
        threads: args.threads,
        check_test_code: config.check_test_code,
        // A trace recorded while the tests ran is joined to their call sites too.
        test_code_sites: args.trace.is_some(),
        progress: progress
            .clone()
            .map(|p| std::sync::Arc::new(move |done, total| p.tick(done, total)) as _),
        ..Options::default()
    };
    let others_succeeded = match with_cargo {
        Some(sub) => match run_cargo(&args, sub) {
            Ok(ok) => ok,
            Err(e) => return fail(e),
        },
        None => true,
    };
    let analysis_time = std::time::Instant::now();
    let mut report = analyze(&discovery, &options);
    if let Some(p) = &progress {
        p.finish();
    }
    if slotlint_analyzer::timings::enabled() {
        print_timings(discovery_time, analysis_time.elapsed());
    }
    if let Some(path) = &args.trace {
        let shown = path.display().to_string();
        let joined = crate::trace_cmd::join_into(
            &mut report,
            &absolute(&cwd, path),
            &shown,
            &discovery,
            options.assumed_redis,
        );
        if let Err(e) = joined {
            return fail(e);
        }
    }
    config.apply(&mut report, &base);
    for e in &report.internal_errors {
        let _ = writeln!(io::stderr(), "internal error: {e}");
    }

    // Baselines.
    let configured_baseline = config.baseline.clone();
    if let Some(path) = &args.write_baseline {
        let path =
            match (path, &configured_baseline) {
                (Some(p), _) => absolute(&cwd, p),
                (None, Some(p)) => p.clone(),
                (None, None) => return fail(
                    "--write-baseline needs a FILE (or `baseline = \"…\"` in the configuration)",
                ),
            };
        let written = Baseline::from_report(&report);
        if let Err(e) = written.write(&path) {
            return fail(format!("cannot write the baseline {}: {e}", path.display()));
        }
        say(
            args.quiet,
            format!(
                "slotlint: recorded {} in {}",
                output::counted(written.findings.len(), "finding"),
                shown(&path, &cwd)
            ),
        );
        return ExitCode::from(if report.internal_errors.is_empty() {
            0
        } else {
            2
        });
    }
    // A configured baseline that was not written yet is no baseline (a given one must exist).
    let configured_baseline = configured_baseline.filter(|p| {
        let exists = p.exists();
        if !exists && args.baseline.is_none() {
            say(
                args.quiet,
                format!(
                    "slotlint: the configured baseline {} does not exist yet (write it with --write-baseline)",
                    shown(p, &cwd)
                ),
            );
        }
        exists
    });
    let baseline_path = args
        .baseline
        .as_ref()
        .map(|p| absolute(&cwd, p))
        .or(configured_baseline);
    if args.update_baseline && baseline_path.is_none() {
        return fail(
            "--update-baseline needs --baseline FILE (or `baseline = \"…\"` in the configuration)",
        );
    }
    let outcome: Option<Outcome> = match &baseline_path {
        Some(path) => match Baseline::read(path) {
            Ok(b) => {
                let checked = selected.partial.then(|| checked_files(&discovery, &base));
                let (outcome, pruned) = b.filter(&mut report, &shown(path, &cwd), checked.as_ref());
                if args.update_baseline {
                    let removed = b.findings.len() - pruned.findings.len();
                    if removed > 0 {
                        if let Err(e) = pruned.write(path) {
                            return fail(format!(
                                "cannot write the baseline {}: {e}",
                                path.display()
                            ));
                        }
                    }
                    say(
                        args.quiet,
                        format!(
                            "slotlint: baseline {}: removed {} fixed",
                            shown(path, &cwd),
                            if removed == 1 {
                                "1 entry".to_owned()
                            } else {
                                format!("{removed} entries")
                            }
                        ),
                    );
                }
                Some(outcome)
            }
            Err(e) => return fail(e),
        },
        None => None,
    };

    let fixes = if output.wants_fixes() {
        Fixes::plan(&report, &everything, &|p| !config.reports(p))
    } else {
        Fixes::default()
    };
    let fail_at = flag_failing.or(config.deny).unwrap_or(Severity::Error);
    let color = ColorChoice::resolve(args.color).enabled();
    let cx = output::Context {
        report: &report,
        color: color && matches!(output, Output::Format(Format::Human | Format::Short)),
        width: term::width(),
        statistics: args.statistics,
        quiet: args.quiet,
        baseline: outcome.as_ref(),
        fixes: &fixes,
        path_base: &base,
        units: &discovery.units,
        sarif_include_suppressed: args.sarif_include_suppressed,
        fail_at,
        others_succeeded,
    };
    if let Err(e) = output::render(output, &cx) {
        if e.kind() != io::ErrorKind::BrokenPipe {
            return fail(format!("cannot write the report: {e}"));
        }
    }
    if !report.internal_errors.is_empty() {
        return ExitCode::from(2);
    }
    // Suppressed and known (baseline) findings are not in `diagnostics`: they never fail a run.
    let failing = report.diagnostics.iter().any(|d| d.severity >= fail_at);
    if (failing || !others_succeeded) && !args.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `path` relative to the current folder when under it (as people typed it).
fn shown(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd).unwrap_or(path).display().to_string()
}

/// The displayed paths of the files a run reports on.
fn checked_files(discovery: &slotlint_analyzer::Discovery, base: &Path) -> BTreeSet<String> {
    discovery
        .units
        .iter()
        .flat_map(|u| u.report_only.as_ref().unwrap_or(&u.files))
        .map(|f| display_path(f, base))
        .collect()
}

/// `-v`: the configuration file, and the packages and files of the run.
fn verbose(config: &Config, discovery: &slotlint_analyzer::Discovery, base: &Path) {
    let mut err = io::stderr().lock();
    let _ = match &config.source {
        Some((file, table)) if table.is_empty() => {
            writeln!(err, "slotlint: configuration: {}", file.display())
        }
        Some((file, table)) => writeln!(
            err,
            "slotlint: configuration: [{table}] of {}",
            file.display()
        ),
        None => writeln!(err, "slotlint: configuration: none found (defaults)"),
    };
    let _ = writeln!(err, "slotlint: paths relative to {}", base.display());
    for unit in &discovery.units {
        let reported = unit.report_only.as_ref().unwrap_or(&unit.files);
        let _ = writeln!(
            err,
            "slotlint: package `{}` ({}): {} reported{}",
            unit.name,
            printable(&display_path(&unit.root, base)),
            output::counted(reported.len(), "file"),
            if reported.len() == unit.files.len() {
                String::new()
            } else {
                format!(", {} read", unit.files.len())
            }
        );
        for f in reported {
            let _ = writeln!(err, "    {}", printable(&display_path(f, base)));
        }
    }
}

/// `SLOTLINT_TIMINGS=1`: where the run's time went, on stderr (`slotlint_analyzer::timings`).
fn print_timings(discovery: std::time::Duration, analysis: std::time::Duration) {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    let mut out = format!(
        "slotlint timings (ms; crates analysed at once add up):\n  {:<12} {:>9.2}\n",
        "discover",
        ms(discovery)
    );
    for (phase, spent) in slotlint_analyzer::timings::report() {
        // The files parsed on demand are part of the evaluation: shown under it.
        if phase == slotlint_analyzer::timings::Phase::DemandParse {
            out.push_str(&format!("    {:<12} {:>7.2}\n", phase.name(), spent));
        } else {
            out.push_str(&format!("  {:<12} {:>9.2}\n", phase.name(), spent));
        }
    }
    out.push_str(&format!("  {:<12} {:>9.2}\n", "analysis", ms(analysis)));
    // Counts, for comparing two builds where the times are noise.
    out.push_str("slotlint work (counts):\n");
    for (work, done) in slotlint_analyzer::timings::work_report() {
        out.push_str(&format!("  {:<24} {:>7}\n", work.name(), done));
    }
    let _ = io::stderr().write_all(out.as_bytes());
}
