//! Calls: functions and methods of the crate (summaries with the caller's arguments, calls
//! recorded for caller contexts, calls through a trait), and the dispatch of method calls to
//! redis receivers or to string and collection methods.
//!
//! Not here: which function or constant a name means (`items`), effects on what a function
//! receives by `&mut` (`effects`), what a redis-rs method sends (`commands`), builders
//! (`builders`).

use std::collections::HashMap;

use super::spans::NodeSpan;
use syn::Expr;

use slotlint_keys::{Hole, HoleId, KeyPattern};

use super::foreign_methods;
use super::value::{one_of_arms, ObjectInfo, Value};
use super::{param_names, CallRecord, Callee, Interp, Memo};
use crate::index::FnOwner;
use crate::sites::KeyArg;
use crate::source::Span;

impl<'c, 'a> Interp<'c, 'a> {
    pub(super) fn eval_args(
        &mut self,
        args: &'a syn::punctuated::Punctuated<Expr, syn::Token![,]>,
    ) -> Vec<Value<'a>> {
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

    pub(super) fn eval_call(&mut self, call: &'a syn::ExprCall, expr: &'a Expr) -> Value<'a> {
        let value_unused = self.value_unused_of(expr);
        // A closure bound to a local: `let key = |k| format!(..); key("a")`.
        if let Expr::Path(p) = &*call.func {
            if let Some(name) = p.path.get_ident() {
                if let Some(Value::Closure(c)) =
                    self.lookup(&name.to_string()).map(|b| b.value.clone())
                {
                    let args = self.eval_args(&call.args);
                    return self.call_closure(c, args);
                }
            }
        }
        let Expr::Path(func) = &*call.func else {
            self.eval(&call.func);
            self.eval_args(&call.args);
            return Value::Opaque(self.hole_for(expr));
        };
        let path = &func.path;
        let segments = crate::scope::path_names(path);
        let last = segments.last().cloned().unwrap_or_default();
        if self.cx.mentions_redis[self.file] {
            if let Some(v) = self.eval_redis_path_call(path, call, expr) {
                return v;
            }
        }
        let first = segments.first().map(String::as_str);
        match (segments.len(), first, last.as_str()) {
            (_, Some("String" | "Cow" | "Box" | "Arc" | "Rc"), "from" | "new" | "from_str")
                if call.args.len() == 1 =>
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
            (1, _, "Some" | "Ok" | "Borrowed" | "Owned")
            | (2, Some("Cow"), "Borrowed" | "Owned")
                if call.args.len() == 1 =>
            {
                return self.eval(&call.args[0])
            }
            // An error or nothing: no value for the keys a function returns.
            (1, _, "Err") => {
                self.eval_args(&call.args);
                return Value::Unknown;
            }
            (_, _, "once") if call.args.len() == 1 && segments.iter().any(|s| s == "iter") => {
                return Value::List(vec![self.eval(&call.args[0])]);
            }
            (_, Some("LazyLock" | "Lazy" | "LazyCell" | "OnceLock"), "new" | "force")
                if call.args.len() == 1 =>
            {
                if let Expr::Closure(c) = &call.args[0] {
                    return self.eval(&c.body);
                }
            }
            _ => {}
        }
        let qualifier = (segments.len() >= 2).then(|| segments[segments.len() - 2].clone());
        let qualifier = match qualifier.as_deref() {
            Some("Self") => self.self_ty.clone(),
            _ => qualifier,
        };
        let is_crate_path = first.is_some_and(|s| matches!(s, "crate" | "self" | "super" | "Self"))
            || segments.len() == 1
            || qualifier
                .as_deref()
                .is_some_and(|q| self.cx.index.has_type(q));
        let args = self.eval_args(&call.args);
        if is_crate_path || segments.len() <= 3 {
            let upper = qualifier
                .as_deref()
                .filter(|q| q.chars().next().is_some_and(char::is_uppercase));
            // A module's path (`device::get(..)`, `device::Keys::of(..)`) says whose function,
            // however many share the name.
            let n = segments.len();
            let in_module = match (upper, n) {
                (None, 2..) => self.fn_of_module_path(&segments[..n - 1], &last, FnOwner::Free),
                (Some(ty), 3..) => {
                    self.fn_of_module_path(&segments[..n - 2], &last, FnOwner::Of(ty))
                }
                _ => None,
            };
            if let Some(fi) = in_module.or_else(|| self.resolve_fn(&last, upper, false, None)) {
                let arg_exprs: Vec<&'a Expr> = call.args.iter().collect();
                self.builder_effects(fi, &args, &arg_exprs, expr);
                self.record_call(fi, &args, expr);
                for a in &args {
                    self.escape(a);
                }
                // A function that never returns (`-> !`: exits, panics) gives no value: the
                // other branch's is the value (`.unwrap_or_else(|e| die(e))`).
                if matches!(&self.cx.index.fn_def(fi).sig.output,
                    syn::ReturnType::Type(_, ty) if matches!(**ty, syn::Type::Never(_)))
                {
                    return Value::Unknown;
                }
                if value_unused {
                    return Value::Unknown;
                }
                let call_id = self.hole_for(expr).id;
                let v = self.call_summary(fi, args, call_id);
                let v = self.relocated(v, expr);
                if !matches!(v, Value::Unknown) {
                    return v;
                }
                return Value::Opaque(self.hole_for(expr));
            }
        }
        for a in &args {
            self.escape(a);
        }
        // A pool or manager built over a client keeps the client's kind.
        if let Some(client) = args.iter().find(|a| matches!(a, Value::Client(_))) {
            if matches!(last.as_str(), "new" | "build" | "from_manager" | "create") {
                return client.clone();
            }
        }
        // `Key::Item(7)`: a value of the enum with its payload at `"0"`, `"1"`…
        if let Some((ty, variant)) = self.enum_variant_of(path) {
            let fields = args
                .into_iter()
                .enumerate()
                .map(|(i, v)| (i.to_string(), v))
                .collect();
            self.capture_struct(&Some(format!("{ty}::{variant}")), &fields);
            return Value::Object(ObjectInfo {
                ty: Some(ty),
                fields: Some(std::rc::Rc::new(fields)),
                id: None,
                variant: Some(variant),
                home: None,
            });
        }
        if last.chars().next().is_some_and(char::is_uppercase) {
            // A tuple struct.
            return Value::object(Some(last));
        }
        let hole = self.hole_for(expr);
        let detail = format!(
            "`{}` is the result of `{}`, a call slotlint does not follow",
            hole.name,
            segments.join("::")
        );
        Value::Opaque(hole.because("external call", detail))
    }

    pub(super) fn eval_method_call(
        &mut self,
        mc: &'a syn::ExprMethodCall,
        expr: &'a Expr,
    ) -> Value<'a> {
        let value_unused = self.value_unused_of(expr);
        let method = mc.method.to_string();
        let receiver = self.eval(&mc.receiver);
        let root = Self::place(&mc.receiver);
        if self.cx.mentions_redis[self.file] {
            if let Some(v) = self.redis_method(&receiver, mc, &method, root.as_ref(), expr) {
                return v;
            }
        }
        // An object, or objects of one type built in several places (a field that two
        // constructors set): its type's methods, called on each of them.
        let typed = match &receiver {
            Value::Object(o) => Some(o.ty.clone()),
            v => v.objects_type().map(|ty| Some(ty.to_owned())),
        };
        if let Some(ty) = typed {
            let args = self.eval_args(&mc.args);
            if PASS_THROUGH.contains(&method.as_str()) {
                return receiver;
            }
            if method == "to_string" {
                if let Some(v) = self.display_value(&receiver) {
                    return v;
                }
            }
            if let Some(fi) = self.resolve_fn(&method, None, true, ty.as_deref()) {
                return self.call_method(fi, &receiver, args, mc, expr, value_unused);
            }
            if ty.is_none() {
                self.record_trait_calls(&method, &args, expr);
            }
            return Value::Opaque(self.hole_for(expr));
        }
        let receiver = match receiver {
            Value::Conn(_) => Value::Unknown,
            v => v,
        };
        if let Some(v) = self.value_method(receiver.clone(), mc, &method, root.as_ref(), expr) {
            return v;
        }
        if self.cx.mentions_redis[self.file] {
            if let Some(v) = self.command_on_unknown_receiver(mc, &method, expr) {
                return v;
            }
        }
        let args = self.eval_args(&mc.args);
        for a in &args {
            self.escape(a);
        }
        // Of a receiver of unknown type, the crate's one method of that name only when the
        // arguments fit it (`config.get("prefix")` is not the crate's `get(&self, bucket, key)`),
        // and no type that code holds without naming it has a method of that name too
        // (`seen.insert(k, v)` is a map's, not the crate's only `insert`).
        let fits = |fi: usize| self.cx.index.fn_def(fi).sig.inputs.len() == args.len() + 1;
        let guess = !foreign_methods::is_foreign_method(&method);
        if let Some(fi) = guess
            .then(|| self.resolve_fn(&method, None, true, None))
            .flatten()
            .filter(|&fi| fits(fi))
        {
            let v = self.call_method(fi, &receiver, args, mc, expr, value_unused);
            if !matches!(v, Value::Unknown) {
                return v;
            }
        } else {
            self.record_trait_calls(&method, &args, expr);
        }
        let hole = self.hole_for(expr);
        let detail = format!(
            "`{}` is the result of `.{method}()`, a method slotlint does not follow (of another crate, or a trait's)",
            hole.name
        );
        Value::Opaque(hole.because("method call", detail))
    }

    /// `(enum, variant)` for a `Type::Variant` (or `Self::Variant`) path naming a variant of an
    /// enum of the crate.
    pub(super) fn enum_variant_of(&self, path: &syn::Path) -> Option<(String, String)> {
        let (owner, name) = crate::index::owner_and_name(path, self.self_ty.as_deref())?;
        self.cx
            .index
            .is_variant(&owner, &name)
            .then_some((owner, name))
    }

    /// A `Type::Variant` (or `Self::Variant`) path naming a variant of an enum of the crate.
    pub(super) fn variant(&self, path: &syn::Path) -> Option<Value<'a>> {
        self.enum_variant_of(path).map(|(ty, v)| {
            Value::Object(ObjectInfo {
                ty: Some(ty),
                fields: Some(std::rc::Rc::new(Default::default())),
                id: None,
                variant: Some(v),
                home: None,
            })
        })
    }

    /// Call a closure once with these arguments.
    pub(super) fn call_closure(
        &mut self,
        c: &'a syn::ExprClosure,
        args: Vec<Value<'a>>,
    ) -> Value<'a> {
        self.push_scope();
        let mut args = args.into_iter();
        for p in &c.inputs {
            let v = args.next().unwrap_or(Value::Unknown);
            self.bind_pattern(p, v);
        }
        let result = self.eval(&c.body);
        self.pop_scope();
        result
    }

    /// A method of the crate called on `receiver`.
    fn call_method(
        &mut self,
        fi: usize,
        receiver: &Value<'a>,
        args: Vec<Value<'a>>,
        mc: &'a syn::ExprMethodCall,
        expr: &'a Expr,
        value_unused: bool,
    ) -> Value<'a> {
        let arg_exprs: Vec<&'a Expr> = mc.args.iter().collect();
        self.builder_effects(fi, &args, &arg_exprs, expr);
        let fields_known = |v: &Value<'a>| matches!(v, Value::Object(o) if o.fields.is_some());
        // A receiver whose fields are known here can tell the method its keys; of several, the
        // call once, on whichever of them the receiver is (known to the method as all of them).
        let known = match receiver {
            Value::OneOf(alternatives, _) => alternatives
                .iter()
                .any(fields_known)
                .then(|| receiver.clone()),
            _ => Some(self.receiver_object(receiver, mc)).filter(fields_known),
        };
        self.push_call(Callee::Fn(fi), &args, known, expr);
        if value_unused {
            return Value::Unknown;
        }
        let receiver_hole = self.hole_for(&*mc.receiver);
        let call_id = self.hole_for(expr).id;
        if let Value::OneOf(alternatives, arms) = receiver {
            let values = alternatives
                .iter()
                .map(|alternative| {
                    let this = self.receiver_object(alternative, mc);
                    let v = self.call_summary_on(
                        fi,
                        args.clone(),
                        Some((receiver_hole.clone(), this)),
                        call_id.clone(),
                    );
                    self.relocated(v, expr)
                })
                .collect();
            return match one_of_arms(values, arms.clone()) {
                Value::Unknown => Value::Opaque(self.hole_for(expr)),
                v => v,
            };
        }
        let this = self.receiver_object(receiver, mc);
        let v = self.call_summary_on(fi, args, Some((receiver_hole, this)), call_id);
        let v = self.relocated(v, expr);
        if matches!(v, Value::Unknown) {
            return Value::Opaque(self.hole_for(expr));
        }
        v
    }

    /// A method's receiver as the object its `self` is: with an identity (the receiver's
    /// place) when it has none.
    fn receiver_object(&self, receiver: &Value<'a>, mc: &'a syn::ExprMethodCall) -> Value<'a> {
        match receiver {
            Value::Object(o) => Value::Object(ObjectInfo {
                id: o
                    .id
                    .clone()
                    .or_else(|| Some(self.hole_for(&*mc.receiver).id)),
                ..o.clone()
            }),
            Value::Opaque(h) => Value::Object(ObjectInfo {
                id: Some(h.id.clone()),
                ..ObjectInfo::of(None)
            }),
            _ => Value::Object(ObjectInfo {
                id: Some(self.hole_for(&*mc.receiver).id),
                ..ObjectInfo::of(None)
            }),
        }
    }

    /// Whether `expr` is the call whose value the statement being walked drops (asked once,
    /// before its receiver and arguments, which are other calls).
    fn value_unused_of(&mut self, expr: &'a Expr) -> bool {
        self.value_unused
            .take()
            .is_some_and(|dropped| std::ptr::eq(dropped, expr))
    }

    /// Call a function of the crate: its summary with the parameters replaced by `args`.
    /// `call` is the call's identity: values the callee computes itself are those of this call.
    pub(super) fn call_summary(
        &mut self,
        fn_index: usize,
        args: Vec<Value<'a>>,
        call: HoleId,
    ) -> Value<'a> {
        self.call_summary_on(fn_index, args, None, call)
    }

    fn call_summary_on(
        &mut self,
        fn_index: usize,
        args: Vec<Value<'a>>,
        receiver: Option<(Hole, Value<'a>)>,
        call: HoleId,
    ) -> Value<'a> {
        let Some(summary) = self.summary(fn_index) else {
            return Value::Unknown;
        };
        let has_self = self.cx.index.fn_def(fn_index).has_self();
        // `self.f` in the callee is the receiver's field `f` at the call: its value where the
        // receiver is known, else a hole of the receiver.
        let mut fields: HashMap<HoleId, Value<'a>> = HashMap::new();
        let (receiver_id, receiver_name) = match &receiver {
            Some((h, Value::Object(o))) => {
                for id in receiver_holes(&summary) {
                    let v = self.receiver_value(o, &id);
                    if let Some(v) = v {
                        fields.insert(id, v);
                    }
                }
                (o.id.clone().unwrap_or_else(|| h.id.clone()), h.name.clone())
            }
            Some((h, _)) => (h.id.clone(), h.name.clone()),
            None => (HoleId::SelfField("".into()), "self".into()),
        };
        let has_receiver = receiver.is_some();
        // One pass: a caller's argument may itself hold the caller's `self` fields.
        let substitute = |args: &[Value<'a>]| {
            summary.substitute(&|h| {
                if has_receiver {
                    if let Some(v) = fields.get(&h.id) {
                        return Some(v.clone());
                    }
                    if let Some(id) = super::fields::rebase(&h.id, &receiver_id) {
                        let name = match &h.id {
                            HoleId::SelfField(path) => format!("{receiver_name}.{path}"),
                            _ => h.name.clone(),
                        };
                        return Some(Value::Opaque(Hole {
                            id,
                            name,
                            ..h.clone()
                        }));
                    }
                }
                if h.id.is_local_to(fn_index as u32) {
                    return Some(Value::Opaque(Hole {
                        id: HoleId::AtCall {
                            call: Box::new(call.clone()),
                            inner: Box::new(h.id.clone()),
                        },
                        ..h.clone()
                    }));
                }
                param_value(h, fn_index, has_self, args)
            })
        };
        let value = substitute(&args);
        if !matches!(value, Value::Unknown) || !args.iter().any(|a| matches!(a, Value::OneOf(..))) {
            return value;
        }
        // The arguments' alternatives times the summary's are too many to keep: those arguments
        // are run-time values of this call, and the text the function adds stays known.
        let names = param_names(self.cx.index.fn_def(fn_index));
        let offset = usize::from(has_self);
        let args: Vec<Value<'a>> = args
            .iter()
            .enumerate()
            .map(|(i, a)| match a {
                Value::OneOf(..) => {
                    let index = (i + offset) as u32;
                    let inner = HoleId::Param {
                        func: fn_index as u32,
                        index,
                    };
                    let name = names.get(i + offset).cloned().unwrap_or_default();
                    let detail = format!(
                        "`{name}` may take more values at this call than slotlint keeps apart"
                    );
                    Value::Opaque(
                        Hole::new(
                            HoleId::AtCall {
                                call: Box::new(call.clone()),
                                inner: Box::new(inner),
                            },
                            name,
                        )
                        .because("alternatives", detail),
                    )
                }
                a => a.clone(),
            })
            .collect();
        substitute(&args)
    }

    /// `obj.a.b` for a field path `a.b`.
    /// The value of a hole of `self` (see [`receiver_holes`]) on receiver `o`, when `o`'s fields
    /// tell it: a field path, or what a constructor was given to build a field's value.
    fn receiver_value(&mut self, o: &ObjectInfo<'a>, id: &HoleId) -> Option<Value<'a>> {
        match id {
            HoleId::SelfField(path) if path.is_empty() => Some(Value::Object(o.clone())),
            HoleId::SelfField(path) => self.read_path(o, path),
            HoleId::Field { base, path } => match self.receiver_value(o, base)? {
                Value::Object(b) => self.read_path(&b, path),
                _ => None,
            },
            HoleId::Instance { base, func, index } => match self.receiver_value(o, base)? {
                Value::Object(b) => self.constructor_arg(&b, *func as usize, *index),
                _ => None,
            },
            _ => None,
        }
    }

    fn read_path(&mut self, obj: &ObjectInfo<'a>, path: &str) -> Option<Value<'a>> {
        let mut parts = path.split('.');
        let mut v = self.read_field(obj, parts.next()?, "")?;
        for part in parts {
            v = match v {
                Value::Object(o) => self.read_field(&o, part, "")?,
                _ => return None,
            };
        }
        Some(v)
    }

    /// The value a function returns, in terms of its parameters (memoized).
    pub(super) fn summary(&mut self, fn_index: usize) -> Option<Value<'a>> {
        if self.at_depth_limit() {
            return None;
        }
        let cached = self
            .cx
            .summaries
            .borrow()
            .get(&fn_index)
            .and_then(|m| m.at(self.summary_depth));
        match cached {
            Some(Some(v)) => return Some(v),
            // In progress (recursion) or failed.
            Some(None) => return None,
            None => {}
        }
        self.cx
            .summaries
            .borrow_mut()
            .insert(fn_index, Memo::in_progress(None));
        let cuts = self.depth_cuts();
        let def = self.cx.index.fn_def(fn_index);
        crate::timings::count(crate::timings::Work::Summaries);
        let mut interp = Interp::new(self.cx, def.file, fn_index, false, self.summary_depth + 1);
        interp.bind_params(def);
        let tail = interp.walk_block(def.block);
        let value = interp.returns.drain(..).fold(tail, Value::join);
        // A body slotlint cannot read, with a declared tag that the `slotlint::key` macro
        // checks at compile time: trust the declaration.
        let value = match value {
            Value::Str(_) | Value::OneOf(..) => value,
            other => declared_key(fn_index, def)
                .or_else(|| self.group_key(fn_index))
                .unwrap_or(other),
        };
        let memo = self.memo(Some(value.clone()), cuts);
        self.cx.summaries.borrow_mut().insert(fn_index, memo);
        Some(value)
    }

    /// A method call on a receiver of unknown type that no single function of the crate fits:
    /// through a trait (`dyn Cache`, a generic) it may reach any `impl Trait for T` method of
    /// that name and arity. Recorded by name; the functions waiting for their callers' keys
    /// take it when the calling file names their trait (see `UnitContext::facts`). The call's
    /// value stays unknown.
    fn record_trait_calls(&mut self, method: &str, args: &[Value<'a>], call: &'a Expr) {
        self.push_call(Callee::Method(method.into()), args, None, call);
    }

    pub(super) fn record_call(&mut self, callee: usize, args: &[Value<'a>], call: &'a Expr) {
        self.push_call(Callee::Fn(callee), args, None, call);
    }

    fn push_call(
        &mut self,
        callee: Callee,
        args: &[Value<'a>],
        receiver: Option<Value<'a>>,
        call: &'a Expr,
    ) {
        if self.emit && self.context.is_none() {
            let span = self.span_of(call.node_span());
            let text = self.short_text(call);
            self.calls.push(CallRecord {
                caller: self.func.unwrap_or(usize::MAX),
                callee,
                args: args.to_vec(),
                file: self.file,
                span,
                text,
                origin: None,
                receiver,
            });
        }
    }

    /// A function of a `#[slotlint::colocated]` group whose body slotlint cannot read: the macro
    /// proved it uses the group's tag, so take the tag from a member slotlint can read
    /// (parameters matched by name, as the macro does).
    fn group_key(&mut self, fn_index: usize) -> Option<Value<'a>> {
        let group = self.cx.index.fn_def(fn_index).group?;
        // A group is an impl block or a module: its functions are in one file.
        let siblings: Vec<usize> = self
            .cx
            .index
            .fns_in_file(group.0)
            .filter(|(i, f)| *i != fn_index && f.group == Some(group))
            .map(|(i, _)| i)
            .collect();
        let mine = param_names(self.cx.index.fn_def(fn_index));
        for sib in siblings {
            // The sibling's summary with its own parameter holes (no caller substitution).
            let sib_params = param_names(self.cx.index.fn_def(sib));
            let Some(Value::Str(p)) = self.summary(sib) else {
                continue;
            };
            let Some(tag) = p.hash_tag() else { continue };
            let mut ok = true;
            let mapped = tag.substitute(&mut |h| {
                let HoleId::Param { func, index } = h.id else {
                    return None;
                };
                if func as usize != sib {
                    return None;
                }
                let name = sib_params.get(index as usize)?;
                match mine.iter().position(|n| n == name) {
                    Some(j) => Some(KeyPattern::hole(Hole::new(
                        HoleId::Param {
                            func: fn_index as u32,
                            index: j as u32,
                        },
                        name.clone(),
                    ))),
                    None => {
                        ok = false;
                        None
                    }
                }
            });
            let foreign = mapped
                .holes()
                .any(|h| matches!(h.id, HoleId::Param { func, .. } if func as usize == sib));
            if !ok || foreign {
                continue;
            }
            let mut key = KeyPattern::literal("{");
            key.push_pattern(&mapped);
            key.push_text("}");
            key.push_hole(Hole::new(
                HoleId::Declared {
                    func: fn_index as u32,
                },
                format!("{}…", self.cx.index.fn_def(fn_index).name),
            ));
            return Some(Value::Str(key));
        }
        None
    }

    /// A pipeline, command or script built by a function of the crate and returned: its keys'
    /// positions are in that function; show them at the call instead.
    pub(super) fn relocated(&self, value: Value<'a>, call: &'a Expr) -> Value<'a> {
        let (span, text) = (self.span_of(call.node_span()), self.text_of(call));
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

    /// A builder handed somewhere the evaluator cannot follow is configured there.
    pub(super) fn escape(&mut self, v: &Value<'a>) {
        if let Value::ClusterBuilder(file, span) = v {
            self.out.builder_escapes.push((*file, *span));
        }
    }

    /// A function's tail value escapes to its caller.
    pub(super) fn escape_tail(&mut self, block: &'a syn::Block) {
        if let Some(syn::Stmt::Expr(e, None)) = block.stmts.last() {
            if let Some(v) = Self::place(e).and_then(|p| self.lookup_place(&p)) {
                self.escape(&v);
            }
        }
    }
}

/// Methods that give back their receiver (or a guard or reference to it).
const PASS_THROUGH: &[&str] = &[
    "clone",
    "as_ref",
    "as_mut",
    "borrow",
    "borrow_mut",
    "deref",
    "deref_mut",
    "to_owned",
    "lock",
    "read",
    "write",
    "unwrap",
    "expect",
];

/// The holes of a value that the receiver decides: `self` field paths (`config.prefix` for
/// `self.config.prefix`), and constructor arguments seen through a field of `self`.
fn receiver_holes(v: &Value<'_>) -> Vec<HoleId> {
    let mut out: Vec<HoleId> = Vec::new();
    let mut add = |p: &slotlint_keys::KeyPattern| {
        for h in p.holes() {
            let of_receiver = match &h.id {
                HoleId::SelfField(path) => !path.is_empty(),
                id => super::fields::of_self(id),
            };
            if of_receiver && !out.contains(&h.id) {
                out.push(h.id.clone());
            }
        }
    };
    fn walk(v: &Value<'_>, add: &mut dyn FnMut(&slotlint_keys::KeyPattern)) {
        match v {
            Value::Opaque(h) => add(&slotlint_keys::KeyPattern::hole(h.clone())),
            Value::Str(p) => add(p),
            Value::List(items) | Value::OneOf(items, _) => items.iter().for_each(|i| walk(i, add)),
            Value::Each(inner) => walk(inner, add),
            Value::Pipe(state) => {
                for c in &state.commands {
                    match c {
                        super::value::PendingCommand::Ready(cmd) => cmd
                            .keys
                            .iter()
                            .flat_map(|k| k.patterns())
                            .for_each(&mut *add),
                        super::value::PendingCommand::Raw { args, .. } => {
                            args.iter().for_each(|a| walk(&a.value, add))
                        }
                    }
                }
            }
            Value::Script(state) => state
                .keys
                .iter()
                .flat_map(|k| k.patterns())
                .for_each(&mut *add),
            Value::Object(o) => {
                if let Some(fields) = &o.fields {
                    fields.values().for_each(|f| walk(f, add));
                }
            }
            _ => {}
        }
    }
    walk(v, &mut add);
    out
}

/// A callee's value with its parameters replaced by the caller's arguments (`args` do not hold
/// `self`; parameter positions count it).
pub(super) fn substitute_params<'a>(
    v: &Value<'a>,
    fn_index: usize,
    has_self: bool,
    args: &[Value<'a>],
) -> Value<'a> {
    v.substitute(&|h| param_value(h, fn_index, has_self, args))
}

/// The caller's value for a parameter hole of function `fn_index`.
fn param_value<'a>(
    h: &Hole,
    fn_index: usize,
    has_self: bool,
    args: &[Value<'a>],
) -> Option<Value<'a>> {
    let arg = |index: u32| -> Option<&Value<'a>> {
        let i = index as usize;
        let i = if has_self { i.checked_sub(1)? } else { i };
        args.get(i)
    };
    match &h.id {
        HoleId::Param { func, index } if *func as usize == fn_index => arg(*index).cloned(),
        HoleId::ParamElement { func, index } if *func as usize == fn_index => match arg(*index)? {
            Value::Each(inner) => Some((**inner).clone()),
            Value::List(items) if items.len() == 1 => Some(items[0].clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The key a `#[slotlint::key(tag = "user:{id}")]` function builds, as far as the declaration
/// says: `{user:<id>}` followed by text slotlint does not know.
fn declared_key<'a>(fn_index: usize, def: &crate::index::FnDef<'_>) -> Option<Value<'a>> {
    use slotlint_keys::format_string::{self, ArgRef, Piece};
    let tag = slotlint_syntax::key_attr::declared_tag(def.attrs)?;
    let pieces = format_string::parse(&tag.value()).ok()?;
    let params = param_names(def);
    let mut key = KeyPattern::literal("{");
    for piece in pieces {
        match piece {
            Piece::Text(t) => key.push_text(&t),
            Piece::Placeholder {
                arg: ArgRef::Name(n),
                ..
            } => {
                let i = params.iter().position(|p| *p == n)?;
                key.push_hole(Hole::new(
                    HoleId::Param {
                        func: fn_index as u32,
                        index: i as u32,
                    },
                    n,
                ));
            }
            Piece::Placeholder { .. } => return None,
        }
    }
    key.push_text("}");
    key.push_hole(Hole::new(
        HoleId::Declared {
            func: fn_index as u32,
        },
        format!("{}…", def.name),
    ));
    Some(Value::Str(key))
}

/// A key built in another function, shown at the call that brought it here.
pub(super) fn relocate_key(k: &mut KeyArg, span: Span, text: &str) {
    k.span = span;
    k.text = text.to_owned();
}

/// A command built in another function, shown at the call that brought it here.
pub(super) fn relocate_command(c: &mut super::value::PendingCommand<'_>, span: Span, text: &str) {
    use super::value::PendingCommand;
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
