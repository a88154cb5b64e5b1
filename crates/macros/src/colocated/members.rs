//! Which functions of a `#[slotlint::colocated]` group are its members, and which expressions
//! call a member.
//!
//! A member is a function that builds a key, whatever its name: one that carries
//! `#[slotlint::key]`, or one whose result (its tail expression or a `return`) is a string
//! literal, a `format!`/`format_args!`/`concat!`, or a call to a member, possibly through the
//! forms the reader follows (`let`, `&`, `.to_string()`, `String::from`, `+`, `if`, `match`).
//! Functions named in `exclude = "…"` are never members. Nothing else is looked at: a method
//! that returns a `u64` or `Self` is not a member, one that returns `format!("user #{}", …)` is.

use std::collections::HashMap;

use syn::visit::Visit;
use syn::{Block, Expr, Lit, Signature, Stmt};

use crate::check::Declared;
use crate::read::{is_text_conversion, is_text_wrapper, strip, Returns};

/// A function of the group (a member or not).
pub(crate) struct GroupFn<'a> {
    pub(crate) sig: &'a Signature,
    pub(crate) block: &'a Block,
    /// The type of the `impl` the function is in (its last path segment), `None` for a free
    /// function of a module.
    pub(crate) impl_ty: Option<String>,
    /// What its own `#[slotlint::key(…)]` declares, if it has one.
    pub(crate) key_attr: Option<Declared>,
}

impl GroupFn<'_> {
    pub(crate) fn name(&self) -> String {
        self.sig.ident.to_string()
    }

    fn has_self(&self) -> bool {
        matches!(self.sig.inputs.first(), Some(syn::FnArg::Receiver(_)))
    }
}

/// Why a function without `#[slotlint::key]` is a member: what its result is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BuildsKey {
    Literal,
    Format(String),
    Call(String),
}

impl BuildsKey {
    pub(crate) fn describe(&self) -> String {
        match self {
            BuildsKey::Literal => "a string literal".to_owned(),
            BuildsKey::Format(name) => format!("a `{name}!`"),
            BuildsKey::Call(name) => format!("what the member `{name}` returns"),
        }
    }
}

/// A call from one function of the group to another.
pub(crate) struct Call<'e> {
    pub(crate) callee: usize,
    pub(crate) receiver: Option<&'e Expr>,
    pub(crate) args: Vec<&'e Expr>,
}

/// The function `expr` calls, among `fns`, as called from `fns[caller]`: `self.f(..)`,
/// `Self::f(..)`, `Type::f(..)` (the `impl`'s type), `f(..)` and `self::f(..)` (a free
/// function of the module).
pub(crate) fn resolve_call<'e>(fns: &[GroupFn], caller: usize, expr: &'e Expr) -> Option<Call<'e>> {
    let find = |impl_ty: Option<&str>, name: &str| {
        fns.iter()
            .position(|f| f.impl_ty.as_deref() == impl_ty && f.sig.ident == name)
    };
    match expr {
        Expr::MethodCall(call) => {
            let Expr::Path(receiver) = strip(&call.receiver) else {
                return None;
            };
            if !receiver.path.is_ident("self") {
                return None;
            }
            let impl_ty = fns[caller].impl_ty.as_deref()?;
            let callee = find(Some(impl_ty), &call.method.to_string())?;
            fns[callee].has_self().then(|| Call {
                callee,
                receiver: Some(&call.receiver),
                args: call.args.iter().collect(),
            })
        }
        Expr::Call(call) => {
            let Expr::Path(func) = &*call.func else {
                return None;
            };
            if func.qself.is_some() {
                return None;
            }
            let segments: Vec<String> = func
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            let callee = match segments.iter().map(String::as_str).collect::<Vec<_>>()[..] {
                [name] | ["self", name] => find(None, name)?,
                ["Self", name] => find(Some(fns[caller].impl_ty.as_deref()?), name)?,
                [ty, name] => find(Some(ty), name)?,
                _ => return None,
            };
            let mut args: Vec<&Expr> = call.args.iter().collect();
            let receiver = if fns[callee].has_self() {
                if args.is_empty() {
                    return None;
                }
                Some(args.remove(0))
            } else {
                None
            };
            Some(Call {
                callee,
                receiver,
                args,
            })
        }
        _ => None,
    }
}

