//! The slotlint analyzer: reads a workspace's Rust sources, finds every redis-rs call, follows
//! the keys it uses, and reports what Redis Cluster will refuse or quietly change.
//!
//! Data flows one way, each stage a plain function over plain data:
//! files ([`workspace`]) → syntax trees (syn) → an item index ([`index`]) → facts ([`facts`]:
//! call sites and everything else one walk of the evaluator, [`interp`], finds) → findings
//! ([`rules`], [`diagnostic`]) → suppressions ([`suppression`]). Nothing here prints, and
//! nothing of the scanned project is run: no cargo, no build scripts, no proc macros.
//!
//! Not here: output formats and exit codes (the `cargo-slotlint` binary), slot math
//! (`slotlint-hashslot`), key-pattern reasoning (`slotlint-keys`), the server's command table
//! (`slotlint-commands`).

pub mod diagnostic;
pub mod facts;
pub mod index;
pub mod input;
pub mod interp;
pub mod key_sites;
pub mod lexical;
pub mod lua;
pub mod module_path;
pub mod parse;
pub mod redis_api;
pub mod rules;
pub mod scope;
pub mod sites;
pub mod source;
pub mod suppression;
pub mod timings;
pub mod workspace;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use rayon::prelude::*;

pub use diagnostic::{Diagnostic, FindingKey, FixableFinding, KeyInfo, Label, Severity};
pub use facts::CrateFacts;
pub use key_sites::KeyFile;
pub use source::{SourceFile, Span};
pub use suppression::{Suppressed, SuppressionKind};
pub use workspace::{discover_paths, discover_workspace, Discovery, UsageError, Version};

use slotlint_commands::CommandTable;

pub use input::{MAX_FILE_BYTES, MAX_INCLUDED_BYTES, MAX_UNIT_BYTES};

/// A progress hook: called with (files read so far, files in the run), from worker threads.
pub type Progress = std::sync::Arc<dyn Fn(usize, usize) + Send + Sync>;

#[derive(Clone)]
pub struct Options {
    /// Skip crates whose sources never name redis before parsing them. Findings are the same
    /// either way (tested); it only saves time.
    pub prefilter: bool,
    /// The redis-rs version to assume when a crate's Cargo.lock and Cargo.toml say nothing.
    pub assumed_redis: Option<Version>,
    /// Worker threads (0: one per core; at most [`Options::worker_threads`] are started).
    pub threads: usize,
    /// Report findings in test code too (`#[cfg(test)]`, `#[test]` functions, `tests/`,
    /// `benches/`, `examples/`); by default every rule leaves test code alone.
    pub check_test_code: bool,
    /// Told after each file is read and parsed (the CLI draws a progress line from it).
    pub progress: Option<Progress>,
    /// Stack of each worker thread: [`parse::PARSE_STACK_BYTES`], which any file within the
    /// nesting bounds fits (the tests run with less to show the margin).
    pub worker_stack: usize,
    /// Walk test code for its call sites even when findings there are not reported
    /// (`check --trace`: a trace recorded while the tests ran is joined to them). Findings are
    /// the same either way.
    pub test_code_sites: bool,
    /// Also read the key sites of every file of every package ([`Report::key_files`]) from the
    /// syntax trees the analysis parses (`fix` asks; `check` does not). Findings are the same
    /// either way.
    pub key_sites: bool,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("prefilter", &self.prefilter)
            .field("assumed_redis", &self.assumed_redis)
            .field("threads", &self.threads)
            .field("check_test_code", &self.check_test_code)
            .field("progress", &self.progress.is_some())
            .field("worker_stack", &self.worker_stack)
            .field("key_sites", &self.key_sites)
            .field("test_code_sites", &self.test_code_sites)
            .finish()
    }
}

impl Default for Options {
    fn default() -> Options {
        Options {
            prefilter: true,
            assumed_redis: None,
            threads: 0,
            check_test_code: false,
            progress: None,
            worker_stack: parse::PARSE_STACK_BYTES,
            key_sites: false,
            test_code_sites: false,
        }
    }
}

impl Options {
    /// Whether every file of a crate is parsed (and indexed) up front, rather than only the
    /// files the analysis needs: the files that name redis, and the files that may define a
    /// name the evaluator looks up. Findings are the same either way (tested on every fixture
    /// and on the benchmark corpus); this is the one place that decides it.
    pub fn parse_every_file(&self) -> bool {
        !self.prefilter
    }

