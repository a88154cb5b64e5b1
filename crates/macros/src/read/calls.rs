//! Calls from one member of a `#[slotlint::colocated]` group to another: `self.profile_key()`,
//! `Self::profile_key(id)`, `profile_key(id)` in a module. The call reads as the callee's keys,
//! in the caller's terms: the callee's parameters are replaced by the call's arguments, and its
//! `self` by the call's receiver. Which expressions call which member is the group's business
//! ([`Callees`]); this module only substitutes.

use std::collections::HashSet;
use std::rc::Rc;

use proc_macro2::Span;
use quote::ToTokens;
use slotlint_keys::{Hole, KeyPattern};
use syn::Expr;

use super::{compact, place_path, strip, with_spec, Env, Fail, Key, Reader};

/// The functions a body may call and have read as keys: the members of its group.
pub(crate) trait Callees {
    /// The member `expr` calls, if it is a call to one.
    fn call<'e>(&self, expr: &'e Expr) -> Option<MemberCall<'e>>;
}

/// A call to a member.
pub(crate) struct MemberCall<'e> {
    pub(crate) name: String,
    /// What the callee's `self` is: the receiver of `x.key()`, or the first argument of
    /// `Self::key(x)`; `None` when the callee takes no `self`.
    pub(crate) receiver: Option<&'e Expr>,
    /// The arguments after the receiver.
    pub(crate) args: Vec<&'e Expr>,
    pub(crate) keys: CalleeKeys,
}

/// What reading the callee gave.
pub(crate) enum CalleeKeys {
    Read(Rc<ReadFn>),
    /// The callee could not be read: its own check reports why.
    Failed,
    /// The callee is being read when it is called: a recursive call.
    Recursive,
}

/// The keys a function builds, in its own terms (its parameters' names, `self`).
pub(crate) struct ReadFn {
    pub(crate) keys: Vec<Key>,
    /// Ids of the holes whose value depends on a parameter.
    pub(crate) rooted: HashSet<String>,
    /// Its parameters after `self`: the name each binds, if a plain name.
    pub(crate) inputs: Vec<Option<String>>,
}

/// `self.user.id:?` → (`self`, `.user.id`, `?`); `None` for a hole that is not a place.
pub(crate) fn split_place(id: &str) -> Option<(&str, &str, &str)> {
    let (path, spec) = match id.find(':') {
        Some(colon) => (&id[..colon], &id[colon + 1..]),
        None => (id, ""),
    };
    let (root, rest) = match path.find('.') {
        Some(dot) => (&path[..dot], &path[dot..]),
        None => (path, ""),
    };
    let is_name = |s: &str| {
        s.starts_with(|c: char| c == '_' || c.is_alphabetic())
            && s.chars().all(|c| c == '_' || c.is_alphanumeric())
    };
    let fields_ok = rest
        .split('.')
        .skip(1)
        .all(|f| is_name(f) || (!f.is_empty() && f.chars().all(|c| c.is_ascii_digit())));
    (is_name(root) && fields_ok).then_some((root, rest, spec))
}

/// The first and last token spans of `tokens`, for an error that underlines all of them.
pub(crate) fn token_range(tokens: impl ToTokens) -> (Span, Span) {
    let mut tokens = tokens.into_token_stream().into_iter();
    let first = tokens.next().map_or_else(Span::call_site, |t| t.span());
    let last = tokens.last().map_or(first, |t| t.span());
    (first, last)
}

impl Reader<'_> {
    /// The keys of a call to a member, in this function's terms.
    pub(super) fn member_call(
        &mut self,
        expr: &Expr,
        call: MemberCall<'_>,
        env: &Env,
    ) -> Result<Vec<Key>, Fail> {
        let callee = match &call.keys {
            CalleeKeys::Read(callee) => callee.clone(),
            CalleeKeys::Failed => return Err(Fail::Elsewhere),
            CalleeKeys::Recursive => {
                return Err(Fail::Unknown {
                    tokens: expr.to_token_stream(),
                    hint: Some(format!(
                        "`{}` calls itself back through this call, which is not followed",
                        call.name
                    )),
                })
            }
        };
        // A call with the wrong number of arguments: rustc says so.
        if call.args.len() != callee.inputs.len() {
            return Err(Fail::Elsewhere);
        }
        let (span, end) = token_range(expr);
        let mentions_params = self.params.mentioned_in(expr.to_token_stream());
        let mut keys = Vec::new();
        for key in &callee.keys {
            let mut failure = None;
            let pattern = key.pattern.substitute(&mut |hole| match self.argument_for(
                hole,
                &call,
                &callee,
                mentions_params,
                env,
            ) {
                Ok(pattern) => Some(pattern),
                Err(fail) => {
                    failure.get_or_insert(fail);
                    None
                }
            });
            if let Some(fail) = failure {
                return Err(fail);
            }
            keys.push(Key {
                pattern,
                span,
                end,
                direct: None,
            });
        }
        Ok(keys)
    }

    /// What a hole of the callee's key is at this call.
    fn argument_for(
        &mut self,
        hole: &Hole,
        call: &MemberCall<'_>,
        callee: &super::calls::ReadFn,
        mentions_params: bool,
        env: &Env,
    ) -> Result<KeyPattern, Fail> {
        let Some((root, rest, spec)) = split_place(crate::check::place(hole)) else {
            return Ok(self.callee_local(hole, call, callee, mentions_params));
        };
        let arg = if root == "self" {
            call.receiver
        } else {
            match callee
                .inputs
                .iter()
                .position(|p| p.as_deref() == Some(root))
            {
                Some(i) => Some(call.args[i]),
                None => return Ok(self.callee_local(hole, call, callee, mentions_params)),
            }
        };
        let Some(arg) = arg else {
            return Ok(KeyPattern::hole(hole.clone()));
        };
        let arg = strip(arg);
        if root != "self" && rest.is_empty() {
            return self.piece(arg, spec, env).map(|(pattern, _)| pattern);
        }
        match place_path(arg) {
            Some(place) => Ok(self.place_pattern(&format!("{place}{rest}"), spec, env)),
            None => {
                let rooted = self.params.mentioned_in(arg.to_token_stream());
                let id = with_spec(format!("{}{rest}", compact(arg.to_token_stream())), spec);
                Ok(self.hole(id, rooted))
            }
        }
    }

    /// A hole of the callee that is none of its parameters (a local it computed): a value of
    /// this call, which depends on this function's parameters if the callee's did on its own.
    fn callee_local(
        &mut self,
        hole: &Hole,
        call: &MemberCall<'_>,
        callee: &super::calls::ReadFn,
        mentions_params: bool,
    ) -> KeyPattern {
        let rooted = callee.rooted.contains(crate::check::place(hole)) && mentions_params;
        self.hole(
            format!("{}(…).{}", call.name, crate::check::place(hole)),
            rooted,
        )
    }
}
