//! `#[slotlint::allow(RULE, …)]`: inert, for the analyzer; checks only how rules are written.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

use crate::errors::Errors;

enum Arg {
    Rule(Ident),
    RuleString(LitStr),
    Reason(LitStr),
}

impl Parse for Arg {
    fn parse(input: ParseStream) -> syn::Result<Arg> {
        if input.peek(LitStr) {
            return input.parse().map(Arg::RuleString);
        }
        if input.peek(Ident) {
            let ident: Ident = input.parse()?;
            if input.peek(Token![=]) {
                if ident != "reason" {
                    return Err(syn::Error::new_spanned(
                        ident,
                        "unknown argument: `#[slotlint::allow]` takes rule names and \
                         `reason = \"…\"`",
                    ));
                }
                input.parse::<Token![=]>()?;
                return input.parse().map(Arg::Reason);
            }
            return Ok(Arg::Rule(ident));
        }
        Err(input.error(
            "expected a rule name, as in `#[slotlint::allow(cross_slot_command)]` or \
             `#[slotlint::allow(\"cross-slot-command\")]`",
        ))
    }
}

/// Lowercase words of ASCII letters and digits, joined by `sep`.
fn is_rule_name(name: &str, sep: char) -> bool {
    !name.is_empty()
        && name.split(sep).all(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && name.starts_with(|c: char| c.is_ascii_lowercase())
}

/// `CrossSlot_command` → `cross-slot-command`.
fn kebab_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        match c {
            '_' | '-' | ' ' => out.push('-'),
            c if c.is_uppercase() => {
                if i > 0 && !out.ends_with('-') {
                    out.push('-');
                }
                out.extend(c.to_lowercase());
            }
            c => out.push(c),
        }
    }
    out
}

pub(crate) fn expand_allow(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    match syn::parse::Parser::parse2(Punctuated::<Arg, Token![,]>::parse_terminated, attr) {
        Ok(args) => {
            let mut rules = 0;
            let mut reasons = 0;
            for arg in &args {
                match arg {
                    Arg::Rule(ident) => {
                        rules += 1;
                        let name = ident.to_string();
                        if !is_rule_name(&name, '_') {
                            let kebab = kebab_case(&name);
                            errors.push(syn::Error::new_spanned(
                                ident,
                                format!(
                                    "`{name}` is not a rule name: write rules in snake_case \
                                     (`{}`) or as a kebab-case string (`\"{kebab}\"`)",
                                    kebab.replace('-', "_")
                                ),
                            ));
                        }
                    }
                    Arg::RuleString(lit) => {
                        rules += 1;
                        let name = lit.value();
                        if !is_rule_name(&name, '-') {
                            let kebab = kebab_case(&name);
                            errors.push(syn::Error::new(
                                lit.span(),
                                format!(
                                    "\"{name}\" is not a rule name: in a string, rules are \
                                     kebab-case, as in \"{kebab}\""
                                ),
                            ));
                        }
                    }
                    Arg::Reason(lit) => {
                        reasons += 1;
                        if reasons > 1 {
                            errors.push(syn::Error::new(lit.span(), "`reason` is given twice"));
                        }
                    }
                }
            }
            if rules == 0 {
                errors.push(syn::Error::new(
                    proc_macro2::Span::call_site(),
                    "`#[slotlint::allow]` needs the rules it allows, as in \
                     `#[slotlint::allow(cross_slot_command)]`",
                ));
            }
        }
        Err(e) => errors.push(e),
    }
    let errors = errors.into_compile_errors();
    quote!(#item #errors)
}
