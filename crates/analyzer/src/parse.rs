//! Parsing untrusted text without crashing: a cheap lexical bound on how deep a parser (and any
//! walk over its tree) will recurse, checked before syn or full_moon see the text, and parsing
//! on a thread whose stack is sized for that bound.
//!
//! syn, full_moon and the interpreter recurse once per nested expression, block, type or
//! statement. A file can nest without limit (`((((…))))`, 100,000 chained calls, `!!!!x`,
//! `else if` chains), and a stack overflow aborts the whole process: no `catch_unwind` can
//! stop it. So every parse is preceded by [`rust_depth`] / [`lua_depth`], a single pass over
//! the text that over-estimates the depth of the tree the parser would build, and a text deeper
//! than [`MAX_RUST_DEPTH`] / [`MAX_LUA_DEPTH`] is not parsed at all: it is a `parse-error` note.
//!
//! The estimate: inside each open bracket, count the operator tokens since the last `,` / `;`
//! / `=>` (each binary or unary operator, `.`, `?`, `as`, `else`, `return`… can add one level
//! to the tree without a bracket); the depth at a token is the sum, over the brackets around
//! it, of one plus that count. Real code stays well below the bounds: the deepest of the 6,861
//! `.rs` files of a cargo registry cache (218 crates) measures 224, a long list of trait
//! bounds the estimate over-counts (`scripts/nesting.sh` prints them). At the bounds, every
//! construct is parsed and analyzed within a quarter of [`PARSE_STACK_BYTES`] in a debug build
//! (a test runs them on half), far less in release; before the bound, 30,000 parentheses, 20,000
//! blocks or 9,000 nested generic types overflowed 64 MiB in release (1,300 generics in debug).
//!
//! Not here: reading files ([`crate::input`]), line and column positions
//! ([`crate::source`]).

use crate::lexical::{ident_end, is_ident_byte, is_ident_start, is_space};

/// Stack for threads that parse and walk source trees (the analyzer's workers, `fix`'s
/// parses): enough for any text within the depth bounds.
pub const PARSE_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Rust text whose [`rust_depth`] is above this is not parsed.
pub const MAX_RUST_DEPTH: usize = 512;

/// Lua text whose [`lua_depth`] is above this is not parsed.
pub const MAX_LUA_DEPTH: usize = 200;

/// Why a text was not parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TooDeep {
    /// Byte offset where the bound was first exceeded.
    pub at: usize,
    pub bound: usize,
}

impl std::fmt::Display for TooDeep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "nests deeper than {} levels; skipped (slotlint bounds how deep it reads, so that it cannot run out of stack)",
            self.bound
        )
    }
}

/// One open bracket (or the file itself): the operators counted since its last separator, and
/// the counts at the generic `<` and closure `|` still open in it. A `,` inside `Vec<A, B<…>>`
/// or `|a, b|` separates siblings below those, not above: it resets the count to the last
/// floor, not to zero.
#[derive(Default)]
struct Segment {
    count: usize,
    floors: Vec<usize>,
}

/// The running estimate over the open brackets.
struct Depth {
    segments: Vec<Segment>,
    /// Sum of the segments' counts.
    sum: usize,
    max: usize,
    bound: usize,
    first_over: Option<usize>,
}

impl Depth {
    fn new(bound: usize) -> Depth {
        Depth {
            segments: vec![Segment::default()],
            sum: 0,
            max: 1,
            bound,
            first_over: None,
        }
    }

    fn top(&mut self) -> &mut Segment {
        if self.segments.is_empty() {
            self.segments.push(Segment::default());
        }
        let last = self.segments.len() - 1;
        &mut self.segments[last]
    }

    fn note(&mut self, at: usize) {
        let d = self.segments.len() + self.sum;
        self.max = self.max.max(d);
        if d > self.bound && self.first_over.is_none() {
            self.first_over = Some(at);
        }
    }

