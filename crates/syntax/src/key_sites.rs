//! Every string literal of a file that could build a Redis key, with how it is used: the
//! format string of `format!`/`write!`, a plain literal, a piece of a key built with `+`,
//! `push_str` or `concat!`, or a literal inside a macro slotlint cannot read. `fix` searches
//! these *key sites* for the families it renames.
//!
//! What it is for: one reading of a parsed file, made by the analyzer from the syntax trees it
//! already parsed (`Options::key_sites`), and by `fix` again over the text it edited (to check
//! that no site of a renamed family is left). Format arguments are bound by [`FormatCall`],
//! literals decoded by [`literal::decode`], wrappers stripped by [`strip_text_wrappers`], test
//! code told by [`has_test_attr`] on the same items the analyzer's index marks.
//!
//! What it is not for: following values (the analyzer's interpreter), deciding which sites are
//! keys of a family (`fix`). It reads no file; positions are byte offsets of the file's text.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Lit, Token};

use slotlint_keys::skeleton::{atoms_of_pieces, Atom};

use crate::format_args::{macro_name, Bound, BoundPiece, FormatCall};
use crate::literal::{self, Literal};
use crate::strip::strip_text_wrappers;
use crate::test_code::has_test_attr;

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// Byte range of the literal token in the file.
    pub start: usize,
    pub end: usize,
    /// The value as the compiler reads it.
    pub value: String,
    /// The token decoded with its source map; `None` when it cannot be edited exactly.
    pub lit: Option<Literal>,
    pub kind: SiteKind,
    pub context: Context,
    /// Test code (see [`crate::test_code`]): a file under `tests/`, `benches/`, `examples/`, or
    /// an item under `#[test]`-like attributes or `#[cfg(test)]`.
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

/// The key sites of one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeySites {
    /// Sorted by position, each literal once.
    pub sites: Vec<Site>,
    /// `const`/`static` string items (at item level or in an impl): name and value.
    pub consts: Vec<(String, String)>,
    /// `include_str!("…")` arguments, with the byte offset of the literal.
    pub includes: Vec<(String, usize)>,
}

