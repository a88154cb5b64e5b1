//! `cargo slotlint fix` end to end, on copies of the fixture crates in `fixtures/fix/`.
//!
//! Each fixture is a real Cargo project depending on `redis` 1.x. After a fix it must still
//! compile: `cargo check` runs offline against cargo's registry cache (a shared target folder,
//! `target/fix-fixtures`, so `redis` compiles once), and runs `cargo fetch --locked` first on a
//! machine whose cache lacks the crates. Expected results are `.fixed` copies beside the files
//! they are expected from (`src/keys.rs.fixed`), as in clippy's UI tests; files without one
//! must not change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "support/plans.rs"]
mod plans;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("fixtures/fix").join(name)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// A fresh copy of a fixture crate, committed to a new git repository (`fix` edits only
/// committed files unless told otherwise).
fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("slotlint-fix-{name}-"))
        .tempdir()
        .unwrap();
    copy_dir(&fixture(name), dir.path());
    git_commit_all(dir.path());
    dir
}

/// `git init` (if needed), then commit everything in `dir`.
fn git_commit_all(dir: &Path) {
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .expect("git (needed by these tests)");
        assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    };
    if !dir.join(".git").exists() {
        git(&["init", "-q"]);
    }
    git(&["add", "-A"]);
    git(&["commit", "-q", "--allow-empty", "-m", "fixture"]);
}

fn slotlint(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run cargo-slotlint")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every file of a folder (relative path → content), for "nothing changed" checks.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_name() == ".git" {
                continue;
            }
            if entry.file_type().unwrap().is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path
                    .strip_prefix(base)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Rust files of a fixed copy against the fixture: `.fixed` where there is one, else unchanged.
fn assert_matches_fixed(name: &str, copy: &Path) {
    let original = snapshot(&fixture(name));
    for (rel, content) in &original {
        if !rel.ends_with(".rs") {
            continue;
        }
        let want = original.get(&format!("{rel}.fixed")).unwrap_or(content);
        let got = std::fs::read(copy.join(rel)).unwrap();
        assert_eq!(
            text(&got),
            text(want),
            "{rel} after the fix differs from {}",
            if original.contains_key(&format!("{rel}.fixed")) {
                format!("{rel}.fixed")
            } else {
                "the original (it must not change)".to_owned()
            }
        );
    }
}

/// `cargo check --all-targets` of a fixture copy, offline against the registry cache.
fn cargo_check(dir: &Path) {
    let target = root().join("target/fix-fixtures");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let run = |args: &[&str]| {
        Command::new(&cargo)
            .args(args)
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &target)
            .output()
            .expect("run cargo")
    };
    let check = ["check", "--all-targets", "--locked", "--offline", "--quiet"];
    let mut out = run(&check);
    if !out.status.success() && text(&out.stderr).contains("offline") {
        // The registry cache lacks a crate: fetch them once (the Cargo.lock pins them).
        let fetch = run(&["fetch", "--locked"]);
        assert!(
            fetch.status.success(),
            "cargo fetch failed:\n{}",
            text(&fetch.stderr)
        );
        out = run(&check);
    }
    assert!(
        out.status.success(),
        "the fixed crate does not compile:\n{}",
        text(&out.stderr)
    );
}

#[test]
fn unsafe_fix_matches_the_fixed_files_compiles_and_clears_the_findings() {
    let dir = copy_fixture("shop");
    let out = slotlint(&["fix", "--unsafe"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("renamed 10 key families (15 literals in 4 files)"),
        "{stderr}"
    );
    assert!(stderr.contains("slotlint-migration.json"), "{stderr}");
    assert_matches_fixed("shop", dir.path());
    cargo_check(dir.path());
    // What is left: the blocked fix and the groups without a rewrite.
    let out = slotlint(&["check", "--format", "json"], dir.path());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut left: Vec<String> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["rule"].as_str().unwrap().starts_with("cross-slot"))
        .map(|d| format!("{}:{}", d["file"].as_str().unwrap(), d["line"]))
        .collect();
    left.sort();
    assert_eq!(
        left,
        [
            "src/orders.rs:7",
            "src/unrelated.rs:11",
            "src/unrelated.rs:5"
        ]
    );
}

