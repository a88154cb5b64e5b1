//! `undeclared-script-key`: a Lua body that touches keys it was not given in `KEYS`, or reads
//! `KEYS[i]` beyond the keys its caller passes.

use std::collections::{HashMap, HashSet};

use super::Rule;
use super::{finding, Input, Sink};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::facts::{BodyLocation, LuaBody};
use crate::lua::{self, Analysis, KeyUse, Origin};
use crate::sites::SiteKind;
use crate::source::{SourceFile, Span};

pub const RULE: Rule = Rule {
    name: "undeclared-script-key",
    code: "SL204",
    severity: Severity::Error,
    summary:
        "a Lua script that touches keys not passed in KEYS, or reads KEYS[i] beyond the keys passed",
    docs: r##"## What it finds
Lua bodies given to redis — `Script::new(..)`, raw `EVAL`, `SCRIPT LOAD`, `FUNCTION LOAD` — from
a string literal (`"…"`, `r#"…"#`), a `const`/`static`, or `include_str!` of a file of the
package. The body is parsed as Lua 5.1 and each `redis.call`/`redis.pcall` (and `server.call`)
key argument is traced through locals, local functions and loops:
- **error** when the key is certainly not a declared key: written in the script (`'config'`),
  built from `ARGV` (`'rate:' .. ARGV[1]`), built from literals (`string.format`), or read from
  the database (`redis.call('DEL', redis.call('GET', KEYS[1]))`);
- **warning** when it is derived from a declared key (`KEYS[1] .. ':meta'`: same slot only if
  `KEYS[1]` carries a hash tag) or slotlint cannot follow it;
- **error** at a `Script` invocation whose `.key(..)` calls pass fewer keys than the highest
  `KEYS[i]` the body reads unconditionally (a body that checks `#KEYS`, loops over `KEYS` or
  tests `if KEYS[3]` is left alone);
- **error** for a `#!lua flags=no-cluster` shebang, which a cluster refuses to run.

`KEYS[i]`, locals holding it, `for _, k in ipairs(KEYS)`, `unpack(KEYS)` and the `keys`
parameter of `redis.register_function` callbacks are declared. A body that does not parse is
one note, and the rest of the file is still checked.

## Why it breaks on a cluster
A cluster routes a script by the keys declared in `KEYS` (numkeys); the body then runs on that
node. A key the script builds itself may hash to a slot another node serves: the script fails
with `ERR Script attempted to access a non local key in a cluster node script`. It works on one
node and in tests, and breaks once the slots are spread (observed on Redis 7.0). With a
`#!lua` shebang (any flags but `allow-cross-slot-keys`), Redis 7 also refuses keys of another
slot than the declared ones on the same node. A missing `KEYS[i]` is `nil`: `redis.call` fails
with "Lua redis lib command arguments must be strings or integers".

## Example
```rust
const LIMIT: &str = r#"
local key = 'rate:' .. ARGV[1]          -- built from ARGV: not routed
local n = redis.call('INCR', key)
"#;
Script::new(LIMIT).arg(user).invoke_async(&mut con).await?;
```

## Fix
Pass every key in `KEYS` and read it from there, with the hash tag of the other keys:
```rust
const LIMIT: &str = "local n = redis.call('INCR', KEYS[1]) ...";
Script::new(LIMIT).key(format!("rate:{{{user}}}")).invoke_async(&mut con).await?;
```
"##,
    fixable: false,
    check: Some(check),
};

/// Where a body's text is shown: its file and how Lua offsets map into it.
struct Located {
    display: String,
    /// Lua byte offset → byte offset in `display`'s file.
    offsets: Option<Vec<usize>>,
    source: Option<SourceFile>,
    file: Option<usize>,
}

impl Located {
    fn span(&self, view: &Input<'_>, r: &std::ops::Range<usize>) -> Span {
        let (start, end) = match &self.offsets {
            Some(o) => {
                let at = |i: usize| o.get(i).or(o.last()).copied().unwrap_or(0);
                (at(r.start), at(r.end))
            }
            None => (r.start, r.end),
        };
        match (&self.source, self.file) {
            (Some(s), _) => s.span(start, end),
            (None, Some(f)) => view.sources[f].span(start, end),
            _ => Span::default(),
        }
    }
}

