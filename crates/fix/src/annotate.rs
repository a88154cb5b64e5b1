//! `cargo slotlint fix --annotate`: `#[slotlint::key(tag = "…")]` on the key builders a fix
//! rewrites, so that the compiler keeps checking the tag the fix put in.
//!
//! A function is annotated when its returned value (its tail expression, possibly a name bound
//! by a `let` of the body, through `&`, parentheses, `.to_string()`-like conversions,
//! `String::from`, `Ok`/`Some`) is exactly a literal or `format!`/`format_args!` string the
//! chosen fixes rewrite, and nothing else can return (no `return` in the body, only `let`
//! statements before the tail). The attribute goes on its own line just above the function
//! (after its doc comments and other attributes), with the function's indentation.
//!
//! The tag is the hash tag of the rewritten literal, written over the function's parameters:
//! each hole of the tag must be filled by a parameter (`{user}`), or a field path rooted at one
//! (`{self.id}`, `{order.id}`), not re-bound by a `let` of the body (a format spec is kept:
//! `{id:08}`); literal text is written as is. Otherwise (a hole filled by `order.id()`,
//! `u64::from(id)`, a local):
//! when some hole of the tag still mentions a parameter, plain `#[slotlint::key]` is added
//! (the macro then only asks for a tag that depends on a parameter, which the rewrite gives);
//! when none does, the function is skipped, with the reason. Functions that already carry
//! `#[slotlint::key]` are left alone, so a second run adds nothing.
//!
//! The attribute only compiles in a package that depends on `slotlint`: the caller says which
//! packages do ([`annotations`]'s `has_dependency`); the others get nothing, and are counted in
//! [`Annotations::without_dependency`] so that the command can say so. Cargo.toml is never
//! edited.

use std::collections::{BTreeMap, HashSet};

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{Attribute, Block, Expr, FnArg, Lit, Pat, Signature, Stmt, Token, Visibility};

use slotlint_keys::skeleton::atoms_of_pieces;
use slotlint_syntax::format_args::{Bound, BoundPiece, FormatCall};
use slotlint_syntax::key_attr::is_key_attr;
use slotlint_syntax::literal;
use slotlint_syntax::strip::strip_text_wrappers as strip;

use crate::pattern::Atom;
use crate::plan::{EditKind, Fix, FixPlan, Place};

/// One attribute to insert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Annotation {
    /// Index into [`FixPlan::files`].
    pub file: usize,
    /// Where the function starts.
    pub place: Place,
    pub function: String,
    /// The attribute as written (`#[slotlint::key(tag = "user:{user}")]`).
    pub attribute: String,
    /// Byte offset of the file where `text` is inserted.
    pub at: usize,
    pub text: String,
}

/// A rewritten key builder that gets no attribute, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    pub place: Place,
    pub function: String,
    pub reason: String,
}

/// What `--annotate` would add.
#[derive(Clone, Debug, Default)]
pub struct Annotations {
    pub added: Vec<Annotation>,
    pub skipped: Vec<Skipped>,
    /// Packages (indices of the discovery's units) that do not depend on `slotlint`, with how
    /// many functions would have been annotated.
    pub without_dependency: BTreeMap<usize, usize>,
}

/// The attributes to add to the key builders the `chosen` fixes rewrite. `has_dependency`
/// tells whether a package (a file's [`crate::scan::ScannedFile::unit`]) depends on `slotlint`.
pub fn annotations(
    plan: &FixPlan,
    chosen: &[&Fix],
    has_dependency: impl Fn(usize) -> bool + Sync,
) -> Annotations {
    // The files are parsed again: on a thread with the parser's stack.
    slotlint_analyzer::parse::with_parse_stack(|| annotations_here(plan, chosen, &has_dependency))
}