/// The members among `fns`: those with `#[slotlint::key]`, and those not excluded whose
/// result is a key, found until no more are (a call to a member makes a member). Each with
/// why it is one (`None`: its own attribute).
pub(crate) fn members(fns: &[GroupFn], excluded: &[bool]) -> Vec<Option<Option<BuildsKey>>> {
    let mut found: Vec<Option<Option<BuildsKey>>> = fns
        .iter()
        .map(|f| f.key_attr.as_ref().map(|_| None))
        .collect();
    loop {
        let mut changed = false;
        for i in 0..fns.len() {
            if found[i].is_some() || excluded[i] {
                continue;
            }
            let is_member = |e: &Expr| {
                resolve_call(fns, i, e)
                    .filter(|call| found[call.callee].is_some())
                    .map(|call| fns[call.callee].name())
            };
            if let Some(why) = returns_key(fns[i].block, &is_member) {
                found[i] = Some(Some(why));
                changed = true;
            }
        }
        if !changed {
            return found;
        }
    }
}

/// What makes the result of `block` (its tail expression, or a `return`) a key, if it is one.
fn returns_key(block: &Block, member_call: &dyn Fn(&Expr) -> Option<String>) -> Option<BuildsKey> {
    let mut locals: HashMap<String, &Expr> = HashMap::new();
    let mut returns = Returns::default();
    let mut tail = None;
    let last = block.stmts.len().saturating_sub(1);
    for (i, stmt) in block.stmts.iter().enumerate() {
        match stmt {
            Stmt::Local(local) => {
                if let (Some(name), Some(init)) = (local_name(&local.pat), &local.init) {
                    locals.insert(name, &init.expr);
                    returns.visit_expr(&init.expr);
                }
            }
            Stmt::Expr(expr, semi) => {
                returns.visit_expr(expr);
                if i == last && semi.is_none() {
                    tail = Some(expr.clone());
                }
            }
            Stmt::Macro(m) if i == last && m.semi_token.is_none() => {
                tail = Some(Expr::Macro(syn::ExprMacro {
                    attrs: m.attrs.clone(),
                    mac: m.mac.clone(),
                }));
            }
            Stmt::Macro(_) | Stmt::Item(_) => {}
        }
    }
    tail.into_iter()
        .chain(returns.found)
        .find_map(|e| key_form(&e, &locals, member_call, 0))
}

fn local_name(pat: &syn::Pat) -> Option<String> {
    match pat {
        syn::Pat::Ident(p) => Some(p.ident.to_string()),
        syn::Pat::Type(t) => local_name(&t.pat),
        _ => None,
    }
}

/// Whether `expr` is a key by its form (see the module's documentation).
fn key_form(
    expr: &Expr,
    locals: &HashMap<String, &Expr>,
    member_call: &dyn Fn(&Expr) -> Option<String>,
    depth: usize,
) -> Option<BuildsKey> {
    if depth > 16 {
        return None;
    }
    let again = |e: &Expr| key_form(e, locals, member_call, depth + 1);
    if let Some(name) = member_call(expr) {
        return Some(BuildsKey::Call(name));
    }
    match expr {
        Expr::Lit(lit) => matches!(lit.lit, Lit::Str(_)).then_some(BuildsKey::Literal),
        Expr::Macro(m) => {
            let name = m.mac.path.segments.last()?.ident.to_string();
            matches!(name.as_str(), "format" | "format_args" | "concat")
                .then_some(BuildsKey::Format(name))
        }
        Expr::Paren(e) => again(&e.expr),
        Expr::Group(e) => again(&e.expr),
        Expr::Reference(e) => again(&e.expr),
        Expr::Return(r) => again(r.expr.as_deref()?),
        Expr::MethodCall(call) if is_text_conversion(call) => again(&call.receiver),
        Expr::Call(call) if call.args.len() == 1 && is_text_wrapper(&call.func) => {
            again(&call.args[0])
        }
        Expr::Binary(bin) if matches!(bin.op, syn::BinOp::Add(_)) => {
            again(&bin.left).or_else(|| again(&bin.right))
        }
        Expr::Block(b) => returns_key(&b.block, member_call),
        Expr::If(e) => returns_key(&e.then_branch, member_call)
            .or_else(|| e.else_branch.as_ref().and_then(|(_, other)| again(other))),
        Expr::Match(m) => m.arms.iter().find_map(|arm| again(&arm.body)),
        Expr::Path(p) => again(locals.get(&p.path.get_ident()?.to_string())?),
        _ => None,
    }
}
