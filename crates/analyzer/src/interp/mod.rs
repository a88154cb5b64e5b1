//! The evaluator: one walk of a crate that follows what each expression holds (key patterns,
//! connections, clients, pipelines, commands, scripts) and records what it finds as plain
//! [`facts`](crate::facts): every redis-rs call it recognizes, how clients and connections are
//! made, database selections, Lua bodies, cluster client builders.
//!
//! It is an abstract interpretation over syn's syntax tree, without types: a call is a Redis
//! call when the evidence adds up (a receiver of a redis type, a builder that came from
//! `redis::pipe()`, a command trait in scope and no method of that name in the crate). Functions
//! of the crate are summarized once (the value they return, in terms of their parameters) and
//! the summary is reused at every call; a function whose keys are its own parameters is walked
//! again for each of a few callers.
//!
//! Split by concern: [`value`] (the value model), `bindings` (names and patterns), `exprs`
//! (expressions and control flow), `methods` (std string and collection methods), `calls`
//! (functions of the crate: summaries, caller contexts), `effects` (what they do to `&mut`
//! arguments), `items` (which function or constant a name means), `fields` (the field model),
//! `macros` (`format!` and friends), `macro_rules` (the crate's own macros), `redis` (paths into redis and pool
//! crates: clients, connections, databases), `types` (declared types), `builders` (pipelines,
//! commands, scripts, transactions) and `commands` (command names and key positions).
//!
//! Not here: judging the facts (`rules`), reading files (`workspace`), printing.

mod bindings;
mod builders;
mod callers;
mod calls;
mod commands;
mod effects;
mod exprs;
mod fields;
mod foreign_methods;
mod items;
mod macro_rules;
mod macros;
mod methods;
mod redis;
mod spans;
mod types;
pub mod value;

use std::cell::RefCell;
use std::collections::HashMap;

use proc_macro2::Span as PmSpan;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, Token};

use slotlint_commands::CommandTable;
use slotlint_keys::{Hole, HoleId, ScopeId};

use crate::facts::{BodyLocation, ClientFact, ClusterBuild, CrateFacts, DatabaseUse, FileFacts};
use crate::facts::{GetterFact, LuaBody};
use crate::index::{CrateIndex, FnDef};
use crate::scope::Scope;
use crate::sites::{CallSite, CommandCall};
use crate::source::{SourceFile, Span};
use crate::workspace::Version;
use callers::{client_matters, CallRecord, Callee};
use spans::NodeSpan;
use value::Value;

/// Everything the evaluator needs to know about one crate.
pub struct UnitContext<'a> {
    pub sources: &'a [SourceFile],
    /// What `use` items bring into each file's scope, read when the file is first walked.
    scopes: Vec<std::cell::OnceCell<Scope>>,
    aliases: Vec<String>,
    /// Files that name redis (`read_unit` says how): only these can hold call sites.
    pub mentions_redis: Vec<bool>,
    /// What test code is, and what the walks make of it.
    pub(super) test: TestCode,
    /// Files from this index on are the package's path dependencies (`Unit::libraries`): looked
    /// into for items, never walked for call sites or callers.
    own_files: usize,
    pub index: CrateIndex<'a>,
    pub commands: &'a CommandTable,
    pub version: Version,
    /// The package folder: `include_str!` is followed only inside it.
    pub root: std::path::PathBuf,
    summaries: RefCell<HashMap<usize, Memo<Option<Value<'a>>>>>,
    /// How many times following functions was cut short by [`MAX_SUMMARY_DEPTH`] (see [`Memo`]).
    depth_cuts: std::cell::Cell<u64>,
    /// What functions add to builders they receive by `&mut` (see `calls`).
    effects: RefCell<HashMap<usize, Memo<Option<Effects<'a>>>>>,
    /// The field model (see `fields`): per (type, field), and per function what it gives fields.
    field_models: RefCell<HashMap<FieldModelKey, FieldModelMemo<'a>>>,
    captures: RefCell<HashMap<usize, Memo<fields::Captures<'a>>>>,
    consts: RefCell<HashMap<String, Option<Value<'a>>>>,
    arena: &'a MacroArena,
    /// Macro bodies parsed as comma lists, by the macro's address in the tree.
    macro_args: RefCell<HashMap<usize, Option<&'a MacroArgs>>>,
    /// Expansions of the crate's own macros, by the invocation's address in the tree.
    expansions: RefCell<HashMap<usize, Option<&'a syn::Block>>>,
    /// String literals that look like Lua, by text: where they are written (for locating
    /// findings inside a script body).
    lua_literals: RefCell<HashMap<String, LiteralOrigin>>,
    /// Files read with `include_str!`, by text.
    included: RefCell<HashMap<String, std::path::PathBuf>>,
    /// `include_str!`s whose file could not be read: (file, span of the macro, why).
    include_errors: RefCell<Vec<(usize, Span, String)>>,
}

