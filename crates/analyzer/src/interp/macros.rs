//! Macros: `format!` and friends (arguments bound by `slotlint_syntax::format_args`),
//! `write!` into a string, `concat!`, `vec!`, `include_str!` (read only inside the package),
//! and the arguments of any other macro, walked for what they hold.
//!
//! Not here: macros of the crate itself (`macro_rules!`), which a later stage expands.

use syn::spanned::Spanned;
use syn::Expr;

use slotlint_keys::{Hole, HoleId, KeyPattern};
use slotlint_syntax::format_args::{macro_name, Bound, BoundPiece, FormatCall};

use super::value::{one_of, Value};
use super::Interp;

use crate::input::MAX_INCLUDED_BYTES;

impl<'c, 'a> Interp<'c, 'a> {
    pub(super) fn eval_macro(&mut self, mac: &'a syn::Macro) -> Value<'a> {
        let name = macro_name(mac);
        // A macro of the crate: walk its expansion.
        if self.cx.index.macro_def(&name).is_some() && mac.path.get_ident().is_some() {
            if let Some(block) = self.cx.expansion(mac, self.macro_depth) {
                self.macro_depth += 1;
                let v = self.walk_block(block);
                self.macro_depth -= 1;
                return v;
            }
        }
        let Some(args) = self.cx.macro_args(mac) else {
            return Value::Unknown;
        };
        if let Some(at) = slotlint_syntax::format_args::template_position(&name) {
            let formatted = self.eval_format(args, at);
            if name == "format" || name == "format_args" {
                return formatted;
            }
            if let (true, Some(dest)) = (at == 1, args.first().and_then(Self::place)) {
                // `write!(s, …)` into a string being built.
                if let (Some(old @ (Value::Str(_) | Value::OneOf(..))), Some(new)) =
                    (self.lookup_place(&dest), formatted.as_pattern())
                {
                    let mut alts = Vec::new();
                    for o in old.alternatives() {
                        if let Some(p) = o.as_pattern() {
                            let mut p = p.concat(&new);
                            if name == "writeln" {
                                p.push_text("\n");
                            }
                            alts.push(Value::Str(p));
                        }
                    }
                    self.store(&dest, one_of(alts));
                }
            }
            return Value::Unknown;
        }
        match name.as_str() {
            "concat" => {
                let mut p = KeyPattern::new();
                for a in args {
                    match self.eval(a).as_pattern() {
                        Some(x) => p.push_pattern(&x),
                        None => return Value::Unknown,
                    }
                }
                Value::Str(p)
            }
            // `vec![x; n]` does not parse as a comma list; it is left unknown.
            "vec" => Value::List(args.iter().map(|a| self.eval(a)).collect()),
            "include_str" => {
                let text = args.first().and_then(|a| match a {
                    Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                });
                let Some((rel, path)) =
                    text.and_then(|t| Some((t.clone(), self.included_path(&t)?)))
                else {
                    return Value::Unknown;
                };
                let shown = std::path::Path::new(&self.source().display)
                    .parent()
                    .map_or_else(|| rel.clone(), |dir| dir.join(&rel).display().to_string());
                match crate::input::read_included(&path, &shown, &self.cx.root, MAX_INCLUDED_BYTES)
                {
                    Ok(content) => {
                        self.cx
                            .included
                            .borrow_mut()
                            .entry(content.clone())
                            .or_insert(path);
                        Value::str(&content)
                    }
                    Err(why) => {
                        let span = self.span_of(mac.path.span());
                        self.cx
                            .include_errors
                            .borrow_mut()
                            .push((self.file, span, why));
                        Value::Unknown
                    }
                }
            }
            _ => {
                for a in args {
                    if let Value::Closure(c) = self.eval(a) {
                        self.walk_closure_body(c);
                    }
                }
                let hole = self.hole_for(mac);
                let detail = format!(
                    "`{}` comes from the macro `{name}!`, which slotlint does not expand",
                    hole.name
                );
                Value::Opaque(hole.because("external macro", detail))
            }
        }
    }

    /// `format!(lit, args…)` (the literal at position `at`).
    fn eval_format(
        &mut self,
        args: &'a syn::punctuated::Punctuated<Expr, syn::Token![,]>,
        at: usize,
    ) -> Value<'a> {
        let Some(call) = FormatCall::parse(args, at) else {
            for a in args {
                self.eval(a);
            }
            return Value::Unknown;
        };
        let mut values = Vec::new();
        for a in call.arguments() {
            values.push((a as *const Expr, self.eval(a)));
        }
        let value_of = |e: &Expr| {
            values
                .iter()
                .find(|(p, _)| std::ptr::eq(*p, e))
                .map(|(_, v)| v.clone())
        };
        // Alternatives of the arguments multiply the formatted string's alternatives; when only
        // one argument brings alternatives, their arms stay known.
        let mut outs: Vec<KeyPattern> = vec![KeyPattern::new()];
        let mut arms = None;
        let mut multiplied = 0;
        for piece in call.bind() {
            let (arg, spec, name, range) = match piece {
                BoundPiece::Text(t) => {
                    outs.iter_mut().for_each(|o| o.push_text(t));
                    continue;
                }
                BoundPiece::Placeholder {
                    arg,
                    spec,
                    name,
                    range,
                } => (arg, spec, name, range),
            };
            let value = match arg {
                Bound::Expr(e) => value_of(e).unwrap_or(Value::Unknown),
                Bound::Capture(n) => match self.lookup(n).map(|b| b.value.clone()) {
                    Some(v) => v,
                    // An inline capture of a constant: `format!("{PREFIX}:{id}")`.
                    None => self.const_value(n).unwrap_or_else(|| {
                        Value::Opaque(Hole::new(
                            HoleId::Expr {
                                scope: self.scope_id.clone(),
                                text: n.into(),
                            },
                            n,
                        ))
                    }),
                },
                Bound::Missing => return Value::Unknown,
            };
            if value.alternatives().len() > 1 {
                multiplied += 1;
                arms = value.arms().cloned();
            }
            let literal_ok = spec.is_empty();
            // What the placeholder is called in the template: `{GAME}` → `GAME`; `{}` → the
            // argument's text (`PREFIX`, `42`: a literal argument is its own name, which tells
            // the help that it never varies).
            let arg_text = match arg {
                Bound::Expr(e) => Some(self.short_text(e)),
                _ => None,
            };
            let literal_arg = matches!(arg, Bound::Expr(Expr::Lit(_)));
            let placeholder = match (name, &arg_text) {
                (Some(n), _) => n,
                (None, Some(t)) if !t.is_empty() && t.len() <= 40 => t.as_str(),
                _ => "value",
            };
            // A type of the crate formatted with `{}`: what its `Display` writes.
            let value = if spec.is_empty() {
                self.display_value(&value).unwrap_or(value)
            } else {
                value
            };
            let mut pieces = Vec::new();
            for alt in value.alternatives() {
                pieces.push(match alt {
                    // A known value fills a placeholder: the key's text has the value, the
                    // template keeps the placeholder (what `fix` edits).
                    Value::Str(p) if literal_ok && p.is_literal() && !p.segments().is_empty() => {
                        let value = p.as_literal().unwrap_or_default();
                        let name = if literal_arg {
                            value.as_str()
                        } else {
                            placeholder
                        };
                        KeyPattern::hole(Hole::bound(name, value.clone()))
                    }
                    Value::Str(p) if literal_ok || !p.is_literal() => p.clone(),
                    Value::Int(n) if literal_ok => {
                        KeyPattern::hole(Hole::bound(placeholder, n.to_string()))
                    }
                    Value::Opaque(h) => KeyPattern::hole(h.clone()),
                    // Anything else formatted here: a value known only at run time.
                    _ => KeyPattern::hole(Hole::new(
                        HoleId::Formatted {
                            scope: self.scope_id.clone(),
                            at: (call.template.span().byte_range().start + range.0) as u32,
                        },
                        placeholder,
                    )),
                });
            }
            let mut next = Vec::new();
            for o in &outs {
                for p in &pieces {
                    next.push(o.clone().concat(p));
                }
            }
            outs = next;
            if outs.len() > super::value::MAX_ALTERNATIVES {
                return Value::Unknown;
            }
        }
        if call.value.contains("://") {
            if let Some(first) = outs.first() {
                let first = first.clone();
                self.url(&first, call.template.span());
            }
        }
        let arms = if multiplied == 1 { arms } else { None };
        super::value::one_of_arms(outs.into_iter().map(Value::Str).collect(), arms)
    }

    /// A file named by `include_str!`, if it lies inside the current file's package folder tree
    /// (slotlint reads nothing outside the project).
    pub(super) fn included_path(&self, rel: &str) -> Option<std::path::PathBuf> {
        let here = self.source().path.parent()?;
        let path = here.join(rel);
        let canonical = path.canonicalize().ok()?;
        let root = self.cx.root.canonicalize().ok()?;
        canonical.starts_with(&root).then_some(path)
    }
}
