//! Whether two members of a `#[slotlint::colocated]` group build keys with the same hash tag.
//!
//! Tags are patterns: text and holes. They are the same tag when the text is the same and each
//! hole is filled by the same value, which is decided without types or call sites:
//! - the same place (`id` and `id`, `self.id` and `self.id`) is the same value;
//! - parameters with different names (`order_id` in one member, `id` in the other) are the
//!   argument the caller passes to fill the tag, so they match: unless a member also has a
//!   parameter of the other's name (then `friend` against `id` is more likely a mistake);
//! - fields of `self` are one value each (`self.id` is not `self.org`), matched by name;
//! - the places listed in `by = "…"` are declared to be one value (`by = "self.id, id"`).

use slotlint_keys::KeyPattern;

use crate::read::split_place;

/// A member's tag, with what matching needs about the member.
pub(crate) struct TagOf<'a> {
    pub(crate) name: &'a str,
    pub(crate) tag: &'a KeyPattern,
    /// The names its parameters bind (`self` included).
    pub(crate) params: &'a [String],
}

/// What a hole of a tag stands for, for matching.
#[derive(PartialEq, Eq)]
enum Filled<'a> {
    /// A place listed in `by` (or a field of one): the group's value, then the field path.
    By { rest: &'a str, spec: &'a str },
    /// A parameter, or a path from one (`self.id`, `user.id`).
    Param {
        root: &'a str,
        rest: &'a str,
        spec: &'a str,
    },
    /// Anything else, matched by its id.
    Other(&'a str),
}

fn filled<'a>(id: &'a str, params: &[String], by: &[String]) -> Filled<'a> {
    let Some((root, rest, spec)) = split_place(id) else {
        return Filled::Other(id);
    };
    let path = &id[..root.len() + rest.len()];
    for place in by {
        if let Some(after) = path.strip_prefix(place.as_str()) {
            if after.is_empty() || after.starts_with('.') {
                return Filled::By { rest: after, spec };
            }
        }
    }
    if params.iter().any(|p| p == root) {
        Filled::Param { root, rest, spec }
    } else {
        Filled::Other(id)
    }
}

/// `Ok` when `got` has the same tag as `want`; otherwise why not, as a note (`None` when the
/// text alone differs).
pub(crate) fn same_tag(want: &TagOf, got: &TagOf, by: &[String]) -> Result<(), Option<String>> {
    if want.tag.skeleton() != got.tag.skeleton() {
        return Err(None);
    }
    // Parameters of `want` and the parameters of `got` they were matched with.
    let mut renamed: Vec<(&str, &str)> = Vec::new();
    for (w, g) in want.tag.holes().zip(got.tag.holes()) {
        let fw = filled(crate::check::place(w), want.params, by);
        let fg = filled(crate::check::place(g), got.params, by);
        match (&fw, &fg) {
            _ if w.id == g.id || (matches!(fw, Filled::By { .. }) && fw == fg) => continue,
            (Filled::By { .. }, Filled::By { .. }) => {
                return Err(Some(format!(
                    "the text is the same, but over `<{}>` instead of `<{}>`",
                    g.name, w.name
                )))
            }
            (Filled::By { .. }, _) | (_, Filled::By { .. }) => {
                let (outside, member) = if matches!(fw, Filled::By { .. }) {
                    (&g.name, got.name)
                } else {
                    (&w.name, want.name)
                };
                return Err(Some(format!(
                    "the tag of `{member}` holds `{{{outside}}}`, which is not one of the places \
                     this group is keyed `by` (`{}`)",
                    by.join(", ")
                )));
            }
            (
                Filled::Param {
                    root: rw,
                    rest: restw,
                    spec: specw,
                },
                Filled::Param {
                    root: rg,
                    rest: restg,
                    spec: specg,
                },
            ) if *rw != "self" && *rg != "self" && restw == restg && specw == specg => {
                let by_hint = format!(
                    "if `{rg}` is meant, say which parameters carry the group's tag: \
                     `#[slotlint::colocated(by = \"{rw}, {rg}\")]`"
                );
                if got.params.iter().any(|p| p == rw) {
                    return Err(Some(format!(
                        "the text is the same, but over `<{}>` instead of `<{}>`, and `{}` has \
                         a parameter `{rw}` too; {by_hint}",
                        g.name, w.name, got.name
                    )));
                }
                if want.params.iter().any(|p| p == rg) {
                    return Err(Some(format!(
                        "the text is the same, but over `<{}>` instead of `<{}>`, and `{}` has \
                         a parameter `{rg}` too; {by_hint}",
                        g.name, w.name, want.name
                    )));
                }
                let consistent = renamed.iter().all(|(a, b)| (a == rw) == (b == rg));
                if !consistent {
                    return Err(Some(format!(
                        "the text is the same, but its parameters do not fill the tag in the \
                         same places as those of `{}`",
                        want.name
                    )));
                }
                renamed.push((rw, rg));
            }
            _ => {
                // A `by` can say that two places are one value; not two fields of one value.
                let other_roots = match (&fw, &fg) {
                    (Filled::Param { root: a, .. }, Filled::Param { root: b, .. }) => a != b,
                    _ => false,
                };
                let either_self = [&fw, &fg]
                    .iter()
                    .any(|f| matches!(f, Filled::Param { root: "self", .. }));
                let mut message = format!(
                    "the text is the same, but over `<{}>` instead of `<{}>`",
                    g.name, w.name
                );
                if either_self {
                    message.push_str("; fields of `self` are matched by name");
                }
                if other_roots {
                    message.push_str(&format!(
                        "; if these are one value, say so: \
                         `#[slotlint::colocated(by = \"{}, {}\")]`",
                        place_of(crate::check::place(w)),
                        place_of(crate::check::place(g))
                    ));
                }
                return Err(Some(message));
            }
        }
    }
    Ok(())
}

/// `self.id:?` → `self.id`.
fn place_of(id: &str) -> &str {
    id.split(':').next().unwrap_or(id)
}
