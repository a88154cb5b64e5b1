//! `cargo slotlint migrate`: rename existing keys on a standalone Redis per a fix plan (issue 4).

use std::process::ExitCode;

#[derive(clap::Parser, Debug)]
pub struct MigrateArgs {
    /// The plan written by `cargo slotlint fix`.
    #[arg(long)]
    pub plan: std::path::PathBuf,
}

pub fn run(_args: MigrateArgs) -> ExitCode {
    eprintln!("error: `cargo slotlint migrate` is not implemented yet");
    ExitCode::from(2)
}