fn annotations_here(
    plan: &FixPlan,
    chosen: &[&Fix],
    has_dependency: &(dyn Fn(usize) -> bool + Sync),
) -> Annotations {
    // Literal starts (per file) rewritten by the chosen fixes, with their new token text.
    let mut edited: BTreeMap<usize, BTreeMap<usize, String>> = BTreeMap::new();
    for fix in chosen {
        for fam in &fix.families {
            for e in &fam.edits {
                if e.kind != EditKind::Glob {
                    edited
                        .entry(e.file)
                        .or_default()
                        .insert(e.start, e.after.clone());
                }
            }
        }
    }
    let mut out = Annotations::default();
    for (fi, literals) in edited {
        let file = &plan.files[fi];
        let Ok(ast) = slotlint_analyzer::parse::parse_rust(&file.source.text) else {
            continue;
        };
        let mut finder = Finder {
            literals: &literals,
            found: Vec::new(),
        };
        finder.visit_file(&ast);
        let newline = if file.source.text.contains("\r\n") {
            "\r\n"
        } else {
            "\n"
        };
        for f in finder.found {
            let (line, column) = file.line_col(f.start);
            let place = Place {
                file: file.source.display.clone(),
                line,
                column,
            };
            let attribute = match f.verdict {
                Verdict::Already => continue,
                Verdict::Skip(reason) => {
                    out.skipped.push(Skipped {
                        place,
                        function: f.name,
                        reason,
                    });
                    continue;
                }
                Verdict::Tag(tag) => format!("#[slotlint::key(tag = {tag:?})]"),
                Verdict::Plain => "#[slotlint::key]".to_owned(),
            };
            if !has_dependency(file.unit) {
                *out.without_dependency.entry(file.unit).or_default() += 1;
                continue;
            }
            let line_start = file.source.line_starts()[file.source.line_index(f.start)];
            let indent = &file.source.text[line_start..f.start];
            let (at, text) = if indent.chars().all(char::is_whitespace) {
                (line_start, format!("{indent}{attribute}{newline}"))
            } else {
                (f.start, format!("{attribute} "))
            };
            out.added.push(Annotation {
                file: fi,
                place,
                function: f.name,
                attribute,
                at,
                text,
            });
        }
    }
    proc_macro2::extra::invalidate_current_thread_spans();
    out
}

enum Verdict {
    Already,
    Tag(String),
    Plain,
    Skip(String),
}

struct Candidate {
    name: String,
    /// Byte offset of the function's first token after its attributes.
    start: usize,
    verdict: Verdict,
}

struct Finder<'a> {
    literals: &'a BTreeMap<usize, String>,
    found: Vec<Candidate>,
}

impl Finder<'_> {
    fn function(&mut self, attrs: &[Attribute], start: usize, sig: &Signature, block: &Block) {
        let Some(verdict) = verdict(attrs, sig, block, self.literals) else {
            return;
        };
        self.found.push(Candidate {
            name: sig.ident.to_string(),
            start,
            verdict,
        });
    }
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_item_fn(&mut self, i: &'ast syn::ItemFn) {
        let start = first_offset(&i.vis, None, &i.sig);
        self.function(&i.attrs, start, &i.sig, &i.block);
        visit::visit_item_fn(self, i);
    }

    fn visit_impl_item_fn(&mut self, i: &'ast syn::ImplItemFn) {
        let start = first_offset(&i.vis, i.defaultness.map(|d| d.span), &i.sig);
        self.function(&i.attrs, start, &i.sig, &i.block);
        visit::visit_impl_item_fn(self, i);
    }
}

fn offset(span: Span) -> usize {
    span.byte_range().start
}

/// Offset of the first token of a function after its attributes.
fn first_offset(vis: &Visibility, default: Option<Span>, sig: &Signature) -> usize {
    let vis = match vis {
        Visibility::Public(p) => Some(p.span),
        Visibility::Restricted(r) => Some(r.pub_token.span),
        Visibility::Inherited => None,
    };
    let span = vis
        .or(default)
        .or(sig.constness.map(|t| t.span))
        .or(sig.asyncness.map(|t| t.span))
        .or(sig.unsafety.map(|t| t.span))
        .or(sig.abi.as_ref().map(|a| a.extern_token.span))
        .unwrap_or(sig.fn_token.span);
    offset(span)
}

