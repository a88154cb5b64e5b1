//! Wrappers that pass a value through unchanged.

use syn::Expr;

/// `&x`, `(x)` and invisible groups around `x`.
pub fn strip_refs(mut e: &Expr) -> &Expr {
    loop {
        e = match e {
            Expr::Reference(r) => &r.expr,
            Expr::Paren(p) => &p.expr,
            Expr::Group(g) => &g.expr,
            _ => return e,
        };
    }
}

/// Methods that return their receiver's text unchanged (as another string type).
pub const TEXT_CONVERSIONS: &[&str] = &[
    "to_owned",
    "to_string",
    "into",
    "clone",
    "as_str",
    "as_ref",
    "borrow",
];

/// [`strip_refs`], and conversions that keep a string's text: `x.to_owned()`, `x.to_string()`,
/// `String::from(x)`, `Cow::from(x)`.
pub fn strip_text_wrappers(mut e: &Expr) -> &Expr {
    loop {
        e = match strip_refs(e) {
            Expr::MethodCall(m)
                if m.args.is_empty()
                    && TEXT_CONVERSIONS.contains(&m.method.to_string().as_str()) =>
            {
                &m.receiver
            }
            Expr::Call(c) if c.args.len() == 1 => match &*c.func {
                Expr::Path(p)
                    if p.path.segments.len() >= 2
                        && p.path.segments.last().is_some_and(|s| s.ident == "from") =>
                {
                    &c.args[0]
                }
                _ => return strip_refs(e),
            },
            other => return other,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn stripped(src: &str) -> String {
        let e: Expr = syn::parse_str(src).unwrap();
        strip_text_wrappers(&e).to_token_stream().to_string()
    }

    #[test]
    fn wrappers() {
        assert_eq!(stripped("&(x)"), "x");
        assert_eq!(stripped("String::from(x).to_owned()"), "x");
        assert_eq!(stripped("&key.to_string()"), "key");
        assert_eq!(stripped("from(x)"), "from (x)");
        assert_eq!(stripped("x.len()"), "x . len ()");
    }
}
