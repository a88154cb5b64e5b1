//! Key patterns: what a Redis key looks like before run time, and whether keys share a slot.
//!
//! A [`KeyPattern`] is a sequence of literal text and [`Hole`]s. A hole stands for a value only
//! known at run time (a parameter, a local, a field) and has an identity: the same binding is
//! the same hole, so `user:{id}:a` and `user:{id}:b` are known to differ only in literal text.
//! A hole marked `per_element` stands for a value that differs between the elements of one
//! collection of keys (`ids.iter().map(|id| format!("u:{id}"))`).
//!
//! [`colocation`] decides, for the keys of one command, transaction or script, whether they are
//! proven to share a slot, certainly or near-certainly do not, or may not depending on run-time
//! values. [`format_string`] parses Rust format strings (`{{` is a literal brace, `{id}` is a
//! placeholder, never a hash tag); [`skeleton`] reads keys and format strings as characters and
//! holes, the shape a family of keys shares.
//!
//! This crate knows nothing of Rust syntax trees or of redis-rs: the analyzer and the macros
//! build patterns; this crate only reasons about them.

pub mod format_string;
pub mod skeleton;
pub mod suggest;

use std::fmt;

pub use slotlint_hashslot as hashslot;

/// Which function or constant a hole belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ScopeId {
    /// Function `n` of the crate (the analyzer's index).
    Fn(u32),
    /// The initializer of a `const`/`static`.
    Const(Box<str>),
}

/// The identity of a hole: two holes with the same id hold the same value (within one call
/// site). A typed value, so code that rewrites holes (a caller's argument for a parameter, a
/// receiver's field for `self.f`) matches on what a hole *is*, not on the spelling of a string.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HoleId {
    /// A place or expression named by its text: the macros' holes, and tests.
    Named(Box<str>),
    /// Parameter `index` (counting `self`) of function `func`.
    Param { func: u32, index: u32 },
    /// One element of parameter `index` of `func`, a collection.
    ParamElement { func: u32, index: u32 },
    /// A local binding declared at byte `at` of its file.
    Local { scope: ScopeId, at: u32 },
    /// A loop variable or closure parameter declared at byte `at`: one value per iteration.
    Element { scope: ScopeId, at: u32 },
    /// One element of a collection whose identity is the inner hole.
    ElementOf(Box<HoleId>),
    /// An expression the analyzer does not follow, by its text in its scope.
    Expr { scope: ScopeId, text: Box<str> },
    /// A field path of the receiver inside a method (`self.config.prefix` is `config.prefix`);
    /// a call substitutes the caller's receiver.
    SelfField(Box<str>),
    /// A field path of another value.
    Field { base: Box<HoleId>, path: Box<str> },
    /// Parameter `index` of constructor `func`, as seen through one instance (`base`) it built:
    /// every field the constructor filled from it shares it.
    Instance {
        base: Box<HoleId>,
        func: u32,
        index: u32,
    },
    /// A value of no string type formatted into a key (`format!("{:?}", x)`), at byte `at`.
    Formatted { scope: ScopeId, at: u32 },
    /// A value known at this site (see [`Hole::bound`]).
    Bound(Box<str>),
    /// The part of a `#[slotlint::key(tag = …)]` function's key that the declaration leaves open.
    Declared { func: u32 },
    /// A value computed inside a function (`inner`, of the function's own scope) as it is at
    /// one call (`call`): two calls with other arguments compute other values.
    AtCall {
        call: Box<HoleId>,
        inner: Box<HoleId>,
    },
}

impl HoleId {
    /// Whether the hole is a value of function `func`'s own scope (a local, an expression, a
    /// loop element), as opposed to a parameter or something outside the function.
    pub fn is_local_to(&self, func: u32) -> bool {
        match self {
            HoleId::Local { scope, .. }
            | HoleId::Element { scope, .. }
            | HoleId::Expr { scope, .. }
            | HoleId::Formatted { scope, .. } => *scope == ScopeId::Fn(func),
            HoleId::Declared { func: f } => *f == func,
            HoleId::ElementOf(inner) => inner.is_local_to(func),
            HoleId::Field { base, .. } | HoleId::Instance { base, .. } => base.is_local_to(func),
            _ => false,
        }
    }
}