    fn open(&mut self, at: usize) {
        self.segments.push(Segment::default());
        self.note(at);
    }

    fn close(&mut self) {
        // An unbalanced closer (the text will not parse anyway) never pops the file level.
        if self.segments.len() > 1 {
            self.sum -= self.segments.pop().map_or(0, |s| s.count);
        }
    }

    fn op(&mut self, at: usize) {
        self.top().count += 1;
        self.sum += 1;
        self.note(at);
    }

    /// A generic `<` or the `|` opening closure parameters.
    fn soft_open(&mut self, at: usize) {
        self.op(at);
        let top = self.top();
        top.floors.push(top.count);
    }

    /// A generic `>`.
    fn soft_close(&mut self, at: usize) {
        self.op(at);
        self.top().floors.pop();
    }

    /// `,` or `=>`: back to the last floor.
    fn separator(&mut self) {
        let top = self.top();
        let floor = top.floors.last().copied().unwrap_or(0).min(top.count);
        let dropped = top.count - floor;
        top.count = floor;
        self.sum -= dropped;
    }

    /// `;`, or a new item or statement after a block: nothing before it is an ancestor.
    fn end_statement(&mut self) {
        let top = self.top();
        let dropped = top.count;
        top.count = 0;
        top.floors.clear();
        self.sum -= dropped;
    }
}

/// Index just past a quoted literal starting at `i` (the opening quote), with `\` escapes.
fn skip_quoted(b: &[u8], i: usize, quote: u8) -> usize {
    let mut j = i + 1;
    // Strings, comments and raw strings are much of a file's bytes: `memchr` finds their end.
    while let Some(k) = b
        .get(j..)
        .and_then(|rest| memchr::memchr2(b'\\', quote, rest))
    {
        j += k;
        if b[j] == quote {
            return j + 1;
        }
        j += 2;
    }
    b.len()
}

