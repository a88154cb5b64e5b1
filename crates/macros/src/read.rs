//! Reading the key a function builds, as a [`KeyPattern`], from its body's syntax.
//!
//! What is read, as the function's result (its tail expression, and every `return`):
//! a string literal; `format!`/`format_args!` with a literal format string; `concat!` of
//! literals; a local bound by `let` to one of those (and extended by `push_str`/`+=`);
//! `.to_string()`, `.to_owned()`, `.into()`, `.clone()`, `.as_str()`, `String::from(..)`,
//! `&`, `Ok(..)`/`Some(..)`, `a + b`; blocks, and `if`/`match` whose branches are all keys.
//!
//! Inside a format string, `{{`/`}}` are literal braces and `{id}` is a placeholder, never a
//! hash tag. A placeholder becomes a [`Hole`] named after its argument: the parameter (`id`),
//! the field path (`self.id`), or the source text of a more complex expression. Arguments that
//! are themselves readable keys (a literal, a `let`-bound `format!`) are inlined.

use std::collections::{HashMap, HashSet};

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use slotlint_keys::format_string::{self, ArgRef, Piece};
use slotlint_keys::{Hole, KeyPattern};
use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{BinOp, Block, Expr, FnArg, Lit, Pat, Signature, Stmt, Token};

/// What a body may be, said in errors about bodies that are not.
pub(crate) const READABLE: &str = "slotlint reads, as the function's result or a `return`: \
a string literal; `format!`/`format_args!` with a literal format string; `concat!` of literals; \
a `let` binding of those; `.to_string()`, `.to_owned()`, `.into()`, `String::from(..)`, `&`, \
`+`; and `if`/`match` whose branches are all such keys";

/// Methods that give back the same text.
const CONVERSIONS: &[&str] = &[
    "to_string",
    "to_owned",
    "into",
    "clone",
    "as_str",
    "as_ref",
    "borrow",
    "into_owned",
];

/// Methods of `String` that change it in ways not followed.
const MUTATIONS: &[&str] = &[
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
}

