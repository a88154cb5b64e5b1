//! Which sites may build keys of a family: an index over every site of the workspace, built
//! once, so that planning costs about one lookup per family instead of one test per family and
//! site (20,000 files with one finding each: 40,000 families × 40,000 sites).
//!
//! Each lookup returns a superset of the sites [`crate::plan`] would do anything with; `plan`
//! runs its exact tests on those only, so the result is the same as testing every site. Each
//! index rests on a property every test shares:
//!
//! - equal skeletons (a site's own atoms, its atoms with constants filled in, or a literal read
//!   as a format template) — [`Candidates::exact`];
//! - a piece of a key (`+`, `push_str`, `write!`) starts at the start of the family's skeleton or
//!   right after a hole, or ends at its end: its first or last two atoms are there;
//! - a format string with holes that may build the family's keys: holes never hold `:` there,
//!   so both split into as many `:`-segments, and segments without holes are equal;
//! - a glob that may match its keys: the glob's text before its first wildcard and the
//!   family's text before its first hole are one a prefix of the other;
//! - a literal key of the family starts with the family's text before its first hole (and ends
//!   with its text after the last);
//! - a key a Lua script builds that may be one of the family's: as for globs, the texts before
//!   the first hole are one a prefix of the other.

use std::collections::{BTreeMap, HashMap};

use crate::pattern::{looks_like_glob, Atom};
use crate::scan::{format_atoms, Context, ScannedFile, SiteKind};

/// One site: `(file, site)` indices into the plan's files and their sites.
pub type SiteRef = (usize, usize);

/// What planning needs of each site, computed once.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub atoms: Vec<Atom>,
    /// Atoms with literal arguments and constants filled in (format sites; else `atoms`).
    pub effective: Vec<Atom>,
}

/// The index (see the module docs).
#[derive(Default)]
pub struct Candidates {
    /// Per file, per site.
    pub prepared: Vec<Vec<Prepared>>,
    exact: HashMap<Vec<Atom>, Vec<SiteRef>>,
    piece_start: HashMap<[Atom; 2], Vec<SiteRef>>,
    piece_end: HashMap<[Atom; 2], Vec<SiteRef>>,
    /// Format sites whose effective atoms have holes, by `:`-segment count and first segment
    /// (`None`: it has a hole).
    colon: HashMap<(usize, Option<String>), Vec<SiteRef>>,
    colon_any_first: HashMap<usize, Vec<SiteRef>>,
    /// Glob literals by their text before the first wildcard.
    globs: BTreeMap<String, Vec<SiteRef>>,
    /// Other whole literals by value, and by reversed value.
    plain: BTreeMap<String, Vec<SiteRef>>,
    plain_reversed: BTreeMap<String, Vec<SiteRef>>,
    /// Every whole literal (for a family without literal text at either end).
    all_plain: Vec<SiteRef>,
    /// Keys Lua scripts build (`(file, index in its lua_keys)`), by text before the first hole.
    lua: BTreeMap<String, Vec<SiteRef>>,
    /// Every site and every Lua key, for [`Candidates::exhaustive`].
    all_sites: Vec<SiteRef>,
    all_lua: Vec<SiteRef>,
    /// Return every site for every family (the tests check that the index changes nothing).
    exhaustive: bool,
}

/// `:`-segments of a skeleton: each the text, or `None` where a hole is in it.
fn segments(atoms: &[Atom]) -> Vec<Option<String>> {
    atoms
        .split(|a| *a == Atom::C(':'))
        .map(|seg| {
            seg.iter()
                .map(|a| match a {
                    Atom::C(c) => Some(*c),
                    Atom::H => None,
                })
                .collect::<Option<String>>()
        })
        .collect()
}

/// Literal text before the first hole.
pub(crate) fn literal_prefix(atoms: &[Atom]) -> String {
    atoms
        .iter()
        .map_while(|a| match a {
            Atom::C(c) => Some(*c),
            Atom::H => None,
        })
        .collect()
}

/// Literal text after the last hole.
pub(crate) fn literal_suffix(atoms: &[Atom]) -> String {
    let mut s: Vec<char> = atoms
        .iter()
        .rev()
        .map_while(|a| match a {
            Atom::C(c) => Some(*c),
            Atom::H => None,
        })
        .collect();
    s.reverse();
    s.into_iter().collect()
}

/// A glob's text before its first wildcard (`\x` read as `x`).
fn glob_prefix(glob: &str) -> String {
    let mut out = String::new();
    let mut chars = glob.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => out.push(n),
                None => break,
            },
            '*' | '?' | '[' => break,
            c => out.push(c),
        }
    }
    out
}

fn push<K: std::hash::Hash + Eq>(map: &mut HashMap<K, Vec<SiteRef>>, key: K, r: SiteRef) {
    map.entry(key).or_default().push(r);
}