/// `r"…"`, `r#"…"#` starting at `i` (the `r`): index past it, or `None` if it is not one.
fn skip_raw_string(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    let mut hashes = 0;
    while b.get(j) == Some(&b'#') {
        hashes += 1;
        j += 1;
    }
    if b.get(j) != Some(&b'"') {
        return None;
    }
    j += 1;
    while let Some(k) = memchr::memchr(b'"', &b[j..]) {
        j += k;
        if b.get(j + 1..j + 1 + hashes)
            .is_some_and(|h| h.iter().all(|&c| c == b'#'))
        {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(b.len())
}

/// Keywords that can nest an expression or a type without a bracket: `return`, `break`,
/// `yield`, `else`, `as`, `dyn`, `impl`, `become`, `do`, `box`, `move`, `static`, `async`,
/// `let`, `mut`, `ref`, `in`, `if`, `while`, `match`, `for`, `unsafe`, `where`, `const`, `fn`,
/// `loop`. Patterns of bytes, which compile to comparisons of the length and a byte or two:
/// matching strings called a comparison per keyword for every identifier of a file.
fn is_nesting_keyword(word: &str) -> bool {
    matches!(
        word.as_bytes(),
        [b'a', b's']
            | [b'd', b'o']
            | [b'i', b'n']
            | [b'i', b'f']
            | [b'f', b'n']
            | [b'd', b'y', b'n']
            | [b'b', b'o', b'x']
            | [b'l', b'e', b't']
            | [b'm', b'u', b't']
            | [b'r', b'e', b'f']
            | [b'f', b'o', b'r']
            | [b'e', b'l', b's', b'e']
            | [b'i', b'm', b'p', b'l']
            | [b'm', b'o', b'v', b'e']
            | [b'l', b'o', b'o', b'p']
            | [b'b', b'r', b'e', b'a', b'k']
            | [b'y', b'i', b'e', b'l', b'd']
            | [b'a', b's', b'y', b'n', b'c']
            | [b'w', b'h', b'i', b'l', b'e']
            | [b'm', b'a', b't', b'c', b'h']
            | [b'w', b'h', b'e', b'r', b'e']
            | [b'c', b'o', b'n', b's', b't']
            | [b'r', b'e', b't', b'u', b'r', b'n']
            | [b'b', b'e', b'c', b'o', b'm', b'e']
            | [b's', b't', b'a', b't', b'i', b'c']
            | [b'u', b'n', b's', b'a', b'f', b'e']
    )
}

/// The length of the multi-character punctuation `b` starts with (the longest: `...`, `..=`,
/// `<<=`, `>>=`, then `::`, `->`, `=>`, `==`, `..`, `<<`, `>>`, `&&`, `||` and `OP=`), or 0.
fn multi_punct_len(b: &[u8]) -> usize {
    match b {
        [b'.', b'.', b'.' | b'=', ..] | [b'<', b'<', b'=', ..] | [b'>', b'>', b'=', ..] => 3,
        [b':', b':', ..]
        | [b'-', b'>', ..]
        | [b'=', b'>' | b'=', ..]
        | [b'.', b'.', ..]
        | [b'<', b'<', ..]
        | [b'>', b'>', ..]
        | [b'&', b'&', ..]
        | [b'|', b'|', ..]
        | [b'!' | b'<' | b'>' | b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'&' | b'|', b'=', ..] => {
            2
        }
        _ => 0,
    }
}

/// An upper estimate of the depth of the tree syn builds for `text` (see the module docs), and
/// the first offset past `bound`.
fn rust_depth_from(text: &str, bound: usize) -> (usize, Option<usize>) {
    let b = text.as_bytes();
    let mut d = Depth::new(bound);
    let mut i = 0;
    // The previous token ends a value (a name, a literal, a closing bracket): a `|` after it is
    // an operator, else it opens closure parameters.
    let mut after_value = false;
    let mut in_closure_params = false;
    // The previous token closed a `{…}`: a name or `#` after it starts a new statement or item.
    let mut after_block = false;
    while i < b.len() {
        let c = b[i];
        if is_space(c) {
            // A run at once (indentation is much of a file).
            i += 1;
            while b.get(i).is_some_and(|&c| is_space(c)) {
                i += 1;
            }
            continue;
        }
        if c == b'/' && matches!(b.get(i + 1), Some(b'/' | b'*')) {
            i = skip_rust_comment(b, i);
            continue;
        }
        let block_before = std::mem::take(&mut after_block);
        match c {
            b'"' => {
                i = skip_quoted(b, i, b'"');
                after_value = true;
            }
            b'\'' => {
                // A char literal (`'a'`, `'\n'`, `'é'`) or a lifetime / label (`'a`).
                if b.get(i + 1) == Some(&b'\\') {
                    i = skip_quoted(b, i, b'\'');
                    after_value = true;
                } else {
                    let next = text[i + 1..].chars().next().map_or(1, char::len_utf8);
                    if b.get(i + 1 + next) == Some(&b'\'') {
                        i += 2 + next;
                        after_value = true;
                    } else {
                        i += 1;
                    }
                }
            }
            b'(' | b'[' | b'{' => {
                d.open(i);
                i += 1;
                after_value = false;
            }
            b')' | b']' | b'}' => {
                d.close();
                i += 1;
                after_value = true;
                after_block = c == b'}';
            }
            b',' => {
                d.separator();
                i += 1;
                after_value = false;
            }
            b';' => {
                d.end_statement();
                i += 1;
                after_value = false;
            }
            c if is_ident_start(c) => {
                let start = i;
                i = ident_end(b, i);
                let word = &text[start..i];
                // String prefixes: b"…", c"…", r"…", br#"…"#, cr"…".
                let next = b.get(i).copied();
                // The next byte first: it rules out most identifiers in one comparison.
                if next == Some(b'"') && matches!(word, "b" | "c") {
                    i = skip_quoted(b, i, b'"');
                    after_value = true;
                    continue;
                }
                if next == Some(b'\'') && word == "b" {
                    i = skip_quoted(b, i, b'\'');
                    after_value = true;
                    continue;
                }
                if matches!(next, Some(b'"' | b'#')) && matches!(word, "r" | "br" | "cr") {
                    if let Some(end) = skip_raw_string(b, i - 1) {
                        i = end;
                        after_value = true;
                        continue;
                    }
                }
                let keyword = is_nesting_keyword(word);
                if block_before && !matches!(word, "else" | "as") {
                    d.end_statement();
                }
                if keyword {
                    d.op(start);
                }
                after_value = !keyword;
            }
            c if c.is_ascii_digit() => {
                while i < b.len()
                    && (is_ident_byte(b[i])
                        || b[i] == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
                {
                    i += 1;
                }
                after_value = true;
            }
            _ => {
                let len = match multi_punct_len(&b[i..]) {
                    0 => text[i..].chars().next().map_or(1, char::len_utf8),
                    len => len,
                };
                // Bytes, not `str`s: a `match` on strings called a comparison per arm.
                let punct = &b[i..i + len];
                if block_before && punct == b"#" {
                    d.end_statement();
                }
                match punct {
                    b"=>" => d.separator(),
                    b"<" => d.soft_open(i),
                    b"<<" => {
                        d.soft_open(i);
                        d.soft_open(i);
                    }
                    b">" => d.soft_close(i),
                    b">>" => {
                        d.soft_close(i);
                        d.soft_close(i);
                    }
                    b"|" | b"||" if in_closure_params => {
                        d.op(i);
                        in_closure_params = false;
                    }
                    b"|" if !after_value => {
                        d.soft_open(i);
                        in_closure_params = true;
                    }
                    b"||" if !after_value => d.soft_open(i),
                    _ => d.op(i),
                }
                i += len;
                after_value = matches!(punct, b"?" | b">");
            }
        }
    }
    (d.max, d.first_over)
}

/// Index past the `//` or (nested) `/* */` comment at `i`.
fn skip_rust_comment(b: &[u8], mut i: usize) -> usize {
    if b.get(i + 1) == Some(&b'/') {
        return memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |p| i + p);
    }
    let mut level = 0usize;
    // From one `/` or `*` to the next: only they can open or close a comment.
    while let Some(k) = memchr::memchr2(b'/', b'*', &b[i..]) {
        i += k;
        if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            level += 1;
            i += 2;
        } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
            level -= 1;
            i += 2;
            if level == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    // Not closed: the rest of the text.
    b.len()
}

/// An upper estimate of how deep syn (and any walk over its tree) recurses on `text`.
pub fn rust_depth(text: &str) -> usize {
    rust_depth_from(text, usize::MAX).0
}

/// The byte offset where [`rust_depth`] first exceeds `bound`, if it does.
pub fn rust_depth_over(text: &str, bound: usize) -> Option<usize> {
    rust_depth_from(text, bound).1
}

/// `Err` when `text` nests deeper than [`MAX_RUST_DEPTH`].
pub fn check_rust_depth(text: &str) -> Result<(), TooDeep> {
    match rust_depth_from(text, MAX_RUST_DEPTH).1 {
        Some(at) => Err(TooDeep {
            at,
            bound: MAX_RUST_DEPTH,
        }),
        None => Ok(()),
    }
}

/// `text` with a leading byte-order mark and a `#!` shebang line replaced by spaces, so that
/// syn's byte offsets are offsets of `text` (syn strips both itself, and its offsets are then
/// relative to what is left: every column of the file would shift).
pub fn blank_bom_and_shebang(text: &str) -> std::borrow::Cow<'_, str> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[bom..];
    let shebang = if rest.starts_with("#!") && !starts_inner_attribute(&rest[2..]) {
        rest.find('\n').unwrap_or(rest.len())
    } else {
        0
    };
    if bom + shebang == 0 {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    // A BOM is 3 bytes: 3 spaces keep every offset.
    out.extend(std::iter::repeat_n(' ', bom + shebang));
    out.push_str(&text[bom + shebang..]);
    std::borrow::Cow::Owned(out)
}

/// After `#!`: whitespace and comments, then `[` (an inner attribute `#![…]`, not a shebang).
fn starts_inner_attribute(after: &str) -> bool {
    let mut s = after;
    loop {
        s = s.trim_start();
        if let Some(r) = s.strip_prefix("//") {
            s = r.find('\n').map_or("", |i| &r[i..]);
        } else if let Some(r) = s.strip_prefix("/*") {
            s = r.find("*/").map_or("", |i| &r[i + 2..]);
        } else {
            return s.starts_with('[');
        }
    }
}

/// Why a Rust text was not parsed: it nests too deep, or syn refused it.
#[derive(Clone, Debug)]
pub enum RustParseError {
    TooDeep(TooDeep),
    Syntax {
        /// Byte range in the text (`0..0` when syn gives none).
        range: std::ops::Range<usize>,
        /// syn's message: never any of the file's text.
        message: String,
    },
}

impl RustParseError {
    pub fn range(&self) -> std::ops::Range<usize> {
        match self {
            RustParseError::TooDeep(t) => t.at..t.at,
            RustParseError::Syntax { range, .. } => range.clone(),
        }
    }
}

impl std::fmt::Display for RustParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RustParseError::TooDeep(t) => t.fmt(f),
            RustParseError::Syntax { message, .. } => f.write_str(message),
        }
    }
}

