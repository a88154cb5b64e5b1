//! `cargo slotlint trace`: watch a standalone Redis with MONITOR while a command runs, judge what
//! it sees as a cluster would, write the trace file; and `check --trace`, which joins a trace to
//! the call sites of the code.
//!
//! This file is the I/O around `slotlint-trace`: the MONITOR connection (a reader thread feeding a
//! bounded channel, so memory stays bounded whatever the traffic), the child process, Ctrl-C and
//! `--duration`, progress on a terminal, and the adapter from the analyzer's call sites to the
//! join's plain [`StaticSite`]s. The judging, shapes, load and join are the library's.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ExitCode};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use slotlint_analyzer::sites::{CallSite, CommandCall, KeyArg, SiteKind as AnalyzerSiteKind};
use slotlint_analyzer::workspace::NEWEST_KNOWN_REDIS;
use slotlint_analyzer::{
    discover_workspace, rules, Diagnostic, Discovery, KeyInfo, Report, Severity, SourceFile, Span,
    Version,
};
use slotlint_keys::{KeyPattern, Segment};
use slotlint_trace::file::TraceFile;
use slotlint_trace::join::{
    join, Joined, SiteKind, StaticCommand, StaticFinding, StaticKey, StaticSite,
};
use slotlint_trace::load::{report as load_report, LoadCounter};
use slotlint_trace::monitor::parse_line;
use slotlint_trace::{Observer, Options};

use crate::output::{self, Format};
use crate::term::ColorChoice;

/// Arguments of `cargo slotlint trace`.
#[derive(Parser, Debug)]
pub struct TraceArgs {
    /// The standalone server to watch (MONITOR), e.g. redis://127.0.0.1:6379.
    #[arg(long, value_name = "URL")]
    from: String,
    /// Judge only the commands run in database N (the one the traced command uses).
    #[arg(long, value_name = "N")]
    db: Option<u32>,
    /// Stop after this long (`60s`, `5m`); without it, when CMD exits or on Ctrl-C.
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    duration: Option<Duration>,
    /// Where to write the trace.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        default_value = "slotlint-trace.json"
    )]
    output: PathBuf,
    /// Also show how the observed keys spread over the slots and primaries of a cluster.
    #[arg(long)]
    report: bool,
    /// With --report: the number of primaries (slots split as `redis-cli --cluster create`).
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u16).range(1..=16384))]
    primaries: u16,
    /// With --report: also show the load after this `fix` migration plan renames the keys.
    #[arg(long, value_name = "FILE", requires = "report")]
    plan: Option<PathBuf>,
    /// Output format of the findings.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// When to use colors.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// The redis-rs version whose cluster client judges the findings (default: the current
    /// workspace's, else the newest known).
    #[arg(long, value_name = "VERSION")]
    redis_version: Option<String>,
    /// Consecutive commands of one connection at most this many microseconds apart are taken as
    /// one pipeline.
    #[arg(long, value_name = "MICROSECONDS", default_value_t = Options::default().batch_gap_micros, hide = true)]
    pipeline_gap: u64,
    /// The command to run while tracing (e.g. `cargo test`); the trace stops when it exits.
    #[arg(last = true, value_name = "CMD")]
    command: Vec<OsString>,
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

/// The URL without credentials, for messages and the trace file.
fn public_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// MONITOR text read but not yet judged, at most (plus one line).
const MAX_BYTES_IN_FLIGHT: usize = 64 << 20;

enum Msg {
    Line(String),
    /// The connection ended (error text).
    End(String),
}

/// Why the trace stopped.
enum Stop {
    Exited(std::process::ExitStatus),
    Duration,
    Interrupted,
    Lost(String),
}

/// The redis-rs version of the current workspace (its first crate using redis), if any.
fn workspace_version() -> Option<Version> {
    let cwd = std::env::current_dir().ok()?;
    let discovery = discover_workspace(&cwd, None).ok()?;
    discovery
        .units
        .iter()
        .find_map(|u| u.redis.as_ref().and_then(|r| r.version()))
}

