//! Caller contexts: the calls a walk recorded, and how a function whose call sites wait for its
//! callers (keys or a connection that are its parameters) gets their arguments — the callers in
//! other files, found by name; callers that pass their own parameters on (relays), read through
//! their own callers a few levels up; calls through a trait.
//!
//! Not here: the walks themselves (`UnitContext::facts`, `walk_files` in `mod.rs`).

use std::collections::{HashMap, HashSet};

use slotlint_keys::{Hole, HoleId};

use super::value::Value;
use super::{Interp, Output, UnitContext, MAX_CALLERS, MAX_CALLER_LEVELS};
use crate::lexical::CallTarget;
use crate::sites::CallSite;
use crate::source::Span;

impl<'a> UnitContext<'a> {
    /// Walks the functions that may call `targets` (those of files that do not name redis,
    /// whose bodies name one of them or a macro of the crate that may), each once.
    pub(super) fn walk_callers(
        &self,
        targets: &[usize],
        walked: &mut HashSet<usize>,
        records: &mut Vec<CallRecord<'a>>,
        outputs: &mut Vec<Output>,
        waiting: &mut Vec<(usize, Span, super::Wait)>,
    ) {
        let mut files = std::collections::BTreeSet::new();
        let mut names = Vec::new();
        let mut wanted = Vec::new();
        for &f in targets {
            let def = self.index.fn_def(f);
            files.extend(
                self.index
                    .files_mentioning(&def.name)
                    .iter()
                    .map(|&i| i as usize),
            );
            names.push(def.name.clone());
            wanted.push(CallTarget {
                name: def.name.as_str(),
                inputs: def.sig.inputs.len(),
                takes_self: def.has_self(),
                owner: def.self_ty.as_deref(),
            });
        }
        let targets_only = names.len();
        let names = self.index.and_macros_naming(&names);
        // A body may call one through a macro without naming it (`pair!(conn, key)`).
        for m in &names[targets_only..] {
            files.extend(self.index.files_mentioning(m).iter().map(|&i| i as usize));
        }
        let calls = MayCall {
            targets: &wanted,
            macros: &names[targets_only..],
        };
        let files: Vec<usize> = files
            .into_iter()
            .filter(|&i| {
                i < self.own_files
                    && !self.mentions_redis[i]
                    && calls.in_text(&self.sources[i].text, &names, !self.test.walked)
            })
            .collect();
        let mut new = HashSet::new();
        for &file in &files {
            if self.ast(file).is_none() {
                continue;
            }
            for (i, _) in self.index.fns_in_file(file) {
                if !walked.contains(&i)
                    && self.index.fn_body_names(i, &names)
                    && (self.test.walked || !self.in_test_fn(i))
                    && calls.in_body(self.index.fn_def(i).block)
                {
                    new.insert(i);
                }
            }
        }
        walked.extend(&new);
        self.walk_files(&files, &|i| new.contains(&i), records, outputs, waiting);
    }