impl Params {
    pub(crate) fn of(sig: &Signature) -> Params {
        let mut names = Vec::new();
        for input in &sig.inputs {
            match input {
                FnArg::Receiver(_) => names.push("self".to_owned()),
                FnArg::Typed(typed) => bound_names(&typed.pat, &mut names),
            }
        }
        Params { names }
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
    fn mentioned_in(&self, tokens: TokenStream) -> bool {
        tokens.into_iter().any(|tt| match tt {
            TokenTree::Ident(ident) => self.contains(&ident.to_string()),
            TokenTree::Group(group) => self.mentioned_in(group.stream()),
            _ => false,
        })
    }
}

fn bound_names(pat: &Pat, out: &mut Vec<String>) {
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

/// A key a function returns.
#[derive(Clone, Debug)]
pub(crate) struct Key {
    pub(crate) pattern: KeyPattern,
    /// The string literal the key's text comes from (for a concatenation, the first one).
    pub(crate) span: Span,
    /// Set when the whole key is one format string (or string literal) whose placeholders are
    /// plain arguments: errors can then suggest the same literal with its braces moved.
    pub(crate) direct: Option<Direct>,
}

/// A key that is exactly one literal, piece by piece.
#[derive(Clone, Debug)]
pub(crate) struct Direct {
    /// Whether the literal is a format string (`{{` for a brace) or a plain string.
    pub(crate) is_format: bool,
    pub(crate) pieces: Vec<DirectPiece>,
}

#[derive(Clone, Debug)]
pub(crate) enum DirectPiece {
    Text(String),
    /// A placeholder: its source text in the format string, and the hole it became.
    Placeholder {
        source: String,
        hole: Hole,
    },
}

/// Why an expression was not read.
enum Fail {
    /// Not one of the forms slotlint reads.
    Unknown {
        tokens: TokenStream,
        hint: Option<String>,
    },
    /// One of the forms, with a problem the user should see.
    Error(syn::Error),
}

impl Fail {
    fn unknown(tokens: impl ToTokens) -> Fail {
        Fail::Unknown {
            tokens: tokens.into_token_stream(),
            hint: None,
        }
    }

    fn into_error(self, fn_name: &str) -> syn::Error {
        match self {
            Fail::Error(e) => e,
            Fail::Unknown { tokens, hint } => {
                let hint = hint.map(|h| format!(": {h}")).unwrap_or_default();
                syn::Error::new_spanned(
                    tokens,
                    format!("cannot read the key `{fn_name}` builds{hint}\nnote: {READABLE}"),
                )
            }
        }
    }
}

fn combine(a: Option<syn::Error>, b: syn::Error) -> syn::Error {
    match a {
        Some(mut a) => {
            a.combine(b);
            a
        }
        None => b,
    }
}

/// What a `let` bound.
#[derive(Clone)]
enum Binding {
    /// A string that was read.
    Keys(Vec<Key>),
    /// A value not read as a string (a number, a call…): a hole when used in a key.
    Opaque(KeyPattern),
    /// Looked like a key but had a problem: reported if the key uses it.
    Failed(syn::Error),
    /// Changed in a way not followed.
    Changed(String),
}

type Env = HashMap<String, Binding>;

/// Reads the keys of one function.
pub(crate) struct Reader<'a> {
    params: &'a Params,
    fn_name: String,
    /// Ids of the holes whose value depends on a parameter.
    pub(crate) rooted: HashSet<String>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(params: &'a Params, fn_name: String) -> Reader<'a> {
        Reader {
            params,
            fn_name,
            rooted: HashSet::new(),
        }
    }

    /// Every key the body returns; errors combined.
    pub(crate) fn read_body(&mut self, block: &Block) -> Result<Vec<Key>, syn::Error> {
        let fn_name = self.fn_name.clone();
        self.block(block, Env::new())
            .map_err(|fail| fail.into_error(&fn_name))
    }

    fn block(&mut self, block: &Block, mut env: Env) -> Result<Vec<Key>, Fail> {
        let mut keys = Vec::new();
        let mut error: Option<syn::Error> = None;
        let mut has_value = false;
        let fn_name = self.fn_name.clone();
        let count = block.stmts.len();
        for (i, stmt) in block.stmts.iter().enumerate() {
            let last = i + 1 == count;
            let (value, rest): (Option<Expr>, Option<&Expr>) = match stmt {
                Stmt::Local(local) => {
                    if let Some(init) = &local.init {
                        self.returns_in(&init.expr, &env, &mut keys, &mut error);
                    }
                    self.bind(local, &mut env);
                    (None, None)
                }
                Stmt::Expr(expr, None) if last => (Some(expr.clone()), None),
                Stmt::Expr(expr @ Expr::Return(_), Some(_)) if last => (Some(expr.clone()), None),
                Stmt::Expr(expr, _) => (None, Some(expr)),
                Stmt::Macro(m) if last && m.semi_token.is_none() => (
                    Some(Expr::Macro(syn::ExprMacro {
                        attrs: m.attrs.clone(),
                        mac: m.mac.clone(),
                    })),
                    None,
                ),
                Stmt::Macro(_) | Stmt::Item(_) => (None, None),
            };
            if let Some(expr) = rest {
                self.returns_in(expr, &env, &mut keys, &mut error);
                self.track_change(expr, &mut env);
            }
            if let Some(expr) = value {
                has_value = true;
                match self.value(&expr, &env) {
                    Ok(found) => keys.extend(found),
                    Err(fail) => error = Some(combine(error, fail.into_error(&fn_name))),
                }
            }
        }
        if let Some(error) = error {
            return Err(Fail::Error(error));
        }
        if !has_value && keys.is_empty() {
            return Err(Fail::Unknown {
                tokens: block.to_token_stream(),
                hint: Some("this block has no result expression".to_owned()),
            });
        }
        Ok(keys)
    }

    /// Reads the `return`s inside a statement (not inside closures, async blocks or items).
    fn returns_in(
        &mut self,
        expr: &Expr,
        env: &Env,
        keys: &mut Vec<Key>,
        error: &mut Option<syn::Error>,
    ) {
        let mut finder = Returns::default();
        finder.visit_expr(expr);
        for ret in finder.found {
            match self.value(&ret, env) {
                Ok(found) => keys.extend(found),
                Err(fail) => {
                    *error = Some(combine(
                        error.take(),
                        fail.into_error(&self.fn_name.clone()),
                    ))
                }
            }
        }
    }

    fn bind(&mut self, local: &syn::Local, env: &mut Env) {
        let name = match &local.pat {
            Pat::Ident(p) => p.ident.to_string(),
            Pat::Type(t) => match &*t.pat {
                Pat::Ident(p) => p.ident.to_string(),
                _ => return,
            },
            _ => return,
        };
        let binding = match &local.init {
            Some(init) if init.diverge.is_none() => self.binding_of(&name, &init.expr, env),
            _ => Binding::Changed("it is bound without a plain initializer".to_owned()),
        };
        env.insert(name, binding);
    }

    fn binding_of(&mut self, name: &str, expr: &Expr, env: &Env) -> Binding {
        let expr = strip(expr);
        if let Some(path) = place_path(expr) {
            if let Some(binding) = env.get(&path) {
                return binding.clone();
            }
            return Binding::Opaque(self.place_pattern(&path, "", env));
        }
        match self.value(expr, env) {
            Ok(keys) => Binding::Keys(keys),
            Err(Fail::Error(e)) => Binding::Failed(e),
            Err(Fail::Unknown { .. }) => {
                let rooted = self.params.mentioned_in(expr.to_token_stream());
                Binding::Opaque(self.hole(name.to_owned(), rooted))
            }
        }
    }

    /// Follows `k.push_str(..)`, `k += ..`, `k = ..` on a bound local.
    fn track_change(&mut self, expr: &Expr, env: &mut Env) {
        let (name, appended): (String, Option<&Expr>) = match expr {
            Expr::MethodCall(call) => {
                let Some(name) = local_name(&call.receiver) else {
                    return;
                };
                let method = call.method.to_string();
                if (method == "push_str" || method == "push") && call.args.len() == 1 {
                    (name, call.args.first())
                } else if MUTATIONS.contains(&method.as_str()) {
                    if env.contains_key(&name) {
                        env.insert(
                            name,
                            Binding::Changed(format!("it is changed by `{method}`")),
                        );
                    }
                    return;
                } else {
                    return;
                }
            }
            Expr::Binary(bin) if matches!(bin.op, BinOp::AddAssign(_)) => {
                let Some(name) = local_name(&bin.left) else {
                    return;
                };
                (name, Some(&*bin.right))
            }
            Expr::Assign(assign) => {
                let Some(name) = local_name(&assign.left) else {
                    return;
                };
                if env.contains_key(&name) {
                    let binding = self.binding_of(&name, &assign.right, env);
                    env.insert(name, binding);
                }
                return;
            }
            _ => return,
        };
        let Some(Binding::Keys(keys)) = env.get(&name) else {
            return;
        };
        let [key] = keys.as_slice() else {
            env.insert(name, Binding::Changed("it is appended to".to_owned()));
            return;
        };
        let mut key = key.clone();
        let binding = match appended.map(|e| self.piece(e, "", env)) {
            Some(Ok((pattern, _))) => {
                key.pattern.push_pattern(&pattern);
                key.direct = None;
                Binding::Keys(vec![key])
            }
            Some(Err(e)) => Binding::Failed(e),
            None => return,
        };
        env.insert(name, binding);
    }

    /// Reads a string-valued expression.
    fn value(&mut self, expr: &Expr, env: &Env) -> Result<Vec<Key>, Fail> {
        match expr {
            Expr::Lit(lit) => match &lit.lit {
                Lit::Str(s) => Ok(vec![Key {
                    pattern: KeyPattern::literal(s.value()),
                    span: s.span(),
                    direct: Some(Direct {
                        is_format: false,
                        pieces: vec![DirectPiece::Text(s.value())],
                    }),
                }]),
                _ => Err(Fail::unknown(expr)),
            },
            Expr::Macro(m) => self.macro_value(&m.mac, env),
            Expr::Paren(e) => self.value(&e.expr, env),
            Expr::Group(e) => self.value(&e.expr, env),
            Expr::Reference(e) => self.value(&e.expr, env),
            Expr::Return(ret) => match &ret.expr {
                Some(e) => self.value(e, env),
                None => Err(Fail::unknown(expr)),
            },
            Expr::Block(b) if b.label.is_none() => self.block(&b.block, env.clone()),
            Expr::If(e) => {
                let then = self.block(&e.then_branch, env.clone());
                let other = match &e.else_branch {
                    Some((_, other)) => self.value(other, env),
                    None => Err(Fail::Unknown {
                        tokens: expr.to_token_stream(),
                        hint: Some("an `if` without `else`".to_owned()),
                    }),
                };
                self.branches(vec![then, other])
            }
            Expr::Match(m) => {
                let arms = m
                    .arms
                    .iter()
                    .map(|arm| self.value(&arm.body, env))
                    .collect();
                self.branches(arms)
            }
            Expr::MethodCall(call)
                if call.args.is_empty()
                    && CONVERSIONS.contains(&call.method.to_string().as_str()) =>
            {
                self.value(&call.receiver, env)
            }
            Expr::Call(call) if call.args.len() == 1 && is_wrapper(&call.func) => {
                self.value(&call.args[0], env)
            }
            Expr::Binary(bin) if matches!(bin.op, BinOp::Add(_)) => {
                // Operands are keys, or places (`id`, `self.id`); not calls, which may hold braces.
                for operand in [&bin.left, &bin.right] {
                    let operand = strip(operand);
                    if place_path(operand).is_none() {
                        if let Err(Fail::Unknown { .. }) = self.value(operand, env) {
                            return Err(Fail::Unknown {
                                tokens: operand.to_token_stream(),
                                hint: Some(format!(
                                    "slotlint does not look inside `{}`",
                                    compact(operand.to_token_stream())
                                )),
                            });
                        }
                    }
                }
                let (left, left_read) = self.piece(&bin.left, "", env).map_err(Fail::Error)?;
                let (right, right_read) = self.piece(&bin.right, "", env).map_err(Fail::Error)?;
                match left_read.or(right_read) {
                    Some(span) => Ok(vec![Key {
                        pattern: left.concat(&right),
                        span,
                        direct: None,
                    }]),
                    None => Err(Fail::unknown(expr)),
                }
            }
            Expr::Path(p) => {
                let Some(ident) = p.path.get_ident() else {
                    return Err(Fail::unknown(expr));
                };
                let name = ident.to_string();
                let hint = match env.get(&name) {
                    Some(Binding::Keys(keys)) => return Ok(keys.clone()),
                    Some(Binding::Failed(e)) => return Err(Fail::Error(e.clone())),
                    Some(Binding::Opaque(_)) => format!("`{name}` is not bound to a string"),
                    Some(Binding::Changed(why)) => format!("`{name}` is not followed: {why}"),
                    None if self.params.contains(&name) => {
                        format!("`{name}` is a parameter; the function must build the key itself")
                    }
                    None => format!("`{name}` is not a local binding"),
                };
                Err(Fail::Unknown {
                    tokens: expr.to_token_stream(),
                    hint: Some(hint),
                })
            }
            _ => Err(Fail::unknown(expr)),
        }
    }

    fn branches(&mut self, results: Vec<Result<Vec<Key>, Fail>>) -> Result<Vec<Key>, Fail> {
        let mut keys = Vec::new();
        let mut error = None;
        let fn_name = self.fn_name.clone();
        for result in results {
            match result {
                Ok(found) => keys.extend(found),
                Err(fail) => error = Some(combine(error, fail.into_error(&fn_name))),
            }
        }
        match error {
            Some(e) => Err(Fail::Error(e)),
            None => Ok(keys),
        }
    }

    fn macro_value(&mut self, mac: &syn::Macro, env: &Env) -> Result<Vec<Key>, Fail> {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        match name.as_str() {
            "format" | "format_args" => self.format(mac, &name, env).map(|key| vec![key]),
            "concat" => {
                let args = mac
                    .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
                    .map_err(Fail::Error)?;
                let mut text = String::new();
                for arg in &args {
                    match arg {
                        Expr::Lit(lit) => match &lit.lit {
                            Lit::Str(s) => text.push_str(&s.value()),
                            Lit::Char(c) => text.push(c.value()),
                            Lit::Int(i) => text.push_str(i.base10_digits()),
                            Lit::Bool(b) => text.push_str(if b.value { "true" } else { "false" }),
                            _ => return Err(Fail::unknown(arg)),
                        },
                        _ => return Err(Fail::unknown(arg)),
                    }
                }
                Ok(vec![Key {
                    pattern: KeyPattern::literal(text),
                    span: mac
                        .path
                        .segments
                        .last()
                        .map_or_else(Span::call_site, |s| s.ident.span()),
                    direct: None,
                }])
            }
            _ => Err(Fail::Unknown {
                tokens: mac.to_token_stream(),
                hint: Some(format!("slotlint does not look inside `{name}!`")),
            }),
        }
    }

    /// `format!("…", args)`: the format string's pieces, placeholders resolved to arguments.
    fn format(&mut self, mac: &syn::Macro, name: &str, env: &Env) -> Result<Key, Fail> {
        let args = mac
            .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
            .map_err(Fail::Error)?;
        let mut args = args.into_iter();
        let Some(first) = args.next() else {
            return Err(Fail::Error(syn::Error::new_spanned(
                mac,
                format!("`{name}!` needs a format string"),
            )));
        };
        let lit = match &first {
            Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            }) => s.clone(),
            other => {
                return Err(Fail::Error(syn::Error::new_spanned(
                    other,
                    format!(
                        "the format string of this `{name}!` is not a string literal, so slotlint \
                         cannot read the key `{}` builds\nhelp: write the format string inline, \
                         as in `{name}!(\"{{{{user:{{id}}}}}}:profile\")`",
                        self.fn_name
                    ),
                )))
            }
        };
        let text = lit.value();
        let pieces = format_string::parse(&text).map_err(|e| {
            Fail::Error(syn::Error::new(
                lit.span(),
                format!("{} in `{}`", e.message, excerpt(&text, e.offset)),
            ))
        })?;
        let mut positional = Vec::new();
        let mut named = HashMap::new();
        for arg in args {
            match &arg {
                Expr::Assign(assign) => match local_name(&assign.left) {
                    Some(n) => {
                        named.insert(n, (*assign.right).clone());
                    }
                    None => positional.push(arg),
                },
                _ => positional.push(arg),
            }
        }

        let mut pattern = KeyPattern::new();
        let mut direct = Some(Vec::new());
        let mut error: Option<syn::Error> = None;
        let mut next = 0;
        for piece in pieces {
            match piece {
                Piece::Text(t) => {
                    pattern.push_text(&t);
                    if let Some(d) = &mut direct {
                        d.push(DirectPiece::Text(t));
                    }
                }
                Piece::Placeholder { arg, spec, range } => {
                    let source = text[range.0..range.1].to_owned();
                    let resolved = match &arg {
                        ArgRef::Next => {
                            next += 1;
                            positional.get(next - 1).map(|e| self.piece(e, &spec, env))
                        }
                        ArgRef::Index(i) => positional.get(*i).map(|e| self.piece(e, &spec, env)),
                        ArgRef::Name(n) => Some(match named.get(n) {
                            Some(e) => self.piece(e, &spec, env),
                            None => Ok(self.name_piece(n, &spec, env)),
                        }),
                    };
                    match resolved {
                        None => {
                            let e = syn::Error::new(
                                lit.span(),
                                format!("placeholder `{source}` in `{text}` has no argument"),
                            );
                            error = Some(combine(error, e));
                        }
                        Some(Err(e)) => error = Some(combine(error, e)),
                        Some(Ok((p, read))) => {
                            match (&mut direct, p.segments()) {
                                (Some(d), [slotlint_keys::Segment::Hole(hole)])
                                    if read.is_none() =>
                                {
                                    d.push(DirectPiece::Placeholder {
                                        source,
                                        hole: hole.clone(),
                                    })
                                }
                                _ => direct = None,
                            }
                            pattern.push_pattern(&p);
                        }
                    }
                }
            }
        }
        if let Some(e) = error {
            return Err(Fail::Error(e));
        }
        Ok(Key {
            pattern,
            span: lit.span(),
            direct: direct.map(|pieces| Direct {
                is_format: true,
                pieces,
            }),
        })
    }

