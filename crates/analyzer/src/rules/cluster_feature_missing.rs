//! `cluster-feature-missing`: the `redis` dependency lacks the `cluster` / `cluster-async`
//! feature, or is older than the cluster behaviour the other rules describe.

use super::Rule;
use super::{finding, Input, Sink};
use crate::diagnostic::{Diagnostic, Severity};
use crate::sites::Exec;
use crate::source::{SourceFile, Span};
use crate::workspace::Version;

pub const RULE: Rule = Rule {
    name: "cluster-feature-missing",
    code: "SL208",
    severity: Severity::Warning,
    summary: "a redis dependency without `cluster` (`cluster-async` for async code), or older than 0.23.4",
    docs: r#"## What it finds
In the package's `Cargo.toml` (and `Cargo.lock`), a `redis` dependency (also renamed, or
inherited from `[workspace.dependencies]`):
- without the `cluster` feature (`cluster-async` implies it), neither enabled on the dependency
  nor forwarded by a feature of the package (`cluster = ["redis/cluster-async"]`);
- without `cluster-async` when the code is async (a runtime feature such as `tokio-comp`, or
  awaited Redis calls);
- at a version older than 0.23.4 (from `Cargo.lock`, else the requirement's lower bound).

Reported once per problem, on the dependency's line. Crates that reach redis only through a
pool crate (`deadpool-redis`, `bb8-redis`…) are not checked: their cluster support is a feature
of that crate.

## Why it breaks on a cluster
Without `cluster`, `redis::cluster::ClusterClient` does not exist: the code cannot talk to a
cluster at all. Without `cluster-async` there is no `cluster_async::ClusterConnection` (before
redis 0.23, async cluster support was a separate crate, `redis-cluster-async`). Before 0.23.4 the
cluster client did not split `MGET`/`DEL`/`EXISTS`/`UNLINK`/`TOUCH`/`MSET` per slot (they fail
with `CROSSSLOT` when their keys span slots) and did not check async pipelines for crossed
slots. slotlint's other rules judge each crate by the redis version it locks, and say so where
versions differ.

## Example
```toml
[dependencies]
redis = { version = "0.23", features = ["tokio-comp"] }
```

## Fix
```toml
[dependencies]
redis = { version = "1", features = ["tokio-comp", "cluster-async"] }
```
"#,
    fixable: false,
    check: Some(check),
};

/// The first redis-rs whose cluster behaviour the rules describe.
pub const MIN_CLUSTER_REDIS: Version = (0, 23, 4);

/// A TOML line without its trailing `# comment` (a `#` inside a string stays).
fn without_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '#') => return &line[..i],
            _ => {}
        }
    }
    line
}

/// The byte range of the line that declares the dependency `alias`.
fn dependency_line(text: &str, aliases: &[String]) -> Option<(usize, usize)> {
    let mut offset = 0;
    let mut in_deps = false;
    let mut found = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        let start = offset;
        offset += line.len();
        if t.starts_with('[') {
            let header = t.trim_matches(|c| c == '[' || c == ']').trim();
            in_deps = header.ends_with("dependencies");
            let table_dep = header
                .rsplit_once('.')
                .filter(|(h, _)| h.ends_with("dependencies"))
                .map(|(_, name)| name.trim_matches('"'));
            if table_dep.is_some_and(|n| {
                aliases
                    .iter()
                    .any(|a| a.replace('_', "-") == n.replace('_', "-"))
            }) {
                found = Some((start, start + without_comment(line).trim_end().len()));
                if !header.contains("dev-dependencies") {
                    return found;
                }
            }
            continue;
        }
        if !in_deps {
            continue;
        }
        let key = t.split('=').next().unwrap_or("").trim().trim_matches('"');
        if aliases
            .iter()
            .any(|a| a.replace('_', "-") == key.replace('_', "-"))
            && t.contains('=')
        {
            let end = start + without_comment(line).trim_end().len();
            if found.is_none() {
                found = Some((start, end));
            }
        }
    }
    found
}

fn check(view: &Input<'_>, sink: &mut Sink) {
    let (d, files) = findings(view);
    sink.diagnostics.extend(d);
    sink.files.extend(files);
}