impl HoleId {
    pub fn named(text: impl Into<String>) -> HoleId {
        HoleId::Named(text.into().into_boxed_str())
    }

    /// The text of a [`HoleId::Named`] id.
    pub fn as_named(&self) -> Option<&str> {
        match self {
            HoleId::Named(n) => Some(n),
            _ => None,
        }
    }
}

impl From<&str> for HoleId {
    fn from(text: &str) -> HoleId {
        HoleId::named(text)
    }
}

impl From<String> for HoleId {
    fn from(text: String) -> HoleId {
        HoleId::named(text)
    }
}

/// Why the analyzer could not follow a value: what a note says and `--statistics` counts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Unresolved {
    /// A stable category: `parameter`, `field`, `external call`, `external macro`,
    /// `trait method`, `run-time input`…
    pub kind: &'static str,
    /// A sentence fragment naming the expression and what stopped the analyzer.
    pub detail: String,
}

/// A value only known at run time, inside a key.
#[derive(Clone, Debug)]
pub struct Hole {
    /// Identity: two holes with the same id hold the same value (within one call site).
    pub id: HoleId,
    /// What to show to a user, usually the expression's source text (`id`, `self.user`).
    pub name: String,
    /// The hole takes a different value for each element of the collection the key belongs to.
    pub per_element: bool,
    /// A *bound* hole: the analyzer knows its value here (a caller passed a literal), but the
    /// key is still built from a template with a hole in that place. The key's text and slot use
    /// the value; its skeleton and [`KeyPattern::template`] keep the hole (what `fix` edits).
    pub value: Option<String>,
    /// Why the value is not known before run time, when the analyzer knows more than "it
    /// varies" (not part of the identity).
    pub why: Option<Box<Unresolved>>,
}

/// Holes are equal when they are the same value: identity, per-element-ness and bound value.
impl PartialEq for Hole {
    fn eq(&self, other: &Hole) -> bool {
        self.id == other.id && self.per_element == other.per_element && self.value == other.value
    }
}

impl Eq for Hole {}

impl std::hash::Hash for Hole {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
        self.per_element.hash(state);
        self.value.hash(state);
    }
}

impl Hole {
    pub fn new(id: impl Into<HoleId>, name: impl Into<String>) -> Hole {
        Hole {
            id: id.into(),
            name: name.into(),
            per_element: false,
            value: None,
            why: None,
        }
    }

    /// A hole whose value is known: `name` in the template, `value` in this key.
    pub fn bound(name: impl Into<String>, value: impl Into<String>) -> Hole {
        let value = value.into();
        Hole {
            id: HoleId::Bound(value.clone().into_boxed_str()),
            name: name.into(),
            per_element: false,
            value: Some(value),
            why: None,
        }
    }

    /// The same hole, with the reason it is not known.
    pub fn because(mut self, kind: &'static str, detail: impl Into<String>) -> Hole {
        self.why = Some(Box::new(Unresolved {
            kind,
            detail: detail.into(),
        }));
        self
    }
}

/// One part of a [`KeyPattern`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    Text(String),
    Hole(Hole),
}

/// A key as known before run time: literal text and holes, adjacent texts merged.
///
/// Holes are assumed not to contain `{` or `}`: ids, numbers and names rarely do, and the
/// hash-tag rule would otherwise depend on every value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyPattern {
    segments: Vec<Segment>,
}

impl KeyPattern {
    pub fn new() -> KeyPattern {
        KeyPattern::default()
    }

    pub fn literal(text: impl Into<String>) -> KeyPattern {
        let mut p = KeyPattern::new();
        p.push_text(&text.into());
        p
    }

    pub fn hole(hole: Hole) -> KeyPattern {
        let mut p = KeyPattern::new();
        p.push_hole(hole);
        p
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    pub fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if let Some(Segment::Text(last)) = self.segments.last_mut() {
            last.push_str(text);
        } else {
            self.segments.push(Segment::Text(text.to_owned()));
        }
    }

    pub fn push_hole(&mut self, hole: Hole) {
        self.segments.push(Segment::Hole(hole));
    }

