//! Every string literal of a file that could build a Redis key, with how it is used: the
//! format string of `format!`/`write!`, a plain literal, a piece of a key built with `+`,
//! `push_str` or `concat!`, or a literal inside a macro slotlint cannot read.

use std::collections::HashSet;
use std::path::PathBuf;

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Lit, Token};

use slotlint_keys::format_string::{self, ArgRef, Piece};

use crate::literal::{self, Literal};
use crate::pattern::Atom;

/// How a literal takes part in building a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Context {
    /// The literal (or the string a format macro builds) is a whole value.
    Whole,
    /// A piece of a longer string: operand of `+`, argument of `push_str`, `concat!`, the format
    /// string of `write!` (which appends).
    Piece,
    /// A literal inside a macro whose arguments are not Rust expressions slotlint can read.
    Opaque(String),
}

/// What a format placeholder is filled with, when slotlint can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FmtArg {
    Literal(String),
    /// A path of one segment: a constant if the crate defines one of that name.
    Name(String),
    Other,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SiteKind {
    /// A plain string literal (or byte string).
    Plain,
    /// The format string of `format!`, `format_args!`, `write!`, `writeln!`.
    Format {
        /// Atoms of the string it builds, each with its byte offset in the literal's value.
        atoms: Vec<(Atom, usize)>,
        /// One argument per hole, in order.
        args: Vec<FmtArg>,
        /// The macro, for messages.
        mac: String,
    },
}

/// One string literal.
#[derive(Clone, Debug)]
pub struct Site {
    /// Byte range of the literal token in the file.
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub column: usize,
    /// The value as the compiler reads it.
    pub value: String,
    /// The token decoded with its source map; `None` when it cannot be edited exactly.
    pub lit: Option<Literal>,
    pub kind: SiteKind,
    pub context: Context,
    /// In tests or benches (a `tests/` or `benches/` folder, `#[test]`, `#[cfg(test)]`).
    pub test_only: bool,
}

impl Site {
    /// The atoms of the value: characters for a plain literal, holes for placeholders.
    pub fn atoms(&self) -> Vec<Atom> {
        match &self.kind {
            SiteKind::Plain => self.value.chars().map(Atom::C).collect(),
            SiteKind::Format { atoms, .. } => atoms.iter().map(|(a, _)| *a).collect(),
        }
    }
}

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
    pub path: PathBuf,
    pub display: String,
    pub text: String,
    /// The package the file belongs to (constants are looked up per package).
    pub unit: usize,
    /// Why the file was not scanned (it does not parse, or cannot be read).
    pub problem: Option<String>,
    /// Why it was not read, when it was not (its text is then empty).
    pub read_error: Option<slotlint_analyzer::input::ReadError>,
    pub sites: Vec<Site>,
    /// `const`/`static` string items: name and value.
    pub consts: Vec<(String, String)>,
    /// `include_str!("…")` arguments, with the byte offset of the literal.
    pub includes: Vec<(String, usize)>,
    /// Keys built by Lua scripts held in this file's literals or included by it.
    pub lua_keys: Vec<LuaKey>,
    /// Excluded by the configuration: never edited.
    pub excluded: bool,
    line_starts: Vec<usize>,
}

impl ScannedFile {
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count());
        (line + 1, col + 1)
    }
}

/// Scan one file's text. `test_only` marks a file under `tests/` or `benches/`.
pub fn scan_file(
    path: PathBuf,
    display: String,
    text: String,
    unit: usize,
    test_only: bool,
) -> ScannedFile {
    let line_starts = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut file = ScannedFile {
        path,
        display,
        text,
        unit,
        problem: None,
        read_error: None,
        sites: Vec::new(),
        consts: Vec::new(),
        includes: Vec::new(),
        lua_keys: Vec::new(),
        excluded: false,
        line_starts,
    };
    match slotlint_analyzer::parse::parse_rust(&file.text) {
        Ok(ast) => {
            let mut s = Scanner {
                text: &file.text,
                sites: Vec::new(),
                consts: Vec::new(),
                includes: Vec::new(),
                pieces: HashSet::new(),
                test_depth: usize::from(test_only),
            };
            s.visit_file(&ast);
            file.includes = s.includes;
            let (mut sites, consts) = (s.sites, s.consts);
            for site in &mut sites {
                let (line, column) = file.line_col(site.start);
                site.line = line;
                site.column = column;
            }
            // One literal may be seen twice (a macro body parsed after a token walk): keep one.
            sites.sort_by_key(|s| (s.start, s.end));
            sites.dedup_by_key(|s| (s.start, s.end));
            file.sites = sites;
            file.consts = consts;
        }
        Err(e @ slotlint_analyzer::parse::RustParseError::TooDeep(_)) => {
            file.problem = Some(e.to_string())
        }
        Err(e) => file.problem = Some(format!("does not parse as Rust: {e}")),
    }
    // Spans of this tree are no longer needed: free the thread's source map.
    proc_macro2::extra::invalidate_current_thread_spans();
    file
}

