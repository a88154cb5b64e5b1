//! The name scan's pass over one file's bytes: tokens enough to tell where items start, which
//! bodies are `impl`s, `trait`s, struct bodies and macro bodies, and the names defined there.
//!
//! Not here: the crate's index of those names (`lexical`), reading `impl` headers
//! (`impl_header`).

use super::impl_header::{impl_owner, impl_trait, HTok, Owner};
use super::{
    ident_end, is_ident_byte, is_ident_start, is_keyword, FileNames, Kind, SkippableBody,
    BYTE_CLASS, IDENT_BYTE, IDENT_START, SPACE,
};

/// The last tokens seen, enough to recognize `fn NAME`, `static mut NAME`, `macro_rules! NAME`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tok<'t> {
    /// An identifier, and which word the scan looks for it is.
    Ident(&'t [u8], Word),
    Punct(u8),
    Other,
}

/// The words the scan looks for after, told apart once per identifier (most are
/// [`Word::Plain`], and pass with a comparison or two).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Word {
    Plain,
    Fn,
    Struct,
    Enum,
    Union,
    Type,
    Trait,
    Const,
    Static,
    Mut,
    Mod,
    Impl,
    Unsafe,
    SelfType,
    /// Not Rust keywords.
    Default,
    MacroRules,
    /// Another keyword.
    Keyword,
}

impl Word {
    fn of(word: &[u8]) -> Word {
        match word {
            b"fn" => Word::Fn,
            b"struct" => Word::Struct,
            b"enum" => Word::Enum,
            b"union" => Word::Union,
            b"type" => Word::Type,
            b"trait" => Word::Trait,
            b"const" => Word::Const,
            b"static" => Word::Static,
            b"mut" => Word::Mut,
            b"mod" => Word::Mod,
            b"impl" => Word::Impl,
            b"unsafe" => Word::Unsafe,
            b"Self" => Word::SelfType,
            b"default" => Word::Default,
            b"macro_rules" => Word::MacroRules,
            w if is_keyword(w) => Word::Keyword,
            _ => Word::Plain,
        }
    }

    /// A Rust keyword, as [`is_keyword`] says (`if !(…)` is no macro call; `union` and
    /// `default` are keywords only in place: `union!(…)` is one).
    fn is_keyword(self) -> bool {
        !matches!(
            self,
            Word::Plain | Word::Union | Word::Default | Word::MacroRules
        )
    }
}

pub(super) struct Scanner<'t> {
    s: &'t [u8],
    i: usize,
    out: FileNames,
    prev: Tok<'t>,
    prev2: Tok<'t>,
    /// Open brackets of any kind.
    depth: usize,
    /// A `struct`/`union` header read, waiting for its `{` at this depth (or `;`, `(`).
    pending_body: Option<usize>,
    /// Generic `<` still open in that header (`struct S<F: Fn(u8)> { … }`).
    angles: usize,
    /// The name in that header.
    struct_name: String,
    /// Struct bodies open: the depth of their fields, and the struct's name.
    bodies: Vec<(usize, String)>,
    /// The `impl` header being read: its depth, its tokens, its open `<`.
    impl_header: Option<(usize, Vec<HTok>, usize)>,
    /// A `trait NAME` read, waiting for its `{` at this depth.
    pending_trait: Option<(usize, String)>,
    /// A `fn`, `struct`, `enum`, `union`, `trait`, `mod` or `impl` header at this depth: a `{`
    /// there opens its body, not a struct literal.
    item_header: Option<usize>,
    /// Open `impl` and `trait` bodies, innermost last.
    owners: Vec<OwnerBody>,
    /// Inside the brackets of a macro call or `macro_rules!` body opened at this depth: syn
    /// reads no item there, so nothing is filed.
    macro_body: Option<usize>,
    /// A `->` read at this depth, and the `<` opened since: the `{` that follows its type
    /// opens a body (`|x| -> Option<T> {`), not a struct literal. A `>` closing more than
    /// was opened (`S::<fn() -> u8> { .. }`) cancels it.
    arrow: Option<(usize, usize)>,
    /// `macro_rules! NAME` read at this depth: its body comes next.
    pending_macro_rules: Option<usize>,
    /// A turbofish open after `NAME::<`: the name, and the `<` not closed yet.
    turbofish: Option<(&'t [u8], usize)>,
    /// The turbofish that closed last: its name, and where its `>` is (`NAME::<T> { .. }`
    /// builds `NAME`).
    turbofish_closed: Option<(&'t [u8], usize)>,
    /// `fn NAME` read at this depth: the `{` there opens its body.
    fn_header: Option<usize>,
    /// The outermost function body open ([`FileNames::skippable_bodies`]).
    fn_body: Option<OpenBody>,
    /// `if`, `while`, `match` or `in` read at this depth: the `{` there opens a block (Rust
    /// takes no struct literal in a condition, a scrutinee or a `for` loop's iterator).
    condition: Option<usize>,
    /// `#[cfg(test)]` read at this depth, its item not begun yet.
    test_attr: Option<usize>,
    /// `mod` read at this depth: the `{` there opens a module's body.
    mod_header: Option<usize>,
    /// Inside the body of a `#[cfg(test)] mod`: the depth of its contents. Struct literals
    /// there are filed as [`Kind::TestBuild`].
    test_mod: Option<usize>,
    /// Identifiers looked for ([`Scanner::names_any`]), and whether one was seen.
    watch: &'t [String],
    /// Whether an identifier that contains a watched word counts, as a segment of a path only
    /// (`deadpool_redis::redis::cmd`, `use redis;`, `extern crate redis`; not `conf.redis_url`).
    watch_path_segment: bool,
    /// Calls looked for ([`Scanner::may_call`]).
    calls: Option<CallWatch<'t>>,
    seen: bool,
}

/// What [`Scanner::may_call`] looks for, and the calls of those names open.
struct CallWatch<'t> {
    /// The functions whose calls are looked for.
    targets: &'t [super::CallTarget<'t>],
    /// Macros whose expansion may call one.
    macros: &'t [String],
    /// Whether the bodies of `#[cfg(test)] mod`s are passed over.
    skip_test_mods: bool,
    /// A target's name just read, with a `(` next: the numbers of arguments that make its
    /// call one (a bit per number).
    next_call: Option<u64>,
    /// Calls of a target's name open, innermost last.
    open: Vec<OpenCall>,
}

/// A call of a target's name, its arguments being read.
struct OpenCall {
    /// The depth of its arguments.
    depth: usize,
    /// The commas at that depth so far.
    commas: usize,
    /// The numbers of arguments that make it a call of a target (a bit per number).
    needed: u64,
    /// No `|` nor `<` at that depth so far: its commas are those between its arguments (a
    /// closure's `|a, b|` and generics' `<A, B>` hold the others).
    exact: bool,
}

