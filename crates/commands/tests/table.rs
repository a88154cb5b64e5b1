//! The embedded table against the reference tables copied into `fixtures/reference/`
//! (tests never read `../shared`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use slotlint_commands::{BeginSearch, CommandTable, FindKeys, BUILTIN_TABLE};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/reference")
        .join(name);
    std::fs::read_to_string(path).expect("fixture")
}

/// Rows of a reference TSV, keyed by (command, subcommand), as column → cell maps.
fn reference(name: &str) -> BTreeMap<(String, String), BTreeMap<String, String>> {
    let text = fixture(name);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let row: BTreeMap<String, String> = header
                .iter()
                .zip(l.split('\t'))
                .map(|(h, c)| (h.to_string(), c.to_string()))
                .collect();
            assert_eq!(row.len(), header.len(), "{l}");
            ((row["command"].clone(), row["subcommand"].clone()), row)
        })
        .collect()
}

fn list(cell: &str) -> Vec<String> {
    if cell == "-" {
        vec![]
    } else {
        cell.split(',').map(str::to_string).collect()
    }
}

#[test]
fn all_351_commands_of_7_0_15_plus_msetex() {
    let table = CommandTable::builtin();
    let all = reference("redis-commands-all.tsv");
    assert_eq!(all.len(), 351);
    assert_eq!(table.len(), 352);
    for ((name, sub), row) in &all {
        let spec = if sub.is_empty() {
            table.get(name)
        } else {
            table.get_sub(name, sub)
        };
        let spec = spec.unwrap_or_else(|| panic!("{name} {sub} missing"));
        let what = spec.full_name();
        assert_eq!(spec.arity.to_string(), row["arity"], "{what}");
        assert_eq!(spec.flags, list(&row["flags"]), "{what}");
        assert_eq!(spec.key_spec_summary(), row["key_spec_summary"], "{what}");
        assert_eq!(spec.group, row["group"], "{what}");
        assert_eq!(spec.since, row["since"], "{what}");
        assert_eq!(spec.tips, list(&row["tips"]), "{what}");
        let deprecated = spec.deprecated_since.as_ref().map(|v| format!("since {v}"));
        assert_eq!(
            deprecated.as_deref().unwrap_or("-"),
            row["deprecated"],
            "{what}"
        );
        assert_eq!(spec.origin, "live-7.0.15");
        // the reference's max_keys column, for every row
        let max = spec.max_keys().map_or("N".to_string(), |n| n.to_string());
        assert_eq!(max, row["max_keys"], "{what}");
    }
    let msetex = table.get("msetex").expect("MSETEX");
    assert_eq!(
        msetex.key_spec_summary(),
        "#0[OW,update] index(1) keynum(numkeys_at=+0,firstkey=+1,step=2)"
    );
    assert_eq!(msetex.arity, -4);
    assert!(msetex.is_multi_key());
    assert!(msetex.has_flag("movablekeys"));
    assert_eq!(msetex.since, "8.4.0");
}

#[test]
fn is_multi_key_agrees_with_the_59_multikey_rows() {
    let table = CommandTable::builtin();
    let multi = reference("redis-commands-multikey.tsv");
    assert_eq!(multi.len(), 59);
    for (name, sub) in multi.keys() {
        let argv = [Some(name.as_str()), Some(sub.as_str())];
        let spec = if sub.is_empty() {
            table.get(name)
        } else {
            table.lookup(&argv)
        }
        .unwrap();
        assert!(spec.is_multi_key(), "{name} {sub}");
    }
    // and no other 7.0.15 row is multi-key
    let live_multi = table
        .iter()
        .filter(|s| s.origin == "live-7.0.15" && s.is_multi_key())
        .count();
    assert_eq!(live_multi, 59);
    // 57 take keys, 2 take shard channels
    let channels: Vec<String> = table
        .iter()
        .filter(|s| s.is_multi_key() && !s.has_keys())
        .map(|s| s.full_name())
        .collect();
    assert_eq!(channels, ["SSUBSCRIBE", "SUNSUBSCRIBE"]);
}

#[test]
fn specs_the_key_walk_cannot_finish_have_procedures() {
    // A spec with an `unknown` part or the `incomplete` flag makes the server run its getkeys
    // procedure; this crate has procedures for exactly these commands. A new such command in
    // the table needs one too.
    let table = CommandTable::builtin();
    let mut needing: Vec<String> = table
        .iter()
        .filter(|s| {
            s.key_specs.iter().any(|k| {
                k.begin == BeginSearch::Unknown || k.find == FindKeys::Unknown || k.is_incomplete()
            })
        })
        .map(|s| s.full_name())
        .collect();
    needing.sort();
    assert_eq!(needing, ["MIGRATE", "SORT", "SORT_RO"]);
    // Channels are only ever whole commands' specs, never mixed with keys.
    for s in table.iter() {
        assert!(!(s.has_keys() && s.has_channels()), "{}", s.full_name());
    }
}

