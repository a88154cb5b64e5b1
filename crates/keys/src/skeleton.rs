//! Key skeletons: the characters of a key and its holes, without hole identities — what a
//! *family* of keys (every key built from one template) has in common.
//!
//! `fix` matches the string literals and format strings of a workspace against skeletons;
//! [`format_atoms`] reads a format string as the skeleton of the string it builds, with the
//! byte offset of each atom in the format string, so that an edit of the skeleton becomes an
//! edit of the format string.

use crate::format_string::{self, ArgRef, Piece};

/// One position of a key skeleton: a literal character, or a hole (a run-time value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Atom {
    C(char),
    H,
}

/// The skeleton as a Rust format string: `user:{}:profile`, literal braces doubled. The same
/// string as [`crate::KeyPattern::skeleton`].
pub fn skeleton_string(atoms: &[Atom]) -> String {
    let mut out = String::new();
    for a in atoms {
        match a {
            Atom::C('{') => out.push_str("{{"),
            Atom::C('}') => out.push_str("}}"),
            Atom::C(c) => out.push(*c),
            Atom::H => out.push_str("{}"),
        }
    }
    out
}

/// An atom and its byte offset in the format string.
pub type OffsetAtom = (Atom, usize);

/// A placeholder's argument and format spec.
pub type Placeholder = (ArgRef, String);

/// Atoms of the string a format string builds, each with its byte offset in the format
/// string, and the placeholders (argument, spec) in order. `None` when the compiler refuses
/// the format string.
pub fn format_atoms(fmt: &str) -> Option<(Vec<OffsetAtom>, Vec<Placeholder>)> {
    let pieces = format_string::parse(fmt).ok()?;
    let atoms = atoms_of_pieces(fmt, &pieces)?;
    let refs = pieces
        .into_iter()
        .filter_map(|p| match p {
            Piece::Placeholder { arg, spec, .. } => Some((arg, spec)),
            Piece::Text(_) => None,
        })
        .collect();
    Some((atoms, refs))
}

/// [`format_atoms`] for a format string already parsed into `pieces`.
pub fn atoms_of_pieces(fmt: &str, pieces: &[Piece]) -> Option<Vec<OffsetAtom>> {
    let ranges: Vec<(usize, usize)> = pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Placeholder { range, .. } => Some(*range),
            Piece::Text(_) => None,
        })
        .collect();
    let mut atoms = Vec::new();
    let bytes = fmt.as_bytes();
    let mut i = 0;
    let mut r = ranges.iter().peekable();
    while i < fmt.len() {
        if let Some((s, e)) = r.peek() {
            if *s == i {
                atoms.push((Atom::H, i));
                i = *e;
                r.next();
                continue;
            }
        }
        if (bytes[i] == b'{' || bytes[i] == b'}') && bytes.get(i + 1) == Some(&bytes[i]) {
            atoms.push((Atom::C(bytes[i] as char), i));
            i += 2;
            continue;
        }
        let c = fmt.get(i..)?.chars().next()?;
        atoms.push((Atom::C(c), i));
        i += c.len_utf8();
    }
    Some(atoms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_of_a_format_string() {
        let (atoms, refs) = format_atoms("{{u:{id}}}:{}").unwrap();
        let want = vec![
            (Atom::C('{'), 0),
            (Atom::C('u'), 2),
            (Atom::C(':'), 3),
            (Atom::H, 4),
            (Atom::C('}'), 8),
            (Atom::C(':'), 10),
            (Atom::H, 11),
        ];
        assert_eq!(atoms, want);
        assert_eq!(
            refs,
            vec![
                (ArgRef::Name("id".into()), String::new()),
                (ArgRef::Next, String::new())
            ]
        );
        assert!(format_atoms("{").is_none());
    }
}
