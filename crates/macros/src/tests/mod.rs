//! Expansions tested as functions over `proc_macro2::TokenStream`: the messages of the
//! errors (whatever the compiler that renders them), and that the item is still emitted.

mod colocated;
mod key;
mod read;
mod slots_and_allow;

use proc_macro2::{TokenStream, TokenTree};

use crate::colocated::expand_colocated;
use crate::key::{expand_key, CHECKED_BY_GROUP};
use crate::read::{Params, Reader};

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

/// The errors of `#[slotlint::colocated(attr)]` on `item`, which must be emitted with only
/// its members' `#[slotlint::key(…)]` marked as checked.
fn colocated_errors_with(attr: TokenStream, item: TokenStream) -> Vec<String> {
    let (kept, messages) = split(expand_colocated(attr, item.clone()));
    assert_eq!(
        kept.to_string(),
        marked(&item.to_string()),
        "the item is always emitted"
    );
    messages
}

fn colocated_errors(item: TokenStream) -> Vec<String> {
    colocated_errors_with(TokenStream::new(), item)
}

/// `item` (as `TokenStream::to_string` prints it) with the arguments of every
/// `#[slotlint::key]` replaced by the group's mark.
fn marked(item: &str) -> String {
    let mut out = String::new();
    let mut rest = item;
    while let Some(at) = rest.find("# [slotlint :: key") {
        let attr_end = at + rest[at..].find(']').expect("an attribute") + 1;
        let attr = &rest[at..attr_end];
        // `]` inside the arguments would end it early: the tests' tags have none.
        assert!(!attr[3..].contains('['), "{attr}");
        out.push_str(&rest[..at]);
        out.push_str(&format!("# [slotlint :: key ({CHECKED_BY_GROUP})]"));
        rest = &rest[attr_end..];
    }
    out.push_str(rest);
    out
}

/// The keys a function builds, displayed (`{user:{id}}:profile`).
fn keys_of(item: TokenStream) -> Result<Vec<String>, String> {
    let func: syn::ItemFn = syn::parse2(item).unwrap();
    let params = Params::of(&func.sig);
    let mut reader = Reader::new(&params, func.sig.ident.to_string());
    reader
        .read_body(&func.block)
        .map(|keys| keys.iter().map(|k| k.pattern.to_string()).collect())
        .map_err(|e| e.map_or_else(|| "(left to rustc)".to_owned(), |e| e.to_string()))
}
