//! Abstract values: what the evaluator knows about an expression without running it.
//!
//! Not here: how values are computed (the rest of `interp`), or judged (`rules`).

use std::collections::BTreeMap;
use std::rc::Rc;

use crate::sites::{ClientRef, CommandCall, KeyArg};
use crate::source::Span;
use slotlint_keys::{Hole, HoleId, KeyPattern};

/// A connection-like value (the receiver of commands).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnInfo {
    /// The client it comes from, when known.
    pub client: Option<ClientRef>,
    /// A parameter of the function walked (its index, counting `self`) whose declared type
    /// does not say which client: the callers' connections do.
    pub param: Option<u32>,
}

impl ConnInfo {
    pub fn unknown() -> ConnInfo {
        ConnInfo {
            client: None,
            param: None,
        }
    }

    pub fn of(cluster: Option<bool>, what: impl Into<String>) -> ConnInfo {
        ConnInfo {
            client: Some(ClientRef {
                cluster,
                what: what.into(),
            }),
            param: None,
        }
    }

    pub fn cluster(&self) -> Option<bool> {
        self.client.as_ref().and_then(|c| c.cluster)
    }
}

/// A client, pool or connection manager: what connections are taken from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientInfo {
    pub client: ClientRef,
    /// Where it was built (file, span), when the evaluator saw it: the construction fact.
    pub built_at: Option<(usize, Span)>,
    /// The expression it was read from, when not built here (`self.client`).
    pub source: String,
}

/// An argument given to a raw command (`.arg(x)`), kept until the command name tells which
/// arguments are keys.
#[derive(Clone, Debug)]
pub struct ArgItem<'a> {
    pub value: Value<'a>,
    pub span: Span,
    pub text: String,
    /// The argument expression, for `numkeys = keys.len()` heuristics.
    pub expr: Option<&'a syn::Expr>,
    /// A number known only at run time (`count`, `ms as u64`, `keys.len()`): never a keyword
    /// such as `STREAMS`, which tells where the keys of a command start.
    pub numeric: bool,
}

/// A command being built: raw arguments, or a method call already resolved.
#[derive(Clone, Debug)]
pub enum PendingCommand<'a> {
    Raw { args: Vec<ArgItem<'a>>, span: Span },
    Ready(CommandCall),
}

#[derive(Clone, Debug)]
pub struct PipeState<'a> {
    pub atomic: bool,
    pub cluster_pipeline: bool,
    pub commands: Vec<PendingCommand<'a>>,
    /// False when commands may have been added where the evaluator cannot see (a parameter).
    pub complete: bool,
    /// Set for the pipeline a `redis::transaction` closure receives.
    pub transaction: Option<usize>,
}

impl PipeState<'_> {
    pub fn new(cluster_pipeline: bool, complete: bool) -> Self {
        PipeState {
            atomic: false,
            cluster_pipeline,
            commands: Vec::new(),
            complete,
            transaction: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ScriptState {
    /// `Script::key` returns a new invocation; `ScriptInvocation::key` adds to itself.
    pub invocation: bool,
    pub keys: Vec<KeyArg>,
    pub complete: bool,
    pub source: Option<crate::sites::ScriptSource>,
}

/// An instance of a type of the crate (or a redis option type), with the values of its fields
/// when they are known (a struct literal, a constructor's result).
#[derive(Clone, Debug)]
pub struct ObjectInfo<'a> {
    /// The type's name (last path segment), when known.
    pub ty: Option<String>,
    /// Field values set where the evaluator saw it built.
    pub fields: Option<Rc<BTreeMap<String, Value<'a>>>>,
    /// Its identity, for the holes of fields read through it.
    pub id: Option<HoleId>,
    /// For a value of an enum of the crate built with a payload (`Key::User { id }`,
    /// `Key::Item(7)`): the variant; its payload is in `fields` (`"0"`, `"1"` for tuples).
    pub variant: Option<String>,
    /// The file whose module defines its type, when the place that named the type says which
    /// (`shelf: &Shelf` with `use super::alpha::Shelf`): field models of another module's
    /// struct of that name are not its.
    pub home: Option<usize>,
}

impl ObjectInfo<'_> {
    pub fn of(ty: Option<String>) -> Self {
        ObjectInfo {
            ty,
            fields: None,
            id: None,
            variant: None,
            home: None,
        }
    }
}

