//! Which hash tag would put a group of keys in one slot, and the keys rewritten with it.
//!
//! For keys used together, the tag is the longest common leading part that names the shared
//! entity (`user:{id}:profile` + `user:{id}:settings` → `{user:{id}}`). Keys that share a hole
//! but no leading text get that hole as the tag (`stock:{id}` + `reserved:{id}` →
//! `stock:{{id}}`). Fixed keys may share a constant tag. A constant tag is never proposed for
//! keys that vary: it would put every such key in one slot, on one node.

use crate::{Hole, KeyPattern, Segment};

/// What to do about a group of keys that must share a slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagSuggestion {
    /// Wrap `tag` in braces in every key: `rewritten[i]` is `keys[i]` with the tag.
    Rewrite {
        tag: KeyPattern,
        rewritten: Vec<KeyPattern>,
    },
    /// The keys share only constant text while they vary: a constant tag would make one hot slot.
    OnlyConstantShared { shared: String },
    /// The keys share nothing: they name unrelated things, and need a design change.
    NothingShared,
    /// Some keys already carry hash tags that differ.
    ConflictingTags,
}

const SEPARATORS: &[char] = &[':', '.', '-', '_', '/', '|', '#'];

/// Propose a hash tag for keys that must share a slot.
pub fn suggest_tag(keys: &[KeyPattern]) -> TagSuggestion {
    if keys.is_empty() {
        return TagSuggestion::NothingShared;
    }
    if keys.iter().any(|k| k.hash_tag().is_some()) {
        return TagSuggestion::ConflictingTags;
    }
    let varies_per_element = keys.iter().any(KeyPattern::has_per_element_hole);
    let prefix = common_prefix(keys);
    let shared: Vec<&Hole> = keys[0]
        .holes()
        .filter(|h| !h.per_element && keys.iter().all(|k| k.holes().any(|o| o.id == h.id)))
        .collect();
    let prefix_has_hole = prefix
        .segments()
        .iter()
        .any(|s| matches!(s, Segment::Hole(_)));
    // The common prefix stops at the first hole that varies per element, so a hole in it names
    // an entity all the keys share (`queue:{queue}` over `queue:{queue}:{lane}` per lane).
    if prefix_has_hole {
        let tag = trim_tag(&prefix);
        let rewritten = keys.iter().map(|k| wrap_prefix(k, &tag)).collect();
        return TagSuggestion::Rewrite { tag, rewritten };
    }
    if let (Some(hole), false) = (shared.first(), varies_per_element) {
        let tag = KeyPattern::hole((*hole).clone());
        let rewritten = keys.iter().map(|k| wrap_hole(k, &hole.id)).collect();
        return TagSuggestion::Rewrite { tag, rewritten };
    }
    let constant = trim_tag(&prefix).as_literal().unwrap_or_default();
    let all_fixed = keys.iter().all(KeyPattern::is_literal);
    if all_fixed && !constant.is_empty() {
        let tag = KeyPattern::literal(constant);
        let rewritten = keys.iter().map(|k| wrap_prefix(k, &tag)).collect();
        return TagSuggestion::Rewrite { tag, rewritten };
    }
    if constant.is_empty() {
        TagSuggestion::NothingShared
    } else {
        TagSuggestion::OnlyConstantShared { shared: constant }
    }
}

/// The longest leading run of segments (text compared by chars, holes by identity) that
/// every key starts with.
fn common_prefix(keys: &[KeyPattern]) -> KeyPattern {
    let mut out = KeyPattern::new();
    let first = &keys[0];
    for (i, seg) in first.segments().iter().enumerate() {
        match seg {
            Segment::Hole(h) => {
                let all = keys.iter().all(|k| matches!(k.segments().get(i), Some(Segment::Hole(o)) if o.id == h.id && !o.per_element));
                if !all || h.per_element {
                    return out;
                }
                out.push_hole(h.clone());
            }
            Segment::Text(t) => {
                let mut len = t.len();
                for k in &keys[1..] {
                    let other = match k.segments().get(i) {
                        Some(Segment::Text(o)) => o.as_str(),
                        _ => "",
                    };
                    len = len.min(common_text_len(t, other));
                }
                out.push_text(&t[..len]);
                if len < t.len()
                    || keys
                        .iter()
                        .any(|k| !matches!(k.segments().get(i), Some(Segment::Text(o)) if o == t))
                {
                    return out;
                }
            }
        }
    }
    out
}

fn common_text_len(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or_else(|| a.len().min(b.len()), |((i, _), _)| i)
}

