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
        for &f in targets {
            let def = self.index.fn_def(f);
            files.extend(
                self.index
                    .files_mentioning(&def.name)
                    .iter()
                    .map(|&i| i as usize),
            );
            names.push(def.name.clone());
        }
        let names = self.index.and_macros_naming(&names);
        let files: Vec<usize> = files
            .into_iter()
            .filter(|&i| {
                i < self.own_files && !self.mentions_redis[i] && self.index.file_names(i, &names)
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