    /// Whether test code is walked for its call sites (it is not when nothing there is
    /// reported: see [`interp::TestCode`]).
    pub fn walks_test_code(&self) -> bool {
        self.check_test_code || self.test_code_sites
    }

    /// The threads a run starts: `threads`, at most four per core (more only costs memory:
    /// the work is CPU-bound), and one per core when `threads` is 0.
    pub fn worker_threads(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        match self.threads {
            0 => cores,
            n => n.min(4 * cores),
        }
    }
}

/// Counts for `--statistics` and the benchmark.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub units: usize,
    pub units_using_redis: usize,
    pub files: usize,
    pub bytes: u64,
    pub files_parsed: usize,
    pub bytes_parsed: u64,
    pub call_sites: usize,
    /// How far the keys of reported call sites were followed.
    pub resolution: Resolution,
}

/// For `--statistics`: per kind of call site, how many had every key resolved, some, or none,
/// and why keys were not resolved.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resolution {
    /// Kind (`command`, `pipeline`, `transaction`, `script`, `pub/sub`) → [all, some, none] of
    /// the sites with keys.
    pub by_kind: std::collections::BTreeMap<&'static str, [usize; 3]>,
    /// Why keys were not resolved (`parameter`, `external call`…) → how many keys.
    pub reasons: std::collections::BTreeMap<String, usize>,
    /// Redis calls recognized but not understood (a command name known only at run time…).
    pub not_understood: usize,
    /// Of those, the sites with several keys (or a collection of keys): [all, some, none]. Only
    /// they can cross slots.
    pub multi_key: [usize; 3],
}

impl Resolution {
    fn add(&mut self, other: &Resolution) {
        for (k, v) in &other.by_kind {
            let e = self.by_kind.entry(k).or_default();
            for i in 0..3 {
                e[i] += v[i];
            }
        }
        for (k, v) in &other.reasons {
            *self.reasons.entry(k.clone()).or_default() += v;
        }
        self.not_understood += other.not_understood;
        for i in 0..3 {
            self.multi_key[i] += other.multi_key[i];
        }
    }

    /// Count one call site as written: `contexts` are its walks, one per caller context when
    /// its keys come from the callers (else one). All keys resolved in every context is "all",
    /// in none "none", anything between "some"; reasons are those of the first context that
    /// left keys unresolved.
    fn count(&mut self, contexts: &[&sites::CallSite]) {
        let Some(site) = contexts.first() else {
            return;
        };
        let kind = match &site.kind {
            sites::SiteKind::Command(_) => "command",
            sites::SiteKind::Pipeline { atomic: true, .. }
            | sites::SiteKind::Transaction { .. } => "transaction",
            sites::SiteKind::Pipeline { .. } => "pipeline",
            sites::SiteKind::Script { .. } => "script",
            sites::SiteKind::PubSub { .. } => "pub/sub",
        };
        let judged: Vec<(usize, usize, bool)> = contexts.iter().map(|s| resolution_of(s)).collect();
        let Some(&(_, total, _)) = judged.iter().find(|(_, total, _)| *total > 0) else {
            return;
        };
        let many = judged.iter().any(|j| j.2);
        let full = judged.iter().filter(|(r, t, _)| r == t).count();
        let empty = judged.iter().filter(|(r, _, _)| *r == 0).count();
        let first_unresolved = contexts.iter().zip(&judged).find(|(_, (r, t, _))| r < t);
        if let Some((unresolved, _)) = first_unresolved {
            for k in unresolved.keys().filter(|k| k.pattern.is_none()) {
                let why = k.why.as_ref().map_or("not followed", |w| w.kind);
                *self.reasons.entry(why.to_owned()).or_default() += 1;
            }
        }
        let slot = if full == judged.len() {
            0
        } else if empty == judged.len() {
            2
        } else {
            1
        };
        self.by_kind.entry(kind).or_default()[slot] += 1;
        if total > 1 || many {
            self.multi_key[slot] += 1;
        }
    }
}

/// Of one walk of a call site: (keys resolved, keys, some key stands for many). Every key the
/// same run-time value (one binding used as each key) counts as resolved: its slot is not
/// known, but the verdict is (one slot).
fn resolution_of(site: &sites::CallSite) -> (usize, usize, bool) {
    let (mut resolved, mut total, mut many) = (0, 0, false);
    for k in site.keys() {
        total += 1;
        many |= k.many;
        if k.pattern.is_some() {
            resolved += 1;
        }
    }
    let mut holes = site
        .keys()
        .map(|k| (k.pattern.is_none(), k.many, k.hole.as_ref()));
    if total > 1 {
        if let Some((true, false, Some(first))) = holes.next() {
            if holes.all(|(none, many, h)| none && !many && h == Some(first)) {
                resolved = total;
            }
        }
    }
    (resolved, total, many)
}