/// What is known about a value.
#[derive(Clone, Debug)]
pub enum Value<'a> {
    /// Text: a key or part of one (literal text and holes).
    Str(KeyPattern),
    Int(i64),
    /// A collection with known elements (array, tuple, `vec![..]`).
    List(Vec<Value<'a>>),
    /// A collection of unknown length whose elements are all like this one (their
    /// per-element holes differ between elements).
    Each(Box<Value<'a>>),
    /// One of several values, depending on which branch ran (`if`, `match`, helper arms), and
    /// what chooses the branch when the evaluator knows.
    OneOf(Vec<Value<'a>>, Option<Rc<Arms>>),
    /// A run-time value with an identity (a parameter, a field, a call result).
    Opaque(Hole),
    Conn(ConnInfo),
    /// A client or pool connections are taken from.
    Client(ClientInfo),
    /// A `ClusterClientBuilder` being configured: its identity is the span of the call that
    /// made it (file, span).
    ClusterBuilder(usize, Span),
    Pipe(Box<PipeState<'a>>),
    Cmd(Box<PendingCommand<'a>>),
    Script(Box<ScriptState>),
    Closure(&'a syn::ExprClosure),
    /// A function of the crate named as a value (`ids.iter().map(doc_key)`).
    FnRef(usize),
    /// An instance of a type known not to be a redis connection.
    Object(ObjectInfo<'a>),
    Unknown,
}

/// Branch values kept apart before they are given up as unknown.
pub const MAX_ALTERNATIVES: usize = 8;

/// Which branch each alternative of a [`Value::OneOf`] comes from, when one value chooses the
/// branch (the scrutinee of a `match`, the condition of an `if`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arms {
    /// The value that chooses: keys whose alternatives the same value chooses are taken
    /// together (the same arm for all of them).
    pub choice: HoleId,
    /// What selects each alternative: `true`/`false`, a variant name, a literal; `None` for
    /// "any other value".
    pub selectors: Vec<Option<String>>,
    /// Each alternative's arm, for messages.
    pub labels: Vec<String>,
}

impl Arms {
    /// The alternative a known choice selects.
    pub fn select(&self, value: &str) -> Option<usize> {
        self.selectors
            .iter()
            .position(|s| s.as_deref() == Some(value))
            .or_else(|| self.selectors.iter().position(Option::is_none))
    }
}

/// The text that selects an arm, for a value that is known: a literal, a number, a variant.
pub fn selector_of(v: &Value<'_>) -> Option<String> {
    match v {
        Value::Str(p) => p.as_literal(),
        Value::Int(n) => Some(n.to_string()),
        Value::Object(o) => o.variant.clone(),
        Value::Opaque(h) => h.value.clone(),
        _ => None,
    }
}

impl<'a> Value<'a> {
    pub fn str(text: &str) -> Value<'a> {
        Value::Str(KeyPattern::literal(text))
    }

    pub fn object(ty: Option<String>) -> Value<'a> {
        Value::Object(ObjectInfo::of(ty))
    }

    /// The value as key text: a pattern, with opaque values as holes.
    pub fn as_pattern(&self) -> Option<KeyPattern> {
        match self {
            Value::Str(p) => Some(p.clone()),
            Value::Int(n) => Some(KeyPattern::literal(n.to_string())),
            Value::Opaque(h) => Some(KeyPattern::hole(h.clone())),
            Value::List(items) if items.len() == 1 => items[0].as_pattern(),
            _ => None,
        }
    }

    /// The value's alternatives: itself, or each value of a [`Value::OneOf`].
    pub fn alternatives(&self) -> &[Value<'a>] {
        match self {
            Value::OneOf(alts, _) => alts,
            v => std::slice::from_ref(v),
        }
    }

    /// The type of a [`Value::OneOf`] whose alternatives are all objects of that one type
    /// (a field that several constructors set), not variants of an enum.
    pub fn objects_type(&self) -> Option<&str> {
        let Value::OneOf(alternatives, _) = self else {
            return None;
        };
        let mut types = alternatives.iter().map(|v| match v {
            Value::Object(o) if o.variant.is_none() => o.ty.as_deref(),
            _ => None,
        });
        let first = types.next()??;
        types.all(|t| t == Some(first)).then_some(first)
    }

    /// What chooses between the value's alternatives, when known.
    pub fn arms(&self) -> Option<&Rc<Arms>> {
        match self {
            Value::OneOf(_, arms) => arms.as_ref(),
            _ => None,
        }
    }

    /// Mark holes with these ids as varying per element.
    pub fn mark_per_element(&self, ids: &dyn Fn(&Hole) -> bool) -> Value<'a> {
        match self {
            Value::Str(p) => Value::Str(p.with_per_element(ids)),
            Value::Opaque(h) if ids(h) => Value::Opaque(Hole {
                per_element: true,
                ..h.clone()
            }),
            Value::List(items) => {
                Value::List(items.iter().map(|v| v.mark_per_element(ids)).collect())
            }
            Value::OneOf(items, arms) => Value::OneOf(
                items.iter().map(|v| v.mark_per_element(ids)).collect(),
                arms.clone(),
            ),
            Value::Each(inner) => Value::Each(Box::new(inner.mark_per_element(ids))),
            other => other.clone(),
        }
    }

    /// One element of a collection: no hole varies any more.
    pub fn single_element(&self) -> Value<'a> {
        match self {
            Value::Str(p) => Value::Str(p.without_per_element()),
            Value::Opaque(h) => Value::Opaque(Hole {
                per_element: false,
                ..h.clone()
            }),
            Value::List(items) => Value::List(items.iter().map(Value::single_element).collect()),
            Value::OneOf(items, arms) => Value::OneOf(
                items.iter().map(Value::single_element).collect(),
                arms.clone(),
            ),
            other => other.clone(),
        }
    }

    /// Replace holes (function parameters, `self` fields) by the caller's values.
    pub fn substitute(&self, f: &dyn Fn(&Hole) -> Option<Value<'a>>) -> Value<'a> {
        match self {
            Value::Opaque(h) => f(h).unwrap_or_else(|| self.clone()),
            Value::Str(p) => substitute_pattern(p, f),
            Value::List(items) => Value::List(items.iter().map(|v| v.substitute(f)).collect()),
            Value::OneOf(items, arms) => {
                // The caller knows what chooses the branch: only that arm remains.
                if let Some(arms) = arms {
                    let chosen = f(&Hole::new(arms.choice.clone(), ""))
                        .and_then(|v| selector_of(&v))
                        .and_then(|sel| arms.select(&sel));
                    if let Some(i) = chosen.filter(|&i| i < items.len()) {
                        return items[i].substitute(f);
                    }
                }
                let subs: Vec<Value<'a>> = items.iter().map(|v| v.substitute(f)).collect();
                let choice = arms.as_ref().map(|a| {
                    let id = match f(&Hole::new(a.choice.clone(), "")) {
                        Some(Value::Opaque(h)) => h.id,
                        _ => a.choice.clone(),
                    };
                    Rc::new(Arms {
                        choice: id,
                        ..(**a).clone()
                    })
                });
                one_of_arms(subs, choice)
            }
            Value::Each(inner) => Value::Each(Box::new(inner.substitute(f))),
            // Builders returned by a function: their keys use its parameters too.
            Value::Pipe(state) => {
                let mut state = state.clone();
                for c in &mut state.commands {
                    substitute_command(c, f);
                }
                Value::Pipe(state)
            }
            Value::Cmd(pending) => {
                let mut pending = pending.clone();
                substitute_command(&mut pending, f);
                Value::Cmd(pending)
            }
            Value::Script(state) => {
                let mut state = state.clone();
                substitute_keys(&mut state.keys, f);
                Value::Script(state)
            }
            // An object a function was given as it is (`Tracker { config }`): the caller's.
            Value::Object(ObjectInfo {
                fields: None,
                id: Some(id),
                ..
            }) if matches!(id, HoleId::Param { .. }) => match f(&Hole::new(id.clone(), "")) {
                Some(v @ Value::Object(_)) => v,
                _ => self.clone(),
            },
            Value::Object(o) => Value::Object(ObjectInfo {
                fields: o.fields.as_ref().map(|fields| {
                    Rc::new(
                        fields
                            .iter()
                            .map(|(k, v)| (k.clone(), v.substitute(f)))
                            .collect(),
                    )
                }),
                ..o.clone()
            }),
            other => other.clone(),
        }
    }

    /// Merge of two control-flow paths that both produce a value: keep both (up to a bound).
    pub fn join(self, other: Value<'a>) -> Value<'a> {
        match (&self, &other) {
            (Value::Unknown, _) => other,
            (_, Value::Unknown) => self,
            (Value::Str(a), Value::Str(b)) if a == b => self,
            (Value::Int(a), Value::Int(b)) if a == b => self,
            (Value::Conn(a), Value::Conn(b)) => Value::Conn(if a == b {
                a.clone()
            } else {
                ConnInfo {
                    client: match (&a.client, &b.client) {
                        (Some(x), Some(y)) if x.cluster == y.cluster => Some(x.clone()),
                        _ => None,
                    },
                    param: a.param.filter(|p| b.param == Some(*p)),
                }
            }),
            (Value::Pipe(a), Value::Pipe(b)) => {
                let mut merged = a.clone();
                merged.atomic |= b.atomic;
                merged.complete &= b.complete;
                for c in &b.commands {
                    merged.commands.push(c.clone());
                }
                // Commands of both branches: keep each once (branches share a prefix).
                let mut seen = Vec::new();
                merged.commands.retain(|c| {
                    let key = format!("{c:?}");
                    if seen.contains(&key) {
                        false
                    } else {
                        seen.push(key);
                        true
                    }
                });
                Value::Pipe(merged)
            }
            (
                Value::Str(_) | Value::Opaque(_) | Value::Int(_) | Value::OneOf(..),
                Value::Str(_) | Value::Opaque(_) | Value::Int(_) | Value::OneOf(..),
            ) => {
                let mut alts: Vec<Value<'a>> = self.alternatives().to_vec();
                alts.extend(other.alternatives().iter().cloned());
                one_of(alts)
            }
            (Value::Object(a), Value::Object(b)) if a.ty == b.ty => Value::Object(ObjectInfo {
                home: a.home.filter(|_| a.home == b.home),
                ..ObjectInfo::of(a.ty.clone())
            }),
            _ => Value::Unknown,
        }
    }
}

/// Alternatives as a value: deduplicated, one value stays itself, too many are unknown.
pub fn one_of(alts: Vec<Value<'_>>) -> Value<'_> {
    let mut out: Vec<Value<'_>> = Vec::new();
    for v in alts.into_iter().flat_map(|v| match v {
        Value::OneOf(inner, _) => inner,
        v => vec![v],
    }) {
        if matches!(v, Value::Unknown) {
            return Value::Unknown;
        }
        if !out.iter().any(|o| same_text(o, &v)) {
            out.push(v);
        }
    }
    match out.len() {
        0 => Value::Unknown,
        1 => out.pop().unwrap_or(Value::Unknown),
        n if n > MAX_ALTERNATIVES => Value::Unknown,
        _ => Value::OneOf(out, None),
    }
}

/// Alternatives chosen by `arms` (one per alternative, in order); kept apart even when two are
/// equal, so the arm of each stays known.
pub fn one_of_arms<'a>(alts: Vec<Value<'a>>, arms: Option<Rc<Arms>>) -> Value<'a> {
    match arms {
        Some(arms)
            if alts.len() == arms.labels.len()
                && alts.len() > 1
                && alts.len() <= MAX_ALTERNATIVES
                && !alts
                    .iter()
                    .any(|v| matches!(v, Value::Unknown | Value::OneOf(..))) =>
        {
            if alts.iter().all(|v| same_text(v, &alts[0])) {
                return alts.into_iter().next().unwrap_or(Value::Unknown);
            }
            Value::OneOf(alts, Some(arms))
        }
        _ => one_of(alts),
    }
}

fn same_text(a: &Value<'_>, b: &Value<'_>) -> bool {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Opaque(x), Value::Opaque(y)) => x == y,
        _ => false,
    }
}

