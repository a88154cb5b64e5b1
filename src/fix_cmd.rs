//! `cargo slotlint fix`: hash-tag rewrites by key family, with a migration plan (issue 4).
//!
//! The planning is `slotlint-fix`; this module chooses which fixes apply (`--unsafe`), shows
//! them (`--dry-run`, `--diff`), and writes the edited files and the plan in one
//! all-or-nothing step. `--annotate` adds `#[slotlint::key]` to the rewritten key builders of
//! packages that depend on `slotlint`, in the same step.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use slotlint_analyzer::{analyze, discover_paths, discover_workspace, workspace, Options};
use slotlint_fix::plan::Place;
use slotlint_fix::plan::{EditKind, Note};
use slotlint_fix::{Applicability, Fix, FixPlan, MigrationPlan, Outcome};

use crate::config;

/// Where the plan goes when `--plan` is not given, at the workspace root.
pub const DEFAULT_PLAN: &str = "slotlint-migration.json";

#[derive(clap::Parser, Debug)]
pub struct FixArgs {
    /// Files or folders to fix instead of the current workspace (their whole packages are
    /// searched for sites of each key family).
    pub paths: Vec<PathBuf>,
    /// Path to the workspace's Cargo.toml.
    #[arg(long, value_name = "PATH")]
    pub manifest_path: Option<PathBuf>,
    /// Apply unsafe fixes too: renames of keys a running service may already hold (migrate
    /// them with `cargo slotlint migrate` before deploying).
    #[arg(long = "unsafe")]
    pub allow_unsafe: bool,
    /// Print a unified diff of the edits; write nothing.
    #[arg(long, conflicts_with = "dry_run")]
    pub diff: bool,
    /// List the fixes, what blocks the others, and the groups without a rewrite; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Where to write the migration plan (default: slotlint-migration.json at the workspace
    /// root; `-` prints it on stdout). An existing plan there is kept and extended.
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Also add `#[slotlint::key(tag = "…")]` above each function whose returned key a fix
    /// rewrites, with the new tag over the function's parameters (plain `#[slotlint::key]`
    /// when a parameter fills the tag in another form, none when no parameter does; functions
    /// already carrying it are left alone; `--dry-run --annotate` lists both). Only in
    /// packages whose Cargo.toml depends on `slotlint` (the others are named; Cargo.toml is
    /// never edited).
    #[arg(long)]
    pub annotate: bool,
    /// Read the configuration from FILE instead of looking for one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The redis-rs version to assume where Cargo.lock and Cargo.toml do not say.
    #[arg(long, value_name = "VERSION")]
    pub redis_version: Option<String>,
    /// Edit files that have uncommitted changes (by default `fix` refuses, as `cargo fix`
    /// does, so that its edits can be reviewed and undone apart from yours).
    #[arg(long)]
    pub allow_dirty: bool,
    /// Edit files that are not under version control (git).
    #[arg(long)]
    pub allow_no_vcs: bool,
    /// How to show the fixes: `human` (the listing of --dry-run), or `json` (one object:
    /// fixes with their families, applicability, edits, blockers and hazards).
    #[arg(long, value_enum, default_value_t = FixFormat::Human)]
    pub format: FixFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FixFormat {
    Human,
    Json,
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

pub fn run(args: FixArgs) -> ExitCode {
    let cwd = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => return fail(format!("cannot read the current directory: {e}")),
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
    let discovery = if args.paths.is_empty() {
        discover_workspace(&cwd, args.manifest_path.as_deref())
    } else {
        discover_paths(&cwd, &args.paths)
    };
    let everything = match discovery {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let start = match args.paths.first() {
        Some(p) => {
            let p = cwd.join(p);
            if p.is_dir() {
                p
            } else {
                p.parent().map(PathBuf::from).unwrap_or_else(|| cwd.clone())
            }
        }
        None => everything.display_root.clone(),
    };
    let explicit = args.config.as_ref().map(|c| cwd.join(c));
    let config = match config::Config::load(&start, explicit.as_deref(), &everything) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    // Every package, reported on or not: key families are searched in every file (they all
    // build keys), from the trees the analysis parses. Files the configuration excludes are
    // read, never edited.
    let mut reported = everything.clone();
    config.narrow(&mut reported);
    let options = Options {
        assumed_redis: assumed_redis.or(config.redis_version),
        // Keys only tests build are renamed too (safely: no running service holds them).
        check_test_code: true,
        key_sites: true,
        ..Options::default()
    };
    let mut report = analyze(&reported, &options);
    config.apply(&mut report, &reported.display_root);
    if !report.internal_errors.is_empty() {
        for e in &report.internal_errors {
            eprintln!("internal error: {e}");
        }
        return ExitCode::from(2);
    }
    let plan_to_stdout = args.plan.as_deref() == Some(Path::new("-"));
    if plan_to_stdout && args.format == FixFormat::Json {
        return fail("`--plan -` and `--format json` both print on stdout: choose one");
    }
    let key_files = std::mem::take(&mut report.key_files);
    let plan = slotlint_fix::plan_fixes(&report.fixable_findings(), key_files, &everything, &|p| {
        !config.reports(p)
    });
    let chosen: Vec<&Fix> = plan
        .fixes
        .iter()
        .filter(|f| match f.applicability() {
            Some(Applicability::Safe) => true,
            Some(Applicability::Unsafe) => args.allow_unsafe,
            None => false,
        })
        .collect();
    let annotations = if args.annotate {
        let deps: Vec<bool> = everything
            .units
            .iter()
            .map(|u| u.manifest.as_deref().is_some_and(depends_on_slotlint))
            .collect();
        let a =
            slotlint_fix::annotations(&plan, &chosen, |u| deps.get(u).copied().unwrap_or(false));
        for (&unit, &n) in &a.without_dependency {
            eprintln!(
                "slotlint: --annotate: package `{}` does not depend on `slotlint`: no `#[slotlint::key]` added to its {n} rewritten key {} (add `slotlint` to its [dependencies] before fixing to get them)",
                everything.units[unit].name,
                plural(n, "builder", "builders"),
            );
        }
        a
    } else {
        slotlint_fix::Annotations::default()
    };
    let changes = match slotlint_fix::changes_with(&plan, &chosen, &annotations.added) {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let plan_path = match &args.plan {
        Some(p) if !plan_to_stdout => cwd.join(p),
        _ => everything.display_root.join(DEFAULT_PLAN),
    };
    let mut stdout = std::io::stdout().lock();
    if args.diff {
        // ruff's convention: 1 when there are edits to make, 0 when none; 2 when the diff
        // cannot be written (a full disk must not look like success; a closed pipe is not that).
        let mut out = String::new();
        for c in &changes {
            out.push_str(&c.unified_diff());
        }
        if let Err(e) = stdout
            .write_all(out.as_bytes())
            .and_then(|()| stdout.flush())
        {
            // A reader that stopped early (`| head`) is not a failure to write.
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                return fail(format!("cannot write the diff: {e}"));
            }
        }
        return ExitCode::from(u8::from(!changes.is_empty()));
    }
    let new_plan = MigrationPlan::from_fixes(&chosen);
    if args.dry_run {
        let text = match args.format {
            FixFormat::Json => json_listing(&plan, &args, &chosen, false),
            FixFormat::Human => {
                let mut t = listing(&plan, &args);
                if args.annotate {
                    t.push_str(&annotation_listing(&annotations));
                }
                if plan_to_stdout && !new_plan.families.is_empty() {
                    t.push_str(&new_plan.to_json());
                }
                t
            }
        };
        // Nothing is written to sources here: a reader that stopped early (`| head`) is fine.
        if let Err(e) = stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
        {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                return fail(format!("cannot write the listing: {e}"));
            }
        }
        return ExitCode::SUCCESS;
    }
    if changes.is_empty() {
        if args.format == FixFormat::Json {
            let text = json_listing(&plan, &args, &chosen, false);
            if let Err(e) = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return fail(format!("cannot write the listing: {e}"));
                }
            }
        }
        eprintln!("slotlint: nothing to fix{}", skipped_summary(&plan, &args));
        return ExitCode::SUCCESS;
    }
    // Like `cargo fix`: only files whose edits can be told apart from the user's and undone.
    if let Err(e) = vcs_check(&changes, &everything.display_root, &args) {
        return fail(e);
    }
    let mut writes: Vec<slotlint_fix::FileWrite> = Vec::new();
    let families = new_plan.families.len();
    if plan_to_stdout {
        // The plan first, and all of it, or no source is touched: it cannot be made again
        // once the sources are rewritten.
        if let Err(e) = stdout
            .write_all(new_plan.to_json().as_bytes())
            .and_then(|()| stdout.flush())
        {
            return fail(format!(
                "cannot write the migration plan to stdout: {e}; no file was changed"
            ));
        }
    } else {
        // Extend a plan written by an earlier run, so that no rename is forgotten.
        let (expected, mut merged) = match read_existing_plan(&plan_path) {
            Ok(p) => p,
            Err(e) => return fail(e),
        };
        merged.merge(new_plan);
        // First in the list: renamed into place (flushed to disk) before any source.
        writes.push(slotlint_fix::FileWrite {
            path: plan_path.clone(),
            expected,
            content: merged.to_json(),
        });
    }
    writes.extend(changes.iter().map(|c| slotlint_fix::FileWrite {
        path: c.path.clone(),
        expected: Some(c.before.clone()),
        content: c.after.clone(),
    }));
    if let Err(e) = slotlint_fix::write_all(&writes) {
        return fail(e);
    }
    if args.format == FixFormat::Json {
        let text = json_listing(&plan, &args, &chosen, true);
        if let Err(e) = stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
        {
            // The files are written: say so, but fail (the caller reads stdout).
            eprintln!("slotlint: the fixes were applied, but the listing cannot be written: {e}");
            return ExitCode::from(2);
        }
    }
    let literals: usize = chosen
        .iter()
        .flat_map(|f| f.families.iter())
        .map(|f| f.edits.len())
        .sum();
    eprintln!(
        "slotlint: renamed {families} key {} ({literals} {} in {} {})",
        plural(families, "family", "families"),
        plural(literals, "literal", "literals"),
        changes.len(),
        plural(changes.len(), "file", "files"),
    );
    if args.annotate && (!annotations.added.is_empty() || !annotations.skipped.is_empty()) {
        let added = annotations.added.len();
        eprintln!(
            "slotlint: added `#[slotlint::key]` to {added} key {}{}",
            plural(added, "builder", "builders"),
            if annotations.skipped.is_empty() {
                String::new()
            } else {
                format!(
                    "; {} left without one (see --dry-run --annotate)",
                    annotations.skipped.len()
                )
            }
        );
    }
    if !plan_to_stdout {
        eprintln!(
            "slotlint: wrote the migration plan to {}: rename the keys a server already holds with `cargo slotlint migrate --plan {} --from redis://HOST:PORT` (a dry run; add --apply) before the new code runs",
            show_path(&plan_path, &cwd),
            show_path(&plan_path, &cwd),
        );
    }
    let skipped = skipped_summary(&plan, &args);
    if !skipped.is_empty() {
        eprintln!("slotlint: {}", skipped.trim_start_matches("; "));
    }
    ExitCode::SUCCESS
}