/// The result of a run.
#[derive(Debug, Default)]
pub struct Report {
    /// Sorted by file, line, column, rule.
    pub diagnostics: Vec<Diagnostic>,
    /// The files that have diagnostics, for code frames.
    pub sources: Vec<SourceFile>,
    pub stats: Stats,
    /// Failures of slotlint itself (a bug): the run reports them and exits with 2.
    pub internal_errors: Vec<String>,
    /// Findings covered by a suppression (`// slotlint: allow(..)`, `#[slotlint::allow]`), in the
    /// order of `diagnostics`. Not in `diagnostics`; their files are in `sources`.
    pub suppressed: Vec<Suppressed>,
    /// Every call site of the reported files (for `check --trace`, which joins run-time
    /// observations to them).
    pub sites: Vec<SiteFact>,
    /// What `fix` needs of each finding of a fixable rule, in the order of `diagnostics` (read
    /// them through [`Report::fixable_findings`], which leaves out those no longer reported).
    pub fixable: Vec<FixableFinding>,
    /// With [`Options::key_sites`]: every file of every package with its key sites, in the
    /// order of the discovery's units and their files.
    pub key_files: Vec<KeyFile>,
}

/// A call site with the file it is in.
#[derive(Clone, Debug)]
pub struct SiteFact {
    pub path: std::path::PathBuf,
    /// The file as shown to users (as in [`Diagnostic::file`]).
    pub file: String,
    pub site: sites::CallSite,
}

impl Report {
    pub fn source(&self, display: &str) -> Option<&SourceFile> {
        self.sources.iter().find(|s| s.display == display)
    }

    /// The fixable findings still reported (a diagnostic of the same rule, file and span is in
    /// `diagnostics`): not suppressed, and not dropped since by levels of the configuration or
    /// a baseline. In the order of `diagnostics`.
    pub fn fixable_findings(&self) -> Vec<&FixableFinding> {
        let reported: std::collections::HashSet<_> =
            self.diagnostics.iter().map(Diagnostic::place).collect();
        self.fixable
            .iter()
            .filter(|f| reported.contains(&f.place()))
            .collect()
    }
}

struct UnitResult {
    sites: Vec<SiteFact>,
    diagnostics: Vec<Diagnostic>,
    fixable: Vec<FixableFinding>,
    key_files: Vec<KeyFile>,
    sources: Vec<SourceFile>,
    stats: Stats,
    internal_error: Option<String>,
    suppressed: Vec<Suppressed>,
}

