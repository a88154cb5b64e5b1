//! `#[slotlint::key]`.

use quote::quote;

use super::key_errors;
use crate::key::expand_key;

#[test]
fn key_emits_the_function_unchanged() {
    let cases = [
        (
            quote!(tag = "user:{id}"),
            quote! {
                /// Docs stay.
                #[inline]
                pub fn profile_key(id: u64) -> String {
                    let unused = 1 + 2;
                    format!("{{user:{id}}}:profile")
                }
            },
        ),
        (
            quote!(),
            quote! {
                async fn cart_key<'a>(cart: &'a str) -> String where 'a: 'a {
                    format!("{{cart:{}}}:items", cart).to_string()
                }
            },
        ),
        (
            quote!(tag = "order:{self.id}"),
            quote! {
                fn lines_key(&self) -> String {
                    if self.archived {
                        return format!("{{order:{}}}:lines:old", self.id);
                    }
                    format!("{{order:{}}}:lines", self.id)
                }
            },
        ),
    ];
    for (attr, item) in cases {
        let output = expand_key(attr, item.clone());
        // Token for token, the input: no wrapper, no added statement, no run-time cost.
        assert_eq!(output.to_string(), item.to_string());
    }
}

#[test]
fn key_rules() {
    assert!(key_errors(
        quote!(),
        quote!(
            fn k(id: u64) -> String {
                format!("{{u:{id}}}")
            }
        )
    )
    .is_empty());
    // A constant key may have a constant tag.
    assert!(key_errors(
        quote!(),
        quote!(
            fn k() -> &'static str {
                "{stats}:daily"
            }
        )
    )
    .is_empty());
    // Declared constant tags are accepted.
    assert!(key_errors(
        quote!(tag = "users"),
        quote!(
            fn k(id: u64) -> String {
                format!("{{users}}:{id}")
            }
        )
    )
    .is_empty());

    let e = key_errors(
        quote!(),
        quote!(
            fn k(id: u64) -> String {
                format!("user:{id}:p")
            }
        ),
    );
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with("key `user:<id>:p` has no hash tag"),
        "{e:?}"
    );
    assert!(
        e[0].contains(r#""{{user:{id}}}:p""#),
        "suggests the braces: {e:?}"
    );

    let e = key_errors(
        quote!(),
        quote!(
            fn k(id: u64) -> String {
                format!("{{users}}:{}", id)
            }
        ),
    );
    assert!(
        e[0].contains("`users` of key `{users}:<id>` has no varying part"),
        "{e:?}"
    );
    assert!(e[0].contains(r#""{{users:{}}}""#), "{e:?}");

    let e = key_errors(
        quote!(tag = "user:{id}"),
        quote!(
            fn k(id: u64, other: u64) -> String {
                format!("{{user:{other}}}:p")
            }
        ),
    );
    assert!(
        e[0].contains("has hash tag `user:<other>`, but `k` declares `user:<id>`"),
        "{e:?}"
    );
    assert!(
        e[0].contains("tags are compared by parameter name"),
        "{e:?}"
    );

    let e = key_errors(
        quote!(tag = "user:{id}"),
        quote!(
            fn k(id: u64) -> String {
                format!("user:{id}:p")
            }
        ),
    );
    assert!(
        e[0].contains(r#"help: put the tag in braces: "{{user:{id}}}:p""#),
        "{e:?}"
    );

    let e = key_errors(
        quote!(tag = "user:{idd}"),
        quote!(
            fn k(id: u64) -> String {
                format!("{{user:{id}}}")
            }
        ),
    );
    assert!(
        e[0].contains("names no parameter of `k` (its parameters: `id`)"),
        "{e:?}"
    );
    let e = key_errors(
        quote!(tag = "{user:{id}}"),
        quote!(
            fn k(id: u64) -> String {
                format!("{{user:{id}}}")
            }
        ),
    );
    assert!(
        e[0].contains(r#"without the braces around it: `tag = "user:{id}"`"#),
        "{e:?}"
    );
    let e = key_errors(
        quote!(tags = "x"),
        quote!(
            fn k(id: u64) -> String {
                format!("{{user:{id}}}")
            }
        ),
    );
    assert!(e[0].starts_with("unknown argument"), "{e:?}");
    let e = key_errors(
        quote!(),
        quote!(
            struct S;
        ),
    );
    assert!(e[0].contains("goes on a function"), "{e:?}");

    // Errors are collected: both branches are reported.
    let e = key_errors(
        quote!(),
        quote!(
            fn k(id: u64, a: bool) -> String {
                if a {
                    format!("u:{id}")
                } else {
                    format!("v:{id}")
                }
            }
        ),
    );
    assert_eq!(e.len(), 2, "{e:?}");
    let e = key_errors(
        quote!(),
        quote!(
            fn k(id: u64, a: bool) -> String {
                if a {
                    format!("{{u:{id}}}")
                } else {
                    format!("{{v:{id}}}")
                }
            }
        ),
    );
    assert!(
        e[0].contains("builds keys with different hash tags"),
        "{e:?}"
    );
}

#[test]
fn tag_takes_a_string_literal_and_says_so() {
    for (attr, shown) in [
        (quote!(tag = USER_TAG), "USER_TAG"),
        (
            quote!(tag = concat!("user:", "{id}")),
            "concat!(\"user:\",\"{id}\")",
        ),
        (quote!(tag = 5), "5"),
    ] {
        let e = key_errors(
            attr,
            quote!(
                fn k(id: u64) -> String {
                    format!("{{user:{id}}}")
                }
            ),
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(
            e[0],
            format!(
                "`tag` takes a string literal, as in `tag = \"user:{{id}}\"`; `{shown}` is not \
                 one\nnote: the macro reads `tag` as text when it expands, before constants and \
                 macros have values: write it inline"
            )
        );
    }
}

/// A group's member, already checked by the group, checks nothing more.
#[test]
fn a_member_marked_by_its_group_is_emitted_as_is() {
    let item = quote!(
        fn k(id: u64) -> String {
            helper(id)
        }
    );
    let marker = quote::format_ident!("{}", crate::key::CHECKED_BY_GROUP);
    assert_eq!(
        expand_key(quote!(#marker), item.clone()).to_string(),
        item.to_string()
    );
}
