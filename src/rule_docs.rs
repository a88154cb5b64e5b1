//! The rules' documentation, generated from the registry (`slotlint_analyzer::rules::RULES`):
//! a page per rule (`docs/rules/NAME.md`), their index (`docs/rules/README.md`) and the rule
//! table of the repository's README (between [`TABLE_START`] and [`TABLE_END`]). `explain`
//! prints a page's text, and SARIF's `helpUri` points at the page ([`doc_url`]).
//!
//! The hidden `cargo slotlint rules --write-docs ROOT` writes these files, `--check-docs ROOT`
//! says which are stale; `tests/docs.rs` runs the check on this repository.
//!
//! Not here: what each rule says about itself (its `docs` and `summary`, in its file under
//! `crates/analyzer/src/rules/`), which the pages wrap with what holds for every rule: levels,
//! suppressions, test code and `cargo slotlint fix`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use slotlint_analyzer::rules::{Rule, RULES};
use slotlint_syntax::test_code::{TEST_ATTRS, TEST_FOLDERS};

/// The command that regenerates every generated file, run from the repository root.
pub const REGENERATE: &str = "cargo run -q -- rules --write-docs .";

/// The README lines that enclose the generated rule table (the start line may say more).
pub const TABLE_START: &str = "<!-- rules:start";
pub const TABLE_END: &str = "<!-- rules:end -->";

/// The folder of the pages, relative to the repository root.
pub const DOCS_DIR: &str = "docs/rules";

/// The repository URL of Cargo.toml.
pub fn repository() -> &'static str {
    match env!("CARGO_PKG_REPOSITORY").trim_end_matches('/') {
        "" => "https://github.com/slotlint/slotlint",
        repo => repo,
    }
}

/// A rule's page, relative to the repository root: `docs/rules/NAME.md`.
pub fn doc_path(rule: &Rule) -> String {
    format!("{DOCS_DIR}/{}.md", rule.name)
}

/// Where a rule's page is published: `docs/rules/NAME.md` on the main branch.
pub fn doc_url(rule: &Rule) -> String {
    format!("{}/blob/main/{}", repository(), doc_path(rule))
}

/// The file that defines a rule (its docs are edited there).
fn source_path(rule: &Rule) -> String {
    format!(
        "crates/analyzer/src/rules/{}.rs",
        rule.name.replace('-', "_")
    )
}

/// The note at the top of every generated file.
fn generated_note(from: &str) -> String {
    format!("<!-- Generated from {from} by `{REGENERATE}`: edit the source, not this file. -->\n")
}

/// Text for a markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// A rule's page.
pub fn page(rule: &Rule) -> String {
    let mut out = generated_note(&format!("`{}` in {}", rule.name, source_path(rule)));
    let _ = write!(
        out,
        "\n# `{name}` ({code})\n\n{summary}.\n\n\
         | code | default level | fixable | test code |\n|---|---|---|---|\n\
         | `{code}` | {level} | {fixable} | {test} |\n\n",
        name = rule.name,
        code = rule.code,
        summary = capitalized(rule.summary),
        level = rule.severity.as_str(),
        fixable = if rule.fixable {
            "yes: `cargo slotlint fix`"
        } else {
            "no"
        },
        test = test_code_cell(rule),
    );
    out.push_str(&body(rule));
    out.push_str("\n---\n[All rules](README.md)\n");
    out
}

/// What `cargo slotlint explain RULE` prints: the page without its title, table and links.
pub fn explain(rule: &Rule) -> String {
    format!(
        "{} ({}, {})\n\n{}\n\n{}\nOnline: {}\n",
        rule.name,
        rule.code,
        rule.severity,
        rule.summary,
        body(rule),
        doc_url(rule)
    )
}

/// The rule's own docs, then what holds for every rule.
fn body(rule: &Rule) -> String {
    [
        rule.docs.trim().to_owned() + "\n",
        automatic_fix(rule),
        level(rule),
        suppression(rule),
        test_code(rule),
    ]
    .join("\n")
}

fn capitalized(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// What the rule does with test code, in a few words (the page's `## Test code` says more).
fn test_code_cell(rule: &Rule) -> &'static str {
    match rule.name {
        "parse-error" => "reported too",
        "unused-suppression" => "checked too",
        "cluster-feature-missing" => "n/a: reads `Cargo.toml`",
        _ => "left alone unless `test-code = \"check\"`",
    }
}

