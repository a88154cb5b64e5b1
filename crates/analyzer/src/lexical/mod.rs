//! The cheap name index: what each file of a crate *may* define, found by one pass over its
//! bytes (comments, strings and characters skipped), without parsing it. Demand-driven
//! analysis parses a file only when the evaluator asks for a name the file may define.
//!
//! Every answer is a superset: a file that defines `fn get` (as syn sees it) is always among
//! the files listed for `get`; a `fn get` inside a macro body or a string-like oddity only
//! costs a parse. The same holds for types, constants, fields and `macro_rules!`.
//! [`FileNames::fn_bound`] counts every `fn` keyword: at least the functions syn finds, so that
//! function numbers can be given per file before any file is parsed.
//!
//! Functions are also filed under what owns them (`Type::name` in an `impl` or `trait` whose
//! type the header names plainly, free otherwise), and struct literals under their type, so
//! that `Builder::new` or "what builds `Builder`" parse the few files that may hold them, not
//! every file with a `fn new`. Where the scan is unsure (an `impl` header it cannot read, a
//! literal with generic arguments) the file is filed under "any owner" / "any type".
//!
//! Split by concern: this module (the index and the word helpers), `scanner` (the pass over a
//! file's bytes), `impl_header` (whose functions an `impl` body holds).
//!
//! Not here: the item index proper (`index`), which reads parsed files.

use rustc_hash::FxHashMap;

mod impl_header;
mod scanner;

/// What kind of item a name was seen defined as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `fn NAME`.
    Fn,
    /// `struct`, `enum` or `union NAME`.
    Type,
    /// `trait NAME`.
    Trait,
    /// `const NAME`, `static [mut] NAME`.
    Const,
    /// `NAME:` directly inside the braces of a `struct` or `union`.
    Field,
    /// `FIELD:` directly inside the braces of `struct` or `union` `NAME`: `NAME::FIELD`.
    StructField,
    /// `macro_rules! NAME`.
    Macro,
    /// `enum NAME`.
    Enum,
    /// `type NAME` outside `impl` and `trait` bodies.
    Alias,
    /// `fn NAME` in the body of an `impl` or `trait` of type `OWNER`: `OWNER::NAME`.
    Method,
    /// `fn NAME` outside any `impl` or `trait` body, or in an `impl` of a type with no name
    /// (a slice, a tuple, a pointer…).
    FreeFn,
    /// `fn NAME` in the body of a `trait`.
    TraitFn,
    /// `fn NAME` in an `impl` whose type the scan cannot read: it may be anyone's.
    AnyOwnerFn,
    /// `fn NAME` whose first parameter is `self` (or may be).
    SelfFn,
    /// `fn NAME` whose first parameter is not `self` (or may not be).
    PlainFn,
    /// A type or trait with an `impl` or `trait` body holding functions (`""`: one the scan
    /// cannot read).
    Owner,
    /// `fn` in an `impl TRAIT for …` body: filed under `TRAIT` (`""`: a header the scan
    /// cannot read).
    TraitImplFn,
    /// `NAME { … }` outside an item's header (a struct literal, or a look-alike), and
    /// `Self { … }` in an `impl` of `NAME`; `""`: a literal the scan cannot name.
    Build,
    /// [`Kind::Build`] inside the body of a `#[cfg(test)] mod NAME { … }`: test code, which
    /// a lookup of what builds a type reads only when test code is checked.
    TestBuild,
    /// `struct` or `enum NAME` outside any brackets: a type of the file's own module (as the
    /// item index counts them: in no inline `mod`, no function).
    OwnType,
    /// `fn NAME(self…` (`&self`, `&'a mut self`, `self: Box<Self>`) directly in the body of an
    /// `impl`: a method syn finds there, whenever the file parses. A lookup that only asks
    /// whether such a method exists, or whether there are two, takes the scan's word for a file
    /// not parsed yet (the other kinds are supersets: a file under them may define nothing).
    SureMethod,
    /// `struct` or `enum NAME` (no `union`: the item index keeps none): a type syn finds,
    /// whenever the file parses ([`Kind::SureMethod`]).
    SureType,
}