/// A function body being read, for [`FileNames::skippable_bodies`].
#[derive(Clone, Copy)]
struct OpenBody {
    /// The depth of its contents.
    depth: usize,
    /// Where its `{` is.
    start: usize,
    /// Nothing in it yet that the item index reads from a body, builders aside.
    skippable: bool,
    /// A struct literal or a look-alike, or `Path::Variant(`, seen in it.
    may_build: bool,
}

struct OwnerBody {
    /// Depth of the functions directly in the body.
    depth: usize,
    owner: Owner,
    is_trait: bool,
    /// For an `impl` of a trait: the trait.
    of_trait: Option<Owner>,
}

impl<'t> Scanner<'t> {
    /// A scanner that files the names of `s` (the other scans look for words, and file
    /// nothing).
    pub(super) fn filing(s: &'t [u8]) -> Scanner<'t> {
        let mut scanner = Scanner::new(s);
        scanner.out = FileNames::with_capacity_for(s.len());
        scanner
    }

    pub(super) fn new(s: &'t [u8]) -> Scanner<'t> {
        Scanner {
            s,
            i: 0,
            out: FileNames::default(),
            prev: Tok::Other,
            prev2: Tok::Other,
            depth: 0,
            pending_body: None,
            angles: 0,
            struct_name: String::new(),
            bodies: Vec::new(),
            impl_header: None,
            pending_trait: None,
            item_header: None,
            owners: Vec::new(),
            macro_body: None,
            arrow: None,
            watch: &[],
            watch_path_segment: false,
            calls: None,
            seen: false,
            pending_macro_rules: None,
            turbofish: None,
            turbofish_closed: None,
            fn_header: None,
            fn_body: None,
            condition: None,
            test_attr: None,
            mod_header: None,
            test_mod: None,
        }
    }

    /// What a struct literal (or a variant's payload) is filed as here.
    fn build_kind(&self) -> Kind {
        match self.test_mod {
            Some(_) => Kind::TestBuild,
            None => Kind::Build,
        }
    }

    /// The function body open (if any) holds something the item index reads.
    fn not_skippable(&mut self) {
        if let Some(body) = &mut self.fn_body {
            body.skippable = false;
        }
    }

    /// The function body open (if any) may build a value (a struct literal or a look-alike,
    /// `Path::Variant(…)`).
    fn may_build(&mut self) {
        if let Some(body) = &mut self.fn_body {
            body.may_build = true;
        }
    }

    fn push(&mut self, t: Tok<'t>) {
        self.prev2 = self.prev;
        self.prev = t;
    }

    /// Files `parts`, one after another, as a name of `kind`.
    fn def(&mut self, kind: Kind, parts: &[&str]) {
        if self.macro_body.is_none() {
            self.out.push(kind, parts);
        }
    }

    /// `fn NAME`: filed under its name and under what owns it.
    fn function(&mut self, name: &str) {
        if self.macro_body.is_none() {
            self.fn_header = Some(self.depth);
        }
        self.def(Kind::Fn, &[name]);
        let receiver = self.receiver();
        if receiver != Some(false) {
            self.def(Kind::SelfFn, &[name]);
        }
        if receiver != Some(true) {
            self.def(Kind::PlainFn, &[name]);
        }
        if self.macro_body.is_some() {
            return;
        }
        let out = &mut self.out;
        let body = self.owners.last().filter(|b| b.depth == self.depth);
        if receiver == Some(true) && body.is_some_and(|b| !b.is_trait) {
            out.push(Kind::SureMethod, &[name]);
        }
        match body.map(|b| (&b.owner, b.is_trait)) {
            Some((Owner::Named(ty), is_trait)) => {
                out.push(Kind::Method, &[ty, "::", name]);
                out.push(Kind::Owner, &[ty]);
                if is_trait {
                    out.push(Kind::TraitFn, &[name]);
                }
            }
            Some((Owner::Unnamed, _)) | None => out.push(Kind::FreeFn, &[name]),
            Some((Owner::Unknown, _)) => {
                out.push(Kind::AnyOwnerFn, &[name]);
                out.push(Kind::Owner, &[]);
            }
        }
        // Functions in an `impl` of a trait, at any depth (as the item index files them):
        // filed under the trait.
        match self.owners.last().and_then(|b| b.of_trait.as_ref()) {
            Some(Owner::Named(t)) => out.push(Kind::TraitImplFn, &[t]),
            Some(_) => out.push(Kind::TraitImplFn, &[]),
            None => {}
        }
    }

    /// Whether the function whose name was just read takes `self` (`&self`, `&'a mut self`,
    /// `mut self`, `self: Box<Self>`), read ahead; `None` when unsure (an attribute on the
    /// parameter, generics the look-ahead cannot skip).
    fn receiver(&self) -> Option<bool> {
        let s = self.s;
        let mut i = self.i;
        let skip = |mut i: usize| loop {
            while s.get(i).is_some_and(u8::is_ascii_whitespace) {
                i += 1;
            }
            match (s.get(i), s.get(i + 1)) {
                (Some(b'/'), Some(b'/')) => {
                    while s.get(i).is_some_and(|&b| b != b'\n') {
                        i += 1;
                    }
                }
                (Some(b'/'), Some(b'*')) => return None,
                _ => return Some(i),
            }
        };
        i = skip(i)?;
        if s.get(i) == Some(&b'<') {
            // Generics: to the matching `>` (`->` inside does not close).
            let mut open = 0usize;
            loop {
                match s.get(i)? {
                    b'<' => open += 1,
                    b'>' if i > 0 && s[i - 1] != b'-' => {
                        open -= 1;
                        if open == 0 {
                            i += 1;
                            break;
                        }
                    }
                    b'{' | b';' | b'"' | b'/' => return None,
                    _ => {}
                }
                i += 1;
            }
            i = skip(i)?;
        }
        if s.get(i) != Some(&b'(') {
            return None;
        }
        i = skip(i + 1)?;
        let word = |i: usize, w: &[u8]| {
            s.get(i..i + w.len()) == Some(w)
                && !s.get(i + w.len()).is_some_and(|&b| is_ident_byte(b))
        };
        if s.get(i) == Some(&b'&') {
            i = skip(i + 1)?;
            if s.get(i) == Some(&b'\'') {
                i += 1;
                while s.get(i).is_some_and(|&b| is_ident_byte(b)) {
                    i += 1;
                }
                i = skip(i)?;
            }
        }
        if word(i, b"mut") {
            i = skip(i + 3)?;
        }
        match s.get(i) {
            Some(b'#') => None,
            _ => Some(word(i, b"self")),
        }
    }

    /// A `{` outside any header after `NAME` or `Self`: a struct literal, maybe.
    fn literal(&mut self) {
        if self.arrow.take().is_some_and(|a| a.0 == self.depth) {
            return;
        }
        if self.macro_body.is_some() {
            return;
        }
        let name = match self.prev {
            Tok::Ident(_, Word::SelfType) => match self.owners.last().map(|b| &b.owner) {
                Some(Owner::Named(ty)) => ty.as_str(),
                Some(Owner::Unknown) => "",
                Some(Owner::Unnamed) | None => return,
            },
            // `else {`, `unsafe {`: no type is named after a keyword.
            Tok::Ident(_, w) if w.is_keyword() => return,
            Tok::Ident(word, _) => match std::str::from_utf8(word) {
                Ok(w) => w,
                Err(_) => return,
            },
            // `Foo::<T> { … }`, but not `=> {` or `-> T {`.
            Tok::Punct(b'>') if !matches!(self.prev2, Tok::Punct(b'=' | b'-')) => {
                let gt = self.s[..self.i].trim_ascii_end().len().wrapping_sub(1);
                match self.turbofish_closed {
                    Some((name, at)) if at == gt => std::str::from_utf8(name).unwrap_or(""),
                    _ => "",
                }
            }
            _ => return,
        };
        self.out.push(self.build_kind(), &[name]);
        self.may_build();
    }

    /// Whether the identifier `w` just before the current byte follows `::` (`Enum::Variant(`,
    /// not `F: Fn(`).
    fn after_path_sep(&self, w: &[u8]) -> bool {
        let before = self.s[..self.i].trim_ascii_end();
        let Some(before) = before.strip_suffix(w) else {
            return false;
        };
        before.trim_ascii_end().ends_with(b"::")
    }

    /// Whether the `::` just before the current byte follows a capitalized name (`E::V::<`).
    fn after_capital_path(&self) -> bool {
        self.name_before_path_sep()
            .and_then(|w| w.first())
            .is_some_and(u8::is_ascii_uppercase)
    }

    /// The name just before the `::` just before the current byte (`Padded` of `Padded::<`).
    fn name_before_path_sep(&self) -> Option<&'t [u8]> {
        self.name_before_path_sep_at(self.i)
    }

    /// The name just before the `::` just before byte `at`.
    fn name_before_path_sep_at(&self, at: usize) -> Option<&'t [u8]> {
        let s: &'t [u8] = self.s;
        let before = s[..at].trim_ascii_end().strip_suffix(b"::")?;
        let before = before.trim_ascii_end();
        let start = before
            .iter()
            .rposition(|&b| !is_ident_byte(b))
            .map_or(0, |k| k + 1);
        Some(&before[start..]).filter(|w| !w.is_empty())
    }

