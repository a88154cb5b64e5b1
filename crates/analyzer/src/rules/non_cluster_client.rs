//! `non-cluster-client`: a crate that talks to Redis only through single-node clients.

use super::Rule;
use super::{finding, Input, Sink};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::facts::ClientKind;

pub const RULE: Rule = Rule {
    name: "non-cluster-client",
    code: "SL201",
    severity: Severity::Error,
    summary: "a single-node client or pool (`Client::open`, `ConnectionManager`, sentinel, deadpool/bb8/r2d2) in a crate with no cluster client",
    docs: r#"## What it finds
Places where a crate builds a client that talks to one Redis server, when the crate builds no
cluster client anywhere (outside test code):
- `redis::Client::open(..)` / `Client::build_with_tls(..)`;
- sentinel clients (`redis::sentinel::Sentinel::build`, `SentinelClient::build`,
  `SentinelClientBuilder`, `deadpool_redis::sentinel`);
- pools over single-node clients: `deadpool_redis::Config` / `Manager`,
  `bb8_redis::RedisConnectionManager`, `r2d2_redis::RedisConnectionManager`.

Each construction is one finding, with the connections taken from it in the same file
(`get_connection`, `get_multiplexed_async_connection`, `get_connection_manager`,
`ConnectionManager::new`) as labels; those taken in other files are counted in a note. A crate
that only receives a `redis::Client` from elsewhere gets one finding per place it keeps one (a
field, a parameter), at the first connection opened from it.

Not reported: crates that also build a `ClusterClient`, use `cluster::`/`cluster_async::`
types, `deadpool_redis::cluster` or `redis_cluster_async` (a single-node client next to a cluster
one is taken as deliberate, e.g. a standalone cache).

## Why it breaks on a cluster
A single-node client connects to the one address it was given. On a cluster, every key whose
slot another node serves is answered with `MOVED <slot> <node>`, which a single-node connection
does not follow: the call fails. `ConnectionManager` reconnects, but always to the same server;
sentinel clients fail over between replicas of one primary, which is not a cluster.

## Example
```rust
let client = redis::Client::open("redis://cache:6379")?;
let mut con = client.get_multiplexed_async_connection().await?;
```

## Fix
Build a cluster client (redis features `cluster`, and `cluster-async` for async code):
```rust
let client = redis::cluster::ClusterClient::new(vec!["redis://cache:6379"])?;
let mut con = client.get_async_connection().await?; // cluster_async::ClusterConnection
```
Pools have cluster variants: `deadpool_redis::cluster::Config` (deadpool-redis feature
`cluster`), `bb8::Pool<redis::cluster::ClusterClient>` (redis features `bb8`, `cluster-async`),
`r2d2::Pool<redis::cluster::ClusterClient>` (redis features `r2d2`, `cluster`). A cluster has no
sentinels: failover is built in.
"#,
    fixable: false,
    check: Some(check),
};

fn help(kind: ClientKind, version: (u16, u16, u16)) -> String {
    let new = if version < (0, 22, 0) {
        "ClusterClient::open(vec![url])?"
    } else {
        "ClusterClient::new(vec![url])?"
    };
    match kind {
        ClientKind::Client | ClientKind::Sentinel => format!(
            "build a `redis::cluster::ClusterClient` instead: `redis::cluster::{new}` (feature `cluster`); its `get_async_connection().await?` gives a `cluster_async::ClusterConnection` (feature `cluster-async`), `get_connection()?` a sync `cluster::ClusterConnection`"
        ),
        ClientKind::Deadpool => "use deadpool-redis's cluster pool: `deadpool_redis::cluster::Config::from_urls(vec![url]).create_pool(Some(Runtime::Tokio1))?` (deadpool-redis feature `cluster`)".into(),
        ClientKind::Bb8 => format!("pool cluster connections with bb8 itself: `bb8::Pool::builder().build(redis::cluster::{new}).await?` (redis features `bb8`, `cluster-async`)"),
        ClientKind::R2d2Redis => format!("pool cluster connections with r2d2 itself: `r2d2::Pool::builder().build(redis::cluster::{new})?` (redis features `r2d2`, `cluster`)"),
    }
}

fn what_it_is(kind: ClientKind) -> &'static str {
    match kind {
        ClientKind::Client => "a single-node client",
        ClientKind::Sentinel => "a sentinel client (standalone connections to one primary)",
        ClientKind::Deadpool => "a deadpool pool of single-node connections",
        ClientKind::Bb8 => "a bb8 pool of single-node connections",
        ClientKind::R2d2Redis => "an r2d2 pool of single-node connections",
    }
}

