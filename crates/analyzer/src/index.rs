//! What a crate defines, across its files: functions (for key summaries), constants, struct
//! fields (for receiver types), the method names it defines itself (to tell its own `mget`
//! from redis-rs's), where test code is, and the `#[slotlint::allow]` attributes on items.
//!
//! This is the one pass over items; function bodies are walked by the evaluator (`interp`).

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use syn::spanned::Spanned;
use syn::visit::Visit;

use slotlint_syntax::test_code::has_test_attr;

/// A function or method of the crate.
pub struct FnDef<'a> {
    /// Index of the file in the unit.
    pub file: usize,
    pub name: String,
    /// The `impl` type's last path segment, for methods and associated functions.
    pub self_ty: Option<String>,
    pub sig: &'a syn::Signature,
    pub block: &'a syn::Block,
    pub attrs: &'a [syn::Attribute],
    /// The `#[slotlint::colocated]` impl block or module the function belongs to, if any.
    pub group: Option<usize>,
    /// Declared `pub` (any visibility but private): callers may live outside the crate.
    pub public: bool,
    /// A default method of a trait of the crate (`self_ty` is the trait).
    pub in_trait: bool,
}

impl FnDef<'_> {
    pub fn has_self(&self) -> bool {
        matches!(self.sig.inputs.first(), Some(syn::FnArg::Receiver(_)))
    }
}

/// A `const` or `static`.
pub struct ConstDef<'a> {
    pub file: usize,
    pub ty: &'a syn::Type,
    pub expr: &'a syn::Expr,
}

#[derive(Default)]
pub struct CrateIndex<'a> {
    pub fns: Vec<FnDef<'a>>,
    fns_by_name: HashMap<String, Vec<usize>>,
    consts: HashMap<String, Vec<ConstDef<'a>>>,
    /// Struct name → field name → type.
    fields: HashMap<String, HashMap<String, &'a syn::Type>>,
    /// Field name → every type a struct of the crate gives it.
    fields_by_name: HashMap<String, Vec<&'a syn::Type>>,
    /// Types the crate defines.
    pub types: HashSet<String>,
    /// `type Conn = redis::aio::MultiplexedConnection;`
    pub type_aliases: HashMap<String, &'a syn::Type>,
    /// Enum name → its variants.
    pub enum_variants: HashMap<String, Vec<String>>,
    /// `macro_rules!` definitions of the crate, by name (the last one wins).
    pub macros: HashMap<String, &'a syn::ItemMacro>,
    /// Type name → the functions whose bodies build it with a struct literal (`T { .. }`,
    /// `Self { .. }`): where its fields get their values.
    pub builders: HashMap<String, Vec<usize>>,
    /// Number of `#[slotlint::colocated]` groups seen.
    pub groups: usize,
    /// Methods (taking `self`) the crate defines, on its types or in its traits.
    pub method_names: HashSet<String>,
    /// Per file: byte ranges of test code (`#[cfg(test)]` modules, `#[test]` functions…).
    test_ranges: Vec<Vec<Range<usize>>>,
    /// Per file: `#[slotlint::allow(..)]` attributes with the byte range of their item.
    allows: Vec<Vec<(&'a syn::Attribute, Range<usize>)>>,
}

impl<'a> CrateIndex<'a> {
    pub fn build(files: &[Option<&'a syn::File>]) -> CrateIndex<'a> {
        let mut index = CrateIndex {
            test_ranges: vec![Vec::new(); files.len()],
            allows: vec![Vec::new(); files.len()],
            ..CrateIndex::default()
        };
        for (i, file) in files.iter().enumerate() {
            if let Some(file) = file {
                let mut collector = Collector {
                    index: &mut index,
                    file: i,
                    self_ty: None,
                    group: None,
                    current_fn: None,
                };
                collector.visit_file(file);
            }
        }
        for (i, f) in index.fns.iter().enumerate() {
            index.fns_by_name.entry(f.name.clone()).or_default().push(i);
        }
        index
    }

    pub fn fns_named(&self, name: &str) -> impl Iterator<Item = &FnDef<'a>> {
        self.fns_by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| &self.fns[i])
    }

    /// Functions named `name`, with their index.
    pub fn fns_named_indexed(&self, name: &str) -> impl Iterator<Item = (usize, &FnDef<'a>)> {
        self.fns_by_name
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| (i, &self.fns[i]))
    }

    pub fn consts_named(&self, name: &str) -> &[ConstDef<'a>] {
        self.consts.get(name).map_or(&[], Vec::as_slice)
    }

    /// Every `const` and `static`, by name.
    pub fn all_consts(&self) -> impl Iterator<Item = (&str, &[ConstDef<'a>])> {
        self.consts.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// Byte ranges of test code in file `file`.
    pub fn test_ranges(&self, file: usize) -> &[Range<usize>] {
        self.test_ranges.get(file).map_or(&[], Vec::as_slice)
    }

    /// `#[slotlint::allow(..)]` attributes of file `file`, with their item's byte range.
    pub fn allow_attributes(&self, file: usize) -> &[(&'a syn::Attribute, Range<usize>)] {
        self.allows.get(file).map_or(&[], Vec::as_slice)
    }

    pub fn field_type(&self, struct_name: Option<&str>, field: &str) -> Option<&'a syn::Type> {
        if let Some(s) = struct_name {
            if let Some(t) = self.fields.get(s).and_then(|f| f.get(field)) {
                return Some(t);
            }
        }
        match self.fields_by_name.get(field).map(Vec::as_slice) {
            Some([only]) => Some(only),
            _ => None,
        }
    }
}

pub fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Reference(r) => type_name(&r.elem),
        syn::Type::Paren(p) => type_name(&p.elem),
        syn::Type::Group(g) => type_name(&g.elem),
        _ => None,
    }
}