impl Candidates {
    /// Index every site of `files`; `effective` fills a format site's literal arguments and
    /// constants in.
    pub fn build(
        files: &[ScannedFile],
        effective: impl Fn(&ScannedFile, &crate::scan::Site) -> Vec<Atom>,
    ) -> Candidates {
        let mut c = Candidates::default();
        for (fi, file) in files.iter().enumerate() {
            let mut prepared = Vec::with_capacity(file.sites.len());
            for (si, site) in file.sites.iter().enumerate() {
                let r = (fi, si);
                c.all_sites.push(r);
                let atoms = site.atoms();
                let eff = effective(file, site);
                push(&mut c.exact, atoms.clone(), r);
                if eff != atoms {
                    push(&mut c.exact, eff.clone(), r);
                }
                let piece = site.context == Context::Piece;
                match (&site.kind, piece) {
                    (_, true) => {
                        for a in [&atoms, &eff] {
                            if a.len() >= 2 {
                                push(&mut c.piece_start, [a[0], a[1]], r);
                                push(&mut c.piece_end, [a[a.len() - 2], a[a.len() - 1]], r);
                            }
                        }
                    }
                    (SiteKind::Format { .. }, false) => {
                        if eff.contains(&Atom::H) {
                            let segs = segments(&eff);
                            let first = segs.first().cloned().flatten();
                            push(&mut c.colon, (segs.len(), first), r);
                            push(&mut c.colon_any_first, segs.len(), r);
                        }
                    }
                    (SiteKind::Plain, false) => {
                        if looks_like_glob(&site.value) {
                            c.globs.entry(glob_prefix(&site.value)).or_default().push(r);
                        } else {
                            c.plain.entry(site.value.clone()).or_default().push(r);
                            c.plain_reversed
                                .entry(site.value.chars().rev().collect())
                                .or_default()
                                .push(r);
                            c.all_plain.push(r);
                            if site.value.contains('{') {
                                if let Some((fa, _)) = format_atoms(&site.value) {
                                    let fa: Vec<Atom> = fa.into_iter().map(|(a, _)| a).collect();
                                    if fa != atoms {
                                        push(&mut c.exact, fa, r);
                                    }
                                }
                            }
                        }
                    }
                }
                prepared.push(Prepared {
                    atoms,
                    effective: eff,
                });
            }
            c.prepared.push(prepared);
            for (k, key) in file.lua_keys.iter().enumerate() {
                c.all_lua.push((fi, k));
                c.lua
                    .entry(literal_prefix(&key.atoms))
                    .or_default()
                    .push((fi, k));
            }
        }
        c
    }

    /// The same index answering every site for every family: planning with it is the plain
    /// families × sites loop the index replaces (to check that they agree).
    pub fn exhaustive(mut self) -> Candidates {
        self.exhaustive = true;
        self
    }

    /// Refs in `map` whose key and `p` are one a prefix of the other.
    fn prefix_compatible(map: &BTreeMap<String, Vec<SiteRef>>, p: &str, out: &mut Vec<SiteRef>) {
        for (i, _) in p.char_indices().chain(std::iter::once((p.len(), ' '))) {
            if let Some(v) = map.get(&p[..i]) {
                out.extend_from_slice(v);
            }
        }
        for (k, v) in map.range(p.to_owned()..) {
            if !k.starts_with(p) {
                break;
            }
            if k.len() > p.len() {
                out.extend_from_slice(v);
            }
        }
    }

    /// Keys built by Lua scripts that may be keys of the family `old` (their texts before the
    /// first hole are one a prefix of the other).
    pub fn lua_for_family(&self, old: &[Atom]) -> Vec<SiteRef> {
        if self.exhaustive {
            return self.all_lua.clone();
        }
        let mut out = Vec::new();
        Self::prefix_compatible(&self.lua, &literal_prefix(old), &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every site that may build keys of the family `old` (renamed to `new`), in file and site
    /// order, each once.
    pub fn for_family(&self, old: &[Atom], new: &[Atom]) -> Vec<SiteRef> {
        if self.exhaustive {
            return self.all_sites.clone();
        }
        let mut out: Vec<SiteRef> = Vec::new();
        let take = |out: &mut Vec<SiteRef>, v: Option<&Vec<SiteRef>>| {
            if let Some(v) = v {
                out.extend_from_slice(v);
            }
        };
        take(&mut out, self.exact.get(old));
        take(&mut out, self.exact.get(new));
        // Pieces: at the start, after each hole, at the end.
        for at in 0..old.len().saturating_sub(1) {
            if at == 0 || old[at - 1] == Atom::H {
                take(&mut out, self.piece_start.get(&[old[at], old[at + 1]]));
            }
        }
        if old.len() >= 2 {
            take(
                &mut out,
                self.piece_end
                    .get(&[old[old.len() - 2], old[old.len() - 1]]),
            );
        }
        // Format strings with holes: same `:`-segments.
        let segs = segments(old);
        match segs.first().cloned().flatten() {
            Some(first) => {
                take(&mut out, self.colon.get(&(segs.len(), Some(first))));
                take(&mut out, self.colon.get(&(segs.len(), None)));
            }
            None => take(&mut out, self.colon_any_first.get(&segs.len())),
        }
        // Globs, against the old and the new keys.
        for atoms in [old, new] {
            Self::prefix_compatible(&self.globs, &literal_prefix(atoms), &mut out);
        }
        // Literal keys of the family: they start with its prefix, or end with its suffix.
        if old.contains(&Atom::H) {
            let (p, s) = (literal_prefix(old), literal_suffix(old));
            if !p.is_empty() {
                for (k, v) in self.plain.range(p.clone()..) {
                    if !k.starts_with(&p) {
                        break;
                    }
                    out.extend_from_slice(v);
                }
            } else if !s.is_empty() {
                let r: String = s.chars().rev().collect();
                for (k, v) in self.plain_reversed.range(r.clone()..) {
                    if !k.starts_with(&r) {
                        break;
                    }
                    out.extend_from_slice(v);
                }
            } else {
                out.extend_from_slice(&self.all_plain);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_prefixes_and_globs() {
        let atoms: Vec<Atom> = "user:"
            .chars()
            .map(Atom::C)
            .chain([Atom::H])
            .chain(":profile".chars().map(Atom::C))
            .collect();
        assert_eq!(
            segments(&atoms),
            vec![Some("user".into()), None, Some("profile".into())]
        );
        assert_eq!(literal_prefix(&atoms), "user:");
        assert_eq!(literal_suffix(&atoms), ":profile");
        assert_eq!(glob_prefix(r"user\*:*:x"), "user*:");
        assert_eq!(glob_prefix("*"), "");
    }
}