struct Scanner<'t> {
    text: &'t str,
    sites: Vec<Site>,
    consts: Vec<(String, String)>,
    includes: Vec<(String, usize)>,
    /// Byte ranges of expressions that are pieces of a longer string.
    pieces: HashSet<(usize, usize)>,
    test_depth: usize,
}

fn range_of(span: Span) -> (usize, usize) {
    let r = span.byte_range();
    (r.start, r.end)
}

fn macro_range(m: &syn::Macro) -> (usize, usize) {
    let start = range_of(m.path.span()).0;
    let end = match &m.delimiter {
        syn::MacroDelimiter::Paren(p) => range_of(p.span.close()).1,
        syn::MacroDelimiter::Brace(b) => range_of(b.span.close()).1,
        syn::MacroDelimiter::Bracket(b) => range_of(b.span.close()).1,
    };
    (start, end)
}

fn is_test_attr(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let path = a.path();
        let last = path.segments.last().map(|s| s.ident.to_string());
        if last.as_deref() == Some("test") || last.as_deref() == Some("bench") {
            return true;
        }
        if path.is_ident("cfg") {
            if let syn::Meta::List(l) = &a.meta {
                let tokens = l.tokens.to_string();
                return tokens
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|w| w == "test")
                    && !tokens.contains("not");
            }
        }
        false
    })
}

/// Strip what passes a string through unchanged: `&x`, `(x)`, `x.to_owned()`, `String::from(x)`.
fn strip(mut e: &Expr) -> &Expr {
    loop {
        e = match e {
            Expr::Reference(r) => &r.expr,
            Expr::Paren(p) => &p.expr,
            Expr::Group(g) => &g.expr,
            Expr::MethodCall(m)
                if m.args.is_empty()
                    && matches!(
                        m.method.to_string().as_str(),
                        "to_owned" | "to_string" | "into" | "clone" | "as_str" | "as_ref"
                    ) =>
            {
                &m.receiver
            }
            Expr::Call(c) if c.args.len() == 1 => match &*c.func {
                Expr::Path(p)
                    if p.path.segments.last().is_some_and(|s| s.ident == "from")
                        && p.path.segments.len() >= 2 =>
                {
                    &c.args[0]
                }
                _ => return e,
            },
            _ => return e,
        };
    }
}

