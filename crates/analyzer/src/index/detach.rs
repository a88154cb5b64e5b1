//! Keeping little of a file parsed on demand: what its lookups give is cloned out of its tree
//! ([`Store`]) and the tree is dropped at once; a function's body is parsed again from the
//! file's text the first time it is walked ([`Body`]). A syntax tree takes some thirty times
//! its text: a crate that reaches into many files for a constant or a signature would
//! otherwise hold a tree of each for the whole analysis.
//!
//! Not here: which files are parsed, or when (`index`); what a file defines (`collect`).

use std::cell::OnceCell;
use std::collections::HashMap;
use std::ops::{Deref, Range};

use syn::visit::Visit;

use super::{ConstDef, FileItems, FnDef};

/// Owns the trees kept whole (files parsed up front), the parts cloned out of trees that were
/// not kept, and function bodies. One per crate, outliving its [`super::CrateIndex`].
#[derive(Default)]
pub struct Store<'a> {
    pub files: typed_arena::Arena<syn::File>,
    pub(super) bodies: typed_arena::Arena<Body<'a>>,
    sigs: typed_arena::Arena<syn::Signature>,
    attr_lists: typed_arena::Arena<Vec<syn::Attribute>>,
    attrs: typed_arena::Arena<syn::Attribute>,
    types: typed_arena::Arena<syn::Type>,
    exprs: typed_arena::Arena<syn::Expr>,
    macros: typed_arena::Arena<syn::ItemMacro>,
    anchor: Anchor,
}

/// A function's body: in a tree kept whole, or read again from its file's text (the byte
/// range of its braces) the first time it is used. Dereferences to the block either way; the
/// block read again has the same tokens and byte offsets as the one of the whole file.
pub struct Body<'a> {
    kept: Option<&'a syn::Block>,
    /// The file's text and the braces' byte range in it (of a body kept, both unused: the
    /// range is read from the block).
    text: &'a str,
    braces: Range<usize>,
    /// The crate's [`Anchor`] (none for a body kept).
    anchor: Option<&'a Anchor>,
    read: OnceCell<syn::Block>,
}

impl<'a> Body<'a> {
    /// The body of a tree that is kept.
    pub(super) fn kept(block: &'a syn::Block) -> Body<'a> {
        Body {
            kept: Some(block),
            text: "",
            // Read from the block when asked ([`Body::braces`]).
            braces: 0..0,
            anchor: None,
            read: OnceCell::new(),
        }
    }

    /// Byte range of the braces in the file (without reading the body).
    pub fn braces(&self) -> Range<usize> {
        match self.kept {
            Some(block) => block.brace_token.span.join().byte_range(),
            None => self.braces.clone(),
        }
    }
}

impl Body<'_> {
    /// `f` of the block: the one kept or read already, else one read for `f`, kept when `f`
    /// says so (it is walked next, which would read it again), else dropped (a tree costs some
    /// thirty times its text).
    pub fn with_block<R>(&self, f: impl FnOnce(&syn::Block) -> (R, bool)) -> R {
        if let Some(block) = self.kept.or_else(|| self.read.get()) {
            return f(block).0;
        }
        let block = self.read_now();
        let (result, keep) = f(&block);
        if keep {
            let _ = self.read.set(block);
        }
        result
    }

    /// The block parsed from the file's text.
    fn read_now(&self) -> syn::Block {
        let none = Anchor::default();
        read_block(self.text, self.braces.clone(), self.anchor.unwrap_or(&none))
    }
}

impl Deref for Body<'_> {
    type Target = syn::Block;

    fn deref(&self) -> &syn::Block {
        match self.kept {
            Some(block) => block,
            None => self.read.get_or_init(|| self.read_now()),
        }
    }
}

