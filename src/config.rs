//! Configuration: `slotlint.toml`, `[workspace.metadata.slotlint]`, `[package.metadata.slotlint]`.
//!
//! ```toml
//! [workspace.metadata.slotlint]          # or the top level of slotlint.toml
//! deny = "warnings"                      # the failing severity, like --deny
//! redis-version = "0.23.3"               # assumed where Cargo.lock says nothing, like --redis-version
//! baseline = "slotlint-baseline.json"    # like --baseline
//! test-code = "check"                    # report in test code too (default "skip")
//! include = ["src/**"]                   # report only on these files (globs)
//! exclude = ["src/generated/**"]         # never report on these
//!
//! [workspace.metadata.slotlint.rules]    # allow | note | warn | deny (crate::levels)
//! cross-slot-pipeline = "warn"
//!
//! [[workspace.metadata.slotlint.overrides]]
//! paths = ["tests/**", "examples/**"]
//! rules = { cross-slot-command = "allow" }
//! ```
//!
//! The project configuration is the first found walking up from the checked workspace's root
//! (or from the first checked path): a `slotlint.toml`, a Cargo.toml's
//! `[workspace.metadata.slotlint]`, or the `[package.metadata.slotlint]` of a package that is
//! not in a workspace. A walk stops at a workspace root. Each checked package's
//! `[package.metadata.slotlint]` then adds `rules`, `overrides`, `include` and `exclude` for its
//! own files, after the project's. Globs are relative to the folder of the file that holds them.
//! Command-line flags win over both.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use slotlint_analyzer::suppression::closest;
use slotlint_analyzer::workspace::{parse_version_lower_bound, Discovery};
use slotlint_analyzer::{rules, Report, Severity, Version};

pub use crate::levels::Level;
use crate::levels::{level_error, parse_failing};

/// A configuration error: the message names the file, the key and, when there is one, the
/// closest valid key.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Globs relative to `root`.
#[derive(Debug)]
struct Globs {
    set: GlobSet,
    /// Per folder (relative to `root`) already asked about: whether it or a folder above
    /// matches. Every file of a workspace is asked about, and the files of a folder share
    /// their folders. Keyed by the path's bytes (a `Path` key hashes component by component).
    folders: std::sync::Mutex<rustc_hash::FxHashMap<std::ffi::OsString, bool>>,
}

impl Globs {
    fn new(set: GlobSet) -> Globs {
        Globs {
            set,
            folders: Default::default(),
        }
    }

    /// Does `path` (absolute) or one of its folders under `root` match?
    fn matches(&self, root: &Path, path: &Path) -> bool {
        let Ok(rel) = path.strip_prefix(root) else {
            return false;
        };
        !rel.as_os_str().is_empty() && self.set.is_match(rel)
            || rel
                .parent()
                .is_some_and(|folder| self.folder_matches(folder))
    }

    /// Does `folder` (relative) or one above it match?
    fn folder_matches(&self, folder: &Path) -> bool {
        if folder.as_os_str().is_empty() {
            return false;
        }
        if let Some(known) = self
            .folders
            .lock()
            .ok()
            .and_then(|f| f.get(folder.as_os_str()).copied())
        {
            return known;
        }
        let found = self.set.is_match(folder)
            || folder
                .parent()
                .is_some_and(|above| self.folder_matches(above));
        if let Ok(mut folders) = self.folders.lock() {
            folders.insert(folder.as_os_str().to_owned(), found);
        }
        found
    }
}

#[derive(Debug)]
struct Override {
    globs: Globs,
    rules: BTreeMap<&'static str, Level>,
}

/// The settings of one file or table, for the files under `root`.
#[derive(Debug)]
struct Layer {
    /// `Cargo.toml [workspace.metadata.slotlint]`, for messages.
    origin: String,
    root: PathBuf,
    rules: BTreeMap<&'static str, Level>,
    overrides: Vec<Override>,
    include: Option<Globs>,
    exclude: Option<Globs>,
}

impl Layer {
    fn level(&self, rule: &str, path: &Path) -> Option<Level> {
        let mut level = self.rules.get(rule).copied();
        for o in &self.overrides {
            if o.globs.matches(&self.root, path) {
                level = o.rules.get(rule).copied().or(level);
            }
        }
        level
    }

    fn reports(&self, path: &Path) -> bool {
        self.include
            .as_ref()
            .is_none_or(|g| g.matches(&self.root, path))
            && !self
                .exclude
                .as_ref()
                .is_some_and(|g| g.matches(&self.root, path))
    }
}

