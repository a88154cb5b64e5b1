//! `format!`-like macro calls: the template and which argument fills each placeholder.
//!
//! One place for the binding rules (`{}` takes the next positional argument, `{0}` an index,
//! `{name}` a named argument or else a variable captured from the scope), so the analyzer,
//! `fix` and the macros read a `format!` the same way.

use syn::punctuated::Punctuated;
use syn::{Expr, Token};

use slotlint_keys::format_string::{self, ArgRef, FormatError, Piece};

/// A macro's name as every reader matches it: the last segment of its path (`std::format!` is
/// `format`).
pub fn macro_name(mac: &syn::Macro) -> String {
    mac.path
        .segments
        .last()
        .map(|s| s.ident.to_string())
        .unwrap_or_default()
}

/// Macros whose arguments are a format string and its arguments, with the position of the
/// template among the macro's comma-separated arguments.
pub fn template_position(macro_name: &str) -> Option<usize> {
    match macro_name {
        "format" | "format_args" | "print" | "println" | "eprint" | "eprintln" | "panic"
        | "unreachable" | "todo" | "unimplemented" => Some(0),
        "write" | "writeln" => Some(1),
        _ => None,
    }
}

/// What fills a placeholder.
#[derive(Clone, Copy, Debug)]
pub enum Bound<'a> {
    /// A positional or named argument of the call.
    Expr(&'a Expr),
    /// `{name}` with no argument of that name: the variable (or constant) `name` in scope.
    Capture(&'a str),
    /// `{3}` with fewer arguments: the compiler refuses the call.
    Missing,
}

/// One piece of the template, with its argument bound.
#[derive(Clone, Debug)]
pub enum BoundPiece<'a> {
    Text(&'a str),
    Placeholder {
        arg: Bound<'a>,
        /// The format spec after `:` (`?`, `>8`), empty if none.
        spec: &'a str,
        /// The placeholder's name as written (`id` for `{id}`), if named.
        name: Option<&'a str>,
        /// Byte range of the whole `{…}` in the template's value.
        range: (usize, usize),
    },
}

/// A `format!`-like call split into its template and arguments.
#[derive(Clone, Debug)]
pub struct FormatCall<'a> {
    /// The template as written: a string literal, or `concat!` of literals.
    pub template: &'a Expr,
    /// The template's value (escapes decoded).
    pub value: String,
    pub pieces: Vec<Piece>,
    pub positional: Vec<&'a Expr>,
    pub named: Vec<(String, &'a Expr)>,
}

/// Why a call's template cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateError {
    /// No argument at the template's position, or one that is not a string literal (nor
    /// `concat!` of literals).
    NotLiteral,
    /// The template does not parse as a format string.
    Format(FormatError),
}

impl<'a> FormatCall<'a> {
    /// Read a call whose template is argument `at` of `args`. `None` when that argument is not
    /// a string literal or the template does not parse (the compiler refuses it).
    pub fn parse(args: &'a Punctuated<Expr, Token![,]>, at: usize) -> Option<FormatCall<'a>> {
        FormatCall::read(args, at).ok()
    }

    /// [`FormatCall::parse`], saying why the template cannot be read.
    pub fn read(
        args: &'a Punctuated<Expr, Token![,]>,
        at: usize,
    ) -> Result<FormatCall<'a>, TemplateError> {
        let template = args.iter().nth(at).ok_or(TemplateError::NotLiteral)?;
        let value = literal_text(template).ok_or(TemplateError::NotLiteral)?;
        let pieces = format_string::parse(&value).map_err(TemplateError::Format)?;
        let mut positional = Vec::new();
        let mut named = Vec::new();
        for a in args.iter().skip(at + 1) {
            match a {
                Expr::Assign(assign) => {
                    if let Expr::Path(p) = &*assign.left {
                        if let Some(id) = p.path.get_ident() {
                            named.push((id.to_string(), &*assign.right));
                            continue;
                        }
                    }
                    positional.push(a);
                }
                other => positional.push(other),
            }
        }
        Ok(FormatCall {
            template,
            value,
            pieces,
            positional,
            named,
        })
    }