type MacroArgs = Punctuated<Expr, Token![,]>;

/// What a function adds to its `&mut` parameters: (position not counting `self`, final value).
type Effects<'a> = std::rc::Rc<Vec<(usize, Value<'a>)>>;

/// Where a string literal is written: file, byte where its token starts, and the byte offset
/// of each byte of its value (one more at the end).
type LiteralOrigin = (usize, usize, Vec<usize>);

/// Owns macro bodies parsed during analysis (and expansions of the crate's own macros), so
/// values may point into them.
#[derive(Default)]
pub struct MacroArena {
    args: typed_arena::Arena<MacroArgs>,
    expansions: typed_arena::Arena<syn::Block>,
}

/// The place an expression is rooted at, as the evaluator stores into it ([`Interp::place`]),
/// for readers of bodies outside the evaluator.
pub(crate) fn place(expr: &syn::Expr) -> Option<bindings::Place> {
    Interp::place(expr)
}

/// Callers followed per function whose keys are its parameters.
const MAX_CALLERS: usize = 8;
/// How many levels of callers that pass their own parameters on are followed.
const MAX_CALLER_LEVELS: usize = 3;
/// A memoized result about a function. When following functions was cut short by
/// [`MAX_SUMMARY_DEPTH`] while computing it, it depends on the depth it was asked at: it serves
/// requests at that depth or deeper, and one from a shallower call computes it again (at most
/// once per depth), so a function first met deep in a chain is not judged by that meeting.
#[derive(Clone)]
pub(super) struct Memo<T> {
    value: T,
    cut_at: Option<usize>,
}

impl<T: Clone> Memo<T> {
    /// A marker for a computation in progress (recursion sees `value`), valid at any depth.
    fn in_progress(value: T) -> Memo<T> {
        Memo {
            value,
            cut_at: None,
        }
    }

    /// The value, if it holds for a request at `depth`.
    fn at(&self, depth: usize) -> Option<T> {
        self.cut_at
            .is_none_or(|cut| depth >= cut)
            .then(|| self.value.clone())
    }
}

/// A field model (per type and field), memoized.
type FieldModelMemo<'a> = Memo<Option<fields::FieldModel<'a>>>;

/// A field model's type and field, and the file whose own module's type of that name is meant
/// (read there), if any.
type FieldModelKey = (String, String, Option<usize>);

/// How deep summaries of key-building functions are followed.
const MAX_SUMMARY_DEPTH: usize = 6;
/// Expression nesting the evaluator follows before giving up on a value.
const MAX_EXPR_DEPTH: usize = 160;
/// Evaluation steps per function body: a bound for generated or pathological code.
const MAX_STEPS: usize = 200_000;

