//! `node-local-command`: commands that see one node's keyspace (KEYS, SCAN, RANDOMKEY, DBSIZE,
//! FLUSHDB, FLUSHALL, WAIT), with what redis-rs's cluster client does with each.

use super::Rule;
use super::{finding, Input, Sink};
use crate::diagnostic::{Diagnostic, Severity};
use crate::sites::{Exec, SiteKind};

pub const RULE: Rule = Rule {
    name: "node-local-command",
    code: "SL203",
    severity: Severity::Warning,
    summary: "KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL, WAIT: commands whose answer is about one node",
    docs: r#"## What it finds
Commands whose answer is about the node they reach, not about the cluster: `KEYS`, `SCAN`
(`scan`, `scan_match`, `scan_options`, `cmd("SCAN").iter(..)`), `RANDOMKEY`, `DBSIZE`,
`FLUSHDB`, `FLUSHALL`, `WAIT` / `WAITAOF` — as methods, raw commands, and inside pipelines.

## Why it breaks on a cluster
Each node holds only the keys of its slots. What redis-rs's cluster client does (its routing
table; the KEYS and DBSIZE results were checked on a live cluster):
- `KEYS`: sent to every primary, replies concatenated — the result is complete, but every
  primary blocks while it walks all its keys;
- `DBSIZE`: sent to every primary and summed — complete;
- `FLUSHDB` / `FLUSHALL`: sent to every primary, all must succeed;
- `RANDOMKEY`: sent to every primary, the first non-empty reply wins — not a uniform pick;
- `WAIT`: sent to every primary, the smallest count wins — it waits for the replicas of every
  primary, not of the node that took your write;
- `SCAN`: the **async** cluster client sends every call, cursor continuations included, to one
  random node: the iteration misses the other nodes' keys and mixes cursors between nodes. The
  **sync** cluster client refuses it ("This command cannot be safely routed in cluster mode").

Inside a pipeline none of them is fanned out: the async cluster client sends the whole
pipeline to one node (a sync `cluster_pipe()` refuses `KEYS`, `SCAN`, `RANDOMKEY`, `DBSIZE`,
`FLUSHDB` and `FLUSHALL`). Through a single-node connection (`Client`, `ConnectionManager`) to a
cluster node, all of them see that one node only: `KEYS`/`SCAN`/`DBSIZE` miss keys, `FLUSHDB`
leaves the other shards full. Before redis 0.23.1 the async cluster client sent the fan-out
commands to one random node too.

## Example
```rust
let stale: Vec<String> = con.keys("session:*").await?;
let mut iter = con.scan_match::<_, String>("session:*").await?;
```

## Fix
Keep an index of the keys you need (a set or sorted set under one hash tag) instead of listing
the keyspace. To walk every key, SCAN each primary on its own connection: with the cluster
connection, `route_command(&cmd, RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress {
host, port }))` per primary (from `CLUSTER SHARDS`), with one cursor per node. Route `WAIT` to
the primary of the key you wrote (`SingleNodeRoutingInfo::SpecificNode(Route::new(slot,
SlotAddr::Master))`).
"#,
    fixable: false,
    check: Some(check),
};

struct Advice {
    message: String,
    label: &'static str,
    help: &'static str,
}

/// Whether this rule speaks of command `name` (its verdict depends on the connection's client).
pub(crate) fn is_node_local(name: &str) -> bool {
    advice(name, Exec::Unknown).is_some()
}