/// The configuration of a run.
#[derive(Debug, Default)]
pub struct Config {
    pub deny: Option<Severity>,
    pub redis_version: Option<Version>,
    /// `baseline = "…"`, relative to the configuration file's folder.
    pub baseline: Option<PathBuf>,
    /// `test-code = "check"`: findings in test code are reported too.
    pub check_test_code: bool,
    /// The project configuration read: its file and table (`[workspace.metadata.slotlint]`, or
    /// empty for a slotlint.toml), for `-v`.
    pub source: Option<(PathBuf, String)>,
    /// A slotlint.toml beside a Cargo.toml that also has a slotlint table: that table is not read.
    pub shadowed: Option<String>,
    /// `-A/-W/-D RULE` of the command line, in order: they win over the files.
    pub command_line: Vec<(&'static str, Level)>,
    project: Option<Layer>,
    /// Per package, from `[package.metadata.slotlint]`: the package folder's layer.
    packages: Vec<Layer>,
}

const PROJECT_KEYS: &[&str] = &[
    "baseline",
    "deny",
    "exclude",
    "include",
    "overrides",
    "redis-version",
    "rules",
    "test-code",
];
const PACKAGE_KEYS: &[&str] = &["exclude", "include", "overrides", "rules"];
const OVERRIDE_KEYS: &[&str] = &["paths", "rules"];

/// Where a table came from, for messages.
struct Origin<'a> {
    file: &'a Path,
    text: &'a str,
    table: String,
}

impl Origin<'_> {
    /// `file:LINE` of the first line that sets `key`, else `file`.
    fn at(&self, key: &str) -> String {
        let line = self.text.lines().position(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix('"').unwrap_or(l);
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start_matches('"').trim_start().starts_with('='))
        });
        match line {
            Some(n) => format!("{}:{}", self.file.display(), n + 1),
            None => self.file.display().to_string(),
        }
    }

    /// `in [workspace.metadata.slotlint.rules]`, or `at the top level` of a slotlint.toml.
    fn name(&self, sub: Option<&str>) -> String {
        let full: Vec<&str> = [self.table.as_str(), sub.unwrap_or("")]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect();
        if full.is_empty() {
            "at the top level".into()
        } else {
            format!("in [{}]", full.join("."))
        }
    }

    fn error(&self, key: &str, what: String) -> ConfigError {
        ConfigError(format!("{}: {what}", self.at(key)))
    }

    fn unknown(&self, key: &str, valid: &[&str]) -> ConfigError {
        let hint = match closest(key, valid) {
            Some(near) => format!("; did you mean `{near}`?"),
            None => format!("; valid keys: {}", valid.join(", ")),
        };
        self.error(
            key,
            format!("unknown key `{key}` {}{hint}", self.name(None)),
        )
    }
}

fn read_toml(path: &Path) -> Result<(String, toml::Table), ConfigError> {
    let text = read_config_text(path)?;
    let table = parse_toml(path, &text)?;
    Ok((text, table))
}

/// A regular file, not through a link out of its folder (a FIFO must not hang the run, a link
/// must not make slotlint read outside the project), as every file slotlint reads.
fn read_config_text(path: &Path) -> Result<String, ConfigError> {
    let folder = slotlint_analyzer::input::Boundary::new(path.parent().unwrap_or(Path::new(".")));
    slotlint_analyzer::input::read_text(path, Some(&folder), slotlint_analyzer::MAX_FILE_BYTES)
        .map_err(|e| ConfigError(e.message(&path.display().to_string())))
}

fn parse_toml(path: &Path, text: &str) -> Result<toml::Table, ConfigError> {
    let table = toml::from_str::<toml::Table>(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let at = match line {
            Some(l) => format!("{}:{l}", path.display()),
            None => path.display().to_string(),
        };
        ConfigError(format!("{at}: not valid TOML: {}", e.message()))
    })?;
    Ok(table)
}

fn table_at<'a>(table: &'a toml::Table, path: &[&str]) -> Option<&'a toml::Value> {
    let mut v = table.get(path[0])?;
    for key in &path[1..] {
        v = v.as_table()?.get(*key)?;
    }
    Some(v)
}

