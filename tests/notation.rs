//! One notation for keys (issue 13): `<id>` for a value known at run time, braces only where
//! the key has them, known values as themselves; Rust source (`{{ }}`) only where source is
//! shown; and help that never proposes a constant hash tag over keys that vary.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn slotlint(args: &[&str], cwd: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
        .args(args)
        .current_dir(cwd)
        .env("COLUMNS", "400")
        .env_remove("GITHUB_WORKSPACE")
        .output()
        .expect("run cargo-slotlint");
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Every finding of every fixture folder, as JSON, test code included.
fn every_finding() -> Vec<serde_json::Value> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(root().join("fixtures")).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let json = slotlint(
            &["check", dir.to_str().unwrap(), "--format", "json"],
            &root(),
        );
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        all.extend(doc["diagnostics"].as_array().unwrap().iter().cloned());
    }
    all
}

#[test]
fn messages_never_show_format_string_escapes_and_constant_tags_only_over_fixed_keys() {
    let findings = every_finding();
    assert!(findings.len() > 100, "{} findings", findings.len());
    let mut tag_helps = 0;
    for d in &findings {
        let mut texts: Vec<&str> = vec![d["message"].as_str().unwrap()];
        texts.extend(d["help"].as_str());
        texts.extend(
            d["notes"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|n| n.as_str()),
        );
        let keys = d["keys"].as_array().unwrap();
        texts.extend(keys.iter().filter_map(|k| k["pattern"].as_str()));
        for t in &texts {
            // `{{`/`}}` and `{}` are Rust source, which messages do not show (edit lines do).
            assert!(
                !t.contains("{{") && !t.contains("}}") && !t.contains("{}"),
                "{t}\nin {d:#}"
            );
        }
        let Some(help) = d["help"].as_str() else {
            continue;
        };
        let Some(tag) = help
            .strip_prefix("put `")
            .and_then(|rest| rest.split_once("` in a hash tag"))
            .map(|(tag, _)| tag)
        else {
            continue;
        };
        tag_helps += 1;
        if !tag.contains('<') {
            // A constant tag: only over keys that are fixed, or `hot-hash-tag` would flag it.
            for k in keys {
                let pattern = k["pattern"].as_str().unwrap_or("<unresolved>");
                assert!(
                    !pattern.contains('<') && k["many"] == false,
                    "constant tag `{tag}` proposed over varying key `{pattern}`:\n{d:#}"
                );
            }
        }
    }
    assert!(tag_helps > 10, "{tag_helps} hash-tag suggestions");
}

const KEYS_RS: &str = r#"use redis::Commands;

fn profile_key(id: u64) -> String {
    format!("user:{id}:profile")
}

fn settings_key(id: u64) -> String {
    format!("user:{id}:settings")
}

pub fn literal_braces(con: &mut redis::Connection, id: u64) -> redis::RedisResult<()> {
    con.rename("order:{id}:a", format!("order:{id}:b"))
}

pub fn known_value(con: &mut redis::Connection) -> redis::RedisResult<()> {
    con.rename(profile_key(42), settings_key(42))
}

pub fn two_values(con: &mut redis::Connection) -> redis::RedisResult<()> {
    con.rename(profile_key(1), profile_key(2))
}

pub fn run_time_value(con: &mut redis::Connection, id: u64) -> redis::RedisResult<()> {
    con.rename(profile_key(id), settings_key(id))
}

pub fn literal_argument(con: &mut redis::Connection) -> redis::RedisResult<()> {
    con.rename(format!("user:{}:a", 42), format!("user:{}:b", 42))
}

fn full_key(trader: &str, index: &str) -> String {
    format!("{trader}:{index}")
}

pub fn shared_value_with_known_suffixes(con: &mut redis::Connection, trader: &str) -> redis::RedisResult<()> {
    con.rename(full_key(trader, "orders"), full_key(trader, "open"))
}

const SEP: &str = ":";

pub fn constant_in_template(con: &mut redis::Connection, t: &str) -> redis::RedisResult<()> {
    con.rename(format!("{t}{SEP}a"), format!("{t}{SEP}b"))
}
"#;

fn package() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"notation\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nredis = { version = \"0.27\", features = [\"cluster\"] }\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), KEYS_RS).unwrap();
    dir
}

/// The finding at `line`, in the short format with its help (human output, one block).
fn block_at(human: &str, line: usize) -> String {
    let at = format!("src/lib.rs:{line}:");
    human
        .split("\n\n")
        .find(|b| b.contains(&at))
        .unwrap_or_else(|| panic!("no finding at line {line} in\n{human}"))
        .to_owned()
}

#[test]
fn holes_literal_braces_and_known_values_are_told_apart() {
    let dir = package();
    let human = slotlint(&["check", "--color", "never"], dir.path());

    // A literal `{id}` is the key's hash tag; `<id>` is a run-time value.
    let b = block_at(&human, 12);
    assert!(b.contains("`order:{id}:a` (tag `id`, slot"), "{b}");
    assert!(b.contains("`order:<id>:b`"), "{b}");
    assert!(
        b.contains("help: only some of these keys carry a hash tag (`{id}`)"),
        "{b}"
    );

    // A helper called with a known value: the key shows the value, the help rewrites the
    // template (what `fix` edits), with the concrete example; never the constant `{user:42}`.
    let b = block_at(&human, 16);
    assert!(b.contains("`user:42:profile` (slot"), "{b}");
    assert!(
        b.contains("help: put `user:<id>` in a hash tag so these keys share a slot: `{user:<id>}:profile`, `{user:<id>}:settings` (e.g. `user:42:profile` → `{user:42}:profile`)"),
        "{b}"
    );

    // One template, two values: no tag can co-locate them.
    let b = block_at(&human, 20);
    assert!(b.contains("different values of `id` (`1`, `2`)"), "{b}");
    assert!(!b.contains("help: put"), "{b}");

    // Run-time values: an illustrative example.
    let b = block_at(&human, 24);
    assert!(b.contains("`user:<id>:profile`"), "{b}");
    assert!(
        b.contains("(e.g. `user:42:profile` → `{user:42}:profile`)"),
        "{b}"
    );

    // A literal written in the `format!` itself is fixed: a constant tag is right here.
    let b = block_at(&human, 28);
    assert!(
        b.contains("help: put `user:42` in a hash tag so these keys share a slot: `{user:42}:a`, `{user:42}:b`"),
        "{b}"
    );

    // One template, a run-time value shared by both keys and known values that tell them apart:
    // the shared value is the tag; the known values stay as the text they are.
    let b = block_at(&human, 36);
    assert!(
        b.contains("help: make `trader` the hash tag so these keys share a slot: `{<trader>}:orders`, `{<trader>}:open`"),
        "{b}"
    );

    // A constant in the template never varies: it stays as its value in the rewrite.
    let b = block_at(&human, 42);
    assert!(
        b.contains("help: make `t` the hash tag so these keys share a slot: `{<t>}:a`, `{<t>}:b`"),
        "{b}"
    );

    // JSON `pattern` uses the same notation.
    let json = slotlint(&["check", "--format", "json"], dir.path());
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let patterns: Vec<&str> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["keys"].as_array().unwrap())
        .filter_map(|k| k["pattern"].as_str())
        .collect();
    for want in [
        "user:<id>:profile",
        "order:{id}:a",
        "order:<id>:b",
        "user:42:profile",
    ] {
        assert!(patterns.contains(&want), "{want} not in {patterns:?}");
    }
}
