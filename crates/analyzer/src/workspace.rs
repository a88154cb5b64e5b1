//! Finding what to read: cargo packages, their Rust sources, and what they say about `redis`.
//!
//! Manifests and lock files are read as TOML; cargo is never run, so nothing of the scanned
//! project executes (no build scripts, no proc macros). Every file is read through
//! [`crate::input::read_text`], inside the workspace root ([`Unit::boundary`]); folders reached
//! through symbolic links are not walked, and a member folder that leads outside the workspace
//! is skipped and reported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;

use crate::input::{self, Boundary};

/// A redis-rs version, `major.minor.patch`.
pub type Version = (u16, u16, u16);

/// The newest redis-rs whose behaviour the rules know; assumed when nothing says otherwise.
pub const NEWEST_KNOWN_REDIS: Version = (1, 8, 1);

/// Where the redis crate comes from in one package.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RedisDependency {
    /// Names the package's code uses for the crate (`redis`, or a rename).
    pub aliases: Vec<String>,
    /// The version requirement as written, if any.
    pub requirement: Option<String>,
    /// The version in Cargo.lock, if found.
    pub locked: Option<Version>,
    pub features: Vec<String>,
    /// Crates that re-export redis (`deadpool-redis`, `bb8-redis`…) the package depends on.
    pub wrappers: Vec<String>,
}

impl RedisDependency {
    /// The version the rules should assume: the locked one, else the requirement's lower bound.
    pub fn version(&self) -> Option<Version> {
        self.locked.or_else(|| {
            let low = parse_version_lower_bound(self.requirement.as_deref()?)?;
            // A caret requirement on 1.x lets cargo pick the newest 1.x.
            let exact = self
                .requirement
                .as_deref()
                .is_some_and(|r| r.trim_start().starts_with('='));
            Some(if !exact && low.0 >= 1 && low.0 == NEWEST_KNOWN_REDIS.0 {
                low.max(NEWEST_KNOWN_REDIS)
            } else {
                low
            })
        })
    }
}

/// One cargo package (or a folder of loose files) and its Rust sources.
#[derive(Clone, Debug)]
pub struct Unit {
    pub name: String,
    pub root: PathBuf,
    pub manifest: Option<PathBuf>,
    pub redis: Option<RedisDependency>,
    pub files: Vec<PathBuf>,
    /// When only some files were asked for: report on these, but read the whole package so that
    /// its key helpers and constants are known.
    pub report_only: Option<Vec<PathBuf>>,
    /// Nothing outside this folder is read for this unit (the workspace root, or the package or
    /// folder named on the command line): a symbolic link that leads out of it is not followed.
    pub boundary: PathBuf,
    /// The package's path dependencies inside `boundary` (the workspace's own crates it uses),
    /// for a package that depends on redis: each crate's name as code names it, and its `src/`
    /// files. Read for the items its connections and keys come from (`appkit::connect()`),
    /// never analysed or reported as the package's.
    pub libraries: Vec<(String, Vec<PathBuf>)>,
}

/// A problem met while looking for files (unreadable folder, symlink loop, bad manifest).
#[derive(Clone, Debug)]
pub struct DiscoveryProblem {
    pub path: PathBuf,
    pub message: String,
}

#[derive(Clone, Debug, Default)]
pub struct Discovery {
    pub units: Vec<Unit>,
    pub problems: Vec<DiscoveryProblem>,
    /// Paths are shown relative to this folder.
    pub display_root: PathBuf,
}

/// An error that stops the run (exit code 2).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

#[derive(Deserialize, Default)]
struct Manifest {
    package: Option<toml::Value>,
    workspace: Option<WorkspaceTable>,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: BTreeMap<String, toml::Value>,
    #[serde(default)]
    target: BTreeMap<String, TargetTable>,
}

#[derive(Deserialize, Default, Clone)]
struct WorkspaceTable {
    #[serde(default)]
    members: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize, Default)]
struct TargetTable {
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
}

const REDIS_WRAPPERS: &[&str] = &[
    "deadpool-redis",
    "bb8-redis",
    "r2d2_redis",
    "r2d2-redis",
    "mobc-redis",
    "redis-pool",
];

/// A `Cargo.toml`, read only if it is a regular file inside `boundary` (its own folder when
/// `None`).
fn read_manifest(path: &Path, boundary: Option<&Boundary>) -> Result<Manifest, String> {
    let own;
    let boundary = match boundary {
        Some(b) => b,
        None => {
            own = Boundary::new(path.parent().unwrap_or(Path::new(".")));
            &own
        }
    };
    let text = input::read_text(path, Some(boundary), input::MAX_FILE_BYTES)
        .map_err(|e| e.message(&path.display().to_string()))?;
    // The parser's message only: never the document's text.
    toml::from_str(&text).map_err(|e| {
        format!(
            "{} is not a valid Cargo.toml: {}",
            path.display(),
            e.message()
        )
    })
}

fn package_name(m: &Manifest) -> Option<String> {
    m.package.as_ref()?.get("name")?.as_str().map(str::to_owned)
}