struct Collector<'i, 'a> {
    index: &'i mut CrateIndex<'a>,
    file: usize,
    self_ty: Option<String>,
    group: Option<usize>,
    /// The function whose body is being read.
    current_fn: Option<usize>,
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
        let range = item.span().byte_range();
        if has_test_attr(attrs) {
            self.index.test_ranges[self.file].push(range.clone());
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
                self.index.allows[self.file].push((attr, range.clone()));
            }
        }
    }

    /// A `const` or `static`, at item level or in an impl.
    fn add_const(&mut self, ident: &syn::Ident, ty: &'a syn::Type, expr: &'a syn::Expr) {
        let def = ConstDef {
            file: self.file,
            ty,
            expr,
        };
        self.index
            .consts
            .entry(ident.to_string())
            .or_default()
            .push(def);
    }
}

impl<'a> Visit<'a> for Collector<'_, 'a> {
    fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
        self.item_attrs(&f.attrs, f);
        let saved = self.self_ty.take();
        self.index.fns.push(FnDef {
            file: self.file,
            name: f.sig.ident.to_string(),
            self_ty: None,
            sig: &f.sig,
            block: &f.block,
            attrs: &f.attrs,
            group: self.group,
            public: !matches!(f.vis, syn::Visibility::Inherited),
            in_trait: false,
        });
        let saved_fn = self.current_fn.replace(self.index.fns.len() - 1);
        syn::visit::visit_item_fn(self, f);
        self.current_fn = saved_fn;
        self.self_ty = saved;
    }

    fn visit_item_impl(&mut self, i: &'a syn::ItemImpl) {
        self.item_attrs(&i.attrs, i);
        let saved = std::mem::replace(&mut self.self_ty, type_name(&i.self_ty));
        let saved_group = self.group;
        if is_colocated(&i.attrs) {
            self.index.groups += 1;
            self.group = Some(self.index.groups);
        }
        syn::visit::visit_item_impl(self, i);
        self.self_ty = saved;
        self.group = saved_group;
    }

    fn visit_item_mod(&mut self, m: &'a syn::ItemMod) {
        self.item_attrs(&m.attrs, m);
        let saved_group = self.group;
        if is_colocated(&m.attrs) {
            self.index.groups += 1;
            self.group = Some(self.index.groups);
        }
        syn::visit::visit_item_mod(self, m);
        self.group = saved_group;
    }

    fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
        self.item_attrs(&f.attrs, f);
        let def = FnDef {
            file: self.file,
            name: f.sig.ident.to_string(),
            self_ty: self.self_ty.clone(),
            sig: &f.sig,
            block: &f.block,
            attrs: &f.attrs,
            group: self.group,
            public: !matches!(f.vis, syn::Visibility::Inherited),
            in_trait: false,
        };
        if def.has_self() {
            self.index.method_names.insert(def.name.clone());
        }
        self.index.fns.push(def);
        let saved_fn = self.current_fn.replace(self.index.fns.len() - 1);
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
            self.index.method_names.insert(f.sig.ident.to_string());
        }
        // A default method: summarized like any method, for types that keep it.
        if let Some(block) = &f.default {
            self.index.fns.push(FnDef {
                file: self.file,
                name: f.sig.ident.to_string(),
                self_ty: self.self_ty.clone(),
                sig: &f.sig,
                block,
                attrs: &f.attrs,
                group: self.group,
                public: true,
                in_trait: true,
            });
            let saved_fn = self.current_fn.replace(self.index.fns.len() - 1);
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
        self.index.types.insert(name.clone());
        for field in &s.fields {
            if let Some(ident) = &field.ident {
                self.index
                    .fields
                    .entry(name.clone())
                    .or_default()
                    .insert(ident.to_string(), &field.ty);
                self.index
                    .fields_by_name
                    .entry(ident.to_string())
                    .or_default()
                    .push(&field.ty);
            }
        }
        syn::visit::visit_item_struct(self, s);
    }

    fn visit_item_enum(&mut self, e: &'a syn::ItemEnum) {
        self.index.types.insert(e.ident.to_string());
        self.index.enum_variants.insert(
            e.ident.to_string(),
            e.variants.iter().map(|v| v.ident.to_string()).collect(),
        );
        syn::visit::visit_item_enum(self, e);
    }

    fn visit_expr_struct(&mut self, e: &'a syn::ExprStruct) {
        let name = e.path.segments.last().map(|s| s.ident.to_string());
        let ty = match name.as_deref() {
            Some("Self") => self.self_ty.clone(),
            _ => name,
        };
        if let (Some(ty), Some(f)) = (ty, self.current_fn) {
            let list = self.index.builders.entry(ty).or_default();
            if list.last() != Some(&f) {
                list.push(f);
            }
        }
        syn::visit::visit_expr_struct(self, e);
    }

    fn visit_item_macro(&mut self, m: &'a syn::ItemMacro) {
        if let (true, Some(name)) = (m.mac.path.is_ident("macro_rules"), &m.ident) {
            self.index.macros.insert(name.to_string(), m);
        }
    }

    fn visit_item_type(&mut self, t: &'a syn::ItemType) {
        self.index.type_aliases.insert(t.ident.to_string(), &t.ty);
    }
}
