//! `#[slotlint::colocated]`: members, calls between them, tags matched by argument or `by`.

use proc_macro2::TokenStream;
use quote::quote;

use super::{colocated_errors, colocated_errors_with, split};
use crate::colocated::expand_colocated;
use crate::key::CHECKED_BY_GROUP;

#[test]
fn the_item_is_emitted_with_its_members_marked() {
    let item = quote! {
        impl User {
            #[slotlint::key(tag = "user:{self.id}")]
            pub fn profile_key(&self) -> String { format!("{{user:{}}}:profile", self.id) }
            pub fn settings_key(&self) -> String { format!("{{user:{}}}:settings", &self.id) }
            pub fn new(id: u64) -> Self { User { id } }
        }
    };
    let output = expand_colocated(TokenStream::new(), item.clone()).to_string();
    let expected = item.to_string().replace(
        "# [slotlint :: key (tag = \"user:{self.id}\")]",
        &format!("# [slotlint :: key ({CHECKED_BY_GROUP})]"),
    );
    assert_eq!(output, expected);
    // Without `#[slotlint::key]` inside, the tokens are the input's.
    let item = quote! {
        mod keys {
            /// Docs stay.
            pub fn a(id: u64) -> String { format!("{{user:{id}}}:a") }
        }
    };
    assert_eq!(
        expand_colocated(TokenStream::new(), item.clone()).to_string(),
        item.to_string()
    );
}

#[test]
fn members_are_the_functions_that_build_keys_whatever_their_names() {
    // `profile` builds a key; `new`, `id` and `ttl` do not.
    let e = colocated_errors(quote! {
        impl User {
            pub fn new(id: u64) -> Self { User { id } }
            pub fn id(&self) -> u64 { self.id }
            pub fn ttl() -> std::time::Duration { std::time::Duration::from_secs(60) }
            fn profile(id: u64) -> String { format!("{{user:{id}}}:profile") }
            fn sessions(id: u64) -> String {
                let key = format!("{{user:{id}}}:sessions");
                key
            }
            fn feed(id: u64, old: bool) -> String {
                if old { return "{user:legacy}:feed".to_owned(); }
                String::from(format!("{{user:{id}}}:feed"))
            }
        }
    });
    // `feed`'s legacy key has a constant tag: it is a member, checked like the others.
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("`feed` builds keys with different hash tags"),
        "{e:?}"
    );

    // A function that returns a string and is no key: an error that says how to exclude it.
    let e = colocated_errors(quote! {
        impl User {
            fn profile(&self) -> String { format!("{{user:{}}}:profile", self.id) }
            fn display_name(&self) -> String { format!("user #{}", self.id) }
        }
    });
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("key `user #<self.id>` has no hash tag"),
        "{e:?}"
    );
    assert!(
        e[0].contains(
            "note: `display_name` is checked as a key builder of this \
             `#[slotlint::colocated]` group because it returns a `format!`; if it builds no \
             Redis key, exclude it: `#[slotlint::colocated(exclude = \"display_name\")]`"
        ),
        "{e:?}"
    );

    // Excluded, it is not checked; a call to it is not followed.
    let e = colocated_errors_with(
        quote!(exclude = "display_name, label"),
        quote! {
            impl User {
                fn profile(&self) -> String { format!("{{user:{}}}:profile", self.id) }
                fn display_name(&self) -> String { format!("user #{}", self.id) }
                fn label(&self) -> &'static str { "user" }
            }
        },
    );
    assert!(e.is_empty(), "{e:?}");

    let e = colocated_errors(quote!(impl User { fn new() -> Self { User } }));
    assert!(e[0].contains("has no key builders"), "{e:?}");
    let e = colocated_errors(quote!(
        struct S;
    ));
    assert!(
        e[0].contains("goes on an `impl` block or an inline `mod`"),
        "{e:?}"
    );
}