    pub fn push_pattern(&mut self, other: &KeyPattern) {
        for seg in &other.segments {
            match seg {
                Segment::Text(t) => self.push_text(t),
                Segment::Hole(h) => self.push_hole(h.clone()),
            }
        }
    }

    pub fn concat(mut self, other: &KeyPattern) -> KeyPattern {
        self.push_pattern(other);
        self
    }

    /// The text of a pattern whose holes are all bound (or absent).
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for seg in &self.segments {
            match seg {
                Segment::Text(t) => out.push_str(t),
                Segment::Hole(Hole { value: Some(v), .. }) => out.push_str(v),
                Segment::Hole(_) => return None,
            }
        }
        Some(out)
    }

    pub fn is_literal(&self) -> bool {
        self.segments.iter().all(|s| {
            matches!(
                s,
                Segment::Text(_) | Segment::Hole(Hole { value: Some(_), .. })
            )
        })
    }

    /// The template the key is built from: bound holes become plain holes again.
    pub fn template(&self) -> KeyPattern {
        self.substitute(&mut |h| {
            h.value.is_some().then(|| {
                KeyPattern::hole(Hole {
                    value: None,
                    ..h.clone()
                })
            })
        })
    }

    /// Whether any part of the key is known text (a literal, or a known value filling a
    /// template's placeholder): a key that is run-time values only says nothing about its slot.
    pub fn has_text(&self) -> bool {
        self.segments.iter().any(|s| match s {
            Segment::Text(t) => !t.is_empty(),
            Segment::Hole(h) => h.value.as_ref().is_some_and(|v| !v.is_empty()),
        })
    }

    pub fn holes(&self) -> impl Iterator<Item = &Hole> {
        self.segments.iter().filter_map(|s| match s {
            Segment::Hole(h) => Some(h),
            Segment::Text(_) => None,
        })
    }

    pub fn has_per_element_hole(&self) -> bool {
        self.holes().any(|h| h.per_element)
    }

    /// Replace holes: `f` returns the pattern to put in place of a hole, or `None` to keep it.
    pub fn substitute(&self, f: &mut dyn FnMut(&Hole) -> Option<KeyPattern>) -> KeyPattern {
        let mut out = KeyPattern::new();
        for seg in &self.segments {
            match seg {
                Segment::Text(t) => out.push_text(t),
                Segment::Hole(h) => match f(h) {
                    Some(p) => out.push_pattern(&p),
                    None => out.push_hole(h.clone()),
                },
            }
        }
        out
    }

    /// The same pattern with every hole marked as varying per element (or not).
    pub fn with_per_element(&self, ids: &dyn Fn(&Hole) -> bool) -> KeyPattern {
        self.substitute(&mut |h| {
            ids(h).then(|| {
                KeyPattern::hole(Hole {
                    per_element: true,
                    ..h.clone()
                })
            })
        })
    }

    /// The same pattern with no hole marked as varying per element (one element's key).
    pub fn without_per_element(&self) -> KeyPattern {
        self.substitute(&mut |h| {
            h.per_element.then(|| {
                KeyPattern::hole(Hole {
                    per_element: false,
                    ..h.clone()
                })
            })
        })
    }

    /// The hash tag, following the server's rule: the first `{`, the first `}` after it, and
    /// something in between. Holes count as non-empty text without braces.
    pub fn hash_tag(&self) -> Option<KeyPattern> {
        if let Some(text) = self.as_literal() {
            let (start, end) = hashslot::hash_tag_range(text.as_bytes())?;
            return Some(KeyPattern::literal(&text[start..end]));
        }
        // The first `{` of known text (text segments and bound holes' values), then up to the
        // next `}`, across segments.
        fn known(seg: &Segment) -> Option<&str> {
            match seg {
                Segment::Text(t) => Some(t),
                Segment::Hole(Hole { value: Some(v), .. }) => Some(v),
                Segment::Hole(_) => None,
            }
        }
        let (oi, opos) = self
            .segments
            .iter()
            .enumerate()
            .find_map(|(i, seg)| Some((i, known(seg)?.find('{')?)))?;
        let mut inner = KeyPattern::new();
        for (i, seg) in self.segments.iter().enumerate().skip(oi) {
            let from = if i == oi { opos + 1 } else { 0 };
            let Some(text) = known(seg) else {
                debug_assert!(i > oi);
                if let Segment::Hole(h) = seg {
                    inner.push_hole(h.clone());
                }
                continue;
            };
            let rest = &text[from..];
            let close = rest.find('}');
            match (seg, close) {
                // A bound hole wholly inside the tag stays a hole (what `fix` edits).
                (Segment::Hole(h), None) if from == 0 => inner.push_hole(h.clone()),
                _ => inner.push_text(&rest[..close.unwrap_or(rest.len())]),
            }
            if close.is_some() {
                return (!inner.segments.is_empty()).then_some(inner);
            }
        }
        None
    }

    /// What the server hashes: the hash tag, or the whole key.
    pub fn hashed_part(&self) -> KeyPattern {
        self.hash_tag().unwrap_or_else(|| self.clone())
    }

    /// The slot, when the hashed part has no hole (`{user}:{id}` has one: slot of `user`).
    pub fn slot(&self) -> Option<u16> {
        self.hashed_part().as_literal().map(hashslot::slot)
    }

    /// The literal skeleton: text with every hole written as `{}`, and literal braces doubled,
    /// as in a Rust format string. Two keys of one *family* share a skeleton.
    pub fn skeleton(&self) -> String {
        let mut out = String::new();
        for seg in &self.segments {
            match seg {
                Segment::Text(t) => {
                    for c in t.chars() {
                        match c {
                            '{' => out.push_str("{{"),
                            '}' => out.push_str("}}"),
                            c => out.push(c),
                        }
                    }
                }
                Segment::Hole(_) => out.push_str("{}"),
            }
        }
        out
    }
}

