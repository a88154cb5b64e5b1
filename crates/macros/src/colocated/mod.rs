//! `#[slotlint::colocated]` on an `impl` block or inline `mod`: its key builders build keys
//! with one hash tag, so that any of them can go in one MGET, MULTI/EXEC or script.
//!
//! [`members`] decides which functions are key builders and which calls call one; each member
//! is read once (with calls to other members followed) and passes the `#[slotlint::key]` rules;
//! [`matching`] compares the members' tags. Arguments: `exclude = "f, g"` (functions that build
//! no key, though they return a string) and `by = "id, order_id"` (places that are one value).
//!
//! The group checks its members' own `#[slotlint::key(…)]` too, with what only it knows, and
//! marks them so that they check nothing more when they expand (see [`CHECKED_BY_GROUP`]).
//! Everything else is emitted unchanged.

mod matching;
mod members;

use std::cell::RefCell;
use std::rc::Rc;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Attribute, ImplItem, Item, LitStr};

use crate::check::{check_keys, parse_tag, string_argument, Declared, FnKeys, FnTag};
use crate::errors::Errors;
use crate::key::{is_colocated_attr, is_key_attr, parse_key_args, CHECKED_BY_GROUP};
use crate::read::{split_place, CalleeKeys, Callees, MemberCall, Params, ReadFn, Reader};
use crate::spelling::nearest;
use matching::{same_tag, TagOf};
use members::{members, resolve_call, BuildsKey, GroupFn};

