//! The hash-tag rules for one key-building function, and the `#[slotlint::key]` arguments.

use std::collections::HashSet;

use slotlint_keys::{Hole, KeyPattern, Segment};
use syn::meta::ParseNestedMeta;
use syn::{Block, Expr, Lit, LitStr, Signature};

use crate::errors::Errors;
use crate::read::{compact, Direct, DirectPiece, Key, Params, Reader};

/// What `#[slotlint::key(…)]` said about the tag.
pub(crate) enum Declared {
    /// `#[slotlint::key]`: the keys need a tag that depends on a parameter.
    Nothing,
    /// `tag = "…"`.
    Tag(LitStr),
    /// The arguments had an error, already reported: check only what does not depend on them.
    Invalid,
}

/// One argument of `#[slotlint::key(…)]`, for `syn::meta::parser` and `parse_nested_meta`.
pub(crate) fn key_arg(meta: ParseNestedMeta, tag: &mut Option<LitStr>) -> syn::Result<()> {
    if meta.path.is_ident("tag") {
        if tag.is_some() {
            return Err(meta.error("`tag` is given twice"));
        }
        *tag = Some(string_argument(&meta, "tag", "user:{id}")?);
        Ok(())
    } else {
        Err(meta.error(
            "unknown argument: `#[slotlint::key]` takes `tag = \"…\"` (the hash tag, as in \
             `tag = \"user:{id}\"`) or nothing",
        ))
    }
}

/// The value of `name = "…"` in an attribute: a string literal, or an error that says so
/// (`tag = SOME_CONST` cannot be read: the macro sees tokens, not the constant's value).
pub(crate) fn string_argument(
    meta: &ParseNestedMeta,
    name: &str,
    example: &str,
) -> syn::Result<LitStr> {
    match meta.value()?.parse::<Expr>()? {
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(lit), ..
        }) => Ok(lit),
        other => Err(syn::Error::new_spanned(
            &other,
            format!(
                "`{name}` takes a string literal, as in `{name} = {example:?}`; `{}` is not one\n\
                 note: the macro reads `{name}` as text when it expands, before constants and \
                 macros have values: write it inline",
                compact(quote::quote!(#other))
            ),
        )),
    }
}

/// The tag of a function whose keys passed every check.
pub(crate) struct FnTag {
    pub(crate) name: String,
    pub(crate) tag: KeyPattern,
    /// The first key, where errors about the tag point.
    pub(crate) key: Key,
}

/// Reads the keys `block` builds and checks them against the rules (and the declared tag),
/// pushing errors. Returns the function's tag when every key passed.
pub(crate) fn check_fn(
    sig: &Signature,
    block: &Block,
    declared: &Declared,
    errors: &mut Errors,
) -> Option<FnTag> {
    let params = Params::of(sig);
    let name = sig.ident.to_string();
    let mut reader = Reader::new(&params, name.clone());
    let keys = match reader.read_body(block) {
        Ok(keys) => keys,
        Err(e) => {
            errors.extend(e);
            // The declared tag is checked all the same.
            if let Declared::Tag(lit) = declared {
                errors.extend(parse_tag(lit, &params, &name).err());
            }
            return None;
        }
    };
    let read = FnKeys {
        name: &name,
        params: &params,
        keys: &keys,
        rooted: &reader.rooted,
    };
    check_keys(&read, declared, None, errors)
}

/// The keys one function builds, read.
pub(crate) struct FnKeys<'a> {
    pub(crate) name: &'a str,
    pub(crate) params: &'a Params,
    pub(crate) keys: &'a [Key],
    /// Ids of the holes whose value depends on a parameter.
    pub(crate) rooted: &'a HashSet<String>,
}