pub fn run(args: TraceArgs) -> ExitCode {
    let version = match args.redis_version.as_deref() {
        Some(v) => match slotlint_analyzer::workspace::parse_version_lower_bound(v) {
            Some(v) => v,
            None => {
                return fail(format!(
                    "`--redis-version {v}` is not a version like 0.23.3"
                ))
            }
        },
        None => workspace_version().unwrap_or(NEWEST_KNOWN_REDIS),
    };
    let load = if args.report {
        let plan = match &args.plan {
            Some(path) => {
                let text = match std::fs::read_to_string(path) {
                    Ok(t) => t,
                    Err(e) => return fail(format!("cannot read {}: {e}", path.display())),
                };
                let migrator = slotlint_fix::MigrationPlan::from_json(&text)
                    .and_then(|plan| slotlint_fix::Migrator::new(&plan));
                match migrator {
                    Ok(m) => Some((m, path.display().to_string())),
                    Err(e) => return fail(format!("{}: {e}", path.display())),
                }
            }
            None => None,
        };
        Some(LoadCounter::new(plan))
    } else {
        None
    };
    let server = public_url(&args.from);
    // slotlint: allow(non-cluster-client) trace watches the standalone server, before the move
    let client = match redis::Client::open(args.from.as_str()) {
        Ok(c) => c,
        Err(e) => return fail(format!("--from {server}: {e}")),
    };
    let connect = || client.get_connection_with_timeout(Duration::from_secs(10));
    let (mut monitor, mut control) = match (connect(), connect()) {
        (Ok(m), Ok(c)) => (m, c),
        (Err(e), _) | (_, Err(e)) => return fail(format!("cannot connect to {server}: {e}")),
    };
    match redis::cmd("INFO").arg("cluster").query::<String>(&mut control) {
        Ok(info) if info.contains("cluster_enabled:1") => {
            return fail(format!("{server} is a cluster node: trace watches the standalone server a service uses before the move"))
        }
        Ok(_) => {}
        Err(e) => return fail(format!("{server}: INFO: {e}")),
    }
    let monitor_id: Option<i64> = redis::cmd("CLIENT").arg("ID").query(&mut monitor).ok();
    let started = Instant::now();
    if let Err(e) = monitor
        .send_packed_command(&redis::cmd("MONITOR").get_packed_command())
        .and_then(|()| monitor.recv_response())
    {
        return fail(format!("{server}: MONITOR: {e}"));
    }
    // The reader only reads: parsing and judging happen here, so a slow judge slows the reader
    // through the channel, bounded in lines and in bytes (MONITOR lines hold values, of any
    // size); the server then buffers MONITOR output for us.
    let (tx, rx) = sync_channel::<Msg>(1 << 14);
    let in_flight = Arc::new(AtomicUsize::new(0));
    let reader_budget = in_flight.clone();
    std::thread::spawn(move || loop {
        match monitor.recv_response() {
            Ok(redis::Value::SimpleString(line)) => {
                while reader_budget.load(Ordering::Acquire) > MAX_BYTES_IN_FLIGHT {
                    std::thread::sleep(Duration::from_micros(200));
                }
                reader_budget.fetch_add(line.len(), Ordering::AcqRel);
                if tx.send(Msg::Line(line)).is_err() {
                    return;
                }
            }
            Ok(other) => {
                if tx.send(Msg::Line(format!("{other:?}"))).is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = tx.send(Msg::End(e.to_string()));
                return;
            }
        }
    });
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        if let Err(e) = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)) {
            return fail(format!("cannot handle Ctrl-C: {e}"));
        }
    }
    // One line when the trace starts: a caller (or a test) knows every later command is seen.
    match args.command.is_empty() {
        true if args.duration.is_none() => {
            eprintln!("slotlint trace: watching {server}; stop with Ctrl-C")
        }
        true => eprintln!("slotlint trace: watching {server}"),
        false => eprintln!("slotlint trace: watching {server} while the command runs"),
    }
    let mut child = match args.command.split_first() {
        Some((program, rest)) => match std::process::Command::new(program).args(rest).spawn() {
            Ok(c) => Some(c),
            Err(e) => {
                return fail(format!("cannot run `{}`: {e}", program.to_string_lossy()));
            }
        },
        None => None,
    };
    let command_text = args
        .command
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let options = Options {
        traced_db: args.db,
        batch_gap_micros: args.pipeline_gap,
        ..Options::default()
    };
    let mut observer = Observer::new(options, load);
    let progress = std::io::stderr().is_terminal();
    let marker = format!(
        "slotlint-trace-end-{}-{}",
        std::process::id(),
        started.elapsed().as_nanos()
    );
    let lines = Lines {
        rx: &rx,
        in_flight: &in_flight,
    };
    let stop = watch(
        lines,
        &mut observer,
        &mut child,
        &args,
        &interrupted,
        started,
        progress,
    );
    // Flush: everything the server ran before our marker reaches us before the marker does.
    let complete = !matches!(stop, Stop::Lost(_));
    let mut stop = stop;
    if complete {
        let sent = redis::cmd("ECHO")
            .arg(&marker)
            .query::<String>(&mut control);
        if sent.is_ok() {
            if let Some(lost) = drain_until(&rx, &mut observer, &marker, &in_flight) {
                stop = Stop::Lost(lost);
            }
        }
        if let Some(id) = monitor_id {
            let _ = redis::cmd("CLIENT")
                .arg("KILL")
                .arg("ID")
                .arg(id)
                .exec(&mut control);
        }
    }
    if progress {
        eprint!("\r\x1b[K");
    }
    let child_status = match child.as_mut() {
        Some(c) => match c.try_wait() {
            Ok(Some(status)) => Some(status),
            _ => {
                let _ = c.kill();
                c.wait().ok()
            }
        },
        None => None,
    };
    let (stopped, lost) = match &stop {
        Stop::Exited(status) => (format!("`{command_text}` exited with {status}"), None),
        Stop::Duration => (
            format!(
                "--duration {} elapsed",
                humantime::format_duration(args.duration.unwrap_or_default())
            ),
            None,
        ),
        Stop::Interrupted => ("interrupted (Ctrl-C)".to_owned(), None),
        Stop::Lost(e) => (
            format!("lost the connection to {server}: {e}"),
            Some(e.clone()),
        ),
    };
    let mut trace = observer.finish();
    trace.generated_by = format!("cargo-slotlint {}", env!("CARGO_PKG_VERSION"));
    trace.server = server.clone();
    trace.duration_secs = (started.elapsed().as_secs_f64() * 1000.0).round() / 1000.0;
    trace.stopped = stopped;
    trace.complete = lost.is_none();
    if let Err(e) = write_atomically(&args.output, trace.to_json().as_bytes()) {
        return fail(format!("cannot write {}: {e}", args.output.display()));
    }
    let shown = args.output.display().to_string();
    let report = standalone_report(&trace, &shown, version);
    let human = matches!(args.format, Format::Human | Format::Short);
    if human {
        let mut out = std::io::stdout().lock();
        let _ = print_findings(
            &mut out,
            &report,
            &trace,
            &shown,
            args.format,
            args.color.enabled(),
        );
    } else {
        let here = std::env::current_dir().unwrap_or_default();
        let fixes = crate::fixable::Fixes::default();
        let cx = output::Context {
            report: &report,
            color: args.color.enabled(),
            width: 100,
            statistics: false,
            quiet: false,
            baseline: None,
            fixes: &fixes,
            path_base: &here,
            units: &[],
            sarif_include_suppressed: false,
            fail_at: slotlint_analyzer::Severity::Error,
            others_succeeded: true,
        };
        if let Err(e) = output::render(output::Output::Format(args.format), &cx) {
            if e.kind() != std::io::ErrorKind::BrokenPipe {
                return fail(format!("cannot write the report: {e}"));
            }
        }
    }
    if let Some(load) = &trace.load {
        let text = load_report(load, usize::from(args.primaries), 5);
        if human {
            println!("{text}");
        } else {
            eprintln!("{text}");
        }
    }
    if let Some(e) = lost {
        eprintln!("error: lost the connection to {server}: {e}; {shown} holds what was observed until then");
        return ExitCode::from(2);
    }
    match child_status {
        Some(status) if !status.success() && matches!(stop, Stop::Exited(_)) => {
            eprintln!(
                "slotlint trace: `{command_text}` failed ({status}); {shown} holds what it ran"
            );
            ExitCode::from(1)
        }
        _ => ExitCode::SUCCESS,
    }
}