/// Parse a Rust file: depth-checked first, byte offsets of spans are offsets of `text` (BOM
/// and shebang kept in place). Call it on a thread with [`PARSE_STACK_BYTES`] of stack (the
/// analyzer's workers; [`with_parse_stack`] elsewhere).
pub fn parse_rust(text: &str) -> Result<syn::File, RustParseError> {
    check_rust_depth(text).map_err(RustParseError::TooDeep)?;
    let blanked = blank_bom_and_shebang(text);
    syn::parse_file(&blanked).map_err(|e| RustParseError::Syntax {
        range: e.span().byte_range(),
        message: e.to_string(),
    })
}

/// [`parse_rust`] with the insides of `bodies` (byte ranges of function bodies, braces
/// included, as [`crate::lexical::FileNames::skippable_bodies`] gives them) left out: each of
/// their bytes a space, so that every offset is still the file's and each body an empty block.
/// The depth is checked on the whole text. `None` when a range is not a body's braces in the
/// tree read (never expected: the caller parses the whole text then).
pub fn parse_rust_skipping(text: &str, bodies: &[std::ops::Range<u32>]) -> Option<syn::File> {
    check_rust_depth(text).ok()?;
    let mut bytes = blank_bom_and_shebang(text).into_owned().into_bytes();
    for body in bodies {
        let inside = body.start as usize + 1..(body.end as usize).checked_sub(1)?;
        bytes.get_mut(inside)?.fill(b' ');
    }
    // Ranges cut at braces: still UTF-8.
    let blanked = String::from_utf8(bytes).ok()?;
    let file = syn::parse_file(&blanked).ok()?;
    // Every range left out is the body of a function the tree holds.
    struct Bodies(std::collections::HashSet<std::ops::Range<usize>>);
    impl Bodies {
        fn add(&mut self, block: &syn::Block) {
            self.0.insert(block.brace_token.span.join().byte_range());
        }
    }
    impl<'ast> syn::visit::Visit<'ast> for Bodies {
        fn visit_block(&mut self, _: &'ast syn::Block) {}
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            self.add(&f.block);
            syn::visit::visit_item_fn(self, f);
        }
        fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
            self.add(&f.block);
            syn::visit::visit_impl_item_fn(self, f);
        }
        fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
            if let Some(block) = &f.default {
                self.add(block);
            }
            syn::visit::visit_trait_item_fn(self, f);
        }
    }
    let mut found = Bodies(Default::default());
    syn::visit::Visit::visit_file(&mut found, &file);
    bodies
        .iter()
        .all(|b| found.0.contains(&(b.start as usize..b.end as usize)))
        .then_some(file)
}

