//! Wrappers that pass a value through unchanged.
//!
//! One policy for every reader of a key's text: the analyzer, `fix` (which literals are format
//! arguments, constants, pieces of a key) and the macros (what a key builder returns, which
//! `fix --annotate` must predict).

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
    "into_owned",
];

/// Whether `receiver.method()` (no arguments) gives back the receiver's text.
pub fn is_text_conversion(method: &syn::ExprMethodCall) -> bool {
    method.args.is_empty() && TEXT_CONVERSIONS.contains(&method.method.to_string().as_str())
}

/// Whether calling `func` with one argument gives back the argument's text: `String::from`,
/// `Cow::from`, `Box::new` (`String`, `Cow`, `Box`, `Rc`, `Arc` with `from` or `new`),
/// `ToString::to_string`, `Into::into`, and `Ok`, `Some` (a function returning a key in a
/// `Result` or an `Option`). Not any `T::from`: a type of the project may display differently.
pub fn is_text_wrapper(func: &Expr) -> bool {
    let Expr::Path(p) = func else { return false };
    if p.qself.is_some() {
        return false;
    }
    let segments: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    match segments.as_slice() {
        [one] => matches!(one.as_str(), "Ok" | "Some"),
        [.., ty, method] => {
            matches!(ty.as_str(), "String" | "Cow" | "Box" | "Rc" | "Arc")
                && matches!(method.as_str(), "from" | "new")
                || ty == "ToString" && method == "to_string"
                || ty == "Into" && method == "into"
        }
        _ => false,
    }
}

/// [`strip_refs`], `*x`, and what keeps a string's text: conversions ([`is_text_conversion`])
/// and wrapping calls ([`is_text_wrapper`]).
pub fn strip_text_wrappers(mut e: &Expr) -> &Expr {
    loop {
        e = match strip_refs(e) {
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => &u.expr,
            Expr::MethodCall(m) if is_text_conversion(m) => &m.receiver,
            Expr::Call(c) if c.args.len() == 1 && is_text_wrapper(&c.func) => &c.args[0],
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
        assert_eq!(stripped("*Cow::from(k).into_owned()"), "k");
        assert_eq!(stripped("Ok(std::sync::Arc::new(k))"), "k");
        assert_eq!(stripped("ToString::to_string(&k)"), "k");
        assert_eq!(stripped("from(x)"), "from (x)");
        assert_eq!(stripped("UserId::from(x)"), "UserId :: from (x)");
        assert_eq!(stripped("x.len()"), "x . len ()");
    }
}