/// The block whose braces are at `braces` in `text` (a file that parses), parsed alone, its
/// tokens given the byte offsets they have in the file: each token's span is cut from `anchor`,
/// a literal as long as the file ([`Anchor`]). As syn reads a function's body: inner
/// attributes (`#![allow(..)]`) belong to the function, not to the block.
fn read_block(text: &str, braces: Range<usize>, anchor: &Anchor) -> syn::Block {
    // Never expected (the file parsed): the block of the whole file, parsed again.
    read_apart(text, braces.clone(), anchor).unwrap_or_else(|| block_in_file(text, &braces))
}

/// [`read_block`]'s block parsed alone; `None` if it does not parse so, or its braces are not
/// at `braces` then.
fn read_apart(text: &str, braces: Range<usize>, anchor: &Anchor) -> Option<syn::Block> {
    let body_text = text.get(braces.clone())?;
    let body: proc_macro2::TokenStream = body_text.parse().ok()?;
    // A token's bytes in the body: from its line and column, a cheaper question to
    // proc-macro2 than its byte range (which counts characters from the last offset it
    // converted).
    let lines = slotlint_syntax::line_index::LineIndex::new(body_text);
    let bytes = |span: proc_macro2::Span| -> Range<usize> {
        let at = |p: proc_macro2::LineColumn| lines.offset_at(body_text, p.line, p.column);
        match (at(span.start()), at(span.end())) {
            (Some(start), Some(end)) => start..end,
            _ => span.byte_range(),
        }
    };
    let tokens = anchor.covering(text.len(), |anchor| {
        respan(body, anchor, braces.start, &bytes)
    })??;
    let parser = |input: syn::parse::ParseStream<'_>| {
        let content;
        let brace_token = syn::braced!(content in input);
        content.call(syn::Attribute::parse_inner)?;
        let stmts = content.call(syn::Block::parse_within)?;
        Ok(syn::Block { brace_token, stmts })
    };
    let block = syn::parse::Parser::parse2(parser, tokens).ok()?;
    (block.brace_token.span.join().byte_range() == braces).then_some(block)
}

/// A string literal whose span covers at least as many positions as a file has bytes, in a text
/// of spaces (one byte per character): `subspan(a..b)` is a span whose byte range is `a..b`,
/// whichever file `a..b` are offsets of. One per crate, made when a body is first read again
/// and made anew, twice as long, when a longer file needs it: the source map of spans keeps
/// every text lexed, and lexing one per file cost as much as a tenth of reading the bodies.
#[derive(Default)]
pub(super) struct Anchor(std::cell::RefCell<Option<proc_macro2::Literal>>);

impl Anchor {
    /// `f` of a literal covering `len` positions (`None` if none could be made).
    fn covering<R>(&self, len: usize, f: impl FnOnce(&proc_macro2::Literal) -> R) -> Option<R> {
        let covers = |l: &proc_macro2::Literal| l.subspan(len..len).is_some();
        if !self.0.borrow().as_ref().is_some_and(covers) {
            let made = anchor_of(len.max(1 << 16).next_power_of_two());
            *self.0.borrow_mut() = made;
        }
        self.0.borrow().as_ref().filter(|l| covers(l)).map(f)
    }
}

fn anchor_of(len: usize) -> Option<proc_macro2::Literal> {
    let quoted = format!("\"{}\"", " ".repeat(len));
    let tokens: proc_macro2::TokenStream = quoted.parse().ok()?;
    match tokens.into_iter().next()? {
        proc_macro2::TokenTree::Literal(l) => Some(l),
        _ => None,
    }
}

/// `tokens` (lexed from a text that starts at byte `base` of the file; `bytes`: a span's byte
/// range in that text) with every span moved to the same bytes of the file, cut from `anchor`.
fn respan(
    tokens: proc_macro2::TokenStream,
    anchor: &proc_macro2::Literal,
    base: usize,
    bytes: &dyn Fn(proc_macro2::Span) -> Range<usize>,
) -> Option<proc_macro2::TokenStream> {
    use proc_macro2::TokenTree;
    tokens
        .into_iter()
        .map(|token| {
            let r = bytes(token.span());
            let span = anchor.subspan(base + r.start..base + r.end)?;
            Some(match token {
                TokenTree::Group(g) => {
                    let inner = respan(g.stream(), anchor, base, bytes)?;
                    let mut group = proc_macro2::Group::new(g.delimiter(), inner);
                    group.set_span(span);
                    TokenTree::Group(group)
                }
                mut other => {
                    other.set_span(span);
                    other
                }
            })
        })
        .collect()
}

