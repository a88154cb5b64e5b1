//! Mutation fuzzing of the whole path a pull request takes: parse → analyze → plan the fixes
//! → edit → parse again → analyze the edited package (issue 16). Stable Rust, no extra
//! dependency: a seeded generator mutates the fixture packages (deletions, duplications,
//! swapped lines, and snippets chosen to hurt: unbalanced brackets and quotes, raw strings,
//! BOM and shebang, deep nesting, format strings, Lua concatenations, multi-byte text).
//!
//! Each input must hold:
//! - no panic in the analyzer (an internal error) or in planning, no stack overflow (it would
//!   abort this test binary), no hang (the run's own budget is the test's);
//! - planning with the candidate index gives exactly the plan of the plain families × sites
//!   loop, and planning over the files the fix preview's prefilter keeps the plan over all;
//! - every edit only inserts characters, every edited file parses, and the edited package is
//!   analyzed without an internal error.
//!
//! The suite runs [`SHORT_RUN`] inputs. The long run, in release mode:
//!
//! ```sh
//! FUZZ_INPUTS=20000 FUZZ_SEED=7 cargo test --release --test fuzz -- --ignored --nocapture
//! ```
//!
//! A failure prints the seed and the input's number, and writes the input to
//! `target/fuzz-failure/` to be replayed.

use std::path::{Path, PathBuf};

use slotlint_analyzer::{analyze, discover_workspace, parse, Options};
use slotlint_fix::plan::plan_with;

#[path = "support/plans.rs"]
mod plans;

/// Inputs of the run in the normal test suite.
const SHORT_RUN: usize = 150;

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Fixture packages: folders with a Cargo.toml and Rust sources (not the cluster apps, whose
/// workspace is large).
fn packages() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root().join("fixtures")];
    while let Some(dir) = stack.pop() {
        if dir.ends_with("apps") {
            continue;
        }
        if dir.join("Cargo.toml").is_file() && dir.join("src").is_dir() {
            out.push(dir.clone());
        }
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() && e.file_name() != "target" {
                stack.push(e.path());
            }
        }
    }
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let t = entry.file_type().unwrap();
        if t.is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&src, &dst);
            }
        } else if t.is_file() {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs" || x == "lua") {
            out.push(p);
        }
    }
    out.sort();
}

const SNIPPETS: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "'",
    "r#\"",
    "\"#",
    "/*",
    "*/",
    "//",
    "\n",
    "\\",
    ";",
    ",",
    "::",
    "<",
    ">",
    "|",
    "|a, b| ",
    "#",
    "!",
    "?",
    ".",
    "..",
    "=>",
    "'a",
    "b'x'",
    "\u{feff}",
    "é",
    "日本",
    "\u{0}",
    "{{",
    "}}",
    "{}",
    "{id}",
    "{:?}",
    "format!(\"{}:x:{}\", a, b)",
    "format!(\"user:{id}:profile\")",
    "\"user:{id}:profile\"",
    "\"user:*:profile\"",
    "\"{user:*}:profile\"",
    "\"*:profile\"",
    "\"{*\"",
    "\"cart:[0-9]*\"",
    "con.rename(format!(\"a:{id}:x\"), format!(\"a:{id}:y\"))",
    "redis::pipe().atomic().get(\"k:1\").get(\"k:2\")",
    "redis::Script::new(\"return redis.call('GET', 'user:' .. ARGV[1] .. ':profile')\")",
    " .. ARGV[1] .. ",
    "redis.call('SET', KEYS[1], 1)",
    "local k = 'x:' .. ARGV[1]\n",
    "include_str!(\"missing.lua\")",
    "const P: &str = \"user\";",
    "concat!(\"a\", \"b\")",
    "s.push_str(\":x\");",
    "write!(s, \"{}:\", id)",
];

/// Snippets that nest: repeated many times (past the bounds, and just under them).
const NESTERS: &[&str] = &[
    "(",
    "{",
    "[",
    "!",
    "&",
    ".arg(1)",
    "|| ",
    "Vec<",
    "format!(\"{}\", ",
    "vec![",
    "return ",
    " else if a {}",
];

fn char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut s = text.to_owned();
    for _ in 0..1 + rng.below(4) {
        let at = char_boundary(&s, rng.below(s.len() + 1));
        match rng.below(11) {
            0 => {
                let end = char_boundary(&s, at + 1 + rng.below(40));
                s.replace_range(at..end, "");
            }
            1 => {
                let end = char_boundary(&s, at + 1 + rng.below(80));
                let piece = s[at..end].to_owned();
                s.insert_str(at, &piece);
            }
            2 => {
                let mut lines: Vec<&str> = s.lines().collect();
                if lines.len() > 2 {
                    let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
                    lines.swap(a, b);
                }
                s = lines.join("\n");
            }
            3 => {
                let n = match rng.below(3) {
                    0 => 1 + rng.below(50),
                    1 => 100 + rng.below(400),
                    _ => 1000 + rng.below(30_000),
                };
                let nester = NESTERS[rng.below(NESTERS.len())];
                s.insert_str(at, &nester.repeat(n));
            }
            4 => s.insert_str(
                0,
                ["\u{feff}", "#!/usr/bin/env x\n", "#![allow(unused)]\n"][rng.below(3)],
            ),
            5 | 6 => {
                // A statement after a `;`: the file most likely still parses, so the snippet
                // reaches the analysis and the fixer.
                let ends: Vec<usize> = s.match_indices(';').map(|(i, _)| i + 1).collect();
                if !ends.is_empty() {
                    let at = ends[rng.below(ends.len())];
                    let snippet = SNIPPETS[rng.below(SNIPPETS.len())];
                    s.insert_str(at, &format!("\n    let _fuzz = {snippet};"));
                }
            }
            _ => s.insert_str(at, SNIPPETS[rng.below(SNIPPETS.len())]),
        }
    }
    s
}

