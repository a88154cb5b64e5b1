//! The fixture apps of `fixtures/apps/`: built once per test binary, run against a server, and
//! their output read back (the contract is in `fixtures/apps/appkit/src/lib.rs`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The root of this repository.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `fixtures/apps`, the apps' cargo workspace.
pub fn apps_dir() -> PathBuf {
    repo_root().join("fixtures").join("apps")
}

/// The target dir shared by every build of the apps: `<target>/cluster-apps`, where `<target>`
/// is `CARGO_TARGET_DIR` when set, else the repository's `target/`. Builds of copies of the apps
/// (e.g. after `cargo slotlint fix`) should use it too, so that `redis` is compiled once.
pub fn apps_target_dir() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => repo_root().join(dir),
        _ => repo_root().join("target"),
    };
    target.join("cluster-apps")
}

/// The apps of a workspace like `fixtures/apps`: the member directories with a `src/main.rs`.
pub fn app_names(workspace: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.path().join("src").join("main.rs").is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Builds the apps' workspace found at `workspace` (`cargo build --locked`) into the shared
/// target dir, then copies the app binaries to `<target>/cluster-apps/bin/<label>/`, so that a
/// later build of a copy of the apps (same binary names) cannot replace them under a running
/// test. Returns that directory.
pub fn build_apps(workspace: &Path, label: &str) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let target = apps_target_dir();
    let started = Instant::now();
    let output = Command::new(&cargo)
        .args(["build", "--locked", "--manifest-path"])
        .arg(workspace.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("running {cargo}: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "`cargo build --locked --manifest-path {}/Cargo.toml` failed:\n{}",
            workspace.display(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let bin_dir = target.join("bin").join(label);
    std::fs::create_dir_all(&bin_dir).map_err(|e| format!("{}: {e}", bin_dir.display()))?;
    for app in app_names(workspace) {
        // A copy of the apps names its binaries `<app>-<label>` (see `fixed_apps` in
        // tests/cluster.rs): binaries of workspace members carry no hash in their file name,
        // so two packages with one binary name would overwrite each other in the shared dir.
        let built_name = if label == "original" {
            app.clone()
        } else {
            format!("{app}-{label}")
        };
        let built = target.join("debug").join(&built_name);
        let kept = bin_dir.join(&app);
        // Write next to the destination, then rename: a running binary is never overwritten.
        let partial = bin_dir.join(format!(".{app}.partial"));
        std::fs::copy(&built, &partial)
            .and_then(|_| std::fs::rename(&partial, &kept))
            .map_err(|e| format!("copying {} to {}: {e}", built.display(), kept.display()))?;
    }
    eprintln!(
        "built the fixture apps of {} in {:.1?}",
        workspace.display(),
        started.elapsed()
    );
    Ok(bin_dir)
}

/// The binaries of `fixtures/apps`, built on first use.
pub fn built_apps() -> &'static Path {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match BUILT.get_or_init(|| build_apps(&apps_dir(), "original")) {
        Ok(dir) => dir,
        Err(e) => panic!("{e}"),
    }
}

/// How one operation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `OK`, with the printed result.
    Ok(String),
    /// `FAIL`, with the error kind (CROSSSLOT, CLIENT_CROSSSLOT, MOVED, OTHER) and message.
    Fail { kind: String, message: String },
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok(_) => write!(f, "OK"),
            Outcome::Fail { kind, .. } => write!(f, "FAIL {kind}"),
        }
    }
}

/// One request an operation sent (an item of its `via=` field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// How it was sent.
    pub shape: Shape,
    /// The commands' names, upper-case (one for a command).
    pub commands: Vec<String>,
    /// For a command the cluster client splits per slot: how many slots its keys lie in.
    pub slots: Option<usize>,
    /// It failed (an error, or an error reply inside it).
    pub failed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Command,
    /// A plain pipeline.
    Pipeline,
    /// A MULTI/EXEC pipeline.
    Transaction,
}

impl Request {
    /// The cluster client split it: a command of several slots that it divides per slot.
    pub fn split(&self) -> bool {
        self.slots.is_some_and(|n| n > 1)
    }

    /// Parses `NAME`, `NAME/N`, `pipe[A+B]` or `multi[A+B]`, with an optional trailing `!`.
    fn parse(text: &str) -> Option<Request> {
        let (text, failed) = match text.strip_suffix('!') {
            Some(t) => (t, true),
            None => (text, false),
        };
        let list = |inner: &str| inner.split('+').map(str::to_string).collect::<Vec<_>>();
        let request = if let Some(inner) = text.strip_prefix("pipe[") {
            Request {
                shape: Shape::Pipeline,
                commands: list(inner.strip_suffix(']')?),
                slots: None,
                failed,
            }
        } else if let Some(inner) = text.strip_prefix("multi[") {
            Request {
                shape: Shape::Transaction,
                commands: list(inner.strip_suffix(']')?),
                slots: None,
                failed,
            }
        } else {
            let (name, slots) = match text.split_once('/') {
                Some((name, n)) => (name, Some(n.parse().ok()?)),
                None => (text, None),
            };
            if name.is_empty() {
                return None;
            }
            Request {
                shape: Shape::Command,
                commands: vec![name.to_string()],
                slots,
                failed,
            }
        };
        Some(request)
    }
}

