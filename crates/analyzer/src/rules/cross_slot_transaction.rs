//! `cross-slot-transaction`: MULTI/EXEC (`pipe().atomic()`, `redis::transaction`) and WATCH
//! over keys in different hash slots.

use super::cross_slot_command::spans_word;
use super::verdict::{explain, judge, refused_severity, tag_help, Verdict};
use super::{Finding, Rule, RuleContext};
use crate::diagnostic::Severity;
use crate::sites::{CallSite, KeyArg, SiteKind};

pub const RULE: Rule = Rule {
    name: "cross-slot-transaction",
    code: "SL102",
    severity: Severity::Error,
    summary: "a transaction (`pipe().atomic()`, `redis::transaction`, `transaction_async`) or its WATCH over keys that can land in different hash slots",
    docs: r#"## What it finds
Atomic pipelines (`redis::pipe().atomic()…query(..)`), `redis::transaction(con, &keys, |con, pipe| ..)`
and `redis::aio::transaction_async(..)` whose queued keys are not proven to share one hash slot,
or whose watched keys are not proven to share the slot of the queued ones.

## Why it breaks on a cluster
A transaction runs on one node, and Redis Cluster requires every key of a MULTI/EXEC to be in one
slot: the commands are queued, then `EXEC` fails with `CROSSSLOT` (a command whose slot another
node serves is answered `MOVED` while queuing, and `EXEC` then aborts). Nothing is applied, and
the error shows up far from the command that caused it. redis-rs's async cluster connection
sends a transaction to one node by the same rule as a pipeline (since redis 0.23.4 it refuses
one whose commands target different slots before sending); its sync cluster connection cannot
run transactions at all.

Watched keys outside the transaction's slot are a quieter hazard: since redis 0.32.7 the cluster
client splits WATCH per slot, so the WATCH lands on other nodes than the EXEC, the transaction
runs, and a concurrent change to those keys does not abort it (a `warning`). Before 0.32.7 a
WATCH over several slots is itself refused with `CROSSSLOT` (an `error`).

## Example
```rust
redis::pipe().atomic()
    .decr(format!("stock:{item}"), 1)
    .incr(format!("reserved:{item}"), 1)
    .query_async(&mut con).await?;
```

## Fix
Key everything a transaction touches by the entity it protects, in one hash tag:
`format!("stock:{{{item}}}")` and `format!("reserved:{{{item}}}")` build `stock:{42}` and
`reserved:{42}`, of which only `42` is hashed.
"#,
    fixable: true,
    check: Some(check),
};

fn check(input: &super::Input<'_>, sink: &mut super::Sink) {
    super::each_site(input, sink, check_site);
}

fn check_site(site: &CallSite, cx: &RuleContext<'_>) -> Option<super::Found> {
    let (watch, commands, what): (&[KeyArg], &[crate::sites::CommandCall], String) =
        match &site.kind {
            SiteKind::Pipeline {
                atomic: true,
                commands,
                ..
            } => (&[], commands, "MULTI/EXEC pipeline".into()),
            SiteKind::Transaction {
                api,
                watch,
                commands,
            } => (watch, commands, format!("`{api}`")),
            _ => return None,
        };
    let queued: Vec<KeyArg> = commands
        .iter()
        .flat_map(|c| c.keys.iter().cloned())
        .collect();
    let all: Vec<KeyArg> = watch
        .iter()
        .cloned()
        .chain(queued.iter().cloned())
        .collect();
    let queued_verdict = judge(&queued);
    let names: Vec<String> = commands.iter().map(|c| c.name.clone()).collect();
    let mut notes = Vec::new();
    if queued_verdict != Verdict::SameSlot {
        // The queued commands themselves span slots: EXEC fails.
        let severity = refused_severity(&queued_verdict)?;
        let (message, label) = match &queued_verdict {
            Verdict::Unknown => (format!("slotlint cannot tell whether the keys of this {what} share a hash slot"), "keys slotlint could not resolve".to_owned()),
            Verdict::Spans { .. } if severity == Severity::Warning => {
                (format!("the keys of this {what} may land in different hash slots, depending on {}", super::verdict::depends_on(&queued_verdict)), "EXEC fails with CROSSSLOT if they do".to_owned())
            }
            _ => (
                format!("the keys of this {what} {} different hash slots: a cluster fails EXEC with CROSSSLOT", spans_word(&queued_verdict)),
                "the whole transaction must run in one slot".to_owned(),
            ),
        };
        notes.extend(explain(&queued, &queued_verdict));
        if !names.is_empty() {
            notes.push(format!("queued: {}", names.join(", ")));
        }
        let help = tag_help(&all, true);
        return Some(
            Finding {
                rule: &RULE,
                severity,
                message,
                primary_label: label,
                keys: &all,
                notes,
                help,
            }
            .into_found(site, cx),
        );
    }
    // The queued commands share a slot; the watched keys may not.
    let verdict = judge(&all);
    let severity = refused_severity(&verdict)?;
    let watch_verdict = judge(watch);
    let watch_split =
        crate::redis_api::split_since("WATCH").is_some_and(|since| cx.version >= since);
    let (severity, message, label) = match (&watch_verdict, watch_split) {
        (Verdict::Spans { certainty: slotlint_keys::Certainty::Certain | slotlint_keys::Certainty::NearCertain, .. }, false) => (
            Severity::Error,
            format!("the WATCH keys of this {what} {} different hash slots: a cluster answers CROSSSLOT to WATCH", spans_word(&watch_verdict)),
            "WATCH across slots".to_owned(),
        ),
        _ if verdict == Verdict::Unknown => (Severity::Note, format!("slotlint cannot tell whether the watched keys of this {what} share the transaction's slot"), "keys slotlint could not resolve".to_owned()),
        // A `WATCH` sent by hand before a MULTI/EXEC of this function.
        _ if commands.is_empty() => (
            severity.min(Severity::Warning),
            format!("the keys this {what} watches {} different hash slots: the watch does not guard the MULTI/EXEC that follows", spans_word(&watch_verdict)),
            "WATCH split per slot".to_owned(),
        ),
        _ => (
            severity.min(Severity::Warning),
            format!("this {what} watches keys outside the slot of its commands: it runs, but the watch does not guard it"),
            "WATCH and MULTI/EXEC end up on different nodes".to_owned(),
        ),
    };
    notes.extend(explain(&all, &verdict));
    if watch_split {
        notes.push("since redis 0.32.7 the cluster client splits WATCH per slot, and EXEC runs on the node of the queued commands: a change to a watched key on another node does not abort it".into());
    }
    let help = tag_help(&all, true);
    Some(
        Finding {
            rule: &RULE,
            severity,
            message,
            primary_label: label,
            keys: &all,
            notes,
            help,
        }
        .into_found(site, cx),
    )
}
