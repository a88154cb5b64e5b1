//! `#[slotlint::key]` and `#[slotlint::colocated]`.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Attribute, Block, ImplItem, Item, LitStr, Signature};

use crate::check::{check_fn, hole_difference, key_arg, Declared, FnTag};
use crate::errors::Errors;

/// `#[slotlint::key(…)]` on a function: checks its keys, emits the function unchanged.
pub(crate) fn expand_key(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let mut tag: Option<LitStr> = None;
    let declared =
        match syn::parse::Parser::parse2(syn::meta::parser(|meta| key_arg(meta, &mut tag)), attr) {
            Ok(()) => tag.map_or(Declared::Nothing, Declared::Tag),
            Err(e) => {
                errors.push(e);
                Declared::Invalid
            }
        };
    match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(func) => {
            check_fn(&func.sig, &func.block, &declared, &mut errors);
        }
        Err(e) => errors.push(syn::Error::new(
            e.span(),
            "`#[slotlint::key]` goes on a function that builds a key (with a body)",
        )),
    }
    let errors = errors.into_compile_errors();
    quote!(#item #errors)
}

/// Whether `attr` is `#[slotlint::key]` (also `#[key]`, `#[::slotlint::key]`).
fn is_key_attr(attr: &Attribute) -> bool {
    let segments: Vec<String> = attr
        .path()
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    matches!(
        segments
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["key"] | ["slotlint", "key"] | ["slotlint_macros", "key"]
    )
}

fn is_colocated_attr(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|s| s.ident == "colocated")
}

/// A function of a colocated group.
struct Member<'a> {
    sig: &'a Signature,
    block: &'a Block,
    /// The function's own `#[slotlint::key]`, which reports its own errors when it expands.
    attr: Option<&'a Attribute>,
}

fn member<'a>(attrs: &'a [Attribute], sig: &'a Signature, block: &'a Block) -> Option<Member<'a>> {
    let attr = attrs.iter().find(|a| is_key_attr(a));
    let name = sig.ident.to_string();
    (attr.is_some() || name == "key" || name.ends_with("_key")).then_some(Member {
        sig,
        block,
        attr,
    })
}

fn impl_members<'a>(imp: &'a syn::ItemImpl, out: &mut Vec<Member<'a>>) {
    for item in &imp.items {
        if let ImplItem::Fn(f) = item {
            out.extend(member(&f.attrs, &f.sig, &f.block));
        }
    }
}

/// `#[slotlint::colocated]` on an `impl` block or inline `mod`: every key function inside
/// must pass the key checks and build keys with one hash tag. Emits the item unchanged.
pub(crate) fn expand_colocated(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    if !attr.is_empty() {
        errors.push(syn::Error::new_spanned(
            attr,
            "`#[slotlint::colocated]` takes no arguments",
        ));
    }
    match syn::parse2::<Item>(item.clone()) {
        Ok(parsed) => check_group(&parsed, &mut errors),
        Err(e) => errors.push(e),
    }
    let errors = errors.into_compile_errors();
    quote!(#item #errors)
}

const MEMBERSHIP: &str = "a function is a member when it carries `#[slotlint::key]` or its name \
is `key` or ends in `_key`";

fn check_group(item: &Item, errors: &mut Errors) {
    let mut members = Vec::new();
    match item {
        Item::Impl(imp) => impl_members(imp, &mut members),
        Item::Mod(m) => match &m.content {
            Some((_, items)) => {
                for inner in items {
                    match inner {
                        Item::Fn(f) => members.extend(member(&f.attrs, &f.sig, &f.block)),
                        // An impl with its own group is checked on its own.
                        Item::Impl(imp) if !imp.attrs.iter().any(is_colocated_attr) => {
                            impl_members(imp, &mut members)
                        }
                        _ => {}
                    }
                }
            }
            None => {
                errors.push(syn::Error::new_spanned(
                    m,
                    "`#[slotlint::colocated]` needs the module's items: use an inline \
                     `mod name { … }`",
                ));
                return;
            }
        },
        _ => {
            errors.push(syn::Error::new(
                Span::call_site(),
                "`#[slotlint::colocated]` goes on an `impl` block or an inline `mod`",
            ));
            return;
        }
    }
    if members.is_empty() {
        errors.push(syn::Error::new(
            Span::call_site(),
            format!("this `#[slotlint::colocated]` group has no key functions; {MEMBERSHIP}"),
        ));
        return;
    }
    let mut tags: Vec<FnTag> = Vec::new();
    for m in &members {
        let tag = match m.attr {
            // Its own attribute expands later and reports its errors; here only its tag counts.
            Some(attr) => {
                let mut tag_arg: Option<LitStr> = None;
                let declared = match &attr.meta {
                    syn::Meta::Path(_) => Declared::Nothing,
                    _ => match attr.parse_nested_meta(|meta| key_arg(meta, &mut tag_arg)) {
                        Ok(()) => tag_arg.map_or(Declared::Nothing, Declared::Tag),
                        Err(_) => Declared::Invalid,
                    },
                };
                check_fn(m.sig, m.block, &declared, &mut Errors::default())
            }
            None => check_fn(m.sig, m.block, &Declared::Nothing, errors),
        };
        tags.extend(tag);
    }
    let Some((first, rest)) = tags.split_first() else {
        return;
    };
    for other in rest {
        if other.tag != first.tag {
            let mut message = format!(
                "`{}` builds keys tagged `{}`, but `{}`, the first key function of this \
                 `#[slotlint::colocated]` group, tags `{}`: keys of one group share a hash tag, \
                 so that any of them can go in one MGET, MULTI/EXEC or script",
                other.name, other.tag, first.name, first.tag
            );
            if let Some((got, want)) = hole_difference(&other.tag, &first.tag) {
                message.push_str(&format!(
                    "\nnote: the text is the same, but over `{{{got}}}` instead of `{{{want}}}`; \
                     parameters are matched by name"
                ));
            }
            errors.push(syn::Error::new(other.span, message));
        }
    }
}