/// Analyze what discovery found.
pub fn analyze(discovery: &Discovery, options: &Options) -> Report {
    let commands = CommandTable::builtin();
    let total: usize = discovery.units.iter().map(|u| u.files.len()).sum();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let tick = |n: usize| {
        if let Some(progress) = &options.progress {
            let now = done.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
            progress(now, total);
        }
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.worker_threads())
        // syn and the interpreter recurse over nested code (bounded by `parse`).
        .stack_size(options.worker_stack)
        .build();
    let root = &discovery.display_root;
    // One per folder that bounds packages (most often all of them): its canonical path and
    // those of the folders inside are resolved once, not again for every package.
    let mut boundaries: rustc_hash::FxHashMap<&Path, input::Boundary> = Default::default();
    for unit in &discovery.units {
        boundaries
            .entry(unit.boundary.as_path())
            .or_insert_with(|| input::Boundary::new(&unit.boundary));
    }
    let run = || -> Vec<UnitResult> {
        // Every crate is read (and those that name no redis are done), then the others are
        // analysed, the costliest first: one started last would run alone at the end. One
        // crate per task, so that a worker busy with a large one does not hold the next.
        let read: Vec<Read> = discovery
            .units
            .par_iter()
            .with_max_len(1)
            .map(|unit| {
                guarded(|| {
                    let boundary = &boundaries[unit.boundary.as_path()];
                    read_unit(unit, boundary, root, options, &tick)
                })
                .unwrap_or_else(|what| Read::Done(failed(unit, what, options, root)))
            })
            .collect();
        let mut results: Vec<Option<UnitResult>> = Vec::with_capacity(read.len());
        let mut jobs = Vec::new();
        for (i, r) in read.into_iter().enumerate() {
            match r {
                Read::Analyse(read) => {
                    jobs.push((i, read));
                    results.push(None);
                }
                Read::Done(done) => results.push(Some(done)),
            }
        }
        jobs.sort_by_key(|(i, read)| (std::cmp::Reverse(read.cost), *i));
        let analysed: Vec<(usize, UnitResult)> = jobs
            .into_par_iter()
            .with_max_len(1)
            .map(|(i, read)| {
                let unit = &discovery.units[i];
                let result = guarded(|| analyze_unit(unit, read, root, options, &commands, &tick));
                (
                    i,
                    result.unwrap_or_else(|what| failed(unit, what, options, root)),
                )
            })
            .collect();
        for (i, result) in analysed {
            results[i] = Some(result);
        }
        results.into_iter().flatten().collect()
    };
    let results = match &pool {
        Ok(pool) => pool.install(run),
        Err(_) => run(),
    };
    let mut report = Report::default();
    for problem in &discovery.problems {
        let file = display_path(&problem.path, &discovery.display_root);
        // The path as shown everywhere else (relative to the root), also inside the message.
        let message = problem
            .message
            .replace(&problem.path.display().to_string(), &file);
        report
            .diagnostics
            .push(rules::parse_error::diagnostic(&file, None, message));
    }
    for (unit, r) in results.into_iter().enumerate() {
        report.diagnostics.extend(r.diagnostics);
        report.fixable.extend(r.fixable);
        report
            .key_files
            .extend(r.key_files.into_iter().map(|f| KeyFile { unit, ..f }));
        report.sources.extend(r.sources);
        report.internal_errors.extend(r.internal_error);
        report.suppressed.extend(r.suppressed);
        report.sites.extend(r.sites);
        let s = &mut report.stats;
        s.units += r.stats.units;
        s.units_using_redis += r.stats.units_using_redis;
        s.files += r.stats.files;
        s.bytes += r.stats.bytes;
        s.files_parsed += r.stats.files_parsed;
        s.bytes_parsed += r.stats.bytes_parsed;
        s.call_sites += r.stats.call_sites;
        s.resolution.add(&r.stats.resolution);
    }
    report
        .diagnostics
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    report.diagnostics.dedup();
    // As the diagnostics: the same order, one of each (a finding seen twice is one).
    FixableFinding::sort_and_dedup(&mut report.fixable);
    report
        .suppressed
        .sort_by(|a, b| a.diagnostic.sort_key().cmp(&b.diagnostic.sort_key()));
    report.suppressed.dedup();
    report
}

/// Each file's names ([`lexical::scan`]), on every free worker. Done while the crates are read
/// (`read_unit`), where a worker that waits for the others takes another crate's reading, never
/// a crate's whole analysis that would keep this one waiting behind it.
fn scan_names(sources: &[SourceFile]) -> Vec<lexical::FileNames> {
    use rayon::prelude::*;
    sources
        .par_iter()
        .with_min_len(8)
        .map(|s| lexical::scan(&s.text))
        .collect()
}

/// Give the memory freed so far back to the system, under glibc's allocator (this library's
/// tests and other users; the binary uses jemalloc where it builds, and there this finds little
/// to return). glibc returns what is freed to the arena of the thread that allocated it, where
/// the thread that goes on analysing cannot reuse it: the name scan's per-file lists, made by
/// the workers that read the crate, have just been freed, and the crate's peak would grow by
/// them.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only returns free pages of the allocator's arenas to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// `f` on a crate, a panic caught (its message); the thread's source map is emptied after
/// (the spans of the crate's trees are dead).
fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let result = catch_unwind(AssertUnwindSafe(f));
    proc_macro2::extra::invalidate_current_thread_spans();
    result.map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

/// A crate on which slotlint failed (a bug): its internal error.
fn failed(unit: &workspace::Unit, what: String, options: &Options, root: &Path) -> UnitResult {
    // `fix` still needs the package's key sites: read apart from the analysis.
    let key_files = if options.key_sites {
        key_sites::scan_unit(0, unit, root)
    } else {
        Vec::new()
    };
    UnitResult {
        sites: Vec::new(),
        diagnostics: Vec::new(),
        fixable: Vec::new(),
        key_files,
        sources: Vec::new(),
        stats: Stats::default(),
        internal_error: Some(format!("slotlint failed on `{}`: {what}", unit.name)),
        suppressed: Vec::new(),
    }
}

/// A crate after reading: done (it names no redis), or to analyse.
enum Read {
    Done(UnitResult),
    Analyse(ReadUnit),
}

