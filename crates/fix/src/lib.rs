//! `cargo slotlint fix`: hash-tag rewrites of Redis key families in Rust sources.
//!
//! What it is for: turning the findings of the four cross-slot rules into edits that make the
//! keys used together share a hash tag, and into a migration plan for the keys a running
//! service already holds. Data flows one way:
//!
//! findings (the analyzer's [`FixableFinding`]s, plain data: rule, place, keys with their
//! patterns; [`plan::groups`]: keys used together → a tag from `slotlint_keys::suggest`, or
//! why none) → key families (every literal, format string, constant and SCAN glob of the
//! workspace with the family's skeleton: the analyzer's [`KeyFile`]s, read from the syntax
//! trees it parsed, as [`scan::ScannedFile`]s) → [`plan::Fix`]es (all of a family's
//! sites or none, `safe` or `unsafe`, or blocked with the sites that block them) → new file
//! contents ([`edit::changes`], each re-parsed) → all-or-nothing writes ([`write::write_all`])
//! and the [`migration::MigrationPlan`], whose [`migration::Migrator`] tells `migrate` what to
//! do with each existing key. With `--annotate`, [`annotate::annotations`] adds
//! `#[slotlint::key(tag = "…")]` to the functions whose returned key a chosen fix rewrote, in
//! packages that depend on `slotlint`; the attributes go through the same checked,
//! all-or-nothing path ([`edit::changes_with`]).
//!
//! What it is not for: finding the calls and tracing the keys (`slotlint-analyzer`), choosing
//! the tag (`slotlint-keys`), talking to Redis or printing (the `cargo-slotlint` binary). It
//! never runs the scanned project and edits only string literals, by inserting characters (and,
//! with `--annotate`, inserts whole attribute lines above functions; never Cargo.toml).

pub mod annotate;
pub mod candidates;
pub mod edit;
pub mod migration;
pub mod pattern;
pub mod plan;
pub mod prefilter;
pub mod scan;
pub mod write;

use std::path::Path;

use rayon::prelude::*;

use pattern::Atom;
use slotlint_analyzer::{display_path, input, Discovery, FixableFinding, KeyFile};

pub use annotate::{annotations, Annotation, Annotations};
pub use edit::{changes, changes_with, FileChange};
pub use migration::{KeyFate, MigrationPlan, Migrator};
pub use plan::{Applicability, Fix, FixPlan, Outcome};
pub use write::{write_all, FileWrite, WriteError};

/// The analyzer's key files (from `Options::key_sites`, or
/// [`slotlint_analyzer::key_sites::scan`]) as the fixer sees them: the scripts in string
/// literals and the `include_str!`'d Lua files are searched for the keys they build
/// ([`scan::LuaKey`]), and the files the configuration `excluded` are marked (they are never
/// edited, and a family with a site in one is blocked).
pub fn scanned_files(
    key_files: Vec<KeyFile>,
    discovery: &Discovery,
    excluded: &dyn Fn(&Path) -> bool,
) -> Vec<scan::ScannedFile> {
    let run = || -> Vec<scan::ScannedFile> {
        let commands = slotlint_commands::CommandTable::builtin();
        let boundaries: Vec<input::Boundary> = discovery
            .units
            .iter()
            .map(|u| input::Boundary::new(&u.boundary))
            .collect();
        key_files
            .into_par_iter()
            .map(|f| {
                let mut f = scan::ScannedFile::new(f);
                if let Some(boundary) = boundaries.get(f.unit) {
                    f.lua_keys = lua_keys(&f, boundary, &discovery.display_root, &commands);
                }
                f
            })
            .collect()
    };
    // Lua bodies are parsed (nesting bounded): stacks as big as the analyzer's.
    let mut files = match rayon::ThreadPoolBuilder::new()
        .stack_size(slotlint_analyzer::parse::PARSE_STACK_BYTES)
        .build()
    {
        Ok(pool) => pool.install(run),
        Err(_) => slotlint_analyzer::parse::with_parse_stack(run),
    };
    for f in &mut files {
        f.excluded = excluded(&f.source.path);
    }
    files
}

