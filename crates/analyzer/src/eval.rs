//! The interpreter: walks function bodies in order, follows what each expression holds (key
//! patterns, connections, pipelines, commands, scripts) and records every redis-rs call it
//! recognizes as a [`CallSite`].
//!
//! It is an abstract interpretation over syn's syntax tree, without types: a call is a Redis
//! call when the evidence adds up (a receiver of a redis type, a builder that came from
//! `redis::pipe()`, a command trait in scope and no method of that name in the crate).

use std::cell::RefCell;
use std::collections::HashMap;

use proc_macro2::Span as PmSpan;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Token};

use slotlint_commands::{CommandTable, KeyPositionError};
use slotlint_keys::format_string::{self, ArgRef, Piece};
use slotlint_keys::{Hole, KeyPattern};

use crate::index::{type_name, CrateIndex, FnDef};
use crate::redis_api::{self, methods::Param};
use crate::scope::Scope;
use crate::sites::{CallSite, CommandCall, Exec, KeyArg, ScriptSource, SiteKind};
use crate::source::{SourceFile, Span};
use crate::value::{ArgItem, ConnInfo, PendingCommand, PipeState, ScriptState, Value};
use crate::workspace::Version;

/// Everything the interpreter needs to know about one crate.
pub struct UnitContext<'a> {
    pub sources: &'a [SourceFile],
    pub asts: Vec<Option<&'a syn::File>>,
    pub scopes: Vec<Scope>,
    /// Files whose text names redis: only these can hold call sites.
    pub mentions_redis: Vec<bool>,
    pub index: CrateIndex<'a>,
    pub commands: &'a CommandTable,
    pub version: Version,
    /// The package folder: `include_str!` is followed only inside it.
    pub root: std::path::PathBuf,
    summaries: RefCell<HashMap<usize, Option<Value<'a>>>>,
    consts: RefCell<HashMap<String, Option<Value<'a>>>>,
    arena: &'a MacroArena,
    /// Macro bodies parsed as comma lists, by the macro's address in the tree.
    macro_args: RefCell<HashMap<usize, Option<&'a MacroArgs>>>,
}

type MacroArgs = Punctuated<Expr, Token![,]>;

/// Owns macro bodies parsed during analysis, so values may point into them.
#[derive(Default)]
pub struct MacroArena(typed_arena::Arena<MacroArgs>);

impl<'a> UnitContext<'a> {
    pub fn new(
        sources: &'a [SourceFile],
        asts: Vec<Option<&'a syn::File>>,
        aliases: &[String],
        commands: &'a CommandTable,
        version: Version,
        arena: &'a MacroArena,
        root: &std::path::Path,
    ) -> UnitContext<'a> {
        let index = CrateIndex::build(&asts);
        let needles: Vec<String> = std::iter::once("redis".to_owned())
            .chain(aliases.iter().cloned())
            .collect();
        let mentions_redis = sources
            .iter()
            .map(|s| needles.iter().any(|n| s.text.contains(n.as_str())))
            .collect();
        let scopes = asts
            .iter()
            .map(|ast| {
                let mut scope = Scope::new(aliases);
                if let Some(ast) = ast {
                    collect_uses(&ast.items, &mut scope);
                }
                scope
            })
            .collect();
        UnitContext {
            sources,
            asts,
            scopes,
            mentions_redis,
            index,
            commands,
            version,
            summaries: RefCell::new(HashMap::new()),
            consts: RefCell::new(HashMap::new()),
            arena,
            macro_args: RefCell::new(HashMap::new()),
            root: root.to_path_buf(),
        }
    }

    /// A macro's body as comma-separated expressions (`format!`, `vec!`, `assert!`…).
    fn macro_args(&self, mac: &'a syn::Macro) -> Option<&'a MacroArgs> {
        let key = mac as *const syn::Macro as usize;
        if let Some(v) = self.macro_args.borrow().get(&key) {
            return *v;
        }
        let parsed = mac
            .parse_body_with(MacroArgs::parse_terminated)
            .ok()
            .map(|p| &*self.arena.0.alloc(p));
        self.macro_args.borrow_mut().insert(key, parsed);
        parsed
    }

    /// Walk every function of the crate and return the call sites of each file (those `wanted`).
    ///
    /// A key that is a whole parameter of the enclosing function is unknown there; for such
    /// call sites the function is walked again once per caller (up to a few), with the caller's
    /// arguments, and the contextual sites replace the unknown one.
    pub fn call_sites(&self, wanted: &dyn Fn(usize) -> bool) -> Vec<Vec<CallSite>> {
        let mut per_file: Vec<Vec<CallSite>> = vec![Vec::new(); self.sources.len()];
        let mut records: Vec<CallRecord<'a>> = Vec::new();
        // Sites that wait for a caller: (function, span of the site).
        let mut waiting: Vec<(usize, Span)> = Vec::new();
        for (i, def) in self.index.fns.iter().enumerate() {
            if self.asts[def.file].is_none() {
                continue;
            }
            let mut interp = Interp::new(self, def.file, i, true, 0);
            interp.bind_params(def);
            interp.walk_block(def.block);
            let prefix = format!("param:f{i}:");
            for site in &interp.sites {
                if site_keys(site)
                    .any(|k| k.hole.as_deref().is_some_and(|h| h.starts_with(&prefix)))
                {
                    waiting.push((i, site.span));
                }
            }
            if wanted(def.file) {
                per_file[def.file].append(&mut interp.sites);
            }
            records.append(&mut interp.calls);
        }
        waiting.sort_by_key(|(f, s)| (*f, s.start));
        waiting.dedup();
        let mut done = std::collections::HashSet::new();
        for &(f, _) in &waiting {
            if !done.insert(f) || !wanted(self.index.fns[f].file) {
                continue;
            }
            let def = &self.index.fns[f];
            let spans: Vec<Span> = waiting
                .iter()
                .filter(|(g, _)| *g == f)
                .map(|(_, s)| *s)
                .collect();
            let mut contextual = Vec::new();
            for record in records.iter().filter(|r| r.callee == f).take(MAX_CALLERS) {
                let mut interp = Interp::new(self, def.file, f, true, 1);
                interp.bind_params(def);
                let typed = def.sig.inputs.iter().filter_map(|i| match i {
                    syn::FnArg::Typed(pt) => Some(pt),
                    syn::FnArg::Receiver(_) => None,
                });
                for (pt, arg) in typed.zip(&record.args) {
                    if let syn::Pat::Ident(pi) = &*pt.pat {
                        interp.bind(pi.ident.to_string(), arg.clone());
                    }
                }
                let text: String = record.text.chars().take(60).collect();
                let ellipsis = if record.text.chars().count() > 60 {
                    "…"
                } else {
                    ""
                };
                interp.context = Some(format!(
                    "keys as passed at {}:{} (`{text}{ellipsis}`)",
                    self.sources[record.file].display, record.span.line
                ));
                interp.walk_block(def.block);
                contextual.extend(interp.sites.into_iter().filter(|s| spans.contains(&s.span)));
            }
            if !contextual.is_empty() {
                let sites = &mut per_file[def.file];
                sites.retain(|s| !spans.contains(&s.span));
                sites.extend(contextual);
            }
        }
        for sites in &mut per_file {
            // One expression may be walked twice (branches, loops): keep each site once.
            let mut seen = std::collections::HashSet::new();
            sites.retain(|s| seen.insert(format!("{:?}", (s.span, &s.kind, &s.context))));
            sites.sort_by_key(|s| (s.span.start, s.span.end));
        }
        per_file
    }
}

/// Callers followed per function whose keys are its parameters.
const MAX_CALLERS: usize = 8;

fn site_keys(site: &CallSite) -> Box<dyn Iterator<Item = &KeyArg> + '_> {
    match &site.kind {
        SiteKind::Command(c) => Box::new(c.keys.iter()),
        SiteKind::Pipeline { commands, .. } => {
            Box::new(commands.iter().flat_map(|c| c.keys.iter()))
        }
        SiteKind::Transaction {
            watch, commands, ..
        } => Box::new(
            watch
                .iter()
                .chain(commands.iter().flat_map(|c| c.keys.iter())),
        ),
        SiteKind::Script { keys, .. } => Box::new(keys.iter()),
    }
}

/// `use` items at file level and in inline modules (a simplification: module scopes merge).
fn collect_uses(items: &[syn::Item], scope: &mut Scope) {
    for item in items {
        match item {
            syn::Item::Use(u) => scope.add_use(u),
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_uses(items, scope);
                }
            }
            _ => {}
        }
    }
}

/// How deep summaries of key-building functions are followed.
const MAX_SUMMARY_DEPTH: usize = 4;
/// Expression nesting the interpreter follows before giving up on a value.
const MAX_EXPR_DEPTH: usize = 160;
/// Evaluation steps per function body: a bound for generated or pathological code.
const MAX_STEPS: usize = 200_000;

struct Binding<'a> {
    value: Value<'a>,
    depth: usize,
}

/// Where a key parameter's value goes.
#[derive(Clone, Copy, PartialEq)]
enum KeyRole {
    /// Exactly one key (but before 1.0 a `ToRedisArgs` key could be many).
    One,
    /// Any number of keys (`ToRedisArgs`).
    Many,
    /// `&[(K, V)]`: the first of each pair.
    Pairs,
    /// `&[(K, P, V)]`: the first of each triple.
    Triples,
}

struct Interp<'c, 'a> {
    cx: &'c UnitContext<'a>,
    file: usize,
    scope: Scope,
    /// Identity of the function being walked, for hole ids.
    ctx_id: String,
    self_ty: Option<String>,
    /// Generic parameters bounded by a redis connection trait.
    conn_generics: Vec<String>,
    env: Vec<HashMap<String, Binding<'a>>>,
    sites: Vec<CallSite>,
    emit: bool,
    summary_depth: usize,
    expr_depth: usize,
    steps: usize,
    /// Hole ids of loop variables and the env depth of their loop.
    loop_holes: Vec<(String, usize)>,
    returns: Vec<Value<'a>>,
    next_tx: usize,
    tx_commands: HashMap<usize, Vec<CommandCall>>,
    /// Calls of the crate's own functions seen while emitting: for keys passed by callers.
    calls: Vec<CallRecord<'a>>,
    /// "with the keys passed at …", when walking a function for one of its callers.
    context: Option<String>,
}

/// A call of a function of the crate, with the caller's argument values.
struct CallRecord<'a> {
    callee: usize,
    args: Vec<Value<'a>>,
    file: usize,
    span: Span,
    text: String,
}

impl<'c, 'a> Interp<'c, 'a> {
    fn new(
        cx: &'c UnitContext<'a>,
        file: usize,
        fn_index: usize,
        emit: bool,
        summary_depth: usize,
    ) -> Interp<'c, 'a> {
        let def = &cx.index.fns[fn_index];
        Interp {
            cx,
            file,
            scope: cx.scopes[file].clone(),
            ctx_id: format!("f{fn_index}"),
            self_ty: def.self_ty.clone(),
            conn_generics: Vec::new(),
            env: vec![HashMap::new()],
            sites: Vec::new(),
            emit,
            summary_depth,
            expr_depth: 0,
            steps: 0,
            loop_holes: Vec::new(),
            returns: Vec::new(),
            next_tx: 0,
            tx_commands: HashMap::new(),
            calls: Vec::new(),
            context: None,
        }
    }

    fn for_const(cx: &'c UnitContext<'a>, file: usize, name: &str) -> Interp<'c, 'a> {
        Interp {
            cx,
            file,
            scope: cx.scopes[file].clone(),
            ctx_id: format!("const:{name}"),
            self_ty: None,
            conn_generics: Vec::new(),
            env: vec![HashMap::new()],
            sites: Vec::new(),
            emit: false,
            summary_depth: MAX_SUMMARY_DEPTH,
            expr_depth: 0,
            steps: 0,
            loop_holes: Vec::new(),
            returns: Vec::new(),
            next_tx: 0,
            tx_commands: HashMap::new(),
            calls: Vec::new(),
            context: None,
        }
    }

