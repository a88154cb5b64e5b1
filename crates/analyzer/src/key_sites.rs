//! The key sites of every file, for `cargo slotlint fix`: the string literals and format strings
//! that may build a key (`slotlint_syntax::key_sites`), read from the syntax trees the analysis
//! already parsed when [`crate::Options::key_sites`] asks for them, so that a `fix` run parses
//! each file once. Files of packages that do not name redis (which the analysis does not parse)
//! are parsed here, once; [`scan`] reads, parses and scans a whole discovery, for a run that
//! did not ask the analysis.
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

/// Whether a file is test code as a whole (under the package's `tests/`, `benches/`,
/// `examples/`).
fn is_test_file(path: &Path, unit_root: &Path) -> bool {
    path.strip_prefix(unit_root)
        .is_ok_and(slotlint_syntax::test_code::is_test_file)
}

/// The key sites of a file, from its syntax tree (or why it has none: the parser's error).
pub(crate) fn of_parsed(
    source: SourceFile,
    parsed: Result<&syn::File, &RustParseError>,
    unit_root: &Path,
) -> KeyFile {
    let mut file = KeyFile::new(source);
    match parsed {
        Ok(ast) => {
            let test_file = is_test_file(&file.source.path, unit_root);
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

/// [`of_parsed`] for a file the analysis does not parse.
pub(crate) fn parse_and_scan(source: SourceFile, unit_root: &Path) -> KeyFile {
    let parsed = parse::parse_rust(&source.text);
    of_parsed(source, parsed.as_ref(), unit_root)
}

/// A file that could not be read.
pub(crate) fn unread(path: &Path, display: String, error: &ReadError) -> KeyFile {
    let mut file = KeyFile::new(SourceFile::new(path.to_path_buf(), display, String::new()));
    // The reader's sentence starts with the file's name: `fix` puts it in front.
    file.problem = Some(error.message("").trim_start().to_owned());
    file.read_error = Some(error.clone());
    file
}

/// Puts a unit's key files in the order of its files.
pub(crate) fn in_file_order(unit: &Unit, files: &mut [KeyFile]) {
    let position = |p: &PathBuf| unit.files.iter().position(|f| f == p);
    files.sort_by_cached_key(|f| position(&f.source.path));
}

/// Read, parse and scan every file of every package of `discovery` (the files a configuration
/// excludes from reports too: they build keys), as the analysis reads them
/// ([`input::read_unit_sources`]: regular files inside the workspace, within the same limits).
/// For runs whose analysis did not produce them ([`crate::Options::key_sites`]).
pub fn scan(discovery: &Discovery) -> Vec<KeyFile> {
    let run = || -> Vec<KeyFile> {
        discovery
            .units
            .par_iter()
            .enumerate()
            .flat_map_iter(|(ui, unit)| {
                let boundary = input::Boundary::new(&unit.boundary);
                let read = input::read_unit_sources(&unit.files, &boundary);
                let files: Vec<(&PathBuf, Result<String, ReadError>)> =
                    unit.files.iter().zip(read).collect();
                files
                    .into_par_iter()
                    .map(|(path, read)| {
                        let display = display_path(path, &discovery.display_root);
                        let mut file = match read {
                            Ok(text) => {
                                let source = SourceFile::new(path.clone(), display, text);
                                parse_and_scan(source, &unit.root)
                            }
                            Err(e) => unread(path, display, &e),
                        };
                        // Spans of this tree are no longer needed: free the thread's source map.
                        proc_macro2::extra::invalidate_current_thread_spans();
                        file.unit = ui;
                        file
                    })
                    .collect::<Vec<_>>()
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