/// The reader's side of the channel, with the bytes it has sent and not yet judged.
struct Lines<'a> {
    rx: &'a Receiver<Msg>,
    in_flight: &'a AtomicUsize,
}

/// Feeds lines until a stop condition.
fn watch(
    lines: Lines<'_>,
    observer: &mut Observer,
    child: &mut Option<Child>,
    args: &TraceArgs,
    interrupted: &AtomicBool,
    started: Instant,
    progress: bool,
) -> Stop {
    let Lines { rx, in_flight } = lines;
    let mut last_progress = Instant::now();
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(Msg::Line(line)) => {
                feed(observer, &line, in_flight);
                // Drain what is there before looking at the clock again.
                for _ in 0..4096 {
                    match rx.try_recv() {
                        Ok(Msg::Line(line)) => feed(observer, &line, in_flight),
                        Ok(Msg::End(e)) => return Stop::Lost(e),
                        Err(_) => break,
                    }
                }
            }
            Ok(Msg::End(e)) => return Stop::Lost(e),
            Err(RecvTimeoutError::Disconnected) => return Stop::Lost("the reader stopped".into()),
            Err(RecvTimeoutError::Timeout) => {}
        }
        if interrupted.load(Ordering::SeqCst) {
            return Stop::Interrupted;
        }
        if args.duration.is_some_and(|d| started.elapsed() >= d) {
            return Stop::Duration;
        }
        if let Some(c) = child.as_mut() {
            if let Ok(Some(status)) = c.try_wait() {
                return Stop::Exited(status);
            }
        }
        if progress && last_progress.elapsed() >= Duration::from_millis(250) {
            let (commands, findings) = observer.progress();
            eprint!("\r\x1b[Kslotlint trace: {commands} commands, {findings} hazards so far");
            last_progress = Instant::now();
        }
    }
}

