//! `hot-hash-tag`: a key family whose hash tag is constant while the rest of the key varies.

use std::collections::{BTreeMap, HashSet};

use slotlint_keys::{KeyPattern, Segment};

use super::Rule;
use super::{finding, Input, Sink};
use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::sites::{KeyArg, SiteKind};
use crate::source::Span;

pub const RULE: Rule = Rule {
    name: "hot-hash-tag",
    code: "SL207",
    severity: Severity::Warning,
    summary:
        "a constant hash tag over varying keys (`{sessions}:<id>`): the whole family on one node",
    docs: r#"## What it finds
Key families (keys built the same way, e.g. `format!("{{sessions}}:{id}")`) whose hash tag has
no varying part while the key outside the tag varies: `{sessions}:<id>`, `{cache}:item:<id>`.
Reported once per family, at its first use in the crate, with the other uses in that file
labeled.

Not reported: fixed keys, even when they share a tag (`{stats}:daily` and `{stats}:weekly` are two
keys, not a growing family); tags with a varying part (`{user:<id>}:profile`); and families whose
constant tag is shared by several keys of one multi-key command, transaction, pipeline or script
— there the constant tag is what makes the operation legal (`BLPOP` over the
`{queue:jobs}:<lane>` lanes, `XREAD` over `{stream:audit}:logins` and `…:logouts`).

## Why it breaks on a cluster
Only the tag is hashed. When it is constant, every key of the family hashes to the same slot,
so the whole family — every session, every cached item — lives on one node. That node takes all
of the family's memory and traffic while the others idle, and it cannot be spread by adding
nodes: a slot is never split.

## Example
```rust
con.set(format!("{{sessions}}:{id}"), data).await?;
```

## Fix
Put the varying part inside the tag, so that each entity gets its own slot while its keys stay
together: `format!("{{sessions:{id}}}")`, `format!("{{user:{id}}}:profile")`. If the family
really must be in one slot (one multi-key operation over all of it), keep it small and bounded.
"#,
    fixable: false,
    check: Some(check),
};

/// The constant tag of a pattern whose key varies outside it.
fn hot_tag(p: &KeyPattern) -> Option<String> {
    let tag = p.hash_tag()?;
    let tag = tag.as_literal()?;
    (!p.is_literal()).then_some(tag)
}

/// `{sessions}:<id>` → `{sessions:<id>}`: the tag extended over the first varying part.
fn suggestion(p: &KeyPattern, tag: &str) -> Option<String> {
    let shown = p.to_string();
    let open = format!("{{{tag}}}");
    let at = shown.find(&open)?;
    let after = &shown[at + open.len()..];
    // The first hole after the tag, in display form `<name>`.
    let first_hole = p.segments().iter().find_map(|s| match s {
        Segment::Hole(h) => Some(format!("<{}>", h.name)),
        Segment::Text(_) => None,
    })?;
    let hole_at = after.find(&first_hole)?;
    let through = &after[..hole_at + first_hole.len()];
    let rest = &after[hole_at + first_hole.len()..];
    Some(format!("{}{{{tag}{through}}}{rest}", &shown[..at]))
}

struct Use {
    file: usize,
    span: Span,
    key: KeyArg,
}

fn check(view: &Input<'_>, sink: &mut Sink) {
    sink.diagnostics.extend(findings(view));
}

