//! Real Redis servers for the tests: one 6-node Redis Cluster (3 primaries, 3 replicas) and one
//! standalone server, each started at most once per test binary, on first use, and shared by
//! every test of that binary.
//!
//! # Teardown
//! A test binary keeps its servers in `static`s, which Rust never drops, and a test that fails
//! or panics must not leave servers behind either. So each `redis-server` runs under a small
//! watchdog shell:
//!
//! ```text
//! test process ──(pipe: the watchdog's stdin)──▶ sh watchdog ──(child)──▶ redis-server
//! ```
//!
//! The test process holds the write end of the watchdog's stdin and never writes to it. When the
//! test process ends — normally, by a panic that aborts, by a signal, even by SIGKILL — the
//! kernel closes that end, the watchdog's `read` sees end-of-file, and it kills its
//! `redis-server` by PID (SIGKILL: the servers persist nothing), waits for it, and removes the
//! server's temporary directory. Std marks its pipes close-on-exec, so no other child (another
//! server, `cargo`, a fixture app) holds the write end open. The watchdog ignores SIGINT and
//! SIGHUP so that a Ctrl-C on `cargo test` still lets it clean up. A [`Server`] that is dropped
//! (e.g. a failed start-up attempt) closes the pipe itself and waits for the watchdog.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::resp::{command, Reply};

const INSTALL: &str = "apt-get install -y redis-server redis-tools";

/// `$1` is the server's directory, the rest are `redis-server` arguments.
const WATCHDOG: &str = r#"
trap '' INT HUP
dir=$1
shift
redis-server "$@" </dev/null >>"$dir/stdout.log" 2>&1 &
srv=$!
echo "$srv"
while read -r _; do :; done
kill -KILL "$srv" 2>/dev/null
wait "$srv" 2>/dev/null
rm -rf "$dir"
"#;

/// One `redis-server` process, watched as described in the module docs.
pub struct Server {
    pub port: u16,
    pub pid: u32,
    pub dir: PathBuf,
    watchdog: Child,
    lifeline: Option<ChildStdin>,
}

impl Server {
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.join("redis.log")).unwrap_or_default();
        let out = std::fs::read_to_string(self.dir.join("stdout.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().chain(out.lines()).collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    fn alive(&self) -> bool {
        Path::new("/proc").join(self.pid.to_string()).exists()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.lifeline.take());
        let _ = self.watchdog.wait();
    }
}

/// Panics, with the command that installs them, when `redis-server` or `redis-cli` is missing.
/// The cluster tests are never skipped.
pub fn require_redis_tools() {
    for tool in ["redis-server", "redis-cli"] {
        let ok = Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        assert!(
            ok,
            "`{tool}` is not installed (or not on PATH). The cluster tests need Redis 7: \
             install it with `{INSTALL}` (Debian/Ubuntu; `.ci/run` does this)."
        );
    }
}

/// A loopback port that is free right now.
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(|e| format!("bind: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    Ok(port)
}

fn spawn(extra: &[String]) -> Result<Server, String> {
    let port = free_port()?;
    let dir = std::env::temp_dir().join(format!("slotlint-redis-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let dir_arg = dir.display().to_string();
    let mut args: Vec<String> = [
        "--port",
        &port.to_string(),
        "--bind",
        "127.0.0.1",
        "--dir",
        &dir_arg,
        "--logfile",
        &dir.join("redis.log").display().to_string(),
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|a| a.replace("{dir}", &dir_arg)));
    let mut watchdog = Command::new("sh")
        .arg("-c")
        .arg(WATCHDOG)
        .arg("slotlint-redis-watchdog")
        .arg(&dir)
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("spawning sh: {e}"))?;
    let lifeline = watchdog.stdin.take();
    let mut pid_line = String::new();
    let stdout = watchdog.stdout.take().expect("piped stdout");
    BufReader::new(stdout)
        .read_line(&mut pid_line)
        .map_err(|e| format!("reading the server's pid: {e}"))?;
    let pid = pid_line
        .trim()
        .parse()
        .map_err(|_| format!("the watchdog printed {pid_line:?} instead of a pid"))?;
    Ok(Server {
        port,
        pid,
        dir,
        watchdog,
        lifeline,
    })
}

/// Starts a server and waits until it answers PING; retries on fresh ports (another process may
/// take a port between our probe and the server's bind).
fn start_server(extra: &[String]) -> Result<Server, String> {
    let mut last = String::new();
    for _attempt in 0..5 {
        let server = spawn(extra)?;
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(Reply::Simple(pong)) = command(server.port, &["PING"]) {
                if pong == "PONG" {
                    return Ok(server);
                }
            }
            if !server.alive() || Instant::now() > deadline {
                last = format!(
                    "redis-server on port {} (pid {}) did not come up; its log:\n{}",
                    server.port,
                    server.pid,
                    server.log_tail()
                );
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    Err(last)
}

/// The standalone server.
pub fn standalone() -> &'static Server {
    static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
    let started = SERVER.get_or_init(|| {
        require_redis_tools();
        start_server(&[])
    });
    match started {
        Ok(server) => server,
        Err(e) => panic!("could not start the standalone redis-server: {e}"),
    }
}

/// A 6-node Redis Cluster: 3 primaries with one replica each, every slot covered.
pub struct Cluster {
    pub nodes: Vec<Server>,
}

impl Cluster {
    /// The value of `SLOTLINT_REDIS` for the fixture apps.
    pub fn spec(&self) -> String {
        let urls: Vec<String> = self.nodes.iter().map(Server::url).collect();
        format!("cluster:{}", urls.join(","))
    }
}

/// The cluster, started on first use.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    let started = CLUSTER.get_or_init(|| {
        require_redis_tools();
        let clock = Instant::now();
        let cluster = start_cluster();
        if let Ok(cluster) = &cluster {
            let ports: Vec<u16> = cluster.nodes.iter().map(|n| n.port).collect();
            eprintln!(
                "started a 6-node Redis Cluster on ports {ports:?} in {:.1?}",
                clock.elapsed()
            );
        }
        cluster
    });
    match started {
        Ok(cluster) => cluster,
        Err(e) => panic!("could not start the Redis Cluster: {e}"),
    }
}

