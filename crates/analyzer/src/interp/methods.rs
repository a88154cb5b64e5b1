//! The standard library's string, `Option` and collection methods as they act on key values:
//! methods that keep the text or elements (`to_string`, `iter`, `collect` …), that transform them
//! (`replace`, `join`, `split`, `push_str`, `map` with a closure or a function of the crate …),
//! and whether `map` iterates or maps an `Option`.
//!
//! Not here: methods of redis types (`builders`, `redis`), methods of the crate's own types
//! (`calls`).

use syn::Expr;

use slotlint_keys::{Hole, HoleId, KeyPattern};

use super::value::{one_of, Value};
use super::Interp;

/// Methods of strings, options and collections that give back the same text or elements.
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

/// Methods whose receiver is certainly an iterator or a collection being iterated.
const ITERATOR_METHODS: &[&str] = &[
    "iter",
    "into_iter",
    "iter_mut",
    "drain",
    "keys",
    "values",
    "values_mut",
    "chars",
    "bytes",
    "lines",
    "split",
    "split_whitespace",
    "windows",
    "chunks",
    "zip",
    "enumerate",
    "filter",
    "filter_map",
    "flat_map",
    "skip",
    "take",
    "rev",
    "chain",
    "cloned",
    "copied",
    "peekable",
    "step_by",
    "map",
];

impl<'c, 'a> Interp<'c, 'a> {
    /// Methods of strings, options and collections that keep or transform key values.
    pub(super) fn value_method(
        &mut self,
        receiver: Value<'a>,
        mc: &'a syn::ExprMethodCall,
        method: &str,
        root: Option<&super::bindings::Place>,
        expr: &'a Expr,
    ) -> Option<Value<'a>> {
        match (&receiver, method) {
            (Value::Str(_) | Value::List(_) | Value::Each(_) | Value::OneOf(..), m)
                if SAME.contains(&m) =>
            {
                self.eval_args(&mc.args);
                Some(receiver)
            }
            (Value::Opaque(_), m) if SAME.contains(&m) && m != "unwrap" && m != "expect" => {
                self.eval_args(&mc.args);
                Some(receiver)
            }
            (Value::Opaque(_), "unwrap" | "expect") => Some(receiver),
            // `itoa::Buffer::format(n)` (and `ryu`'s): the number's text. A literal argument is
            // a format pattern (`chrono`'s `date.format("%Y")`), not the value.
            (Value::Opaque(_) | Value::Unknown, "format")
                if mc.args.len() == 1 && !matches!(mc.args[0], Expr::Lit(_)) =>
            {
                Some(self.eval(&mc.args[0]))
            }
            // `key.to_string().write_redis_args(out)` inside a `ToRedisArgs` impl.
            (Value::Str(_), "write_redis_args") if mc.args.len() == 1 => {
                let out = Self::place(&mc.args[0]);
                if let (Some(out), Value::List(mut items)) = (out.as_ref(), self.eval(&mc.args[0]))
                {
                    items.push(receiver.clone());
                    self.store(out, Value::List(items));
                }
                Some(Value::Unknown)
            }
            (
                Value::Str(_) | Value::OneOf(..),
                "push_str" | "push" | "write_str" | "write_char",
            ) => {
                let arg = mc.args.first().map(|a| self.eval(a));
                if let (Some(root), Some(v)) = (root, arg.and_then(|a| concat(&receiver, &a))) {
                    self.store(root, v);
                }
                Some(Value::Unknown)
            }
            (Value::Str(p), "replace" | "replacen") if mc.args.len() >= 2 => {
                let from = self.eval(&mc.args[0]);
                let to = self.eval(&mc.args[1]);
                Some(replace(p, &from, &to).unwrap_or_else(|| Value::Opaque(self.hole_for(expr))))
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
            // A `ToRedisArgs` impl writing its argument: `out.write_arg(&bytes)`.
            (Value::List(items), "write_arg" | "write_arg_fmt") => {
                let v = mc
                    .args
                    .first()
                    .map(|a| self.eval(a))
                    .unwrap_or(Value::Unknown);
                let v = match self.display_value(&v) {
                    Some(written) => written,
                    None if matches!(v, Value::Object(_)) || v.objects_type().is_some() => {
                        Value::Unknown
                    }
                    None => bytes_as_text(v),
                };
                if let Some(root) = root {
                    let mut items = items.clone();
                    items.push(v);
                    self.store(root, Value::List(items));
                }
                Some(Value::Unknown)
            }
            (Value::List(items), "extend" | "append" | "extend_from_slice") => {
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
                "map_or_else" | "map_or" | "and_then" | "unwrap_or_else" | "or_else" | "then"
                | "then_some" | "map",
            ) if !is_iteration(&receiver, &mc.receiver) => {
                // `Option`/`Result` (or `bool::then`): the closure runs at most once.
                let mut result = Value::Unknown;
                let keeps_receiver = matches!(method, "unwrap_or_else" | "or_else");
                for a in &mc.args {
                    let v = match self.eval(a) {
                        Value::Closure(c) => {
                            let arg = if c.inputs.is_empty() {
                                Value::Unknown
                            } else {
                                receiver.clone()
                            };
                            self.apply_closure_once(c, arg)
                        }
                        Value::FnRef(fi) => {
                            let call = self.hole_for(expr).id;
                            self.call_summary(fi, vec![receiver.clone()], call)
                        }
                        other => other,
                    };
                    result = result.join(v);
                }
                if keeps_receiver {
                    result = receiver.join(result);
                }
                if matches!(result, Value::Unknown) {
                    result = Value::Opaque(self.hole_for(expr));
                }
                Some(result)
            }
            (_, "map" | "filter_map" | "flat_map" | "for_each")
                if matches!(mc.args.last(), Some(Expr::Closure(_) | Expr::Path(_))) =>
            {
                // `map(String::as_str)`, `map(Into::into)`: a std method that keeps the text.
                let keeps_text = matches!(mc.args.last(), Some(Expr::Path(p))
                    if p.path.segments.len() >= 2
                        && p.path.segments.last().is_some_and(|s| SAME.contains(&s.ident.to_string().as_str())));
                let f = if keeps_text {
                    Value::Unknown
                } else {
                    self.eval(mc.args.last()?)
                };
                let apply = |this: &mut Self, element: Value<'a>| -> Option<Value<'a>> {
                    Some(match &f {
                        _ if keeps_text => element,
                        Value::Closure(c) => this.apply_closure(c, element),
                        Value::FnRef(fi) => this.apply_fn(*fi, element),
                        _ => return None,
                    })
                };
                if matches!(receiver, Value::Str(_)) {
                    return None;
                }
                let for_each = method == "for_each";
                Some(match receiver {
                    Value::List(items) if items.len() <= 16 => {
                        let mut out = Vec::new();
                        for v in items {
                            out.push(apply(self, v)?);
                        }
                        if for_each {
                            Value::Unknown
                        } else {
                            Value::List(out)
                        }
                    }
                    Value::Each(inner) => {
                        let out = apply(self, *inner)?;
                        if for_each {
                            Value::Unknown
                        } else {
                            Value::Each(Box::new(out))
                        }
                    }
                    Value::Opaque(h) => {
                        let name = match mc.args.last() {
                            Some(Expr::Closure(c)) => c
                                .inputs
                                .first()
                                .map(|p| self.text_of(p))
                                .unwrap_or_default(),
                            _ => h.name.clone(),
                        };
                        // An element of a run-time value is unknown for the same reason.
                        let element = Value::Opaque(Hole {
                            why: h.why.clone(),
                            ..Hole::new(HoleId::ElementOf(Box::new(h.id.clone())), name)
                        });
                        let out = apply(self, element)?;
                        if for_each {
                            Value::Unknown
                        } else {
                            Value::Each(Box::new(out))
                        }
                    }
                    _ => {
                        if let Value::Closure(c) = f {
                            self.walk_closure_body(c);
                        }
                        Value::Opaque(self.hole_for(expr))
                    }
                })
            }
            _ => None,
        }
    }