    /// The template's string literal, when it is one (not `concat!`).
    pub fn literal(&self) -> Option<&'a syn::LitStr> {
        match crate::strip::strip_refs(self.template) {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s),
            _ => None,
        }
    }

    /// The argument expressions in source order (positional and named values).
    pub fn arguments(&self) -> impl Iterator<Item = &'a Expr> + '_ {
        self.positional
            .iter()
            .copied()
            .chain(self.named.iter().map(|(_, e)| *e))
    }

    /// The template's pieces with each placeholder bound to what fills it.
    pub fn bind(&self) -> Vec<BoundPiece<'_>> {
        let mut next = 0;
        self.pieces
            .iter()
            .map(|piece| match piece {
                Piece::Text(t) => BoundPiece::Text(t),
                Piece::Placeholder { arg, spec, range } => {
                    let (bound, name) = match arg {
                        ArgRef::Next => {
                            next += 1;
                            (self.positional.get(next - 1).copied(), None)
                        }
                        ArgRef::Index(i) => (self.positional.get(*i).copied(), None),
                        ArgRef::Name(n) => (
                            self.named.iter().find(|(k, _)| k == n).map(|(_, e)| *e),
                            Some(n.as_str()),
                        ),
                    };
                    let arg = match (bound, name) {
                        (Some(e), _) => Bound::Expr(e),
                        (None, Some(n)) => Bound::Capture(n),
                        (None, None) => Bound::Missing,
                    };
                    BoundPiece::Placeholder {
                        arg,
                        spec,
                        name,
                        range: *range,
                    }
                }
            })
            .collect()
    }
}

/// The text of a literal expression as `concat!` sees it: string, number, char or bool
/// literals, and `concat!` of those.
pub fn literal_text(e: &Expr) -> Option<String> {
    match crate::strip::strip_refs(e) {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => Some(s.value()),
            syn::Lit::Int(i) => Some(i.base10_digits().to_owned()),
            syn::Lit::Float(f) => Some(f.base10_digits().to_owned()),
            syn::Lit::Char(c) => Some(c.value().to_string()),
            syn::Lit::Bool(b) => Some(b.value.to_string()),
            _ => None,
        },
        Expr::Macro(m) if m.mac.path.is_ident("concat") => {
            let parts = m
                .mac
                .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
                .ok()?;
            parts.iter().map(literal_text).collect()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn bound(src: &str) -> Vec<String> {
        let args =
            syn::parse::Parser::parse_str(Punctuated::<Expr, Token![,]>::parse_terminated, src)
                .unwrap();
        let call = FormatCall::parse(&args, 0).unwrap();
        call.bind()
            .into_iter()
            .map(|p| match p {
                BoundPiece::Text(t) => format!("text {t}"),
                BoundPiece::Placeholder { arg, spec, .. } => match arg {
                    Bound::Expr(e) => format!("expr {}{spec}", e.to_token_stream()),
                    Bound::Capture(n) => format!("capture {n}{spec}"),
                    Bound::Missing => "missing".into(),
                },
            })
            .collect()
    }

    #[test]
    fn binding_rules() {
        assert_eq!(
            bound(r#""{P}:{}:{}:{x:?}:{1}", id, "lit", x = 1"#),
            [
                "capture P",
                "text :",
                "expr id",
                "text :",
                "expr \"lit\"",
                "text :",
                "expr 1?",
                "text :",
                "expr \"lit\""
            ]
        );
        assert_eq!(
            bound(r#""{{u:{id}}}""#),
            ["text {u:", "capture id", "text }"]
        );
        assert_eq!(bound(r#""{2}", a"#), ["missing"]);
    }

    #[test]
    fn concat_templates() {
        assert_eq!(
            bound(r#"concat!("cart", ":{}"), id"#),
            ["text cart:", "expr id"]
        );
    }

    #[test]
    fn templates() {
        assert_eq!(template_position("format"), Some(0));
        assert_eq!(template_position("writeln"), Some(1));
        assert_eq!(template_position("vec"), None);
    }
}
