//! The files of the workspace as the fixer sees them: the analyzer's key files
//! ([`slotlint_analyzer::KeyFile`]: every string literal that could build a key, read by
//! `slotlint_syntax::key_sites`), with the keys their Lua scripts build and whether the
//! configuration excludes them.

use slotlint_analyzer::input::ReadError;
use slotlint_analyzer::{KeyFile, SourceFile};

pub use slotlint_keys::skeleton::{format_atoms, OffsetAtom, Placeholder};
pub use slotlint_syntax::key_sites::{Context, FmtArg, Site, SiteKind};

use crate::pattern::Atom;

/// A key a Lua script builds itself (`'user:' .. ARGV[1] .. ':profile'`): `fix` does not
/// rewrite Lua, so a family it may belong to is blocked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LuaKey {
    /// Where it is: the Rust file of a script literal, or the `include_str!`'d Lua file.
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The key expression as written in the script.
    pub text: String,
    /// Text and holes.
    pub atoms: Vec<Atom>,
}

/// A file of the workspace as the fixer sees it.
#[derive(Clone, Debug)]
pub struct ScannedFile {
    /// Path, path as shown, text (empty when it could not be read) and line index.
    pub source: SourceFile,
    /// The package the file belongs to (constants are looked up per package): an index into
    /// the discovery's units.
    pub unit: usize,
    /// Why the file was not scanned (it does not parse, or cannot be read).
    pub problem: Option<String>,
    /// Why it was not read, when it was not (its text is then empty).
    pub read_error: Option<ReadError>,
    /// Its string literals, sorted by position.
    pub sites: Vec<Site>,
    /// `const`/`static` string items: name and value.
    pub consts: Vec<(String, String)>,
    /// `include_str!("…")` arguments, with the byte offset of the literal.
    pub includes: Vec<(String, usize)>,
    /// Keys built by Lua scripts held in this file's literals or included by it.
    pub lua_keys: Vec<LuaKey>,
    /// Excluded by the configuration: never edited.
    pub excluded: bool,
}

impl ScannedFile {
    /// The analyzer's key file, with no Lua keys yet and not excluded.
    pub fn new(file: KeyFile) -> ScannedFile {
        ScannedFile {
            source: file.source,
            unit: file.unit,
            problem: file.problem,
            read_error: file.read_error,
            sites: file.keys.sites,
            consts: file.keys.consts,
            includes: file.keys.includes,
            lua_keys: Vec::new(),
            excluded: false,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        self.source.line_col(offset)
    }
}
