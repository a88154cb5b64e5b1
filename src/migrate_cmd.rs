//! `cargo slotlint migrate`: rename existing keys on a standalone Redis per a fix plan (issue 4).
//!
//! For each family of the plan: SCAN MATCH its old glob; each key the plan's
//! [`slotlint_fix::Migrator`] recognizes is renamed to the name the rewritten code computes,
//! with RENAMENX (never overwriting), or DUMP/RESTORE+DEL under WATCH where the server refuses
//! RENAMENX. Keys of no family are never touched. A dry run (the default) only counts. Running
//! it again moves what is left: it is idempotent, and resumes an interrupted run.

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
    /// The standalone Redis that holds the keys: redis://[:PASSWORD@]HOST:PORT[/DB].
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
    /// Old and new both exist with different values: both left as they are.
    conflicts: u64,
    /// Old and new both exist with the same value (an interrupted DUMP/RESTORE): old removed.
    duplicates: u64,
    already_new: u64,
    no_family: u64,
    ambiguous: u64,
    /// Gone between SCAN and rename (another client).
    vanished: u64,
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
}

pub fn run(args: MigrateArgs) -> ExitCode {
    let text = match std::fs::read_to_string(&args.plan) {
        Ok(t) => t,
        Err(e) => return fail(format!("cannot read {}: {e}", args.plan.display())),
    };
    let plan = match MigrationPlan::from_json(&text) {
        Ok(p) => p,
        Err(e) => return fail(format!("{}: {e}", args.plan.display())),
    };
    let migrator = match Migrator::new(&plan) {
        Ok(m) => m,
        Err(e) => return fail(format!("{}: {e}", args.plan.display())),
    };
    let client = match redis::Client::open(args.from.as_str()) {
        Ok(c) => c,
        Err(e) => return fail(format!("--from {}: {e}", args.from)),
    };
    let mut con = match client.get_connection_with_timeout(Duration::from_secs(10)) {
        Ok(c) => c,
        Err(e) => return fail(format!("cannot connect to {}: {e}", args.from)),
    };
    match redis::cmd("INFO").arg("cluster").query::<String>(&mut con) {
        Ok(info) if info.contains("cluster_enabled:1") => {
            return fail(format!(
                "{} is a cluster node: migrate renames keys on the standalone server, before the move (on a cluster, the old and new names of a key live in different slots)",
                args.from
            ))
        }
        Ok(_) => {}
        Err(e) => return fail(format!("{}: INFO: {e}", args.from)),
    }
    let mode = if args.apply {
        ""
    } else {
        " (dry run: nothing is renamed; add --apply)"
    };
    eprintln!(
        "migrate: {} {} from {}{mode}",
        plan.families.len(),
        if plan.families.len() == 1 {
            "family"
        } else {
            "families"
        },
        args.from
    );
    let mut state = State {
        dump_restore: args.method == Method::DumpRestore,
        problems: Vec::new(),
    };
    let mut totals = Counts::default();
    for (i, fam) in plan.families.iter().enumerate() {
        let label = format!(
            "[{}/{}] `{}` -> `{}`",
            i + 1,
            plan.families.len(),
            fam.old,
            fam.new
        );
        let counts =
            match migrate_family(&mut con, &migrator, i, &fam.scan, &args, &label, &mut state) {
                Ok(c) => c,
                Err(e) => return fail(format!("{label}: {e}")),
            };
        eprintln!("migrate: {label}: {}", summary(&counts, args.apply));
        add(&mut totals, &counts);
    }
    for p in state.problems.iter().take(20) {
        eprintln!("migrate: {p}");
    }
    if state.problems.len() > 20 {
        eprintln!("migrate: … and {} more", state.problems.len() - 20);
    }
    eprintln!("migrate: total: {}", summary(&totals, args.apply));
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
    for (n, what) in [
        (
            c.conflicts,
            "conflicts (both names exist; left as they are)",
        ),
        (
            c.duplicates,
            "duplicates removed (both names held the same value)",
        ),
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
}

fn migrate_family(
    con: &mut redis::Connection,
    migrator: &Migrator,
    family: usize,
    glob: &str,
    args: &MigrateArgs,
    label: &str,
    state: &mut State,
) -> redis::RedisResult<Counts> {
    let mut counts = Counts::default();
    let mut cursor: u64 = 0;
    let mut last_report = Instant::now();
    loop {
        let (next, keys): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(glob)
            .arg("COUNT")
            .arg(args.batch.max(1))
            .query(con)?;
        let mut todo: Vec<(String, String)> = Vec::new();
        for raw in keys {
            counts.scanned += 1;
            let Ok(key) = String::from_utf8(raw) else {
                counts.no_family += 1;
                continue;
            };
            match migrator.classify(&key) {
                KeyFate::Rename { family: f, new } if f == family => todo.push((key, new)),
                // A key of another family: that family's SCAN finds it.
                KeyFate::Rename { .. } => counts.scanned -= 1,
                KeyFate::AlreadyNew { .. } => counts.already_new += 1,
                KeyFate::NoFamily => counts.no_family += 1,
                KeyFate::Ambiguous { names } => {
                    counts.ambiguous += 1;
                    state.problems.push(format!(
                        "`{key}` is a key of several families (it would become one of {}): left alone; rename it by hand",
                        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                    ));
                }
            }
        }
        for chunk in todo.chunks(args.batch.max(1)) {
            if args.apply {
                rename_batch(con, chunk, &mut counts, state)?;
            } else {
                count_batch(con, chunk, &mut counts, state)?;
            }
        }
        if last_report.elapsed() >= Duration::from_millis(500) {
            eprintln!("migrate: {label}: {}…", summary(&counts, args.apply));
            last_report = Instant::now();
        }
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    Ok(counts)
}

/// Dry run: would each key be renamed, or does its new name exist already?
fn count_batch(
    con: &mut redis::Connection,
    chunk: &[(String, String)],
    counts: &mut Counts,
    state: &mut State,
) -> redis::RedisResult<()> {
    let mut pipe = redis::pipe();
    for (_, new) in chunk {
        pipe.cmd("EXISTS").arg(new);
    }
    let exists: Vec<i64> = pipe.query(con)?;
    for ((old, new), e) in chunk.iter().zip(exists) {
        if e == 0 {
            counts.would_rename += 1;
        } else {
            counts.conflicts += 1;
            state.problems.push(format!(
                "`{old}`: `{new}` exists already: it would be left as it is"
            ));
        }
    }
    Ok(())
}

fn rename_batch(
    con: &mut redis::Connection,
    chunk: &[(String, String)],
    counts: &mut Counts,
    state: &mut State,
) -> redis::RedisResult<()> {
    let mut fallback: Vec<&(String, String)> = Vec::new();
    if state.dump_restore {
        fallback.extend(chunk);
    } else {
        let mut pipe = redis::pipe();
        pipe.ignore_errors();
        for (old, new) in chunk {
            pipe.cmd("RENAMENX").arg(old).arg(new);
        }
        let results: Vec<Value> = pipe.query(con)?;
        for (pair, r) in chunk.iter().zip(results) {
            match r {
                Value::Int(1) => counts.renamed += 1,
                Value::Int(0) => settle_conflict(con, &pair.0, &pair.1, counts, state)?,
                Value::ServerError(e) if e.details().is_some_and(|d| d.contains("no such key")) => {
                    counts.vanished += 1
                }
                Value::ServerError(e) => {
                    if !state.dump_restore {
                        state.problems.push(format!(
                            "the server refused RENAMENX ({}): moving keys with DUMP/RESTORE+DEL instead",
                            e.details().unwrap_or(e.code())
                        ));
                        state.dump_restore = true;
                    }
                    fallback.push(pair);
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
    for (old, new) in fallback {
        dump_restore(con, old, new, counts, state)?;
    }
    Ok(())
}

/// Both names exist. The same value under both (a DUMP/RESTORE interrupted before its DEL):
/// drop the old one. Different values: leave both, and say so.
fn settle_conflict(
    con: &mut redis::Connection,
    old: &str,
    new: &str,
    counts: &mut Counts,
    state: &mut State,
) -> redis::RedisResult<()> {
    let (a, b): (Option<Vec<u8>>, Option<Vec<u8>>) = redis::pipe()
        .cmd("DUMP")
        .arg(old)
        .cmd("DUMP")
        .arg(new)
        .query(con)?;
    match (a, b) {
        (Some(a), Some(b)) if a == b => {
            // Only if the old key still holds that value (WATCH), else leave it for a rerun.
            redis::cmd("WATCH").arg(old).exec(con)?;
            let again: Option<Vec<u8>> = redis::cmd("DUMP").arg(old).query(con)?;
            if again.as_deref() != Some(&a[..]) {
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
        (None, _) => counts.vanished += 1,
        _ => {
            counts.conflicts += 1;
            state.problems.push(format!(
                "`{old}`: `{new}` exists already with another value: both left as they are; merge them by hand"
            ));
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