/// Cut a common prefix back to a whole name: drop text after the last separator that follows
/// the last hole (`user:{id}:pro` → `user:{id}`), then trailing separators.
fn trim_tag(prefix: &KeyPattern) -> KeyPattern {
    let mut segs: Vec<Segment> = prefix.segments().to_vec();
    let only_text = segs.len() == 1;
    if let Some(Segment::Text(t)) = segs.last_mut() {
        let keep = if only_text {
            // Constant only: keep up to the last separator (`session:o` → `session`).
            t.rfind(SEPARATORS).unwrap_or(0)
        } else {
            t.find(SEPARATORS).unwrap_or(0)
        };
        t.truncate(keep);
        let trimmed = t.trim_end_matches(SEPARATORS).len();
        t.truncate(trimmed);
        if t.is_empty() {
            segs.pop();
        }
    }
    let mut out = KeyPattern::new();
    for s in segs {
        match s {
            Segment::Text(t) => out.push_text(&t),
            Segment::Hole(h) => out.push_hole(h),
        }
    }
    out
}

/// `{tag}rest` for a key that starts with `tag`.
fn wrap_prefix(key: &KeyPattern, tag: &KeyPattern) -> KeyPattern {
    let mut out = KeyPattern::literal("{");
    out.push_pattern(tag);
    out.push_text("}");
    let rest = drop_prefix(key, tag);
    out.push_pattern(&rest);
    out
}

fn drop_prefix(key: &KeyPattern, prefix: &KeyPattern) -> KeyPattern {
    let mut rest = KeyPattern::new();
    let mut p = prefix.segments().iter().peekable();
    for seg in key.segments() {
        match (seg, p.peek()) {
            (Segment::Hole(_), Some(Segment::Hole(_))) => {
                p.next();
            }
            (Segment::Text(t), Some(Segment::Text(pt))) => {
                let pt = pt.clone();
                p.next();
                rest.push_text(t.strip_prefix(pt.as_str()).unwrap_or(t));
            }
            (Segment::Text(t), _) => rest.push_text(t),
            (Segment::Hole(h), _) => rest.push_hole(h.clone()),
        }
    }
    rest
}

/// The key with its first occurrence of hole `id` wrapped in braces.
fn wrap_hole(key: &KeyPattern, id: &crate::HoleId) -> KeyPattern {
    let mut out = KeyPattern::new();
    let mut done = false;
    for seg in key.segments() {
        match seg {
            Segment::Hole(h) if !done && &h.id == id => {
                out.push_text("{");
                out.push_hole(h.clone());
                out.push_text("}");
                done = true;
            }
            Segment::Hole(h) => out.push_hole(h.clone()),
            Segment::Text(t) => out.push_text(t),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(spec: &str) -> KeyPattern {
        crate::test_pattern(spec)
    }

    fn rewrite(keys: &[&str]) -> Vec<String> {
        let keys: Vec<_> = keys.iter().map(|k| pat(k)).collect();
        match suggest_tag(&keys) {
            TagSuggestion::Rewrite { rewritten, .. } => {
                rewritten.iter().map(|k| k.to_string()).collect()
            }
            other => vec![format!("{other:?}")],
        }
    }

    #[test]
    fn shared_entity_becomes_the_tag() {
        assert_eq!(
            rewrite(&["user:<id>:profile", "user:<id>:settings"]),
            ["{user:<id>}:profile", "{user:<id>}:settings"]
        );
        assert_eq!(
            rewrite(&["user:<id>:pro", "user:<id>:promo"]),
            ["{user:<id>}:pro", "{user:<id>}:promo"]
        );
        assert_eq!(
            rewrite(&["stock:<id>", "reserved:<id>"]),
            ["stock:{<id>}", "reserved:{<id>}"]
        );
        assert_eq!(
            rewrite(&["session:old", "session:new"]),
            ["{session}:old", "{session}:new"]
        );
    }

    #[test]
    fn no_rewrite_that_makes_a_hot_slot() {
        let keys = [pat("user:<a>"), pat("user:<b>")];
        assert_eq!(
            suggest_tag(&keys),
            TagSuggestion::OnlyConstantShared {
                shared: "user".into()
            }
        );
        assert_eq!(
            suggest_tag(&[pat("u:<*id>")]),
            TagSuggestion::OnlyConstantShared { shared: "u".into() }
        );
        assert_eq!(
            suggest_tag(&[pat("a"), pat("b")]),
            TagSuggestion::NothingShared
        );
        assert_eq!(
            suggest_tag(&[pat("{x}a"), pat("b")]),
            TagSuggestion::ConflictingTags
        );
    }
}