    /// Functions that pass their own parameters on to one of `known` (whose keys wait for
    /// their callers), and are not in it: their callers are wanted too.
    pub(super) fn relays(&self, records: &[CallRecord<'a>], known: &[usize]) -> Vec<usize> {
        let mut found: Vec<usize> = records
            .iter()
            .filter(|r| known.iter().any(|&f| self.calls(r, f)) && r.passes_own_params())
            .map(|r| r.caller)
            .filter(|c| !known.contains(c))
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Calls whose arguments are parameters of a function in `relays`, seen through that
    /// function's callers: the function is walked again with each caller's arguments and the
    /// call's arguments read there (a few levels up, the outermost call named as the origin).
    pub(super) fn through_relays(
        &self,
        records: Vec<CallRecord<'a>>,
        relays: &[usize],
    ) -> Vec<CallRecord<'a>> {
        if relays.is_empty() {
            return records;
        }
        // Each round reads the relays' calls again through the calls of the round before, so a
        // chain of relays resolves one level per round. The first round reads through the calls
        // as recorded; a later one whose outer calls were all as recorded gave what the one
        // before did.
        let originals = records;
        let mut current = originals.clone();
        for round in 0..MAX_CALLER_LEVELS {
            let mut next = Vec::with_capacity(originals.len());
            // One walk of a relay per caller gives every call it makes.
            let mut walks: HashMap<(usize, usize), Vec<CallRecord<'a>>> = HashMap::new();
            let (mut through_derived, mut derived) = (false, false);
            for r in &originals {
                let outer = if relays.contains(&r.caller) && r.passes_own_params() {
                    self.callers_of(r.caller, &current)
                } else {
                    Vec::new()
                };
                let before = next.len();
                for (k, o) in outer.into_iter().enumerate() {
                    through_derived |= o.origin.is_some();
                    let calls = walks.entry((r.caller, k)).or_insert_with(|| {
                        let def = self.index.fn_def(r.caller);
                        let mut interp = Interp::new(self, def.file, r.caller, true, 1);
                        interp.bind_params(def);
                        interp.bind_args(def, &o.args);
                        interp.walk_block(def.block);
                        std::mem::take(&mut interp.calls)
                    });
                    let (file, span, text) = o.origin();
                    let read = calls
                        .iter()
                        .filter(|c| c.span == r.span && c.callee == r.callee);
                    next.extend(read.map(|c| CallRecord {
                        origin: Some((file, span, text.to_owned())),
                        ..c.clone()
                    }));
                }
                if next.len() == before {
                    next.push(r.clone());
                } else {
                    derived = true;
                }
            }
            current = next;
            if (round == 0 && !derived) || (round > 0 && !through_derived) {
                break;
            }
        }
        current
    }

    /// The recorded calls of function `f` (up to [`MAX_CALLERS`]). Test code passes keys to
    /// code that is not test code only when test code is checked (`test-code = "check"`):
    /// otherwise a test's keys would be reported there.
    pub(super) fn callers_of<'r>(
        &self,
        f: usize,
        records: &'r [CallRecord<'a>],
    ) -> Vec<&'r CallRecord<'a>> {
        let callee_in_test = self.in_test_fn(f);
        records
            .iter()
            .filter(|r| {
                let (file, span, _) = r.origin();
                self.calls(r, f)
                    && (self.test.passes_keys || callee_in_test || !self.in_test(file, span.start))
            })
            .take(MAX_CALLERS)
            .collect()
    }

    /// Whether byte `offset` of file `file` is test code.
    pub(super) fn in_test(&self, file: usize, offset: usize) -> bool {
        self.test.files.get(file).copied().unwrap_or(false)
            || self
                .index
                .test_ranges(file)
                .iter()
                .any(|r| r.contains(&offset))
    }

    /// Whether function `f` is test code (where its body starts; read without parsing a body
    /// that was not kept).
    pub(super) fn in_test_fn(&self, f: usize) -> bool {
        let def = self.index.fn_def(f);
        self.in_test(def.file, def.block.braces().start)
    }

    /// Whether recorded call `r` calls function `f`: by number, or (a method on a receiver of
    /// unknown type) an `impl Trait for T` method of its name and arity when the calling file
    /// names `Trait`.
    fn calls(&self, r: &CallRecord<'a>, f: usize) -> bool {
        let def = self.index.fn_def(f);
        match &r.callee {
            Callee::Fn(g) => *g == f,
            Callee::Method(m) => {
                **m == *def.name
                    && def.sig.inputs.len() == r.args.len() + 1
                    && def.trait_impl.as_deref().is_some_and(|t| {
                        crate::lexical::mentions_word(
                            &self.sources[r.file].text,
                            &memchr::memmem::Finder::new(t),
                        )
                    })
            }
        }
    }
}

/// What a function's body must hold to call one of the functions waiting for their callers, as
/// a walk records calls ([`UnitContext::calls`]): a method call of one's name with one argument
/// fewer than its parameters, a path call (`T::get(..)`) with as many, or its name as a value
/// (`.map(Self::key)`); or a macro call that may expand to one (the crate's macros naming one,
/// or tokens naming one). A body whose every `get` is `map.get(k)` calls no `get(&self, a, b)`:
/// not walked (on a crate where every module has a `get`, most of its functions). A path names
/// a function of an `impl` or `trait` as the evaluator resolves one: through its type
/// (`Store::get`, `Self::get`), never bare (a bare `set` is a local or a free function) nor
/// through another type (`Cell::get`): [`CallTarget::named_by_path`].
struct MayCall<'t> {
    /// The functions waited for.
    targets: &'t [CallTarget<'t>],
    /// The crate's `macro_rules!` that may name one.
    macros: &'t [String],
}

