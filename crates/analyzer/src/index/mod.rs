//! What a crate defines, across its files: functions (for key summaries), constants, struct
//! fields (for receiver types), the method names it defines itself (to tell its own `mget`
//! from redis-rs's), where test code is, and the `#[slotlint::allow]` attributes on items.
//!
//! This is the one pass over items; function bodies are walked by the evaluator (`interp`).

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::rc::Rc;

use crate::lexical::{self, FileNames, InlineMods, Kind, NameIndex, SkippableBody};
use crate::parse;
use crate::source::SourceFile;

mod collect;
mod detach;

pub use detach::{Body, Store};

/// A function or method of the crate.
pub struct FnDef<'a> {
    /// Index of the file in the unit.
    pub file: usize,
    pub name: String,
    /// The `impl` type's last path segment, for methods and associated functions.
    pub self_ty: Option<String>,
    pub sig: &'a syn::Signature,
    /// Read again from the file's text when first used, for a file parsed on demand.
    pub block: &'a Body<'a>,
    /// Without `#[doc]` (doc comments) for a file parsed on demand.
    pub attrs: &'a [syn::Attribute],
    /// The `#[slotlint::colocated]` impl block or module the function belongs to, if any:
    /// (file, number in the file).
    pub group: Option<(usize, usize)>,
    /// Declared `pub` (any visibility but private): callers may live outside the crate.
    pub public: bool,
    /// A default method of a trait of the crate (`self_ty` is the trait).
    pub in_trait: bool,
    /// For a method of an `impl Trait for Type` block, `Trait` (its last name): a call through
    /// the trait (`dyn Trait`, a generic) may reach it without naming `Type`.
    pub trait_impl: Option<String>,
}

impl FnDef<'_> {
    pub fn has_self(&self) -> bool {
        matches!(self.sig.inputs.first(), Some(syn::FnArg::Receiver(_)))
    }
}

/// Which functions of a name a lookup wants, by what owns them (`FnDef::self_ty`).
#[derive(Clone, Copy, Debug)]
pub enum FnOwner<'q> {
    Any,
    /// Methods and associated functions of type `ty` (default methods of trait `ty`).
    Of(&'q str),
    /// Those of `ty`, and free functions (`path::name` may mean either).
    OfOrFree(&'q str),
    /// Default methods of the crate's traits.
    InTrait,
    /// Functions of no type or trait.
    Free,
}

impl FnOwner<'_> {
    pub fn fits(self, f: &FnDef<'_>) -> bool {
        self.fits_owner(f.self_ty.as_deref(), f.in_trait)
    }

    fn fits_owner(self, self_ty: Option<&str>, in_trait: bool) -> bool {
        match self {
            FnOwner::Any => true,
            FnOwner::Of(ty) => self_ty == Some(ty),
            FnOwner::OfOrFree(ty) => self_ty.is_none_or(|t| t == ty),
            FnOwner::InTrait => in_trait,
            FnOwner::Free => self_ty.is_none(),
        }
    }

    /// The entries of the name index whose files may hold such functions named `name` (what
    /// [`FileItems::names`] and [`crate::lexical`] file them under).
    fn keys(self, name: &str) -> Vec<(Kind, String)> {
        let any_owner = (Kind::AnyOwnerFn, name.to_owned());
        match self {
            FnOwner::Any => vec![(Kind::Fn, name.to_owned())],
            FnOwner::Of(ty) => vec![(Kind::Method, format!("{ty}::{name}")), any_owner],
            FnOwner::OfOrFree(ty) => vec![
                (Kind::Method, format!("{ty}::{name}")),
                (Kind::FreeFn, name.to_owned()),
                any_owner,
            ],
            FnOwner::InTrait => vec![(Kind::TraitFn, name.to_owned()), any_owner],
            FnOwner::Free => vec![(Kind::FreeFn, name.to_owned()), any_owner],
        }
    }
}

/// What [`CrateIndex::fn_unique_or_local`] finds.
#[derive(Debug, PartialEq, Eq)]
pub enum FnsFound {
    None,
    One(usize),
    /// Several; those of the local files, in order.
    Many(Vec<usize>),
}

/// A `const` or `static`.
pub struct ConstDef<'a> {
    pub file: usize,
    pub ty: &'a syn::Type,
    pub expr: &'a syn::Expr,
}

/// What one file defines (its part of the crate's index).
#[derive(Default)]
struct FileItems<'a> {
    /// In order; the function numbered `fn_base + k` is `fns[k]`.
    fns: Vec<FnDef<'a>>,
    /// Name → the `k`s of the functions of that name.
    fns_by_name: HashMap<String, Vec<usize>>,
    consts: Vec<(String, ConstDef<'a>)>,
    /// Struct name → field name → type.
    fields: HashMap<String, HashMap<String, &'a syn::Type>>,
    /// Field name → every type a struct of the file gives it.
    fields_by_name: HashMap<String, Vec<&'a syn::Type>>,
    /// (struct, field) → the function `#[serde(default = "…")]` names for it.
    serde_defaults: HashMap<(String, String), String>,
    types: HashSet<String>,
    /// Structs and enums of the file's own module (not in an inline `mod`, not in a function).
    file_scope_types: HashSet<String>,
    /// The `k`s of the functions in an inline `mod`.
    fns_in_inline_mods: HashSet<usize>,
    type_aliases: HashMap<String, &'a syn::Type>,
    enum_variants: HashMap<String, Vec<String>>,
    macros: HashMap<String, &'a syn::ItemMacro>,
    /// Type name → the functions (numbers) whose bodies build it with a struct literal.
    builders: HashMap<String, Vec<usize>>,
    /// Methods (taking `self`) the file defines, on its types or in its traits.
    method_names: HashSet<String>,
    /// Names of `#[slotlint::colocated]` groups are (file, k): groups never span files.
    groups: usize,
    test_ranges: Vec<Range<usize>>,
    allows: Vec<(&'a syn::Attribute, Range<usize>)>,
}

/// One file as the index holds it: its tree (`None`: it did not parse) and what it defines.
/// The tree of a file parsed on demand holds only its `use` items ([`Store::uses_of`]): what
/// its items give was cloned out of it ([`Store::detach`]).
struct Loaded<'a> {
    ast: Option<&'a syn::File>,
    /// `ast` is the whole file.
    whole: bool,
    items: FileItems<'a>,
    /// Functions (numbers, ascending) whose bodies the parse left out and may build a value:
    /// `items.builders` does not hold what they build ([`CrateIndex::builders`] reads them).
    unread_builders: Vec<usize>,
}

/// Where the crate's names may be defined: from the parsed files themselves when every file
/// is parsed up front, else from the cheap name index ([`crate::lexical`]).
enum Names {
    Exact(NameIndex),
    Lexical(NameIndex),
}

/// The crate's items, read file by file as they are needed.
///
/// Every lookup is by name (the evaluator has no types): the index asks the name index which
/// files may define the name, parses those it has not parsed yet, and answers from all of
/// them, in file order. The answer is the same whether the crate was parsed up front (every
/// file: [`CrateIndex::parse_every_file`]) or on demand (tested on every fixture and on the
/// benchmark corpus). Functions are numbered per file (`fn_base`), so their numbers do not
/// depend on the order files are parsed in.
pub struct CrateIndex<'a> {
    sources: &'a [SourceFile],
    store: &'a Store<'a>,
    names: Names,
    files: Vec<OnceCell<Loaded<'a>>>,
    /// Number of the first function of each file (then one more: the total).
    fn_base: Vec<usize>,
    /// Per file, the function bodies its parse on demand leaves out
    /// ([`FileNames::skippable_bodies`]): read again when walked, as every body of such a file.
    skippable: Vec<Vec<SkippableBody>>,
    /// Per file, its inline `mod`s ([`FileNames::inline_mods`]).
    inline_mods: Vec<InlineMods>,
    /// What the bodies left out that may build a value build ([`collect::builds`]), per
    /// function, memoized.
    built_late: RefCell<HashMap<usize, Rc<[String]>>>,
    /// The functions that build a type ([`CrateIndex::builders`]), per type and home,
    /// memoized: asked once per field of the type, each time through every body that may build.
    builders: RefCell<HashMap<TypeAtHome, Rc<[usize]>>>,
    /// What a builder's body may give fields ([`collect::fields_written`]), per function,
    /// memoized.
    fields_written: RefCell<HashMap<usize, Rc<collect::FieldsWritten>>>,
    /// Files that mention a word (demand-driven mode only), memoized.
    mentions: RefCell<HashMap<String, Rc<[u32]>>>,
    /// The types that implement a trait, per trait name, memoized.
    implementors: RefCell<HashMap<String, Rc<HashSet<String>>>>,
    /// Files parsed on demand, and their bytes.
    pub parsed_on_demand: Cell<(usize, u64)>,
    /// The lookup being answered, for [`demand_log`]: (what, name).
    cause: RefCell<(&'static str, String)>,
}

/// A type's name, and the file whose module's type of that name is meant (when known).
type TypeAtHome = (String, Option<usize>);