fn build_globs(origin: &Origin<'_>, key: &str, value: &toml::Value) -> Result<Globs, ConfigError> {
    let items = value.as_array().ok_or_else(|| {
        origin.error(
            key,
            format!("`{key}` must be a list of globs, as in [\"src/**\"]"),
        )
    })?;
    let mut builder = GlobSetBuilder::new();
    for item in items {
        let pattern = item
            .as_str()
            .ok_or_else(|| origin.error(key, format!("`{key}` must be a list of strings")))?;
        let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
        let mut add = |p: &str| -> Result<(), ConfigError> {
            let glob = GlobBuilder::new(p)
                .literal_separator(true)
                .build()
                .map_err(|e| origin.error(key, format!("bad glob `{p}` in `{key}`: {e}")))?;
            builder.add(glob);
            Ok(())
        };
        add(pattern)?;
        // Like .gitignore: a pattern without a slash matches a name at any depth.
        if !pattern.contains('/') {
            add(&format!("**/{pattern}"))?;
        }
    }
    let set = builder
        .build()
        .map_err(|e| origin.error(key, format!("bad globs in `{key}`: {e}")))?;
    Ok(Globs::new(set))
}

fn rule_levels(
    origin: &Origin<'_>,
    value: &toml::Value,
) -> Result<BTreeMap<&'static str, Level>, ConfigError> {
    let table = value.as_table().ok_or_else(|| {
        origin.error(
            "rules",
            "`rules` must be a table of rule = \"allow|note|warn|deny\"".into(),
        )
    })?;
    let names: Vec<&str> = rules::RULES.iter().map(|r| r.name).collect();
    let mut out = BTreeMap::new();
    for (name, level) in table {
        let Some(rule) = rules::find(name) else {
            let hint = match closest(&name.to_ascii_lowercase().replace('_', "-"), &names) {
                Some(near) => format!("; did you mean `{near}`?"),
                None => "; `cargo slotlint rules` lists them".into(),
            };
            return Err(origin.error(
                name,
                format!("unknown rule `{name}` {}{hint}", origin.name(Some("rules"))),
            ));
        };
        let text = level.as_str().unwrap_or_default();
        let Some(level) = Level::parse(text) else {
            return Err(origin.error(
                name,
                format!(
                    "`{name} = {level}`: {}",
                    level_error(text, "a rule's level")
                ),
            ));
        };
        out.insert(rule.name, level);
    }
    Ok(out)
}

/// Reads one configuration table into a layer (and the project settings when `project`).
fn read_layer(
    origin: &Origin<'_>,
    root: &Path,
    value: &toml::Value,
    project: bool,
    config: &mut Config,
) -> Result<Layer, ConfigError> {
    let table = value.as_table().ok_or_else(|| {
        ConfigError(format!(
            "{}: the slotlint configuration must be a table",
            origin.file.display(),
        ))
    })?;
    let mut layer = Layer {
        origin: if origin.table.is_empty() {
            origin.file.display().to_string()
        } else {
            format!("[{}] of {}", origin.table, origin.file.display())
        },
        root: root.to_path_buf(),
        rules: BTreeMap::new(),
        overrides: Vec::new(),
        include: None,
        exclude: None,
    };
    for (key, value) in table {
        match key.as_str() {
            "rules" => layer.rules = rule_levels(origin, value)?,
            "include" => layer.include = Some(build_globs(origin, key, value)?),
            "exclude" => layer.exclude = Some(build_globs(origin, key, value)?),
            "overrides" => {
                let items = value.as_array().ok_or_else(|| {
                    origin.error(
                        key,
                        "`overrides` must be a list of tables: [[...overrides]] with `paths` and `rules`".into(),
                    )
                })?;
                for item in items {
                    let inner = Origin {
                        file: origin.file,
                        text: origin.text,
                        table: [origin.table.as_str(), "overrides"]
                            .into_iter()
                            .filter(|p| !p.is_empty())
                            .collect::<Vec<_>>()
                            .join("."),
                    };
                    let t = item.as_table().ok_or_else(|| {
                        inner.error(key, "each override must be a table with `paths` and `rules`".into())
                    })?;
                    if let Some(bad) = t.keys().find(|k| !OVERRIDE_KEYS.contains(&k.as_str())) {
                        return Err(inner.unknown(bad, OVERRIDE_KEYS));
                    }
                    let paths = t.get("paths").ok_or_else(|| {
                        inner.error(key, "an override needs `paths`, a list of globs".into())
                    })?;
                    let rules = match t.get("rules") {
                        Some(r) => rule_levels(&inner, r)?,
                        None => BTreeMap::new(),
                    };
                    layer.overrides.push(Override {
                        globs: build_globs(&inner, "paths", paths)?,
                        rules,
                    });
                }
            }
            "deny" | "redis-version" | "baseline" | "test-code" if !project => {
                return Err(origin.error(
                    key,
                    format!(
                        "`{key}` applies to the whole run: set it in [workspace.metadata.slotlint] or slotlint.toml, not {}",
                        origin.name(None)
                    ),
                ))
            }
            "deny" => {
                let text = value.as_str().unwrap_or_default();
                config.deny = Some(parse_failing(text).map_err(|e| {
                    origin.error(key, format!("`deny = {value}`: {e}"))
                })?);
            }
            "baseline" => {
                let text = value.as_str().filter(|t| !t.trim().is_empty()).ok_or_else(|| {
                    origin.error(key, format!("`baseline = {value}` must be a file name, as in \"slotlint-baseline.json\""))
                })?;
                config.baseline = Some(root.join(text));
            }
            "test-code" => {
                config.check_test_code = match value.as_str() {
                    Some("check") => true,
                    Some("skip") => false,
                    _ => {
                        return Err(origin.error(
                            key,
                            format!("`test-code = {value}`: expected \"skip\" (the default: test code is left alone) or \"check\""),
                        ))
                    }
                };
            }
            "redis-version" => {
                let v = value.as_str().and_then(parse_version_lower_bound).ok_or_else(|| {
                    origin.error(key, format!("`redis-version = {value}` is not a version like \"0.23.3\""))
                })?;
                config.redis_version = Some(v);
            }
            other => {
                return Err(origin.unknown(other, if project { PROJECT_KEYS } else { PACKAGE_KEYS }))
            }
        }
    }
    Ok(layer)
}