/// `#[slotlint::colocated(…)]`: checks the group, emits the item (its members'
/// `#[slotlint::key]` marked as checked) and the errors.
pub(crate) fn expand_colocated(attr: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = GroupArgs::parse(attr, &mut errors);
    let mut parsed = match syn::parse2::<Item>(item.clone()) {
        Ok(parsed) => parsed,
        Err(e) => {
            errors.push(e);
            let errors = errors.into_compile_errors();
            return quote!(#item #errors);
        }
    };
    let mut marked = false;
    if let Some((fns, attrs)) = functions(&mut parsed, &mut errors) {
        let group = Group::new(fns, &args, &mut errors);
        group.check(&args, &mut errors);
        for (i, attrs) in attrs.into_iter().enumerate() {
            if group.member[i].is_some() {
                marked |= mark_checked(attrs);
            }
        }
    }
    let errors = errors.into_compile_errors();
    if marked {
        quote!(#parsed #errors)
    } else {
        quote!(#item #errors)
    }
}

/// The arguments of `#[slotlint::colocated(…)]`.
#[derive(Default)]
struct GroupArgs {
    /// Names of functions that are not members, each with the literal that names it.
    exclude: Vec<(String, LitStr)>,
    /// Places that are one value, and the literal that lists them.
    by: Vec<String>,
    by_lit: Option<LitStr>,
}

const ARGS: &str = "`#[slotlint::colocated]` takes `exclude = \"f, g\"` (functions that build \
no key) and `by = \"id, order_id\"` (the parameters that carry the group's tag), or nothing";

impl GroupArgs {
    fn parse(attr: TokenStream, errors: &mut Errors) -> GroupArgs {
        let mut args = GroupArgs::default();
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("exclude") {
                let lit = string_argument(&meta, "exclude", "helper")?;
                let names = list(&lit);
                if names.is_empty() {
                    return Err(syn::Error::new(
                        lit.span(),
                        "`exclude` lists functions by name, as in `exclude = \"label, helper\"`",
                    ));
                }
                args.exclude
                    .extend(names.into_iter().map(|n| (n, lit.clone())));
                Ok(())
            } else if meta.path.is_ident("by") {
                if args.by_lit.is_some() {
                    return Err(meta.error("`by` is given twice: list every place in one `by`"));
                }
                let lit = string_argument(&meta, "by", "id, order_id")?;
                let places = list(&lit);
                if let Some(bad) = places
                    .iter()
                    .find(|p| split_place(p).is_none() || p.contains(':'))
                {
                    return Err(syn::Error::new(
                        lit.span(),
                        format!(
                            "`{bad}` is not a parameter or a field: `by` lists places such as \
                             `id`, `order_id` or `self.id`, separated by commas"
                        ),
                    ));
                }
                if places.len() < 2 {
                    return Err(syn::Error::new(
                        lit.span(),
                        "`by` lists the places that are one value, two or more: \
                         `by = \"id, order_id\"`",
                    ));
                }
                args.by = places;
                args.by_lit = Some(lit);
                Ok(())
            } else {
                Err(meta.error(format!("unknown argument: {ARGS}")))
            }
        });
        if let Err(e) = syn::parse::Parser::parse2(parser, attr) {
            errors.push(e);
        }
        args
    }

    fn excludes(&self, name: &str) -> bool {
        self.exclude.iter().any(|(n, _)| n == name)
    }
}

/// `"a, b"` → `["a", "b"]`.
fn list(lit: &LitStr) -> Vec<String> {
    lit.value()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The functions of the group, and, in the same order, their attribute lists (to mark the
/// members' `#[slotlint::key]`). `None`, with an error, when the item is no group.
fn functions<'a>(
    item: &'a mut Item,
    errors: &mut Errors,
) -> Option<(Vec<GroupFn<'a>>, Vec<&'a mut Vec<Attribute>>)> {
    let mut fns = Vec::new();
    let mut attrs = Vec::new();
    let mut add = |f: GroupFn<'a>, a: &'a mut Vec<Attribute>| {
        fns.push(f);
        attrs.push(a);
    };
    match item {
        Item::Impl(imp) => impl_functions(imp, errors, &mut add),
        Item::Mod(m) => {
            if m.content.is_none() {
                errors.push(syn::Error::new_spanned(
                    &*m,
                    "`#[slotlint::colocated]` needs the module's items: use an inline \
                     `mod name { … }`",
                ));
                return None;
            }
            for inner in m.content.iter_mut().flat_map(|(_, items)| items) {
                match inner {
                    Item::Fn(syn::ItemFn {
                        attrs, sig, block, ..
                    }) => {
                        let key_attr = key_attr(attrs, errors);
                        add(
                            GroupFn {
                                sig,
                                block,
                                impl_ty: None,
                                key_attr,
                            },
                            attrs,
                        );
                    }
                    // An impl with its own group is checked on its own.
                    Item::Impl(imp) if !imp.attrs.iter().any(is_colocated_attr) => {
                        impl_functions(imp, errors, &mut add)
                    }
                    _ => {}
                }
            }
        }
        _ => {
            errors.push(syn::Error::new(
                Span::call_site(),
                "`#[slotlint::colocated]` goes on an `impl` block or an inline `mod`",
            ));
            return None;
        }
    }
    Some((fns, attrs))
}

fn impl_functions<'a>(
    imp: &'a mut syn::ItemImpl,
    errors: &mut Errors,
    add: &mut impl FnMut(GroupFn<'a>, &'a mut Vec<Attribute>),
) {
    let impl_ty = match &*imp.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    };
    for item in &mut imp.items {
        if let ImplItem::Fn(syn::ImplItemFn {
            attrs, sig, block, ..
        }) = item
        {
            let key_attr = key_attr(attrs, errors);
            add(
                GroupFn {
                    sig,
                    block,
                    impl_ty: Some(impl_ty.clone().unwrap_or_default()),
                    key_attr,
                },
                attrs,
            );
        }
    }
}

/// What a function's own `#[slotlint::key(…)]` declares, its argument errors pushed (the group
/// reports them, since the attribute's own expansion will not).
fn key_attr(attrs: &[Attribute], errors: &mut Errors) -> Option<Declared> {
    let attr = attrs.iter().find(|a| is_key_attr(a))?;
    Some(match &attr.meta {
        syn::Meta::Path(_) => Declared::Nothing,
        syn::Meta::List(list) => parse_key_args(list.tokens.clone(), errors),
        syn::Meta::NameValue(_) => {
            errors.push(syn::Error::new_spanned(
                attr,
                "write `#[slotlint::key]` or `#[slotlint::key(tag = \"…\")]`",
            ));
            Declared::Invalid
        }
    })
}

/// `#[slotlint::key(…)]` → `#[slotlint::key(__checked_by_colocated_group)]`; whether one was.
fn mark_checked(attrs: &mut [Attribute]) -> bool {
    let Some(attr) = attrs.iter_mut().find(|a| is_key_attr(a)) else {
        return false;
    };
    let path = attr.path().clone();
    let marker = format_ident!("{}", CHECKED_BY_GROUP);
    attr.meta = syn::parse_quote!(#path(#marker));
    true
}

/// How far reading a member got.
enum ReadState {
    NotRead,
    Reading,
    Done(Result<Rc<ReadFn>, Option<syn::Error>>),
}

struct Group<'a> {
    fns: Vec<GroupFn<'a>>,
    /// Per function: `None` if not a member; `Some(None)` for a member by its own
    /// `#[slotlint::key]`, `Some(Some(why))` for one by what it returns.
    member: Vec<Option<Option<BuildsKey>>>,
    /// Per function: the note added to its errors (why it is checked at all).
    notes: Vec<Option<String>>,
    reads: RefCell<Vec<ReadState>>,
}

