//! `cargo slotlint`: the command line. Argument parsing, output formats and exit codes only;
//! the analysis is `slotlint-analyzer`.

mod fix_cmd;
mod migrate_cmd;
mod output;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
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
    /// Fail (exit 1) on findings of this severity or worse (default: errors only).
    #[arg(long, value_enum, value_name = "LEVEL")]
    deny: Option<DenyLevel>,
    /// Exit 0 even when findings reach the failing severity.
    #[arg(long)]
    exit_zero: bool,
    /// The redis-rs version to assume where Cargo.lock and Cargo.toml do not say (e.g. 0.23.3).
    #[arg(long, value_name = "VERSION")]
    redis_version: Option<String>,
    /// Parse every crate, even those whose sources never name redis (findings are identical).
    #[arg(long)]
    no_prefilter: bool,
    /// When to use colors.
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
pub enum Format {
    Human,
    Json,
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
                eprintln!("error: no rule named `{rule}`; `cargo slotlint rules` lists them");
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
    let discovery = match discovery {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let options = Options {
        prefilter: !args.no_prefilter,
        assumed_redis,
        threads: args.threads,
    };
    let report = analyze(&discovery, &options);
    let color = args.color.enabled();
    let result = match args.format {
        Format::Human => output::human(&report, color, args.statistics),
        Format::Json => output::json(&report),
    };
    if let Err(e) = result {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the report: {e}");
            return ExitCode::from(2);
        }
    }
    if !report.internal_errors.is_empty() {
        for e in &report.internal_errors {
            eprintln!("internal error: {e}");
        }
        return ExitCode::from(2);
    }
    let fail_at = match args.deny {
        None | Some(DenyLevel::Errors) => Severity::Error,
        Some(DenyLevel::Warnings) => Severity::Warning,
        Some(DenyLevel::Notes) => Severity::Note,
    };
    let failing = report.diagnostics.iter().any(|d| d.severity >= fail_at);
    if failing && !args.exit_zero {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