    // ----- positions and text -----

    fn source(&self) -> &'a SourceFile {
        &self.cx.sources[self.file]
    }

    fn span_of(&self, span: PmSpan) -> Span {
        let r = span.byte_range();
        self.source().span(r.start, r.end)
    }

    fn text_of(&self, node: &dyn Spanned) -> String {
        let r = node.span().byte_range();
        self.source()
            .text
            .get(r.clone())
            .map(str::to_owned)
            .unwrap_or_default()
    }

    fn hole_for(&self, node: &dyn Spanned) -> Hole {
        let text = self.text_of(node);
        let name: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        Hole::new(format!("{}:{}", self.ctx_id, name), name)
    }

    // ----- environment -----

    fn push_scope(&mut self) {
        self.env.push(HashMap::new());
    }

    fn pop_scope(&mut self) {
        self.env.pop();
    }

    fn lookup(&self, name: &str) -> Option<&Binding<'a>> {
        self.env.iter().rev().find_map(|s| s.get(name))
    }

    fn bind(&mut self, name: String, value: Value<'a>) {
        let depth = self.env.len() - 1;
        self.env
            .last_mut()
            .expect("scope")
            .insert(name, Binding { value, depth });
    }

    /// Store a new value into an existing binding (a builder mutated in place). Loop
    /// variables of loops entered since the binding was made vary per element there.
    fn store(&mut self, name: &str, value: Value<'a>) {
        let Some(depth) = self.lookup(name).map(|b| b.depth) else {
            return;
        };
        let loop_ids: Vec<String> = self
            .loop_holes
            .iter()
            .filter(|(_, d)| *d >= depth)
            .map(|(id, _)| id.clone())
            .collect();
        let value = if loop_ids.is_empty() {
            value
        } else {
            mark_pipe_per_element(value, &loop_ids)
        };
        for scope in self.env.iter_mut().rev() {
            if let Some(b) = scope.get_mut(name) {
                b.value = value;
                return;
            }
        }
    }

    /// The local binding an expression is rooted at (`p` in `p.set(..).get(..)`, `&mut p`).
    fn root_binding(expr: &Expr) -> Option<String> {
        match expr {
            Expr::Path(p) if p.path.segments.len() == 1 && p.qself.is_none() => {
                Some(p.path.segments[0].ident.to_string())
            }
            Expr::Reference(r) => Self::root_binding(&r.expr),
            Expr::Paren(p) => Self::root_binding(&p.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => Self::root_binding(&u.expr),
            Expr::MethodCall(m) => Self::root_binding(&m.receiver),
            _ => None,
        }
    }

    // ----- functions -----

    fn bind_params(&mut self, def: &FnDef<'a>) {
        self.conn_generics = conn_generics(&def.sig.generics, &self.scope);
        for (i, input) in def.sig.inputs.iter().enumerate() {
            match input {
                syn::FnArg::Receiver(_) => {
                    self.bind("self".into(), Value::Object(self.self_ty.clone()))
                }
                syn::FnArg::Typed(pt) => {
                    let mut value = self.value_of_type(&pt.ty);
                    if value.is_none() && is_collection_type(&pt.ty) {
                        // `ids: &[u64]`: a collection of run-time values, one per element.
                        let name = self.text_of(&pt.pat).trim_start_matches("mut ").to_owned();
                        value = Some(Value::Each(Box::new(Value::Opaque(Hole::new(
                            format!("param:{}:{i}[*]", self.ctx_id),
                            name,
                        )))));
                    }
                    self.bind_pattern_typed(&pt.pat, value, i);
                }
            }
        }
    }

    fn bind_pattern_typed(&mut self, pat: &syn::Pat, typed: Option<Value<'a>>, param: usize) {
        match pat {
            syn::Pat::Ident(pi) => {
                let name = pi.ident.to_string();
                let value = typed.unwrap_or_else(|| {
                    Value::Opaque(Hole::new(
                        format!("param:{}:{param}", self.ctx_id),
                        name.clone(),
                    ))
                });
                self.bind(name, value);
            }
            other => self.bind_pattern(other, Value::Unknown),
        }
    }

    /// What a declared type tells: a connection, a pipeline, a crate object, or nothing
    /// (`None`: an ordinary value, represented by a hole).
    fn value_of_type(&self, ty: &syn::Type) -> Option<Value<'a>> {
        value_of_type(ty, &self.scope, &self.cx.index, &self.conn_generics, 0)
    }

    /// Call a function of the crate: its summary with the parameters replaced by `args`.
    fn call_summary(
        &mut self,
        fn_index: usize,
        args: Vec<Value<'a>>,
        receiver: Option<Hole>,
    ) -> Value<'a> {
        if self.summary_depth >= MAX_SUMMARY_DEPTH {
            return Value::Unknown;
        }
        let cached = self.cx.summaries.borrow().get(&fn_index).cloned();
        let summary = match cached {
            Some(Some(v)) => v,
            // In progress (recursion) or failed.
            Some(None) => return Value::Unknown,
            None => {
                self.cx.summaries.borrow_mut().insert(fn_index, None);
                let def = &self.cx.index.fns[fn_index];
                let mut interp =
                    Interp::new(self.cx, def.file, fn_index, false, self.summary_depth + 1);
                interp.bind_params(def);
                let tail = interp.walk_block(def.block);
                let value = interp.returns.drain(..).fold(tail, |acc, v| {
                    if matches!(acc, Value::Unknown) {
                        v
                    } else {
                        join_strict(acc, v)
                    }
                });
                // A body slotlint cannot read, with a declared tag that the `slotlint::key`
                // macro checks at compile time: trust the declaration.
                let value = match value {
                    Value::Str(_) => value,
                    other => declared_key(fn_index, def)
                        .or_else(|| self.group_key(fn_index))
                        .unwrap_or(other),
                };
                self.cx
                    .summaries
                    .borrow_mut()
                    .insert(fn_index, Some(value.clone()));
                value
            }
        };
        let ctx = format!("param:f{fn_index}:");
        let has_self = self.cx.index.fns[fn_index].has_self();
        summary.substitute(&|h: &Hole| {
            // `self.id` in the callee is `<receiver>.id` at the call.
            if let (Some(field), Some(r)) = (h.id.strip_prefix("selfref:"), &receiver) {
                return Some(Value::Opaque(Hole::new(
                    format!("{}.{field}", r.id),
                    format!("{}.{field}", r.name),
                )));
            }
            let rest = h.id.strip_prefix(&ctx)?;
            let i: usize = rest.parse().ok()?;
            // Positions count the `self` parameter; `args` do not hold it.
            let i = if has_self { i.checked_sub(1)? } else { i };
            args.get(i).cloned()
        })
    }

    /// A pipeline or script invocation passed to a function of the crate (`add_ops(&mut p, id)`):
    /// walk the function with it, and keep what it added. Keys added there are shown at the call.
    fn builder_effects(
        &mut self,
        fn_index: usize,
        args: &[Value<'a>],
        arg_exprs: &[&'a Expr],
        call: &'a Expr,
    ) {
        if self.summary_depth >= MAX_SUMMARY_DEPTH {
            return;
        }
        let def = &self.cx.index.fns[fn_index];
        let typed: Vec<&syn::PatType> = def
            .sig
            .inputs
            .iter()
            .filter_map(|i| match i {
                syn::FnArg::Typed(pt) => Some(pt),
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        for (i, value) in args.iter().enumerate() {
            let before = match value {
                Value::Pipe(p) => p.commands.len(),
                Value::Script(s) if s.invocation => s.keys.len(),
                _ => continue,
            };
            let (Some(root), Some(pt)) = (
                arg_exprs.get(i).and_then(|e| Self::root_binding(e)),
                typed.get(i),
            ) else {
                continue;
            };
            let syn::Pat::Ident(param) = &*pt.pat else {
                continue;
            };
            let mut callee =
                Interp::new(self.cx, def.file, fn_index, false, self.summary_depth + 1);
            callee.bind_params(def);
            callee.bind(param.ident.to_string(), value.clone());
            callee.walk_block(def.block);
            let after = callee
                .lookup(&param.ident.to_string())
                .map(|b| b.value.clone());
            let (span, text) = (self.span_of(call.span()), self.text_of(call));
            match after {
                Some(Value::Pipe(mut state)) => {
                    for cmd in state.commands.iter_mut().skip(before) {
                        relocate_command(cmd, span, &text);
                    }
                    self.store(&root, Value::Pipe(state));
                }
                Some(Value::Script(mut state)) => {
                    for k in state.keys.iter_mut().skip(before) {
                        relocate_key(k, span, &text);
                    }
                    self.store(&root, Value::Script(state));
                }
                _ => {}
            }
        }
    }

    fn record_call(&mut self, callee: usize, args: &[Value<'a>], call: &'a Expr) {
        if self.emit && self.context.is_none() {
            let span = self.span_of(call.span());
            let text: String = self
                .text_of(call)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            self.calls.push(CallRecord {
                callee,
                args: args.to_vec(),
                file: self.file,
                span,
                text,
            });
        }
    }

    /// A function of a `#[slotlint::colocated]` group whose body slotlint cannot read: the macro
    /// proved it uses the group's tag, so take the tag from a member slotlint can read
    /// (parameters matched by name, as the macro does).
    fn group_key(&mut self, fn_index: usize) -> Option<Value<'a>> {
        let group = self.cx.index.fns[fn_index].group?;
        let siblings: Vec<usize> = (0..self.cx.index.fns.len())
            .filter(|&i| i != fn_index && self.cx.index.fns[i].group == Some(group))
            .collect();
        let names = |i: usize| -> Vec<String> {
            self.cx.index.fns[i]
                .sig
                .inputs
                .iter()
                .map(|input| match input {
                    syn::FnArg::Receiver(_) => "self".to_owned(),
                    syn::FnArg::Typed(pt) => {
                        let pat = &pt.pat;
                        quote::quote!(#pat)
                            .to_string()
                            .trim_start_matches("mut ")
                            .trim()
                            .to_owned()
                    }
                })
                .collect()
        };
        let mine = names(fn_index);
        for sib in siblings {
            // The sibling's summary with its own parameter holes (no caller substitution).
            let sib_params = names(sib);
            let cached = self.cx.summaries.borrow().get(&sib).cloned();
            let summary = match cached {
                Some(Some(v)) => v,
                Some(None) => continue,
                None => {
                    // Compute it (memoized) through the normal path, then read the cache.
                    let _ = self.call_summary(sib, Vec::new(), None);
                    match self.cx.summaries.borrow().get(&sib).cloned() {
                        Some(Some(v)) => v,
                        _ => continue,
                    }
                }
            };
            let Value::Str(p) = summary else { continue };
            let Some(tag) = p.hash_tag() else { continue };
            let prefix = format!("param:f{sib}:");
            let mut ok = true;
            let mapped = tag.substitute(&mut |h| {
                let i: usize = h.id.strip_prefix(&prefix)?.parse().ok()?;
                let name = sib_params.get(i)?;
                match mine.iter().position(|n| n == name) {
                    Some(j) => Some(KeyPattern::hole(Hole::new(
                        format!("param:f{fn_index}:{j}"),
                        name.clone(),
                    ))),
                    None => {
                        ok = false;
                        None
                    }
                }
            });
            if !ok || mapped.holes().any(|h| h.id.starts_with(&prefix)) {
                continue;
            }
            let mut key = KeyPattern::literal("{");
            key.push_pattern(&mapped);
            key.push_text("}");
            key.push_hole(Hole::new(
                format!("declared:f{fn_index}"),
                format!("{}…", self.cx.index.fns[fn_index].name),
            ));
            return Some(Value::Str(key));
        }
        None
    }

    /// A pipeline, command or script built by a function of the crate and returned: its keys'
    /// positions are in that function; show them at the call instead.
    fn relocated(&self, value: Value<'a>, call: &'a Expr) -> Value<'a> {
        let (span, text) = (self.span_of(call.span()), self.text_of(call));
        match value {
            Value::Pipe(mut state) => {
                for c in &mut state.commands {
                    relocate_command(c, span, &text);
                }
                Value::Pipe(state)
            }
            Value::Cmd(mut pending) => {
                relocate_command(&mut pending, span, &text);
                Value::Cmd(pending)
            }
            Value::Script(mut state) => {
                for k in &mut state.keys {
                    relocate_key(k, span, &text);
                }
                Value::Script(state)
            }
            other => other,
        }
    }

    /// The crate functions a call may mean.
    fn resolve_fn(
        &self,
        name: &str,
        qualifier: Option<&str>,
        method: bool,
        receiver_ty: Option<&str>,
    ) -> Option<usize> {
        let candidates: Vec<usize> = self
            .cx
            .index
            .fns
            .iter()
            .enumerate()
            .filter(|(_, f)| f.name == name && f.has_self() == method)
            .filter(|(_, f)| match (qualifier, receiver_ty) {
                (Some(q), _) if q != "Self" => {
                    f.self_ty.as_deref() == Some(q) || f.self_ty.is_none()
                }
                (Some(_), _) => f.self_ty == self.self_ty,
                (None, Some(t)) => f.self_ty.as_deref() == Some(t),
                (None, None) => true,
            })
            .map(|(i, _)| i)
            .collect();
        match candidates.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    fn const_value(&mut self, name: &str) -> Option<Value<'a>> {
        if let Some(v) = self.cx.consts.borrow().get(name) {
            return v.clone();
        }
        let defs = self.cx.index.consts_named(name);
        let [def] = defs else { return None };
        self.cx.consts.borrow_mut().insert(name.to_owned(), None);
        let mut interp = Interp::for_const(self.cx, def.file, name);
        let mut value = interp.eval(def.expr);
        if let Some(typed) = interp.value_of_type(def.ty) {
            if matches!(value, Value::Unknown) {
                value = typed;
            }
        }
        let value = match value {
            Value::Unknown => None,
            v => Some(v),
        };
        self.cx
            .consts
            .borrow_mut()
            .insert(name.to_owned(), value.clone());
        value
    }

    // ----- statements -----

    fn walk_block(&mut self, block: &'a syn::Block) -> Value<'a> {
        self.push_scope();
        let mut last = Value::Unknown;
        for (i, stmt) in block.stmts.iter().enumerate() {
            let is_last = i + 1 == block.stmts.len();
            last = Value::Unknown;
            match stmt {
                syn::Stmt::Local(local) => self.walk_local(local),
                syn::Stmt::Item(syn::Item::Use(u)) => self.scope.add_use(u),
                syn::Stmt::Item(_) => {}
                syn::Stmt::Expr(e, semi) => {
                    let v = self.eval(e);
                    if semi.is_none() && is_last {
                        last = v;
                    }
                }
                syn::Stmt::Macro(m) => {
                    let v = self.eval_macro(&m.mac);
                    if m.semi_token.is_none() && is_last {
                        last = v;
                    }
                }
            }
        }
        self.pop_scope();
        last
    }

    fn walk_local(&mut self, local: &'a syn::Local) {
        let (pat, ty) = match &local.pat {
            syn::Pat::Type(pt) => (&*pt.pat, Some(&*pt.ty)),
            p => (p, None),
        };
        let mut value = match &local.init {
            Some(init) => {
                let v = self.eval(&init.expr);
                if let Some((_, diverge)) = &init.diverge {
                    self.eval(diverge);
                }
                v
            }
            None => Value::Unknown,
        };
        if let Some(ty) = ty {
            if let Some(typed) = self.value_of_type(ty) {
                // A declared connection type wins; otherwise only fill in what is unknown.
                if matches!(typed, Value::Conn(_))
                    || matches!(value, Value::Unknown | Value::Opaque(_))
                {
                    value = typed;
                }
            }
        }
        if let syn::Pat::Ident(pi) = pat {
            // A run-time value gets an identity tied to this binding.
            if matches!(value, Value::Unknown) {
                let off = pi.ident.span().byte_range().start;
                value = Value::Opaque(Hole::new(
                    format!("{}:{}@{off}", self.ctx_id, pi.ident),
                    pi.ident.to_string(),
                ));
            }
        }
        self.bind_pattern(pat, value);
    }

    /// Bind the names of a pattern; tuples and slices destructure known lists.
    fn bind_pattern(&mut self, pat: &syn::Pat, value: Value<'a>) {
        match pat {
            syn::Pat::Ident(pi) => {
                let name = pi.ident.to_string();
                let value = match value {
                    Value::Unknown => {
                        let off = pi.ident.span().byte_range().start;
                        Value::Opaque(Hole::new(
                            format!("{}:{name}@{off}", self.ctx_id),
                            name.clone(),
                        ))
                    }
                    v => v,
                };
                if let Some((_, sub)) = &pi.subpat {
                    self.bind_pattern(sub, value.clone());
                }
                self.bind(name, value);
            }
            syn::Pat::Tuple(t) => {
                let items = match value {
                    Value::List(items) if items.len() == t.elems.len() => items,
                    _ => vec![Value::Unknown; t.elems.len()],
                };
                for (p, v) in t.elems.iter().zip(items) {
                    self.bind_pattern(p, v);
                }
            }
            syn::Pat::Slice(s) => {
                let items = match value {
                    Value::List(items) if items.len() == s.elems.len() => items,
                    _ => vec![Value::Unknown; s.elems.len()],
                };
                for (p, v) in s.elems.iter().zip(items) {
                    self.bind_pattern(p, v);
                }
            }
            syn::Pat::Reference(r) => self.bind_pattern(&r.pat, value),
            syn::Pat::Paren(p) => self.bind_pattern(&p.pat, value),
            syn::Pat::Type(t) => {
                let typed = self.value_of_type(&t.ty);
                let value = match (value, typed) {
                    (Value::Unknown | Value::Opaque(_), Some(t)) => t,
                    (v, _) => v,
                };
                self.bind_pattern(&t.pat, value)
            }
            syn::Pat::TupleStruct(ts) => {
                // `Some(x)`, `Ok(x)`: the wrapped value.
                let wrapper = ts.path.segments.last().map(|s| s.ident.to_string());
                let single = ts.elems.len() == 1
                    && matches!(wrapper.as_deref(), Some("Some" | "Ok" | "Err"));
                for p in &ts.elems {
                    self.bind_pattern(
                        p,
                        if single {
                            value.clone()
                        } else {
                            Value::Unknown
                        },
                    );
                }
            }
            syn::Pat::Struct(s) => {
                for f in &s.fields {
                    self.bind_pattern(&f.pat, Value::Unknown);
                }
            }
            syn::Pat::Or(o) => {
                for p in &o.cases {
                    self.bind_pattern(p, value.clone());
                }
            }
            _ => {}
        }
    }

    // ----- expressions -----

    fn eval(&mut self, expr: &'a Expr) -> Value<'a> {
        self.steps += 1;
        if self.steps > MAX_STEPS || self.expr_depth > MAX_EXPR_DEPTH {
            return Value::Unknown;
        }
        self.expr_depth += 1;
        let v = self.eval_inner(expr);
        self.expr_depth -= 1;
        v
    }

    fn eval_inner(&mut self, expr: &'a Expr) -> Value<'a> {
        match expr {
            Expr::Lit(l) => lit_value(&l.lit),
            Expr::Path(p) => self.eval_path(p),
            Expr::Reference(r) => self.eval(&r.expr),
            Expr::Paren(p) => self.eval(&p.expr),
            Expr::Group(g) => self.eval(&g.expr),
            Expr::Unary(u) => {
                let v = self.eval(&u.expr);
                match u.op {
                    syn::UnOp::Deref(_) => v,
                    syn::UnOp::Neg(_) => match v {
                        Value::Int(n) => Value::Int(-n),
                        _ => Value::Opaque(self.hole_for(expr)),
                    },
                    _ => Value::Opaque(self.hole_for(expr)),
                }
            }
            Expr::Await(a) => self.eval(&a.base),
            Expr::Try(t) => self.eval(&t.expr),
            Expr::Cast(c) => match self.eval(&c.expr) {
                Value::Int(n) => Value::Int(n),
                _ => Value::Opaque(self.hole_for(expr)),
            },
            Expr::Macro(m) => self.eval_macro(&m.mac),
            Expr::Array(a) => Value::List(a.elems.iter().map(|e| self.eval(e)).collect()),
            Expr::Tuple(t) => {
                if t.elems.is_empty() {
                    return Value::Unknown;
                }
                Value::List(t.elems.iter().map(|e| self.eval(e)).collect())
            }
            Expr::Repeat(r) => {
                let v = self.eval(&r.expr);
                self.eval(&r.len);
                Value::Each(Box::new(v))
            }
            Expr::Binary(b) => self.eval_binary(b, expr),
            Expr::Assign(a) => {
                let v = self.eval(&a.right);
                if let Some(name) = Self::root_binding(&a.left) {
                    if matches!(&*a.left, Expr::Path(_)) {
                        self.store(&name, v);
                    }
                }
                Value::Unknown
            }
            Expr::Block(b) => self.walk_block(&b.block),
            Expr::Unsafe(u) => self.walk_block(&u.block),
            Expr::Async(a) => {
                self.walk_block(&a.block);
                Value::Unknown
            }
            Expr::TryBlock(t) => self.walk_block(&t.block),
            Expr::Const(c) => self.walk_block(&c.block),
            Expr::If(i) => self.eval_if(i),
            Expr::Match(m) => {
                let scrutinee = self.eval(&m.expr);
                let mut result: Option<Value<'a>> = None;
                for arm in &m.arms {
                    self.push_scope();
                    self.bind_pattern(&arm.pat, scrutinee.clone());
                    if let Some((_, guard)) = &arm.guard {
                        self.eval(guard);
                    }
                    let v = self.eval(&arm.body);
                    self.pop_scope();
                    result = Some(match result {
                        None => v,
                        Some(r) => join_strict(r, v),
                    });
                }
                result.unwrap_or(Value::Unknown)
            }
            Expr::ForLoop(f) => {
                let iter = self.eval(&f.expr);
                self.walk_loop(&f.pat, iter, &f.body);
                Value::Unknown
            }
            Expr::While(w) => {
                self.push_scope();
                self.eval(&w.cond);
                self.walk_block(&w.body);
                self.pop_scope();
                Value::Unknown
            }
            Expr::Loop(l) => {
                self.walk_block(&l.body);
                Value::Unknown
            }
            Expr::Let(l) => {
                let v = self.eval(&l.expr);
                self.bind_pattern(&l.pat, v);
                Value::Unknown
            }
            Expr::Return(r) => {
                if let Some(e) = &r.expr {
                    let v = self.eval(e);
                    self.returns.push(v);
                }
                Value::Unknown
            }
            Expr::Break(b) => {
                if let Some(e) = &b.expr {
                    self.eval(e);
                }
                Value::Unknown
            }
            Expr::Closure(c) => Value::Closure(c),
            Expr::Call(c) => self.eval_call(c, expr),
            Expr::MethodCall(m) => self.eval_method_call(m, expr),
            Expr::Field(f) => self.eval_field(f, expr),
            Expr::Index(i) => {
                let base = self.eval(&i.expr);
                let idx = self.eval(&i.index);
                match (base, idx) {
                    (Value::List(items), Value::Int(n)) if n >= 0 && (n as usize) < items.len() => {
                        items[n as usize].clone()
                    }
                    (Value::Each(inner), _) => *inner,
                    _ => Value::Opaque(self.hole_for(expr)),
                }
            }
            Expr::Struct(s) => {
                for f in &s.fields {
                    self.eval(&f.expr);
                }
                Value::Object(s.path.segments.last().map(|s| s.ident.to_string()))
            }
            Expr::Range(r) => {
                if let Some(s) = &r.start {
                    self.eval(s);
                }
                if let Some(e) = &r.end {
                    self.eval(e);
                }
                Value::Opaque(self.hole_for(expr))
            }
            _ => Value::Unknown,
        }
    }

    fn eval_path(&mut self, p: &'a syn::ExprPath) -> Value<'a> {
        if p.qself.is_none() && p.path.segments.len() == 1 {
            let name = p.path.segments[0].ident.to_string();
            if let Some(b) = self.lookup(&name) {
                return b.value.clone();
            }
        }
        let last = p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if last.chars().next().is_some_and(|c| c.is_uppercase()) && p.path.segments.len() <= 3 {
            if let Some(v) = self.const_value(&last) {
                return v;
            }
        }
        Value::Opaque(self.hole_for(p))
    }

    fn eval_field(&mut self, f: &'a syn::ExprField, expr: &'a Expr) -> Value<'a> {
        let base = self.eval(&f.base);
        let syn::Member::Named(field) = &f.member else {
            if let (Value::List(items), syn::Member::Unnamed(i)) = (&base, &f.member) {
                if let Some(v) = items.get(i.index as usize) {
                    return v.clone();
                }
            }
            return Value::Opaque(self.hole_for(expr));
        };
        let struct_name = match &base {
            Value::Object(name) => name.clone(),
            _ => None,
        };
        let on_self = matches!(&*f.base, Expr::Path(p) if p.path.is_ident("self"));
        if matches!(base, Value::Object(_)) || matches!(base, Value::Opaque(_)) {
            if let Some(ty) = self
                .cx
                .index
                .field_type(struct_name.as_deref(), &field.to_string())
            {
                if let Some(v) = self.value_of_type(ty) {
                    return v;
                }
            }
        }
        if on_self {
            // One identity per field of the receiver, whichever method reads it.
            return Value::Opaque(Hole::new(
                format!("selfref:{field}"),
                format!("self.{field}"),
            ));
        }
        Value::Opaque(self.hole_for(expr))
    }

    fn eval_binary(&mut self, b: &'a syn::ExprBinary, expr: &'a Expr) -> Value<'a> {
        let left = self.eval(&b.left);
        let right = self.eval(&b.right);
        match b.op {
            syn::BinOp::Add(_) => match (&left, &right) {
                (Value::Int(x), Value::Int(y)) => Value::Int(x.wrapping_add(*y)),
                _ => match (left.as_pattern(), right.as_pattern()) {
                    (Some(l), Some(r))
                        if matches!(left, Value::Str(_)) || matches!(right, Value::Str(_)) =>
                    {
                        Value::Str(l.concat(&r))
                    }
                    _ => Value::Opaque(self.hole_for(expr)),
                },
            },
            syn::BinOp::AddAssign(_) => {
                if let (Some(name), Some(l), Some(r)) = (
                    Self::root_binding(&b.left),
                    left.as_pattern(),
                    right.as_pattern(),
                ) {
                    if matches!(left, Value::Str(_)) {
                        self.store(&name, Value::Str(l.concat(&r)));
                    }
                }
                Value::Unknown
            }
            _ => Value::Opaque(self.hole_for(expr)),
        }
    }

    fn eval_if(&mut self, i: &'a syn::ExprIf) -> Value<'a> {
        self.push_scope();
        self.eval(&i.cond);
        let then = self.walk_block(&i.then_branch);
        self.pop_scope();
        match &i.else_branch {
            Some((_, e)) => {
                let other = self.eval(e);
                join_strict(then, other)
            }
            None => Value::Unknown,
        }
    }

    fn walk_loop(&mut self, pat: &'a syn::Pat, iter: Value<'a>, body: &'a syn::Block) {
        self.push_scope();
        let depth = self.env.len() - 1;
        let element = match iter {
            Value::List(items) if items.len() == 1 => items[0].clone(),
            Value::Each(inner) => *inner,
            _ => Value::Unknown,
        };
        // The loop variable is one value per iteration: a hole that, seen from outside the
        // loop, varies per element.
        let element = match element {
            Value::Unknown | Value::Opaque(_) | Value::List(_) => {
                let off = pat.span().byte_range().start;
                let name = self.text_of(pat);
                Value::Opaque(Hole::new(format!("{}:loop@{off}", self.ctx_id), name))
            }
            v => v.single_element(),
        };
        let ids: Vec<String> = match &element {
            Value::Opaque(h) => vec![h.id.clone()],
            Value::Str(p) => p.holes().map(|h| h.id.clone()).collect(),
            _ => Vec::new(),
        };
        for id in &ids {
            self.loop_holes.push((id.clone(), depth));
        }
        self.bind_pattern(pat, element);
        self.walk_block(body);
        for _ in &ids {
            self.loop_holes.pop();
        }
        self.pop_scope();
    }

    /// Apply a closure to one element (`map`, `for_each`): the closure's parameter is bound to
    /// the element, and the holes of the element vary per element in the result.
    fn apply_closure(&mut self, c: &'a syn::ExprClosure, element: Value<'a>) -> Value<'a> {
        self.push_scope();
        let depth = self.env.len() - 1;
        let element = match element {
            Value::Unknown => {
                let off = c.span().byte_range().start;
                let name = c
                    .inputs
                    .first()
                    .map(|p| self.text_of(p))
                    .unwrap_or_else(|| "element".into());
                Value::Opaque(Hole::new(format!("{}:elem@{off}", self.ctx_id), name))
            }
            // The element of a collection parameter: show it under the closure's name.
            Value::Opaque(h) => {
                let name = c
                    .inputs
                    .first()
                    .map(|p| self.text_of(p).trim_start_matches('&').to_owned());
                Value::Opaque(Hole {
                    name: name.unwrap_or(h.name),
                    per_element: false,
                    ..h
                })
            }
            // A known element (`IDS.iter().map(|id| …)`): its value, in the closure's template.
            Value::Int(n) => {
                let name = c
                    .inputs
                    .first()
                    .map(|p| self.text_of(p).trim_start_matches('&').to_owned())
                    .unwrap_or_default();
                Value::Opaque(Hole::bound(name, n.to_string()))
            }
            Value::Str(p) if p.is_literal() && !p.segments().is_empty() => {
                let name = c
                    .inputs
                    .first()
                    .map(|p| self.text_of(p).trim_start_matches('&').to_owned())
                    .unwrap_or_default();
                Value::Opaque(Hole::bound(name, p.as_literal().unwrap_or_default()))
            }
            v => v.single_element(),
        };
        let ids: Vec<String> = match &element {
            Value::Opaque(h) if h.value.is_some() => Vec::new(),
            Value::Opaque(h) => vec![h.id.clone()],
            Value::Str(p) => p.holes().map(|h| h.id.clone()).collect(),
            Value::List(items) => items
                .iter()
                .filter_map(|v| v.as_pattern())
                .flat_map(|p| p.holes().map(|h| h.id.clone()).collect::<Vec<_>>())
                .collect(),
            _ => Vec::new(),
        };
        for id in &ids {
            self.loop_holes.push((id.clone(), depth));
        }
        let mut inputs = c.inputs.iter();
        if let Some(p) = inputs.next() {
            self.bind_pattern(p, element);
        }
        for p in inputs {
            self.bind_pattern(p, Value::Unknown);
        }
        let result = self.eval(&c.body);
        for _ in &ids {
            self.loop_holes.pop();
        }
        self.pop_scope();
        result.mark_per_element(&|h| ids.contains(&h.id))
    }

    /// Walk a closure that is called somewhere the analyzer cannot follow (a spawned task).
    fn walk_closure_body(&mut self, c: &'a syn::ExprClosure) {
        self.push_scope();
        for p in &c.inputs {
            self.bind_pattern(p, Value::Unknown);
        }
        self.eval(&c.body);
        self.pop_scope();
    }

    fn eval_args(&mut self, args: &'a Punctuated<Expr, Token![,]>) -> Vec<Value<'a>> {
        args.iter()
            .map(|a| match self.eval(a) {
                Value::Closure(c) => {
                    self.walk_closure_body(c);
                    Value::Unknown
                }
                v => v,
            })
            .collect()
    }

    /// The Lua source given to `Script::new`: a literal, a constant, or `include_str!` of a
    /// file of the crate.
    fn script_source(&mut self, arg: &'a Expr) -> Option<ScriptSource> {
        let origin = match strip_refs(arg) {
            Expr::Macro(m) if m.mac.path.is_ident("include_str") => {
                let lit: syn::LitStr = m.mac.parse_body().ok()?;
                self.included_path(&lit.value())?.display().to_string()
            }
            e => format!("{}:{}", self.source().display, self.span_of(e.span()).line),
        };
        match self.eval(arg) {
            Value::Str(p) => p.as_literal().map(|text| ScriptSource { text, origin }),
            _ => None,
        }
    }

    /// A file named by `include_str!`, if it lies inside the current file's package folder tree
    /// (slotlint reads nothing outside the project).
    fn included_path(&self, rel: &str) -> Option<std::path::PathBuf> {
        let here = self.source().path.parent()?;
        let path = here.join(rel);
        let canonical = path.canonicalize().ok()?;
        let root = self.cx.root.canonicalize().ok()?;
        canonical.starts_with(&root).then_some(canonical)
    }

    // ----- macros -----

    fn eval_macro(&mut self, mac: &'a syn::Macro) -> Value<'a> {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let Some(args) = self.cx.macro_args(mac) else {
            return Value::Unknown;
        };
        match name.as_str() {
            "format" | "format_args" => self.eval_format(args, 0),
            "write" | "writeln" => {
                let formatted = self.eval_format(args, 1);
                if let Some(dest) = args.first().and_then(Self::root_binding) {
                    if let (Some(Value::Str(old)), Some(new)) = (
                        self.lookup(&dest).map(|b| b.value.clone()),
                        formatted.as_pattern(),
                    ) {
                        let mut p = old.concat(&new);
                        if name == "writeln" {
                            p.push_text("\n");
                        }
                        self.store(&dest, Value::Str(p));
                    }
                }
                Value::Unknown
            }
            "concat" => {
                let mut p = KeyPattern::new();
                for a in args {
                    match self.eval(a).as_pattern() {
                        Some(x) => p.push_pattern(&x),
                        None => return Value::Unknown,
                    }
                }
                Value::Str(p)
            }
            "vec" => {
                // `vec![x; n]` does not parse as a comma list; handled below.
                Value::List(args.iter().map(|a| self.eval(a)).collect())
            }
            "include_str" => {
                let text = args.first().and_then(|a| match a {
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                });
                let path = text.and_then(|t| self.included_path(&t));
                match path.and_then(|p| std::fs::read_to_string(p).ok()) {
                    Some(content) if content.len() <= 1 << 20 => Value::str(&content),
                    _ => Value::Unknown,
                }
            }
            _ => {
                for a in args {
                    match self.eval(a) {
                        Value::Closure(c) => self.walk_closure_body(c),
                        _ => continue,
                    }
                }
                Value::Unknown
            }
        }
    }

    /// `format!(lit, args…)` (the literal at position `at`).
    fn eval_format(&mut self, args: &'a Punctuated<Expr, Token![,]>, at: usize) -> Value<'a> {
        let mut iter = args.iter().skip(at);
        let Some(Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(fmt),
            ..
        })) = iter.next()
        else {
            for a in args {
                self.eval(a);
            }
            return Value::Unknown;
        };
        let mut positional = Vec::new();
        let mut named: HashMap<String, Value<'a>> = HashMap::new();
        for a in iter {
            match a {
                Expr::Assign(assign) => {
                    if let Expr::Path(p) = &*assign.left {
                        let name = p
                            .path
                            .segments
                            .last()
                            .map(|s| s.ident.to_string())
                            .unwrap_or_default();
                        let v = self.eval(&assign.right);
                        named.insert(name, v);
                    }
                }
                other => {
                    let v = self.eval(other);
                    positional.push(v);
                }
            }
        }
        let Ok(pieces) = format_string::parse(&fmt.value()) else {
            return Value::Unknown;
        };
        let mut out = KeyPattern::new();
        let mut next = 0;
        for piece in pieces {
            match piece {
                Piece::Text(t) => out.push_text(&t),
                Piece::Placeholder { arg, spec, .. } => {
                    let value = match &arg {
                        ArgRef::Next => {
                            next += 1;
                            positional.get(next - 1).cloned()
                        }
                        ArgRef::Index(i) => positional.get(*i).cloned(),
                        ArgRef::Name(n) => named
                            .get(n)
                            .cloned()
                            .or_else(|| self.lookup(n).map(|b| b.value.clone())),
                    };
                    let value = match (value, &arg) {
                        (Some(v), _) => v,
                        // An inline capture of a constant: `format!("{PREFIX}:{id}")`.
                        (None, ArgRef::Name(n)) => self.const_value(n).unwrap_or_else(|| {
                            Value::Opaque(Hole::new(format!("{}:{n}", self.ctx_id), n.clone()))
                        }),
                        (None, _) => return Value::Unknown,
                    };
                    let literal_ok = spec.is_empty();
                    // What the placeholder is called in the template (`{GAME}`, `{}` → the
                    // argument's text would be better, but positional names are rarely read).
                    let placeholder = match &arg {
                        ArgRef::Name(n) => n.clone(),
                        _ => "value".into(),
                    };
                    match value {
                        // A known value fills a placeholder: the key's text has the value, the
                        // template keeps the placeholder (what `fix` edits).
                        Value::Str(p)
                            if literal_ok && p.is_literal() && !p.segments().is_empty() =>
                        {
                            out.push_hole(Hole::bound(
                                placeholder,
                                p.as_literal().unwrap_or_default(),
                            ))
                        }
                        Value::Str(p) if literal_ok || !p.is_literal() => out.push_pattern(&p),
                        Value::Int(n) if literal_ok => {
                            out.push_hole(Hole::bound(placeholder, n.to_string()))
                        }
                        Value::Opaque(h) => out.push_hole(h),
                        // Anything else formatted here: a value known only at run time.
                        _ => {
                            let id = format!(
                                "{}:fmt:{placeholder}:{:?}",
                                self.ctx_id,
                                fmt.span().byte_range()
                            );
                            out.push_hole(Hole::new(id, placeholder));
                        }
                    }
                }
            }
        }
        Value::Str(out)
    }

    // ----- calls -----

    fn eval_call(&mut self, call: &'a syn::ExprCall, expr: &'a Expr) -> Value<'a> {
        let Expr::Path(func) = &*call.func else {
            self.eval(&call.func);
            self.eval_args(&call.args);
            return Value::Opaque(self.hole_for(expr));
        };
        let path = &func.path;
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let last = segments.last().cloned().unwrap_or_default();
        let focus = self.span_of(call.func.span());
        let full = self.span_of(expr.span());

        if self.cx.mentions_redis[self.file] {
            if let Some(resolved) = self.scope.resolve(path) {
                if let Some(v) = self.eval_redis_call(&resolved, call, full, focus) {
                    return v;
                }
            }
        }
        match (
            segments.len(),
            segments.first().map(String::as_str),
            last.as_str(),
        ) {
            (_, _, "from" | "new" | "from_str")
                if matches!(
                    segments.first().map(String::as_str),
                    Some("String" | "Cow" | "Box" | "Arc" | "Rc")
                ) && call.args.len() == 1 =>
            {
                return self.eval(&call.args[0]);
            }
            (_, Some("String"), "new") => return Value::str(""),
            (
                _,
                Some("Vec" | "VecDeque" | "BTreeSet" | "HashSet" | "SmallVec"),
                "new" | "with_capacity",
            ) => {
                self.eval_args(&call.args);
                return Value::List(Vec::new());
            }
            (1, _, "Some" | "Ok" | "Borrowed" | "Owned") if call.args.len() == 1 => {
                return self.eval(&call.args[0])
            }
            (_, _, "once") if call.args.len() == 1 && segments.iter().any(|s| s == "iter") => {
                return Value::List(vec![self.eval(&call.args[0])]);
            }
            (_, _, "new" | "force")
                if matches!(
                    segments.first().map(String::as_str),
                    Some("LazyLock" | "Lazy" | "LazyCell")
                ) && call.args.len() == 1 =>
            {
                if let Expr::Closure(c) = &call.args[0] {
                    return self.eval(&c.body);
                }
            }
            _ => {}
        }
        let qualifier = (segments.len() >= 2).then(|| segments[segments.len() - 2].clone());
        let is_crate_path = segments
            .first()
            .is_some_and(|s| s == "crate" || s == "self" || s == "super" || s == "Self")
            || segments.len() == 1
            || qualifier
                .as_deref()
                .is_some_and(|q| self.cx.index.types.contains(q) || q == "Self");
        let args = self.eval_args(&call.args);
        if is_crate_path || segments.len() <= 3 {
            if let Some(fi) = self.resolve_fn(
                &last,
                qualifier
                    .as_deref()
                    .filter(|q| q.chars().next().is_some_and(char::is_uppercase)),
                false,
                None,
            ) {
                let arg_exprs: Vec<&'a Expr> = call.args.iter().collect();
                self.builder_effects(fi, &args, &arg_exprs, expr);
                self.record_call(fi, &args, expr);
                let v = self.call_summary(fi, args, None);
                let v = self.relocated(v, expr);
                if !matches!(v, Value::Unknown) {
                    return v;
                }
            }
        }
        if last.chars().next().is_some_and(char::is_uppercase) {
            // A tuple struct or enum variant.
            return Value::Object(Some(last));
        }
        Value::Opaque(self.hole_for(expr))
    }

    /// Calls through a path into redis: builders, transactions, UFCS trait calls.
    fn eval_redis_call(
        &mut self,
        resolved: &str,
        call: &'a syn::ExprCall,
        full: Span,
        focus: Span,
    ) -> Option<Value<'a>> {
        let parts: Vec<&str> = resolved.split("::").collect();
        let last = *parts.last()?;
        let owner = parts.len().checked_sub(2).map(|i| parts[i]);
        match (owner, last) {
            (_, "pipe") | (Some("Pipeline"), "new" | "with_capacity") => {
                self.eval_args(&call.args);
                Some(Value::Pipe(Box::new(PipeState {
                    atomic: false,
                    cluster_pipeline: false,
                    commands: Vec::new(),
                    complete: true,
                    transaction: None,
                })))
            }
            (_, "cluster_pipe") | (Some("ClusterPipeline"), "new" | "with_capacity") => {
                Some(Value::Pipe(Box::new(PipeState {
                    atomic: false,
                    cluster_pipeline: true,
                    commands: Vec::new(),
                    complete: true,
                    transaction: None,
                })))
            }
            (_, "cmd") if owner.is_none_or(|o| o != "Cmd") => {
                let args = self.arg_items(&call.args);
                Some(Value::Cmd(Box::new(PendingCommand::Raw {
                    args,
                    span: focus,
                })))
            }
            (Some("Cmd"), "new" | "with_capacity") => {
                Some(Value::Cmd(Box::new(PendingCommand::Raw {
                    args: Vec::new(),
                    span: focus,
                })))
            }
            (Some("Cmd"), method) => {
                let cmd = self.method_command(method, call.args.iter().collect(), focus)?;
                Some(Value::Cmd(Box::new(PendingCommand::Ready(cmd))))
            }
            (Some("Script"), "new") => {
                let source = call.args.first().and_then(|a| self.script_source(a));
                Some(Value::Script(Box::new(ScriptState {
                    invocation: false,
                    keys: Vec::new(),
                    complete: true,
                    source,
                })))
            }
            (_, "transaction" | "transaction_async") if call.args.len() == 3 => {
                Some(self.eval_transaction(last, call, full, focus))
            }
            (
                Some(
                    "Commands" | "AsyncCommands" | "TypedCommands" | "AsyncTypedCommands"
                    | "JsonCommands" | "JsonAsyncCommands",
                ),
                method,
            ) => {
                let mut args = call.args.iter();
                let receiver = args.next()?;
                self.eval(receiver);
                let cmd = self.method_command(method, args.collect(), focus)?;
                self.emit_command(cmd, full, focus, Exec::Unknown);
                Some(Value::Unknown)
            }
            (Some("Client"), "open" | "build_with_tls") => {
                self.eval_args(&call.args);
                Some(Value::Conn(ConnInfo {
                    cluster: Some(false),
                }))
            }
            (Some("ClusterClient" | "ClusterClientBuilder"), _) => {
                self.eval_args(&call.args);
                Some(Value::Object(Some("redis::ClusterClient".into())))
            }
            _ => None,
        }
    }

    fn eval_transaction(
        &mut self,
        api: &str,
        call: &'a syn::ExprCall,
        full: Span,
        focus: Span,
    ) -> Value<'a> {
        self.eval(&call.args[0]);
        let watch = self.keys_from_expr(&call.args[1], KeyRole::Many);
        let tx = self.next_tx;
        self.next_tx += 1;
        if let Expr::Closure(c) = &call.args[2] {
            self.push_scope();
            let mut inputs = c.inputs.iter();
            if let Some(p) = inputs.next() {
                self.bind_pattern(p, Value::Conn(ConnInfo { cluster: None }));
            }
            let pipe = Value::Pipe(Box::new(PipeState {
                atomic: true,
                cluster_pipeline: false,
                commands: Vec::new(),
                complete: true,
                transaction: Some(tx),
            }));
            let pipe_name = inputs.next().map(|p| {
                self.bind_pattern(p, pipe.clone());
                self.text_of(p).trim_start_matches("mut ").to_owned()
            });
            self.eval(&c.body);
            // Queued but never executed where we saw it: take the pipeline's last state.
            if !self.tx_commands.contains_key(&tx) {
                if let Some(Value::Pipe(state)) = pipe_name
                    .as_deref()
                    .and_then(|n| self.lookup(n))
                    .map(|b| b.value.clone())
                {
                    let cmds = self.resolve_commands(&state.commands);
                    self.tx_commands.insert(tx, cmds);
                }
            }
            self.pop_scope();
        } else {
            self.eval(&call.args[2]);
        }
        let commands = self.tx_commands.remove(&tx).unwrap_or_default();
        let api = if api == "transaction" {
            "redis::transaction"
        } else {
            "redis::aio::transaction_async"
        };
        self.emit(CallSite {
            kind: SiteKind::Transaction {
                api: api.into(),
                watch,
                commands,
            },
            span: full,
            focus,
            exec: if api.ends_with("async") {
                Exec::Async
            } else {
                Exec::Sync
            },
            context: None,
        });
        Value::Unknown
    }

    fn eval_method_call(&mut self, mc: &'a syn::ExprMethodCall, expr: &'a Expr) -> Value<'a> {
        let method = mc.method.to_string();
        let full = self.span_of(expr.span());
        let focus = self.span_of(mc.method.span());
        let receiver = self.eval(&mc.receiver);
        let root = Self::root_binding(&mc.receiver);
        let redis_file = self.cx.mentions_redis[self.file];

        match receiver {
            Value::Pipe(state) if redis_file => {
                return self.pipe_method(*state, mc, &method, root, full, focus)
            }
            Value::Cmd(pending) if redis_file => {
                return self.cmd_method(*pending, mc, &method, root, full, focus)
            }
            Value::Script(state) if redis_file => {
                return self.script_method(*state, mc, &method, root, full, focus)
            }
            Value::Conn(info) if redis_file => {
                if let Some(v) = self.conn_method(info, mc, &method, full, focus) {
                    return v;
                }
            }
            Value::Object(Some(ref ty)) if ty == "redis::ClusterClient" => {
                self.eval_args(&mc.args);
                return match method.as_str() {
                    "get_connection"
                    | "get_async_connection"
                    | "get_connection_with_config"
                    | "get_async_connection_with_config"
                    | "get_pending_async_connection_with_config"
                    | "get_generic_connection"
                    | "get_async_generic_connection" => Value::Conn(ConnInfo {
                        cluster: Some(true),
                    }),
                    _ => Value::Object(Some("redis::ClusterClient".into())),
                };
            }
            Value::Object(ref ty) => {
                let ty = ty.clone();
                let args = self.eval_args(&mc.args);
                if let Some(fi) = self.resolve_fn(&method, None, true, ty.as_deref()) {
                    let arg_exprs: Vec<&'a Expr> = mc.args.iter().collect();
                    self.builder_effects(fi, &args, &arg_exprs, expr);
                    self.record_call(fi, &args, expr);
                    let receiver = self.hole_for(&*mc.receiver);
                    let v = self.call_summary(fi, args, Some(receiver));
                    let v = self.relocated(v, expr);
                    return self.relocated(v, expr);
                }
                if redis_file && redis_api::is_connection_getter(&method) {
                    return Value::Conn(ConnInfo { cluster: None });
                }
                return Value::Opaque(self.hole_for(expr));
            }
            _ => {}
        }
        let receiver = match receiver {
            Value::Conn(_) => Value::Unknown,
            v => v,
        };
        if let Some(v) = self.value_method(receiver.clone(), mc, &method, root.as_deref(), expr) {
            return v;
        }
        // An unknown receiver: a redis command when a command trait is in scope and the crate
        // has no method of that name.
        if redis_file && self.scope.traits_in_scope && !self.cx.index.method_names.contains(&method)
        {
            if let Some(cmd) = self.method_command(&method, mc.args.iter().collect(), focus) {
                self.emit_command(cmd, full, focus, Exec::Unknown);
                return Value::Unknown;
            }
        }
        if redis_file && redis_api::is_connection_getter(&method) {
            self.eval_args(&mc.args);
            return Value::Conn(ConnInfo { cluster: None });
        }
        let args = self.eval_args(&mc.args);
        if let Some(fi) = self.resolve_fn(&method, None, true, None) {
            let receiver = self.hole_for(&*mc.receiver);
            let v = self.call_summary(fi, args, Some(receiver));
            let v = self.relocated(v, expr);
            if !matches!(v, Value::Unknown) {
                return v;
            }
        }
        Value::Opaque(self.hole_for(expr))
    }

    /// Methods of strings and collections that keep or transform key values.
    fn value_method(
        &mut self,
        receiver: Value<'a>,
        mc: &'a syn::ExprMethodCall,
        method: &str,
        root: Option<&str>,
        expr: &'a Expr,
    ) -> Option<Value<'a>> {
        const SAME: &[&str] = &[
            "to_string",
            "to_owned",
            "clone",
            "as_str",
            "into",
            "as_ref",
            "as_bytes",
            "to_vec",
            "into_bytes",
            "borrow",
            "deref",
            "unwrap",
            "expect",
            "unwrap_or_default",
            "iter",
            "into_iter",
            "iter_mut",
            "cloned",
            "copied",
            "collect",
            "as_slice",
            "into_boxed_slice",
            "rev",
            "by_ref",
            "as_deref",
            "to_string_lossy",
            "into_owned",
            "filter",
            "take",
            "skip",
            "take_while",
            "skip_while",
            "peekable",
            "fuse",
            "dedup",
            "sorted",
            "unique",
            "values",
        ];
        match (&receiver, method) {
            (Value::Str(_) | Value::List(_) | Value::Each(_), m) if SAME.contains(&m) => {
                self.eval_args(&mc.args);
                Some(receiver)
            }
            (Value::Opaque(_), m) if SAME.contains(&m) && m != "unwrap" && m != "expect" => {
                self.eval_args(&mc.args);
                Some(receiver)
            }
            (Value::Opaque(_), "unwrap" | "expect") => Some(receiver),
            (Value::Str(p), "push_str" | "push") => {
                let arg = mc
                    .args
                    .first()
                    .map(|a| self.eval(a))
                    .and_then(|v| v.as_pattern());
                if let (Some(root), Some(arg)) = (root, arg) {
                    self.store(root, Value::Str(p.clone().concat(&arg)));
                }
                Some(Value::Unknown)
            }
            (Value::List(items), "push" | "push_back" | "insert") => {
                let v = mc
                    .args
                    .last()
                    .map(|a| self.eval(a))
                    .unwrap_or(Value::Unknown);
                if let Some(root) = root {
                    let mut items = items.clone();
                    items.push(v);
                    self.store(root, Value::List(items));
                }
                Some(Value::Unknown)
            }
            (Value::List(items), "extend" | "append") => {
                let v = mc
                    .args
                    .first()
                    .map(|a| self.eval(a))
                    .unwrap_or(Value::Unknown);
                if let Some(root) = root {
                    let mut items = items.clone();
                    match v {
                        Value::List(more) => items.extend(more),
                        other => items.push(other),
                    }
                    self.store(root, Value::List(items));
                }
                Some(Value::Unknown)
            }
            (Value::List(_) | Value::Each(_) | Value::Opaque(_), "chain") => {
                let other = mc
                    .args
                    .first()
                    .map(|a| self.eval(a))
                    .unwrap_or(Value::Unknown);
                Some(Value::List(vec![receiver, other]).flatten_lists())
            }
            (
                _,
                "map" | "filter_map" | "flat_map" | "for_each" | "then" | "and_then"
                | "map_or_else",
            ) if matches!(mc.args.last(), Some(Expr::Closure(_))) => {
                let Some(Expr::Closure(c)) = mc.args.last() else {
                    return None;
                };
                if matches!(receiver, Value::Str(_)) {
                    return None;
                }
                Some(match receiver {
                    Value::List(items) if items.len() <= 16 => {
                        let out: Vec<Value<'a>> = items
                            .into_iter()
                            .map(|v| self.apply_closure(c, v))
                            .collect();
                        if method == "for_each" {
                            Value::Unknown
                        } else {
                            Value::List(out)
                        }
                    }
                    Value::Each(inner) => {
                        let out = self.apply_closure(c, *inner);
                        if method == "for_each" {
                            Value::Unknown
                        } else {
                            Value::Each(Box::new(out))
                        }
                    }
                    Value::Opaque(h) => {
                        let element = Value::Opaque(Hole::new(
                            format!("{}[*]", h.id),
                            c.inputs
                                .first()
                                .map(|p| self.text_of(p))
                                .unwrap_or_default(),
                        ));
                        let out = self.apply_closure(c, element);
                        if method == "for_each" {
                            Value::Unknown
                        } else {
                            Value::Each(Box::new(out))
                        }
                    }
                    _ => {
                        self.walk_closure_body(c);
                        Value::Opaque(self.hole_for(expr))
                    }
                })
            }
            _ => None,
        }
    }

    // ----- redis receivers -----

    fn conn_method(
        &mut self,
        _info: ConnInfo,
        mc: &'a syn::ExprMethodCall,
        method: &str,
        full: Span,
        focus: Span,
    ) -> Option<Value<'a>> {
        if let Some(cmd) = self.method_command(method, mc.args.iter().collect(), focus) {
            self.emit_command(cmd, full, focus, Exec::Unknown);
            return Some(Value::Unknown);
        }
        match method {
            "clone" | "as_mut" | "as_ref" | "borrow_mut" | "deref_mut" | "lock" | "write"
            | "get_mut" | "unwrap" | "expect" => Some(Value::Conn(_info)),
            m if redis_api::is_connection_getter(m) => {
                Some(Value::Conn(ConnInfo { cluster: None }))
            }
            _ => None,
        }
    }

    fn pipe_method(
        &mut self,
        mut state: PipeState<'a>,
        mc: &'a syn::ExprMethodCall,
        method: &str,
        root: Option<String>,
        full: Span,
        focus: Span,
    ) -> Value<'a> {
        match method {
            "atomic" => state.atomic = true,
            "ignore" | "ignore_errors" | "clone" | "with_capacity" | "as_mut" => {}
            "cmd" => {
                let args = self.arg_items(&mc.args);
                state
                    .commands
                    .push(PendingCommand::Raw { args, span: focus });
            }
            "arg" | "cursor_arg" => {
                let mut items = self.arg_items(&mc.args);
                if let Some(PendingCommand::Raw { args, .. }) = state.commands.last_mut() {
                    args.append(&mut items);
                }
            }
            "add_command" => {
                if let Some(Value::Cmd(c)) = mc.args.first().map(|a| self.eval(a)) {
                    state.commands.push(*c);
                }
            }
            "query" | "query_async" | "exec" | "exec_async" | "execute" => {
                self.eval_args(&mc.args);
                let exec = exec_of(method);
                let commands = self.resolve_commands(&state.commands);
                match state.transaction {
                    Some(tx) => self.tx_commands.entry(tx).or_default().extend(commands),
                    None => self.emit(CallSite {
                        kind: SiteKind::Pipeline {
                            atomic: state.atomic,
                            cluster_pipeline: state.cluster_pipeline,
                            commands,
                            complete: state.complete,
                        },
                        span: full,
                        focus,
                        exec,
                        context: None,
                    }),
                }
                return Value::Unknown;
            }
            "len" | "is_empty" | "is_transaction" | "get_packed_pipeline" | "cmd_iter" => {
                return Value::Unknown
            }
            "clear" => state.commands.clear(),
            m => match self.method_command(m, mc.args.iter().collect(), focus) {
                Some(cmd) => state.commands.push(PendingCommand::Ready(cmd)),
                None => {
                    self.eval_args(&mc.args);
                    return Value::Unknown;
                }
            },
        }
        let value = Value::Pipe(Box::new(state));
        if let Some(root) = root {
            self.store(&root, value.clone());
        }
        value
    }

    fn cmd_method(
        &mut self,
        mut pending: PendingCommand<'a>,
        mc: &'a syn::ExprMethodCall,
        method: &str,
        root: Option<String>,
        full: Span,
        focus: Span,
    ) -> Value<'a> {
        match method {
            "arg" | "cursor_arg" => {
                let mut items = self.arg_items(&mc.args);
                if let PendingCommand::Raw { args, .. } = &mut pending {
                    args.append(&mut items);
                }
            }
            "query" | "query_async" | "exec" | "exec_async" | "execute" | "iter" | "iter_async" => {
                self.eval_args(&mc.args);
                let exec = exec_of(method);
                if let Some(cmd) = self.resolve_commands(std::slice::from_ref(&pending)).pop() {
                    self.emit_command(cmd, full, focus, exec);
                }
                return Value::Unknown;
            }
            "clone" | "take" | "set_no_response" => {}
            "get_packed_command" | "args_iter" | "in_scan_mode" => return Value::Unknown,
            _ => {
                self.eval_args(&mc.args);
                return Value::Unknown;
            }
        }
        let value = Value::Cmd(Box::new(pending));
        if method != "clone" && method != "take" {
            if let Some(root) = root {
                self.store(&root, value.clone());
            }
        }
        value
    }

    fn script_method(
        &mut self,
        mut state: ScriptState,
        mc: &'a syn::ExprMethodCall,
        method: &str,
        root: Option<String>,
        full: Span,
        focus: Span,
    ) -> Value<'a> {
        match method {
            "key" | "arg" => {
                let mut keys: Vec<KeyArg> = match (method, mc.args.first()) {
                    ("key", Some(a)) => self.keys_from_expr(a, KeyRole::Many),
                    _ => {
                        self.eval_args(&mc.args);
                        Vec::new()
                    }
                };
                // `Script::key`/`arg` start a fresh invocation and leave the script unchanged;
                // `ScriptInvocation::key`/`arg` add to the invocation itself.
                let in_place = state.invocation;
                if !in_place {
                    state = ScriptState {
                        invocation: true,
                        keys: Vec::new(),
                        complete: true,
                        source: state.source.take(),
                    };
                }
                state.keys.append(&mut keys);
                let value = Value::Script(Box::new(state));
                if let (true, Some(root)) = (in_place, root) {
                    self.store(&root, value.clone());
                }
                value
            }
            "prepare_invoke" => Value::Script(Box::new(ScriptState {
                invocation: true,
                keys: Vec::new(),
                complete: true,
                source: state.source.take(),
            })),
            "invoke" | "invoke_async" => {
                self.eval_args(&mc.args);
                if state.invocation {
                    let exec = exec_of(method);
                    self.emit(CallSite {
                        kind: SiteKind::Script {
                            command: "EVALSHA".into(),
                            keys: state.keys,
                            complete: state.complete,
                            source: state.source,
                        },
                        span: full,
                        focus,
                        exec,
                        context: None,
                    });
                }
                Value::Unknown
            }
            "clone" => Value::Script(Box::new(state)),
            _ => {
                self.eval_args(&mc.args);
                Value::Unknown
            }
        }
    }

    // ----- commands and keys -----

    /// A redis-rs command method call: its command and keys, from the generated table.
    fn method_command(
        &mut self,
        method: &str,
        args: Vec<&'a Expr>,
        focus: Span,
    ) -> Option<CommandCall> {
        let spec = redis_api::method(method, self.cx.version)?;
        let params = spec.params_in(self.cx.version);
        if params.len() != args.len() {
            return None;
        }
        let old_api = self.cx.version < (1, 0, 0);
        let mut keys = Vec::new();
        let mut name = match spec.subcommand {
            Some(sub) => format!("{} {sub}", spec.command),
            None => spec.command.to_owned(),
        };
        let mut exact = true;
        for (param, arg) in params.iter().zip(&args) {
            match param {
                Param::Key => {
                    let role = if old_api && spec.key_expands_before_1x {
                        KeyRole::Many
                    } else {
                        KeyRole::One
                    };
                    let mut k = self.keys_from_expr(arg, role);
                    if k.len() > 1 || k.iter().any(|k| k.many) {
                        if let Some(multi) = spec.multi_key_command {
                            name = multi.to_owned();
                        }
                    }
                    keys.append(&mut k);
                }
                Param::Keys => keys.append(&mut self.keys_from_expr(arg, KeyRole::Many)),
                Param::KeyValuePairs | Param::KeyWeightPairs => {
                    keys.append(&mut self.keys_from_expr(arg, KeyRole::Pairs))
                }
                Param::KeyPathValueTriples => {
                    keys.append(&mut self.keys_from_expr(arg, KeyRole::Triples))
                }
                Param::Script => match self.eval(arg) {
                    Value::Script(s) => {
                        exact &= s.complete;
                        keys.extend(s.keys);
                    }
                    _ => {
                        exact = false;
                        keys.push(KeyArg {
                            pattern: None,
                            many: true,
                            span: self.span_of(arg.span()),
                            text: self.text_of(*arg),
                            hole: None,
                        });
                    }
                },
                _ => {
                    if let Value::Closure(c) = self.eval(arg) {
                        self.walk_closure_body(c);
                    }
                }
            }
        }
        Some(CommandCall {
            name,
            keys,
            span: focus,
            method: Some(method.to_owned()),
            keys_exact: exact,
            argv: Vec::new(),
        })
    }

    /// The keys an argument expression holds, with a position for each.
    fn keys_from_expr(&mut self, expr: &'a Expr, role: KeyRole) -> Vec<KeyArg> {
        let inner = strip_refs(expr);
        let elements: Option<Vec<&'a Expr>> = match inner {
            Expr::Array(a) => Some(a.elems.iter().collect()),
            Expr::Tuple(t) if role == KeyRole::Many => Some(t.elems.iter().collect()),
            Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                self.cx.macro_args(&m.mac).map(|p| p.iter().collect())
            }
            _ => None,
        };
        if let Some(elements) = elements {
            if role != KeyRole::One || elements.len() == 1 {
                let sub = match role {
                    KeyRole::Pairs | KeyRole::Triples => role,
                    _ => KeyRole::Many,
                };
                return elements
                    .into_iter()
                    .flat_map(|e| match (sub, strip_refs(e)) {
                        (KeyRole::Pairs | KeyRole::Triples, Expr::Tuple(t)) => {
                            match t.elems.first() {
                                Some(first) => {
                                    for rest in t.elems.iter().skip(1) {
                                        self.eval(rest);
                                    }
                                    self.keys_from_expr(first, KeyRole::One)
                                }
                                None => Vec::new(),
                            }
                        }
                        _ => self.keys_from_expr(e, sub),
                    })
                    .collect();
            }
        }
        let value = self.eval(expr);
        let span = self.span_of(expr.span());
        let text = self.text_of(expr);
        let value = match role {
            KeyRole::Pairs | KeyRole::Triples => first_of_tuples(value),
            _ => value,
        };
        let mut out = Vec::new();
        flatten_keys(&value, false, span, &text, &mut out);
        out
    }

    fn arg_items(&mut self, args: &'a Punctuated<Expr, Token![,]>) -> Vec<ArgItem<'a>> {
        args.iter()
            .map(|a| ArgItem {
                value: self.eval(a),
                span: self.span_of(a.span()),
                text: self.text_of(a),
                expr: Some(a),
            })
            .collect()
    }

    /// Turn builder commands into commands with keys, using the server's key specs.
    fn resolve_commands(&mut self, pending: &[PendingCommand<'a>]) -> Vec<CommandCall> {
        pending
            .iter()
            .filter_map(|p| self.resolve_command(p))
            .collect()
    }

    fn resolve_command(&mut self, pending: &PendingCommand<'a>) -> Option<CommandCall> {
        let (args, span) = match pending {
            PendingCommand::Ready(c) => return Some(c.clone()),
            PendingCommand::Raw { args, span } => (args, *span),
        };
        // One slot per argument the server will see; a collection of unknown length is one slot.
        struct Slot {
            text: Option<String>,
            key: Option<KeyArg>,
            item: usize,
        }
        let mut slots = Vec::new();
        for (i, item) in args.iter().enumerate() {
            let mut keys = Vec::new();
            flatten_keys(&item.value, false, item.span, &item.text, &mut keys);
            let literal = |v: &Value| match v {
                Value::Str(p) => p.as_literal(),
                Value::Int(n) => Some(n.to_string()),
                _ => None,
            };
            match &item.value {
                Value::List(items) => {
                    for (v, k) in items
                        .iter()
                        .zip(keys.into_iter().map(Some).chain(std::iter::repeat(None)))
                    {
                        slots.push(Slot {
                            text: literal(v),
                            key: k,
                            item: i,
                        });
                    }
                }
                v => slots.push(Slot {
                    text: literal(v),
                    key: keys.into_iter().next(),
                    item: i,
                }),
            }
        }
        let name = slots.first()?.text.clone()?.to_ascii_uppercase();
        let argv: Vec<Option<&str>> = slots.iter().map(|s| s.text.as_deref()).collect();
        let spec = self.cx.commands.lookup(&argv)?;
        let full_name = match &spec.subcommand {
            Some(sub) => format!("{name} {}", sub.to_ascii_uppercase()),
            None => name.clone(),
        };
        let has_spread = slots.iter().any(|s| s.key.as_ref().is_some_and(|k| k.many));
        let literal_argv: Vec<Option<String>> =
            slots.iter().skip(1).map(|s| s.text.clone()).collect();
        match spec.key_positions(&argv) {
            Ok(positions) => {
                let keys = positions
                    .iter()
                    .filter_map(|&p| slots.get(p))
                    .map(|s| s.key.clone().unwrap_or_else(|| unresolved(&args[s.item])))
                    .collect();
                Some(CommandCall {
                    name: full_name,
                    keys,
                    span,
                    method: None,
                    keys_exact: !has_spread,
                    argv: literal_argv,
                })
            }
            Err(KeyPositionError::NoKeyArguments) => Some(CommandCall {
                name: full_name,
                keys: Vec::new(),
                span,
                method: None,
                keys_exact: true,
                argv: literal_argv,
            }),
            // A malformed call (too few arguments): nothing to judge.
            Err(KeyPositionError::WrongArity { .. }) => None,
            Err(_) if !spec.is_multi_key() => None,
            Err(_) => {
                // `EVAL src keys.len() &keys …`: numkeys is the length of the next argument.
                let keys = numkeys_from_len(args).map(|i| {
                    let mut k = Vec::new();
                    flatten_keys(&args[i].value, false, args[i].span, &args[i].text, &mut k);
                    k
                });
                let keys = keys.unwrap_or_else(|| {
                    vec![KeyArg {
                        pattern: None,
                        many: true,
                        span,
                        text: "keys of this command".into(),
                        hole: None,
                    }]
                });
                Some(CommandCall {
                    name: full_name,
                    keys,
                    span,
                    method: None,
                    keys_exact: false,
                    argv: literal_argv,
                })
            }
        }
    }

    fn emit_command(&mut self, cmd: CommandCall, full: Span, focus: Span, exec: Exec) {
        let kind = if redis_api::is_script_command(&cmd.name) {
            // EVAL src numkeys keys…: the key list is what matters, and EVAL's source.
            let source = match (cmd.name.as_str(), cmd.argv.first()) {
                ("EVAL" | "EVAL_RO", Some(Some(text))) => Some(ScriptSource {
                    text: text.clone(),
                    origin: format!("{}:{}", self.source().display, cmd.span.line),
                }),
                _ => None,
            };
            SiteKind::Script {
                command: cmd.name.clone(),
                keys: cmd.keys,
                complete: cmd.keys_exact,
                source,
            }
        } else {
            SiteKind::Command(cmd)
        };
        self.emit(CallSite {
            kind,
            span: full,
            focus,
            exec,
            context: None,
        });
    }

    fn emit(&mut self, mut site: CallSite) {
        if self.emit {
            site.context = self.context.clone();
            self.sites.push(site);
        }
    }
}

impl<'a> Value<'a> {
    /// `[a, [b, c]]` → `[a, b, c]`.
    fn flatten_lists(self) -> Value<'a> {
        match self {
            Value::List(items) => {
                let mut out = Vec::new();
                for v in items {
                    match v.flatten_lists() {
                        Value::List(inner) => out.extend(inner),
                        other => out.push(other),
                    }
                }
                Value::List(out)
            }
            other => other,
        }
    }
}