/// A pattern with holes replaced by the caller's values.
fn substitute_pattern<'a>(p: &KeyPattern, f: &dyn Fn(&Hole) -> Option<Value<'a>>) -> Value<'a> {
    // Alternatives of a substituted hole multiply the pattern's alternatives; when only one
    // hole brings alternatives, their arms stay known.
    let mut arms: Option<Rc<Arms>> = None;
    let mut multiplied = 0;
    let mut results: Vec<KeyPattern> = vec![KeyPattern::new()];
    for seg in p.segments() {
        match seg {
            slotlint_keys::Segment::Text(t) => results.iter_mut().for_each(|r| r.push_text(t)),
            slotlint_keys::Segment::Hole(h) => {
                let Some(v) = f(h) else {
                    results.iter_mut().for_each(|r| r.push_hole(h.clone()));
                    continue;
                };
                if v.alternatives().len() > 1 {
                    multiplied += 1;
                    arms = v.arms().cloned();
                }
                let mut next = Vec::new();
                for alt in v.alternatives() {
                    let piece = match alt {
                        // A literal from the caller fills the template's hole: keep both.
                        Value::Int(n) => {
                            KeyPattern::hole(Hole::bound(h.name.clone(), n.to_string()))
                        }
                        Value::Str(lit) if lit.is_literal() && !lit.segments().is_empty() => {
                            match lit.as_literal() {
                                Some(text) => KeyPattern::hole(Hole::bound(h.name.clone(), text)),
                                None => return Value::Unknown,
                            }
                        }
                        other => match other.as_pattern() {
                            Some(p) => p,
                            None => return Value::Unknown,
                        },
                    };
                    for r in &results {
                        next.push(r.clone().concat(&piece));
                    }
                }
                if next.len() > MAX_ALTERNATIVES {
                    return Value::Unknown;
                }
                results = next;
            }
        }
    }
    let arms = if multiplied == 1 { arms } else { None };
    one_of_arms(results.into_iter().map(Value::Str).collect(), arms)
}