fn feed(observer: &mut Observer, line: &str, in_flight: &AtomicUsize) {
    in_flight.fetch_sub(line.len(), Ordering::AcqRel);
    match parse_line(line) {
        Ok(parsed) => observer.feed(parsed),
        Err(_) => observer.unparsed(),
    }
}

/// Feeds lines until the marker's line; `Some(error)` when the connection ended first.
fn drain_until(
    rx: &Receiver<Msg>,
    observer: &mut Observer,
    marker: &str,
    in_flight: &AtomicUsize,
) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(Msg::Line(line)) if line.contains(marker) => return None,
            Ok(Msg::Line(line)) => feed(observer, &line, in_flight),
            Ok(Msg::End(e)) => return Some(e),
            Err(_) => return Some("MONITOR output did not catch up within 30 s".into()),
        }
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("json.partial");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// The trace's findings on their own (no code): at the trace file.
fn standalone_report(trace: &TraceFile, shown: &str, version: Version) -> Report {
    let joined = join(trace, &[], version);
    Report {
        diagnostics: joined
            .findings
            .iter()
            .map(|j| diagnostic_at_trace(j, shown, &[]))
            .collect(),
        ..Report::default()
    }
}

fn print_findings(
    out: &mut dyn Write,
    report: &Report,
    trace: &TraceFile,
    shown: &str,
    format: Format,
    color: bool,
) -> std::io::Result<()> {
    let paint = |s: Severity| {
        let code = match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Note => "1;36",
        };
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    for d in &report.diagnostics {
        if format == Format::Short {
            writeln!(
                out,
                "{}:1:1: {}[{}] {}: {}",
                d.file,
                paint(d.severity),
                d.code,
                d.rule,
                d.message
            )?;
            continue;
        }
        writeln!(out, "{}[{}]: {}", paint(d.severity), d.rule, d.message)?;
        for n in &d.notes {
            writeln!(out, "  note: {n}")?;
        }
        if let Some(h) = &d.help {
            writeln!(out, "  help: {h}")?;
        }
        writeln!(out)?;
    }
    let count = |s: Severity| {
        report
            .diagnostics
            .iter()
            .filter(|d| d.severity == s)
            .count()
    };
    writeln!(
        out,
        "slotlint trace: {} commands in {:.1} s ({}): {} errors, {} warnings; wrote {shown}",
        trace.commands,
        trace.duration_secs,
        trace.stopped,
        count(Severity::Error),
        count(Severity::Warning),
    )?;
    if !report.diagnostics.is_empty() && format == Format::Human {
        writeln!(
            out,
            "slotlint trace: `cargo slotlint check --trace {shown}` shows them at their call sites"
        )?;
    }
    Ok(())
}

