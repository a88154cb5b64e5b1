//! `#[slotlint::key]` on one function.

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;
use syn::LitStr;

use crate::check::{check_fn, key_arg, Declared};
use crate::errors::Errors;

/// The argument a `#[slotlint::colocated]` group gives its members' `#[slotlint::key(…)]` once
/// it has checked them itself, with what only the group knows (calls to other members): the
/// member's own expansion then checks nothing. Not for users. The attribute's path is kept, so
/// that a `use slotlint::key;` behind `#[key]` still counts as used.
pub(crate) const CHECKED_BY_GROUP: &str = "__checked_by_colocated_group";

/// `#[slotlint::key(…)]` on a function: checks its keys, emits the function unchanged.
pub(crate) fn expand_key(attr: TokenStream, item: TokenStream) -> TokenStream {
    if is_checked_by_group(&attr) {
        return item;
    }
    let mut errors = Errors::default();
    let declared = parse_key_args(attr, &mut errors);
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

/// The arguments of `#[slotlint::key(…)]`, errors pushed.
pub(crate) fn parse_key_args(attr: TokenStream, errors: &mut Errors) -> Declared {
    let mut tag: Option<LitStr> = None;
    match syn::parse::Parser::parse2(syn::meta::parser(|meta| key_arg(meta, &mut tag)), attr) {
        Ok(()) => tag.map_or(Declared::Nothing, Declared::Tag),
        Err(e) => {
            errors.push(e);
            Declared::Invalid
        }
    }
}

fn is_checked_by_group(attr: &TokenStream) -> bool {
    let mut tokens = attr.clone().into_iter();
    matches!(
        (tokens.next(), tokens.next()),
        (Some(TokenTree::Ident(ident)), None) if ident == CHECKED_BY_GROUP
    )
}

pub(crate) use slotlint_syntax::key_attr::{is_colocated_attr, is_key_attr};