/// `"0.23"` → 0.23.0, `"^1.0.2"` → 1.0.2, `">=0.24, <0.26"` → 0.24.0.
pub fn parse_version_lower_bound(req: &str) -> Option<Version> {
    let start = req.find(|c: char| c.is_ascii_digit())?;
    let rest = &req[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let mut parts = rest[..end]
        .split('.')
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<u16>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    Some((major, minor, patch))
}

fn redis_dependency(
    m: &Manifest,
    workspace_deps: &BTreeMap<String, toml::Value>,
) -> Option<RedisDependency> {
    let mut dep = RedisDependency::default();
    let tables = [&m.dependencies, &m.dev_dependencies]
        .into_iter()
        .chain(m.target.values().map(|t| &t.dependencies));
    for table in tables {
        for (key, value) in table {
            let inherited = value.get("workspace").and_then(|w| w.as_bool()) == Some(true);
            let source = if inherited {
                workspace_deps.get(key).unwrap_or(value)
            } else {
                value
            };
            let package = value
                .get("package")
                .or_else(|| source.get("package"))
                .and_then(|p| p.as_str())
                .unwrap_or(key);
            if package == "redis" {
                dep.aliases.push(key.replace('-', "_"));
                let req = source
                    .as_str()
                    .or_else(|| source.get("version").and_then(|v| v.as_str()));
                if let Some(req) = req {
                    dep.requirement.get_or_insert_with(|| req.to_owned());
                }
                for table in [source, value] {
                    if let Some(features) = table.get("features").and_then(|f| f.as_array()) {
                        dep.features.extend(
                            features
                                .iter()
                                .filter_map(|f| f.as_str().map(str::to_owned)),
                        );
                    }
                }
            } else if REDIS_WRAPPERS.contains(&package) {
                dep.wrappers.push(package.to_owned());
            }
        }
    }
    dep.features.sort();
    dep.features.dedup();
    (!dep.aliases.is_empty() || !dep.wrappers.is_empty()).then_some(dep)
}

/// The redis version recorded in the nearest Cargo.lock above `dir`.
fn locked_redis_version(dir: &Path) -> Option<Version> {
    // The lock file sits at the workspace root: look no further up than the first manifest
    // with a `[workspace]` table (a fixture inside another project has its own).
    let mut lock = None;
    for d in dir.ancestors() {
        let candidate = d.join("Cargo.lock");
        if candidate.is_file() {
            lock = Some((candidate, d));
            break;
        }
        if read_manifest(&d.join("Cargo.toml"), None).is_ok_and(|m| m.workspace.is_some()) {
            break;
        }
    }
    let (lock, dir) = lock?;
    let text = input::read_text(&lock, Some(&Boundary::new(dir)), input::MAX_FILE_BYTES).ok()?;
    let value: toml::Value = toml::from_str(&text).ok()?;
    value
        .get("package")?
        .as_array()?
        .iter()
        .filter(|p| p.get("name").and_then(|n| n.as_str()) == Some("redis"))
        .filter_map(|p| {
            p.get("version")?
                .as_str()
                .and_then(parse_version_lower_bound)
        })
        .max()
}

/// The `.ignore` and `.gitignore` rules of the folders from a boundary down, each file read
/// with [`input::read_text`]: a FIFO, a device or a link out of the workspace in their place is
/// a problem reported, never a hang or a read outside the workspace (the `ignore` crate's own
/// walker would open them, and those of every folder above, up to `/`).
///
/// Each folder's rules are read once, and each folder keeps the whole chain that applies in it
/// (its own rules, then its parent's chain): judging an entry is one lookup of its folder, not
/// a walk up the path per entry.
struct IgnoreRules {
    boundary: Boundary,
    top: PathBuf,
    /// Folder → the rules that apply in it, closest first (`.ignore` before `.gitignore`).
    /// Keyed by the path's bytes (as the walk spells it): a `Path` hashes component by
    /// component, and every entry of the walk asks.
    chains: std::sync::Mutex<rustc_hash::FxHashMap<std::ffi::OsString, Chain>>,
    problems: std::sync::Mutex<Vec<DiscoveryProblem>>,
    /// Each folder or `.rs` file a rule ignored, and the folder of that rule's file
    /// ([`Walked::files_under`]).
    ignored_by: std::sync::Mutex<Vec<(PathBuf, PathBuf)>>,
}

type Chain = std::sync::Arc<Vec<std::sync::Arc<ignore::gitignore::Gitignore>>>;

impl IgnoreRules {
    fn new(top: &Path) -> IgnoreRules {
        IgnoreRules {
            boundary: Boundary::new(top),
            top: top.to_path_buf(),
            chains: Default::default(),
            problems: Default::default(),
            ignored_by: Default::default(),
        }
    }

    /// The rules files of one folder (`.ignore` first: it wins over `.gitignore`, as in
    /// ripgrep).
    fn read(&self, dir: &Path) -> Vec<std::sync::Arc<ignore::gitignore::Gitignore>> {
        let mut rules = Vec::new();
        for name in [".ignore", ".gitignore"] {
            let path = dir.join(name);
            if std::fs::symlink_metadata(&path).is_err() {
                continue;
            }
            match input::read_text(&path, Some(&self.boundary), input::MAX_FILE_BYTES) {
                Ok(text) => {
                    let mut builder = ignore::gitignore::GitignoreBuilder::new(dir);
                    for line in text.lines() {
                        let _ = builder.add_line(Some(path.clone()), line);
                    }
                    if let Ok(g) = builder.build() {
                        rules.push(std::sync::Arc::new(g));
                    }
                }
                Err(e) => {
                    if let Ok(mut p) = self.problems.lock() {
                        p.push(DiscoveryProblem {
                            message: format!(
                                "{}; its rules are not applied",
                                e.message(&path.display().to_string())
                            ),
                            path,
                        });
                    }
                }
            }
        }
        rules
    }

    /// The rules that apply in `dir`: its own, then those of the folders above, up to the top.
    fn chain(&self, dir: &Path) -> Chain {
        if let Some(c) = self
            .chains
            .lock()
            .ok()
            .and_then(|c| c.get(dir.as_os_str()).cloned())
        {
            return c;
        }
        let mut chain = self.read(dir);
        if dir != self.top {
            if let Some(parent) = dir.parent().filter(|p| is_under(p, &self.top)) {
                chain.extend(self.chain(parent).iter().cloned());
            }
        }
        let chain = std::sync::Arc::new(chain);
        if let Ok(mut c) = self.chains.lock() {
            c.insert(dir.as_os_str().to_owned(), chain.clone());
        }
        chain
    }

    /// Whether the closest rule about `path` (in its folder, then the folders above, up to the
    /// boundary) ignores it.
    fn ignored(&self, path: &Path, is_dir: bool) -> bool {
        let Some(dir) = path.parent().filter(|d| is_under(d, &self.top)) else {
            return false;
        };
        for rules in self.chain(dir).iter() {
            match rules.matched(path, is_dir) {
                ignore::Match::Ignore(_) => {
                    // Only what a walk would enter or find can change what it finds (not a
                    // `Cargo.toml.orig`, not a `target` folder).
                    let found = if is_dir {
                        path.file_name().is_some_and(|n| n != "target")
                    } else {
                        path.extension().is_some_and(|x| x == "rs")
                    };
                    if found {
                        if let Ok(mut by) = self.ignored_by.lock() {
                            by.push((path.to_path_buf(), rules.path().to_path_buf()));
                        }
                    }
                    return true;
                }
                ignore::Match::Whitelist(_) => return false,
                ignore::Match::None => {}
            }
        }
        false
    }
}

/// How [`rust_files`] walks: on every core (a folder given to check, a workspace member), or
/// on this thread (a package's own folders walked again in [`discover_paths`]: hundreds of
/// small walks, where starting threads and their idle waits cost more than the walk).
#[derive(Clone, Copy)]
enum Walk {
    Parallel,
    Serial,
}

/// Every `.rs` file under `dir`, honouring the `.gitignore` and `.ignore` files from
/// `boundary` down ([`IgnoreRules`]), skipping `target` folders and hidden entries. Symlinks are
/// not followed, so loops cannot trap the walk. Folders are walked on every core; the result
/// is sorted, and so are the problems.
fn rust_files(
    dir: &Path,
    boundary: &Path,
    skip_nested_packages: bool,
    walk: Walk,
    problems: &mut Vec<DiscoveryProblem>,
) -> Vec<PathBuf> {
    let top = if dir.starts_with(boundary) {
        boundary
    } else {
        dir
    };
    let rules = std::sync::Arc::new(IgnoreRules::new(top));
    rust_files_by(dir, &rules, skip_nested_packages, walk, problems)
}

/// [`rust_files`] with the rules of the folders from a given top down (kept by the caller, to
/// ask them again: [`Walked`]).
fn rust_files_by(
    dir: &Path,
    rules: &std::sync::Arc<IgnoreRules>,
    skip_nested_packages: bool,
    walk: Walk,
    problems: &mut Vec<DiscoveryProblem>,
) -> Vec<PathBuf> {
    let root = dir.to_path_buf();
    let filter = rules.clone();
    let mut builder = ignore::WalkBuilder::new(dir);
    builder
        .standard_filters(false)
        .hidden(true)
        .follow_links(false)
        .filter_entry(move |e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            if e.depth() == 0 {
                return true;
            }
            if filter.ignored(e.path(), is_dir) {
                return false;
            }
            if !is_dir {
                return true;
            }
            if e.file_name() == "target" {
                return false;
            }
            // A nested package is its own unit.
            !(skip_nested_packages && e.path() != root && e.path().join("Cargo.toml").is_file())
        });
    let found = std::sync::Mutex::new((Vec::new(), Vec::new()));
    let take = |found: &mut (Vec<PathBuf>, Vec<DiscoveryProblem>),
                entry: Result<ignore::DirEntry, ignore::Error>| {
        match entry {
            Ok(e) => {
                // Anything named `.rs` that is not a folder is a source to read: symlinked
                // files through the link, FIFOs and devices only to be reported (`input`
                // refuses them, and links out of the workspace, without reading);
                // symlinked folders are not entered, so loops cannot trap the walk.
                let file_like = e
                    .file_type()
                    .is_some_and(|t| !(t.is_dir() || t.is_symlink() && e.path().is_dir()));
                if file_like && e.path().extension().is_some_and(|x| x == "rs") {
                    found.0.push(e.into_path());
                }
            }
            Err(err) => found.1.push(DiscoveryProblem {
                path: dir.to_path_buf(),
                message: err.to_string(),
            }),
        }
    };
    match walk {
        // Asked only here: the number of cores is read from the cgroup files each time.
        Walk::Parallel => builder
            .threads(std::thread::available_parallelism().map_or(1, |n| n.get()))
            .build_parallel()
            .run(|| {
                let found = &found;
                let take = &take;
                Box::new(move |entry| {
                    let Ok(mut found) = found.lock() else {
                        return ignore::WalkState::Quit;
                    };
                    take(&mut found, entry);
                    ignore::WalkState::Continue
                })
            }),
        Walk::Serial => {
            if let Ok(mut found) = found.lock() {
                for entry in builder.build() {
                    take(&mut found, entry);
                }
            }
        }
    }
    let (mut files, mut walk_problems) = found.into_inner().unwrap_or_default();
    if let Ok(mut p) = rules.problems.lock() {
        walk_problems.append(&mut p);
    }
    walk_problems.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    // Two walkers may have read one folder's rules at once.
    walk_problems.dedup_by(|a, b| (&a.path, &a.message) == (&b.path, &b.message));
    problems.append(&mut walk_problems);
    files.sort_unstable_by(|a, b| walked_path_order(a, b));
    files
}