/// `user:<id>:profile`: text as is (literal braces are hash tags in the key), holes as `<name>`,
/// holes with a known value as that value. A literal key displays as itself. This is the one
/// notation for keys in messages, labels, notes and JSON; Rust source (`{{ }}` escapes) is shown
/// only where source is (diffs, edit lines).
impl fmt::Display for KeyPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for seg in &self.segments {
            match seg {
                Segment::Text(t) => f.write_str(t)?,
                Segment::Hole(Hole { value: Some(v), .. }) => f.write_str(v)?,
                Segment::Hole(h) => write!(f, "<{}>", h.name)?,
            }
        }
        Ok(())
    }
}

/// How sure a verdict of "different slots" is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Certainty {
    /// Run-time values decide: the keys share a slot only if some values coincide.
    DependsOnValues,
    /// The hashed parts differ in literal text, or vary per element of a collection: they share
    /// a slot only by a 1-in-16384 accident.
    NearCertain,
    /// Fully literal keys whose slots differ.
    Certain,
}

/// Why two keys were judged to land in different slots (or may).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpanReason {
    /// Both hashed parts are literal, with these slots.
    LiteralSlots(u16, u16),
    /// The hashed parts cannot be equal: their literal text differs.
    TextDiffers,
    /// One collection of keys differs per element in a hole that is hashed.
    VariesPerElement { hole: String },
    /// The hashed parts are equal only if run-time values coincide.
    ValuesMustMatch,
}

/// The verdict for a set of keys used together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Colocation {
    /// Fewer than two keys, or every pair proven to share a slot (`slot` when it is known).
    SameSlot { slot: Option<u16> },
    /// Keys `a` and `b` (indices into the input) may or do land in different slots.
    DifferentSlots {
        a: usize,
        b: usize,
        certainty: Certainty,
        reason: SpanReason,
    },
}