/// `SLOTLINT_DEMAND_LOG=1`: print to stderr which lookup parses each file on demand (a tuning
/// aid for the demand-driven mode; it changes nothing else).
fn demand_log() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("SLOTLINT_DEMAND_LOG").is_some_and(|v| !v.is_empty()))
}

impl<'a> CrateIndex<'a> {
    /// Note the lookup being answered (only when [`demand_log`] is on).
    fn because(&self, what: &'static str, name: impl FnOnce() -> String) {
        if demand_log() {
            *self.cause.borrow_mut() = (what, name());
        }
    }

    /// An index over `sources`. `parsed[i]` holds file `i` parsed up front (`Some(None)`: it
    /// did not parse); `None` files are parsed the first time a lookup may need them.
    /// `names[i]` is file `i`'s cheap name scan ([`crate::lexical::scan`]), and `name_index`
    /// the index of those names when it was built already (else it is built here, unless every
    /// file was parsed).
    pub fn new(
        sources: &'a [SourceFile],
        parsed: Vec<Option<Option<&'a syn::File>>>,
        names: &[FileNames],
        name_index: Option<NameIndex>,
        store: &'a Store<'a>,
    ) -> CrateIndex<'a> {
        let mut fn_base = Vec::with_capacity(names.len() + 1);
        let mut next = 0;
        for n in names {
            fn_base.push(next);
            next += n.fn_bound;
        }
        fn_base.push(next);
        let every = parsed.iter().all(Option::is_some);
        let mut index = CrateIndex {
            sources,
            store,
            names: Names::Lexical(NameIndex::default()),
            files: (0..sources.len()).map(|_| OnceCell::new()).collect(),
            fn_base,
            skippable: names
                .iter()
                .map(|n| n.skippable_bodies().to_vec())
                .collect(),
            inline_mods: names.iter().map(|n| n.inline_mods).collect(),
            built_late: RefCell::new(HashMap::new()),
            builders: RefCell::new(HashMap::new()),
            fields_written: RefCell::new(HashMap::new()),
            mentions: RefCell::new(HashMap::new()),
            implementors: RefCell::new(HashMap::new()),
            parsed_on_demand: Cell::new((0, 0)),
            cause: RefCell::new(("tree", String::new())),
        };
        for (i, p) in parsed.into_iter().enumerate() {
            if let Some(ast) = p {
                let _ = index.files[i].set(index.read(i, ast));
            }
        }
        index.names = if every {
            let defs: Vec<FileNames> = index
                .files
                .iter()
                .map(|f| f.get().map(|l| l.items.names()).unwrap_or_default())
                .collect();
            Names::Exact(NameIndex::build(&defs))
        } else {
            Names::Lexical(name_index.unwrap_or_else(|| NameIndex::build(names)))
        };
        index
    }

    /// An index of files already parsed, every one (tests, tools).
    pub fn of_files(
        sources: &'a [SourceFile],
        asts: &[Option<&'a syn::File>],
        store: &'a Store<'a>,
    ) -> CrateIndex<'a> {
        let names: Vec<FileNames> = sources.iter().map(|s| lexical::scan(&s.text)).collect();
        CrateIndex::new(
            sources,
            asts.iter().map(|a| Some(*a)).collect(),
            &names,
            None,
            store,
        )
    }

    /// Whether every file was parsed up front.
    pub fn parse_every_file(&self) -> bool {
        matches!(self.names, Names::Exact(_))
    }

    /// A file parsed up front, its tree kept whole.
    fn read(&self, file: usize, ast: Option<&'a syn::File>) -> Loaded<'a> {
        let items = ast
            .map(|ast| self.collect(file, ast, &self.store.bodies))
            .unwrap_or_default();
        Loaded {
            ast,
            whole: true,
            items,
            unread_builders: Vec::new(),
        }
    }

    /// What file `file` defines, read from its tree (function bodies in `bodies`).
    fn collect<'t>(
        &self,
        file: usize,
        ast: &'t syn::File,
        bodies: &'t typed_arena::Arena<Body<'t>>,
    ) -> FileItems<'t> {
        collect::items(
            file,
            self.fn_base[file],
            self.fn_base[file + 1] - self.fn_base[file],
            ast,
            bodies,
        )
    }

    /// Parse file `file` on demand (counted, and logged with [`demand_log`]); and whether the
    /// bodies [`FileNames::skippable_bodies`] gives were left out.
    fn parse(&self, file: usize) -> (Option<syn::File>, bool) {
        let text = &self.sources[file].text;
        let (n, bytes) = self.parsed_on_demand.get();
        self.parsed_on_demand
            .set((n + 1, bytes + text.len() as u64));
        if demand_log() {
            let (what, name) = &*self.cause.borrow();
            let file = &self.sources[file].display;
            eprintln!("slotlint demand: {what} {name}: {file}");
        }
        // Its bodies are read again when walked ([`Store::detach`]): those the index reads
        // nothing from are not parsed now.
        let skippable = &self.skippable[file];
        if !skippable.is_empty() {
            let ranges: Vec<Range<u32>> = skippable.iter().map(|b| b.braces.clone()).collect();
            if let Some(tree) = parse::parse_rust_skipping(text, &ranges) {
                return (Some(tree), true);
            }
        }
        (parse::parse_rust(text).ok(), false)
    }

    /// File `file` as the index holds it; parsed now if it was not yet, and only what its
    /// lookups give kept ([`Store::detach`]): the tree is dropped here.
    fn loaded(&self, file: usize) -> &Loaded<'a> {
        self.files[file].get_or_init(|| {
            let _time = crate::timings::PhaseTimer::start(crate::timings::Phase::DemandParse);
            crate::timings::count(crate::timings::Work::FilesParsedOnDemand);
            let (Some(tree), skipped) = self.parse(file) else {
                return Loaded {
                    ast: None,
                    whole: true,
                    items: FileItems::default(),
                    unread_builders: Vec::new(),
                };
            };
            let bodies = typed_arena::Arena::new();
            let items = self.collect(file, &tree, &bodies);
            let items = self.store.detach(items, &self.sources[file].text);
            let left_out: &[SkippableBody] = if skipped { &self.skippable[file] } else { &[] };
            let may_build: HashSet<Range<usize>> = left_out
                .iter()
                .filter(|b| b.may_build)
                .map(|b| b.braces.start as usize..b.braces.end as usize)
                .collect();
            let unread_builders = items
                .fns
                .iter()
                .enumerate()
                .filter(|(_, f)| may_build.contains(&f.block.braces()))
                .map(|(k, _)| self.fn_base[file] + k)
                .collect();
            Loaded {
                ast: Some(self.store.uses_of(&tree)),
                whole: false,
                items,
                unread_builders,
            }
        })
    }

    /// What file `file` defines (loaded now if it was not yet). Also for the lookups that only
    /// count or answer yes/no: nearly every file read for them is needed whole later (hadrian:
    /// 298 of 322), and a summary parsed apart cost a second parse.
    fn items(&self, file: usize) -> &FileItems<'a> {
        &self.loaded(file).items
    }

    /// Whether file `file` was parsed (`Some(false)`: it did not parse; `None`: not needed).
    pub fn parsed(&self, file: usize) -> Option<bool> {
        self.files[file].get().map(|l| l.ast.is_some())
    }

    /// Whether file `file` was loaded already (parsed, or found not to parse): a lookup reads
    /// it at no cost.
    fn loaded_already(&self, file: usize) -> bool {
        self.files[file].get().is_some()
    }

    /// File `file`'s tree (parsed now if it was not yet; `None`: it does not parse). Of a file
    /// parsed on demand, only its `use` items (in their modules).
    pub fn ast(&self, file: usize) -> Option<&'a syn::File> {
        self.because("tree", String::new);
        self.loaded(file).ast
    }

    /// File `file`'s whole tree, if it was parsed up front (`None` for a file parsed on demand,
    /// or not at all).
    pub fn whole_ast(&self, file: usize) -> Option<&'a syn::File> {
        self.files[file]
            .get()
            .filter(|l| l.whole)
            .and_then(|l| l.ast)
    }

    /// The file function `id` belongs to.
    fn file_of(&self, id: usize) -> usize {
        self.fn_base.partition_point(|&b| b <= id) - 1
    }

    /// Function number `id`.
    pub fn fn_def(&self, id: usize) -> &FnDef<'a> {
        let file = self.file_of(id);
        &self.loaded(file).items.fns[id - self.fn_base[file]]
    }

    /// The functions of file `file`, with their numbers.
    pub fn fns_in_file(&self, file: usize) -> impl Iterator<Item = (usize, &FnDef<'a>)> {
        self.because("fns_in_file", String::new);
        let base = self.fn_base[file];
        self.loaded(file)
            .items
            .fns
            .iter()
            .enumerate()
            .map(move |(k, f)| (base + k, f))
    }

    /// The files the name index says may define `name` as a `kind`.
    fn name_files(&self, kind: Kind, name: &str) -> &[u32] {
        match &self.names {
            Names::Exact(n) | Names::Lexical(n) => n.files(kind, name),
        }
    }

    /// Files that may define `name` as a `kind`, parsed, in order.
    /// (Backwards, a lookup of the crate's last definition parses only the files after it.)
    fn candidates(
        &self,
        why: &'static str,
        kind: Kind,
        name: &str,
    ) -> impl DoubleEndedIterator<Item = &FileItems<'a>> {
        self.candidates_in(why, kind, name, |_| true)
    }

    /// [`Self::candidates`] of the files `in_file` takes (the others are not parsed for it).
    fn candidates_in(
        &self,
        why: &'static str,
        kind: Kind,
        name: &str,
        in_file: impl Fn(usize) -> bool,
    ) -> impl DoubleEndedIterator<Item = &FileItems<'a>> {
        self.because(why, || format!("{kind:?} {name}"));
        self.name_files(kind, name)
            .iter()
            .map(|&f| f as usize)
            .filter(move |&f| in_file(f))
            .map(|f| &self.loaded(f).items)
    }

    /// `files`, parsed as the iterator reaches them: those already parsed first, then the
    /// others smallest first (for a lookup whose answer does not depend on the order, and may
    /// stop early).
    fn cheapest_first(
        &self,
        files: Vec<u32>,
    ) -> impl Iterator<Item = &FileItems<'a>> + use<'_, 'a> {
        let order = self.cheapest_order(files);
        order.into_iter().map(|f| self.items(f))
    }

    /// `files` in the order [`Self::cheapest_first`] reads them.
    fn cheapest_order(&self, files: Vec<u32>) -> Vec<usize> {
        let (mut order, mut unparsed): (Vec<usize>, Vec<usize>) = files
            .into_iter()
            .map(|f| f as usize)
            .partition(|&f| self.loaded_already(f));
        unparsed.sort_by_key(|&f| (self.sources[f].text.len(), f));
        order.extend(unparsed);
        order
    }

    /// Files under any of `keys` in the name index, ascending.
    fn files_any(&self, keys: &[(Kind, String)]) -> Vec<u32> {
        match &self.names {
            Names::Exact(n) | Names::Lexical(n) => n.files_any(keys),
        }
    }

    /// Files whose text has `word` as a whole word (by text: comments and strings count).
    /// On this thread: a worker that waits for a parallel search runs other jobs meanwhile,
    /// another crate's analysis among them, which ends by invalidating the thread's spans
    /// (those of this crate's trees too).
    pub fn files_mentioning(&self, word: &str) -> Rc<[u32]> {
        if let Some(found) = self.mentions.borrow().get(word) {
            return found.clone();
        }
        let finder = memchr::memmem::Finder::new(word);
        let found: Rc<[u32]> = self
            .sources
            .iter()
            .enumerate()
            .filter(|(_, s)| lexical::mentions_word(&s.text, &finder))
            .map(|(i, _)| i as u32)
            .collect();
        if demand_log() {
            eprintln!("slotlint demand: {} files mention {word}", found.len());
        }
        self.mentions
            .borrow_mut()
            .insert(word.to_owned(), found.clone());
        found
    }

    /// The types of the crate with an `impl` of trait `name` (by its last path segment) that
    /// holds at least one function; only the files the name index files such functions under
    /// are looked into.
    pub fn types_implementing(&self, name: &str) -> Rc<HashSet<String>> {
        if let Some(found) = self.implementors.borrow().get(name) {
            return found.clone();
        }
        let files = self.files_any(&[
            (Kind::TraitImplFn, name.to_owned()),
            (Kind::TraitImplFn, String::new()),
        ]);
        let found: Rc<HashSet<String>> = Rc::new(
            files
                .iter()
                .flat_map(|&f| self.fns_in_file(f as usize))
                .filter(|(_, d)| d.trait_impl.as_deref() == Some(name))
                .filter_map(|(_, d)| d.self_ty.clone())
                .collect(),
        );
        self.implementors
            .borrow_mut()
            .insert(name.to_owned(), found.clone());
        found
    }

    /// Whether the body of function `id` has any of `words` as an identifier (comments and
    /// strings do not count), read from its text.
    pub fn fn_body_names(&self, id: usize, words: &[String]) -> bool {
        let def = self.fn_def(id);
        let range = def.block.braces();
        let Some(body) = self.sources[def.file].text.get(range) else {
            return true;
        };
        lexical::names_any(body, words)
    }

    /// `words`, and the names of the crate's `macro_rules!` macros whose expansion may name one
    /// of them: those whose body ([`Self::macro_def`]'s) names one, or such a macro.
    pub fn and_macros_naming(&self, words: &[String]) -> Vec<String> {
        let mut all = words.to_vec();
        // (name, file) of each `macro_rules!` the name index files ([`Self::macro_def`] finds
        // no other), by file.
        let mut macros: Vec<(String, u32)> = match &self.names {
            Names::Exact(n) | Names::Lexical(n) => n
                .names_of(Kind::Macro)
                .flat_map(|(name, files)| files.iter().map(move |&f| (name.to_owned(), f)))
                .collect(),
        };
        macros.sort_unstable_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
        // Files that name one of `all`: only a macro defined there may (checked by text first,
        // so that the files of other macros are not parsed).
        let mut naming: std::collections::HashSet<u32> = std::collections::HashSet::new();
        for w in &all {
            naming.extend(self.files_mentioning(w).iter().copied());
        }
        loop {
            let (found, rest): (Vec<_>, Vec<_>) = macros.into_iter().partition(|(m, f)| {
                naming.contains(f) && !all.contains(m) && self.macro_body_mentions(m, &all)
            });
            if found.is_empty() {
                return all;
            }
            for (m, _) in found {
                if !all.contains(&m) {
                    naming.extend(self.files_mentioning(&m).iter().copied());
                    all.push(m);
                }
            }
            macros = rest;
        }
    }

    /// Whether the body of the `macro_rules!` named `name` that [`Self::macro_def`] gives names
    /// any of `words`.
    fn macro_body_mentions(&self, name: &str, words: &[String]) -> bool {
        let Some((file, def)) = self.macro_def_in(name) else {
            return false;
        };
        let span = match &def.mac.delimiter {
            syn::MacroDelimiter::Paren(d) => d.span,
            syn::MacroDelimiter::Brace(d) => d.span,
            syn::MacroDelimiter::Bracket(d) => d.span,
        };
        let range = span.join().byte_range();
        self.sources[file]
            .text
            .get(range)
            .is_none_or(|body| mentions_any(body, words))
    }

    /// Files that may define functions named `name` that `owner` admits, taking `self` or not
    /// as `has_self` says, ascending.
    fn fn_files(&self, name: &str, owner: FnOwner<'_>, has_self: Option<bool>) -> Vec<u32> {
        let mut files = self.files_any(&owner.keys(name));
        if let Some(has_self) = has_self {
            let kind = if has_self {
                Kind::SelfFn
            } else {
                Kind::PlainFn
            };
            let with = self.files_any(&[(kind, name.to_owned())]);
            files.retain(|f| with.binary_search(f).is_ok());
        }
        files
    }

    /// Functions named `name` that `owner` admits, taking `self` or not as `has_self` says
    /// (either when `None`), with their numbers, in order. Files are parsed as the iterator
    /// reaches them: a caller that stops early (at the second match) parses fewer.
    pub fn fns_named<'s>(
        &'s self,
        name: &'s str,
        owner: FnOwner<'s>,
        has_self: Option<bool>,
    ) -> impl Iterator<Item = (usize, &'s FnDef<'a>)> + 's {
        self.fns_named_in(name, owner, has_self, |_| true)
    }

    /// [`Self::fns_named`] in the files `in_file` keeps (the others are not parsed for it).
    pub fn fns_named_in<'s>(
        &'s self,
        name: &'s str,
        owner: FnOwner<'s>,
        has_self: Option<bool>,
        in_file: impl Fn(usize) -> bool + 's,
    ) -> impl Iterator<Item = (usize, &'s FnDef<'a>)> + 's {
        self.because("fns_named", || {
            format!("{name} {owner:?} self={has_self:?}")
        });
        let files = self.fn_files(name, owner, has_self);
        files
            .into_iter()
            .filter(move |&f| in_file(f as usize))
            .flat_map(move |f| {
                let (base, items) = (self.fn_base[f as usize], &self.loaded(f as usize).items);
                let same_name = items.fns_by_name.get(name).map_or(&[][..], Vec::as_slice);
                same_name.iter().map(move |&k| (base + k, &items.fns[k]))
            })
            .filter(move |(_, d)| owner.fits(d))
            .filter(move |(_, d)| has_self.is_none_or(|s| d.has_self() == s))
    }

    /// The function named `name` (that `owner` admits, taking `self` or not as `has_self` says)
    /// for a caller that takes the only one, or of several one of the `local` files: what
    /// [`Self::fns_named`] would give, told apart without parsing every file that may hold one.
    /// Files already parsed are counted first; for any method of the name, the name scan's
    /// [`Kind::SureMethod`] then counts the files not parsed, and two make several without a
    /// parse; else the others are parsed smallest first, until two are found. Of several, only
    /// those of `local` (files already parsed) are listed.
    pub fn fn_unique_or_local(
        &self,
        name: &str,
        owner: FnOwner<'_>,
        has_self: Option<bool>,
        local: &[usize],
    ) -> FnsFound {
        self.because("fn_unique_or_local", || {
            format!("{name} {owner:?} self={has_self:?}")
        });
        let files = self.fn_files(name, owner, has_self);
        let fits_in =
            |f: usize| -> Vec<usize> { self.items(f).fits(self.fn_base[f], name, owner, has_self) };
        let mut found = Vec::new();
        let order = self.cheapest_order(files.clone());
        let parsed = order
            .iter()
            .take_while(|&&f| self.loaded_already(f))
            .count();
        for &f in &order[..parsed] {
            if found.len() >= 2 {
                break;
            }
            found.extend(fits_in(f));
        }
        let sure_many =
            found.len() < 2 && matches!(owner, FnOwner::Any) && has_self == Some(true) && {
                let unparsed = order[parsed..].iter().copied();
                found.len() + self.unparsed_sure(Kind::SureMethod, name, unparsed) >= 2
            };
        for &f in &order[parsed..] {
            if found.len() >= 2 || sure_many {
                break;
            }
            found.extend(fits_in(f));
        }
        match found.as_slice() {
            [] if !sure_many => FnsFound::None,
            [one] if !sure_many => FnsFound::One(*one),
            _ => {
                let mut here: Vec<usize> = files
                    .iter()
                    .map(|&f| f as usize)
                    .filter(|f| local.contains(f))
                    .flat_map(fits_in)
                    .collect();
                here.sort_unstable();
                FnsFound::Many(here)
            }
        }
    }

    /// The first method (taking `self`) named `name` on type (or trait) `ty`.
    pub fn method_of(&self, ty: &str, name: &str) -> Option<usize> {
        let mut found = self.fns_named(name, FnOwner::Of(ty), Some(true));
        found.next().map(|(i, _)| i)
    }

    /// The functions of methods and trait default methods on type (or trait) `ty`, in order.
    pub fn fns_of_type(&self, ty: &str) -> Vec<(usize, &FnDef<'a>)> {
        self.because("fns_of_type", || ty.to_owned());
        self.files_any(&[(Kind::Owner, ty.to_owned()), (Kind::Owner, String::new())])
            .into_iter()
            .flat_map(|f| self.fns_in_file(f as usize))
            .filter(|(_, d)| d.self_ty.as_deref() == Some(ty))
            .collect()
    }

    /// Whether file `file`'s own module (not an inline `mod` in it) defines a struct or enum
    /// named `ty`: there, `ty` names that one (a name of the module's own shadows any import).
    pub fn defines_own_type(&self, file: usize, ty: &str) -> bool {
        self.items(file).file_scope_types.contains(ty)
    }

    /// The file whose module defines `ty` at its own scope, of the files of module `module`
    /// (`module_of` says a file's module): the one, else `None`. Only files the name scan says
    /// may define `ty` are looked into.
    pub fn type_defined_in(
        &self,
        ty: &str,
        module: &[String],
        module_of: &dyn Fn(usize) -> Option<Vec<String>>,
    ) -> Option<usize> {
        self.because("type_defined_in", || ty.to_owned());
        let mut found = self
            .name_files(Kind::Type, ty)
            .iter()
            .map(|&f| f as usize)
            .filter(|&f| module_of(f).as_deref() == Some(module))
            .filter(|&f| self.defines_own_type(f, ty));
        match (found.next(), found.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }

    /// Whether function `id` builds its own module's `ty` when it writes `ty { .. }` (the
    /// module defines one, and the function is not in an inline `mod`), not another module's.
    pub fn builds_own_type(&self, id: usize, ty: &str) -> bool {
        self.defines_own_type(self.fn_def(id).file, ty) && !self.in_inline_mod(id)
    }

    /// Whether function `id` is in an inline `mod` of its file (whose names are not the file's).
    pub fn in_inline_mod(&self, id: usize) -> bool {
        let file = self.fn_def(id).file;
        self.items(file)
            .fns_in_inline_mods
            .contains(&(id - self.fn_base[file]))
    }

    /// Whether file `file`'s structs named `ty` have a named field `field` (a tuple struct's
    /// `0` is assumed to be there).
    pub fn type_has_field(&self, file: usize, ty: &str, field: &str) -> bool {
        field.starts_with(|c: char| c.is_ascii_digit())
            || self
                .items(file)
                .fields
                .get(ty)
                .is_some_and(|f| f.contains_key(field))
    }

    /// Functions whose bodies build `ty` with a struct literal (`T { .. }`, `Self { .. }`), of
    /// those the caller walks (`walked(f)`, the same for every call: the answer is memoized per
    /// type). A body read to see what it builds is kept for that walk, not read twice; a
    /// function not walked is not read at all (a test building the type, a large body).
    /// `tests_walked`: whether `walked` takes test code; if not, a file whose literals of `ty`
    /// are all in `#[cfg(test)]` modules ([`Kind::TestBuild`]) is not even parsed. `home`: the
    /// file whose module's `ty` is meant, when known; then a file that defines a `ty` of its own
    /// module, with no inline `mod` (walked) where another may be built, builds its own, and is
    /// not parsed either ([`Self::builds_only_its_own`]).
    pub fn builders(
        &self,
        ty: &str,
        walked: &dyn Fn(usize) -> bool,
        tests_walked: bool,
        home: Option<usize>,
    ) -> Rc<[usize]> {
        let key = (ty.to_owned(), home);
        if let Some(found) = self.builders.borrow().get(&key) {
            return found.clone();
        }
        let found: Rc<[usize]> = self.find_builders(ty, walked, tests_walked, home).into();
        self.builders.borrow_mut().insert(key, found.clone());
        found
    }

    /// Whether file `file`, not `home`, defines `ty`'s owner (the type, or a variant's enum) at
    /// its own module's scope, by the name scan, and has no inline `mod` whose functions are
    /// walked: then every literal of `ty` there builds the file's own (the evaluator reads a
    /// builder in a file that defines its own `ty` as building that one), not `home`'s.
    /// `own_type_files`: the files the name scan says define it so ([`Kind::OwnType`]).
    fn builds_only_its_own(
        &self,
        file: usize,
        own_type_files: &[u32],
        home: Option<usize>,
        tests_walked: bool,
    ) -> bool {
        let mods = self.inline_mods[file];
        let walked_mods = if tests_walked {
            mods.any
        } else {
            mods.outside_tests
        };
        home.is_some_and(|h| h != file)
            && !walked_mods
            && own_type_files.binary_search(&(file as u32)).is_ok()
    }

    /// [`CrateIndex::builders`], not memoized.
    fn find_builders(
        &self,
        ty: &str,
        walked: &dyn Fn(usize) -> bool,
        tests_walked: bool,
        home: Option<usize>,
    ) -> Vec<usize> {
        self.because("builders", || ty.to_owned());
        // `Enum::Variant`: the name scan files `Variant(` and `Variant {` under the variant.
        let scanned = ty.rsplit("::").next().unwrap_or(ty);
        let mut keys = vec![
            (Kind::Build, scanned.to_owned()),
            (Kind::Build, String::new()),
        ];
        if tests_walked {
            keys.push((Kind::TestBuild, scanned.to_owned()));
            keys.push((Kind::TestBuild, String::new()));
        }
        let owner = ty.split("::").next().unwrap_or(ty);
        let own_type_files = self.name_files(Kind::OwnType, owner);
        self.files_any(&keys)
            .into_iter()
            .filter(|&f| !self.builds_only_its_own(f as usize, own_type_files, home, tests_walked))
            .flat_map(|f| {
                let loaded = self.loaded(f as usize);
                let mut found = loaded.items.builders.get(ty).cloned().unwrap_or_default();
                found.retain(|&id| walked(id));
                // In the order the whole file's parse gives: a body left out holds no item, so its
                // function's place is between those numbered before and after it.
                for &id in &loaded.unread_builders {
                    if walked(id) && !found.contains(&id) && self.body_builds(id, ty, scanned) {
                        let at = found.iter().position(|&other| other > id);
                        let at = at.unwrap_or(found.len());
                        found.insert(at, id);
                    }
                }
                found
            })
            .collect()
    }

    /// Whether function `id`, whose body its file's parse left out, builds `ty` (filed by the
    /// name scan as `scanned`): its body is read only if its text may construct `scanned` (or
    /// `Self`, in an `impl` of the type): [`lexical::may_construct`].
    fn body_builds(&self, id: usize, ty: &str, scanned: &str) -> bool {
        let def = self.fn_def(id);
        let owner = ty.split("::").next().unwrap_or(ty);
        let text = self.sources[def.file]
            .text
            .get(def.block.braces())
            .unwrap_or("");
        let builds = |word: &str| lexical::may_construct(text, &memchr::memmem::Finder::new(word));
        let in_own_impl = def.self_ty.as_deref() == Some(owner);
        if !(builds(scanned) || in_own_impl && builds("Self")) {
            return false;
        }
        let built = self
            .built_late
            .borrow_mut()
            .entry(id)
            .or_insert_with(|| {
                def.block.with_block(|block| {
                    let built = collect::builds(block, def.self_ty.as_deref());
                    // Walked next when it builds `ty`.
                    let keep = built.iter().any(|b| b == ty);
                    (built.into(), keep)
                })
            })
            .clone();
        built.iter().any(|b| b == ty)
    }

    /// Whether function `id`'s body may give field `field` of `ty` (a struct, or a variant
    /// `Enum::Variant`) a value: a struct literal of `ty` (or `Self` in its `impl`) that names
    /// it, or the variant built with that payload or used as a constructor, unless
    /// `another(path)` says the path it is written with names another module's; a macro call
    /// whose tokens name it (a variant: its name); or a call of a `macro_rules!` the crate may
    /// define (its expansion is not read here). `walked`: whether the caller walks the body
    /// next (a body read now is kept).
    pub fn may_give_field(
        &self,
        id: usize,
        ty: &str,
        field: &str,
        another: &dyn Fn(&[String]) -> bool,
        walked: bool,
    ) -> bool {
        let names = |w: &collect::WrittenField| w.ty == ty && (w.field == field || w.field == "*");
        // A literal in a macro's tokens (walked as the macro's arguments) names its type, or
        // `Self`, and the member (`info!("{}", key.id)` names `id` and builds nothing); a
        // variant's payload (`0`) is not named: its variant is.
        let in_macro = |written: &collect::FieldsWritten| {
            let named = |word: &str| written.macro_idents.contains(word);
            match ty.rsplit_once("::") {
                Some((_, variant)) => named(field) || named(variant),
                None => named(field) && (named(ty) || named("Self")),
            }
        };
        // A literal the evaluator reads as a variant (`Export::Component { .. }`) builds no
        // struct of the variant's name.
        let gives = |written: &collect::FieldsWritten| {
            written.literals.iter().any(|w| {
                names(w)
                    && !another(&w.path)
                    && !w.or_variant.as_deref().is_some_and(|v| {
                        v.split_once("::")
                            .is_some_and(|(owner, name)| self.is_variant(owner, name))
                    })
            }) || in_macro(written)
                || self.calls_crate_macro(written)
        };
        gives(&self.fields_written(id, &|w| walked && gives(w)))
    }

    /// Whether method `id` (taking `self`) may change field `field` of `self`: its body names
    /// it in a place rooted at `self` (`self.field = …`, `self.field.push(…)`; `other.field`
    /// is another value's), or in a macro's tokens, replaces
    /// `self` whole, or calls a `macro_rules!` the crate may define. A callee's changes to
    /// `self` are not the method's (the evaluator keeps them in the callee). `walked`: whether
    /// the caller walks the body for the fields it does change (a body read now is kept: a
    /// method is asked about one field after another, and walked for some).
    pub fn may_change_self_field(&self, id: usize, field: &str, walked: bool) -> bool {
        let written = self.fields_written(id, &|_| walked);
        written.self_replaced
            || written.self_fields.contains(field)
            || written.macro_idents.contains(field)
            || self.calls_crate_macro(&written)
    }

    /// Whether a body calls a macro the crate may define as `macro_rules!` (its expansion is
    /// not read by [`collect::fields_written`]).
    fn calls_crate_macro(&self, written: &collect::FieldsWritten) -> bool {
        written
            .macros
            .iter()
            .any(|m| !self.name_files(Kind::Macro, m).is_empty())
    }

    /// What function `id`'s body may give fields ([`collect::fields_written`]), read once;
    /// `keep(written)`: whether the body read now is kept for a walk that follows.
    fn fields_written(
        &self,
        id: usize,
        keep: &dyn Fn(&collect::FieldsWritten) -> bool,
    ) -> Rc<collect::FieldsWritten> {
        if let Some(written) = self.fields_written.borrow().get(&id) {
            return written.clone();
        }
        let def = self.fn_def(id);
        let written: Rc<collect::FieldsWritten> = def
            .block
            .with_block(|block| {
                let written = collect::fields_written(block, def.self_ty.as_deref());
                let keep = keep(&written);
                (written, keep)
            })
            .into();
        self.fields_written.borrow_mut().insert(id, written.clone());
        written
    }

    /// Every `const` and `static` named `name`.
    pub fn consts_named(&self, name: &str) -> Vec<&ConstDef<'a>> {
        self.consts_named_in(name, |_| true)
    }

    /// Every `const` and `static` named `name` in the files `in_file` takes (others are not
    /// parsed for it).
    pub fn consts_named_in(
        &self,
        name: &str,
        in_file: impl Fn(usize) -> bool,
    ) -> Vec<&ConstDef<'a>> {
        self.candidates_in("consts_named", Kind::Const, name, in_file)
            .flat_map(|items| items.consts.iter())
            .filter(|(n, _)| n == name)
            .map(|(_, d)| d)
            .collect()
    }

    /// The `const`s and `static`s of file `file`, in order.
    pub fn consts_in_file(&self, file: usize) -> impl Iterator<Item = (&str, &ConstDef<'a>)> {
        self.loaded(file)
            .items
            .consts
            .iter()
            .map(|(n, d)| (n.as_str(), d))
    }

    /// Whether the crate defines a method (taking `self`) named `name`.
    pub fn has_method(&self, name: &str) -> bool {
        self.because("has_method", || name.to_owned());
        self.has_def(Kind::SelfFn, Kind::SureMethod, name, |items| {
            items.method_names.contains(name)
        })
    }

    /// Whether the crate defines a struct or enum named `name`.
    pub fn has_type(&self, name: &str) -> bool {
        self.because("has_type", || name.to_owned());
        self.has_def(Kind::Type, Kind::SureType, name, |items| {
            items.types.contains(name)
        })
    }

    /// Whether a file under `kind` in the name index defines `name` as `defines` reads it:
    /// the files parsed already, then the scan's word for one not parsed yet ([`Kind::SureMethod`],
    /// [`Kind::SureType`]: a file reached only for a yes or no is not parsed for it), then the
    /// others parsed, smallest first.
    fn has_def(
        &self,
        kind: Kind,
        sure: Kind,
        name: &str,
        defines: impl Fn(&FileItems<'a>) -> bool,
    ) -> bool {
        let files = self.files_any(&[(kind, name.to_owned())]);
        let (parsed, unparsed): (Vec<u32>, Vec<u32>) = files
            .into_iter()
            .partition(|&f| self.loaded_already(f as usize));
        parsed.iter().any(|&f| defines(self.items(f as usize)))
            || self.unparsed_sure(sure, name, unparsed.iter().map(|&f| f as usize)) > 0
            || self.cheapest_first(unparsed).any(&defines)
    }

    /// How many of `unparsed` (files not parsed yet) the name scan says surely define `name`
    /// as `sure`.
    fn unparsed_sure(
        &self,
        sure: Kind,
        name: &str,
        unparsed: impl Iterator<Item = usize>,
    ) -> usize {
        let sure = self.name_files(sure, name);
        unparsed
            .filter(|&f| sure.binary_search(&(f as u32)).is_ok())
            .count()
    }

    /// `type Conn = redis::aio::MultiplexedConnection;` (the last one of the crate).
    pub fn type_alias(&self, name: &str) -> Option<&'a syn::Type> {
        self.candidates("type_alias", Kind::Alias, name)
            .rev()
            .find_map(|items| items.type_aliases.get(name).copied())
    }

    /// Whether `owner::name` names a variant of an enum of the crate (the last enum `owner`,
    /// as [`Self::enum_variants`] gives it).
    pub fn is_variant(&self, owner: &str, name: &str) -> bool {
        self.enum_variants(owner)
            .is_some_and(|vs| vs.iter().any(|v| v == name))
    }

    /// The variants of enum `name` (the last one of the crate).
    pub fn enum_variants(&self, name: &str) -> Option<&[String]> {
        self.candidates("enum_variants", Kind::Enum, name)
            .rev()
            .find_map(|items| items.enum_variants.get(name).map(Vec::as_slice))
    }

    /// The `macro_rules!` named `name` (the last one of the crate).
    pub fn macro_def(&self, name: &str) -> Option<&'a syn::ItemMacro> {
        self.macro_def_in(name).map(|(_, def)| def)
    }

    /// [`Self::macro_def`], with the file it is in.
    fn macro_def_in(&self, name: &str) -> Option<(usize, &'a syn::ItemMacro)> {
        self.because("macro_def", || name.to_owned());
        let files = self.name_files(Kind::Macro, name);
        files.iter().rev().find_map(|&f| {
            let items = &self.loaded(f as usize).items;
            items.macros.get(name).map(|d| (f as usize, *d))
        })
    }

    /// Byte ranges of test code in file `file` (none in a file not parsed).
    pub fn test_ranges(&self, file: usize) -> &[Range<usize>] {
        self.files[file]
            .get()
            .map_or(&[], |l| l.items.test_ranges.as_slice())
    }

    /// `#[slotlint::allow(..)]` attributes of file `file`, with their item's byte range.
    pub fn allow_attributes(&self, file: usize) -> &[(&'a syn::Attribute, Range<usize>)] {
        self.because("allow_attributes", String::new);
        self.loaded(file).items.allows.as_slice()
    }

    /// The function that gives field `field` of struct `struct_name` its value when
    /// deserialization finds none (`#[serde(default = "path")]`), with the struct's file.
    pub fn serde_default(&self, struct_name: &str, field: &str) -> Option<(usize, &str)> {
        let key = (struct_name.to_owned(), field.to_owned());
        let files = self.name_files(Kind::StructField, &format!("{struct_name}::{field}"));
        self.because("serde_default", || format!("{struct_name}::{field}"));
        files.iter().rev().find_map(|&f| {
            let items = &self.loaded(f as usize).items;
            items
                .serde_defaults
                .get(&key)
                .map(|p| (f as usize, p.as_str()))
        })
    }

    pub fn field_type(&self, struct_name: Option<&str>, field: &str) -> Option<&'a syn::Type> {
        self.field_type_at(struct_name, field, None)
            .map(|(_, ty)| ty)
    }

    /// [`Self::field_type`], and the file that declares it: the struct of `home`'s file first
    /// (the object's own type, when known), else as `field_type` finds it.
    pub fn field_type_at(
        &self,
        struct_name: Option<&str>,
        field: &str,
        home: Option<usize>,
    ) -> Option<(usize, &'a syn::Type)> {
        if let (Some(s), Some(home)) = (struct_name, home) {
            let declared = self.items(home).fields.get(s).and_then(|f| f.get(field));
            if let Some(&ty) = declared {
                return Some((home, ty));
            }
        }
        if let Some(s) = struct_name {
            self.because("field_type", || format!("{s}::{field}"));
            let found = self
                .name_files(Kind::StructField, &format!("{s}::{field}"))
                .iter()
                .rev()
                .find_map(|&f| {
                    let items = &self.loaded(f as usize).items;
                    let ty = items.fields.get(s).and_then(|fields| fields.get(field))?;
                    Some((f as usize, *ty))
                });
            if found.is_some() {
                return found;
            }
        }
        // The only struct field of that name, wherever it is: counted until a second one is
        // found, and only its file's tree kept.
        self.because("field_type", || field.to_owned());
        let files = self.files_any(&[(Kind::Field, field.to_owned())]);
        let count_in = |items: &FileItems<'_>| items.fields_by_name.get(field).map_or(0, Vec::len);
        let count = |f: u32| count_in(self.items(f as usize));
        let mut total = 0;
        for items in self.cheapest_first(files.clone()) {
            total += count_in(items);
            if total > 1 {
                return None;
            }
        }
        let only = files.into_iter().find(|&f| count(f) == 1)?;
        let items = &self.loaded(only as usize).items;
        Some((only as usize, *items.fields_by_name.get(field)?.first()?))
    }
}

