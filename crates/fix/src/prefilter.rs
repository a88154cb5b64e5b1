//! Which files can matter to a fix plan, told from their text and tokens before any of them is
//! parsed: `check`'s fix preview parses only those (`slotlint_analyzer::key_sites::scan_selected`)
//! and plans the same fixes as over every file of the workspace.
//!
//! The families a plan renames are known from the findings alone ([`plan::family_renames`]).
//! A file can change the plan only through a string literal that [`plan`]'s site tests may act
//! on for one of them, a string constant such a site's format arguments name, an
//! `include_str!`'d script, or — when it does not parse — a mention of a family's longest text.
//! Each file is lexed (proc-macro2, syn's own lexer: no tree is built) and every string literal
//! is put to the same tests the plan runs (the functions of [`crate::pattern`]), in every role
//! it may have (plain literal, piece of a key, template of `format!`/`write!` whose holes are
//! filled by constants or literal arguments, or not): a superset of what the plan does, so the
//! plan over the files kept is the plan over all (`tests/fix.rs` compares both).
//!
//! Not here: the plan itself ([`plan`]), reading and parsing files (the analyzer).

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

use proc_macro2::{TokenStream, TokenTree};
use rayon::prelude::*;

use slotlint_analyzer::{parse, FixableFinding};

use crate::candidates::{literal_prefix, literal_suffix};
use crate::pattern::{
    glob_of, intersects, is_piece_of, looks_like_glob, match_offsets, toks_of_atoms, toks_of_glob,
    Atom, Class, Rep, Tok,
};
use crate::plan::{self, alnum_literals, longest_text, NO_BRACES, NO_SEPARATOR};
use crate::scan::format_atoms;

/// The macros whose format string is a format site (`slotlint_syntax::key_sites`).
const FORMAT_MACROS: [&str; 4] = ["format", "format_args", "write", "writeln"];

/// One family a plan may rename.
struct Family {
    old: Vec<Atom>,
    new: Vec<Atom>,
    old_glob: String,
    /// The plan's token forms, computed once.
    old_no_braces: Vec<Tok>,
    new_no_braces: Vec<Tok>,
    old_no_separator: Vec<Tok>,
    old_any: Vec<Tok>,
    new_any: Vec<Tok>,
    /// Whether literal keys of the family are looked for (`Instance` edits), and the text
    /// before its first hole and after its last, which every one starts and ends with.
    instances: bool,
    old_prefix: String,
    old_suffix: String,
}

/// The tests of the files (see the module docs).
pub struct Prefilter {
    families: Vec<Family>,
    /// The longest texts the plan searches files that do not parse for.
    needles: Vec<String>,
}

/// What one file's tokens say.
#[derive(Default)]
struct Lexed {
    /// A literal the plan may act on whatever the constants hold.
    always: bool,
    /// Names that, if some file defines a constant of that name, make a format site of this
    /// file one the plan may act on.
    if_const: HashSet<String>,
    /// Names a format site of this file may take a constant's value from.
    format_names: HashSet<String>,
    /// `const`/`static` items it may define.
    defines: HashSet<String>,
}

impl Prefilter {
    /// The tests for the families the fixes of `findings` rename.
    pub fn new(findings: &[&FixableFinding]) -> Prefilter {
        let families: Vec<Family> = plan::family_renames(findings)
            .into_iter()
            .map(|(old, new)| Family {
                old_glob: glob_of(&old),
                old_no_braces: toks_of_atoms(&old, &NO_BRACES),
                new_no_braces: toks_of_atoms(&new, &NO_BRACES),
                old_no_separator: toks_of_atoms(&old, &NO_SEPARATOR),
                old_any: toks_of_atoms(&old, &[]),
                new_any: toks_of_atoms(&new, &[]),
                instances: old.contains(&Atom::H) && alnum_literals(&old) >= 2,
                old_prefix: literal_prefix(&old),
                old_suffix: literal_suffix(&old),
                old,
                new,
            })
            .collect();
        let mut needles: Vec<String> = families
            .iter()
            .map(|f| longest_text(&f.old))
            .filter(|n| n.len() >= 3)
            .collect();
        needles.sort_unstable();
        needles.dedup();
        Prefilter { families, needles }
    }

