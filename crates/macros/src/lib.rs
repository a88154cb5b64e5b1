//! The proc macros of slotlint. Use them through the `slotlint` crate (`slotlint::key`,
//! `slotlint::colocated`, `slotlint::slot!`, `slotlint::assert_same_slot!`, `slotlint::allow`),
//! whose documentation has the examples.
//!
//! **What it is for.** Proving, when a crate compiles, that Redis keys meant to be used
//! together (in one MGET, MULTI/EXEC or Lua script) land in one Redis Cluster hash slot: the
//! functions that build keys are read as *key patterns* (literal text and holes for their
//! parameters, see `slotlint-keys`), and their hash tags are compared as patterns; literal keys
//! are hashed with `slotlint-hashslot`, the same code the analyzer and the run-time helpers use.
//!
//! **What it is not.** It adds nothing to the compiled program: every attribute emits the item
//! it annotates unchanged (or with `compile_error!`s beside it), and `slot!` is a `u16` literal.
//! It does not run the code: it reads syntax, so it understands literals, `format!` and the few
//! forms listed in the errors, not arbitrary functions; a body it cannot read is an error, never
//! silently accepted. It does not look at redis calls: that is the `cargo-slotlint` analyzer,
//! which reads these attributes from the source (`#[slotlint::allow]` is only for it).
//!
//! The macros' documentation is on their re-exports in the `slotlint` crate, and only there:
//! rustdoc appends the docs of a re-exported item to those of the re-export, so docs here would
//! show twice (the definitions below have plain comments).
//!
//! Every macro is a thin wrapper over a function on `proc_macro2::TokenStream`, so the
//! expansions are tested as plain functions (`src/tests.rs`). Errors
//! are `syn::Error`s at the span of the literal or argument at fault, collected rather than
//! stopping at the first, and the item is emitted whatever happens, so that one mistake does
//! not bring a cascade of unresolved-name errors.

mod allow;
mod check;
mod colocated;
mod errors;
mod key;
mod read;
mod rule_names;
mod slots;
mod spelling;

use proc_macro::TokenStream;

// `#[slotlint::key]`: the key a function builds has a hash tag that depends on a parameter,
// or the declared one.
#[proc_macro_attribute]
pub fn key(attr: TokenStream, item: TokenStream) -> TokenStream {
    key::expand_key(attr.into(), item.into()).into()
}

// `#[slotlint::colocated]`: the key builders of an `impl` or `mod` share one hash tag.
#[proc_macro_attribute]
pub fn colocated(attr: TokenStream, item: TokenStream) -> TokenStream {
    colocated::expand_colocated(attr.into(), item.into()).into()
}

// `slot!("key")`: the slot of a literal key, as a `u16` literal.
#[proc_macro]
pub fn slot(input: TokenStream) -> TokenStream {
    slots::expand_slot(input.into()).into()
}

// `assert_same_slot!("a", "b")`: an error unless the literal keys share a slot.
#[proc_macro]
pub fn assert_same_slot(input: TokenStream) -> TokenStream {
    slots::expand_assert_same_slot(input.into()).into()
}

// `#[slotlint::allow(RULE)]`: inert, for the analyzer; the rules must exist.
#[proc_macro_attribute]
pub fn allow(attr: TokenStream, item: TokenStream) -> TokenStream {
    allow::expand_allow(attr.into(), item.into()).into()
}

#[cfg(test)]
mod tests;