impl<'a> Group<'a> {
    fn new(fns: Vec<GroupFn<'a>>, args: &GroupArgs, errors: &mut Errors) -> Group<'a> {
        let names: Vec<String> = fns.iter().map(GroupFn::name).collect();
        for (name, lit) in &args.exclude {
            if !names.contains(name) {
                let help = nearest(name, names.iter().map(String::as_str))
                    .map(|near| format!("\nhelp: did you mean `{near}`?"))
                    .unwrap_or_default();
                errors.push(syn::Error::new(
                    lit.span(),
                    format!("`exclude` names `{name}`, which is no function of this group{help}"),
                ));
            }
        }
        let mut excluded: Vec<bool> = names.iter().map(|n| args.excludes(n)).collect();
        for (i, f) in fns.iter().enumerate() {
            if excluded[i] && f.key_attr.is_some() {
                let (_, lit) = args.exclude.iter().find(|(n, _)| *n == names[i]).unwrap();
                errors.push(syn::Error::new(
                    lit.span(),
                    format!(
                        "`{}` carries `#[slotlint::key]`, so it builds a key of this group: \
                         remove it from `exclude`, or remove its attribute",
                        names[i]
                    ),
                ));
                excluded[i] = false;
            }
        }
        let member = members(&fns, &excluded);
        // The names a note's `exclude = "…"` keeps: those that name a function.
        let valid_excludes: Vec<&str> = names
            .iter()
            .filter(|n| args.excludes(n))
            .map(String::as_str)
            .collect();
        let notes = member
            .iter()
            .zip(&names)
            .map(|(m, name)| match m {
                Some(Some(why)) => Some(implicit_member_note(name, why, &valid_excludes)),
                _ => None,
            })
            .collect();
        let reads = RefCell::new(fns.iter().map(|_| ReadState::NotRead).collect());
        Group {
            fns,
            member,
            notes,
            reads,
        }
    }

    /// The keys member `i` builds (read once, calls to other members followed). `Err(None)`:
    /// it is being read, so this is a recursive call; `Err(Some(errors))`: it could not be read
    /// (the errors, if not left to rustc, are reported once, by [`Group::check`]).
    fn read(&self, i: usize) -> Result<Rc<ReadFn>, Option<Option<syn::Error>>> {
        match &self.reads.borrow()[i] {
            ReadState::Done(result) => return result.clone().map_err(Some),
            ReadState::Reading => return Err(None),
            ReadState::NotRead => {}
        }
        self.reads.borrow_mut()[i] = ReadState::Reading;
        let f = &self.fns[i];
        let params = Params::of(f.sig);
        let calls = CallsFrom {
            group: self,
            caller: i,
        };
        let mut reader = Reader::new(&params, f.name())
            .with_note(self.notes[i].clone())
            .with_callees(&calls);
        let result = reader.read_body(f.block).map(|keys| {
            Rc::new(ReadFn {
                keys,
                rooted: std::mem::take(&mut reader.rooted),
                inputs: params.inputs.clone(),
            })
        });
        self.reads.borrow_mut()[i] = ReadState::Done(result.clone());
        result.map_err(Some)
    }

    /// Checks every member, then that they share one tag.
    fn check(&self, args: &GroupArgs, errors: &mut Errors) {
        let mut tags: Vec<(FnTag, Vec<String>)> = Vec::new();
        let mut any = false;
        for (i, f) in self.fns.iter().enumerate() {
            if self.member[i].is_none() {
                continue;
            }
            any = true;
            let name = f.name();
            let params = Params::of(f.sig);
            let declared = f.key_attr.as_ref().unwrap_or(&Declared::Nothing);
            match self.read(i) {
                Ok(read) => {
                    let keys = FnKeys {
                        name: &name,
                        params: &params,
                        keys: &read.keys,
                        rooted: &read.rooted,
                    };
                    if let Some(tag) = check_keys(&keys, declared, self.notes[i].as_deref(), errors)
                    {
                        tags.push((tag, params.names().to_vec()));
                    }
                }
                Err(e) => {
                    errors.extend(e.flatten());
                    if let Declared::Tag(lit) = declared {
                        errors.extend(parse_tag(lit, &params, &name).err());
                    }
                }
            }
        }
        if !any {
            errors.push(syn::Error::new(
                Span::call_site(),
                "this `#[slotlint::colocated]` group has no key builders: a member is a function \
                 that carries `#[slotlint::key]` or returns a key (a string literal, a `format!`, \
                 or a call to a member)",
            ));
            return;
        }
        if !self.check_by(args, errors) {
            // Tags compared with a wrong `by` would only repeat its error.
            return;
        }
        let Some(((first, first_params), rest)) = tags.split_first() else {
            return;
        };
        let want = TagOf {
            name: &first.name,
            tag: &first.tag,
            params: first_params,
        };
        for (other, params) in rest {
            let got = TagOf {
                name: &other.name,
                tag: &other.tag,
                params,
            };
            if let Err(note) = same_tag(&want, &got, &args.by) {
                let mut message = format!(
                    "`{}` builds keys tagged `{}`, but `{}`, the first key builder of this \
                     `#[slotlint::colocated]` group, tags `{}`: keys of one group share a hash \
                     tag, so that any of them can go in one MGET, MULTI/EXEC or script",
                    other.name, other.tag, first.name, first.tag
                );
                if let Some(note) = note {
                    message.push_str(&format!("\nnote: {note}"));
                }
                errors.push(other.key.error(message));
            }
        }
    }

    /// Whether every place in `by` is a parameter (or `self`) of a member; errors pushed.
    fn check_by(&self, args: &GroupArgs, errors: &mut Errors) -> bool {
        let Some(lit) = &args.by_lit else {
            return true;
        };
        let mut valid = true;
        let mut params: Vec<String> = Vec::new();
        for (i, f) in self.fns.iter().enumerate() {
            if self.member[i].is_some() {
                for name in Params::of(f.sig).names() {
                    if !params.contains(name) {
                        params.push(name.clone());
                    }
                }
            }
        }
        for place in &args.by {
            let root = place.split('.').next().unwrap_or_default();
            if !params.iter().any(|p| p == root) {
                valid = false;
                let help = nearest(root, params.iter().map(String::as_str))
                    .map(|near| format!("\nhelp: did you mean `{near}`?"))
                    .unwrap_or_default();
                let quoted: Vec<String> = params.iter().map(|p| format!("`{p}`")).collect();
                errors.push(syn::Error::new(
                    lit.span(),
                    format!(
                        "`by` names `{place}`, but no key builder of this group has a parameter \
                         `{root}` (their parameters: {}){help}",
                        if quoted.is_empty() {
                            "none".to_owned()
                        } else {
                            quoted.join(", ")
                        }
                    ),
                ));
            }
        }
        valid
    }
}

/// The note on the errors of a member that has no `#[slotlint::key]`: why it is checked, and
/// how to leave it out.
fn implicit_member_note(name: &str, why: &BuildsKey, excluded: &[&str]) -> String {
    let mut list: Vec<&str> = Vec::new();
    for n in excluded.iter().copied().chain([name]) {
        if !list.contains(&n) {
            list.push(n);
        }
    }
    format!(
        "note: `{name}` is checked as a key builder of this `#[slotlint::colocated]` group \
         because it returns {}; if it builds no Redis key, exclude it: \
         `#[slotlint::colocated(exclude = \"{}\")]`",
        why.describe(),
        list.join(", ")
    )
}

/// The calls one member makes to the others, for its reader.
struct CallsFrom<'g, 'a> {
    group: &'g Group<'a>,
    caller: usize,
}

impl Callees for CallsFrom<'_, '_> {
    fn call<'e>(&self, expr: &'e syn::Expr) -> Option<MemberCall<'e>> {
        let call = resolve_call(&self.group.fns, self.caller, expr)?;
        self.group.member[call.callee].as_ref()?;
        let keys = match self.group.read(call.callee) {
            Ok(read) => CalleeKeys::Read(read),
            Err(Some(_)) => CalleeKeys::Failed,
            Err(None) => CalleeKeys::Recursive,
        };
        Some(MemberCall {
            name: self.group.fns[call.callee].name(),
            receiver: call.receiver,
            args: call.args,
            keys,
        })
    }
}
