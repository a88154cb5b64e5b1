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
//! Not here: the item index proper (`index`), which reads parsed files.

use std::collections::HashMap;

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
    /// `NAME { … }` outside an item's header (a struct literal, or a look-alike), and
    /// `Self { … }` in an `impl` of `NAME`; `""`: a literal the scan cannot name.
    Build,
}

/// The names one file may define, and how many `fn` keywords it has.
#[derive(Clone, Debug, Default)]
pub struct FileNames {
    pub defs: Vec<(Kind, String)>,
    pub fn_bound: usize,
}

/// A file's names, from its text.
pub fn scan(text: &str) -> FileNames {
    Scanner::new(text.as_bytes()).run()
}

/// The crate's names: name → files that may define it, per kind (files ascending).
#[derive(Default)]
pub struct NameIndex {
    /// Per kind (its number), name → files; looked up by `&str`, without allocating.
    by_kind: Vec<HashMap<String, Vec<u32>>>,
}

impl NameIndex {
    pub fn build(files: &[FileNames]) -> NameIndex {
        let mut by_kind: Vec<HashMap<String, Vec<u32>>> = Vec::new();
        for (i, f) in files.iter().enumerate() {
            for (kind, name) in &f.defs {
                let k = *kind as usize;
                if by_kind.len() <= k {
                    by_kind.resize_with(k + 1, HashMap::new);
                }
                if !by_kind[k].contains_key(name.as_str()) {
                    by_kind[k].insert(name.clone(), Vec::new());
                }
                let Some(list) = by_kind[k].get_mut(name.as_str()) else {
                    continue;
                };
                if list.last() != Some(&(i as u32)) {
                    list.push(i as u32);
                }
            }
        }
        NameIndex { by_kind }
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

    pub fn files(&self, kind: Kind, name: &str) -> &[u32] {
        self.by_kind
            .get(kind as usize)
            .and_then(|names| names.get(name))
            .map_or(&[], Vec::as_slice)
    }
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

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The last tokens seen, enough to recognize `fn NAME`, `static mut NAME`, `macro_rules! NAME`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tok<'t> {
    Ident(&'t [u8]),
    Punct(u8),
    Other,
}

struct Scanner<'t> {
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
    /// Depths inside struct bodies (the depth of the fields).
    bodies: Vec<usize>,
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
    /// `macro_rules! NAME` read at this depth: its body comes next.
    pending_macro_rules: Option<usize>,
}

/// A token of an `impl` header.
#[derive(Clone, Debug, PartialEq, Eq)]
enum HTok {
    Ident(String),
    Punct(u8),
    Open,
    Close,
}

/// Who owns the functions of an `impl` or `trait` body, as syn's `index::type_name` would say.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Owner {
    Named(String),
    /// A type with no name: its functions are free (`self_ty` is none).
    Unnamed,
    /// A header the scan cannot read.
    Unknown,
}

struct OwnerBody {
    /// Depth of the functions directly in the body.
    depth: usize,
    owner: Owner,
    is_trait: bool,
}

