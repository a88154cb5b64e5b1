//! Expressions and control flow: literals, paths, fields, operators, `if`/`match` (whose arms
//! become alternatives), loops, and the string and collection methods that keep or transform
//! key text.
//!
//! Not here: calls of functions and methods (`calls`), macros (`macros`), redis receivers
//! (`builders`, `redis`).

use syn::Expr;

use slotlint_keys::{Hole, HoleId, KeyPattern};

use std::rc::Rc;

use super::methods::concat;
use super::value::{one_of_arms, selector_of, Arms, ObjectInfo, Value};
use super::{Interp, MAX_EXPR_DEPTH, MAX_STEPS};

impl<'c, 'a> Interp<'c, 'a> {
    pub(super) fn eval(&mut self, expr: &'a Expr) -> Value<'a> {
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
            Expr::Lit(l) => self.eval_lit(&l.lit),
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
                if let Some(place) = Self::place(&a.left) {
                    if matches!(&*a.left, Expr::Path(_) | Expr::Field(_)) {
                        self.store(&place, v);
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
            Expr::Match(m) => self.eval_match(m),
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
                    self.escape(&v);
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
                // A slice (`IDS[..6]`) is part of the collection, not one element.
                if matches!(&*i.index, Expr::Range(_))
                    && matches!(base, Value::List(_) | Value::Each(_))
                {
                    return base;
                }
                match (base, idx) {
                    // A list of known items, not filled in a loop.
                    (Value::List(items), Value::Int(n))
                        if n >= 0
                            && (n as usize) < items.len()
                            && !items.iter().any(|i| matches!(i, Value::Each(_))) =>
                    {
                        items[n as usize].clone()
                    }
                    (base @ (Value::List(_) | Value::Each(_)), _) => {
                        match super::bindings::element_of(&base) {
                            Value::Unknown => Value::Opaque(self.hole_for(expr)),
                            v => v,
                        }
                    }
                    _ => Value::Opaque(self.hole_for(expr)),
                }
            }
            Expr::Struct(s) => self.eval_struct(s),
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

    fn eval_lit(&mut self, lit: &syn::Lit) -> Value<'a> {
        match lit {
            syn::Lit::Str(s) => {
                let value = s.value();
                if value.contains("://") {
                    self.url(&KeyPattern::literal(&value), s.span());
                }
                if looks_like_lua(&value) {
                    self.remember_lua_literal(s, &value);
                }
                Value::str(&value)
            }
            syn::Lit::ByteStr(b) => Value::str(&String::from_utf8_lossy(&b.value())),
            syn::Lit::CStr(_) => Value::Unknown,
            syn::Lit::Char(c) => Value::str(&c.value().to_string()),
            // `b':'`, as pushed onto a key built as bytes.
            syn::Lit::Byte(b) => Value::str(&char::from(b.value()).to_string()),
            syn::Lit::Int(i) => i
                .base10_parse::<i64>()
                .map(Value::Int)
                .unwrap_or(Value::Unknown),
            syn::Lit::Bool(b) => Value::str(if b.value { "true" } else { "false" }),
            syn::Lit::Float(f) => Value::str(f.base10_digits()),
            _ => Value::Unknown,
        }
    }

    /// Where a literal that looks like a Lua body is written, so findings inside the body can
    /// point at the Rust source.
    fn remember_lua_literal(&self, s: &syn::LitStr, value: &str) {
        if self.cx.lua_literals.borrow().contains_key(value) {
            return;
        }
        let r = s.span().byte_range();
        let Some(token) = self.source().text.get(r.clone()) else {
            return;
        };
        let Some(lit) = slotlint_syntax::literal::decode(token).filter(|l| l.value == value) else {
            return;
        };
        let offsets = (0..=value.len())
            .map(|v| r.start + lit.source_offset(v))
            .collect();
        self.cx
            .lua_literals
            .borrow_mut()
            .insert(value.to_owned(), (self.file, r.start, offsets));
    }

    fn eval_path(&mut self, p: &'a syn::ExprPath) -> Value<'a> {
        if p.qself.is_none() && p.path.segments.len() == 1 {
            let name = p.path.segments[0].ident.to_string();
            if let Some(b) = self.lookup(&name) {
                return b.value.clone();
            }
        }
        self.note_path(&p.path);
        if p.path.is_ident("None") {
            return Value::Unknown;
        }
        if let Some(v) = self.variant(&p.path) {
            return v;
        }
        let last = p
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        if last.chars().next().is_some_and(|c| c.is_uppercase()) {
            // `device::PREFIX`: the module's own, however many modules define one.
            let path = crate::scope::path_names(&p.path);
            let module = &path[..path.len().saturating_sub(1)];
            let in_module = module
                .last()
                .filter(|q| q.starts_with(|c: char| c.is_lowercase()))
                .and_then(|_| self.const_of_module_path(module, &last));
            if let Some(v) =
                in_module.or_else(|| (path.len() <= 3).then(|| self.const_value(&last)).flatten())
            {
                return v;
            }
        }
        if p.path.segments.len() == 1 && last.chars().next().is_some_and(char::is_lowercase) {
            if let Some(fi) = self.resolve_fn(&last, None, false, None) {
                return Value::FnRef(fi);
            }
        }
        Value::Opaque(self.hole_for(p))
    }

    /// Field `field` of object `o`, read at `expr`: where it was built, or from its type's
    /// field model. `None` when neither knows it.
    fn field_of_object(
        &mut self,
        o: &ObjectInfo<'a>,
        field: &str,
        expr: &'a Expr,
    ) -> Option<Value<'a>> {
        let text = self.short_text(expr);
        let v = self.read_field(o, field, &text)?;
        // A client not built in view is known by where it is read (`self.client`).
        if let Value::Client(mut c) = v {
            if c.built_at.is_none() {
                c.source = text;
            }
            return Some(Value::Client(c));
        }
        // A run-time value of a type of the crate is an object of that type (each of them, when
        // several places build the object: some objects already, some run-time values, like a
        // constructor's parameter).
        let run_time = |v: &Value<'a>| matches!(v, Value::Opaque(_));
        let alternatives = v.alternatives();
        if !alternatives.iter().any(run_time)
            || !alternatives
                .iter()
                .all(|a| run_time(a) || matches!(a, Value::Object(_)))
        {
            return Some(v);
        }
        let Some((file, ty)) = self.cx.index.field_type_at(o.ty.as_deref(), field, o.home) else {
            return Some(v);
        };
        let Some(Value::Object(typed)) = self.value_of_type_written_in(ty, Some(file)) else {
            return Some(v);
        };
        let object = |v: &Value<'a>| match v {
            Value::Opaque(h) => Value::Object(ObjectInfo {
                id: Some(h.id.clone()),
                ..typed.clone()
            }),
            other => other.clone(),
        };
        Some(match &v {
            Value::OneOf(alternatives, arms) => {
                Value::OneOf(alternatives.iter().map(object).collect(), arms.clone())
            }
            one => object(one),
        })
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
        let field = field.to_string();
        if let Value::Object(o) = &base {
            if let Some(v) = self.field_of_object(o, &field, expr) {
                return v;
            }
        }
        // Objects of one type built in several places: the field of each.
        if base.objects_type().is_some() {
            let values: Option<Vec<Value<'a>>> = base
                .alternatives()
                .iter()
                .map(|alternative| match alternative {
                    Value::Object(o) => self.field_of_object(o, &field, expr),
                    _ => None,
                })
                .collect();
            if let Some(values) = values {
                match one_of_arms(values, base.arms().cloned()) {
                    Value::Unknown => {}
                    v => return v,
                }
            }
        }
        let (struct_name, home) = match &base {
            Value::Object(o) => (o.ty.clone(), o.home),
            _ => (base.objects_type().map(str::to_owned), None),
        };
        if matches!(base, Value::Object(_) | Value::Opaque(_)) {
            if let Some((file, ty)) =
                self.cx
                    .index
                    .field_type_at(struct_name.as_deref(), &field, home)
            {
                if let Some(v) = self.value_of_type_written_in(ty, Some(file)) {
                    return match v {
                        Value::Client(mut c) => {
                            c.source = self.short_text(expr);
                            Value::Client(c)
                        }
                        v => v,
                    };
                }
            }
        }
        // One identity per field of the receiver, whichever method reads it.
        let never = |name: &str, ty: Option<&str>| {
            format!(
                "`{name}` is a field{} that this crate never gives a value (set by deserialization, or outside the crate)",
                ty.map(|t| format!(" of `{t}`")).unwrap_or_default()
            )
        };
        match (self_field_path(expr), &base) {
            (Some(path), _) => {
                let name = format!("self.{path}");
                let why = never(&name, struct_name.as_deref());
                Value::Opaque(
                    Hole::new(HoleId::SelfField(path.into_boxed_str()), name).because("field", why),
                )
            }
            (
                None,
                Value::Object(ObjectInfo { id: Some(base), .. })
                | Value::Opaque(Hole { id: base, .. }),
            ) => {
                let name = self.short_text(expr);
                let why = never(&name, struct_name.as_deref());
                Value::Opaque(
                    Hole::new(
                        HoleId::Field {
                            base: Box::new(base.clone()),
                            path: field.into_boxed_str(),
                        },
                        name,
                    )
                    .because("field", why),
                )
            }
            _ => Value::Opaque(self.hole_for(expr)),
        }
    }

    /// A struct literal: an object whose fields are known.
    fn eval_struct(&mut self, s: &'a syn::ExprStruct) -> Value<'a> {
        let mut fields = std::collections::BTreeMap::new();
        for f in &s.fields {
            let v = self.eval(&f.expr);
            if let syn::Member::Named(n) = &f.member {
                fields.insert(n.to_string(), v);
            }
        }
        if let Some(rest) = &s.rest {
            self.eval(rest);
        }
        // `Key::User { id }`: a value of the enum `Key`, variant `User`, with its payload.
        if let Some((ty, variant)) = self.enum_variant_of(&s.path) {
            self.capture_struct(&Some(format!("{ty}::{variant}")), &fields);
            return Value::Object(super::value::ObjectInfo {
                ty: Some(ty),
                fields: Some(std::rc::Rc::new(fields)),
                id: None,
                variant: Some(variant),
                home: None,
            });
        }
        self.struct_facts(s, &fields);
        let ty = match s.path.segments.last().map(|s| s.ident.to_string()) {
            Some(t) if t == "Self" => self.self_ty.clone(),
            t => t,
        };
        self.capture_struct(&ty, &fields);
        let home = ty.as_deref().and_then(|t| self.type_home(t));
        Value::Object(super::value::ObjectInfo {
            ty,
            fields: Some(std::rc::Rc::new(fields)),
            id: None,
            variant: None,
            home,
        })
    }

    fn eval_binary(&mut self, b: &'a syn::ExprBinary, expr: &'a Expr) -> Value<'a> {
        let left = self.eval(&b.left);
        let right = self.eval(&b.right);
        match b.op {
            syn::BinOp::Add(_) => match (&left, &right) {
                (Value::Int(x), Value::Int(y)) => Value::Int(x.wrapping_add(*y)),
                _ => concat(&left, &right).unwrap_or_else(|| Value::Opaque(self.hole_for(expr))),
            },
            syn::BinOp::AddAssign(_) => {
                if let (Some(name), Some(v)) = (Self::place(&b.left), concat(&left, &right)) {
                    self.store(&name, v);
                }
                Value::Unknown
            }
            _ => Value::Opaque(self.hole_for(expr)),
        }
    }

    /// `if`/`else`: a known condition takes one branch; otherwise both values are kept as
    /// alternatives chosen by the condition.
    fn eval_if(&mut self, i: &'a syn::ExprIf) -> Value<'a> {
        self.push_scope();
        let cond = self.eval(&i.cond);
        let known = match selector_of(&cond).as_deref() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        };
        let then = if known != Some(false) {
            self.walk_block(&i.then_branch)
        } else {
            Value::Unknown
        };
        self.pop_scope();
        let Some((_, e)) = &i.else_branch else {
            return Value::Unknown;
        };
        if known == Some(true) {
            return then;
        }
        let other = self.eval(e);
        if known == Some(false) {
            return other;
        }
        // A branch that diverges (`return`, `panic!`) gives nothing to join.
        if matches!(then, Value::Unknown) || matches!(other, Value::Unknown) {
            return then.join(other);
        }
        let choice = choice_of(&cond).unwrap_or_else(|| self.hole_for(&*i.cond).id);
        let cond_text = self.short_text(&*i.cond);
        let arms = Arms {
            choice,
            selectors: vec![Some("true".into()), Some("false".into())],
            labels: vec![
                format!("the `if {cond_text}` branch"),
                format!("the `else` branch of `if {cond_text}`"),
            ],
        };
        match one_of_arms(vec![then.clone(), other.clone()], Some(Rc::new(arms))) {
            Value::Unknown => then.join(other),
            v => v,
        }
    }

    /// `match`: a known scrutinee takes its arm; otherwise every arm's value is an alternative,
    /// chosen by the scrutinee.
    fn eval_match(&mut self, m: &'a syn::ExprMatch) -> Value<'a> {
        let scrutinee = self.eval(&m.expr);
        let known = selector_of(&scrutinee);
        if let Some(known) = &known {
            let arm = m.arms.iter().find(|arm| {
                arm.guard.is_none()
                    && pattern_selectors(&arm.pat)
                        .iter()
                        .any(|s| s.as_ref().is_none_or(|s| s == known))
            });
            if let Some(arm) = arm {
                self.push_scope();
                self.bind_pattern(&arm.pat, scrutinee.clone());
                let v = self.eval(&arm.body);
                self.pop_scope();
                return v;
            }
        }
        let mut values = Vec::new();
        let mut selectors = Vec::new();
        let mut labels = Vec::new();
        for arm in &m.arms {
            self.push_scope();
            self.bind_pattern(&arm.pat, scrutinee.clone());
            if let Some((_, guard)) = &arm.guard {
                self.eval(guard);
            }
            let v = self.eval(&arm.body);
            self.pop_scope();
            if matches!(v, Value::Unknown) {
                continue;
            }
            let label = format!("the `{}` arm", self.short_text(&arm.pat));
            for sel in pattern_selectors(&arm.pat) {
                values.push(v.clone());
                // A guarded arm does not take every value its pattern matches.
                selectors.push(if arm.guard.is_some() {
                    Some(String::new())
                } else {
                    sel
                });
                labels.push(label.clone());
            }
        }
        let joined = values.iter().cloned().fold(Value::Unknown, Value::join);
        let choice = choice_of(&scrutinee).unwrap_or_else(|| self.hole_for(&*m.expr).id);
        let arms = Arms {
            choice,
            selectors,
            labels,
        };
        match one_of_arms(values, Some(Rc::new(arms))) {
            Value::Unknown => joined,
            v => v,
        }
    }
}

/// The identity of a value that chooses a branch, when it has one.
fn choice_of(v: &Value<'_>) -> Option<HoleId> {
    match v {
        Value::Opaque(h) => Some(h.id.clone()),
        Value::Object(o) => o.id.clone(),
        _ => None,
    }
}

/// What values of the scrutinee a pattern takes: a variant name, a literal, or `None` for any
/// value (a binding, `_`); one entry per case of an or-pattern.
fn pattern_selectors(pat: &syn::Pat) -> Vec<Option<String>> {
    let last = |p: &syn::Path| p.segments.last().map(|s| s.ident.to_string());
    match pat {
        syn::Pat::Or(o) => o.cases.iter().flat_map(pattern_selectors).collect(),
        syn::Pat::Path(p) => vec![last(&p.path)],
        syn::Pat::TupleStruct(t) => vec![last(&t.path)],
        syn::Pat::Struct(s) => vec![last(&s.path)],
        syn::Pat::Lit(l) => vec![match &l.lit {
            syn::Lit::Str(s) => Some(s.value()),
            syn::Lit::Int(i) => Some(i.base10_digits().to_owned()),
            syn::Lit::Bool(b) => Some(b.value.to_string()),
            syn::Lit::Char(c) => Some(c.value().to_string()),
            _ => Some(String::new()),
        }],
        syn::Pat::Ident(i) if i.subpat.is_none() => {
            // An uppercase single name is a unit variant or constant in scope, not a binding.
            let name = i.ident.to_string();
            if name.chars().next().is_some_and(char::is_uppercase) {
                vec![Some(name)]
            } else {
                vec![None]
            }
        }
        syn::Pat::Wild(_) => vec![None],
        syn::Pat::Reference(r) => pattern_selectors(&r.pat),
        syn::Pat::Paren(p) => pattern_selectors(&p.pat),
        // Ranges, slices, tuples: some values, not known which.
        _ => vec![Some(String::new())],
    }
}

/// `self.a.b` → `a.b`.
fn self_field_path(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Field(f) => {
            let syn::Member::Named(name) = &f.member else {
                return None;
            };
            match &*f.base {
                Expr::Path(p) if p.path.is_ident("self") => Some(name.to_string()),
                base => Some(format!("{}.{name}", self_field_path(base)?)),
            }
        }
        _ => None,
    }
}

/// A string that is probably a Lua script body.
fn looks_like_lua(text: &str) -> bool {
    text.contains("redis.call")
        || text.contains("redis.pcall")
        || text.contains("KEYS[")
        || text.contains("ARGV[")
        || text.contains("redis.register_function")
}