impl Scanner<'_> {
    fn mark_piece(&mut self, e: &Expr) {
        match strip(e) {
            Expr::Lit(l) => {
                self.pieces.insert(range_of(l.lit.span()));
            }
            Expr::Macro(m) => {
                self.pieces.insert(macro_range(&m.mac));
            }
            _ => {}
        }
    }

    fn context_of(&self, range: (usize, usize)) -> Context {
        if self.pieces.contains(&range) {
            Context::Piece
        } else {
            Context::Whole
        }
    }

    fn record_plain(&mut self, lit: &Lit, context: Context) {
        let value = match lit {
            Lit::Str(s) => s.value(),
            Lit::ByteStr(b) => match String::from_utf8(b.value()) {
                Ok(v) => v,
                Err(_) => return,
            },
            _ => return,
        };
        let (start, end) = range_of(lit.span());
        let Some(token) = self.text.get(start..end) else {
            return;
        };
        let lit = literal::decode(token).filter(|l| l.value == value);
        self.sites.push(Site {
            start,
            end,
            line: 0,
            column: 0,
            value,
            lit,
            kind: SiteKind::Plain,
            context,
            test_only: self.test_depth > 0,
        });
    }

    /// The format string `fmt` of macro `mac`, filled with `args`.
    fn record_format(&mut self, fmt: &syn::LitStr, args: &[&Expr], mac: &str, context: Context) {
        let value = fmt.value();
        let Some((atoms, refs)) = format_atoms(&value) else {
            // Not a valid format string: the compiler refuses it anyway.
            return;
        };
        let mut positional = Vec::new();
        let mut named: Vec<(String, FmtArg)> = Vec::new();
        for a in args {
            match a {
                Expr::Assign(assign) => {
                    if let Expr::Path(p) = &*assign.left {
                        if let Some(id) = p.path.get_ident() {
                            named.push((id.to_string(), fmt_arg(&assign.right)));
                        }
                    }
                }
                other => positional.push(fmt_arg(other)),
            }
        }
        let mut next = 0;
        let mut holes = Vec::new();
        for (arg, spec) in refs {
            let a = match arg {
                ArgRef::Next => {
                    next += 1;
                    positional.get(next - 1).cloned()
                }
                ArgRef::Index(i) => positional.get(i).cloned(),
                ArgRef::Name(n) => named
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.clone())
                    .or(Some(FmtArg::Name(n))),
            };
            holes.push(match a {
                Some(a) if spec.is_empty() => a,
                _ => FmtArg::Other,
            });
        }
        let (start, end) = range_of(fmt.span());
        let Some(token) = self.text.get(start..end) else {
            return;
        };
        let lit = literal::decode(token).filter(|l| l.value == value);
        self.sites.push(Site {
            start,
            end,
            line: 0,
            column: 0,
            value,
            lit,
            kind: SiteKind::Format {
                atoms,
                args: holes,
                mac: mac.to_owned(),
            },
            context,
            test_only: self.test_depth > 0,
        });
    }

    fn handle_macro(&mut self, m: &syn::Macro) {
        let name = m
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let context = self.context_of(macro_range(m));
        let args = m.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated);
        match name.as_str() {
            "format" | "format_args" => {
                if let Ok(args) = args {
                    let all: Vec<&Expr> = args.iter().collect();
                    self.format_call(&all, 0, &name, context);
                }
            }
            "write" | "writeln" => {
                if let Ok(args) = args {
                    let all: Vec<&Expr> = args.iter().collect();
                    if let Some(dest) = all.first() {
                        self.visit_expr(dest);
                    }
                    self.format_call(&all, 1, &name, Context::Piece);
                }
            }
            // Messages, not keys: their format strings are skipped, their arguments read.
            "print" | "println" | "eprint" | "eprintln" | "panic" | "unreachable" | "todo"
            | "unimplemented" | "trace" | "debug" | "info" | "warn" | "error" | "log" | "event"
            | "anyhow" | "bail" | "ensure" | "format_err" | "eyre" | "assert" | "debug_assert" => {
                if let Ok(args) = args {
                    for a in &args {
                        if !matches!(a, Expr::Lit(_)) {
                            self.visit_expr(a);
                        }
                    }
                }
            }
            "assert_eq" | "assert_ne" | "debug_assert_eq" | "debug_assert_ne" => {
                if let Ok(args) = args {
                    for (i, a) in args.iter().enumerate() {
                        if i < 2 || !matches!(a, Expr::Lit(_)) {
                            self.visit_expr(a);
                        }
                    }
                }
            }
            "concat" => {
                if let Ok(args) = args {
                    for a in &args {
                        if let Expr::Lit(l) = a {
                            self.record_plain(&l.lit, Context::Piece);
                        } else {
                            self.visit_expr(a);
                        }
                    }
                }
            }
            "include_str" => {
                if let Ok(lit) = m.parse_body::<syn::LitStr>() {
                    self.includes.push((lit.value(), range_of(lit.span()).0));
                }
            }
            "include_bytes" | "include" | "env" | "option_env" | "stringify" | "concat_idents"
            | "module_path" | "file" | "line" | "column" | "cfg" | "compile_error" => {}
            _ => match args {
                Ok(args) => {
                    for a in &args {
                        self.visit_expr(a);
                    }
                }
                Err(_) => {
                    // `vec![x; n]`, statements, patterns, a DSL: read it as a block if it is
                    // one, else take its string literals as they come.
                    if let Ok(block) = m.parse_body_with(syn::Block::parse_within) {
                        for stmt in &block {
                            self.visit_stmt(stmt);
                        }
                    } else {
                        self.token_literals(m.tokens.clone(), &name);
                    }
                }
            },
        }
    }

    fn format_call(&mut self, all: &[&Expr], at: usize, mac: &str, context: Context) {
        for (i, a) in all.iter().enumerate() {
            if i == at {
                if let Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) = a
                {
                    self.record_format(s, &all[at + 1..], mac, context.clone());
                    continue;
                }
            }
            match a {
                Expr::Assign(assign) => self.visit_expr(&assign.right),
                _ => self.visit_expr(a),
            }
        }
    }

    fn token_literals(&mut self, tokens: TokenStream, mac: &str) {
        for tt in tokens {
            match tt {
                TokenTree::Group(g) => self.token_literals(g.stream(), mac),
                TokenTree::Literal(l) => {
                    let lit = Lit::new(l);
                    if matches!(lit, Lit::Str(_) | Lit::ByteStr(_)) {
                        self.record_plain(&lit, Context::Opaque(mac.to_owned()));
                    }
                }
                _ => {}
            }
        }
    }

    fn with_test<F: FnOnce(&mut Self)>(&mut self, attrs: &[syn::Attribute], f: F) {
        let t = is_test_attr(attrs);
        self.test_depth += usize::from(t);
        f(self);
        self.test_depth -= usize::from(t);
    }
}