fn check(view: &Input<'_>, sink: &mut Sink) {
    sink.diagnostics.extend(findings(view));
}

fn findings(view: &Input<'_>) -> Vec<Diagnostic> {
    if view.cluster_evidence().is_some() {
        return Vec::new();
    }
    let moved = "on a cluster, every key another node serves is answered with `MOVED`, which a single-node connection does not follow".to_owned();
    let mut out = Vec::new();
    let getters: Vec<(usize, &crate::facts::GetterFact)> = view
        .facts
        .files
        .iter()
        .enumerate()
        .flat_map(|(i, f)| f.getters.iter().map(move |g| (i, g)))
        .filter(|(i, g)| view.check_test_code || !view.facts.files[*i].in_test(g.span.start))
        .collect();
    // One finding per client source: each construction, with the connections taken from it.
    let mut constructions = 0;
    for (i, facts) in view.facts.files.iter().enumerate() {
        for c in &facts.clients {
            if !view.live(i, c.span.start) {
                continue;
            }
            constructions += 1;
            let mut d = finding(
                &RULE,
                Severity::Error,
                view.display(i),
                c.span,
                c.focus,
                format!(
                    "`{}` builds {}, and this crate builds no cluster client",
                    c.what,
                    what_it_is(c.kind)
                ),
                "connects to one Redis server".into(),
            );
            d.labels = getters
                .iter()
                .filter(|(gi, g)| *gi == i && g.client == Some((i, c.span)))
                .take(4)
                .map(|(_, g)| Label {
                    span: g.focus,
                    message: format!("`{}`: a single-node connection", short(&g.what)),
                })
                .collect();
            let elsewhere = getters
                .iter()
                .filter(|(gi, g)| *gi != i && g.client == Some((i, c.span)))
                .count();
            if elsewhere > 0 {
                d.notes.push(format!(
                    "{elsewhere} connection{} taken from it in other files",
                    if elsewhere == 1 { " is" } else { "s are" }
                ));
            }
            d.notes.push(moved.clone());
            d.help = Some(help(c.kind, view.version));
            out.push(d);
        }
    }
    if constructions > 0 {
        return out;
    }
    // No client built in view: one finding per place connections come from (a field, a
    // parameter), the first connection reported, the others listed.
    let mut groups: Vec<(&str, Vec<(usize, &crate::facts::GetterFact)>)> = Vec::new();
    for &(i, g) in &getters {
        if !view.reported[i] {
            continue;
        }
        match groups
            .iter_mut()
            .find(|(source, _)| !source.is_empty() && *source == g.source)
        {
            Some((_, list)) => list.push((i, g)),
            None => groups.push((&g.source, vec![(i, g)])),
        }
    }
    for (source, list) in groups {
        let (i, g) = list[0];
        let manager = g.what.contains("ConnectionManager");
        let mut d = finding(
            &RULE,
            Severity::Error,
            view.display(i),
            g.span,
            g.focus,
            if manager {
                format!("`{}` manages a connection to one Redis server, and this crate builds no cluster client", short(&g.what))
            } else {
                format!("`{}` opens a connection to one Redis server, and this crate builds no cluster client", short(&g.what))
            },
            "single-node connection".into(),
        );
        d.labels = list[1..]
            .iter()
            .filter(|(gi, _)| *gi == i)
            .take(4)
            .map(|(_, other)| Label {
                span: other.focus,
                message: format!("`{}` on `{source}` too", short(&other.what)),
            })
            .collect();
        if list.len() > 1 {
            d.notes.push(format!(
                "{} connections are taken from `{source}` in this crate",
                list.len()
            ));
        }
        d.notes.push(moved.clone());
        if manager {
            d.notes.push("`ConnectionManager` reconnects, but always to the same server; redis-rs has no cluster version of it".into());
        }
        d.help = Some(
            "take a `redis::cluster::ClusterClient` instead of a `redis::Client`, and `client.get_async_connection().await?` (a `cluster_async::ClusterConnection`, which reconnects and follows slots) or `client.get_connection()?`".into(),
        );
        out.push(d);
    }
    out
}

/// `redis::Client::get_connection` → `get_connection`.
fn short(what: &str) -> &str {
    match what.rsplit_once("::") {
        Some((owner, m)) if owner.ends_with("Client") => m,
        _ => what,
    }
}
