//! What counts as test code, for every rule and for `fix`: one policy.
//!
//! Test code is code that only runs under a test harness, against a local server chosen by the
//! test: items under `#[cfg(test)]` (not `#[cfg(not(test))]`), functions marked `#[test]`,
//! `#[bench]`, `#[rstest]`, `#[tokio::test]`, `#[test_case]`… and every file under the package's
//! `tests/`, `benches/` and `examples/` folders.

use std::path::Path;

/// Attribute names (last path segment) that make a function test code.
pub const TEST_ATTRS: &[&str] = &["test", "bench", "rstest", "test_case"];

/// Whether an attribute makes the item it is on test code.
pub fn is_test_attr(attr: &syn::Attribute) -> bool {
    let path = attr.path();
    if let Some(last) = path.segments.last() {
        if TEST_ATTRS.contains(&last.ident.to_string().as_str()) && !path.is_ident("cfg") {
            return true;
        }
    }
    if path.is_ident("cfg") {
        let syn::Meta::List(list) = &attr.meta else {
            return false;
        };
        return cfg_implies_test(&list.tokens);
    }
    false
}

/// Whether any attribute of an item makes it test code.
pub fn has_test_attr(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(is_test_attr)
}

/// `test`, `all(test, …)`: only compiled under test. `not(test)` and `any(test, …)` are not.
fn cfg_implies_test(tokens: &proc_macro2::TokenStream) -> bool {
    let Ok(meta) = syn::parse2::<syn::Meta>(tokens.clone()) else {
        return false;
    };
    fn implies(meta: &syn::Meta) -> bool {
        match meta {
            syn::Meta::Path(p) => p.is_ident("test"),
            syn::Meta::List(l) if l.path.is_ident("all") => l
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                )
                .is_ok_and(|items| items.iter().any(implies)),
            _ => false,
        }
    }
    implies(&meta)
}

/// Folders of a package whose files are all test code.
pub const TEST_FOLDERS: &[&str] = &["tests", "benches", "examples"];

/// Whether a file (relative to its package root) is test code as a whole.
pub fn is_test_file(relative_to_package: &Path) -> bool {
    relative_to_package
        .components()
        .next()
        .is_some_and(|c| TEST_FOLDERS.iter().any(|t| c.as_os_str() == *t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(src: &str) -> syn::Attribute {
        let item: syn::ItemFn = syn::parse_str(&format!("{src} fn f() {{}}")).unwrap();
        item.attrs[0].clone()
    }

    #[test]
    fn attributes() {
        for yes in [
            "#[test]",
            "#[tokio::test]",
            "#[rstest]",
            "#[cfg(test)]",
            "#[cfg(all(test, feature = \"x\"))]",
            "#[bench]",
        ] {
            assert!(is_test_attr(&attr(yes)), "{yes}");
        }
        for no in [
            "#[cfg(not(test))]",
            "#[cfg(any(test, feature = \"x\"))]",
            "#[cfg(feature = \"test\")]",
            "#[inline]",
        ] {
            assert!(!is_test_attr(&attr(no)), "{no}");
        }
    }

    #[test]
    fn files() {
        assert!(is_test_file(Path::new("tests/it.rs")));
        assert!(is_test_file(Path::new("examples/demo/main.rs")));
        assert!(!is_test_file(Path::new("src/tests.rs")));
    }
}
