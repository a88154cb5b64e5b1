//! Commands and their keys: redis-rs command methods (from the generated method table), raw
//! commands resolved with the server's key specs, the keys an argument expression holds, and
//! the call sites they become.
//!
//! Not here: builders' state (`builders`), the command table itself (`slotlint-commands`).

use super::spans::NodeSpan;
use syn::spanned::Spanned;
use syn::Expr;

use slotlint_commands::KeyPositionError;
use slotlint_syntax::strip::strip_refs;

use super::value::{has_text, ArgItem, ConnInfo, PendingCommand, Value};
use super::Interp;
use crate::redis_api::{self, methods::Param};
use crate::sites::{CallSite, CommandCall, Exec, KeyArg, PubSubKind, SiteKind};
use crate::source::Span;

/// Where a key parameter's value goes.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum KeyRole {
    /// Exactly one key (but before 1.0 a `ToRedisArgs` key could be many).
    One,
    /// Any number of keys (`ToRedisArgs`).
    Many,
    /// `&[(K, V)]`: the first of each pair.
    Pairs,
    /// `&[(K, P, V)]`: the first of each triple.
    Triples,
}

impl<'c, 'a> Interp<'c, 'a> {
    /// A redis-rs command method call: its command and keys, from the generated table.
    pub(super) fn method_command(
        &mut self,
        method: &str,
        args: Vec<&'a Expr>,
        focus: Span,
    ) -> Option<CommandCall> {
        let spec = redis_api::method(method, self.cx.version)?;
        let params = spec.params_in(self.cx.version);
        if params.len() != args.len() {
            return None;
        }
        let old_api = self.cx.version < (1, 0, 0);
        let mut keys = Vec::new();
        let mut name = match spec.subcommand {
            Some(sub) => format!("{} {sub}", spec.command),
            None => spec.command.to_owned(),
        };
        let mut exact = true;
        for (param, arg) in params.iter().zip(&args) {
            match param {
                Param::Key => {
                    let role = if old_api && spec.key_expands_before_1x {
                        KeyRole::Many
                    } else {
                        KeyRole::One
                    };
                    let mut k = self.keys_from_expr(arg, role);
                    if k.len() > 1 || k.iter().any(|k| k.many) {
                        if let Some(multi) = spec.multi_key_command {
                            name = multi.to_owned();
                        }
                    }
                    keys.append(&mut k);
                }
                Param::Keys => keys.append(&mut self.keys_from_expr(arg, KeyRole::Many)),
                Param::KeyValuePairs | Param::KeyWeightPairs => {
                    keys.append(&mut self.keys_from_expr(arg, KeyRole::Pairs))
                }
                Param::KeyPathValueTriples => {
                    keys.append(&mut self.keys_from_expr(arg, KeyRole::Triples))
                }
                Param::Script => match self.eval(arg) {
                    Value::Script(s) => {
                        exact &= s.complete;
                        keys.extend(s.keys);
                    }
                    _ => {
                        exact = false;
                        keys.push(KeyArg::new(
                            None,
                            true,
                            self.span_of(arg.node_span()),
                            self.text_of(*arg),
                        ));
                    }
                },
                _ => {
                    if let Value::Closure(c) = self.eval(arg) {
                        self.walk_closure_body(c);
                    }
                }
            }
        }
        Some(CommandCall {
            name,
            keys,
            span: focus,
            method: Some(method.to_owned()),
            keys_exact: exact,
            argv: Vec::new(),
        })
    }

