//! Expansions tested as functions over `proc_macro2::TokenStream`.

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;

use crate::allow::expand_allow;
use crate::key::{expand_colocated, expand_key};
use crate::read::{Params, Reader};
use crate::slots::{expand_assert_same_slot, expand_slot};

/// The messages of the `compile_error!`s in an expansion, and the expansion without them.
fn split(output: TokenStream) -> (TokenStream, Vec<String>) {
    let tokens: Vec<TokenTree> = output.into_iter().collect();
    let mut kept = Vec::new();
    let mut messages = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        // `:: core :: compile_error ! { "…" }`
        let is_error = matches!(&tokens[i], TokenTree::Punct(p) if p.as_char() == ':')
            && matches!(tokens.get(i + 5), Some(TokenTree::Ident(id)) if id == "compile_error");
        if is_error {
            if let Some(TokenTree::Group(g)) = tokens.get(i + 7) {
                let lit: syn::LitStr = syn::parse2(g.stream()).expect("a message");
                messages.push(lit.value());
                i += 8;
                continue;
            }
        }
        kept.push(tokens[i].clone());
        i += 1;
    }
    (kept.into_iter().collect(), messages)
}

fn key_errors(attr: TokenStream, item: TokenStream) -> Vec<String> {
    let (kept, messages) = split(expand_key(attr, item.clone()));
    assert_eq!(
        kept.to_string(),
        item.to_string(),
        "the item is always emitted"
    );
    messages
}

fn colocated_errors(item: TokenStream) -> Vec<String> {
    let (kept, messages) = split(expand_colocated(TokenStream::new(), item.clone()));
    assert_eq!(
        kept.to_string(),
        item.to_string(),
        "the item is always emitted"
    );
    messages
}

/// The keys a function builds, displayed (`{user:{id}}:profile`).
fn keys_of(item: TokenStream) -> Result<Vec<String>, String> {
    let func: syn::ItemFn = syn::parse2(item).unwrap();
    let params = Params::of(&func.sig);
    let mut reader = Reader::new(&params, func.sig.ident.to_string());
    reader
        .read_body(&func.block)
        .map(|keys| keys.iter().map(|k| k.pattern.to_string()).collect())
        .map_err(|e| e.to_string())
}

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
fn colocated_and_allow_emit_the_item_unchanged() {
    let item = quote! {
        impl User {
            #[slotlint::key(tag = "user:{self.id}")]
            pub fn profile_key(&self) -> String { format!("{{user:{}}}:profile", self.id) }
            pub fn settings_key(&self) -> String { format!("{{user:{}}}:settings", &self.id) }
            pub fn new(id: u64) -> Self { User { id } }
        }
    };
    assert_eq!(
        expand_colocated(TokenStream::new(), item.clone()).to_string(),
        item.to_string()
    );
    let item = quote!(
        fn f() -> u32 {
            1
        }
    );
    assert_eq!(
        expand_allow(
            quote!(cross_slot_command, "hot-hash-tag", reason = "x"),
            item.clone()
        )
        .to_string(),
        item.to_string()
    );
}

