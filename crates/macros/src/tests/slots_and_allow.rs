//! `slot!`, `assert_same_slot!` and `#[slotlint::allow]`.

use proc_macro2::TokenTree;
use quote::quote;

use super::split;
use crate::allow::expand_allow;
use crate::slots::{expand_assert_same_slot, expand_slot};

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

/// The help of `slot!` on a non-literal compiles as written: `key_slot` takes a `&str`.
#[test]
fn slot_help_borrows_what_is_not_a_str() {
    let help = |arg| {
        let Some(TokenTree::Group(block)) = expand_slot(arg).into_iter().next() else {
            panic!("a block")
        };
        split(block.stream()).1.remove(0)
    };
    assert!(help(quote!(KEY)).ends_with("`slotlint::key_slot(KEY)`"));
    assert!(help(quote!(&key)).ends_with("`slotlint::key_slot(&key)`"));
    let suggested = help(quote!(format!("{{user:{}}}:profile", id)));
    assert!(
        suggested.ends_with(r#"`slotlint::key_slot(&format!("{{user:{}}}:profile",id))`"#),
        "{suggested}"
    );
    assert!(help(quote!(user.key())).ends_with("`slotlint::key_slot(&user.key())`"));
}

fn allow_errors(attr: proc_macro2::TokenStream) -> Vec<String> {
    split(expand_allow(
        attr,
        quote!(
            fn f() {}
        ),
    ))
    .1
}

/// Every spelling the analyzer's suppressions accept (see `tests/rule_names.rs` of the
/// `slotlint` crate for the whole list, compared with the analyzer).
#[test]
fn allow_accepts_names_snake_case_names_and_codes() {
    for attr in [
        quote!(cross_slot_command),
        quote!(CROSS_SLOT_COMMAND),
        quote!(SL101, sl207),
        quote!("cross-slot-command", "cross_slot_command", "SL203"),
        quote!(hot_hash_tag, "non-zero-database", reason = "why"),
    ] {
        assert_eq!(allow_errors(attr.clone()), Vec::<String>::new(), "{attr}");
    }
}

#[test]
fn allow_says_which_rule_was_meant() {
    let e = allow_errors(quote!(
        CrossSlotCommand,
        cross_slot_comand,
        "hot-hashtag",
        SL1O1,
        "sl2077",
        reason = "a",
        reason = "b"
    ));
    assert_eq!(
        e,
        [
            "no rule is named `CrossSlotCommand`\nhelp: did you mean `cross_slot_command`?",
            "no rule is named `cross_slot_comand`\nhelp: did you mean `cross_slot_command`?",
            "no rule is named \"hot-hashtag\"\nhelp: did you mean \"hot-hash-tag\"?",
            "no rule is named `SL1O1`\nhelp: did you mean `SL101`?",
            "no rule is named \"sl2077\"\nhelp: did you mean \"SL207\"?",
            "`reason` is given twice",
        ]
    );
    let e = allow_errors(quote!(everything));
    assert!(
        e[0].starts_with(
            "no rule is named `everything`\nnote: the rules are `cross_slot_command`, \
             `cross_slot_transaction`,"
        ),
        "{e:?}"
    );
    assert!(allow_errors(quote!())[0].contains("needs the rules"));
    assert!(allow_errors(quote!(because = "x"))[0].contains("unknown argument"));
}

/// rustdoc shows a re-export's docs followed by the re-exported item's: the proc macros are
/// documented once, on their re-exports in the `slotlint` crate, never here.
#[test]
fn the_macros_have_no_doc_comments_of_their_own() {
    let lib: syn::File = syn::parse_str(include_str!("../lib.rs")).unwrap();
    let mut macros = 0;
    for item in &lib.items {
        if let syn::Item::Fn(f) = item {
            let is_macro = f.attrs.iter().any(|a| {
                a.path()
                    .get_ident()
                    .is_some_and(|i| i.to_string().starts_with("proc_macro"))
            });
            if is_macro {
                macros += 1;
                assert!(
                    !f.attrs.iter().any(|a| a.path().is_ident("doc")),
                    "`{}` has doc comments: document it on its re-export in `slotlint`",
                    f.sig.ident
                );
            }
        }
    }
    assert_eq!(macros, 5);
}