/// How many functions (free or in `impl`s) of a file carry a `#[slotlint::key]` attribute.
pub fn key_attributes(file: &syn::File) -> usize {
    struct Count(usize);
    impl<'ast> Visit<'ast> for Count {
        fn visit_item_fn(&mut self, i: &'ast syn::ItemFn) {
            self.0 += i.attrs.iter().filter(|a| is_key_attr(a)).count();
            visit::visit_item_fn(self, i);
        }
        fn visit_impl_item_fn(&mut self, i: &'ast syn::ImplItemFn) {
            self.0 += i.attrs.iter().filter(|a| is_key_attr(a)).count();
            visit::visit_impl_item_fn(self, i);
        }
    }
    let mut c = Count(0);
    c.visit_file(file);
    c.0
}

fn single_name(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(|i| i.to_string()),
        _ => None,
    }
}

/// `id`, `self.id`, `user.address.city`, `pair.0`.
fn place_path(e: &Expr) -> Option<String> {
    match e {
        Expr::Field(f) => {
            let base = place_path(strip(&f.base))?;
            Some(match &f.member {
                syn::Member::Named(field) => format!("{base}.{field}"),
                syn::Member::Unnamed(index) => format!("{base}.{}", index.index),
            })
        }
        other => single_name(other),
    }
}

fn params(sig: &Signature) -> HashSet<String> {
    fn bound(pat: &Pat, out: &mut HashSet<String>) {
        match pat {
            Pat::Ident(p) => {
                out.insert(p.ident.to_string());
            }
            Pat::Type(p) => bound(&p.pat, out),
            Pat::Reference(p) => bound(&p.pat, out),
            Pat::Paren(p) => bound(&p.pat, out),
            Pat::Tuple(p) => p.elems.iter().for_each(|e| bound(e, out)),
            Pat::TupleStruct(p) => p.elems.iter().for_each(|e| bound(e, out)),
            Pat::Struct(p) => p.fields.iter().for_each(|f| bound(&f.pat, out)),
            _ => {}
        }
    }
    let mut out = HashSet::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(_) => {
                out.insert("self".to_owned());
            }
            FnArg::Typed(t) => bound(&t.pat, &mut out),
        }
    }
    out
}

/// Whether an expression mentions one of `names` (as an identifier, macro tokens included).
fn mentions(e: &Expr, names: &HashSet<String>) -> bool {
    struct Mentions<'a> {
        names: &'a HashSet<String>,
        found: bool,
    }
    fn tokens(t: proc_macro2::TokenStream, names: &HashSet<String>) -> bool {
        t.into_iter().any(|tt| match tt {
            proc_macro2::TokenTree::Ident(i) => names.contains(&i.to_string()),
            proc_macro2::TokenTree::Group(g) => tokens(g.stream(), names),
            _ => false,
        })
    }
    impl<'ast> Visit<'ast> for Mentions<'_> {
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            self.found |= self.names.contains(&i.to_string());
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            self.found |= tokens(m.tokens.clone(), self.names);
            visit::visit_macro(self, m);
        }
    }
    let mut v = Mentions {
        names,
        found: false,
    };
    v.visit_expr(e);
    v.found
}

#[derive(Default)]
struct Returns(bool);