#[test]
fn exclude_is_checked() {
    let e = colocated_errors_with(
        quote!(exclude = "dispaly_name"),
        quote! {
            impl User {
                fn profile(&self) -> String { format!("{{user:{}}}:profile", self.id) }
                fn display_name(&self) -> String { format!("user #{}", self.id) }
            }
        },
    );
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(
        e[0],
        "`exclude` names `dispaly_name`, which is no function of this group\n\
         help: did you mean `display_name`?"
    );
    assert!(
        e[1].ends_with("`#[slotlint::colocated(exclude = \"display_name\")]`"),
        "{e:?}"
    );

    let e = colocated_errors_with(
        quote!(exclude = "profile"),
        quote! {
            impl User {
                #[slotlint::key]
                fn profile(&self) -> String { format!("{{user:{}}}:profile", self.id) }
            }
        },
    );
    assert!(
        e[0].starts_with("`profile` carries `#[slotlint::key]`"),
        "{e:?}"
    );

    for (attr, message) in [
        (
            quote!(exclude = HELPERS),
            "`exclude` takes a string literal",
        ),
        (quote!(exclude = ""), "`exclude` lists functions by name"),
        (quote!(by = "id"), "two or more"),
        (
            quote!(by = "id, order-id"),
            "`order-id` is not a parameter or a field",
        ),
        (quote!(by = "a, b", by = "c, d"), "`by` is given twice"),
        (quote!(tag = "x"), "unknown argument"),
    ] {
        let (_, e) = split(expand_colocated(
            attr,
            quote!(
                mod m {
                    pub fn a(id: u64) -> String {
                        format!("{{a:{id}}}")
                    }
                }
            ),
        ));
        assert!(e[0].contains(message), "{message}: {e:?}");
    }
}

#[test]
fn calls_to_members_are_read_with_the_callers_arguments() {
    let e = colocated_errors(quote! {
        impl User {
            fn profile(id: u64) -> String { format!("{{user:{id}}}:profile") }
            fn archive(uid: u64) -> String { format!("{}:archive", Self::profile(uid)) }
            fn feed(id: u64) -> String { User::profile(id) }
        }
    });
    assert!(e.is_empty(), "{e:?}");
    let e = colocated_errors(quote! {
        impl User {
            fn base(&self) -> String { format!("{{user:{}}}", self.id) }
            fn sessions(&self) -> String { self.base() + ":sessions" }
            fn feed(&self) -> String { Self::base(self) + ":feed" }
        }
    });
    assert!(e.is_empty(), "{e:?}");

    // The tag of a call is the callee's, over the argument given.
    let e = colocated_errors(quote! {
        mod keys {
            pub fn profile(id: u64) -> String { format!("{{user:{id}}}:profile") }
            pub fn next(id: u64) -> String { self::profile(id + 1) }
            pub fn shared() -> String { profile(0) }
        }
    });
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].starts_with("`next` builds keys tagged `user:<id+1>`"),
        "{e:?}"
    );
    assert!(
        e[1].starts_with("`shared` builds keys tagged `user:0`"),
        "{e:?}"
    );

    // A member whose body cannot be read reports it once; its callers add nothing.
    let e = colocated_errors(quote! {
        mod keys {
            pub fn profile(id: u64) -> String { build(id) + ":profile" }
            pub fn archive(id: u64) -> String { format!("{}:archive", profile(id)) }
        }
    });
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("cannot read the key `profile` builds"),
        "{e:?}"
    );

    // Recursion is not followed, and said so.
    let e = colocated_errors(quote! {
        mod keys {
            pub fn a(id: u64, n: u32) -> String {
                if n == 0 { format!("{{a:{id}}}") } else { a(id, n - 1) }
            }
        }
    });
    assert!(e[0].contains("`a` calls itself back"), "{e:?}");
}

#[test]
fn a_members_own_key_attribute_is_checked_by_the_group() {
    // `archive`'s own expansion could not read `Self::profile(id)`: the group checks it.
    let e = colocated_errors(quote! {
        impl User {
            fn profile(id: u64) -> String { format!("{{user:{id}}}:profile") }
            #[slotlint::key(tag = "user:{id}")]
            fn archive(id: u64) -> String { format!("{}:archive", Self::profile(id)) }
            #[slotlint::key(tag = "usr:{id}")]
            fn feed(id: u64) -> String { format!("{{user:{id}}}:feed") }
            #[slotlint::key(tags = "x")]
            fn other(id: u64) -> String { format!("{{user:{id}}}:other") }
        }
    });
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(e[0].starts_with("unknown argument"), "{e:?}");
    assert!(
        e[1].starts_with("key `{user:<id>}:feed` has hash tag `user:<id>`, but `feed` declares"),
        "{e:?}"
    );
}

