//! Replays the server's `COMMAND GETKEYS` answers through `CommandTable::key_positions`.
//!
//! - `fixtures/reference/getkeys-examples.tsv`: the 95 examples of the shared reference;
//! - `fixtures/reference/getkeys-quirks.tsv`: odd invocations probed by
//!   `fixtures/reference/probe_getkeys.py` on the same Redis 7.0.15.

use std::path::PathBuf;

use serde_json::Value;
use slotlint_commands::{CommandTable, KeyPositionError};

/// GETKEYS itself needs at least one argument after the command name. This refusal is the
/// wrapper's, not the command's: any error matches it.
const WRAPPER_ARITY: &str = "ERR wrong number of arguments for 'command|getkeys' command";

struct Row {
    line: usize,
    args: Vec<String>,
    /// `None`: the server answered an error.
    keys: Option<Vec<String>>,
    keys_and_flags: Option<Vec<(String, Vec<String>)>>,
    error: Option<String>,
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/reference")
        .join(name)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

fn read_rows(name: &str) -> Vec<Row> {
    let text = std::fs::read_to_string(fixture(name)).expect("fixture");
    let mut lines = text.lines().enumerate();
    let (_, header) = lines.next().expect("header");
    assert_eq!(
        header,
        "args_json\tkeys_json\tkeys_and_flags_json\terror\tnote"
    );
    lines
        .filter(|(_, l)| !l.is_empty())
        .map(|(n, l)| {
            let cells: Vec<&str> = l.split('\t').collect();
            assert_eq!(cells.len(), 5, "{name}:{}", n + 1);
            let args = strings(&serde_json::from_str(cells[0]).unwrap());
            let keys: Value = serde_json::from_str(cells[1]).unwrap();
            let kf: Value = serde_json::from_str(cells[2]).unwrap();
            Row {
                line: n + 1,
                args,
                keys: (!keys.is_null()).then(|| strings(&keys)),
                keys_and_flags: (!kf.is_null()).then(|| {
                    kf.as_array()
                        .unwrap()
                        .iter()
                        .map(|pair| (pair[0].as_str().unwrap().to_string(), strings(&pair[1])))
                        .collect()
                }),
                error: (cells[3] != "-").then(|| cells[3].to_string()),
            }
        })
        .collect()
}

/// Checks one row; returns a description of the mismatch, if any.
fn check(table: &CommandTable, row: &Row, check_flags: bool) -> Option<String> {
    let argv: Vec<Option<&str>> = row.args.iter().map(|a| Some(a.as_str())).collect();
    let got = table.key_positions(&argv);
    let shown = format!("line {} {:?}", row.line, row.args);
    match (&row.keys, &got) {
        (Some(want), Ok(positions)) => {
            let keys: Vec<&str> = positions.iter().map(|&p| row.args[p].as_str()).collect();
            if keys != *want {
                return Some(format!("{shown}: got {keys:?}, server {want:?}"));
            }
        }
        (Some(want), Err(e)) => return Some(format!("{shown}: got error {e:?}, server {want:?}")),
        (None, Ok(positions)) => {
            return Some(format!(
                "{shown}: got {positions:?}, server {:?}",
                row.error
            ))
        }
        (None, Err(e)) => {
            let server = row.error.as_deref().expect("error text");
            if server == WRAPPER_ARITY {
                assert_eq!(row.args.len(), 1, "{shown}");
            } else {
                let ours = e.server_message().map(|m| format!("ERR {m}"));
                if ours.as_deref() != Some(server) {
                    return Some(format!("{shown}: got {e:?} ({ours:?}), server {server:?}"));
                }
            }
        }
    }
    if check_flags {
        if let (Some(kf), Ok(_)) = (&row.keys_and_flags, &got) {
            let found = table.slot_positions(&argv).unwrap();
            let spec = table.lookup(&argv).unwrap();
            for (k, (key, server_flags)) in found.iter().zip(kf) {
                let ks = &spec.key_specs[k.spec];
                assert_eq!(&row.args[k.pos], key);
                if ks.has_flag("variable_flags") {
                    continue; // SET, BITFIELD: the flags depend on the arguments
                }
                // The spec's flags, less `incomplete` (MIGRATE's KEYS spec: the server's
                // procedure reports the keys without it).
                let ours: Vec<&str> = ks
                    .flags
                    .iter()
                    .map(String::as_str)
                    .filter(|f| *f != "incomplete")
                    .collect();
                if ours != *server_flags {
                    return Some(format!(
                        "{shown}: key {key:?} flags {ours:?}, server {server_flags:?}"
                    ));
                }
            }
        }
    }
    None
}

#[test]
fn all_95_server_examples_replay() {
    let table = CommandTable::builtin();
    let rows = read_rows("getkeys-examples.tsv");
    assert_eq!(rows.len(), 95);
    let failures: Vec<String> = rows.iter().filter_map(|r| check(&table, r, true)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // the rows cover answers and every kind of refusal
    assert!(rows.iter().filter(|r| r.keys.is_some()).count() > 70);
    assert!(rows
        .iter()
        .any(|r| r.keys.as_ref().is_some_and(Vec::is_empty)));
    for e in [
        "ERR Invalid arguments specified for command",
        "ERR The command has no key arguments",
        "ERR Invalid number of arguments specified for command",
    ] {
        assert!(rows.iter().any(|r| r.error.as_deref() == Some(e)), "{e}");
    }
}

#[test]
fn server_quirks_replay() {
    let table = CommandTable::builtin();
    let rows = read_rows("getkeys-quirks.tsv");
    assert!(rows.len() >= 60);
    // Flags are not compared here: when a key spec fails, the server's procedures report
    // keys with no flags at all.
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|r| check(&table, r, false))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn positions(table: &CommandTable, argv: &[Option<&str>]) -> Result<Vec<usize>, KeyPositionError> {
    table.key_positions(argv)
}

#[test]
fn unknown_arguments_that_do_not_matter() {
    let t = CommandTable::builtin();
    let u = None;
    // Keys themselves unknown: positions only.
    assert_eq!(positions(&t, &[Some("MGET"), u, u, u]), Ok(vec![1, 2, 3]));
    assert_eq!(positions(&t, &[Some("MSET"), u, u, u, u]), Ok(vec![1, 3]));
    assert_eq!(positions(&t, &[Some("BLPOP"), u, u, u]), Ok(vec![1, 2]));
    assert_eq!(
        positions(&t, &[Some("EVAL"), u, Some("2"), u, u, u]),
        Ok(vec![3, 4])
    );
    assert_eq!(
        positions(&t, &[Some("XREAD"), Some("STREAMS"), u, u, u, u]),
        Ok(vec![2, 3])
    );
    // SORT's destination is read as a possible option, but being last it cannot change
    // anything.
    assert_eq!(
        positions(&t, &[Some("SORT"), u, Some("STORE"), u]),
        Ok(vec![1, 3])
    );
    assert_eq!(
        positions(&t, &[Some("SORT"), u, Some("BY"), u, Some("GET"), u]),
        Ok(vec![1])
    );
    // MIGRATE single form: the backward search for KEYS crosses host and port, which could
    // be "KEYS", yet the procedure then gives argv[3] all the same.
    assert_eq!(
        positions(&t, &[Some("MIGRATE"), u, u, u, Some("0"), u]),
        Ok(vec![3])
    );
    assert_eq!(
        positions(
            &t,
            &[
                Some("MIGRATE"),
                u,
                u,
                Some(""),
                Some("0"),
                u,
                Some("KEYS"),
                u,
                u
            ]
        ),
        Ok(vec![7, 8])
    );
    // GEORADIUS: its STORE search starts at argv[6].
    assert_eq!(
        positions(&t, &[Some("GEORADIUS"), u, u, u, u, u, Some("STORE"), u]),
        Ok(vec![1, 7])
    );
}

#[test]
fn unknown_arguments_that_matter() {
    let t = CommandTable::builtin();
    let u = None;
    let unknown = |pos| Err(KeyPositionError::UnknownArgument { pos });
    // numkeys
    assert_eq!(positions(&t, &[Some("EVAL"), u, u, u]), unknown(2));
    assert_eq!(
        positions(&t, &[Some("ZUNIONSTORE"), u, u, u, u]),
        unknown(2)
    );
    // XREAD's STREAMS search reads COUNT's value: were it "STREAMS" the keys would move.
    assert_eq!(
        positions(
            &t,
            &[Some("XREAD"), Some("COUNT"), u, Some("STREAMS"), u, u, u, u]
        ),
        unknown(2)
    );
    // With a placeholder for the integer, the analyzer gets its answer.
    assert_eq!(
        positions(
            &t,
            &[
                Some("XREAD"),
                Some("COUNT"),
                Some("0"),
                Some("STREAMS"),
                u,
                u,
                u,
                u
            ]
        ),
        Ok(vec![4, 5])
    );
    // MIGRATE KEYS form: argv[3] must be empty.
    assert_eq!(
        positions(
            &t,
            &[Some("MIGRATE"), u, u, u, Some("0"), u, Some("KEYS"), u]
        ),
        unknown(3)
    );
    // SORT with an unknown option word: it may be STORE.
    assert_eq!(positions(&t, &[Some("SORT"), u, u, u]), unknown(2));
    // The command name and a container's subcommand.
    assert_eq!(positions(&t, &[u, u]), unknown(0));
    assert_eq!(positions(&t, &[Some("XINFO"), u, u]), unknown(1));
}

#[test]
fn shard_channels_are_slot_positions_not_keys() {
    let t = CommandTable::builtin();
    let argv = [Some("SSUBSCRIBE"), Some("c1"), None];
    assert_eq!(
        t.key_positions(&argv),
        Err(KeyPositionError::NoKeyArguments)
    );
    let found = t.slot_positions(&argv).unwrap();
    assert_eq!(found.iter().map(|k| k.pos).collect::<Vec<_>>(), vec![1, 2]);
    assert!(found.iter().all(|k| k.channel && k.spec == 0));
    let publish = t
        .slot_positions(&[Some("SPUBLISH"), Some("c"), Some("m")])
        .unwrap();
    assert_eq!(publish.iter().map(|k| k.pos).collect::<Vec<_>>(), vec![1]);
    assert_eq!(t.slot_positions(&[Some("SUNSUBSCRIBE")]), Ok(vec![]));
    // keys are not channels
    let keys = t
        .slot_positions(&[Some("MGET"), Some("a"), Some("b")])
        .unwrap();
    assert!(keys.iter().all(|k| !k.channel));
    // classic pub/sub has no key specs at all
    assert_eq!(
        t.slot_positions(&[Some("SUBSCRIBE"), Some("c")]),
        Err(KeyPositionError::NoKeyArguments)
    );
}

#[test]
fn msetex_from_its_key_spec() {
    let t = CommandTable::builtin();
    let argv = |v: &[&'static str]| v.iter().map(|s| Some(*s)).collect::<Vec<_>>();
    assert_eq!(
        t.key_positions(&argv(&["MSETEX", "2", "a", "1", "b", "2", "EX", "10"])),
        Ok(vec![2, 4])
    );
    assert_eq!(
        t.key_positions(&argv(&["MSETEX", "3", "a", "1", "b", "2"])),
        Err(KeyPositionError::InvalidArguments)
    );
}

#[test]
fn lookup_errors() {
    let t = CommandTable::builtin();
    assert_eq!(t.key_positions(&[]), Err(KeyPositionError::EmptyArgv));
    assert_eq!(
        t.key_positions(&[Some("OBJECT")]),
        Err(KeyPositionError::NoKeyArguments)
    );
    assert_eq!(
        t.key_positions(&[Some("NOPE"), Some("k")]),
        Err(KeyPositionError::UnknownCommand)
    );
    assert_eq!(
        t.key_positions(&[Some("GET")]),
        Err(KeyPositionError::WrongArity { arity: 2, argc: 1 })
    );
    assert_eq!(
        KeyPositionError::UnknownArgument { pos: 2 }.server_message(),
        None
    );
}

/// Values to put in the place of an unknown argument: every keyword some search compares
/// with, in both cases, the empty string, numbers and a plain word.
const PROBE_VALUES: &[&str] = &[
    "STORE",
    "store",
    "STOREDIST",
    "KEYS",
    "keys",
    "STREAMS",
    "streams",
    "LIMIT",
    "GET",
    "BY",
    "COPY",
    "REPLACE",
    "AUTH",
    "AUTH2",
    "BLOCK",
    "COUNT",
    "GROUP",
    "NOACK",
    "",
    "x",
    "0",
    "1",
    "2",
    "3",
    "-1",
    "02",
];

#[test]
fn an_answer_despite_an_unknown_argument_holds_for_every_value() {
    // Soundness of the unknown-argument search: blank out each argument (but the name) of
    // every server example; when an answer is still given, every value in that place must
    // give the same answer.
    let table = CommandTable::builtin();
    let mut rows = read_rows("getkeys-examples.tsv");
    rows.extend(read_rows("getkeys-quirks.tsv"));
    let (mut answered, mut refused) = (0, 0);
    for row in &rows {
        let known: Vec<Option<&str>> = row.args.iter().map(|a| Some(a.as_str())).collect();
        for blank in 1..known.len() {
            let mut argv = known.clone();
            argv[blank] = None;
            match table.key_positions(&argv) {
                Err(KeyPositionError::UnknownArgument { pos }) => {
                    refused += 1;
                    assert!(argv[pos].is_none(), "{:?}", row.args);
                }
                answer => {
                    answered += 1;
                    for value in PROBE_VALUES {
                        argv[blank] = Some(value);
                        assert_eq!(
                            table.key_positions(&argv),
                            answer,
                            "{:?} with argv[{blank}] = {value:?}",
                            row.args
                        );
                    }
                }
            }
        }
    }
    assert!(answered > 300 && refused > 20, "{answered} {refused}");
}

#[test]
fn unknown_arguments_branch_only_where_compared() {
    let t = CommandTable::builtin();
    let u = None;
    // The backward search for KEYS crosses 20 unknown keys; each is asked one question.
    let mut argv = vec![Some("MIGRATE"), u, u, Some(""), Some("0"), u, Some("KEYS")];
    argv.extend(std::iter::repeat_n(u, 20));
    assert_eq!(t.key_positions(&argv), Ok((7..27).collect()));
    // SORT with many unknown option words gives up at the first one.
    let mut argv = vec![Some("SORT"), u];
    argv.extend(std::iter::repeat_n(u, 30));
    assert_eq!(
        t.key_positions(&argv),
        Err(KeyPositionError::UnknownArgument { pos: 2 })
    );
}