    /// An argument of a format string or an operand of `+`: a key read and inlined (with the
    /// span of its literal), or a hole.
    fn piece(
        &mut self,
        expr: &Expr,
        spec: &str,
        env: &Env,
    ) -> Result<(KeyPattern, Option<Span>), syn::Error> {
        let expr = strip(expr);
        if let Some(path) = place_path(expr) {
            if !path.contains('.') {
                return Ok(self.name_piece(&path, spec, env));
            }
            return Ok((self.place_pattern(&path, spec, env), None));
        }
        match self.value(expr, env) {
            Ok(keys) if keys.len() == 1 && spec.is_empty() => {
                let key = &keys[0];
                Ok((key.pattern.clone(), Some(key.span)))
            }
            Err(Fail::Error(e)) => Err(e),
            _ => {
                let rooted = self.params.mentioned_in(expr.to_token_stream());
                let id = with_spec(compact(expr.to_token_stream()), spec);
                Ok((self.hole(id, rooted), None))
            }
        }
    }

    /// A placeholder or argument that is a bare name: a `let`-bound key is inlined, anything
    /// else is a hole.
    fn name_piece(&mut self, name: &str, spec: &str, env: &Env) -> (KeyPattern, Option<Span>) {
        match env.get(name) {
            Some(Binding::Keys(keys)) if keys.len() == 1 && spec.is_empty() => {
                (keys[0].pattern.clone(), Some(keys[0].span))
            }
            Some(Binding::Opaque(pattern)) => match pattern.segments() {
                [slotlint_keys::Segment::Hole(h)] if !spec.is_empty() => {
                    let rooted = self.rooted.contains(crate::check::place(h));
                    (
                        self.hole(with_spec(crate::check::place(h).to_owned(), spec), rooted),
                        None,
                    )
                }
                _ => (pattern.clone(), None),
            },
            Some(_) => (self.hole(with_spec(name.to_owned(), spec), false), None),
            None => {
                let rooted = self.params.contains(name);
                (self.hole(with_spec(name.to_owned(), spec), rooted), None)
            }
        }
    }