fn key_infos(j: &Joined) -> Vec<KeyInfo> {
    j.keys
        .iter()
        .map(|k| {
            let bytes = slotlint_trace::shape::key_bytes(&k.key);
            KeyInfo {
                text: k.key.clone(),
                pattern: Some(k.key.clone()),
                hash_tag: slotlint_keys::hashslot::hash_tag(&bytes)
                    .map(|t| String::from_utf8_lossy(t).into_owned()),
                slot: Some(k.slot),
                many: false,
                span: Span::default(),
            }
        })
        .collect()
}

fn rule_code(rule: &str) -> (&'static str, &'static str) {
    rules::find(rule).map_or(("", ""), |r| (r.name, r.code))
}

/// A finding no call site matched: shown at the trace file.
fn diagnostic_at_trace(j: &Joined, shown: &str, candidates: &[String]) -> Diagnostic {
    let (rule, code) = rule_code(j.rule);
    let at = Span {
        start: 0,
        end: 0,
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 1,
    };
    let mut notes = vec![format!("observed: `{}`", j.shape)];
    notes.extend(j.notes.iter().cloned());
    if !candidates.is_empty() {
        notes.push(format!(
            "no call site of the workspace matches these keys; sites that send the same command: {}",
            candidates.join(", ")
        ));
    }
    Diagnostic {
        rule,
        code,
        severity: j.severity,
        message: j.message.clone(),
        file: shown.to_owned(),
        span: at,
        focus: at,
        primary_label: "observed at run time".into(),
        labels: Vec::new(),
        keys: key_infos(j),
        help: Some(j.help.clone()),
        notes,
    }
}

/// A pattern as a format-string skeleton, bound holes written as their values.
fn skeleton(p: &KeyPattern) -> String {
    let mut out = String::new();
    let text = |t: &str, out: &mut String| {
        for c in t.chars() {
            match c {
                '{' => out.push_str("{{"),
                '}' => out.push_str("}}"),
                c => out.push(c),
            }
        }
    };
    for seg in p.segments() {
        match seg {
            Segment::Text(t) => text(t, &mut out),
            Segment::Hole(h) => match &h.value {
                Some(v) => text(v, &mut out),
                None => out.push_str("{}"),
            },
        }
    }
    out
}

/// Key arguments as the join sees them. Several keys the analyzer found in one expression (the
/// elements of a const array, perhaps filtered at run time) are one collection: of their common
/// template when they share one, else of any key.
fn static_keys(keys: &[KeyArg]) -> Vec<StaticKey> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < keys.len() {
        let same = keys[i..]
            .iter()
            .take_while(|k| k.span == keys[i].span && k.text == keys[i].text)
            .count();
        if same == 1 {
            out.push(StaticKey {
                pattern: keys[i].pattern.as_ref().map(skeleton),
                many: keys[i].many,
            });
        } else {
            let mut templates: Vec<Option<String>> = keys[i..i + same]
                .iter()
                .map(|k| k.pattern.as_ref().map(|p| p.template().skeleton()))
                .collect();
            templates.dedup();
            out.push(StaticKey {
                pattern: if templates.len() == 1 {
                    templates.remove(0)
                } else {
                    None
                },
                many: true,
            });
        }
        i += same;
    }
    out
}

