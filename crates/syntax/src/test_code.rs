//! What counts as test code, for every rule and for `fix`: one policy.
//!
//! Test code is code that only runs under a test harness, against a local server chosen by the
//! test: items under `#[cfg(test)]` (not `#[cfg(not(test))]`), functions marked `#[test]`,
//! `#[bench]`, `#[rstest]`, `#[tokio::test]`, `#[test_case]`… and every file under the package's
//! `tests/`, `benches/` and `examples/` folders, or of a module declared out of line under
//! `#[cfg(test)]` (`#[cfg(test)] mod tests;`) and the modules below it.

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

/// The modules a file declares out of line under `#[cfg(test)]` (`#[cfg(test)] mod tests;`, or
/// `#[cfg(all(test, …))]`, other attributes between them allowed; not one with `#[path]`, which
/// lives elsewhere): their files are test code as a whole. Read from the text, as the
/// declarations are written: the attribute first on its line (or after other attributes), so a
/// commented-out one does not count.
pub fn test_modules_declared(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    // Every file of a package is searched: memchr's search, many times faster than `str`'s.
    for at in memchr::memmem::find_iter(text.as_bytes(), b"#[cfg(") {
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let before = text[line_start..at].trim();
        if !before.is_empty() && !before.starts_with("#[") {
            continue;
        }
        let attr = &text[at + 2..];
        let Some(end) = attr.find(']') else { continue };
        // `cfg(test)` or `cfg(all(test, …`, whitespace aside (most `#[cfg(` of a crate are
        // `feature = …`: told apart at their fifth character, without copying each).
        let squeezed = || attr[..end].chars().filter(|c| !c.is_whitespace());
        let starts_with = |prefix: &str| {
            let mut inner = squeezed();
            prefix.chars().all(|c| inner.next() == Some(c))
        };
        if !squeezed().eq("cfg(test)".chars()) && !starts_with("cfg(all(test,") {
            continue;
        }
        // Other attributes, then the item. A `#[path]` module lives elsewhere: not followed.
        let mut rest = attr[end + 1..].trim_start();
        let mut elsewhere = false;
        while let Some(other) = rest.strip_prefix("#[") {
            let Some(end) = other.find(']') else { break };
            elsewhere |= other[..end].trim_start().starts_with("path");
            rest = other[end + 1..].trim_start();
        }
        let item = rest.lines().next().unwrap_or("").trim_end();
        if let (Some(name), false) = (out_of_line_mod(item), elsewhere) {
            found.push(name.to_owned());
        }
    }
    found
}

/// `mod NAME;` (maybe `pub`, `pub(crate)`): `NAME`.
fn out_of_line_mod(line: &str) -> Option<&str> {
    let mut rest = line;
    if let Some(after) = rest.strip_prefix("pub") {
        rest = after.trim_start();
        if let Some(scoped) = rest.strip_prefix('(') {
            rest = scoped.split_once(')')?.1.trim_start();
        }
    }
    let name = rest.strip_prefix("mod")?;
    if !name.starts_with(char::is_whitespace) {
        return None;
    }
    let name = name.trim_start().strip_suffix(';')?.trim_end();
    let name = name.strip_prefix("r#").unwrap_or(name);
    (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_')).then_some(name)
}

/// The folder of the modules a file declares (`mod x;` is `x.rs` or `x/mod.rs` there): its own
/// folder for `lib.rs`, `main.rs` and `mod.rs`, else the folder named after it.
pub fn child_module_dir(file: &Path) -> Option<std::path::PathBuf> {
    let folder = file.parent()?;
    let stem = file.file_stem()?;
    Some(if ["lib", "main", "mod"].iter().any(|r| stem == *r) {
        folder.to_path_buf()
    } else {
        folder.join(stem)
    })
}

/// Per file of one package (its path and text), whether it is test code as a whole: under
/// [`TEST_FOLDERS`], or in a module some file declares under `#[cfg(test)]` out of line, or
/// below one.
pub fn test_files(package_root: &Path, files: &[(&Path, &str)]) -> Vec<bool> {
    let paths: Vec<&Path> = files.iter().map(|(path, _)| *path).collect();
    let declared: Vec<Vec<String>> = files
        .iter()
        .map(|(_, text)| test_modules_declared(text))
        .collect();
    test_files_declaring(package_root, &paths, &declared)
}

/// [`test_files`], each file's [`test_modules_declared`] given (searched by the caller, on as
/// many threads as it has: the search reads every byte of the package).
pub fn test_files_declaring(
    package_root: &Path,
    paths: &[&Path],
    declared: &[Vec<String>],
) -> Vec<bool> {
    // The files of the test modules, and the folders of their modules, as bytes: a file is
    // looked up, and each of its folders, rather than compared with every module.
    let mut module_files = std::collections::HashSet::new();
    let mut module_dirs = std::collections::HashSet::new();
    for (path, names) in paths.iter().zip(declared) {
        if names.is_empty() {
            continue;
        }
        if let Some(dir) = child_module_dir(path) {
            for name in names {
                let file = dir.join(format!("{name}.rs"));
                module_files.insert(file.into_os_string().into_encoded_bytes());
                module_dirs.insert(dir.join(name).into_os_string().into_encoded_bytes());
            }
        }
    }
    let in_module = |path: &Path| {
        let bytes = path.as_os_str().as_encoded_bytes();
        module_files.contains(bytes)
            || bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| std::path::is_separator(char::from(**b)))
                .any(|(i, _)| module_dirs.contains(&bytes[..i]))
    };
    paths
        .iter()
        .map(|path| {
            path.strip_prefix(package_root).is_ok_and(is_test_file)
                || (!module_files.is_empty() && in_module(path))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_modules_declared_out_of_line() {
        let text = "mod keys;\n#[cfg(test)]\nmod tests;\n#[cfg(test)] pub(crate) mod fixtures;\n\
                    #[cfg(all(test, feature = \"x\"))]\n#[path = \"t.rs\"]\nmod elsewhere;\n\
                    #[cfg(all(test, feature = \"x\"))]\n#[allow(dead_code)]\nmod more;\n\
                    // #[cfg(test)] mod commented;\n#[cfg(test)]\nmod inline {}\n\
                    #[cfg(not(test))]\nmod prod;\n#[cfg(test)]\nuse x;\nmod after_use;\n";
        assert_eq!(test_modules_declared(text), ["tests", "fixtures", "more"]);
        let root = Path::new("/p");
        let files: Vec<(&Path, &str)> = vec![
            (
                Path::new("/p/src/lib.rs"),
                "#[cfg(test)]\nmod tests;\nmod db;",
            ),
            (Path::new("/p/src/tests.rs"), ""),
            (Path::new("/p/src/db.rs"), "#[cfg(test)]\nmod fakes;"),
            (Path::new("/p/src/db/fakes/mod.rs"), "mod deep;"),
            (Path::new("/p/src/db/fakes/deep.rs"), ""),
            (Path::new("/p/src/db/real.rs"), ""),
            (Path::new("/p/tests/it.rs"), ""),
        ];
        assert_eq!(
            test_files(root, &files),
            [false, true, false, true, true, false, true]
        );
    }

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