/// Checks keys read from a function against the rules (and the declared tag), pushing errors,
/// each with `note` when given. Returns the function's tag when every key passed.
pub(crate) fn check_keys(
    read: &FnKeys,
    declared: &Declared,
    note: Option<&str>,
    errors: &mut Errors,
) -> Option<FnTag> {
    let FnKeys {
        name,
        params,
        keys,
        rooted,
    } = *read;
    let error = |key: &Key, message: String| match note {
        Some(note) => key.error(format!("{message}\n{note}")),
        None => key.error(message),
    };
    let mut ok = true;
    let declared_tag = match declared {
        Declared::Tag(lit) => match parse_tag(lit, params, name) {
            Ok(tag) => Some(tag),
            Err(e) => {
                errors.push(e);
                ok = false;
                None
            }
        },
        _ => None,
    };
    let mut first: Option<(KeyPattern, &Key)> = None;
    for key in keys {
        let shown = &key.pattern;
        let Some(tag) = key.pattern.hash_tag() else {
            let mut message = format!(
                "key `{shown}` has no hash tag, so Redis Cluster hashes all of it: the keys \
                 `{name}` builds share a slot with related keys only by chance"
            );
            if let Some(d) = &declared_tag {
                message = format!("key `{shown}` has no hash tag; `{name}` declares the tag `{d}`");
            }
            ok = false;
            let help = suggest(key, declared_tag.as_ref(), rooted).map_or_else(
                || {
                    "help: put the part that names the entity in braces (`{{`/`}}` inside \
                    `format!`), as in `{{user:{id}}}:profile`"
                        .to_owned()
                },
                |s| format!("help: put the tag in braces: {s}"),
            );
            if let Some(call) = key.pattern.holes().find(|h| place(h).contains('(')) {
                message.push_str(&format!(
                    "\nnote: slotlint does not look inside `{}`: an argument is taken to hold \
                     no braces",
                    call.name
                ));
            }
            errors.push(error(key, format!("{message}\n{help}")));
            continue;
        };
        if let Some(d) = &declared_tag {
            if tag != *d {
                ok = false;
                let mut message =
                    format!("key `{shown}` has hash tag `{tag}`, but `{name}` declares `{d}`");
                if let Some((got, want)) = hole_difference(&tag, d) {
                    message.push_str(&format!(
                        "\nnote: the text is the same, but the tag holds `{{{got}}}` where \
                         `{{{want}}}` was declared; tags are compared by parameter name"
                    ));
                }
                if let Some(s) = suggest(key, Some(d), rooted) {
                    message.push_str(&format!("\nhelp: {s}"));
                }
                errors.push(error(key, message));
                continue;
            }
        } else if matches!(declared, Declared::Nothing) {
            let tag_varies = tag.holes().next().is_some();
            let tag_rooted = tag.holes().any(|h| rooted.contains(place(h)));
            let key_rooted = key.pattern.holes().any(|h| rooted.contains(place(h)));
            let hot = if !tag_varies && key.pattern.holes().next().is_some() {
                Some("has no varying part")
            } else if !tag_rooted && key_rooted {
                Some("depends on no parameter")
            } else {
                None
            };
            if let Some(why) = hot {
                ok = false;
                let help = match suggest(key, None, rooted) {
                    Some(s) => format!("help: put a parameter inside the braces: {s}"),
                    None => "help: put a parameter inside the braces".to_owned(),
                };
                errors.push(error(
                    key,
                    format!(
                        "the hash tag `{tag}` of key `{shown}` {why}: every key `{name}` builds \
                         lands in the same slot, on one node\n{help}, or, if one slot is meant, \
                         declare it: `#[slotlint::key(tag = \"{}\")]`",
                        tag_source(&tag)
                    ),
                ));
                continue;
            }
        }
        match &first {
            None => first = Some((tag, key)),
            Some((first_tag, _)) if *first_tag != tag => {
                ok = false;
                errors.push(error(
                    key,
                    format!(
                        "`{name}` builds keys with different hash tags: `{tag}` here, \
                         `{first_tag}` for its first key; the keys of one function must share \
                         a tag"
                    ),
                ));
            }
            Some(_) => {}
        }
    }
    if !ok {
        return None;
    }
    first.map(|(tag, key)| FnTag {
        name: name.to_owned(),
        tag,
        key: key.clone(),
    })
}