#[test]
fn a_second_run_changes_nothing() {
    let dir = copy_fixture("shop");
    let first = slotlint(&["fix", "--unsafe"], dir.path());
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let after_first = snapshot(dir.path());
    let second = slotlint(&["fix", "--unsafe"], dir.path());
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    assert!(
        text(&second.stderr).contains("nothing to fix"),
        "{}",
        text(&second.stderr)
    );
    assert_eq!(
        snapshot(dir.path()),
        after_first,
        "the second run changed files"
    );
    let diff = slotlint(&["fix", "--unsafe", "--diff"], dir.path());
    assert_eq!(text(&diff.stdout), "");
    assert_eq!(diff.status.code(), Some(0), "no edits: --diff exits 0");
}

/// The plan `fix` would write, from `--dry-run --plan -`.
fn dry_run_plan(dir: &Path, unsafe_too: bool) -> (String, serde_json::Value) {
    let mut args = vec!["fix", "--dry-run", "--plan", "-"];
    if unsafe_too {
        args.push("--unsafe");
    }
    let out = slotlint(&args, dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let json_at = stdout.find("\n{\n").map(|i| i + 1).unwrap_or(stdout.len());
    let plan = if json_at < stdout.len() {
        serde_json::from_str(&stdout[json_at..]).unwrap()
    } else {
        serde_json::Value::Null
    };
    (stdout[..json_at].to_owned(), plan)
}

fn family<'a>(plan: &'a serde_json::Value, old_skeleton: &str) -> &'a serde_json::Value {
    plan["families"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["old_skeleton"] == old_skeleton)
        .unwrap_or_else(|| panic!("no family `{old_skeleton}` in {plan:#}"))
}

