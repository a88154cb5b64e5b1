//! The key sites of every file, for `cargo slotlint fix`: the string literals and format strings
//! that may build a key (`slotlint_syntax::key_sites`). When [`crate::Options::key_sites`] asks,
//! the analysis hands them over with its report, read from the syntax trees it parsed; a file
//! it did not parse (its package does not name redis, or the analysis did not need the file)
//! is parsed here, once, so that a `fix` run parses each file once. [`scan`] reads, parses and
//! scans a whole discovery, for a run that did not ask the analysis.
//!
//! Not here: which sites are keys of which family, and the edits (`slotlint-fix`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use slotlint_syntax::key_sites::KeySites;

use crate::input::{self, ReadError};
use crate::parse::{self, RustParseError};
use crate::workspace::Unit;
use crate::{display_path, Discovery, SourceFile};

/// One file of a package with the sites that may build keys.
#[derive(Clone, Debug)]
pub struct KeyFile {
    /// Its path, text (empty when it could not be read) and line index.
    pub source: SourceFile,
    /// The package it belongs to: an index into the discovery's units.
    pub unit: usize,
    /// Why it was not scanned (it cannot be read, does not parse, or the scan failed), as the
    /// sentence that follows the file's name.
    pub problem: Option<String>,
    /// Why it was not read, when it was not.
    pub read_error: Option<ReadError>,
    /// Empty when it was not scanned.
    pub keys: KeySites,
}

impl KeyFile {
    fn new(source: SourceFile) -> KeyFile {
        KeyFile {
            source,
            unit: 0,
            problem: None,
            read_error: None,
            keys: KeySites::default(),
        }
    }
}

/// Per file of the package at `unit_root` (its path and text; `""` for a file that could not be
/// read), whether it is test code as a whole (under its `tests/`, `benches/`, `examples/`, or a
/// module declared under `#[cfg(test)]` out of line): for the rules and for the key sites alike.
pub(crate) fn test_files<'t>(
    unit_root: &Path,
    files: impl Iterator<Item = (&'t Path, &'t str)>,
) -> Vec<bool> {
    use rayon::prelude::*;
    let (paths, texts): (Vec<&Path>, Vec<&str>) = files.unzip();
    let declared: Vec<Vec<String>> = texts
        .par_iter()
        .with_min_len(16)
        .map(|text| slotlint_syntax::test_code::test_modules_declared(text))
        .collect();
    slotlint_syntax::test_code::test_files_declaring(unit_root, &paths, &declared)
}

/// [`test_files`] of the files read for a package.
fn test_files_read(unit: &Unit, read: &[Result<String, ReadError>]) -> Vec<bool> {
    test_files(
        &unit.root,
        unit.files
            .iter()
            .zip(read)
            .map(|(p, r)| (p.as_path(), r.as_ref().map_or("", String::as_str))),
    )
}

/// What the analysis made of a file, from which its key sites are read.
pub(crate) enum Parsed<'a> {
    /// Its syntax tree: the key sites are read from it.
    Tree(&'a syn::File),
    /// The analysis parsed it, and it does not parse.
    Failed(&'a RustParseError),
    /// The analysis did not parse it (it did not need it): parsed here, once.
    Skipped,
}

/// The key files of one package, in the order of its files: the files that could not be read
/// (`unread`, made by [`unread`]) and those that were (`sources`), each read from what the
/// analysis made of it (`parsed(i)` for `sources[i]`).
pub(crate) fn of_unit<'a>(
    unit: &Unit,
    sources: &[SourceFile],
    unread: Vec<KeyFile>,
    parsed: impl Fn(usize) -> Parsed<'a>,
) -> Vec<KeyFile> {
    let mut files = unread;
    let tests = test_files(
        &unit.root,
        sources.iter().map(|s| (s.path.as_path(), s.text.as_str())),
    );
    for (i, source) in sources.iter().enumerate() {
        let file = match parsed(i) {
            Parsed::Tree(ast) => of_parsed(source.clone(), Ok(ast), tests[i]),
            Parsed::Failed(e) => of_parsed(source.clone(), Err(e), tests[i]),
            Parsed::Skipped => parse_and_scan(source.clone(), tests[i]),
        };
        files.push(file);
    }
    let position = |p: &PathBuf| unit.files.iter().position(|f| f == p);
    files.sort_by_cached_key(|f| position(&f.source.path));
    files
}

/// The key sites of a file, from its syntax tree (or why it has none: the parser's error).
fn of_parsed(
    source: SourceFile,
    parsed: Result<&syn::File, &RustParseError>,
    test_file: bool,
) -> KeyFile {
    let mut file = KeyFile::new(source);
    match parsed {
        Ok(ast) => {
            let text = &file.source.text;
            match catch_unwind(AssertUnwindSafe(|| {
                slotlint_syntax::key_sites::scan(ast, text, test_file)
            })) {
                Ok(keys) => file.keys = keys,
                Err(_) => file.problem = Some("could not be scanned (a slotlint bug)".to_owned()),
            }
        }
        Err(e @ RustParseError::TooDeep(_)) => file.problem = Some(e.to_string()),
        Err(e) => file.problem = Some(format!("does not parse as Rust: {e}")),
    }
    file
}