/// `template` with `$NAME`, `$SNAKE`, `$CODE`, `$LEVEL` and `$TEST_CODE` filled in for `rule`.
fn fill(template: &str, rule: &Rule) -> String {
    template
        .replace("$NAME", rule.name)
        .replace("$SNAKE", &rule.name.replace('-', "_"))
        .replace("$CODE", rule.code)
        .replace("$LEVEL", rule.severity.as_str())
        .replace("$TEST_CODE", &test_code_definition())
}

const FIXABLE: &str = r#"## Automatic fix
`cargo slotlint fix` puts a hash tag into the keys of a finding and rewrites every site of the
workspace that builds a key of the same family (same skeleton): string literals, `format!`
strings, constants, helpers and SCAN/KEYS globs. `--dry-run` lists the fixes and what blocks the
others; `--diff` shows the edits. A fix is
- **safe** when only test code builds the keys it renames and no code slotlint cannot follow may
  build them too: `cargo slotlint fix` applies it;
- **unsafe** otherwise: it renames keys a running service may already hold (move them with
  `cargo slotlint migrate` before deploying the new code), or code slotlint cannot follow may
  build keys of the family. `cargo slotlint fix --unsafe` applies it and writes the migration
  plan;
- **blocked** when a key of the family is built in a way slotlint cannot rewrite safely (piece by
  piece, from constants or literal arguments, a glob that would change meaning…): `--dry-run`
  says what and where, and the keys are left as they are.
"#;

const NOT_FIXABLE: &str = "## Automatic fix
None: `cargo slotlint fix` does not rewrite findings of this rule.
";

const LEVEL: &str = r#"## Level
Default: `$LEVEL`, the most severe level this rule reports (it reports less where less is
certain). A configured level replaces the severity of all of its findings, and `allow` turns the
rule off. In the workspace's `Cargo.toml` (or `[package.metadata.slotlint.rules]` for one
package, or `[rules]` in a `slotlint.toml`):

```toml
[workspace.metadata.slotlint.rules]
$NAME = "warn" # allow | note | warn | deny

[[workspace.metadata.slotlint.overrides]] # some files only
paths = ["src/legacy/**"]
rules = { $NAME = "allow" }
```

On the command line, as with clippy: `-A $NAME` (allow),
`-W $NAME` (warn), `-D $NAME` (deny). The code `$CODE` works in place of the name.
"#;

const SUPPRESS: &str = r#"## Suppress a finding
```rust
// slotlint: allow($NAME) why this one is fine

#[slotlint::allow($SNAKE, reason = "why this one is fine")]
fn legacy() { /* … */ }

// slotlint: allow-file($NAME)
```

`// slotlint: allow(…)` covers findings that start on its line, or on the next line when the
comment stands alone; `#[slotlint::allow(…)]` (from the `slotlint` crate, inert for the compiler)
covers the function, `impl`, `mod`, trait, `const` or `static` it is on;
`// slotlint: allow-file(…)` before the first item covers the file. Suppressed findings are
neither printed nor counted for the exit code; SARIF leaves them out unless
`--sarif-include-suppressed`.
"#;

/// A file that does not parse has no items to put `#[slotlint::allow]` on.
const SUPPRESS_PARSE_ERROR: &str = r#"## Suppress a finding
A file that does not parse has no items for `#[slotlint::allow]`, but a comment at its top
covers it:

```rust
// slotlint: allow-file(parse-error) written in syntax newer than slotlint reads
```

To skip files on purpose, exclude them in the configuration
(`exclude = ["src/generated/**"]` in `[workspace.metadata.slotlint]`).
"#;

/// Findings in `Cargo.toml`: no comment suppresses them.
const SUPPRESS_MANIFEST: &str = r#"## Suppress a finding
Findings of this rule are on `Cargo.toml`, where suppression comments do not apply. Turn the rule
off for the package instead, in its `Cargo.toml` (for example a crate that only ever talks to a
standalone server):

```toml
[package.metadata.slotlint.rules]
$NAME = "allow"
```
"#;

