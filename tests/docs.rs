//! The rule documentation generated from the registry: `docs/rules/NAME.md`, its index and the
//! README's rule table are up to date (`UPDATE_DOCS=1 cargo test --test docs` regenerates
//! them), the staleness check can fail, and every page says what it must.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use slotlint_analyzer::rules::{Rule, RULES};

const REGENERATE: &str = "cargo run -q -- rules --write-docs .";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn slotlint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run cargo-slotlint")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn page(rule: &Rule) -> String {
    let path = root().join(format!("docs/rules/{}.md", rule.name));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_checked_in_rule_docs_are_up_to_date() {
    let root = root();
    let root = root.to_str().unwrap();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        let out = slotlint(&["rules", "--write-docs", root]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let out = slotlint(&["rules", "--check-docs", root]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n(or: UPDATE_DOCS=1 cargo test --test docs)",
        stderr(&out)
    );
}

/// A copy of what the generator reads and writes, in a temporary folder.
fn copy_of_the_docs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(root().join("README.md"), dir.path().join("README.md")).unwrap();
    std::fs::create_dir_all(dir.path().join("docs/rules")).unwrap();
    for entry in std::fs::read_dir(root().join("docs/rules")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(
            entry.path(),
            dir.path().join("docs/rules").join(entry.file_name()),
        )
        .unwrap();
    }
    dir
}