/// The block whose braces are at `braces`, from `text` parsed whole (an empty block if there is
/// none, which cannot happen for a file that parsed once).
fn block_in_file(text: &str, braces: &Range<usize>) -> syn::Block {
    struct Find<'r> {
        braces: &'r Range<usize>,
        found: Option<syn::Block>,
    }
    impl<'ast> Visit<'ast> for Find<'_> {
        fn visit_block(&mut self, b: &'ast syn::Block) {
            if self.found.is_none() && b.brace_token.span.join().byte_range() == *self.braces {
                self.found = Some(b.clone());
            }
            syn::visit::visit_block(self, b);
        }
    }
    let mut find = Find {
        braces,
        found: None,
    };
    if let Ok(file) = crate::parse::parse_rust(text) {
        find.visit_file(&file);
    }
    find.found.unwrap_or_else(|| syn::Block {
        brace_token: Default::default(),
        stmts: Vec::new(),
    })
}

impl<'a> Store<'a> {
    /// `items` (read from a tree about to be dropped) with every part of the tree it points to
    /// cloned here, and function bodies to be read again from `text` when used.
    pub(super) fn detach(&'a self, items: FileItems<'_>, text: &'a str) -> FileItems<'a> {
        // A type both `fields` and `fields_by_name` point to is cloned once.
        let mut types: HashMap<*const syn::Type, &'a syn::Type> = HashMap::new();
        let mut ty = |t: &syn::Type| -> &'a syn::Type {
            types
                .entry(t as *const syn::Type)
                .or_insert_with(|| self.types.alloc(t.clone()))
        };
        let anchor = &self.anchor;
        let FileItems {
            fns,
            fns_by_name,
            consts,
            fields,
            fields_by_name,
            serde_defaults,
            types: type_names,
            file_scope_types,
            fns_in_inline_mods,
            type_aliases,
            enum_variants,
            macros,
            builders,
            method_names,
            groups,
            test_ranges,
            allows,
        } = items;
        let fns = fns
            .into_iter()
            .map(|f| FnDef {
                sig: self.sigs.alloc(f.sig.clone()),
                block: self.bodies.alloc(Body {
                    kept: None,
                    text,
                    braces: f.block.braces(),
                    anchor: Some(anchor),
                    read: OnceCell::new(),
                }),
                // Doc comments are most of a function's attributes, and nothing reads them.
                attrs: self.attr_lists.alloc(
                    f.attrs
                        .iter()
                        .filter(|a| !a.path().is_ident("doc"))
                        .cloned()
                        .collect(),
                ),
                file: f.file,
                name: f.name,
                self_ty: f.self_ty,
                group: f.group,
                public: f.public,
                in_trait: f.in_trait,
                trait_impl: f.trait_impl,
            })
            .collect();
        let consts = consts
            .into_iter()
            .map(|(name, c)| {
                let def = ConstDef {
                    file: c.file,
                    ty: ty(c.ty),
                    expr: self.exprs.alloc(c.expr.clone()),
                };
                (name, def)
            })
            .collect();
        let fields = fields
            .into_iter()
            .map(|(s, of)| (s, of.into_iter().map(|(f, t)| (f, ty(t))).collect()))
            .collect();
        let fields_by_name = fields_by_name
            .into_iter()
            .map(|(f, tys)| (f, tys.into_iter().map(&mut ty).collect()))
            .collect();
        let type_aliases = type_aliases
            .into_iter()
            .map(|(n, t)| (n, &*self.types.alloc(t.clone())))
            .collect();
        let macros = macros
            .into_iter()
            .map(|(n, m)| (n, &*self.macros.alloc(m.clone())))
            .collect();
        let allows = allows
            .into_iter()
            .map(|(a, r)| (&*self.attrs.alloc(a.clone()), r))
            .collect();
        FileItems {
            fns,
            fns_by_name,
            consts,
            fields,
            fields_by_name,
            serde_defaults,
            types: type_names,
            file_scope_types,
            fns_in_inline_mods,
            type_aliases,
            enum_variants,
            macros,
            builders,
            method_names,
            groups,
            test_ranges,
            allows,
        }
    }