/// One line of an app's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub name: String,
    /// The 1-based line on which the Redis call expression starts.
    pub line: u32,
    /// The app computes this operation's keys from run-time input (`keys=input`).
    pub input: bool,
    /// What the operation sent, in order.
    pub via: Vec<Request>,
    pub outcome: Outcome,
}

impl Op {
    pub fn failed(&self) -> bool {
        matches!(self.outcome, Outcome::Fail { .. })
    }

    /// The request whose failure the operation reports: the last one that failed.
    pub fn failed_request(&self) -> Option<&Request> {
        self.via.iter().rev().find(|r| r.failed)
    }

    /// `via=` as printed.
    pub fn via_text(&self) -> String {
        if self.via.is_empty() {
            return "-".into();
        }
        let labels: Vec<String> = self
            .via
            .iter()
            .map(|r| {
                let body = match r.shape {
                    Shape::Command => match r.slots {
                        Some(n) => format!("{}/{n}", r.commands[0]),
                        None => r.commands[0].clone(),
                    },
                    Shape::Pipeline => format!("pipe[{}]", r.commands.join("+")),
                    Shape::Transaction => format!("multi[{}]", r.commands.join("+")),
                };
                format!("{body}{}", if r.failed { "!" } else { "" })
            })
            .collect();
        labels.join(",")
    }
}

/// Parses `OK <op> line=<L> keys=<K> via=<V> <result>` /
/// `FAIL <op> line=<L> keys=<K> via=<V> kind=<KIND> <message>` (see `fixtures/apps/appkit`).
pub fn parse_op(text: &str) -> Result<Op, String> {
    let bad = || format!("not an OK/FAIL line: {text:?}");
    let mut parts = text.splitn(6, ' ');
    let mut field = |prefix: &str| {
        parts
            .next()
            .and_then(|p| p.strip_prefix(prefix))
            .map(str::to_string)
            .ok_or_else(bad)
    };
    let status = field("")?;
    let name = field("")?;
    let line = field("line=")?.parse().map_err(|_| bad())?;
    let input = match field("keys=")?.as_str() {
        "code" => false,
        "input" => true,
        _ => return Err(bad()),
    };
    let via_text = field("via=")?;
    let rest = parts.next().unwrap_or("").to_string();
    let via = if via_text == "-" {
        Vec::new()
    } else {
        via_text
            .split(',')
            .map(Request::parse)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(bad)?
    };
    let outcome = match status.as_str() {
        "OK" => Outcome::Ok(rest),
        "FAIL" => {
            let (kind, message) = rest.split_once(' ').unwrap_or((&rest, ""));
            let kind = kind.strip_prefix("kind=").ok_or_else(bad)?.to_string();
            Outcome::Fail {
                kind,
                message: message.to_string(),
            }
        }
        _ => return Err(bad()),
    };
    Ok(Op {
        name,
        line,
        input,
        via,
        outcome,
    })
}

/// What one run of an app printed.
#[derive(Debug)]
pub struct Run {
    pub ops: Vec<Op>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the app binary `bin_dir/<app>` with `SLOTLINT_REDIS=<spec>` and the command line
/// `args` (its run-time input); an app that exits non-zero, prints something else than
/// operation lines, or runs over a minute is an error.
pub fn run_app(bin_dir: &Path, app: &str, spec: &str, args: &[&str]) -> Result<Run, String> {
    let bin = bin_dir.join(app);
    let mut child = Command::new(&bin)
        .args(args)
        .env("SLOTLINT_REDIS", spec)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("running {}: {e}", bin.display()))?;
    let mut out_pipe = child.stdout.take().expect("piped");
    let mut err_pipe = child.stderr.take().expect("piped");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut out_pipe, &mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err_pipe, &mut s);
        s
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stdout = out.join().unwrap_or_default();
    let stderr = err.join().unwrap_or_default();
    let context =
        || format!("{app} with SLOTLINT_REDIS={spec}\nstdout:\n{stdout}\nstderr:\n{stderr}");
    match status {
        None => return Err(format!("timed out after 60 s: {}", context())),
        Some(status) if !status.success() => {
            return Err(format!("exited with {status}: {}", context()))
        }
        Some(_) => {}
    }
    let ops = stdout
        .lines()
        .map(parse_op)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{e}\n{}", context()))?;
    if ops.is_empty() {
        return Err(format!("printed no operation: {}", context()));
    }
    Ok(Run {
        ops,
        stdout,
        stderr,
    })
}

/// The command line of each app that takes run-time input (the keys of its `keys=input`
/// operations).
pub const APP_ARGS: &[(&str, &[&str])] = &[(
    "job-queue",
    &[
        "queue:emails:failed",
        "queue:emails:pending",
        "{queue:reports}:processing",
        "{queue:reports}:pending",
    ],
)];

/// The command line `app` runs with (its run-time input), empty for most apps.
pub fn app_args(app: &str) -> &'static [&'static str] {
    APP_ARGS
        .iter()
        .find(|(a, _)| *a == app)
        .map_or(&[], |(_, args)| args)
}
