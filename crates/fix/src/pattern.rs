//! Key skeletons as sequences of characters and holes, and the matching the fixer needs:
//! which insertions turn one skeleton into another, which concrete keys (or literals) are keys
//! of a skeleton, and whether a glob or another skeleton can produce the same keys.

use slotlint_keys::format_string::{self, Piece};
use slotlint_keys::{KeyPattern, Segment};

pub use slotlint_keys::skeleton::{skeleton_string, Atom};

/// The atoms of a key pattern (hole identities dropped: a *family* is the skeleton).
pub fn atoms_of(p: &KeyPattern) -> Vec<Atom> {
    let mut out = Vec::new();
    for seg in p.segments() {
        match seg {
            Segment::Text(t) => out.extend(t.chars().map(Atom::C)),
            Segment::Hole(_) => out.push(Atom::H),
        }
    }
    out
}

/// Literal characters only.
pub fn atoms_of_text(text: &str) -> Vec<Atom> {
    text.chars().map(Atom::C).collect()
}

/// Parse a skeleton written by [`skeleton_string`] (any placeholder counts as a hole).
pub fn parse_skeleton(s: &str) -> Result<Vec<Atom>, String> {
    let pieces = format_string::parse(s).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for p in pieces {
        match p {
            Piece::Text(t) => out.extend(t.chars().map(Atom::C)),
            Piece::Placeholder { .. } => out.push(Atom::H),
        }
    }
    Ok(out)
}

/// For display: holes as `*`-free `{}`, text as is (`user:{}:profile`, `{user:{}}:profile`).
pub fn display_atoms(atoms: &[Atom]) -> String {
    let mut out = String::new();
    for a in atoms {
        match a {
            Atom::C(c) => out.push(*c),
            Atom::H => out.push_str("{}"),
        }
    }
    out
}

/// The SCAN/KEYS glob matching every key of a skeleton: holes as `*`, glob characters escaped.
pub fn glob_of(atoms: &[Atom]) -> String {
    let mut out = String::new();
    for a in atoms {
        match a {
            Atom::C(c @ ('*' | '?' | '[' | ']' | '\\')) => {
                out.push('\\');
                out.push(*c);
            }
            Atom::C(c) => out.push(*c),
            Atom::H => out.push('*'),
        }
    }
    out
}

/// Whether a string literal reads as a Redis glob (an unescaped `*`, `?` or `[`).
pub fn looks_like_glob(text: &str) -> bool {
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

/// The characters inserted to turn `old` into `new`, as `(position in old, char)` in order;
/// `None` when `new` is not `old` with literal characters inserted.
pub fn insertions(old: &[Atom], new: &[Atom]) -> Option<Vec<(usize, char)>> {
    let mut out = Vec::new();
    let mut i = 0;
    for a in new {
        if i < old.len() && old[i] == *a {
            i += 1;
        } else if let Atom::C(c) = a {
            out.push((i, *c));
        } else {
            return None;
        }
    }
    (i == old.len()).then_some(out)
}

/// `p` with the characters of `ins` (from [`insertions`]: positions in `atoms_of(p)`) inserted,
/// its holes kept as they are: a key of a family renamed as the family is.
pub fn with_insertions(p: &KeyPattern, ins: &[(usize, char)]) -> KeyPattern {
    let mut out = KeyPattern::new();
    let mut pending = ins.iter().peekable();
    let mut insert_at = |out: &mut KeyPattern, k: usize| {
        while let Some((_, c)) = pending.next_if(|(at, _)| *at == k) {
            out.push_text(c.encode_utf8(&mut [0; 4]));
        }
    };
    let mut k = 0;
    for seg in p.segments() {
        match seg {
            Segment::Text(t) => {
                for c in t.chars() {
                    insert_at(&mut out, k);
                    out.push_text(c.encode_utf8(&mut [0; 4]));
                    k += 1;
                }
            }
            Segment::Hole(h) => {
                insert_at(&mut out, k);
                out.push_hole(h.clone());
                k += 1;
            }
        }
    }
    insert_at(&mut out, k);
    out
}

/// Where each atom of `atoms` starts in `text`, for every way `text` is a key of the skeleton
/// (plus `text.len()` at the end). Holes take any run of characters `hole_ok` accepts, empty
/// only if `allow_empty`. Stops after `limit` matches.
pub fn match_offsets(
    atoms: &[Atom],
    text: &str,
    hole_ok: &dyn Fn(char) -> bool,
    allow_empty: bool,
    limit: usize,
) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut cur = Vec::with_capacity(atoms.len() + 1);
    // A bound on the work for pathological inputs (many holes side by side).
    let mut steps = 0usize;
    walk(
        atoms,
        text,
        0,
        0,
        hole_ok,
        allow_empty,
        limit,
        &mut cur,
        &mut out,
        &mut steps,
    );
    out
}