    /// A function of the crate applied to each element (`ids.iter().map(doc_key)`).
    fn apply_fn(&mut self, fi: usize, element: Value<'a>) -> Value<'a> {
        let element = match element {
            Value::Unknown => Value::Opaque(Hole::new(
                HoleId::Element {
                    scope: self.scope_id.clone(),
                    at: fi as u32,
                },
                "element",
            )),
            v => v,
        };
        let ids = super::hole_ids(&element);
        let one = element.single_element();
        let call = HoleId::Element {
            scope: self.scope_id.clone(),
            at: fi as u32,
        };
        let result = self.call_summary(fi, vec![one], call);
        result.mark_per_element(&|h| ids.contains(&h.id))
    }
}

/// `a + b`, `s.push_str(b)`: text joined, when one side is text.
pub(super) fn concat<'a>(left: &Value<'a>, right: &Value<'a>) -> Option<Value<'a>> {
    if !matches!(left, Value::Str(_) | Value::OneOf(..)) && !matches!(right, Value::Str(_)) {
        return None;
    }
    let mut alts = Vec::new();
    for l in left.alternatives() {
        for r in right.alternatives() {
            alts.push(Value::Str(l.as_pattern()?.concat(&r.as_pattern()?)));
        }
    }
    Some(one_of(alts))
}

/// `template.replace("{queue}", ns)`: the literal placeholder text replaced by a value.
fn replace<'a>(p: &KeyPattern, from: &Value<'a>, to: &Value<'a>) -> Option<Value<'a>> {
    let from = match from {
        Value::Str(f) => f.as_literal()?,
        _ => return None,
    };
    if from.is_empty() {
        return None;
    }
    let mut alts = Vec::new();
    for to in to.alternatives() {
        let to = to.as_pattern()?;
        let mut out = KeyPattern::new();
        for seg in p.segments() {
            match seg {
                slotlint_keys::Segment::Text(t) => {
                    let mut rest = t.as_str();
                    while let Some(i) = rest.find(&from) {
                        out.push_text(&rest[..i]);
                        out.push_pattern(&to);
                        rest = &rest[i + from.len()..];
                    }
                    out.push_text(rest);
                }
                slotlint_keys::Segment::Hole(h) => out.push_hole(h.clone()),
            }
        }
        alts.push(Value::Str(out));
    }
    Some(one_of(alts))
}

/// Whether `map` on this receiver iterates (a collection, or an iterator chain) rather than
/// mapping an `Option`/`Result`.
fn is_iteration(receiver: &Value<'_>, expr: &Expr) -> bool {
    if matches!(receiver, Value::List(_) | Value::Each(_)) {
        return true;
    }
    match slotlint_syntax::strip::strip_refs(expr) {
        Expr::MethodCall(m) => ITERATOR_METHODS.contains(&m.method.to_string().as_str()),
        Expr::Range(_) => true,
        _ => false,
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

/// A key built as bytes (`Vec<u8>` filled with `extend_from_slice` and `push(b':')`, then
/// written with `write_arg`): its pieces joined into one text.
pub(super) fn bytes_as_text(v: Value<'_>) -> Value<'_> {
    match v {
        Value::List(items) if !items.is_empty() => {
            let mut out = KeyPattern::new();
            for item in &items {
                match item.as_pattern() {
                    Some(p) => out.push_pattern(&p),
                    None => return Value::List(items),
                }
            }
            Value::Str(out)
        }
        v => v,
    }
}