impl<'a> UnitContext<'a> {
    /// The evaluator over one crate, whose items `index` reads (parsing files as they are
    /// needed, or all of them up front).
    pub fn new(
        sources: &'a [SourceFile],
        index: CrateIndex<'a>,
        aliases: &[String],
        commands: &'a CommandTable,
        version: Version,
        arena: &'a MacroArena,
        root: &std::path::Path,
    ) -> UnitContext<'a> {
        UnitContext {
            sources,
            scopes: (0..sources.len())
                .map(|_| std::cell::OnceCell::new())
                .collect(),
            aliases: aliases.to_vec(),
            mentions_redis: vec![false; sources.len()],
            test: TestCode::default(),
            own_files: sources.len(),
            index,
            commands,
            version,
            summaries: RefCell::new(HashMap::new()),
            depth_cuts: std::cell::Cell::new(0),
            effects: RefCell::new(HashMap::new()),
            field_models: RefCell::new(HashMap::new()),
            captures: RefCell::new(HashMap::new()),
            consts: RefCell::new(HashMap::new()),
            arena,
            macro_args: RefCell::new(HashMap::new()),
            expansions: RefCell::new(HashMap::new()),
            root: root.to_path_buf(),
            lua_literals: RefCell::new(HashMap::new()),
            included: RefCell::new(HashMap::new()),
            include_errors: RefCell::new(Vec::new()),
        }
    }

    /// Per source, whether it names redis (`read_unit` decides, once for everything that asks).
    pub fn with_redis_files(mut self, mentions_redis: Vec<bool>) -> Self {
        self.mentions_redis = mentions_redis;
        self
    }

    /// What test code is, and what the walks make of it (default: like any other code).
    pub fn with_test_code(mut self, test: TestCode) -> Self {
        self.test = test;
        self
    }

    /// The sources from `own` on are the package's path dependencies.
    pub fn with_libraries_from(mut self, own: usize) -> Self {
        self.own_files = own.min(self.sources.len());
        self
    }

    /// File `file`'s tree, parsed now if it was not yet (`None`: it does not parse).
    pub fn ast(&self, file: usize) -> Option<&'a syn::File> {
        self.index.ast(file)
    }

    /// The module file `file` is, by its path in the crate (`["store", "keys"]`).
    fn module_of(&self, file: usize) -> Option<Vec<String>> {
        crate::module_path::of_file(&self.root, &self.sources[file].path)
    }

    /// What the `use` items of file `file` bring into scope.
    fn scope(&self, file: usize) -> &Scope {
        self.scopes[file].get_or_init(|| {
            let mut scope = Scope::new(&self.aliases);
            if let Some(ast) = self.ast(file) {
                collect_uses(&ast.items, &mut scope);
            }
            scope
        })
    }

    /// `include_str!`s whose file could not be read, once each: (file, span of the macro, why).
    pub fn include_errors(&self) -> Vec<(usize, Span, String)> {
        let mut errors = self.include_errors.borrow().clone();
        errors.sort_by_key(|(file, span, _)| (*file, span.start));
        errors.dedup_by_key(|(file, span, _)| (*file, span.start));
        errors
    }

    /// A macro's body as comma-separated expressions (`format!`, `vec!`, `assert!`…).
    fn macro_args(&self, mac: &'a syn::Macro) -> Option<&'a MacroArgs> {
        let key = mac as *const syn::Macro as usize;
        if let Some(v) = self.macro_args.borrow().get(&key) {
            return *v;
        }
        let parsed = mac
            .parse_body_with(MacroArgs::parse_terminated)
            .ok()
            .map(|p| &*self.arena.args.alloc(p));
        self.macro_args.borrow_mut().insert(key, parsed);
        parsed
    }

    /// An invocation of a `macro_rules!` macro of the crate, expanded and parsed (memoized).
    fn expansion(&self, mac: &'a syn::Macro, depth: usize) -> Option<&'a syn::Block> {
        let key = mac as *const syn::Macro as usize;
        if let Some(v) = self.expansions.borrow().get(&key) {
            return *v;
        }
        let name = mac.path.get_ident()?.to_string();
        let def = self.index.macro_def(&name)?;
        let span = syn::spanned::Spanned::span(mac);
        let tokens = macro_rules::expand(&def.mac.tokens, &mac.tokens, span, depth)?;
        let block = syn::parse2::<syn::Block>(quote::quote_spanned!(span=> { #tokens }))
            .ok()
            .map(|b| &*self.arena.expansions.alloc(b));
        self.expansions.borrow_mut().insert(key, block);
        block
    }

    /// Walk every function and constant of the crate once and return what each file holds.
    ///
    /// Call sites are kept for the files `wanted` says; other facts for every file (the
    /// crate-level rules look across files). Test code as [`UnitContext::with_test_code`] says.
    ///
    /// A key that is a whole parameter of the enclosing function is unknown there; for such
    /// call sites the function is walked again once per caller (up to a few), with the caller's
    /// arguments, and the contextual sites replace the unknown one.
    pub fn facts(&self, wanted: &dyn Fn(usize) -> bool) -> CrateFacts {
        let test = &self.test;
        let mut files: Vec<FileFacts> = vec![FileFacts::default(); self.sources.len()];
        let mut records: Vec<CallRecord<'a>> = Vec::new();
        let mut outputs: Vec<Output> = Vec::new();
        // Sites that wait for a caller: (function, span of the site, what for).
        let mut waiting: Vec<(usize, Span, Wait)> = Vec::new();
        // Every function of the files that name redis (only they can hold call sites), test
        // code only when its sites are wanted…
        let redis_files: Vec<usize> = (0..self.own_files)
            .filter(|&i| self.mentions_redis[i] && test.walks_file(i))
            .collect();
        self.walk_files(
            &redis_files,
            &|f| test.walked || !self.in_test_fn(f),
            &mut records,
            &mut outputs,
            &mut waiting,
        );
        // …then, for functions whose keys are their own parameters, their callers, which pass
        // the keys: the functions of other files whose bodies name them, or a macro of the crate
        // that may. (The same functions whether the crate was parsed up front or on demand:
        // chosen by their text.) A caller that passes its own parameters on is waited for in
        // turn, a few levels up.
        let waiting_fns: Vec<usize> = waiting.iter().map(|&(f, _, _)| f).collect();
        let mut walked = std::collections::HashSet::new();
        let mut targets: Vec<usize> = waiting_fns
            .iter()
            .copied()
            .filter(|&f| wanted(self.index.fn_def(f).file))
            .collect();
        let mut relays: Vec<usize> = Vec::new();
        for _ in 0..=MAX_CALLER_LEVELS {
            self.walk_callers(
                &targets,
                &mut walked,
                &mut records,
                &mut outputs,
                &mut waiting,
            );
            let known: Vec<usize> = waiting_fns.iter().chain(&relays).copied().collect();
            targets = self.relays(&records, &known);
            if targets.is_empty() {
                break;
            }
            relays.extend(&targets);
        }
        // Callers in the order of the crate's functions, whichever walk found them.
        records.sort_by_key(|r| r.caller);
        // Functions whose callers were walked: their calls can be read through those callers.
        let relays: Vec<usize> = waiting_fns.iter().chain(&relays).copied().collect();
        let records = self.through_relays(records, &relays);
        for &file in &redis_files {
            if self.ast(file).is_none() {
                continue;
            }
            for (name, def) in self.index.consts_in_file(file) {
                let mut interp = Interp::for_const(self, def.file, name, true);
                interp.eval(def.expr);
                outputs.push(std::mem::take(&mut interp.out));
            }
        }
        waiting.sort_by_key(|(f, s, r)| (*f, s.start, *r));
        waiting.dedup();
        let mut done = std::collections::HashSet::new();
        for &(f, _, _) in &waiting {
            if !done.insert(f) || !wanted(self.index.fn_def(f).file) {
                continue;
            }
            let def = self.index.fn_def(f);
            let spans: Vec<Span> = waiting
                .iter()
                .filter(|(g, _, _)| *g == f)
                .map(|(_, s, _)| *s)
                .collect();
            // What the function's sites wait for, the most telling first; for the receiver's
            // fields only: the callers that know them.
            let wait = waiting
                .iter()
                .filter(|w| w.0 == f)
                .map(|w| w.2)
                .min()
                .unwrap_or(Wait::Keys);
            let for_receiver = wait == Wait::Receiver;
            let mut contextual = Output::default();
            let callers = self.callers_of(f, &records);
            for record in callers {
                if for_receiver && record.receiver.is_none() {
                    continue;
                }
                let mut interp = Interp::new(self, def.file, f, true, 1);
                interp.bind_params(def);
                interp.bind_args(def, &record.args);
                if let (Some(receiver), true) = (&record.receiver, def.has_self()) {
                    interp.bind("self".into(), receiver.clone());
                }
                let (file, span, text) = record.origin();
                let shown: String = text.chars().take(60).collect();
                let ellipsis = if text.chars().count() > 60 { "…" } else { "" };
                interp.context = Some(format!(
                    "{}{}:{} (`{shown}{ellipsis}`)",
                    crate::sites::CALLER_CONTEXTS[wait as usize].0,
                    self.sources[file].display,
                    span.line
                ));
                interp.walk_block(def.block);
                let mut out = std::mem::take(&mut interp.out);
                watch_before_multi(&mut out);
                hand_written_multi(&mut out);
                contextual
                    .sites
                    .extend(out.sites.into_iter().filter(|s| spans.contains(&s.span)));
            }
            if !contextual.sites.is_empty() {
                for out in outputs.iter_mut().filter(|o| o.file == Some(def.file)) {
                    out.sites.retain(|s| !spans.contains(&s.span));
                }
                contextual.file = Some(def.file);
                outputs.push(contextual);
            }
        }
        let mut builder_methods = Vec::new();
        let mut builder_escapes = Vec::new();
        for out in outputs {
            builder_methods.extend(out.builder_methods);
            builder_escapes.extend(out.builder_escapes);
            let Some(file) = out.file else { continue };
            let facts = &mut files[file];
            if wanted(file) {
                facts.sites.extend(out.sites);
            }
            facts.clients.extend(out.clients);
            facts.getters.extend(out.getters);
            facts.databases.extend(out.databases);
            facts.lua_bodies.extend(out.lua_bodies);
            if wanted(file) {
                facts.not_understood.extend(out.not_understood);
            }
            facts.connects_with_config |= out.connects_with_config;
            for b in out.cluster_builds {
                if !facts.cluster_builds.iter().any(|x| x.span == b.span) {
                    facts.cluster_builds.push(b);
                }
            }
            if let Some(e) = out.cluster_evidence {
                if facts.cluster_evidence.is_none_or(|old| e.start < old.start) {
                    facts.cluster_evidence = Some(e);
                }
            }
        }
        for ((file, span), method) in builder_methods {
            if let Some(b) = files[file]
                .cluster_builds
                .iter_mut()
                .find(|b| b.span == span)
            {
                b.methods.push(method);
            }
        }
        for (file, span) in builder_escapes {
            if let Some(b) = files[file]
                .cluster_builds
                .iter_mut()
                .find(|b| b.span == span)
            {
                b.escapes = true;
            }
        }
        for (i, facts) in files.iter_mut().enumerate() {
            facts.test_ranges = if test.files.get(i).copied().unwrap_or(false) {
                std::iter::once(0..self.sources[i].text.len() + 1).collect()
            } else {
                self.index.test_ranges(i).to_vec()
            };
            // A `use` of a cluster type names redis: other files have none.
            if facts.cluster_evidence.is_none()
                && self.mentions_redis[i]
                && i < self.own_files
                && test.walks_file(i)
            {
                facts.cluster_evidence = self
                    .scope(i)
                    .cluster_use()
                    .map(|r| self.sources[i].span(r.start, r.end));
            }
            if let Some(e) = facts.cluster_evidence {
                if facts.in_test(e.start) {
                    facts.cluster_evidence = None;
                }
            }
            // One expression may be walked twice (branches, loops): keep each site once.
            let mut seen = std::collections::HashSet::new();
            facts
                .sites
                .retain(|s| seen.insert(format!("{:?}", (s.span, &s.kind, &s.context))));
            facts.sites.sort_by_key(|s| (s.span.start, s.span.end));
            facts.dedup();
        }
        CrateFacts { files }
    }
}

impl<'a> UnitContext<'a> {
    /// Walk every function of `files` that `walk` takes once, as emitting walks: their facts,
    /// the calls they make of the crate's functions, and their sites that wait for a caller's
    /// keys.
    fn walk_files(
        &self,
        files: &[usize],
        walk: &dyn Fn(usize) -> bool,
        records: &mut Vec<CallRecord<'a>>,
        outputs: &mut Vec<Output>,
        waiting: &mut Vec<(usize, Span, Wait)>,
    ) {
        for &file in files {
            if self.ast(file).is_none() {
                continue;
            }
            for (i, def) in self.index.fns_in_file(file) {
                if !walk(i) {
                    continue;
                }
                let mut interp = Interp::new(self, def.file, i, true, 0);
                interp.bind_params(def);
                interp.walk_block(def.block);
                interp.escape_tail(def.block);
                let mut out = std::mem::take(&mut interp.out);
                watch_before_multi(&mut out);
                hand_written_multi(&mut out);
                for site in &out.sites {
                    let own_param = |h: &Option<HoleId>| matches!(h, Some(HoleId::Param { func, .. } | HoleId::ParamElement { func, .. }) if *func as usize == i);
                    let waits = |k: &crate::sites::KeyArg| {
                        own_param(&k.hole) || k.parts.iter().any(|h| own_param(&Some(h.clone())))
                    };
                    // Keys, or a connection of a type that does not say which client, that
                    // come from the function's parameters: its callers' say.
                    if site.keys().any(waits) {
                        waiting.push((i, site.span, Wait::Keys));
                    } else if site.conn_param.is_some() && client_matters(site) {
                        waiting.push((i, site.span, Wait::Connection));
                    } else if def.has_self() && receiver_decides(site) {
                        waiting.push((i, site.span, Wait::Receiver));
                    }
                }
                records.append(&mut interp.calls);
                outputs.push(out);
            }
        }
    }
}

/// What test code is (`tests/`, `examples/`, `benches/`, `#[cfg(test)]`, `#[test]`) and what the
/// walks make of it.
#[derive(Clone, Debug)]
pub struct TestCode {
    /// Per file: whether it is test code as a whole.
    pub files: Vec<bool>,
    /// Its functions are walked for their call sites: test code is checked, or a trace recorded
    /// while the tests ran is joined to them. Otherwise nothing it holds is reported, and its
    /// calls give no keys to other code: it is not walked at all (the test suites of a service,
    /// or of the redis crate itself, are most of its redis calls).
    pub walked: bool,
    /// It gives keys and values to code that is not test code (test code is checked): its calls
    /// are callers like any other, and the structs it builds count among the values their
    /// fields take.
    pub passes_keys: bool,
}

impl TestCode {
    /// Whether the functions of file `file` may be walked as test code goes (a file that is not
    /// test code as a whole always may).
    pub fn walks_file(&self, file: usize) -> bool {
        self.walked || !self.files.get(file).copied().unwrap_or(false)
    }
}

impl Default for TestCode {
    /// Test code like any other code.
    fn default() -> TestCode {
        TestCode {
            files: Vec::new(),
            walked: true,
            passes_keys: true,
        }
    }
}

/// What a site waits for from its function's callers (in the order of
/// [`crate::sites::CALLER_CONTEXTS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Wait {
    /// Its keys are (built from) the function's parameters.
    Keys,
    /// Its connection is a parameter of a type that does not say which client, and the client
    /// matters to the verdict.
    Connection,
    /// Its keys share a slot or not depending on the receiver's fields.
    Receiver,
}

/// Whether a site's keys may or may not share a slot depending on the values of the receiver's
/// fields (`self.config.held_set()` and `self.config.archive_set()`): then the callers that know
/// those fields decide. (Keys certain to cross slots whatever the fields hold do not wait.)
fn receiver_decides(site: &crate::sites::CallSite) -> bool {
    let patterns: Vec<slotlint_keys::KeyPattern> =
        site.keys().flat_map(|k| k.patterns()).cloned().collect();
    patterns
        .iter()
        .any(|p| p.holes().any(|h| fields::of_self(&h.id)))
        && matches!(
            slotlint_keys::colocation(&patterns),
            slotlint_keys::Colocation::DifferentSlots {
                certainty: slotlint_keys::Certainty::DependsOnValues,
                ..
            }
        )
}

/// A `WATCH` sent by hand in a function that starts a MULTI/EXEC is part of that transaction:
/// judged as one (`cross-slot-transaction`), not as a command of its own.
fn watch_before_multi(out: &mut Output) {
    if !out.starts_multi {
        return;
    }
    for site in &mut out.sites {
        if let crate::sites::SiteKind::Command(c) = &site.kind {
            if c.name == "WATCH" {
                site.kind = crate::sites::SiteKind::Transaction {
                    api: "WATCH".into(),
                    watch: c.keys.clone(),
                    commands: Vec::new(),
                };
            }
        }
    }
}

/// `redis::cmd("MULTI")` … `redis::cmd("EXEC")` sent by hand in one function: the commands
/// written between them are one transaction (judged as `cross-slot-transaction`: EXEC fails with
/// CROSSSLOT), reported at the MULTI, not as commands of their own.
fn hand_written_multi(out: &mut Output) {
    use crate::sites::SiteKind;
    let name = |s: &CallSite| match &s.kind {
        SiteKind::Command(c) => Some(c.name.clone()),
        _ => None,
    };
    if !out
        .sites
        .iter()
        .any(|s| name(s).as_deref() == Some("MULTI"))
    {
        return;
    }
    let mut sites = std::mem::take(&mut out.sites);
    sites.sort_by_key(|s| s.span.start);
    let mut kept = Vec::new();
    let mut open: Option<(CallSite, Vec<CallSite>)> = None;
    for site in sites {
        match (name(&site).as_deref(), open.as_mut()) {
            (Some("MULTI"), None) => open = Some((site, Vec::new())),
            (Some("EXEC"), Some(_)) => {
                let Some((multi, queued)) = open.take() else {
                    continue;
                };
                let commands: Vec<_> = queued
                    .iter()
                    .filter_map(|s| match &s.kind {
                        SiteKind::Command(c) => Some(c.clone()),
                        _ => None,
                    })
                    .collect();
                if commands.len() == queued.len() && !commands.is_empty() {
                    kept.push(CallSite {
                        kind: SiteKind::Transaction {
                            api: "MULTI".into(),
                            watch: Vec::new(),
                            commands,
                        },
                        ..multi
                    });
                } else {
                    kept.push(multi);
                    kept.extend(queued);
                }
                kept.push(site);
            }
            (_, Some((_, queued))) => queued.push(site),
            _ => kept.push(site),
        }
    }
    // A MULTI with no EXEC after it in this function: left as it was.
    if let Some((multi, queued)) = open {
        kept.push(multi);
        kept.extend(queued);
    }
    out.sites = kept;
}

/// `use` items at file level and in inline modules (a simplification: module scopes merge).
fn collect_uses(items: &[syn::Item], scope: &mut Scope) {
    for item in items {
        match item {
            syn::Item::Use(u) => scope.add_use(u),
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_uses(items, scope);
                }
            }
            _ => {}
        }
    }
}

/// What one walk found, for the file it walked.
#[derive(Default)]
struct Output {
    file: Option<usize>,
    sites: Vec<CallSite>,
    clients: Vec<ClientFact>,
    getters: Vec<GetterFact>,
    databases: Vec<DatabaseUse>,
    lua_bodies: Vec<LuaBody>,
    cluster_builds: Vec<ClusterBuild>,
    /// Builder methods called on a cluster client builder: (its identity, method).
    builder_methods: Vec<((usize, Span), String)>,
    builder_escapes: Vec<(usize, Span)>,
    cluster_evidence: Option<Span>,
    connects_with_config: bool,
    not_understood: Vec<(Span, String)>,
    /// The walk started a MULTI/EXEC (`.atomic()`, a raw `MULTI`): a `WATCH` sent by hand in
    /// the same function guards it.
    starts_multi: bool,
}

/// A local binding.
struct Binding<'a> {
    value: Value<'a>,
    depth: usize,
}

