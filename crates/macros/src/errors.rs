//! Collecting errors instead of stopping at the first one.

use proc_macro2::TokenStream;

/// Every `syn::Error` found while expanding one macro, combined into one so that they are all
/// reported, each at its own span.
#[derive(Default)]
pub(crate) struct Errors {
    combined: Option<syn::Error>,
}

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.combined {
            Some(combined) => combined.combine(error),
            None => self.combined = Some(error),
        }
    }

    /// `compile_error!` invocations, one per error; empty when there are none. They are valid
    /// as items, impl items, statements and trait items.
    pub(crate) fn into_compile_errors(self) -> TokenStream {
        self.combined
            .map(|e| e.to_compile_error())
            .unwrap_or_default()
    }
}

impl Extend<syn::Error> for Errors {
    fn extend<I: IntoIterator<Item = syn::Error>>(&mut self, errors: I) {
        errors.into_iter().for_each(|e| self.push(e));
    }
}
