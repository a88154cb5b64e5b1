//! The one pass over a parsed file's items: functions (with the `impl` type and trait they
//! belong to), constants, struct fields, enums and their variants, `macro_rules!`, type
//! aliases, which functions build which types (struct literals, `Enum::Variant(..)`), test
//! ranges and `#[slotlint::allow]` items — as [`FileItems`].
//!
//! Not here: which files to read for a lookup, or when (`index`).

use syn::spanned::Spanned;
use syn::visit::Visit;

use slotlint_syntax::test_code::has_test_attr;

/// What file `file` (whose functions are numbered from `fn_base`, at most `fn_bound` of them)
/// defines, read from its tree (function bodies allocated in `bodies`).
pub(super) fn items<'a>(
    file: usize,
    fn_base: usize,
    fn_bound: usize,
    ast: &'a syn::File,
    bodies: &'a typed_arena::Arena<Body<'a>>,
) -> FileItems<'a> {
    let mut items = FileItems::default();
    let mut collector = Collector {
        items: &mut items,
        bodies,
        file,
        fn_base,
        fn_bound,
        self_ty: None,
        trait_impl: None,
        group: None,
        current_fn: None,
        inline_mods: 0,
    };
    collector.visit_file(ast);
    items
}

use super::{type_name, Body, ConstDef, FileItems, FnDef};
struct Collector<'i, 'a> {
    items: &'i mut FileItems<'a>,
    bodies: &'a typed_arena::Arena<Body<'a>>,
    file: usize,
    /// The number of the file's first function, and how many it may have (more are not
    /// indexed: the name scan counted fewer `fn`s than syn found, which it never should).
    fn_base: usize,
    fn_bound: usize,
    self_ty: Option<String>,
    /// Inside an `impl Trait for Type` block: `Trait`.
    trait_impl: Option<String>,
    group: Option<(usize, usize)>,
    /// The function whose body is being read.
    current_fn: Option<usize>,
    /// Inline `mod name { .. }` blocks open: their items are not of the file's own module.
    inline_mods: usize,
}

fn is_colocated(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "colocated")
    })
}

impl<'a> Collector<'_, 'a> {
    /// Attributes of an item: test code, and `#[slotlint::allow]`.
    fn item_attrs(&mut self, attrs: &'a [syn::Attribute], item: &dyn Spanned) {
        // An item's span is the join of all its tokens (syn prints the item to find it): only
        // for the few items that need it.
        let range = || item.span().byte_range();
        if has_test_attr(attrs) {
            self.items.test_ranges.push(range());
        }
        for attr in attrs {
            let path: Vec<String> = attr
                .path()
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            if matches!(
                path.iter().map(String::as_str).collect::<Vec<_>>()[..],
                ["slotlint" | "slotlint_macros", "allow"]
            ) {
                self.items.allows.push((attr, range()));
            }
        }
    }

    /// A struct or enum named `name` defined here: of the file's own module when neither in an
    /// inline `mod` nor in a function.
    fn file_scope_type(&mut self, name: &str) {
        if self.inline_mods == 0 && self.current_fn.is_none() {
            self.items.file_scope_types.insert(name.to_owned());
        }
    }

    /// A `const` or `static`, at item level or in an impl.
    fn add_const(&mut self, ident: &syn::Ident, ty: &'a syn::Type, expr: &'a syn::Expr) {
        let def = ConstDef {
            file: self.file,
            ty,
            expr,
        };
        self.items.consts.push((ident.to_string(), def));
    }
}

impl<'a> Collector<'_, 'a> {
    /// The function being read builds values of `ty` (a struct, or `Enum::Variant`).
    fn builder(&mut self, ty: String) {
        if let Some(f) = self.current_fn {
            let list = self.items.builders.entry(ty).or_default();
            if list.last() != Some(&f) {
                list.push(f);
            }
        }
    }

    /// Index a function; its number, if it has one.
    fn add_fn(&mut self, def: FnDef<'a>) -> Option<usize> {
        if self.items.fns.len() >= self.fn_bound {
            return None;
        }
        let k = self.items.fns.len();
        if self.inline_mods > 0 {
            self.items.fns_in_inline_mods.insert(k);
        }
        let same_name = self.items.fns_by_name.entry(def.name.clone()).or_default();
        same_name.push(k);
        self.items.fns.push(def);
        Some(self.fn_base + k)
    }

    fn new_group(&mut self) -> Option<(usize, usize)> {
        self.items.groups += 1;
        Some((self.file, self.items.groups))
    }
}