#[test]
fn movablekeys_follows_the_specs() {
    let table = CommandTable::builtin();
    for s in table.iter() {
        let simple = s.key_specs.iter().all(|k| {
            matches!(
                (&k.begin, &k.find),
                (BeginSearch::Index(_), FindKeys::Range { .. })
            )
        });
        if !simple {
            assert!(s.has_flag("movablekeys"), "{}", s.full_name());
        }
    }
}

#[test]
fn data_file_is_generated_sorted_and_clean() {
    assert!(BUILTIN_TABLE.starts_with("# slotlint command table"));
    assert!(BUILTIN_TABLE.contains("GENERATED by scripts/gen-command-table.py"));
    assert!(!BUILTIN_TABLE.contains('\r'));
    assert!(BUILTIN_TABLE.ends_with('\n'));
    let rows: Vec<(&str, &str)> = BUILTIN_TABLE
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .map(|l| {
            let mut c = l.split('\t');
            (c.next().unwrap(), c.next().unwrap())
        })
        .collect();
    let mut sorted = rows.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(rows, sorted);
    // parsing and printing the key specs gives the file's text back
    let table = CommandTable::builtin();
    for (line, spec) in BUILTIN_TABLE
        .lines()
        .filter(|l| !l.starts_with('#'))
        .skip(1)
        .zip(table.iter())
    {
        assert_eq!(line.split('\t').nth(4).unwrap(), spec.key_spec_summary());
    }
}

#[test]
fn lookups() {
    let t = CommandTable::builtin();
    assert_eq!(t.get("get").unwrap().name, "GET");
    assert_eq!(t.get("GeT").unwrap().arity, 2);
    assert!(t.get("nope").is_none());
    assert!(
        t.get("XINFO").is_none(),
        "containers are only their subcommands"
    );
    assert!(t.is_container("xinfo"));
    assert!(!t.is_container("GET"));
    let xinfo: Vec<&str> = t
        .subcommands("XINFO")
        .map(|s| s.subcommand.as_deref().unwrap())
        .collect();
    assert_eq!(xinfo, ["CONSUMERS", "GROUPS", "HELP", "STREAM"]);
    let stream = t.get_sub("xinfo", "Stream").unwrap();
    assert_eq!(stream.full_name(), "XINFO STREAM");
    assert_eq!(
        t.lookup(&[Some("xinfo"), Some("stream"), Some("s")]),
        Some(stream)
    );
    assert_eq!(t.lookup(&[Some("XINFO")]), None);
    assert_eq!(t.lookup(&[Some("XINFO"), None]), None);
    assert_eq!(t.lookup(&[Some("GET"), None]).unwrap().name, "GET");
    assert_eq!(t.lookup(&[None]), None);
    assert_eq!(t.lookup(&[]), None);
    // first and last rows
    assert_eq!(t.iter().next().unwrap().full_name(), "ACL CAT");
    assert_eq!(t.get("ZUNIONSTORE").unwrap().group, "sorted-set");
    let georadius = t.get("GEORADIUS").unwrap();
    assert_eq!(georadius.deprecated_since.as_deref(), Some("6.2.0"));
    assert_eq!(
        georadius.key_specs[1].begin,
        BeginSearch::Keyword {
            keyword: "STORE".into(),
            start_from: 6
        }
    );
    let mset = t.get("MSET").unwrap();
    assert_eq!(
        mset.tips,
        [
            "request_policy:multi_shard",
            "response_policy:all_succeeded"
        ]
    );
}

#[test]
fn parse_reports_malformed_tables() {
    let header = "command\tsubcommand\tarity\tflags\tkey_specs\tgroup\tsince\ttips\tdeprecated_since\torigin\n";
    let ok = format!("# c\n{header}GET\t\t2\treadonly\t#0[RO] index(1) range(lastkey=0,step=1,limit=0)\tstring\t1.0.0\t-\t-\tx\n");
    let t = CommandTable::parse(&ok).unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(t.key_positions(&[Some("get"), Some("k")]), Ok(vec![1]));

    let bad = [
        "".to_string(),
        "command\tsubcommand\n".to_string(),
        format!("{header}GET\t\t2\n"),
        format!("{header}GET\t\tx\t-\t-\tg\t1\t-\t-\tx\n"),
        format!("{header}GET\t\t2\t-\t#1[RO] index(1) range(lastkey=0,step=1,limit=0)\tg\t1\t-\t-\tx\n"),
        format!("{header}GET\t\t2\t-\t#0[RO] index(1) range(lastkey=0,step=0,limit=0)\tg\t1\t-\t-\tx\n"),
        format!("{header}GET\t\t2\t-\t#0[RO] middle(1) range(lastkey=0,step=1,limit=0)\tg\t1\t-\t-\tx\n"),
        format!("{header}GET\t\t2\t-\t#0[RO] index(1) keynum(numkeys_at=0,firstkey=+1,step=1)\tg\t1\t-\t-\tx\n"),
        format!("{header}GET\t\t2\t-\t-\tg\t1\t-\t-\tx\nget\t\t2\t-\t-\tg\t1\t-\t-\tx\n"),
    ];
    for text in bad {
        let err = CommandTable::parse(&text).expect_err(&text);
        assert!(!err.to_string().is_empty());
    }
}