struct Interp<'c, 'a> {
    cx: &'c UnitContext<'a>,
    file: usize,
    /// The file's scope, copied only when the body adds a `use` of its own.
    scope: std::borrow::Cow<'c, Scope>,
    /// The function or constant being walked, for hole ids.
    scope_id: ScopeId,
    /// The function being walked (index in the crate's functions), if any.
    func: Option<usize>,
    self_ty: Option<String>,
    /// Generic parameters bounded by a redis connection trait.
    conn_generics: Vec<String>,
    env: Vec<HashMap<String, Binding<'a>>>,
    out: Output,
    emit: bool,
    summary_depth: usize,
    expr_depth: usize,
    steps: usize,
    /// Hole ids of loop variables and the env depth of their loop.
    loop_holes: Vec<(HoleId, usize)>,
    returns: Vec<Value<'a>>,
    next_tx: usize,
    tx_commands: HashMap<usize, Vec<CommandCall>>,
    /// Calls of the crate's own functions seen while emitting: for keys passed by callers.
    calls: Vec<CallRecord<'a>>,
    /// "keys as passed at …", when walking a function for one of its callers.
    context: Option<String>,
    /// Set while reading what a function gives to fields (see `fields`).
    captures: Option<Vec<(String, String, Value<'a>)>>,
    /// Expansions of the crate's macros being walked, nested.
    macro_depth: usize,
    /// Parameters and locals declared with a number type.
    numeric_names: std::collections::HashSet<String>,
    /// The call whose value the statement being walked drops (`save(&d).await?;`, `let _ =
    /// save(&d);`): its function's summary is not needed, only its effects and the calls it
    /// records.
    value_unused: Option<&'a Expr>,
}

impl<'c, 'a> Interp<'c, 'a> {
    fn new(
        cx: &'c UnitContext<'a>,
        file: usize,
        fn_index: usize,
        emit: bool,
        summary_depth: usize,
    ) -> Interp<'c, 'a> {
        let def = cx.index.fn_def(fn_index);
        let mut interp = Interp::blank(cx, file, ScopeId::Fn(fn_index as u32), emit);
        interp.func = Some(fn_index);
        interp.self_ty = def.self_ty.clone();
        interp.summary_depth = summary_depth;
        interp
    }