fn fmt_arg(e: &Expr) -> FmtArg {
    match strip(e) {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => FmtArg::Literal(s.value()),
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(i), ..
        }) => FmtArg::Literal(i.base10_digits().to_owned()),
        Expr::Path(p) => match p.path.segments.last() {
            Some(s) if p.qself.is_none() => FmtArg::Name(s.ident.to_string()),
            _ => FmtArg::Other,
        },
        _ => FmtArg::Other,
    }
}

/// An atom and its byte offset in the format string.
pub type OffsetAtom = (Atom, usize);

/// A placeholder's argument and format spec.
pub type Placeholder = (ArgRef, String);

/// Atoms of the string a format string builds, each with its byte offset in the format
/// string, and the placeholders (argument, spec) in order.
pub fn format_atoms(fmt: &str) -> Option<(Vec<OffsetAtom>, Vec<Placeholder>)> {
    let pieces = format_string::parse(fmt).ok()?;
    let mut refs = Vec::new();
    let mut ranges = Vec::new();
    for p in pieces {
        if let Piece::Placeholder { arg, spec, range } = p {
            refs.push((arg, spec));
            ranges.push(range);
        }
    }
    let mut atoms = Vec::new();
    let bytes = fmt.as_bytes();
    let mut i = 0;
    let mut r = ranges.iter().peekable();
    while i < fmt.len() {
        if let Some((s, e)) = r.peek() {
            if *s == i {
                atoms.push((Atom::H, i));
                i = *e;
                r.next();
                continue;
            }
        }
        if (bytes[i] == b'{' || bytes[i] == b'}') && bytes.get(i + 1) == Some(&bytes[i]) {
            atoms.push((Atom::C(bytes[i] as char), i));
            i += 2;
            continue;
        }
        let c = fmt[i..].chars().next()?;
        atoms.push((Atom::C(c), i));
        i += c.len_utf8();
    }
    Some((atoms, refs))
}

impl Scanner<'_> {
    /// A string constant (`const`/`static`, at item level or in an impl), for format arguments.
    fn add_const(&mut self, ident: &syn::Ident, expr: &Expr) {
        if let Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) = strip(expr)
        {
            self.consts.push((ident.to_string(), s.value()));
        }
    }
}

