//! `cargo slotlint trace` against a real `redis-server` on a loopback port: what MONITOR really
//! prints (binary keys, quotes, newlines), MULTI/EXEC of two clients interleaved, a Lua script
//! touching keys it did not declare, databases other than 0, the load report with a plan, the
//! trace ending cleanly when the server goes away, and `check --trace` turning a note into an
//! error.
//!
//! The standalone server is shared by the tests of this binary, which run in parallel: each test
//! works in its own database and traces with `--db N`, so it sees its own commands only.

// slotlint: allow-file(cross-slot-command) a test client of a standalone server

#[allow(dead_code)] // this binary uses only the servers and the RESP client
mod support;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use slotlint_keys::hashslot::slot;
use slotlint_trace::shape::key_bytes;
use slotlint_trace::TraceFile;
use support::servers;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_cargo-slotlint")
}

/// A running `cargo slotlint trace`, attached (its "watching" line was printed).
struct Tracing {
    child: Child,
    output: PathBuf,
    _dir: tempfile::TempDir,
}

fn start_trace(url: &str, extra: &[&str], command: &[&str]) -> Tracing {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("trace.json");
    let mut cmd = Command::new(bin());
    cmd.args(["trace", "--from", url, "-o"])
        .arg(&output)
        .args(extra);
    if !command.is_empty() {
        cmd.arg("--").args(command);
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut reader = BufReader::new(stderr);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(
        line.starts_with("slotlint trace: watching"),
        "trace did not start: {line:?}"
    );
    // Keep draining stderr so that the child never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut reader, &mut rest);
    });
    Tracing {
        child,
        output,
        _dir: dir,
    }
}

/// Waits for the child, killing it after `limit` (a hang is a failure, not a wait).
fn wait(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("cargo slotlint trace did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Tracing {
    /// Ctrl-C, then the trace as written.
    fn stop(mut self) -> (std::process::ExitStatus, TraceFile) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(sent.success());
        let status = wait(&mut self.child, Duration::from_secs(30));
        let text = std::fs::read_to_string(&self.output).unwrap();
        (status, TraceFile::from_json(&text).unwrap())
    }
}

fn connect(url: &str) -> redis::Connection {
    redis::Client::open(url).unwrap().get_connection().unwrap()
}

fn db_url(db: u32) -> String {
    format!("{}/{db}", servers::standalone().url())
}

fn findings(trace: &TraceFile) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = trace
        .shapes
        .iter()
        .flat_map(|s| {
            s.findings.iter().map(|f| {
                (
                    f.rule.clone(),
                    serde_json::to_value(f.kind)
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_owned(),
                )
            })
        })
        .collect();
    out.sort();
    out
}

#[test]
fn monitor_escaping_of_binary_keys_quotes_and_newlines() {
    servers::require_redis_tools();
    let tracing = start_trace(&servers::standalone().url(), &["--db", "1"], &[]);
    let quoted: &[u8] = b"q\"u\\o\nt\r\te\x07\x08d";
    let binary: &[u8] = b"\xff\x00bin\x01:\x7f";
    let mut con = connect(&db_url(1));
    redis::cmd("MSET")
        .arg(quoted)
        .arg(b"v\n\"1\"".as_slice())
        .arg(binary)
        .arg(2)
        .exec(&mut con)
        .unwrap();
    let (status, trace) = tracing.stop();
    assert!(status.success(), "{status}");
    assert_eq!(trace.unparsed, 0, "every MONITOR line parses");
    let mset = trace
        .shapes
        .iter()
        .find(|s| s.signature.commands[0].name == "MSET")
        .expect("the MSET was observed");
    let keys: Vec<Vec<u8>> = mset.examples[0].commands[0]
        .iter()
        .map(|k| key_bytes(k))
        .collect();
    assert_eq!(keys, vec![quoted.to_vec(), binary.to_vec()]);
    // The keys are in different slots, computed on their real bytes.
    let f = &mset.findings[0];
    assert_eq!(f.rule, "cross-slot-command");
    let slots: Vec<u16> = f.keys.iter().map(|k| k.slot).collect();
    assert_eq!(slots, vec![slot(quoted), slot(binary)]);
    assert_eq!(f.keys[0].key, "q\"u\\\\o\\x0at\\x0d\\x09e\\x07\\x08d");
}

