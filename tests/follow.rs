//! Keys as real services build them (issue 11): every shape of `fixtures/follow` meets its
//! inline expectations (`//~ LEVEL rule` on the line a finding starts).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

type Finding = (String, u64, String, String);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn found(dir: &str) -> BTreeSet<Finding> {
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
        .args(["check", dir, "--format", "json"])
        .current_dir(root())
        .output()
        .expect("run cargo-slotlint");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&out.stderr)));
    doc["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_owned(),
                d["line"].as_u64().unwrap(),
                d["severity"].as_str().unwrap().to_owned(),
                d["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn expected(dir: &str) -> BTreeSet<Finding> {
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(root().join(dir).join("src"))
        .unwrap()
        .flatten()
    {
        let path = entry.path();
        let text = std::fs::read_to_string(&path).unwrap();
        let rel = format!("{dir}/src/{}", path.file_name().unwrap().to_string_lossy());
        for (i, line) in text.lines().enumerate() {
            if let Some(pos) = line.find("//~ ") {
                let mut words = line[pos + 4..].split_whitespace();
                let level = words.next().unwrap().to_ascii_lowercase();
                let rule = words.next().unwrap().to_owned();
                out.insert((rel.clone(), i as u64 + 1, level, rule));
            }
        }
    }
    out
}

#[test]
fn every_shape_meets_its_inline_expectations() {
    let dir = "fixtures/follow";
    let (expected, found) = (expected(dir), found(dir));
    assert!(!expected.is_empty(), "{dir} has no expectations");
    let missing: Vec<_> = expected.difference(&found).collect();
    let unexpected: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing (annotated, not found): {missing:#?}\nunexpected (found, not annotated): {unexpected:#?}"
    );
}