impl<'ast> Visit<'ast> for Scanner<'_> {
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}

    fn visit_abi(&mut self, _: &'ast syn::Abi) {}

    fn visit_item_fn(&mut self, i: &'ast syn::ItemFn) {
        self.with_test(&i.attrs, |s| visit::visit_item_fn(s, i));
    }

    fn visit_item_mod(&mut self, i: &'ast syn::ItemMod) {
        self.with_test(&i.attrs, |s| visit::visit_item_mod(s, i));
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        self.with_test(&i.attrs, |s| visit::visit_item_impl(s, i));
    }

    fn visit_impl_item_fn(&mut self, i: &'ast syn::ImplItemFn) {
        self.with_test(&i.attrs, |s| visit::visit_impl_item_fn(s, i));
    }

    fn visit_item_const(&mut self, i: &'ast syn::ItemConst) {
        self.add_const(&i.ident, &i.expr);
        visit::visit_item_const(self, i);
    }

    fn visit_item_static(&mut self, i: &'ast syn::ItemStatic) {
        self.add_const(&i.ident, &i.expr);
        visit::visit_item_static(self, i);
    }

    fn visit_impl_item_const(&mut self, i: &'ast syn::ImplItemConst) {
        self.add_const(&i.ident, &i.expr);
        visit::visit_impl_item_const(self, i);
    }

    fn visit_expr(&mut self, e: &'ast Expr) {
        match e {
            Expr::Binary(b) if matches!(b.op, syn::BinOp::Add(_) | syn::BinOp::AddAssign(_)) => {
                self.mark_piece(&b.left);
                self.mark_piece(&b.right);
            }
            Expr::MethodCall(m) => match m.method.to_string().as_str() {
                "push_str" | "insert_str" | "extend" => {
                    for a in &m.args {
                        self.mark_piece(a);
                    }
                }
                "concat" | "join" => {
                    let elems = match strip(&m.receiver) {
                        Expr::Array(a) => a.elems.iter().collect::<Vec<_>>(),
                        _ => Vec::new(),
                    };
                    for el in elems {
                        self.mark_piece(el);
                    }
                }
                _ => {}
            },
            _ => {}
        }
        visit::visit_expr(self, e);
    }

    fn visit_lit(&mut self, l: &'ast Lit) {
        let context = self.context_of(range_of(l.span()));
        self.record_plain(l, context);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.handle_macro(m);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::skeleton_string;

    fn scan(src: &str) -> Vec<(String, String, Context, bool)> {
        let f = scan_file("x.rs".into(), "x.rs".into(), src.into(), 0, false);
        assert!(f.problem.is_none(), "{:?}", f.problem);
        f.sites
            .iter()
            .map(|s| {
                let kind = match &s.kind {
                    SiteKind::Plain => "plain".to_owned(),
                    SiteKind::Format { mac, .. } => mac.clone(),
                };
                (
                    kind,
                    skeleton_string(&s.atoms()),
                    s.context.clone(),
                    s.test_only,
                )
            })
            .collect()
    }

    #[test]
    fn literals_and_their_uses() {
        let sites = scan(
            r##"
            /// "doc" strings are not keys
            const K: &str = "sessions:active";
            fn f(id: u64, day: &str) -> String {
                let a = format!("user:{}:profile", id);
                let b = "board:".to_owned() + day;
                let mut c = String::from("cart:");
                c.push_str(":items");
                println!("user:{}:profile", id);
                let v = vec!["x:1", "x:2"];
                let g = r#"raw:{}"#;
                my_macro!(a => "opaque:1");
                a
            }
            #[cfg(test)]
            mod tests { fn t() { let _ = format!("{{user:{id}}}:x", id = 1); } }
            "##,
        );
        let want = vec![
            ("plain", "sessions:active", Context::Whole, false),
            ("format", "user:{}:profile", Context::Whole, false),
            ("plain", "board:", Context::Piece, false),
            ("plain", "cart:", Context::Whole, false),
            ("plain", ":items", Context::Piece, false),
            ("plain", "x:1", Context::Whole, false),
            ("plain", "x:2", Context::Whole, false),
            ("plain", "raw:{{}}", Context::Whole, false),
            (
                "plain",
                "opaque:1",
                Context::Opaque("my_macro".into()),
                false,
            ),
            ("format", "{{user:{}}}:x", Context::Whole, true),
        ];
        let got: Vec<_> = sites
            .iter()
            .map(|(k, s, c, t)| (k.as_str(), s.as_str(), c.clone(), *t))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn format_arguments() {
        let f = scan_file(
            "x.rs".into(),
            "x.rs".into(),
            r#"const P: &str = "user"; fn f(id: u64) { let _ = format!("{P}:{}:{}:{x:?}", id, "lit", x = 1); }"#.into(),
            0,
            false,
        );
        let site = &f.sites[1];
        let SiteKind::Format { args, .. } = &site.kind else {
            panic!()
        };
        assert_eq!(
            args,
            &vec![
                FmtArg::Name("P".into()),
                FmtArg::Name("id".into()),
                FmtArg::Literal("lit".into()),
                FmtArg::Other
            ]
        );
        assert_eq!(f.consts, vec![("P".into(), "user".into())]);
    }
}