/// A crate whose sources were read and name redis (or every crate, without the prefilter).
struct ReadUnit {
    stats: Stats,
    diagnostics: Vec<Diagnostic>,
    sources: Vec<SourceFile>,
    /// With `Options::key_sites`: the key files of the files that could not be read.
    unread: Vec<KeyFile>,
    uses_redis: bool,
    /// Bytes of the files that name redis: roughly what its analysis costs.
    cost: u64,
    /// `sources[..own]` are the package's files, the rest its path dependencies'.
    own: usize,
    /// Per file of `sources`: whether it names redis ([`names_any_needle`]).
    names_redis: Vec<bool>,
    /// Per file of `sources`: whether it is test code as a whole ([`key_sites::test_files`];
    /// path dependencies' files are not).
    test_files: Vec<bool>,
    /// Per file of `sources`: the names it may define ([`scan_names`]).
    names: Vec<lexical::FileNames>,
}

/// `path` relative to `root` when under it, with `/` separators.
pub fn display_path(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.to_string_lossy().replace('\\', "/")
}

/// The names the package's code uses for the redis crate, and `redis`: a file that names none
/// holds no call site.
fn redis_needles(unit: &workspace::Unit) -> Vec<String> {
    let aliases = unit.redis.iter().flat_map(|r| r.aliases.iter().cloned());
    std::iter::once("redis".to_owned()).chain(aliases).collect()
}

/// Per text, whether it contains one of `needles` (anywhere, as `str::contains`): one search
/// per file, shared by everything that asks (which crates and files are analysed). On every
/// free worker: a large crate's search is otherwise a pass over all its bytes on one core.
pub(crate) fn names_any_needle<'t>(
    texts: impl Iterator<Item = &'t str>,
    needles: &[String],
) -> Vec<bool> {
    use rayon::prelude::*;
    let finders: Vec<memchr::memmem::Finder<'_>> = needles
        .iter()
        .map(|n| memchr::memmem::Finder::new(n.as_bytes()))
        .collect();
    let texts: Vec<&str> = texts.collect();
    texts
        .par_iter()
        .with_min_len(16)
        .map(|t| finders.iter().any(|f| f.find(t.as_bytes()).is_some()))
        .collect()
}