fn strip_refs(expr: &Expr) -> &Expr {
    match expr {
        Expr::Reference(r) => strip_refs(&r.expr),
        Expr::Paren(p) => strip_refs(&p.expr),
        Expr::Group(g) => strip_refs(&g.expr),
        e => e,
    }
}

fn unresolved(item: &ArgItem<'_>) -> KeyArg {
    KeyArg {
        pattern: None,
        many: false,
        span: item.span,
        text: item.text.clone(),
        hole: match &item.value {
            Value::Opaque(h) => Some(h.id.clone()),
            _ => None,
        },
    }
}

/// The first element of each tuple of a `&[(K, V)]`.
fn first_of_tuples(value: Value<'_>) -> Value<'_> {
    match value {
        Value::List(items) => Value::List(
            items
                .into_iter()
                .map(|v| match v {
                    Value::List(t) if !t.is_empty() => t[0].clone(),
                    _ => Value::Unknown,
                })
                .collect(),
        ),
        Value::Each(inner) => Value::Each(Box::new(match *inner {
            Value::List(t) if !t.is_empty() => t[0].clone(),
            _ => Value::Unknown,
        })),
        _ => Value::Unknown,
    }
}

/// Keys of a value: a string is one key, a collection one per element; a key with no
/// literal text at all is unresolved (its value is all run time).
fn flatten_keys(value: &Value<'_>, many: bool, span: Span, text: &str, out: &mut Vec<KeyArg>) {
    match value {
        Value::List(items) => {
            for v in items {
                flatten_keys(v, many, span, text, out);
            }
        }
        Value::Each(inner) => flatten_keys(inner, true, span, text, out),
        v => {
            let pattern = v.as_pattern().filter(|p| {
                p.segments()
                    .iter()
                    .any(|s| matches!(s, slotlint_keys::Segment::Text(t) if !t.is_empty()))
            });
            // A key that is one run-time value: remember which, so a caller can supply it.
            let hole = match (&pattern, v) {
                (None, Value::Opaque(h)) => Some(h.id.clone()),
                _ => None,
            };
            out.push(KeyArg {
                pattern,
                many,
                span,
                text: text.to_owned(),
                hole,
            });
        }
    }
}

/// In `EVAL src n k… a…` with `n` written `x.len()`, the index of the argument `x`.
fn numkeys_from_len(args: &[ArgItem<'_>]) -> Option<usize> {
    for (i, item) in args.iter().enumerate() {
        let Some(Expr::MethodCall(mc)) = item.expr.map(strip_refs) else {
            continue;
        };
        if mc.method != "len" {
            continue;
        }
        let target = strip_refs(&mc.receiver);
        let target = quote::quote!(#target).to_string();
        if let Some(next) = args.get(i + 1) {
            let next_expr = next.expr.map(strip_refs);
            if next_expr.is_some_and(|e| quote::quote!(#e).to_string() == target) {
                return Some(i + 1);
            }
        }
    }
    None
}

/// Two paths' values: equal strings survive, anything else is unknown.
fn join_strict<'a>(a: Value<'a>, b: Value<'a>) -> Value<'a> {
    match (&a, &b) {
        (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
        _ => a.join(b),
    }
}

fn mark_pipe_per_element<'a>(value: Value<'a>, ids: &[String]) -> Value<'a> {
    let is_loop = |h: &Hole| ids.contains(&h.id);
    match value {
        Value::Pipe(mut state) => {
            for c in &mut state.commands {
                match c {
                    PendingCommand::Ready(cmd) => mark_keys(&mut cmd.keys, &is_loop),
                    PendingCommand::Raw { args, .. } => {
                        for a in args {
                            a.value = a.value.mark_per_element(&is_loop);
                        }
                    }
                }
            }
            Value::Pipe(state)
        }
        Value::Script(mut s) => {
            mark_keys(&mut s.keys, &is_loop);
            Value::Script(s)
        }
        Value::List(items) => {
            // Elements pushed in a loop: one per iteration.
            let items = items
                .into_iter()
                .map(|v| v.mark_per_element(&is_loop))
                .map(|v| {
                    if has_marked(&v) {
                        Value::Each(Box::new(v))
                    } else {
                        v
                    }
                })
                .collect();
            Value::List(items)
        }
        other => other.mark_per_element(&is_loop),
    }
}

fn has_marked(v: &Value<'_>) -> bool {
    match v {
        Value::Str(p) => p.has_per_element_hole(),
        Value::Opaque(h) => h.per_element,
        Value::List(items) => items.iter().any(has_marked),
        _ => false,
    }
}

fn mark_keys(keys: &mut [KeyArg], is_loop: &dyn Fn(&Hole) -> bool) {
    for k in keys {
        if let Some(p) = &k.pattern {
            if p.holes().any(is_loop) {
                k.pattern = Some(p.with_per_element(is_loop));
                k.many = true;
            }
        }
    }
}

fn lit_value<'a>(lit: &syn::Lit) -> Value<'a> {
    match lit {
        syn::Lit::Str(s) => Value::str(&s.value()),
        syn::Lit::ByteStr(b) => Value::str(&String::from_utf8_lossy(&b.value())),
        syn::Lit::CStr(_) => Value::Unknown,
        syn::Lit::Char(c) => Value::str(&c.value().to_string()),
        syn::Lit::Int(i) => i
            .base10_parse::<i64>()
            .map(Value::Int)
            .unwrap_or(Value::Unknown),
        syn::Lit::Bool(b) => Value::str(if b.value { "true" } else { "false" }),
        syn::Lit::Float(f) => Value::str(f.base10_digits()),
        _ => Value::Unknown,
    }
}

/// The key a `#[slotlint::key(tag = "user:{id}")]` function builds, as far as the declaration
/// says: `{user:<id>}` followed by text slotlint does not know.
fn declared_key<'a>(fn_index: usize, def: &FnDef<'_>) -> Option<Value<'a>> {
    let attr = def
        .attrs
        .iter()
        .find(|a| a.path().segments.last().is_some_and(|s| s.ident == "key"))?;
    let mut tag: Option<String> = None;
    attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("tag") {
            let lit: syn::LitStr = meta.value()?.parse()?;
            tag = Some(lit.value());
        }
        Ok(())
    })
    .ok()?;
    let pieces = format_string::parse(&tag?).ok()?;
    let params: Vec<String> = def
        .sig
        .inputs
        .iter()
        .map(|input| match input {
            syn::FnArg::Receiver(_) => "self".to_owned(),
            syn::FnArg::Typed(pt) => {
                let pat = &pt.pat;
                quote::quote!(#pat).to_string()
            }
        })
        .collect();
    let mut key = KeyPattern::literal("{");
    for piece in pieces {
        match piece {
            Piece::Text(t) => key.push_text(&t),
            Piece::Placeholder {
                arg: ArgRef::Name(n),
                ..
            } => {
                let i = params
                    .iter()
                    .position(|p| p.trim_start_matches("mut ").trim() == n)?;
                key.push_hole(Hole::new(format!("param:f{fn_index}:{i}"), n));
            }
            Piece::Placeholder { .. } => return None,
        }
    }
    key.push_text("}");
    key.push_hole(Hole::new(
        format!("declared:f{fn_index}"),
        format!("{}…", def.name),
    ));
    Some(Value::Str(key))
}