    /// Whether functions may no longer be followed from here. A cut is counted (see
    /// `UnitContext::depth_cuts`), except in a constant's initializer, which never follows
    /// functions at any depth.
    fn at_depth_limit(&self) -> bool {
        let at = self.summary_depth >= MAX_SUMMARY_DEPTH;
        if at && !matches!(self.scope_id, ScopeId::Const(_)) {
            self.cx.depth_cuts.set(self.cx.depth_cuts.get() + 1);
        }
        at
    }

    /// The cut count now, to tell afterwards whether a result depends on the depth it was
    /// computed at.
    fn depth_cuts(&self) -> u64 {
        self.cx.depth_cuts.get()
    }

    /// `value`, computed since the cut count was `cuts`, to memoize.
    fn memo<T>(&self, value: T, cuts: u64) -> Memo<T> {
        Memo {
            value,
            cut_at: (self.depth_cuts() != cuts).then_some(self.summary_depth),
        }
    }

    fn for_const(cx: &'c UnitContext<'a>, file: usize, name: &str, emit: bool) -> Interp<'c, 'a> {
        let mut interp = Interp::blank(cx, file, ScopeId::Const(name.into()), emit);
        interp.summary_depth = MAX_SUMMARY_DEPTH;
        interp
    }

    fn blank(cx: &'c UnitContext<'a>, file: usize, scope_id: ScopeId, emit: bool) -> Self {
        Interp {
            cx,
            file,
            scope: std::borrow::Cow::Borrowed(cx.scope(file)),
            scope_id,
            func: None,
            self_ty: None,
            conn_generics: Vec::new(),
            env: vec![HashMap::new()],
            out: Output {
                file: Some(file),
                ..Output::default()
            },
            emit,
            summary_depth: 0,
            expr_depth: 0,
            steps: 0,
            loop_holes: Vec::new(),
            returns: Vec::new(),
            next_tx: 0,
            tx_commands: HashMap::new(),
            calls: Vec::new(),
            context: None,
            captures: None,
            macro_depth: 0,
            numeric_names: std::collections::HashSet::new(),
            value_unused: None,
        }
    }