fn static_command(c: &CommandCall) -> StaticCommand {
    StaticCommand {
        name: c.name.clone(),
        keys: static_keys(&c.keys),
        exact: c.keys_exact,
        argv: c.argv.clone(),
    }
}

/// The rules a trace can observe.
const OBSERVABLE: &[&str] = &[
    "cross-slot-command",
    "cross-slot-transaction",
    "cross-slot-script",
    "cross-slot-pipeline",
    "non-zero-database",
    "node-local-command",
    "undeclared-script-key",
    "sort-pattern",
    "cross-slot-pubsub",
];

/// The adapter: an analyzer call site as the join sees it.
fn static_site(file: &str, site: &CallSite, version: Version) -> StaticSite {
    let (kind, commands, keys) = match &site.kind {
        AnalyzerSiteKind::Command(c) => (SiteKind::Command, vec![static_command(c)], Vec::new()),
        AnalyzerSiteKind::Pipeline {
            atomic, commands, ..
        } => (
            if *atomic {
                SiteKind::AtomicPipeline
            } else {
                SiteKind::Pipeline
            },
            commands.iter().map(static_command).collect(),
            Vec::new(),
        ),
        AnalyzerSiteKind::Transaction {
            watch, commands, ..
        } => (
            SiteKind::Transaction,
            commands.iter().map(static_command).collect(),
            static_keys(watch),
        ),
        AnalyzerSiteKind::Script { command, keys, .. } => (
            SiteKind::Script,
            vec![StaticCommand {
                name: command.clone(),
                keys: Vec::new(),
                exact: false,
                argv: Vec::new(),
            }],
            static_keys(keys),
        ),
        // Pub/sub: the command with its channels as its "keys" (shard channels hash to slots).
        AnalyzerSiteKind::PubSub { kind, channels } => (
            SiteKind::Command,
            vec![StaticCommand {
                name: kind.command().to_owned(),
                keys: static_keys(channels),
                exact: true,
                argv: Vec::new(),
            }],
            Vec::new(),
        ),
    };
    StaticSite {
        file: file.to_owned(),
        line: site.span.line,
        column: site.span.column,
        kind,
        commands,
        keys,
        version,
        findings: Vec::new(),
    }
}

fn within(outer: &Span, inner: &Span) -> bool {
    outer.start <= inner.start && inner.end <= outer.end
}

