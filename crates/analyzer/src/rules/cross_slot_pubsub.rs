//! `cross-slot-pubsub`: shard channels of one SSUBSCRIBE in different slots; sharded and classic
//! pub/sub on the same channel, which never meet.

use slotlint_keys::{can_be_equal, Hole, KeyPattern};

use super::verdict::{explain, judge, key_infos, key_labels, refused_severity, tag_help, Verdict};
use super::Rule;
use super::{finding, Input, Sink};
use crate::diagnostic::{Diagnostic, Severity};
use crate::sites::{CallSite, KeyArg, PubSubKind, SiteKind};

pub const RULE: Rule = Rule {
    name: "cross-slot-pubsub",
    code: "SL205",
    severity: Severity::Error,
    summary: "SSUBSCRIBE over shard channels in different slots; SPUBLISH and SUBSCRIBE (or PUBLISH and SSUBSCRIBE) that never meet",
    docs: r#"## What it finds
- `SSUBSCRIBE` / `SUNSUBSCRIBE` (`pubsub.ssubscribe(&[a, b])`, the cluster connection's
  `ssubscribe`, raw `cmd("SSUBSCRIBE").arg(a).arg(b)`) naming shard channels that are not proven
  to share a hash slot: an error when they certainly differ, a warning when run-time values
  decide, a note when slotlint cannot resolve them;
- a `note` where a channel is published with `SPUBLISH` but only subscribed with
  `SUBSCRIBE`/`PSUBSCRIBE` in the crate, or published with `PUBLISH` but only subscribed with
  `SSUBSCRIBE`: the two never meet.

One channel per call, channels sharing a hash tag (`{orders}:created`, `{orders}:paid`), and
classic `PUBLISH`/`SUBSCRIBE` pairs are fine.

## Why it breaks on a cluster
Shard channels hash to slots like keys, and one `SSUBSCRIBE` may only name channels of one slot:
`SSUBSCRIBE a b` answers `CROSSSLOT Keys in request don't hash to the same slot` (observed on
Redis 7.0). Sharded and classic pub/sub are separate: a message sent with `SPUBLISH` reaches only
`SSUBSCRIBE` subscribers of that channel, one sent with `PUBLISH` only `SUBSCRIBE`/`PSUBSCRIBE`
ones.

## Example
```rust
pubsub.ssubscribe(&["orders:created", "orders:paid"]).await?;
```

## Fix
Give channels subscribed together one hash tag (`{orders}:created`, `{orders}:paid`), or
subscribe to each slot's channels with their own `SSUBSCRIBE`. Publish with the kind the
subscribers use (`SPUBLISH` for `SSUBSCRIBE`).
"#,
    fixable: false,
    check: Some(check),
};

/// A PSUBSCRIBE glob as a pattern: `*` and `?` stand for any text.
fn glob_pattern(p: &KeyPattern) -> KeyPattern {
    let mut out = KeyPattern::new();
    for seg in p.segments() {
        match seg {
            slotlint_keys::Segment::Text(t) => {
                let mut buf = String::new();
                for c in t.chars() {
                    if c == '*' || c == '?' {
                        out.push_text(&buf);
                        buf.clear();
                        out.push_hole(Hole::new("glob", "*"));
                    } else {
                        buf.push(c);
                    }
                }
                out.push_text(&buf);
            }
            slotlint_keys::Segment::Hole(h) => out.push_hole(h.clone()),
        }
    }
    out
}

fn check(view: &Input<'_>, sink: &mut Sink) {
    sink.diagnostics.extend(findings(view));
}

fn findings(view: &Input<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // Every pub/sub call of the crate (for publishers, the subscribers they must meet).
    let all: Vec<(usize, PubSubCall)> = view
        .facts
        .files
        .iter()
        .enumerate()
        .flat_map(|(i, f)| {
            f.sites
                .iter()
                .filter_map(move |s| PubSubCall::of(s).map(|c| (i, c)))
        })
        .filter(|(i, c)| view.check_test_code || !view.facts.files[*i].in_test(c.span.start))
        .collect();
    for (i, call) in &all {
        let (i, call) = (*i, call);
        if !view.live(i, call.span.start) {
            continue;
        }
        match call.kind {
            PubSubKind::SSubscribe | PubSubKind::SUnsubscribe => {
                if let Some(d) = cross_slot(view, i, call) {
                    out.push(d);
                }
            }
            PubSubKind::SPublish | PubSubKind::Publish => {
                if let Some(d) = never_meet(view, i, call, &all) {
                    out.push(d);
                }
            }
            _ => {}
        }
    }
    out
}

