//! `cross-slot-script`: a Lua script or function called with keys in different hash slots.

use super::cross_slot_command::spans_word;
use super::verdict::{explain, judge, refused_severity, tag_help, Verdict};
use super::{Finding, Rule, RuleContext};
use crate::diagnostic::Severity;
use crate::redis_api::{cross_slot_behaviour, CrossSlotBehaviour};
use crate::sites::{CallSite, SiteKind};

pub const RULE: Rule = Rule {
    name: "cross-slot-script",
    code: "SL103",
    severity: Severity::Error,
    summary:
        "a script call (`Script`, EVAL, EVALSHA, FCALL) whose keys can land in different hash slots",
    docs: r#"## What it finds
`redis::Script::new(..).key(a).key(b).invoke(..)` / `invoke_async`, `prepare_invoke()` built over
several statements, `con.invoke_script(&inv)`, and raw `EVAL`/`EVALSHA`/`FCALL` commands whose
`KEYS` are not proven to share one hash slot.

## Why it breaks on a cluster
A script runs on one node and may only touch keys of one slot. `Script` sends `EVALSHA` (and
`SCRIPT LOAD`, then `EVALSHA` again, when the server does not know the script) to the node of
the first key; if another key hashes elsewhere the server answers `CROSSSLOT` and nothing in the
script runs. `FCALL` is routed the same way. From redis 0.29.2 to 0.32.6 the cluster client
checks `EVAL`/`EVALSHA` keys itself: the sync connection refuses the call before sending it, the
async one sends it to a random node, which answers `CROSSSLOT`. Keys a script builds itself
rather than receiving in `KEYS` are `undeclared-script-key`'s.

## Example
```rust
LIMITER.key(format!("rate:{user}")).key(format!("quota:{user}")).invoke_async(&mut con).await?;
```

## Fix
Give every key a script touches the same hash tag: `format!("rate:{{{user}}}")`,
`format!("quota:{{{user}}}")`.
"#,
    fixable: true,
    check: Some(check),
};

fn check(input: &super::Input<'_>, sink: &mut super::Sink) {
    super::each_site(input, sink, check_site);
}

fn check_site(site: &CallSite, cx: &RuleContext<'_>) -> Option<super::Found> {
    let SiteKind::Script { command, keys, .. } = &site.kind else {
        return None;
    };
    let verdict = judge(keys);
    let severity = refused_severity(&verdict)?;
    let (message, label) = match &verdict {
        Verdict::Unknown => (format!("slotlint cannot tell whether the keys of this script ({command}) share a hash slot"), "script keys slotlint could not resolve".to_owned()),
        Verdict::Spans { .. } if severity == Severity::Warning => {
            (format!("the keys of this script ({command}) may land in different hash slots, depending on {}", super::verdict::depends_on(&verdict)), "the server answers CROSSSLOT if they do".to_owned())
        }
        _ => {
            let how = match cross_slot_behaviour(command, cx.version) {
                CrossSlotBehaviour::RefusedByClient => "redis-rs refuses it before sending",
                _ => "a cluster answers CROSSSLOT",
            };
            (format!("the keys of this script ({command}) {} different hash slots: {how}", spans_word(&verdict)), format!("{command} runs on the node of its first key"))
        }
    };
    let notes = explain(keys, &verdict).into_iter().collect();
    let help = tag_help(keys, true);
    Some(
        Finding {
            rule: &RULE,
            severity,
            message,
            primary_label: label,
            keys,
            notes,
            help,
        }
        .into_found(site, cx),
    )
}