#[test]
fn reads_format_strings_and_their_arguments() {
    let keys = |item| keys_of(item).unwrap();
    assert_eq!(
        keys(quote!(
            fn k(id: u64) -> String {
                format!("{{user:{id}}}:profile")
            }
        )),
        ["{user:{id}}:profile"]
    );
    // Positional, indexed, named, specs, field paths, `&` and `.to_string()` on arguments.
    assert_eq!(
        keys(quote!(
            fn k(id: u64, kind: &str) -> String {
                format!(
                    "{{user:{}}}:{1}:{0}:{k:?}:{x}",
                    &id,
                    kind.to_string(),
                    k = kind,
                    x = id
                )
            }
        )),
        ["{user:{id}}:{kind}:{id}:{kind:?}:{id}"]
    );
    assert_eq!(
        keys(quote!(
            fn k(&self) -> String {
                format!("{{u:{}}}", self.user.id)
            }
        )),
        ["{u:{self.user.id}}"]
    );
    // Through `let`, conversions, `format_args!`, `+`, `String::from`, `.into()`.
    assert_eq!(
        keys(quote!(
            fn k(id: u64) -> String {
                let tag = format!("{{user:{id}}}");
                let uid = id;
                let key = format!("{tag}:{}", uid);
                String::from(key)
            }
        )),
        ["{user:{id}}:{id}"]
    );
    assert_eq!(
        keys(quote!(
            fn k(id: u64) -> String {
                format_args!("{{t:{}}}", id).to_string()
            }
        )),
        ["{t:{id}}"]
    );
    assert_eq!(
        keys(quote!(
            fn k(id: &str) -> String {
                "{t:".to_owned() + id + "}" + &format!(":{id}")
            }
        )),
        ["{t:{id}}:{id}"]
    );
    assert_eq!(
        keys(quote!(
            fn k() -> String {
                "{stats}:daily".into()
            }
        )),
        ["{stats}:daily"]
    );
    // Literal arguments are inlined.
    assert_eq!(
        keys(quote!(
            fn k(id: u64) -> String {
                format!("{{{}:{}}}", "user", id)
            }
        )),
        ["{user:{id}}"]
    );
    // `push_str` and `+=` on a bound key.
    assert_eq!(
        keys(quote!(
            fn k(id: u64) -> String {
                let mut key = String::from("{user:");
                key.push_str(&id.to_string());
                key += "}";
                key
            }
        )),
        ["{user:{id}}"]
    );
    // Branches and `return`s, not closures.
    assert_eq!(
        keys(quote!(
            fn k(id: u64, old: bool) -> String {
                let f = || {
                    return 5;
                };
                if old {
                    return format!("{{u:{id}}}:v1");
                }
                match id {
                    0 => format!("{{u:{id}}}:zero"),
                    _ => format!("{{u:{id}}}:n"),
                }
            }
        )),
        ["{u:{id}}:v1", "{u:{id}}:zero", "{u:{id}}:n"]
    );
    // A computed local is a hole named after the local.
    assert_eq!(
        keys(quote!(
            fn k(id: u64) -> String {
                let shard = id % 16;
                format!("{{s:{shard}}}")
            }
        )),
        ["{s:{shard}}"]
    );
}