impl<'a> Visit<'a> for Collector<'_, 'a> {
    fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
        self.item_attrs(&f.attrs, f);
        let saved = self.self_ty.take();
        let id = self.add_fn(FnDef {
            file: self.file,
            name: f.sig.ident.to_string(),
            self_ty: None,
            sig: &f.sig,
            block: self.bodies.alloc(Body::kept(&f.block)),
            attrs: &f.attrs,
            group: self.group,
            public: !matches!(f.vis, syn::Visibility::Inherited),
            in_trait: false,
            trait_impl: None,
        });
        let saved_fn = std::mem::replace(&mut self.current_fn, id);
        syn::visit::visit_item_fn(self, f);
        self.current_fn = saved_fn;
        self.self_ty = saved;
    }

    fn visit_item_impl(&mut self, i: &'a syn::ItemImpl) {
        self.item_attrs(&i.attrs, i);
        let saved = std::mem::replace(&mut self.self_ty, type_name(&i.self_ty));
        let of_trait = i
            .trait_
            .as_ref()
            .and_then(|(_, path, _)| path.segments.last().map(|s| s.ident.to_string()));
        let saved_trait_impl = std::mem::replace(&mut self.trait_impl, of_trait);
        let saved_group = self.group;
        if is_colocated(&i.attrs) {
            self.group = self.new_group();
        }
        syn::visit::visit_item_impl(self, i);
        self.self_ty = saved;
        self.trait_impl = saved_trait_impl;
        self.group = saved_group;
    }

    fn visit_item_mod(&mut self, m: &'a syn::ItemMod) {
        self.item_attrs(&m.attrs, m);
        let saved_group = self.group;
        if is_colocated(&m.attrs) {
            self.group = self.new_group();
        }
        self.inline_mods += usize::from(m.content.is_some());
        syn::visit::visit_item_mod(self, m);
        self.inline_mods -= usize::from(m.content.is_some());
        self.group = saved_group;
    }

    fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
        self.item_attrs(&f.attrs, f);
        let def = FnDef {
            file: self.file,
            name: f.sig.ident.to_string(),
            self_ty: self.self_ty.clone(),
            sig: &f.sig,
            block: self.bodies.alloc(Body::kept(&f.block)),
            attrs: &f.attrs,
            group: self.group,
            public: !matches!(f.vis, syn::Visibility::Inherited),
            in_trait: false,
            trait_impl: self.trait_impl.clone(),
        };
        if def.has_self() {
            self.items.method_names.insert(def.name.clone());
        }
        let id = self.add_fn(def);
        let saved_fn = std::mem::replace(&mut self.current_fn, id);
        syn::visit::visit_impl_item_fn(self, f);
        self.current_fn = saved_fn;
    }

    fn visit_item_trait(&mut self, t: &'a syn::ItemTrait) {
        self.item_attrs(&t.attrs, t);
        let saved = self.self_ty.replace(t.ident.to_string());
        syn::visit::visit_item_trait(self, t);
        self.self_ty = saved;
    }

    fn visit_trait_item_fn(&mut self, f: &'a syn::TraitItemFn) {
        self.item_attrs(&f.attrs, f);
        if matches!(f.sig.inputs.first(), Some(syn::FnArg::Receiver(_))) {
            self.items.method_names.insert(f.sig.ident.to_string());
        }
        // A default method: summarized like any method, for types that keep it.
        if let Some(block) = &f.default {
            let id = self.add_fn(FnDef {
                file: self.file,
                name: f.sig.ident.to_string(),
                self_ty: self.self_ty.clone(),
                sig: &f.sig,
                block: self.bodies.alloc(Body::kept(block)),
                attrs: &f.attrs,
                group: self.group,
                public: true,
                in_trait: true,
                trait_impl: None,
            });
            let saved_fn = std::mem::replace(&mut self.current_fn, id);
            syn::visit::visit_trait_item_fn(self, f);
            self.current_fn = saved_fn;
            return;
        }
        syn::visit::visit_trait_item_fn(self, f);
    }

    fn visit_item_const(&mut self, c: &'a syn::ItemConst) {
        self.item_attrs(&c.attrs, c);
        self.add_const(&c.ident, &c.ty, &c.expr);
        syn::visit::visit_item_const(self, c);
    }

    fn visit_impl_item_const(&mut self, c: &'a syn::ImplItemConst) {
        self.add_const(&c.ident, &c.ty, &c.expr);
    }

    fn visit_item_static(&mut self, s: &'a syn::ItemStatic) {
        self.item_attrs(&s.attrs, s);
        self.add_const(&s.ident, &s.ty, &s.expr);
        syn::visit::visit_item_static(self, s);
    }

    fn visit_item_struct(&mut self, s: &'a syn::ItemStruct) {
        self.item_attrs(&s.attrs, s);
        let name = s.ident.to_string();
        self.items.types.insert(name.clone());
        self.file_scope_type(&name);
        for field in &s.fields {
            if let Some(ident) = &field.ident {
                self.items
                    .fields
                    .entry(name.clone())
                    .or_default()
                    .insert(ident.to_string(), &field.ty);
                self.items
                    .fields_by_name
                    .entry(ident.to_string())
                    .or_default()
                    .push(&field.ty);
                if let Some(path) = serde_default_fn(&field.attrs) {
                    self.items
                        .serde_defaults
                        .insert((name.clone(), ident.to_string()), path);
                }
            }
        }
        syn::visit::visit_item_struct(self, s);
    }

    fn visit_item_enum(&mut self, e: &'a syn::ItemEnum) {
        self.items.types.insert(e.ident.to_string());
        self.file_scope_type(&e.ident.to_string());
        self.items.enum_variants.insert(
            e.ident.to_string(),
            e.variants.iter().map(|v| v.ident.to_string()).collect(),
        );
        syn::visit::visit_item_enum(self, e);
    }

    fn visit_expr_struct(&mut self, e: &'a syn::ExprStruct) {
        for ty in literal_builds(e, self.self_ty.as_deref()) {
            self.builder(ty);
        }
        syn::visit::visit_expr_struct(self, e);
    }

    fn visit_expr_call(&mut self, e: &'a syn::ExprCall) {
        if let Some(variant) = call_builds(e, self.self_ty.as_deref()) {
            self.builder(variant);
        }
        syn::visit::visit_expr_call(self, e);
    }

    fn visit_item_macro(&mut self, m: &'a syn::ItemMacro) {
        if let (true, Some(name)) = (m.mac.path.is_ident("macro_rules"), &m.ident) {
            self.items.macros.insert(name.to_string(), m);
        }
    }

    fn visit_item_type(&mut self, t: &'a syn::ItemType) {
        self.items.type_aliases.insert(t.ident.to_string(), &t.ty);
    }
}