/// `Path`'s order (component by component) for paths a walk found: all of them are the folder
/// walked, as given, joined with names, so past the bytes they share they have no `.` or `..`
/// and no doubled separator, and their order is their bytes' with a separator before any
/// other byte. `Path`'s own comparison parses components, and was most of the walk's serial
/// time on a tree of 10,000 files.
fn walked_path_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    let (a, b) = (
        a.as_os_str().as_encoded_bytes(),
        b.as_os_str().as_encoded_bytes(),
    );
    let shared = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    // A path that ends first comes first; then a separator; then the bytes.
    let rank = |path: &[u8]| {
        path.get(shared).map(|&c| {
            if std::path::is_separator(c as char) {
                0
            } else {
                u16::from(c) + 1
            }
        })
    };
    rank(a).cmp(&rank(b))
}

/// `path.starts_with(folder)` (component by component), read from the bytes when both are
/// spelled plainly: no `.` component, doubled or trailing `/`, where the bytes decide alone.
/// Asked for every file against every package's folder, where parsing components was a tenth
/// of a run over a vendored tree.
pub fn is_under(path: &Path, folder: &Path) -> bool {
    fn plain(b: &[u8]) -> bool {
        let component_after = |slash: usize| match b.get(slash + 1) {
            None => slash == 0,
            Some(b'/') => false,
            Some(b'.') => !matches!(b.get(slash + 2), None | Some(b'/')),
            Some(_) => true,
        };
        !b.is_empty()
            && b != b"."
            && !b.starts_with(b"./")
            && memchr::memchr_iter(b'/', b).all(component_after)
    }
    let (p, f) = (
        path.as_os_str().as_encoded_bytes(),
        folder.as_os_str().as_encoded_bytes(),
    );
    if !(plain(p) && plain(f)) {
        return path.starts_with(folder);
    }
    p.starts_with(f) && (p.len() == f.len() || f.ends_with(b"/") || p[f.len()] == b'/')
}