    // ----- positions and text -----

    fn source(&self) -> &'a SourceFile {
        &self.cx.sources[self.file]
    }

    fn span_of(&self, span: PmSpan) -> Span {
        let r = span.byte_range();
        self.source().span(r.start, r.end)
    }

    fn text_of(&self, node: &dyn NodeSpan) -> String {
        self.source_text_of(node).to_owned()
    }

    fn source_text_of(&self, node: &dyn NodeSpan) -> &'a str {
        let r = node.node_span().byte_range();
        self.source().text.get(r).unwrap_or_default()
    }

    /// The source text of a node on one line (whitespace runs collapsed).
    fn short_text(&self, node: &dyn NodeSpan) -> String {
        one_line(self.source_text_of(node))
    }

    /// A hole for an expression the evaluator does not follow, named by its text.
    fn hole_for(&self, node: &dyn NodeSpan) -> Hole {
        let name = self.short_text(node);
        let detail = format!("slotlint does not follow `{name}`");
        Hole::new(
            HoleId::Expr {
                scope: self.scope_id.clone(),
                text: name.clone().into_boxed_str(),
            },
            name,
        )
        .because("expression", detail)
    }

    /// A hole for a binding (or loop element) declared at `node`.
    fn local_hole(&self, node: &dyn Spanned, name: String, element: bool) -> Hole {
        let at = node.span().byte_range().start as u32;
        let scope = self.scope_id.clone();
        if element {
            let detail = format!("`{name}` is one element of a collection known only at run time");
            Hole::new(HoleId::Element { scope, at }, name).because("run-time collection", detail)
        } else {
            let detail = format!("`{name}` is set from code slotlint does not follow");
            Hole::new(HoleId::Local { scope, at }, name).because("local", detail)
        }
    }

    // ----- facts -----

    fn emit_site(&mut self, mut site: CallSite) {
        if self.emit {
            site.context = self.context.clone();
            self.out.sites.push(site);
        }
    }

    /// Code that names a cluster client, connection or pipeline: the crate targets a cluster.
    fn cluster_evidence(&mut self, span: PmSpan) {
        if self.emit && self.out.cluster_evidence.is_none() {
            self.out.cluster_evidence = Some(self.span_of(span));
        }
    }

    /// A redis call the evaluator recognized but cannot judge.
    fn not_understood(&mut self, span: Span, why: String) {
        if self.emit {
            self.out.not_understood.push((span, why));
        }
    }

    fn lua_body(&mut self, body: LuaBody) {
        if self.emit {
            self.out.lua_bodies.push(body);
        }
    }

    /// Where a Lua text handed to redis comes from: a literal of the crate, or an included file.
    fn body_location(&self, text: &str) -> Option<(BodyLocation, Vec<usize>)> {
        if let Some((file, start, offsets)) = self.cx.lua_literals.borrow().get(text) {
            return Some((
                BodyLocation::Literal {
                    file: *file,
                    start: *start,
                },
                offsets.clone(),
            ));
        }
        let path = self.cx.included.borrow().get(text).cloned()?;
        Some((BodyLocation::File(path), Vec::new()))
    }
}

