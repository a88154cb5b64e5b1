//! Shared reasoning for the cross-slot rules: do these keys share a slot, how sure is that,
//! and which hash tag would make them share one.

use slotlint_keys::suggest::{suggest_tag, TagSuggestion};
use slotlint_keys::{colocation, Certainty, Colocation, KeyPattern, SpanReason};

use crate::diagnostic::{KeyInfo, Label, Severity};
use crate::sites::KeyArg;

/// The verdict on the keys of one command, transaction, pipeline or script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Proven to share one slot (or fewer than two keys).
    SameSlot,
    /// Keys `a` and `b` land (or may land) in different slots.
    Spans {
        a: usize,
        b: usize,
        certainty: Certainty,
        reason: SpanReason,
    },
    /// Some keys could not be resolved, and the others do not already settle it.
    Unknown,
}

/// Judge a set of keys. Unresolved keys never make a set "proven"; a certain or near-certain
/// span among the resolved keys is reported regardless of them.
pub fn judge(keys: &[KeyArg]) -> Verdict {
    let resolved: Vec<(usize, &KeyPattern)> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| k.pattern.as_ref().map(|p| (i, p)))
        .collect();
    let patterns: Vec<KeyPattern> = resolved.iter().map(|(_, p)| (*p).clone()).collect();
    // A `many` key stands for a collection: compare it with itself through per-element holes,
    // which the interpreter already marked.
    let verdict = match colocation(&patterns) {
        Colocation::SameSlot { .. } => None,
        Colocation::DifferentSlots {
            a,
            b,
            certainty,
            reason,
        } => Some(Verdict::Spans {
            a: resolved[a].0,
            b: resolved[b].0,
            certainty,
            reason,
        }),
    };
    let unresolved = keys.iter().any(|k| k.pattern.is_none());
    let several = keys.len() >= 2 || keys.iter().any(|k| k.many);
    match verdict {
        Some(
            v @ Verdict::Spans {
                certainty: Certainty::Certain | Certainty::NearCertain,
                ..
            },
        ) => v,
        Some(_) | None if unresolved && several => Verdict::Unknown,
        Some(v) => v,
        None => Verdict::SameSlot,
    }
}

/// The severity a refused-on-span call gets for a verdict.
pub fn refused_severity(verdict: &Verdict) -> Option<Severity> {
    match verdict {
        Verdict::SameSlot => None,
        Verdict::Spans {
            certainty: Certainty::Certain | Certainty::NearCertain,
            ..
        } => Some(Severity::Error),
        Verdict::Spans { .. } => Some(Severity::Warning),
        Verdict::Unknown => Some(Severity::Note),
    }
}

/// The keys as reported in machine output.
pub fn key_infos(keys: &[KeyArg]) -> Vec<KeyInfo> {
    keys.iter()
        .map(|k| KeyInfo {
            text: k.text.clone(),
            pattern: k.pattern.as_ref().map(ToString::to_string),
            hash_tag: k
                .pattern
                .as_ref()
                .and_then(KeyPattern::hash_tag)
                .map(|t| t.to_string()),
            slot: k.pattern.as_ref().and_then(KeyPattern::slot),
            many: k.many,
            span: k.span,
            key: k.pattern.clone(),
        })
        .collect()
}

/// One label per key expression (keys from one expression share a label).
pub fn key_labels(keys: &[KeyArg]) -> Vec<Label> {
    let mut labels: Vec<Label> = Vec::new();
    for k in keys {
        let text = describe_key(k);
        if let Some(existing) = labels.iter_mut().find(|l| l.span == k.span) {
            if !existing.message.contains(&text) {
                existing.message.push_str(", ");
                existing.message.push_str(&text);
            }
            continue;
        }
        labels.push(Label {
            span: k.span,
            message: text,
        });
    }
    labels
}

fn describe_key(k: &KeyArg) -> String {
    let Some(p) = &k.pattern else {
        return if k.many {
            "keys not resolved".into()
        } else {
            "key not resolved".into()
        };
    };
    let mut s = format!("`{p}`");
    if k.many {
        s.push_str(" for each element");
    }
    match (p.hash_tag(), p.slot()) {
        (Some(tag), Some(slot)) => s.push_str(&format!(" (tag `{tag}`, slot {slot})")),
        (Some(tag), None) => s.push_str(&format!(" (tag `{tag}`)")),
        (None, Some(slot)) => s.push_str(&format!(" (slot {slot})")),
        (None, None) => {}
    }
    s
}

/// Why the keys span slots, in a sentence.
pub fn explain(keys: &[KeyArg], verdict: &Verdict) -> Option<String> {
    let Verdict::Spans { a, b, reason, .. } = verdict else {
        return None;
    };
    let pa = keys[*a].pattern.as_ref()?;
    let pb = keys[*b].pattern.as_ref()?;
    Some(match reason {
        SpanReason::LiteralSlots(sa, sb) => {
            format!("`{pa}` hashes to slot {sa} and `{pb}` to slot {sb}")
        }
        SpanReason::TextDiffers => {
            format!("`{pa}` and `{pb}` differ outside any hash tag: they share a slot only by a 1-in-16384 accident")
        }
        SpanReason::VariesPerElement { hole } => {
            format!("`{pa}` differs for each element in `{hole}`, which is hashed: two elements almost surely land in different slots")
        }
        SpanReason::ValuesMustMatch => {
            format!("`{pa}` and `{pb}` share a slot only if their run-time values hash alike")
        }
    })
}

/// The help line: the hash-tag rewrite, or why there is none.
pub fn tag_help(keys: &[KeyArg], atomic_needed: bool) -> Option<String> {
    let mut patterns: Vec<KeyPattern> = Vec::new();
    for k in keys {
        if let Some(p) = &k.pattern {
            if !patterns.contains(p) {
                patterns.push(p.clone());
            }
        }
    }
    if patterns.is_empty() {
        return Some("make the keys visible to slotlint (literal, `format!`, or a helper of this crate), or give them one hash tag".into());
    }
    Some(match suggest_tag(&patterns) {
        TagSuggestion::Rewrite { tag, rewritten } => {
            let list: Vec<String> = rewritten.iter().take(4).map(|p| format!("`{p}`")).collect();
            let more = if rewritten.len() > 4 { ", …" } else { "" };
            format!("put `{tag}` in a hash tag so these keys share a slot: {}{more}", list.join(", "))
        }
        TagSuggestion::OnlyConstantShared { shared } => format!(
            "these keys vary and share only `{shared}`; a constant hash tag would put every one of them in one slot (a hot node){}",
            if atomic_needed { ": send one command per key, or key them by an entity they share" } else { "" }
        ),
        TagSuggestion::NothingShared => "the keys share nothing a hash tag could name: send one command per slot, or redesign the keys so those used together share a tag".into(),
        TagSuggestion::ConflictingTags => "the keys carry different hash tags: give keys used together the same tag".into(),
    })
}