/// The names one file may define, and how many `fn` keywords it has.
///
/// The names are kept one after another in one string (a file defines hundreds: a string each
/// was most of the scan's allocations).
#[derive(Clone, Debug, Default)]
pub struct FileNames {
    /// Every name, one after another.
    text: String,
    /// Per name: its kind and where it ends in `text` (it starts where the one before ends).
    defs: Vec<(Kind, usize)>,
    pub fn_bound: usize,
    /// Whether the file has an inline `mod NAME { … }`, and one that is not a test module's
    /// (`#[cfg(test)] mod`) nor in one.
    pub inline_mods: InlineMods,
    /// [`FileNames::skippable_bodies`].
    skippable: Vec<SkippableBody>,
}

/// [`FileNames::inline_mods`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InlineMods {
    pub any: bool,
    pub outside_tests: bool,
}

/// A function body a parse for the item index may leave out ([`FileNames::skippable_bodies`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippableBody {
    /// Its byte range, braces included.
    pub braces: std::ops::Range<u32>,
    /// It may build a value the item index files under the function (a struct literal or a
    /// look-alike, `Path::Variant(…)`, a turbofish after a capitalized name): read when a
    /// lookup of what builds a type reaches it.
    pub may_build: bool,
}

impl FileNames {
    /// Room for the names of a file of `len` bytes, a guess from its length: grown from
    /// nothing, a file's lists were copied about ten times as they doubled.
    fn with_capacity_for(len: usize) -> FileNames {
        FileNames {
            text: String::with_capacity(len / 16),
            defs: Vec::with_capacity(len / 128),
            ..FileNames::default()
        }
    }

    /// Gives back the room the names do not use (they are kept for the whole analysis).
    fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.defs.shrink_to_fit();
    }

    /// Files `parts`, written one after another, as a name of `kind`.
    pub fn push(&mut self, kind: Kind, parts: &[&str]) {
        for part in parts {
            self.text.push_str(part);
        }
        self.defs.push((kind, self.text.len()));
    }

    /// The names, in the order they were filed.
    pub fn iter(&self) -> impl Iterator<Item = (Kind, &str)> + '_ {
        let mut start = 0;
        self.defs.iter().map(move |&(kind, end)| {
            let name = &self.text[start..end];
            start = end;
            (kind, name)
        })
    }

    pub fn len(&self) -> usize {
        self.defs.len()
    }

    /// The function bodies a parse for the item index may leave out (read again, from the
    /// text, when walked): outermost ones only, in order. A body with anything the index reads
    /// from one (a nested item, an item keyword even in a macro call, `#`) is not listed; one
    /// that may build a value is, marked so.
    pub fn skippable_bodies(&self) -> &[SkippableBody] {
        &self.skippable
    }

    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }
}

/// A file's names, from its text.
pub fn scan(text: &str) -> FileNames {
    scanner::Scanner::filing(text.as_bytes()).run()
}

/// Whether Rust code `text` has one of `words` as an identifier: comments, strings and
/// characters do not count.
pub fn names_any(text: &str, words: &[String]) -> bool {
    scanner::Scanner::names_any(text.as_bytes(), words, false)
}

/// A function whose calls are looked for ([`may_call`], and the callers search's check of a
/// parsed body, which this one's is a superset of).
#[derive(Clone, Copy, Debug)]
pub struct CallTarget<'t> {
    pub name: &'t str,
    /// Its parameters, `self` included.
    pub inputs: usize,
    pub takes_self: bool,
    /// The type of its `impl` (or its trait, for a default method): a path names it only
    /// through that name or `Self` (`Cell::get` is not `Store::get`).
    pub owner: Option<&'t str>,
}

impl CallTarget<'_> {
    /// Whether a path may name it, as the evaluator resolves paths: bare (`set`: a local, or a
    /// free function; never a function of an `impl` or `trait`), or after `qualifier::`
    /// (`None`: one the scan cannot read, like `<T as Trait>::` or `Store::<T>::`). A
    /// capitalized qualifier is a type: its own, or `Self`; a lowercase one a module.
    pub fn named_by_path(&self, bare: bool, qualifier: Option<&[u8]>) -> bool {
        if bare {
            return !self.takes_self && self.owner.is_none();
        }
        qualifier.is_none_or(|q| {
            q == b"Self"
                || !q.first().is_some_and(u8::is_ascii_uppercase)
                || self.owner.is_none_or(|o| o.as_bytes() == q)
        })
    }
}

