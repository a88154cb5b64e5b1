//! The field model: what a field of a type of the crate holds, from every place the crate gives
//! it a value — struct literals in constructors (`Keys { running: format!("{ns}:running") }`),
//! `self.f = …` in builder methods, commands a method adds to a field's pipeline — with each
//! constructor's parameters as holes that every field one instance was built with shares
//! (`self.keys.running` and `self.keys.done` hold the same `ns`). Enum variants are types of
//! their own here (`Change::SetAdd`, fields `0`, `1`…): a payload matched out of a value built
//! elsewhere is what the crate builds that variant with. Also a type's `Display`.
//!
//! Not here: reading fields of values whose fields are known where they were built (an
//! [`ObjectInfo`] with `fields`), which needs no model.

use std::rc::Rc;

use slotlint_keys::{Hole, HoleId};

use crate::index::{FnOwner, FnsFound};
use crate::module_path;

use super::value::{one_of_arms, Arms, ObjectInfo, Value};
use super::{Interp, Memo};

/// Values a function gives to fields: (type, field, value in terms of the function's
/// parameters).
pub(super) type Captures<'a> = Rc<Vec<(String, String, Value<'a>)>>;

/// What one field holds: per function that gives it a value, that value.
pub(super) type FieldModel<'a> = Rc<Vec<(usize, Value<'a>)>>;

