//! Shared reasoning for the cross-slot rules: do these keys share a slot, how sure is that,
//! and which hash tag would make them share one.

use slotlint_keys::suggest::{suggest_tag, TagSuggestion};
use slotlint_keys::{colocation, Certainty, Colocation, Hole, KeyPattern, Segment, SpanReason};

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
        /// The patterns of `a` and `b` in the case that crosses (one alternative of each).
        patterns: (KeyPattern, KeyPattern),
        /// When only some branches cross: which (`when `key` takes the `Part::Settings` arm`).
        arm: Option<String>,
    },
    /// Some keys could not be resolved, and the others do not already settle it.
    Unknown,
}

/// Cases of alternatives judged before the verdict is left to run-time values.
const MAX_CASES: usize = 64;

/// One way the keys can be: a pattern per key, and the arms taken.
struct Case {
    patterns: Vec<Option<KeyPattern>>,
    arms: Vec<String>,
}

/// Every combination of the keys' alternatives; keys chosen by the same value take the same
/// arm. `None` when there are too many.
fn cases(keys: &[KeyArg]) -> Option<Vec<Case>> {
    let mut cases = vec![Case {
        patterns: Vec::new(),
        arms: Vec::new(),
    }];
    // The arm chosen so far, per choosing value.
    let mut chosen: Vec<Vec<(slotlint_keys::HoleId, usize)>> = vec![Vec::new()];
    for k in keys {
        let alts: Vec<Option<KeyPattern>> = if k.alternatives.is_empty() {
            vec![key_pattern(k)]
        } else {
            k.alternatives.iter().cloned().map(Some).collect()
        };
        let mut next = Vec::new();
        let mut next_chosen = Vec::new();
        for (case, picks) in cases.into_iter().zip(chosen) {
            let fixed = k.arms.as_ref().and_then(|arms| {
                picks
                    .iter()
                    .find(|(id, _)| *id == arms.choice)
                    .map(|(_, i)| *i)
            });
            for (i, alt) in alts.iter().enumerate() {
                if fixed.is_some_and(|f| f != i) {
                    continue;
                }
                let mut c = Case {
                    patterns: case.patterns.clone(),
                    arms: case.arms.clone(),
                };
                c.patterns.push(alt.clone());
                let mut p = picks.clone();
                if let Some(arms) = &k.arms {
                    if fixed.is_none() {
                        p.push((arms.choice.clone(), i));
                        if let Some(label) = arms.labels.get(i) {
                            c.arms.push(format!("{} takes {label}", k.shown()));
                        }
                    }
                } else if alts.len() > 1 {
                    c.arms.push(format!(
                        "{} is `{}`",
                        k.shown(),
                        alt.as_ref().map(|p| p.to_string()).unwrap_or_default()
                    ));
                }
                next.push(c);
                next_chosen.push(p);
            }
        }
        if next.len() > MAX_CASES {
            return None;
        }
        cases = next;
        chosen = next_chosen;
    }
    Some(cases)
}

/// The pattern a key is judged by: its pattern, or, for a key that is one run-time value and
/// nothing else, a pattern of that one value (equal to itself, unknown against others).
fn key_pattern(k: &KeyArg) -> Option<KeyPattern> {
    k.pattern.clone().or_else(|| {
        // A collection of values slotlint knows nothing about says nothing about slots.
        if k.many {
            return None;
        }
        Some(KeyPattern::hole(Hole::new(k.hole.clone()?, k.text.clone())))
    })
}

/// What [`judge_case`] says of a case.
type CaseVerdict = Result<Option<(usize, usize, Certainty, SpanReason)>, ()>;

/// Every case of the keys' alternatives, each judged (`None`: too many cases).
fn judged_cases(keys: &[KeyArg]) -> Option<(Vec<Case>, Vec<CaseVerdict>)> {
    let cases = cases(keys)?;
    let judged = cases.iter().map(|case| judge_case(keys, case)).collect();
    Some((cases, judged))
}