pub fn substitute_keys<'a>(keys: &mut [KeyArg], f: &dyn Fn(&Hole) -> Option<Value<'a>>) {
    for k in keys {
        if k.pattern.is_none() {
            if let Some(id) = &k.hole {
                // A whole parameter used as a key: the caller's value, if it has text.
                let value = f(&Hole::new(id.clone(), k.text.clone()));
                if let Some(v) = value {
                    set_key_value(k, &v);
                }
            }
            continue;
        }
        // The caller knows what chooses between the alternatives: keep that arm only.
        if let Some(arms) = &k.arms {
            let chosen = f(&Hole::new(arms.choice.clone(), ""))
                .as_ref()
                .and_then(selector_of)
                .and_then(|sel| {
                    let sel = Some(sel);
                    arms.selectors
                        .iter()
                        .position(|s| *s == sel)
                        .or_else(|| arms.selectors.iter().position(Option::is_none))
                });
            if let Some(i) = chosen.filter(|&i| i < k.alternatives.len()) {
                k.pattern = Some(k.alternatives[i].clone());
                k.alternatives.clear();
                k.arms = None;
            }
        }
        let mut alts = Vec::new();
        for p in k.patterns().to_vec() {
            match substitute_pattern(&p, f) {
                v @ (Value::Str(_) | Value::OneOf(..)) => alts.extend(v.alternatives().to_vec()),
                _ => return,
            }
        }
        set_key_value(k, &one_of(alts));
    }
}

