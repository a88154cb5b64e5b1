//! What names mean in one file: which paths lead into the `redis` crate, whether its command
//! traits are in scope (needed for `con.mget(..)` to compile), the full path of every imported
//! name (for pool crates), and whether a `use` names a cluster client.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use syn::spanned::Spanned;

/// A path's names (`a::b::C<T>` → `a`, `b`, `C`), generic arguments left out.
pub fn path_names(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// Traits whose methods are Redis commands.
const COMMAND_TRAITS: &[&str] = &[
    "Commands",
    "AsyncCommands",
    "TypedCommands",
    "AsyncTypedCommands",
    "JsonCommands",
    "JsonAsyncCommands",
];

/// Names redis-rs exports at its root that a glob import brings in and the recognizer uses.
const GLOB_ITEMS: &[&str] = &[
    "cmd",
    "pipe",
    "transaction",
    "Cmd",
    "Pipeline",
    "Script",
    "ScriptInvocation",
    "Client",
    "Connection",
    "ConnectionLike",
    "Commands",
    "AsyncCommands",
    "TypedCommands",
    "AsyncTypedCommands",
];

#[derive(Clone, Debug, Default)]
pub struct Scope {
    /// Identifiers that name the redis crate: `redis`, Cargo renames, `use redis as r`.
    roots: HashSet<String>,
    /// Local name → path inside redis (`pipe`, `aio::MultiplexedConnection`, `Commands`).
    imported: HashMap<String, String>,
    /// `use redis::*`.
    glob: bool,
    /// A command trait is in scope.
    pub traits_in_scope: bool,
    /// Local name → full path, for every `use` (not only redis).
    all_imports: HashMap<String, Vec<String>>,
    /// The first `use` that names a cluster client or connection of redis.
    cluster_use: Option<Range<usize>>,
}

impl Scope {
    /// A scope for a file of a crate that names redis as `aliases` (always including `redis`).
    pub fn new(aliases: &[String]) -> Scope {
        let mut roots: HashSet<String> = aliases.iter().cloned().collect();
        roots.insert("redis".to_owned());
        Scope {
            roots,
            ..Scope::default()
        }
    }

    /// Read `use` items (file level, module level or inside a block).
    pub fn add_use(&mut self, item: &syn::ItemUse) {
        let mut prefix = Vec::new();
        self.add_use_tree(&item.tree, &mut prefix);
        let mut paths = Vec::new();
        use_paths(&item.tree, &mut Vec::new(), &mut paths);
        for (local, full) in paths {
            let cluster = full.iter().any(|s| {
                matches!(
                    s.as_str(),
                    "cluster"
                        | "cluster_async"
                        | "ClusterClient"
                        | "ClusterClientBuilder"
                        | "ClusterConnection"
                        | "redis_cluster_async"
                )
            }) && full.first().is_some_and(|f| f.contains("redis"));
            if cluster && self.cluster_use.is_none() {
                self.cluster_use = Some(item.span().byte_range());
            }
            if let Some(local) = local {
                self.all_imports.insert(local, full);
            }
        }
    }

    /// The full path a `use` gives local name `name` (`["crate", "alpha", "Keys"]`).
    pub fn import_path(&self, name: &str) -> Option<&[String]> {
        self.all_imports.get(name).map(Vec::as_slice)
    }

    /// Byte range of the first `use` naming a redis cluster client or connection.
    pub fn cluster_use(&self) -> Option<Range<usize>> {
        self.cluster_use.clone()
    }

    /// The path with its first segment expanded through `use` items (any crate).
    pub fn full_path(&self, path: &syn::Path) -> Vec<String> {
        self.full_names(&path_names(path))
    }

    /// [`Self::full_path`] of a path's names.
    pub fn full_names(&self, names: &[String]) -> Vec<String> {
        match names.first().and_then(|f| self.all_imports.get(f)) {
            Some(full) => full.iter().chain(&names[1..]).cloned().collect(),
            None => names.to_vec(),
        }
    }

    fn add_use_tree(&mut self, tree: &syn::UseTree, prefix: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.add_use_tree(&p.tree, prefix);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                if name == "self" {
                    if let Some(last) = prefix.last().cloned() {
                        self.bind(&last, prefix);
                    }
                } else {
                    prefix.push(name.clone());
                    self.bind(&name, prefix);
                    prefix.pop();
                }
            }
            syn::UseTree::Rename(r) => {
                let ident = r.ident.to_string();
                prefix.push(ident);
                let alias = r.rename.to_string();
                self.bind(&alias, prefix);
                prefix.pop();
            }
            syn::UseTree::Glob(_) => {
                if let Some(inner) = self.redis_path_of(prefix) {
                    if inner.is_empty() || inner == "commands" || inner == "prelude" {
                        self.glob = true;
                        self.traits_in_scope = true;
                    }
                }
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.add_use_tree(t, prefix);
                }
            }
        }
    }

    /// `local` now names `full` (a `use` path).
    fn bind(&mut self, local: &str, full: &[String]) {
        let Some(inner) = self.redis_path_of(full) else {
            return;
        };
        if inner.is_empty() {
            // `use redis;`, `use redis as r;`, `use deadpool_redis::redis;`
            self.roots.insert(local.to_owned());
            return;
        }
        let last = inner.rsplit("::").next().unwrap_or(&inner);
        if COMMAND_TRAITS.contains(&last) {
            self.traits_in_scope = true;
        }
        if local != "_" {
            self.imported.insert(local.to_owned(), inner);
        }
    }

    /// The part of `segments` after the redis crate, if the path goes through it: `redis::aio::X`
    /// → `aio::X`; `deadpool_redis::redis::cmd` → `cmd`; `r::pipe` with `r` a root → `pipe`.
    fn redis_path_of(&self, segments: &[String]) -> Option<String> {
        let first = segments.first()?;
        let start = if self.roots.contains(first) {
            1
        } else if let Some(target) = self.imported.get(first) {
            // Through an earlier import: `use redis::aio; use aio::X;`
            let mut parts: Vec<String> = target.split("::").map(str::to_owned).collect();
            parts.extend(segments[1..].iter().cloned());
            return Some(parts.join("::"));
        } else {
            // A re-export: `deadpool_redis::redis::…`, `my_common::redis::…`.
            segments.iter().position(|s| s == "redis").map(|i| i + 1)?
        };
        Some(segments[start..].join("::"))
    }

    /// The redis-relative path a Rust path names, if any: `redis::cmd` → `cmd`,
    /// `pipe` after `use redis::pipe` → `pipe`, `Script` after `use redis::*` → `Script`.
    pub fn resolve(&self, path: &syn::Path) -> Option<String> {
        let segments = path_names(path);
        if segments
            .first()
            .is_some_and(|s| s == "crate" || s == "self" || s == "super" || s == "Self")
        {
            return None;
        }
        if let Some(p) = self.redis_path_of(&segments) {
            return (!p.is_empty()).then_some(p);
        }
        if self.glob && segments.len() <= 2 && GLOB_ITEMS.contains(&segments[0].as_str()) {
            return Some(segments.join("::"));
        }
        None
    }

    /// Whether the last segment of a resolved path is `name`.
    pub fn resolves_to(&self, path: &syn::Path, names: &[&str]) -> Option<String> {
        let resolved = self.resolve(path)?;
        let last = resolved.rsplit("::").next()?.to_owned();
        names.contains(&last.as_str()).then_some(last)
    }

    /// Whether `name` is a redis type imported into this scope (e.g. `MultiplexedConnection`).
    pub fn imported_target(&self, name: &str) -> Option<&str> {
        self.imported.get(name).map(String::as_str)
    }
}