/// Decide whether every key of `keys` lands in one slot. A key with a per-element hole stands
/// for a whole collection: it is compared with itself too.
pub fn colocation(keys: &[KeyPattern]) -> Colocation {
    let hashed: Vec<KeyPattern> = keys.iter().map(KeyPattern::hashed_part).collect();
    let mut worst: Option<(usize, usize, Certainty, SpanReason)> = None;
    let mut consider = |a: usize, b: usize, c: Certainty, r: SpanReason| {
        if worst.as_ref().is_none_or(|w| c > w.2) {
            worst = Some((a, b, c, r));
        }
    };
    for i in 0..hashed.len() {
        if let Some(h) = hashed[i].holes().find(|h| h.per_element) {
            consider(
                i,
                i,
                Certainty::NearCertain,
                SpanReason::VariesPerElement {
                    hole: h.name.clone(),
                },
            );
        }
        for j in i + 1..hashed.len() {
            if let Some((c, r)) = compare_hashed(&hashed[i], &hashed[j]) {
                consider(i, j, c, r);
            }
        }
    }
    match worst {
        Some((a, b, certainty, reason)) => Colocation::DifferentSlots {
            a,
            b,
            certainty,
            reason,
        },
        None => {
            let slot = hashed
                .first()
                .and_then(|h| h.as_literal())
                .map(hashslot::slot);
            Colocation::SameSlot { slot }
        }
    }
}

/// `None` when the two hashed parts are proven to share a slot.
fn compare_hashed(a: &KeyPattern, b: &KeyPattern) -> Option<(Certainty, SpanReason)> {
    if let (Some(ta), Some(tb)) = (a.as_literal(), b.as_literal()) {
        let (sa, sb) = (hashslot::slot(&ta), hashslot::slot(&tb));
        return (sa != sb).then_some((Certainty::Certain, SpanReason::LiteralSlots(sa, sb)));
    }
    if a == b && !a.has_per_element_hole() {
        return None;
    }
    if let Some(h) = a.holes().chain(b.holes()).find(|h| h.per_element) {
        if a == b {
            return Some((
                Certainty::NearCertain,
                SpanReason::VariesPerElement {
                    hole: h.name.clone(),
                },
            ));
        }
    }
    if can_be_equal(a, b) {
        Some((Certainty::DependsOnValues, SpanReason::ValuesMustMatch))
    } else {
        Some((Certainty::NearCertain, SpanReason::TextDiffers))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Atom<'p> {
    Char(char),
    /// A hole: any non-empty text.
    Hole(&'p HoleId),
}

fn atoms(p: &KeyPattern) -> Vec<Atom<'_>> {
    let mut out = Vec::new();
    for seg in p.segments() {
        match seg {
            Segment::Text(t) => out.extend(t.chars().map(Atom::Char)),
            Segment::Hole(Hole { value: Some(v), .. }) => out.extend(v.chars().map(Atom::Char)),
            Segment::Hole(h) => out.push(Atom::Hole(&h.id)),
        }
    }
    out
}

/// Whether some assignment of the holes makes both patterns the same text. A common leading
/// and trailing part (the same characters, or the same hole, which holds the same value on both
/// sides) is dropped first; what remains is compared with every hole matching any non-empty
/// text (conservative: it only makes more pairs "may be equal").
pub fn can_be_equal(a: &KeyPattern, b: &KeyPattern) -> bool {
    let (x, y) = (atoms(a), atoms(b));
    // The same holes on both sides, as often: the values add the same length to each, so the
    // known text must be as long on both sides.
    fn holes_of<'p>(atoms: &[Atom<'p>]) -> Vec<&'p HoleId> {
        let mut v: Vec<&HoleId> = atoms
            .iter()
            .filter_map(|t| match t {
                Atom::Hole(h) => Some(*h),
                Atom::Char(_) => None,
            })
            .collect();
        v.sort();
        v
    }
    let chars = |atoms: &[Atom<'_>]| atoms.iter().filter(|t| matches!(t, Atom::Char(_))).count();
    if holes_of(&x) == holes_of(&y) && chars(&x) != chars(&y) {
        return false;
    }
    let front = x.iter().zip(&y).take_while(|(p, q)| p == q).count();
    let (x, y) = (&x[front..], &y[front..]);
    let back = x
        .iter()
        .rev()
        .zip(y.iter().rev())
        .take_while(|(p, q)| p == q)
        .count();
    let (x, y) = (&x[..x.len() - back], &y[..y.len() - back]);
    // A hole is `.` then `.*`: positions are atoms; state (i, j, open_x, open_y) where an open
    // hole has consumed at least one character and may consume more.
    let (n, m) = (x.len(), y.len());
    let mut seen = vec![false; (n + 1) * (m + 1) * 4];
    let mut stack = vec![(0usize, 0usize, false, false)];
    while let Some((i, j, ox, oy)) = stack.pop() {
        let key = ((i * (m + 1) + j) * 2 + usize::from(ox)) * 2 + usize::from(oy);
        if std::mem::replace(&mut seen[key], true) {
            continue;
        }
        if i == n && j == m && !ox && !oy {
            return true;
        }
        // Close an open hole.
        if ox {
            stack.push((i + 1, j, false, oy));
        }
        if oy {
            stack.push((i, j + 1, ox, false));
        }
        // Consume one character on both sides.
        let cx = if ox {
            Some(None)
        } else {
            x.get(i).map(|a| match a {
                Atom::Char(c) => Some(*c),
                Atom::Hole(_) => None,
            })
        };
        let cy = if oy {
            Some(None)
        } else {
            y.get(j).map(|a| match a {
                Atom::Char(c) => Some(*c),
                Atom::Hole(_) => None,
            })
        };
        if let (Some(cx), Some(cy)) = (cx, cy) {
            if cx.is_none() || cy.is_none() || cx == cy {
                let (ni, nox) = match (ox, x.get(i)) {
                    (true, _) => (i, true),
                    (false, Some(Atom::Hole(_))) => (i, true),
                    _ => (i + 1, false),
                };
                let (nj, noy) = match (oy, y.get(j)) {
                    (true, _) => (j, true),
                    (false, Some(Atom::Hole(_))) => (j, true),
                    _ => (j + 1, false),
                };
                stack.push((ni, nj, nox, noy));
            }
        }
    }
    false
}

