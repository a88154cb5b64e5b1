//! Effects of the crate's functions on what they receive by `&mut`: a pipeline, a script
//! invocation or a collection of keys filled by a helper (`add_ops(&mut p, id)`,
//! `push_keys(&mut keys)`), summarized once per function and applied at each call.
//!
//! Not here: the value a function returns (`calls`), builders' own methods (`builders`).

use super::spans::NodeSpan;
use syn::Expr;

use super::calls::{relocate_command, relocate_key, substitute_params};
use super::value::Value;
use super::{Interp, Memo};

impl<'c, 'a> Interp<'c, 'a> {
    /// A pipeline, script invocation or collection passed by `&mut` to a function of the crate
    /// (`add_ops(&mut p, id)`, `push_keys(&mut keys)`): what the function adds to it (its
    /// effects, summarized once) is added to the caller's value. Keys added there are shown at
    /// the call.
    pub(super) fn builder_effects(
        &mut self,
        fn_index: usize,
        args: &[Value<'a>],
        arg_exprs: &[&'a Expr],
        call: &'a Expr,
    ) {
        if !args
            .iter()
            .any(|a| matches!(a, Value::Pipe(_) | Value::Script(_) | Value::List(_)))
        {
            return;
        }
        let Some(effects) = self.effects(fn_index) else {
            return;
        };
        let has_self = self.cx.index.fn_def(fn_index).has_self();
        let (span, text) = (self.span_of(call.node_span()), self.text_of(call));
        for (position, added) in effects.iter() {
            let (Some(arg), Some(root)) = (
                args.get(*position),
                arg_exprs.get(*position).and_then(|e| Self::place(e)),
            ) else {
                continue;
            };
            let added = substitute_params(added, fn_index, has_self, args);
            let updated = match (arg.clone(), added) {
                (Value::Pipe(mut state), Value::Pipe(more)) => {
                    for mut cmd in more.commands {
                        relocate_command(&mut cmd, span, &text);
                        state.commands.push(cmd);
                    }
                    Value::Pipe(state)
                }
                (Value::Script(mut state), Value::Script(more)) if state.invocation => {
                    for mut k in more.keys {
                        relocate_key(&mut k, span, &text);
                        state.keys.push(k);
                    }
                    Value::Script(state)
                }
                (Value::List(mut items), Value::List(more)) => {
                    items.extend(more);
                    Value::List(items)
                }
                _ => continue,
            };
            self.store(&root, updated);
        }
    }

    /// What a function adds to the builders and collections it receives by `&mut`: per
    /// parameter position (not counting `self`), the commands, keys or elements it adds, in
    /// terms of its parameters. Computed once per function.
    fn effects(&mut self, fn_index: usize) -> Option<super::Effects<'a>> {
        if self.at_depth_limit() {
            return None;
        }
        let cached = self.cx.effects.borrow().get(&fn_index).cloned();
        if let Some(cached) = cached.and_then(|m| m.at(self.summary_depth)) {
            return cached;
        }
        // In progress (recursion): nothing known yet.
        self.cx
            .effects
            .borrow_mut()
            .insert(fn_index, Memo::in_progress(None));
        let cuts = self.depth_cuts();
        let def = self.cx.index.fn_def(fn_index);
        let mut callee = Interp::new(self.cx, def.file, fn_index, false, self.summary_depth + 1);
        callee.bind_params(def);
        let mut watched = Vec::new();
        let typed = def.sig.inputs.iter().filter_map(|i| match i {
            syn::FnArg::Typed(pt) => Some(pt),
            syn::FnArg::Receiver(_) => None,
        });
        for (position, pt) in typed.enumerate() {
            let syn::Pat::Ident(param) = &*pt.pat else {
                continue;
            };
            let name = param.ident.to_string();
            let start = match callee.lookup(&name).map(|b| &b.value) {
                Some(Value::Pipe(_)) => {
                    Value::Pipe(Box::new(super::value::PipeState::new(false, true)))
                }
                Some(Value::Script(s)) if s.invocation => {
                    Value::Script(Box::new(super::value::ScriptState {
                        invocation: true,
                        keys: Vec::new(),
                        complete: true,
                        source: None,
                    }))
                }
                _ if is_mut_ref(Some(&pt.ty)) && super::types::is_collection_type(&pt.ty) => {
                    Value::List(Vec::new())
                }
                _ => continue,
            };
            callee.bind(name.clone(), start);
            watched.push((position, name));
        }
        let effects = if watched.is_empty() {
            Vec::new()
        } else {
            callee.walk_block(def.block);
            watched
                .into_iter()
                .filter_map(|(position, name)| {
                    let v = callee.lookup(&name)?.value.clone();
                    let added = match &v {
                        Value::Pipe(p) => !p.commands.is_empty(),
                        Value::Script(s) => !s.keys.is_empty(),
                        Value::List(items) => !items.is_empty(),
                        _ => false,
                    };
                    added.then_some((position, v))
                })
                .collect()
        };
        let effects = Some(std::rc::Rc::new(effects));
        let memo = self.memo(effects.clone(), cuts);
        self.cx.effects.borrow_mut().insert(fn_index, memo);
        effects
    }
}

fn is_mut_ref(ty: Option<&syn::Type>) -> bool {
    matches!(ty, Some(syn::Type::Reference(r)) if r.mutability.is_some())
}