/// What a struct literal builds, as the index files it (in a function of `self_ty`'s `impl`):
/// its type (`Self`: `self_ty`), and `Enum::Variant` for a variant's.
fn literal_builds(e: &syn::ExprStruct, self_ty: Option<&str>) -> Vec<String> {
    let name = e.path.segments.last().map(|s| s.ident.to_string());
    let ty = match name.as_deref() {
        Some("Self") => self_ty.map(str::to_owned),
        _ => name,
    };
    ty.into_iter()
        .chain(variant_path(&e.path, self_ty))
        .collect()
}

/// The variant a call builds, if its path may name one (`Enum::Variant(..)`).
fn call_builds(e: &syn::ExprCall, self_ty: Option<&str>) -> Option<String> {
    match &*e.func {
        syn::Expr::Path(p) => variant_path(&p.path, self_ty),
        _ => None,
    }
}

/// `Enum::Variant` for a path that may name a variant (`model::Command::SetAdd`,
/// `Self::SetAdd`): its last two names, both capitalized.
fn variant_path(path: &syn::Path, self_ty: Option<&str>) -> Option<String> {
    let (owner, variant) = super::owner_and_name(path, self_ty)?;
    let capital = |s: &str| s.chars().next().is_some_and(char::is_uppercase);
    (capital(&owner) && capital(&variant)).then(|| format!("{owner}::{variant}"))
}