/// The first pair of holes that differ between two tags with the same text.
pub(crate) fn hole_difference(a: &KeyPattern, b: &KeyPattern) -> Option<(String, String)> {
    if a.skeleton() != b.skeleton() {
        return None;
    }
    a.holes()
        .zip(b.holes())
        .find(|(x, y)| x.id != y.id)
        .map(|(x, y)| (x.name.clone(), y.name.clone()))
}

/// A tag as it is written in `tag = "…"`.
fn tag_source(tag: &KeyPattern) -> String {
    let mut out = String::new();
    for seg in tag.segments() {
        match seg {
            Segment::Text(t) => out.push_str(&t.replace('{', "{{").replace('}', "}}")),
            Segment::Hole(h) => out.push_str(&format!("{{{}}}", h.name)),
        }
    }
    out
}

/// Parses a declared tag: text, and `{name}` / `{self.field}` / `{name:spec}` placeholders
/// that name parameters. Braces around the whole tag are not written.
pub(crate) fn parse_tag(lit: &LitStr, params: &Params, fn_name: &str) -> syn::Result<KeyPattern> {
    let text = lit.value();
    let fail = |what: String| {
        syn::Error::new(
            lit.span(),
            format!(
                "{what}\nnote: a tag is written without the braces around it, with `{{param}}` \
                 for a parameter: `tag = \"user:{{id}}\"` for keys `{{user:<id>}}:…`"
            ),
        )
    };
    if text.is_empty() {
        return Err(fail("an empty tag is not a hash tag".to_owned()));
    }
    if let Some(inner) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        let unbraced = LitStr::new(inner, lit.span());
        if parse_tag(&unbraced, params, fn_name).is_ok() {
            return Err(syn::Error::new(
                lit.span(),
                format!("write the tag without the braces around it: `tag = \"{inner}\"`"),
            ));
        }
    }
    let mut pattern = KeyPattern::new();
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let cut = rest.find(['{', '}']).unwrap_or(rest.len());
        pattern.push_text(&rest[..cut]);
        rest = &rest[cut..];
        if rest.is_empty() {
            break;
        }
        if rest.starts_with('}') || rest.starts_with("{{") {
            return Err(fail(format!(
                "the tag `{text}` holds a literal brace; the hash tag ends at the first `}}`"
            )));
        }
        let Some(close) = rest.find('}') else {
            return Err(fail(format!("unclosed `{{` in the tag `{text}`")));
        };
        let inner = &rest[1..close];
        let (name, spec) = match inner.find(':') {
            Some(colon) => (&inner[..colon], &inner[colon + 1..]),
            None => (inner, ""),
        };
        let name = name.trim();
        if spec.contains('{') || !is_place(name) {
            return Err(fail(format!(
                "`{{{inner}}}` in the tag `{text}` is not a placeholder naming a parameter"
            )));
        }
        let root = name.split('.').next().unwrap_or_default();
        if !params.contains(root) {
            return Err(fail(format!(
                "`{{{inner}}}` in the tag names no parameter of `{fn_name}` (its parameters: {})",
                params.list()
            )));
        }
        let id = if spec.is_empty() {
            name.to_owned()
        } else {
            format!("{name}:{spec}")
        };
        pattern.push_hole(Hole::new(id.clone(), id));
        rest = &rest[close + 1..];
    }
    Ok(pattern)
}

/// `id`, `self.id`, `user.0`.
fn is_place(name: &str) -> bool {
    let mut parts = name.split('.');
    let is_ident = |s: &str| {
        s.starts_with(|c: char| c == '_' || c.is_alphabetic())
            && s.chars().all(|c| c == '_' || c.is_alphanumeric())
    };
    parts.next().is_some_and(is_ident)
        && parts.all(|p| is_ident(p) || (!p.is_empty() && p.chars().all(|c| c.is_ascii_digit())))
}