/// The project configuration file: `explicit`, else the first found walking up from `start`.
/// Returns the file and the table path inside it.
fn find_project(start: &Path) -> Option<(PathBuf, Vec<&'static str>)> {
    let mut first_manifest = true;
    for dir in start.ancestors() {
        let own = dir.join("slotlint.toml");
        if own.is_file() {
            return Some((own, Vec::new()));
        }
        let manifest = dir.join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let Ok((_, table)) = read_toml(&manifest) else {
            // The analyzer reports bad manifests.
            return None;
        };
        if table_at(&table, &["workspace", "metadata", "slotlint"]).is_some() {
            return Some((manifest, vec!["workspace", "metadata", "slotlint"]));
        }
        if table.contains_key("workspace") {
            return None;
        }
        if first_manifest && table_at(&table, &["package", "metadata", "slotlint"]).is_some() {
            // A package of its own: its table is the project's, unless a workspace above
            // claims it. Look further up for a workspace root with a configuration.
            let above = dir.parent().and_then(find_project);
            return Some(above.unwrap_or((manifest, vec!["package", "metadata", "slotlint"])));
        }
        first_manifest = false;
    }
    None
}

/// The manifest table a slotlint.toml at `file` hides, if its folder's Cargo.toml has one.
fn shadowed_table(file: &Path) -> Option<String> {
    if file.file_name()? != "slotlint.toml" {
        return None;
    }
    let manifest = file.parent()?.join("Cargo.toml");
    let (_, table) = read_toml(&manifest).ok()?;
    let hidden = [
        ["workspace", "metadata", "slotlint"],
        ["package", "metadata", "slotlint"],
    ]
    .into_iter()
    .find(|path| table_at(&table, path).is_some())?;
    Some(format!(
        "{} shadows [{}] in {}: only slotlint.toml is read; move the settings into one of them",
        file.display(),
        hidden.join("."),
        manifest.display()
    ))
}

impl Config {
    /// Loads the configuration for a run whose files `discovery` found. `start` is where the
    /// search for the project configuration begins; `explicit` is `--config`.
    pub fn load(
        start: &Path,
        explicit: Option<&Path>,
        discovery: &Discovery,
    ) -> Result<Config, ConfigError> {
        let mut config = Config::default();
        let found = match explicit {
            Some(path) => {
                if !path.is_file() {
                    return Err(ConfigError(format!(
                        "--config {}: no such file",
                        path.display()
                    )));
                }
                let is_manifest = path.file_name().is_some_and(|n| n == "Cargo.toml");
                Some((
                    path.to_path_buf(),
                    if is_manifest {
                        vec!["workspace", "metadata", "slotlint"]
                    } else {
                        Vec::new()
                    },
                ))
            }
            None => find_project(start),
        };
        let mut project_table: Option<(PathBuf, Vec<&str>)> = None;
        if let Some((file, path)) = found {
            config.shadowed = shadowed_table(&file);
            let (text, table) = read_toml(&file)?;
            let value = if path.is_empty() {
                Some(toml::Value::Table(table))
            } else {
                table_at(&table, &path).cloned()
            };
            if let Some(value) = value {
                let origin = Origin {
                    file: &file,
                    text: &text,
                    table: path.join("."),
                };
                let root = file.parent().unwrap_or(Path::new(".")).to_path_buf();
                config.project = Some(read_layer(&origin, &root, &value, true, &mut config)?);
                config.source = Some((file.clone(), path.join(".")));
                project_table = Some((file, path));
            }
        }
        for unit in &discovery.units {
            let Some(manifest) = &unit.manifest else {
                continue;
            };
            if project_table
                .as_ref()
                .is_some_and(|(f, p)| f == manifest && p.first() == Some(&"package"))
            {
                continue;
            }
            // Most members have no table of ours: their manifests are not parsed again.
            let Ok(text) = read_config_text(manifest) else {
                continue;
            };
            if !text.contains("slotlint") {
                continue;
            }
            let Ok(table) = parse_toml(manifest, &text) else {
                continue;
            };
            let Some(value) = table_at(&table, &["package", "metadata", "slotlint"]) else {
                continue;
            };
            let origin = Origin {
                file: manifest,
                text: &text,
                table: "package.metadata.slotlint".into(),
            };
            let layer = read_layer(&origin, &unit.root, value, false, &mut config)?;
            config.packages.push(layer);
        }
        Ok(config)
    }

