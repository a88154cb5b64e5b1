//! Names of the crate's items: which function a call means and the value of a constant, when
//! several items share a name (a helper `fn inner` nested in two functions, a private
//! `const` per module).
//!
//! Not here: what a call of that function gives (`calls`), the index of items (`crate::index`).

use super::value::Value;
use super::Interp;
use crate::index::{ConstDef, FnOwner, FnsFound};
use crate::module_path;

impl<'c, 'a> Interp<'c, 'a> {
    /// The crate function a call means, when exactly one matches. Several functions may share
    /// a name (a helper `fn inner` nested in two functions, a private helper per module): the
    /// one nested in the calling function is meant (the innermost), else the one of its file.
    pub(super) fn resolve_fn(
        &self,
        name: &str,
        qualifier: Option<&str>,
        method: bool,
        receiver_ty: Option<&str>,
    ) -> Option<usize> {
        // The one function that fits; of several, the nearest ([`Self::nearest`]), `Err` when
        // none is.
        // Of several, only those of this file and the caller's can be the nearest: the index
        // need not parse every other file that may define one.
        let local: Vec<usize> = std::iter::once(self.file)
            .chain(self.func.map(|f| self.cx.index.fn_def(f).file))
            .collect();
        let pick = |owner: FnOwner<'_>| match self.cx.index.fn_unique_or_local(
            name,
            owner,
            Some(method),
            &local,
        ) {
            FnsFound::None => Ok(None),
            FnsFound::One(i) => Ok(Some(i)),
            // A method called on a value of unknown type: any of them, or none (`get` of a
            // `HashMap` next to the crate's own `get`); the nearest is no better a guess.
            FnsFound::Many(_) if method && receiver_ty.is_none() => Err(()),
            FnsFound::Many(here) => self
                .nearest(&here)
                .or_else(|| self.of_imported(name, owner, method))
                .map(Some)
                .ok_or(()),
        };
        let found = pick(match (qualifier, receiver_ty) {
            (Some(q), _) => FnOwner::OfOrFree(q),
            (None, Some(t)) => FnOwner::Of(t),
            (None, None) if method => FnOwner::Any,
            // A bare path (`lane(..)`, `.map(key)`) names no function of an `impl` or `trait`:
            // those are named through their type (`Self::lane`).
            (None, None) => FnOwner::Free,
        });
        match found {
            Ok(Some(i)) => Some(i),
            Err(()) => None,
            // The type may keep a default method of a trait of the crate.
            Ok(None) if receiver_ty.is_some() => pick(FnOwner::InTrait).ok().flatten(),
            Ok(None) => None,
        }
    }

    /// Of several functions `name` in several modules (two `Keys` types each with a `ready`, a
    /// `lane()` helper per module), the one of the module the calling file's `use` items say:
    /// - `keys.ready()`, `Keys::ready(..)` with `use crate::alpha::Keys;`: `Keys`'s method in
    ///   `src/alpha.rs` (or `src/alpha/mod.rs`);
    /// - `alpha::lane()`: the free function of module `alpha` (as imported, else a module of
    ///   this one);
    /// - `lane()` with `use crate::alpha::lane;`: the one of module `alpha`.
    ///
    /// `None` when the path does not lead into the crate, or that module has not exactly one.
    fn of_imported(&self, name: &str, owner: FnOwner<'_>, method: bool) -> Option<usize> {
        let cx = self.cx;
        let module_of = |file: usize| cx.module_of(file);
        let from = module_of(self.file)?;
        let imported = |local: &str| self.scope.import_path(local).map(<[String]>::to_vec);
        // The module a `use` path ending in an item names, and the module path `path` names.
        let item_module = |full: Vec<String>| {
            let (_, path) = full.split_last()?;
            module_path::resolve(&from, path)
        };
        let only_one_in =
            |module: Vec<String>, owner: FnOwner<'_>| self.only_fn_in(&module, name, owner, method);
        match owner {
            FnOwner::Of(ty) => only_one_in(item_module(imported(ty)?)?, FnOwner::Of(ty)),
            FnOwner::OfOrFree(q) => {
                // `q` a type (its module is where the path leads), else a module.
                let path = imported(q).unwrap_or_else(|| vec![q.to_owned()]);
                item_module(path)
                    .and_then(|module| only_one_in(module, FnOwner::Of(q)))
                    .or_else(|| self.fn_of_module_path(&[q.to_owned()], name, FnOwner::Free))
            }
            FnOwner::Any | FnOwner::Free => {
                only_one_in(item_module(imported(name)?)?, FnOwner::Free)
            }
            FnOwner::InTrait => None,
        }
    }

    /// The function `name` of module `module` that `owner` admits, when it has exactly one (only
    /// that module's files are looked into).
    fn only_fn_in(
        &self,
        module: &[String],
        name: &str,
        owner: FnOwner<'_>,
        method: bool,
    ) -> Option<usize> {
        let cx = self.cx;
        let mut found = cx
            .index
            .fns_named_in(name, owner, Some(method), |f| {
                cx.module_of(f).as_deref() == Some(module)
            })
            .map(|(i, _)| i);
        match (found.next(), found.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }

    /// `device::key(..)`, `crate::store::key(..)`, `super::lane()` (a free function: `owner`
    /// `Free`), `device::Keys::of(..)` (`Of("Keys")`, `path` the module before the type): the
    /// function `name` of the module `path` names, when that module has exactly one. Functions
    /// of one name in several modules (a `get` per storage module) are told apart by the path.
    pub(super) fn fn_of_module_path(
        &self,
        path: &[String],
        name: &str,
        owner: FnOwner<'_>,
    ) -> Option<usize> {
        let module = self.module_of_path(path)?;
        self.only_fn_in(&module, name, owner, false)
    }

    /// `device::PREFIX`, `crate::keys::PREFIX`: the constant `name` of the module `path` names,
    /// when it defines exactly one (several modules may each define a `PREFIX` of their own).
    pub(super) fn const_of_module_path(
        &mut self,
        path: &[String],
        name: &str,
    ) -> Option<Value<'a>> {
        let module = self.module_of_path(path)?;
        let cx = self.cx;
        let defs = cx
            .index
            .consts_named_in(name, |f| cx.module_of(f).as_deref() == Some(&module[..]));
        match defs.as_slice() {
            [one] => self.const_def_value(name, one),
            _ => None,
        }
    }

    /// The module a path in this file names: its first name through the file's `use` items,
    /// else `crate`, `self`, `super` or a module of this one.
    fn module_of_path(&self, path: &[String]) -> Option<Vec<String>> {
        let from = self.cx.module_of(self.file)?;
        module_path::resolve(&from, &self.scope.full_names(path))
    }

    /// Of several functions of one name, the one nested deepest in the calling function, else
    /// the only one in its file.
    fn nearest(&self, candidates: &[usize]) -> Option<usize> {
        let index = &self.cx.index;
        // The braces' span: `Spanned::span` of a whole block would print it to tokens.
        let range = |i: usize| index.fn_def(i).block.brace_token.span.join().byte_range();
        let file = |i: usize| index.fn_def(i).file;
        if let Some(caller) = self.func {
            let outer = range(caller);
            let nested = candidates
                .iter()
                .copied()
                .filter(|&i| {
                    let r = range(i);
                    i != caller
                        && file(i) == file(caller)
                        && outer.start <= r.start
                        && r.end <= outer.end
                })
                .min_by_key(|&i| range(i).len());
            if nested.is_some() {
                return nested;
            }
        }
        match candidates
            .iter()
            .filter(|&&i| file(i) == self.file)
            .collect::<Vec<_>>()
            .as_slice()
        {
            [one] => Some(**one),
            _ => None,
        }
    }

    /// The value of a `const` or `static` named `name`. Modules may each define one of that
    /// name: the one of this file is meant; with none here (imported, or a parent module's),
    /// the value every definition agrees on.
    pub(super) fn const_value(&mut self, name: &str) -> Option<Value<'a>> {
        // This file's first: with one here, the others are not parsed.
        let file = self.file;
        let here = self.cx.index.consts_named_in(name, |f| f == file);
        let candidates = match here.as_slice() {
            [_] => here,
            _ => self.cx.index.consts_named(name),
        };
        let mut agreed: Option<Value<'a>> = None;
        for def in candidates {
            let v = self.const_def_value(name, def)?;
            match &agreed {
                // Compared as the text they give (numbers, strings, templates).
                Some(a) if a.as_pattern().is_none() || a.as_pattern() != v.as_pattern() => {
                    return None
                }
                _ => agreed = Some(v),
            }
        }
        agreed
    }

    /// The value of definition `def` of the constant `name` (memoized: a definition is where
    /// its expression is).
    fn const_def_value(&mut self, name: &str, def: &ConstDef<'a>) -> Option<Value<'a>> {
        let key = format!("{name}#{:p}", def.expr);
        if let Some(v) = self.cx.consts.borrow().get(&key) {
            return v.clone();
        }
        self.cx.consts.borrow_mut().insert(key.clone(), None);
        let mut interp = Interp::for_const(self.cx, def.file, name, false);
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
        self.cx.consts.borrow_mut().insert(key, value.clone());
        value
    }
}