#[test]
fn multi_exec_of_two_clients_interleaved() {
    servers::require_redis_tools();
    let tracing = start_trace(&servers::standalone().url(), &["--db", "2"], &[]);
    let mut a = connect(&db_url(2));
    let mut b = connect(&db_url(2));
    redis::cmd("MULTI").exec(&mut a).unwrap();
    redis::cmd("MULTI").exec(&mut b).unwrap();
    redis::cmd("SET")
        .arg("{tx:b}:1")
        .arg(1)
        .exec(&mut b)
        .unwrap();
    redis::cmd("SET").arg("u:1:a").arg(1).exec(&mut a).unwrap();
    redis::cmd("SET")
        .arg("{tx:b}:2")
        .arg(1)
        .exec(&mut b)
        .unwrap();
    redis::cmd("SET").arg("u:1:b").arg(1).exec(&mut a).unwrap();
    redis::cmd("EXEC").exec(&mut b).unwrap();
    redis::cmd("EXEC").exec(&mut a).unwrap();
    // A WATCH outside the transaction's slot.
    redis::cmd("WATCH").arg("{w}:guard").exec(&mut a).unwrap();
    redis::cmd("MULTI").exec(&mut a).unwrap();
    redis::cmd("SET")
        .arg("{tx:b}:3")
        .arg(1)
        .exec(&mut a)
        .unwrap();
    redis::cmd("EXEC").exec(&mut a).unwrap();
    let (_, trace) = tracing.stop();
    let transactions: Vec<_> = trace
        .shapes
        .iter()
        .filter(|s| s.signature.kind == slotlint_trace::file::UnitKind::Transaction)
        .collect();
    assert_eq!(transactions.len(), 3, "{transactions:#?}");
    assert_eq!(
        findings(&trace),
        [
            (
                "cross-slot-transaction".to_owned(),
                "queued-span".to_owned()
            ),
            (
                "cross-slot-transaction".to_owned(),
                "watch-outside".to_owned()
            )
        ]
    );
    let across = transactions
        .iter()
        .find(|s| !s.findings.is_empty() && s.signature.watch.is_empty())
        .unwrap();
    assert_eq!(
        across.examples[0].commands,
        vec![vec!["u:1:a".to_owned()], vec!["u:1:b".to_owned()]]
    );
}

#[test]
fn lua_touching_keys_it_did_not_declare() {
    servers::require_redis_tools();
    let tracing = start_trace(&servers::standalone().url(), &["--db", "3"], &[]);
    let mut con = connect(&db_url(3));
    let body = "redis.call('INCR', KEYS[1]) redis.call('SET', 'hz:last:' .. ARGV[1], 1) return redis.call('SET', '{hz:visits}:seen', 1)";
    redis::cmd("EVAL")
        .arg(body)
        .arg(1)
        .arg("{hz:visits}")
        .arg("home")
        .exec(&mut con)
        .unwrap();
    let (_, trace) = tracing.stop();
    assert_eq!(
        findings(&trace),
        [
            (
                "undeclared-script-key".to_owned(),
                "undeclared-other-slot".to_owned()
            ),
            (
                "undeclared-script-key".to_owned(),
                "undeclared-same-slot".to_owned()
            )
        ]
    );
    let script = trace
        .shapes
        .iter()
        .find(|s| s.signature.kind == slotlint_trace::file::UnitKind::Script)
        .unwrap();
    let other = script
        .findings
        .iter()
        .find(|f| f.keys[0].key == "hz:last:home")
        .unwrap();
    assert_eq!(
        (other.command.as_str(), other.keys[1].key.as_str()),
        ("SET", "{hz:visits}")
    );
    let lua: Vec<&str> = script
        .signature
        .lua
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(lua, ["INCR", "SET", "SET"]);
}