impl<'c, 'a> Interp<'c, 'a> {
    /// The value of field `field` of `obj`: set where the object was built, or from the field
    /// model of its type, seen through the object's identity. `None` when nothing is known.
    pub(super) fn read_field(
        &mut self,
        obj: &ObjectInfo<'a>,
        field: &str,
        _text: &str,
    ) -> Option<Value<'a>> {
        if let Some(v) = obj.fields.as_ref().and_then(|f| f.get(field)) {
            return Some(v.clone());
        }
        let ty = obj.ty.clone()?;
        let model = self.field_model(&ty, field, obj.home)?;
        if model.is_empty() {
            return None;
        }
        let base = obj.id.clone().unwrap_or(HoleId::SelfField("".into()));
        let values: Vec<Value<'a>> = model
            .iter()
            .map(|(func, v)| match self.through_instance(v, *func, &base) {
                // An object the constructor was given: that argument, through this instance.
                Value::Object(mut o) => {
                    if let Some(HoleId::Param { func: f, index }) = o.id {
                        if f as usize == *func {
                            o.id = Some(HoleId::Instance {
                                base: Box::new(base.clone()),
                                func: f,
                                index,
                            });
                        }
                    }
                    Value::Object(o)
                }
                v => v,
            })
            .collect();
        if values.len() == 1 {
            return values.into_iter().next();
        }
        if values.iter().all(|v| matches!(v, Value::Pipe(_))) {
            // Commands added by several methods: all of them, not all seen in one place.
            return values.into_iter().reduce(|a, b| match a.join(b) {
                Value::Pipe(mut p) => {
                    p.complete = false;
                    Value::Pipe(p)
                }
                other => other,
            });
        }
        let labels = model
            .iter()
            .map(|(func, _)| format!("the value `{}` gives it", self.fn_display(*func)))
            .collect::<Vec<_>>();
        let arms = Arms {
            // Fields of one instance come from the same constructor.
            choice: HoleId::Field {
                base: Box::new(base),
                path: "#built-by".into(),
            },
            selectors: vec![None; labels.len()],
            labels,
        };
        match one_of_arms(values.clone(), Some(Rc::new(arms))) {
            Value::Unknown => values.into_iter().reduce(Value::join),
            v => Some(v),
        }
    }

    /// A value a function gave a field, as seen through one instance: the function's
    /// parameters become holes of that instance, `self` fields its fields.
    fn through_instance(&self, v: &Value<'a>, func: usize, base: &HoleId) -> Value<'a> {
        let what = self.fn_display(func);
        v.substitute(&|h: &Hole| match &h.id {
            HoleId::Param { func: f, index } if *f as usize == func => {
                let hole = Hole::new(
                    HoleId::Instance {
                        base: Box::new(base.clone()),
                        func: func as u32,
                        index: *index,
                    },
                    h.name.clone(),
                );
                let detail = format!(
                    "`{}` is what `{what}` was given to build this value, and slotlint does not see that call",
                    h.name
                );
                Some(Value::Opaque(hole.because("constructor argument", detail)))
            }
            HoleId::SelfField(_) => rebase(&h.id, base).map(|id| Value::Opaque(Hole { id, ..h.clone() })),
            _ => None,
        })
    }

    /// What constructor `func` was given as parameter `index` to build `obj`, whose fields are
    /// known: the field it stored that parameter in as it was.
    pub(super) fn constructor_arg(
        &mut self,
        obj: &ObjectInfo<'a>,
        func: usize,
        index: u32,
    ) -> Option<Value<'a>> {
        let fields = obj.fields.clone()?;
        let ty = obj.ty.clone()?;
        let param = HoleId::Param {
            func: func as u32,
            index,
        };
        for (name, value) in fields.iter() {
            let Some(model) = self.field_model(&ty, name, obj.home) else {
                continue;
            };
            let stored = model.iter().any(|(f, v)| {
                *f == func
                    && match v {
                        Value::Opaque(h) => h.id == param,
                        Value::Str(p) => {
                            matches!(p.segments(), [slotlint_keys::Segment::Hole(h)] if h.id == param)
                        }
                        _ => false,
                    }
            });
            if stored {
                return Some(value.clone());
            }
        }
        None
    }

    /// Every value the crate gives field `field` of type `ty`, per function (memoized). `home`:
    /// the file that defines the object's type, when the place that named it says.
    fn field_model(
        &mut self,
        ty: &str,
        field: &str,
        home: Option<usize>,
    ) -> Option<FieldModel<'a>> {
        if self.at_depth_limit() {
            return None;
        }
        let cx = self.cx;
        // The object's own type when the place that named it said which; else the `ty` of the
        // file that reads it (its module's own, or the one its `use` names).
        // A variant's payload (`Slot::Lane`'s `0`) is its enum's: the enum says which module's.
        let (owner, is_variant) = match ty.split_once("::") {
            Some((owner, _)) => (owner, true),
            None => (ty, false),
        };
        let home = home.or_else(|| self.type_home(owner));
        let key = (ty.to_owned(), field.to_owned(), home);
        let cached = self.cx.field_models.borrow().get(&key).cloned();
        if let Some(cached) = cached.and_then(|m| m.at(self.summary_depth)) {
            return cached;
        }
        // In progress (a method that reads the field it fills): not known yet.
        self.cx
            .field_models
            .borrow_mut()
            .insert(key.clone(), Memo::in_progress(None));
        let cuts = self.depth_cuts();
        // Test code gives no values to other code unless it is checked (as it passes no keys):
        // a test's `Config { prefix: "{t}:" }` says nothing about the service's keys, and a
        // type built by a hundred tests would be walked a hundred times.
        let walked = |f: usize| cx.test.passes_keys || !cx.in_test_fn(f);
        let mut sources: Vec<usize> = cx
            .index
            .builders(ty, &walked, cx.test.passes_keys, home)
            .to_vec();
        // Methods that may change the field: those taking `&mut self` (or `mut self`).
        for (i, def) in self.cx.index.fns_of_type(ty) {
            if def.self_ty.as_deref() == Some(ty) && mutates_self(def.sig) && !sources.contains(&i)
            {
                sources.push(i);
            }
        }
        // A builder of another module's `ty` gives this one nothing: not walked. Another module's
        // is the one its file defines, or (the object's home known) the one its `use` names: a
        // copy of a module that builds its own `Config` gives the original's fields nothing.
        // Without a home, any `ty` that has the field may be meant. (Of a variant: its enum.)
        // Whether `written`, a type as builder `f`'s file writes it, names another module's.
        let names_another = |f: usize, written: &[String]| match home {
            Some(home) if !cx.index.in_inline_mod(f) => {
                let file = cx.index.fn_def(f).file;
                self.type_home_in(file, cx.scope(file), written)
                    .is_some_and(|named| named != home)
            }
            _ => false,
        };
        let others = |f: usize| {
            let file = cx.index.fn_def(f).file;
            if cx.index.builds_own_type(f, owner) {
                return home.is_some_and(|h| h != file)
                    || !is_variant && !cx.index.type_has_field(file, ty, field);
            }
            home.is_some_and(|h| h != file) && names_another(f, &[owner.to_owned()])
        };
        // A builder whose literals of `ty` leave the field out gives it nothing (walked for a
        // field it does give, it is walked once for all of them: captures are memoized); nor
        // does one whose literals are written with a path naming another module's `ty`
        // (`alpha::Shelf { .. }`).
        let gives = |f: usize| {
            let def = cx.index.fn_def(f);
            // A variant's path without the variant is its enum's (`alpha::Slot`).
            let another = |path: &[String]| {
                let written = match is_variant {
                    true => &path[..path.len().saturating_sub(1)],
                    false => path,
                };
                written.len() > 1 && names_another(f, written)
            };
            def.self_ty.as_deref() == Some(ty)
                && def.has_self()
                && cx.index.may_change_self_field(f, field, true)
                || cx.index.may_give_field(f, ty, field, &another, true)
        };
        sources.retain(|&f| walked(f) && !others(f) && gives(f));
        let mut model = Vec::new();
        for func in sources {
            for (t, f, v) in self.captures(func).iter() {
                if t == ty && f == field && !matches!(v, Value::Unknown) {
                    model.push((func, v.clone()));
                }
            }
        }
        // A deserialized field: what the crate gives it when the input has none.
        if let Some(func) = self.serde_default_fn(ty, field) {
            if let Some(v) = self.summary(func).filter(|v| !matches!(v, Value::Unknown)) {
                model.push((func, v));
            }
        }
        let model = Some(Rc::new(model));
        let memo = self.memo(model.clone(), cuts);
        self.cx.field_models.borrow_mut().insert(key, memo);
        model
    }

    /// The file whose module defines the `ty` this file names: its own module's (a module's own
    /// name shadows any import), else the one its `use` names (`use
    /// crate::engine::ctx::ActiveCtx;`: the one file of that module defining it at its scope).
    /// `None` when neither is found (no import, a re-export, a glob).
    pub(super) fn type_home(&self, ty: &str) -> Option<usize> {
        self.type_home_of(&[ty.to_owned()])
    }

    /// [`Self::type_home`] of a type as this file writes it: `Shelf`, or a path
    /// (`super::alpha::Shelf`, `alpha::Shelf` with `use super::alpha;`) that says the module.
    pub(super) fn type_home_of(&self, written: &[String]) -> Option<usize> {
        self.type_home_in(self.file, &self.scope, written)
    }

    /// [`Self::type_home_of`] for a type written in file `file`, whose `use` items `scope` holds
    /// (a struct's field type, read where its file is not the reader's).
    pub(super) fn type_home_in(
        &self,
        file: usize,
        scope: &crate::scope::Scope,
        written: &[String],
    ) -> Option<usize> {
        let cx = self.cx;
        let (ty, module) = written.split_last()?;
        if module.is_empty() && cx.index.defines_own_type(file, ty) {
            return Some(file);
        }
        // A bare name leads somewhere only through the file's `use` items.
        if module.is_empty() && scope.import_path(ty).is_none() {
            return None;
        }
        let full = scope.full_names(written);
        let module_of = |file: usize| cx.module_of(file);
        let (_, path) = full.split_last()?;
        let module = module_path::resolve(&module_of(file)?, path)?;
        cx.index.type_defined_in(ty, &module, &module_of)
    }

    /// The function of `#[serde(default = "path")]` on field `field` of `ty`: `path`'s last
    /// name, a free function or one of `ty`'s, the one in the struct's file first.
    fn serde_default_fn(&self, ty: &str, field: &str) -> Option<usize> {
        let (file, path) = self.cx.index.serde_default(ty, field)?;
        let name = path.rsplit("::").next()?;
        let owner = if path.contains("::") {
            FnOwner::OfOrFree(ty)
        } else {
            FnOwner::Any
        };
        match self
            .cx
            .index
            .fn_unique_or_local(name, owner, Some(false), &[file])
        {
            FnsFound::One(i) => Some(i),
            FnsFound::Many(here) => here.into_iter().find(|&i| {
                let def = self.cx.index.fn_def(i);
                def.file == file && def.self_ty.as_deref().is_none_or(|t| t == ty)
            }),
            FnsFound::None => None,
        }
    }

    /// What a function gives to fields: the struct literals it evaluates and, for a method,
    /// the fields of `self` it changes (memoized).
    fn captures(&mut self, func: usize) -> Captures<'a> {
        let cached = self.cx.captures.borrow().get(&func).cloned();
        if let Some(c) = cached.and_then(|m| m.at(self.summary_depth)) {
            return c;
        }
        self.cx
            .captures
            .borrow_mut()
            .insert(func, Memo::in_progress(Rc::new(Vec::new())));
        let cuts = self.depth_cuts();
        let def = self.cx.index.fn_def(func);
        crate::timings::count(crate::timings::Work::BuilderWalks);
        let mut walker = Interp::new(self.cx, def.file, func, false, self.summary_depth + 1);
        walker.captures = Some(Vec::new());
        walker.bind_params(def);
        walker.walk_block(def.block);
        let mut found = walker.captures.take().unwrap_or_default();
        if let (Some(ty), true) = (&def.self_ty, def.has_self()) {
            if let Some(Value::Object(o)) = walker.lookup("self").map(|b| b.value.clone()) {
                for (f, v) in o.fields.iter().flat_map(|m| m.iter()) {
                    found.push((ty.clone(), f.clone(), v.clone()));
                }
            }
        }
        let found = Rc::new(found);
        let memo = self.memo(found.clone(), cuts);
        self.cx.captures.borrow_mut().insert(func, memo);
        found
    }

    /// A struct literal's fields, recorded while capturing.
    pub(super) fn capture_struct(
        &mut self,
        ty: &Option<String>,
        fields: &std::collections::BTreeMap<String, Value<'a>>,
    ) {
        let (Some(captures), Some(ty)) = (self.captures.as_mut(), ty) else {
            return;
        };
        for (f, v) in fields {
            captures.push((ty.clone(), f.clone(), v.clone()));
        }
    }

    /// `obj.to_string()`, `format!("{obj}")` for a type of the crate with a `Display` impl: what
    /// its `fmt` writes, with the object's fields.
    pub(super) fn display(&mut self, obj: &ObjectInfo<'a>) -> Option<Value<'a>> {
        match self.written_by(obj, "fmt", Value::str(""))? {
            v @ (Value::Str(_) | Value::OneOf(..))
                if v.as_pattern().is_none_or(|p| !p.segments().is_empty()) =>
            {
                Some(v)
            }
            _ => None,
        }
    }

    /// [`Self::display`] of a value: an object, or objects of one type built in several places
    /// (each written as its fields say). `None` for anything else, or when a `Display` is not
    /// known.
    pub(super) fn display_value(&mut self, v: &Value<'a>) -> Option<Value<'a>> {
        match v {
            Value::Object(o) => self.display(o),
            Value::OneOf(alternatives, arms) if v.objects_type().is_some() => {
                let written: Option<Vec<Value<'a>>> = alternatives
                    .iter()
                    .map(|alternative| match alternative {
                        Value::Object(o) => self.display(o),
                        _ => None,
                    })
                    .collect();
                match one_of_arms(written?, arms.clone()) {
                    Value::Unknown => None,
                    written => Some(written),
                }
            }
            _ => None,
        }
    }

    /// A value passed to redis as an argument: an object of a type of the crate is what its
    /// `ToRedisArgs` impl writes (`fn write_redis_args`: one `out.write_arg(..)`), looked into
    /// collections and branches. Anything else is itself.
    pub(super) fn as_redis_arg(&mut self, v: Value<'a>) -> Value<'a> {
        match v {
            Value::Object(o) => self.redis_args(&o).unwrap_or(Value::Object(o)),
            Value::List(items) => {
                Value::List(items.into_iter().map(|i| self.as_redis_arg(i)).collect())
            }
            Value::Each(inner) => Value::Each(Box::new(self.as_redis_arg(*inner))),
            Value::OneOf(alts, arms) => Value::OneOf(
                alts.into_iter().map(|a| self.as_redis_arg(a)).collect(),
                arms,
            ),
            v => v,
        }
    }

    /// What `impl ToRedisArgs for T` writes for this object, when it writes one argument.
    fn redis_args(&mut self, obj: &ObjectInfo<'a>) -> Option<Value<'a>> {
        match self.written_by(obj, "write_redis_args", Value::List(Vec::new()))? {
            Value::List(mut written) if written.len() == 1 => {
                let v = written.pop()?;
                v.as_pattern().is_some_and(|p| p.has_text()).then_some(v)
            }
            _ => None,
        }
    }

    /// What the method `method(&self, out)` of the object's type leaves in its second
    /// parameter (`fmt`'s formatter, `write_redis_args`' output), starting from `empty`.
    fn written_by(
        &mut self,
        obj: &ObjectInfo<'a>,
        method: &str,
        empty: Value<'a>,
    ) -> Option<Value<'a>> {
        let ty = obj.ty.as_deref()?;
        let func = self.cx.index.method_of(ty, method)?;
        if self.at_depth_limit() {
            return None;
        }
        let def = self.cx.index.fn_def(func);
        let out = match def.sig.inputs.iter().nth(1)? {
            syn::FnArg::Typed(pt) => match &*pt.pat {
                syn::Pat::Ident(pi) => pi.ident.to_string(),
                _ => return None,
            },
            syn::FnArg::Receiver(_) => return None,
        };
        let mut walker = Interp::new(self.cx, def.file, func, false, self.summary_depth + 1);
        walker.bind_params(def);
        walker.bind("self".into(), Value::Object(obj.clone()));
        walker.bind(out.clone(), empty);
        walker.walk_block(def.block);
        walker.lookup(&out).map(|b| b.value.clone())
    }

    /// `Keys::new`, `new`: how a function is named in messages.
    pub(super) fn fn_display(&self, func: usize) -> String {
        let def = self.cx.index.fn_def(func);
        match &def.self_ty {
            Some(t) => format!("{t}::{}", def.name),
            None => def.name.clone(),
        }
    }
}

/// A hole of `self`'s fields (or of an instance seen through `self`) moved onto another base:
/// what `self.x` of a method is for the object the method is called on.
pub(super) fn rebase(id: &HoleId, base: &HoleId) -> Option<HoleId> {
    match id {
        HoleId::SelfField(path) if path.is_empty() => Some(base.clone()),
        HoleId::SelfField(path) => Some(match base {
            HoleId::SelfField(b) if b.is_empty() => HoleId::SelfField(path.clone()),
            HoleId::SelfField(b) => HoleId::SelfField(format!("{b}.{path}").into()),
            _ => HoleId::Field {
                base: Box::new(base.clone()),
                path: path.clone(),
            },
        }),
        HoleId::Field { base: inner, path } => Some(HoleId::Field {
            base: Box::new(rebase(inner, base)?),
            path: path.clone(),
        }),
        HoleId::Instance {
            base: inner,
            func,
            index,
        } => Some(HoleId::Instance {
            base: Box::new(rebase(inner, base)?),
            func: *func,
            index: *index,
        }),
        _ => None,
    }
}

/// Whether a hole is a value of `self`: a field path of it, or a constructor argument seen
/// through one.
pub(super) fn of_self(id: &HoleId) -> bool {
    match id {
        HoleId::SelfField(_) => true,
        HoleId::Instance { base, .. } | HoleId::Field { base, .. } => of_self(base),
        _ => false,
    }
}

/// A method that can change `self`: `&mut self` or `mut self`.
fn mutates_self(sig: &syn::Signature) -> bool {
    match sig.inputs.first() {
        Some(syn::FnArg::Receiver(r)) => r.mutability.is_some(),
        _ => false,
    }
}
