//! `sort-pattern`: SORT / SORT_RO with a BY or GET pattern, refused in cluster mode.

use super::Rule;
use super::{finding, Input, Sink};
use crate::diagnostic::{Diagnostic, Severity};
use crate::sites::CommandCall;

pub const RULE: Rule = Rule {
    name: "sort-pattern",
    code: "SL206",
    severity: Severity::Error,
    summary: "SORT / SORT_RO with a BY or GET pattern (refused in cluster mode on Redis 7.0)",
    docs: r#"## What it finds
`SORT` and `SORT_RO` (raw commands, also inside pipelines) with `BY <pattern>` where the pattern
contains `*`, or with any `GET` option (`GET o_*`, `GET #`). `BY nosort` and a `BY` without `*`
are fine. A `BY` argument known only at run time is a warning.

## Why it breaks on a cluster
The keys a pattern forms come from the data, so their slots are unknown. Redis 7.0 refuses every
such option in cluster mode, even when the pattern carries the hash tag of the sorted key, and
even `GET #`: `ERR BY option of SORT denied in Cluster mode.` / `ERR GET option of SORT denied in
Cluster mode.` (observed on 7.0.15). Redis 7.4 and later accept a pattern whose hash tag maps to
the sorted key's slot.

## Example
```rust
let ids: Vec<String> = redis::cmd("SORT").arg("leaders").arg("BY").arg("score_*").arg("GET").arg("name_*").query(&mut con)?;
```

## Fix
Keep the sort weight where Redis can sort by it (a sorted set: `ZADD` and `ZRANGE`), or sort in
the application after fetching the weights with `MGET`/`HMGET` of keys in the list's slot.
`SORT key` / `SORT key BY nosort` without `GET` stay available.
"#,
    fixable: false,
    check: Some(check),
};

/// Problems in SORT's options: (refused for sure, option text).
fn options(cmd: &CommandCall) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    // argv[0] is the key; options follow.
    let mut i = 1;
    while i < cmd.argv.len() {
        let word = cmd.argv[i].as_deref().map(str::to_ascii_uppercase);
        let next = cmd.argv.get(i + 1).cloned().flatten();
        match word.as_deref() {
            Some("BY") => {
                match &next {
                    Some(p) if p.contains('*') => out.push((true, format!("BY {p}"))),
                    Some(_) => {}
                    None => out.push((false, "BY <run-time value>".into())),
                }
                i += 2;
            }
            Some("GET") => {
                out.push((
                    true,
                    format!("GET {}", next.as_deref().unwrap_or("<run-time value>")),
                ));
                i += 2;
            }
            Some("LIMIT") => i += 3,
            Some("STORE") => i += 2,
            _ => i += 1,
        }
    }
    out
}

fn check(view: &Input<'_>, sink: &mut Sink) {
    sink.diagnostics.extend(findings(view));
}

fn findings(view: &Input<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, site) in view.live_sites() {
        for (cmd, span, focus) in site.commands() {
            if cmd.name != "SORT" && cmd.name != "SORT_RO" {
                continue;
            }
            let found = options(cmd);
            if found.is_empty() {
                continue;
            }
            let certain = found.iter().any(|(c, _)| *c);
            let list: Vec<String> = found.iter().map(|(_, t)| format!("`{t}`")).collect();
            let first = found
                .iter()
                .find(|(c, _)| *c == certain)
                .map(|(_, t)| t.split(' ').next().unwrap_or("BY").to_owned())
                .unwrap_or_else(|| "BY".into());
            let (severity, message) = if certain {
                (
                    Severity::Error,
                    format!(
                        "`{}` with {}: a cluster answers `ERR {first} option of SORT denied in Cluster mode.`",
                        cmd.name,
                        list.join(", ")
                    ),
                )
            } else {
                (
                    Severity::Warning,
                    format!(
                        "`{}` with a BY pattern known only at run time: a cluster refuses any pattern with `*`",
                        cmd.name
                    ),
                )
            };
            let mut d = finding(
                &RULE,
                severity,
                view.display(i),
                span,
                focus,
                message,
                "the keys a pattern forms come from the data, in unknown slots".into(),
            );
            d.notes.push("Redis 7.0 refuses BY/GET patterns in cluster mode even with a hash tag of the sorted key's slot, and even `GET #`; Redis 7.4+ accepts a pattern whose tag maps to that slot".into());
            d.help = Some("keep the weights in a sorted set (`ZADD`, `ZRANGE`), or sort in the application after `MGET`/`HMGET` of keys in the list's slot".into());
            out.push(d);
        }
    }
    out
}