#[allow(clippy::too_many_arguments)]
fn walk(
    atoms: &[Atom],
    text: &str,
    ai: usize,
    pos: usize,
    hole_ok: &dyn Fn(char) -> bool,
    allow_empty: bool,
    limit: usize,
    cur: &mut Vec<usize>,
    out: &mut Vec<Vec<usize>>,
    steps: &mut usize,
) {
    *steps += 1;
    if out.len() >= limit || *steps > 100_000 {
        return;
    }
    if ai == atoms.len() {
        if pos == text.len() {
            let mut m = cur.clone();
            m.push(pos);
            out.push(m);
        }
        return;
    }
    cur.push(pos);
    match atoms[ai] {
        Atom::C(c) => {
            if text[pos..].starts_with(c) {
                walk(
                    atoms,
                    text,
                    ai + 1,
                    pos + c.len_utf8(),
                    hole_ok,
                    allow_empty,
                    limit,
                    cur,
                    out,
                    steps,
                );
            }
        }
        Atom::H => {
            if allow_empty {
                walk(
                    atoms,
                    text,
                    ai + 1,
                    pos,
                    hole_ok,
                    allow_empty,
                    limit,
                    cur,
                    out,
                    steps,
                );
            }
            let mut end = pos;
            for c in text[pos..].chars() {
                if !hole_ok(c) {
                    break;
                }
                end += c.len_utf8();
                walk(
                    atoms,
                    text,
                    ai + 1,
                    end,
                    hole_ok,
                    allow_empty,
                    limit,
                    cur,
                    out,
                    steps,
                );
                if out.len() >= limit {
                    break;
                }
            }
        }
    }
    cur.pop();
}

/// `text` with `ins` (positions in atoms, as from [`insertions`]) placed at the offsets of a
/// match from [`match_offsets`].
pub fn render_insertions(text: &str, offsets: &[usize], ins: &[(usize, char)]) -> String {
    let mut out = String::with_capacity(text.len() + ins.len());
    let mut last = 0;
    for (at, c) in ins {
        let off = offsets[*at];
        out.push_str(&text[last..off]);
        out.push(*c);
        last = off;
    }
    out.push_str(&text[last..]);
    out
}

/// A character class of a matcher token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Class {
    Char(char),
    /// Any character except these.
    AnyExcept(Vec<char>),
}

