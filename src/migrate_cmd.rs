//! `cargo slotlint migrate`: rename existing keys on a standalone Redis per a fix plan (issue 4).
//!
//! One SCAN pass over the keyspace (MATCH the families' common prefix, if any); each key the
//! plan's [`slotlint_fix::Migrator`] recognizes is renamed to the name the rewritten code
//! computes, with RENAMENX (never overwriting), or DUMP/RESTORE+DEL under WATCH where the
//! server refuses RENAMENX. Keys of no family are never touched. A dry run (the default) only
//! reads, and says what `--apply` would do with the very rule `--apply` uses. Running it again
//! moves what is left: it is idempotent, and resumes an interrupted or timed-out run.
//!
//! Credentials never reach the output: the URL is shown with its password replaced, and every
//! message goes through [`Secrets::scrub`]. Every read and write has a timeout (`--timeout`):
//! a stopped server ends the run with a message, not a hang.

// slotlint: allow-file(non-cluster-client, node-local-command, cross-slot-command, cross-slot-pipeline, cross-slot-transaction) migrate works on the standalone server, before the move, one key at a time

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::ValueEnum;
use redis::Value;
use slotlint_fix::{KeyFate, MigrationPlan, Migrator};

#[derive(clap::Parser, Debug)]
pub struct MigrateArgs {
    /// The plan written by `cargo slotlint fix`.
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,
    /// The standalone Redis that holds the keys: redis://[[USER]:PASSWORD@]HOST:PORT[/DB] (or
    /// HOST:PORT, rediss://… for TLS-less builds is refused by the client).
    #[arg(long, value_name = "URL")]
    pub from: String,
    /// Rename the keys (without it: a dry run that reads and counts only).
    #[arg(long)]
    pub apply: bool,
    /// RENAMENX, falling back to DUMP/RESTORE+DEL where the server refuses it (auto), or
    /// DUMP/RESTORE+DEL for every key.
    #[arg(long, value_enum, default_value_t = Method::Auto)]
    pub method: Method,
    /// Keys asked per SCAN call, and renamed per round trip.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub batch: usize,
    /// Seconds to wait for the server to connect or answer before stopping (the run can be
    /// resumed by running it again).
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub timeout: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Method {
    Auto,
    DumpRestore,
}

/// Counts for one family.
#[derive(Clone, Debug, Default)]
struct Counts {
    scanned: u64,
    renamed: u64,
    /// Dry run: keys that would be renamed.
    would_rename: u64,
    /// Old and new both exist, with different values or expiries: both left as they are.
    conflicts: u64,
    /// Old and new both exist with the same value and expiry (an interrupted DUMP/RESTORE):
    /// old removed (or, in a dry run, would be).
    duplicates: u64,
    already_new: u64,
    no_family: u64,
    ambiguous: u64,
    /// Gone between SCAN and rename (another client).
    vanished: u64,
}

/// Credentials of the `--from` URL: never printed.
struct Secrets(Vec<String>);

impl Secrets {
    fn of(url: &str) -> Secrets {
        let mut secrets = Vec::new();
        if let Some((user, password)) = userinfo(url) {
            for s in [password, user] {
                if s.len() >= 2 {
                    secrets.push(s.to_owned());
                    // As the client sends it, percent-decoded.
                    let decoded = percent_decode(s);
                    if decoded != s {
                        secrets.push(decoded);
                    }
                }
            }
        }
        // Longest first, so that a secret inside another is replaced whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        Secrets(secrets)
    }