/// `before` with characters inserted, and nothing else.
fn only_insertions(before: &str, after: &str) -> bool {
    let mut rest = after.chars();
    before.chars().all(|c| rest.by_ref().any(|d| d == c))
}

/// One input: a copy of `package` with `file` (relative) replaced by `text`. `Err` describes
/// a broken invariant.
fn check(package: &Path, file: &Path, text: &str) -> Result<(), String> {
    let dir = tempfile::Builder::new()
        .prefix("slotlint-fuzz-")
        .tempdir()
        .unwrap();
    copy_dir(package, dir.path());
    std::fs::write(dir.path().join(file), text).unwrap();
    let discovery = discover_workspace(dir.path(), None).map_err(|e| format!("discovery: {e}"))?;
    let options = Options {
        threads: 1,
        key_sites: true,
        ..Default::default()
    };
    let mut report = analyze(&discovery, &options);
    if !report.internal_errors.is_empty() {
        return Err(format!("analyzer: {:?}", report.internal_errors));
    }
    let key_files = std::mem::take(&mut report.key_files);
    let files = slotlint_fix::scanned_files(key_files, &discovery, &|_| false);
    let findings = report.fixable_findings();
    let indexed = plan_with(&findings, files.clone(), false);
    let exhaustive = plan_with(&findings, files, true);
    if format!("{:?}", indexed.fixes) != format!("{:?}", exhaustive.fixes) {
        return Err(format!(
            "the candidate index changed the plan:\n{:#?}\nvs\n{:#?}",
            indexed.fixes, exhaustive.fixes
        ));
    }
    let [(all, _), (prefiltered, _)] = plans::both(&discovery, &findings);
    if all != prefiltered {
        return Err(format!(
            "the prefilter changed the plan:\n{all}\nvs\n{prefiltered}"
        ));
    }
    let chosen: Vec<&slotlint_fix::Fix> = indexed
        .fixes
        .iter()
        .filter(|f| f.applicability().is_some())
        .collect();
    let changes = slotlint_fix::changes(&indexed, &chosen).map_err(|e| format!("edits: {e}"))?;
    for c in &changes {
        if !only_insertions(&c.before, &c.after) {
            return Err(format!("{}: an edit removed text", c.display));
        }
        parse::with_parse_stack(|| parse::parse_rust(&c.after).map(|_| ()))
            .map_err(|e| format!("{}: does not parse after the edits: {e}", c.display))?;
        std::fs::write(&c.path, &c.after).unwrap();
    }
    let discovery = discover_workspace(dir.path(), None).map_err(|e| format!("discovery: {e}"))?;
    let again = analyze(&discovery, &options);
    if !again.internal_errors.is_empty() {
        return Err(format!(
            "analyzer after the fix: {:?}",
            again.internal_errors
        ));
    }
    Ok(())
}

/// `n` inputs from `seed`; panics on the first broken invariant, after saving the input.
fn fuzz(n: usize, seed: u64) -> usize {
    let packages = packages();
    assert!(packages.len() >= 5, "{packages:?}");
    let mut rng = Rng(seed.max(1));
    for i in 0..n {
        let package = &packages[rng.below(packages.len())];
        let mut files = Vec::new();
        rust_files(&package.join("src"), &mut files);
        if files.is_empty() {
            continue;
        }
        let path = &files[rng.below(files.len())];
        let original = std::fs::read_to_string(path).unwrap();
        let text = mutate(&original, &mut rng);
        let rel = path.strip_prefix(package).unwrap();
        if let Err(e) = check(package, rel, &text) {
            let out = root().join("target/fuzz-failure");
            std::fs::create_dir_all(&out).unwrap();
            std::fs::write(out.join("input.rs"), &text).unwrap();
            panic!(
                "seed {seed}, input {i}: {} with {} mutated (saved in {}): {e}",
                package.display(),
                rel.display(),
                out.join("input.rs").display()
            );
        }
    }
    n
}

#[test]
fn mutated_fixtures_hold_every_invariant() {
    fuzz(SHORT_RUN, 0x5107_11a7);
}

/// The long run (see the module docs): `FUZZ_INPUTS` inputs from `FUZZ_SEED`.
#[test]
#[ignore]
fn long_fuzz() {
    let n = std::env::var("FUZZ_INPUTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let seed = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let done = fuzz(n, seed);
    eprintln!("fuzz: {done} inputs from seed {seed}: every invariant held");
}
