//! Compile-pass and compile-fail cases of the macros, with the compiler's output as snapshots.
//!
//! The `.stderr` snapshots of `ui/fail` are rustc's rendering of our errors, and rustc changes
//! its rendering between versions: they are compared only on the compiler that wrote them,
//! recorded in `ui/fail/rustc-version.txt`. On another compiler only the pass cases run (the
//! messages themselves are checked on every compiler by the unit tests of `slotlint-macros`).
//! `TRYBUILD=overwrite cargo test -p slotlint --test ui` rewrites the snapshots and records the
//! compiler; read them before committing (see `ui/README.md`).

use std::path::Path;
use std::process::Command;

const PINNED: &str = "tests/ui/fail/rustc-version.txt";

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    let overwrite = std::env::var_os("TRYBUILD").is_some_and(|v| v == "overwrite");
    let current = rustc_version();
    let pinned = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(PINNED))
        .unwrap_or_else(|e| panic!("{PINNED}: {e}"));
    match fail_cases(pinned.trim(), current.as_deref(), overwrite) {
        FailCases::Compare => cases.compile_fail("tests/ui/fail/*.rs"),
        FailCases::Rewrite(version) => {
            cases.compile_fail("tests/ui/fail/*.rs");
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(PINNED);
            std::fs::write(&path, format!("{version}\n"))
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        FailCases::Skip(why) => eprintln!(
            "ui: the compile-fail snapshots are not compared: {why}. To compare them on this \
             compiler, run `TRYBUILD=overwrite cargo test -p slotlint --test ui`, review the \
             changes of tests/ui/fail/*.stderr and commit them with {PINNED}."
        ),
    }
}

/// What to do with the compile-fail cases.
#[derive(Debug, PartialEq)]
enum FailCases {
    /// Compare the output with the `.stderr` snapshots.
    Compare,
    /// Rewrite the snapshots, then record this compiler.
    Rewrite(String),
    /// Another compiler wrote the snapshots (or the compiler is unknown): leave them.
    Skip(String),
}

fn fail_cases(pinned: &str, current: Option<&str>, overwrite: bool) -> FailCases {
    match current {
        None => FailCases::Skip("`rustc --version` did not run".to_owned()),
        Some(current) if overwrite => FailCases::Rewrite(current.to_owned()),
        Some(current) if current == pinned => FailCases::Compare,
        Some(current) => FailCases::Skip(format!(
            "they were written by `{pinned}`, this is `{current}`"
        )),
    }
}

/// `rustc --version` of the compiler cargo (and so trybuild) runs: `$RUSTC`, else `rustc`
/// (which rustup resolves to the toolchain of this `cargo test`).
fn rustc_version() -> Option<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc).arg("--version").output().ok()?;
    let version = String::from_utf8(output.stdout).ok()?;
    (output.status.success() && !version.trim().is_empty()).then(|| version.trim().to_owned())
}

#[test]
fn snapshots_are_compared_only_on_the_compiler_that_wrote_them() {
    let pinned = "rustc 1.95.0 (59807616e 2026-04-14)";
    assert_eq!(fail_cases(pinned, Some(pinned), false), FailCases::Compare);
    assert!(matches!(
        fail_cases(pinned, Some("rustc 1.96.0 (0123456789 2026-05-28)"), false),
        FailCases::Skip(why) if why.contains("1.95.0") && why.contains("1.96.0")
    ));
    assert!(matches!(
        fail_cases(
            pinned,
            Some("rustc 1.95.0-nightly (59807616e 2026-04-01)"),
            false
        ),
        FailCases::Skip(_)
    ));
    assert!(matches!(
        fail_cases(pinned, None, false),
        FailCases::Skip(_)
    ));
    assert_eq!(
        fail_cases(pinned, Some("rustc 1.96.0 (0123456789 2026-05-28)"), true),
        FailCases::Rewrite("rustc 1.96.0 (0123456789 2026-05-28)".to_owned())
    );
}

#[test]
fn the_pinned_compiler_is_recorded() {
    let pinned = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(PINNED))
        .unwrap_or_else(|e| panic!("{PINNED}: {e}"));
    assert!(
        pinned.starts_with("rustc ") && pinned.lines().count() == 1,
        "{PINNED} holds one `rustc --version` line: {pinned:?}"
    );
}
