//! `cargo slotlint migrate` against a real `redis-server`, started by each test on a free
//! loopback port (no persistence) and killed when the test ends, pass or fail.
//!
//! The plan comes from `cargo slotlint fix --unsafe` on a copy of `fixtures/fix/shop`, as a
//! user would make it.

// slotlint: allow-file(cross-slot-command, cross-slot-pipeline) a test client of a standalone server

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A `redis-server` child process, killed on drop.
struct Server {
    child: Child,
    port: u16,
    /// `--requirepass`, if given.
    password: Option<String>,
    _dir: tempfile::TempDir,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        match Command::new("redis-server").arg("--version").output() {
            Ok(o) if o.status.success() => {}
            _ => panic!(
                "redis-server is missing: these tests need a real server (apt-get install redis-server)"
            ),
        }
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string()])
            .args(["--bind", "127.0.0.1"])
            .args(["--save", ""])
            .args(["--appendonly", "no"])
            .args(["--daemonize", "no"])
            .arg("--dir")
            .arg(dir.path())
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        let password = extra
            .iter()
            .position(|a| *a == "--requirepass")
            .map(|i| extra[i + 1].to_owned());
        let server = Server {
            child,
            port,
            password,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(mut con) = server.try_connect() {
                if redis::cmd("PING").query::<String>(&mut con).is_ok() {
                    return server;
                }
            }
            assert!(
                Instant::now() < deadline,
                "redis-server on port {port} did not answer PING within 10 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn url(&self) -> String {
        match &self.password {
            Some(p) => format!("redis://:{p}@127.0.0.1:{}/", self.port),
            None => format!("redis://127.0.0.1:{}/", self.port),
        }
    }

    fn try_connect(&self) -> redis::RedisResult<redis::Connection> {
        redis::Client::open(self.url())?.get_connection_with_timeout(Duration::from_secs(2))
    }

    fn connect(&self) -> redis::Connection {
        self.try_connect().expect("connect to the test server")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn slotlint(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cargo-slotlint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("run cargo-slotlint")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// The plan `fix --unsafe` writes for the shop fixture (in a temporary folder).
fn shop_plan() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&root().join("fixtures/fix/shop"), dir.path());
    let out = slotlint(&["fix", "--unsafe", "--allow-no-vcs"], dir.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let plan = dir.path().join("slotlint-migration.json");
    assert!(plan.is_file());
    (dir, plan)
}

fn migrate(server: &Server, plan: &Path, extra: &[&str]) -> (i32, String) {
    let mut args = vec!["migrate", "--plan", plan.to_str().unwrap(), "--from"];
    let url = server.url();
    args.push(&url);
    args.extend(extra);
    let out = slotlint(&args, &root());
    (out.status.code().unwrap_or(-1), text(&out.stderr))
}

/// Old key → the name the rewritten code gives it, for the shop's families.
fn renamed(old: &str) -> String {
    for (prefix, suffix) in [
        ("user:", ":profile"),
        ("user:", ":settings"),
        ("cart:", ":items"),
        ("cart:", ":total"),
        ("inv:", ":count"),
        ("inv:", ":reserved"),
        ("scratch:", ":a"),
        ("scratch:", ":b"),
    ] {
        if let Some(mid) = old
            .strip_prefix(prefix)
            .and_then(|r| r.strip_suffix(suffix))
        {
            return format!("{{{prefix}{mid}}}{suffix}");
        }
    }
    match old {
        "session:old" => "{session}:old".into(),
        "session:new" => "{session}:new".into(),
        _ => panic!("`{old}` is not a key of the shop's families"),
    }
}

/// `n` keys of every type across the shop's families (some with a TTL), keyed by old name.
fn family_keys(n: usize) -> Vec<String> {
    let per = n / 6;
    let mut keys = Vec::with_capacity(n);
    for i in 0..per {
        keys.push(format!("user:{i}:profile"));
        keys.push(format!("user:{i}:settings"));
        keys.push(format!("cart:{i}:items"));
        keys.push(format!("cart:{i}:total"));
        keys.push(format!("inv:{i}:count"));
        keys.push(format!("inv:{i}:reserved"));
    }
    let extra = ["session:old", "session:new", "scratch:1:a", "scratch:1:b"];
    keys.extend(extra.iter().take(n - keys.len()).map(|s| s.to_string()));
    assert_eq!(keys.len(), n);
    keys
}

/// Keys the plan must never touch: other names, near misses of a family's glob, and a key
/// whose hole would hold a brace.
fn bystanders() -> Vec<String> {
    let mut keys = Vec::new();
    for i in 0..100 {
        keys.push(format!("other:{i}"));
        keys.push(format!("user:{i}:profiles"));
        keys.push(format!("users:{i}:profile"));
    }
    keys.push("user:{odd}:profile".into());
    keys.push("config:flags".into());
    keys
}

fn populate(con: &mut redis::Connection, keys: &[String]) {
    for chunk in keys.chunks(500) {
        let mut pipe = redis::pipe();
        for (i, k) in chunk.iter().enumerate() {
            match k.len() % 5 {
                0 => pipe.cmd("SET").arg(k).arg(format!("value of {k}")).ignore(),
                1 => pipe
                    .cmd("HSET")
                    .arg(k)
                    .arg("f")
                    .arg(k)
                    .arg("g")
                    .arg(i)
                    .ignore(),
                2 => pipe.cmd("RPUSH").arg(k).arg("a").arg(k).arg("c").ignore(),
                3 => pipe.cmd("SADD").arg(k).arg(k).arg("s").ignore(),
                _ => pipe
                    .cmd("ZADD")
                    .arg(k)
                    .arg(1)
                    .arg(k)
                    .arg(2)
                    .arg("z")
                    .ignore(),
            };
            if i % 7 == 0 {
                pipe.cmd("EXPIRE").arg(k).arg(3600).ignore();
            }
        }
        pipe.exec(con).unwrap();
    }
}

/// A key's value, comparable across a DUMP/RESTORE (which may reorder a set's encoding).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Val {
    Str(Vec<u8>),
    Hash(Vec<(Vec<u8>, Vec<u8>)>),
    List(Vec<Vec<u8>>),
    Set(Vec<Vec<u8>>),
    ZSet(Vec<(Vec<u8>, String)>),
}

/// Each key's value and whether it has a TTL (`None`: no such key).
fn dumps(con: &mut redis::Connection, keys: &[String]) -> BTreeMap<String, Option<(Val, bool)>> {
    let mut out = BTreeMap::new();
    for chunk in keys.chunks(500) {
        let mut pipe = redis::pipe();
        for k in chunk {
            pipe.cmd("TYPE").arg(k).cmd("PTTL").arg(k);
        }
        let values: Vec<redis::Value> = pipe.query(con).unwrap();
        let types: Vec<(String, i64)> = values
            .chunks(2)
            .map(|p| {
                (
                    redis::from_redis_value(p[0].clone()).unwrap(),
                    redis::from_redis_value(p[1].clone()).unwrap(),
                )
            })
            .collect();
        let mut pipe = redis::pipe();
        for (k, (t, _)) in chunk.iter().zip(&types) {
            match t.as_str() {
                "string" => pipe.cmd("GET").arg(k),
                "hash" => pipe.cmd("HGETALL").arg(k),
                "list" => pipe.cmd("LRANGE").arg(k).arg(0).arg(-1),
                "set" => pipe.cmd("SMEMBERS").arg(k),
                "zset" => pipe.cmd("ZRANGE").arg(k).arg(0).arg(-1).arg("WITHSCORES"),
                _ => pipe.cmd("EXISTS").arg(k),
            };
        }
        let contents: Vec<redis::Value> = pipe.query(con).unwrap();
        for ((k, (t, ttl)), v) in chunk.iter().zip(types).zip(contents) {
            let val = match t.as_str() {
                "string" => Some(Val::Str(redis::from_redis_value(v).unwrap())),
                "hash" => {
                    let mut m: Vec<(Vec<u8>, Vec<u8>)> = redis::from_redis_value(v).unwrap();
                    m.sort();
                    Some(Val::Hash(m))
                }
                "list" => Some(Val::List(redis::from_redis_value(v).unwrap())),
                "set" => {
                    let mut m: Vec<Vec<u8>> = redis::from_redis_value(v).unwrap();
                    m.sort();
                    Some(Val::Set(m))
                }
                "zset" => Some(Val::ZSet(redis::from_redis_value(v).unwrap())),
                "none" => None,
                other => panic!("`{k}` has type {other}"),
            };
            out.insert(k.clone(), val.map(|v| (v, ttl > 0)));
        }
    }
    out
}

fn dbsize(con: &mut redis::Connection) -> usize {
    redis::cmd("DBSIZE").query(con).unwrap()
}

#[test]
fn migrate_moves_ten_thousand_keys_and_loses_nothing() {
    let (_fixture, plan) = shop_plan();
    let server = Server::start(&[]);
    let mut con = server.connect();
    let keys = family_keys(10_000);
    let others = bystanders();
    populate(&mut con, &keys);
    populate(&mut con, &others);
    let total = keys.len() + others.len();
    assert_eq!(dbsize(&mut con), total);
    let before = dumps(&mut con, &keys);
    let others_before = dumps(&mut con, &others);
    assert!(before.values().all(Option::is_some));

    // A dry run reads and counts only.
    let (code, stderr) = migrate(&server, &plan, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("total: "), "{stderr}");
    assert!(stderr.contains("10000 to rename"), "{stderr}");
    assert_eq!(dumps(&mut con, &keys), before, "the dry run changed keys");

    let (code, stderr) = migrate(&server, &plan, &["--apply"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("10000 renamed"), "{stderr}");
    // Progress per family on stderr.
    assert!(
        stderr.contains("`user:<user>:profile` -> `{user:<user>}:profile`"),
        "{stderr}"
    );

    // Nothing lost: as many keys, each old one under its new name with the same value and TTL.
    assert_eq!(dbsize(&mut con), total);
    let new_names: Vec<String> = keys.iter().map(|k| renamed(k)).collect();
    let after = dumps(&mut con, &new_names);
    for (old, new) in keys.iter().zip(&new_names) {
        assert_eq!(after[new], before[old], "`{old}` -> `{new}`");
    }
    let gone = dumps(&mut con, &keys);
    assert!(gone.values().all(Option::is_none), "old names left behind");
    assert_eq!(
        dumps(&mut con, &others),
        others_before,
        "a bystander was touched"
    );

    // Idempotent: a second run finds nothing to move and changes nothing.
    let (code, stderr) = migrate(&server, &plan, &["--apply"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("total: "), "{stderr}");
    assert!(stderr.contains(" 0 renamed"), "{stderr}");
    assert_eq!(dumps(&mut con, &new_names), after);
    assert_eq!(dbsize(&mut con), total);
}

#[test]
fn an_interrupted_migration_resumes() {
    let (_fixture, plan) = shop_plan();
    let server = Server::start(&[]);
    let mut con = server.connect();
    let keys = family_keys(1_200);
    populate(&mut con, &keys);
    let before = dumps(&mut con, &keys);
    // A run that stopped part way: 400 keys already renamed, and one DUMP/RESTORE that
    // stopped before its DEL (both names hold the same value).
    for k in &keys[..400] {
        redis::cmd("RENAME")
            .arg(k)
            .arg(renamed(k))
            .exec(&mut con)
            .unwrap();
    }
    let half = &keys[400];
    let dump: Vec<u8> = redis::cmd("DUMP").arg(half).query(&mut con).unwrap();
    let ttl: i64 = redis::cmd("PTTL").arg(half).query(&mut con).unwrap();
    redis::cmd("RESTORE")
        .arg(renamed(half))
        .arg(ttl.max(0))
        .arg(dump)
        .exec(&mut con)
        .unwrap();
    let (code, stderr) = migrate(&server, &plan, &["--apply"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("799 renamed"), "{stderr}");
    assert!(stderr.contains("1 duplicates removed"), "{stderr}");
    let new_names: Vec<String> = keys.iter().map(|k| renamed(k)).collect();
    let after = dumps(&mut con, &new_names);
    for (old, new) in keys.iter().zip(&new_names) {
        assert_eq!(after[new], before[old], "`{old}` -> `{new}`");
    }
    assert_eq!(dbsize(&mut con), keys.len());
}

#[test]
fn dump_restore_moves_keys_with_their_ttl() {
    let (_fixture, plan) = shop_plan();
    let server = Server::start(&[]);
    let mut con = server.connect();
    let keys = family_keys(600);
    populate(&mut con, &keys);
    let before = dumps(&mut con, &keys);
    let (code, stderr) = migrate(&server, &plan, &["--apply", "--method", "dump-restore"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("600 renamed"), "{stderr}");
    let new_names: Vec<String> = keys.iter().map(|k| renamed(k)).collect();
    let after = dumps(&mut con, &new_names);
    for (old, new) in keys.iter().zip(&new_names) {
        assert_eq!(after[new], before[old], "`{old}` -> `{new}`");
    }
    assert_eq!(dbsize(&mut con), keys.len());
}

#[test]
fn renamenx_refused_falls_back_to_dump_restore() {
    let (_fixture, plan) = shop_plan();
    // A server where RENAMENX is disabled (as some managed services do).
    let server = Server::start(&["--rename-command", "RENAMENX", ""]);
    let mut con = server.connect();
    let keys = family_keys(60);
    populate(&mut con, &keys);
    let before = dumps(&mut con, &keys);
    let (code, stderr) = migrate(&server, &plan, &["--apply"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("DUMP/RESTORE+DEL instead"), "{stderr}");
    assert!(stderr.contains("60 renamed"), "{stderr}");
    let new_names: Vec<String> = keys.iter().map(|k| renamed(k)).collect();
    let after = dumps(&mut con, &new_names);
    for (old, new) in keys.iter().zip(&new_names) {
        assert_eq!(after[new], before[old], "`{old}` -> `{new}`");
    }
}

#[test]
fn a_conflict_keeps_both_keys_and_fails() {
    let (_fixture, plan) = shop_plan();
    let server = Server::start(&[]);
    let mut con = server.connect();
    redis::cmd("SET")
        .arg("user:7:profile")
        .arg("old")
        .exec(&mut con)
        .unwrap();
    redis::cmd("SET")
        .arg("{user:7}:profile")
        .arg("new")
        .exec(&mut con)
        .unwrap();
    redis::cmd("SET")
        .arg("user:8:profile")
        .arg("eight")
        .exec(&mut con)
        .unwrap();
    let (code, stderr) = migrate(&server, &plan, &["--apply"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("`user:7:profile`: `{user:7}:profile` exists already with another value"),
        "{stderr}"
    );
    let get = |con: &mut redis::Connection, k: &str| -> Option<String> {
        redis::cmd("GET").arg(k).query(con).unwrap()
    };
    assert_eq!(get(&mut con, "user:7:profile").as_deref(), Some("old"));
    assert_eq!(get(&mut con, "{user:7}:profile").as_deref(), Some("new"));
    assert_eq!(get(&mut con, "{user:8}:profile").as_deref(), Some("eight"));
}

#[test]
fn a_cluster_node_is_refused() {
    let (_fixture, plan) = shop_plan();
    let server = Server::start(&["--cluster-enabled", "yes"]);
    let (code, stderr) = migrate(&server, &plan, &["--apply"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("is a cluster node"), "{stderr}");
}

/// `n` keys of the shop's families, their per-family counts by old skeleton.
fn counts_by_family(keys: &[String]) -> BTreeMap<&'static str, usize> {
    let mut out = BTreeMap::new();
    for k in keys {
        let fam = match k.as_str() {
            "session:old" => "session:old",
            "session:new" => "session:new",
            _ => {
                let (prefix, rest) = k.split_once(':').unwrap();
                let suffix = rest.rsplit_once(':').unwrap().1;
                match (prefix, suffix) {
                    ("user", "profile") => "user:{}:profile",
                    ("user", "settings") => "user:{}:settings",
                    ("cart", "items") => "cart:{}:items",
                    ("cart", "total") => "cart:{}:total",
                    ("inv", "count") => "inv:{}:count",
                    ("inv", "reserved") => "inv:{}:reserved",
                    ("scratch", "a") => "scratch:{}:a",
                    ("scratch", "b") => "scratch:{}:b",
                    _ => panic!("{k}"),
                }
            }
        };
        *out.entry(fam).or_default() += 1;
    }
    out
}

/// Issue 13: one SCAN pass for every family; 100,000 keys, each family's count checked, every
/// key under its new name with its value and expiry, bystanders untouched.
#[test]
fn one_pass_over_a_hundred_thousand_keys_counts_every_family() {
    let (_fixture, plan) = shop_plan();
    let server = Server::start(&[]);
    let mut con = server.connect();
    let keys = family_keys(100_000);
    populate(&mut con, &keys);
    let before = dumps(&mut con, &keys);
    let (code, stderr) = migrate(&server, &plan, &["--apply"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("total: 100"), "{stderr}");
    // Each family's line: its own count.
    let plan_doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&plan).unwrap()).unwrap();
    let want = counts_by_family(&keys);
    let families = plan_doc["families"].as_array().unwrap();
    for (i, fam) in families.iter().enumerate() {
        let skeleton = fam["old_skeleton"].as_str().unwrap();
        let n = want.get(skeleton).copied().unwrap_or(0);
        let line = stderr
            .lines()
            .find(|l| l.starts_with(&format!("migrate: [{}/{}] ", i + 1, families.len())))
            .unwrap_or_else(|| panic!("no line for family {skeleton}:\n{stderr}"));
        assert!(
            line.contains(&format!(": {n} scanned, {n} renamed")),
            "{skeleton}: want {n}: {line}"
        );
    }
    let new_names: Vec<String> = keys.iter().map(|k| renamed(k)).collect();
    let after = dumps(&mut con, &new_names);
    for (old, new) in keys.iter().zip(&new_names) {
        assert_eq!(after[new], before[old], "`{old}` -> `{new}`");
    }
    assert_eq!(dbsize(&mut con), keys.len());
}

/// Issue 16, item 13: the old key holds the same value as the new one but persists while the
/// new one expires: not a duplicate. The dry run says both stay, and `--apply` keeps both.
#[test]
fn item_13_a_value_is_never_left_on_a_timer_the_old_key_did_not_have() {
    let (_fixture, plan) = shop_plan();
    let server = Server::start(&[]);
    let mut con = server.connect();
    let set = |con: &mut redis::Connection, k: &str, ex: Option<u64>| {
        let mut c = redis::cmd("SET");
        c.arg(k).arg("same");
        if let Some(s) = ex {
            c.arg("EX").arg(s);
        }
        c.exec(con).unwrap();
    };
    set(&mut con, "user:7:profile", None);
    set(&mut con, "{user:7}:profile", Some(3600));
    // A true duplicate (same expiry): it goes, in the dry run's words and in fact.
    set(&mut con, "user:8:profile", None);
    set(&mut con, "{user:8}:profile", None);
    let (code, dry) = migrate(&server, &plan, &[]);
    assert_eq!(code, 1, "{dry}");
    assert!(
        dry.contains("`user:7:profile`: `{user:7}:profile` exists already with the same value but another expiry (no expiry and expires in"),
        "{dry}"
    );
    assert!(dry.contains("1 duplicates to remove"), "{dry}");
    let (code, applied) = migrate(&server, &plan, &["--apply"]);
    assert_eq!(code, 1, "{applied}");
    assert!(applied.contains("1 duplicates removed"), "{applied}");
    let ttl = |con: &mut redis::Connection, k: &str| -> i64 {
        redis::cmd("TTL").arg(k).query(con).unwrap()
    };
    assert_eq!(
        ttl(&mut con, "user:7:profile"),
        -1,
        "the persistent key was deleted"
    );
    assert!(ttl(&mut con, "{user:7}:profile") > 0);
    assert_eq!(ttl(&mut con, "user:8:profile"), -2, "the duplicate stayed");
    assert_eq!(ttl(&mut con, "{user:8}:profile"), -1);
}

fn signal(server: &Server, sig: i32) {
    assert_eq!(unsafe { libc::kill(server.child.id() as i32, sig) }, 0);
}

/// Issue 16, item 7: a server that stops answering ends the run with a message within the
/// timeout; the run is resumable (here: writes paused part way, then a stopped server).
#[test]
fn item_7_a_stopped_server_times_out_and_the_run_resumes() {
    let (_fixture, plan) = shop_plan();
    let server = Server::start(&[]);
    let mut con = server.connect();
    let keys = family_keys(3_000);
    populate(&mut con, &keys);
    let before = dumps(&mut con, &keys);
    // Writes paused: SCAN answers, the renames do not.
    redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(4000)
        .arg("WRITE")
        .exec(&mut con)
        .unwrap();
    let started = Instant::now();
    let (code, stderr) = migrate(
        &server,
        &plan,
        &["--apply", "--timeout", "1", "--batch", "100"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "it waited for the pause to end"
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("did not answer within 1 s")
            && stderr.contains("run the same command again to resume"),
        "{stderr}"
    );
    std::thread::sleep(Duration::from_millis(4000));
    // A stopped process: the connection is accepted by the kernel, nothing answers.
    signal(&server, libc::SIGSTOP);
    let (code, stderr) = migrate(&server, &plan, &["--apply", "--timeout", "1"]);
    signal(&server, libc::SIGCONT);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("did not answer within 1 s"), "{stderr}");
    // Resumed: everything moved, nothing lost.
    let (code, stderr) = migrate(&server, &plan, &["--apply"]);
    assert_eq!(code, 0, "{stderr}");
    let new_names: Vec<String> = keys.iter().map(|k| renamed(k)).collect();
    let after = dumps(&mut con, &new_names);
    for (old, new) in keys.iter().zip(&new_names) {
        assert_eq!(after[new], before[old], "`{old}` -> `{new}`");
    }
    assert_eq!(dbsize(&mut con), keys.len());
}

/// Issue 16, item 2: the password of `--from` is never printed, in the banner or in errors.
#[test]
fn item_2_credentials_are_never_printed() {
    let (_fixture, plan) = shop_plan();
    let secret = "s3cret-pw-5a9e";
    let server = Server::start(&["--requirepass", secret]);
    let port = server.port;
    let planned = plan.to_str().unwrap();
    for (from, want) in [
        (
            format!("redis://:{secret}@127.0.0.1:{port}/0"),
            "from redis://:***@127.0.0.1:",
        ),
        (
            format!("redis://default:{secret}@127.0.0.1:{port}"),
            "from redis://***:***@127.0.0.1:",
        ),
        (
            format!("redis://:wrong-{secret}@127.0.0.1:{port}"),
            "refused the credentials of --from",
        ),
        (
            format!("redis://:{secret}@127.0.0.1:1"),
            "nothing accepts connections at redis://:***@127.0.0.1:1",
        ),
        (format!("redis://:{secret}@[::1"), "is not a Redis URL"),
    ] {
        let out = slotlint(&["migrate", "--plan", planned, "--from", &from], &root());
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(!all.contains(secret), "{from}: {all}");
        assert!(all.contains(want), "{from}: want `{want}` in {all}");
    }
}

/// Issue 13: `--from HOST:PORT` is understood, and a server that is not there is said in words.
#[test]
fn from_errors_are_in_words() {
    let (_fixture, plan) = shop_plan();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = slotlint(
        &[
            "migrate",
            "--plan",
            plan.to_str().unwrap(),
            "--from",
            &format!("127.0.0.1:{port}"),
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains("InvalidClientConfig") && !stderr.contains("did not parse"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "nothing accepts connections at redis://127.0.0.1:{port} (connection refused)"
        )),
        "{stderr}"
    );
    let server = Server::start(&[]);
    let out = slotlint(
        &[
            "migrate",
            "--plan",
            plan.to_str().unwrap(),
            "--from",
            &format!("127.0.0.1:{}", server.port),
        ],
        &root(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}