/// `text` on one line: its runs of white space one space each, none at either end (as
/// `split_whitespace` and `join(" ")` give it). Most expressions are that already (`user.id`,
/// `format!("{a} {b}")`), and are copied as they are: a hole is named this way for every
/// expression the evaluator does not follow.
fn one_line(text: &str) -> String {
    // Printable ASCII, single spaces inside: nothing to collapse.
    let mut after_space = true;
    let plain = text.bytes().all(|c| {
        let ok = if c == b' ' {
            !after_space
        } else {
            (0x21..=0x7e).contains(&c)
        };
        after_space = c == b' ';
        ok
    }) && !after_space;
    if plain || text.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `{a, b}` → the alternatives' hole ids of loop elements, for marking them per element.
fn hole_ids(v: &Value<'_>) -> Vec<HoleId> {
    match v {
        Value::Opaque(h) if h.value.is_none() => vec![h.id.clone()],
        Value::Str(p) => p.holes().map(|h| h.id.clone()).collect(),
        Value::List(items) | Value::OneOf(items, _) => items.iter().flat_map(hole_ids).collect(),
        _ => Vec::new(),
    }
}

/// Parameters of a function as written (`self` for the receiver, `mut` dropped).
fn param_names(def: &FnDef<'_>) -> Vec<String> {
    def.sig
        .inputs
        .iter()
        .map(|input| match input {
            syn::FnArg::Receiver(_) => "self".to_owned(),
            syn::FnArg::Typed(pt) => {
                let pat = &pt.pat;
                quote::quote!(#pat)
                    .to_string()
                    .trim_start_matches("mut ")
                    .trim()
                    .to_owned()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_line_is_split_whitespace_joined() {
        for text in [
            "",
            " ",
            "user.id",
            "a b",
            "a  b",
            " a",
            "a ",
            "a\n    .b()",
            "x\t+\r\ny",
            "é  ü",
            "a\u{a0}b",
            "a\u{b}b",
            "a \u{3000} b",
            "\"a  b\"",
        ] {
            let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(super::one_line(text), joined, "{text:?}");
        }
    }
}
