//! `cross-slot-command`: one command naming keys in different hash slots.

use super::verdict::{explain, judge, refused_severity, tag_help, Verdict};
use super::{Finding, Rule, RuleContext};
use crate::diagnostic::Severity;
use crate::redis_api::{cross_slot_behaviour, CrossSlotBehaviour};
use crate::sites::{CallSite, SiteKind};

pub const RULE: Rule = Rule {
    name: "cross-slot-command",
    code: "SL101",
    severity: Severity::Error,
    summary: "a multi-key command (RENAME, SMOVE, ZUNIONSTORE, BLPOP, MGET…) whose keys can land in different hash slots",
    docs: r#"## What it finds
A single command that names several keys (`MGET`, `DEL k1 k2`, `RENAME`, `SMOVE`, `SUNIONSTORE`,
`BLPOP k1 k2`, `LMOVE`, `ZUNIONSTORE`, `PFMERGE`, `XREAD` over several streams, `MSETNX`…) whose
keys are not proven to hash to one slot: through redis-rs methods (`con.rename(a, b)`), `Cmd::`
constructors, UFCS calls (`Commands::del(&mut con, ..)`) and raw `redis::cmd("…").arg(..)`.
Before redis 1.0 any key parameter may take a collection: `con.get(&keys)` sends `MGET`.

## Why it breaks on a cluster
Redis Cluster only runs a multi-key command when every key hashes to the same slot; otherwise it
answers `CROSSSLOT Keys in request don't hash to the same slot`. redis-rs's cluster client sends
a multi-key command to the node of one key (the first, or the destination) and does not look at
the others, with a few exceptions that it splits into one command per slot: `MGET`, `DEL`,
`EXISTS`, `UNLINK`, `TOUCH` and `MSET` since redis 0.23.4, and `WATCH`, `JSON.MGET` and
`JSON.MSET` since 0.32.7. A split command works but is no longer atomic: a split `MSET` can
apply half its keys. `MSETNX` and `MSETEX` are never split, and inside a pipeline or a
transaction nothing is. From 0.29.2 to 0.32.6 the sync cluster client refuses `PFCOUNT` and
`PFMERGE` over several slots before sending them.

Severity: `error` when the keys are certainly or near-certainly in different slots and the command
is not split; `warning` when redis-rs splits it (for the redis version in `Cargo.lock`), or when
only run-time values decide; `note` when slotlint cannot resolve the keys.

## Example
```rust
// error: `user:<id>:profile` and `user:<id>:settings` differ outside any hash tag
con.rename(format!("user:{id}:profile"), format!("user:{id}:settings"))?;
```

## Fix
Put the part that names the shared entity in a hash tag, so that only it is hashed:
```rust
con.rename(format!("{{user:{id}}}:profile"), format!("{{user:{id}}}:settings"))?;
```
Keys that share nothing need one command per key (or per slot) instead.
"#,
    fixable: true,
    check: Some(check),
};

fn check(input: &super::Input<'_>, sink: &mut super::Sink) {
    super::each_site(input, sink, check_site);
}

fn check_site(site: &CallSite, cx: &RuleContext<'_>) -> Option<super::Found> {
    let SiteKind::Command(cmd) = &site.kind else {
        return None;
    };
    let verdict = judge(&cmd.keys);
    let mut severity = refused_severity(&verdict)?;
    let name = &cmd.name;
    let behaviour = cross_slot_behaviour(name, cx.version);
    let mut notes = Vec::new();
    notes.extend(explain(&cmd.keys, &verdict));
    if let Some(method) = cmd
        .method
        .as_deref()
        .and_then(|m| crate::redis_api::method(m, cx.version))
    {
        if method.multi_key_command == Some(name.as_str()) {
            notes.push(format!(
                "before redis 1.0, `{}` with several keys sends `{name}` ({})",
                method.name,
                cx.version_text()
            ));
        }
    }
    if let (Some(since), CrossSlotBehaviour::Refused) =
        (crate::redis_api::split_since(name), behaviour)
    {
        notes.push(format!(
            "redis-rs splits `{name}` per slot only since {}.{}.{}; this crate uses {}",
            since.0,
            since.1,
            since.2,
            cx.version_text()
        ));
    }
    let (message, label) = match (&verdict, behaviour) {
        (Verdict::Unknown, _) => (
            format!("slotlint cannot tell whether the keys of `{name}` share a hash slot"),
            format!("{name} with keys slotlint could not resolve"),
        ),
        (_, CrossSlotBehaviour::Split { since }) => {
            severity = Severity::Warning;
            notes.push(format!(
                "since redis {}.{}.{}, the cluster client splits `{name}` into one command per slot and merges the replies ({})",
                since.0,
                since.1,
                since.2,
                cx.version_text()
            ));
            (
                format!("`{name}` keys {} different hash slots: redis-rs splits it per slot, so it works but is no longer atomic", spans_word(&verdict)),
                format!("{name} split into one command per slot"),
            )
        }
        (_, CrossSlotBehaviour::RefusedByClient) => (
            format!(
                "`{name}` keys {} different hash slots: redis-rs refuses it before sending",
                spans_word(&verdict)
            ),
            format!("{name} across slots is unroutable in {}", cx.version_text()),
        ),
        (_, CrossSlotBehaviour::Refused) => {
            let mut message = format!(
                "`{name}` keys {} different hash slots: a cluster answers CROSSSLOT",
                spans_word(&verdict)
            );
            if severity == Severity::Warning {
                message = format!(
                    "`{name}` keys may land in different hash slots, depending on {}",
                    super::verdict::depends_on(&verdict)
                );
            }
            (
                message,
                format!("{name} is sent to the node of one key; the others must be in its slot"),
            )
        }
    };
    let help = match verdict {
        Verdict::Unknown => Some("pass keys slotlint can follow (literals, `format!`, helpers of this crate), or give them one hash tag".into()),
        _ => tag_help(&cmd.keys, !matches!(behaviour, CrossSlotBehaviour::Split { .. })),
    };
    Some(
        Finding {
            rule: &RULE,
            severity,
            message,
            primary_label: label,
            keys: &cmd.keys,
            notes,
            help,
        }
        .into_found(site, cx),
    )
}

pub(crate) fn spans_word(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Spans {
            certainty: slotlint_keys::Certainty::Certain,
            ..
        } => "are in",
        Verdict::Spans {
            certainty: slotlint_keys::Certainty::NearCertain,
            ..
        } => "land in",
        _ => "may land in",
    }
}