fn findings(view: &Input<'_>) -> Vec<Diagnostic> {
    // Constant tags used by several keys of one operation: there the constant tag is needed.
    let mut needed: HashSet<String> = HashSet::new();
    let mut uses: BTreeMap<String, Vec<Use>> = BTreeMap::new();
    for (i, site) in view.live_sites() {
        let groups: Vec<Vec<&KeyArg>> = match &site.kind {
            SiteKind::Command(c) => vec![c.keys.iter().collect()],
            SiteKind::Pipeline { commands, .. } => {
                vec![commands.iter().flat_map(|c| c.keys.iter()).collect()]
            }
            SiteKind::Transaction {
                watch, commands, ..
            } => vec![watch
                .iter()
                .chain(commands.iter().flat_map(|c| c.keys.iter()))
                .collect()],
            SiteKind::Script { keys, .. } => vec![keys.iter().collect()],
            SiteKind::PubSub { .. } => Vec::new(),
        };
        for group in groups {
            // Constant tags shared by two keys of one operation: co-location is the point.
            let tags: Vec<Option<String>> = group
                .iter()
                .map(|k| {
                    k.pattern
                        .as_ref()
                        .and_then(KeyPattern::hash_tag)
                        .and_then(|t| t.as_literal())
                })
                .collect();
            for (a, tag) in tags.iter().enumerate() {
                let Some(tag) = tag else { continue };
                let shared = group[a].many
                    || tags
                        .iter()
                        .enumerate()
                        .any(|(b, t)| b != a && t.as_ref() == Some(tag));
                if shared {
                    needed.insert(tag.clone());
                }
            }
            for k in &group {
                let Some(p) = &k.pattern else { continue };
                if hot_tag(p).is_none() {
                    continue;
                }
                let family = p.skeleton();
                uses.entry(family).or_default().push(Use {
                    file: i,
                    span: k.span,
                    key: (*k).clone(),
                });
            }
        }
    }
    let mut out = Vec::new();
    for (_, mut list) in uses {
        list.sort_by(|a, b| {
            (view.display(a.file), a.span.start).cmp(&(view.display(b.file), b.span.start))
        });
        list.dedup_by(|a, b| a.file == b.file && a.span == b.span);
        let first = &list[0];
        let Some(p) = &first.key.pattern else {
            continue;
        };
        let Some(tag) = hot_tag(p) else { continue };
        if needed.contains(&tag) {
            continue;
        }
        let slot = slotlint_keys::hashslot::slot(&tag);
        let mut d = finding(
            &RULE,
            Severity::Warning,
            view.display(first.file),
            first.span,
            first.span,
            format!("every key of `{p}` hashes to slot {slot}: the hash tag `{tag}` is constant while the key varies, so the whole family lives on one node"),
            format!("`{p}`: tag `{tag}`, slot {slot}, for every value"),
        );
        d.labels = list[1..]
            .iter()
            .filter(|u| u.file == first.file)
            .take(4)
            .map(|u| Label {
                span: u.span,
                message: "same family, same slot".into(),
            })
            .collect();
        let elsewhere = list.iter().filter(|u| u.file != first.file).count();
        if list.len() > 1 {
            d.notes.push(format!(
                "{} uses of this family in the crate{}",
                list.len(),
                if elsewhere > 0 {
                    format!(", {elsewhere} in other files")
                } else {
                    String::new()
                }
            ));
        }
        d.keys = crate::rules::verdict::key_infos(std::slice::from_ref(&first.key));
        d.help = Some(match suggestion(p, &tag) {
            Some(s) => format!("put the varying part inside the tag so each entity gets its own slot: `{s}` (in `format!`, braces are doubled)"),
            None => "put the varying part inside the hash tag so each entity gets its own slot".into(),
        });
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use slotlint_keys::Hole;

    #[test]
    fn suggestions() {
        let mut p = KeyPattern::literal("{sessions}:");
        p.push_hole(Hole::new("i", "id"));
        assert_eq!(hot_tag(&p).as_deref(), Some("sessions"));
        assert_eq!(
            suggestion(&p, "sessions").as_deref(),
            Some("{sessions:<id>}")
        );
        let mut p = KeyPattern::literal("app:{cache}:item:");
        p.push_hole(Hole::new("i", "id"));
        p.push_text(":meta");
        assert_eq!(
            suggestion(&p, "cache").as_deref(),
            Some("app:{cache:item:<id>}:meta")
        );
        assert_eq!(hot_tag(&KeyPattern::literal("{stats}:daily")), None);
        let mut p = KeyPattern::literal("{user:");
        p.push_hole(Hole::new("i", "id"));
        p.push_text("}:profile");
        assert_eq!(hot_tag(&p), None);
    }
}