/// What the body of a function of `self_ty` builds, in the order [`items`] files it: for a
/// body its file's parse left out ([`crate::parse::parse_rust_skipping`]), which holds no item.
pub(super) fn builds(block: &syn::Block, self_ty: Option<&str>) -> Vec<String> {
    struct Builds<'s> {
        self_ty: Option<&'s str>,
        found: Vec<String>,
    }
    impl<'ast> Visit<'ast> for Builds<'_> {
        fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
            self.found.extend(literal_builds(e, self.self_ty));
            syn::visit::visit_expr_struct(self, e);
        }
        fn visit_expr_call(&mut self, e: &'ast syn::ExprCall) {
            self.found.extend(call_builds(e, self.self_ty));
            syn::visit::visit_expr_call(self, e);
        }
    }
    let mut builds = Builds {
        self_ty,
        found: Vec::new(),
    };
    builds.visit_block(block);
    builds.found
}

/// The function of `#[serde(default = "path")]` on a field.
fn serde_default_fn(attrs: &[syn::Attribute]) -> Option<String> {
    let mut found = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        // Other serde options (`rename = ".."`, `skip`, `with = ".."`) are read and skipped.
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("default") && meta.input.peek(syn::Token![=]) {
                let lit: syn::LitStr = meta.value()?.parse()?;
                found = Some(lit.value());
            } else if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            } else if meta.input.peek(syn::token::Paren) {
                meta.parse_nested_meta(|_| Ok(()))?;
            }
            Ok(())
        });
    }
    found
}

/// What a function's body may give a struct's fields, read without evaluating it: the named
/// members of its struct literals, by type (`Self` is the `impl`'s), the payloads of the
/// variants it may build (`Slot::Lane(x)`: `Slot::Lane`'s `0`; `Slot::Lane` as a value: any),
/// and what its macro calls hold (their arguments may be read as expressions, or a
/// `macro_rules!` expanded there).
#[derive(Default)]
pub(crate) struct FieldsWritten {
    /// Each literal's named members and each variant's payload: its type (`Shelf`,
    /// `Slot::Lane`), the member (`*`: any), and the path as written (`alpha::Shelf`,
    /// `alpha::Slot::Lane`; `Self` for the `impl`'s type).
    pub literals: Vec<WrittenField>,
    /// Identifiers in the tokens of macro calls.
    pub macro_idents: std::collections::HashSet<String>,
    /// The names of the macros called.
    pub macros: Vec<String>,
    /// The fields of `self` that places outside macro calls start with (`self.name`,
    /// `self.name.push(..)`, `self.get().name`): a walk changes a field of `self` only through
    /// such a place ([`crate::interp::place`]; `other.name` changes another value).
    pub self_fields: std::collections::HashSet<String>,
    /// `self` itself is assigned (`self = …`, `*self = …`, `self += …`): any field may change.
    pub self_replaced: bool,
}

/// A struct literal's named member ([`FieldsWritten::literals`]).
pub(crate) struct WrittenField {
    pub ty: String,
    pub field: String,
    pub path: Vec<String>,
    /// Of a struct literal read as type `ty` (`Slot::Lane { .. }` as `Lane`): the variant its
    /// path may name instead (`Slot::Lane`). The evaluator reads it as that variant when the
    /// crate's enum has it ([`super::CrateIndex::is_variant`]), and then it builds no `ty`.
    pub or_variant: Option<String>,
}

/// `Owner::Variant` of a path that may name a variant (as the evaluator reads one: its last
/// two names, `Self` as the `impl`'s type).
fn variant_name(path: &syn::Path, self_ty: Option<&str>) -> Option<String> {
    super::owner_and_name(path, self_ty).map(|(owner, variant)| format!("{owner}::{variant}"))
}