    /// One answer per file text (`(package, text)`): whether its key sites may matter to the plan.
    pub fn select(&self, texts: &[(usize, &str)]) -> Vec<bool> {
        let lexed: Vec<Lexed> = texts
            .par_iter()
            .map(|(_, text)| {
                // A slotlint bug must not cost a file its scan: kept, as before.
                let l = catch_unwind(AssertUnwindSafe(|| self.lex(text))).unwrap_or(Lexed {
                    always: true,
                    ..Lexed::default()
                });
                proc_macro2::extra::invalidate_current_thread_spans();
                l
            })
            .collect();
        let defined: HashSet<&str> = lexed
            .iter()
            .flat_map(|l| l.defines.iter().map(String::as_str))
            .collect();
        let mut kept: Vec<bool> = lexed
            .iter()
            .map(|l| l.always || l.if_const.iter().any(|n| defined.contains(n.as_str())))
            .collect();
        // The constants the format sites of the files kept may read: every file that defines
        // one, so that the plan sees the same values (or the same disagreement).
        let named: HashSet<&str> = lexed
            .iter()
            .zip(&kept)
            .filter(|(_, k)| **k)
            .flat_map(|(l, _)| l.format_names.iter().map(String::as_str))
            .collect();
        for (l, k) in lexed.iter().zip(kept.iter_mut()) {
            *k = *k || l.defines.iter().any(|d| named.contains(d.as_str()));
        }
        kept
    }

    fn lex(&self, text: &str) -> Lexed {
        let mut out = Lexed {
            always: text.contains("include_str")
                || self.needles.iter().any(|n| text.contains(n.as_str())),
            ..Lexed::default()
        };
        // Too deep to lex safely, or not Rust the lexer reads: it does not parse either, so it
        // has no sites (kept all the same: the plan tells why it was not scanned).
        if parse::check_rust_depth(text).is_err() {
            out.always = true;
            return out;
        }
        let Ok(tokens) = parse::blank_bom_and_shebang(text).parse::<TokenStream>() else {
            out.always = true;
            return out;
        };
        self.walk(tokens, false, &mut out);
        out
    }