/// Findings in `.lua` files: no Rust comment reaches them.
const SUPPRESS_LUA_FILES: &str = r#"A finding in a `.lua` file (read through `include_str!`) cannot carry a suppression comment:
give the file an `overrides` entry instead (`paths = ["src/scripts/unlock.lua"]`,
`rules = { $NAME = "allow" }`).
"#;

const UNUSED_SUPPRESSION: &str = "A suppression that suppresses nothing is reported as
[`unused-suppression`](unused-suppression.md).
";

const TEST_CODE_LEFT_ALONE: &str = r#"## Test code
Like every rule, `$NAME` leaves test code alone by default: tests talk to a local
server on purpose. Test code is
$TEST_CODE
To check test code too:

```toml
[workspace.metadata.slotlint]
test-code = "check"
```
"#;

const TEST_CODE_PARSE_ERROR: &str = r#"## Test code
Reported in test code too: a file that does not parse hides every Redis call in it, wherever it
is. (The other rules leave test code alone unless `test-code = "check"`.)
"#;

const TEST_CODE_MANIFEST: &str = r#"## Test code
This rule reads the package's `Cargo.toml` and `Cargo.lock`, not its code: its findings are on
the manifest, and `test-code = "check"` (which makes the other rules report in test code) does
not change them.
"#;

const TEST_CODE_UNUSED_SUPPRESSION: &str = r#"## Test code
Suppressions are checked wherever they are written, test code included. The other rules leave
test code alone unless `test-code = "check"` is set, so until then a suppression in test code
suppresses nothing. Test code is
$TEST_CODE"#;

/// What test code is, as a markdown list, from `slotlint_syntax::test_code` (the one
/// definition).
fn test_code_definition() -> String {
    fn either(words: Vec<String>) -> String {
        match words.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => words.join(""),
        }
    }
    let attrs = either(TEST_ATTRS.iter().map(|a| format!("`#[{a}]`")).collect());
    let folders = either(TEST_FOLDERS.iter().map(|f| format!("`{f}/`")).collect());
    format!(
        "- items under `#[cfg(test)]` (or `#[cfg(all(test, …))]`), and the files of a module\n  \
         declared under it out of line (`#[cfg(test)] mod test_helper;`) with the modules below it;\n\
         - functions marked {attrs}, also with a path (`#[tokio::test]`);\n\
         - every file under a package's {folders} folder.\n"
    )
}

fn automatic_fix(rule: &Rule) -> String {
    fill(if rule.fixable { FIXABLE } else { NOT_FIXABLE }, rule)
}

fn level(rule: &Rule) -> String {
    fill(LEVEL, rule)
}

fn suppression(rule: &Rule) -> String {
    match rule.name {
        "parse-error" => return fill(SUPPRESS_PARSE_ERROR, rule),
        "cluster-feature-missing" => return fill(SUPPRESS_MANIFEST, rule),
        _ => {}
    }
    let mut out = fill(SUPPRESS, rule);
    if rule.name == "undeclared-script-key" {
        out.push_str(&fill(SUPPRESS_LUA_FILES, rule));
    }
    if rule.name != "unused-suppression" {
        out.push_str(UNUSED_SUPPRESSION);
    }
    out
}

fn test_code(rule: &Rule) -> String {
    let template = match rule.name {
        "parse-error" => TEST_CODE_PARSE_ERROR,
        "unused-suppression" => TEST_CODE_UNUSED_SUPPRESSION,
        "cluster-feature-missing" => TEST_CODE_MANIFEST,
        _ => TEST_CODE_LEFT_ALONE,
    };
    fill(template, rule)
}

/// The rule table: every rule with its level, whether `fix` rewrites it, and its summary;
/// pages are linked as `{pages}NAME.md`.
fn table(pages: &str) -> String {
    let mut out =
        String::from("| rule | code | level | fixable | what it finds |\n|---|---|---|---|---|\n");
    for rule in RULES {
        let _ = writeln!(
            out,
            "| [`{name}`]({pages}{name}.md) | {code} | {level} | {fixable} | {summary} |",
            name = rule.name,
            code = rule.code,
            level = rule.severity.as_str(),
            fixable = if rule.fixable { "yes" } else { "no" },
            summary = cell(rule.summary),
        );
    }
    out
}

