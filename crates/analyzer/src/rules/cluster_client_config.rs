//! `cluster-client-config`: a cluster client built without retries or timeouts.

use super::Rule;
use super::{finding, Input, Sink};
use crate::diagnostic::{Diagnostic, Severity};

/// Builder methods that set retries or timeouts (failover behaviour).
const FAILOVER_METHODS: &[&str] = &[
    "retries",
    "max_retry_wait",
    "min_retry_wait",
    "retry_wait_formula",
    "connection_timeout",
    "response_timeout",
    "overall_response_timeout",
];

pub const RULE: Rule = Rule {
    name: "cluster-client-config",
    code: "SL209",
    severity: Severity::Note,
    summary:
        "a `ClusterClient` built without retries or timeouts (failover runs on redis-rs's defaults)",
    docs: r#"## What it finds
`ClusterClient::new(nodes)`, and `ClusterClient::builder(nodes)` / `ClusterClientBuilder::new(nodes)`
chains (also built over several statements) that set none of `retries`, `min_retry_wait`,
`max_retry_wait`, `retry_wait_formula`, `connection_timeout`, `response_timeout`,
`overall_response_timeout`. Not reported: builders that set any of them, builders handed to
other code (returned, passed to a function), crates that connect with
`get_*_connection_with_config(..)` (timeouts set there), and redis before 0.23 (no such
options).

## Why it matters on a cluster
During a failover or a resharding, slots move: requests meet `MOVED`, `TRYAGAIN`,
`CLUSTERDOWN` or a primary that stopped answering. redis-rs's cluster client retries those with
backoff (16 retries by default) and, since redis 0.25, connects with a 1 s timeout and — unless
told — waits for a reply without limit. Whether a request should fail fast or ride out a
failover is an application decision; the defaults make it silently.

## Example
```rust
let client = ClusterClient::new(nodes)?;
```

## Fix
```rust
let client = ClusterClient::builder(nodes)
    .retries(3)
    .connection_timeout(Duration::from_millis(500))
    .response_timeout(Duration::from_millis(500))
    .build()?;
```
Before redis 0.25 the builder has no timeouts: set `retries`, `min_retry_wait` and
`max_retry_wait`.
"#,
    fixable: false,
    check: Some(check),
};

fn builder_help(version: (u16, u16, u16)) -> String {
    if version < (0, 25, 0) {
        "set the failover behaviour explicitly: `ClusterClient::builder(nodes).retries(3).min_retry_wait(100).max_retry_wait(2_000).build()?`".into()
    } else {
        "set the failover behaviour explicitly: `ClusterClient::builder(nodes).retries(3).connection_timeout(Duration::from_millis(500)).response_timeout(Duration::from_millis(500)).build()?`".into()
    }
}

fn check(view: &Input<'_>, sink: &mut Sink) {
    sink.diagnostics.extend(findings(view));
}

fn findings(view: &Input<'_>) -> Vec<Diagnostic> {
    if view.version < (0, 23, 0) || view.facts.files.iter().any(|f| f.connects_with_config) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, facts) in view.facts.files.iter().enumerate() {
        for b in &facts.cluster_builds {
            if !view.live(i, b.span.start)
                || b.escapes
                || b.methods
                    .iter()
                    .any(|m| FAILOVER_METHODS.contains(&m.as_str()))
            {
                continue;
            }
            let timeouts = if view.version >= (0, 25, 0) {
                ", a 1 s connection timeout and no response timeout"
            } else {
                ""
            };
            let mut d = finding(
                &RULE,
                Severity::Note,
                view.display(i),
                b.span,
                b.focus,
                format!(
                    "`{}` leaves failover to redis-rs's defaults: 16 retries{timeouts}",
                    b.what
                ),
                "no retries or timeouts set".into(),
            );
            d.notes.push("during a failover or resharding, requests meet MOVED, TRYAGAIN or CLUSTERDOWN and are retried with backoff; how long to wait is an application decision".into());
            d.help = Some(builder_help(view.version));
            out.push(d);
        }
    }
    out
}
