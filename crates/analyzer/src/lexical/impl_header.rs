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

/// The owner of an `impl` body from its header's tokens (after `impl`), as syn's
/// `index::type_name` of the self type: a plain path's last name, through `&`, lifetimes and
/// `mut`; `Unnamed` for slices, tuples, pointers, `dyn`, `fn` types; `Unknown` when unsure.
pub(super) fn impl_owner(toks: &[HTok]) -> Owner {
    let punct = |t: Option<&HTok>, p: u8| t == Some(&HTok::Punct(p));
    // Where the self type starts (after the generics, or after `for`) and ends (`where`).
    let mut start = 0;
    let mut end = toks.len();
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
                    start = k + 1;
                }
            }
            HTok::Ident(w) if nest == 0 && angles == 0 && !generics => match w.as_str() {
                "for" => start = k + 1,
                "where" => {
                    end = k;
                    break;
                }
                _ => {}
            },
            _ => {}
        }
    }
    if generics || start > end {
        return Owner::Unknown;
    }
    let mut ty = &toks[start..end];
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
        Some(HTok::Open(b'[')) => return Owner::Unnamed,
        Some(HTok::Open(b'(')) if is_tuple(ty) => return Owner::Unnamed,
        None | Some(HTok::Open(_)) | Some(HTok::Close) => return Owner::Unknown,
        Some(HTok::Punct(b'*' | b'!')) => return Owner::Unnamed,
        Some(HTok::Punct(b':')) => {}
        Some(HTok::Punct(_)) => return Owner::Unknown,
        Some(HTok::Ident(w))
            if matches!(
                w.as_str(),
                "dyn" | "fn" | "impl" | "unsafe" | "extern" | "_"
            ) =>
        {
            return Owner::Unnamed
        }
        Some(HTok::Ident(_)) => {}
    }
    // Slices and arrays start with an open bracket, tuples too: not here. A path: names and
    // `::`, each name maybe with generic arguments; its last name at top level.
    let (mut last, mut angles, mut nest) = (None, 0usize, 0usize);
    for (k, t) in ty.iter().enumerate() {
        let arrow = k > 0 && punct(ty.get(k - 1), b'-');
        match t {
            HTok::Open(_) => nest += 1,
            HTok::Close => nest = nest.saturating_sub(1),
            _ if nest > 0 => {}
            HTok::Punct(b'<') => angles += 1,
            HTok::Punct(b'>') if !arrow => angles = angles.saturating_sub(1),
            _ if angles > 0 => {}
            HTok::Punct(b':') => {}
            HTok::Ident(w) => last = Some(w.clone()),
            // `m!(..)`, `A + B`, anything else: not a plain path.
            _ => return Owner::Unknown,
        }
    }
    match last {
        Some(name) if angles == 0 && nest == 0 => Owner::Named(name),
        _ => Owner::Unknown,
    }
}

/// The trait an `impl` header implements, as syn's last name of `trait_`'s path: `None` for an
/// inherent `impl`, `Some(Owner::Unknown)` when unsure.
pub(super) fn impl_trait(toks: &[HTok]) -> Option<Owner> {
    let punct = |t: Option<&HTok>, p: u8| t == Some(&HTok::Punct(p));
    let mut generics = punct(toks.first(), b'<');
    let (mut start, mut angles, mut nest) = (0, 0usize, 0usize);
    let mut fors = Vec::new();
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
                    start = k + 1;
                }
            }
            HTok::Ident(w) if nest == 0 && angles == 0 && !generics => match w.as_str() {
                "for" => fors.push(k),
                "where" => break,
                _ => {}
            },
            _ => {}
        }
    }
    if generics {
        return Some(Owner::Unknown);
    }
    let &[end] = fors.as_slice() else {
        return (!fors.is_empty()).then_some(Owner::Unknown);
    };
    // A path (`!` of a negative impl, `::`, names with generic arguments): its last name at
    // top level.
    let (mut last, mut angles, mut nest) = (None, 0usize, 0usize);
    for (k, t) in toks[start..end].iter().enumerate() {
        let arrow = k > 0 && punct(toks.get(start + k - 1), b'-');
        match t {
            // `Fn(A) -> B`: the trait is `Fn`, not the return type's last name.
            HTok::Open(_) if nest == 0 && angles == 0 => return Some(Owner::Unknown),
            HTok::Open(_) => nest += 1,
            HTok::Close => nest = nest.saturating_sub(1),
            _ if nest > 0 => {}
            HTok::Punct(b'<') => angles += 1,
            HTok::Punct(b'>') if !arrow => angles = angles.saturating_sub(1),
            _ if angles > 0 => {}
            HTok::Punct(b':' | b'!') => {}
            HTok::Ident(w) => last = Some(w.clone()),
            _ => return Some(Owner::Unknown),
        }
    }
    Some(match last {
        Some(name) if angles == 0 && nest == 0 => Owner::Named(name),
        _ => Owner::Unknown,
    })
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