fn findings(view: &Input<'_>) -> (Vec<Diagnostic>, Vec<SourceFile>) {
    let (Some(dep), Some(manifest)) = (&view.unit.redis, &view.unit.manifest) else {
        return (Vec::new(), Vec::new());
    };
    // A finding about the package needs the whole package in view.
    if dep.aliases.is_empty() || !view.reported.iter().all(|&r| r) {
        return (Vec::new(), Vec::new());
    }
    // Only a crate that talks to Redis needs a cluster client: one that builds clients or
    // connections, or sends commands.
    let talks = view.facts.files.iter().any(|f| {
        !f.sites.is_empty()
            || !f.clients.is_empty()
            || !f.getters.is_empty()
            || !f.cluster_builds.is_empty()
    });
    if !talks {
        return (Vec::new(), Vec::new());
    }
    // Discovery vetted the manifest; it is read the one way every file is read all the same.
    let Ok(text) = crate::input::read_text(manifest, None, crate::input::MAX_FILE_BYTES) else {
        return (Vec::new(), Vec::new());
    };
    let display = crate::display_path(manifest, view.display_root);
    let source = SourceFile::new(manifest.clone(), display.clone(), text);
    let span = match dependency_line(&source.text, &dep.aliases) {
        Some((s, e)) => source.span(s, e),
        None => Span {
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            ..Span::default()
        },
    };
    // Features of the package that turn redis features on (`cluster = ["redis/cluster-async"]`):
    // a library offers cluster support behind its own feature.
    let forwarded: Vec<String> = toml::from_str::<toml::Value>(&source.text)
        .ok()
        .and_then(|m| m.get("features").and_then(|f| f.as_table()).cloned())
        .into_iter()
        .flat_map(|t| t.into_iter())
        .filter_map(|(_, v)| v.as_array().cloned())
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .filter_map(|f| {
            let (dep_name, feature) = f.split_once('/')?;
            let dep_name = dep_name.trim_end_matches('?').replace('-', "_");
            dep.aliases.contains(&dep_name).then(|| feature.to_owned())
        })
        .collect();
    let has = |f: &str| dep.features.iter().chain(&forwarded).any(|x| x == f);
    let cluster = has("cluster") || has("cluster-async");
    // The code is async when its redis calls are: `*_async` calls, awaited calls, connections
    // of `aio` types or async pools (not because an async feature is on).
    let async_code = view.facts.files.iter().enumerate().any(|(i, f)| {
        f.sites.iter().any(|s| {
            s.exec == Exec::Async
                || view.sources[i]
                    .text
                    .get(s.span.end..)
                    .is_some_and(|t| t.trim_start().starts_with(".await"))
                || s.client.as_ref().is_some_and(|c| {
                    ["aio", "cluster_async", "deadpool", "bb8", "mobc"]
                        .iter()
                        .any(|a| c.what.contains(a))
                })
        })
    });
    let version = dep.version();
    let mut out = Vec::new();
    let wanted = if async_code && version.is_none_or(|v| v >= (0, 23, 0)) {
        "cluster-async"
    } else {
        "cluster"
    };
    if !cluster || (wanted == "cluster-async" && !has("cluster-async")) {
        let message = if cluster {
            "`redis` has `cluster` but not `cluster-async`, and this code is async: there is no `redis::cluster_async::ClusterConnection` in this build".to_owned()
        } else {
            format!(
                "`redis` is used without the `{wanted}` feature: this build has no `redis::cluster::ClusterClient`{}",
                if wanted == "cluster-async" { " or `cluster_async::ClusterConnection`" } else { "" }
            )
        };
        let mut d = finding(
            &RULE,
            Severity::Warning,
            &display,
            span,
            span,
            message,
            format!("no `{wanted}` feature"),
        );
        let mut features: Vec<String> = dep.features.iter().map(|f| format!("\"{f}\"")).collect();
        features.push(format!("\"{wanted}\""));
        d.help = Some(format!(
            "enable it: `{} = {{ version = \"{}\", features = [{}] }}`",
            dep.aliases[0].replace('_', "-"),
            dep.requirement.as_deref().unwrap_or("1"),
            features.join(", ")
        ));
        if !dep.features.is_empty() {
            d.notes
                .push(format!("features enabled now: {}", dep.features.join(", ")));
        }
        out.push(d);
    }
    if let Some(v) = version.filter(|v| *v < MIN_CLUSTER_REDIS) {
        let from = if dep.locked == Some(v) {
            "Cargo.lock"
        } else {
            "the version requirement"
        };
        let mut d = finding(
            &RULE,
            Severity::Warning,
            &display,
            span,
            span,
            format!(
                "redis {}.{}.{} (from {from}) predates the cluster behaviour slotlint describes (0.23.4): its cluster client does not split MGET/DEL/EXISTS/UNLINK/TOUCH/MSET per slot",
                v.0, v.1, v.2
            ),
            format!("redis {}.{}.{}", v.0, v.1, v.2),
        );
        d.notes.push("before 0.23.4 a multi-key command spanning slots always fails with CROSSSLOT, and async pipelines are not checked for crossed slots; slotlint judges this crate by that older behaviour".into());
        d.help = Some(
            "upgrade to redis 0.23.4 or later (the newest 1.x has the most complete cluster routing)"
                .into(),
        );
        out.push(d);
    }
    // One finding per manifest line: a second problem of the same dependency is a note.
    if out.len() > 1 {
        let second = out.remove(1);
        out[0].notes.push(format!("also: {}", second.message));
        out[0].notes.extend(second.notes);
        if let (Some(h), Some(h2)) = (&mut out[0].help, second.help) {
            h.push_str("; then ");
            h.push_str(&h2);
        }
    }
    let files = if out.is_empty() {
        Vec::new()
    } else {
        vec![source]
    };
    (out, files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_dependency_line() {
        let toml = "[package]\nname = \"x\"\n\n[dependencies]\nserde = \"1\"\nredis = { version = \"0.23\" }\n";
        let (s, e) = dependency_line(toml, &["redis".into()]).unwrap();
        assert_eq!(&toml[s..e], "redis = { version = \"0.23\" }");
        let toml = "[dependencies]\nredis = { version = \"1\", features = [\"a#b\"] } # pinned\n";
        let (s, e) = dependency_line(toml, &["redis".into()]).unwrap();
        assert_eq!(
            &toml[s..e],
            "redis = { version = \"1\", features = [\"a#b\"] }"
        );
        let toml = "[dependencies.redis]\nversion = \"1\"\n";
        let (s, e) = dependency_line(toml, &["redis".into()]).unwrap();
        assert_eq!(&toml[s..e], "[dependencies.redis]");
        let toml = "[dependencies]\nrds = { package = \"redis\", version = \"1\" }\n";
        assert!(dependency_line(toml, &["rds".into()]).is_some());
    }
}