    /// The keys an argument expression holds, with a position for each.
    pub(super) fn keys_from_expr(&mut self, expr: &'a Expr, role: KeyRole) -> Vec<KeyArg> {
        let inner = strip_refs(expr);
        let elements: Option<Vec<&'a Expr>> = match inner {
            Expr::Array(a) => Some(a.elems.iter().collect()),
            Expr::Tuple(t) if role == KeyRole::Many => Some(t.elems.iter().collect()),
            Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                self.cx.macro_args(&m.mac).map(|p| p.iter().collect())
            }
            _ => None,
        };
        if let Some(elements) = elements {
            if role != KeyRole::One || elements.len() == 1 {
                let sub = match role {
                    KeyRole::Pairs | KeyRole::Triples => role,
                    _ => KeyRole::Many,
                };
                return elements
                    .into_iter()
                    .flat_map(|e| match (sub, strip_refs(e)) {
                        (KeyRole::Pairs | KeyRole::Triples, Expr::Tuple(t)) => {
                            match t.elems.first() {
                                Some(first) => {
                                    for rest in t.elems.iter().skip(1) {
                                        self.eval(rest);
                                    }
                                    self.keys_from_expr(first, KeyRole::One)
                                }
                                None => Vec::new(),
                            }
                        }
                        _ => self.keys_from_expr(e, sub),
                    })
                    .collect();
            }
        }
        let value = self.eval(expr);
        let value = self.as_redis_arg(value);
        let span = self.span_of(expr.node_span());
        let text = self.text_of(expr);
        let value = match role {
            KeyRole::Pairs | KeyRole::Triples => first_of_tuples(value),
            _ => value,
        };
        let mut out = Vec::new();
        flatten_keys(&value, false, span, &text, &mut out);
        out
    }

    pub(super) fn arg_items(
        &mut self,
        args: &'a syn::punctuated::Punctuated<Expr, syn::Token![,]>,
    ) -> Vec<ArgItem<'a>> {
        args.iter()
            .map(|a| ArgItem {
                value: {
                    let v = self.eval(a);
                    self.as_redis_arg(v)
                },
                span: self.span_of(a.node_span()),
                text: self.text_of(a),
                expr: Some(a),
                numeric: self.is_numeric(a),
            })
            .collect()
    }

    /// Turn builder commands into commands with keys, using the server's key specs.
    pub(super) fn resolve_commands(&mut self, pending: &[PendingCommand<'a>]) -> Vec<CommandCall> {
        pending
            .iter()
            .filter_map(|p| self.resolve_command(p))
            .collect()
    }

    fn resolve_command(&mut self, pending: &PendingCommand<'a>) -> Option<CommandCall> {
        let (args, span) = match pending {
            PendingCommand::Ready(c) => return Some(c.clone()),
            PendingCommand::Raw { args, span } => (args, *span),
        };
        // One slot per argument the server will see; a collection of unknown length is one slot.
        struct Slot {
            text: Option<String>,
            key: Option<KeyArg>,
            item: usize,
        }
        let mut slots = Vec::new();
        for (i, item) in args.iter().enumerate() {
            let mut keys = Vec::new();
            flatten_keys(&item.value, false, item.span, &item.text, &mut keys);
            let literal = |v: &Value| match v {
                Value::Str(p) => p.as_literal(),
                Value::Int(n) => Some(n.to_string()),
                _ => None,
            };
            match &item.value {
                Value::List(items) => {
                    for (v, k) in items
                        .iter()
                        .zip(keys.into_iter().map(Some).chain(std::iter::repeat(None)))
                    {
                        slots.push(Slot {
                            text: literal(v),
                            key: k,
                            item: i,
                        });
                    }
                }
                v => slots.push(Slot {
                    text: literal(v),
                    key: keys.into_iter().next(),
                    item: i,
                }),
            }
        }
        // Where the keys start (after `STREAMS`, `STORE`…), values known only at run time are
        // taken for what they almost always are: no keyword. Not for commands whose key count
        // is an argument (a number standing in for it would be read as the count).
        let searchable: Vec<Option<&str>> = slots
            .iter()
            .map(|s| match (&s.text, args[s.item].numeric) {
                (Some(t), _) => Some(t.as_str()),
                (None, true) => Some("0"),
                (None, false) => Some("\u{1}"),
            })
            .collect();
        let Some(name) = slots.first()?.text.clone().map(|n| n.to_ascii_uppercase()) else {
            let what = format!(
                "the command name `{}` is known only at run time",
                args[0].text
            );
            self.not_understood(span, what);
            return None;
        };
        let argv: Vec<Option<&str>> = slots.iter().map(|s| s.text.as_deref()).collect();
        let literal_argv: Vec<Option<String>> =
            slots.iter().skip(1).map(|s| s.text.clone()).collect();
        self.raw_lua_body(&name, args, &literal_argv, span);
        let Some(spec) = self.cx.commands.lookup(&argv) else {
            self.not_understood(span, format!("`{name}` is not a command slotlint knows"));
            return None;
        };
        let full_name = match &spec.subcommand {
            Some(sub) => format!("{name} {}", sub.to_ascii_uppercase()),
            None => name.clone(),
        };
        if let Some(kind) = PubSubKind::of_command(&name) {
            // Channels are not keys in the server's key specs: every argument (the first for
            // PUBLISH/SPUBLISH) is a channel.
            let take = if matches!(kind, PubSubKind::Publish | PubSubKind::SPublish) {
                2
            } else {
                slots.len()
            };
            let mut channels = Vec::new();
            for item in args.iter().skip(1).take(take - 1) {
                flatten_keys(&item.value, false, item.span, &item.text, &mut channels);
            }
            return Some(CommandCall {
                name: full_name,
                keys: channels,
                span,
                method: None,
                keys_exact: true,
                argv: literal_argv,
            });
        }
        let has_spread = slots.iter().any(|s| s.key.as_ref().is_some_and(|k| k.many));
        let counted = spec
            .key_specs
            .iter()
            .any(|k| matches!(k.find, slotlint_commands::FindKeys::Keynum { .. }));
        let positions = match spec.key_positions(&argv) {
            Err(_) if !counted && !has_spread => spec.key_positions(&searchable),
            found => found,
        };
        match positions {
            Ok(positions) => {
                let keys = positions
                    .iter()
                    .filter_map(|&p| slots.get(p))
                    .map(|s| s.key.clone().unwrap_or_else(|| unresolved(&args[s.item])))
                    .collect();
                Some(CommandCall {
                    name: full_name,
                    keys,
                    span,
                    method: None,
                    keys_exact: !has_spread,
                    argv: literal_argv,
                })
            }
            Err(KeyPositionError::NoKeyArguments) => Some(CommandCall {
                name: full_name,
                keys: Vec::new(),
                span,
                method: None,
                keys_exact: true,
                argv: literal_argv,
            }),
            // A malformed call (too few arguments): nothing to judge.
            Err(KeyPositionError::WrongArity { .. }) => None,
            Err(_) if !spec.is_multi_key() => None,
            Err(_) => {
                // `EVAL src keys.len() &keys …`: numkeys is the length of the next argument; or
                // of the keys added one per iteration after it (`for q in qs { cmd.arg(..) }`).
                let keys = numkeys_from_len(args)
                    .map(|i| {
                        let mut k = Vec::new();
                        flatten_keys(&args[i].value, false, args[i].span, &args[i].text, &mut k);
                        k
                    })
                    .or_else(|| {
                        let at = numkeys_position(args)?;
                        let mut k = Vec::new();
                        for item in &args[at + 1..] {
                            let mut found = Vec::new();
                            flatten_keys(&item.value, false, item.span, &item.text, &mut found);
                            if found.iter().any(|f| {
                                f.many || f.patterns().iter().any(|p| p.has_per_element_hole())
                            }) {
                                k.extend(found);
                            }
                        }
                        (!k.is_empty()).then_some(k)
                    });
                let keys = keys.unwrap_or_else(|| {
                    vec![KeyArg::new(None, true, span, "keys of this command".into())]
                });
                Some(CommandCall {
                    name: full_name,
                    keys,
                    span,
                    method: None,
                    keys_exact: false,
                    argv: literal_argv,
                })
            }
        }
    }

    /// `EVAL src …`, `SCRIPT LOAD src`, `FUNCTION LOAD [REPLACE] src`: the Lua body as a fact.
    fn raw_lua_body(
        &mut self,
        name: &str,
        args: &[ArgItem<'a>],
        argv: &[Option<String>],
        used_at: Span,
    ) {
        let sub = argv
            .first()
            .cloned()
            .flatten()
            .map(|s| s.to_ascii_uppercase());
        let (at, library) = match (name, sub.as_deref()) {
            ("EVAL" | "EVAL_RO", _) => (1, false),
            ("SCRIPT", Some("LOAD")) => (2, false),
            ("FUNCTION", Some("LOAD")) => {
                let replace = argv
                    .get(1)
                    .cloned()
                    .flatten()
                    .is_some_and(|a| a.eq_ignore_ascii_case("REPLACE"));
                (if replace { 3 } else { 2 }, true)
            }
            _ => return,
        };
        let Some(item) = args.get(at) else { return };
        let Value::Str(p) = &item.value else { return };
        let Some(text) = p.as_literal() else { return };
        let written_at = item
            .expr
            .map_or_else(proc_macro2::Span::call_site, |e| e.span());
        self.lua_source(text, library, used_at, written_at);
    }

    pub(super) fn emit_command(
        &mut self,
        cmd: CommandCall,
        full: Span,
        focus: Span,
        exec: Exec,
        conn: &ConnInfo,
    ) {
        let kind = if redis_api::is_script_command(&cmd.name) {
            // EVAL src numkeys keys…: the key list is what matters, and EVAL's source.
            let source = match (cmd.name.as_str(), cmd.argv.first()) {
                ("EVAL" | "EVAL_RO", Some(Some(text))) => Some(crate::sites::ScriptSource {
                    text: text.clone(),
                    origin: format!("{}:{}", self.source().display, cmd.span.line),
                }),
                _ => None,
            };
            SiteKind::Script {
                command: cmd.name.clone(),
                keys: cmd.keys,
                complete: cmd.keys_exact,
                source,
            }
        } else if let Some(kind) = PubSubKind::of_command(&cmd.name) {
            // A raw pub/sub command is shown at the `cmd("…")` that names it.
            let focus = if cmd.method.is_none() {
                cmd.span
            } else {
                focus
            };
            self.emit_site(CallSite {
                kind: SiteKind::PubSub {
                    kind,
                    channels: cmd.keys,
                },
                span: full,
                focus,
                exec,
                context: None,
                client: conn.client.clone(),
                conn_param: conn.param,
            });
            return;
        } else {
            SiteKind::Command(cmd)
        };
        self.emit_site(CallSite {
            kind,
            span: full,
            focus,
            exec,
            context: None,
            client: conn.client.clone(),
            conn_param: conn.param,
        });
    }
}

impl Interp<'_, '_> {
    /// A number known only at run time: a cast to a number type, a length or duration, a
    /// binding declared with a number type.
    fn is_numeric(&self, e: &Expr) -> bool {
        match strip_refs(e) {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(_) | syn::Lit::Float(_),
                ..
            }) => true,
            Expr::Cast(c) => is_number_type(&c.ty),
            Expr::MethodCall(m) => matches!(
                m.method.to_string().as_str(),
                "len"
                    | "count"
                    | "as_millis"
                    | "as_secs"
                    | "as_micros"
                    | "as_nanos"
                    | "as_secs_f64"
            ),
            Expr::Path(p) => p
                .path
                .get_ident()
                .is_some_and(|i| self.numeric_names.contains(&i.to_string())),
            _ => false,
        }
    }
}