impl FileItems<'_> {
    /// Numbers (from `base`) of the functions named `name` that `owner` admits, taking `self`
    /// or not as `has_self` says.
    fn fits(
        &self,
        base: usize,
        name: &str,
        owner: FnOwner<'_>,
        has_self: Option<bool>,
    ) -> Vec<usize> {
        self.fns
            .iter()
            .enumerate()
            .filter(|(_, f)| {
                f.name == name
                    && owner.fits_owner(f.self_ty.as_deref(), f.in_trait)
                    && has_self.is_none_or(|s| s == f.has_self())
            })
            .map(|(k, _)| base + k)
            .collect()
    }

    /// The names this file defines, exactly (for the index of a crate parsed up front).
    fn names(&self) -> FileNames {
        let mut names = FileNames::default();
        for n in self.fns.iter().map(|f| &f.name).chain(&self.method_names) {
            names.push(Kind::Fn, &[n]);
        }
        for n in &self.method_names {
            names.push(Kind::SelfFn, &[n]);
        }
        for f in &self.fns {
            match &f.self_ty {
                Some(ty) => {
                    names.push(Kind::Method, &[ty, "::", &f.name]);
                    names.push(Kind::Owner, &[ty]);
                }
                None => names.push(Kind::FreeFn, &[&f.name]),
            }
            if f.in_trait {
                names.push(Kind::TraitFn, &[&f.name]);
            }
            if let Some(t) = &f.trait_impl {
                names.push(Kind::TraitImplFn, &[t]);
            }
            let receiver = if f.has_self() {
                Kind::SelfFn
            } else {
                Kind::PlainFn
            };
            names.push(receiver, &[&f.name]);
        }
        for (n, _) in &self.consts {
            names.push(Kind::Const, &[n]);
        }
        for n in self.types.iter().chain(self.fields.keys()) {
            names.push(Kind::Type, &[n]);
        }
        for n in self.enum_variants.keys() {
            names.push(Kind::Enum, &[n]);
        }
        for n in self.type_aliases.keys() {
            names.push(Kind::Alias, &[n]);
        }
        // `Enum::Variant` under the variant, as the name scan files it.
        for n in self.builders.keys() {
            names.push(Kind::Build, &[n.rsplit("::").next().unwrap_or(n)]);
        }
        for n in self.fields_by_name.keys() {
            names.push(Kind::Field, &[n]);
        }
        for (s, fields) in &self.fields {
            for f in fields.keys() {
                names.push(Kind::StructField, &[s, "::", f]);
            }
        }
        for n in self.macros.keys() {
            names.push(Kind::Macro, &[n]);
        }
        names
    }
}