pub(super) fn fields_written(block: &syn::Block, self_ty: Option<&str>) -> FieldsWritten {
    struct Written<'s> {
        self_ty: Option<&'s str>,
        found: FieldsWritten,
    }
    impl<'ast> Visit<'ast> for Written<'_> {
        fn visit_expr_struct(&mut self, e: &'ast syn::ExprStruct) {
            let name = e.path.segments.last().map(|s| s.ident.to_string());
            let ty = match name.as_deref() {
                Some("Self") => self.self_ty.map(str::to_owned),
                _ => name,
            };
            let variant = variant_name(&e.path, self.self_ty);
            let path = crate::scope::path_names(&e.path);
            let readings = ty
                .map(|ty| (ty, variant.clone()))
                .into_iter()
                .chain(variant.clone().map(|v| (v, None)));
            for (ty, or_variant) in readings {
                for f in &e.fields {
                    if let syn::Member::Named(n) = &f.member {
                        self.found.literals.push(WrittenField {
                            ty: ty.clone(),
                            field: n.to_string(),
                            path: path.clone(),
                            or_variant: or_variant.clone(),
                        });
                    }
                }
            }
            syn::visit::visit_expr_struct(self, e);
        }
        fn visit_expr_call(&mut self, e: &'ast syn::ExprCall) {
            let syn::Expr::Path(p) = &*e.func else {
                return syn::visit::visit_expr_call(self, e);
            };
            // Called, the variant's path gives the payloads passed, not any.
            if let Some(ty) = variant_name(&p.path, self.self_ty) {
                let path = crate::scope::path_names(&p.path);
                for i in 0..e.args.len() {
                    self.found.literals.push(WrittenField {
                        ty: ty.clone(),
                        field: i.to_string(),
                        path: path.clone(),
                        or_variant: None,
                    });
                }
            }
            for arg in &e.args {
                self.visit_expr(arg);
            }
        }
        fn visit_expr_path(&mut self, e: &'ast syn::ExprPath) {
            // A variant's constructor as a value (`.map(Slot::Lane)`): any payload.
            if let Some(ty) = variant_name(&e.path, self.self_ty) {
                self.found.literals.push(WrittenField {
                    ty,
                    field: "*".to_owned(),
                    path: crate::scope::path_names(&e.path),
                    or_variant: None,
                });
            }
        }
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            // `self.f`, `self.f.g`, `self.get().f`: a place the walk may store into, that
            // changes `self`'s field `f` (as [`crate::interp::place`] reads it).
            if let syn::Expr::Field(_) = e {
                if let Some(place) = crate::interp::place(e) {
                    if place.root == "self" {
                        self.found
                            .self_fields
                            .extend(place.fields.into_iter().next());
                    }
                }
            }
            syn::visit::visit_expr(self, e);
        }
        fn visit_expr_assign(&mut self, e: &'ast syn::ExprAssign) {
            self.found.self_replaced |= is_self(&e.left);
            syn::visit::visit_expr_assign(self, e);
        }
        fn visit_expr_binary(&mut self, e: &'ast syn::ExprBinary) {
            self.found.self_replaced |= is_compound_assign(&e.op) && is_self(&e.left);
            syn::visit::visit_expr_binary(self, e);
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            if let Some(name) = m.path.segments.last() {
                self.found.macros.push(name.ident.to_string());
            }
            idents_in(m.tokens.clone(), &mut self.found);
        }
    }
    /// The identifiers in a macro's tokens, and the macros called there (`vec![make!(x)]`: the
    /// arguments are walked, `make!` expanded).
    fn idents_in(tokens: proc_macro2::TokenStream, out: &mut FieldsWritten) {
        let mut last_ident = None;
        for t in tokens {
            match t {
                proc_macro2::TokenTree::Ident(i) => {
                    let name = i.to_string();
                    out.macro_idents.insert(name.clone());
                    last_ident = Some(name);
                    continue;
                }
                // `make!`, not `x != y`.
                proc_macro2::TokenTree::Punct(p)
                    if p.as_char() == '!' && p.spacing() == proc_macro2::Spacing::Alone =>
                {
                    out.macros.extend(last_ident.take());
                }
                proc_macro2::TokenTree::Group(g) => idents_in(g.stream(), out),
                _ => {}
            }
            last_ident = None;
        }
    }
    /// `self`, `*self`, `(self)`, `&mut self`: a place that is `self` as a whole.
    fn is_self(e: &syn::Expr) -> bool {
        match e {
            syn::Expr::Path(p) => p.path.is_ident("self"),
            syn::Expr::Paren(p) => is_self(&p.expr),
            syn::Expr::Reference(r) => is_self(&r.expr),
            syn::Expr::Unary(u) => matches!(u.op, syn::UnOp::Deref(_)) && is_self(&u.expr),
            _ => false,
        }
    }
    fn is_compound_assign(op: &syn::BinOp) -> bool {
        use syn::BinOp::*;
        matches!(
            op,
            AddAssign(_)
                | SubAssign(_)
                | MulAssign(_)
                | DivAssign(_)
                | RemAssign(_)
                | BitXorAssign(_)
                | BitAndAssign(_)
                | BitOrAssign(_)
                | ShlAssign(_)
                | ShrAssign(_)
        )
    }
    let mut written = Written {
        self_ty,
        found: FieldsWritten::default(),
    };
    written.visit_block(block);
    written.found
}