/// Whether a text (a string literal, an included file) may be a Lua script that calls Redis.
pub(crate) fn calls_redis(text: &str) -> bool {
    ["redis.call", "redis.pcall", "server.call", "server.pcall"]
        .iter()
        .any(|c| text.contains(c))
}

/// Keys built by the Lua scripts of a file: string literals that call redis, and the
/// `include_str!`'d files (read inside the package's boundary, at most
/// [`slotlint_analyzer::MAX_INCLUDED_BYTES`]).
fn lua_keys(
    file: &scan::ScannedFile,
    boundary: &input::Boundary,
    display_root: &Path,
    commands: &slotlint_commands::CommandTable,
) -> Vec<scan::LuaKey> {
    let mut out = Vec::new();
    for site in &file.sites {
        if !calls_redis(&site.value) {
            continue;
        }
        for (offset, text, atoms) in built_keys(&site.value, commands) {
            // Where the key is in the Rust file: through the literal's source map when exact.
            let at = site
                .lit
                .as_ref()
                .map_or(site.start, |l| site.start + l.source_offset(offset));
            let (line, column) = file.line_col(at);
            out.push(scan::LuaKey {
                file: file.source.display.clone(),
                line,
                column,
                text,
                atoms,
            });
        }
    }
    let dir = file.source.path.parent().unwrap_or(Path::new("."));
    for (rel, _) in &file.includes {
        let path = dir.join(rel);
        let Ok(text) =
            input::read_text(&path, Some(boundary), slotlint_analyzer::MAX_INCLUDED_BYTES)
        else {
            continue;
        };
        if !calls_redis(&text) {
            continue;
        }
        let source = slotlint_analyzer::SourceFile::new(
            path.clone(),
            display_path(&path, display_root),
            text,
        );
        for (offset, key, atoms) in built_keys(&source.text, commands) {
            let (line, column) = source.line_col(offset);
            out.push(scan::LuaKey {
                file: source.display.clone(),
                line,
                column,
                text: key,
                atoms,
            });
        }
    }
    out
}

/// Keys a Lua body builds itself from text and values (not from `KEYS`): offset in the body,
/// expression text, atoms.
fn built_keys(
    body: &str,
    commands: &slotlint_commands::CommandTable,
) -> Vec<(usize, String, Vec<Atom>)> {
    use slotlint_analyzer::lua::TemplatePiece;
    let analysis = slotlint_analyzer::lua::analyze(body, commands);
    analysis
        .key_uses
        .into_iter()
        .filter(|u| u.origin.is_certainly_undeclared())
        .filter_map(|u| {
            let template = u.template?;
            if !template.iter().any(|p| matches!(p, TemplatePiece::Text(_))) {
                return None;
            }
            let atoms = template
                .iter()
                .flat_map(|p| match p {
                    TemplatePiece::Text(t) => t.chars().map(Atom::C).collect::<Vec<_>>(),
                    TemplatePiece::Hole => vec![Atom::H],
                })
                .collect();
            Some((u.range.start, u.text, atoms))
        })
        .collect()
}

/// Plan the fixes of `findings` (the analyzer's [`slotlint_analyzer::Report::fixable_findings`])
/// over the workspace's `key_files` (every file of every package of `discovery`, reported on or
/// not: they all build keys). `excluded` tells the files the configuration excludes (generated
/// code): they are never edited, and a family with a site in one is blocked.
pub fn plan_fixes(
    findings: &[&FixableFinding],
    key_files: Vec<KeyFile>,
    discovery: &Discovery,
    excluded: &dyn Fn(&Path) -> bool,
) -> FixPlan {
    plan::plan(findings, scanned_files(key_files, discovery, excluded))
}
