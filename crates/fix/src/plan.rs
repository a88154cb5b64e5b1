//! From findings to fixes: keys used together → a hash tag (or why none) → the key families
//! it renames (groups that rename a common family are one fix, with one rename per family that
//! serves every group, or blocked) → every site of each family in the workspace → edits, or
//! what blocks them.

use std::collections::{BTreeMap, HashMap};

use slotlint_analyzer::FixableFinding;
use slotlint_keys::suggest::{suggest_tag, TagSuggestion};
use slotlint_keys::{colocation, Colocation, KeyPattern};

use crate::candidates::Candidates;
use crate::pattern::{
    atoms_of, glob_of, insertions, intersects, is_piece_of, looks_like_glob, match_offsets,
    skeleton_string, toks_of_atoms, toks_of_glob, with_insertions, Atom,
};
use crate::scan::{format_atoms, Context, FmtArg, ScannedFile, Site, SiteKind};
use slotlint_analyzer::input;

/// A finding a group comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// What to do about one group of keys used together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Put `tag` in braces: each `(old, new)` renames one key pattern.
    Rewrite {
        tag: KeyPattern,
        renames: Vec<(KeyPattern, KeyPattern)>,
    },
    /// No rewrite, and why.
    NoRewrite { reason: String },
}

/// Keys used together in one or more findings (findings with the same keys are merged).
#[derive(Clone, Debug)]
pub struct Group {
    pub findings: Vec<Finding>,
    pub keys: Vec<KeyPattern>,
    /// The keys of each finding as the analyzer resolved them (values it knows kept): what a
    /// rename must put in one slot.
    pub used: Vec<Vec<KeyPattern>>,
    pub outcome: Outcome,
}

/// Where a note points.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Something the fixer cannot rewrite (a blocker) or cannot vouch for (a hazard).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Note {
    pub place: Option<Place>,
    pub message: String,
}

/// How a site is rewritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditKind {
    /// A format string or literal whose skeleton is the family's.
    Exact,
    /// A literal key of the family (`"user:42:profile"`).
    Instance,
    /// A SCAN/KEYS glob for exactly the family's keys.
    Glob,
}

/// One literal rewritten.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteEdit {
    /// Index into [`FixPlan::files`].
    pub file: usize,
    pub place: Place,
    pub kind: EditKind,
    /// Byte range of the literal token.
    pub start: usize,
    pub end: usize,
    /// Text inserted at byte offsets of the file.
    pub inserts: Vec<(usize, String)>,
    pub before: String,
    pub after: String,
    pub test_only: bool,
}

/// Every key built with one skeleton, renamed the same way.
#[derive(Clone, Debug)]
pub struct Family {
    pub old: Vec<Atom>,
    pub new: Vec<Atom>,
    /// With hole names, for people (`user:{id}:profile`).
    pub old_display: String,
    pub new_display: String,
    pub tag_display: String,
    pub edits: Vec<SiteEdit>,
    pub blockers: Vec<Note>,
    pub hazards: Vec<Note>,
}

impl Family {
    pub fn old_skeleton(&self) -> String {
        skeleton_string(&self.old)
    }

    pub fn new_skeleton(&self) -> String {
        skeleton_string(&self.new)
    }

    /// SCAN glob of the keys to migrate.
    pub fn scan(&self) -> String {
        glob_of(&self.old)
    }
}

/// Whether applying a fix can lose or strand data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Applicability {
    /// Only test code builds these keys, and nothing the fixer cannot see touches them.
    Safe,
    /// Renames keys a running service may already hold (they need `cargo slotlint migrate`), or
    /// keys that code slotlint cannot follow may also build.
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// A set of family rewrites that must be applied together: the families of groups that share
/// a family.
#[derive(Clone, Debug)]
pub struct Fix {
    pub families: Vec<Family>,
    /// Indices into [`FixPlan::groups`].
    pub groups: Vec<usize>,
    /// Fix-wide blockers (conflicting rewrites).
    pub blockers: Vec<Note>,
}

impl Fix {
    /// `None` when something blocks the fix.
    pub fn applicability(&self) -> Option<Applicability> {
        if !self.blockers.is_empty() || self.families.iter().any(|f| !f.blockers.is_empty()) {
            return None;
        }
        let test_only = self
            .families
            .iter()
            .all(|f| f.hazards.is_empty() && f.edits.iter().all(|e| e.test_only));
        Some(if test_only {
            Applicability::Safe
        } else {
            Applicability::Unsafe
        })
    }