    /// The `use` items of `file` (and of its inline modules, kept as modules of nothing else):
    /// all that is read of a file's tree besides its items ([`crate::interp`]'s scopes).
    pub(super) fn uses_of(&'a self, file: &syn::File) -> &'a syn::File {
        fn uses(items: &[syn::Item]) -> Vec<syn::Item> {
            items
                .iter()
                .filter_map(|item| match item {
                    syn::Item::Use(u) => Some(syn::Item::Use(u.clone())),
                    syn::Item::Mod(m) => Some(syn::Item::Mod(syn::ItemMod {
                        attrs: Vec::new(),
                        vis: syn::Visibility::Inherited,
                        unsafety: None,
                        mod_token: m.mod_token,
                        ident: m.ident.clone(),
                        content: m
                            .content
                            .as_ref()
                            .map(|(brace, items)| (*brace, uses(items))),
                        semi: m.semi,
                    })),
                    _ => None,
                })
                .collect()
        }
        self.files.alloc(syn::File {
            shebang: None,
            attrs: Vec::new(),
            items: uses(&file.items),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_read_again_has_the_offsets_of_the_whole_file() {
        // Bodies of one line and of several, of ASCII (positions from lines and columns) and
        // not (from proc-macro2's byte ranges), after a character of two bytes.
        let text = "// é\nfn a() { let x = 1; }\nimpl T { fn b(&self) {\n #![allow(x)]\n f(\"ü\", 2) } }\n\
                    fn c() {\n    let y =\n        (2, [3]);\n    g(y)\n}";
        let file = crate::parse::parse_rust(text).unwrap();
        let mut blocks = Vec::new();
        struct All<'v>(&'v mut Vec<syn::Block>);
        impl Visit<'_> for All<'_> {
            fn visit_block(&mut self, b: &syn::Block) {
                self.0.push(b.clone());
                syn::visit::visit_block(self, b);
            }
        }
        All(&mut blocks).visit_file(&file);
        assert_eq!(blocks.len(), 3);
        // One anchor for every file of the crate; a file longer than it has made it anew.
        let anchor = Anchor::default();
        let long = format!("{}{text}", "\n".repeat(100_000));
        let read_long = |braces: Range<usize>| {
            let shifted = braces.start + 100_000..braces.end + 100_000;
            let block = read_apart(&long, shifted.clone(), &anchor).unwrap();
            assert_eq!(block.brace_token.span.join().byte_range(), shifted);
        };
        for whole in &blocks {
            let braces = whole.brace_token.span.join().byte_range();
            // Read apart, not through the whole file (which `read_block` falls back on).
            let again = read_apart(text, braces.clone(), &anchor).unwrap();
            read_long(braces.clone());
            assert_eq!(&again, whole);
            let ranges = |b: &syn::Block| -> Vec<Range<usize>> {
                let tokens = quote::ToTokens::to_token_stream(b);
                tokens
                    .into_iter()
                    .flat_map(|t| match t {
                        proc_macro2::TokenTree::Group(g) => g
                            .stream()
                            .into_iter()
                            .map(|t| t.span().byte_range())
                            .collect::<Vec<_>>(),
                        t => vec![t.span().byte_range()],
                    })
                    .collect()
            };
            assert_eq!(ranges(&again), ranges(whole));
        }
        // A range that holds no block: the whole file is read for it (an empty block).
        assert!(read_block(text, 0..3, &anchor).stmts.is_empty());
    }
}