/// Run `f` on a thread with [`PARSE_STACK_BYTES`] of stack, for parses and tree walks outside
/// the analyzer's worker pool (the main thread has 8 MiB). Spans made on that thread are
/// freed when it ends.
pub fn with_parse_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new()
            .name("slotlint-parse".into())
            .stack_size(PARSE_STACK_BYTES)
            .spawn_scoped(s, f);
        match worker {
            Ok(handle) => match handle.join() {
                Ok(v) => v,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(e) => panic!("slotlint could not start a parser thread: {e}"),
        }
    })
}

/// Lua words that open a nesting level (closed by `end` or `until`).
const LUA_OPENERS: &[&str] = &["function", "do", "if", "repeat"];
/// Lua words that close one.
const LUA_CLOSERS: &[&str] = &["end", "until"];
/// Lua words that are operators (each may add a level).
const LUA_OPERATORS: &[&str] = &["and", "or", "not", "elseif", "else", "return"];

/// `[[`, `[=[`… at `i`: the number of `=`, or `None`.
fn lua_long_bracket(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let mut j = i + 1;
    while b.get(j) == Some(&b'=') {
        j += 1;
    }
    (b.get(j) == Some(&b'[')).then_some(j - i - 1)
}

/// Index past the long string or comment whose opening bracket starts at `i`.
fn skip_lua_long(b: &[u8], i: usize, level: usize) -> usize {
    let mut j = i + level + 2;
    while j < b.len() {
        if b[j] == b']'
            && b.get(j + 1 + level) == Some(&b']')
            && b[j + 1..j + 1 + level].iter().all(|&c| c == b'=')
        {
            return j + level + 2;
        }
        j += 1;
    }
    b.len()
}