#[derive(Clone)]
enum Item {
    Char(char),
    Hole(Hole, String),
}

/// The key's literal rewritten so that its hash tag is `target` (or, without one, everything
/// up to its first hole that depends on a parameter). `None` when no such rewrite is clear.
fn suggest(key: &Key, target: Option<&KeyPattern>, rooted: &HashSet<String>) -> Option<String> {
    let Direct { is_format, pieces } = key.direct.as_ref()?;
    let mut items: Vec<Item> = Vec::new();
    for piece in pieces {
        match piece {
            DirectPiece::Text(t) => items.extend(t.chars().map(Item::Char)),
            DirectPiece::Placeholder { source, hole } => {
                items.push(Item::Hole(hole.clone(), source.clone()))
            }
        }
    }
    // Remove the braces of the current tag, if there is one.
    if key.pattern.hash_tag().is_some() {
        let open = items.iter().position(|i| matches!(i, Item::Char('{')))?;
        let close = open
            + 2
            + items
                .get(open + 2..)?
                .iter()
                .position(|i| matches!(i, Item::Char('}')))?;
        items.remove(close);
        items.remove(open);
    }
    if items.iter().any(|i| matches!(i, Item::Char('{' | '}'))) {
        return None;
    }
    let (start, end) = match target {
        Some(tag) => {
            let wanted: Vec<Item> = tag
                .segments()
                .iter()
                .flat_map(|s| match s {
                    Segment::Text(t) => t.chars().map(Item::Char).collect::<Vec<_>>(),
                    Segment::Hole(h) => vec![Item::Hole(h.clone(), String::new())],
                })
                .collect();
            let same = |a: &Item, b: &Item| match (a, b) {
                (Item::Char(x), Item::Char(y)) => x == y,
                (Item::Hole(x, _), Item::Hole(y, _)) => x.id == y.id,
                _ => false,
            };
            let start = (0..=items.len().checked_sub(wanted.len())?).find(|&s| {
                wanted
                    .iter()
                    .enumerate()
                    .all(|(i, w)| same(&items[s + i], w))
            })?;
            (start, start + wanted.len())
        }
        None => {
            let first = items
                .iter()
                .position(|i| matches!(i, Item::Hole(h, _) if rooted.contains(place(h))))?;
            (0, first + 1)
        }
    };
    let mut rewritten = items[..start].to_vec();
    rewritten.push(Item::Char('{'));
    rewritten.extend_from_slice(&items[start..end]);
    rewritten.push(Item::Char('}'));
    rewritten.extend_from_slice(&items[end..]);

    // Check the rewrite has the intended tag before offering it.
    let mut pattern = KeyPattern::new();
    let mut wanted_tag = KeyPattern::new();
    for (i, item) in items.iter().enumerate() {
        if (start..end).contains(&i) {
            match item {
                Item::Char(c) => wanted_tag.push_text(c.encode_utf8(&mut [0; 4])),
                Item::Hole(h, _) => wanted_tag.push_hole(h.clone()),
            }
        }
    }
    let mut text = String::new();
    for item in &rewritten {
        match item {
            Item::Char(c) => {
                pattern.push_text(c.encode_utf8(&mut [0; 4]));
                match (is_format, c) {
                    (true, '{') => text.push_str("{{"),
                    (true, '}') => text.push_str("}}"),
                    _ => text.push(*c),
                }
            }
            Item::Hole(h, source) => {
                pattern.push_hole(h.clone());
                text.push_str(source);
            }
        }
    }
    (pattern.hash_tag().as_ref() == Some(&wanted_tag)).then(|| format!("{text:?}"))
}

/// The place or expression text a hole of these macros stands for (they only build named holes).
pub(crate) fn place(h: &slotlint_keys::Hole) -> &str {
    h.id.as_named().unwrap_or_default()
}