fn cross_slot(view: &Input<'_>, file: usize, call: &PubSubCall) -> Option<Diagnostic> {
    let verdict = judge(call.channels);
    let severity = refused_severity(&verdict)?;
    let name = call.kind.command();
    let message = match (&verdict, severity) {
        (Verdict::Unknown, _) => format!("slotlint cannot tell whether the shard channels of `{name}` share a hash slot"),
        (_, Severity::Warning) => format!("the shard channels of `{name}` may land in different hash slots, depending on {}", super::verdict::depends_on(&verdict)),
        _ => format!("the shard channels of `{name}` are in different hash slots: a cluster answers CROSSSLOT"),
    };
    let mut d = finding(
        &RULE,
        severity,
        view.display(file),
        call.span,
        call.focus,
        message,
        format!("{name} may only name channels of one slot"),
    );
    d.labels = key_labels(call.channels);
    d.labels.truncate(12);
    d.keys = key_infos(call.channels);
    d.notes.extend(explain(call.channels, &verdict));
    d.help = match verdict {
        Verdict::Unknown => Some(
            "give channels subscribed together one hash tag, or subscribe to each in its own call"
                .into(),
        ),
        _ => tag_help(call.channels, false).map(|h| h.replace("these keys", "these channels")),
    };
    Some(d)
}

fn never_meet(
    view: &Input<'_>,
    file: usize,
    call: &PubSubCall,
    all: &[(usize, PubSubCall)],
) -> Option<Diagnostic> {
    let channel = call.channels.first()?;
    let pattern = channel.pattern.as_ref()?;
    let matches = |kinds: &[PubSubKind]| {
        all.iter().any(|(_, c)| {
            kinds.contains(&c.kind)
                && c.channels.iter().any(|ch| match &ch.pattern {
                    Some(p) if c.kind == PubSubKind::PSubscribe => {
                        can_be_equal(&glob_pattern(p), pattern)
                    }
                    Some(p) => can_be_equal(p, pattern),
                    None => false,
                })
        })
    };
    let (same, other, other_names) = if call.kind.sharded() {
        (
            matches(&[PubSubKind::SSubscribe]),
            matches(&[PubSubKind::Subscribe, PubSubKind::PSubscribe]),
            "SUBSCRIBE/PSUBSCRIBE",
        )
    } else {
        (
            matches(&[PubSubKind::Subscribe, PubSubKind::PSubscribe]),
            matches(&[PubSubKind::SSubscribe]),
            "SSUBSCRIBE",
        )
    };
    if same || !other {
        return None;
    }
    let name = call.kind.command();
    let mut d = finding(
        &RULE,
        Severity::Note,
        view.display(file),
        call.span,
        call.focus,
        format!("`{name}` to `{pattern}` never reaches this crate's subscribers of that channel: they use `{other_names}`"),
        format!("{name}: {} pub/sub", if call.kind.sharded() { "sharded" } else { "classic" }),
    );
    d.labels = key_labels(call.channels);
    d.keys = key_infos(call.channels);
    d.notes.push("sharded pub/sub (SPUBLISH/SSUBSCRIBE) and classic pub/sub (PUBLISH/SUBSCRIBE) are separate: a message reaches only subscribers of its own kind".into());
    d.help = Some(if call.kind.sharded() {
        "subscribe with `SSUBSCRIBE`, or publish with `PUBLISH`".into()
    } else {
        "publish with `SPUBLISH` to reach `SSUBSCRIBE` subscribers".into()
    });
    Some(d)
}

/// A pub/sub call site, unpacked.
struct PubSubCall<'s> {
    kind: PubSubKind,
    channels: &'s [KeyArg],
    span: crate::source::Span,
    focus: crate::source::Span,
}

impl<'s> PubSubCall<'s> {
    fn of(site: &'s CallSite) -> Option<PubSubCall<'s>> {
        match &site.kind {
            SiteKind::PubSub { kind, channels } if !channels.is_empty() => Some(PubSubCall {
                kind: *kind,
                channels,
                span: site.span,
                focus: site.focus,
            }),
            _ => None,
        }
    }
}