fn unit_for_package(
    dir: &Path,
    manifest: &Manifest,
    workspace_deps: &BTreeMap<String, toml::Value>,
    files: Vec<PathBuf>,
    boundary: &Path,
    above: &WorkspacesAbove,
) -> Unit {
    let mut redis = redis_dependency(manifest, workspace_deps);
    if let Some(dep) = redis.as_mut() {
        dep.locked = locked_redis_version(dir);
    }
    let mut libraries = Vec::new();
    if redis.is_some() {
        let within = Boundary::new(boundary);
        for (name, dep) in path_dependencies(dir, manifest, above) {
            let src = dep.join("src");
            if dep != dir && within.contains(&src) && src.is_dir() {
                let mut sources = rust_files(&src, &dep, true, Walk::Serial, &mut Vec::new());
                sources.retain(|l| !files.contains(l));
                libraries.push((name.replace('-', "_"), sources));
            }
        }
    }
    Unit {
        name: package_name(manifest).unwrap_or_else(|| dir.display().to_string()),
        root: dir.to_path_buf(),
        manifest: Some(dir.join("Cargo.toml")),
        redis,
        files,
        report_only: None,
        boundary: boundary.to_path_buf(),
        libraries,
    }
}

/// The package's `[dependencies]` given by `path` (directly, or through `{ workspace = true }`
/// and the workspace's `[workspace.dependencies]`): name and folder.
fn path_dependencies(
    package_dir: &Path,
    manifest: &Manifest,
    above: &WorkspacesAbove,
) -> Vec<(String, PathBuf)> {
    let path_of = |v: &toml::Value| {
        v.get("path")
            .and_then(toml::Value::as_str)
            .map(PathBuf::from)
    };
    let mut found = Vec::new();
    let mut from_workspace = Vec::new();
    for (name, spec) in &manifest.dependencies {
        if let Some(p) = path_of(spec) {
            found.push((name.clone(), package_dir.join(p)));
        } else if spec.get("workspace").and_then(toml::Value::as_bool) == Some(true) {
            from_workspace.push(name);
        }
    }
    if !from_workspace.is_empty() {
        if let Some((root, workspace)) = enclosing_workspace(package_dir, manifest, above) {
            for name in from_workspace {
                if let Some(p) = workspace.dependencies.get(name).and_then(path_of) {
                    found.push((name.clone(), root.join(p)));
                }
            }
        }
    }
    found
}

/// The `[workspace]` a package belongs to as cargo looks it up (its folder and table): the
/// package's own manifest's (already read), else that of the nearest manifest above with one.
fn enclosing_workspace(
    package_dir: &Path,
    manifest: &Manifest,
    above: &WorkspacesAbove,
) -> Option<(PathBuf, WorkspaceTable)> {
    if let Some(ws) = &manifest.workspace {
        return Some((package_dir.to_path_buf(), ws.clone()));
    }
    above.nearest(package_dir.parent()?)
}

/// The nearest `[workspace]` in a folder or above it, each folder's manifest read once however
/// many packages lie below it (the hundreds of packages of a vendor folder share the folders
/// above them).
#[derive(Default)]
struct WorkspacesAbove {
    found: std::sync::Mutex<rustc_hash::FxHashMap<PathBuf, Option<(PathBuf, WorkspaceTable)>>>,
}

impl WorkspacesAbove {
    /// The `[workspace]` of `dir`'s manifest, else of the nearest manifest above with one.
    fn nearest(&self, dir: &Path) -> Option<(PathBuf, WorkspaceTable)> {
        if let Some(known) = self.found.lock().ok()?.get(dir) {
            return known.clone();
        }
        let found = match read_manifest(&dir.join("Cargo.toml"), None)
            .ok()
            .and_then(|m| m.workspace)
        {
            Some(ws) => Some((dir.to_path_buf(), ws)),
            None => dir.parent().and_then(|parent| self.nearest(parent)),
        };
        if let Ok(mut known) = self.found.lock() {
            known.insert(dir.to_path_buf(), found.clone());
        }
        found
    }
}

/// The folder of the `[workspace]` a package belongs to ([`enclosing_workspace`]) — unless that
/// one excludes the package, or holds it only through a symbolic link (every file of the
/// package must lie inside the boundary).
fn workspace_root(
    package_dir: &Path,
    enclosing: Option<&(PathBuf, WorkspaceTable)>,
) -> Option<PathBuf> {
    let (root, workspace) = enclosing?;
    (!excludes(root, workspace, package_dir) && Boundary::new(root).contains(package_dir))
        .then_some(root.clone())
}

/// Whether the `[workspace]` of folder `root` leaves out the package in `package_dir` by its
/// `exclude` list (cargo then looks for the package's workspace further up, or makes the
/// package its own).
fn excludes(root: &Path, workspace: &WorkspaceTable, package_dir: &Path) -> bool {
    workspace
        .exclude
        .iter()
        .any(|e| package_dir.starts_with(root.join(e)))
}