    /// `text` with every credential replaced by `***`: the one place output passes through.
    fn scrub(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.0 {
            out = out.replace(s.as_str(), "***");
        }
        out
    }
}

/// `scheme://`, the user info before `@` (if any), and the rest (host, port, path).
fn split_url(url: &str) -> (&str, Option<&str>, &str) {
    let (scheme, rest) = match url.find("://") {
        Some(i) => url.split_at(i + 3),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => (scheme, Some(&rest[..at]), &rest[at + 1..]),
        None => (scheme, None, rest),
    }
}

/// `(user, password)` of `scheme://user:password@host…`, either possibly empty.
fn userinfo(url: &str) -> Option<(&str, &str)> {
    let info = split_url(url).1?;
    Some(info.split_once(':').unwrap_or((info, "")))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The URL as shown: its password (and user name) replaced by `***`.
fn shown_url(url: &str) -> String {
    match split_url(url) {
        (_, None, _) => url.to_owned(),
        (scheme, Some(info), rest) => {
            let shown = match info.split_once(':') {
                Some(("", _)) => ":***",
                Some(_) => "***:***",
                None => "***",
            };
            format!("{scheme}{shown}@{rest}")
        }
    }
}

/// `--from` as the client wants it: `HOST:PORT` gets `redis://`.
fn normalized_url(from: &str) -> String {
    if from.contains("://") {
        from.to_owned()
    } else {
        format!("redis://{from}")
    }
}

/// A client error in words, about the server shown as `shown`.
fn in_words(e: &redis::RedisError, shown: &str, timeout: Duration) -> String {
    if e.is_timeout() {
        format!(
            "{shown} did not answer within {} s (is the server stopped, or overloaded?); raise --timeout if it is just slow",
            timeout.as_secs()
        )
    } else if e.is_connection_refusal() {
        format!("nothing accepts connections at {shown} (connection refused): is the server running, on this host and port?")
    } else if e.kind() == redis::ErrorKind::AuthenticationFailed
        || e.code().is_some_and(|c| c == "WRONGPASS" || c == "NOAUTH")
    {
        format!("{shown} refused the credentials of --from (authentication failed)")
    } else if e.is_io_error() {
        format!("lost the connection to {shown}: {e}")
    } else {
        format!("{shown}: {e}")
    }
}

/// Prints every message scrubbed of credentials.
struct Out<'a> {
    secrets: &'a Secrets,
}

impl Out<'_> {
    fn say(&self, message: &str) {
        eprintln!("{}", self.secrets.scrub(message));
    }

    fn fail(&self, message: &str) -> ExitCode {
        self.say(&format!("error: {message}"));
        ExitCode::from(2)
    }
}