#[test]
fn a_family_is_rewritten_everywhere_it_is_built() {
    let dir = copy_fixture("shop");
    let (_, plan) = dry_run_plan(dir.path(), true);
    let profile = family(&plan, "user:{}:profile");
    assert_eq!(profile["new_skeleton"], "{{user:{}}}:profile");
    assert_eq!(profile["scan"], "user:*:profile");
    assert_eq!(profile["tag"], "user:<user>");
    let sites: Vec<String> = profile["sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            format!(
                "{}:{} {} -> {}",
                s["file"].as_str().unwrap(),
                s["line"],
                s["before"].as_str().unwrap(),
                s["after"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        sites,
        [
            // The helper function, another module's own format!, a literal key, a SCAN glob.
            r#"src/keys.rs:4 "user:{user}:profile" -> "{{user:{user}}}:profile""#,
            r#"src/profile.rs:12 "user:{}:profile" -> "{{user:{}}}:profile""#,
            r#"src/profile.rs:17 "user:admin:profile" -> "{user:admin}:profile""#,
            r#"src/profile.rs:23 "user:*:profile" -> "{user:*}:profile""#,
        ]
    );
    // The partner family of the same fix gets the same tag.
    assert_eq!(
        family(&plan, "user:{}:settings")["new_skeleton"],
        "{{user:{}}}:settings"
    );
    // Nothing in comments: the doc comment naming "user:{id}:profile" is not a site.
    assert!(!sites.iter().any(|s| s.contains("src/profile.rs:5")));
}

#[test]
fn format_strings_raw_strings_and_escapes_are_edited_as_written() {
    let dir = copy_fixture("shop");
    let out = slotlint(&["fix", "--unsafe"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let keys = std::fs::read_to_string(dir.path().join("src/keys.rs")).unwrap();
    for want in [
        // Inline captures kept, braces doubled.
        r#"format!("{{user:{user}}}:profile")"#,
        // Positional arguments kept.
        r#"format!("{{user:{}}}:settings", user)"#,
        // Raw strings, with and without hashes.
        r#"format!(r"{{cart:{cart}}}:items")"#,
        r##"format!(r#"{{cart:{}}}:total"#, cart)"##,
        // An escape and a line continuation stay as written.
        "format!(\"{{inv\\x3a{item}}}:\\\n             count\")",
    ] {
        assert!(keys.contains(want), "`{want}` not in\n{keys}");
    }
    let scratch = std::fs::read_to_string(dir.path().join("tests/scratch.rs")).unwrap();
    // A plain literal key gets single braces, a format string doubled ones.
    assert!(scratch.contains(r#"assert_eq!(format!("{{scratch:{}}}:a", 1), "{scratch:1}:a");"#));
}

#[test]
fn no_rewrite_for_constant_only_or_unrelated_keys() {
    let dir = copy_fixture("shop");
    let (listing, _) = dry_run_plan(dir.path(), true);
    let lines: Vec<&str> = listing
        .lines()
        .filter(|l| l.starts_with("no rewrite:"))
        .collect();
    assert_eq!(lines.len(), 2, "{listing}");
    assert!(lines[0].starts_with("no rewrite: src/unrelated.rs:5:5 cross-slot-command: the keys share nothing a hash tag could name"), "{listing}");
    assert!(
        lines[1].starts_with("no rewrite: src/unrelated.rs:11:17 cross-slot-command: these keys vary and share only `thumb`; a constant hash tag would put every one of them in one slot"),
        "{listing}"
    );
    let before = std::fs::read(dir.path().join("src/unrelated.rs")).unwrap();
    slotlint(&["fix", "--unsafe"], dir.path());
    assert_eq!(
        std::fs::read(dir.path().join("src/unrelated.rs")).unwrap(),
        before
    );
}

#[test]
fn a_family_built_piece_by_piece_blocks_its_fix_and_is_named() {
    let dir = copy_fixture("shop");
    let (listing, plan) = dry_run_plan(dir.path(), true);
    let fix = listing
        .split("\n\n")
        .find(|b| b.contains("hash tag `order:<id>`"))
        .unwrap_or_else(|| panic!("{listing}"));
    assert!(fix.contains("[blocked]"), "{fix}");
    assert!(
        fix.contains("blocked: src/keys.rs:33:5: \"order:\" is a piece of a key of this family"),
        "{fix}"
    );
    assert!(
        fix.contains("blocked: src/keys.rs:33:45: \":open\""),
        "{fix}"
    );
    // Neither family of the blocked fix is in the plan: all of a family or nothing.
    let olds: Vec<&str> = plan["families"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["old_skeleton"].as_str().unwrap())
        .collect();
    assert!(!olds.iter().any(|o| o.starts_with("order:")), "{olds:?}");
}

#[test]
fn without_unsafe_only_safe_fixes_apply() {
    let dir = copy_fixture("shop");
    let before = snapshot(dir.path());
    let out = slotlint(&["fix"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("4 unsafe fixes not applied"), "{stderr}");
    let after = snapshot(dir.path());
    let changed: Vec<&String> = after
        .keys()
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert_eq!(changed, ["slotlint-migration.json", "tests/scratch.rs"]);
    assert_eq!(
        text(&after["tests/scratch.rs"]),
        std::fs::read_to_string(fixture("shop").join("tests/scratch.rs.fixed")).unwrap()
    );
    let plan: serde_json::Value =
        serde_json::from_slice(&after["slotlint-migration.json"]).unwrap();
    let fams = plan["families"].as_array().unwrap();
    assert_eq!(fams.len(), 2);
    assert!(fams.iter().all(|f| f["applicability"] == "safe"));
    // A later run with --unsafe extends the plan.
    let out = slotlint(&["fix", "--unsafe"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plan: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("slotlint-migration.json")).unwrap())
            .unwrap();
    assert_eq!(plan["families"].as_array().unwrap().len(), 10);
}

#[test]
fn diff_prints_the_edits_and_writes_nothing() {
    let dir = copy_fixture("shop");
    let before = snapshot(dir.path());
    let out = slotlint(&["fix", "--unsafe", "--diff"], dir.path());
    // ruff's convention: 1 when there are edits.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(snapshot(dir.path()), before, "--diff wrote something");
    insta::assert_snapshot!("shop_diff", text(&out.stdout));
}

#[test]
fn dry_run_lists_and_writes_nothing() {
    let dir = copy_fixture("shop");
    let before = snapshot(dir.path());
    let (listing, _) = dry_run_plan(dir.path(), false);
    assert_eq!(snapshot(dir.path()), before, "--dry-run wrote something");
    assert!(
        listing.contains("fix 6 [safe, would apply]: hash tag `scratch:<n>`"),
        "{listing}"
    );
    assert!(listing.contains("[unsafe, needs --unsafe]"), "{listing}");
    assert!(
        listing.ends_with(
            "6 fixes: 1 safe, 4 unsafe, 1 blocked; 2 groups of keys without a rewrite\n"
        ),
        "{listing}"
    );
}

#[test]
fn a_read_only_file_is_refused_and_nothing_changes() {
    let dir = copy_fixture("shop");
    let target = dir.path().join("src/profile.rs");
    let mut perms = std::fs::metadata(&target).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&target, perms).unwrap();
    let before = snapshot(dir.path());
    let out = slotlint(&["fix", "--unsafe"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "src/profile.rs is read-only; make it writable to apply the fix: nothing was written"
        ),
        "{stderr}"
    );
    assert_eq!(snapshot(dir.path()), before);
}

/// Makes a file immutable (`chattr +i`): even root cannot replace it. Undone on drop.
struct Immutable(PathBuf);

impl Immutable {
    fn new(path: &Path) -> Immutable {
        let out = Command::new("chattr")
            .arg("+i")
            .arg(path)
            .output()
            .expect("chattr (e2fsprogs) is needed for this test");
        assert!(
            out.status.success(),
            "chattr +i {} failed (the test needs a file system with immutable files, e.g. ext4): {}",
            path.display(),
            text(&out.stderr)
        );
        Immutable(path.to_owned())
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[test]
fn a_failed_replace_puts_back_the_files_already_replaced() {
    let dir = copy_fixture("shop");
    let before = snapshot(dir.path());
    // The last source file written: src/keys.rs, src/inventory.rs and src/profile.rs are
    // replaced before it, and must be put back.
    let _guard = Immutable::new(&dir.path().join("tests/scratch.rs"));
    let out = slotlint(&["fix", "--unsafe"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("cannot replace"), "{stderr}");
    assert!(stderr.contains("tests/scratch.rs"), "{stderr}");
    assert!(stderr.contains("every file was left as it was"), "{stderr}");
    assert_eq!(
        snapshot(dir.path()),
        before,
        "files changed, or temporary files left"
    );
}

#[test]
fn a_plan_that_cannot_be_written_stops_every_edit() {
    let dir = copy_fixture("shop");
    let before = snapshot(dir.path());
    // The plan's folder does not exist: its temporary file cannot be made, after those of
    // the source files were.
    let out = slotlint(
        &["fix", "--unsafe", "--plan", "no-such-folder/plan.json"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(
        snapshot(dir.path()),
        before,
        "files changed, or temporary files left"
    );
}

/// The block of the `--dry-run` listing for the fix with this hash tag.
fn fix_block<'a>(listing: &'a str, tag: &str) -> &'a str {
    listing
        .split("\n\n")
        .find(|b| b.lines().next().is_some_and(|l| l.contains(tag)))
        .unwrap_or_else(|| panic!("no fix with tag {tag} in\n{listing}"))
}

#[test]
fn conflicts_constants_and_templates_block_globs_and_unknown_helpers_are_hazards() {
    let dir = copy_fixture("hazards");
    let (listing, _) = dry_run_plan(dir.path(), true);
    // One family that two groups would rename differently, and no one tag serves both.
    let org = fix_block(&listing, "`org:<o>`");
    assert!(org.contains("[blocked]"), "{org}");
    assert!(
        org.contains("`org:<o>:team:<u>:members` would be renamed both to `{org:<o>}:team:<u>:members` and to `org:<o>:team:{<u>}:members`: keys used with different partners need different tags, and no one tag serves them all"),
        "{org}"
    );
    // One family that two groups would rename differently, and one tag serves both: the
    // narrower (`{team:<t>}` with the owners, `{<t>}` with the log: `{<t>}` for every family).
    let team = fix_block(&listing, "hash tag `<t>`");
    assert!(team.contains("[unsafe, would apply]"), "{team}");
    for rename in [
        "family `team:<t>:members` -> `team:{<t>}:members`",
        "family `team:<t>:owners` -> `team:{<t>}:owners`",
        "family `log:<t>` -> `log:{<t>}`",
    ] {
        assert!(team.contains(rename), "{team}");
    }
    assert!(!team.contains("blocked"), "{team}");
    // A key that starts with a constant's value: its template's glob would match anything.
    let chat = fix_block(&listing, "`<room>`");
    assert!(chat.contains("[blocked]"), "{chat}");
    assert!(
        chat.contains("the keys of `<CHAT>:<room>:log` start with a value, not fixed text: the SCAN glob `*:*:log` would match unrelated keys"),
        "{chat}"
    );
    // A template used through `str::replace`.
    let gift = fix_block(&listing, "`gift:<g>`");
    assert!(gift.contains("[blocked]"), "{gift}");
    assert!(
        gift.contains("src/lib.rs:40:25: \"gift:{}:code\" is a template of this family's keys"),
        "{gift}"
    );
    // A glob that would stop matching, and a helper that may build the family: unsafe, named.
    let feed = fix_block(&listing, "`feed:<f>`");
    assert!(feed.contains("[unsafe, would apply]"), "{feed}");
    assert!(
        feed.contains("hazard: src/lib.rs:20:14: the glob \"feed:*\" would no longer match keys of this family"),
        "{feed}"
    );
    let note = fix_block(&listing, "`note:<n>`");
    assert!(
        note.contains("hazard: src/lib.rs:29:13: `format!(\"{kind}:{id}:body\")` may build keys of this family"),
        "{note}"
    );
    let queue = fix_block(&listing, "`queue`");
    assert!(
        queue.contains("hazard: src/lib.rs:61:14: the glob \"queue:*\" would no longer match"),
        "{queue}"
    );
    assert!(
        listing.contains(
            "no rewrite: src/lib.rs:52:5 cross-slot-command: slotlint cannot resolve `queues`"
        ),
        "{listing}"
    );
    // --unsafe applies the unsafe fixes only; the blocked ones stay as they were.
    let out = slotlint(&["fix", "--unsafe"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_matches_fixed("hazards", dir.path());
    cargo_check(dir.path());
}

/// A copy of a fixture whose `slotlint` path dependency (relative to the fixture in the
/// repository) points at this repository's `crates/slotlint`.
fn copy_fixture_with_slotlint(name: &str) -> tempfile::TempDir {
    let dir = copy_fixture(name);
    let manifest = dir.path().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let slotlint = root().join("crates/slotlint");
    let fixed = text.replace(
        "\"../../../crates/slotlint\"",
        &format!("{:?}", slotlint.to_str().unwrap()),
    );
    assert_ne!(fixed, text, "no slotlint path dependency in {name}");
    std::fs::write(&manifest, fixed).unwrap();
    git_commit_all(dir.path());
    dir
}

#[test]
fn annotate_adds_key_attributes_the_macro_accepts_and_a_second_run_adds_nothing() {
    let dir = copy_fixture_with_slotlint("tagged");
    let manifest = std::fs::read(dir.path().join("Cargo.toml")).unwrap();
    let out = slotlint(&["fix", "--unsafe", "--annotate"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("renamed 8 key families (9 literals in 1 file)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("added `#[slotlint::key]` to 8 key builders\n"),
        "{stderr}"
    );
    assert!(!stderr.contains("does not depend"), "{stderr}");
    // Tags over parameters, `self` fields and specs; constant tags; after doc comments and
    // other attributes, with the function's indentation; not on a function that returns no key.
    assert_matches_fixed("tagged", dir.path());
    assert_eq!(
        std::fs::read(dir.path().join("Cargo.toml")).unwrap(),
        manifest,
        "Cargo.toml was edited"
    );
    // The real proof: `#[slotlint::key]` expands and accepts every tag that was added.
    cargo_check(dir.path());
    let after_first = snapshot(dir.path());
    let second = slotlint(&["fix", "--unsafe", "--annotate"], dir.path());
    assert_eq!(second.status.code(), Some(0), "{}", text(&second.stderr));
    assert!(
        text(&second.stderr).contains("nothing to fix"),
        "{}",
        text(&second.stderr)
    );
    assert_eq!(
        snapshot(dir.path()),
        after_first,
        "the second run changed files"
    );
    let diff = slotlint(&["fix", "--unsafe", "--annotate", "--diff"], dir.path());
    assert_eq!(text(&diff.stdout), "");
}

#[test]
fn annotate_shows_in_diff_and_dry_run_and_writes_nothing() {
    let dir = copy_fixture_with_slotlint("tagged");
    let before = snapshot(dir.path());
    let out = slotlint(&["fix", "--unsafe", "--annotate", "--diff"], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let diff = text(&out.stdout);
    for want in [
        "     #[inline]\n+    #[slotlint::key(tag = \"user:{user}\")]\n     pub fn profile_key(user: u64) -> String {\n",
        "+    #[slotlint::key(tag = \"cart:{self.id}\")]\n     pub fn items_key(&self) -> String {\n",
        "+#[slotlint::key(tag = \"gift:{gift:08}\")]\n pub fn gift_code_key(gift: u32) -> String {\n",
        "+    #[slotlint::key(tag = \"session\")]\n     pub fn old_sessions() -> &'static str {\n",
    ] {
        assert!(diff.contains(want), "`{want}` not in\n{diff}");
    }
    assert_eq!(
        diff.matches("+#[slotlint::key").count() + diff.matches("+    #[slotlint::key").count(),
        8,
        "{diff}"
    );
    let out = slotlint(&["fix", "--unsafe", "--annotate", "--dry-run"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    assert!(
        listing.contains(
            "annotate: src/lib.rs:13:5: `settings_key` gets #[slotlint::key(tag = \"user:{user}\")]\n"
        ),
        "{listing}"
    );
    assert!(!listing.contains("load_profile"), "{listing}");
    assert_eq!(
        snapshot(dir.path()),
        before,
        "--diff or --dry-run wrote something"
    );
    // Without the flag, no attribute.
    let out = slotlint(&["fix", "--unsafe", "--diff"], dir.path());
    assert!(!text(&out.stdout).contains("slotlint::key"));
}

#[test]
fn annotate_in_a_package_without_the_dependency_adds_nothing_and_says_so() {
    let dir = copy_fixture("shop");
    let out = slotlint(&["fix", "--unsafe", "--annotate"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("does not depend on `slotlint`"))
        .collect();
    assert_eq!(
        lines,
        ["slotlint: --annotate: package `slotlint-fix-shop` does not depend on `slotlint`: no `#[slotlint::key]` added to its 6 rewritten key builders (add `slotlint` to its [dependencies] before fixing to get them)"],
        "{stderr}"
    );
    // The rewrite itself is applied as without the flag, and nothing else.
    assert!(
        stderr.contains("renamed 10 key families (15 literals in 4 files)"),
        "{stderr}"
    );
    assert_matches_fixed("shop", dir.path());
    assert_eq!(
        std::fs::read(dir.path().join("Cargo.toml")).unwrap(),
        std::fs::read(fixture("shop").join("Cargo.toml")).unwrap()
    );
}

// ----- A `fix` that is safe to run (issue 13) -----

fn git_in(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
}

/// Like `cargo fix`: files with changes not committed, or outside version control, are not
/// edited unless allowed, and the refusal names them.
#[test]
fn uncommitted_changes_and_files_outside_git_are_refused_unless_allowed() {
    let dir = copy_fixture("shop");
    let profile = dir.path().join("src/profile.rs");
    let mut edited = std::fs::read_to_string(&profile).unwrap();
    edited.push_str("\n// work in progress\n");
    std::fs::write(&profile, &edited).unwrap();
    let before = snapshot(dir.path());
    let out = slotlint(&["fix", "--unsafe"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr
            .contains("these files have changes that are not committed: src/profile.rs (changed)")
            && stderr.contains("--allow-dirty"),
        "{stderr}"
    );
    assert_eq!(
        snapshot(dir.path()),
        before,
        "a refused fix wrote something"
    );
    // --dry-run and --diff write nothing: they need no permission.
    assert_eq!(
        slotlint(&["fix", "--unsafe", "--diff"], dir.path())
            .status
            .code(),
        Some(1)
    );
    let out = slotlint(&["fix", "--unsafe", "--allow-dirty"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::read_to_string(&profile)
        .unwrap()
        .ends_with("// work in progress\n"));

    // No repository at all.
    let bare = tempfile::tempdir().unwrap();
    copy_dir(&fixture("shop"), bare.path());
    let before = snapshot(bare.path());
    let out = slotlint(&["fix", "--unsafe"], bare.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("is not in a git repository") && stderr.contains("--allow-no-vcs"),
        "{stderr}"
    );
    assert_eq!(snapshot(bare.path()), before);
    let out = slotlint(&["fix", "--unsafe", "--allow-no-vcs"], bare.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_matches_fixed("shop", bare.path());

    // An untracked file to edit is named as such.
    let dir = copy_fixture("shop");
    std::fs::write(
        dir.path().join("src/extra.rs"),
        "pub fn k(id: u64) -> String { format!(\"user:{id}:profile\") }\n",
    )
    .unwrap();
    let lib = dir.path().join("src/lib.rs");
    let mut text_lib = std::fs::read_to_string(&lib).unwrap();
    text_lib.push_str("pub mod extra;\n");
    std::fs::write(&lib, text_lib).unwrap();
    git_in(dir.path(), &["add", "src/lib.rs"]);
    git_in(
        dir.path(),
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@e",
            "commit",
            "-qm",
            "lib",
        ],
    );
    let out = slotlint(&["fix", "--unsafe"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("src/extra.rs (not committed)"),
        "{}",
        text(&out.stderr)
    );
}

/// A file the configuration excludes (generated code) is never edited: a family with a site
/// there is blocked, and the site is named.
#[test]
fn files_the_configuration_excludes_are_never_edited() {
    let dir = copy_fixture("shop");
    std::fs::write(
        dir.path().join("slotlint.toml"),
        "exclude = [\"src/keys.rs\"]\n",
    )
    .unwrap();
    git_commit_all(dir.path());
    let out = slotlint(&["fix", "--unsafe", "--dry-run"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    let user = fix_block(&listing, "`user:<user>`");
    assert!(user.contains("[blocked]"), "{user}");
    assert!(
        user.contains("blocked: src/keys.rs:4:13: \"user:{user}:profile\" builds keys of this family, but src/keys.rs is excluded by the configuration: slotlint never edits it"),
        "{user}"
    );
    let before = std::fs::read(dir.path().join("src/keys.rs")).unwrap();
    let out = slotlint(&["fix", "--unsafe"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(dir.path().join("src/keys.rs")).unwrap(),
        before
    );
}

/// `fix --format json`: fixes with their families, applicability, edits and blockers.
#[test]
fn format_json_lists_fixes_families_applicability_and_blockers() {
    let dir = copy_fixture("shop");
    let out = slotlint(&["fix", "--dry-run", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["version"], 1);
    let fixes = doc["fixes"].as_array().unwrap();
    assert_eq!(fixes.len(), 6);
    assert_eq!(doc["summary"]["safe"], 1);
    assert_eq!(doc["summary"]["unsafe"], 4);
    assert_eq!(doc["summary"]["blocked"], 1);
    assert_eq!(
        doc["summary"]["no_rewrite"].as_u64(),
        Some(doc["no_rewrite"].as_array().unwrap().len() as u64)
    );
    let user = fixes
        .iter()
        .find(|f| {
            f["families"]
                .as_array()
                .unwrap()
                .iter()
                .any(|fam| fam["old"] == "user:<user>:profile")
        })
        .unwrap();
    assert_eq!(user["applicability"], "unsafe");
    assert_eq!(user["status"], "needs --unsafe");
    let fam = &user["families"][0];
    assert_eq!(fam["scan"], "user:*:profile");
    assert!(fam["edits"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["file"] == "src/keys.rs" && e["kind"] == "exact"));
    let blocked = fixes.iter().find(|f| f["status"] == "blocked").unwrap();
    assert!(blocked["applicability"].is_null());
    assert!(!blocked["blockers"].as_array().unwrap().is_empty());
    assert!(blocked["blockers"][0]["message"].as_str().is_some());
    // Applied: the same object, with the fixes marked.
    let out = slotlint(&["fix", "--unsafe", "--format", "json"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["applied"], 5);
    assert!(doc["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["status"] == "applied"));
}

/// The seam between the analyzer and `fix` (issue 10, item 5): a run that asks the analysis for
/// the key sites (`Options::key_sites`, what `fix` does) finds the same findings as one that
/// does not (what `check` does), and hands over, from the trees it parsed, the key sites a
/// separate read-and-parse of every file finds — for every package, including those the
/// prefilter skips and files that do not parse.
#[test]
fn the_analysis_hands_fix_the_key_sites_a_separate_scan_finds() {
    use slotlint_analyzer::{analyze, discover_workspace, key_sites, KeyFile, Options};
    let seen = |files: &[KeyFile]| -> Vec<String> {
        files
            .iter()
            .map(|f| {
                format!(
                    "{} unit {} problem {:?} read {:?} {:?}",
                    f.source.display, f.unit, f.problem, f.read_error, f.keys
                )
            })
            .collect()
    };
    let mut dirs: Vec<PathBuf> = [
        "fix/shop",
        "fix/hazards",
        "apps",
        "follow",
        "broken",
        "demo",
    ]
    .iter()
    .map(|d| root().join("fixtures").join(d))
    .collect();
    dirs.retain(|d| d.join("Cargo.toml").exists());
    assert!(dirs.len() >= 4, "{dirs:?}");
    for dir in dirs {
        let discovery = discover_workspace(&dir, None).unwrap();
        let plain = analyze(&discovery, &Options::default());
        for prefilter in [true, false] {
            let options = Options {
                key_sites: true,
                prefilter,
                ..Options::default()
            };
            let with_sites = analyze(&discovery, &options);
            assert_eq!(
                format!("{:?}", plain.diagnostics),
                format!("{:?}", with_sites.diagnostics),
                "{}: asking for key sites changed the findings",
                dir.display()
            );
            assert_eq!(
                seen(&with_sites.key_files),
                seen(&key_sites::scan(&discovery)),
                "{}: the analysis's key sites differ from a scan's",
                dir.display()
            );
            let files: usize = discovery.units.iter().map(|u| u.files.len()).sum();
            assert_eq!(with_sites.key_files.len(), files, "{}", dir.display());
        }
        assert!(plain.key_files.is_empty());
    }
}

/// `check`'s fix preview parses only the files the prefilter keeps
/// (`slotlint_fix::prefilter`): over every fixture package with fixable findings (as `check`
/// finds them, and as `fix` does, test code included), the plan is the plan over every file —
/// so the marks, SARIF `fixes` and quick fixes are the same — and some files are left unparsed.
#[test]
fn the_fix_previews_prefilter_plans_what_a_scan_of_every_file_plans() {
    use slotlint_analyzer::{analyze, discover_workspace, Options};
    let mut packages = Vec::new();
    let mut stack = vec![root().join("fixtures")];
    while let Some(dir) = stack.pop() {
        if dir.join("Cargo.toml").is_file() {
            packages.push(dir.clone());
        }
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            if e.file_type().unwrap().is_dir() && e.file_name() != "target" {
                stack.push(e.path());
            }
        }
    }
    packages.sort();
    let (mut planned, mut skipped) = (0, 0);
    for dir in packages {
        let Ok(discovery) = discover_workspace(&dir, None) else {
            continue;
        };
        for check_test_code in [false, true] {
            let options = Options {
                check_test_code,
                ..Options::default()
            };
            let report = analyze(&discovery, &options);
            let findings = report.fixable_findings();
            if findings.is_empty() {
                continue;
            }
            let [(all, read), (prefiltered, kept)] = plans::both(&discovery, &findings);
            assert_eq!(
                all,
                prefiltered,
                "{}: the prefilter changed the plan",
                dir.display()
            );
            planned += 1;
            skipped += read - kept;
        }
    }
    assert!(planned >= 6, "{planned} plans compared");
    assert!(skipped > 0, "the prefilter kept every file");
}
