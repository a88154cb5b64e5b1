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
//! Not here: the item index proper (`index`), which reads parsed files.

use std::collections::HashMap;

/// What kind of item a name was seen defined as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `fn NAME`.
    Fn,
    /// `struct`, `enum`, `union`, `trait` or `type NAME`.
    Type,
    /// `const NAME`, `static [mut] NAME`.
    Const,
    /// `NAME:` directly inside the braces of a `struct` or `union`.
    Field,
    /// `macro_rules! NAME`.
    Macro,
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
    by_name: HashMap<(Kind, String), Vec<u32>>,
}

impl NameIndex {
    pub fn build(files: &[FileNames]) -> NameIndex {
        let mut by_name: HashMap<(Kind, String), Vec<u32>> = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            for (kind, name) in &f.defs {
                let list = by_name.entry((*kind, name.clone())).or_default();
                if list.last() != Some(&(i as u32)) {
                    list.push(i as u32);
                }
            }
        }
        NameIndex { by_name }
    }

    pub fn files(&self, kind: Kind, name: &str) -> &[u32] {
        // Keys are owned; a lookup allocates once per query, which the callers cache.
        self.by_name
            .get(&(kind, name.to_owned()))
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
        }
    }

    fn push(&mut self, t: Tok<'t>) {
        self.prev2 = self.prev;
        self.prev = t;
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
        let kind = match self.prev {
            Tok::Ident(b"fn") => Some(Kind::Fn),
            Tok::Ident(b"struct" | b"enum" | b"union" | b"trait" | b"type") => Some(Kind::Type),
            Tok::Ident(b"const" | b"static") => Some(Kind::Const),
            Tok::Ident(b"mut") if self.prev2 == Tok::Ident(b"static") => Some(Kind::Const),
            Tok::Punct(b'!') if self.prev2 == Tok::Ident(b"macro_rules") => Some(Kind::Macro),
            _ => None,
        };
        // `static mut X`, `const fn f`, `const unsafe fn f`: keywords are not names.
        let keyword = matches!(word, b"mut" | b"fn" | b"unsafe" | b"async" | b"extern");
        if let (Some(kind), false) = (kind, keyword) {
            if let Ok(name) = std::str::from_utf8(word) {
                self.out.defs.push((kind, name.to_owned()));
            }
            if matches!(self.prev, Tok::Ident(b"struct" | b"union")) {
                self.pending_body = Some(self.depth);
                self.angles = 0;
            }
        }
        self.push(Tok::Ident(word));
    }

    fn punct(&mut self, b: u8) {
        let header = self.pending_body == Some(self.depth);
        match b {
            b'<' if header => self.angles += 1,
            b'>' if header && self.prev != Tok::Punct(b'-') => {
                self.angles = self.angles.saturating_sub(1)
            }
            b'{' | b'(' | b'[' => {
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
                self.depth = self.depth.saturating_sub(1);
            }
            b';' if self.pending_body == Some(self.depth) => self.pending_body = None,
            b':' => {
                let single = self.at(1) != b':' && self.prev != Tok::Punct(b':');
                if single && self.bodies.last() == Some(&self.depth) {
                    if let Tok::Ident(name) = self.prev {
                        if let Ok(name) = std::str::from_utf8(name) {
                            self.out.defs.push((Kind::Field, name.to_owned()));
                        }
                    }
                }
            }
            _ => {}
        }
        self.push(Tok::Punct(b));
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
    }

    #[test]
    fn words_are_found_whole() {
        let f = memchr::memmem::Finder::new("Keys");
        assert!(mentions_word("impl Keys {}", &f));
        assert!(mentions_word("Keys", &f));
        assert!(!mentions_word("impl MyKeys {} KeysX", &f));
    }
}