impl<'ast> Visit<'ast> for Returns {
    fn visit_expr_return(&mut self, _: &'ast syn::ExprReturn) {
        self.0 = true;
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

/// The returned literal of a function: the tail, through a `let` of the body.
struct Returned {
    /// The string literal token of the key (the format string for `format!`).
    lit: syn::LitStr,
    /// The format macro's arguments, its format string first (`None` for a plain literal).
    args: Option<Punctuated<Expr, Token![,]>>,
}

fn returned(block: &Block) -> Option<Returned> {
    let (tail, before) = block.stmts.split_last()?;
    let Stmt::Expr(tail, None) = tail else {
        return None;
    };
    if !before.iter().all(|s| matches!(s, Stmt::Local(_))) {
        return None;
    }
    let mut value = strip(tail);
    if let Some(name) = single_name(value) {
        // The last `let` of that name, not `mut`, with a plain initializer.
        let local = before.iter().rev().find_map(|s| match s {
            Stmt::Local(l) if let_name(&l.pat).is_some_and(|(n, _)| n == name) => Some(l),
            _ => None,
        })?;
        let (_, mutable) = let_name(&local.pat)?;
        let init = local.init.as_ref()?;
        if mutable || init.diverge.is_some() {
            return None;
        }
        value = strip(&init.expr);
    }
    match value {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(Returned {
            lit: s.clone(),
            args: None,
        }),
        Expr::Macro(m) => {
            let name = m.mac.path.segments.last()?.ident.to_string();
            if name != "format" && name != "format_args" {
                return None;
            }
            format_literal(&m.mac)
        }
        _ => None,
    }
}

/// The format string and arguments of `format!(…)`.
fn format_literal(mac: &syn::Macro) -> Option<Returned> {
    let args = mac
        .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        .ok()?;
    let Some(Expr::Lit(syn::ExprLit {
        lit: Lit::Str(s), ..
    })) = args.first()
    else {
        return None;
    };
    Some(Returned {
        lit: s.clone(),
        args: Some(args),
    })
}

fn let_name(pat: &Pat) -> Option<(String, bool)> {
    match pat {
        Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none() => {
            Some((p.ident.to_string(), p.mutability.is_some()))
        }
        Pat::Type(t) => let_name(&t.pat),
        _ => None,
    }
}

/// Names every `let` of the body's top level binds.
fn let_bound(block: &Block) -> HashSet<String> {
    let mut out = HashSet::new();
    for s in &block.stmts {
        if let Stmt::Local(l) = s {
            let mut v = LetNames(&mut out);
            v.visit_pat(&l.pat);
        }
    }
    out
}

struct LetNames<'a>(&'a mut HashSet<String>);

impl<'ast> Visit<'ast> for LetNames<'_> {
    fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
        self.0.insert(p.ident.to_string());
        visit::visit_pat_ident(self, p);
    }
}