/// `docs/rules/README.md`: the table, and what every page says.
pub fn index() -> String {
    let mut out = generated_note("the rule registry, crates/analyzer/src/rules/mod.rs");
    out.push_str(INDEX_INTRO);
    out.push_str(&table(""));
    out.push_str(INDEX_END);
    out
}

const INDEX_INTRO: &str = "
# Rules

Every rule of slotlint, in the order of `cargo slotlint rules`; `cargo slotlint explain RULE`
prints a page. The level is the most severe a rule reports: each reports less where less is
certain (a `note` where slotlint cannot resolve the keys).

";

const INDEX_END: &str = r#"
Each page says how to set the rule's level (`[workspace.metadata.slotlint.rules]`,
`-A/-W/-D RULE`), how to suppress a finding (`// slotlint: allow(RULE)`,
`#[slotlint::allow(rule)]`), and what the rule does with test code: every rule that reads code
leaves it alone unless `test-code = "check"` is set in `[workspace.metadata.slotlint]`.
"#;

/// The README's rule table, markers included.
pub fn readme_table() -> String {
    format!(
        "{TABLE_START}: generated from the rule registry by `{REGENERATE}` -->\n{}{TABLE_END}\n",
        table(&format!("{DOCS_DIR}/"))
    )
}

/// `readme` with the lines from [`TABLE_START`] to [`TABLE_END`] replaced by `table`.
pub fn splice_table(readme: &str, table: &str) -> Result<String, String> {
    let start = readme
        .match_indices(TABLE_START)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || readme[..i].ends_with('\n'))
        .ok_or_else(|| {
            format!("README.md has no `{TABLE_START} -->` line to put the rule table after")
        })?;
    let end = readme[start..]
        .find(TABLE_END)
        .map(|i| start + i)
        .ok_or_else(|| format!("README.md has `{TABLE_START}` but no `{TABLE_END}` after it"))?;
    let after = readme[end + TABLE_END.len()..]
        .strip_prefix('\n')
        .unwrap_or(&readme[end + TABLE_END.len()..]);
    Ok(format!("{}{table}{after}", &readme[..start]))
}

/// Every generated file under `root`, with the content it should have: the pages, the index,
/// and README.md with its rule table regenerated.
pub fn generated(root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
    let mut out: Vec<(PathBuf, String)> = RULES
        .iter()
        .map(|r| (PathBuf::from(doc_path(r)), page(r)))
        .collect();
    out.push((PathBuf::from(DOCS_DIR).join("README.md"), index()));
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path)
        .map_err(|e| format!("cannot read {}: {e}", readme_path.display()))?;
    out.push((
        PathBuf::from("README.md"),
        splice_table(&readme, &readme_table())?,
    ));
    Ok(out)
}

/// How the files under a root differ from what the registry generates.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drift {
    /// Generated files that are missing or differ (relative to the root).
    pub stale: Vec<PathBuf>,
    /// Pages under `docs/rules/` of no rule.
    pub extra: Vec<PathBuf>,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.stale.is_empty() && self.extra.is_empty()
    }
}

fn drift_of(root: &Path, files: &[(PathBuf, String)]) -> Drift {
    let mut drift = Drift::default();
    for (path, text) in files {
        if std::fs::read_to_string(root.join(path)).ok().as_deref() != Some(text.as_str()) {
            drift.stale.push(path.clone());
        }
    }
    if let Ok(entries) = std::fs::read_dir(root.join(DOCS_DIR)) {
        let mut extra: Vec<PathBuf> = entries
            .flatten()
            .map(|e| PathBuf::from(DOCS_DIR).join(e.file_name()))
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .filter(|p| !files.iter().any(|(f, _)| f == p))
            .collect();
        extra.sort();
        drift.extra = extra;
    }
    drift
}

/// Which generated files under `root` are stale.
pub fn check(root: &Path) -> Result<Drift, String> {
    Ok(drift_of(root, &generated(root)?))
}