fn lua_depth_from(text: &str, bound: usize) -> (usize, Option<usize>) {
    let b = text.as_bytes();
    let mut d = Depth::new(bound);
    let mut i = 0;
    // Whether the last token ended a value (a name, a literal, `)`, `]`, `}`, `end`): a name
    // right after one starts a new statement (Lua needs no `;`).
    let mut after_value = false;
    while i < b.len() {
        let c = b[i];
        match c {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = match lua_long_bracket(b, i + 2) {
                    Some(level) => skip_lua_long(b, i + 2, level),
                    None => b[i..]
                        .iter()
                        .position(|&c| c == b'\n')
                        .map_or(b.len(), |p| i + p),
                };
            }
            b'"' | b'\'' => {
                i = skip_quoted(b, i, c);
                after_value = true;
            }
            b'[' if lua_long_bracket(b, i).is_some() => {
                i = skip_lua_long(b, i, lua_long_bracket(b, i).unwrap_or(0));
                after_value = true;
            }
            b'(' | b'[' | b'{' => {
                d.open(i);
                i += 1;
                after_value = false;
            }
            b')' | b']' | b'}' => {
                d.close();
                i += 1;
                after_value = true;
            }
            b',' | b';' => {
                d.separator();
                i += 1;
                after_value = false;
            }
            c if is_ident_start(c) => {
                let start = i;
                i = ident_end(b, i);
                let word = &text[start..i];
                if LUA_OPENERS.contains(&word) {
                    // A new block: what came before it in the statement stays counted.
                    d.open(start);
                    after_value = false;
                } else if LUA_CLOSERS.contains(&word) {
                    d.close();
                    after_value = word == "end";
                } else if LUA_OPERATORS.contains(&word) {
                    d.op(start);
                    after_value = false;
                } else {
                    if after_value
                        || matches!(word, "local" | "then" | "while" | "for" | "goto" | "break")
                    {
                        d.separator();
                    }
                    after_value = !matches!(
                        word,
                        "local" | "then" | "while" | "for" | "in" | "goto" | "break"
                    );
                }
            }
            c if c.is_ascii_digit() => {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
                    i += 1;
                }
                after_value = true;
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                d.op(i);
                i += 1;
                after_value = false;
            }
        }
    }
    (d.max, d.first_over)
}