fn locate(view: &Input<'_>, body: &LuaBody) -> Option<Located> {
    match &body.location {
        BodyLocation::Literal { file, .. } => Some(Located {
            display: view.display(*file).to_owned(),
            offsets: Some(body.offsets.clone()),
            source: None,
            file: Some(*file),
        }),
        BodyLocation::File(path) => {
            let display = crate::display_path(path, view.display_root);
            Some(Located {
                source: Some(SourceFile::new(
                    path.clone(),
                    display.clone(),
                    body.text.clone(),
                )),
                display,
                offsets: None,
                file: None,
            })
        }
    }
}

fn describe(u: &KeyUse) -> Option<(Severity, String, String)> {
    let key = &u.text;
    let cmd = &u.command;
    Some(match &u.origin {
        Origin::Declared(_) | Origin::KeysTable | Origin::ArgvTable | Origin::Func(_) => {
            return None
        }
        Origin::Literal(text) => (
            Severity::Error,
            format!("`{cmd}` in this script touches the key `{text}`, which is not passed in KEYS"),
            "key written in the script".into(),
        ),
        Origin::Argv => (
            Severity::Error,
            format!("`{cmd}` in this script touches a key built from ARGV (`{key}`), not passed in KEYS"),
            "key built from a script argument".into(),
        ),
        Origin::Built => (
            Severity::Error,
            format!("`{cmd}` in this script touches a key built inside the script (`{key}`), not passed in KEYS"),
            "key built in the script".into(),
        ),
        Origin::Data => (
            Severity::Error,
            format!("`{cmd}` in this script touches a key read from the database (`{key}`), not passed in KEYS"),
            "key read from the database".into(),
        ),
        Origin::Derived => (
            Severity::Warning,
            format!("`{cmd}` in this script touches a key derived from a declared key (`{key}`), not passed in KEYS itself"),
            "derived key: same slot only if the declared key has a hash tag".into(),
        ),
        Origin::Unknown => (
            Severity::Warning,
            format!("slotlint cannot tell whether the key `{key}` of `{cmd}` in this script is passed in KEYS"),
            "key of unknown origin".into(),
        ),
    })
}

/// Findings inside one body, located by `located`.
fn body_findings(
    view: &Input<'_>,
    analysis: &Analysis,
    located: &Located,
    library: bool,
    used_at: Option<(&str, Span)>,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let at = |r: &std::ops::Range<usize>| match used_at {
        Some((_, s)) => s,
        None => located.span(view, r),
    };
    let file = used_at.map_or(located.display.as_str(), |(f, _)| f);
    if let Some(err) = &analysis.error {
        let span = at(&err.range);
        let mut d = finding(
            &RULE,
            Severity::Note,
            file,
            span,
            span,
            format!(
                "this Lua body does not parse ({}): slotlint cannot check the keys it touches",
                err.message.trim()
            ),
            "Lua parse error".into(),
        );
        d.help = Some("check the script with `redis-cli EVAL` or `luac -p`; the rest of the file is checked as usual".into());
        out.push(d);
        return out;
    }
    let shebang = analysis.shebang.as_ref();
    if let Some(s) = shebang.filter(|s| s.has_flag("no-cluster")) {
        let span = at(&s.range);
        let mut d = finding(
            &RULE,
            Severity::Error,
            file,
            span,
            span,
            "this script declares `no-cluster`: a cluster refuses to run it (`Can not run script on cluster, 'no-cluster' flag is set`)".into(),
            "no-cluster flag".into(),
        );
        d.help = Some("remove `no-cluster` once every key the script touches is passed in KEYS with one hash tag".into());
        out.push(d);
    }
    let cross_slot_refused = shebang.is_some_and(|s| !s.has_flag("allow-cross-slot-keys"));
    for u in &analysis.key_uses {
        let Some((severity, message, label)) = describe(u) else {
            continue;
        };
        let span = at(&u.range);
        let mut d = finding(&RULE, severity, file, span, span, message, label);
        d.notes.push("a cluster routes a script by its declared keys; a key it builds itself may live on another node: `ERR Script attempted to access a non local key in a cluster node script`".into());
        if cross_slot_refused {
            d.notes.push("with a `#!lua` shebang (no `allow-cross-slot-keys`), Redis 7 also refuses keys of another slot than the declared ones, even on the same node".into());
        }
        if used_at.is_some() {
            d.notes
                .push(format!("in the script body at {}", located.display));
        }
        d.help = Some(if library {
            "pass the key in FCALL's keys and read it from the callback's `keys` table, with the hash tag of the other keys".into()
        } else {
            "pass the key with `.key(..)` at the call and read it as `KEYS[n]`, with the hash tag of the other keys".into()
        });
        out.push(d);
    }
    out
}

