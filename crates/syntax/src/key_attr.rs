//! slotlint's own attributes as the analyzer, `fix` and the macros read them:
//! `#[slotlint::key(tag = "user:{id}")]` and `#[slotlint::colocated]`.

use syn::Attribute;

/// The path of an attribute as written, segment by segment (`::slotlint::key` → `slotlint`, `key`).
fn segments(attr: &Attribute) -> Vec<String> {
    attr.path()
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect()
}

/// `#[slotlint::key]`, `#[key]`, `#[::slotlint::key(…)]`, `#[slotlint_macros::key]`.
pub fn is_key_attr(attr: &Attribute) -> bool {
    matches!(
        segments(attr)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()[..],
        ["key"] | ["slotlint", "key"] | ["slotlint_macros", "key"]
    )
}

/// `#[slotlint::colocated]` (any path ending in `colocated`).
pub fn is_colocated_attr(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "colocated")
}

/// The tag a `#[slotlint::key(tag = "…")]` among `attrs` declares: the literal as written
/// (a format-string-like template over the function's parameter names).
pub fn declared_tag(attrs: &[Attribute]) -> Option<syn::LitStr> {
    let attr = attrs.iter().find(|a| is_key_attr(a))?;
    let mut tag = None;
    attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("tag") {
            tag = Some(meta.value()?.parse::<syn::LitStr>()?);
        } else if meta.input.peek(syn::Token![=]) {
            // Other `name = value` arguments are the macro's business.
            let _: syn::Expr = meta.value()?.parse()?;
        }
        Ok(())
    })
    .ok()?;
    tag
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(src: &str) -> Vec<Attribute> {
        let f: syn::ItemFn = syn::parse_str(&format!("{src} fn f() {{}}")).unwrap();
        f.attrs
    }

    #[test]
    fn reads_the_tag() {
        let a = attrs(r#"#[slotlint::key(tag = "user:{id}")]"#);
        assert_eq!(declared_tag(&a).unwrap().value(), "user:{id}");
        assert!(declared_tag(&attrs("#[slotlint::key]")).is_none());
        assert!(declared_tag(&attrs(r#"#[other::key(tag = "x")]"#)).is_none());
        assert!(is_colocated_attr(&attrs("#[slotlint::colocated]")[0]));
    }
}