/// The current cargo workspace: from `manifest_path`, or the nearest Cargo.toml above `cwd`.
pub fn discover_workspace(
    cwd: &Path,
    manifest_path: Option<&Path>,
) -> Result<Discovery, UsageError> {
    let manifest_path = match manifest_path {
        Some(p) => {
            let p = if p.is_absolute() { p.to_path_buf() } else { cwd.join(p) };
            if !p.is_file() {
                return Err(UsageError(format!("manifest path `{}` does not exist", p.display())));
            }
            p
        }
        None => cwd
            .ancestors()
            .map(|d| d.join("Cargo.toml"))
            .find(|p| p.is_file())
            .ok_or_else(|| UsageError(format!("could not find `Cargo.toml` in `{}` or any parent directory; pass paths to check, or --manifest-path", cwd.display())))?,
    };
    let first_dir = manifest_path
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let first = read_manifest(&manifest_path, None).map_err(UsageError)?;
    // The workspace root: this manifest if it has [workspace], else the nearest ancestor that
    // does and does not exclude the package (as cargo finds it: a package a workspace above
    // excludes is its own, or another's further up).
    let (root_dir, root) = if first.workspace.is_some() {
        (first_dir.clone(), first)
    } else {
        let found = first_dir
            .ancestors()
            .skip(1)
            .map(|d| (d.to_path_buf(), d.join("Cargo.toml")))
            .filter(|(_, p)| p.is_file())
            .find_map(|(d, p)| {
                read_manifest(&p, None)
                    .ok()
                    .filter(|m| {
                        m.workspace
                            .as_ref()
                            .is_some_and(|ws| !excludes(&d, ws, &first_dir))
                    })
                    .map(|m| (d, m))
            });
        found.unwrap_or((first_dir.clone(), first))
    };
    let boundary = Boundary::new(&root_dir);
    let above = WorkspacesAbove::default();
    let mut discovery = Discovery {
        display_root: root_dir.clone(),
        ..Discovery::default()
    };
    let ws = root.workspace.as_ref();
    let ws_deps = ws.map(|w| w.dependencies.clone()).unwrap_or_default();
    let mut package_dirs = Vec::new();
    if root.package.is_some() {
        package_dirs.push(root_dir.clone());
    }
    if let Some(ws) = ws {
        let mut unmatched = Vec::new();
        for member in &ws.members {
            let dirs: Vec<PathBuf> = expand_member_glob(&root_dir, member)
                .into_iter()
                .filter(|d| d.join("Cargo.toml").is_file())
                .collect();
            if dirs.is_empty() {
                unmatched.push(member.as_str());
            }
            for dir in dirs {
                if excludes(&root_dir, ws, &dir) || package_dirs.contains(&dir) {
                    continue;
                }
                if !boundary.contains(&dir) {
                    discovery.problems.push(DiscoveryProblem {
                        path: dir.clone(),
                        message: format!(
                            "workspace member {} leads outside the workspace (a symbolic link); not read",
                            dir.strip_prefix(&root_dir).unwrap_or(&dir).display()
                        ),
                    });
                    continue;
                }
                package_dirs.push(dir);
            }
        }
        if !unmatched.is_empty() {
            let list: Vec<String> = unmatched.iter().map(|m| format!("`{m}`")).collect();
            return Err(UsageError(format!(
                "{}: workspace {} {} no package (no folder with a Cargo.toml); fix `members` or remove {}",
                root_dir.join("Cargo.toml").display(),
                if list.len() == 1 { "member" } else { "members" },
                if list.len() == 1 {
                    format!("{} matches", list[0])
                } else {
                    format!("{} match", list.join(", "))
                },
                if list.len() == 1 { "it" } else { "them" },
            )));
        }
    }
    for dir in package_dirs {
        let manifest = match read_manifest(&dir.join("Cargo.toml"), Some(&boundary)) {
            Ok(m) => m,
            Err(message) => {
                discovery.problems.push(DiscoveryProblem {
                    path: dir.join("Cargo.toml"),
                    message,
                });
                continue;
            }
        };
        let mut files = Vec::new();
        for sub in ["src", "tests", "examples", "benches"] {
            let d = dir.join(sub);
            if d.is_dir() {
                files.extend(rust_files(
                    &d,
                    &root_dir,
                    true,
                    Walk::Parallel,
                    &mut discovery.problems,
                ));
            }
        }
        discovery.units.push(unit_for_package(
            &dir, &manifest, &ws_deps, files, &root_dir, &above,
        ));
    }
    Ok(discovery)
}

/// `crates/*` → every folder matching; a plain path → itself. Matched one path component at a
/// time (`crates`, then `*` inside it), each real folder visited once: folders reached through
/// symbolic links (even in loops) cost no more than the folders themselves.
fn expand_member_glob(root: &Path, pattern: &str) -> Vec<PathBuf> {
    if !pattern.contains(['*', '?', '[']) {
        return vec![root.join(pattern)];
    }
    let components: Vec<&str> = pattern
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    let mut matchers = Vec::new();
    for c in &components {
        match globset::GlobBuilder::new(c).literal_separator(true).build() {
            Ok(g) => matchers.push(g.compile_matcher()),
            Err(_) => return Vec::new(),
        }
    }
    let mut visited = std::collections::HashSet::new();
    visited.insert(root.canonicalize().unwrap_or_else(|_| root.to_path_buf()));
    let mut frontier = vec![root.to_path_buf()];
    for matcher in &matchers {
        let mut next = Vec::new();
        for dir in frontier {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                if !matcher.is_match(entry.file_name()) {
                    continue;
                }
                let path = entry.path();
                let Ok(canonical) = path.canonicalize() else {
                    continue;
                };
                if canonical.is_dir() && visited.insert(canonical) {
                    next.push(path);
                }
            }
        }
        frontier = next;
    }
    frontier.sort();
    frontier
}

/// The package of each folder (the closest folder, itself included, with a `Cargo.toml`),
/// looked up once per folder: files are grouped in time linear in their number.
#[derive(Default)]
struct Packages {
    /// Keyed by the folder's bytes (a `Path` key hashes component by component).
    of: rustc_hash::FxHashMap<std::ffi::OsString, Option<PathBuf>>,
}

impl Packages {
    fn of(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(found) = self.of.get(dir.as_os_str()) {
            return found.clone();
        }
        let found = if dir.join("Cargo.toml").is_file() {
            Some(dir.to_path_buf())
        } else {
            dir.parent().and_then(|parent| self.of(parent))
        };
        self.of.insert(dir.as_os_str().to_owned(), found.clone());
        found
    }
}