/// The case a verdict reports: the first of those that cross most surely.
fn worst_crossing(judged: &[CaseVerdict]) -> Option<usize> {
    let mut worst: Option<(Certainty, usize)> = None;
    for (n, judgment) in judged.iter().enumerate() {
        if let Ok(Some((_, _, c, _))) = judgment {
            if worst.as_ref().is_none_or(|w| *c > w.0) {
                worst = Some((*c, n));
            }
        }
    }
    worst.map(|(_, n)| n)
}

/// The verdict for one case: `None` when the keys share a slot.
fn judge_case(
    keys: &[KeyArg],
    case: &Case,
) -> Result<Option<(usize, usize, Certainty, SpanReason)>, ()> {
    let resolved: Vec<(usize, &KeyPattern)> = case
        .patterns
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.as_ref().map(|p| (i, p)))
        .collect();
    let patterns: Vec<KeyPattern> = resolved.iter().map(|(_, p)| (*p).clone()).collect();
    // A key of run-time values only (in this case) says nothing about its slot.
    let unknown = |i: usize| !case.patterns[i].as_ref().is_some_and(KeyPattern::has_text);
    let missing = case.patterns.iter().any(Option::is_none);
    match colocation(&patterns) {
        Colocation::SameSlot { .. } if missing && several(keys) => Err(()),
        Colocation::SameSlot { .. } => Ok(None),
        Colocation::DifferentSlots {
            a,
            b,
            certainty,
            reason,
        } => {
            let (a, b) = (resolved[a].0, resolved[b].0);
            match certainty {
                Certainty::Certain | Certainty::NearCertain => Ok(Some((a, b, certainty, reason))),
                // Against a value slotlint could not follow, "may differ" says nothing.
                _ if unknown(a) || unknown(b) || missing => Err(()),
                _ => Ok(Some((a, b, certainty, reason))),
            }
        }
    }
}

fn several(keys: &[KeyArg]) -> bool {
    keys.len() >= 2 || keys.iter().any(|k| k.many)
}

/// Judge a set of keys. Unresolved keys never make a set "proven" (unless they are one and the
/// same value); a certain or near-certain span among the resolved keys is reported regardless of
/// them. Keys with alternatives are judged in every combination of arms: a span in all of them
/// is certain, in some of them it depends on the arm (and says which).
pub fn judge(keys: &[KeyArg]) -> Verdict {
    let Some((cases, judged)) = judged_cases(keys) else {
        return Verdict::Unknown;
    };
    let (mut crossing, mut same, mut unknown) = (0, 0, 0);
    for judgment in &judged {
        match judgment {
            Ok(None) => same += 1,
            Ok(Some((_, _, c, _))) => {
                if matches!(c, Certainty::Certain | Certainty::NearCertain) {
                    crossing += 1;
                }
            }
            Err(()) => unknown += 1,
        }
    }
    let total = cases.len();
    let reported = worst_crossing(&judged);
    let Some((a, b, certainty, reason, n)) = reported.and_then(|n| match &judged[n] {
        Ok(Some((a, b, c, r))) => Some((*a, *b, *c, r.clone(), n)),
        _ => None,
    }) else {
        return if unknown > 0 {
            Verdict::Unknown
        } else {
            Verdict::SameSlot
        };
    };
    let case = &cases[n];
    let patterns = (
        case.patterns[a].clone().unwrap_or_default(),
        case.patterns[b].clone().unwrap_or_default(),
    );
    if crossing == total {
        return Verdict::Spans {
            a,
            b,
            certainty,
            reason,
            patterns,
            arm: None,
        };
    }
    if crossing == 0 && unknown > 0 {
        return Verdict::Unknown;
    }
    // Some arms cross, others do not: it depends on which runs.
    let arm = (crossing > 0 && (same > 0 || unknown > 0)).then(|| case.arms.join(" and "));
    Verdict::Spans {
        a,
        b,
        certainty: Certainty::DependsOnValues,
        reason,
        patterns,
        arm: arm.filter(|a| !a.is_empty()),
    }
}