/// Whether Rust code `text` may call one of `targets`, or a macro of `macros`, as a parse of it
/// would find: see [`scanner::Scanner::may_call`]. With `skip_test_mods`, not in the body of a
/// `#[cfg(test)] mod`.
pub fn may_call(
    text: &str,
    targets: &[CallTarget<'_>],
    macros: &[String],
    skip_test_mods: bool,
) -> bool {
    scanner::Scanner::may_call(text.as_bytes(), targets, macros, skip_test_mods)
}

/// Whether Rust code `text` has a path through a segment that contains one of `words`
/// (`deadpool_redis::redis::cmd`, `use redis;`, `extern crate redis`): comments, strings and
/// characters do not count, nor do other identifiers (a field `redis_url`, a function
/// `f64::from_redis_value`): code reaches a crate through a path.
pub fn names_within_path(text: &str, words: &[String]) -> bool {
    scanner::Scanner::names_any(text.as_bytes(), words, true)
}

/// The crate's names: name → files that may define it, per kind (files ascending).
///
/// Split into shards by the name's hash, each built by its own worker
/// ([`NameIndex::build_parallel`]): a large crate files a hundred thousand names, and building
/// them one after another was a serial step of every run.
#[derive(Default)]
pub struct NameIndex {
    /// Per shard, per kind (its number), name → files; looked up by `&str`, without
    /// allocating.
    shards: Vec<Vec<FxHashMap<String, Vec<u32>>>>,
}

impl NameIndex {
    /// The index of `files`' names, built on this thread.
    pub fn build(files: &[FileNames]) -> NameIndex {
        NameIndex {
            shards: vec![Self::build_shard(files, 0, 1)],
        }
    }

    /// [`NameIndex::build`] on every free worker: only before the crate has trees (the thread
    /// may run other jobs while it waits, see `ARCHITECTURE.md`).
    pub fn build_parallel(files: &[FileNames]) -> NameIndex {
        use rayon::prelude::*;
        let count = rayon::current_num_threads().clamp(1, 8);
        let shards = (0..count)
            .into_par_iter()
            .map(|shard| Self::build_shard(files, shard, count))
            .collect();
        NameIndex { shards }
    }

    /// Shard `shard` of `count`: the names [`shard_of`] puts there.
    fn build_shard(
        files: &[FileNames],
        shard: usize,
        count: usize,
    ) -> Vec<FxHashMap<String, Vec<u32>>> {
        let mut by_kind: Vec<FxHashMap<String, Vec<u32>>> = Vec::new();
        for (i, f) in files.iter().enumerate() {
            for (kind, name) in f.iter() {
                if shard_of(name, count) != shard {
                    continue;
                }
                let k = kind as usize;
                if by_kind.len() <= k {
                    by_kind.resize_with(k + 1, FxHashMap::default);
                }
                // One lookup for a name seen before; the name is copied only when new.
                match by_kind[k].get_mut(name) {
                    Some(list) => {
                        if list.last() != Some(&(i as u32)) {
                            list.push(i as u32);
                        }
                    }
                    None => {
                        by_kind[k].insert(name.to_owned(), vec![i as u32]);
                    }
                }
            }
        }
        by_kind
    }

    /// Files under any of `keys`, ascending.
    pub fn files_any(&self, keys: &[(Kind, String)]) -> Vec<u32> {
        let mut files: Vec<u32> = keys
            .iter()
            .flat_map(|(kind, name)| self.files(*kind, name).iter().copied())
            .collect();
        files.sort_unstable();
        files.dedup();
        files
    }

    /// Every name filed as a `kind`, with its files (in no order).
    pub fn names_of(&self, kind: Kind) -> impl Iterator<Item = (&str, &[u32])> {
        self.shards
            .iter()
            .filter_map(move |shard| shard.get(kind as usize))
            .flat_map(|names| names.iter().map(|(n, f)| (n.as_str(), f.as_slice())))
    }

    pub fn files(&self, kind: Kind, name: &str) -> &[u32] {
        self.shards
            .get(shard_of(name, self.shards.len()))
            .and_then(|shard| shard.get(kind as usize))
            .and_then(|names| names.get(name))
            .map_or(&[], Vec::as_slice)
    }
}

/// Which of `count` shards of a [`NameIndex`] holds `name`: bits of its hash that the map
/// itself does not use to place it (the low ones pick a bucket, the top seven tag it), so
/// each shard's names spread over its buckets.
fn shard_of(name: &str, count: usize) -> usize {
    use std::hash::BuildHasher;
    if count <= 1 {
        return 0;
    }
    let hash = rustc_hash::FxBuildHasher.hash_one(name);
    ((hash >> 32) as usize & 0xffff) % count
}

/// Whether `text` contains `word` with no identifier character on either side.
pub fn mentions_word(text: &str, finder: &memchr::memmem::Finder<'_>) -> bool {
    let bytes = text.as_bytes();
    let len = finder.needle().len();
    finder.find_iter(bytes).any(|at| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + len).copied();
        !before.is_some_and(is_ident_byte) && !after.is_some_and(is_ident_byte)
    })
}

