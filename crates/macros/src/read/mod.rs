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
//!
//! Inside a `#[slotlint::colocated]` group, a call to another member of the group is read too:
//! the callee's keys, with its parameters replaced by the call's arguments (see [`calls`]).
//!
//! What the compiler itself refuses (an invalid format string, a missing argument) is left to
//! the compiler: the body is then not read, and no second error is added to rustc's.

mod calls;
mod syntax;

use std::collections::{HashMap, HashSet};

use proc_macro2::{Punct, Spacing, Span};
use quote::ToTokens;
use slotlint_keys::format_string::{FormatError, Piece};
use slotlint_keys::{Hole, KeyPattern};
use slotlint_syntax::format_args::{
    literal_text, macro_name, Bound, BoundPiece, FormatCall, TemplateError,
};
use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{BinOp, Block, Expr, Lit, Pat, Stmt, Token};

pub(crate) use calls::{split_place, CalleeKeys, Callees, MemberCall, ReadFn};
pub(crate) use slotlint_syntax::strip::{
    is_text_conversion, is_text_wrapper, strip_text_wrappers as strip,
};
pub(crate) use syntax::{compact, place_path, Params, Returns, READABLE};
use syntax::{excerpt, local_name, with_spec, MUTATIONS};

/// A key a function returns.
#[derive(Clone, Debug)]
pub(crate) struct Key {
    pub(crate) pattern: KeyPattern,
    /// The string literal the key's text comes from (for a concatenation, the first one), or
    /// the first token of the call to a group member it comes from; errors underline
    /// `span..=end`.
    pub(crate) span: Span,
    pub(crate) end: Span,
    /// Set when the whole key is one format string (or string literal) whose placeholders are
    /// plain arguments: errors can then suggest the same literal with its braces moved.
    pub(crate) direct: Option<Direct>,
}

impl Key {
    /// An error that underlines the key's literal (or the call it comes from).
    pub(crate) fn error(&self, message: String) -> syn::Error {
        let mut first = Punct::new('#', Spacing::Alone);
        first.set_span(self.span);
        let mut last = Punct::new('#', Spacing::Alone);
        last.set_span(self.end);
        syn::Error::new_spanned(quote::quote!(#first #last), message)
    }
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
        tokens: proc_macro2::TokenStream,
        hint: Option<String>,
    },
    /// One of the forms, with a problem the user should see.
    Error(syn::Error),
    /// A problem reported by someone else: rustc (an invalid format string), or the check of
    /// the group member called.
    Elsewhere,
}

impl Fail {
    fn unknown(tokens: impl ToTokens) -> Fail {
        Fail::Unknown {
            tokens: tokens.into_token_stream(),
            hint: None,
        }
    }
}

/// The failures met while reading one expression, all kept so that they are all reported.
#[derive(Default)]
struct Failures {
    error: Option<syn::Error>,
    elsewhere: bool,
}

impl Failures {
    fn push_error(&mut self, e: syn::Error) {
        match &mut self.error {
            Some(error) => error.combine(e),
            None => self.error = Some(e),
        }
    }

