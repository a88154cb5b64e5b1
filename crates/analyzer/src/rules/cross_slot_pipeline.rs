//! `cross-slot-pipeline`: a plain (non-atomic) pipeline whose commands span hash slots.

use super::cross_slot_command::spans_word;
use super::verdict::{explain, judge, refused_severity, tag_help, Verdict};
use super::{Finding, Rule, RuleContext};
use crate::diagnostic::Severity;
use crate::redis_api::{refused_in_cluster_pipeline, split_since};
use crate::sites::{CallSite, Exec, KeyArg, SiteKind};

pub const RULE: Rule = Rule {
    name: "cross-slot-pipeline",
    code: "SL104",
    severity: Severity::Error,
    summary:
        "a pipeline whose commands use keys in different hash slots (the cluster client refuses it)",
    docs: r#"## What it finds
Non-atomic pipelines (`redis::pipe()…query_async(..)`, pipelines built over several statements or
in loops) whose commands' keys are not proven to share one hash slot, and commands a sync
`cluster_pipe()` refuses.

## Why it breaks on a cluster
redis-rs's async cluster connection sends a whole pipeline to one node. Since redis 0.23.4 it
refuses one whose commands target different slots before sending (`Received crossed slots in
pipeline`, a client-side CrossSlot error); before, it sent it to one node anyway, where the
commands of slots other nodes serve fail with `MOVED`. Multi-key commands inside a pipeline are
never split per slot. The sync `ClusterConnection` refuses `redis::pipe()` outright, whatever
its keys; its `cluster_pipe()` routes each command on its own, but refuses `MGET`, `MSET`,
`RENAME`, `SUNION`, `KEYS`, `SCAN` and others by name (and `EVALSHA`, `PFCOUNT`, `PFMERGE`
before 0.29.2), and a multi-key command in it must still have its keys in one slot.

## Example
```rust
let mut p = redis::pipe();
for id in &ids { p.get(format!("user:{id}:name")); }
let names: Vec<String> = p.query_async(&mut con).await?; // one slot per user
```

## Fix
Pipeline only keys of one slot (one hash tag), or send one pipeline per slot. For reads of many
unrelated keys, a single `MGET` replaces a pipeline of `GET`s: the cluster client splits it per
slot. With the sync connection, build the pipeline with `redis::cluster::cluster_pipe()`.
"#,
    fixable: true,
    check: Some(check),
};

fn check(input: &super::Input<'_>, sink: &mut super::Sink) {
    super::each_site(input, sink, check_site);
}

fn check_site(site: &CallSite, cx: &RuleContext<'_>) -> Option<super::Found> {
    let SiteKind::Pipeline {
        atomic: false,
        cluster_pipeline,
        commands,
        complete,
    } = &site.kind
    else {
        return None;
    };
    if *cluster_pipeline {
        return check_cluster_pipeline(site, cx, commands);
    }
    let keys: Vec<KeyArg> = commands
        .iter()
        .flat_map(|c| c.keys.iter().cloned())
        .collect();
    let verdict = judge(&keys);
    let sync_cluster =
        site.exec == Exec::Sync && site.client.as_ref().and_then(|c| c.cluster) == Some(true);
    if sync_cluster && refused_severity(&verdict) != Some(Severity::Error) {
        // The sync cluster connection refuses `redis::pipe()` whatever its keys.
        return Some(
            Finding {
                rule: &RULE,
                severity: Severity::Error,
                message: "a sync `ClusterConnection` refuses `redis::pipe()`, whatever its keys".into(),
                primary_label: "sync cluster connections need `cluster_pipe()`".into(),
                keys: &keys,
                notes: vec!["redis-rs answers \"This connection does not support pipelining\" before sending anything".into()],
                help: Some("build it with `redis::cluster::cluster_pipe()`, which routes each command on its own".into()),
            }
            .into_found(site, cx),
        );
    }
    let severity = refused_severity(&verdict)?;
    let mut notes: Vec<String> = explain(&keys, &verdict).into_iter().collect();
    if !complete {
        notes.push("part of this pipeline is built where slotlint cannot see it".into());
    }
    let names: Vec<&str> = commands.iter().map(|c| c.name.as_str()).collect();
    notes.push(format!("commands: {}", names.join(", ")));
    let (message, label) = match &verdict {
        Verdict::Unknown => ("slotlint cannot tell whether the keys of this pipeline share a hash slot".to_owned(), "pipeline with keys slotlint could not resolve".to_owned()),
        Verdict::Spans { .. } if severity == Severity::Warning => {
            (format!("the commands of this pipeline may use keys in different hash slots, depending on {}", super::verdict::depends_on(&verdict)), "the cluster client refuses it if they do".to_owned())
        }
        _ if site.exec == Exec::Sync => (
            format!("the commands of this pipeline use keys that {} different hash slots, and a sync ClusterConnection refuses `redis::pipe()`", spans_word(&verdict)),
            "sync cluster connections need `cluster_pipe()`".to_owned(),
        ),
        _ => (
            format!("the commands of this pipeline use keys that {} different hash slots: redis-rs's cluster client refuses it", spans_word(&verdict)),
            "\"Received crossed slots in pipeline\": the whole pipeline goes to one node".to_owned(),
        ),
    };
    let help = if site.exec == Exec::Sync && matches!(verdict, Verdict::Spans { .. }) {
        Some("with a sync `ClusterConnection`, build it with `redis::cluster::cluster_pipe()`, which routes each command on its own; or put the keys under one hash tag".into())
    } else {
        tag_help(&keys, false)
    };
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
        .into_found(site, cx),
    )
}

/// `cluster_pipe()`: commands may span nodes, but some names are refused and a multi-key
/// command must still be in one slot.
fn check_cluster_pipeline(
    site: &CallSite,
    cx: &RuleContext<'_>,
    commands: &[crate::sites::CommandCall],
) -> Option<super::Found> {
    for cmd in commands {
        if refused_in_cluster_pipeline(&cmd.name, cx.version) {
            let message = format!(
                "`{}` cannot run in a cluster pipeline: redis-rs refuses it before sending",
                cmd.name
            );
            let notes = vec![format!(
                "{} refuses {} in `ClusterPipeline` whatever its keys",
                cx.version_text(),
                cmd.name
            )];
            let help = Some(format!(
                "send `{}` as its own command on the cluster connection",
                cmd.name
            ));
            return Some(
                Finding {
                    rule: &RULE,
                    severity: Severity::Error,
                    message,
                    primary_label: format!("{} queued here", cmd.name),
                    keys: &cmd.keys,
                    notes,
                    help,
                }
                .into_found(site, cx),
            );
        }
        let verdict = judge(&cmd.keys);
        let Some(severity) = refused_severity(&verdict) else {
            continue;
        };
        let how = if split_since(&cmd.name).is_some() {
            "unroutable in a cluster pipeline"
        } else {
            "answered with CROSSSLOT"
        };
        let message = format!(
            "`{}` in this cluster pipeline has keys that {} different hash slots: it is {how}",
            cmd.name,
            spans_word(&verdict)
        );
        let notes = explain(&cmd.keys, &verdict).into_iter().collect();
        let help = tag_help(&cmd.keys, true);
        return Some(
            Finding {
                rule: &RULE,
                severity,
                message,
                primary_label: format!("{} across slots", cmd.name),
                keys: &cmd.keys,
                notes,
                help,
            }
            .into_found(site, cx),
        );
    }
    None
}
