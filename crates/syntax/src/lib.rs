//! Rust syntax helpers that slotlint's analyzer, `fix` and proc macros must agree on.
//!
//! What it is for: the few readings of Rust syntax that, done twice, would drift apart — which
//! argument fills each placeholder of a `format!` ([`format_args`]), what a string literal
//! token denotes and where each byte of its value comes from ([`literal`]), which wrappers pass
//! a value through unchanged ([`strip`]), what counts as test code ([`test_code`]), what a
//! `#[slotlint::key(tag = "…")]` attribute declares ([`key_attr`]), which string literals of
//! a file may build a key and how ([`key_sites`], what `fix` rewrites), and how positions are
//! counted ([`line_index`]).
//!
//! What it is not for: following values through code (the analyzer's interpreter), deciding
//! slots (`slotlint-keys`), editing files (`slotlint-fix`). Everything here is a pure function
//! over syn's syntax tree or over text; nothing reads files.

pub mod format_args;
pub mod key_attr;
pub mod key_sites;
pub mod line_index;
pub mod literal;
pub mod strip;
pub mod test_code;