#[test]
fn databases_other_than_zero_are_findings() {
    servers::require_redis_tools();
    // No --db: every database is traced (other tests' too; only db 9 is looked at).
    let tracing = start_trace(&servers::standalone().url(), &[], &[]);
    let mut con = connect(&db_url(9));
    redis::cmd("GET")
        .arg("trace:in-db-9")
        .exec(&mut con)
        .unwrap();
    redis::cmd("COPY")
        .arg("trace:in-db-9")
        .arg("trace:copy")
        .arg("DB")
        .arg(10)
        .exec(&mut con)
        .unwrap();
    let (_, trace) = tracing.stop();
    let nine = trace
        .databases
        .iter()
        .find(|d| d.db == 9)
        .expect("db 9 was used");
    assert_eq!(nine.example, "GET trace:in-db-9");
    let details: Vec<&str> = trace
        .shapes
        .iter()
        .filter_map(|s| s.signature.detail.as_deref())
        .collect();
    assert!(details.contains(&"SELECT 9"), "{details:?}");
    assert!(details.contains(&"COPY … DB 10"), "{details:?}");
}

/// A private server, for the test that shuts it down.
struct OwnServer {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl OwnServer {
    fn start() -> OwnServer {
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while support::resp::command(port, &["PING"]).is_err() {
            assert!(
                Instant::now() < deadline,
                "redis-server on {port} did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        OwnServer {
            child,
            port,
            _dir: dir,
        }
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_trace_ends_cleanly_when_the_server_goes_away() {
    servers::require_redis_tools();
    let mut server = OwnServer::start();
    let url = format!("redis://127.0.0.1:{}", server.port);
    let mut tracing = start_trace(&url, &[], &["sleep", "60"]);
    let mut con = connect(&url);
    redis::cmd("RENAME")
        .arg("a:1")
        .arg("b:1")
        .exec(&mut con)
        .unwrap_err();
    redis::cmd("SET")
        .arg("before:shutdown")
        .arg(1)
        .exec(&mut con)
        .unwrap();
    let _ = redis::cmd("SHUTDOWN").arg("NOSAVE").exec(&mut con);
    let _ = server.child.wait();
    let status = wait(&mut tracing.child, Duration::from_secs(30));
    assert_eq!(status.code(), Some(2), "a lost connection is an error");
    let trace = TraceFile::from_json(&std::fs::read_to_string(&tracing.output).unwrap()).unwrap();
    assert!(!trace.complete);
    assert!(
        trace.stopped.starts_with("lost the connection"),
        "{}",
        trace.stopped
    );
    assert!(trace
        .shapes
        .iter()
        .any(|s| s.examples[0].commands[0] == ["before:shutdown"]));
}

fn slotlint(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

#[test]
fn the_join_turns_a_note_into_an_error() {
    servers::require_redis_tools();
    let tracing = start_trace(&servers::standalone().url(), &["--db", "4"], &[]);
    let mut con = connect(&db_url(4));
    redis::cmd("SET")
        .arg("jobs:alpha")
        .arg(1)
        .exec(&mut con)
        .unwrap();
    // What `unresolved::move_job(con, "jobs:alpha", "jobs:beta")` sends.
    redis::cmd("RENAME")
        .arg("jobs:alpha")
        .arg("jobs:beta")
        .exec(&mut con)
        .unwrap();
    redis::cmd("MSETNX")
        .arg("x:1")
        .arg(1)
        .arg("y:1")
        .arg(1)
        .exec(&mut con)
        .unwrap();
    let (_, trace) = tracing.stop();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.json");
    std::fs::write(&file, trace.to_json()).unwrap();
    let file = file.to_str().unwrap();

    let before = slotlint(&["check", "--format", "json", "fixtures/trace/unresolved"]);
    let before: Value = serde_json::from_slice(&before.stdout).unwrap();
    assert_eq!(before["diagnostics"][0]["severity"], "note");

    let after = slotlint(&[
        "check",
        "--format",
        "json",
        "--trace",
        file,
        "fixtures/trace/unresolved",
    ]);
    assert_eq!(
        after.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&after.stderr)
    );
    let after: Value = serde_json::from_slice(&after.stdout).unwrap();
    let list = after["diagnostics"].as_array().unwrap();
    let rename = list
        .iter()
        .find(|d| d["file"] == "fixtures/trace/unresolved/src/lib.rs")
        .unwrap();
    assert_eq!(rename["rule"], "cross-slot-command");
    assert_eq!(rename["severity"], "error");
    assert_eq!(rename["line"], 8);
    let message = rename["message"].as_str().unwrap();
    assert!(
        message.contains("observed once, e.g. `jobs:alpha` (slot")
            && message.contains("`jobs:beta` (slot"),
        "{message}"
    );
    assert!(rename["notes"][0]
        .as_str()
        .unwrap()
        .starts_with("static analysis (note):"));
    // MSETNX matches no call of the crate: reported at the trace, not dropped.
    let msetnx = list
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("MSETNX"))
        .unwrap();
    assert_eq!(msetnx["file"], file);
    // The other formats render it too.
    for format in ["human", "short", "sarif", "github", "json-lines"] {
        let out = slotlint(&[
            "check",
            "--format",
            format,
            "--trace",
            file,
            "fixtures/trace/unresolved",
        ]);
        let text = String::from_utf8_lossy(&out.stdout);
        // Human output wraps at the terminal's width: compare words.
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains("observed once"), "{format}: {text}");
    }
    // A static finding the trace never exercised says so.
    let archive = list.iter().find(|d| d["line"] == 16).unwrap();
    assert_eq!(archive["severity"], "error");
    let notes: Vec<&str> = archive["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("not exercised by the trace")),
        "{notes:?}"
    );
}

#[test]
fn the_load_report_before_and_after_a_plan() {
    servers::require_redis_tools();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.json");
    std::fs::write(
        &plan,
        serde_json::json!({
            "version": 1,
            "generated_by": "test",
            "families": [{
                "old": "session:{id}:data", "new": "{session:{id}}:data",
                "old_skeleton": "session:{}:data", "new_skeleton": "{{session:{}}}:data",
                "scan": "session:*:data", "tag": "session:{id}", "applicability": "unsafe", "sites": []
            }]
        })
        .to_string(),
    )
    .unwrap();
    let tracing = start_trace(
        &servers::standalone().url(),
        &[
            "--db",
            "5",
            "--report",
            "--primaries",
            "3",
            "--plan",
            plan.to_str().unwrap(),
        ],
        &[],
    );
    let mut con = connect(&db_url(5));
    for i in 0..50 {
        redis::cmd("GET")
            .arg(format!("session:{i}:data"))
            .exec(&mut con)
            .unwrap();
        // A constant hash tag: every access in one slot.
        redis::cmd("GET")
            .arg(format!("{{hot}}:{i}"))
            .exec(&mut con)
            .unwrap();
    }
    let (_, trace) = tracing.stop();
    let load = trace.load.expect("--report stores the load");
    assert_eq!(load.accesses, 100);
    assert_eq!(load.plan.as_ref().unwrap().renamed, 50);
    let hot = load.before.iter().max_by_key(|s| s.count).unwrap();
    assert_eq!((hot.slot, hot.count), (slot("hot"), 50));
    assert_eq!(hot.patterns[0].pattern, "{{hot}}:{}");
    let after = load.after.unwrap();
    assert!(after
        .iter()
        .any(|s| s.slot == slot("session:7") && s.count == 1));
}

#[test]
fn bad_input_is_a_clear_error() {
    let out = slotlint(&["trace", "--from", "redis://127.0.0.1:1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot connect to redis://127.0.0.1:1"));
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"version": 99}"#).unwrap();
    let out = slotlint(&[
        "check",
        "--trace",
        bad.to_str().unwrap(),
        "fixtures/trace/unresolved",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("trace version 99 is not supported"));
}