    /// A hole for a place such as `id` or `self.user.id`, through `let` aliases of its root.
    fn place_pattern(&mut self, path: &str, spec: &str, env: &Env) -> KeyPattern {
        let (root, rest) = match path.find('.') {
            Some(dot) => (&path[..dot], &path[dot..]),
            None => (path, ""),
        };
        if rest.is_empty() {
            return self.name_piece(root, spec, env).0;
        }
        // `let user = &self.user; user.id` is `self.user.id`.
        let root = match env.get(root) {
            Some(Binding::Opaque(p)) => match p.segments() {
                [slotlint_keys::Segment::Hole(h)] => crate::check::place(h).to_owned(),
                _ => root.to_owned(),
            },
            _ => root.to_owned(),
        };
        let id = format!("{root}{rest}");
        let root_name = id.split('.').next().unwrap_or_default();
        let rooted = self.params.contains(root_name) || self.rooted.contains(root_name);
        self.hole(with_spec(id, spec), rooted)
    }

    fn hole(&mut self, id: String, rooted: bool) -> KeyPattern {
        if rooted {
            self.rooted.insert(id.clone());
        }
        KeyPattern::hole(Hole::new(id.clone(), id))
    }
}

/// `id`, `{id:?}` → `id:?`.
fn with_spec(id: String, spec: &str) -> String {
    if spec.is_empty() {
        id
    } else {
        format!("{id}:{spec}")
    }
}