    /// What blocks the fix, each note once, in order of place.
    pub fn all_blockers(&self) -> Vec<&Note> {
        let mut v: Vec<&Note> = self
            .blockers
            .iter()
            .chain(self.families.iter().flat_map(|f| f.blockers.iter()))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// What makes the fix unsafe beyond the rename itself, each note once.
    pub fn all_hazards(&self) -> Vec<&Note> {
        let mut v: Vec<&Note> = self
            .families
            .iter()
            .flat_map(|f| f.hazards.iter())
            .collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Everything `cargo slotlint fix` would do.
#[derive(Clone, Debug, Default)]
pub struct FixPlan {
    pub groups: Vec<Group>,
    pub fixes: Vec<Fix>,
    pub files: Vec<ScannedFile>,
}

/// Groups of keys from the findings of the fixable rules (the cross-slot rules).
pub fn groups(findings: &[&FixableFinding]) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for d in findings {
        let mut keys: Vec<KeyPattern> = Vec::new();
        let mut unresolved: Vec<String> = Vec::new();
        for k in &d.keys {
            // Fix the template a key is built from: a caller's literal argument bound into a
            // helper's `format!` stays a hole of that `format!`.
            match k.pattern.as_ref().map(KeyPattern::template) {
                Some(p) => {
                    if !keys.contains(&p) {
                        keys.push(p);
                    }
                }
                None => {
                    if !unresolved.contains(&k.text) {
                        unresolved.push(k.text.clone());
                    }
                }
            }
        }
        let outcome = if !unresolved.is_empty() {
            let list: Vec<String> = unresolved.iter().map(|t| format!("`{t}`")).collect();
            Outcome::NoRewrite {
                reason: format!(
                    "slotlint cannot resolve {}: it cannot tell which hash tag the keys need",
                    list.join(", ")
                ),
            }
        } else {
            outcome_of(&keys)
        };
        let finding = Finding {
            rule: d.rule,
            file: d.file.clone(),
            line: d.span.line,
            column: d.span.column,
            message: d.message.clone(),
        };
        let used: Vec<KeyPattern> = d.keys.iter().filter_map(|k| k.pattern.clone()).collect();
        let mut skeletons: Vec<String> = keys.iter().map(KeyPattern::skeleton).collect();
        skeletons.sort();
        let key = format!(
            "{skeletons:?}|{unresolved:?}|{}",
            describe_outcome(&outcome)
        );
        match index.get(&key) {
            Some(&i) => {
                out[i].findings.push(finding);
                if !out[i].used.contains(&used) {
                    out[i].used.push(used);
                }
            }
            None => {
                index.insert(key, out.len());
                out.push(Group {
                    findings: vec![finding],
                    keys,
                    used: vec![used],
                    outcome,
                });
            }
        }
    }
    out
}

fn describe_outcome(o: &Outcome) -> String {
    match o {
        Outcome::Rewrite { renames, .. } => renames
            .iter()
            .map(|(a, b)| format!("{}>{}", a.skeleton(), b.skeleton()))
            .collect::<Vec<_>>()
            .join(","),
        Outcome::NoRewrite { reason } => reason.clone(),
    }
}

fn outcome_of(keys: &[KeyPattern]) -> Outcome {
    match suggest_tag(keys) {
        TagSuggestion::Rewrite { tag, rewritten } => {
            let renames: Vec<(KeyPattern, KeyPattern)> =
                keys.iter().cloned().zip(rewritten).collect();
            // Only insertions of literal characters are rewrites the fixer can make.
            let ok = renames
                .iter()
                .all(|(a, b)| insertions(&atoms_of(a), &atoms_of(b)).is_some());
            if ok {
                Outcome::Rewrite { tag, renames }
            } else {
                Outcome::NoRewrite {
                    reason: "the proposed tag is not an insertion of braces (a slotlint bug)".into(),
                }
            }
        }
        TagSuggestion::OnlyConstantShared { shared } => Outcome::NoRewrite {
            reason: format!(
                "these keys vary and share only `{shared}`; a constant hash tag would put every one of them in one slot (a hot node): send one command per key, or key them by an entity they share"
            ),
        },
        TagSuggestion::NothingShared => Outcome::NoRewrite {
            reason: "the keys share nothing a hash tag could name: send one command per slot, or redesign the keys so that those used together share a tag".into(),
        },
        TagSuggestion::ConflictingTags => Outcome::NoRewrite {
            reason: "the keys already carry different hash tags: give keys used together the same tag by hand".into(),
        },
    }
}

/// The whole plan: groups, fixes with their families and edits, from the fixable findings and
/// the workspace's scanned files.
pub fn plan(findings: &[&FixableFinding], files: Vec<ScannedFile>) -> FixPlan {
    plan_with(findings, files, false)
}

/// [`plan`], with `exhaustive`: every site tested against every family instead of the sites
/// [`Candidates`] picks (quadratic; for tests that check both agree).
pub fn plan_with(
    findings: &[&FixableFinding],
    files: Vec<ScannedFile>,
    exhaustive: bool,
) -> FixPlan {
    let groups = groups(findings);
    let mut fixes = fixes_of(&groups);
    let consts = unit_consts(&files);
    let index = Candidates::build(&files, |f, site| effective_atoms(site, f.unit, &consts));
    let index = if exhaustive {
        index.exhaustive()
    } else {
        index
    };
    // Files slotlint could not scan may build keys of any family: search them once for every
    // family's longest text.
    let needles: Vec<String> = fixes
        .iter()
        .flat_map(|f| f.families.iter())
        .map(|f| longest_text(&f.old))
        .collect();
    let mentions = Mentions::find(&files, &needles);
    for fix in &mut fixes {
        for f in &mut fix.families {
            find_sites(f, &files, &index, &mentions);
        }
    }
    // A literal claimed by two families (of one fix or two) cannot be rewritten for both.
    let mut claims: HashMap<(usize, usize), Vec<(usize, usize)>> = HashMap::new();
    for (fi, fix) in fixes.iter().enumerate() {
        for (ai, fam) in fix.families.iter().enumerate() {
            for e in &fam.edits {
                claims.entry((e.file, e.start)).or_default().push((fi, ai));
            }
        }
    }
    for ((file, start), owners) in claims {
        if owners.len() < 2 {
            continue;
        }
        let site = files[file].sites.iter().find(|s| s.start == start);
        let names: Vec<String> = owners
            .iter()
            .map(|(fi, ai)| format!("`{}`", fixes[*fi].families[*ai].old_display))
            .collect();
        for (fi, ai) in &owners {
            let fam = &mut fixes[*fi].families[*ai];
            fam.blockers.push(Note {
                place: site.map(|s| place(&files[file], s)),
                message: format!(
                    "this literal is a key of several families ({}): slotlint cannot tell which",
                    names.join(", ")
                ),
            });
        }
    }
    for fix in &mut fixes {
        for fam in &mut fix.families {
            fam.blockers.sort();
            fam.blockers.dedup();
            fam.hazards.sort();
            fam.hazards.dedup();
        }
    }
    FixPlan {
        groups,
        fixes,
        files,
    }
}

/// The fixes of `groups`, with their families and renames but no sites yet: groups that
/// rename a common family are one fix. Known from the findings alone, before any file is read.
fn fixes_of(groups: &[Group]) -> Vec<Fix> {
    // Union groups that rename a common family.
    let mut parent: Vec<usize> = (0..groups.len()).collect();
    fn find(p: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while p[r] != r {
            r = p[r];
        }
        p[x] = r;
        r
    }
    let mut by_family: HashMap<Vec<Atom>, usize> = HashMap::new();
    for (gi, g) in groups.iter().enumerate() {
        if let Outcome::Rewrite { renames, .. } = &g.outcome {
            for (old, _) in renames {
                let a = atoms_of(old);
                match by_family.get(&a) {
                    Some(&other) => {
                        let (x, y) = (find(&mut parent, gi), find(&mut parent, other));
                        parent[x] = y;
                    }
                    None => {
                        by_family.insert(a, gi);
                    }
                }
            }
        }
    }
    let mut components: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (gi, g) in groups.iter().enumerate() {
        if matches!(g.outcome, Outcome::Rewrite { .. }) {
            let root = find(&mut parent, gi);
            components.entry(root).or_default().push(gi);
        }
    }
    let mut fixes = Vec::new();
    for (_, gis) in components {
        let (families, blockers) = families_of(groups, &gis);
        fixes.push(Fix {
            families,
            groups: gis,
            blockers,
        });
    }
    fixes
}

/// Every family the fixes of `findings` rename, as `(old, new)` skeletons: what a file must be
/// able to build for its key sites to matter to the plan ([`crate::prefilter`]).
pub fn family_renames(findings: &[&FixableFinding]) -> Vec<(Vec<Atom>, Vec<Atom>)> {
    fixes_of(&groups(findings))
        .into_iter()
        .flat_map(|f| f.families)
        .map(|f| (f.old, f.new))
        .collect()
}

/// One way to rename a family.
#[derive(Clone)]
struct Proposal {
    new: Vec<Atom>,
    new_display: String,
    tag_display: String,
}

/// A family a component renames, with the renames its groups propose.
struct Proposed {
    old: Vec<Atom>,
    /// The family's pattern as the first group that renames it has it (hole names kept).
    pattern: KeyPattern,
    own: Vec<Proposal>,
}

/// The families the groups `gis` (one component: groups that share a family) rename, and what
/// blocks them. Each group proposes its own tag; where groups propose different renames of
/// one family (`outbox:<channel>:<lane>` with its own lanes wants `{outbox:<channel>}`, with
/// `outbox:stats:<channel>` it wants `{<channel>}`), one rename per family that serves every
/// group is looked for ([`unify`]); without one, the fix is blocked.
fn families_of(groups: &[Group], gis: &[usize]) -> (Vec<Family>, Vec<Note>) {
    let mut proposed: Vec<Proposed> = Vec::new();
    let mut tags: Vec<KeyPattern> = Vec::new();
    for &gi in gis {
        let Outcome::Rewrite { tag, renames } = &groups[gi].outcome else {
            continue;
        };
        if !tags.contains(tag) {
            tags.push(tag.clone());
        }
        for (old, new) in renames {
            let (oa, na) = (atoms_of(old), atoms_of(new));
            let i = match proposed.iter().position(|p| p.old == oa) {
                Some(i) => i,
                None => {
                    proposed.push(Proposed {
                        old: oa,
                        pattern: old.clone(),
                        own: Vec::new(),
                    });
                    proposed.len() - 1
                }
            };
            let own = &mut proposed[i].own;
            if !own.iter().any(|p| p.new == na) {
                own.push(Proposal {
                    new: na,
                    new_display: new.to_string(),
                    tag_display: tag.to_string(),
                });
            }
        }
    }
    let mut blockers = Vec::new();
    let chosen: Vec<Proposal> = if proposed.iter().all(|p| p.own.len() == 1) {
        proposed.iter().map(|p| p.own[0].clone()).collect()
    } else if let Some(chosen) = unify(groups, gis, &proposed, &tags) {
        chosen
    } else {
        for p in &proposed {
            for other in p.own.iter().skip(1) {
                blockers.push(Note {
                    place: None,
                    message: format!(
                        "`{}` would be renamed both to `{}` and to `{}`: keys used with different partners need different tags, and no one tag serves them all; choose by hand",
                        p.pattern, p.own[0].new_display, other.new_display
                    ),
                });
            }
        }
        proposed.iter().map(|p| p.own[0].clone()).collect()
    };
    let families = proposed
        .into_iter()
        .zip(chosen)
        .map(|(p, c)| Family {
            old: p.old,
            new: c.new,
            old_display: p.pattern.to_string(),
            new_display: c.new_display,
            tag_display: c.tag_display,
            edits: Vec::new(),
            blockers: Vec::new(),
            hazards: Vec::new(),
        })
        .collect();
    (families, blockers)
}

/// The most combinations of renames [`unify`] tries.
const MAX_UNIFY_CHOICES: usize = 256;

/// One rename per family under which the keys of every finding of every group land in one slot
/// (`slotlint_keys::colocation` proves it, as `check` would), or `None`. A family's candidates
/// are the renames its groups propose, and each tag proposed in the component put around the
/// same text in it (`{<channel>}` in `outbox:<channel>:<lane>` too) — never a tag without a
/// run-time value around a family that has one (one hot slot). Narrower tags are tried first.
fn unify(
    groups: &[Group],
    gis: &[usize],
    proposed: &[Proposed],
    tags: &[KeyPattern],
) -> Option<Vec<Proposal>> {
    let candidates: Vec<Vec<Candidate>> = proposed.iter().map(|p| candidates(p, tags)).collect();
    let count = candidates
        .iter()
        .try_fold(1usize, |n, c| n.checked_mul(c.len()))
        .filter(|&n| n > 0 && n <= MAX_UNIFY_CHOICES)?;
    // Every combination, as the digits of a number whose digit `f` picks family `f`'s rename,
    // the narrowest (fewest characters in all tags) first.
    let digits = |n: usize| -> Vec<usize> {
        let mut rest = n;
        candidates
            .iter()
            .map(|c| {
                let d = rest % c.len();
                rest /= c.len();
                d
            })
            .collect()
    };
    let mut order: Vec<(usize, Vec<usize>)> = (0..count)
        .map(|n| {
            let d = digits(n);
            let width = d
                .iter()
                .zip(&candidates)
                .map(|(&i, c)| c[i].width)
                .fold(0usize, usize::saturating_add);
            (width, d)
        })
        .collect();
    order.sort_by_key(|(width, _)| *width);
    let serves = |chosen: &[usize]| {
        gis.iter().flat_map(|&gi| &groups[gi].used).all(|keys| {
            let renamed: Vec<KeyPattern> = keys
                .iter()
                .map(|k| {
                    let atoms = atoms_of(k);
                    match proposed.iter().position(|p| p.old == atoms) {
                        Some(f) => with_insertions(k, &candidates[f][chosen[f]].insertions),
                        None => k.clone(),
                    }
                })
                .collect();
            matches!(colocation(&renamed), Colocation::SameSlot { .. })
        })
    };
    let (_, chosen) = order.into_iter().find(|(_, d)| serves(d))?;
    Some(
        chosen
            .iter()
            .zip(&candidates)
            .map(|(&i, c)| c[i].proposal.clone())
            .collect(),
    )
}

/// A rename [`unify`] may choose for a family.
struct Candidate {
    proposal: Proposal,
    /// What it inserts (see [`insertions`]).
    insertions: Vec<(usize, char)>,
    /// How many atoms its tag holds.
    width: usize,
}

/// The renames [`unify`] may choose for family `p`: its groups' own, and each of `tags` put
/// around the same atoms in it (never a tag without a hole in a family with one).
fn candidates(p: &Proposed, tags: &[KeyPattern]) -> Vec<Candidate> {
    let mut out: Vec<Proposal> = p.own.clone();
    for tag in tags {
        let t = atoms_of(tag);
        if t.is_empty() || (p.old.contains(&Atom::H) && !t.contains(&Atom::H)) {
            continue;
        }
        for at in 0..p.old.len().saturating_sub(t.len() - 1) {
            if p.old[at..at + t.len()] != t[..] {
                continue;
            }
            let mut new = p.old.clone();
            new.insert(at + t.len(), Atom::C('}'));
            new.insert(at, Atom::C('{'));
            if out.iter().any(|c| c.new == new) {
                continue;
            }
            out.push(Proposal {
                new,
                new_display: String::new(),
                tag_display: tag.to_string(),
            });
        }
    }
    out.into_iter()
        .filter_map(|mut proposal| {
            let insertions = insertions(&p.old, &proposal.new)?;
            // Named as the family is shown (a group's own proposal may name its holes otherwise).
            let renamed = with_insertions(&p.pattern, &insertions);
            proposal.new_display = renamed.to_string();
            if let Some(tag) = renamed.hash_tag() {
                proposal.tag_display = tag.to_string();
            }
            let at = |b: char| insertions.iter().find(|(_, x)| *x == b).map(|(k, _)| *k);
            let width = at('}')
                .zip(at('{'))
                .map_or(usize::MAX, |(close, open)| close - open);
            Some(Candidate {
                proposal,
                insertions,
                width,
            })
        })
        .collect()
}

/// String constants per package: `None` when two constants of one name differ.
fn unit_consts(files: &[ScannedFile]) -> HashMap<(usize, String), Option<String>> {
    let mut out: HashMap<(usize, String), Option<String>> = HashMap::new();
    for f in files {
        for (name, value) in &f.consts {
            out.entry((f.unit, name.clone()))
                .and_modify(|v| {
                    if v.as_deref() != Some(value) {
                        *v = None;
                    }
                })
                .or_insert_with(|| Some(value.clone()));
        }
    }
    out
}

fn place(file: &ScannedFile, site: &Site) -> Place {
    let (line, column) = file.line_col(site.start);
    Place {
        file: file.source.display.clone(),
        line,
        column,
    }
}

fn snippet(file: &ScannedFile, site: &Site) -> String {
    file.source.text[site.start..site.end].to_owned()
}

/// The atoms a format site builds once literal arguments and constants are filled in.
fn effective_atoms(
    site: &Site,
    unit: usize,
    consts: &HashMap<(usize, String), Option<String>>,
) -> Vec<Atom> {
    let SiteKind::Format { atoms, args, .. } = &site.kind else {
        return site.atoms();
    };
    let mut out = Vec::new();
    let mut h = 0;
    for (a, _) in atoms {
        match a {
            Atom::H => {
                let filled = match args.get(h) {
                    Some(FmtArg::Literal(t)) => Some(t.clone()),
                    Some(FmtArg::Name(n)) => consts.get(&(unit, n.clone())).cloned().flatten(),
                    _ => None,
                };
                h += 1;
                match filled {
                    Some(t) => out.extend(t.chars().map(Atom::C)),
                    None => out.push(Atom::H),
                }
            }
            c => out.push(*c),
        }
    }
    out
}

/// Holes of a key never hold braces; for "may build the same keys", not a `:` either (the
/// usual separator of key parts).
pub(crate) const NO_BRACES: [char; 2] = ['{', '}'];
pub(crate) const NO_SEPARATOR: [char; 3] = ['{', '}', ':'];

pub(crate) fn alnum_literals(atoms: &[Atom]) -> usize {
    atoms
        .iter()
        .filter(|a| matches!(a, Atom::C(c) if c.is_alphanumeric()))
        .count()
}

/// The longest literal run of a skeleton: what a file slotlint could not scan must contain to
/// build keys of the family (shorter than 3 characters: too common to tell).
pub(crate) fn longest_text(atoms: &[Atom]) -> String {
    atoms
        .split(|a| *a == Atom::H)
        .map(|run| {
            run.iter()
                .filter_map(|a| match a {
                    Atom::C(c) => Some(*c),
                    Atom::H => None,
                })
                .collect::<String>()
        })
        .max_by_key(|s| s.len())
        .unwrap_or_default()
}

/// Files that were not scanned, and where each needle (a family's longest text) occurs in
/// them: in the text of a file that did not parse, or streamed from the disk for a file too
/// large to read whole, at most [`MAX_SEARCH_BYTES`].
struct Mentions {
    /// Per needle: (file, line, column) of its first occurrence in each unscanned file.
    found: HashMap<String, Vec<(usize, usize, usize)>>,
    /// Unscanned files that could not be searched, and why: they may build any key.
    unsearchable: Vec<(usize, String)>,
}

/// How much of one unreadable file `fix` searches for key texts.
pub const MAX_SEARCH_BYTES: u64 = 1 << 30;

impl Mentions {
    fn find(files: &[ScannedFile], needles: &[String]) -> Mentions {
        let mut needles: Vec<&str> = needles
            .iter()
            .map(String::as_str)
            .filter(|n| n.len() >= 3)
            .collect();
        needles.sort_unstable();
        needles.dedup();
        let mut m = Mentions {
            found: HashMap::new(),
            unsearchable: Vec::new(),
        };
        for (fi, file) in files.iter().enumerate() {
            if file.problem.is_none() || needles.is_empty() {
                continue;
            }
            let hits = match &file.read_error {
                None => Ok(input::find_in_text(&file.source.text, &needles)),
                Some(e) if e.is_searchable() => {
                    input::find_in_file(&file.source.path, None, &needles, MAX_SEARCH_BYTES)
                }
                // Not a source of the workspace (a FIFO, a link leading outside): nothing to find.
                Some(
                    input::ReadError::NotRegular(_)
                    | input::ReadError::OutsideRoot
                    | input::ReadError::LinkLoop,
                ) => continue,
                Some(e) => Err(e.clone()),
            };
            match hits {
                Ok(hits) => {
                    for (needle, hit) in needles.iter().zip(hits) {
                        if let Some((line, column)) = hit {
                            m.found
                                .entry((*needle).to_owned())
                                .or_default()
                                .push((fi, line, column));
                        }
                    }
                }
                Err(e) => m.unsearchable.push((fi, e.message(&file.source.display))),
            }
        }
        m
    }
}

fn find_sites(fam: &mut Family, files: &[ScannedFile], index: &Candidates, mentions: &Mentions) {
    let ins = insertions(&fam.old, &fam.new).unwrap_or_default();
    let old_toks = toks_of_atoms(&fam.old, &NO_SEPARATOR);
    let old_glob_toks = toks_of_atoms(&fam.old, &NO_BRACES);
    let new_glob_toks = toks_of_atoms(&fam.new, &NO_BRACES);
    let has_holes = fam.old.contains(&Atom::H);
    let old_glob = glob_of(&fam.old);
    // A family whose keys start with a run-time value (`format!("{PREFIX}:{id}:log")`): its SCAN
    // glob (`*:*:log`) would also match other services' keys, so a migration could not tell them
    // apart.
    if old_glob.starts_with('*') {
        fam.blockers.push(Note {
            place: None,
            message: format!(
                "the keys of `{}` start with a value, not fixed text: the SCAN glob `{old_glob}` would match unrelated keys; put the tag in by hand",
                fam.old_display
            ),
        });
    }
    let longest_text = longest_text(&fam.old);
    for &(fi, line, column) in mentions.found.get(&longest_text).into_iter().flatten() {
        let file = &files[fi];
        fam.blockers.push(Note {
            place: Some(Place {
                file: file.source.display.clone(),
                line,
                column,
            }),
            message: format!(
                "{} {}; it mentions `{longest_text}` here and may build keys of this family: rewrite it by hand, or make it readable",
                file.source.display,
                file.problem.as_deref().unwrap_or("was not scanned")
            ),
        });
    }
    for (fi, why) in &mentions.unsearchable {
        fam.blockers.push(Note {
            place: Some(Place {
                file: files[*fi].source.display.clone(),
                line: 1,
                column: 1,
            }),
            message: format!("{why}; it may build keys of this family"),
        });
    }
    // Keys built by Lua scripts: slotlint does not rewrite Lua.
    for (fi, ki) in index.lua_for_family(&fam.old) {
        let k = &files[fi].lua_keys[ki];
        {
            if intersects(&toks_of_atoms(&k.atoms, &NO_BRACES), &old_glob_toks) {
                fam.blockers.push(Note {
                    place: Some(Place {
                        file: k.file.clone(),
                        line: k.line,
                        column: k.column,
                    }),
                    message: format!(
                        "the Lua script builds keys of this family itself (`{}`): slotlint does not rewrite Lua; put the tag in by hand in the script too, or pass the key in KEYS",
                        k.text
                    ),
                });
            }
        }
    }
    for (fi, si) in index.for_family(&fam.old, &fam.new) {
        let file = &files[fi];
        let site = &file.sites[si];
        {
            let prepared = &index.prepared[fi][si];
            let atoms = prepared.atoms.clone();
            let at = || Some(place(file, site));
            let text = || snippet(file, site);
            match (&site.kind, &site.context) {
                (SiteKind::Format { mac, .. }, Context::Piece) => {
                    let eff = &prepared.effective;
                    if atoms == fam.old
                        || is_piece_of(&atoms, &fam.old)
                        || is_piece_of(eff, &fam.old)
                        || *eff == fam.old
                    {
                        fam.blockers.push(Note {
                            place: at(),
                            message: format!(
                                "`{mac}!({})` builds part of a key of this family, to be completed elsewhere: rewrite it by hand",
                                text()
                            ),
                        });
                    }
                }
                (SiteKind::Format { mac, .. }, _) => {
                    let eff = &prepared.effective;
                    if atoms == fam.old {
                        push_edit(fam, fi, file, site, EditKind::Exact, &ins, |k| {
                            format_offset(site, k)
                        });
                    } else if *eff == fam.old {
                        fam.blockers.push(Note {
                            place: at(),
                            message: format!(
                                "`{mac}!({})` builds keys of this family from constants or literal arguments: put the tag in by hand",
                                text()
                            ),
                        });
                    } else if atoms == fam.new || *eff == fam.new {
                        fam.hazards.push(Note {
                            place: at(),
                            message: format!(
                                "`{mac}!({})` already builds keys named like the renamed ones: migrated keys would merge with them",
                                text()
                            ),
                        });
                    } else if eff.contains(&Atom::H)
                        && intersects(&toks_of_atoms(eff, &NO_SEPARATOR), &old_toks)
                    {
                        fam.hazards.push(Note {
                            place: at(),
                            message: format!(
                                "`{mac}!({})` may build keys of this family from values slotlint does not know",
                                text()
                            ),
                        });
                    }
                }
                (SiteKind::Plain, Context::Piece) => {
                    if atoms == fam.old || is_piece_of(&atoms, &fam.old) {
                        fam.blockers.push(Note {
                            place: at(),
                            message: format!(
                                "{} is a piece of a key of this family, built piece by piece (`+`, `push_str`, `concat!`): rewrite it by hand",
                                text()
                            ),
                        });
                    }
                }
                (SiteKind::Plain, _) => {
                    if looks_like_glob(&site.value) {
                        if site.value == old_glob {
                            let offsets = glob_offsets(&fam.old);
                            push_edit(fam, fi, file, site, EditKind::Glob, &ins, |k| {
                                Some(offsets[k])
                            });
                        } else {
                            let g = toks_of_glob(&site.value);
                            let (before, after) = (
                                intersects(&g, &old_glob_toks),
                                intersects(&g, &new_glob_toks),
                            );
                            if before != after {
                                fam.hazards.push(Note {
                                    place: at(),
                                    message: format!(
                                        "the glob {} {} keys of this family once renamed: update it by hand if it is a SCAN/KEYS pattern",
                                        text(),
                                        if before { "would no longer match" } else { "would start to match" }
                                    ),
                                });
                            }
                        }
                        continue;
                    }
                    if atoms == fam.old {
                        push_edit(fam, fi, file, site, EditKind::Exact, &ins, |k| {
                            Some(char_offset(&site.value, k))
                        });
                        continue;
                    }
                    if atoms == fam.new {
                        fam.hazards.push(Note {
                            place: at(),
                            message: format!(
                                "{} is already a key named like the renamed ones: migrated keys would merge with it",
                                text()
                            ),
                        });
                        continue;
                    }
                    if has_holes && alnum_literals(&fam.old) >= 2 {
                        let no_braces = |c: char| c != '{' && c != '}';
                        let m = match_offsets(&fam.old, &site.value, &no_braces, false, 2);
                        match m.len() {
                            0 => {}
                            1 => {
                                let offs = m[0].clone();
                                push_edit(fam, fi, file, site, EditKind::Instance, &ins, |k| {
                                    Some(offs[k])
                                });
                                continue;
                            }
                            _ => {
                                fam.blockers.push(Note {
                                    place: at(),
                                    message: format!(
                                        "{} is a key of this family in more than one way: put the tag in by hand",
                                        text()
                                    ),
                                });
                                continue;
                            }
                        }
                        // A format template used where slotlint cannot follow it.
                        if let Some((fa, _)) = format_atoms(&site.value) {
                            let fa: Vec<Atom> = fa.into_iter().map(|(a, _)| a).collect();
                            if fa == fam.old {
                                fam.blockers.push(Note {
                                    place: at(),
                                    message: format!(
                                        "{} is a template of this family's keys used where slotlint cannot follow it{}",
                                        text(),
                                        match &site.context {
                                            Context::Opaque(m) => format!(" (inside `{m}!`)"),
                                            _ => String::new(),
                                        }
                                    ),
                                });
                            }
                        }
                    }
                }
            }
        }
    }
    if fam.edits.is_empty() && fam.blockers.is_empty() {
        fam.blockers.push(Note {
            place: None,
            message: format!(
                "no literal or format string in the workspace builds `{}` as a whole (its parts come from helpers or constants slotlint followed): put the tag in by hand",
                fam.old_display
            ),
        });
    }
}

/// Value byte offset of atom `k` of a format site (`k == len`: the end).
fn format_offset(site: &Site, k: usize) -> Option<usize> {
    let SiteKind::Format { atoms, .. } = &site.kind else {
        return None;
    };
    Some(atoms.get(k).map_or(site.value.len(), |(_, o)| *o))
}

fn char_offset(text: &str, k: usize) -> usize {
    text.char_indices().nth(k).map_or(text.len(), |(i, _)| i)
}

/// Offset in `glob_of(atoms)` where each atom starts, and the end.
fn glob_offsets(atoms: &[Atom]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = 0;
    for a in atoms {
        out.push(at);
        at += match a {
            Atom::C(c @ ('*' | '?' | '[' | ']' | '\\')) => 1 + c.len_utf8(),
            Atom::C(c) => c.len_utf8(),
            Atom::H => 1,
        };
    }
    out.push(at);
    out
}

fn push_edit(
    fam: &mut Family,
    fi: usize,
    file: &ScannedFile,
    site: &Site,
    kind: EditKind,
    ins: &[(usize, char)],
    offset_of: impl Fn(usize) -> Option<usize>,
) {
    if file.excluded {
        fam.blockers.push(Note {
            place: Some(place(file, site)),
            message: format!(
                "{} builds keys of this family, but {} is excluded by the configuration: slotlint never edits it; put the tag in by hand there, or stop excluding it",
                snippet(file, site),
                file.source.display
            ),
        });
        return;
    }
    let Some(lit) = &site.lit else {
        fam.blockers.push(Note {
            place: Some(place(file, site)),
            message: format!(
                "{} builds keys of this family, but slotlint cannot edit this literal exactly: put the tag in by hand",
                snippet(file, site)
            ),
        });
        return;
    };
    let is_format = matches!(site.kind, SiteKind::Format { .. });
    let mut inserts: Vec<(usize, String)> = Vec::new();
    for (k, c) in ins {
        let Some(v) = offset_of(*k) else {
            return;
        };
        let value_text = if is_format && (*c == '{' || *c == '}') {
            format!("{c}{c}")
        } else {
            c.to_string()
        };
        let Some(encoded) = lit.encode(&value_text) else {
            fam.blockers.push(Note {
                place: Some(place(file, site)),
                message: format!(
                    "{} cannot hold the tag's characters as written: put the tag in by hand",
                    snippet(file, site)
                ),
            });
            return;
        };
        let at = site.start + lit.source_offset(v);
        match inserts.last_mut() {
            Some((last, text)) if *last == at => text.push_str(&encoded),
            _ => inserts.push((at, encoded)),
        }
    }
    let before = snippet(file, site);
    let mut after = before.clone();
    for (at, text) in inserts.iter().rev() {
        after.insert_str(at - site.start, text);
    }
    fam.edits.push(SiteEdit {
        file: fi,
        place: place(file, site),
        kind,
        start: site.start,
        end: site.end,
        inserts,
        before,
        after,
        test_only: site.test_only,
    });
}