/// What a "may land in different slots" verdict depends on: `which branch runs` when some arms
/// cross and others do not, else `run-time values`.
pub fn depends_on(verdict: &Verdict) -> &'static str {
    match verdict {
        Verdict::Spans { arm: Some(_), .. } => "which branch runs",
        _ => "run-time values",
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

/// Why keys are not resolved, one sentence per distinct reason (for notes).
pub fn unresolved_reasons(keys: &[KeyArg]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in keys.iter().filter(|k| k.pattern.is_none()) {
        let line = match &k.why {
            Some(w) => w.detail.clone(),
            None if k.many => format!("{} holds keys slotlint could not follow", k.shown()),
            None => format!("{} is a value slotlint could not follow", k.shown()),
        };
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out.truncate(3);
    out
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
pub fn explain(_keys: &[KeyArg], verdict: &Verdict) -> Option<String> {
    let Verdict::Spans {
        reason,
        patterns: (pa, pb),
        arm,
        ..
    } = verdict
    else {
        return None;
    };
    let tag_caveat = |p: &KeyPattern| -> String {
        let unknown: Vec<String> = p
            .holes()
            .filter(|h| h.value.is_none() && !h.per_element)
            .map(|h| format!("`{}`", h.name))
            .collect();
        match unknown.as_slice() {
            [] => String::new(),
            [one] => format!(" (unless {one} itself holds a `{{…}}` hash tag)"),
            many => format!(
                " (unless one of {} holds a `{{…}}` hash tag)",
                many.join(", ")
            ),
        }
    };
    let mut sentence = match reason {
        SpanReason::LiteralSlots(sa, sb) => {
            format!("`{pa}` hashes to slot {sa} and `{pb}` to slot {sb}")
        }
        SpanReason::TextDiffers => {
            format!("`{pa}` and `{pb}` differ outside any hash tag: they share a slot only by a 1-in-16384 accident{}", tag_caveat(pa))
        }
        SpanReason::VariesPerElement { hole } => {
            format!("`{pa}` differs for each element in `{hole}`, which is hashed: two elements almost surely land in different slots")
        }
        SpanReason::ValuesMustMatch => {
            format!("`{pa}` and `{pb}` share a slot only if their run-time values hash alike")
        }
    };
    if let Some(arm) = arm {
        sentence = format!("when {arm}, {sentence}");
    }
    Some(sentence)
}

/// The help line: the hash-tag rewrite, or why there is none.
///
/// The rewrite is proposed on the keys' templates (what `fix` edits), so a key built with a
/// known value (`user_key(42)`) gets `{user:<id>}:profile`, never the constant tag `{user:42}`
/// that the `hot-hash-tag` rule would flag once the template is used with other values. A
/// concrete example follows: the known values, or illustrative ones.
pub fn tag_help(keys: &[KeyArg], atomic_needed: bool) -> Option<String> {
    // Keys with alternatives: those of the case the verdict reports (the branch that crosses;
    // a tag that the keys of another branch share already says nothing about this one).
    let reported = keys
        .iter()
        .any(|k| !k.alternatives.is_empty())
        .then(|| judged_cases(keys))
        .flatten()
        .and_then(|(cases, judged)| cases.into_iter().nth(worst_crossing(&judged)?));
    let per_key: Vec<Option<KeyPattern>> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| match &reported {
            Some(case) if !k.alternatives.is_empty() => case.patterns[i].clone(),
            _ => k.pattern.clone(),
        })
        .collect();
    let mut patterns: Vec<KeyPattern> = Vec::new();
    for p in per_key.into_iter().flatten() {
        if !patterns.contains(&p) {
            patterns.push(p);
        }
    }
    if patterns.is_empty() {
        return Some("make the keys visible to slotlint (literal, `format!`, or a helper of this crate), or give them one hash tag".into());
    }
    // Known values that arrive through a parameter vary with the caller: the rewrite is on the
    // template. A literal written in the `format!` itself (a hole named by its own value) stays,
    // a constant becomes its text, so does a field's value (`self.prefix`: the same for every
    // key the instance builds, so a tag over it is a constant one), and so does a known value
    // that differs between these keys (`full_key(t, "orders")` with `full_key(t, "open")`): it
    // tells the keys apart as literal text would.
    let differing = holes_with_differing_values(&patterns);
    let templates: Vec<KeyPattern> = patterns
        .iter()
        .map(|p| {
            p.substitute(&mut |h| match &h.value {
                Some(v)
                    if differing.contains(&h.id)
                        || names_constant(&h.name)
                        || h.name.starts_with("self.") =>
                {
                    Some(KeyPattern::literal(v.clone()))
                }
                Some(v) if *v != h.name => Some(KeyPattern::hole(Hole {
                    value: None,
                    ..h.clone()
                })),
                _ => None,
            })
        })
        .collect();
    // A run-time value every key is built with is a tag that co-locates them, whatever else
    // differs.
    let shares_run_time_value = patterns.first().is_some_and(|first| {
        first.holes().any(|h| {
            h.value.is_none()
                && !h.per_element
                && patterns.iter().all(|p| p.holes().any(|o| o.id == h.id))
        })
    });
    if let Some((hole, values)) =
        one_template_different_values(&patterns).filter(|_| !shares_run_time_value)
    {
        return Some(format!(
            "these keys are built alike with different values of `{hole}` ({values}): a hash tag over `{hole}` cannot co-locate them, and a constant one would put every key built this way in one slot (a hot node): send one command per key"
        ));
    }
    let only_constant = |shared: &str| {
        format!(
            "these keys vary and share only `{shared}`; a constant hash tag would put every one of them in one slot (a hot node){}",
            if atomic_needed { ": send one command per key, or key them by an entity they share" } else { "" }
        )
    };
    Some(match suggest_tag(&templates) {
        TagSuggestion::Rewrite { tag, rewritten } => {
            if let Some(hole) = tag_hole_with_differing_values(&tag, &patterns) {
                return Some(format!(
                    "these keys differ in `{hole}`, which would be their hash tag: give keys used together one value of `{hole}`, or send one command per key"
                ));
            }
            let list: Vec<String> = rewritten.iter().take(4).map(|p| format!("`{p}`")).collect();
            let more = if rewritten.len() > 4 { ", …" } else { "" };
            let example = (!tag.is_literal() || !patterns[0].is_literal())
                .then(|| example(&patterns[0], &rewritten[0]))
                .flatten()
                .map(|(before, after)| format!(" (e.g. `{before}` → `{after}`)"))
                .unwrap_or_default();
            let what = match tag.segments() {
                [Segment::Hole(h)] if h.value.is_none() => {
                    format!("make `{}` the hash tag", h.name)
                }
                _ => format!("put `{tag}` in a hash tag"),
            };
            format!(
                "{what} so these keys share a slot: {}{more}{example}",
                list.join(", ")
            )
        }
        TagSuggestion::OnlyConstantShared { shared } => only_constant(&shared),
        TagSuggestion::NothingShared => "the keys share nothing a hash tag could name: send one command per slot, or redesign the keys so those used together share a tag".into(),
        TagSuggestion::ConflictingTags => {
            let mut tags: Vec<String> = Vec::new();
            for p in &patterns {
                if let Some(t) = p.hash_tag() {
                    let t = format!("`{{{t}}}`");
                    if !tags.contains(&t) {
                        tags.push(t);
                    }
                }
            }
            if patterns.iter().any(|p| p.hash_tag().is_none()) {
                format!("only some of these keys carry a hash tag ({}): give every key used together the same tag", tags.join(", "))
            } else {
                format!("these keys carry different hash tags ({}): give keys used together the same tag", tags.join(", "))
            }
        }
    })
}

/// Keys built from one template whose known values differ (`user_key(1)`, `user_key(2)`):
/// the hole's name and the values, quoted.
fn one_template_different_values(patterns: &[KeyPattern]) -> Option<(String, String)> {
    let skeleton = patterns.first()?.skeleton();
    if patterns.len() < 2 || patterns.iter().any(|p| p.skeleton() != skeleton) {
        return None;
    }
    let first: Vec<&Hole> = patterns[0].holes().collect();
    first.iter().enumerate().find_map(|(i, h)| {
        let mut values: Vec<String> = Vec::new();
        for p in patterns {
            let v = p.holes().nth(i)?.value.clone()?;
            if !values.contains(&v) {
                values.push(v);
            }
        }
        (values.len() > 1 && h.value.as_ref() != Some(&h.name)).then(|| {
            let shown: Vec<String> = values.iter().take(3).map(|v| format!("`{v}`")).collect();
            (h.name.clone(), shown.join(", "))
        })
    })
}

/// Whether a placeholder names a constant (`{PREFIX}`, `{REDIS_DELIMITER}`): upper case, as
/// rustc's `non_upper_case_globals` lint asks of every `const` and `static`. Its value never
/// varies, so the rewrite keeps it as text, like a literal.
fn names_constant(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The holes that hold different known values in different keys: by identity, and, for keys
/// built from one template (whose holes may be told apart per call), by position.
fn holes_with_differing_values(patterns: &[KeyPattern]) -> Vec<slotlint_keys::HoleId> {
    let mut differing = Vec::new();
    let one_template = patterns
        .windows(2)
        .all(|w| w[0].skeleton() == w[1].skeleton());
    for p in patterns {
        for (i, h) in p.holes().enumerate() {
            if h.value.is_none() || differing.contains(&h.id) {
                continue;
            }
            let differs = patterns.iter().any(|q| {
                q.holes().any(|o| o.id == h.id && o.value != h.value)
                    || (one_template && q.holes().nth(i).is_some_and(|o| o.value != h.value))
            });
            if differs {
                differing.push(h.id.clone());
            }
        }
    }
    differing
}

/// A hole of the proposed tag that holds different known values in different keys
/// (`user_key(1)` with `user_key(2)`): one template, but no tag over it can co-locate them.
fn tag_hole_with_differing_values(tag: &KeyPattern, patterns: &[KeyPattern]) -> Option<String> {
    tag.holes().find_map(|t| {
        let mut values = patterns
            .iter()
            .flat_map(|p| p.holes().filter(|h| h.id == t.id).map(|h| h.value.clone()));
        let first = values.next()?;
        values.any(|v| v != first).then(|| t.name.clone())
    })
}

/// The first key and its rewrite with every hole filled: the known value where there is one,
/// an illustrative value (`42`, `7`, …) otherwise. `None` when the key has no hole.
fn example(key: &KeyPattern, rewritten: &KeyPattern) -> Option<(String, String)> {
    const SAMPLES: [&str; 4] = ["42", "7", "3", "9"];
    let mut values: Vec<(slotlint_keys::HoleId, String)> = Vec::new();
    for h in key.holes() {
        if !values.iter().any(|(id, _)| *id == h.id) {
            let v = h.value.clone().unwrap_or_else(|| {
                let unknown = values.len();
                SAMPLES
                    .get(unknown)
                    .map_or_else(|| unknown.to_string(), |s| s.to_string())
            });
            values.push((h.id.clone(), v));
        }
    }
    if values.is_empty() {
        return None;
    }
    let fill = |p: &KeyPattern| {
        p.substitute(&mut |h| {
            values
                .iter()
                .find(|(id, _)| *id == h.id)
                .map(|(_, v)| KeyPattern::literal(v.clone()))
        })
        .to_string()
    };
    Some((fill(key), fill(rewritten)))
}