/// Strips what does not change the text: `&`, `*`, parentheses, `.to_string()`, `.clone()`…
fn strip(expr: &Expr) -> &Expr {
    match expr {
        Expr::Reference(e) => strip(&e.expr),
        Expr::Paren(e) => strip(&e.expr),
        Expr::Group(e) => strip(&e.expr),
        Expr::Unary(e) if matches!(e.op, syn::UnOp::Deref(_)) => strip(&e.expr),
        Expr::MethodCall(call)
            if call.args.is_empty() && CONVERSIONS.contains(&call.method.to_string().as_str()) =>
        {
            strip(&call.receiver)
        }
        _ => expr,
    }
}

/// `id`, `self.id`, `user.address.city`: a name followed by named fields.
fn place_path(expr: &Expr) -> Option<String> {
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

fn local_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
        _ => None,
    }
}

/// `String::from`, `Ok`, `Some` and friends: the value is the argument.
fn is_wrapper(func: &Expr) -> bool {
    let Expr::Path(p) = func else { return false };
    let segments: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    match segments.as_slice() {
        [one] => matches!(one.as_str(), "Ok" | "Some"),
        [.., ty, method] => {
            matches!(ty.as_str(), "String" | "Cow" | "Box" | "Rc" | "Arc")
                && matches!(method.as_str(), "from" | "new")
                || ty == "ToString" && method == "to_string"
                || ty == "Into" && method == "into"
        }
        _ => false,
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
fn excerpt(text: &str, offset: usize) -> String {
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
struct Returns {
    found: Vec<Expr>,
}

impl<'ast> Visit<'ast> for Returns {
    fn visit_expr_return(&mut self, ret: &'ast syn::ExprReturn) {
        self.found.push(Expr::Return(ret.clone()));
    }
    fn visit_expr_closure(&mut self, _: &'ast syn::ExprClosure) {}
    fn visit_expr_async(&mut self, _: &'ast syn::ExprAsync) {}
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}
