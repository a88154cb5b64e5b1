//! Abstract values: what the analyzer knows about an expression without running it.

use crate::sites::{CommandCall, KeyArg};
use crate::source::Span;
use slotlint_keys::{Hole, KeyPattern};

/// A connection-like value (the receiver of commands).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnInfo {
    /// Known to be a cluster connection (`Some(true)`), a single-node one, or not known.
    pub cluster: Option<bool>,
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
    /// False when commands may have been added where the analyzer cannot see (a parameter).
    pub complete: bool,
    /// Set for the pipeline a `redis::transaction` closure receives.
    pub transaction: Option<usize>,
}

#[derive(Clone, Debug)]
pub struct ScriptState {
    /// `Script::key` returns a new invocation; `ScriptInvocation::key` adds to itself.
    pub invocation: bool,
    pub keys: Vec<KeyArg>,
    pub complete: bool,
    pub source: Option<crate::sites::ScriptSource>,
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
    /// A run-time value with an identity (a parameter, a field, a call result).
    Opaque(Hole),
    Conn(ConnInfo),
    Pipe(Box<PipeState<'a>>),
    Cmd(Box<PendingCommand<'a>>),
    Script(Box<ScriptState>),
    Closure(&'a syn::ExprClosure),
    /// An instance of a type known not to be a redis connection (`Some(name)` for crate types).
    Object(Option<String>),
    Unknown,
}

impl<'a> Value<'a> {
    pub fn str(text: &str) -> Value<'a> {
        Value::Str(KeyPattern::literal(text))
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
            other => other.clone(),
        }
    }

    /// Replace holes (function parameters) by the caller's values.
    pub fn substitute(&self, f: &dyn Fn(&Hole) -> Option<Value<'a>>) -> Value<'a> {
        match self {
            Value::Opaque(h) => f(h).unwrap_or_else(|| self.clone()),
            Value::Str(p) => {
                let mut failed = false;
                let out = p.substitute(&mut |h| match f(h) {
                    // A literal from the caller fills the template's hole: keep both.
                    Some(Value::Int(n)) => {
                        Some(KeyPattern::hole(Hole::bound(h.name.clone(), n.to_string())))
                    }
                    Some(Value::Str(lit)) if lit.is_literal() && !lit.segments().is_empty() => {
                        Some(KeyPattern::hole(Hole::bound(
                            h.name.clone(),
                            lit.as_literal()?,
                        )))
                    }
                    Some(v) => {
                        let pat = v.as_pattern();
                        if pat.is_none() {
                            failed = true;
                        }
                        pat
                    }
                    None => None,
                });
                if failed {
                    Value::Unknown
                } else {
                    Value::Str(out)
                }
            }
            Value::List(items) => Value::List(items.iter().map(|v| v.substitute(f)).collect()),
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
            other => other.clone(),
        }
    }

    /// Merge of two control-flow paths.
    pub fn join(self, other: Value<'a>) -> Value<'a> {
        match (&self, &other) {
            (Value::Str(a), Value::Str(b)) if a == b => self,
            (Value::Int(a), Value::Int(b)) if a == b => self,
            (Value::Conn(a), Value::Conn(b)) => Value::Conn(ConnInfo {
                cluster: if a.cluster == b.cluster {
                    a.cluster
                } else {
                    None
                },
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
            (Value::Unknown, _) => other,
            (_, Value::Unknown) => self,
            _ => Value::Unknown,
        }
    }
}

fn substitute_keys<'a>(keys: &mut [KeyArg], f: &dyn Fn(&Hole) -> Option<Value<'a>>) {
    for k in keys {
        if let Some(Value::Str(p)) = k.pattern.clone().map(Value::Str).map(|v| v.substitute(f)) {
            k.pattern = Some(p);
        } else if let (None, Some(id)) = (&k.pattern, &k.hole) {
            // A whole parameter used as a key: the caller's value, if it has text.
            let value = f(&Hole::new(id.clone(), k.text.clone())).and_then(|v| v.as_pattern());
            k.pattern = value.filter(|p| {
                p.segments()
                    .iter()
                    .any(|s| matches!(s, slotlint_keys::Segment::Text(t) if !t.is_empty()))
            });
        }
    }
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