    /// The tokens of one group; `in_format` when it is the body of a format macro.
    fn walk(&self, tokens: TokenStream, in_format: bool, out: &mut Lexed) {
        let toks: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, t) in toks.iter().enumerate() {
            match t {
                TokenTree::Group(g) => {
                    let is_format = i >= 2
                        && matches!(&toks[i - 1], TokenTree::Punct(p) if p.as_char() == '!')
                        && matches!(&toks[i - 2], TokenTree::Ident(id)
                            if FORMAT_MACROS.iter().any(|m| id == m));
                    self.walk(g.stream(), is_format, out);
                }
                TokenTree::Ident(id) => {
                    if id == "const" || id == "static" {
                        let mut next = i + 1;
                        if matches!(toks.get(next), Some(TokenTree::Ident(m)) if m == "mut") {
                            next += 1;
                        }
                        if let Some(TokenTree::Ident(name)) = toks.get(next) {
                            out.defines.insert(unraw(&name.to_string()));
                        }
                    }
                }
                TokenTree::Literal(l) => {
                    if out.always && !in_format {
                        continue;
                    }
                    let Some(value) = string_value(l) else {
                        continue;
                    };
                    if !out.always && self.plain_matters(&value) {
                        out.always = true;
                    }
                    if in_format {
                        self.format_role(&value, i, &toks, out);
                    }
                }
                TokenTree::Punct(_) => {}
            }
        }
    }

    /// The literal `value` read as a plain literal, whole or a piece: the plan's tests (each
    /// after a cheaper test it implies, most literals being nothing like a key).
    fn plain_matters(&self, value: &str) -> bool {
        if crate::calls_redis(value) {
            return true;
        }
        let atoms: Vec<Atom> = value.chars().map(Atom::C).collect();
        let braces = value.contains(['{', '}']);
        let template: Option<Vec<Atom>> = braces
            .then(|| format_atoms(value).map(|(a, _)| a.into_iter().map(|(a, _)| a).collect()))
            .flatten();
        let glob = looks_like_glob(value).then(|| toks_of_glob(value));
        let no_braces = |c: char| c != '{' && c != '}';
        self.families.iter().any(|f| {
            atoms == f.old
                || atoms == f.new
                || (atoms.len() >= 2 && is_piece_of(&atoms, &f.old))
                || template.as_ref() == Some(&f.old)
                || glob.as_ref().is_some_and(|g| {
                    value == f.old_glob
                        || intersects(g, &f.old_no_braces) != intersects(g, &f.new_no_braces)
                })
                || (f.instances
                    && value.starts_with(f.old_prefix.as_str())
                    && value.ends_with(f.old_suffix.as_str())
                    && !match_offsets(&f.old, value, &no_braces, false, 2).is_empty())
        })
    }

    /// The literal `value` (token `at` of `group`, the body of a format macro) read as its
    /// format string: whether the plan may act on it, now or if its holes take constants.
    fn format_role(&self, value: &str, at: usize, group: &[TokenTree], out: &mut Lexed) {
        let Some((atoms, _)) = format_atoms(value) else {
            // Not a format string slotlint reads: no site (kept all the same, to be sure).
            out.always = true;
            return;
        };
        let atoms: Vec<Atom> = atoms.into_iter().map(|(a, _)| a).collect();
        if !atoms.contains(&Atom::H) {
            // Nothing to fill in: the plan's tests as they are.
            if self
                .families
                .iter()
                .any(|f| atoms == f.old || atoms == f.new || is_piece_of(&atoms, &f.old))
            {
                out.always = true;
            }
            return;
        }
        // Its holes filled with any text or left, the whole a part of any key of the family: a
        // superset of every test on the atoms, with arguments filled in or not (equal, a piece,
        // may build).
        let star = Tok {
            class: Class::AnyExcept(Vec::new()),
            rep: Rep::Star,
        };
        let mut filled = vec![star.clone()];
        for a in &atoms {
            filled.push(match a {
                Atom::C(c) => Tok {
                    class: Class::Char(*c),
                    rep: Rep::One,
                },
                Atom::H => star.clone(),
            });
        }
        filled.push(star);
        if !self
            .families
            .iter()
            .any(|f| intersects(&filled, &f.old_any) || intersects(&filled, &f.new_any))
        {
            return;
        }
        // Which names the holes may take a constant's value from: the macro's identifiers and
        // the names the format string captures. Their constants must all be read.
        let mut names = HashSet::new();
        let mut literal_argument = false;
        for (i, t) in group.iter().enumerate() {
            if i != at {
                literal_argument |= collect_names(t, &mut names);
            }
        }
        for word in value.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if !word.is_empty() {
                names.insert(word.to_owned());
            }
        }
        // Its holes empty (no literal argument, no constant): the plan's tests as they are.
        let unfilled = self.families.iter().any(|f| {
            atoms == f.old
                || atoms == f.new
                || is_piece_of(&atoms, &f.old)
                || intersects(&toks_of_atoms(&atoms, &NO_SEPARATOR), &f.old_no_separator)
        });
        if unfilled || literal_argument {
            out.always = true;
        } else {
            out.if_const.extend(names.iter().cloned());
        }
        out.format_names.extend(names);
    }
}

/// The value of a string or byte string literal token (valid UTF-8); `None` for others.
fn string_value(l: &proc_macro2::Literal) -> Option<String> {
    let repr = l.to_string();
    if !repr.contains('"') {
        return None;
    }
    // Most literals hold no escape: their value is what the quotes enclose.
    if let Some(inner) = repr.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        if !inner.contains(['\\', '\r']) {
            return Some(inner.to_owned());
        }
    }
    match syn::Lit::new(l.clone()) {
        syn::Lit::Str(s) => Some(s.value()),
        syn::Lit::ByteStr(b) => String::from_utf8(b.value()).ok(),
        _ => None,
    }
}

/// The identifiers of a token tree into `names`; `true` when it holds a literal.
fn collect_names(t: &TokenTree, names: &mut HashSet<String>) -> bool {
    match t {
        TokenTree::Ident(id) => {
            names.insert(unraw(&id.to_string()));
            false
        }
        TokenTree::Literal(_) => true,
        TokenTree::Punct(_) => false,
        TokenTree::Group(g) => {
            let mut literal = false;
            for t in g.stream() {
                literal |= collect_names(&t, names);
            }
            literal
        }
    }
}

fn unraw(name: &str) -> String {
    name.strip_prefix("r#").unwrap_or(name).to_owned()
}