/// `None`: not a key builder the fix rewrote.
fn verdict(
    attrs: &[Attribute],
    sig: &Signature,
    block: &Block,
    literals: &BTreeMap<usize, String>,
) -> Option<Verdict> {
    let ret = returned(block)?;
    let after = literals.get(&offset(ret.lit.span()))?;
    if attrs.iter().any(is_key_attr) {
        return Some(Verdict::Already);
    }
    let mut returns = Returns::default();
    returns.visit_block(block);
    if returns.0 {
        return Some(Verdict::Skip(
            "it has a `return`: its key is not only the rewritten literal".to_owned(),
        ));
    }
    let Some(new) = literal::decode(after) else {
        return Some(Verdict::Skip(
            "slotlint cannot read the rewritten literal".to_owned(),
        ));
    };
    // Atoms of the new key, and for each hole the expression that fills it.
    let params = params(sig);
    let shadowed = let_bound(block);
    let (atoms, fills): (Vec<Atom>, Vec<Fill>) = match &ret.args {
        None => (new.value.chars().map(Atom::C).collect(), Vec::new()),
        Some(args) => {
            // The call as it reads after the rewrite: the new format string, the same arguments.
            let mut args = args.clone();
            if let Some(first) = args.first_mut() {
                *first = Expr::Lit(syn::ExprLit {
                    attrs: Vec::new(),
                    lit: Lit::Str(syn::LitStr::new(&new.value, Span::call_site())),
                });
            }
            let Some((call, atoms)) = FormatCall::parse(&args, 0)
                .and_then(|c| atoms_of_pieces(&c.value, &c.pieces).map(|a| (c, a)))
            else {
                return Some(Verdict::Skip("its format string does not parse".to_owned()));
            };
            let fills = call
                .bind()
                .into_iter()
                .filter_map(|piece| match piece {
                    BoundPiece::Text(_) => None,
                    BoundPiece::Placeholder { arg, spec, .. } => Some(match arg {
                        Bound::Expr(e) => Fill::Expr(Box::new(e.clone()), spec.to_owned()),
                        Bound::Capture(n) => Fill::Captured(n.to_owned(), spec.to_owned()),
                        Bound::Missing => Fill::Missing,
                    }),
                })
                .collect();
            (atoms.into_iter().map(|(a, _)| a).collect(), fills)
        }
    };
    // The hash tag: after the first `{`, up to the next `}`.
    let Some(open) = atoms.iter().position(|a| *a == Atom::C('{')) else {
        return Some(Verdict::Skip("the rewritten key has no hash tag".into()));
    };
    let Some(len) = atoms[open + 1..].iter().position(|a| *a == Atom::C('}')) else {
        return Some(Verdict::Skip("the rewritten key has no hash tag".into()));
    };
    if len == 0 {
        return Some(Verdict::Skip(
            "the rewritten key's hash tag is empty".into(),
        ));
    }
    let first_hole = atoms[..open + 1].iter().filter(|a| **a == Atom::H).count();
    let mut tag = String::new();
    let mut all_places = true;
    let mut mentions_param = false;
    let mut h = first_hole;
    for a in &atoms[open + 1..open + 1 + len] {
        match a {
            Atom::C('{') => {
                return Some(Verdict::Skip(
                    "the rewritten key's hash tag holds a brace".into(),
                ))
            }
            Atom::C(c) => tag.push(*c),
            Atom::H => {
                let fill = fills.get(h).cloned().unwrap_or(Fill::Missing);
                h += 1;
                let (place, spec, mention) = match &fill {
                    Fill::Captured(n, spec) => (
                        Some(n.clone()),
                        spec.as_str(),
                        params.contains(n) && !shadowed.contains(n),
                    ),
                    Fill::Expr(e, spec) => {
                        let e = strip(e);
                        let unshadowed: HashSet<String> =
                            params.difference(&shadowed).cloned().collect();
                        (place_path(e), spec.as_str(), mentions(e, &unshadowed))
                    }
                    Fill::Missing => (None, "{", false),
                };
                mentions_param |= mention;
                let root = place.as_deref().and_then(|p| p.split('.').next());
                match (place.as_deref(), root) {
                    (Some(p), Some(root))
                        if !spec.contains(['{', '}'])
                            && params.contains(root)
                            && !shadowed.contains(root) =>
                    {
                        tag.push('{');
                        tag.push_str(p);
                        if !spec.is_empty() {
                            tag.push(':');
                            tag.push_str(spec);
                        }
                        tag.push('}');
                    }
                    _ => all_places = false,
                }
            }
        }
    }
    if all_places {
        return Some(Verdict::Tag(tag));
    }
    if mentions_param {
        return Some(Verdict::Plain);
    }
    Some(Verdict::Skip(
        "the hash tag's value does not come from a parameter".into(),
    ))
}