    fn layers_for<'a>(&'a self, path: &'a Path) -> impl Iterator<Item = &'a Layer> + 'a {
        self.project.iter().chain(
            self.packages
                .iter()
                .filter(move |l| slotlint_analyzer::workspace::is_under(path, &l.root)),
        )
    }

    /// The configured level of `rule` for the file at `path`, if any: the command line's
    /// `-A/-W/-D` (the last one for the rule), else the files'.
    pub fn level(&self, rule: &str, path: &Path) -> Option<Level> {
        if let Some((_, level)) = self.command_line.iter().rev().find(|(r, _)| *r == rule) {
            return Some(*level);
        }
        self.layers_for(path)
            .fold(None, |level, layer| layer.level(rule, path).or(level))
    }

    /// Whether findings in the file at `path` are reported (include/exclude).
    pub fn reports(&self, path: &Path) -> bool {
        self.layers_for(path).all(|l| l.reports(path))
    }

    /// Which configuration keeps the file at `path` out of reports (`exclude`, or an `include`
    /// that does not name it), for a path given on the command line.
    pub fn excluded_by(&self, path: &Path) -> Option<String> {
        let layer = self.layers_for(path).find(|l| !l.reports(path))?;
        let key = if layer
            .exclude
            .as_ref()
            .is_some_and(|g| g.matches(&layer.root, path))
        {
            "exclude"
        } else {
            "include"
        };
        Some(format!("`{key}` in {}", layer.origin))
    }

    /// Narrows what the analyzer reports on to the included files. Excluded files are still
    /// read, so that key helpers defined there are known; packages with nothing to report on
    /// are left out.
    pub fn filter(&self, discovery: &mut Discovery) {
        self.narrow_units(discovery, true);
    }

    /// [`Config::filter`], keeping every package (one with nothing to report on reports on no
    /// file): `fix` reads the key sites of every file of every package in the same run.
    pub fn narrow(&self, discovery: &mut Discovery) {
        self.narrow_units(discovery, false);
    }

    fn narrow_units(&self, discovery: &mut Discovery, drop_unreported: bool) {
        if self.project.is_none() && self.packages.is_empty() {
            return;
        }
        discovery.units.retain_mut(|unit| {
            let candidates = unit.report_only.as_ref().unwrap_or(&unit.files);
            let reported: Vec<PathBuf> = candidates
                .iter()
                .filter(|f| self.reports(f))
                .cloned()
                .collect();
            if reported.is_empty() && drop_unreported {
                return false;
            }
            if reported.len() != unit.files.len() {
                unit.report_only = Some(reported);
            }
            true
        });
    }

    /// Applies rule levels to the findings: `allow` drops them, the others set their severity.
    pub fn apply(&self, report: &mut Report, display_root: &Path) {
        let level = |rule: &str, file: &str| self.level(rule, &display_root.join(file));
        report
            .diagnostics
            .retain_mut(|d| match level(d.rule, &d.file) {
                None => true,
                Some(l) => match l.severity() {
                    Some(s) => {
                        d.severity = s;
                        true
                    }
                    None => false,
                },
            });
        report
            .suppressed
            .retain_mut(|s| match level(s.diagnostic.rule, &s.diagnostic.file) {
                None => true,
                Some(l) => match l.severity() {
                    Some(sev) => {
                        s.diagnostic.severity = sev;
                        true
                    }
                    None => false,
                },
            });
    }
}
