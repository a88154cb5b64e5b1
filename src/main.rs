//! `cargo slotlint`: the command line. Argument parsing, output formats and exit codes only;
//! the analysis is `slotlint-analyzer`, the fixes `slotlint-fix`.

mod baseline;
mod check;
mod config;
mod fix_cmd;
mod fixable;
mod levels;
mod migrate_cmd;
mod output;
mod paths;
mod rule_docs;
mod sarif;
mod select;
mod term;
mod trace_cmd;

use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use slotlint_analyzer::rules;
use slotlint_analyzer::suppression::closest;

/// jemalloc where it builds: the run is mostly small allocations (file texts, name lists,
/// syntax trees) made by the pool's workers and freed by other threads, where glibc's arenas
/// grow a page at a time (an `mprotect` each) and hand freed memory back to the arena that made
/// it. 12 to 25 % less time on the benchmark inputs and the development corpus, peak memory
/// within a few MB (`scripts/bench.sh`).
#[cfg(all(
    not(target_os = "windows"),
    not(target_os = "openbsd"),
    any(target_arch = "x86_64", target_arch = "aarch64")
))]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
    /// Check a workspace (default: the current cargo workspace, or the member package whose folder
    /// you are in) or the given files and folders.
    Check(Box<check::CheckArgs>),
    /// List every rule with its code, severity and summary.
    Rules(rule_docs::DocsArgs),
    /// Rewrite keys with hash tags, by key family, and write the migration plan.
    Fix(fix_cmd::FixArgs),
    /// Rename existing keys on a standalone Redis according to a fix plan.
    Migrate(migrate_cmd::MigrateArgs),
    /// Watch what a command sends to a standalone Redis (MONITOR) and judge it as a cluster would.
    Trace(Box<trace_cmd::TraceArgs>),
    /// Print a rule's documentation.
    Explain {
        /// Rule name (`cross-slot-command`) or code (`SL101`).
        rule: String,
    },
}

/// The subcommands, as typed.
const COMMANDS: [&str; 7] = [
    "check", "fix", "migrate", "trace", "rules", "explain", "help",
];

/// `cargo slotlint …` runs `cargo-slotlint slotlint …`; `check` is the default subcommand when
/// the first word is an option or an existing path. Any other first word is a mistyped command.
fn normalized_args(mut args: Vec<OsString>) -> Result<Vec<OsString>, String> {
    if args.get(1).is_some_and(|a| a == "slotlint") {
        args.remove(1);
    }
    let needs_check = match args.get(1).map(|a| a.to_string_lossy().into_owned()) {
        None => true,
        Some(a) if COMMANDS.contains(&a.as_str()) => false,
        Some(a) if ["--help", "-h", "--version", "-V"].contains(&a.as_str()) => false,
        Some(a) if a.starts_with('-') => true,
        Some(a) if Path::new(&a).exists() => true,
        Some(a) => {
            return Err(match closest(&a, &COMMANDS) {
                Some(near) => format!("unknown command `{a}`, did you mean `{near}`?"),
                None => format!(
                    "unknown command `{a}`, and no file or folder of that name; `cargo slotlint --help` lists the commands"
                ),
            })
        }
    };
    if needs_check {
        args.insert(1, "check".into());
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match normalized_args(std::env::args_os().collect()) {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            return ExitCode::from(2);
        }
    };
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout; a closed pipe there is not an error.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match cli.command {
        Command::Rules(docs) if docs.given() => rule_docs::run(&docs),
        Command::Rules(_) => {
            print_rules();
            ExitCode::SUCCESS
        }
        Command::Explain { rule } => explain(&rule),
        Command::Check(args) => check::run(*args),
        Command::Fix(args) => fix_cmd::run(args),
        Command::Migrate(args) => migrate_cmd::run(args),
        Command::Trace(args) => trace_cmd::run(*args),
    }
}

/// `cargo slotlint explain RULE`: the text of the rule's page, and where the page is.
/// Output errors (a closed pipe) end it quietly.
fn explain(rule: &str) -> ExitCode {
    match rules::find(rule) {
        Some(r) => {
            let _ = write!(std::io::stdout().lock(), "{}", rule_docs::explain(r));
            ExitCode::SUCCESS
        }
        None => {
            let names: Vec<&str> = rules::RULES.iter().map(|r| r.name).collect();
            let wanted = rule.to_ascii_lowercase().replace('_', "-");
            let message = match closest(&wanted, &names) {
                Some(near) => format!("error: no rule named `{rule}`; did you mean `{near}`?"),
                None => format!("error: no rule named `{rule}`; `cargo slotlint rules` lists them"),
            };
            let _ = writeln!(std::io::stderr(), "{message}");
            ExitCode::from(2)
        }
    }
}

/// `cargo slotlint rules`: code, name, default level, summary. Stops at a closed pipe.
fn print_rules() {
    let mut out = std::io::stdout().lock();
    for r in rules::RULES {
        if writeln!(
            out,
            "{:<7} {:<24} {:<8} {}",
            r.code,
            r.name,
            r.severity.as_str(),
            r.summary
        )
        .is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<OsString> {
        std::iter::once("cargo-slotlint")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn check_is_implied_only_by_options_and_existing_paths() {
        assert_eq!(
            normalized_args(args(&["slotlint"])).unwrap(),
            args(&["check"])
        );
        assert_eq!(
            normalized_args(args(&["slotlint", "--format", "json"])).unwrap(),
            args(&["check", "--format", "json"])
        );
        assert_eq!(
            normalized_args(args(&["slotlint", "src"])).unwrap(),
            args(&["check", "src"])
        );
        assert_eq!(
            normalized_args(args(&["slotlint", "chek"])).unwrap_err(),
            "unknown command `chek`, did you mean `check`?"
        );
        assert!(normalized_args(args(&["zzzzzzzz"]))
            .unwrap_err()
            .contains("no file or folder of that name"));
    }
}