/// Read the key sites of a parsed file. `text` is the text `file` was parsed from (spans are
/// its byte offsets); `test_file` marks a file that is test code as a whole
/// ([`crate::test_code::is_test_file`]).
pub fn scan(file: &syn::File, text: &str, test_file: bool) -> KeySites {
    let mut s = Scanner {
        text,
        sites: Vec::new(),
        consts: Vec::new(),
        includes: Vec::new(),
        pieces: HashSet::new(),
        test_depth: usize::from(test_file),
    };
    s.visit_file(file);
    let mut sites = s.sites;
    // One literal may be seen twice (a macro body parsed after a token walk): keep one.
    sites.sort_by_key(|s| (s.start, s.end));
    sites.dedup_by_key(|s| (s.start, s.end));
    KeySites {
        sites,
        consts: s.consts,
        includes: s.includes,
    }
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

impl Scanner<'_> {
    fn mark_piece(&mut self, e: &Expr) {
        match strip_text_wrappers(e) {
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

    /// The literal token at `span`, decoded, when it denotes exactly `value`.
    fn token(&self, span: Span, value: &str) -> Option<((usize, usize), Option<Literal>)> {
        let (start, end) = range_of(span);
        let token = self.text.get(start..end)?;
        let lit = literal::decode(token).filter(|l| l.value == value);
        Some(((start, end), lit))
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
        let Some(((start, end), lit)) = self.token(lit.span(), &value) else {
            return;
        };
        self.sites.push(Site {
            start,
            end,
            value,
            lit,
            kind: SiteKind::Plain,
            context,
            test_only: self.test_depth > 0,
        });
    }

    /// The format string `fmt` of macro `mac`, read as `call`.
    fn record_format(
        &mut self,
        fmt: &syn::LitStr,
        call: &FormatCall<'_>,
        mac: &str,
        context: Context,
    ) {
        let value = &call.value;
        let Some(atoms) = atoms_of_pieces(value, &call.pieces) else {
            return;
        };
        let args = call
            .bind()
            .into_iter()
            .filter_map(|piece| match piece {
                BoundPiece::Text(_) => None,
                BoundPiece::Placeholder { spec, .. } if !spec.is_empty() => Some(FmtArg::Other),
                BoundPiece::Placeholder { arg, .. } => Some(match arg {
                    Bound::Expr(e) => fmt_arg(e),
                    Bound::Capture(n) => FmtArg::Name(n.to_owned()),
                    Bound::Missing => FmtArg::Other,
                }),
            })
            .collect();
        let Some(((start, end), lit)) = self.token(fmt.span(), value) else {
            return;
        };
        self.sites.push(Site {
            start,
            end,
            value: value.clone(),
            lit,
            kind: SiteKind::Format {
                atoms,
                args,
                mac: mac.to_owned(),
            },
            context,
            test_only: self.test_depth > 0,
        });
    }

    fn handle_macro(&mut self, m: &syn::Macro) {
        let name = macro_name(m);
        let context = self.context_of(macro_range(m));
        let args = m.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated);
        match name.as_str() {
            "format" | "format_args" => {
                if let Ok(args) = args {
                    self.format_call(&args, 0, &name, context);
                }
            }
            "write" | "writeln" => {
                if let Ok(args) = args {
                    if let Some(dest) = args.first() {
                        self.visit_expr(dest);
                    }
                    self.format_call(&args, 1, &name, Context::Piece);
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

    /// The arguments of a format macro whose template is argument `at`: a string-literal
    /// template is a site, the other arguments are read as expressions.
    fn format_call(
        &mut self,
        args: &Punctuated<Expr, Token![,]>,
        at: usize,
        mac: &str,
        context: Context,
    ) {
        for (i, a) in args.iter().enumerate() {
            if i == at {
                if let Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) = a
                {
                    // Not a valid format string: the compiler refuses it anyway.
                    if let Some(call) = FormatCall::parse(args, at) {
                        self.record_format(s, &call, mac, context.clone());
                    }
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
        let t = has_test_attr(attrs);
        self.test_depth += usize::from(t);
        f(self);
        self.test_depth -= usize::from(t);
    }

    /// A string constant (`const`/`static`, at item level or in an impl), for format arguments.
    fn add_const(&mut self, ident: &syn::Ident, expr: &Expr) {
        if let Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) = strip_text_wrappers(expr)
        {
            self.consts.push((ident.to_string(), s.value()));
        }
    }
}

fn fmt_arg(e: &Expr) -> FmtArg {
    match strip_text_wrappers(e) {
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

/// Test code is marked on the items the analyzer's index marks (`index.rs`, `item_attrs`):
/// functions, `impl`s and their functions, modules, traits and their functions, constants,
/// statics and structs.
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

    fn visit_item_trait(&mut self, i: &'ast syn::ItemTrait) {
        self.with_test(&i.attrs, |s| visit::visit_item_trait(s, i));
    }

    fn visit_trait_item_fn(&mut self, i: &'ast syn::TraitItemFn) {
        self.with_test(&i.attrs, |s| visit::visit_trait_item_fn(s, i));
    }

    fn visit_item_struct(&mut self, i: &'ast syn::ItemStruct) {
        self.with_test(&i.attrs, |s| visit::visit_item_struct(s, i));
    }

    fn visit_item_const(&mut self, i: &'ast syn::ItemConst) {
        self.add_const(&i.ident, &i.expr);
        self.with_test(&i.attrs, |s| visit::visit_item_const(s, i));
    }

    fn visit_item_static(&mut self, i: &'ast syn::ItemStatic) {
        self.add_const(&i.ident, &i.expr);
        self.with_test(&i.attrs, |s| visit::visit_item_static(s, i));
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
                    let elems = match strip_text_wrappers(&m.receiver) {
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
    use slotlint_keys::skeleton::skeleton_string as skeleton;

    fn scan_text(src: &str, test_file: bool) -> KeySites {
        let file: syn::File = syn::parse_str(src).unwrap();
        scan(&file, src, test_file)
    }

    fn sites(src: &str) -> Vec<(String, String, Context, bool)> {
        scan_text(src, false)
            .sites
            .iter()
            .map(|s| {
                let kind = match &s.kind {
                    SiteKind::Plain => "plain".to_owned(),
                    SiteKind::Format { mac, .. } => mac.clone(),
                };
                (kind, skeleton(&s.atoms()), s.context.clone(), s.test_only)
            })
            .collect()
    }

    #[test]
    fn literals_and_their_uses() {
        let sites = sites(
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
        let f = scan_text(
            r#"const P: &str = "user"; fn f(id: u64) { let _ = format!("{P}:{}:{}:{x:?}:{}", id, "lit", String::from("s"), x = 1); }"#,
            false,
        );
        let SiteKind::Format { args, .. } = &f.sites[1].kind else {
            panic!()
        };
        assert_eq!(
            args,
            &vec![
                FmtArg::Name("P".into()),
                FmtArg::Name("id".into()),
                FmtArg::Literal("lit".into()),
                FmtArg::Other,
                FmtArg::Literal("s".into()),
            ]
        );
        assert_eq!(f.consts, vec![("P".into(), "user".into())]);
    }

    /// The one test-code policy: `#[rstest]`, `#[test_case]`, `cfg(all(test, …))` are test code;
    /// `cfg(feature = "test")`, `cfg(any(test, …))` are not; so is a whole test file.
    #[test]
    fn test_code() {
        let src = r#"
            #[rstest] fn a() { let _ = "k:a"; }
            #[test_case(1)] fn b() { let _ = "k:b"; }
            #[cfg(all(test, not(miri)))] mod c { const C: &str = "k:c"; }
            #[cfg(feature = "test")] fn d() { let _ = "k:d"; }
            #[cfg(any(test, feature = "x"))] fn e() { let _ = "k:e"; }
            trait T { #[test] fn f() { let _ = "k:f"; } }
            fn g() { let _ = "k:g"; }
        "#;
        let test: Vec<(String, bool)> = scan_text(src, false)
            .sites
            .iter()
            .map(|s| (s.value.clone(), s.test_only))
            .collect();
        let want: Vec<(String, bool)> = [
            ("k:a", true),
            ("k:b", true),
            ("k:c", true),
            ("k:d", false),
            ("k:e", false),
            ("k:f", true),
            ("k:g", false),
        ]
        .iter()
        .map(|(v, t)| (v.to_string(), *t))
        .collect();
        assert_eq!(test, want);
        assert!(scan_text(src, true).sites.iter().all(|s| s.test_only));
    }
}
