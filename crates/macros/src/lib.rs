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
//! Every macro is a thin wrapper over a function on `proc_macro2::TokenStream`, so the
//! expansions are tested as plain functions (`src/tests.rs`). Errors
//! are `syn::Error`s at the span of the literal or argument at fault, collected rather than
//! stopping at the first, and the item is emitted whatever happens, so that one mistake does
//! not bring a cascade of unresolved-name errors.

mod allow;
mod check;
mod errors;
mod key;
mod read;
mod slots;

use proc_macro::TokenStream;

/// Checks a key-building function: the key its body builds carries a hash tag that depends on
/// a parameter, or exactly the declared one (`#[slotlint::key(tag = "user:{id}")]`). The
/// function is emitted unchanged.
#[proc_macro_attribute]
pub fn key(attr: TokenStream, item: TokenStream) -> TokenStream {
    key::expand_key(attr.into(), item.into()).into()
}

/// Checks a group of key-building functions (an `impl` block or an inline `mod`): each passes
/// the `#[slotlint::key]` checks, and all build keys with one hash tag over the same
/// parameters. The item is emitted unchanged.
#[proc_macro_attribute]
pub fn colocated(attr: TokenStream, item: TokenStream) -> TokenStream {
    key::expand_colocated(attr.into(), item.into()).into()
}

/// The Redis Cluster slot of a literal key, as a `u16` literal (usable in `const` items).
#[proc_macro]
pub fn slot(input: TokenStream) -> TokenStream {
    slots::expand_slot(input.into()).into()
}

/// A compile error naming both keys and both slots when literal keys are not all in one slot.
/// Usable as an item and as a statement; expands to nothing when the keys share a slot.
#[proc_macro]
pub fn assert_same_slot(input: TokenStream) -> TokenStream {
    slots::expand_assert_same_slot(input.into()).into()
}

/// Tells the `cargo-slotlint` analyzer not to report the named rules on this item. Inert for
/// the compiler: the item is emitted unchanged; only how the rule names are written is checked.
#[proc_macro_attribute]
pub fn allow(attr: TokenStream, item: TokenStream) -> TokenStream {
    allow::expand_allow(attr.into(), item.into()).into()
}

#[cfg(test)]
mod tests;