/// Whether `text` names any of `words` as a whole word.
fn mentions_any(text: &str, words: &[String]) -> bool {
    words
        .iter()
        .any(|w| lexical::mentions_word(text, &memchr::memmem::Finder::new(w.as_bytes())))
}

/// `(Owner, name)` of a path's last two names (`model::Change::SetAdd` → `Change`, `SetAdd`), with
/// `Self` as `self_ty`.
pub fn owner_and_name(path: &syn::Path, self_ty: Option<&str>) -> Option<(String, String)> {
    let n = path.segments.len();
    if n < 2 {
        return None;
    }
    let owner = path.segments[n - 2].ident.to_string();
    let owner = if owner == "Self" {
        self_ty?.to_owned()
    } else {
        owner
    };
    Some((owner, path.segments[n - 1].ident.to_string()))
}

pub fn type_name(ty: &syn::Type) -> Option<String> {
    written_path(ty)?
        .path
        .segments
        .last()
        .map(|s| s.ident.to_string())
}

/// The path a type is written as, through references and parentheses (`&'a alpha::Shelf`).
pub fn written_path(ty: &syn::Type) -> Option<&syn::TypePath> {
    match ty {
        syn::Type::Path(p) => Some(p),
        syn::Type::Reference(r) => written_path(&r.elem),
        syn::Type::Paren(p) => written_path(&p.elem),
        syn::Type::Group(g) => written_path(&g.elem),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(texts: &[&str]) -> Vec<SourceFile> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                SourceFile::new(format!("f{i}.rs").into(), format!("f{i}.rs"), (*t).into())
            })
            .collect()
    }

    /// File 0 parsed up front (it names redis), the others on demand.
    fn index<'a>(sources: &'a [SourceFile], store: &'a Store<'a>) -> CrateIndex<'a> {
        let names: Vec<FileNames> = sources.iter().map(|s| lexical::scan(&s.text)).collect();
        let first = parse::parse_rust(&sources[0].text)
            .ok()
            .map(|f| &*store.files.alloc(f));
        let mut parsed = vec![Some(first)];
        parsed.resize(sources.len(), None);
        CrateIndex::new(sources, parsed, &names, None, store)
    }

    /// The names of functions `found`.
    fn fn_names(index: &CrateIndex, found: &[usize]) -> Vec<String> {
        found
            .iter()
            .map(|&i| index.fn_def(i).name.to_string())
            .collect()
    }

    /// The number of the first function named `name`.
    fn fn_id(index: &CrateIndex, name: &str) -> usize {
        (0..index.sources.len())
            .flat_map(|f| index.fns_in_file(f))
            .find(|(_, d)| d.name == name)
            .map(|(i, _)| i)
            .unwrap()
    }

    #[test]
    fn builders_are_remembered_per_type_not_per_last_name() {
        let src = sources(&[
            "fn caller() {}",
            "fn make() -> Settings { Settings { prefix: 1 } }",
            "enum Shape { Settings(u8) } fn shape() -> Shape { Shape::Settings(1) }",
            "impl Settings { fn new() -> Self { Self { prefix: 2 } } }",
        ]);
        let store = Store::default();
        let index = index(&src, &store);
        let names = |found: &[usize]| fn_names(&index, found);
        assert_eq!(
            names(&index.builders("Settings", &|_| true, true, None)),
            ["make", "new"]
        );
        let parsed = index.parsed_on_demand.get().0;
        assert_eq!(
            names(&index.builders("Settings", &|_| true, true, None)),
            ["make", "new"]
        );
        assert_eq!(
            index.parsed_on_demand.get().0,
            parsed,
            "asked again: nothing read"
        );
        // The variant has the struct's last name but is another type.
        assert_eq!(
            names(&index.builders("Shape::Settings", &|_| true, true, None)),
            ["shape"]
        );
        assert_eq!(
            names(&index.builders("Settings", &|_| true, true, None)),
            ["make", "new"]
        );
    }

    #[test]
    fn several_functions_of_a_name_are_told_apart_parsing_two_files() {
        let src = sources(&[
            "fn caller() {} impl A { fn get(&self) {} }",
            "impl B { fn get(&self) {} }",
            "impl C { fn get(&self) {} fn only(&self) {} }",
            "impl D { fn get(&self) {} }",
            "fn only(x: u8) {}",
        ]);
        let store = Store::default();
        let index = index(&src, &store);
        // File 0 holds one, the name scan says the others hold more: none is read, and only
        // the local one is listed.
        let found = index.fn_unique_or_local("get", FnOwner::Any, Some(true), &[0]);
        assert_eq!(found, FnsFound::Many(vec![1]));
        assert_eq!(index.parsed_on_demand.get().0, 0);
        // Of functions not surely methods, the smallest other file is read for a second.
        let found = index.fn_unique_or_local("get", FnOwner::Any, None, &[0]);
        assert_eq!(found, FnsFound::Many(vec![1]));
        assert_eq!(index.parsed_on_demand.get().0, 1);
        assert_eq!(index.fns_named("get", FnOwner::Any, Some(true)).count(), 4);
        // Of another file: none of the several is local.
        let found = index.fn_unique_or_local("get", FnOwner::Any, Some(true), &[4]);
        assert_eq!(found, FnsFound::Many(vec![]));
        // One method `only` (file 4's takes no `self`): every candidate file is read.
        let only = index.fn_unique_or_local("only", FnOwner::Any, Some(true), &[0]);
        let FnsFound::One(id) = only else {
            panic!("{only:?}")
        };
        assert_eq!(index.fn_def(id).self_ty.as_deref(), Some("C"));
        assert_eq!(
            index.fn_unique_or_local("missing", FnOwner::Any, None, &[0]),
            FnsFound::None
        );
    }

    #[test]
    fn callers_are_told_by_the_names_their_bodies_use() {
        let src = sources(&[
            "fn caller() { store.touch(k) } fn not() { /* touch */ let s = \"touch\"; }",
            "macro_rules! wrap { ($k:expr) => { store.touch($k) } }",
            "macro_rules! outer { () => { wrap!(1) } } macro_rules! other { () => {} }",
            "fn via_macro() { outer!() } fn unrelated() { other!() }",
        ]);
        let store = Store::default();
        let index = index(&src, &store);
        let words = index.and_macros_naming(&["touch".to_owned()]);
        assert_eq!(words, ["touch", "wrap", "outer"]);
        let names: Vec<&str> = (0..4)
            .filter(|&i| index.fn_body_names(i, &words))
            .map(|i| index.fn_def(i).name.as_str())
            .collect();
        assert_eq!(names, ["caller", "via_macro"]);
    }

    #[test]
    fn a_file_parsed_on_demand_keeps_its_uses_and_reads_bodies_again() {
        let src = sources(&[
            "fn caller() { helper() }",
            "use redis::Commands;\nmod m { use std::fmt; fn x() {} }\nconst K: &str = \"k\";\n/// doc\n#[inline]\nfn helper() -> u8 { let x = 1; x }",
        ]);
        let store = Store::default();
        let index = index(&src, &store);
        let FnsFound::One(id) = index.fn_unique_or_local("helper", FnOwner::Any, None, &[0]) else {
            panic!("one helper")
        };
        let def = index.fn_def(id);
        // The body, read again, at the bytes it has in the file.
        let text = &src[1].text;
        let body = &text[def.block.braces()];
        assert_eq!(body, "{ let x = 1; x }");
        assert_eq!(def.block.stmts.len(), 2);
        assert_eq!(
            def.block.brace_token.span.join().byte_range(),
            def.block.braces()
        );
        // Attributes without doc comments; the constant cloned out of the dropped tree.
        assert_eq!(def.attrs.len(), 1);
        let konst = index.consts_named("K");
        assert_eq!(konst.len(), 1);
        let r = syn::spanned::Spanned::span(konst[0].expr).byte_range();
        assert_eq!(&text[r], "\"k\"");
        // Its tree: only the `use` items, in their modules; no whole tree.
        assert!(index.whole_ast(1).is_none());
        let ast = index.ast(1).expect("parsed");
        assert_eq!(ast.items.len(), 2);
        assert!(
            matches!(&ast.items[1], syn::Item::Mod(m) if m.content.as_ref().is_some_and(|(_, items)| items.len() == 1))
        );
        assert!(index.whole_ast(0).is_some());
    }

    /// With the type's home known, a file that defines and builds its own type of that name
    /// is not parsed for its builders, unless an inline `mod` there may build the other one.
    #[test]
    fn builders_of_a_type_of_their_own_module_are_not_parsed() {
        let src = sources(&[
            "pub struct Settings { prefix: u8 } fn caller() {}",
            "fn make() -> crate::Settings { crate::Settings { prefix: 1 } }",
            "struct Settings { prefix: u8 } fn own() -> Settings { Settings { prefix: 2 } }",
            "struct Settings { prefix: u8 }
             mod inner { fn other() -> crate::Settings { crate::Settings { prefix: 3 } } }",
            "#[cfg(test)] mod tests { fn t() -> super::Settings { super::Settings { prefix: 4 } } }
             enum Settings { A }",
        ]);
        let store = Store::default();
        let index = index(&src, &store);
        let found = index.builders("Settings", &|_| true, false, Some(0));
        assert_eq!(fn_names(&index, &found), ["make", "other"]);
        assert_eq!(index.parsed(2), None, "builds its own Settings");
        assert_eq!(index.parsed(4), None, "builds it in tests only, not walked");
        // Home unknown: any file's may be meant.
        let found = index.builders("Settings", &|_| true, true, None);
        assert_eq!(fn_names(&index, &found), ["make", "own", "other", "t"]);
    }

    /// A constant looked for in some files (a module's) parses those only.
    #[test]
    fn constants_of_some_files_parse_those_only() {
        let src = sources(&[
            "fn caller() {}",
            "const PREFIX: &str = \"a\";",
            "const PREFIX: &str = \"b\";",
        ]);
        let store = Store::default();
        let index = index(&src, &store);
        let found = index.consts_named_in("PREFIX", |f| f == 2);
        assert_eq!(found.iter().map(|d| d.file).collect::<Vec<_>>(), [2]);
        assert_eq!(index.parsed(1), None);
        assert_eq!(index.consts_named("PREFIX").len(), 2);
    }

    /// A file read to answer a count is loaded as any other lookup loads it (its tree dropped,
    /// what lookups give kept): a later lookup that gives a part of it parses nothing again.
    #[test]
    fn files_read_for_a_count_are_parsed_once() {
        let src = sources(&[
            "fn caller() {}",
            "struct Only { f: u8 } impl B { fn get(&self) {} }",
            "struct Other { g: u8 } impl C { fn get(&self) {} }",
        ]);
        let store = Store::default();
        let index = index(&src, &store);
        assert!(index.field_type(None, "f").is_some());
        assert!(index.field_type(None, "g").is_some());
        assert_eq!(index.parsed_on_demand.get().0, 2);
        let found = index.fn_unique_or_local("get", FnOwner::Any, Some(true), &[0]);
        assert_eq!(found, FnsFound::Many(vec![]));
        assert!(index.has_type("Only"));
        assert!(index.whole_ast(1).is_none(), "its tree dropped");
        assert_eq!(index.parsed_on_demand.get().0, 2, "parsed once");
    }

    #[test]
    fn a_yes_or_a_count_takes_the_scans_word_for_files_not_parsed() {
        let src = sources(&[
            "fn caller() {}",
            "struct Only { f: u8 } impl B { fn get(&self) {} }",
            "struct Other { g: u8 } impl C { fn get(&self) {} }",
            "trait T { fn declared(&self) {} } impl D { fn unsure(#[a] self) {} }",
            "impl E { fn get(&self, k: u8) {} fn single(&self) {} }",
        ]);
        let store = Store::default();
        let index = index(&src, &store);
        assert!(index.has_type("Only"));
        assert!(index.has_method("get"));
        assert!(!index.has_method("missing"));
        let found = index.fn_unique_or_local("get", FnOwner::Any, Some(true), &[0]);
        assert_eq!(found, FnsFound::Many(vec![]));
        assert_eq!(index.parsed_on_demand.get().0, 0, "nothing parsed");
        // A trait's method, a receiver the scan cannot read, the only one: parsed.
        assert!(index.has_method("declared"));
        assert_eq!(index.parsed_on_demand.get().0, 1);
        let found = index.fn_unique_or_local("unsure", FnOwner::Any, Some(true), &[0]);
        assert!(matches!(found, FnsFound::One(_)));
        let found = index.fn_unique_or_local("single", FnOwner::Any, Some(true), &[0]);
        assert!(matches!(found, FnsFound::One(_)));
        assert_eq!(index.parsed_on_demand.get().0, 2);
        assert_eq!(index.parsed(3), Some(true));
        assert_eq!(index.parsed(4), Some(true));
        // With a file parsed, its methods count as it has them, the others as the scan says.
        let found = index.fn_unique_or_local("get", FnOwner::Any, Some(true), &[4]);
        assert!(matches!(&found, FnsFound::Many(here) if here.len() == 1));
        assert_eq!(index.parsed_on_demand.get().0, 2);
    }

    /// [`CrateIndex::may_give_field`] of the function named `name`.
    fn may_give(
        index: &CrateIndex,
        name: &str,
        ty: &str,
        field: &str,
        another: &dyn Fn(&[String]) -> bool,
    ) -> bool {
        index.may_give_field(fn_id(index, name), ty, field, another, false)
    }

    #[test]
    fn a_builder_gives_the_fields_its_literals_or_macros_name() {
        let src = sources(&[
            "fn caller() {}",
            "fn make() -> Settings { Settings { prefix: 1 } }",
            "impl Settings { fn new() -> Self { Self { name: 2 } } }",
            "fn listed() -> Vec<Settings> { vec![Settings { suffix: 3 }] }",
            "macro_rules! settings { () => { Settings { prefix: 4 } } }
             fn expanded() -> Settings { settings!() }",
            "fn pathed() -> alpha::Settings { alpha::Settings { prefix: 5 } }",
            "fn logged(s: &Settings) { println!(\"{}\", s.prefix) }",
            "fn nested() -> Vec<Settings> { vec![settings!()] }",
            "fn compared(a: u8, settings: u8) -> Vec<bool> { vec![settings != a] }",
            "impl Settings { fn all() -> Vec<Self> { vec![Self { prefix: 6 }] } }",
            "enum Export { Settings { prefix: u8 } }
             fn exported() -> Export { Export::Settings { prefix: 7 } }",
            "fn unknown() -> Other { Other::Settings { prefix: 8 } }",
        ]);
        let store = Store::default();
        let index = index(&src, &store);
        let gives = |name: &str, field: &str, another: &dyn Fn(&[String]) -> bool| {
            may_give(&index, name, "Settings", field, another)
        };
        let none = |_: &[String]| false;
        assert!(gives("make", "prefix", &none));
        assert!(!gives("make", "name", &none));
        // `Self` in the type's `impl`.
        assert!(gives("new", "name", &none));
        assert!(!gives("new", "prefix", &none));
        // In a macro's tokens; or anything a `macro_rules!` of the crate may expand to.
        assert!(gives("listed", "suffix", &none));
        assert!(!gives("listed", "prefix", &none));
        assert!(gives("expanded", "name", &none));
        // A member named in a macro's tokens without its type builds nothing there.
        assert!(!gives("logged", "prefix", &none));
        // A macro of the crate called inside another's tokens; `Self` there.
        assert!(gives("nested", "name", &none));
        assert!(!gives("compared", "name", &none));
        assert!(gives("all", "prefix", &none));
        assert!(!gives("all", "name", &none));
        // A literal whose path names another module's `Settings`.
        let alpha = |path: &[String]| path.first().is_some_and(|m| m == "alpha");
        assert!(gives("pathed", "prefix", &none));
        assert!(!gives("pathed", "prefix", &alpha));
        // A variant of an enum of the crate, as the evaluator reads it: no struct `Settings`
        // (but the variant's payload); a path the crate has no such enum for may be a module.
        assert!(!gives("exported", "prefix", &none));
        assert!(may_give(
            &index,
            "exported",
            "Export::Settings",
            "prefix",
            &none
        ));
        assert!(gives("unknown", "prefix", &none));
    }

    #[test]
    fn builders_not_walked_are_not_read() {
        let src = sources(&[
            "fn caller() {}",
            "fn make() -> Settings { let s = Settings { prefix: 1 }; s }
             fn typed(s: Settings) -> Other { let t: Settings = s; Other { t } }",
            "fn tested() -> Settings { let s = Settings { prefix: 2 }; s }",
        ]);
        let store = Store::default();
        let index = index(&src, &store);
        let id = |name: &str| fn_id(&index, name);
        let tested = id("tested");
        let names = |found: &[usize]| fn_names(&index, found);
        assert_eq!(
            names(&index.builders("Settings", &|f| f != tested, true, None)),
            ["make"]
        );
        let read = index.built_late.borrow();
        // Left out of their files' parse, read to see what they build: only the one walked;
        // `typed` builds something, and names the type, but constructs none (by its text).
        assert!(read.contains_key(&id("make")));
        assert!(!read.contains_key(&tested));
        assert!(!read.contains_key(&id("typed")));
    }

    #[test]
    fn builders_in_test_modules_are_not_parsed_unless_tests_are_walked() {
        let src = sources(&[
            "fn caller() {}",
            "fn make() -> Settings { Settings { prefix: 1 } }",
            "#[cfg(test)]
             mod tests { fn fixture() -> Settings { Settings { prefix: 2 } } }",
        ]);
        let store = Store::default();
        let index = index(&src, &store);
        let names = |found: &[usize]| fn_names(&index, found);
        assert_eq!(
            names(&index.builders("Settings", &|_| true, false, None)),
            ["make"]
        );
        assert_eq!(
            index.parsed(2),
            None,
            "the test module's file is not parsed"
        );
        // Memoized per type: another index for test code walked.
        let index = self::index(&src, &store);
        assert_eq!(
            fn_names(&index, &index.builders("Settings", &|_| true, true, None)),
            ["make", "fixture"]
        );
    }

    #[test]
    fn a_method_changes_the_fields_of_self_it_names() {
        let src = sources(&[
            "fn caller() {}",
            "impl Settings {
                 fn set(&mut self, p: u8) { self.prefix = p; }
                 fn push(&mut self, s: u8) { self.suffixes.push(s) }
                 fn logged(&mut self) { log!(\"{}\", self.name) }
                 fn reset(&mut self) { *self = Settings::default() }
                 fn grow(&mut self) { self += 1 }
                 fn bump(&mut self) { self.count += 1; self.touch() }
                 fn expanded(&mut self) { settings!(self) }
                 fn other(&mut self, o: &mut Settings) { o.prefix = 1; self.inner.prefix = 2 }
                 fn through(&mut self) { self.get_mut().prefix = 3; (*self).count = 4 }
             }
             macro_rules! settings { ($s:expr) => { $s.prefix = 0 } }",
        ]);
        let store = Store::default();
        let index = index(&src, &store);
        let changes = |name: &str, field: &str| {
            index.may_change_self_field(fn_id(&index, name), field, false)
        };
        assert!(changes("set", "prefix"));
        assert!(!changes("set", "suffixes"));
        assert!(changes("push", "suffixes"));
        assert!(!changes("push", "prefix"));
        // In a macro's tokens.
        assert!(changes("logged", "name"));
        assert!(!changes("logged", "prefix"));
        // `self` replaced whole: any field.
        assert!(changes("reset", "prefix"));
        assert!(changes("grow", "prefix"));
        // A callee's changes are the callee's.
        assert!(changes("bump", "count"));
        assert!(!changes("bump", "prefix"));
        // A `macro_rules!` of the crate may expand to anything.
        assert!(changes("expanded", "suffixes"));
        // Another value's field, or a field of one of `self`'s fields: not `self`'s.
        assert!(!changes("other", "prefix"));
        assert!(changes("other", "inner"));
        // Places the evaluator roots at `self`: through a method call, a dereference.
        assert!(changes("through", "prefix"));
        assert!(changes("through", "count"));
    }

    #[test]
    fn a_builder_gives_the_payloads_of_the_variants_it_builds() {
        let src = sources(&[
            "fn caller() {}",
            "fn lane() -> Slot { Slot::Lane(1, 2) }",
            "fn named() -> Slot { Slot::Named { at: 1 } }",
            "fn listed() -> Vec<Slot> { vec![Slot::Lane(1, 2)] }",
            "fn mapped(x: Option<u8>) -> Option<Slot> { x.map(Slot::Lane) }",
            "fn pathed() -> alpha::Slot { alpha::Slot::Lane(5) }",
        ]);
        let store = Store::default();
        let index = index(&src, &store);
        let gives = |name: &str, ty: &str, field: &str, another: &dyn Fn(&[String]) -> bool| {
            may_give(&index, name, ty, field, another)
        };
        let none = |_: &[String]| false;
        assert!(gives("lane", "Slot::Lane", "1", &none));
        assert!(!gives("lane", "Slot::Lane", "2", &none));
        assert!(!gives("lane", "Slot::Named", "0", &none));
        assert!(gives("named", "Slot::Named", "at", &none));
        assert!(gives("listed", "Slot::Lane", "0", &none));
        assert!(gives("mapped", "Slot::Lane", "0", &none));
        let alpha = |path: &[String]| path.first().is_some_and(|m| m == "alpha");
        assert!(gives("pathed", "Slot::Lane", "0", &none));
        assert!(!gives("pathed", "Slot::Lane", "0", &alpha));
    }
}