/// `u64`, `usize`, `f64`…
pub(super) fn is_number_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Reference(r) => is_number_type(&r.elem),
        syn::Type::Path(p) => p.path.get_ident().is_some_and(|i| {
            matches!(
                i.to_string().as_str(),
                "u8" | "u16"
                    | "u32"
                    | "u64"
                    | "u128"
                    | "usize"
                    | "i8"
                    | "i16"
                    | "i32"
                    | "i64"
                    | "i128"
                    | "isize"
                    | "f32"
                    | "f64"
            )
        }),
        _ => false,
    }
}

/// A key argument the evaluator could not resolve.
fn unresolved(item: &ArgItem<'_>) -> KeyArg {
    let (hole, why) = match &item.value {
        Value::Opaque(h) => (Some(h.id.clone()), h.why.as_deref().cloned()),
        _ => (None, None),
    };
    KeyArg {
        hole,
        why,
        ..KeyArg::new(None, false, item.span, item.text.clone())
    }
}

/// The first element of each tuple of a `&[(K, V)]`.
fn first_of_tuples(value: Value<'_>) -> Value<'_> {
    match value {
        Value::List(items) => Value::List(
            items
                .into_iter()
                .map(|v| match v {
                    Value::List(t) if !t.is_empty() => t[0].clone(),
                    _ => Value::Unknown,
                })
                .collect(),
        ),
        Value::Each(inner) => Value::Each(Box::new(match *inner {
            Value::List(t) if !t.is_empty() => t[0].clone(),
            _ => Value::Unknown,
        })),
        _ => Value::Unknown,
    }
}

/// Keys of a value: a string is one key, a collection one per element; a key with no
/// literal text at all is unresolved (its value is all run time).
pub(super) fn flatten_keys(
    value: &Value<'_>,
    many: bool,
    span: Span,
    text: &str,
    out: &mut Vec<KeyArg>,
) {
    match value {
        Value::List(items) => {
            for v in items {
                flatten_keys(v, many, span, text, out);
            }
        }
        Value::Each(inner) => flatten_keys(inner, true, span, text, out),
        Value::OneOf(alts, arms) => {
            let pats: Vec<_> = alts.iter().filter_map(Value::as_pattern).collect();
            let mut key = KeyArg::new(None, many, span, text.to_owned());
            // Every branch gives a pattern, and one has known text (a branch that passes a
            // run-time value through, as `queue.to_string()` next to `format!("p:{queue}")`,
            // is judged as that value).
            if pats.len() == alts.len() {
                if let Some(first) = pats.iter().find(|p| judgeable(p)) {
                    key.pattern = Some(first.clone());
                    key.alternatives = pats;
                    key.arms = arms.as_ref().map(|a| crate::sites::KeyArms::from(&**a));
                } else {
                    key.why = pats.iter().find_map(why_of);
                    key.parts = pats
                        .iter()
                        .flat_map(|p| p.holes().map(|h| h.id.clone()))
                        .collect();
                    key.run_time = pats;
                }
            }
            out.push(key);
        }
        v => {
            // A key of run-time values only is judged as those values (a caller may give them)
            // — unless one of them varies per element of a collection next to others
            // (`format!("{prefix}{k}")` for each `k`): those keys differ per element, whatever
            // the other values are, unless one of them holds a hash tag.
            let pattern = v.as_pattern().filter(judgeable);
            // A key whose text varies per element stands for the collection's keys.
            let many = many || pattern.as_ref().is_some_and(|p| p.has_per_element_hole());
            // A key that is one run-time value: remember which, so a caller can supply it.
            let (hole, why, parts) = match (&pattern, v) {
                (None, Value::Opaque(h)) => {
                    (Some(h.id.clone()), h.why.as_deref().cloned(), Vec::new())
                }
                // Run-time values only: why the first of them is not known.
                (None, v) => {
                    let p = v.as_pattern();
                    let parts = p
                        .iter()
                        .flat_map(|p| p.holes().map(|h| h.id.clone()))
                        .collect();
                    (None, p.as_ref().and_then(why_of), parts)
                }
                _ => (None, None, Vec::new()),
            };
            let run_time = match pattern {
                None => v.as_pattern().into_iter().collect(),
                Some(_) => Vec::new(),
            };
            out.push(KeyArg {
                hole,
                why,
                parts,
                run_time,
                ..KeyArg::new(pattern, many, span, text.to_owned())
            });
        }
    }
}

/// Whether a key's pattern can be judged by its shape: it has known text, or a value that varies
/// per element of a collection next to other values (`format!("{prefix}{k}")` for each `k`:
/// those keys differ per element unless a value holds a hash tag). A key of one run-time value
/// is judged as that value (a caller may give it).
pub(super) fn judgeable(p: &slotlint_keys::KeyPattern) -> bool {
    has_text(p) || (p.has_per_element_hole() && p.holes().count() > 1)
}

/// The index of an argument written `x.len()` (a key count known only at run time).
fn numkeys_position(args: &[ArgItem<'_>]) -> Option<usize> {
    args.iter().position(|item| {
        matches!(item.expr.map(strip_refs), Some(Expr::MethodCall(mc)) if mc.method == "len")
    })
}

/// Why a pattern of run-time values only is not known: the reason of its first hole that has one.
fn why_of(p: &slotlint_keys::KeyPattern) -> Option<slotlint_keys::Unresolved> {
    p.holes().find_map(|h| h.why.as_deref().cloned())
}

/// In `EVAL src n k… a…` with `n` written `x.len()`, the index of the argument `x`.
fn numkeys_from_len(args: &[ArgItem<'_>]) -> Option<usize> {
    for (i, item) in args.iter().enumerate() {
        let Some(Expr::MethodCall(mc)) = item.expr.map(strip_refs) else {
            continue;
        };
        if mc.method != "len" {
            continue;
        }
        let target = strip_refs(&mc.receiver);
        let target = quote::quote!(#target).to_string();
        if let Some(next) = args.get(i + 1) {
            let next_expr = next.expr.map(strip_refs);
            if next_expr.is_some_and(|e| quote::quote!(#e).to_string() == target) {
                return Some(i + 1);
            }
        }
    }
    None
}