/// Whether `text` may build a value with the name `finder` looks for (a whole word): the name
/// followed, after white space, by `{` (a struct literal), `(` (a variant's or tuple struct's
/// payload), `::<` (a turbofish before either) or a comment (where anything may follow). A
/// superset of where a parse finds a literal or variant of that name (`Foo::new()`,
/// `let x: Foo`, `impl Foo` build nothing).
pub fn may_construct(text: &str, finder: &memchr::memmem::Finder<'_>) -> bool {
    let bytes = text.as_bytes();
    let len = finder.needle().len();
    finder.find_iter(bytes).any(|at| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        if before.is_some_and(is_ident_byte) {
            return false;
        }
        let next = bytes[at + len..].trim_ascii_start();
        matches!(next.first(), Some(b'{' | b'(' | b'/')) || next.starts_with(b"::<")
    })
}

/// Rust's keywords: `if !(…)` is no macro call.
fn is_keyword(word: &[u8]) -> bool {
    matches!(
        word,
        b"as"
            | b"async"
            | b"await"
            | b"break"
            | b"const"
            | b"continue"
            | b"crate"
            | b"dyn"
            | b"else"
            | b"enum"
            | b"extern"
            | b"false"
            | b"fn"
            | b"for"
            | b"if"
            | b"impl"
            | b"in"
            | b"let"
            | b"loop"
            | b"match"
            | b"mod"
            | b"move"
            | b"mut"
            | b"pub"
            | b"ref"
            | b"return"
            | b"self"
            | b"Self"
            | b"static"
            | b"struct"
            | b"super"
            | b"trait"
            | b"true"
            | b"type"
            | b"unsafe"
            | b"use"
            | b"where"
            | b"while"
            | b"yield"
    )
}

/// Per byte, bits: whether it may start an identifier, whether it may continue one, whether
/// it is white space (a table: the scan asks for every byte of every file).
const IDENT_START: u8 = 1;
const IDENT_BYTE: u8 = 2;
const SPACE: u8 = 4;
static BYTE_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            table[b] = IDENT_START | IDENT_BYTE;
        } else if c.is_ascii_digit() {
            table[b] = IDENT_BYTE;
        } else if c.is_ascii_whitespace() {
            table[b] = SPACE;
        }
        b += 1;
    }
    table
};

pub(crate) fn is_ident_start(b: u8) -> bool {
    BYTE_CLASS[b as usize] & IDENT_START != 0
}

pub(crate) fn is_ident_byte(b: u8) -> bool {
    BYTE_CLASS[b as usize] & IDENT_BYTE != 0
}

/// ASCII white space, as `u8::is_ascii_whitespace` says (from the table).
pub(crate) fn is_space(b: u8) -> bool {
    BYTE_CLASS[b as usize] & SPACE != 0
}

