//! `non-zero-database`: a database other than 0 — a cluster only has database 0.

use super::Rule;
use super::{finding, Input, Sink};
use crate::diagnostic::{Diagnostic, Severity};
use crate::facts::DatabaseKind;
use crate::sites::CommandCall;

pub const RULE: Rule = Rule {
    name: "non-zero-database",
    code: "SL202",
    severity: Severity::Error,
    summary: "a database other than 0 (`redis://host/3`, `db: 3`, SELECT, SWAPDB, MOVE, COPY … DB): a cluster has only database 0",
    docs: r#"## What it finds
- connection URLs that select a database other than 0, in string literals, constants and
  `format!` strings: `redis://host:6379/3`, `rediss://…/3`, `redis+unix:///path?db=3`;
- connection settings with a database: `RedisConnectionInfo { db: 3, .. }` (redis 0.x,
  deadpool-redis), `.set_db(3)` (redis 1.x), `ClusterClientBuilder::database_id(3)`;
- `CopyOptions::default().db(3)`, and the raw commands `SELECT n` (n ≠ 0), `SWAPDB`,
  `MOVE key db`, `COPY src dst DB n`.

`redis://host/0`, `redis://host:6379` and `SELECT 0` are fine. A database that only run-time
values decide (`SELECT` or `COPY … DB` with a variable) is a warning.

## Why it breaks on a cluster
Redis Cluster has a single database, 0. `SELECT 1` answers `ERR SELECT is not allowed in cluster
mode`; `SWAPDB` and `MOVE` are refused the same way, and `COPY … DB n` answers `ERR Copying to
another database is not allowed in cluster mode` (observed on Redis 7.0). redis-rs's cluster
client ignores the database of its node URLs before redis 1.3 — data meant for database 3
silently lands in database 0, next to everything else — and sends `SELECT` from 1.3 on, which
the cluster refuses. (Valkey 9 can be configured with several cluster databases; Redis cannot.)

## Example
```rust
let client = redis::Client::open("redis://cache:6379/3")?;
```

## Fix
Use database 0 (`redis://cache:6379`), and keep data sets apart by key prefix instead of by
database (`cache:…`, `session:…`). To empty one data set, delete its keys (by an index set or a
SCAN per primary) rather than `FLUSHDB` on a separate database.
"#,
    fixable: false,
    check: Some(check),
};

fn version_note(view: &Input<'_>, db: i64) -> String {
    let mut note = format!("a client connecting with it sends `SELECT {db}`, which a cluster refuses: `ERR SELECT is not allowed in cluster mode`");
    if view.version < (1, 3, 0) {
        note.push_str(&format!("; redis-rs's cluster client ignores the database before 1.3 ({}), so there the data silently lands in database 0", view.version_text()));
    }
    note
}

fn check(view: &Input<'_>, sink: &mut Sink) {
    sink.diagnostics.extend(findings(view));
}

fn findings(view: &Input<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, facts) in view.facts.files.iter().enumerate() {
        for u in &facts.databases {
            let Some(db) = u.db else { continue };
            if !view.live(i, u.span.start) {
                continue;
            }
            let (message, label, help) = match u.kind {
                DatabaseKind::Url => (
                    format!("this URL selects database {db}: a Redis Cluster only has database 0"),
                    format!("database {db}"),
                    if u.what.contains("db=") {
                        format!("drop `db={db}` (or use database 0) and keep data sets apart by key prefix")
                    } else {
                        format!("drop the `/{db}` (or use database 0) and keep data sets apart by key prefix")
                    },
                ),
                DatabaseKind::ConnectionInfo => (
                    format!("`{}` selects database {db}: a Redis Cluster only has database 0", u.what),
                    format!("database {db}"),
                    "leave the database at 0 and keep data sets apart by key prefix".into(),
                ),
                DatabaseKind::ClusterDatabaseId => (
                    format!("`{}` asks the cluster for database {db}: a Redis Cluster only has database 0", u.what),
                    format!("database {db}"),
                    "remove `.database_id(..)`; keep data sets apart by key prefix".into(),
                ),
                DatabaseKind::CopyOptions => (
                    format!("`{}` copies into database {db}: a cluster answers `ERR Copying to another database is not allowed in cluster mode`", u.what),
                    format!("COPY … DB {db}"),
                    "copy within database 0 (`CopyOptions::default()`), to a key with the source's hash tag".into(),
                ),
            };
            let mut d = finding(
                &RULE,
                Severity::Error,
                view.display(i),
                u.span,
                u.span,
                message,
                label,
            );
            if u.kind != DatabaseKind::CopyOptions {
                d.notes.push(version_note(view, db));
            }
            d.help = Some(help);
            out.push(d);
        }
    }
    for (i, site) in view.live_sites() {
        for (cmd, span, focus) in site.commands() {
            if let Some((severity, message, label)) = raw_command(cmd) {
                let mut d = finding(
                    &RULE,
                    severity,
                    view.display(i),
                    span,
                    focus,
                    message,
                    label,
                );
                d.help = Some(
                    "stay in database 0 and keep data sets apart by key prefix (`cache:…`)".into(),
                );
                out.push(d);
            }
        }
    }
    out
}

/// SELECT / SWAPDB / MOVE / COPY … DB: severity, message, label.
fn raw_command(cmd: &CommandCall) -> Option<(Severity, String, String)> {
    let arg = |i: usize| cmd.argv.get(i).cloned().flatten();
    match cmd.name.as_str() {
        "SELECT" => match arg(0) {
            Some(n) if n.trim() == "0" => None,
            Some(n) => Some((
                Severity::Error,
                format!("`SELECT {n}`: a cluster answers `ERR SELECT is not allowed in cluster mode` (it only has database 0)"),
                format!("database {n}"),
            )),
            None if cmd.argv.is_empty() => None,
            None => Some((
                Severity::Warning,
                "`SELECT` with a database known only at run time: a cluster refuses every database but 0".into(),
                "SELECT".into(),
            )),
        },
        "SWAPDB" => Some((
            Severity::Error,
            "`SWAPDB`: a cluster answers `ERR SWAPDB is not allowed in cluster mode` (it only has database 0)".into(),
            "SWAPDB".into(),
        )),
        "MOVE" => Some((
            Severity::Error,
            "`MOVE key db`: a cluster answers `ERR MOVE is not allowed in cluster mode` (it only has database 0)".into(),
            "MOVE to another database".into(),
        )),
        "COPY" => {
            let at = cmd
                .argv
                .iter()
                .position(|a| a.as_deref().is_some_and(|a| a.eq_ignore_ascii_case("DB")))?;
            match arg(at + 1) {
                Some(n) if n.trim() == "0" => None,
                Some(n) => Some((
                    Severity::Error,
                    format!("`COPY … DB {n}`: a cluster answers `ERR Copying to another database is not allowed in cluster mode`"),
                    format!("database {n}"),
                )),
                None => Some((
                    Severity::Warning,
                    "`COPY … DB` with a database known only at run time: a cluster refuses every database but 0".into(),
                    "COPY … DB".into(),
                )),
            }
        }
        _ => None,
    }
}