#[test]
fn says_what_it_cannot_read() {
    let error = keys_of(quote!(
        fn k(id: u64) -> String {
            build(id)
        }
    ))
    .unwrap_err();
    assert!(error.contains("cannot read the key `k` builds"), "{error}");
    assert!(error.contains("slotlint reads"), "{error}");
    let error = keys_of(quote!(
        fn k(key: String) -> String {
            key
        }
    ))
    .unwrap_err();
    assert!(error.contains("`key` is a parameter"), "{error}");
    let error = keys_of(quote!(
        fn k(id: u64) -> String {
            format!(FMT, id)
        }
    ))
    .unwrap_err();
    assert!(error.contains("not a string literal"), "{error}");
    let error = keys_of(quote!(
        fn k(id: u64) -> String {
            let mut s = format!("{{u:{id}}}");
            s.insert(0, 'x');
            s
        }
    ))
    .unwrap_err();
    assert!(error.contains("changed by `insert`"), "{error}");
    let error = keys_of(quote!(
        fn k() -> String {
            format!("{}:{}", 1)
        }
    ))
    .unwrap_err();
    assert!(error.contains("placeholder `{}`"), "{error}");
    let error = keys_of(quote!(
        fn k() -> String {
            format!("{:.*}", 1, 2)
        }
    ))
    .unwrap_err();
    assert!(error.contains(".*"), "{error}");
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
        e[0].starts_with("key `user:{id}:p` has no hash tag"),
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
        e[0].contains("`users` of key `{users}:{id}` has no varying part"),
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
        e[0].contains("has hash tag `user:{other}`, but `k` declares `user:{id}`"),
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
fn colocated_rules() {
    let e = colocated_errors(quote! {
        mod keys {
            pub fn a_key(id: u64) -> String { format!("{{user:{id}}}:a") }
            pub fn helper(x: u64) -> u64 { x }
            #[slotlint::key]
            pub fn b(id: u64) -> String { format!("{{user:{id}}}:b") }
            pub fn c_key(id: u64) -> String { format!("{{order:{id}}}:c") }
            pub fn d_key(user_id: u64) -> String { format!("{{user:{user_id}}}:d") }
            pub fn e_key(id: u64) -> String { format!("user:{id}:e") }
        }
    });
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(
        e[0].starts_with("key `user:{id}:e` has no hash tag"),
        "{e:?}"
    );
    assert!(
        e[1].starts_with("`c_key` builds keys tagged `order:{id}`, but `a_key`"),
        "{e:?}"
    );
    assert!(e[2].contains("over `{user_id}` instead of `{id}`"), "{e:?}");

    // A member's own `#[slotlint::key]` reports its errors, not the group.
    let e = colocated_errors(quote! {
        impl User {
            #[slotlint::key]
            fn a(&self) -> String { format!("user:{}", self.id) }
            fn b_key(&self) -> String { format!("{{user:{}}}", self.id) }
        }
    });
    assert!(e.is_empty(), "{e:?}");

    let e = colocated_errors(quote!(impl User { fn new() -> Self { User } }));
    assert!(e[0].contains("has no key functions"), "{e:?}");
    let e = colocated_errors(quote!(
        struct S;
    ));
    assert!(
        e[0].contains("goes on an `impl` block or an inline `mod`"),
        "{e:?}"
    );
}

#[test]
fn slots_of_literals() {
    assert_eq!(expand_slot(quote!("foo")).to_string(), "12182u16");
    assert_eq!(expand_slot(quote!(b"{foo}bar",)).to_string(), "12182u16");
    let Some(TokenTree::Group(block)) = expand_slot(quote!(KEY)).into_iter().next() else {
        panic!("a block")
    };
    let (rest, e) = split(block.stream());
    assert!(e[0].contains("`slot!` takes a string literal"), "{e:?}");
    assert_eq!(rest.to_string(), "0u16", "a u16 all the same");

    assert!(expand_assert_same_slot(quote!("{a}1", "{a}2", "a")).is_empty());
    let (_, e) = split(expand_assert_same_slot(quote!("a", "b", X, "{a}x")));
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].contains("\"b\" is in slot 3300, but \"a\" is in slot 15495"),
        "{e:?}"
    );
    assert!(e[1].contains("takes string literals"), "{e:?}");
    let (_, e) = split(expand_assert_same_slot(quote!("{user:1}:a", "{user:2}:b")));
    assert!(
        e[0].contains("\"{user:2}:b\" has `user:2`, \"{user:1}:a\" has `user:1`"),
        "{e:?}"
    );
    let (_, e) = split(expand_assert_same_slot(quote!("a")));
    assert!(e[0].contains("two keys or more"), "{e:?}");
}

#[test]
fn allow_checks_rule_spelling() {
    let errors = |attr| {
        split(expand_allow(
            attr,
            quote!(
                fn f() {}
            ),
        ))
        .1
    };
    assert!(errors(quote!(cross_slot_command)).is_empty());
    assert!(errors(quote!("cross-slot-command", hot_hash_tag, reason = "why")).is_empty());
    let e = errors(quote!(CrossSlot, "cross_slot", reason = "a", reason = "b"));
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(e[0].contains("`CrossSlot` is not a rule name"), "{e:?}");
    assert!(e[1].contains("\"cross-slot\""), "{e:?}");
    assert!(errors(quote!())[0].contains("needs the rules"));
    assert!(errors(quote!(because = "x"))[0].contains("unknown argument"));
}