/// Where the identifier (or number) that continues at `from` ends.
pub(crate) fn ident_end(s: &[u8], from: usize) -> usize {
    s[from..]
        .iter()
        .position(|&b| !is_ident_byte(b))
        .map_or(s.len(), |k| from + k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_give_what_one_map_gives() {
        let texts = [
            "fn get(&self) {} struct Queue { tail: u8 } impl Queue { fn new() -> Self { Self { tail: 0 } } }",
            "fn get() {} const KEY: &str = \"k\"; macro_rules! key { () => {} }",
            "enum State { A } fn new() {} trait Store { fn get(&self); }",
        ];
        let names: Vec<FileNames> = texts.iter().map(|t| scan(t)).collect();
        let one = NameIndex::build(&names);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let sharded = pool.install(|| NameIndex::build_parallel(&names));
        assert_eq!(sharded.shards.len(), 3);
        let mut asked = 0;
        for (kind, name) in names.iter().flat_map(|n| n.iter()) {
            assert_eq!(
                sharded.files(kind, name),
                one.files(kind, name),
                "{kind:?} {name}"
            );
            asked += 1;
        }
        assert!(asked > 20);
        assert_eq!(one.files(Kind::Fn, "get"), [0, 1, 2]);
        assert_eq!(sharded.files(Kind::Fn, "get"), [0, 1, 2]);
        assert_eq!(sharded.files(Kind::Fn, "missing"), [] as [u32; 0]);
    }

    #[test]
    fn constructions_of_a_name() {
        let builds =
            |text: &str, word: &str| may_construct(text, &memchr::memmem::Finder::new(word));
        assert!(builds("Shelf { name }", "Shelf"));
        assert!(builds("x = a::Shelf\n  {", "Shelf"));
        assert!(builds("Slot::Lane(3)", "Lane"));
        assert!(builds("Shelf::<u8> { x }", "Shelf"));
        assert!(builds("Shelf /* why */ { x }", "Shelf"));
        assert!(builds("let s: Shelf = Shelf::new(); Shelf(1)", "Shelf"));
        assert!(!builds("let s: Shelf = Shelf::new(); MyShelf { }", "Shelf"));
        assert!(!builds("fn f(s: &Shelf) -> Shelf", "Shelf"));
        assert!(!builds("Shelf", "Shelf"));
    }

    #[test]
    fn words_are_found_whole() {
        let f = memchr::memmem::Finder::new("Keys");
        assert!(mentions_word("impl Keys {}", &f));
        assert!(mentions_word("Keys", &f));
        assert!(!mentions_word("impl MyKeys {} KeysX", &f));
    }

    #[test]
    fn identifiers_outside_comments_and_strings() {
        let words = ["touch".to_owned(), "r#type".to_owned()];
        assert!(names_any("{ store.touch(k) }", &words));
        assert!(names_any("{ r#type() }", &words));
        assert!(!names_any(
            "{ // touch\n let s = \"touch\"; /* touch */ retouch(); }",
            &words
        ));
    }

    #[test]
    fn path_segments_containing_a_word() {
        let words = ["redis".to_owned()];
        assert!(names_within_path("use deadpool_redis::Pool;", &words));
        assert!(names_within_path("fn f() { redis::cmd(\"GET\"); }", &words));
        assert!(names_within_path(
            "fn f() { ::redis :: cmd(\"GET\"); }",
            &words
        ));
        assert!(names_within_path("use redis;", &words));
        assert!(names_within_path("extern crate redis as r;", &words));
        assert!(names_within_path(
            "fn f() { app::redis::cmd(\"GET\"); }",
            &words
        ));
        assert!(!names_within_path(
            "/// Like `redis::cmd`.\n// mini-redis\nfn f() { let url = \"redis://x\"; Redis::new(); }",
            &words
        ));
        assert!(!names_within_path(
            "use crate::parser::parse_redis_value;\nstruct Conf { redis_url: String }\n\
             fn f(c: &Conf) -> u8 { c.redis.db; f64::from_redis_value(x); from_redis_value :: <u8>(x) }",
            &words
        ));
    }
}
