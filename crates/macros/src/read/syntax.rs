//! Syntax helpers of the reader: what a parameter list binds, places (`self.id`), source text
//! for messages, and the `return`s of a body. (The forms that do not change a key's text —
//! `&`, `.to_string()`, `String::from(..)` — are `slotlint_syntax::strip`'s, shared with the
//! analyzer and `fix --annotate`.) Shared with the membership rules of
//! `#[slotlint::colocated]`, which must agree with what the reader reads.

use proc_macro2::{TokenStream, TokenTree};
use slotlint_syntax::strip::strip_text_wrappers as strip;
use syn::visit::Visit;
use syn::{Expr, FnArg, Pat, Signature};

/// What a body may be, said in errors about bodies that are not.
pub(crate) const READABLE: &str = "slotlint reads, as the function's result or a `return`: \
a string literal; `format!`/`format_args!` with a literal format string; `concat!` of literals; \
a `let` binding of those; `.to_string()`, `.to_owned()`, `.into()`, `String::from(..)`, `&`, \
`+`; and `if`/`match` whose branches are all such keys";

/// Methods of `String` that change it in ways not followed.
pub(crate) const MUTATIONS: &[&str] = &[
    "insert",
    "insert_str",
    "clear",
    "truncate",
    "retain",
    "drain",
    "extend",
    "replace_range",
    "pop",
    "remove",
    "make_ascii_lowercase",
    "make_ascii_uppercase",
];

/// The names a function's parameters bind, `self` included.
pub(crate) struct Params {
    names: Vec<String>,
    /// Per parameter after `self`, in order: the name it binds when it is a plain name
    /// (`id: u64`, `mut id: u64`), `None` for a pattern (`(a, b): (u64, u64)`).
    pub(crate) inputs: Vec<Option<String>>,
}

impl Params {
    pub(crate) fn of(sig: &Signature) -> Params {
        let mut names = Vec::new();
        let mut inputs = Vec::new();
        for input in &sig.inputs {
            match input {
                FnArg::Receiver(_) => names.push("self".to_owned()),
                FnArg::Typed(typed) => {
                    let plain = match &*typed.pat {
                        Pat::Ident(p) if p.subpat.is_none() => Some(p.ident.to_string()),
                        _ => None,
                    };
                    inputs.push(plain);
                    bound_names(&typed.pat, &mut names);
                }
            }
        }
        Params { names, inputs }
    }

    /// Every name the parameters bind, `self` first when there is one.
    pub(crate) fn names(&self) -> &[String] {
        &self.names
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    /// "`id`, `kind`", or "none".
    pub(crate) fn list(&self) -> String {
        if self.names.is_empty() {
            return "none".to_owned();
        }
        let quoted: Vec<String> = self.names.iter().map(|n| format!("`{n}`")).collect();
        quoted.join(", ")
    }

    /// Whether `tokens` mention a parameter.
    pub(crate) fn mentioned_in(&self, tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tt| match tt {
            TokenTree::Ident(ident) => self.contains(&ident.to_string()),
            TokenTree::Group(group) => self.mentioned_in(group.stream()),
            _ => false,
        })
    }
}

pub(crate) fn bound_names(pat: &Pat, out: &mut Vec<String>) {
    match pat {
        Pat::Ident(p) => out.push(p.ident.to_string()),
        Pat::Type(p) => bound_names(&p.pat, out),
        Pat::Reference(p) => bound_names(&p.pat, out),
        Pat::Paren(p) => bound_names(&p.pat, out),
        Pat::Tuple(p) => p.elems.iter().for_each(|e| bound_names(e, out)),
        Pat::TupleStruct(p) => p.elems.iter().for_each(|e| bound_names(e, out)),
        Pat::Slice(p) => p.elems.iter().for_each(|e| bound_names(e, out)),
        Pat::Struct(p) => p.fields.iter().for_each(|f| bound_names(&f.pat, out)),
        _ => {}
    }
}

/// `id`, `{id:?}` → `id:?`.
pub(crate) fn with_spec(id: String, spec: &str) -> String {
    if spec.is_empty() {
        id
    } else {
        format!("{id}:{spec}")
    }
}

/// `id`, `self.id`, `user.address.city`: a name followed by named fields.
pub(crate) fn place_path(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(|i| i.to_string()),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(field) => Some(format!("{}.{field}", place_path(strip(&f.base))?)),
            syn::Member::Unnamed(index) => {
                Some(format!("{}.{}", place_path(strip(&f.base))?, index.index))
            }
        },
        _ => None,
    }
}

pub(crate) fn local_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        _ => None,
    }
}

/// Source text of tokens, without the spaces the token printer puts between punctuation.
pub(crate) fn compact(tokens: TokenStream) -> String {
    let mut out = String::new();
    let mut word_last = false;
    for tt in tokens {
        match tt {
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                out.push_str(open);
                out.push_str(&compact(g.stream()));
                out.push_str(close);
                word_last = false;
            }
            TokenTree::Punct(p) => {
                out.push(p.as_char());
                word_last = false;
            }
            TokenTree::Ident(_) | TokenTree::Literal(_) => {
                if word_last {
                    out.push(' ');
                }
                out.push_str(&tt.to_string());
                word_last = true;
            }
        }
    }
    out
}

/// A few characters of `text` around byte `offset`, for errors inside a format string.
pub(crate) fn excerpt(text: &str, offset: usize) -> String {
    let start = text[..offset.min(text.len())]
        .char_indices()
        .rev()
        .nth(8)
        .map_or(0, |(i, _)| i);
    let end = text[offset.min(text.len())..]
        .char_indices()
        .nth(8)
        .map_or(text.len(), |(i, _)| offset + i);
    text[start..end].to_owned()
}

/// The `return` expressions of a statement, outside closures, async blocks and nested items.
#[derive(Default)]
pub(crate) struct Returns {
    pub(crate) found: Vec<Expr>,
}

impl<'ast> Visit<'ast> for Returns {
    fn visit_expr_return(&mut self, ret: &'ast syn::ExprReturn) {
        self.found.push(Expr::Return(ret.clone()));
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