/// [`of_parsed`] for a file the analysis did not parse.
fn parse_and_scan(source: SourceFile, test_file: bool) -> KeyFile {
    let parsed = parse::parse_rust(&source.text);
    of_parsed(source, parsed.as_ref(), test_file)
}

/// A file that could not be read.
pub(crate) fn unread(path: &Path, display: String, error: &ReadError) -> KeyFile {
    let mut file = KeyFile::new(SourceFile::new(path.to_path_buf(), display, String::new()));
    // The reader's sentence starts with the file's name: `fix` puts it in front.
    file.problem = Some(error.message("").trim_start().to_owned());
    file.read_error = Some(error.clone());
    file
}

/// Read, parse and scan every file of one package (number `ui` of the discovery), as the
/// analysis reads them ([`input::read_unit_sources`]: regular files inside the workspace,
/// within the same limits), one after the other on this thread.
pub(crate) fn scan_unit(ui: usize, unit: &Unit, display_root: &Path) -> Vec<KeyFile> {
    let boundary = input::Boundary::new(&unit.boundary);
    let read = input::read_unit_sources(&unit.files, &boundary);
    let tests = test_files_read(unit, &read);
    unit.files
        .iter()
        .zip(read)
        .zip(tests)
        .map(|((path, read), test)| read_file(ui, path, read, test, display_root))
        .collect()
}

/// One file of [`scan_unit`].
fn read_file(
    ui: usize,
    path: &Path,
    read: Result<String, ReadError>,
    test_file: bool,
    display_root: &Path,
) -> KeyFile {
    let display = display_path(path, display_root);
    let mut file = match read {
        Ok(text) => parse_and_scan(
            SourceFile::new(path.to_path_buf(), display, text),
            test_file,
        ),
        Err(e) => unread(path, display, &e),
    };
    file.unit = ui;
    file
}

/// Read, parse and scan every file of every package of `discovery` (the files a configuration
/// excludes from reports too: they build keys), for a run whose analysis did not produce them
/// ([`crate::Options::key_sites`]). Files are scanned in parallel.
pub fn scan(discovery: &Discovery) -> Vec<KeyFile> {
    scan_selected(discovery, &|texts| vec![true; texts.len()])
}

/// Which of the texts given (`(package, text)`) to parse: one answer per text.
pub type SelectFiles<'a> = dyn Fn(&[(usize, &str)]) -> Vec<bool> + Sync + 'a;

/// [`scan`], parsing only the files `select` keeps: it is given the text of every file that
/// could be read (with the index of its package), in the discovery's order, and answers one
/// `bool` per text. The others are left out of the result; files that cannot be read are all
/// in it (nothing tells what they hold). For a caller that can tell from the text alone which
/// files cannot matter to it (`slotlint_fix::prefilter`).
pub fn scan_selected(discovery: &Discovery, select: &SelectFiles) -> Vec<KeyFile> {
    let run = || -> Vec<KeyFile> {
        type Read<'d> = (usize, &'d PathBuf, Result<String, ReadError>, bool);
        let read: Vec<Read<'_>> = discovery
            .units
            .par_iter()
            .enumerate()
            .flat_map_iter(|(ui, unit)| {
                let boundary = input::Boundary::new(&unit.boundary);
                let read = input::read_unit_sources(&unit.files, &boundary);
                let tests = test_files_read(unit, &read);
                unit.files
                    .iter()
                    .zip(read)
                    .zip(tests)
                    .map(move |((path, read), test)| (ui, path, read, test))
                    .collect::<Vec<_>>()
            })
            .collect();
        let texts: Vec<(usize, &str)> = read
            .iter()
            .filter_map(|(ui, _, r, _)| r.as_ref().ok().map(|t| (*ui, t.as_str())))
            .collect();
        let mut kept = select(&texts).into_iter();
        drop(texts);
        let chosen: Vec<Read<'_>> = read
            .into_iter()
            .filter(|(_, _, r, _)| r.is_err() || kept.next().unwrap_or(true))
            .collect();
        chosen
            .into_par_iter()
            .map(|(ui, path, read, test)| {
                let file = read_file(ui, path, read, test, &discovery.display_root);
                // The file's tree is gone, and no other tree lives on this thread (each file is
                // read whole on one): free the thread's span map.
                proc_macro2::extra::invalidate_current_thread_spans();
                file
            })
            .collect()
    };
    // syn recurses over nested code: stacks as big as the analysis's.
    match rayon::ThreadPoolBuilder::new()
        .stack_size(parse::PARSE_STACK_BYTES)
        .build()
    {
        Ok(pool) => pool.install(run),
        Err(_) => parse::with_parse_stack(run),
    }
}