#[test]
fn stale_docs_are_named_with_the_command_that_regenerates_them() {
    let dir = copy_of_the_docs();
    let at = |p: &str| dir.path().join(p);
    let root = dir.path().to_str().unwrap();
    assert_eq!(
        slotlint(&["rules", "--check-docs", root]).status.code(),
        Some(0)
    );
    // An edited page, a missing page, a page of no rule, an edited README table.
    let edited = at("docs/rules/cross-slot-command.md");
    let text = std::fs::read_to_string(&edited).unwrap();
    std::fs::write(&edited, text.replace("## Fix", "## Fixes")).unwrap();
    std::fs::remove_file(at("docs/rules/sort-pattern.md")).unwrap();
    std::fs::write(at("docs/rules/old-rule.md"), "# old\n").unwrap();
    let readme = std::fs::read_to_string(at("README.md")).unwrap();
    std::fs::write(at("README.md"), readme.replace("| SL104 |", "| SL999 |")).unwrap();

    let out = slotlint(&["rules", "--check-docs", root]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for named in [
        "docs/rules/cross-slot-command.md",
        "docs/rules/sort-pattern.md",
        "docs/rules/old-rule.md (no such rule)",
        "  README.md",
        REGENERATE,
    ] {
        assert!(err.contains(named), "{named} in:\n{err}");
    }
    assert!(!err.contains("cross-slot-pipeline.md"), "{err}");

    let out = slotlint(&["rules", "--write-docs", root]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        slotlint(&["rules", "--check-docs", root]).status.code(),
        Some(0)
    );
    assert!(!at("docs/rules/old-rule.md").exists());
    assert_eq!(std::fs::read_to_string(at("README.md")).unwrap(), readme);
    assert_eq!(std::fs::read_to_string(&edited).unwrap(), text);
}

#[test]
fn a_readme_without_the_table_markers_is_an_error() {
    let dir = copy_of_the_docs();
    let readme = std::fs::read_to_string(dir.path().join("README.md")).unwrap();
    std::fs::write(
        dir.path().join("README.md"),
        readme.replace("<!-- rules:end -->", ""),
    )
    .unwrap();
    let out = slotlint(&["rules", "--write-docs", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("<!-- rules:end -->"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn every_rule_has_a_page_that_says_what_it_must() {
    for rule in RULES {
        let text = page(rule);
        let name = rule.name;
        let title = format!("# `{name}` ({})", rule.code);
        assert!(text.contains(&title), "{title} in docs/rules/{name}.md");
        let facts = format!(
            "| `{}` | {} | {} |",
            rule.code,
            rule.severity.as_str(),
            if rule.fixable {
                "yes: `cargo slotlint fix`"
            } else {
                "no"
            }
        );
        assert!(text.contains(&facts), "{facts} in docs/rules/{name}.md");
        // The rule's own docs, then what every page says.
        let mut sections = vec![
            "## What it finds",
            "## Why it",
            "## Example",
            "## Fix",
            "## Automatic fix",
            "## Level",
            "## Suppress a finding",
            "## Test code",
        ];
        let mut at = 0;
        for section in sections.drain(..) {
            let found = text[at..]
                .find(&format!("\n{section}"))
                .unwrap_or_else(|| panic!("{section} (in order) in docs/rules/{name}.md"));
            at += found + 1;
        }
        assert!(text.contains(rule.docs.trim()), "the docs of {name}");
        for config in [
            format!("{name} = \"warn\""),
            format!("-A {name}"),
            format!("-D {name}"),
        ] {
            assert!(text.contains(&config), "{config} in docs/rules/{name}.md");
        }
        if rule.fixable {
            assert!(text.contains("**safe**") && text.contains("**unsafe**"));
        }
        match name {
            "cluster-feature-missing" => {
                assert!(text.contains("[package.metadata.slotlint.rules]"))
            }
            "parse-error" => assert!(text.contains("// slotlint: allow-file(parse-error)")),
            _ => {
                assert!(text.contains(&format!("// slotlint: allow({name})")));
                let snake = name.replace('-', "_");
                assert!(text.contains(&format!("#[slotlint::allow({snake},")));
            }
        }
        if !matches!(
            name,
            "parse-error" | "unused-suppression" | "cluster-feature-missing"
        ) {
            assert!(
                text.contains("leaves test code alone by default")
                    && text.contains("test-code = \"check\"")
                    && text.contains("`#[cfg(test)]`")
                    && text.contains("`tests/`, `benches/` or `examples/`"),
                "the test-code policy in docs/rules/{name}.md"
            );
        }
    }
}

/// Relative markdown links of `text`: `](target)` not starting with a scheme or `#`.
fn relative_links(text: &str) -> Vec<&str> {
    text.match_indices("](")
        .filter_map(|(i, _)| {
            let rest = &text[i + 2..];
            let target = &rest[..rest.find(')')?];
            (!target.contains("://") && !target.starts_with('#') && target.ends_with(".md"))
                .then_some(target)
        })
        .collect()
}

#[test]
fn the_tables_list_every_rule_and_their_links_resolve() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let index = std::fs::read_to_string(root().join("docs/rules/README.md")).unwrap();
    for rule in RULES {
        let name = rule.name;
        let row = |pages: &str| {
            format!(
                "| [`{name}`]({pages}{name}.md) | {} | {} | {} |",
                rule.code,
                rule.severity.as_str(),
                if rule.fixable { "yes" } else { "no" }
            )
        };
        assert!(
            readme.contains(&row("docs/rules/")),
            "{} in README.md",
            row("docs/rules/")
        );
        assert!(
            index.contains(&row("")),
            "{} in docs/rules/README.md",
            row("")
        );
    }
    let mut checked = 0;
    for (file, text) in [
        (root().join("README.md"), readme.clone()),
        (root().join("docs/rules/README.md"), index),
    ]
    .into_iter()
    .chain(
        RULES
            .iter()
            .map(|r| (root().join(format!("docs/rules/{}.md", r.name)), page(r))),
    ) {
        for link in relative_links(&text) {
            let target = file.parent().unwrap().join(link);
            assert!(target.is_file(), "{link} in {}", file.display());
            checked += 1;
        }
    }
    assert!(checked > 2 * RULES.len(), "only {checked} links checked");
}

#[test]
fn explain_says_where_the_page_is() {
    for rule in RULES {
        let out = slotlint(&["explain", rule.code]);
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        let url = format!(
            "https://github.com/slotlint/slotlint/blob/main/docs/rules/{}.md",
            rule.name
        );
        assert!(
            text.trim_end().ends_with(&format!("Online: {url}")),
            "{text}"
        );
        assert!(Path::new(&root())
            .join(format!("docs/rules/{}.md", rule.name))
            .is_file());
        // The page's text: the same sections, in the terminal.
        assert!(
            text.contains("## Level") && text.contains("## Test code"),
            "{text}"
        );
    }
}
