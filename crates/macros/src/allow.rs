//! `#[slotlint::allow(RULE, …)]`: inert, for the analyzer; checks that each rule exists.
//!
//! A rule is written as the analyzer's suppressions accept it (see [`crate::rule_names`]): an
//! identifier or a string, holding the rule's name (`cross_slot_command`,
//! `"cross-slot-command"`) or its code (`SL101`). A name that is no rule is an error at its
//! span, with the nearest rule as "did you mean".

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token};

use crate::errors::Errors;
use crate::rule_names::{self, RULES};
use crate::spelling::nearest;

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

/// How a rule was written, so that suggestions are written the same way.
#[derive(Clone, Copy)]
enum Spelling {
    /// `cross_slot_command`
    Ident,
    /// `"cross-slot-command"`
    String,
}

impl Spelling {
    fn name(self, kebab: &str) -> String {
        match self {
            Spelling::Ident => kebab.replace('-', "_"),
            Spelling::String => format!("\"{kebab}\""),
        }
    }

    fn code(self, code: &str) -> String {
        match self {
            Spelling::Ident => code.to_owned(),
            Spelling::String => format!("\"{code}\""),
        }
    }
}

/// `CrossSlot_command` → `cross-slot-command`: words split at `_`, `-`, spaces and capitals.
fn kebab_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.trim().chars().enumerate() {
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

/// The rule a misspelled name most likely means, written as `spelling`.
fn did_you_mean(written: &str, spelling: Spelling) -> Option<String> {
    let looks_like_code = written
        .get(..2)
        .is_some_and(|p| p.eq_ignore_ascii_case("sl"));
    if looks_like_code {
        let upper = written.to_ascii_uppercase();
        if let Some(code) = nearest(&upper, RULES.iter().map(|(_, code)| *code)) {
            return Some(spelling.code(code));
        }
    }
    nearest(&kebab_case(written), RULES.iter().map(|(name, _)| *name)).map(|n| spelling.name(n))
}

/// The error for a rule name no rule has.
fn unknown_rule(written: &str, shown: &str, spelling: Spelling, span: Span) -> syn::Error {
    let help = match did_you_mean(written, spelling) {
        Some(near) => format!("help: did you mean {}?", quoted(&near, spelling)),
        None => {
            let names: Vec<String> = RULES
                .iter()
                .map(|(name, _)| quoted(&spelling.name(name), spelling))
                .collect();
            format!(
                "note: the rules are {}; a rule's code (`SL101`) names it too",
                names.join(", ")
            )
        }
    };
    syn::Error::new(span, format!("no rule is named {shown}\n{help}"))
}

/// Identifiers in backquotes; strings, which carry their own quotes, as they are.
fn quoted(text: &str, spelling: Spelling) -> String {
    match spelling {
        Spelling::Ident => format!("`{text}`"),
        Spelling::String => text.to_owned(),
    }
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
                        if rule_names::resolve(&name).is_none() {
                            errors.push(unknown_rule(
                                &name,
                                &format!("`{name}`"),
                                Spelling::Ident,
                                ident.span(),
                            ));
                        }
                    }
                    Arg::RuleString(lit) => {
                        rules += 1;
                        let name = lit.value();
                        if rule_names::resolve(&name).is_none() {
                            errors.push(unknown_rule(
                                &name,
                                &format!("{name:?}"),
                                Spelling::String,
                                lit.span(),
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
                    Span::call_site(),
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
