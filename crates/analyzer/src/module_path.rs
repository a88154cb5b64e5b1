//! Which module of its crate a file is, from where it lies (`src/alpha/keys.rs` is
//! `crate::alpha::keys`), and which module a `use` path names from a file. Enough to tell apart
//! two types of one name in two modules by the `use` that imports one of them.
//!
//! Not here: `#[path]` attributes and inline `mod` blocks (a file's items are taken as its
//! module's), nor what an imported name is (`crate::scope`).

use std::path::Path;

/// The module file `path` is in the crate whose package is at `root`, as its path from the
/// crate root (`[]`: `src/lib.rs` or `src/main.rs`). `None` for a file outside `src/`, or the
/// root of another crate of the package (`src/bin/`).
pub fn of_file(root: &Path, path: &Path) -> Option<Vec<String>> {
    let rel = path.strip_prefix(root.join("src")).ok()?;
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_str().map(str::to_owned))
        .collect::<Option<_>>()?;
    if parts.first().is_some_and(|p| p == "bin") {
        return None;
    }
    let file = parts.pop()?;
    let stem = file.strip_suffix(".rs")?;
    match (parts.is_empty(), stem) {
        (true, "lib" | "main") => {}
        (_, "mod") => {}
        _ => parts.push(stem.to_owned()),
    }
    Some(parts)
}

/// The module `path` (a `use` path without its last name: `crate::alpha`, `super::beta`,
/// `self::gamma`, or `gamma`, a module of this one) names from module `from`. `None` when it
/// leaves the crate (`super` above the root).
pub fn resolve(from: &[String], path: &[String]) -> Option<Vec<String>> {
    let (mut module, rest) = match path.first().map(String::as_str) {
        Some("crate") => (Vec::new(), &path[1..]),
        Some("self") => (from.to_vec(), &path[1..]),
        Some("super") => {
            let supers = path.iter().take_while(|s| *s == "super").count();
            let kept = from.len().checked_sub(supers)?;
            (from[..kept].to_vec(), &path[supers..])
        }
        _ => (from.to_vec(), path),
    };
    module.extend(rest.iter().cloned());
    Some(module)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_file_is_the_module_its_path_says() {
        let root = Path::new("/p");
        let of = |p: &str| of_file(root, Path::new(p));
        assert_eq!(of("/p/src/lib.rs"), Some(vec![]));
        assert_eq!(of("/p/src/main.rs"), Some(vec![]));
        assert_eq!(of("/p/src/alpha.rs"), Some(strings(&["alpha"])));
        assert_eq!(of("/p/src/alpha/mod.rs"), Some(strings(&["alpha"])));
        assert_eq!(
            of("/p/src/alpha/keys.rs"),
            Some(strings(&["alpha", "keys"]))
        );
        // A module named `lib` below the root is a module like any other.
        assert_eq!(of("/p/src/alpha/lib.rs"), Some(strings(&["alpha", "lib"])));
        assert_eq!(of("/p/src/bin/tool.rs"), None);
        assert_eq!(of("/p/tests/it.rs"), None);
        assert_eq!(of("/p/src/notes.txt"), None);
    }

    #[test]
    fn a_use_path_names_a_module_from_the_importing_one() {
        let from = strings(&["alpha", "keys"]);
        let resolve = |p: &[&str]| resolve(&from, &strings(p));
        assert_eq!(resolve(&["crate", "beta"]), Some(strings(&["beta"])));
        assert_eq!(
            resolve(&["self", "inner"]),
            Some(strings(&["alpha", "keys", "inner"]))
        );
        assert_eq!(resolve(&["super"]), Some(strings(&["alpha"])));
        assert_eq!(
            resolve(&["super", "super", "beta"]),
            Some(strings(&["beta"]))
        );
        assert_eq!(resolve(&["super", "super", "super"]), None);
        assert_eq!(
            resolve(&["inner"]),
            Some(strings(&["alpha", "keys", "inner"]))
        );
    }
}