fn check(view: &Input<'_>, sink: &mut Sink) {
    let (d, files) = findings(view);
    sink.diagnostics.extend(d);
    sink.files.extend(files);
}

fn findings(view: &Input<'_>) -> (Vec<Diagnostic>, Vec<SourceFile>) {
    let mut out = Vec::new();
    let mut files = Vec::new();
    let mut analyses: HashMap<String, Analysis> = HashMap::new();
    let mut located_texts: HashSet<String> = HashSet::new();
    let mut body_origin: HashMap<String, String> = HashMap::new();
    let mut seen: HashSet<&BodyLocation> = HashSet::new();
    for (i, facts) in view.facts.files.iter().enumerate() {
        for body in &facts.lua_bodies {
            located_texts.insert(body.text.clone());
            let Some(located) = locate(view, body) else {
                continue;
            };
            body_origin.entry(body.text.clone()).or_insert_with(|| {
                match (&body.location, body.offsets.first()) {
                    (BodyLocation::Literal { file, .. }, Some(&at)) => {
                        format!("{}:{}", located.display, view.sources[*file].line_col(at).0)
                    }
                    _ => located.display.clone(),
                }
            });
            if !view.live(i, body.used_at.start) || !seen.insert(&body.location) {
                continue;
            }
            let analysis = analyses
                .entry(body.text.clone())
                .or_insert_with(|| lua::analyze(&body.text, view.commands));
            let found = body_findings(view, analysis, &located, body.library, None);
            if !found.is_empty() {
                if let Some(s) = &located.source {
                    files.push(s.clone());
                }
            }
            out.extend(found);
        }
    }
    // Invocations: how many keys each passes, and bodies only the interpreter could read.
    let mut fallback_done: HashSet<String> = HashSet::new();
    for (i, site) in view.live_sites() {
        let SiteKind::Script {
            keys,
            complete,
            source: Some(source),
            ..
        } = &site.kind
        else {
            continue;
        };
        let analysis = analyses
            .entry(source.text.clone())
            .or_insert_with(|| lua::analyze(&source.text, view.commands))
            .clone();
        if !located_texts.contains(&source.text) && fallback_done.insert(source.text.clone()) {
            let located = Located {
                display: source.origin.clone(),
                offsets: None,
                source: None,
                file: None,
            };
            out.extend(body_findings(
                view,
                &analysis,
                &located,
                false,
                Some((view.display(i), site.focus)),
            ));
        }
        if analysis.error.is_some() || analysis.counts_keys || analysis.is_library {
            continue;
        }
        if !*complete || keys.iter().any(|k| k.many) {
            continue;
        }
        let Some(max) = analysis.max_unguarded_index() else {
            continue;
        };
        let passed = keys.len();
        if max.index <= passed {
            continue;
        }
        let where_ = body_origin
            .get(&source.text)
            .cloned()
            .unwrap_or_else(|| source.origin.clone());
        let mut d = finding(
            &RULE,
            Severity::Error,
            view.display(i),
            site.span,
            site.focus,
            format!(
                "the script reads `KEYS[{}]`, but this call passes {passed} key{}",
                max.index,
                if passed == 1 { "" } else { "s" }
            ),
            format!(
                "{passed} key{} passed here",
                if passed == 1 { "" } else { "s" }
            ),
        );
        d.labels = keys
            .iter()
            .enumerate()
            .map(|(n, k)| Label {
                span: k.span,
                message: format!("KEYS[{}]", n + 1),
            })
            .take(8)
            .collect();
        d.notes.push(format!("`KEYS[{}]` is nil in the script (body at {where_}): `redis.call` fails with \"Lua redis lib command arguments must be strings or integers\", and the key is missing from the cluster's slot check", max.index));
        d.help = Some(format!(
            "pass {} key{} with `.key(..)`, in the order the script reads them",
            max.index,
            if max.index == 1 { "" } else { "s" }
        ));
        out.push(d);
    }
    files.sort_by(|a, b| a.display.cmp(&b.display));
    files.dedup_by(|a, b| a.display == b.display);
    (out, files)
}
