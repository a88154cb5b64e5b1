//! `cross-slot-transaction`: MULTI/EXEC (`pipe().atomic()`, `redis::transaction`) and WATCH
//! over keys in different hash slots.

use super::cross_slot_command::spans_word;
use super::verdict::{explain, judge, refused_severity, tag_help, Verdict};
use super::{Finding, Rule, RuleContext};
use crate::diagnostic::{Diagnostic, Severity};
use crate::sites::{CallSite, KeyArg, SiteKind};

pub const RULE: Rule = Rule {
    name: "cross-slot-transaction",
    code: "SL102",
    severity: Severity::Error,
    summary: "a MULTI/EXEC transaction or WATCH whose keys can land in different hash slots",
    docs: r#"## What it finds
Atomic pipelines (`redis::pipe().atomic()…query(..)`), `redis::transaction(con, &keys, |con, pipe| ..)`
and `redis::aio::transaction_async(..)` whose watched and queued keys are not proven to share one
hash slot.

## Why it breaks on a cluster
A transaction runs on one node, and Redis Cluster requires every key of a MULTI/EXEC to be in one
slot. The commands are all `QUEUED`, then `EXEC` fails with `CROSSSLOT` — nothing is applied, and
the error shows up far from the command that caused it. WATCH on keys of several nodes cannot
guard a transaction that runs on one of them. redis-rs's sync cluster connection cannot run
transactions at all; the async one sends the whole transaction to one node.

## Example
```rust
redis::pipe().atomic()
    .decr(format!("stock:{item}"), 1)
    .incr(format!("reserved:{item}"), 1)
    .query_async(&mut con).await?;
```

## Fix
Key everything a transaction touches by the entity it protects, in one hash tag:
`format!("stock:{{{item}}}")` and `format!("reserved:{{{item}}}")` both hash `{item}` only.
"#,
};

pub fn check(site: &CallSite, cx: &RuleContext<'_>) -> Option<Diagnostic> {
    let (keys, what): (Vec<KeyArg>, String) = match &site.kind {
        SiteKind::Pipeline {
            atomic: true,
            commands,
            ..
        } => (
            commands
                .iter()
                .flat_map(|c| c.keys.iter().cloned())
                .collect(),
            "MULTI/EXEC pipeline".into(),
        ),
        SiteKind::Transaction {
            api,
            watch,
            commands,
        } => (
            watch
                .iter()
                .cloned()
                .chain(commands.iter().flat_map(|c| c.keys.iter().cloned()))
                .collect(),
            format!("`{api}`"),
        ),
        _ => return None,
    };
    let verdict = judge(&keys);
    let severity = refused_severity(&verdict)?;
    let command_names: Vec<String> = match &site.kind {
        SiteKind::Pipeline { commands, .. } | SiteKind::Transaction { commands, .. } => {
            commands.iter().map(|c| c.name.clone()).collect()
        }
        _ => Vec::new(),
    };
    let (message, label) = match &verdict {
        Verdict::Unknown => (format!("slotlint cannot tell whether the keys of this {what} share a hash slot"), "keys slotlint could not resolve".to_owned()),
        Verdict::Spans { .. } if severity == Severity::Warning => {
            (format!("the keys of this {what} may land in different hash slots, depending on run-time values"), "EXEC fails with CROSSSLOT if they do".to_owned())
        }
        _ => (format!("the keys of this {what} {} different hash slots: a cluster fails EXEC with CROSSSLOT", spans_word(&verdict)), "the whole transaction must run in one slot".to_owned()),
    };
    let mut notes: Vec<String> = explain(&keys, &verdict).into_iter().collect();
    if !command_names.is_empty() {
        notes.push(format!("queued: {}", command_names.join(", ")));
    }
    let help = tag_help(&keys, true);
    Some(
        Finding {
            rule: &RULE,
            severity,
            message,
            primary_label: label,
            keys: &keys,
            notes,
            help,
        }
        .into_diagnostic(site, cx),
    )
}