/// The plan an earlier run wrote (its text, to check it is unchanged when it is replaced), or
/// a new one.
fn read_existing_plan(path: &Path) -> Result<(Option<String>, MigrationPlan), String> {
    match slotlint_analyzer::input::read_text(path, None, slotlint_analyzer::MAX_FILE_BYTES) {
        Ok(text) => match MigrationPlan::from_json(&text) {
            Ok(p) => Ok((Some(text), p)),
            Err(e) => Err(format!(
                "{}: {e}; choose another file with --plan: nothing was written",
                path.display()
            )),
        },
        Err(slotlint_analyzer::input::ReadError::Io(_)) if !path.exists() => {
            Ok((None, MigrationPlan::new()))
        }
        Err(e) => Err(format!(
            "{}; nothing was written",
            e.message(&path.display().to_string())
        )),
    }
}

/// Refuse to edit files outside version control or with changes not committed, unless
/// allowed: `git` is asked (it runs git, not the scanned project).
fn vcs_check(
    changes: &[slotlint_fix::FileChange],
    root: &Path,
    args: &FixArgs,
) -> Result<(), String> {
    if args.allow_dirty && args.allow_no_vcs {
        return Ok(());
    }
    let git = |dir: &Path, a: &[&std::ffi::OsStr]| {
        // No fsmonitor hook: `git status` runs git and nothing the repository configures.
        std::process::Command::new("git")
            .args(["-c", "core.fsmonitor=false", "-C"])
            .arg(dir)
            .args(a)
            .stdin(std::process::Stdio::null())
            .output()
    };
    let toplevel = git(root, &["rev-parse".as_ref(), "--show-toplevel".as_ref()]);
    let toplevel = match toplevel {
        Ok(o) if o.status.success() => {
            PathBuf::from(String::from_utf8_lossy(&o.stdout).trim_end_matches(['\n', '\r']))
        }
        _ => {
            if args.allow_no_vcs {
                return Ok(());
            }
            return Err(format!(
                "{} is not in a git repository (or git is not installed): `fix` edits only files under version control, so that its edits can be reviewed and undone; commit the project first, or pass --allow-no-vcs",
                root.display()
            ));
        }
    };
    if args.allow_dirty {
        return Ok(());
    }
    let mut cmd: Vec<&std::ffi::OsStr> = [
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--ignored=matching",
        "--",
    ]
    .iter()
    .map(|s| s.as_ref())
    .collect();
    cmd.extend(changes.iter().map(|c| c.path.as_os_str()));
    let out = git(&toplevel, &cmd).map_err(|e| format!("cannot run git: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "`git status` failed: {}; pass --allow-dirty to edit anyway",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let mut dirty = Vec::new();
    for entry in out.stdout.split(|&b| b == 0).filter(|e| e.len() > 3) {
        let state = match &entry[..2] {
            b"??" => "not committed",
            b"!!" => "ignored by git",
            _ => "changed",
        };
        let rel = PathBuf::from(String::from_utf8_lossy(&entry[3..]).into_owned());
        let abs = toplevel.join(&rel);
        let shown = changes
            .iter()
            .find(|c| c.path == abs || c.path.ends_with(&rel))
            .map_or_else(|| rel.display().to_string(), |c| c.display.clone());
        dirty.push(format!("{shown} ({state})"));
    }
    if dirty.is_empty() {
        return Ok(());
    }
    Err(format!(
        "these files have changes that are not committed: {}; commit or stash them first (so that the fix can be reviewed and undone), or pass --allow-dirty",
        dirty.join(", ")
    ))
}

/// Whether a package's Cargo.toml lists `slotlint` in its `[dependencies]` under that name
/// (so that `#[slotlint::key]` resolves in its code).
fn depends_on_slotlint(manifest: &Path) -> bool {
    let folder =
        slotlint_analyzer::input::Boundary::new(manifest.parent().unwrap_or(Path::new(".")));
    let Ok(text) = slotlint_analyzer::input::read_text(
        manifest,
        Some(&folder),
        slotlint_analyzer::MAX_FILE_BYTES,
    ) else {
        return false;
    };
    let Ok(doc) = text.parse::<toml::Table>() else {
        return false;
    };
    match doc.get("dependencies").and_then(|d| d.get("slotlint")) {
        None => false,
        Some(toml::Value::Table(t)) => t
            .get("package")
            .is_none_or(|p| p.as_str() == Some("slotlint")),
        Some(_) => true,
    }
}

/// The `--dry-run --annotate` lines: attributes that would be added, and builders left out.
fn annotation_listing(a: &slotlint_fix::Annotations) -> String {
    let mut out = String::new();
    for x in &a.added {
        let _ = writeln!(
            out,
            "annotate: {}: `{}` gets {}",
            x.place, x.function, x.attribute
        );
    }
    for x in &a.skipped {
        let _ = writeln!(
            out,
            "not annotated: {}: `{}`: {}",
            x.place, x.function, x.reason
        );
    }
    out
}

fn show_path(p: &Path, cwd: &Path) -> String {
    p.strip_prefix(cwd).unwrap_or(p).display().to_string()
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// `; 2 unsafe fixes not applied (--unsafe), …`, or empty.
fn skipped_summary(plan: &FixPlan, args: &FixArgs) -> String {
    let unsafe_left = plan
        .fixes
        .iter()
        .filter(|f| f.applicability() == Some(Applicability::Unsafe) && !args.allow_unsafe)
        .count();
    let blocked = plan
        .fixes
        .iter()
        .filter(|f| f.applicability().is_none())
        .count();
    let no_rewrite = plan
        .groups
        .iter()
        .filter(|g| matches!(g.outcome, Outcome::NoRewrite { .. }))
        .count();
    let mut parts = Vec::new();
    if unsafe_left > 0 {
        parts.push(format!(
            "{unsafe_left} unsafe {} not applied (review with --dry-run, apply with --unsafe)",
            plural(unsafe_left, "fix", "fixes")
        ));
    }
    if blocked > 0 {
        parts.push(format!(
            "{blocked} {} blocked",
            plural(blocked, "fix", "fixes")
        ));
    }
    if no_rewrite > 0 {
        parts.push(format!(
            "{no_rewrite} {} of keys without a rewrite",
            plural(no_rewrite, "group", "groups")
        ));
    }
    if parts.is_empty() {
        return String::new();
    }
    let mut s = format!("; {}", parts.join(", "));
    if blocked + no_rewrite > 0 {
        s.push_str(" (see --dry-run)");
    }
    s
}

fn note_line(out: &mut String, label: &str, n: &Note) {
    match &n.place {
        Some(p) => {
            let _ = writeln!(out, "  {label}: {p}: {}", n.message);
        }
        None => {
            let _ = writeln!(out, "  {label}: {}", n.message);
        }
    }
}

/// The `--dry-run` listing.
pub fn listing(plan: &FixPlan, args: &FixArgs) -> String {
    let mut out = String::new();
    for (i, fix) in plan.fixes.iter().enumerate() {
        let status = match fix.applicability() {
            Some(Applicability::Safe) => "safe, would apply".to_owned(),
            Some(Applicability::Unsafe) if args.allow_unsafe => "unsafe, would apply".to_owned(),
            Some(Applicability::Unsafe) => "unsafe, needs --unsafe".to_owned(),
            None => "blocked".to_owned(),
        };
        let mut tags: Vec<&str> = fix
            .families
            .iter()
            .map(|f| f.tag_display.as_str())
            .collect();
        tags.dedup();
        let tags: Vec<String> = tags.iter().map(|t| format!("`{t}`")).collect();
        let _ = writeln!(
            out,
            "fix {} [{status}]: hash tag {}",
            i + 1,
            tags.join(", ")
        );
        for &gi in &fix.groups {
            for f in &plan.groups[gi].findings {
                let _ = writeln!(
                    out,
                    "  for: {}:{}:{} {}: {}",
                    f.file, f.line, f.column, f.rule, f.message
                );
            }
        }
        for fam in &fix.families {
            let _ = writeln!(
                out,
                "  family `{}` -> `{}` (existing keys: SCAN MATCH {})",
                fam.old_display,
                fam.new_display,
                fam.scan()
            );
            for e in &fam.edits {
                let kind = match e.kind {
                    EditKind::Exact => "",
                    EditKind::Instance => " (a literal key of the family)",
                    EditKind::Glob => " (a SCAN/KEYS glob)",
                };
                let _ = writeln!(out, "    {}: {} -> {}{kind}", e.place, e.before, e.after);
            }
        }
        for n in fix.all_blockers() {
            note_line(&mut out, "blocked", n);
        }
        for n in fix.all_hazards() {
            note_line(&mut out, "hazard", n);
        }
        if fix.applicability() == Some(Applicability::Unsafe) {
            let _ = writeln!(
                out,
                "  unsafe: renames keys a running service may already hold; after applying, move them with `cargo slotlint migrate`"
            );
        }
        out.push('\n');
    }
    for g in &plan.groups {
        if let Outcome::NoRewrite { reason } = &g.outcome {
            for f in &g.findings {
                let _ = writeln!(
                    out,
                    "no rewrite: {}:{}:{} {}: {reason}",
                    f.file, f.line, f.column, f.rule
                );
            }
        }
    }
    let count =
        |a: Option<Applicability>| plan.fixes.iter().filter(|f| f.applicability() == a).count();
    let no_rewrite = plan
        .groups
        .iter()
        .filter(|g| matches!(g.outcome, Outcome::NoRewrite { .. }))
        .count();
    let _ = writeln!(
        out,
        "{} {}: {} safe, {} unsafe, {} blocked; {} {} of keys without a rewrite",
        plan.fixes.len(),
        plural(plan.fixes.len(), "fix", "fixes"),
        count(Some(Applicability::Safe)),
        count(Some(Applicability::Unsafe)),
        count(None),
        no_rewrite,
        plural(no_rewrite, "group", "groups"),
    );
    out
}

fn place_json(p: Option<&Place>) -> serde_json::Value {
    match p {
        Some(p) => serde_json::json!({ "file": p.file, "line": p.line, "column": p.column }),
        None => serde_json::Value::Null,
    }
}

fn notes_json<'a>(notes: impl IntoIterator<Item = &'a Note>) -> Vec<serde_json::Value> {
    notes
        .into_iter()
        .map(|n| serde_json::json!({ "place": place_json(n.place.as_ref()), "message": n.message }))
        .collect()
}

/// `--format json`: one object with every fix (its families, applicability, edits, blockers,
/// hazards), the groups without a rewrite, and counts. `applied` is set after the edits were
/// written.
pub fn json_listing(plan: &FixPlan, args: &FixArgs, chosen: &[&Fix], applied: bool) -> String {
    let is_chosen = |f: &Fix| chosen.iter().any(|c| std::ptr::eq(*c, f));
    let fixes: Vec<serde_json::Value> = plan
        .fixes
        .iter()
        .enumerate()
        .map(|(i, fix)| {
            let applicability = fix.applicability();
            let status = match applicability {
                None => "blocked",
                Some(Applicability::Unsafe) if !args.allow_unsafe => "needs --unsafe",
                Some(_) if applied && is_chosen(fix) => "applied",
                Some(_) => "would apply",
            };
            let findings: Vec<serde_json::Value> = fix
                .groups
                .iter()
                .flat_map(|&gi| plan.groups[gi].findings.iter())
                .map(|f| {
                    serde_json::json!({
                        "rule": f.rule, "file": f.file, "line": f.line, "column": f.column,
                        "message": f.message,
                    })
                })
                .collect();
            let families: Vec<serde_json::Value> = fix
                .families
                .iter()
                .map(|fam| {
                    serde_json::json!({
                        "old": fam.old_display,
                        "new": fam.new_display,
                        "tag": fam.tag_display,
                        "scan": fam.scan(),
                        "edits": fam.edits.iter().map(|e| serde_json::json!({
                            "file": e.place.file, "line": e.place.line, "column": e.place.column,
                            "kind": match e.kind {
                                EditKind::Exact => "exact",
                                EditKind::Instance => "literal key",
                                EditKind::Glob => "glob",
                            },
                            "before": e.before, "after": e.after,
                        })).collect::<Vec<_>>(),
                        "blockers": notes_json(&fam.blockers),
                        "hazards": notes_json(&fam.hazards),
                    })
                })
                .collect();
            serde_json::json!({
                "id": i + 1,
                "applicability": applicability.map(Applicability::as_str),
                "status": status,
                "findings": findings,
                "families": families,
                "blockers": notes_json(fix.all_blockers()),
                "hazards": notes_json(fix.all_hazards()),
            })
        })
        .collect();
    let no_rewrite: Vec<serde_json::Value> = plan
        .groups
        .iter()
        .filter_map(|g| match &g.outcome {
            Outcome::NoRewrite { reason } => Some((g, reason)),
            Outcome::Rewrite { .. } => None,
        })
        .flat_map(|(g, reason)| {
            g.findings.iter().map(move |f| {
                serde_json::json!({
                    "rule": f.rule, "file": f.file, "line": f.line, "column": f.column,
                    "reason": reason,
                })
            })
        })
        .collect();
    let count =
        |a: Option<Applicability>| plan.fixes.iter().filter(|f| f.applicability() == a).count();
    let doc = serde_json::json!({
        "version": 1,
        "fixes": fixes,
        "no_rewrite": no_rewrite,
        "summary": {
            "fixes": plan.fixes.len(),
            "safe": count(Some(Applicability::Safe)),
            "unsafe": count(Some(Applicability::Unsafe)),
            "blocked": count(None),
            "applied": if applied { chosen.len() } else { 0 },
            "no_rewrite": no_rewrite.len(),
        },
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON serializes");
    s.push('\n');
    s
}