impl<'t> Scanner<'t> {
    fn new(s: &'t [u8]) -> Scanner<'t> {
        Scanner {
            s,
            i: 0,
            out: FileNames::default(),
            prev: Tok::Other,
            prev2: Tok::Other,
            depth: 0,
            pending_body: None,
            angles: 0,
            bodies: Vec::new(),
            impl_header: None,
            pending_trait: None,
            item_header: None,
            owners: Vec::new(),
            macro_body: None,
            pending_macro_rules: None,
        }
    }

    fn push(&mut self, t: Tok<'t>) {
        self.prev2 = self.prev;
        self.prev = t;
    }

    fn def(&mut self, kind: Kind, name: String) {
        if self.macro_body.is_none() {
            self.out.defs.push((kind, name));
        }
    }

    /// `fn NAME`: filed under its name and under what owns it.
    fn function(&mut self, name: &str) {
        self.def(Kind::Fn, name.to_owned());
        let receiver = self.receiver();
        if receiver != Some(false) {
            self.def(Kind::SelfFn, name.to_owned());
        }
        if receiver != Some(true) {
            self.def(Kind::PlainFn, name.to_owned());
        }
        let body = self.owners.last().filter(|b| b.depth == self.depth);
        let (owner, is_trait) = match body {
            Some(b) => (b.owner.clone(), b.is_trait),
            None => (Owner::Unnamed, false),
        };
        match owner {
            Owner::Named(ty) => {
                self.def(Kind::Method, format!("{ty}::{name}"));
                self.def(Kind::Owner, ty);
                if is_trait {
                    self.def(Kind::TraitFn, name.to_owned());
                }
            }
            Owner::Unnamed => self.def(Kind::FreeFn, name.to_owned()),
            Owner::Unknown => {
                self.def(Kind::AnyOwnerFn, name.to_owned());
                self.def(Kind::Owner, String::new());
            }
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
        let name = match self.prev {
            Tok::Ident(b"Self") => match self.owners.last().map(|b| &b.owner) {
                Some(Owner::Named(ty)) => ty.clone(),
                Some(Owner::Unknown) => String::new(),
                Some(Owner::Unnamed) | None => return,
            },
            Tok::Ident(word) => match std::str::from_utf8(word) {
                Ok(w) => w.to_owned(),
                Err(_) => return,
            },
            // `Foo::<T> { … }`, but not `=> {` or `-> T {`.
            Tok::Punct(b'>') if !matches!(self.prev2, Tok::Punct(b'=' | b'-')) => String::new(),
            _ => return,
        };
        self.def(Kind::Build, name);
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

    fn at(&self, k: usize) -> u8 {
        self.s.get(self.i + k).copied().unwrap_or(0)
    }

    fn run(mut self) -> FileNames {
        while self.i < self.s.len() {
            let b = self.s[self.i];
            match b {
                b'/' if self.at(1) == b'/' => self.line_comment(),
                b'/' if self.at(1) == b'*' => self.block_comment(),
                b'"' => {
                    self.i += 1;
                    self.quoted(b'"');
                    self.push(Tok::Other);
                }
                b'\'' => self.quote_or_lifetime(),
                b if b.is_ascii_whitespace() => self.i += 1,
                b if b.is_ascii_digit() => {
                    while self.i < self.s.len() && is_ident_byte(self.s[self.i]) {
                        self.i += 1;
                    }
                    self.push(Tok::Other);
                }
                b if is_ident_start(b) => self.ident_or_literal(),
                _ => {
                    self.punct(b);
                    self.i += 1;
                }
            }
        }
        self.out
    }

    fn line_comment(&mut self) {
        while self.i < self.s.len() && self.s[self.i] != b'\n' {
            self.i += 1;
        }
    }

    fn block_comment(&mut self) {
        let mut nest = 0usize;
        while self.i < self.s.len() {
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
    }

    /// After the opening quote: to the closing one, escapes skipped.
    fn quoted(&mut self, close: u8) {
        while self.i < self.s.len() {
            match self.s[self.i] {
                b'\\' => self.i += 2,
                c if c == close => {
                    self.i += 1;
                    return;
                }
                _ => self.i += 1,
            }
        }
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
        while self.i < self.s.len() && is_ident_byte(self.s[self.i]) {
            self.i += 1;
        }
        let word = &self.s[start..self.i];
        let next = self.at(0);
        match (word, next) {
            (b"r" | b"br" | b"cr", b'"' | b'#') => {
                // `r#ident` is a raw identifier, `r#"…"#` a raw string.
                if word == b"r" && next == b'#' && is_ident_start(self.at(1)) {
                    self.i += 1;
                    let id_start = self.i;
                    while self.i < self.s.len() && is_ident_byte(self.s[self.i]) {
                        self.i += 1;
                    }
                    // syn spells raw identifiers with their prefix.
                    let raw = &self.s[start..self.i];
                    let _ = id_start;
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
        if word == b"fn" {
            self.out.fn_bound += 1;
        }
        if self.macro_body.is_some() {
            self.push(Tok::Ident(word));
            return;
        }
        if self.prev == Tok::Punct(b'!') && self.prev2 == Tok::Ident(b"macro_rules") {
            self.pending_macro_rules = Some(self.depth);
        }
        if let Some((_, toks, _)) = &mut self.impl_header {
            toks.push(HTok::Ident(String::from_utf8_lossy(word).into_owned()));
        }
        let kind = match self.prev {
            Tok::Ident(b"fn") => Some(Kind::Fn),
            Tok::Ident(b"struct" | b"enum" | b"union") => Some(Kind::Type),
            // An associated type (`type Error = …;` in an `impl` or `trait`) is no alias.
            Tok::Ident(b"type") if self.owners.last().is_none_or(|o| o.depth != self.depth) => {
                Some(Kind::Alias)
            }
            Tok::Ident(b"trait") => Some(Kind::Trait),
            Tok::Ident(b"const" | b"static") => Some(Kind::Const),
            Tok::Ident(b"mut") if self.prev2 == Tok::Ident(b"static") => Some(Kind::Const),
            Tok::Punct(b'!') if self.prev2 == Tok::Ident(b"macro_rules") => Some(Kind::Macro),
            _ => None,
        };
        // `static mut X`, `const fn f`, `const unsafe fn f`: keywords are not names.
        let keyword = matches!(word, b"mut" | b"fn" | b"unsafe" | b"async" | b"extern");
        if let (Some(kind), false) = (kind, keyword) {
            if let Ok(name) = std::str::from_utf8(word) {
                if kind == Kind::Fn {
                    self.function(name);
                } else {
                    self.def(kind, name.to_owned());
                }
                match self.prev {
                    Tok::Ident(b"enum") => self.def(Kind::Enum, name.to_owned()),
                    Tok::Ident(b"trait") => {
                        self.pending_trait = Some((self.depth, name.to_owned()))
                    }
                    _ => {}
                }
            }
            if matches!(self.prev, Tok::Ident(b"struct" | b"union")) {
                self.pending_body = Some(self.depth);
                self.angles = 0;
            }
            if matches!(
                self.prev,
                Tok::Ident(b"fn" | b"struct" | b"enum" | b"union" | b"trait")
            ) {
                self.item_header = Some(self.depth);
            }
        }
        if word == b"mod" {
            self.item_header = Some(self.depth);
        }
        // `impl` where an item may start (not `-> impl Trait`, `x: impl Trait`, `&'a impl T`).
        let item_position = matches!(
            self.prev,
            Tok::Other | Tok::Punct(b';' | b'}' | b'{' | b']') | Tok::Ident(b"unsafe" | b"default")
        );
        if word == b"impl" && item_position {
            self.impl_header = Some((self.depth, Vec::new(), 0));
            self.item_header = Some(self.depth);
        }
        self.push(Tok::Ident(word));
    }

    fn punct(&mut self, b: u8) {
        let header = self.pending_body == Some(self.depth);
        let depth = self.depth;
        if let Some((at, toks, angles)) = &mut self.impl_header {
            let top = *at == depth;
            match b {
                b'{' if top && *angles == 0 => {}
                b';' if top => {}
                b'{' | b'(' | b'[' => toks.push(HTok::Open),
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
        match b {
            b'<' if header => self.angles += 1,
            b'>' if header && self.prev != Tok::Punct(b'-') => {
                self.angles = self.angles.saturating_sub(1)
            }
            b'{' | b'(' | b'[' => {
                let call = self.prev == Tok::Punct(b'!')
                    && matches!(self.prev2, Tok::Ident(w) if !is_keyword(w));
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
                    if let Tok::Ident(w) = self.prev {
                        if w.first().is_some_and(u8::is_ascii_uppercase) && self.after_path_sep(w) {
                            if let Ok(w) = std::str::from_utf8(w) {
                                self.def(Kind::Build, w.to_owned());
                            }
                        }
                    }
                }
                if b == b'{' && self.pending_body == Some(self.depth) {
                    self.bodies.push(self.depth + 1);
                    self.pending_body = None;
                } else if b == b'(' && header && self.angles == 0 {
                    // A tuple struct: no named fields.
                    self.pending_body = None;
                }
                self.depth += 1;
            }
            b'}' | b')' | b']' => {
                if self.bodies.last() == Some(&self.depth) {
                    self.bodies.pop();
                }
                if b == b'}' && self.owners.last().is_some_and(|o| o.depth == self.depth) {
                    self.owners.pop();
                }
                self.depth = self.depth.saturating_sub(1);
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
            }
            b':' => {
                let single = self.at(1) != b':' && self.prev != Tok::Punct(b':');
                if single && self.bodies.last() == Some(&self.depth) {
                    if let Tok::Ident(name) = self.prev {
                        if let Ok(name) = std::str::from_utf8(name) {
                            self.def(Kind::Field, name.to_owned());
                        }
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
        if let Some((at, toks, angles)) = self.impl_header.take() {
            if at == depth && angles == 0 {
                self.owners.push(OwnerBody {
                    depth: depth + 1,
                    owner: impl_owner(&toks),
                    is_trait: false,
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
                });
                self.item_header = None;
                return;
            }
            self.pending_trait = Some((at, name));
        }
        if self.item_header == Some(depth) {
            self.item_header = None;
            return;
        }
        if self.impl_header.is_none() && self.item_header.is_none() {
            self.literal();
        }
    }
}

/// The owner of an `impl` body from its header's tokens (after `impl`), as syn's
/// `index::type_name` of the self type: a plain path's last name, through `&`, lifetimes and
/// `mut`; `Unnamed` for slices, tuples, pointers, `dyn`, `fn` types; `Unknown` when unsure.
fn impl_owner(toks: &[HTok]) -> Owner {
    let punct = |t: Option<&HTok>, p: u8| t == Some(&HTok::Punct(p));
    // Where the self type starts (after the generics, or after `for`) and ends (`where`).
    let mut start = 0;
    let mut end = toks.len();
    let (mut angles, mut nest) = (0usize, 0usize);
    let mut generics = punct(toks.first(), b'<');
    for (k, t) in toks.iter().enumerate() {
        let arrow = k > 0 && punct(toks.get(k - 1), b'-');
        match t {
            HTok::Open => nest += 1,
            HTok::Close => nest = nest.saturating_sub(1),
            HTok::Punct(b'<') if nest == 0 => angles += 1,
            HTok::Punct(b'>') if nest == 0 && !arrow => {
                angles = angles.saturating_sub(1);
                if generics && angles == 0 {
                    generics = false;
                    start = k + 1;
                }
            }
            HTok::Ident(w) if nest == 0 && angles == 0 && !generics => match w.as_str() {
                "for" => start = k + 1,
                "where" => {
                    end = k;
                    break;
                }
                _ => {}
            },
            _ => {}
        }
    }
    if generics || start > end {
        return Owner::Unknown;
    }
    let mut ty = &toks[start..end];
    // `impl !Send for X`: the negation belongs to the trait, before `for`.
    loop {
        match ty.first() {
            Some(HTok::Punct(b'&')) => ty = &ty[1..],
            Some(HTok::Punct(b'\'')) if ty.len() > 1 => ty = &ty[2..],
            Some(HTok::Ident(w)) if w == "mut" => ty = &ty[1..],
            _ => break,
        }
    }
    match ty.first() {
        None | Some(HTok::Open) | Some(HTok::Close) => return Owner::Unknown,
        Some(HTok::Punct(b'*' | b'!')) => return Owner::Unnamed,
        Some(HTok::Punct(b':')) => {}
        Some(HTok::Punct(_)) => return Owner::Unknown,
        Some(HTok::Ident(w))
            if matches!(
                w.as_str(),
                "dyn" | "fn" | "impl" | "unsafe" | "extern" | "_"
            ) =>
        {
            return Owner::Unnamed
        }
        Some(HTok::Ident(_)) => {}
    }
    // Slices and arrays start with an open bracket, tuples too: not here. A path: names and
    // `::`, each name maybe with generic arguments; its last name at top level.
    let (mut last, mut angles, mut nest) = (None, 0usize, 0usize);
    for (k, t) in ty.iter().enumerate() {
        let arrow = k > 0 && punct(ty.get(k - 1), b'-');
        match t {
            HTok::Open => nest += 1,
            HTok::Close => nest = nest.saturating_sub(1),
            _ if nest > 0 => {}
            HTok::Punct(b'<') => angles += 1,
            HTok::Punct(b'>') if !arrow => angles = angles.saturating_sub(1),
            _ if angles > 0 => {}
            HTok::Punct(b':') => {}
            HTok::Ident(w) => last = Some(w.clone()),
            // `m!(..)`, `A + B`, anything else: not a plain path.
            _ => return Owner::Unknown,
        }
    }
    match last {
        Some(name) if angles == 0 && nest == 0 => Owner::Named(name),
        _ => Owner::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str, kind: Kind) -> Vec<String> {
        scan(text)
            .defs
            .into_iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| n)
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
        assert_eq!(names(text, Kind::Enum), ["E"]);
    }

    #[test]
    fn functions_are_filed_under_their_owner_and_receiver() {
        let text = r#"
            impl<T: Into<String>> Keys<T> where T: Clone { fn new() -> Self { Self { t: 1 } } fn get(&self) {} }
            impl<'a, F: Fn(u8) -> u8> fmt::Display for &'a mut crate::Wrapper<F> { fn fmt(&self) {} }
            impl Trait for [u8] { fn slice(self) {} }
            impl Trait for (A, B) { fn pair(&'a mut self) {} }
            trait Store: Send { fn save(&mut self) { fn helper() {} } fn load(); }
            fn free<T>(x: T) -> impl Iterator<Item = T> { Builder::<T> { x }; Plain { y } }
            fn header() -> Plain { match x { A => { } } }
        "#;
        assert_eq!(
            names(text, Kind::Method),
            [
                "Keys::new",
                "Keys::get",
                "Wrapper::fmt",
                "Store::save",
                "Store::load"
            ]
        );
        // Slices and tuples have no name; the scan does not tell them from `(T)`: anyone's.
        assert_eq!(names(text, Kind::FreeFn), ["helper", "free", "header"]);
        assert_eq!(names(text, Kind::AnyOwnerFn), ["slice", "pair"]);
        assert_eq!(names(text, Kind::TraitFn), ["save", "load"]);
        assert_eq!(
            names(text, Kind::SelfFn),
            ["get", "fmt", "slice", "pair", "save"]
        );
        assert_eq!(
            names(text, Kind::PlainFn),
            ["new", "helper", "load", "free", "header"]
        );
        // `Self { .. }` in `impl Keys`, `Builder::<T> { .. }` unnamed, `Plain { .. }`, the
        // look-alike `match x {`; not the bodies of items (`-> Self {`, `-> Plain {`), `=> {`.
        assert_eq!(names(text, Kind::Build), ["Keys", "", "Plain", "x"]);
    }

    #[test]
    fn tuple_variants_built_are_filed_like_literals() {
        let text = "fn queue<F: Fn(u8)>() { Change::Incr(k); Self::Set (k); Some(k); f(Fn(x)); }";
        assert_eq!(names(text, Kind::Build), ["Incr", "Set"]);
    }

    #[test]
    fn nothing_is_filed_inside_macro_calls_and_definitions() {
        let text = "cfg_rt! { impl Foo { fn hidden() {} } struct Hidden { f: u8 } }\n\
                    macro_rules! gen { ($t:ty) => { impl $t { fn also_hidden(&self) {} } } }\n\
                    fn seen() { if !(a) { Lit { x }; } vec![Other { y }]; }";
        assert_eq!(names(text, Kind::Fn), ["seen"]);
        assert_eq!(names(text, Kind::Type), Vec::<String>::new());
        assert_eq!(names(text, Kind::Macro), ["gen"]);
        assert_eq!(names(text, Kind::Build), ["Lit"]);
        assert_eq!(scan(text).fn_bound, 3);
    }

    #[test]
    fn words_are_found_whole() {
        let f = memchr::memmem::Finder::new("Keys");
        assert!(mentions_word("impl Keys {}", &f));
        assert!(mentions_word("Keys", &f));
        assert!(!mentions_word("impl MyKeys {} KeysX", &f));
    }
}