/// Methods Rust calls without their name written (`format!("{x}")`, `for`, `?`, `.await`,
/// operators, conversions, drops, redis arguments): a function waiting under one of these names
/// may be called by any body.
const CALLED_UNNAMED: &[&str] = &[
    "fmt",
    "from",
    "into",
    "try_from",
    "try_into",
    "from_str",
    "drop",
    "deref",
    "deref_mut",
    "next",
    "into_iter",
    "index",
    "index_mut",
    "clone",
    "eq",
    "ne",
    "cmp",
    "partial_cmp",
    "hash",
    "add",
    "sub",
    "mul",
    "div",
    "rem",
    "neg",
    "not",
    "add_assign",
    "sub_assign",
    "call",
    "call_mut",
    "call_once",
    "poll",
    "branch",
    "from_residual",
    "as_ref",
    "as_mut",
    "borrow",
    "borrow_mut",
    "write_redis_args",
    "to_redis_args",
    "from_redis_value",
    "serialize",
    "deserialize",
    "default",
];

impl MayCall<'_> {
    /// A function called without its name written may be called by any body.
    fn called_unnamed(&self) -> bool {
        self.targets
            .iter()
            .any(|t| CALLED_UNNAMED.contains(&t.name))
    }

    /// Whether a file's text may hold a body [`MayCall::in_body`] takes, read without parsing
    /// it (most files naming `get` call another `get`); `names` are the targets' and macros'.
    /// With `skip_test_mods`, the bodies of `#[cfg(test)] mod`s (not walked then) are not read.
    fn in_text(&self, text: &str, names: &[String], skip_test_mods: bool) -> bool {
        if self.called_unnamed() {
            crate::lexical::names_any(text, names)
        } else {
            crate::lexical::may_call(text, self.targets, self.macros, skip_test_mods)
        }
    }

    fn in_body(&self, block: &syn::Block) -> bool {
        if self.called_unnamed() {
            return true;
        }
        let mut visit = MayCallVisit {
            calls: self,
            found: false,
        };
        syn::visit::Visit::visit_block(&mut visit, block);
        visit.found
    }

    /// Whether path `p` (called with `arity` arguments, or a value) may name a target: its
    /// name (and arity), and [`CallTarget::named_by_path`] with its qualifier.
    fn path_names(&self, p: &syn::ExprPath, arity: Option<usize>) -> bool {
        let segments = &p.path.segments;
        let Some(last) = segments.last() else {
            return false;
        };
        let bare = p.qself.is_none() && segments.len() == 1;
        // `<T as Trait>::get` and `Store::<T>::get`: a qualifier the text check cannot read.
        let qualifier = (p.qself.is_none() && segments.len() >= 2)
            .then(|| &segments[segments.len() - 2])
            .filter(|q| q.arguments.is_none())
            .map(|q| q.ident.to_string());
        self.targets.iter().any(|t| {
            last.ident == t.name
                && arity.is_none_or(|a| a == t.inputs)
                && t.named_by_path(bare, qualifier.as_deref().map(str::as_bytes))
        })
    }

    fn names_target(&self, ident: &syn::Ident) -> bool {
        self.targets.iter().any(|t| ident == t.name)
    }

    /// Whether a macro call may expand to a call of a target: a macro of the crate that names
    /// one, or tokens that do (`format!("{:?}", s.get(b, k))`).
    fn in_macro(&self, mac: &syn::Macro) -> bool {
        let is_macro = |i: &proc_macro2::Ident| self.macros.iter().any(|m| i == m);
        mac.path.segments.last().is_some_and(|s| is_macro(&s.ident))
            || self.in_tokens(mac.tokens.clone(), &is_macro)
    }

    fn in_tokens(
        &self,
        tokens: proc_macro2::TokenStream,
        is_macro: &dyn Fn(&proc_macro2::Ident) -> bool,
    ) -> bool {
        tokens.into_iter().any(|t| match t {
            proc_macro2::TokenTree::Ident(i) => self.names_target(&i) || is_macro(&i),
            proc_macro2::TokenTree::Group(g) => self.in_tokens(g.stream(), is_macro),
            _ => false,
        })
    }
}

struct MayCallVisit<'c, 't> {
    calls: &'c MayCall<'t>,
    found: bool,
}