fn start_cluster() -> Result<Cluster, String> {
    let mut nodes = Vec::new();
    for _ in 0..6 {
        // The cluster bus gets its own free port rather than the default port + 10000, which
        // may be out of range or taken.
        let bus = free_port()?;
        nodes.push(start_server(&[
            "--cluster-enabled".into(),
            "yes".into(),
            "--cluster-config-file".into(),
            "{dir}/nodes.conf".into(),
            "--cluster-port".into(),
            bus.to_string(),
            "--cluster-node-timeout".into(),
            "5000".into(),
            // Replicas sync at once instead of after the default 5 s wait for more replicas.
            "--repl-diskless-sync-delay".into(),
            "0".into(),
        ])?);
    }
    let mut create = Command::new("redis-cli");
    create.arg("--cluster").arg("create");
    for node in &nodes {
        create.arg(format!("127.0.0.1:{}", node.port));
    }
    create
        .args(["--cluster-replicas", "1", "--cluster-yes"])
        .stdin(Stdio::null());
    let output = run_with_timeout(create, Duration::from_secs(60))?;
    if !output.0 {
        return Err(format!(
            "`redis-cli --cluster create` failed:\n{}",
            output.1
        ));
    }
    wait_until_ready(&nodes, Duration::from_secs(30))
        .map_err(|e| format!("{e}\n`redis-cli --cluster create` said:\n{}", output.1))?;
    Ok(Cluster { nodes })
}

/// Runs a command, killing it after `limit`; returns (success, stdout + stderr).
fn run_with_timeout(mut command: Command, limit: Duration) -> Result<(bool, String), String> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("spawning {command:?}: {e}"))?;
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stdout, &mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) => break Some(status),
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let text = format!(
        "{}{}",
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default()
    );
    match status {
        Some(status) => Ok((status.success(), text)),
        None => Err(format!(
            "{command:?} did not finish within {limit:?}:\n{text}"
        )),
    }
}

/// Waits until every node reports `cluster_state:ok` with all 16384 slots served and 6 known
/// nodes, and every node gives the same primaries for the same 3 slot ranges in CLUSTER SLOTS —
/// what redis-rs's cluster client reads. Replicas show up there only after gossip has spread
/// their role (5–10 s more); the tests never read from replicas, so that is not waited for.
fn wait_until_ready(nodes: &[Server], limit: Duration) -> Result<(), String> {
    let deadline = Instant::now() + limit;
    loop {
        let problem = match cluster_problem(nodes) {
            None => return Ok(()),
            Some(problem) => problem,
        };
        if Instant::now() > deadline {
            return Err(format!(
                "the cluster was not ready after {limit:?}: {problem}"
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn cluster_problem(nodes: &[Server]) -> Option<String> {
    let mut maps = Vec::new();
    for node in nodes {
        let info = match command(node.port, &["CLUSTER", "INFO"]) {
            Ok(reply) => reply.text().unwrap_or_default(),
            Err(e) => return Some(e),
        };
        for wanted in [
            "cluster_state:ok",
            "cluster_slots_assigned:16384",
            "cluster_slots_ok:16384",
            "cluster_known_nodes:6",
            "cluster_size:3",
        ] {
            if !info.lines().any(|l| l.trim() == wanted) {
                return Some(format!("node {} lacks {wanted}", node.port));
            }
        }
        match command(node.port, &["CLUSTER", "SLOTS"]) {
            Ok(reply) => match slot_map(&reply) {
                Some(map) => maps.push(map),
                None => {
                    return Some(format!(
                        "node {}: unexpected CLUSTER SLOTS {reply:?}",
                        node.port
                    ))
                }
            },
            Err(e) => return Some(e),
        }
    }
    let first = &maps[0];
    if first.len() != 3 {
        return Some(format!("unexpected slot map {first:?}"));
    }
    if maps.iter().any(|m| m != first) {
        return Some("the nodes do not agree on the slot map yet".into());
    }
    None
}

type SlotMap = Vec<(i64, i64, i64)>;

/// (first slot, last slot, primary port), sorted.
fn slot_map(reply: &Reply) -> Option<SlotMap> {
    let Reply::Array(Some(ranges)) = reply else {
        return None;
    };
    let mut map = Vec::new();
    for range in ranges {
        let Reply::Array(Some(parts)) = range else {
            return None;
        };
        let port = |node: &Reply| match node {
            Reply::Array(Some(fields)) => match fields.get(1) {
                Some(Reply::Int(p)) => Some(*p),
                _ => None,
            },
            _ => None,
        };
        let (Some(Reply::Int(start)), Some(Reply::Int(end)), Some(primary)) =
            (parts.first(), parts.get(1), parts.get(2))
        else {
            return None;
        };
        map.push((*start, *end, port(primary)?));
    }
    map.sort();
    Some(map)
}
