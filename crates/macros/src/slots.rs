//! `slot!` and `assert_same_slot!`: slots of literal keys, at expansion time.

use proc_macro2::{Literal, Span, TokenStream};
use quote::quote;
use syn::punctuated::Punctuated;
use syn::{Expr, Lit, Token};

use crate::errors::Errors;

/// A literal key: its bytes, how to show it, where it is.
struct LiteralKey {
    bytes: Vec<u8>,
    shown: String,
    span: Span,
}

impl LiteralKey {
    fn slot(&self) -> u16 {
        slotlint_hashslot::slot(&self.bytes)
    }

    /// "`user:1`", if the key has a hash tag.
    fn hashed(&self) -> Option<String> {
        slotlint_hashslot::hash_tag(&self.bytes).map(|tag| format!("`{}`", tag.escape_ascii()))
    }
}

fn literal_key(expr: &Expr, macro_name: &str) -> syn::Result<LiteralKey> {
    let non_literal = || {
        let help = if macro_name == "slot" {
            format!(
                "help: for a `const` or a key built at run time, call the `const fn` \
                 `slotlint::key_slot({})`",
                key_slot_argument(expr)
            )
        } else {
            "help: for a `const` or a key built at run time, compare with the `const fn` \
             `slotlint::key_slot`: `const _: () = assert!(slotlint::key_slot(A) == \
             slotlint::key_slot(B));`"
                .to_owned()
        };
        syn::Error::new_spanned(
            expr,
            format!(
                "`{macro_name}!` takes {}; this is not one\n{help}",
                if macro_name == "slot" {
                    "a string literal"
                } else {
                    "string literals"
                }
            ),
        )
    };
    let Expr::Lit(lit) = expr else {
        return Err(non_literal());
    };
    match &lit.lit {
        Lit::Str(s) => Ok(LiteralKey {
            bytes: s.value().into_bytes(),
            shown: format!("{:?}", s.value()),
            span: s.span(),
        }),
        Lit::ByteStr(b) => Ok(LiteralKey {
            shown: format!("b\"{}\"", b.value().escape_ascii()),
            bytes: b.value(),
            span: b.span(),
        }),
        _ => Err(non_literal()),
    }
}

/// `expr` as the argument of `key_slot(key: &str)`: borrowed unless it is a name (a `const`
/// or a `&str` local), a literal or already a reference, so that the help compiles for a
/// `format!`, a `String` method or a call.
fn key_slot_argument(expr: &Expr) -> String {
    let text = crate::read::compact(quote!(#expr));
    match expr {
        Expr::Path(_) | Expr::Lit(_) | Expr::Reference(_) => text,
        _ => format!("&{text}"),
    }
}

fn parse_args(input: TokenStream) -> syn::Result<Punctuated<Expr, Token![,]>> {
    syn::parse::Parser::parse2(Punctuated::<Expr, Token![,]>::parse_terminated, input)
}

/// `slot!("key")` → the key's slot as a `u16` literal.
pub(crate) fn expand_slot(input: TokenStream) -> TokenStream {
    let result = parse_args(input).and_then(|args| {
        let mut args = args.into_iter();
        let Some(first) = args.next() else {
            return Err(syn::Error::new(
                Span::call_site(),
                "`slot!` takes one key: `slot!(\"{user:42}:profile\")`",
            ));
        };
        let key = literal_key(&first, "slot");
        if let Some(extra) = args.next() {
            let mut e = syn::Error::new_spanned(
                extra,
                "`slot!` takes one key; to check that keys share a slot, use \
                 `slotlint::assert_same_slot!(a, b, …)`",
            );
            if let Err(first) = key {
                e.combine(first);
            }
            return Err(e);
        }
        key
    });
    match result {
        Ok(key) => {
            let mut slot = Literal::u16_suffixed(key.slot());
            slot.set_span(key.span);
            quote!(#slot)
        }
        Err(e) => {
            // Still a `u16`, so that the error is the only one.
            let e = e.to_compile_error();
            quote!({ #e 0u16 })
        }
    }
}

/// `assert_same_slot!("a", "b", …)` → nothing, or an error at each key whose slot differs
/// from the first key's.
pub(crate) fn expand_assert_same_slot(input: TokenStream) -> TokenStream {
    let args = match parse_args(input) {
        Ok(args) => args,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    let mut first: Option<LiteralKey> = None;
    for arg in &args {
        let key = match literal_key(arg, "assert_same_slot") {
            Ok(key) => key,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let Some(first) = &first else {
            first = Some(key);
            continue;
        };
        if key.slot() != first.slot() {
            let note = match (key.hashed(), first.hashed()) {
                (None, None) => "neither key has a hash tag, so each is hashed whole".to_owned(),
                (a, b) => format!(
                    "a key's slot is that of its hash tag when it has one: {} has {}, {} has {}",
                    key.shown,
                    a.as_deref().unwrap_or("none"),
                    first.shown,
                    b.as_deref().unwrap_or("none"),
                ),
            };
            errors.push(syn::Error::new(
                key.span,
                format!(
                    "{} is in slot {}, but {} is in slot {}: keys used together in one command, \
                     transaction or script must share a slot\nnote: {note}; keys with the same \
                     hash tag share a slot",
                    key.shown,
                    key.slot(),
                    first.shown,
                    first.slot(),
                ),
            ));
        }
    }
    if args.len() < 2 {
        errors.push(syn::Error::new(
            Span::call_site(),
            "`assert_same_slot!` takes two keys or more: `assert_same_slot!(\"{cart:1}:items\", \
             \"{cart:1}:total\")`",
        ));
    }
    errors.into_compile_errors()
}