impl Class {
    fn meets(&self, other: &Class) -> bool {
        match (self, other) {
            (Class::Char(a), Class::Char(b)) => a == b,
            (Class::Char(a), Class::AnyExcept(ex)) | (Class::AnyExcept(ex), Class::Char(a)) => {
                !ex.contains(a)
            }
            // Some character is outside two finite sets.
            (Class::AnyExcept(_), Class::AnyExcept(_)) => true,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rep {
    One,
    Plus,
    Star,
}

/// One position of a pattern for intersection tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tok {
    pub class: Class,
    pub rep: Rep,
}

/// Tokens of a skeleton: holes are non-empty runs of characters other than `hole_excludes`.
pub fn toks_of_atoms(atoms: &[Atom], hole_excludes: &[char]) -> Vec<Tok> {
    atoms
        .iter()
        .map(|a| match a {
            Atom::C(c) => Tok {
                class: Class::Char(*c),
                rep: Rep::One,
            },
            Atom::H => Tok {
                class: Class::AnyExcept(hole_excludes.to_vec()),
                rep: Rep::Plus,
            },
        })
        .collect()
}

/// Tokens of a Redis glob (`*`, `?`, `[…]` approximated as any one character, `\x` literal).
pub fn toks_of_glob(glob: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        let tok = match c {
            '*' => Tok {
                class: Class::AnyExcept(Vec::new()),
                rep: Rep::Star,
            },
            '?' => Tok {
                class: Class::AnyExcept(Vec::new()),
                rep: Rep::One,
            },
            '[' => {
                // Up to the closing bracket (a leading `]` or `^]` is part of the set).
                let mut first = true;
                for d in chars.by_ref() {
                    if d == ']' && !first {
                        break;
                    }
                    first = d == '^' && first;
                    if d != '^' {
                        first = false;
                    }
                }
                Tok {
                    class: Class::AnyExcept(Vec::new()),
                    rep: Rep::One,
                }
            }
            '\\' => Tok {
                class: Class::Char(chars.next().unwrap_or('\\')),
                rep: Rep::One,
            },
            c => Tok {
                class: Class::Char(c),
                rep: Rep::One,
            },
        };
        out.push(tok);
    }
    out
}

/// Whether some string matches both token sequences.
pub fn intersects(x: &[Tok], y: &[Tok]) -> bool {
    let (n, m) = (x.len(), y.len());
    let idx = |i: usize, ox: bool, j: usize, oy: bool| {
        ((i * (m + 1) + j) * 2 + usize::from(ox)) * 2 + usize::from(oy)
    };
    let mut seen = vec![false; (n + 1) * (m + 1) * 4];
    let mut stack = vec![(0usize, false, 0usize, false)];
    while let Some((i, ox, j, oy)) = stack.pop() {
        let k = idx(i, ox, j, oy);
        if std::mem::replace(&mut seen[k], true) {
            continue;
        }
        if i == n && j == m && !ox && !oy {
            return true;
        }
        // Epsilon moves: skip a `*` not entered, or leave a repeat entered.
        if i < n && !ox && x[i].rep == Rep::Star {
            stack.push((i + 1, false, j, oy));
        }
        if ox {
            stack.push((i + 1, false, j, oy));
        }
        if j < m && !oy && y[j].rep == Rep::Star {
            stack.push((i, ox, j + 1, false));
        }
        if oy {
            stack.push((i, ox, j + 1, false));
        }
        // One character on both sides.
        if i < n && j < m && x[i].class.meets(&y[j].class) {
            let (ni, nox) = if ox || x[i].rep != Rep::One {
                (i, true)
            } else {
                (i + 1, false)
            };
            let (nj, noy) = if oy || y[j].rep != Rep::One {
                (j, true)
            } else {
                (j + 1, false)
            };
            stack.push((ni, nox, nj, noy));
        }
    }
    false
}

/// Whether `part` (with at least two literal characters, one of them alphanumeric) is a
/// piece of `whole`: its start, its end, or a whole text run between two holes.
pub fn is_piece_of(part: &[Atom], whole: &[Atom]) -> bool {
    let chars: Vec<char> = part
        .iter()
        .filter_map(|a| match a {
            Atom::C(c) => Some(*c),
            Atom::H => None,
        })
        .collect();
    if chars.len() < 2 || !chars.iter().any(|c| c.is_alphanumeric()) {
        return false;
    }
    if part.len() > whole.len() {
        return false;
    }
    if whole.starts_with(part) || whole.ends_with(part) {
        return true;
    }
    (1..whole.len().saturating_sub(part.len())).any(|at| {
        whole[at..].starts_with(part)
            && whole[at - 1] == Atom::H
            && whole.get(at + part.len()) == Some(&Atom::H)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sk(s: &str) -> Vec<Atom> {
        parse_skeleton(s).unwrap()
    }

    #[test]
    fn skeletons_round_trip() {
        for s in ["user:{}:profile", "{{user:{}}}:profile", "a{{b", "{}{}"] {
            assert_eq!(skeleton_string(&sk(s)), s);
        }
        assert_eq!(glob_of(&sk("user:{}:p*")), "user:*:p\\*");
        assert_eq!(display_atoms(&sk("{{user:{}}}:x")), "{user:{}}:x");
    }

    #[test]
    fn insertions_of_a_tag() {
        assert_eq!(
            insertions(&sk("user:{}:profile"), &sk("{{user:{}}}:profile")),
            Some(vec![(0, '{'), (6, '}')])
        );
        assert_eq!(
            insertions(&sk("stock:{}"), &sk("stock:{{{}}}")),
            Some(vec![(6, '{'), (7, '}')])
        );
        assert_eq!(insertions(&sk("a:{}"), &sk("a:{}{}")), None);
        assert_eq!(insertions(&sk("a:b"), &sk("a:c")), None);
    }

    /// A key renamed as its family is: braces at atom positions, holes kept (a bound value
    /// too), so the renamed keys can be judged as `check` judges keys.
    #[test]
    fn a_key_renamed_as_its_family() {
        use slotlint_keys::{Hole, HoleId};
        let mut key = KeyPattern::literal("outbox:");
        key.push_hole(Hole::new(HoleId::named("channel"), "channel"));
        key.push_text(":");
        key.push_hole(Hole::bound("lane", "sent"));
        let family = atoms_of(&key);
        let ins = insertions(&family, &sk("outbox:{{{}}}:{}")).unwrap();
        let renamed = with_insertions(&key, &ins);
        assert_eq!(renamed.to_string(), "outbox:{<channel>}:sent");
        assert_eq!(renamed.segments().len(), 4);
        let at_ends = insertions(&family, &sk("{{outbox:{}:{}}}")).unwrap();
        assert_eq!(
            with_insertions(&key, &at_ends).to_string(),
            "{outbox:<channel>:sent}"
        );
        assert_eq!(with_insertions(&key, &[]), key);
    }

    #[test]
    fn keys_of_a_skeleton() {
        let no_braces = |c: char| c != '{' && c != '}';
        let m = match_offsets(
            &sk("user:{}:profile"),
            "user:42:profile",
            &no_braces,
            false,
            4,
        );
        assert_eq!(m.len(), 1);
        let ins = insertions(&sk("user:{}:profile"), &sk("{{user:{}}}:profile")).unwrap();
        assert_eq!(
            render_insertions("user:42:profile", &m[0], &ins),
            "{user:42}:profile"
        );
        // A colon inside the hole is still one match.
        assert_eq!(
            match_offsets(
                &sk("user:{}:profile"),
                "user:a:b:profile",
                &no_braces,
                false,
                4
            )
            .len(),
            1
        );
        // Two holes side by side: ambiguous.
        assert_eq!(
            match_offsets(&sk("{}:{}"), "a:b:c", &no_braces, false, 4).len(),
            2
        );
        // Braces never inside a hole: new keys are not keys of the old family.
        assert!(match_offsets(&sk("stock:{}"), "stock:{42}", &no_braces, true, 4).is_empty());
        assert_eq!(
            match_offsets(&sk("user:{}:x"), "user::x", &no_braces, true, 4).len(),
            1
        );
    }

    #[test]
    fn globs_and_skeletons_intersect() {
        let fam = toks_of_atoms(&sk("user:{}:profile"), &['{', '}']);
        let new = toks_of_atoms(&sk("{{user:{}}}:profile"), &['{', '}']);
        assert!(intersects(&toks_of_glob("user:*"), &fam));
        assert!(!intersects(&toks_of_glob("user:*"), &new));
        assert!(intersects(&toks_of_glob("*:profile"), &new));
        assert!(intersects(&toks_of_glob("*"), &fam));
        assert!(intersects(&toks_of_glob("user:?:profile"), &fam));
        assert!(!intersects(&toks_of_glob("team:*"), &fam));
        assert!(intersects(&toks_of_glob("user:[0-9]*:profile"), &fam));
        assert!(!intersects(&toks_of_glob("user\\*"), &fam));
        // Skeleton against skeleton, holes without `:`.
        let ex = ['{', '}', ':'];
        let a = toks_of_atoms(&sk("{}:{}"), &ex);
        assert!(intersects(&a, &toks_of_atoms(&sk("user:{}"), &ex)));
        assert!(!intersects(&a, &toks_of_atoms(&sk("user:{}:profile"), &ex)));
        assert!(!intersects(
            &toks_of_atoms(&sk("user:{}"), &ex),
            &toks_of_atoms(&sk("user:{}:profile"), &ex)
        ));
    }

    #[test]
    fn pieces() {
        let fam = sk("user:{}:profile");
        assert!(is_piece_of(&sk("user:"), &fam));
        assert!(is_piece_of(&sk(":profile"), &fam));
        assert!(is_piece_of(&sk("user:{}"), &fam));
        assert!(!is_piece_of(&sk(":"), &fam));
        assert!(!is_piece_of(&sk("se"), &sk("user:{}")));
        assert!(is_piece_of(&sk("mid"), &sk("a:{}mid{}")));
        assert!(!is_piece_of(&sk("team:"), &fam));
    }
}