/// Read a crate's sources: done, with an empty result, when none names redis and the
/// prefilter is on.
fn read_unit(
    unit: &workspace::Unit,
    boundary: &input::Boundary,
    display_root: &Path,
    options: &Options,
    tick: &(dyn Fn(usize) + Sync),
) -> Read {
    let read_time = timings::PhaseTimer::start(timings::Phase::Read);
    let mut stats = Stats {
        units: 1,
        ..Stats::default()
    };
    let mut diagnostics = Vec::new();
    let mut sources = Vec::new();
    // With `Options::key_sites`: the key files of the files that could not be read.
    let mut unread = Vec::new();
    let needles = redis_needles(unit);
    let words: Vec<&str> = needles.iter().map(String::as_str).collect();
    // Read problems of files that may name redis (their bytes do, or they could not be looked
    // into): reported even when no file read names redis.
    let mut may_name_redis = Vec::new();
    let (reads, searched) = input::read_unit_sources_searched(&unit.files, boundary, &words);
    for ((path, read), searched) in unit.files.iter().zip(reads).zip(searched) {
        stats.files += 1;
        let display = display_path(path, display_root);
        match read {
            Ok(text) => {
                stats.bytes += text.len() as u64;
                sources.push(SourceFile::new(path.clone(), display, text));
            }
            Err(e) => {
                if options.key_sites {
                    unread.push(key_sites::unread(path, display.clone(), &e));
                }
                may_name_redis.push(
                    e.is_searchable()
                        && searched.unwrap_or_else(|| {
                            input::find_in_file(path, Some(boundary), &words, 1 << 30)
                                .is_ok_and(|found| found.iter().any(Option::is_some))
                        }),
                );
                diagnostics.push(rules::parse_error::diagnostic(
                    &display,
                    None,
                    e.message(&display),
                ))
            }
        }
    }
    let mut names_redis = names_any_needle(sources.iter().map(|s| s.text.as_str()), &needles);
    // A package that depends neither on redis nor on a crate known to wrap it reaches redis only
    // through a path that names it in its code (`other_crate::redis::cmd`): its comments and
    // strings do not count (tokio's docs mention mini-redis; the redis crate's own docs show
    // `redis::cmd`), nor do other identifiers (a config crate's `redis_url` field, the redis
    // crate's own `from_redis_value`).
    if unit.redis.is_none() {
        for (names, source) in names_redis.iter_mut().zip(&sources) {
            *names = *names && lexical::names_within_path(&source.text, &needles);
        }
    }
    let cost: u64 = sources
        .iter()
        .zip(&names_redis)
        .filter(|(_, names)| **names)
        .map(|(s, _)| s.text.len() as u64)
        .sum();
    let uses_redis = cost > 0;
    if !uses_redis {
        // No file names redis: no call site can be recognized (every recognition needs a path or
        // `use` through the crate). Its read problems are reported only for files whose bytes
        // name redis, or when no file could be read at all (whether it uses redis is unknown
        // then) — the same with and without the prefilter.
        let nothing_read = sources.is_empty() && !unit.files.is_empty();
        let mut keep = may_name_redis.iter();
        diagnostics.retain(|_| nothing_read || keep.next().copied().unwrap_or(false));
        if options.prefilter {
            tick(unit.files.len());
            // Not analyzed, but its files may build keys of any family: parsed there, once.
            let key_files = if options.key_sites {
                key_sites::of_unit(unit, &sources, unread, |_| key_sites::Parsed::Skipped)
            } else {
                Vec::new()
            };
            return Read::Done(UnitResult {
                sites: Vec::new(),
                diagnostics,
                fixable: Vec::new(),
                key_files,
                sources: Vec::new(),
                stats,
                internal_error: None,
                suppressed: Vec::new(),
            });
        }
    } else {
        stats.units_using_redis = 1;
    }
    // Test files (`tests/`, `examples/`, `benches/`: crates of their own; modules declared
    // under `#[cfg(test)]`: items only test builds have; either way nothing the package's code
    // can name) are left out when test code is not walked: nothing there is reported, and their
    // calls give no keys to the package's code (see `interp::TestCode`). `fix` asks for every
    // file's key sites.
    let test_files = key_sites::test_files(
        &unit.root,
        sources.iter().map(|s| (s.path.as_path(), s.text.as_str())),
    );
    let (mut sources, (names_redis, mut test_files)): (Vec<_>, (Vec<_>, Vec<_>)) =
        if options.walks_test_code() || options.key_sites {
            (sources, (names_redis, test_files))
        } else {
            sources
                .into_iter()
                .zip(names_redis.into_iter().zip(test_files))
                .filter(|(_, (_, test))| !test)
                .unzip()
        };
    // The package's path dependencies that its files naming redis name too, for the items its
    // connections and keys come from (`appkit::connect()`): only their files that name redis,
    // where connections and keys of redis calls are made (reading every file of a large
    // dependency for every package that uses it cost more than the package itself). A file
    // that cannot be read there is the other package's problem, reported when it is checked.
    let own = sources.len();
    let mut names_redis = names_redis;
    let named = |crate_name: &str| {
        let word = memchr::memmem::Finder::new(crate_name);
        sources
            .iter()
            .zip(&names_redis)
            .any(|(s, &names)| names && lexical::mentions_word(&s.text, &word))
    };
    let wanted: Vec<std::path::PathBuf> = unit
        .libraries
        .iter()
        .filter(|(name, _)| named(name))
        .flat_map(|(_, files)| files.iter().cloned())
        .collect();
    let texts: Vec<String> = input::read_unit_sources(&wanted, boundary)
        .into_iter()
        .map(Result::unwrap_or_default)
        .collect();
    let library_names_redis =
        names_any_needle(texts.iter().map(String::as_str), &redis_needles(unit));
    for ((path, text), names) in wanted.iter().zip(texts).zip(library_names_redis) {
        if names {
            sources.push(SourceFile::new(
                path.clone(),
                display_path(path, display_root),
                text,
            ));
            names_redis.push(true);
            test_files.push(false);
        }
    }
    drop(read_time);
    let names = {
        let _time = timings::PhaseTimer::start(timings::Phase::Scan);
        scan_names(&sources)
    };
    Read::Analyse(ReadUnit {
        stats,
        diagnostics,
        sources,
        unread,
        uses_redis,
        cost,
        own,
        names_redis,
        test_files,
        names,
    })
}