    fn into_result<T>(self, ok: T) -> Result<T, Fail> {
        match self {
            Failures { error: Some(e), .. } => Err(Fail::Error(e)),
            Failures {
                elsewhere: true, ..
            } => Err(Fail::Elsewhere),
            _ => Ok(ok),
        }
    }
}

/// What a `let` bound.
#[derive(Clone)]
enum Binding {
    /// A string that was read.
    Keys(Vec<Key>),
    /// A value not read as a string (a number, a call…): a hole when used in a key.
    Opaque(KeyPattern),
    /// Looked like a key but had a problem: reported if the key uses it (`None`: reported
    /// elsewhere).
    Failed(Option<syn::Error>),
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
    /// Added to every error about this function (why it is read at all).
    note: Option<String>,
    /// The other key builders the body may call.
    callees: Option<&'a dyn Callees>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(params: &'a Params, fn_name: String) -> Reader<'a> {
        Reader {
            params,
            fn_name,
            rooted: HashSet::new(),
            note: None,
            callees: None,
        }
    }

    /// A note added to every error the reader reports.
    pub(crate) fn with_note(mut self, note: Option<String>) -> Reader<'a> {
        self.note = note;
        self
    }

    /// Calls to these functions are read as their keys.
    pub(crate) fn with_callees(mut self, callees: &'a dyn Callees) -> Reader<'a> {
        self.callees = Some(callees);
        self
    }

    /// Every key the body returns; `Err(None)` when the only problems are reported elsewhere
    /// (by rustc, or at the group member called), else the errors combined.
    pub(crate) fn read_body(&mut self, block: &Block) -> Result<Vec<Key>, Option<syn::Error>> {
        self.block(block, Env::new())
            .map_err(|fail| self.report(fail))
    }

    /// The error to report for a failure, if it is ours to report.
    fn report(&self, fail: Fail) -> Option<syn::Error> {
        match fail {
            Fail::Error(e) => Some(e),
            Fail::Elsewhere => None,
            Fail::Unknown { tokens, hint } => {
                let hint = hint.map(|h| format!(": {h}")).unwrap_or_default();
                Some(self.error_spanned(
                    tokens,
                    format!(
                        "cannot read the key `{}` builds{hint}\nnote: {READABLE}",
                        self.fn_name
                    ),
                ))
            }
        }
    }

    /// Collects a failure.
    fn fail_into(&self, failures: &mut Failures, fail: Fail) {
        match self.report(fail) {
            Some(e) => failures.push_error(e),
            None => failures.elsewhere = true,
        }
    }

    /// An error about this function, at the span of `tokens`, with the reader's note.
    fn error_spanned(&self, tokens: impl ToTokens, message: String) -> syn::Error {
        syn::Error::new_spanned(tokens, self.with_note_text(message))
    }

    fn error_at(&self, span: Span, message: String) -> syn::Error {
        syn::Error::new(span, self.with_note_text(message))
    }

    fn with_note_text(&self, message: String) -> String {
        match &self.note {
            Some(note) => format!("{message}\n{note}"),
            None => message,
        }
    }

    fn block(&mut self, block: &Block, mut env: Env) -> Result<Vec<Key>, Fail> {
        let mut keys = Vec::new();
        let mut failures = Failures::default();
        let mut has_value = false;
        let count = block.stmts.len();
        for (i, stmt) in block.stmts.iter().enumerate() {
            let last = i + 1 == count;
            let (value, rest): (Option<Expr>, Option<&Expr>) = match stmt {
                Stmt::Local(local) => {
                    if let Some(init) = &local.init {
                        self.returns_in(&init.expr, &env, &mut keys, &mut failures);
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
                self.returns_in(expr, &env, &mut keys, &mut failures);
                self.track_change(expr, &mut env);
            }
            if let Some(expr) = value {
                has_value = true;
                match self.value(&expr, &env) {
                    Ok(found) => keys.extend(found),
                    Err(fail) => self.fail_into(&mut failures, fail),
                }
            }
        }
        if failures.error.is_some() || failures.elsewhere {
            return failures.into_result(Vec::new());
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
    fn returns_in(&mut self, expr: &Expr, env: &Env, keys: &mut Vec<Key>, failures: &mut Failures) {
        let mut finder = Returns::default();
        finder.visit_expr(expr);
        for ret in finder.found {
            match self.value(&ret, env) {
                Ok(found) => keys.extend(found),
                Err(fail) => self.fail_into(failures, fail),
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
            Err(Fail::Error(e)) => Binding::Failed(Some(e)),
            Err(Fail::Elsewhere) => Binding::Failed(None),
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
            Some(Err(fail)) => Binding::Failed(self.report(fail)),
            None => return,
        };
        env.insert(name, binding);
    }

    /// Reads a string-valued expression.
    fn value(&mut self, expr: &Expr, env: &Env) -> Result<Vec<Key>, Fail> {
        if let Some(call) = self.callees.and_then(|c| c.call(expr)) {
            return self.member_call(expr, call, env);
        }
        match expr {
            Expr::Lit(lit) => match &lit.lit {
                Lit::Str(s) => Ok(vec![Key {
                    pattern: KeyPattern::literal(s.value()),
                    span: s.span(),
                    end: s.span(),
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
            Expr::MethodCall(call) if is_text_conversion(call) => self.value(&call.receiver, env),
            Expr::Call(call) if call.args.len() == 1 && is_text_wrapper(&call.func) => {
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
                let (left, left_read) = self.piece(&bin.left, "", env)?;
                let (right, right_read) = self.piece(&bin.right, "", env)?;
                match left_read.or(right_read) {
                    Some(span) => Ok(vec![Key {
                        pattern: left.concat(&right),
                        span,
                        end: span,
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
                    Some(Binding::Failed(Some(e))) => return Err(Fail::Error(e.clone())),
                    Some(Binding::Failed(None)) => return Err(Fail::Elsewhere),
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
        let mut failures = Failures::default();
        for result in results {
            match result {
                Ok(found) => keys.extend(found),
                Err(fail) => self.fail_into(&mut failures, fail),
            }
        }
        failures.into_result(keys)
    }

    fn macro_value(&mut self, mac: &syn::Macro, env: &Env) -> Result<Vec<Key>, Fail> {
        let name = macro_name(mac);
        match name.as_str() {
            "format" | "format_args" => self.format(mac, &name, env).map(|key| vec![key]),
            "concat" => {
                // Arguments rustc refuses (not literals) are rustc's to report.
                let args = mac
                    .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
                    .map_err(|_| Fail::Elsewhere)?;
                let mut text = String::new();
                for arg in &args {
                    match (literal_text(arg), arg) {
                        (Some(t), _) => text.push_str(&t),
                        (None, Expr::Macro(_) | Expr::Unary(_)) => return Err(Fail::unknown(arg)),
                        (None, _) => return Err(Fail::Elsewhere),
                    }
                }
                let (span, end) = calls::token_range(mac);
                Ok(vec![Key {
                    pattern: KeyPattern::literal(text),
                    span,
                    end,
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
        // Arguments that do not parse, no format string, a format string that is neither a
        // literal nor a macro: rustc refuses them and says why.
        let args = mac
            .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
            .map_err(|_| Fail::Elsewhere)?;
        let lit = match args.first() {
            Some(Expr::Lit(syn::ExprLit {
                lit: Lit::Str(s), ..
            })) => s,
            Some(other @ Expr::Macro(_)) => {
                return Err(Fail::Error(self.error_spanned(
                    other,
                    format!(
                        "the format string of this `{name}!` is not a string literal, so slotlint \
                         cannot read the key `{}` builds\nhelp: write the format string inline, \
                         as in `{name}!(\"{{{{user:{{id}}}}}}:profile\")`",
                        self.fn_name
                    ),
                )))
            }
            _ => return Err(Fail::Elsewhere),
        };
        let text = lit.value();
        let call = FormatCall::read(&args, 0).map_err(|e| match e {
            TemplateError::Format(e) if !rustc_refuses(&e) => Fail::Error(self.error_at(
                lit.span(),
                format!("{} in `{}`", e.message, excerpt(&text, e.offset)),
            )),
            _ => Fail::Elsewhere,
        })?;
        // `{user:{id}}}`: a spec holding a brace (a `{{` forgotten), which rustc refuses.
        let brace_in_spec = call
            .pieces
            .iter()
            .any(|p| matches!(p, Piece::Placeholder { spec, .. } if spec.contains(['{', '}'])));
        if brace_in_spec {
            return Err(Fail::Elsewhere);
        }

        let mut pattern = KeyPattern::new();
        let mut direct = Some(Vec::new());
        let mut failures = Failures::default();
        for piece in call.bind() {
            match piece {
                BoundPiece::Text(t) => {
                    pattern.push_text(t);
                    if let Some(d) = &mut direct {
                        d.push(DirectPiece::Text(t.to_owned()));
                    }
                }
                BoundPiece::Placeholder {
                    arg, spec, range, ..
                } => {
                    let source = text[range.0..range.1].to_owned();
                    let resolved = match arg {
                        Bound::Expr(e) => Some(self.piece(e, spec, env)),
                        Bound::Capture(n) => Some(Ok(self.name_piece(n, spec, env))),
                        // rustc reports the placeholder without an argument.
                        Bound::Missing => None,
                    };
                    match resolved {
                        None => failures.elsewhere = true,
                        Some(Err(fail)) => self.fail_into(&mut failures, fail),
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
        failures.into_result(())?;
        Ok(Key {
            pattern,
            span: lit.span(),
            end: lit.span(),
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
    ) -> Result<(KeyPattern, Option<Span>), Fail> {
        let expr = strip(expr);
        if let Some(path) = place_path(expr) {
            if !path.contains('.') {
                return Ok(self.name_piece(&path, spec, env));
            }
            return Ok((self.place_pattern(&path, spec, env), None));
        }
        if let (Expr::Lit(lit), "") = (expr, spec) {
            // A number, `char` or `bool` written as it is.
            if !matches!(lit.lit, Lit::Str(_)) {
                if let Some(text) = literal_text(expr) {
                    return Ok((KeyPattern::literal(text), None));
                }
            }
        }
        match self.value(expr, env) {
            Ok(keys) if keys.len() == 1 && spec.is_empty() => {
                let key = &keys[0];
                Ok((key.pattern.clone(), Some(key.span)))
            }
            Err(fail @ (Fail::Error(_) | Fail::Elsewhere)) => Err(fail),
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

    pub(crate) fn hole(&mut self, id: String, rooted: bool) -> KeyPattern {
        if rooted {
            self.rooted.insert(id.clone());
        }
        KeyPattern::hole(Hole::new(id.clone(), id))
    }
}

/// Whether rustc refuses a format string that slotlint cannot parse (and so reports it
/// itself), rather than accepting one that slotlint does not follow (`{:.*}`).
fn rustc_refuses(e: &FormatError) -> bool {
    !e.message.starts_with("`.*`")
}