/// A key's pattern (and alternatives) from a value.
fn set_key_value(k: &mut KeyArg, v: &Value<'_>) {
    let pats: Vec<KeyPattern> = v
        .alternatives()
        .iter()
        .filter_map(Value::as_pattern)
        .filter(has_text)
        .collect();
    if pats.len() != v.alternatives().len() || pats.is_empty() {
        // A run-time value: the key is now that value (its identity, and why it is unknown),
        // not the callee's parameter.
        let mut out = Vec::new();
        super::commands::flatten_keys(v, k.many, k.span, &k.text, &mut out);
        if let [one] = out.as_slice() {
            if one.pattern.is_none() && (one.hole.is_some() || !one.parts.is_empty()) {
                k.hole = one.hole.clone();
                k.why = one.why.clone();
                k.parts = one.parts.clone();
            }
        }
        return;
    }
    k.pattern = pats.first().cloned();
    k.alternatives = if pats.len() > 1 { pats } else { Vec::new() };
    if k.alternatives.len() != k.arms.as_ref().map_or(0, |a| a.labels.len()) {
        k.arms = v.arms().map(|a| crate::sites::KeyArms::from(&**a));
    }
}

/// Whether a pattern has any known text (see [`KeyPattern::has_text`]).
pub fn has_text(p: &KeyPattern) -> bool {
    p.has_text()
}