/// Test notation shared by this crate's tests: `<id>` is a hole named id, `<*id>` a
/// per-element hole.
#[cfg(test)]
pub(crate) fn test_pattern(spec: &str) -> KeyPattern {
    let mut p = KeyPattern::new();
    let mut rest = spec;
    while let Some(start) = rest.find('<') {
        p.push_text(&rest[..start]);
        let end = rest[start..].find('>').unwrap() + start;
        let name = &rest[start + 1..end];
        let (name, per) = match name.strip_prefix('*') {
            Some(n) => (n, true),
            None => (name, false),
        };
        p.push_hole(Hole {
            per_element: per,
            ..Hole::new(name, name)
        });
        rest = &rest[end + 1..];
    }
    p.push_text(rest);
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(spec: &str) -> KeyPattern {
        test_pattern(spec)
    }

    #[test]
    fn tags_follow_the_server_rule() {
        assert_eq!(
            pat("{user:<id>}:profile").hash_tag(),
            Some(pat("user:<id>"))
        );
        assert_eq!(pat("foo{}{bar}").hash_tag(), None);
        assert_eq!(pat("foo{{bar}}zap").hash_tag(), Some(pat("{bar")));
        assert_eq!(pat("a{<x>").hash_tag(), None);
        assert_eq!(pat("<x>{a}").hash_tag(), Some(pat("a")));
        assert_eq!(pat("{<x>}").hash_tag(), Some(pat("<x>")));
        assert_eq!(pat("user:<id>:profile").hash_tag(), None);
    }

    #[test]
    fn display_and_skeleton() {
        let p = pat("{user:<id>}:profile");
        assert_eq!(p.to_string(), "{user:<id>}:profile");
        assert_eq!(p.skeleton(), "{{user:{}}}:profile");
    }

    fn verdict(keys: &[&str]) -> Option<Certainty> {
        let keys: Vec<_> = keys.iter().map(|k| pat(k)).collect();
        match colocation(&keys) {
            Colocation::SameSlot { .. } => None,
            Colocation::DifferentSlots { certainty, .. } => Some(certainty),
        }
    }

    #[test]
    fn colocation_verdicts() {
        assert_eq!(verdict(&["{user:<id>}:a", "{user:<id>}:b"]), None);
        assert_eq!(verdict(&["{user:1}:a", "{user:1}:b"]), None);
        assert_eq!(verdict(&["a", "b"]), Some(Certainty::Certain));
        assert_eq!(verdict(&["{t}a", "{t}b", "t"]), None); // `t` hashes like `{t}…`
        assert_eq!(
            verdict(&["user:<id>:a", "user:<id>:b"]),
            Some(Certainty::NearCertain)
        );
        assert_eq!(
            verdict(&["user:<a>", "user:<b>"]),
            Some(Certainty::DependsOnValues)
        );
        assert_eq!(
            verdict(&["<prefix>:<id>", "user:<id>"]),
            Some(Certainty::DependsOnValues)
        );
        assert_eq!(verdict(&["u:<*id>"]), Some(Certainty::NearCertain));
        assert_eq!(verdict(&["{u}:<*id>"]), None);
        assert_eq!(
            verdict(&["{u:<*id>}:a", "{u:<*id>}:b"]),
            Some(Certainty::NearCertain)
        );
        assert_eq!(verdict(&["{stock:<id>}", "{stock:<id>}:reserved"]), None);
        assert_eq!(verdict(&["x"]), None);
        assert_eq!(verdict(&[]), None);
    }

    #[test]
    fn bound_holes_are_text_for_slots_and_holes_for_templates() {
        let mut items = KeyPattern::literal("cart:");
        items.push_hole(Hole::bound("user", "42"));
        items.push_text(":items");
        assert_eq!(items.to_string(), "cart:42:items");
        assert_eq!(items.as_literal().as_deref(), Some("cart:42:items"));
        assert_eq!(items.slot(), Some(hashslot::slot("cart:42:items")));
        assert_eq!(items.skeleton(), "cart:{}:items");
        assert_eq!(items.template().to_string(), "cart:<user>:items");
        let mut coupon = KeyPattern::literal("cart:");
        coupon.push_hole(Hole::bound("user", "42"));
        coupon.push_text(":coupon");
        // Bound holes hash as their text: `cart:42:items` is slot 6635, `cart:42:coupon` 3600.
        assert_eq!(
            colocation(&[items.clone(), coupon.clone()]),
            Colocation::DifferentSlots {
                a: 0,
                b: 1,
                certainty: Certainty::Certain,
                reason: SpanReason::LiteralSlots(6635, 3600),
            }
        );
        assert_eq!(
            colocation(&[items.clone(), items.clone()]),
            Colocation::SameSlot { slot: Some(6635) }
        );
        let mut tagged = KeyPattern::literal("{cart:");
        tagged.push_hole(Hole::bound("user", "42"));
        tagged.push_text("}:items");
        assert_eq!(tagged.hash_tag(), Some(pat("cart:42")));
        // A bound hole whose value holds the tag, next to a run-time part: `{p}live:{id}` with
        // `p = "{cache}:"` hashes `cache`, like `{p}archived:{id}`.
        let prefixed = |rest: &str| {
            let mut p = KeyPattern::hole(Hole::bound("p", "{cache}:"));
            p.push_text(rest);
            p.push_hole(Hole::new(HoleId::Named("id".into()), "id"));
            p
        };
        assert_eq!(prefixed("live:").hash_tag(), Some(pat("cache")));
        assert_eq!(
            colocation(&[prefixed("live:"), prefixed("archived:")]),
            Colocation::SameSlot {
                slot: Some(hashslot::slot("cache"))
            }
        );
    }

    #[test]
    fn glob_intersection() {
        assert!(can_be_equal(&pat("a<x>c"), &pat("abc")));
        assert!(!can_be_equal(&pat("a<x>c"), &pat("ac")));
        assert!(can_be_equal(&pat("<x>"), &pat("<y>:z")));
        assert!(!can_be_equal(&pat("a:<x>"), &pat("b:<y>")));
        assert!(can_be_equal(&pat("<x>b"), &pat("a<y>")));
        assert!(!can_be_equal(&pat("x<a>"), &pat("x")));
        // The same hole holds the same value on both sides.
        assert!(!can_be_equal(
            &pat("visits:<user>"),
            &pat("visits:total:<user>")
        ));
        // The same holes, text of different lengths: never equal.
        assert!(!can_be_equal(&pat("o:<c>:sent"), &pat("o:stats:<c>")));
        assert!(can_be_equal(&pat("o:<c>:sent"), &pat("o:sent:<c>")));
        assert!(can_be_equal(&pat("visits:<a>"), &pat("visits:total:<b>")));
    }
}