/// A folder given on the command line, walked ([`rust_files_by`]): its ignore rules, and the
/// files it found of each package inside it (the packages whose folder is the given one or
/// below it).
struct Walked {
    given: PathBuf,
    rules: std::sync::Arc<IgnoreRules>,
    files: rustc_hash::FxHashMap<PathBuf, Vec<PathBuf>>,
    /// The folders inside which the walk ignored an entry by a rule of a folder above them.
    ruled_from_above: rustc_hash::FxHashSet<PathBuf>,
}

impl Walked {
    /// The files of the package in `dir` under its folder `sub` (`src`…) exactly as walking
    /// `sub` on its own (`rust_files(sub, dir, true, …)`) finds them, when the walk of the
    /// given folder saw that folder as that walk would; `None` when it may not have (walk it).
    ///
    /// It did when: it found files of the package (so it entered its folder: no hidden,
    /// `target` or ignored folder on the way); `sub` is a folder (not a link: the walk did not
    /// enter links) and not a package of its own (below it, nested packages are skipped by the
    /// one walk and belong to other packages in the other); no rule from the folders above the
    /// package ignored anything inside it (the walk of `sub` reads the rules from the package's
    /// folder down: the closest rule decides, so the rules above change nothing else); and the
    /// rules did not keep the walk out of `sub`.
    fn files_under(&self, dir: &Path, sub: &Path) -> Option<Vec<PathBuf>> {
        let found = self.files.get(dir)?;
        match std::fs::symlink_metadata(sub) {
            Ok(meta) if meta.is_dir() => {}
            // Missing: the walk of `sub` finds nothing either.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(Vec::new()),
            _ => return None,
        }
        if sub.join("Cargo.toml").is_file() {
            return None;
        }
        if self.ruled_from_above.contains(dir) {
            return None;
        }
        if self.rules.ignored(sub, true) {
            return None;
        }
        Some(found.iter().filter(|f| is_under(f, sub)).cloned().collect())
    }
}

/// The unit of the package in `dir` of which `files` were given (its problem, when its manifest
/// cannot be read).
fn package_of_paths(
    dir: PathBuf,
    mut files: Vec<PathBuf>,
    boundary: &Path,
    walked: Option<&Walked>,
    above: &WorkspacesAbove,
) -> (Unit, Option<DiscoveryProblem>) {
    files.sort();
    files.dedup();
    match read_manifest(&dir.join("Cargo.toml"), None) {
        Ok(manifest) => {
            let enclosing = enclosing_workspace(&dir, &manifest, above);
            let ws_deps = enclosing
                .as_ref()
                .map(|(_, ws)| ws.dependencies.clone())
                .unwrap_or_default();
            // Its workspace's other crates may be read (its path dependencies), as when the
            // whole workspace is checked.
            let boundary = workspace_root(&dir, enclosing.as_ref())
                .filter(|root| boundary.starts_with(root) || dir.starts_with(root))
                .unwrap_or_else(|| boundary.to_path_buf());
            let boundary = boundary.as_path();
            // The package's own sources, for helpers defined outside the given paths: those
            // the walk of the given folder found, when it walked them as this would.
            let mut all = Vec::new();
            for sub in ["src", "tests", "examples", "benches"] {
                let d = dir.join(sub);
                if let Some(found) = walked.and_then(|w| w.files_under(&dir, &d)) {
                    all.extend(found);
                } else if d.is_dir() {
                    all.extend(rust_files(&d, &dir, true, Walk::Serial, &mut Vec::new()));
                }
            }
            all.sort();
            all.dedup();
            let unit = if files != all {
                let mut every = all;
                every.extend(files.iter().cloned());
                every.sort();
                every.dedup();
                let mut unit = unit_for_package(&dir, &manifest, &ws_deps, every, boundary, above);
                unit.report_only = Some(files);
                unit
            } else {
                unit_for_package(&dir, &manifest, &ws_deps, files, boundary, above)
            };
            (unit, None)
        }
        Err(message) => {
            let problem = DiscoveryProblem {
                path: dir.join("Cargo.toml"),
                message,
            };
            let unit = Unit {
                name: dir.display().to_string(),
                boundary: dir.clone(),
                root: dir,
                manifest: None,
                redis: None,
                files,
                report_only: None,
                libraries: Vec::new(),
            };
            (unit, Some(problem))
        }
    }
}