fn substitute_command<'a>(c: &mut PendingCommand<'a>, f: &dyn Fn(&Hole) -> Option<Value<'a>>) {
    match c {
        PendingCommand::Ready(cmd) => substitute_keys(&mut cmd.keys, f),
        PendingCommand::Raw { args, .. } => {
            for a in args {
                a.value = a.value.substitute(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hole(name: &str) -> Hole {
        Hole::new(name, name)
    }

    fn pat(parts: &[&str]) -> KeyPattern {
        let mut p = KeyPattern::new();
        for part in parts {
            match part.strip_prefix('$') {
                Some(h) => p.push_hole(hole(h)),
                None => p.push_text(part),
            }
        }
        p
    }

    #[test]
    fn joins_keep_branches_apart() {
        let a = Value::Str(pat(&["jobs:", "$id"]));
        let b = Value::Str(pat(&["done:", "$id"]));
        let joined = a.clone().join(b.clone());
        assert!(matches!(&joined, Value::OneOf(v, _) if v.len() == 2));
        // The same text twice is one value.
        assert!(matches!(a.clone().join(a.clone()), Value::Str(_)));
        // Unknown on one side: the other is what is known.
        assert!(matches!(Value::Unknown.join(a.clone()), Value::Str(_)));
        // Too many alternatives: unknown.
        let many: Vec<Value<'_>> = (0..=MAX_ALTERNATIVES)
            .map(|i| Value::str(&format!("k{i}")))
            .collect();
        assert!(matches!(one_of(many), Value::Unknown));
    }

    #[test]
    fn substitution_fills_parameters_and_multiplies_alternatives() {
        let template = Value::Str(pat(&["user:", "$p", ":profile"]));
        let literal =
            template.substitute(&|h| (h.id == HoleId::named("p")).then_some(Value::Int(42)));
        let Value::Str(p) = literal else { panic!() };
        assert_eq!(p.as_literal().as_deref(), Some("user:42:profile"));
        assert_eq!(p.template().to_string(), "user:<p>:profile");
        let branches = template.substitute(&|h| {
            (h.id == HoleId::named("p")).then(|| one_of(vec![Value::str("a"), Value::str("b")]))
        });
        assert!(matches!(branches, Value::OneOf(v, _) if v.len() == 2));
        // A value with no text (a connection) cannot fill a key.
        let conn = template.substitute(&|_| Some(Value::Conn(ConnInfo::unknown())));
        assert!(matches!(conn, Value::Unknown));
    }

    #[test]
    fn per_element_marks() {
        let v = Value::Str(pat(&["u:", "$id"]));
        let marked = v.mark_per_element(&|h| h.id == HoleId::named("id"));
        let Value::Str(p) = &marked else { panic!() };
        assert!(p.has_per_element_hole());
        let Value::Str(one) = marked.single_element() else {
            panic!()
        };
        assert!(!one.has_per_element_hole());
    }

    #[test]
    fn objects_of_one_type_are_told_by_every_alternative() {
        let keys = || Value::object(Some("Keys".into()));
        let one_type = Value::OneOf(vec![keys(), keys()], None);
        assert_eq!(one_type.objects_type(), Some("Keys"));
        // One object is no one-of; another type, an untyped object or a string among them, or
        // variants of an enum (each its own type here), are not one type.
        assert_eq!(keys().objects_type(), None);
        for other in [
            Value::object(Some("Other".into())),
            Value::object(None),
            Value::str("k"),
        ] {
            assert_eq!(Value::OneOf(vec![keys(), other], None).objects_type(), None);
        }
        let variant = Value::Object(ObjectInfo {
            variant: Some("A".into()),
            ..ObjectInfo::of(Some("Keys".into()))
        });
        assert_eq!(
            Value::OneOf(vec![variant.clone(), variant], None).objects_type(),
            None
        );
    }
}
