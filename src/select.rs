//! What a run checks, as cargo chooses packages: `--manifest-path`, `-p/--package`,
//! `--workspace`, `--exclude`, and the member whose folder the run starts in; or the files and
//! folders given as arguments.
//!
//! Not here: finding packages and files (`slotlint_analyzer::workspace`, whose `Discovery` this
//! narrows by package name).

use std::path::{Path, PathBuf};

use slotlint_analyzer::suppression::closest;
use slotlint_analyzer::{discover_paths, discover_workspace, Discovery};

use crate::paths::absolute;

/// The package options of the command line.
#[derive(Clone, Debug, Default)]
pub struct Packages {
    pub package: Vec<String>,
    pub workspace: bool,
    pub exclude: Vec<String>,
}

impl Packages {
    fn given(&self) -> bool {
        !self.package.is_empty() || self.workspace || !self.exclude.is_empty()
    }
}

/// What discovery found for a run.
pub struct Selected {
    /// The packages (or files) to check.
    pub discovery: Discovery,
    /// Every package of the workspace (or of the paths): key families span them all.
    pub everything: Discovery,
    /// The cargo workspace root, or the current folder for paths.
    pub root: PathBuf,
    /// The folder the run is about (the workspace root, or the first path's folder).
    pub checked: PathBuf,
    /// Whether only part of the workspace is checked (a package selection or paths).
    pub partial: bool,
    /// Warnings to print (an `--exclude` that names no package).
    pub warnings: Vec<String>,
}

/// The `Cargo.toml` of `--manifest-path`, checked to be one.
fn manifest_file(cwd: &Path, given: &Path) -> Result<PathBuf, String> {
    let path = absolute(cwd, given);
    if path.is_dir() {
        let inside = path.join("Cargo.toml");
        return Err(if inside.is_file() {
            format!(
                "`--manifest-path {}` is a folder; give its manifest: `--manifest-path {}`",
                given.display(),
                Path::new(given).join("Cargo.toml").display()
            )
        } else {
            format!(
                "`--manifest-path {}` is a folder without a Cargo.toml; give the path to a Cargo.toml",
                given.display()
            )
        });
    }
    if path.file_name().is_none_or(|n| n != "Cargo.toml") {
        return Err(format!(
            "`--manifest-path {}`: the manifest path must be a path to a Cargo.toml file",
            given.display()
        ));
    }
    if !path.is_file() {
        return Err(format!(
            "`--manifest-path {}`: no such file",
            given.display()
        ));
    }
    Ok(path)
}

/// Discovers what to check.
pub fn select(
    cwd: &Path,
    paths: &[PathBuf],
    manifest_path: Option<&Path>,
    packages: &Packages,
) -> Result<Selected, String> {
    if !paths.is_empty() {
        if packages.given() || manifest_path.is_some() {
            return Err("paths cannot be combined with --manifest-path, -p/--package, --workspace or --exclude: give either files and folders, or packages".into());
        }
        for p in paths {
            if let Err(e) = std::fs::metadata(absolute(cwd, p)) {
                return Err(format!("cannot read `{}`: {e}", p.display()));
            }
        }
        let absolute_paths: Vec<PathBuf> = paths.iter().map(|p| absolute(cwd, p)).collect();
        let discovery = discover_paths(cwd, &absolute_paths).map_err(|e| e.to_string())?;
        let first = &absolute_paths[0];
        let checked = if first.is_dir() {
            first.clone()
        } else {
            first
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| cwd.to_path_buf())
        };
        return Ok(Selected {
            everything: discovery.clone(),
            root: discovery.display_root.clone(),
            discovery,
            checked,
            partial: true,
            warnings: Vec::new(),
        });
    }
    // The manifest the run starts from: given, or the nearest above the current folder.
    let start = match manifest_path {
        Some(given) => Some(manifest_file(cwd, given)?),
        None => cwd
            .ancestors()
            .map(|d| d.join("Cargo.toml"))
            .find(|p| p.is_file()),
    };
    let everything = discover_workspace(cwd, start.as_deref()).map_err(|e| e.to_string())?;
    let root = everything.display_root.clone();
    let mut discovery = everything.clone();
    let mut warnings = Vec::new();
    let names: Vec<&str> = everything.units.iter().map(|u| u.name.as_str()).collect();
    let mut partial = false;
    if !packages.package.is_empty() {
        for wanted in &packages.package {
            if !names.contains(&wanted.as_str()) {
                let hint = match closest(wanted, &names) {
                    Some(near) => format!("; did you mean `{near}`?"),
                    None => format!("; the workspace has: {}", names.join(", ")),
                };
                return Err(format!(
                    "package `{wanted}` is not a member of the workspace at {}{hint}",
                    root.display()
                ));
            }
        }
        discovery
            .units
            .retain(|u| packages.package.contains(&u.name));
        partial = true;
    } else if !packages.workspace && packages.exclude.is_empty() {
        // In a member's folder (or with its manifest): that package, as cargo does.
        let member_dir = start.as_deref().and_then(Path::parent);
        if let Some(dir) = member_dir.filter(|d| *d != root) {
            if everything.units.iter().any(|u| u.root == dir) {
                discovery.units.retain(|u| u.root == dir);
                partial = true;
            }
        }
    }
    for excluded in &packages.exclude {
        if !names.contains(&excluded.as_str()) {
            warnings.push(format!(
                "excluded package `{excluded}` is not a member of the workspace"
            ));
        }
    }
    if !packages.exclude.is_empty() {
        discovery
            .units
            .retain(|u| !packages.exclude.contains(&u.name));
        partial = true;
    }
    Ok(Selected {
        discovery,
        everything,
        checked: root.clone(),
        root,
        partial,
        warnings,
    })
}
