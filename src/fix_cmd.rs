//! `cargo slotlint fix`: hash-tag rewrites by key family, with a migration plan (issue 4).

use std::process::ExitCode;

#[derive(clap::Parser, Debug)]
pub struct FixArgs {
    /// Files or folders to fix instead of the current workspace.
    pub paths: Vec<std::path::PathBuf>,
}

pub fn run(_args: FixArgs) -> ExitCode {
    eprintln!("error: `cargo slotlint fix` is not implemented yet");
    ExitCode::from(2)
}