impl<'e> syn::visit::Visit<'e> for MayCallVisit<'_, '_> {
    fn visit_expr_method_call(&mut self, call: &'e syn::ExprMethodCall) {
        let arity = call.args.len() + 1;
        if self
            .calls
            .targets
            .iter()
            .any(|t| call.method == t.name && t.inputs == arity)
        {
            self.found = true;
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_expr_call(&mut self, call: &'e syn::ExprCall) {
        if let syn::Expr::Path(p) = &*call.func {
            let arity = call.args.len();
            if self.calls.path_names(p, Some(arity)) {
                self.found = true;
            }
            // The callee's path is no value passed on: its arguments are looked into.
            for arg in &call.args {
                self.visit_expr(arg);
            }
            return;
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_expr_path(&mut self, p: &'e syn::ExprPath) {
        if self.calls.path_names(p, None) {
            self.found = true;
        }
    }

    fn visit_macro(&mut self, mac: &'e syn::Macro) {
        if self.calls.in_macro(mac) {
            self.found = true;
        }
    }
}

/// Whether a site's verdict depends on its connection's client: a pipeline not sent async (a sync
/// cluster connection refuses `redis::pipe()`), a node-local command (a cluster client fans it
/// out). Only then does a connection parameter wait for the callers' connections.
pub(super) fn client_matters(site: &CallSite) -> bool {
    use crate::sites::{Exec, SiteKind};
    match &site.kind {
        SiteKind::Pipeline {
            cluster_pipeline: false,
            ..
        } => site.exec != Exec::Async,
        SiteKind::Command(c) => crate::rules::node_local_command::is_node_local(&c.name),
        _ => false,
    }
}

/// A call of a function of the crate, with the caller's argument values.
#[derive(Clone)]
pub(super) struct CallRecord<'a> {
    /// The function whose walk made the call.
    pub(super) caller: usize,
    pub(super) callee: Callee,
    pub(super) args: Vec<Value<'a>>,
    pub(super) file: usize,
    pub(super) span: Span,
    pub(super) text: String,
    /// Arguments read through the caller's own callers: the outermost call (file, span,
    /// text), which passed the values.
    pub(super) origin: Option<(usize, Span, String)>,
    /// For a method call: the receiver, when the caller knows its fields.
    pub(super) receiver: Option<Value<'a>>,
}

impl CallRecord<'_> {
    /// Where the arguments come from: the outermost call they were read through, or this one.
    pub(super) fn origin(&self) -> (usize, Span, &str) {
        match &self.origin {
            Some((file, span, text)) => (*file, *span, text),
            None => (self.file, self.span, &self.text),
        }
    }

    /// Whether an argument is (or is built from) a parameter of the calling function: a value,
    /// or a connection of a type that does not say which client.
    pub(super) fn passes_own_params(&self) -> bool {
        let caller = self.caller as u32;
        let found = std::cell::Cell::new(false);
        for a in &self.args {
            if matches!(a, Value::Conn(c) if c.param.is_some()) {
                return true;
            }
            a.substitute(&|h: &Hole| {
                if matches!(h.id, HoleId::Param { func, .. } | HoleId::ParamElement { func, .. } if func == caller)
                {
                    found.set(true);
                }
                None
            });
        }
        found.get()
    }
}

/// What a recorded call calls.
#[derive(Clone, PartialEq)]
pub(super) enum Callee {
    /// A function of the crate.
    Fn(usize),
    /// A method of this name on a receiver of unknown type: any `impl Trait for T` method of
    /// that name and arity, when the calling file names `Trait`.
    Method(Box<str>),
}

#[cfg(test)]
mod tests {
    use super::MayCall;
    use crate::lexical::CallTarget;

    /// `Store::get(&self, bucket, key)`.
    const GET: CallTarget<'static> = CallTarget {
        name: "get",
        inputs: 3,
        takes_self: true,
        owner: Some("Store"),
    };

    /// Whether `body` may call `get(&self, bucket, key)` (three parameters), with the crate's
    /// macro `kv!` naming it.
    fn may_call_get(body: &str) -> bool {
        let block: syn::Block = syn::parse_str(body).unwrap();
        let macros = ["kv".to_string()];
        MayCall {
            targets: &[GET],
            macros: &macros,
        }
        .in_body(&block)
    }

    #[test]
    fn a_body_may_call_a_waiting_function_only_with_its_arity_or_through_a_macro() {
        // Calls of another arity are other functions' (`HashMap::get`).
        assert!(!may_call_get("{ let v = map.get(k); other(v) }"));
        assert!(!may_call_get("{ Store::get(a, b) }"));
        assert!(!may_call_get("{ println!(\"{}\", x.len()) }"));
        // A method call with one argument fewer than the parameters, a path call with as many,
        // the name as a value, a macro whose tokens name it, the crate's macro that does.
        assert!(may_call_get(
            "{ if ok { store.get(bucket, key) } else { None } }"
        ));
        assert!(may_call_get("{ Store::get(&store, bucket, key) }"));
        assert!(may_call_get("{ pairs.map(Store::get) }"));
        // A bare name is a local (or a free function), never a method: `Some(get) => v.push(get)`;
        // another type's `get` is not `Store`'s.
        assert!(!may_call_get("{ if let Some(get) = x { v.push(get) } }"));
        assert!(!may_call_get("{ DEPTH.with(Cell::get) }"));
        assert!(!may_call_get("{ Other::get(&s, b, k) }"));
        assert!(may_call_get("{ pairs.map(Self::get) }"));
        assert!(may_call_get("{ <S as Kv>::get(&s, b, k) }"));
        let free_get = MayCall {
            targets: &[CallTarget {
                takes_self: false,
                owner: None,
                ..GET
            }],
            macros: &[],
        };
        let block: syn::Block = syn::parse_str("{ pairs.map(get) }").unwrap();
        assert!(free_get.in_body(&block));
        // Nor is a function of an `impl` without `self` (`SharedCtx::get(accessor, ..)`).
        let associated_get = MayCall {
            targets: &[CallTarget {
                takes_self: false,
                ..GET
            }],
            macros: &[],
        };
        assert!(!associated_get.in_body(&block));
        assert!(!associated_get.in_text("fn f() { pairs.map(get) }", &["get".into()], false));
        let block: syn::Block = syn::parse_str("{ pairs.map(Store::get) }").unwrap();
        assert!(associated_get.in_body(&block));
        assert!(may_call_get(
            "{ format!(\"{:?}\", store.get(bucket, key)) }"
        ));
        assert!(may_call_get("{ kv!(store, key) }"));
        assert!(may_call_get("{ let f = |s: &Store| s.get(b, k); f(&s) }"));
        // A name Rust calls without writing it (`format!("{x}")` calls `fmt`): any body.
        let block: syn::Block = syn::parse_str("{ x.to_string() }").unwrap();
        let calls = MayCall {
            targets: &[CallTarget {
                name: "fmt",
                inputs: 2,
                takes_self: true,
                owner: None,
            }],
            macros: &[],
        };
        assert!(calls.in_body(&block));
    }

    /// Whether file text `text` may call `get(&self, bucket, key)`, read without parsing it.
    fn text_may_call_get(text: &str, skip_test_mods: bool) -> bool {
        let macros = ["kv".to_string()];
        let names = ["get".to_string(), "kv".to_string()];
        MayCall {
            targets: &[GET],
            macros: &macros,
        }
        .in_text(text, &names, skip_test_mods)
    }

    #[test]
    fn a_file_whose_text_holds_no_such_call_is_not_parsed_for_one() {
        // Other arities (fewer or more), comments, strings, the function's own definition.
        assert!(!text_may_call_get(
            "fn f() { let v = map.get(k); other(v) }",
            false
        ));
        assert!(!text_may_call_get(
            "fn f() { Store::get(a, b); m.get() }",
            false
        ));
        assert!(!text_may_call_get(
            "fn f() { ifs.get(\"a\", (b, c), [d, e]); ..get(a, b) }",
            false
        ));
        assert!(!text_may_call_get(
            "// s.get(a, b)\nfn f() { let s = \"get\"; }",
            false
        ));
        assert!(!text_may_call_get(
            "impl S { fn get(&self, a: u8, b: u8) {} }",
            false
        ));
        // A method is never named bare (`Some(get)` is a local), nor through another type.
        assert!(!text_may_call_get(
            "fn f() { if let Some(get) = x { v.push(get) } }",
            false
        ));
        assert!(!text_may_call_get(
            "fn f() { DEPTH.with(Cell::get) }",
            false
        ));
        assert!(!text_may_call_get("fn f() { Other::get(&s, b, k) }", false));
        // Test modules, when test code is not walked.
        let tests = "#[cfg(test)]\nmod tests { fn t() { s.get(a, b) } }";
        assert!(!text_may_call_get(tests, true));
        assert!(text_may_call_get(tests, false));
        // What a parse would take, and what it might: commas in a string do not hide an
        // argument, nor does a trailing one add one; a closure's or generics' commas, or a
        // comparison's `<`, leave a count that may be too many (never too few); a name followed
        // by anything but `(` may be a value; any name in a macro's tokens; the crate's macro.
        assert!(text_may_call_get("fn f() { s.get(b, k) }", false));
        assert!(text_may_call_get("fn f() { s.get(\")\", k) }", false));
        assert!(text_may_call_get("fn f() { s.get(b, k,) }", false));
        assert!(text_may_call_get("fn f() { s.get(|a, b| a) }", false));
        assert!(text_may_call_get("fn f() { s.get(|a, b| a, k) }", false));
        assert!(text_may_call_get("fn f() { s.get(f::<A, B>(), k) }", false));
        assert!(text_may_call_get("fn f() { ..get(&s, b, k) }", false));
        assert!(text_may_call_get("fn f() { Store::get(&s, b, k) }", false));
        assert!(text_may_call_get("fn f() { pairs.map(Store::get) }", false));
        assert!(text_may_call_get("fn f() { s.get::<u8>(k) }", false));
        assert!(text_may_call_get("fn f() { dbg!(m.get(k)) }", false));
        assert!(text_may_call_get("fn f() { kv!(s, k) }", false));
        assert!(text_may_call_get("fn f() { s.map(Self::get) }", false));
        assert!(text_may_call_get(
            "fn f() { <S as Kv>::get(&s, b, k) }",
            false
        ));
        assert!(text_may_call_get(
            "fn f() { Store::<u8>::get(&s, b, k) }",
            false
        ));
        assert!(text_may_call_get("fn f() { store::get(&s, b, k) }", false));
        // Two waiting functions of one name: a call of either's arity.
        let two = [
            GET,
            CallTarget {
                inputs: 4,
                owner: Some("Other"),
                ..GET
            },
        ];
        let calls = MayCall {
            targets: &two,
            macros: &[],
        };
        for (text, may) in [
            ("fn f() { s.get(b, k) }", true),
            ("fn f() { s.get(a, b, k) }", true),
            ("fn f() { s.get(k) }", false),
            ("fn f() { Other::get(&s, a, b, k) }", true),
            ("fn f() { Other::get(&s, b, k) }", false),
        ] {
            let body: syn::Block = syn::parse_str(&text[7..]).unwrap();
            assert_eq!(calls.in_text(text, &["get".into()], false), may, "{text}");
            assert_eq!(calls.in_body(&body), may, "{text}");
        }
    }

    /// Every function body of `file` (free, `impl` and `trait` functions, nested ones too).
    fn bodies(file: &syn::File) -> Vec<&syn::Block> {
        struct Bodies<'a>(Vec<&'a syn::Block>);
        impl<'a> syn::visit::Visit<'a> for Bodies<'a> {
            fn visit_block(&mut self, block: &'a syn::Block) {
                self.0.push(block);
                syn::visit::visit_block(self, block);
            }
        }
        let mut found = Bodies(Vec::new());
        syn::visit::Visit::visit_file(&mut found, file);
        found.0
    }

    /// The text check is a superset of the parse's on real code: this workspace's own sources
    /// and fixtures, for names its code calls with many arities.
    #[test]
    fn the_text_check_takes_every_file_a_parse_would() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        let mut dirs = vec![root.join("crates"), root.join("fixtures")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        let targets: Vec<CallTarget> = ["get", "insert", "new", "push", "map", "walk", "len"]
            .iter()
            .flat_map(|&name| {
                // Free, and as a function and a method of a type (a path must name it then).
                let kinds = [
                    (false, None),
                    (false, Some("Scanner")),
                    (true, Some("Scanner")),
                ];
                (0..5).flat_map(move |inputs| {
                    kinds.map(|(takes_self, owner)| CallTarget {
                        name,
                        inputs,
                        takes_self,
                        owner,
                    })
                })
            })
            .collect();
        let (mut parsed, mut passed_over) = (0, 0);
        for path in &files {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let Ok(file) = syn::parse_file(&text) else {
                continue;
            };
            parsed += 1;
            let bodies = bodies(&file);
            for target in &targets {
                let calls = MayCall {
                    targets: std::slice::from_ref(target),
                    macros: &[],
                };
                let in_text = calls.in_text(&text, &[target.name.to_string()], false);
                let in_a_body = bodies.iter().any(|b| calls.in_body(b));
                assert!(
                    in_text || !in_a_body,
                    "{} may call {}({}), the text check says not",
                    path.display(),
                    target.name,
                    target.inputs
                );
                passed_over += usize::from(!in_text);
            }
        }
        assert!(parsed > 100, "{parsed} files parsed");
        assert!(passed_over > parsed, "{passed_over} files passed over");
    }
}