/// An upper estimate of how deep full_moon (and the walk over its tree) recurses on `text`.
pub fn lua_depth(text: &str) -> usize {
    lua_depth_from(text, usize::MAX).0
}

/// The byte offset where [`lua_depth`] first exceeds `bound`, if it does.
pub fn lua_depth_over(text: &str, bound: usize) -> Option<usize> {
    lua_depth_from(text, bound).1
}

/// `Err` when `text` nests deeper than [`MAX_LUA_DEPTH`].
pub fn check_lua_depth(text: &str) -> Result<(), TooDeep> {
    match lua_depth_from(text, MAX_LUA_DEPTH).1 {
        Some(at) => Err(TooDeep {
            at,
            bound: MAX_LUA_DEPTH,
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_left_out_keep_every_offset() {
        let text = "\u{feff}fn a() { let é = 1; }\nfn b(x: u8) -> u8 { x }\nconst C: u8 = 2;\n";
        let body = |s: &str| {
            let at = text.find(s).unwrap() as u32;
            at..at + s.len() as u32
        };
        let bodies = [body("{ let é = 1; }"), body("{ x }")];
        let file = parse_rust_skipping(text, &bodies).unwrap();
        let syn::Item::Fn(b) = &file.items[1] else {
            panic!()
        };
        assert!(b.block.stmts.is_empty());
        let braces = b.block.brace_token.span.join().byte_range();
        assert_eq!(&text[braces], "{ x }");
        let syn::Item::Const(c) = &file.items[2] else {
            panic!()
        };
        assert_eq!(&text[c.ident.span().byte_range()], "C");
        // A range that is not a function's body: not left out.
        assert!(parse_rust_skipping(text, &[body("2;")]).is_none());
        assert!(parse_rust_skipping(text, &[body("(x: u8)")]).is_none());
    }

    #[test]
    fn brackets_and_operators_count_strings_and_comments_do_not() {
        let base = rust_depth("fn f() { let x = 1; }");
        assert_eq!(rust_depth("fn f() { let x = ((((1)))); }"), base + 4);
        for quiet in [
            r#"fn f() { let x = "(((((("; } // ((((("#,
            "fn f() { /* ((( /* ((( */ ((( */ let x = '('; }",
            r##"fn f() { let x = r#"((((("#; }"##,
            r##"fn f() { let x = br#"((((("#; }"##,
            "fn f() { let x = b'('; }",
            "fn f<'a>() { let x = 1; }",
            // A quote followed by fewer hashes than opened does not close a raw string.
            r###"fn f() { let x = r##"(((("#((((("##; }"###,
            r#"fn f() { let x = "((\"(((("; }"#,
            "fn f() { let x = 1; } /* ((((( /* unclosed ((((((((((",
            "fn f() { let x = 1; } // (((((",
        ] {
            assert!(
                rust_depth(quiet) <= base + 2,
                "{quiet}: {}",
                rust_depth(quiet)
            );
        }
        // One operator each, however many characters it is written with.
        let assign = rust_depth("fn f() { x = 1; }");
        for op in ["<<=", ">>=", "+=", "|=", "..=", "=="] {
            let text = format!("fn f() {{ x {op} 1; }}");
            assert_eq!(rust_depth(&text), assign, "{op}");
        }
        // Chains add a level per call: `a.b().c()` is three deep in syn's tree.
        let chain = format!("fn f() {{ p{} }}", ".arg(1)".repeat(1000));
        assert!(rust_depth(&chain) >= 1000, "{}", rust_depth(&chain));
        let unary = format!("fn f() {{ let x = {}true; }}", "!".repeat(500));
        assert!(rust_depth(&unary) >= 500);
        let returns = format!("fn f() {{ {} 1 }}", "return ".repeat(400));
        assert!(rust_depth(&returns) >= 400);
        let else_ifs = format!("fn f() {{ if a {{}} {} }}", "else if a {} ".repeat(400));
        assert!(rust_depth(&else_ifs) >= 400);
        // Generic arguments and closure parameters nest below their commas.
        let generics = format!("type T = {}u8{};", "A<(), ".repeat(300), ">".repeat(300));
        assert!(rust_depth(&generics) >= 300, "{}", rust_depth(&generics));
        let closures = format!("fn f() {{ let c = {}1; }}", "|a, b| ".repeat(300));
        assert!(rust_depth(&closures) >= 300, "{}", rust_depth(&closures));
        // Separators and item ends reset the count: long lists and long files are not deep.
        let list = format!("const A: [u8; 5000] = [{}];", "1 + 1, ".repeat(5000));
        assert!(rust_depth(&list) < 10);
        let params = format!("fn f({}) {{}}", "a: Vec<u8>, ".repeat(500));
        assert!(rust_depth(&params) < 10, "{}", rust_depth(&params));
        let items = "#[inline] pub fn f(a: &u8) -> u8 { *a }\n".repeat(1000);
        assert!(rust_depth(&items) < 10, "{}", rust_depth(&items));
    }

    #[test]
    fn bom_and_shebang_keep_offsets() {
        let text = "\u{feff}#!/usr/bin/env run-cargo-script\nfn main() {}\n";
        let blanked = blank_bom_and_shebang(text);
        assert_eq!(blanked.len(), text.len());
        assert!(blanked.trim_start().starts_with("fn main"));
        let file = parse_rust(text).unwrap();
        let syn::Item::Fn(f) = &file.items[0] else {
            panic!()
        };
        let at = f.sig.ident.span().byte_range().start;
        assert_eq!(&text[at..at + 4], "main");
        // `#![…]` is an inner attribute, not a shebang.
        assert_eq!(blank_bom_and_shebang("#![allow(x)]\n"), "#![allow(x)]\n");
        assert_eq!(
            blank_bom_and_shebang("#! // c\n [allow(x)]"),
            "#! // c\n [allow(x)]"
        );
    }

    #[test]
    fn too_deep_is_an_error_not_a_crash() {
        let deep = format!(
            "fn f() {{ {}1{} }}",
            "(".repeat(100_000),
            ")".repeat(100_000)
        );
        match parse_rust(&deep) {
            Err(RustParseError::TooDeep(t)) => assert_eq!(t.bound, MAX_RUST_DEPTH),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lua_blocks_and_statements() {
        assert_eq!(lua_depth("local a = 1"), 2);
        let flat: String = (0..1000)
            .map(|i| format!("redis.call('GET', 'k{i}')\nlocal x{i} = a.b.c\n"))
            .collect();
        assert!(lua_depth(&flat) < 10, "{}", lua_depth(&flat));
        let functions = "function f() ".repeat(300) + &"end ".repeat(300);
        assert!(lua_depth(&functions) >= 300);
        let tables = "local t = ".to_owned() + &"{".repeat(300) + &"}".repeat(300);
        assert!(lua_depth(&tables) >= 300);
        let concat = "local k = 'a'".to_owned() + &" .. 'b'".repeat(300);
        assert!(lua_depth(&concat) >= 300);
        let ifs = "if a then ".repeat(300) + &"end ".repeat(300);
        assert!(lua_depth(&ifs) >= 300);
        assert_eq!(lua_depth("local s = [==[ ((( ]==] -- ((((\n--[[ ((( ]]"), 2);
    }
}
