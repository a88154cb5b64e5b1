//! The span of an expression without printing it. syn's `Spanned::span` prints the whole
//! node to tokens and joins the first and last token's spans: allocation and work in the
//! node's size, and the evaluator asks for the span (or text) of nearly every call it
//! meets, whose receivers nest (`a.b().c().d()`). Here the first and last tokens of the
//! common expressions are found by structure, and joined as `quote` joins them; any other
//! expression is asked of syn. The same span either way (checked in debug builds and tested).
//!
//! Not here: positions in files ([`crate::source`]).

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, Member, PathArguments};

/// A node whose span the evaluator asks for: expressions fast, anything else through syn.
pub(super) trait NodeSpan {
    fn node_span(&self) -> Span;
}

impl NodeSpan for Expr {
    fn node_span(&self) -> Span {
        let span = match (first(self), last(self)) {
            // As `quote::spanned::join_spans`: the first token's span when they do not join.
            (Some(first), Some(last)) => first.join(last).unwrap_or(first),
            _ => self.span(),
        };
        debug_assert_eq!(
            span.byte_range(),
            self.span().byte_range(),
            "fast span of {}",
            quote::quote!(#self)
        );
        span
    }
}

macro_rules! through_syn {
    ($($t:ty),*) => {
        $(impl NodeSpan for $t {
            fn node_span(&self) -> Span {
                self.span()
            }
        })*
    };
}

through_syn!(
    syn::Pat,
    syn::PatType,
    syn::Macro,
    syn::Ident,
    syn::Type,
    syn::Local,
    syn::Stmt,
    syn::Block,
    syn::LitStr,
    syn::FieldValue,
    syn::Arm,
    syn::ExprMacro,
    syn::ExprPath
);

impl<T: NodeSpan + ?Sized> NodeSpan for &T {
    fn node_span(&self) -> Span {
        (**self).node_span()
    }
}

impl<T: NodeSpan + ?Sized> NodeSpan for Box<T> {
    fn node_span(&self) -> Span {
        (**self).node_span()
    }
}

/// The span of the first token `quote` prints for `e`, when known by structure.
fn first(e: &Expr) -> Option<Span> {
    let (attrs, span) = match e {
        Expr::MethodCall(m) => (&m.attrs, first(&m.receiver)?),
        Expr::Call(c) => (&c.attrs, first(&c.func)?),
        Expr::Field(f) => (&f.attrs, first(&f.base)?),
        Expr::Try(t) => (&t.attrs, first(&t.expr)?),
        Expr::Await(a) => (&a.attrs, first(&a.base)?),
        Expr::Index(i) => (&i.attrs, first(&i.expr)?),
        Expr::Path(p) if p.qself.is_none() => (&p.attrs, path_first(&p.path)?),
        Expr::Lit(l) => (&l.attrs, l.lit.span()),
        Expr::Reference(r) => (&r.attrs, r.and_token.span),
        Expr::Paren(p) => (&p.attrs, p.paren_token.span.join()),
        Expr::Macro(m) => (&m.attrs, path_first(&m.mac.path)?),
        _ => return None,
    };
    // Inner attributes are printed elsewhere than first: asked of syn.
    if attrs
        .iter()
        .any(|a| !matches!(a.style, syn::AttrStyle::Outer))
    {
        return None;
    }
    Some(match attrs.first() {
        Some(attr) => attr.pound_token.span,
        None => span,
    })
}

/// The span of the last token `quote` prints for `e`, when known by structure.
fn last(e: &Expr) -> Option<Span> {
    Some(match e {
        Expr::MethodCall(m) => m.paren_token.span.join(),
        Expr::Call(c) => c.paren_token.span.join(),
        Expr::Field(f) => match &f.member {
            Member::Named(ident) => ident.span(),
            Member::Unnamed(index) => index.span,
        },
        Expr::Try(t) => t.question_token.span,
        Expr::Await(a) => a.await_token.span,
        Expr::Index(i) => i.bracket_token.span.join(),
        Expr::Path(p) if p.qself.is_none() => path_last(&p.path)?,
        Expr::Lit(l) => l.lit.span(),
        Expr::Reference(r) => last(&r.expr)?,
        Expr::Paren(p) => p.paren_token.span.join(),
        Expr::Macro(m) => match &m.mac.delimiter {
            syn::MacroDelimiter::Paren(p) => p.span.join(),
            syn::MacroDelimiter::Brace(b) => b.span.join(),
            syn::MacroDelimiter::Bracket(b) => b.span.join(),
        },
        _ => return None,
    })
}

fn path_first(path: &syn::Path) -> Option<Span> {
    match &path.leading_colon {
        Some(colons) => Some(colons.spans[0]),
        None => Some(path.segments.first()?.ident.span()),
    }
}

fn path_last(path: &syn::Path) -> Option<Span> {
    // A trailing `::` is printed after the last segment.
    if path.segments.trailing_punct() {
        return None;
    }
    let last = path.segments.last()?;
    match &last.arguments {
        PathArguments::None => Some(last.ident.span()),
        PathArguments::AngleBracketed(a) => Some(a.gt_token.span),
        PathArguments::Parenthesized(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of expression handled by structure, alone and nested, with attributes,
    /// turbofish, `::` paths and macros: the span syn gives.
    #[test]
    fn the_span_syn_gives() {
        let exprs = [
            "a",
            "::a::b",
            "a::b::<T>",
            "Vec::<u8>::new",
            "<T as Tr>::f()",
            "a.b()",
            "a.b::<T>(x, y)",
            "a.b().c(d.e())?.f.0.await",
            "foo(1, \"x\")(2)",
            "#[allow(x)] a.b()",
            "&mut a[1].b",
            "(a + b).c()",
            "format!(\"{}\", a).len()",
            "vec![1, 2][0]",
            "m! { a }",
            "a.b(|x| x + 1)",
            "-a.b()",
            "'c'",
            "x.0.1",
            "&&a",
            "a?.b?",
            "r#type.r#match()",
        ];
        for text in exprs {
            let file = format!("fn f() {{ let _ = {text}; }}");
            let parsed: syn::File = syn::parse_str(&file).unwrap();
            let syn::Item::Fn(f) = &parsed.items[0] else {
                panic!()
            };
            let syn::Stmt::Local(local) = &f.block.stmts[0] else {
                panic!()
            };
            let expr = &local.init.as_ref().unwrap().expr;
            let mut all = Vec::new();
            collect(expr, &mut all);
            for e in all {
                assert_eq!(
                    e.node_span().byte_range(),
                    e.span().byte_range(),
                    "{}",
                    quote::quote!(#e)
                );
            }
            assert_eq!(&file[expr.node_span().byte_range()], text);
        }
    }

    /// `e` and the expressions inside it.
    fn collect<'e>(e: &'e Expr, all: &mut Vec<&'e Expr>) {
        struct Walk<'v, 'e>(&'v mut Vec<&'e Expr>);
        impl<'e> syn::visit::Visit<'e> for Walk<'_, 'e> {
            fn visit_expr(&mut self, e: &'e Expr) {
                self.0.push(e);
                syn::visit::visit_expr(self, e);
            }
        }
        syn::visit::Visit::visit_expr(&mut Walk(all), e);
    }
}