fn analyze_unit(
    unit: &workspace::Unit,
    read: ReadUnit,
    display_root: &Path,
    options: &Options,
    commands: &CommandTable,
    tick: &(dyn Fn(usize) + Sync),
) -> UnitResult {
    let ReadUnit {
        mut stats,
        mut diagnostics,
        sources,
        unread,
        uses_redis,
        own,
        names_redis,
        test_files,
        names,
        ..
    } = read;
    let aliases: Vec<String> = unit
        .redis
        .as_ref()
        .map(|r| r.aliases.clone())
        .unwrap_or_default();
    // Files that could not be read count as done.
    tick(unit.files.len().saturating_sub(own));
    // Every file's names were scanned as the crate was read ([`scan_names`]); here the files
    // needed up front are parsed: those that name redis (only they can hold call sites), those
    // that name slotlint (their `#[slotlint::allow]`s are read), or every file when asked to.
    // Other files are parsed when the evaluator looks up a name they may define
    // ([`index::CrateIndex`]).
    //
    // Parsing stays on this thread: a tree's spans are offsets into the source map of the
    // thread that parsed it (proc-macro2's `span-locations`), so a tree parsed elsewhere would
    // give wrong positions here.
    let every = options.parse_every_file();
    let test = interp::TestCode {
        files: test_files,
        walked: options.walks_test_code(),
        passes_keys: options.check_test_code,
    };
    // Files whose functions are walked for call sites.
    let walked: Vec<bool> = (0..sources.len())
        .map(|i| names_redis[i] && test.walks_file(i))
        .collect();
    let slotlint = memchr::memmem::Finder::new("slotlint");
    // On every free worker, as no tree of this crate exists yet: while it waits, this thread may
    // run another crate's analysis, which ends by invalidating the thread's spans. (Never once
    // trees are parsed: see `CrateIndex::files_mentioning`.)
    let needed: Vec<bool> = {
        use rayon::prelude::*;
        sources
            .par_iter()
            .with_min_len(16)
            .zip(&walked)
            .map(|(s, &walked)| every || walked || slotlint.find(s.text.as_bytes()).is_some())
            .collect()
    };
    // The index of the names of files parsed on demand, on every free worker too (no tree yet).
    let name_index = (!needed.iter().all(|&n| n)).then(|| {
        let _time = timings::PhaseTimer::start(timings::Phase::NameIndex);
        lexical::NameIndex::build_parallel(&names)
    });
    let parse_time = timings::PhaseTimer::start(timings::Phase::Parse);
    // The trees kept (and parts of trees dropped), outliving the index and the evaluator.
    let store = index::Store::default();
    let arena = interp::MacroArena::default();
    let mut parsed = Vec::with_capacity(sources.len());
    // Why each file parsed up front does not parse (for the key files).
    let mut parse_errors = Vec::with_capacity(sources.len());
    for (i, (source, needed)) in sources.iter().zip(&needed).enumerate() {
        if i < own {
            tick(1);
        }
        if !needed {
            parsed.push(None);
            parse_errors.push(None);
            continue;
        }
        stats.files_parsed += 1;
        stats.bytes_parsed += source.text.len() as u64;
        match parse::parse_rust(&source.text) {
            Ok(file) => {
                parsed.push(Some(Some(&*store.files.alloc(file))));
                parse_errors.push(None);
            }
            Err(err) => {
                let r = err.range();
                let span = (r.end > 0 || r.start > 0).then(|| source.span(r.start, r.end));
                // Only files walked for call sites are said not to parse: whether another
                // file is read at all depends on what the analysis needs from it.
                if uses_redis && walked[i] {
                    let message = match &err {
                        parse::RustParseError::TooDeep(_) => format!("{} {err}", source.display),
                        parse::RustParseError::Syntax { .. } => {
                            format!("{} does not parse as Rust: {err}", source.display)
                        }
                    };
                    diagnostics.push(rules::parse_error::diagnostic(
                        &source.display,
                        span,
                        message,
                    ));
                }
                parsed.push(Some(None));
                parse_errors.push(Some(err));
            }
        }
    }
    let index = index::CrateIndex::new(&sources, parsed, &names, name_index, &store);
    drop(parse_time);
    // To the end of the crate's analysis.
    let _evaluate_time = timings::PhaseTimer::start(timings::Phase::Evaluate);
    drop(names);
    release_freed_memory();
    let version = unit.redis.as_ref().and_then(|r| r.version());
    let version_known = version.is_some();
    let version = version
        .or(options.assumed_redis)
        .unwrap_or(workspace::NEWEST_KNOWN_REDIS);
    let cx = interp::UnitContext::new(
        &sources, index, &aliases, commands, version, &arena, &unit.root,
    )
    .with_redis_files(names_redis)
    .with_test_code(test)
    .with_libraries_from(own);
    let reported: Vec<bool> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| {
            i < own
                && unit
                    .report_only
                    .as_ref()
                    .is_none_or(|only| only.contains(&s.path))
        })
        .collect();
    diagnostics.retain(|d| {
        sources
            .iter()
            .position(|s| s.display == d.file)
            .is_none_or(|i| reported[i])
    });
    let mut facts = cx.facts(&|i| cx.mentions_redis[i] && reported[i]);
    // From here on the package's own files (its path dependencies' hold no facts).
    facts.files.truncate(own);
    for (i, span, why) in cx.include_errors() {
        if reported[i] {
            diagnostics.push(rules::parse_error::diagnostic(
                &sources[i].display,
                Some(span),
                format!("`include_str!` is not followed: {why}"),
            ));
        }
    }
    for (i, f) in facts.files.iter().enumerate() {
        if reported[i] {
            // Sites are sorted by span: the walks of one site (caller contexts) are adjacent.
            let counted: Vec<&sites::CallSite> = f
                .sites
                .iter()
                .filter(|s| options.check_test_code || !f.in_test(s.span.start))
                .collect();
            stats.call_sites += counted.chunk_by(|a, b| a.span == b.span).count();
            stats.resolution.not_understood += f
                .not_understood
                .iter()
                .filter(|(span, _)| options.check_test_code || !f.in_test(span.start))
                .count();
            for contexts in counted.chunk_by(|a, b| a.span == b.span) {
                stats.resolution.count(contexts);
            }
        }
    }
    let found = if uses_redis {
        // The rules judge the package: its own files (path dependencies' have no facts).
        rules::check(&rules::Input {
            facts: &facts,
            sources: &sources[..own],
            reported: &reported[..own],
            unit,
            display_root,
            commands,
            version,
            version_known,
            check_test_code: options.check_test_code,
        })
    } else {
        rules::Sink::default()
    };
    diagnostics.extend(found.diagnostics);
    let extra_sources = found.files;
    let site_facts = sources
        .iter()
        .zip(&facts.files)
        .enumerate()
        .filter(|(i, _)| reported[*i])
        .flat_map(|(_, (source, f))| {
            f.sites.iter().map(|site| SiteFact {
                path: source.path.clone(),
                file: source.display.clone(),
                site: site.clone(),
            })
        })
        .collect();
    // Suppression comments and `#[slotlint::allow]`; unused ones are findings too (not in crates
    // without redis, which the prefilter skips: findings must not depend on it).
    let (diagnostics, suppressed) = if uses_redis {
        suppression::apply(
            &sources[..own],
            &cx.index,
            diagnostics,
            |i| reported[i],
            |i, offset| !options.check_test_code && facts.files[i].in_test(offset),
        )
    } else {
        (diagnostics, Vec::new())
    };
    // Each file's key sites from what the analysis made of it, before its trees go. A file
    // the analysis never needed is parsed for them there.
    let key_files = if options.key_sites {
        key_sites::of_unit(unit, &sources[..own], unread, |i| {
            match (
                cx.index.parsed(i),
                parse_errors.get(i).and_then(Option::as_ref),
            ) {
                // A file parsed on demand kept no whole tree: parsed there again.
                (Some(true), _) => cx
                    .index
                    .whole_ast(i)
                    .map_or(key_sites::Parsed::Skipped, key_sites::Parsed::Tree),
                (Some(false), Some(err)) => key_sites::Parsed::Failed(err),
                _ => key_sites::Parsed::Skipped,
            }
        })
    } else {
        Vec::new()
    };
    // Files that did not parse are not shown in code frames: their notes give the position and
    // the parser's message only, never the file's text.
    let parsed: Vec<bool> = (0..sources.len())
        .map(|i| cx.index.parsed(i) == Some(true))
        .collect();
    let (on_demand, on_demand_bytes) = cx.index.parsed_on_demand.get();
    stats.files_parsed += on_demand;
    stats.bytes_parsed += on_demand_bytes;
    // The evaluator goes now: only plain data is left (the trees go with this function).
    drop(cx);
    let with_findings: Vec<SourceFile> = sources
        .into_iter()
        .zip(parsed)
        .filter(|(s, parsed)| {
            *parsed
                && (diagnostics.iter().any(|d| d.file == s.display)
                    || suppressed.iter().any(|x| x.diagnostic.file == s.display))
        })
        .map(|(s, _)| s)
        .chain(extra_sources)
        .collect();
    UnitResult {
        sites: site_facts,
        diagnostics,
        fixable: found.fixable,
        key_files,
        sources: with_findings,
        stats,
        internal_error: None,
        suppressed,
    }
}