    /// Follows `NAME::<…>` to its closing `>` (not the `>` of a `->` inside).
    fn track_turbofish(&mut self, b: u8) {
        match (b, self.turbofish) {
            (b'<', Some((name, open))) => self.turbofish = Some((name, open + 1)),
            (b'<', None) if self.prev == Tok::Punct(b':') => {
                self.turbofish = self.name_before_path_sep().map(|name| (name, 1));
            }
            (b'>', Some((name, 1))) if self.prev != Tok::Punct(b'-') => {
                self.turbofish_closed = Some((name, self.i));
                self.turbofish = None;
            }
            (b'>', Some((name, open))) if self.prev != Tok::Punct(b'-') => {
                self.turbofish = Some((name, open - 1));
            }
            (b'{' | b'}' | b';', Some(_)) => self.turbofish = None,
            _ => {}
        }
    }

    fn at(&self, k: usize) -> u8 {
        self.s.get(self.i + k).copied().unwrap_or(0)
    }

    /// Whether an identifier of `s` (not in comments, strings or characters) is one of `words`,
    /// or with `path_segment`, is a path's segment and contains one. Only comments, strings,
    /// characters and the last token are followed (nothing is filed), up to the first one.
    pub(super) fn names_any(s: &'t [u8], words: &'t [String], path_segment: bool) -> bool {
        let mut scanner = Scanner::new(s);
        scanner.watch = words;
        scanner.watch_path_segment = path_segment;
        scanner.run();
        scanner.seen
    }