pub fn run(args: MigrateArgs) -> ExitCode {
    let url = normalized_url(&args.from);
    let secrets = Secrets::of(&url);
    let out = Out { secrets: &secrets };
    let shown = shown_url(&url);
    let timeout = Duration::from_secs(args.timeout.max(1));
    let text = match slotlint_analyzer::input::read_text(
        &args.plan,
        None,
        slotlint_analyzer::MAX_FILE_BYTES,
    ) {
        Ok(t) => t,
        Err(e) => return out.fail(&e.message(&args.plan.display().to_string())),
    };
    let plan = match MigrationPlan::from_json(&text) {
        Ok(p) => p,
        Err(e) => return out.fail(&format!("{}: {e}", args.plan.display())),
    };
    let migrator = match Migrator::new(&plan) {
        Ok(m) => m,
        Err(e) => return out.fail(&format!("{}: {e}", args.plan.display())),
    };
    let client = match redis::Client::open(url.as_str()) {
        Ok(c) => c,
        Err(_) => {
            return out.fail(&format!(
                "--from {shown} is not a Redis URL: write redis://HOST:PORT, redis://:PASSWORD@HOST:PORT or redis://USER:PASSWORD@HOST:PORT/DB"
            ))
        }
    };
    let mut con = match client.get_connection_with_timeout(timeout) {
        Ok(c) => c,
        Err(e) => {
            return out.fail(&format!(
                "cannot connect: {}",
                in_words(&e, &shown, timeout)
            ))
        }
    };
    if let Err(e) = con
        .set_read_timeout(Some(timeout))
        .and_then(|()| con.set_write_timeout(Some(timeout)))
    {
        return out.fail(&in_words(&e, &shown, timeout));
    }
    match redis::cmd("INFO").arg("cluster").query::<String>(&mut con) {
        Ok(info) if info.contains("cluster_enabled:1") => {
            return out.fail(&format!(
                "{shown} is a cluster node: migrate renames keys on the standalone server, before the move (on a cluster, the old and new names of a key live in different slots)"
            ))
        }
        Ok(_) => {}
        Err(e) => return out.fail(&in_words(&e, &shown, timeout)),
    }
    let mode = if args.apply {
        ""
    } else {
        " (dry run: nothing is renamed; add --apply)"
    };
    let n = plan.families.len();
    out.say(&format!(
        "migrate: {n} {} from {shown}{mode}",
        if n == 1 { "family" } else { "families" },
    ));
    let mut state = State {
        dump_restore: args.method == Method::DumpRestore,
        problems: Vec::new(),
        timeout,
    };
    let globs = family_globs(&plan);
    let mut per_family = vec![Counts::default(); n];
    let result = migrate_all(
        &mut con,
        &migrator,
        &plan,
        &globs,
        &args,
        &mut per_family,
        &mut state,
        &out,
    );
    for (i, fam) in plan.families.iter().enumerate() {
        out.say(&format!(
            "migrate: [{}/{n}] `{}` -> `{}`: {}",
            i + 1,
            fam.old,
            fam.new,
            summary(&per_family[i], args.apply)
        ));
    }
    for p in state.problems.iter().take(20) {
        out.say(&format!("migrate: {p}"));
    }
    if state.problems.len() > 20 {
        out.say(&format!(
            "migrate: … and {} more",
            state.problems.len() - 20
        ));
    }
    let mut totals = Counts::default();
    for c in &per_family {
        add(&mut totals, c);
    }
    out.say(&format!("migrate: total: {}", summary(&totals, args.apply)));
    if let Err(e) = result {
        // Every rename done so far is complete (RENAMENX, or RESTORE+DEL in one transaction):
        // the same command takes up where this one stopped.
        return out.fail(&format!(
            "{}; the migration stopped part way: every key moved so far is complete; run the same command again to resume",
            in_words(&e, &shown, timeout)
        ));
    }
    let _ = std::io::stderr().flush();
    if totals.conflicts + totals.ambiguous > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn add(t: &mut Counts, c: &Counts) {
    t.scanned += c.scanned;
    t.renamed += c.renamed;
    t.would_rename += c.would_rename;
    t.conflicts += c.conflicts;
    t.duplicates += c.duplicates;
    t.already_new += c.already_new;
    t.no_family += c.no_family;
    t.ambiguous += c.ambiguous;
    t.vanished += c.vanished;
}

fn summary(c: &Counts, apply: bool) -> String {
    let mut parts = vec![format!("{} scanned", c.scanned)];
    if apply {
        parts.push(format!("{} renamed", c.renamed));
    } else {
        parts.push(format!("{} to rename", c.would_rename));
    }
    let duplicates = if apply {
        "duplicates removed (both names held the same value and expiry)"
    } else {
        "duplicates to remove (both names hold the same value and expiry)"
    };
    for (n, what) in [
        (
            c.conflicts,
            "conflicts (both names exist; left as they are)",
        ),
        (c.duplicates, duplicates),
        (c.already_new, "already renamed"),
        (c.no_family, "of no family (left alone)"),
        (c.ambiguous, "ambiguous (left alone)"),
        (c.vanished, "gone before their turn"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    parts.join(", ")
}

struct State {
    dump_restore: bool,
    problems: Vec<String>,
    /// For each batch's replies.
    timeout: Duration,
}

/// Each family's SCAN glob, compiled, to tell its near misses (matched by the glob, but not a
/// key of the family) from keys of no family at all.
fn family_globs(plan: &MigrationPlan) -> Vec<Option<globset::GlobMatcher>> {
    plan.families
        .iter()
        .map(|f| {
            globset::GlobBuilder::new(&f.scan)
                .literal_separator(false)
                .backslash_escape(true)
                .build()
                .ok()
                .map(|g| g.compile_matcher())
        })
        .collect()
}

/// The SCAN MATCH for all families at once: their common literal prefix, then `*`.
fn common_match(plan: &MigrationPlan) -> String {
    let prefixes: Vec<String> = plan
        .families
        .iter()
        .map(|f| {
            let mut p = String::new();
            let mut chars = f.scan.chars();
            while let Some(c) = chars.next() {
                match c {
                    '*' | '?' | '[' => break,
                    '\\' => match chars.next() {
                        Some(n) => {
                            p.push('\\');
                            p.push(n);
                        }
                        None => break,
                    },
                    c => p.push(c),
                }
            }
            p
        })
        .collect();
    let mut common = prefixes.first().cloned().unwrap_or_default();
    for p in &prefixes[1.min(prefixes.len())..] {
        let keep = common
            .char_indices()
            .zip(p.chars())
            .take_while(|((_, a), b)| a == b)
            .last()
            .map_or(0, |((i, a), _)| i + a.len_utf8());
        common.truncate(keep);
    }
    // Never end inside an escape.
    if common.ends_with('\\') && !common.ends_with("\\\\") {
        common.pop();
    }
    format!("{common}*")
}

/// One SCAN pass: each key is classified against every family at once.
#[allow(clippy::too_many_arguments)]
fn migrate_all(
    con: &mut redis::Connection,
    migrator: &Migrator,
    plan: &MigrationPlan,
    globs: &[Option<globset::GlobMatcher>],
    args: &MigrateArgs,
    per_family: &mut [Counts],
    state: &mut State,
    out: &Out,
) -> redis::RedisResult<()> {
    let pattern = common_match(plan);
    // Names this run renamed or created: SCAN may return a key twice, and returns some of the
    // keys created during the pass (the new names); neither is counted again.
    let mut handled: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut cursor: u64 = 0;
    let mut last_report = Instant::now();
    let mut seen: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(args.batch.max(1))
            .query(con)?;
        let mut todo: Vec<(usize, String, String)> = Vec::new();
        for raw in keys {
            seen += 1;
            let key = String::from_utf8_lossy(&raw).into_owned();
            if handled.contains(&key) {
                continue;
            }
            // The first family whose glob matches, for counting.
            let globbed = globs
                .iter()
                .position(|g| g.as_ref().is_some_and(|g| g.is_match(&key)));
            let fate = if String::from_utf8(raw).is_ok() {
                migrator.classify(&key)
            } else {
                KeyFate::NoFamily
            };
            match fate {
                KeyFate::Rename { family, new } => {
                    per_family[family].scanned += 1;
                    if args.apply {
                        handled.insert(key.clone());
                        handled.insert(new.clone());
                    }
                    todo.push((family, key, new));
                }
                KeyFate::AlreadyNew { family } => {
                    per_family[family].scanned += 1;
                    per_family[family].already_new += 1;
                }
                KeyFate::NoFamily => {
                    if let Some(f) = globbed {
                        per_family[f].scanned += 1;
                        per_family[f].no_family += 1;
                    }
                }
                KeyFate::Ambiguous { names } => {
                    let f = globbed.unwrap_or(0);
                    per_family[f].scanned += 1;
                    per_family[f].ambiguous += 1;
                    state.problems.push(format!(
                        "`{key}` is a key of several families (it would become one of {}): left alone; rename it by hand",
                        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                    ));
                }
            }
        }
        for chunk in todo.chunks(args.batch.max(1)) {
            if args.apply {
                rename_batch(con, chunk, per_family, state)?;
            } else {
                count_batch(con, chunk, per_family, state)?;
            }
        }
        if last_report.elapsed() >= Duration::from_millis(500) {
            let mut totals = Counts::default();
            for c in per_family.iter() {
                add(&mut totals, c);
            }
            out.say(&format!(
                "migrate: {seen} keys read: {}…",
                summary(&totals, args.apply)
            ));
            last_report = Instant::now();
        }
        cursor = next;
        if cursor == 0 {
            return Ok(());
        }
    }
}

/// What to do when the new name exists too: the same rule for the dry run and `--apply`.
#[derive(Debug, PartialEq, Eq)]
enum Pair {
    /// The same value and expiry under both names (an interrupted DUMP/RESTORE): the old one
    /// can go. Holds the old key's DUMP, to check again under WATCH.
    Duplicate(Vec<u8>),
    /// Different values or expiries: both stay.
    Conflict(String),
    /// The old key is gone.
    OldGone,
}

/// Expiries that count as the same: both keys persist, or both expire within a second of
/// each other (a RESTORE copies the remaining time).
fn same_expiry(old_pttl: i64, new_pttl: i64) -> bool {
    match (old_pttl, new_pttl) {
        (-1, -1) => true,
        (a, b) if a >= 0 && b >= 0 => (a - b).abs() <= 1000,
        _ => false,
    }
}

fn judge_pair(con: &mut redis::Connection, old: &str, new: &str) -> redis::RedisResult<Pair> {
    let (a, at, b, bt): (Option<Vec<u8>>, i64, Option<Vec<u8>>, i64) = redis::pipe()
        .cmd("DUMP")
        .arg(old)
        .cmd("PTTL")
        .arg(old)
        .cmd("DUMP")
        .arg(new)
        .cmd("PTTL")
        .arg(new)
        .query(con)?;
    Ok(match (a, b) {
        (None, _) => Pair::OldGone,
        (Some(a), Some(b)) if a == b && same_expiry(at, bt) => Pair::Duplicate(a),
        (Some(a), Some(b)) if a == b => Pair::Conflict(format!(
            "`{old}`: `{new}` exists already with the same value but another expiry ({} and {}): both left as they are; remove one by hand",
            expiry(at),
            expiry(bt)
        )),
        _ => Pair::Conflict(format!(
            "`{old}`: `{new}` exists already with another value: both left as they are; merge them by hand"
        )),
    })
}

fn expiry(pttl: i64) -> String {
    if pttl < 0 {
        "no expiry".to_owned()
    } else {
        format!("expires in {} s", pttl / 1000)
    }
}

/// A pipeline's replies, all within `timeout` (redis-rs waits up to its read timeout for each
/// reply of a pipeline, in turn: a stopped server would hold a batch of 1,000 for 1,000
/// timeouts). Server errors are values.
fn query_batch(
    con: &mut redis::Connection,
    pipe: &redis::Pipeline,
    replies: usize,
    timeout: Duration,
) -> redis::RedisResult<Vec<Value>> {
    con.send_packed_command(&pipe.get_packed_pipeline())?;
    let deadline = Instant::now() + timeout;
    let mut out = Vec::with_capacity(replies);
    for _ in 0..replies {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(
                std::io::Error::new(std::io::ErrorKind::TimedOut, "no reply in time").into(),
            );
        }
        con.set_read_timeout(Some(left))?;
        out.push(con.recv_response()?);
    }
    con.set_read_timeout(Some(timeout))?;
    Ok(out)
}

/// Dry run: would each key be renamed, would an old duplicate go, or would both stay? The
/// same judgement as `--apply` ([`judge_pair`]).
fn count_batch(
    con: &mut redis::Connection,
    chunk: &[(usize, String, String)],
    counts: &mut [Counts],
    state: &mut State,
) -> redis::RedisResult<()> {
    let mut pipe = redis::pipe();
    for (_, _, new) in chunk {
        pipe.cmd("EXISTS").arg(new);
    }
    let exists = query_batch(con, &pipe, chunk.len(), state.timeout)?;
    for ((f, old, new), e) in chunk.iter().zip(exists) {
        let c = &mut counts[*f];
        if e == Value::Int(0) {
            c.would_rename += 1;
            continue;
        }
        match judge_pair(con, old, new)? {
            Pair::Duplicate(_) => c.duplicates += 1,
            Pair::OldGone => c.vanished += 1,
            Pair::Conflict(why) => {
                c.conflicts += 1;
                state.problems.push(why);
            }
        }
    }
    Ok(())
}

fn rename_batch(
    con: &mut redis::Connection,
    chunk: &[(usize, String, String)],
    counts: &mut [Counts],
    state: &mut State,
) -> redis::RedisResult<()> {
    let mut fallback: Vec<&(usize, String, String)> = Vec::new();
    if state.dump_restore {
        fallback.extend(chunk);
    } else {
        let mut pipe = redis::pipe();
        for (_, old, new) in chunk {
            pipe.cmd("RENAMENX").arg(old).arg(new);
        }
        let results = query_batch(con, &pipe, chunk.len(), state.timeout)?;
        for (item, r) in chunk.iter().zip(results) {
            let (f, old, new) = item;
            match r {
                Value::Int(1) => counts[*f].renamed += 1,
                Value::Int(0) => settle_conflict(con, old, new, &mut counts[*f], state)?,
                Value::ServerError(e) if e.details().is_some_and(|d| d.contains("no such key")) => {
                    counts[*f].vanished += 1
                }
                Value::ServerError(e) => {
                    if !state.dump_restore {
                        state.problems.push(format!(
                            "the server refused RENAMENX ({}): moving keys with DUMP/RESTORE+DEL instead",
                            e.details().unwrap_or(e.code())
                        ));
                        state.dump_restore = true;
                    }
                    fallback.push(item);
                }
                other => {
                    return Err(redis::RedisError::from((
                        redis::ErrorKind::UnexpectedReturnType,
                        "unexpected RENAMENX reply",
                        format!("{other:?}"),
                    )))
                }
            }
        }
    }
    for (f, old, new) in fallback {
        dump_restore(con, old, new, &mut counts[*f], state)?;
    }
    Ok(())
}

/// Both names exist. The same value and expiry under both (a DUMP/RESTORE interrupted before
/// its DEL): drop the old one, if it still holds that value. Otherwise leave both, and say so:
/// never delete what the dry run said it would keep.
fn settle_conflict(
    con: &mut redis::Connection,
    old: &str,
    new: &str,
    counts: &mut Counts,
    state: &mut State,
) -> redis::RedisResult<()> {
    match judge_pair(con, old, new)? {
        Pair::Duplicate(dump) => {
            // Only if the old key still holds that value (WATCH), else leave it for a rerun.
            redis::cmd("WATCH").arg(old).arg(new).exec(con)?;
            if judge_pair(con, old, new)? != Pair::Duplicate(dump) {
                redis::cmd("UNWATCH").exec(con)?;
                counts.vanished += 1;
                return Ok(());
            }
            let done: Value = redis::pipe().atomic().cmd("DEL").arg(old).query(con)?;
            if done == Value::Nil {
                counts.vanished += 1;
            } else {
                counts.duplicates += 1;
            }
        }
        Pair::OldGone => counts.vanished += 1,
        Pair::Conflict(why) => {
            counts.conflicts += 1;
            state.problems.push(why);
        }
    }
    Ok(())
}

/// Move one key with DUMP, then RESTORE and DEL in one transaction, under WATCH so that a
/// concurrent write to either name aborts it (and it is tried again).
fn dump_restore(
    con: &mut redis::Connection,
    old: &str,
    new: &str,
    counts: &mut Counts,
    state: &mut State,
) -> redis::RedisResult<()> {
    for _ in 0..5 {
        redis::cmd("WATCH").arg(old).arg(new).exec(con)?;
        let exists: i64 = redis::cmd("EXISTS").arg(new).query(con)?;
        if exists > 0 {
            redis::cmd("UNWATCH").exec(con)?;
            return settle_conflict(con, old, new, counts, state);
        }
        let dump: Option<Vec<u8>> = redis::cmd("DUMP").arg(old).query(con)?;
        let pttl: i64 = redis::cmd("PTTL").arg(old).query(con)?;
        let Some(dump) = dump.filter(|_| pttl != -2) else {
            redis::cmd("UNWATCH").exec(con)?;
            counts.vanished += 1;
            return Ok(());
        };
        let ttl = pttl.max(0);
        let result: Value = redis::pipe()
            .atomic()
            .cmd("RESTORE")
            .arg(new)
            .arg(ttl)
            .arg(dump)
            .cmd("DEL")
            .arg(old)
            .query(con)?;
        if result != Value::Nil {
            counts.renamed += 1;
            return Ok(());
        }
    }
    state.problems.push(format!(
        "`{old}` kept changing while being moved: left as it is; run migrate again"
    ));
    counts.conflicts += 1;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_never_shown() {
        assert_eq!(
            shown_url("redis://:s3cret@h:6379/2"),
            "redis://:***@h:6379/2"
        );
        assert_eq!(
            shown_url("redis://admin:s3cret@h:6379"),
            "redis://***:***@h:6379"
        );
        assert_eq!(shown_url("rediss://token@h"), "rediss://***@h");
        assert_eq!(shown_url("redis://h:6379/0"), "redis://h:6379/0");
        let url = "redis://admin:p%40ss%2Fw0rd@h:1/0";
        let s = Secrets::of(url);
        let scrubbed = s.scrub("auth p@ss/w0rd failed for admin at p%40ss%2Fw0rd");
        assert!(
            !scrubbed.contains("p@ss/w0rd") && !scrubbed.contains("p%40ss"),
            "{scrubbed}"
        );
        assert!(!scrubbed.contains("admin"), "{scrubbed}");
        assert_eq!(normalized_url("127.0.0.1:16399"), "redis://127.0.0.1:16399");
    }

    #[test]
    fn the_common_match_covers_every_family() {
        let mut plan = MigrationPlan::new();
        for (old, scan) in [
            ("user:{}:a", "user:*:a"),
            ("user:{}:b", "user:*:b"),
            ("users:{}", "users:*"),
        ] {
            plan.families.push(slotlint_fix::migration::PlanFamily {
                old: old.into(),
                new: String::new(),
                old_skeleton: old.into(),
                new_skeleton: String::new(),
                scan: scan.into(),
                tag: String::new(),
                applicability: "unsafe".into(),
                sites: Vec::new(),
            });
        }
        assert_eq!(common_match(&plan), "user*");
        plan.families[2].scan = "x\\*y:*".into();
        assert_eq!(common_match(&plan), "*");
    }

    #[test]
    fn expiries() {
        assert!(same_expiry(-1, -1));
        assert!(same_expiry(5000, 4800));
        assert!(
            !same_expiry(-1, 3_600_000),
            "persistent old, expiring new: not a duplicate"
        );
        assert!(!same_expiry(3_600_000, -1));
        assert!(!same_expiry(5000, 60_000));
    }
}
