//! `cargo slotlint`: the command line. Argument parsing, output formats and exit codes only;
//! the analysis is `slotlint-analyzer`.

mod baseline;
mod config;
mod fix_cmd;
mod migrate_cmd;
mod output;
mod sarif;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use output::Format;
use slotlint_analyzer::{
    analyze, discover_paths, discover_workspace, rules, workspace, Options, Severity,
};

#[derive(Parser, Debug)]
#[command(
    name = "cargo slotlint",
    bin_name = "cargo slotlint",
    version,
    about = "Find what Redis Cluster will refuse or quietly change in code using the redis crate",
    after_help = "Run `cargo slotlint rules` for the list of rules, `cargo slotlint explain RULE` for one."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check a workspace (default: the current cargo workspace) or the given files and folders.
    Check(CheckArgs),
    /// List every rule with its code, severity and summary.
    Rules,
    /// Rewrite keys with hash tags, by key family, and write the migration plan.
    Fix(fix_cmd::FixArgs),
    /// Rename existing keys on a standalone Redis according to a fix plan.
    Migrate(migrate_cmd::MigrateArgs),
    /// Print a rule's documentation.
    Explain {
        /// Rule name (`cross-slot-command`) or code (`SL101`).
        rule: String,
    },
}

#[derive(Parser, Debug)]
struct CheckArgs {
    /// Files or folders to check instead of the current workspace.
    paths: Vec<PathBuf>,
    /// Path to the workspace's Cargo.toml.
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Report only findings that are not in this baseline file (written by --write-baseline).
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    baseline: Option<PathBuf>,
    /// Record the current findings in FILE, as accepted, and exit 0.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Read the configuration from FILE (a slotlint.toml, or a Cargo.toml's
    /// [workspace.metadata.slotlint]) instead of looking for one.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Fail (exit 1) on findings of this severity or worse (default: `deny` of the configuration,
    /// else errors only).
    #[arg(long, value_enum, value_name = "LEVEL")]
    deny: Option<DenyLevel>,
    /// Exit 0 even when findings reach the failing severity.
    #[arg(long)]
    exit_zero: bool,
    /// The redis-rs version to assume where Cargo.lock and Cargo.toml do not say (e.g. 0.23.3);
    /// overrides `redis-version` of the configuration.
    #[arg(long, value_name = "VERSION")]
    redis_version: Option<String>,
    /// Parse every crate, even those whose sources never name redis (findings are identical).
    #[arg(long)]
    no_prefilter: bool,
    /// When to use colors (auto: only on a terminal, and never with NO_COLOR set).
    #[arg(long, value_enum, default_value_t = output::ColorChoice::Auto)]
    color: output::ColorChoice,
    /// Print the number of findings per rule after the report.
    #[arg(long)]
    statistics: bool,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0, hide = true)]
    threads: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum DenyLevel {
    Errors,
    Warnings,
    Notes,
}

/// `cargo slotlint …` runs `cargo-slotlint slotlint …`; `check` is the default subcommand.
fn normalized_args() -> Vec<std::ffi::OsString> {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "slotlint") {
        args.remove(1);
    }
    let known = [
        "check",
        "fix",
        "migrate",
        "rules",
        "explain",
        "help",
        "--help",
        "-h",
        "--version",
        "-V",
    ];
    let needs_check = match args.get(1) {
        None => true,
        Some(a) => !known.iter().any(|k| a == k),
    };
    if needs_check {
        args.insert(1, "check".into());
    }
    args
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(normalized_args()) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli.command {
        Command::Rules => {
            print_rules();
            ExitCode::SUCCESS
        }
        Command::Explain { rule } => match rules::find(&rule) {
            Some(r) => {
                println!(
                    "{} ({}, {})\n\n{}\n\n{}",
                    r.name,
                    r.code,
                    r.severity,
                    r.summary,
                    r.docs.trim_end()
                );
                ExitCode::SUCCESS
            }
            None => {
                let names: Vec<&str> = rules::RULES.iter().map(|r| r.name).collect();
                let wanted = rule.to_ascii_lowercase().replace('_', "-");
                match slotlint_analyzer::suppression::closest(&wanted, &names) {
                    Some(near) => {
                        eprintln!("error: no rule named `{rule}`; did you mean `{near}`?")
                    }
                    None => eprintln!(
                        "error: no rule named `{rule}`; `cargo slotlint rules` lists them"
                    ),
                }
                ExitCode::from(2)
            }
        },
        Command::Check(args) => check(args),
        Command::Fix(args) => fix_cmd::run(args),
        Command::Migrate(args) => migrate_cmd::run(args),
    }
}

