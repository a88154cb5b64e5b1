//! Keys as real services build them (issue 11): every shape of `fixtures/follow` (struct fields
//! and constructors, helpers with branches, pipelines through helpers, out-parameters,
//! point-free helpers, local macros, pools, Lua from files and fields, verdicts, false alarms
//! seen on real code) meets its inline expectations.

#[path = "support/expect.rs"]
mod expect;

#[test]
fn every_shape_meets_its_inline_expectations() {
    expect::assert_expectations("fixtures/follow");
}

/// A connection or key made in another crate of the workspace (`kit::connect_sync()`,
/// `kit::lane_key(..)`): the package's path dependencies are read for them.
#[test]
fn connections_and_keys_from_the_workspaces_other_crates() {
    expect::assert_expectations("fixtures/follow-workspace");
}

/// The finding of `fixtures/follow/src/<file>` at `line`.
fn finding_at<'d>(doc: &'d serde_json::Value, file: &str, line: u64) -> &'d serde_json::Value {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["file"].as_str().unwrap().ends_with(file) && d["line"] == line)
        .unwrap_or_else(|| panic!("a finding at {file}:{line}"))
}

/// The notes of a finding.
fn notes_of(d: &serde_json::Value) -> Vec<&str> {
    d["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect()
}

/// The line of `fixtures/follow/src/<file>` that contains `text`.
fn line_of(file: &str, text: &str) -> u64 {
    let source = std::fs::read_to_string(format!("fixtures/follow/src/{file}")).unwrap();
    source.lines().position(|l| l.contains(text)).unwrap() as u64 + 1
}

/// The note naming the caller says what the caller told: the keys, the connection (a generic
/// pipeline helper given a sync cluster connection), or the receiver's fields.
#[test]
fn caller_notes_say_what_the_caller_told() {
    let doc = expect::check_json("fixtures/follow");
    let depths = notes_of(finding_at(
        &doc,
        "helpers.rs",
        line_of("helpers.rs", "fn depths") + 1,
    ));
    assert!(
        depths
            .iter()
            .any(|n| n.starts_with("connection as passed at ")),
        "{depths:?}"
    );
    let legacy = notes_of(finding_at(
        &doc,
        "fields.rs",
        line_of("fields.rs", "async fn archive_legacy") + 1,
    ));
    assert!(
        legacy.iter().any(|n| n.starts_with("as called at ")),
        "{legacy:?}"
    );
}

/// A field's value is the same for every key an instance builds (`self.config.key_prefix`,
/// `"cache:"` by default): a tag over it would be a constant one, so the help tags what
/// differs per entity (`cache:live:{<id>}`), never the prefix.
#[test]
fn help_does_not_tag_a_fields_value() {
    let doc = expect::check_json("fixtures/follow");
    let line = line_of("fields.rs", "con.rename(live, archived).await //~ ERROR");
    let help = finding_at(&doc, "fields.rs", line)["help"]
        .as_str()
        .unwrap();
    assert!(
        help.contains("`cache:live:{<id>}`") && !help.contains("{<self."),
        "{help}"
    );
}

/// A site walked once per caller is one finding when the walks say the same, and one note when
/// slotlint cannot judge it: naming every caller (`copy_keys`, `move_one` in helpers.rs), not
/// one finding per caller.
#[test]
fn one_finding_per_site_whatever_the_callers() {
    let doc = expect::check_json("fixtures/follow");
    let mut places = std::collections::BTreeMap::new();
    for d in doc["diagnostics"].as_array().unwrap() {
        // Callers that pass different keys are different findings (`pay`, `settle` in
        // traits.rs); notes are one whatever the keys.
        let keys = if d["severity"] == "note" {
            String::new()
        } else {
            d["keys"].to_string()
        };
        let place = format!(
            "{}:{}:{}:{} {keys}",
            d["file"], d["line"], d["column"], d["rule"]
        );
        *places.entry(place).or_insert(0) += 1;
    }
    let repeated: Vec<_> = places.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        repeated.is_empty(),
        "findings repeated at one place: {repeated:?}"
    );
    let copy = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("`COPY`"))
        .expect("the note on copy_keys");
    let notes = notes_of(copy);
    assert!(
        notes.iter().any(|n| n.starts_with("keys as passed at"))
            && notes
                .iter()
                .any(|n| n.starts_with("also for the keys passed at")),
        "{notes:?}"
    );
}

/// One policy for test code, for every rule: left alone by default, checked with
/// `test-code = "check"`.
#[test]
fn test_code_is_left_alone_unless_configured() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(root.join("tests")).unwrap();
    std::fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nredis = { version = \"1\", features = [\"cluster-async\"] }\n",
    )
    .unwrap();
    let code = "use redis::Commands;\npub fn f(c: &mut redis::cluster::ClusterConnection) { let _: () = c.rename(\"a\", \"b\").unwrap(); }\n";
    std::fs::write(
        root.join("src/lib.rs"),
        format!("#[cfg(test)]\nmod tests {{\n    {code}\n}}\n"),
    )
    .unwrap();
    std::fs::write(root.join("tests/it.rs"), code).unwrap();
    let rules_found = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
            .args(["check", "--format", "json"])
            .current_dir(root)
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{}:{}",
                    d["file"].as_str().unwrap(),
                    d["rule"].as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(rules_found(), Vec::<String>::new());
    std::fs::write(root.join("slotlint.toml"), "test-code = \"check\"\n").unwrap();
    let found = rules_found();
    assert!(
        found
            .iter()
            .any(|f| f.ends_with("src/lib.rs:cross-slot-command")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.ends_with("tests/it.rs:cross-slot-command")),
        "{found:?}"
    );
}

/// Only one branch crosses (a setter untags the prefix its constructor tags): the help and the
/// note speak of that branch, not of the tagged keys of the other.
#[test]
fn help_speaks_of_the_branch_that_crosses() {
    let doc = expect::check_json("fixtures/follow");
    let line = line_of("fields.rs", "con.rename(format!(\"{}:a\", self.prefix)");
    let d = finding_at(&doc, "fields.rs", line);
    let help = d["help"].as_str().unwrap();
    assert!(
        help.starts_with("put `shard:<region>` in a hash tag"),
        "{help}"
    );
    assert!(
        notes_of(d)
            .iter()
            .any(|n| n.starts_with("when the key at ") && n.contains("`Shard::move_to`")),
        "{d:#}"
    );
}