/// `check --trace FILE`: joins the trace to the report's call sites and rewrites the report.
pub fn join_into(
    report: &mut Report,
    trace_path: &Path,
    shown: &str,
    discovery: &Discovery,
    assumed: Option<Version>,
) -> Result<(), String> {
    let text =
        std::fs::read_to_string(trace_path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let trace = TraceFile::from_json(&text).map_err(|e| format!("{shown}: {e}"))?;
    let unit_version = |path: &Path| {
        discovery
            .units
            .iter()
            .find(|u| u.files.iter().any(|f| f == path))
            .and_then(|u| u.redis.as_ref().and_then(|r| r.version()))
            .or(assumed)
            .unwrap_or(NEWEST_KNOWN_REDIS)
    };
    let default_version = discovery
        .units
        .iter()
        .find_map(|u| u.redis.as_ref().and_then(|r| r.version()))
        .or(assumed)
        .unwrap_or(NEWEST_KNOWN_REDIS);
    let mut sites: Vec<StaticSite> = report
        .sites
        .iter()
        .map(|f| static_site(&f.file, &f.site, unit_version(&f.path)))
        .collect();
    // Each static finding of an observable rule belongs to the innermost site around it.
    let innermost = |file: &str, span: &Span| {
        report
            .sites
            .iter()
            .enumerate()
            .filter(|(_, f)| f.file == file && within(&f.site.span, span))
            .min_by_key(|(_, f)| f.site.span.end - f.site.span.start)
            .map(|(i, _)| i)
    };
    // (site, index in its findings) → diagnostic.
    let mut owner: Vec<(usize, usize, usize)> = Vec::new();
    for (d, diag) in report.diagnostics.iter().enumerate() {
        if !OBSERVABLE.contains(&diag.rule) {
            continue;
        }
        if let Some(s) = innermost(&diag.file, &diag.span) {
            owner.push((s, sites[s].findings.len(), d));
            sites[s].findings.push(StaticFinding {
                rule: diag.rule.to_owned(),
                severity: diag.severity,
            });
        }
    }
    let suppressed: Vec<(usize, &str)> = report
        .suppressed
        .iter()
        .filter_map(|s| {
            innermost(&s.diagnostic.file, &s.diagnostic.span).map(|i| (i, s.diagnostic.rule))
        })
        .collect();
    let joined = join(&trace, &sites, default_version);
    let mut touched = vec![false; report.diagnostics.len()];
    let mut added = Vec::new();
    for j in &joined.findings {
        let Some(s) = j.site else {
            let candidates: Vec<String> = j
                .candidates
                .iter()
                .map(|&i| format!("{}:{}:{}", sites[i].file, sites[i].line, sites[i].column))
                .collect();
            added.push(diagnostic_at_trace(j, shown, &candidates));
            continue;
        };
        let fact = &report.sites[s];
        if let Some(&(_, _, d)) = j
            .replaces
            .and_then(|k| owner.iter().find(|(site, idx, _)| *site == s && *idx == k))
        {
            let diag = &mut report.diagnostics[d];
            let was = diag.severity;
            diag.notes
                .insert(0, format!("static analysis ({was}): {}", diag.message));
            for n in j.notes.iter().rev() {
                diag.notes.insert(1, n.clone());
            }
            diag.message = j.message.clone();
            diag.severity = was.max(j.severity);
            if was == Severity::Note {
                diag.help = Some(j.help.clone());
            }
            diag.notes
                .push(format!("observed in {shown}: `{}`", j.shape));
            touched[d] = true;
            continue;
        }
        if suppressed
            .iter()
            .any(|(i, rule)| *i == s && *rule == j.rule)
        {
            continue;
        }
        let (rule, code) = rule_code(j.rule);
        let mut notes = j.notes.clone();
        notes.push(format!("observed in {shown}: `{}`", j.shape));
        added.push(Diagnostic {
            rule,
            code,
            severity: j.severity,
            message: j.message.clone(),
            file: fact.file.clone(),
            span: fact.site.span,
            focus: fact.site.focus,
            primary_label: "observed at run time".into(),
            labels: Vec::new(),
            keys: key_infos(j),
            help: Some(j.help.clone()),
            notes,
        });
        if report.source(&fact.file).is_none() {
            if let Ok(text) = std::fs::read_to_string(&fact.path) {
                report
                    .sources
                    .push(SourceFile::new(fact.path.clone(), fact.file.clone(), text));
            }
        }
    }
    for &(s, _, d) in &owner {
        if touched[d] {
            continue;
        }
        let n = joined.exercised[s];
        let note = if n == 0 {
            format!("not exercised by the trace {shown}: no observed command matched this call")
        } else {
            format!(
                "the trace {shown} saw this call {n} {} without this problem",
                if n == 1 { "time" } else { "times" }
            )
        };
        report.diagnostics[d].notes.push(note);
    }
    report.diagnostics.extend(added);
    report
        .diagnostics
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_stay_out_of_messages() {
        assert_eq!(
            public_url("redis://:secret@127.0.0.1:6379/0"),
            "redis://127.0.0.1:6379/0"
        );
        assert_eq!(public_url("redis://u:p@h:1"), "redis://h:1");
        assert_eq!(
            public_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
    }

    #[test]
    fn bound_holes_are_literal_in_the_skeleton() {
        let mut p = KeyPattern::literal("{cart:");
        p.push_hole(slotlint_keys::Hole::bound("user", "42"));
        p.push_text("}:saved");
        p.push_hole(slotlint_keys::Hole::new("h1", "id"));
        assert_eq!(skeleton(&p), "{{cart:42}}:saved{}");
    }
}
