//! Whose functions an `impl` body holds, read from the tokens of its header, as syn's
//! `index::type_name` of the self type would say.
//!
//! Not here: finding the header in a file (`scanner`).

/// A token of an `impl` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum HTok {
    Ident(String),
    Punct(u8),
    /// `(`, `[` or `{`.
    Open(u8),
    Close,
}

/// Who owns the functions of an `impl` or `trait` body, as syn's `index::type_name` would say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Owner {
    Named(String),
    /// A type with no name: its functions are free (`self_ty` is none).
    Unnamed,
    /// A header the scan cannot read.
    Unknown,
}

/// Where an `impl` header's parts lie: where its generics end, each `for` and the `where` at
/// top level (`end`: the header's end without one).
struct Parts {
    after_generics: usize,
    fors: Vec<usize>,
    end: usize,
}

/// The parts of an `impl` header (after `impl`); `None` when its generics never close.
fn parts(toks: &[HTok]) -> Option<Parts> {
    let mut parts = Parts {
        after_generics: 0,
        fors: Vec::new(),
        end: toks.len(),
    };
    let (mut angles, mut nest) = (0usize, 0usize);
    let mut generics = punct(toks.first(), b'<');
    for (k, t) in toks.iter().enumerate() {
        let arrow = k > 0 && punct(toks.get(k - 1), b'-');
        match t {
            HTok::Open(_) => nest += 1,
            HTok::Close => nest = nest.saturating_sub(1),
            HTok::Punct(b'<') if nest == 0 => angles += 1,
            HTok::Punct(b'>') if nest == 0 && !arrow => {
                angles = angles.saturating_sub(1);
                if generics && angles == 0 {
                    generics = false;
                    parts.after_generics = k + 1;
                }
            }
            HTok::Ident(w) if nest == 0 && angles == 0 && !generics => match w.as_str() {
                "for" => parts.fors.push(k),
                "where" => {
                    parts.end = k;
                    break;
                }
                _ => {}
            },
            _ => {}
        }
    }
    (!generics).then_some(parts)
}

fn punct(t: Option<&HTok>, p: u8) -> bool {
    t == Some(&HTok::Punct(p))
}

/// A path's last name at top level (names and `::`, each name maybe with generic arguments:
/// `a::B<C>` is `B`); `Unknown` for anything else (`m!(..)`, `A + B`, `Fn(A) -> B`).
fn last_name(path: &[HTok]) -> Owner {
    let (mut last, mut angles) = (None, 0usize);
    for (k, t) in path.iter().enumerate() {
        let arrow = k > 0 && punct(path.get(k - 1), b'-');
        match t {
            HTok::Punct(b'<') => angles += 1,
            HTok::Punct(b'>') if !arrow => angles = angles.saturating_sub(1),
            _ if angles > 0 => {}
            HTok::Punct(b':') => {}
            HTok::Ident(w) => last = Some(w.clone()),
            _ => return Owner::Unknown,
        }
    }
    match last {
        Some(name) if angles == 0 => Owner::Named(name),
        _ => Owner::Unknown,
    }
}

/// The owner of an `impl` body from its header's tokens (after `impl`), as syn's
/// `index::type_name` of the self type: a plain path's last name, through `&`, lifetimes and
/// `mut`; `Unnamed` for slices, tuples, pointers, `dyn`, `fn` types; `Unknown` when unsure.
pub(super) fn impl_owner(toks: &[HTok]) -> Owner {
    // The self type: after the generics, or after `for`, to `where`.
    let Some(parts) = parts(toks) else {
        return Owner::Unknown;
    };
    let start = parts.fors.last().map_or(parts.after_generics, |&k| k + 1);
    if start > parts.end {
        return Owner::Unknown;
    }
    type_owner(&toks[start..parts.end])
}

/// The owner a self type's tokens name, as `index::type_name` (through `&`, lifetimes, `mut`
/// and parentheses).
fn type_owner(mut ty: &[HTok]) -> Owner {
    // `impl !Send for X`: the negation belongs to the trait, before `for`.
    loop {
        match ty.first() {
            Some(HTok::Punct(b'&')) => ty = &ty[1..],
            Some(HTok::Punct(b'\'')) if ty.len() > 1 => ty = &ty[2..],
            Some(HTok::Ident(w)) if w == "mut" => ty = &ty[1..],
            _ => break,
        }
    }
    match ty.first() {
        // Arrays and slices have no name; nor tuples, but `(T)` is `T`.
        Some(HTok::Open(b'[')) => Owner::Unnamed,
        Some(HTok::Open(b'(')) if is_tuple(ty) => Owner::Unnamed,
        Some(HTok::Open(b'(')) if closes_at_end(ty) => type_owner(&ty[1..ty.len() - 1]),
        None | Some(HTok::Open(_)) | Some(HTok::Close) => Owner::Unknown,
        Some(HTok::Punct(b'*' | b'!')) => Owner::Unnamed,
        Some(HTok::Punct(b':')) => last_name(ty),
        Some(HTok::Punct(_)) => Owner::Unknown,
        Some(HTok::Ident(w))
            if matches!(
                w.as_str(),
                "dyn" | "fn" | "impl" | "unsafe" | "extern" | "_"
            ) =>
        {
            Owner::Unnamed
        }
        Some(HTok::Ident(_)) => last_name(ty),
    }
}

/// Whether the bracket `ty` opens with closes at its last token (`(T)`, not `(A, B)::C`).
fn closes_at_end(ty: &[HTok]) -> bool {
    let mut nest = 0usize;
    for (k, t) in ty.iter().enumerate() {
        match t {
            HTok::Open(_) => nest += 1,
            HTok::Close => {
                nest = nest.saturating_sub(1);
                if nest == 0 {
                    return k + 1 == ty.len();
                }
            }
            _ => {}
        }
    }
    false
}

/// The trait an `impl` header implements, as syn's last name of `trait_`'s path: `None` for an
/// inherent `impl`, `Some(Owner::Unknown)` when unsure.
pub(super) fn impl_trait(toks: &[HTok]) -> Option<Owner> {
    let Some(parts) = parts(toks) else {
        return Some(Owner::Unknown);
    };
    let &[end] = parts.fors.as_slice() else {
        return (!parts.fors.is_empty()).then_some(Owner::Unknown);
    };
    let mut path = &toks[parts.after_generics..end];
    // `impl !Unpin for X`.
    if punct(path.first(), b'!') {
        path = &path[1..];
    }
    Some(last_name(path))
}

/// Whether `ty`, which opens with `(`, is a tuple type and nothing more: `()`, or a comma
/// between its brackets (not inside `<…>` or nested brackets).
fn is_tuple(ty: &[HTok]) -> bool {
    let (mut nest, mut angles, mut comma) = (0usize, 0usize, false);
    for (k, t) in ty.iter().enumerate() {
        let arrow = k > 0 && ty[k - 1] == HTok::Punct(b'-');
        match t {
            HTok::Open(_) => nest += 1,
            HTok::Close => {
                nest -= 1;
                if nest == 0 {
                    return k + 1 == ty.len() && (comma || k == 1);
                }
            }
            HTok::Punct(b'<') => angles += 1,
            HTok::Punct(b'>') if !arrow => angles = angles.saturating_sub(1),
            HTok::Punct(b',') if nest == 1 && angles == 0 => comma = true,
            _ => {}
        }
    }
    false
}