fn advice(name: &str, exec: Exec) -> Option<Advice> {
    let fan_out = "redis-rs's cluster client sends it to every primary";
    Some(match name {
        "KEYS" => Advice {
            message: format!("`KEYS` lists one node's keys: {fan_out} and concatenates the replies (complete, but every primary blocks while it walks all its keys)"),
            label: "KEYS walks the whole keyspace of each node",
            help: "keep an index of the keys you need (a set under one hash tag), or SCAN each primary on its own connection",
        },
        "SCAN" => Advice {
            message: match exec {
                Exec::Async => "`SCAN` on redis-rs's async cluster client goes to one random node per call: the iteration misses every other node's keys".into(),
                Exec::Sync => "`SCAN` is refused by redis-rs's sync cluster client (\"This command cannot be safely routed in cluster mode\")".into(),
                Exec::Unknown => "`SCAN` sees one node: redis-rs's async cluster client sends each call to a random node (incomplete), the sync one refuses it".into(),
            },
            label: "SCAN cursors belong to one node",
            help: "SCAN each primary on its own: `route_command(&cmd, RoutingInfo::SingleNode(SingleNodeRoutingInfo::ByAddress { host, port }))` with a cursor per primary (from `CLUSTER SHARDS`), or keep an index set of the keys you need",
        },
        "RANDOMKEY" => Advice {
            message: format!("`RANDOMKEY` picks from one node's keys: {fan_out} and returns the first non-empty reply, which is not a uniform pick over the cluster"),
            label: "RANDOMKEY sees one node",
            help: "keep the candidates in a set under one hash tag and use `SRANDMEMBER`",
        },
        "DBSIZE" => Advice {
            message: format!("`DBSIZE` counts one node's keys: {fan_out} and sums the replies (complete); a single-node connection counts one node only"),
            label: "DBSIZE counts per node",
            help: "count through the cluster client (it sums every primary), or keep your own counter for the keys you care about",
        },
        "FLUSHDB" | "FLUSHALL" => Advice {
            message: format!("`{name}` empties one node: {fan_out} (all must succeed); a single-node connection leaves the other shards full"),
            label: "empties each node it reaches",
            help: "run it through the cluster client only; in application code, delete your own keys (by an index set) instead of flushing",
        },
        "WAIT" | "WAITAOF" => Advice {
            message: format!("`{name}` counts the replicas of the node it reaches: {fan_out} and returns the smallest count, not the count for the node that took your write"),
            label: "waits on every primary",
            help: "route it to the primary of the key you wrote: `route_command(&cmd, RoutingInfo::SingleNode(SingleNodeRoutingInfo::SpecificNode(Route::new(slot, SlotAddr::Master))))`",
        },
        _ => return None,
    })
}

fn check(view: &Input<'_>, sink: &mut Sink) {
    sink.diagnostics.extend(findings(view));
}

fn findings(view: &Input<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, site) in view.live_sites() {
        for (cmd, span, focus) in site.commands() {
            // `con.scan_match(..).await`: a method on a connection of unknown kind, awaited.
            let exec = match site.exec {
                Exec::Unknown => {
                    let text = &view.sources[i].text;
                    let after = text.get(site.span.end..).unwrap_or_default().trim_start();
                    if after.starts_with(".await") {
                        Exec::Async
                    } else {
                        Exec::Unknown
                    }
                }
                e => e,
            };
            let Some(mut a) = advice(&cmd.name, exec) else {
                continue;
            };
            let batched = !matches!(site.kind, SiteKind::Command(_));
            let cluster = site.client.as_ref().and_then(|c| c.cluster);
            // On a cluster connection redis-rs fans these out and merges the replies: they do
            // what the code means.
            if !batched
                && cluster == Some(true)
                && matches!(
                    cmd.name.as_str(),
                    "DBSIZE" | "FLUSHDB" | "FLUSHALL" | "RANDOMKEY"
                )
            {
                continue;
            }
            if batched {
                // An async cluster pipeline goes to one node as a whole; fan-out commands in it
                // are not fanned out (redis-rs §4).
                a.message = format!(
                    "`{}` inside a pipeline reaches one node only: redis-rs sends the whole pipeline to one node and does not fan `{}` out there",
                    cmd.name, cmd.name
                );
                if cmd.name != "SCAN" {
                    a.help = "send it on its own, outside the pipeline: the cluster client then sends it to every primary";
                }
            }
            let mut d = finding(
                &RULE,
                Severity::Warning,
                view.display(i),
                span,
                focus,
                a.message,
                a.label.into(),
            );
            if batched {
                d.notes.push("a sync `cluster_pipe()` refuses KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB and FLUSHALL outright".into());
            }
            if exec != Exec::Sync && view.version < (0, 23, 1) && cmd.name != "SCAN" {
                d.notes.push(format!(
                    "before redis 0.23.1 the async cluster client sent `{}` to one random node instead ({})",
                    cmd.name,
                    view.version_text()
                ));
            }
            if let Some(client) = &site.client {
                d.notes.push(match client.cluster {
                    Some(true) => format!(
                        "the connection comes from `{}`, a cluster client",
                        client.what
                    ),
                    Some(false) => format!(
                        "the connection comes from `{}`, which talks to one node only",
                        client.what
                    ),
                    None => format!("the connection comes from `{}`", client.what),
                });
            }
            d.help = Some(a.help.into());
            out.push(d);
        }
    }
    out
}
