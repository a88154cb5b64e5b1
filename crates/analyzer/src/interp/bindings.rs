//! Names: the environment of local bindings, parameters, patterns, blocks, loops and closures.
//!
//! Not here: what an expression evaluates to (`exprs`), calls (`calls`).

use std::collections::HashMap;

use slotlint_keys::{Hole, HoleId};

use std::rc::Rc;

use super::value::{ObjectInfo, PipeState, Value};
use super::{hole_ids, Binding, Interp};

/// Loops over this many known items at most are walked once per item.
const MAX_UNROLLED: usize = 16;

/// A binding, or a field path inside the object a binding holds.
#[derive(Clone, Debug)]
pub(crate) struct Place {
    pub root: String,
    pub fields: Vec<String>,
}
use crate::index::FnDef;
use crate::interp::value::PendingCommand;
use crate::sites::KeyArg;

impl<'c, 'a> Interp<'c, 'a> {
    pub(super) fn push_scope(&mut self) {
        self.env.push(HashMap::new());
    }

    pub(super) fn pop_scope(&mut self) {
        self.env.pop();
    }

    pub(super) fn lookup(&self, name: &str) -> Option<&Binding<'a>> {
        self.env.iter().rev().find_map(|s| s.get(name))
    }

    pub(super) fn bind(&mut self, name: String, value: Value<'a>) {
        let depth = self.env.len() - 1;
        if let Some(scope) = self.env.last_mut() {
            scope.insert(name, Binding { value, depth });
        }
    }

    /// Store a new value into an existing place: a binding (a builder mutated in place) or a
    /// field of an object held by one (`self.pipe`). Loop variables of loops entered since the
    /// binding was made vary per element there.
    pub(super) fn store(&mut self, place: &Place, value: Value<'a>) {
        if place.fields.is_empty() {
            return self.store_binding(&place.root, value);
        }
        let Some(Value::Object(root)) = self.lookup(&place.root).map(|b| b.value.clone()) else {
            return;
        };
        let updated = self.set_field(root, &place.fields, value);
        self.store_binding(&place.root, Value::Object(updated));
    }

    /// `obj.a.b = value`, on a copy of `obj`.
    fn set_field(
        &mut self,
        mut obj: ObjectInfo<'a>,
        path: &[String],
        value: Value<'a>,
    ) -> ObjectInfo<'a> {
        let mut fields = obj.fields.as_deref().cloned().unwrap_or_default();
        let value = match path {
            [_] => value,
            [first, rest @ ..] => {
                let inner = match fields.get(first).cloned() {
                    Some(Value::Object(o)) => o,
                    _ => match self.read_field(&obj, first, "") {
                        Some(Value::Object(o)) => o,
                        _ => return obj,
                    },
                };
                Value::Object(self.set_field(inner, rest, value))
            }
            [] => return obj,
        };
        fields.insert(path[0].clone(), value);
        obj.fields = Some(Rc::new(fields));
        obj
    }

    /// The value at a place, if it has one.
    pub(super) fn lookup_place(&mut self, place: &Place) -> Option<Value<'a>> {
        let mut v = self.lookup(&place.root)?.value.clone();
        for f in &place.fields {
            v = match v {
                Value::Object(o) => self.read_field(&o, f, "")?,
                _ => return None,
            };
        }
        Some(v)
    }

    /// Values stored inside a loop vary per element, for loops entered after `root` was bound.
    fn mark_loop_elements(&self, root: &str, value: Value<'a>) -> Value<'a> {
        let Some(depth) = self.lookup(root).map(|b| b.depth) else {
            return value;
        };
        let loop_ids: Vec<HoleId> = self
            .loop_holes
            .iter()
            .filter(|(_, d)| *d >= depth)
            .map(|(id, _)| id.clone())
            .collect();
        if loop_ids.is_empty() {
            value
        } else {
            mark_pipe_per_element(value, &loop_ids)
        }
    }

    fn store_binding(&mut self, name: &str, value: Value<'a>) {
        let value = self.mark_loop_elements(name, value);
        for scope in self.env.iter_mut().rev() {
            if let Some(b) = scope.get_mut(name) {
                b.value = value;
                return;
            }
        }
    }

    /// The place an expression is rooted at (`p` in `p.set(..).get(..)`, `&mut p`,
    /// `self.pipe` in `self.pipe.set(..)`): the only places a walk stores values into (what
    /// `collect::fields_written` reads a method's changes to `self` with).
    pub(crate) fn place(expr: &syn::Expr) -> Option<Place> {
        use syn::Expr;
        match expr {
            Expr::Path(p) if p.path.segments.len() == 1 && p.qself.is_none() => Some(Place {
                root: p.path.segments[0].ident.to_string(),
                fields: Vec::new(),
            }),
            Expr::Field(f) => {
                let syn::Member::Named(name) = &f.member else {
                    return None;
                };
                let mut place = Self::place(&f.base)?;
                place.fields.push(name.to_string());
                Some(place)
            }
            Expr::Reference(r) => Self::place(&r.expr),
            Expr::Paren(p) => Self::place(&p.expr),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => Self::place(&u.expr),
            Expr::MethodCall(m) => Self::place(&m.receiver),
            _ => None,
        }
    }

    /// Bind a function's parameters: typed values (connections, pipelines…), collections of
    /// run-time values, or holes that a caller's arguments may replace.
    pub(super) fn bind_params(&mut self, def: &FnDef<'a>) {
        self.conn_generics = super::types::conn_generics(&def.sig.generics, &self.scope);
        let func = self.func.unwrap_or_default() as u32;
        for (i, input) in def.sig.inputs.iter().enumerate() {
            match input {
                syn::FnArg::Receiver(_) => {
                    let this = Value::Object(ObjectInfo {
                        id: Some(HoleId::SelfField("".into())),
                        home: self.self_ty.as_deref().and_then(|t| self.type_home(t)),
                        ..ObjectInfo::of(self.self_ty.clone())
                    });
                    self.bind("self".into(), this)
                }
                syn::FnArg::Typed(pt) => {
                    if let (true, syn::Pat::Ident(pi)) =
                        (super::commands::is_number_type(&pt.ty), &*pt.pat)
                    {
                        self.numeric_names.insert(pi.ident.to_string());
                    }
                    let mut value = self.value_of_declared_type(&pt.ty);
                    if value.is_none() && super::types::is_collection_type(&pt.ty) {
                        // `ids: &[u64]`: a collection of run-time values, one per element.
                        let name = self.text_of(&pt.pat).trim_start_matches("mut ").to_owned();
                        let id = HoleId::ParamElement {
                            func,
                            index: i as u32,
                        };
                        value = Some(Value::Each(Box::new(Value::Opaque(
                            self.param_hole(def, id, name),
                        ))));
                    }
                    // A connection whose type does not say which client: the callers' do.
                    if let Some(Value::Conn(c)) = &mut value {
                        if c.cluster().is_none() {
                            c.param = Some(i as u32);
                        }
                    }
                    // A crate object keeps the parameter's identity (a `match` on it is chosen by
                    // the caller's argument).
                    if let Some(Value::Object(o)) = &mut value {
                        o.id = Some(HoleId::Param {
                            func,
                            index: i as u32,
                        });
                    }
                    match &*pt.pat {
                        syn::Pat::Ident(pi) => {
                            let name = pi.ident.to_string();
                            let value = value.unwrap_or_else(|| {
                                let id = HoleId::Param {
                                    func,
                                    index: i as u32,
                                };
                                Value::Opaque(self.param_hole(def, id, name.clone()))
                            });
                            self.bind(name, value);
                        }
                        other => self.bind_pattern(other, Value::Unknown),
                    }
                }
            }
        }
    }

    /// A parameter's hole, with why it is unknown where no caller supplies it.
    fn param_hole(&self, def: &FnDef<'a>, id: HoleId, name: String) -> Hole {
        let public = def.public;
        let what = match &def.self_ty {
            Some(t) => format!("{t}::{}", def.name),
            None => def.name.clone(),
        };
        let detail = if public {
            format!(
                "`{name}` is a parameter of `pub fn {what}`, and no caller in this crate passes it"
            )
        } else {
            format!(
                "`{name}` is a parameter of `fn {what}`, and slotlint saw no call that passes it"
            )
        };
        Hole::new(id, name).because("parameter", detail)
    }

    /// The caller's argument values for the parameters of `def` (a walk for one caller).
    pub(super) fn bind_args(&mut self, def: &FnDef<'a>, args: &[Value<'a>]) {
        let typed = def.sig.inputs.iter().filter_map(|i| match i {
            syn::FnArg::Typed(pt) => Some(pt),
            syn::FnArg::Receiver(_) => None,
        });
        for (pt, arg) in typed.zip(args) {
            if let syn::Pat::Ident(pi) = &*pt.pat {
                let name = pi.ident.to_string();
                // A parameter declared as a connection (`con: &mut C`, `C: ConnectionLike`)
                // stays one when the caller passes a value of its own type that is one (a
                // wrapper implementing `ConnectionLike`).
                let declared_conn =
                    matches!(self.lookup(&name), Some(b) if matches!(b.value, Value::Conn(_)));
                if declared_conn && !matches!(arg, Value::Conn(_)) {
                    continue;
                }
                self.bind(name, arg.clone());
            }
        }
    }

    pub(super) fn walk_block(&mut self, block: &'a syn::Block) -> Value<'a> {
        self.push_scope();
        let mut last = Value::Unknown;
        for (i, stmt) in block.stmts.iter().enumerate() {
            let is_last = i + 1 == block.stmts.len();
            last = Value::Unknown;
            match stmt {
                syn::Stmt::Local(local) => self.walk_local(local),
                syn::Stmt::Item(syn::Item::Use(u)) => self.scope.to_mut().add_use(u),
                syn::Stmt::Item(_) => {}
                syn::Stmt::Expr(e, semi) => {
                    if semi.is_some() || !is_last {
                        self.value_unused = Some(dropped_call(e));
                    }
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
                // `let _ = save(&d);` drops the value as a statement does.
                if matches!(pat, syn::Pat::Wild(_)) {
                    self.value_unused = Some(dropped_call(&init.expr));
                }
                let v = self.eval(&init.expr);
                if let Some((_, diverge)) = &init.diverge {
                    self.eval(diverge);
                }
                v
            }
            None => Value::Unknown,
        };
        if let Some(ty) = ty {
            if let (true, syn::Pat::Ident(pi)) = (super::commands::is_number_type(ty), pat) {
                self.numeric_names.insert(pi.ident.to_string());
            }
            if let Some(typed) = self.value_of_declared_type(ty) {
                // A declared connection type wins; otherwise only fill in what is unknown.
                if matches!(typed, Value::Conn(_))
                    || matches!(value, Value::Unknown | Value::Opaque(_))
                {
                    value = typed;
                }
            }
        }
        self.bind_pattern(pat, value);
    }

    /// Bind the names of a pattern; tuples and slices destructure known lists. A run-time value
    /// gets an identity tied to its binding.
    pub(super) fn bind_pattern(&mut self, pat: &syn::Pat, value: Value<'a>) {
        match pat {
            syn::Pat::Ident(pi) => {
                let name = pi.ident.to_string();
                let value = match value {
                    Value::Unknown => {
                        Value::Opaque(self.local_hole(&pi.ident, name.clone(), false))
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
                let typed = self.value_of_declared_type(&t.ty);
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
                for (i, p) in ts.elems.iter().enumerate() {
                    let v = if single {
                        value.clone()
                    } else {
                        match payload(&value, wrapper.as_deref(), &i.to_string()) {
                            Value::Unknown => self.built_payload(&ts.path, &value, &i.to_string()),
                            v => v,
                        }
                    };
                    self.bind_pattern(p, v);
                }
            }
            syn::Pat::Struct(s) => {
                let variant = s.path.segments.last().map(|s| s.ident.to_string());
                for f in &s.fields {
                    let field = match &f.member {
                        syn::Member::Named(n) => n.to_string(),
                        syn::Member::Unnamed(i) => i.index.to_string(),
                    };
                    let v = match payload(&value, variant.as_deref(), &field) {
                        Value::Unknown => self.built_payload(&s.path, &value, &field),
                        v => v,
                    };
                    self.bind_pattern(&f.pat, v);
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

    /// A `for` loop: the loop variable is one value per iteration, a hole that, seen from
    /// outside the loop, varies per element.
    pub(super) fn walk_loop(&mut self, pat: &'a syn::Pat, iter: Value<'a>, body: &'a syn::Block) {
        // A few known items (`for lane in LANES`): one walk per item, each with its value.
        if let Value::List(items) = &iter {
            if (2..=MAX_UNROLLED).contains(&items.len())
                && !items.iter().any(|i| matches!(i, Value::Each(_)))
            {
                for item in items {
                    self.push_scope();
                    self.bind_pattern(pat, item.single_element());
                    self.walk_block(body);
                    self.pop_scope();
                }
                return;
            }
        }
        self.push_scope();
        let depth = self.env.len() - 1;
        let element = element_of(&iter);
        let element = match element {
            // A tuple of known parts (`for (k, v) in pairs` over `(format!(..), v)` pairs).
            Value::List(parts)
                if tuple_pattern(pat).is_some_and(|t| t.elems.len() == parts.len()) =>
            {
                Value::List(parts)
            }
            Value::Unknown | Value::Opaque(_) | Value::List(_) => {
                self.element_parts(pat).unwrap_or_else(|| {
                    let name = self.text_of(pat);
                    Value::Opaque(self.local_hole(pat, name, true))
                })
            }
            v => v.single_element(),
        };
        let ids = hole_ids(&element);
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

    /// A run-time element destructured by a tuple pattern (`for (k, v) in pairs`, `|(k, v)|`):
    /// each part an element of its own, varying per element as the element does. `None` for
    /// another pattern.
    fn element_parts(&self, pat: &syn::Pat) -> Option<Value<'a>> {
        let tuple = tuple_pattern(pat)?;
        let parts = tuple.elems.iter().map(|p| {
            let name = self.text_of(p).trim_start_matches('&').to_owned();
            Value::Opaque(self.local_hole(p, name, true))
        });
        Some(Value::List(parts.collect()))
    }

    /// Apply a closure to one element (`map`, `for_each`): the closure's parameter is bound to
    /// the element, and the holes of the element vary per element in the result.
    pub(super) fn apply_closure(
        &mut self,
        c: &'a syn::ExprClosure,
        element: Value<'a>,
    ) -> Value<'a> {
        self.push_scope();
        let depth = self.env.len() - 1;
        let param_name = || {
            c.inputs
                .first()
                .map(|p| self.text_of(p).trim_start_matches('&').to_owned())
        };
        let element = match (c.inputs.first(), element) {
            (Some(p), element @ (Value::Unknown | Value::Opaque(_))) => {
                self.element_parts(p).unwrap_or(element)
            }
            (_, element) => element,
        };
        let element = match element {
            Value::Unknown => {
                let name = param_name().unwrap_or_else(|| "element".into());
                Value::Opaque(self.local_hole(c, name, true))
            }
            // The element of a collection parameter: show it under the closure's name.
            Value::Opaque(h) => Value::Opaque(Hole {
                name: param_name().unwrap_or(h.name.clone()),
                per_element: false,
                ..h
            }),
            // A known element (`IDS.iter().map(|id| …)`): its value, in the closure's template.
            Value::Int(n) => {
                Value::Opaque(Hole::bound(param_name().unwrap_or_default(), n.to_string()))
            }
            Value::Str(p) if p.is_literal() && !p.segments().is_empty() => {
                Value::Opaque(Hole::bound(
                    param_name().unwrap_or_default(),
                    p.as_literal().unwrap_or_default(),
                ))
            }
            v => v.single_element(),
        };
        let ids = hole_ids(&element);
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

    /// Run a closure once on a value (`Option::map`, `and_then`, `unwrap_or_else`): one value,
    /// not one per element.
    pub(super) fn apply_closure_once(
        &mut self,
        c: &'a syn::ExprClosure,
        arg: Value<'a>,
    ) -> Value<'a> {
        self.push_scope();
        let mut inputs = c.inputs.iter();
        if let Some(p) = inputs.next() {
            self.bind_pattern(p, arg);
        }
        for p in inputs {
            self.bind_pattern(p, Value::Unknown);
        }
        let result = self.eval(&c.body);
        self.pop_scope();
        result
    }

    /// Walk a closure that is called somewhere the evaluator cannot follow (a spawned task).
    pub(super) fn walk_closure_body(&mut self, c: &'a syn::ExprClosure) {
        self.push_scope();
        for p in &c.inputs {
            self.bind_pattern(p, Value::Unknown);
        }
        self.eval(&c.body);
        self.pop_scope();
    }
}

/// The tuple a closure's parameter destructures (`(k, v)`, `&(k, v)`, `(k, v): (K, V)`).
fn tuple_pattern(pat: &syn::Pat) -> Option<&syn::PatTuple> {
    match pat {
        syn::Pat::Tuple(t) => Some(t),
        syn::Pat::Reference(r) => tuple_pattern(&r.pat),
        syn::Pat::Paren(p) => tuple_pattern(&p.pat),
        syn::Pat::Type(t) => tuple_pattern(&t.pat),
        _ => None,
    }
}

/// One element of a collection, as a loop or an index sees it: the element of an `Each`, one of a
/// list's items (a list filled in a loop holds an `Each`).
pub(super) fn element_of<'a>(collection: &Value<'a>) -> Value<'a> {
    match collection {
        Value::Each(inner) => inner.single_element(),
        Value::List(items) if !items.is_empty() => {
            let elements: Vec<Value<'a>> = items
                .iter()
                .map(|i| match i {
                    Value::Each(inner) => inner.single_element(),
                    v => v.single_element(),
                })
                .collect();
            super::value::one_of(elements)
        }
        _ => Value::Unknown,
    }
}

/// Values stored inside a loop: keys added there vary per iteration.
fn mark_pipe_per_element<'a>(value: Value<'a>, ids: &[HoleId]) -> Value<'a> {
    let is_loop = |h: &Hole| ids.contains(&h.id);
    match value {
        Value::Pipe(mut state) => {
            mark_pipe(&mut state, &is_loop);
            Value::Pipe(state)
        }
        Value::Cmd(mut pending) => {
            mark_command(&mut pending, &is_loop);
            Value::Cmd(pending)
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

fn mark_pipe(state: &mut PipeState<'_>, is_loop: &dyn Fn(&Hole) -> bool) {
    for c in &mut state.commands {
        mark_command(c, is_loop);
    }
}

fn mark_command(c: &mut PendingCommand<'_>, is_loop: &dyn Fn(&Hole) -> bool) {
    match c {
        PendingCommand::Ready(cmd) => mark_keys(&mut cmd.keys, is_loop),
        PendingCommand::Raw { args, .. } => {
            for a in args {
                a.value = a.value.mark_per_element(is_loop);
            }
        }
    }
}

fn has_marked(v: &Value<'_>) -> bool {
    match v {
        Value::Str(p) => p.has_per_element_hole(),
        Value::Opaque(h) => h.per_element,
        Value::List(items) | Value::OneOf(items, _) => items.iter().any(has_marked),
        _ => false,
    }
}

fn mark_keys(keys: &mut [KeyArg], is_loop: &dyn Fn(&Hole) -> bool) {
    for k in keys {
        // Run-time values only, one of which now varies per element: judged by its shape
        // (`<prefix><k>` for each `k` differs per element), as a key built in the loop's own
        // collection would be.
        if k.pattern.is_none() && k.run_time.iter().any(|p| p.holes().any(is_loop)) {
            let marked: Vec<_> = k
                .run_time
                .iter()
                .map(|p| p.with_per_element(is_loop))
                .collect();
            if let Some(first) = marked.iter().find(|p| super::commands::judgeable(p)) {
                k.pattern = Some(first.clone());
                if marked.len() > 1 {
                    k.alternatives = marked.clone();
                }
                k.run_time.clear();
                k.why = None;
                k.many = true;
                continue;
            }
        }
        if let Some(p) = &k.pattern {
            if p.holes().any(is_loop) {
                k.pattern = Some(p.with_per_element(is_loop));
                k.alternatives = k
                    .alternatives
                    .iter()
                    .map(|a| a.with_per_element(is_loop))
                    .collect();
                k.many = true;
            }
        }
    }
}

impl<'c, 'a> Interp<'c, 'a> {
    /// A payload field of an enum value built where this code cannot see (a loop over commands
    /// a caller queued, a value read from a channel): what the crate builds that variant with,
    /// anywhere (`CRDTCommand::SetAdd(key, member)` in its constructors), as for a struct's
    /// field. Unknown when the value is known to be another variant, or the path names none.
    fn built_payload(&mut self, path: &syn::Path, value: &Value<'a>, field: &str) -> Value<'a> {
        // Only where redis is named: elsewhere (a caller's match over its own events) the model
        // would walk every constructor of the variant for keys that rarely reach redis.
        if matches!(value, Value::Object(o) if o.variant.is_some())
            || !self.cx.mentions_redis[self.file]
        {
            return Value::Unknown;
        }
        let Some((ty, variant)) = self.enum_variant_of(path) else {
            return Value::Unknown;
        };
        let id = match value {
            Value::Opaque(h) => Some(h.id.clone()),
            Value::Object(o) => o.id.clone(),
            _ => None,
        };
        let built = ObjectInfo {
            ty: Some(format!("{ty}::{variant}")),
            fields: None,
            id,
            variant: None,
            home: None,
        };
        self.read_field(&built, field, "").unwrap_or(Value::Unknown)
    }
}

/// A field of an enum value's payload, when the pattern names the variant it was built as
/// (`Key::User { id }` matched against `Key::User { id: 7 }` binds `id` to 7).
fn payload<'a>(value: &Value<'a>, variant: Option<&str>, field: &str) -> Value<'a> {
    match value {
        Value::Object(o) if o.variant.is_some() && o.variant.as_deref() == variant => o
            .fields
            .as_ref()
            .and_then(|f| f.get(field).cloned())
            .unwrap_or(Value::Unknown),
        _ => Value::Unknown,
    }
}

/// The call whose value a statement drops: `save(&d)`, through `?`, `.await` and parentheses.
fn dropped_call(expr: &syn::Expr) -> &syn::Expr {
    match expr {
        syn::Expr::Try(t) => dropped_call(&t.expr),
        syn::Expr::Await(a) => dropped_call(&a.base),
        syn::Expr::Paren(p) => dropped_call(&p.expr),
        e => e,
    }
}