fn print_rules() {
    let mut out = std::io::stdout().lock();
    for r in rules::RULES {
        let _ = writeln!(
            out,
            "{:<7} {:<24} {:<8} {}",
            r.code,
            r.name,
            r.severity.as_str(),
            r.summary
        );
    }
}

fn check(args: CheckArgs) -> ExitCode {
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: cannot read the current directory: {e}");
            return ExitCode::from(2);
        }
    };
    let assumed_redis = match args
        .redis_version
        .as_deref()
        .map(workspace::parse_version_lower_bound)
    {
        Some(None) => {
            eprintln!(
                "error: `--redis-version {}` is not a version like 0.23.3",
                args.redis_version.unwrap_or_default()
            );
            return ExitCode::from(2);
        }
        Some(v) => v,
        None => None,
    };
    let discovery = if args.paths.is_empty() {
        discover_workspace(&cwd, args.manifest_path.as_deref())
    } else {
        discover_paths(&cwd, &args.paths)
    };
    let mut discovery = match discovery {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // The project configuration is looked for from the workspace root, or the first path.
    let start = match args.paths.first() {
        Some(p) => {
            let p = cwd.join(p);
            if p.is_dir() {
                p
            } else {
                p.parent().map(PathBuf::from).unwrap_or_else(|| cwd.clone())
            }
        }
        None => discovery.display_root.clone(),
    };
    let explicit = args.config.as_ref().map(|c| cwd.join(c));
    let config = match config::Config::load(&start, explicit.as_deref(), &discovery) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    config.filter(&mut discovery);
    let options = Options {
        prefilter: !args.no_prefilter,
        assumed_redis: assumed_redis.or(config.redis_version),
        threads: args.threads,
        ..Options::default()
    };
    let mut report = analyze(&discovery, &options);
    config.apply(&mut report, &discovery.display_root);
    if !report.internal_errors.is_empty() {
        for e in &report.internal_errors {
            eprintln!("internal error: {e}");
        }
    }
    if let Some(path) = &args.write_baseline {
        let written = baseline::Baseline::from_report(&report);
        if let Err(e) = written.write(&cwd.join(path)) {
            eprintln!("error: cannot write the baseline {}: {e}", path.display());
            return ExitCode::from(2);
        }
        eprintln!(
            "slotlint: recorded {} {} in {}",
            written.findings.len(),
            if written.findings.len() == 1 {
                "finding"
            } else {
                "findings"
            },
            path.display()
        );
        return ExitCode::from(if report.internal_errors.is_empty() {
            0
        } else {
            2
        });
    }
    let outcome = match &args.baseline {
        Some(path) => match baseline::Baseline::read(&cwd.join(path)) {
            Ok(b) => Some(b.filter(&mut report, &path.display().to_string())),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let cx = output::Context {
        report: &report,
        color: args.color.enabled(),
        statistics: args.statistics,
        baseline: outcome.as_ref(),
    };
    if let Err(e) = output::render(args.format, &cx) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the report: {e}");
            return ExitCode::from(2);
        }
    }
    if !report.internal_errors.is_empty() {
        return ExitCode::from(2);
    }
    let fail_at = match args.deny {
        Some(DenyLevel::Errors) => Severity::Error,
        Some(DenyLevel::Warnings) => Severity::Warning,
        Some(DenyLevel::Notes) => Severity::Note,
        None => config.deny.unwrap_or(Severity::Error),
    };
    // Suppressed and known (baseline) findings are not in `diagnostics`: they never fail a run.
    let failing = report.diagnostics.iter().any(|d| d.severity >= fail_at);
    if failing && !args.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