/// A key built in another function, shown at the call that brought it here.
fn relocate_key(k: &mut KeyArg, span: Span, text: &str) {
    k.span = span;
    k.text = text.to_owned();
}

/// A command built in another function, shown at the call that brought it here.
fn relocate_command(c: &mut PendingCommand<'_>, span: Span, text: &str) {
    match c {
        PendingCommand::Ready(cmd) => {
            cmd.span = span;
            cmd.keys
                .iter_mut()
                .for_each(|k| relocate_key(k, span, text));
        }
        PendingCommand::Raw { args, span: s } => {
            *s = span;
            for a in args {
                a.span = span;
                a.text = text.to_owned();
                a.expr = None;
            }
        }
    }
}

/// `query_async`, `invoke_async`… run on an async connection.
fn exec_of(method: &str) -> Exec {
    if method.ends_with("async") {
        Exec::Async
    } else {
        Exec::Sync
    }
}

/// Slices, arrays, vectors and sets: a parameter of such a type holds many values.
fn is_collection_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => is_collection_type(&r.elem),
        syn::Type::Paren(p) => is_collection_type(&p.elem),
        syn::Type::Slice(_) | syn::Type::Array(_) => true,
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| {
            matches!(
                s.ident.to_string().as_str(),
                "Vec" | "VecDeque" | "HashSet" | "BTreeSet" | "IndexSet" | "SmallVec"
            )
        }),
        _ => false,
    }
}