/// Brings the generated files under `root` up to date (writing only those that differ, removing
/// pages of no rule); returns what it changed.
pub fn write(root: &Path) -> Result<Drift, String> {
    let files = generated(root)?;
    let drift = drift_of(root, &files);
    std::fs::create_dir_all(root.join(DOCS_DIR))
        .map_err(|e| format!("cannot create {}: {e}", root.join(DOCS_DIR).display()))?;
    for (path, text) in &files {
        if drift.stale.contains(path) {
            let full = root.join(path);
            std::fs::write(&full, text)
                .map_err(|e| format!("cannot write {}: {e}", full.display()))?;
        }
    }
    for path in &drift.extra {
        let full = root.join(path);
        std::fs::remove_file(&full)
            .map_err(|e| format!("cannot remove {}: {e}", full.display()))?;
    }
    Ok(drift)
}

/// The hidden options of `cargo slotlint rules`, for the repository's own docs.
#[derive(clap::Args, Debug, Default)]
pub struct DocsArgs {
    /// Write the rule documentation generated from the registry under ROOT (docs/rules/*.md,
    /// the rule table of README.md).
    #[arg(long, value_name = "ROOT", hide = true, conflicts_with = "check_docs")]
    pub write_docs: Option<PathBuf>,
    /// Exit 1 when the generated rule documentation under ROOT is stale, naming the files.
    #[arg(long, value_name = "ROOT", hide = true)]
    pub check_docs: Option<PathBuf>,
}

impl DocsArgs {
    pub fn given(&self) -> bool {
        self.write_docs.is_some() || self.check_docs.is_some()
    }
}

/// `--write-docs` / `--check-docs`: exit code 0 (up to date, or written), 1 (stale), 2 (error).
pub fn run(args: &DocsArgs) -> std::process::ExitCode {
    use std::process::ExitCode;
    let list = |drift: &Drift| {
        let mut s = String::new();
        for p in &drift.stale {
            let _ = writeln!(s, "  {}", p.display());
        }
        for p in &drift.extra {
            let _ = writeln!(s, "  {} (no such rule)", p.display());
        }
        s
    };
    if let Some(root) = &args.write_docs {
        return match write(root) {
            Ok(drift) if drift.is_empty() => {
                eprintln!("slotlint: the rule documentation is up to date");
                ExitCode::SUCCESS
            }
            Ok(drift) => {
                eprint!(
                    "slotlint: updated the rule documentation:\n{}",
                    list(&drift)
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    let root = args.check_docs.as_deref().unwrap_or(Path::new("."));
    match check(root) {
        Ok(drift) if drift.is_empty() => ExitCode::SUCCESS,
        Ok(drift) => {
            eprint!(
                "error: the rule documentation generated from the registry is stale:\n{}\
                 regenerate it from the repository root with: {REGENERATE}\n",
                list(&drift)
            );
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_replaces_what_is_between_the_markers() {
        let readme = "# x\n\n<!-- rules:start: old -->\n| old |\n<!-- rules:end -->\n\nafter\n";
        let out = splice_table(readme, "<!-- rules:start -->\nNEW\n<!-- rules:end -->\n").unwrap();
        assert_eq!(
            out,
            "# x\n\n<!-- rules:start -->\nNEW\n<!-- rules:end -->\n\nafter\n"
        );
        // Idempotent.
        assert_eq!(
            splice_table(&out, "<!-- rules:start -->\nNEW\n<!-- rules:end -->\n").unwrap(),
            out
        );
    }

    #[test]
    fn a_readme_without_markers_is_an_error() {
        let e = splice_table("# x\n", "T").unwrap_err();
        assert!(e.contains("<!-- rules:start"), "{e}");
        let e = splice_table("<!-- rules:start -->\n| a |\n", "T").unwrap_err();
        assert!(e.contains("<!-- rules:end -->"), "{e}");
    }

    #[test]
    fn table_cells_escape_pipes() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
    }

    #[test]
    fn the_rules_that_pages_treat_apart_exist() {
        for name in [
            "parse-error",
            "unused-suppression",
            "cluster-feature-missing",
            "undeclared-script-key",
        ] {
            assert!(RULES.iter().any(|r| r.name == name), "{name}");
        }
    }

    #[test]
    fn every_rule_has_its_source_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for rule in RULES {
            assert!(
                root.join(source_path(rule)).is_file(),
                "{}",
                source_path(rule)
            );
        }
    }
}