#[derive(Clone)]
enum Fill {
    /// `{name}` captured from the scope, and its format spec.
    Captured(String, String),
    /// An argument, and its placeholder's format spec.
    Expr(Box<Expr>, String),
    Missing,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict_of(src: &str, after: &str) -> Option<String> {
        let f: syn::ItemFn = syn::parse_str(src).unwrap();
        let ret = returned(&f.block)?;
        let mut literals = BTreeMap::new();
        literals.insert(offset(ret.lit.span()), after.to_owned());
        Some(match verdict(&f.attrs, &f.sig, &f.block, &literals)? {
            Verdict::Already => "already".to_owned(),
            Verdict::Tag(t) => format!("tag {t}"),
            Verdict::Plain => "plain".to_owned(),
            Verdict::Skip(r) => format!("skip: {r}"),
        })
    }

    #[test]
    fn tags_over_parameters() {
        let v = |src: &str, after: &str| verdict_of(src, after);
        assert_eq!(
            v(
                r#"fn k(user: u64) -> String { format!("user:{user}:profile") }"#,
                r#""{{user:{user}}}:profile""#
            )
            .as_deref(),
            Some("tag user:{user}")
        );
        assert_eq!(
            v(
                r#"fn k(u: u64) -> String { let key = format!("user:{}:x", u); key }"#,
                r#""{{user:{}}}:x""#
            )
            .as_deref(),
            Some("tag user:{u}")
        );
        assert_eq!(
            v(
                r#"fn k(&self) -> String { format!("cart:{}:x", &self.id).to_owned() }"#,
                r#""{{cart:{}}}:x""#
            )
            .as_deref(),
            Some("tag cart:{self.id}")
        );
        assert_eq!(
            v(
                r#"fn k() -> &'static str { "session:old" }"#,
                r#""{session}:old""#
            )
            .as_deref(),
            Some("tag session")
        );
        // A parameter in another form: plain attribute.
        assert_eq!(
            v(
                r#"fn k(o: &Order) -> String { format!("order:{}:x", o.id()) }"#,
                r#""{{order:{}}}:x""#
            )
            .as_deref(),
            Some("plain")
        );
        // A spec is part of the hole's name, for the macro too.
        assert_eq!(
            v(
                r#"fn k(id: u64) -> String { format!("o:{id:08}:x") }"#,
                r#""{{o:{id:08}}}:x""#
            )
            .as_deref(),
            Some("tag o:{id:08}")
        );
        assert_eq!(
            v(
                r#"fn k(id: u64) -> String { format!("o:{}:x", u64::from(id)) }"#,
                r#""{{o:{}}}:x""#
            )
            .as_deref(),
            Some("plain")
        );
        // Not from a parameter: skipped.
        assert_eq!(
            v(
                r#"fn k() -> String { format!("o:{}:x", next_id()) }"#,
                r#""{{o:{}}}:x""#
            )
            .as_deref(),
            Some("skip: the hash tag's value does not come from a parameter")
        );
        // A parameter re-bound by a `let`.
        assert_eq!(
            v(
                r#"fn k(id: u64) -> String { let id = id + 1; format!("o:{id}:x") }"#,
                r#""{{o:{id}}}:x""#
            )
            .as_deref(),
            Some("skip: the hash tag's value does not come from a parameter")
        );
        assert_eq!(
            v(
                r#"#[slotlint::key] fn k(id: u64) -> String { format!("o:{id}:x") }"#,
                r#""{{o:{id}}}:x""#
            )
            .as_deref(),
            Some("already")
        );
        assert!(v(
            r#"fn k(id: u64) -> String { if id == 0 { return String::new(); } format!("o:{id}:x") }"#,
            r#""{{o:{id}}}:x""#
        )
        .is_none_or(|s| s.starts_with("skip")));
        // Not the returned value exactly.
        assert_eq!(
            v(
                r#"fn k(id: u64) -> String { format!("o:{id}:x").to_uppercase() }"#,
                r#""{{o:{id}}}:x""#
            ),
            None
        );
        assert_eq!(
            v(
                r#"fn k(id: u64) -> String { let mut k = format!("o:{id}:x"); k.push('!'); k }"#,
                r#""{{o:{id}}}:x""#
            ),
            None
        );
    }
}