/// The files and folders given on the command line, grouped by the package that holds them.
pub fn discover_paths(cwd: &Path, paths: &[PathBuf]) -> Result<Discovery, UsageError> {
    let mut discovery = Discovery {
        display_root: cwd.to_path_buf(),
        ..Discovery::default()
    };
    let mut packages = Packages::default();
    let mut by_package: rustc_hash::FxHashMap<PathBuf, Vec<PathBuf>> = Default::default();
    // Folders named on the command line: a package's path dependencies inside one are read.
    let mut given_dirs: rustc_hash::FxHashSet<PathBuf> = Default::default();
    // The walk of each folder given, and the package folders it walked (the first walk that
    // did, for each).
    let mut walks: Vec<Walked> = Vec::new();
    let mut walked_by: rustc_hash::FxHashMap<PathBuf, (usize, bool)> = Default::default();
    // Loose files: the folder given (or the folder of the file given) is their boundary.
    let mut loose: BTreeMap<PathBuf, (PathBuf, Vec<PathBuf>)> = BTreeMap::new();
    // Each path given, and for a folder the top of its ignore rules (its package's folder, or
    // itself): all checked before any is walked.
    let mut given_paths: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
    for given in paths {
        let path = if given.is_absolute() {
            given.clone()
        } else {
            cwd.join(given)
        };
        let meta = std::fs::metadata(&path)
            .map_err(|e| UsageError(format!("cannot read `{}`: {e}", given.display())))?;
        let top = meta.is_dir().then(|| {
            given_dirs.insert(path.clone());
            packages.of(&path).unwrap_or_else(|| path.clone())
        });
        given_paths.push((path, top));
    }
    // One folder is walked on every core; several are walked each on one, on every core.
    let folders = given_paths.iter().filter(|(_, top)| top.is_some()).count();
    let walk = if folders > 1 {
        Walk::Serial
    } else {
        Walk::Parallel
    };
    let walk_one = |(path, top): &(PathBuf, Option<PathBuf>)| {
        let rules = std::sync::Arc::new(IgnoreRules::new(top.as_ref()?));
        let mut problems = Vec::new();
        let files = rust_files_by(path, &rules, false, walk, &mut problems);
        Some((rules, files, problems))
    };
    let walked: Vec<_> = match walk {
        Walk::Serial => given_paths.par_iter().map(walk_one).collect(),
        Walk::Parallel => given_paths.iter().map(walk_one).collect(),
    };
    for ((path, top), walked) in given_paths.into_iter().zip(walked) {
        let is_dir = top.is_some();
        let (files, walk) = match walked {
            Some((rules, files, mut problems)) => {
                discovery.problems.append(&mut problems);
                // Every folder between an entry ignored and the folder of the rule.
                let ruled_from_above = rules
                    .ignored_by
                    .lock()
                    .map(|by| {
                        by.iter()
                            .flat_map(|(entry, rule_folder)| {
                                entry
                                    .ancestors()
                                    .skip(1)
                                    .take_while(move |a| a != rule_folder)
                                    .map(Path::to_path_buf)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                walks.push(Walked {
                    given: path.clone(),
                    rules,
                    files: Default::default(),
                    ruled_from_above,
                });
                (files, Some(walks.len() - 1))
            }
            None => (vec![path.clone()], None),
        };
        // The files of one folder are adjacent (sorted): its package is looked up once, and a
        // run of one package's files is filed at once (hashing and copying a path per file was
        // most of this loop).
        let mut last: Option<(PathBuf, Option<PathBuf>)> = None;
        let mut run: Option<(PathBuf, Vec<PathBuf>)> = None;
        let mut file_run = |run: (PathBuf, Vec<PathBuf>)| {
            let (dir, files) = run;
            if let Some(w) = walk {
                let walked = &mut walks[w];
                let (first, inside) = *walked_by
                    .entry(dir.clone())
                    .or_insert_with(|| (w, dir.starts_with(&walked.given)));
                if first == w && inside {
                    let kept = walked.files.entry(dir.clone()).or_default();
                    kept.extend(files.iter().cloned());
                }
            }
            by_package.entry(dir).or_default().extend(files);
        };
        for file in files {
            let folder = file.parent().unwrap_or(Path::new(""));
            let package = match &last {
                Some((f, package)) if f == folder => package.clone(),
                _ => {
                    let package = packages.of(folder);
                    last = Some((folder.to_path_buf(), package.clone()));
                    package
                }
            };
            match package {
                Some(dir) => match &mut run {
                    Some((current, files)) if *current == dir => files.push(file),
                    _ => {
                        if let Some(done) = run.replace((dir, vec![file])) {
                            file_run(done);
                        }
                    }
                },
                None => {
                    let boundary = if is_dir {
                        path.clone()
                    } else {
                        path.parent().unwrap_or(Path::new("/")).to_path_buf()
                    };
                    loose
                        .entry(path.clone())
                        .or_insert_with(|| (boundary, Vec::new()))
                        .1
                        .push(file)
                }
            }
        }
        if let Some(done) = run {
            file_run(done);
        }
    }
    // Each package's manifest and own folders: independent, read on every core.
    let mut by_package: Vec<(PathBuf, Vec<PathBuf>)> = by_package.into_iter().collect();
    by_package.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let above = WorkspacesAbove::default();
    let units: Vec<(Unit, Option<DiscoveryProblem>)> = by_package
        .into_par_iter()
        .map(|(dir, files)| {
            // The outermost folder given that holds the package.
            let boundary = dir
                .ancestors()
                .filter(|a| given_dirs.contains(*a))
                .last()
                .unwrap_or(&dir)
                .to_path_buf();
            let walked = walked_by.get(&dir).map(|&(w, _)| &walks[w]);
            package_of_paths(dir, files, &boundary, walked, &above)
        })
        .collect();
    for (unit, problem) in units {
        discovery.problems.extend(problem);
        discovery.units.push(unit);
    }
    for (root, (boundary, mut files)) in loose {
        files.sort();
        files.dedup();
        discovery.units.push(Unit {
            name: root.display().to_string(),
            root,
            manifest: None,
            redis: None,
            files,
            report_only: None,
            boundary,
            libraries: Vec::new(),
        });
    }
    Ok(discovery)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `is_under` answers as `Path::starts_with` does, however the paths are spelled.
    #[test]
    fn is_under_is_starts_with() {
        let spellings = [
            "",
            ".",
            "/",
            "ws",
            "ws/",
            "./ws",
            "ws/src",
            "ws//src",
            "ws/./src",
            "ws/src/",
            "ws/src/.",
            "wsx/src",
            "ws/srcx",
            "/ws/src",
            "/ws",
            "ws/src/a.rs",
            "ws/src/../src/a.rs",
            "../ws",
            "ws/.hidden",
            "ws/.",
            "./",
            "ws/src/a.rs/",
        ];
        for path in spellings {
            for folder in spellings {
                let (path, folder) = (Path::new(path), Path::new(folder));
                assert_eq!(
                    is_under(path, folder),
                    path.starts_with(folder),
                    "{path:?} under {folder:?}"
                );
            }
        }
    }

    /// The walk's order of its paths is `Path`'s, also for names that sort differently as bytes
    /// (`a/b` before `a.b` and `a-b`, as `a` is before `a.b`).
    #[test]
    fn walked_paths_sort_as_paths_do() {
        let names = ["a", "a.b", "a-b", "ab", "a0", "A", "é", "a b", "_"];
        let mut paths = Vec::new();
        for prefix in ["ws", "./ws/../ws/", "/tmp/x"] {
            for n in names {
                paths.push(Path::new(prefix).join(n));
                paths.push(Path::new(prefix).join(n).join("lib.rs"));
                for m in names {
                    paths.push(Path::new(prefix).join(n).join(m).join("mod.rs"));
                }
            }
        }
        for a in &paths {
            for b in &paths {
                let shares_prefix = a.iter().next() == b.iter().next();
                if shares_prefix {
                    assert_eq!(walked_path_order(a, b), a.cmp(b), "{a:?} {b:?}");
                }
            }
        }
    }

    /// A package that depends on redis gets its path dependencies inside the workspace (direct
    /// or through `[workspace.dependencies]`), named as code names them; one outside the
    /// workspace is not read, and a package without redis gets none.
    #[test]
    fn path_dependencies_inside_the_workspace() {
        let tmp = tempfile::tempdir().unwrap();
        let outside = tmp.path().join("outside");
        let root = tmp.path().join("ws");
        let write = |path: &Path, text: &str| {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        let package = |name: &str, deps: &str| {
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n\n[dependencies]\n{deps}\n")
        };
        write(
            &root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"app\", \"app-kit\", \"quiet\"]\n\n[workspace.dependencies]\napp-kit = { path = \"app-kit\" }\n",
        );
        write(
            &root.join("app/Cargo.toml"),
            &package(
                "app",
                "redis = \"1\"\napp-kit = { workspace = true }\nfar = { path = \"../../outside\" }",
            ),
        );
        write(&root.join("app/src/main.rs"), "fn main() {}\n");
        write(
            &root.join("app-kit/Cargo.toml"),
            &package("app-kit", "redis = \"1\""),
        );
        write(&root.join("app-kit/src/lib.rs"), "pub fn connect() {}\n");
        write(
            &root.join("quiet/Cargo.toml"),
            &package("quiet", "app-kit = { path = \"../app-kit\" }"),
        );
        write(&root.join("quiet/src/lib.rs"), "\n");
        write(&outside.join("Cargo.toml"), &package("far", ""));
        write(&outside.join("src/lib.rs"), "\n");

        let found = discover_workspace(&root, None).unwrap();
        let libraries = |name: &str| {
            let unit = found.units.iter().find(|u| u.name == name).unwrap();
            unit.libraries
                .iter()
                .map(|(crate_name, files)| (crate_name.clone(), files.len()))
                .collect::<Vec<_>>()
        };
        assert_eq!(libraries("app"), vec![("app_kit".to_string(), 1)]);
        assert_eq!(libraries("quiet"), Vec::new());
    }

    /// The files of a package found by the walk of the folder given ([`Walked`]) are those
    /// its own folders' walks find, whatever stands in the way: ignore rules above the package
    /// or about its folders, a hidden or `target` folder, a nested package, a package in
    /// `src/`, a linked `tests/`.
    #[test]
    fn a_package_walked_once_has_the_files_of_its_own_walks() {
        let tmp = tempfile::tempdir().unwrap();
        let top = tmp.path().join("top");
        let write = |path: &Path, text: &str| {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        let package = |dir: &Path, name: &str| {
            write(
                &dir.join("Cargo.toml"),
                &format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\n"),
            );
            for sub in ["src", "tests", "examples", "benches"] {
                write(&dir.join(sub).join("a.rs"), "fn a() {}\n");
                write(&dir.join(sub).join("deep/b.rs"), "fn b() {}\n");
            }
            write(&dir.join("build.rs"), "fn main() {}\n");
        };
        package(&top.join("plain"), "plain");
        package(&top.join("ignoring"), "ignoring");
        write(&top.join("ignoring/.gitignore"), "tests/\nb.rs\n");
        package(&top.join("nested"), "nested");
        package(&top.join("nested/src/inner"), "inner");
        package(&top.join("src-package"), "src-package");
        write(
            &top.join("src-package/src/Cargo.toml"),
            "[package]\nname = \"src\"\nversion = \"0.1.0\"\n",
        );
        package(&top.join("group/.hidden/p"), "hidden");
        package(&top.join("group/target/p"), "in-target");
        package(&top.join("group/ruled/p"), "ruled");
        write(&top.join("group/ruled/.ignore"), "a.rs\n");
        write(
            &top.join("group/.gitignore"),
            "nothing.rs\n/ruled/p/examples/deep\n",
        );
        write(&top.join(".gitignore"), "*.txt\ntarget/\n");
        write(&top.join("plain/src/notes.txt"), "");
        #[cfg(unix)]
        {
            package(&top.join("linked"), "linked");
            std::fs::remove_dir_all(top.join("linked/tests")).unwrap();
            std::os::unix::fs::symlink(top.join("plain/tests"), top.join("linked/tests")).unwrap();
        }
        let mut givens: Vec<Vec<PathBuf>> = vec![vec![top.clone()], vec![top.join("group")]];
        for entry in std::fs::read_dir(&top).unwrap() {
            givens.push(vec![entry.unwrap().path()]);
        }
        givens.push(vec![
            top.join("plain"),
            top.join("plain/src/a.rs"),
            top.join("ignoring"),
        ]);
        for given in givens {
            let found = discover_paths(tmp.path(), &given).unwrap();
            assert!(!found.units.is_empty(), "{given:?}");
            for unit in &found.units {
                if unit.manifest.is_none() {
                    continue;
                }
                let given_files = unit
                    .report_only
                    .clone()
                    .unwrap_or_else(|| unit.files.clone());
                let (alone, _) = package_of_paths(
                    unit.root.clone(),
                    given_files,
                    &unit.boundary,
                    None,
                    &WorkspacesAbove::default(),
                );
                assert_eq!(
                    (&unit.files, &unit.report_only),
                    (&alone.files, &alone.report_only),
                    "{} given {given:?}",
                    unit.name
                );
            }
        }
    }

    #[test]
    fn version_requirements() {
        assert_eq!(parse_version_lower_bound("0.23"), Some((0, 23, 0)));
        assert_eq!(parse_version_lower_bound("^1.0.2"), Some((1, 0, 2)));
        assert_eq!(parse_version_lower_bound(">=0.24, <0.26"), Some((0, 24, 0)));
        assert_eq!(parse_version_lower_bound("*"), None);
    }
}