/// Every path a `use` tree imports: (the local name, if any, and the full path).
fn use_paths(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Option<String>, Vec<String>)>,
) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_paths(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            let mut full = prefix.clone();
            if name == "self" {
                out.push((prefix.last().cloned(), full));
            } else {
                full.push(name.clone());
                out.push((Some(name), full));
            }
        }
        syn::UseTree::Rename(r) => {
            let mut full = prefix.clone();
            full.push(r.ident.to_string());
            out.push((Some(r.rename.to_string()), full));
        }
        syn::UseTree::Glob(_) => out.push((None, prefix.clone())),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                use_paths(t, prefix, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(src: &str) -> Scope {
        let file: syn::File = syn::parse_str(src).unwrap();
        let mut s = Scope::new(&["redis".to_owned()]);
        for item in &file.items {
            if let syn::Item::Use(u) = item {
                s.add_use(u);
            }
        }
        s
    }

    fn path(p: &str) -> syn::Path {
        syn::parse_str(p).unwrap()
    }

    #[test]
    fn imports_and_paths() {
        let s = scope("use redis::{self, AsyncCommands, pipe as p, aio::MultiplexedConnection}; use deadpool_redis::redis::cmd;");
        assert!(s.traits_in_scope);
        assert_eq!(s.resolve(&path("p")).as_deref(), Some("pipe"));
        assert_eq!(s.resolve(&path("cmd")).as_deref(), Some("cmd"));
        assert_eq!(
            s.resolve(&path("MultiplexedConnection")).as_deref(),
            Some("aio::MultiplexedConnection")
        );
        assert_eq!(s.resolve(&path("redis::Script")).as_deref(), Some("Script"));
        assert_eq!(s.resolve(&path("std::fs::rename")), None);
        assert_eq!(s.resolve(&path("crate::redis::x")), None);
    }

    #[test]
    fn globs_and_renames() {
        let s = scope("use redis::*; use redis as r;");
        assert!(s.traits_in_scope);
        assert_eq!(s.resolve(&path("Script")).as_deref(), Some("Script"));
        assert_eq!(s.resolve(&path("r::cmd")).as_deref(), Some("cmd"));
        let s = scope("use std::fs::rename; use redis::Client;");
        assert!(!s.traits_in_scope);
        assert_eq!(s.resolve(&path("rename")), None);
    }
}