    /// Whether `s` may call one of `targets` (name, parameters with `self`) as a walk records
    /// calls: a superset of what a parse finds (`MayCall` in `interp::callers`). Its name as a
    /// method with one argument fewer than its parameters, or at the end of a path with as many;
    /// anywhere else but after `fn` (a value `map(Self::get)`, a turbofish, a field); anywhere in
    /// a macro call's tokens; or one of `macros` named. Arguments are counted by the commas
    /// between them: exactly, unless a `|` or `<` among them may hold commas of their own
    /// (a closure's parameters, generic arguments, or a comparison), and then too many, never
    /// too few, so that only a call with fewer than its target needs is none of its. With
    /// `skip_test_mods`, the bodies of `#[cfg(test)] mod`s are passed over.
    pub(super) fn may_call(
        s: &'t [u8],
        targets: &'t [super::CallTarget<'t>],
        macros: &'t [String],
        skip_test_mods: bool,
    ) -> bool {
        let mut scanner = Scanner::new(s);
        scanner.calls = Some(CallWatch {
            targets,
            macros,
            skip_test_mods,
            next_call: None,
            open: Vec::new(),
        });
        scanner.run();
        scanner.seen
    }

    /// [`Scanner::may_call`] at identifier `word`: whether it may be such a call (or it is a
    /// target's name before a `(`, whose arguments are counted then).
    #[inline(never)]
    fn call_at_ident(&mut self, word: &[u8]) -> bool {
        let Some(calls) = &mut self.calls else {
            return false;
        };
        calls.next_call = None;
        if calls.skip_test_mods && self.test_mod.is_some() {
            return false;
        }
        let written = word;
        let word = word.strip_prefix(b"r#").unwrap_or(word);
        if calls.macros.iter().any(|m| m.as_bytes() == word) {
            return true;
        }
        let targets = calls.targets;
        let mut named = targets.iter().filter(|t| t.name.as_bytes() == word);
        let Some(first) = named.next() else {
            return false;
        };
        if self.macro_body.is_some() {
            return true;
        }
        if matches!(self.prev, Tok::Ident(_, Word::Fn)) {
            return false;
        }
        // A method's receiver is no argument (`..get(a)` is a range to a path call).
        let method = self.prev == Tok::Punct(b'.') && self.prev2 != Tok::Punct(b'.');
        // After `QUALIFIER::`: the qualifier, when the scan can read it (read only for a
        // target's name: this runs at every identifier).
        let after_sep = self.prev == Tok::Punct(b':');
        let qualifier = if after_sep {
            self.name_before_path_sep_at(self.i - written.len())
        } else {
            None
        };
        let fits = |t: &&super::CallTarget<'_>| {
            method || t.named_by_path(!after_sep && self.prev != Tok::Punct(b'.'), qualifier)
        };
        let mut arities = 0u64;
        for t in std::iter::once(first).chain(named).filter(fits) {
            let args = if method {
                t.inputs.saturating_sub(1)
            } else {
                t.inputs
            };
            arities |= 1 << args.min(63);
        }
        if arities == 0 {
            return false;
        }
        if !self.s[self.i..].trim_ascii_start().starts_with(b"(") {
            return true;
        }
        if let Some(calls) = &mut self.calls {
            calls.next_call = Some(arities);
        }
        false
    }

    /// [`Scanner::may_call`] at punctuation `b` (before it opens or closes a bracket): whether
    /// a call of a target's name closes with enough arguments.
    #[inline(never)]
    fn call_at_punct(&mut self, b: u8) -> bool {
        let Some(calls) = &mut self.calls else {
            return false;
        };
        let next_call = calls.next_call.take();
        let innermost = calls.open.last_mut().filter(|o| o.depth == self.depth);
        match (b, innermost) {
            (b'(', _) => {
                if let Some(needed) = next_call {
                    calls.open.push(OpenCall {
                        depth: self.depth + 1,
                        commas: 0,
                        needed,
                        exact: true,
                    });
                }
            }
            (b',', Some(open)) => open.commas += 1,
            (b'|' | b'<', Some(open)) => open.exact = false,
            (b')' | b']' | b'}', Some(open)) => {
                let args = match self.prev {
                    Tok::Punct(b'(') => 0,
                    // A trailing comma separates nothing.
                    Tok::Punct(b',') => open.commas,
                    _ => open.commas + 1,
                };
                let (needed, exact) = (open.needed, open.exact);
                calls.open.pop();
                return if exact {
                    needed & (1 << args.min(63)) != 0
                } else {
                    args >= needed.trailing_zeros() as usize
                };
            }
            _ => {}
        }
        false
    }

    /// Whether the identifier just read (ending at the current byte) is a path's segment that
    /// leads on (`::` after it: a crate or module, not the item a path ends at, like
    /// `f64::from_redis_value` or `from_redis_value::<T>`), or a crate named after `use` or
    /// `crate` (`use redis;`, `extern crate redis as r;`).
    fn at_path_segment(&self) -> bool {
        let after = self.s[self.i..].trim_ascii_start();
        matches!(self.prev, Tok::Ident(b"use" | b"crate", _))
            || after.starts_with(b"::") && !after[2..].trim_ascii_start().starts_with(b"<")
    }

    pub(super) fn run(&mut self) -> FileNames {
        while let Some(&b) = self.s.get(self.i) {
            let class = BYTE_CLASS[b as usize];
            if class & SPACE != 0 {
                // A run at once (indentation is much of a file).
                self.i += 1;
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|&b| BYTE_CLASS[b as usize] & SPACE != 0)
                {
                    self.i += 1;
                }
            } else if class & IDENT_START != 0 {
                self.ident_or_literal();
            } else if class & IDENT_BYTE != 0 {
                // A number.
                self.i = ident_end(self.s, self.i);
                self.push(Tok::Other);
            } else {
                match b {
                    b'/' if self.at(1) == b'/' => self.line_comment(),
                    b'/' if self.at(1) == b'*' => self.block_comment(),
                    b'"' => {
                        self.i += 1;
                        self.quoted(b'"');
                        self.push(Tok::Other);
                    }
                    b'\'' => self.quote_or_lifetime(),
                    _ => {
                        self.punct(b);
                        self.i += 1;
                    }
                }
            }
        }
        let mut out = std::mem::take(&mut self.out);
        out.shrink_to_fit();
        out
    }

    // Comments and strings are much of a file's bytes: skipped with `memchr`.

    fn line_comment(&mut self) {
        self.i = memchr::memchr(b'\n', &self.s[self.i..]).map_or(self.s.len(), |k| self.i + k);
    }

    fn block_comment(&mut self) {
        let mut nest = 0usize;
        while let Some(k) = memchr::memchr2(b'/', b'*', &self.s[self.i..]) {
            self.i += k;
            if self.s[self.i] == b'/' && self.at(1) == b'*' {
                nest += 1;
                self.i += 2;
            } else if self.s[self.i] == b'*' && self.at(1) == b'/' {
                nest -= 1;
                self.i += 2;
                if nest == 0 {
                    return;
                }
            } else {
                self.i += 1;
            }
        }
        self.i = self.s.len();
    }

    /// After the opening quote: to the closing one, escapes skipped.
    fn quoted(&mut self, close: u8) {
        while let Some(k) = memchr::memchr2(b'\\', close, self.s.get(self.i..).unwrap_or(&[])) {
            self.i += k;
            if self.s[self.i] == close {
                self.i += 1;
                return;
            }
            self.i += 2;
        }
        self.i = self.s.len();
    }

    /// After `r`, `br` or `cr`, at the `#`s or the quote: `r#"…"#`.
    fn raw_string(&mut self) {
        let mut hashes = 0;
        while self.at(0) == b'#' {
            hashes += 1;
            self.i += 1;
        }
        if self.at(0) != b'"' {
            return;
        }
        self.i += 1;
        while self.i < self.s.len() {
            if self.s[self.i] == b'"' && (1..=hashes).all(|k| self.s.get(self.i + k) == Some(&b'#'))
            {
                self.i += 1 + hashes;
                return;
            }
            self.i += 1;
        }
    }

    /// `'x'`, `'\n'`, `'\u{1F600}'` are characters; `'a`, `'static` lifetimes or labels.
    fn quote_or_lifetime(&mut self) {
        self.i += 1;
        if self.at(0) == b'\\' {
            self.quoted(b'\'');
            self.push(Tok::Other);
            return;
        }
        // One character (UTF-8: up to four bytes), then a quote: a character literal.
        let first = self.at(0);
        let width = match first {
            0..=0x7f => 1,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            _ => 4,
        };
        if first != 0 && self.at(width) == b'\'' {
            self.i += width + 1;
            self.push(Tok::Other);
            return;
        }
        // A lifetime: its name is read as an identifier, which is harmless.
        if let Some((_, toks, _)) = &mut self.impl_header {
            toks.push(HTok::Punct(b'\''));
        }
        self.push(Tok::Punct(b'\''));
    }

    fn ident_or_literal(&mut self) {
        let start = self.i;
        self.i = ident_end(self.s, self.i);
        let word = &self.s[start..self.i];
        let next = self.at(0);
        match (word, next) {
            (b"r" | b"br" | b"cr", b'"' | b'#') => {
                // `r#ident` is a raw identifier, `r#"…"#` a raw string.
                if word == b"r" && next == b'#' && is_ident_start(self.at(1)) {
                    self.i = ident_end(self.s, self.i + 1);
                    // syn spells raw identifiers with their prefix.
                    let raw = &self.s[start..self.i];
                    self.ident(raw);
                    return;
                }
                self.raw_string();
                self.push(Tok::Other);
            }
            (b"b" | b"c", b'"') => {
                self.i += 1;
                self.quoted(b'"');
                self.push(Tok::Other);
            }
            (b"b", b'\'') => {
                self.i += 1;
                self.quoted(b'\'');
                self.push(Tok::Other);
            }
            _ => self.ident(word),
        }
    }

    fn ident(&mut self, word: &'t [u8]) {
        // Looking for words only: nothing is filed, and the first one seen ends the pass.
        if !self.watch.is_empty() {
            let watched = |w: &String| {
                let w = w.as_bytes();
                if self.watch_path_segment {
                    word.windows(w.len()).any(|part| part == w)
                } else {
                    word == w
                }
            };
            self.seen = self.watch.iter().any(watched)
                && (!self.watch_path_segment || self.at_path_segment());
            if self.seen {
                self.i = self.s.len();
            }
            self.push(Tok::Ident(word, Word::Plain));
            return;
        }
        // Only `may_call` looks for calls: every other scan pays one test per token (the work
        // is out of line, which kept the scan's loop as fast as before).
        if self.calls.is_some() && self.call_at_ident(word) {
            self.seen = true;
            self.i = self.s.len();
            return;
        }
        let this = Word::of(word);
        if this == Word::Fn {
            self.out.fn_bound += 1;
        }
        // A word that may start an item (also in a macro call: looked at no closer); not a
        // lifetime's name (`'static`), nor `unsafe` (an item after it starts with another).
        if !matches!(
            this,
            Word::Plain | Word::Keyword | Word::SelfType | Word::Default | Word::Mut | Word::Unsafe
        ) && self.prev != Tok::Punct(b'\'')
        {
            self.not_skippable();
        }
        if this == Word::Keyword
            && self.macro_body.is_none()
            && matches!(word, b"if" | b"while" | b"match" | b"in")
        {
            self.condition = Some(self.depth);
        }
        // Most identifiers: a plain word after a plain word or a punctuation other than `!`,
        // outside an `impl` header, defines nothing.
        let after_plain = match self.prev {
            Tok::Ident(_, w) => w == Word::Plain,
            Tok::Punct(b) => b != b'!',
            Tok::Other => true,
        };
        if self.macro_body.is_some()
            || (this == Word::Plain && after_plain && self.impl_header.is_none())
        {
            self.push(Tok::Ident(word, this));
            return;
        }
        let after_macro_rules =
            self.prev == Tok::Punct(b'!') && matches!(self.prev2, Tok::Ident(_, Word::MacroRules));
        if after_macro_rules {
            self.pending_macro_rules = Some(self.depth);
        }
        if let Some((_, toks, _)) = &mut self.impl_header {
            toks.push(HTok::Ident(String::from_utf8_lossy(word).into_owned()));
        }
        let prev = match self.prev {
            Tok::Ident(_, w) => w,
            _ => Word::Plain,
        };
        let kind = match prev {
            Word::Fn => Some(Kind::Fn),
            Word::Struct | Word::Enum | Word::Union => Some(Kind::Type),
            // An associated type (`type Error = …;` in an `impl` or `trait`) is no alias.
            Word::Type if self.owners.last().is_none_or(|o| o.depth != self.depth) => {
                Some(Kind::Alias)
            }
            Word::Trait => Some(Kind::Trait),
            Word::Const | Word::Static => Some(Kind::Const),
            Word::Mut if matches!(self.prev2, Tok::Ident(_, Word::Static)) => Some(Kind::Const),
            _ if after_macro_rules => Some(Kind::Macro),
            _ => None,
        };
        // `static mut X`, `const fn f`, `const unsafe fn f`: keywords are not names.
        let keyword = matches!(word, b"mut" | b"fn" | b"unsafe" | b"async" | b"extern");
        if let (Some(kind), false) = (kind, keyword) {
            if let Ok(name) = std::str::from_utf8(word) {
                if kind == Kind::Fn {
                    self.function(name);
                } else {
                    self.def(kind, &[name]);
                }
                if matches!(prev, Word::Struct | Word::Enum) {
                    self.def(Kind::SureType, &[name]);
                    if self.depth == 0 {
                        self.def(Kind::OwnType, &[name]);
                    }
                }
                match prev {
                    Word::Enum => self.def(Kind::Enum, &[name]),
                    Word::Trait => self.pending_trait = Some((self.depth, name.to_owned())),
                    _ => {}
                }
            }
            if matches!(prev, Word::Struct | Word::Union) {
                self.pending_body = Some(self.depth);
                self.struct_name = String::from_utf8_lossy(word).into_owned();
                self.angles = 0;
            }
            if matches!(
                prev,
                Word::Fn | Word::Struct | Word::Enum | Word::Union | Word::Trait
            ) {
                self.item_header = Some(self.depth);
            }
        }
        if this == Word::Mod {
            self.item_header = Some(self.depth);
            self.mod_header = Some(self.depth);
        }
        // `impl` where an item may start (not `-> impl Trait`, `x: impl Trait`, `&'a impl T`).
        let item_position = matches!(
            self.prev,
            Tok::Other
                | Tok::Punct(b';' | b'}' | b'{' | b']')
                | Tok::Ident(_, Word::Unsafe | Word::Default)
        );
        if this == Word::Impl && item_position {
            self.impl_header = Some((self.depth, Vec::new(), 0));
            self.item_header = Some(self.depth);
        }
        self.push(Tok::Ident(word, this));
    }

    fn punct(&mut self, b: u8) {
        if !self.watch.is_empty() {
            self.push(Tok::Punct(b));
            return;
        }
        if self.calls.is_some() && self.call_at_punct(b) {
            self.seen = true;
            self.i = self.s.len();
            return;
        }
        // Written as the one form rustfmt gives it; any other spelling is no test module here
        // (its literals are filed as any others: a superset still).
        if b == b'#' && self.macro_body.is_none() && self.s[self.i..].starts_with(b"#[cfg(test)]") {
            self.test_attr = Some(self.depth);
        }
        if self.fn_body.is_some() {
            // An attribute; a turbofish (`E::V::<T>(…)` builds a variant); `…: Upper(`.
            let turbofish = b == b'<' && self.prev == Tok::Punct(b':') && self.after_capital_path();
            let upper_call = b == b'('
                && self.prev2 == Tok::Punct(b':')
                && matches!(self.prev, Tok::Ident(w, _) if w.first().is_some_and(u8::is_ascii_uppercase));
            if b == b'#' {
                self.not_skippable();
            }
            if turbofish || upper_call {
                self.may_build();
            }
        }
        let header = self.pending_body == Some(self.depth);
        let depth = self.depth;
        if let Some((at, toks, angles)) = &mut self.impl_header {
            let top = *at == depth;
            match b {
                b'{' if top && *angles == 0 => {}
                b';' if top => {}
                b'{' | b'(' | b'[' => toks.push(HTok::Open(b)),
                b'}' | b')' | b']' => toks.push(HTok::Close),
                _ => {
                    if top && b == b'<' {
                        *angles += 1;
                    } else if top && b == b'>' && self.prev != Tok::Punct(b'-') {
                        *angles = angles.saturating_sub(1);
                    }
                    toks.push(HTok::Punct(b));
                }
            }
        }
        self.track_turbofish(b);
        let arrow_here = self.arrow.filter(|a| a.0 == depth);
        match (b, arrow_here) {
            (b'>', _) if self.prev == Tok::Punct(b'-') => self.arrow = Some((depth, 0)),
            (b'<', Some((_, open))) => self.arrow = Some((depth, open + 1)),
            (b'>', Some((_, 0))) | (b';' | b'}', _) => self.arrow = None,
            (b'>', Some((_, open))) => self.arrow = Some((depth, open - 1)),
            _ => {}
        }
        match b {
            b'<' if header => self.angles += 1,
            b'>' if header && self.prev != Tok::Punct(b'-') => {
                self.angles = self.angles.saturating_sub(1)
            }
            b'{' | b'(' | b'[' => {
                let call = self.prev == Tok::Punct(b'!')
                    && matches!(self.prev2, Tok::Ident(_, w) if !w.is_keyword());
                if self.macro_body.is_none()
                    && (call || self.pending_macro_rules == Some(self.depth))
                {
                    self.macro_body = Some(self.depth);
                    self.pending_macro_rules = None;
                } else if b == b'{' && self.macro_body.is_none() {
                    self.open_brace();
                }
                // `Path::Variant(`: a tuple variant (or struct) built, filed like a literal.
                if b == b'(' && !call && self.prev2 == Tok::Punct(b':') {
                    if let Tok::Ident(w, _) = self.prev {
                        if w.first().is_some_and(u8::is_ascii_uppercase) && self.after_path_sep(w) {
                            if let Ok(w) = std::str::from_utf8(w) {
                                self.def(self.build_kind(), &[w]);
                            }
                        }
                    }
                }
                if b == b'{' && self.pending_body == Some(self.depth) {
                    let name = std::mem::take(&mut self.struct_name);
                    self.bodies.push((self.depth + 1, name));
                    self.pending_body = None;
                } else if b == b'(' && header && self.angles == 0 {
                    // A tuple struct: no named fields.
                    self.pending_body = None;
                }
                self.depth += 1;
            }
            b'}' | b')' | b']' => {
                if self.bodies.last().is_some_and(|b| b.0 == self.depth) {
                    self.bodies.pop();
                }
                if let Some(body) = self.fn_body.take_if(|body| body.depth == self.depth) {
                    if let (true, b'}', Ok(start), Ok(end)) = (
                        body.skippable,
                        b,
                        u32::try_from(body.start),
                        u32::try_from(self.i + 1),
                    ) {
                        self.out.skippable.push(SkippableBody {
                            braces: start..end,
                            may_build: body.may_build,
                        });
                    }
                }
                if self.fn_header.is_some_and(|d| d >= self.depth) {
                    self.fn_header = None;
                }
                if b == b'}' && self.owners.last().is_some_and(|o| o.depth == self.depth) {
                    self.owners.pop();
                }
                self.depth = self.depth.saturating_sub(1);
                if self.condition.is_some_and(|d| d > self.depth) {
                    self.condition = None;
                }
                if self.test_mod.is_some_and(|d| d > self.depth) {
                    self.test_mod = None;
                }
                if self.test_attr.is_some_and(|d| d > self.depth) {
                    self.test_attr = None;
                }
                if self.macro_body == Some(self.depth) {
                    self.macro_body = None;
                }
                // A header cut short (`fn f(x: &'a impl T)`: not an item).
                if self.impl_header.as_ref().is_some_and(|h| h.0 > self.depth) {
                    self.impl_header = None;
                }
                if self.item_header.is_some_and(|d| d > self.depth) {
                    self.item_header = None;
                }
            }
            b';' => {
                if self.pending_body == Some(self.depth) {
                    self.pending_body = None;
                }
                if self.impl_header.as_ref().is_some_and(|h| h.0 == self.depth) {
                    self.impl_header = None;
                }
                if self
                    .pending_trait
                    .as_ref()
                    .is_some_and(|t| t.0 == self.depth)
                {
                    self.pending_trait = None;
                }
                if self.item_header == Some(self.depth) {
                    self.item_header = None;
                }
                if self.fn_header == Some(self.depth) {
                    self.fn_header = None;
                }
                if self.condition == Some(self.depth) {
                    self.condition = None;
                }
                // `#[cfg(test)] use …;`, `#[cfg(test)] mod tests;`: no body here.
                if self.test_attr == Some(self.depth) {
                    self.test_attr = None;
                }
                if self.mod_header == Some(self.depth) {
                    self.mod_header = None;
                }
            }
            b':' => {
                let single = self.at(1) != b':' && self.prev != Tok::Punct(b':');
                let body = self.bodies.last().filter(|b| b.0 == self.depth);
                if let (true, Some((_, owner)), Tok::Ident(name, _)) = (single, body, self.prev) {
                    if let (Ok(name), None) = (std::str::from_utf8(name), self.macro_body) {
                        self.out.push(Kind::Field, &[name]);
                        self.out.push(Kind::StructField, &[owner, "::", name]);
                    }
                }
            }
            _ => {}
        }
        self.push(Tok::Punct(b));
    }

    /// A `{` (before the depth goes up): an `impl` or `trait` body, an item's body, or maybe a
    /// struct literal.
    fn open_brace(&mut self) {
        let depth = self.depth;
        let block = self.condition == Some(depth);
        if block {
            self.condition = None;
        }
        // Any body ends the wait for an attribute's item: a module's may be a test module.
        let test_attr = self.test_attr.take_if(|d| *d == depth).is_some();
        let module = self.mod_header.take_if(|d| *d == depth).is_some();
        if module {
            self.out.inline_mods.any = true;
            if test_attr || self.test_mod.is_some() {
                self.test_mod.get_or_insert(depth + 1);
            } else {
                self.out.inline_mods.outside_tests = true;
            }
        }
        if let Some((at, toks, angles)) = self.impl_header.take() {
            if at == depth && angles == 0 {
                self.owners.push(OwnerBody {
                    depth: depth + 1,
                    owner: impl_owner(&toks),
                    is_trait: false,
                    of_trait: impl_trait(&toks),
                });
                self.item_header = None;
                return;
            }
            self.impl_header = Some((at, toks, angles));
        }
        if let Some((at, name)) = self.pending_trait.take() {
            if at == depth {
                self.owners.push(OwnerBody {
                    depth: depth + 1,
                    owner: Owner::Named(name),
                    is_trait: true,
                    of_trait: None,
                });
                self.item_header = None;
                return;
            }
            self.pending_trait = Some((at, name));
        }
        if self.item_header == Some(depth) {
            self.item_header = None;
            if self.fn_header.take() == Some(depth) && self.fn_body.is_none() {
                self.fn_body = Some(OpenBody {
                    depth: depth + 1,
                    start: self.i,
                    skippable: true,
                    may_build: false,
                });
            }
            return;
        }
        if !block && self.impl_header.is_none() && self.item_header.is_none() {
            self.literal();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{scan, Kind};

    fn names(text: &str, kind: Kind) -> Vec<String> {
        scan(text)
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| n.to_owned())
            .collect()
    }

    #[test]
    fn definitions_outside_comments_and_strings() {
        let text = r##"
            // fn in_comment() {}
            /* fn in_block /* nested */ fn still_comment() */
            const S: &str = "fn in_string() {}";
            const R: &str = r#"fn in_raw() "# ;
            const C: char = '"'; const D: char = '\''; const E: u8 = b'"';
            fn real<'a>(x: &'a str) -> &'a str { x }
            pub(crate) async unsafe fn r#type() {}
            impl Foo { fn method(&self) {} }
            static mut COUNTER: u32 = 0;
            macro_rules! my_mac { ($x:ident) => { fn $x() {} } }
        "##;
        assert_eq!(names(text, Kind::Fn), ["real", "r#type", "method"]);
        assert_eq!(
            names(text, Kind::Const),
            ["S", "R", "C", "D", "E", "COUNTER"]
        );
        assert_eq!(names(text, Kind::Macro), ["my_mac"]);
        assert_eq!(scan(text).fn_bound, 4);
    }

    #[test]
    fn literals_in_test_modules_are_test_builds() {
        let text = "fn f() { Plain { a } }
            #[cfg(test)]
            #[allow(unused)]
            pub(crate) mod tests { fn t() { Tested { a }; Variant::Tuple(1); } mod deeper { fn d() { Deep { } } } }
            fn after() { After { } }
            #[cfg(test)] fn helper() { Helper { } }
            #[cfg(test)] mod out_of_line;
            mod inline { fn i() { Inline { } } }
            #[cfg(not(test))] mod other { fn o() { Other { } } }
            macro_rules! m { () => { #[cfg(test)] mod x { X { } } } }";
        assert_eq!(names(text, Kind::TestBuild), ["Tested", "Tuple", "Deep"]);
        assert_eq!(
            names(text, Kind::Build),
            ["Plain", "After", "Helper", "Inline", "Other"]
        );
        let mods = scan(text).inline_mods;
        assert!(mods.any && mods.outside_tests);
        let only_tests = scan("#[cfg(test)] mod tests { mod deeper { } } mod out_of_line;");
        assert!(only_tests.inline_mods.any && !only_tests.inline_mods.outside_tests);
    }

    #[test]
    fn types_of_the_files_own_module() {
        let text = "pub struct Own { a: u8 } enum Kind { A } union U { a: u8 }
            mod inner { struct Inner; } fn f() { struct Local; }
            macro_rules! m { () => { struct Expanded; } }";
        assert_eq!(names(text, Kind::OwnType), ["Own", "Kind"]);
    }

    #[test]
    fn struct_fields_only_inside_struct_bodies() {
        let text = "pub struct Keys<T: Clone> where T: Copy { pub(crate) running: String, \
                    #[serde(rename = \"x\")] done: HashMap<String, fn(a: u32)>, t: T }\n\
                    struct Tuple(u32); struct G<F: Fn(u8) -> u8> { g: F } fn f(arg: u32) { let local: u32 = 1; Keys { running: 1 }; }\n\
                    enum E { V { inner: u8 } } union U { bits: u32 }";
        assert_eq!(
            names(text, Kind::Field),
            ["running", "done", "t", "g", "bits"]
        );
        assert_eq!(names(text, Kind::Type), ["Keys", "Tuple", "G", "E", "U"]);
        assert_eq!(names(text, Kind::SureType), ["Keys", "Tuple", "G", "E"]);
        assert_eq!(
            names(text, Kind::StructField),
            ["Keys::running", "Keys::done", "Keys::t", "G::g", "U::bits"]
        );
        assert_eq!(names(text, Kind::Enum), ["E"]);
    }

    #[test]
    fn functions_are_filed_under_their_owner_and_receiver() {
        let text = r#"
            impl<T: Into<String>> Keys<T> where T: Clone { fn new() -> Self { Self { t: 1 } } fn get(&self) {} }
            impl<'a, F: Fn(u8) -> u8> fmt::Display for &'a mut crate::Wrapper<F> { fn fmt(&self) {} }
            impl Trait for [u8] { fn slice(self) {} }
            impl Trait for (A, B) { fn pair(&'a mut self) {} }
            impl<const N: usize> Trait for &'a [u8; N] { fn array(self) {} }
            impl Trait for () { fn unit(self) {} }
            impl Trait for (HashMap<A, B>) { fn paren(self) {} }
            impl Read for &mut (dyn Read + Unpin) { fn object(self) {} }
            impl Trait for (A, B)::Assoc { fn odd(self) {} }
            trait Store: Send { fn save(&mut self) { fn helper() {} } fn load(); }
            fn free<T>(x: T) -> impl Iterator<Item = T> { Builder::<T> { x }; Plain { y } }
            fn header() -> Plain { match x { A => { } } }
            fn closures() { let f = |x| -> Option<Id> { x }; S::<fn() -> u8> { a }; }
        "#;
        assert_eq!(
            names(text, Kind::Method),
            [
                "Keys::new",
                "Keys::get",
                "Wrapper::fmt",
                "HashMap::paren",
                "Store::save",
                "Store::load"
            ]
        );
        // Slices, arrays, tuples and trait objects have no name: their methods are free; `(T)`
        // is `T`; a path after a tuple the scan does not read: anyone's.
        assert_eq!(
            names(text, Kind::FreeFn),
            ["slice", "pair", "array", "unit", "object", "helper", "free", "header", "closures"]
        );
        assert_eq!(names(text, Kind::AnyOwnerFn), ["odd"]);
        assert_eq!(names(text, Kind::TraitFn), ["save", "load"]);
        assert_eq!(
            names(text, Kind::SelfFn),
            ["get", "fmt", "slice", "pair", "array", "unit", "paren", "object", "odd", "save"]
        );
        assert_eq!(
            names(text, Kind::PlainFn),
            ["new", "helper", "load", "free", "header", "closures"]
        );
        // Of a trait's functions and an `impl`'s, only the latter surely are methods syn finds.
        assert_eq!(
            names(text, Kind::SureMethod),
            ["get", "fmt", "slice", "pair", "array", "unit", "paren", "object", "odd"]
        );
        let unsure = "impl A { fn attr(#[cfg(x)] self) {} fn f() { impl B { fn g(&self) {} } } }
                      m! { impl C { fn h(&self) {} } } macro_rules! n { () => { impl D { fn i(&self) {} } } }";
        assert_eq!(names(unsure, Kind::SureMethod), ["g"]);
        // `Self { .. }` in `impl Keys`, `Builder::<T> { .. }`, `Plain { .. }`,
        // `S::<fn() -> u8> { .. }`; not the bodies of items (`-> Self {`, `-> Plain {`) and
        // closures (`-> Option<Id> {`), `=> {`, a scrutinee (`match x {`).
        assert_eq!(names(text, Kind::Build), ["Keys", "Builder", "Plain", "S"]);
    }

    #[test]
    fn a_literal_after_a_turbofish_builds_the_type_named_before_it() {
        // Nested `<>` and a `->` inside are followed to the turbofish's own `>`; a comparison
        // after a closed turbofish is no literal's name.
        let text = "fn f() { Padded::<Vec<u8>> { v }; W::<fn() -> u8, X<Y>> { a }; \
                    if n < m::<u8>() { } }";
        assert_eq!(names(text, Kind::Build), ["Padded", "W"]);
    }

    #[test]
    fn blocks_after_conditions_and_keywords_are_no_literals() {
        let text =
            "fn f() { if x { } else { } while y { } for a in b { } match c { D { e } => {} } \
                    unsafe { } loop { } if let F { g } = h { } if (I { j }).k { } L { m } }";
        // An arm's pattern is filed (a look-alike); the first brace at the depth of a condition
        // or scrutinee is not, a pattern's either (`if let F { g } = h {` files `h`, the
        // look-alike); in brackets a literal is.
        assert_eq!(names(text, Kind::Build), ["D", "h", "I", "L"]);
    }

    fn skippable(text: &str) -> Vec<(&str, bool)> {
        scan(text)
            .skippable_bodies()
            .iter()
            .map(|b| {
                (
                    &text[b.braces.start as usize..b.braces.end as usize],
                    b.may_build,
                )
            })
            .collect()
    }

    #[test]
    fn bodies_that_hold_nothing_the_index_reads_are_skippable() {
        let text = "fn plain(x: u8) -> u8 { if x > 1 { call(x) } else { x.get::<u8>() } }\n\
                    impl T { fn m(&'static self) { unsafe { f() } } fn decl(&self); }\n\
                    trait U { fn d(&self) { vec![S { a }]; } }\n\
                    fn literal() { S { a } }\n\
                    fn variant() { E::V(1) }\n\
                    fn turbofish() { E::V::<u8>(1) }\n\
                    fn nested() { fn inner() {} }\n\
                    fn constant() { const C: u8 = 1; }\n\
                    fn attribute() { #![allow(x)] }\n\
                    fn in_macro() { quote! { struct S; } }\n\
                    macro_rules! m { () => { fn hidden() { 1 } } }";
        // Outermost bodies only; a macro call's tokens are not read by the index either, but
        // an item word there is looked at no closer. Those that may build a value are marked.
        assert_eq!(
            skippable(text),
            [
                ("{ if x > 1 { call(x) } else { x.get::<u8>() } }", false),
                ("{ unsafe { f() } }", false),
                ("{ vec![S { a }]; }", false),
                ("{ S { a } }", true),
                ("{ E::V(1) }", true),
                ("{ E::V::<u8>(1) }", true),
            ]
        );
    }

    #[test]
    fn functions_of_trait_impls_are_filed_under_the_trait() {
        let text = r#"
            impl<T: Into<String>> Keys<T> where T: Clone { fn new() -> Self { Self { t: 1 } } }
            impl<'a, C: redis::ConnectionLike> redis::ConnectionLike for Traced<'a, C> { fn req_packed_command(&mut self) { fn nested() {} } }
            impl<'a> From<&'a str> for Key where for<'b> &'b str: Into<Key> { fn from(s: &'a str) -> Self { todo!() } }
            impl !Unpin for Pinned { fn never() {} }
            impl<T> Trait for fn(T) -> T { fn pointer(self) {} }
            impl Fn(u8) -> u8 for Sugar { fn call(&self) {} }
            trait Store { fn save(&mut self); }
            fn free() { impl Local for u8 { fn inner() {} } }
        "#;
        assert_eq!(
            names(text, Kind::TraitImplFn),
            [
                "ConnectionLike",
                "ConnectionLike",
                "From",
                "Unpin",
                "Trait",
                "",
                "Local"
            ]
        );
    }

    #[test]
    fn tuple_variants_built_are_filed_like_literals() {
        let text = "fn queue<F: Fn(u8)>() { Change::Incr(k); Self::Set (k); Some(k); f(Fn(x)); }";
        assert_eq!(names(text, Kind::Build), ["Incr", "Set"]);
    }

    #[test]
    fn nothing_is_filed_inside_macro_calls_and_definitions() {
        let text = "cfg_rt! { impl Foo { fn hidden() {} } struct Hidden { f: u8 } }\n\
                    union! { struct InUnion { f: u8 } } default!(struct InDefault;)\n\
                    macro_rules! gen { ($t:ty) => { impl $t { fn also_hidden(&self) {} } } }\n\
                    fn seen() { if !(a) { Lit { x }; } vec![Other { y }]; }";
        assert_eq!(names(text, Kind::Fn), ["seen"]);
        assert_eq!(names(text, Kind::Type), Vec::<String>::new());
        assert_eq!(names(text, Kind::Macro), ["gen"]);
        assert_eq!(names(text, Kind::Build), ["Lit"]);
        assert_eq!(scan(text).fn_bound, 3);
    }
}