#[test]
fn parameters_with_other_names_match_by_the_argument_that_fills_the_tag() {
    let e = colocated_errors(quote! {
        mod orders {
            pub fn lines(order_id: u64) -> String { format!("{{order:{order_id}}}:lines") }
            pub fn status(id: u64) -> String { format!("{{order:{id}}}:status") }
            pub fn line(o: u64, line: u32) -> String { format!("{{order:{o}}}:line:{line}") }
        }
    });
    assert!(e.is_empty(), "{e:?}");

    // A member that also has the other's parameter name: more likely a mistake.
    let friend = quote! {
        mod users {
            pub fn profile(id: u64) -> String { format!("{{user:{id}}}:profile") }
            pub fn friend(id: u64, friend: u64) -> String { format!("{{user:{friend}}}:friend:{id}") }
        }
    };
    let e = colocated_errors(friend.clone());
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].ends_with(
            "note: the text is the same, but over `<friend>` instead of `<id>`, and `friend` \
             has a parameter `id` too; if `friend` is meant, say which parameters carry the \
             group's tag: `#[slotlint::colocated(by = \"id, friend\")]`"
        ),
        "{e:?}"
    );
    // Said with `by`, it is accepted.
    assert!(colocated_errors_with(quote!(by = "id, friend"), friend).is_empty());

    // Fields of `self` by name; `self.id` and a parameter only with `by`.
    let e = colocated_errors(quote! {
        impl User {
            fn profile(&self) -> String { format!("{{user:{}}}:profile", self.id) }
            fn org(&self) -> String { format!("{{user:{}}}:org", self.org) }
            fn by_id(id: u64) -> String { format!("{{user:{id}}}:x") }
        }
    });
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].ends_with(
            "note: the text is the same, but over `<self.org>` instead of `<self.id>`; fields \
             of `self` are matched by name"
        ),
        "{e:?}"
    );
    assert!(
        e[1].ends_with(
            "if these are one value, say so: `#[slotlint::colocated(by = \"self.id, id\")]`"
        ),
        "{e:?}"
    );
    let e = colocated_errors_with(
        quote!(by = "self.id, id"),
        quote! {
            impl User {
                fn profile(&self) -> String { format!("{{user:{}}}:profile", self.id) }
                fn by_id(id: u64) -> String { format!("{{user:{id}}}:x") }
                fn friend(&self, other: u64) -> String { format!("{{user:{other}}}:friend") }
            }
        },
    );
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].contains("the tag of `friend` holds `{other}`, which is not one of the places this group is keyed `by` (`self.id, id`)"),
        "{e:?}"
    );

    // `by` names places of the members.
    let e = colocated_errors_with(
        quote!(by = "id, order_idd"),
        quote! {
            mod orders {
                pub fn lines(order_id: u64) -> String { format!("{{order:{order_id}}}:lines") }
                pub fn status(id: u64) -> String { format!("{{order:{id}}}:status") }
            }
        },
    );
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("`by` names `order_idd`, but no key builder of this group has a parameter `order_idd` (their parameters: `order_id`, `id`)\nhelp: did you mean `order_id`?"),
        "{e:?}"
    );
}

#[test]
fn groups_in_modules_and_nested_groups() {
    let e = colocated_errors(quote! {
        mod keys {
            pub fn a_key(id: u64) -> String { format!("{{user:{id}}}:a") }
            pub fn helper(x: u64) -> u64 { x }
            pub fn c_key(id: u64) -> String { format!("{{order:{id}}}:c") }
            pub fn e_key(id: u64) -> String { format!("user:{id}:e") }
            pub struct W(u32);
            impl W {
                pub fn w(&self) -> String { format!("{{user:{}}}:w", self.0) }
            }
            #[slotlint::colocated]
            impl X {
                pub fn x(&self) -> String { format!("{{x:{}}}", self.0) }
            }
        }
    });
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(
        e[0].starts_with("key `user:<id>:e` has no hash tag"),
        "{e:?}"
    );
    assert!(
        e[1].starts_with("`c_key` builds keys tagged `order:<id>`, but `a_key`"),
        "{e:?}"
    );
    assert!(
        e[2].starts_with("`w` builds keys tagged `user:<self.0>`"),
        "{e:?}"
    );
}