/// Generic parameters whose bounds name a redis connection trait.
fn conn_generics(generics: &syn::Generics, scope: &Scope) -> Vec<String> {
    let mut out = Vec::new();
    let is_conn_bound = |bounds: &Punctuated<syn::TypeParamBound, Token![+]>| {
        bounds.iter().any(|b| matches!(b, syn::TypeParamBound::Trait(t) if redis_api::is_connection_trait(&t.path, scope)))
    };
    for p in generics.type_params() {
        if is_conn_bound(&p.bounds) {
            out.push(p.ident.to_string());
        }
    }
    if let Some(w) = &generics.where_clause {
        for pred in &w.predicates {
            if let syn::WherePredicate::Type(t) = pred {
                if let (Some(name), true) = (type_name(&t.bounded_ty), is_conn_bound(&t.bounds)) {
                    out.push(name);
                }
            }
        }
    }
    out
}

/// What a declared type says about a value. `None` for ordinary values.
fn value_of_type<'a>(
    ty: &syn::Type,
    scope: &Scope,
    index: &CrateIndex<'_>,
    conn_generics: &[String],
    depth: usize,
) -> Option<Value<'a>> {
    if depth > 4 {
        return None;
    }
    match ty {
        syn::Type::Reference(r) => value_of_type(&r.elem, scope, index, conn_generics, depth + 1),
        syn::Type::Paren(p) => value_of_type(&p.elem, scope, index, conn_generics, depth + 1),
        syn::Type::Group(g) => value_of_type(&g.elem, scope, index, conn_generics, depth + 1),
        syn::Type::ImplTrait(t) => t
            .bounds
            .iter()
            .any(|b| matches!(b, syn::TypeParamBound::Trait(t) if redis_api::is_connection_trait(&t.path, scope)))
            .then_some(Value::Conn(ConnInfo { cluster: None })),
        syn::Type::TraitObject(t) => t
            .bounds
            .iter()
            .any(|b| matches!(b, syn::TypeParamBound::Trait(t) if redis_api::is_connection_trait(&t.path, scope)))
            .then_some(Value::Conn(ConnInfo { cluster: None })),
        syn::Type::Path(p) => {
            let last = p.path.segments.last()?;
            let name = last.ident.to_string();
            if p.path.segments.len() == 1 && conn_generics.contains(&name) {
                return Some(Value::Conn(ConnInfo { cluster: None }));
            }
            if let Some(v) = redis_api::value_of_redis_type(&p.path, scope) {
                return Some(v);
            }
            // Smart pointers and guards around a connection.
            if matches!(name.as_str(), "Box" | "Arc" | "Rc" | "Mutex" | "RwLock" | "RefCell" | "MutexGuard" | "Option") {
                if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                    for a in &args.args {
                        if let syn::GenericArgument::Type(t) = a {
                            if let Some(v @ Value::Conn(_)) = value_of_type(t, scope, index, conn_generics, depth + 1) {
                                return Some(v);
                            }
                        }
                    }
                }
                return None;
            }
            if p.path.segments.len() == 1 {
                if let Some(target) = index.type_aliases.get(&name) {
                    return value_of_type(target, scope, index, conn_generics, depth + 1);
                }
                if index.types.contains(&name) {
                    return Some(Value::Object(Some(name)));
                }
            }
            None
        }
        _ => None,
    }
}
