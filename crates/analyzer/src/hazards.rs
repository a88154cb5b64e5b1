//! Cluster hazards that are not one command's keys: how clients are built, database numbers in
//! URLs and connection settings, Lua bodies of scripts, shard pub/sub channels, cluster client
//! builders. Found with a syn visitor per file ([`scan_file`]), with [`Scope`] resolving paths
//! into redis, then judged per crate by the rules in `rules/` ([`check_unit`]).
//!
//! Test code is left out of every fact here (`#[cfg(test)]` modules, `#[test]`-like functions,
//! files under `tests/` and `benches/`): tests talk to a local standalone server on purpose.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use proc_macro2::Span as PmSpan;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Token};

use slotlint_keys::format_string::{self, ArgRef, Piece};
use slotlint_keys::{Hole, KeyPattern};

use crate::diagnostic::{Diagnostic, Label, Severity};
use crate::eval::UnitContext;
use crate::rules::{self, Rule};
use crate::scope::Scope;
use crate::sites::{CallSite, CommandCall, KeyArg, SiteKind};
use crate::source::{SourceFile, Span};
use crate::workspace::{Unit, Version};

type MacroArgs = Punctuated<Expr, Token![,]>;

/// Owns macro bodies parsed while scanning, so facts may point into them.
#[derive(Default)]
pub struct ScanArena(typed_arena::Arena<MacroArgs>);

/// A single-node client or pool built in the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientKind {
    /// `redis::Client::open` / `build_with_tls`.
    Client,
    /// `redis::sentinel::*` clients: standalone `Client`s behind a sentinel.
    Sentinel,
    /// `deadpool_redis::Config` / `Manager` (not `deadpool_redis::cluster`).
    Deadpool,
    /// `bb8_redis::RedisConnectionManager`.
    Bb8,
    /// `r2d2_redis::RedisConnectionManager`.
    R2d2Redis,
}

#[derive(Clone, Debug)]
pub struct Construction {
    pub kind: ClientKind,
    /// The call (or struct literal) that builds it.
    pub span: Span,
    /// Its path, to underline.
    pub focus: Span,
    /// `redis::Client::open`, as written.
    pub what: String,
    /// The enclosing function (for grouping getters with it).
    pub fn_id: usize,
}

/// A single-node connection taken from a `redis::Client` (`get_multiplexed_async_connection`)
/// or a `ConnectionManager` built over one.
#[derive(Clone, Debug)]
pub struct Getter {
    pub span: Span,
    pub focus: Span,
    pub what: String,
    pub fn_id: usize,
}

/// A `ClusterClient` built with the builder (or `ClusterClient::new`).
#[derive(Clone, Debug)]
pub struct ClusterBuild {
    pub span: Span,
    pub focus: Span,
    /// `ClusterClient::new`, `ClusterClient::builder`, `ClusterClientBuilder::new`.
    pub what: String,
    /// Builder methods called on it.
    pub methods: Vec<String>,
    /// Handed somewhere the scan cannot follow (configured elsewhere, maybe).
    pub escapes: bool,
}

/// A database number other than 0, in a URL or connection settings.
#[derive(Clone, Debug)]
pub struct DatabaseUse {
    pub span: Span,
    /// `2`, or `None` when only run-time values tell.
    pub db: Option<i64>,
    /// `redis://cache:6379/2`, `RedisConnectionInfo { db: 2 }`, `.set_db(2)`…
    pub what: String,
    pub kind: DatabaseKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseKind {
    Url,
    ConnectionInfo,
    ClusterDatabaseId,
    CopyOptions,
}

/// Where a Lua body is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum BodyLocation {
    /// A Rust string literal of file `file` (index in the unit), starting at byte `start`.
    Literal { file: usize, start: usize },
    /// A file read with `include_str!`.
    File(PathBuf),
}

#[derive(Clone, Debug)]
pub struct LuaBody {
    pub location: BodyLocation,
    /// The body as the server receives it.
    pub text: String,
    /// For literals: byte offset in the Rust file of each byte of `text` (one more at the end).
    pub offsets: Vec<usize>,
    /// `FUNCTION LOAD` (a library) rather than a script.
    pub library: bool,
    /// Where it is handed to redis (`Script::new`, `EVAL`), in the scanned file.
    pub used_at: Span,
}

/// Which pub/sub command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PubSubKind {
    Publish,
    SPublish,
    Subscribe,
    PSubscribe,
    SSubscribe,
    SUnsubscribe,
}

impl PubSubKind {
    pub fn command(self) -> &'static str {
        match self {
            PubSubKind::Publish => "PUBLISH",
            PubSubKind::SPublish => "SPUBLISH",
            PubSubKind::Subscribe => "SUBSCRIBE",
            PubSubKind::PSubscribe => "PSUBSCRIBE",
            PubSubKind::SSubscribe => "SSUBSCRIBE",
            PubSubKind::SUnsubscribe => "SUNSUBSCRIBE",
        }
    }

    pub fn sharded(self) -> bool {
        matches!(
            self,
            PubSubKind::SPublish | PubSubKind::SSubscribe | PubSubKind::SUnsubscribe
        )
    }
}

#[derive(Clone, Debug)]
pub struct PubSubCall {
    pub kind: PubSubKind,
    pub channels: Vec<KeyArg>,
    pub span: Span,
    pub focus: Span,
}

/// What one file holds.
#[derive(Clone, Debug, Default)]
pub struct FileFacts {
    pub constructions: Vec<Construction>,
    pub getters: Vec<Getter>,
    /// Where the file uses a cluster client (first place), outside test code.
    pub cluster_evidence: Option<Span>,
    pub cluster_builds: Vec<ClusterBuild>,
    /// `get_connection_with_config` and friends: connection timeouts set at connect time.
    pub connects_with_config: bool,
    pub databases: Vec<DatabaseUse>,
    pub bodies: Vec<LuaBody>,
    pub pubsub: Vec<PubSubCall>,
    /// Byte ranges of test code (`#[cfg(test)]`, `#[test]`…); the whole file for `tests/`.
    pub test_ranges: Vec<std::ops::Range<usize>>,
}

impl FileFacts {
    pub fn in_test(&self, offset: usize) -> bool {
        self.test_ranges.iter().any(|r| r.contains(&offset))
    }
}

/// Attributes that make an item test code.
fn is_test_attr(attr: &syn::Attribute) -> bool {
    let path = attr.path();
    let last = path.segments.last().map(|s| s.ident.to_string());
    if matches!(last.as_deref(), Some("test" | "bench" | "rstest")) {
        return true;
    }
    if path.is_ident("cfg") {
        // `cfg(test)`, `cfg(all(test, …))`; not `cfg(not(test))`.
        let meta = &attr.meta;
        let text = quote::quote!(#meta).to_string();
        let words: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .filter(|w| !w.is_empty())
            .collect();
        return words.contains(&"test") && !words.contains(&"not");
    }
    false
}

/// Scan one file.
pub fn scan_file<'c: 's, 's>(
    cx: &'s UnitContext<'c>,
    file: usize,
    unit_root: &Path,
    arena: &'s ScanArena,
) -> FileFacts {
    let mut facts = FileFacts::default();
    let Some(ast) = cx.asts[file] else {
        return facts;
    };
    let source = &cx.sources[file];
    let rel = source.path.strip_prefix(unit_root).unwrap_or(&source.path);
    let test_file = rel
        .components()
        .next()
        .is_some_and(|c| c.as_os_str() == "tests" || c.as_os_str() == "benches");
    if test_file {
        facts.test_ranges.push(0..source.text.len() + 1);
        return facts;
    }
    if !cx.mentions_redis[file] {
        return facts;
    }
    let mut scan = Scan {
        cx,
        file,
        source,
        scope: &cx.scopes[file],
        imports: HashMap::new(),
        test_depth: 0,
        frames: Vec::new(),
        next_fn: 0,
        seen_chains: HashSet::new(),
        seen_builders: HashSet::new(),
        seen_bodies: HashSet::new(),
        self_ty: None,
        facts,
        arena,
    };
    collect_imports(&ast.items, &mut scan.imports);
    scan.frames.push(Frame::new(usize::MAX));
    scan.visit_file(ast);
    scan.facts
}

/// `use a::b::{c, d as e}`: local name → full path, for crates other than redis.
fn collect_imports(items: &[syn::Item], out: &mut HashMap<String, Vec<String>>) {
    fn walk(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut HashMap<String, Vec<String>>) {
        match tree {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                walk(&p.tree, prefix, out);
                prefix.pop();
            }
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                let mut full = prefix.clone();
                if name != "self" {
                    full.push(name.clone());
                }
                let local = if name == "self" {
                    prefix.last().cloned().unwrap_or_default()
                } else {
                    name
                };
                out.insert(local, full);
            }
            syn::UseTree::Rename(r) => {
                let mut full = prefix.clone();
                full.push(r.ident.to_string());
                out.insert(r.rename.to_string(), full);
            }
            syn::UseTree::Glob(_) => {}
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    walk(t, prefix, out);
                }
            }
        }
    }
    for item in items {
        match item {
            syn::Item::Use(u) => walk(&u.tree, &mut Vec::new(), out),
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_imports(items, out);
                }
            }
            _ => {}
        }
    }
}

struct Frame<'a> {
    id: usize,
    /// Locals and parameters holding a single-node `redis::Client`.
    clients: HashSet<String>,
    /// `let name = expr;` (the last one per name).
    lets: HashMap<String, &'a Expr>,
    /// Locals holding a cluster client builder → index in `cluster_builds`.
    builders: HashMap<String, usize>,
}

impl Frame<'_> {
    fn new(id: usize) -> Self {
        Frame {
            id,
            clients: HashSet::new(),
            lets: HashMap::new(),
            builders: HashMap::new(),
        }
    }
}

/// One element of a method chain, from its root outwards.
enum Link<'a> {
    Root(&'a Expr),
    Method(&'a syn::ExprMethodCall),
}

/// `a.b(..).c(..)` → [Root(a), b, c].
fn chain_of(mc: &syn::ExprMethodCall) -> Vec<Link<'_>> {
    let mut links = vec![Link::Method(mc)];
    let mut cur: &Expr = &mc.receiver;
    loop {
        match cur {
            Expr::MethodCall(inner) => {
                links.push(Link::Method(inner));
                cur = &inner.receiver;
            }
            Expr::Try(t) => cur = &t.expr,
            Expr::Await(a) => cur = &a.base,
            Expr::Paren(p) => cur = &p.expr,
            _ => break,
        }
    }
    links.push(Link::Root(cur));
    links.reverse();
    links
}

fn strip(expr: &Expr) -> &Expr {
    match expr {
        Expr::Reference(r) => strip(&r.expr),
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        _ => expr,
    }
}

/// Methods of a `redis::Client` that open a single-node connection.
const CLIENT_GETTERS: &[&str] = &[
    "get_connection",
    "get_connection_with_timeout",
    "get_multiplexed_async_connection",
    "get_multiplexed_async_connection_with_config",
    "get_multiplexed_async_connection_with_timeouts",
    "get_multiplexed_tokio_connection",
    "get_multiplexed_tokio_connection_with_response_timeouts",
    "get_multiplexed_async_std_connection",
    "get_async_connection",
    "get_tokio_connection",
    "get_async_std_connection",
    "get_connection_manager",
    "get_connection_manager_with_config",
    "get_connection_manager_with_backoff",
    "get_connection_manager_lazy",
    "get_tokio_connection_manager",
    "get_tokio_connection_manager_with_backoff",
    "create_multiplexed_tokio_connection",
];

/// Builder methods that set retries or timeouts (failover behaviour).
pub const FAILOVER_METHODS: &[&str] = &[
    "retries",
    "max_retry_wait",
    "min_retry_wait",
    "retry_wait_formula",
    "connection_timeout",
    "response_timeout",
    "overall_response_timeout",
];

struct Scan<'c, 'a> {
    cx: &'a UnitContext<'c>,
    file: usize,
    source: &'a SourceFile,
    scope: &'a Scope,
    imports: HashMap<String, Vec<String>>,
    test_depth: usize,
    frames: Vec<Frame<'a>>,
    next_fn: usize,
    /// Method chains already read (by the address of their outermost call).
    seen_chains: HashSet<usize>,
    /// Builder constructor calls already recorded.
    seen_builders: HashSet<usize>,
    seen_bodies: HashSet<BodyLocation>,
    self_ty: Option<String>,
    facts: FileFacts,
    arena: &'a ScanArena,
}

impl<'a> Scan<'_, 'a> {
    fn span(&self, s: PmSpan) -> Span {
        let r = s.byte_range();
        self.source.span(r.start, r.end)
    }

    fn text(&self, node: &dyn Spanned) -> String {
        let r = node.span().byte_range();
        self.source.text.get(r).unwrap_or_default().to_owned()
    }

    fn in_test(&self) -> bool {
        self.test_depth > 0
    }

    fn frame(&mut self) -> &mut Frame<'a> {
        self.frames.last_mut().expect("a frame")
    }

    fn fn_id(&self) -> usize {
        self.frames.last().map_or(usize::MAX, |f| f.id)
    }

    /// The path inside redis a Rust path names (`Client::open`), if any.
    fn redis_path(&self, path: &syn::Path) -> Option<String> {
        self.scope.resolve(path)
    }

    /// The path with its first segment expanded through `use` items.
    fn full_path(&self, path: &syn::Path) -> Vec<String> {
        let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        match segs.first().and_then(|f| self.imports.get(f)) {
            Some(full) => full
                .iter()
                .cloned()
                .chain(segs[1..].iter().cloned())
                .collect(),
            None => segs,
        }
    }

    fn macro_args(&self, mac: &'a syn::Macro) -> Option<&'a MacroArgs> {
        mac.parse_body_with(MacroArgs::parse_terminated)
            .ok()
            .map(|p| &*self.arena.0.alloc(p))
    }

    fn evidence(&mut self, span: PmSpan) {
        if !self.in_test() && self.facts.cluster_evidence.is_none() {
            self.facts.cluster_evidence = Some(self.span(span));
        }
    }

    /// Whether a path names a cluster client, connection or pipeline.
    fn is_cluster_path(&self, path: &syn::Path) -> bool {
        if let Some(r) = self.redis_path(path) {
            if r.starts_with("cluster::")
                || r.starts_with("cluster_async::")
                || r.contains("ClusterClient")
                || r.contains("ClusterConnection")
                || r.ends_with("cluster_pipe")
                || r.contains("ClusterPipeline")
            {
                return true;
            }
        }
        let full = self.full_path(path);
        matches!(
            full.first().map(String::as_str),
            Some("redis_cluster_async" | "bb8_redis_cluster" | "r2d2_redis_cluster")
        ) || (full.first().is_some_and(|f| f == "deadpool_redis")
            && full.get(1).is_some_and(|s| s == "cluster"))
    }

    fn int_value(&self, expr: &Expr, depth: usize) -> Option<i64> {
        match strip(expr) {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(i),
                ..
            }) => i.base10_parse().ok(),
            Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
                self.int_value(&u.expr, depth).map(|n| -n)
            }
            Expr::Cast(c) => self.int_value(&c.expr, depth),
            Expr::Path(p) if depth < 4 => {
                let name = p.path.segments.last()?.ident.to_string();
                if let Some(e) = self.frames.last().and_then(|f| f.lets.get(&name)) {
                    return self.int_value(e, depth + 1);
                }
                match self.cx.index.consts_named(&name) {
                    [one] => self.int_value(one.expr, depth + 1),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The key pattern of a string expression: literal text and holes.
    fn str_pattern(&self, expr: &'a Expr, depth: usize) -> KeyPattern {
        let hole = || {
            let text = self.text(expr);
            KeyPattern::hole(Hole::new(format!("{}:{text}", self.fn_id()), text))
        };
        if depth > 6 {
            return hole();
        }
        match strip(expr) {
            Expr::Lit(syn::ExprLit { lit, .. }) => match lit {
                syn::Lit::Str(s) => KeyPattern::literal(s.value()),
                syn::Lit::Int(i) => KeyPattern::literal(i.base10_digits()),
                _ => hole(),
            },
            Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "to_string" | "to_owned" | "clone" | "as_str" | "into" | "as_ref" | "borrow"
                ) && m.args.is_empty() =>
            {
                self.str_pattern(&m.receiver, depth + 1)
            }
            Expr::Call(c)
                if c.args.len() == 1
                    && matches!(&*c.func, Expr::Path(p)
                        if p.path.segments.last().is_some_and(|s| s.ident == "from")) =>
            {
                self.str_pattern(&c.args[0], depth + 1)
            }
            Expr::Macro(m) => {
                let name = m.mac.path.segments.last().map(|s| s.ident.to_string());
                if matches!(name.as_deref(), Some("format" | "format_args")) {
                    if let Some(p) = self.format_pattern(&m.mac, depth) {
                        return p;
                    }
                }
                hole()
            }
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                if let Some(e) = self.frames.last().and_then(|f| f.lets.get(&name)).copied() {
                    return self.str_pattern(e, depth + 1);
                }
                match self.cx.index.consts_named(&name) {
                    [one] if matches!(strip(one.expr), Expr::Lit(_)) => {
                        self.str_pattern(one.expr, depth + 1)
                    }
                    _ => hole(),
                }
            }
            _ => hole(),
        }
    }

    /// `format!("chan:{id}", ..)` as a pattern.
    fn format_pattern(&self, mac: &'a syn::Macro, depth: usize) -> Option<KeyPattern> {
        let args = self.macro_args(mac)?;
        let mut iter = args.iter();
        let Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(fmt),
            ..
        }) = iter.next()?
        else {
            return None;
        };
        let mut positional = Vec::new();
        let mut named = HashMap::new();
        for a in iter {
            match a {
                Expr::Assign(assign) => {
                    if let Expr::Path(p) = &*assign.left {
                        named.insert(p.path.segments.last()?.ident.to_string(), &*assign.right);
                    }
                }
                other => positional.push(other),
            }
        }
        let pieces = format_string::parse(&fmt.value()).ok()?;
        let mut out = KeyPattern::new();
        let mut next = 0;
        for piece in pieces {
            match piece {
                Piece::Text(t) => out.push_text(&t),
                Piece::Placeholder { arg, .. } => {
                    let expr = match &arg {
                        ArgRef::Next => {
                            next += 1;
                            positional.get(next - 1).copied()
                        }
                        ArgRef::Index(i) => positional.get(*i).copied(),
                        ArgRef::Name(n) => named.get(n).copied(),
                    };
                    match (expr, &arg) {
                        (Some(e), _) => out.push_pattern(&self.str_pattern(e, depth + 1)),
                        (None, ArgRef::Name(n)) => {
                            let local = self.frames.last().and_then(|f| f.lets.get(n)).copied();
                            match local {
                                Some(e) => out.push_pattern(&self.str_pattern(e, depth + 1)),
                                None => match self.cx.index.consts_named(n) {
                                    [one] if matches!(strip(one.expr), Expr::Lit(_)) => {
                                        out.push_pattern(&self.str_pattern(one.expr, depth + 1))
                                    }
                                    _ => out.push_hole(Hole::new(
                                        format!("{}:{n}", self.fn_id()),
                                        n.clone(),
                                    )),
                                },
                            }
                        }
                        (None, _) => return None,
                    }
                }
            }
        }
        Some(out)
    }

    /// A channel's pattern; `None` for the result of a call slotlint does not follow (a helper
    /// of the crate), which would otherwise pass for an arbitrary run-time value.
    fn channel_pattern(&self, expr: &'a Expr) -> Option<KeyPattern> {
        let p = self.str_pattern(expr, 0);
        let opaque = matches!(p.segments(), [slotlint_keys::Segment::Hole(_)])
            && matches!(
                strip(expr),
                Expr::Call(_) | Expr::MethodCall(_) | Expr::Macro(_)
            );
        (!opaque).then_some(p)
    }

    /// The channels an argument names: one per element of an array, `vec!` or tuple.
    fn channel_args(&self, expr: &'a Expr, out: &mut Vec<KeyArg>) {
        let inner = strip(expr);
        let elements: Option<Vec<&'a Expr>> = match inner {
            Expr::Array(a) => Some(a.elems.iter().collect()),
            Expr::Tuple(t) => Some(t.elems.iter().collect()),
            Expr::Macro(m) if m.mac.path.is_ident("vec") => {
                self.macro_args(&m.mac).map(|p| p.iter().collect())
            }
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                match self.frames.last().and_then(|f| f.lets.get(&name)).copied() {
                    Some(e)
                        if matches!(strip(e), Expr::Array(_) | Expr::Tuple(_))
                            || matches!(strip(e), Expr::Macro(m) if m.mac.path.is_ident("vec")) =>
                    {
                        return self.channel_args(e, out);
                    }
                    _ => None,
                }
            }
            Expr::MethodCall(m) if m.method == "collect" => {
                out.push(KeyArg {
                    pattern: None,
                    many: true,
                    span: self.span(expr.span()),
                    text: self.text(expr),
                    hole: None,
                });
                return;
            }
            _ => None,
        };
        match elements {
            Some(elems) => {
                for e in elems {
                    self.channel_args(e, out);
                }
            }
            None => out.push(KeyArg {
                pattern: self.channel_pattern(expr),
                many: false,
                span: self.span(expr.span()),
                text: self.text(expr),
                hole: None,
            }),
        }
    }

    // ----- Lua bodies -----

    /// The Lua body an expression holds: a literal, a `const`/`static`, `include_str!`.
    fn lua_body(
        &self,
        expr: &'a Expr,
        file: usize,
        depth: usize,
    ) -> Option<(BodyLocation, String, Vec<usize>)> {
        if depth > 4 {
            return None;
        }
        match strip(expr) {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => {
                let start = s.span().byte_range().start;
                let token = s.token().to_string();
                let (text, offsets) = decode_str_literal(&token)?;
                if text != s.value() {
                    return None;
                }
                let offsets = offsets.into_iter().map(|o| start + o).collect();
                Some((BodyLocation::Literal { file, start }, text, offsets))
            }
            Expr::Macro(m) if m.mac.path.is_ident("include_str") => {
                let lit: syn::LitStr = m.mac.parse_body().ok()?;
                let here = self.cx.sources[file].path.parent()?;
                // Shown as written (relative to where the run started); read only inside the package.
                let path = here.join(lit.value());
                let canonical = path.canonicalize().ok()?;
                let root = self.cx.root.canonicalize().ok()?;
                if !canonical.starts_with(&root) {
                    return None;
                }
                let text = std::fs::read_to_string(&canonical).ok()?;
                Some((BodyLocation::File(path), text, Vec::new()))
            }
            Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "to_string" | "to_owned" | "as_str" | "into" | "as_ref"
                ) =>
            {
                self.lua_body(&m.receiver, file, depth + 1)
            }
            Expr::Call(c) if c.args.len() == 1 => {
                // `String::from(SRC)`, `Script::new(SRC)` inside a `LazyLock`.
                self.lua_body(&c.args[0], file, depth + 1)
            }
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                if file == self.file {
                    if let Some(e) = self.frames.last().and_then(|f| f.lets.get(&name)).copied() {
                        return self.lua_body(e, file, depth + 1);
                    }
                }
                match self.cx.index.consts_named(&name) {
                    [one] => self.lua_body(one.expr, one.file, depth + 1),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn add_body(&mut self, expr: &'a Expr, library: bool, used_at: PmSpan) {
        if self.in_test() {
            return;
        }
        let Some((location, text, offsets)) = self.lua_body(expr, self.file, 0) else {
            return;
        };
        if !self.seen_bodies.insert(location.clone()) {
            return;
        }
        let used_at = self.span(used_at);
        self.facts.bodies.push(LuaBody {
            location,
            text,
            offsets,
            library,
            used_at,
        });
    }

    // ----- chains -----

    /// Raw commands in a chain (`cmd("EVAL").arg(SRC)`, `pipe.cmd("SSUBSCRIBE").arg(..)`).
    fn raw_commands(&mut self, links: &[Link<'a>]) {
        let mut current: Option<(String, PmSpan, Vec<&'a Expr>)> = None;
        let mut done: Vec<(String, PmSpan, Vec<&'a Expr>)> = Vec::new();
        for link in links {
            let start = match link {
                Link::Root(e) => match strip(e) {
                    Expr::Call(c) => match &*c.func {
                        Expr::Path(p)
                            if self
                                .redis_path(&p.path)
                                .is_some_and(|r| r == "cmd" || r.ends_with("::cmd"))
                                && c.args.len() == 1 =>
                        {
                            Some((&c.args[0], c.func.span()))
                        }
                        _ => None,
                    },
                    _ => None,
                },
                Link::Method(m) if m.method == "cmd" && m.args.len() == 1 => {
                    Some((&m.args[0], m.method.span()))
                }
                Link::Method(m) if m.method == "arg" && m.args.len() == 1 => {
                    if let Some((_, _, args)) = current.as_mut() {
                        args.push(&m.args[0]);
                    }
                    None
                }
                _ => None,
            };
            if let Some((name, span)) = start {
                if let Some(c) = current.take() {
                    done.push(c);
                }
                if let Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = strip(name)
                {
                    current = Some((s.value().to_ascii_uppercase(), span, Vec::new()));
                }
            }
        }
        done.extend(current);
        for (name, span, args) in done {
            let lit = |e: &Expr| match strip(e) {
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value().to_ascii_uppercase()),
                _ => None,
            };
            match name.as_str() {
                "EVAL" | "EVAL_RO" => {
                    if let Some(src) = args.first() {
                        self.add_body(src, false, span);
                    }
                }
                "SCRIPT" if args.first().and_then(|a| lit(a)).as_deref() == Some("LOAD") => {
                    if let Some(src) = args.get(1) {
                        self.add_body(src, false, span);
                    }
                }
                "FUNCTION" if args.first().and_then(|a| lit(a)).as_deref() == Some("LOAD") => {
                    let src = args[1..]
                        .iter()
                        .find(|a| lit(a).as_deref() != Some("REPLACE"));
                    if let Some(src) = src {
                        self.add_body(src, true, span);
                    }
                }
                "SSUBSCRIBE" | "SUNSUBSCRIBE" | "SUBSCRIBE" | "PSUBSCRIBE" | "PUBLISH"
                | "SPUBLISH" => {
                    let kind = match name.as_str() {
                        "SSUBSCRIBE" => PubSubKind::SSubscribe,
                        "SUNSUBSCRIBE" => PubSubKind::SUnsubscribe,
                        "SUBSCRIBE" => PubSubKind::Subscribe,
                        "PSUBSCRIBE" => PubSubKind::PSubscribe,
                        "PUBLISH" => PubSubKind::Publish,
                        _ => PubSubKind::SPublish,
                    };
                    let publish = matches!(kind, PubSubKind::Publish | PubSubKind::SPublish);
                    let take = if publish { 1 } else { args.len() };
                    let mut channels = Vec::new();
                    for a in args.iter().take(take) {
                        self.channel_args(a, &mut channels);
                    }
                    self.add_pubsub(kind, channels, span, span);
                }
                _ => {}
            }
        }
    }

    fn add_pubsub(&mut self, kind: PubSubKind, channels: Vec<KeyArg>, span: PmSpan, focus: PmSpan) {
        if self.in_test() || channels.is_empty() {
            return;
        }
        let (span, focus) = (self.span(span), self.span(focus));
        self.facts.pubsub.push(PubSubCall {
            kind,
            channels,
            span,
            focus,
        });
    }

    /// A call that builds a cluster client builder: `ClusterClient::builder(..)`…
    fn cluster_builder_call(&self, expr: &Expr) -> Option<String> {
        let Expr::Call(c) = strip(expr) else {
            return None;
        };
        let Expr::Path(p) = &*c.func else {
            return None;
        };
        let r = self.redis_path(&p.path)?;
        let parts: Vec<&str> = r.split("::").collect();
        let n = parts.len();
        if n < 2 {
            return None;
        }
        match (parts[n - 2], parts[n - 1]) {
            ("ClusterClient", "new" | "builder" | "open") | ("ClusterClientBuilder", "new") => {
                Some(format!("{}::{}", parts[n - 2], parts[n - 1]))
            }
            _ => None,
        }
    }

    fn record_builder(&mut self, call: &Expr, what: String, methods: Vec<String>) -> Option<usize> {
        if self.in_test() {
            return None;
        }
        let key = call as *const Expr as usize;
        if !self.seen_builders.insert(key) {
            return None;
        }
        let focus = match strip(call) {
            Expr::Call(c) => c.func.span(),
            e => e.span(),
        };
        let (span, focus) = (self.span(call.span()), self.span(focus));
        self.facts.cluster_builds.push(ClusterBuild {
            span,
            focus,
            what,
            methods,
            escapes: false,
        });
        Some(self.facts.cluster_builds.len() - 1)
    }

    /// Whether an expression is a single-node `redis::Client` (a local, parameter, field, or a
    /// `Client::open(..)` call).
    fn is_client_expr(&self, expr: &Expr) -> bool {
        match strip(expr) {
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let name = p.path.segments[0].ident.to_string();
                self.frames
                    .last()
                    .is_some_and(|f| f.clients.contains(&name))
            }
            Expr::Field(f) => {
                let syn::Member::Named(field) = &f.member else {
                    return false;
                };
                let owner = match strip(&f.base) {
                    Expr::Path(p) if p.path.is_ident("self") => self.self_ty.as_deref(),
                    _ => None,
                };
                self.cx
                    .index
                    .field_type(owner, &field.to_string())
                    .is_some_and(|t| self.is_client_type(t))
            }
            Expr::Try(t) => self.is_client_expr(&t.expr),
            Expr::MethodCall(m)
                if matches!(
                    m.method.to_string().as_str(),
                    "unwrap" | "expect" | "clone" | "as_ref"
                ) =>
            {
                self.is_client_expr(&m.receiver)
            }
            Expr::Call(c) => self.client_constructor(c).is_some(),
            _ => false,
        }
    }

    fn is_client_type(&self, ty: &syn::Type) -> bool {
        match ty {
            syn::Type::Reference(r) => self.is_client_type(&r.elem),
            syn::Type::Paren(p) => self.is_client_type(&p.elem),
            syn::Type::Path(p) => {
                let last = p.path.segments.last();
                if let Some(seg) = last {
                    if matches!(
                        seg.ident.to_string().as_str(),
                        "Arc" | "Rc" | "Box" | "Option"
                    ) {
                        if let syn::PathArguments::AngleBracketed(a) = &seg.arguments {
                            return a.args.iter().any(|g| {
                                matches!(g, syn::GenericArgument::Type(t) if self.is_client_type(t))
                            });
                        }
                    }
                }
                self.redis_path(&p.path).is_some_and(|r| r == "Client")
            }
            _ => false,
        }
    }

    /// `redis::Client::open(..)` and the other single-node constructors: its kind and name.
    fn client_constructor(&self, c: &syn::ExprCall) -> Option<(ClientKind, String)> {
        let Expr::Path(p) = &*c.func else {
            return None;
        };
        if let Some(r) = self.redis_path(&p.path) {
            let parts: Vec<&str> = r.split("::").collect();
            let n = parts.len();
            if n >= 2 {
                match (parts[n - 2], parts[n - 1]) {
                    ("Client", "open" | "build_with_tls") => {
                        return Some((
                            ClientKind::Client,
                            format!("redis::Client::{}", parts[n - 1]),
                        ))
                    }
                    ("Sentinel" | "SentinelClient", "build")
                    | ("SentinelClientBuilder", "new")
                    | ("LockedSentinelClient" | "AsyncLockedSentinelClient", "new") => {
                        return Some((
                            ClientKind::Sentinel,
                            format!("redis::sentinel::{}::{}", parts[n - 2], parts[n - 1]),
                        ))
                    }
                    _ => {}
                }
            }
        }
        let full = self.full_path(&p.path);
        let s: Vec<&str> = full.iter().map(String::as_str).collect();
        match s.as_slice() {
            ["deadpool_redis", "Config" | "Manager", f @ ("from_url" | "from_connection_info" | "new")] => {
                Some((
                    ClientKind::Deadpool,
                    format!("deadpool_redis::{}::{f}", s[1]),
                ))
            }
            ["deadpool_redis", "sentinel", t, f] => Some((
                ClientKind::Sentinel,
                format!("deadpool_redis::sentinel::{t}::{f}"),
            )),
            ["bb8_redis", "RedisConnectionManager", "new"] => Some((
                ClientKind::Bb8,
                "bb8_redis::RedisConnectionManager::new".into(),
            )),
            ["r2d2_redis", "RedisConnectionManager", "new"] => Some((
                ClientKind::R2d2Redis,
                "r2d2_redis::RedisConnectionManager::new".into(),
            )),
            _ => None,
        }
    }

    /// `.name(args)` of a method call: from the method name to the end of the call.
    fn method_span(&self, mc: &syn::ExprMethodCall) -> Span {
        let start = mc.method.span().byte_range().start;
        let end = mc.span().byte_range().end;
        self.source.span(start, end.max(start))
    }

    fn database(&mut self, span: Span, db: Option<i64>, what: String, kind: DatabaseKind) {
        if self.in_test() || db == Some(0) {
            return;
        }
        self.facts.databases.push(DatabaseUse {
            span,
            db,
            what,
            kind,
        });
    }

    /// A string (or format string, as a pattern) that may be a redis URL with a database.
    fn url(&mut self, pattern: &KeyPattern, span: PmSpan) {
        if self.in_test() {
            return;
        }
        if let Some(db) = url_database(pattern) {
            let what = pattern.to_string();
            let span = self.span(span);
            self.database(span, Some(db), what, DatabaseKind::Url);
        }
    }

    fn with_frame(
        &mut self,
        sig: &'a syn::Signature,
        block: &'a syn::Block,
        attrs: &[syn::Attribute],
    ) {
        let test = attrs.iter().any(is_test_attr);
        if test {
            self.test_depth += 1;
            let r = block.span().byte_range();
            let start = sig.span().byte_range().start;
            self.facts.test_ranges.push(start..r.end);
        }
        let mut frame = Frame::new(self.next_fn);
        self.next_fn += 1;
        for input in &sig.inputs {
            if let syn::FnArg::Typed(t) = input {
                if let syn::Pat::Ident(id) = &*t.pat {
                    if self.is_client_type(&t.ty) {
                        frame.clients.insert(id.ident.to_string());
                    }
                }
            }
        }
        self.frames.push(frame);
        visit::visit_block(self, block);
        // A builder returned from the function is configured by its caller.
        if let Some(syn::Stmt::Expr(e, None)) = block.stmts.last() {
            self.escape_expr(e);
        }
        self.frames.pop();
        if test {
            self.test_depth -= 1;
        }
    }

    fn escape_expr(&mut self, e: &Expr) {
        if let Expr::Path(p) = strip(e) {
            if let Some(id) = p.path.get_ident() {
                let name = id.to_string();
                if let Some(&b) = self.frames.last().and_then(|f| f.builders.get(&name)) {
                    self.facts.cluster_builds[b].escapes = true;
                }
            }
        }
    }

    fn chain(&mut self, mc: &'a syn::ExprMethodCall) {
        let key = mc as *const syn::ExprMethodCall as usize;
        if !self.seen_chains.insert(key) {
            return;
        }
        let links = chain_of(mc);
        // Mark inner calls as seen: only the outermost call reads the chain.
        for l in &links {
            if let Link::Method(m) = l {
                self.seen_chains
                    .insert(*m as *const syn::ExprMethodCall as usize);
            }
        }
        self.raw_commands(&links);
        let methods: Vec<String> = links
            .iter()
            .filter_map(|l| match l {
                Link::Method(m) => Some(m.method.to_string()),
                Link::Root(_) => None,
            })
            .collect();
        let Link::Root(root) = links[0] else {
            return;
        };
        // Cluster builders: `ClusterClient::builder(nodes).retries(3).build()`.
        if let Some(what) = self.cluster_builder_call(root) {
            let builder_kind =
                what == "ClusterClient::builder" || what == "ClusterClientBuilder::new";
            let built = methods.last().is_some_and(|m| m == "build" || m == "open");
            if let Some(b) = self.record_builder(root, what, methods.clone()) {
                // A builder that is not built here is configured by whoever receives it.
                if builder_kind && !built {
                    self.facts.cluster_builds[b].escapes = true;
                }
            }
        } else if let Expr::Path(p) = strip(root) {
            if let Some(id) = p.path.get_ident() {
                let name = id.to_string();
                if let Some(&b) = self.frames.last().and_then(|f| f.builders.get(&name)) {
                    self.facts.cluster_builds[b]
                        .methods
                        .extend(methods.iter().cloned());
                }
            }
        }
        // `CopyOptions::default().db(2)`.
        if let Expr::Call(c) = strip(root) {
            if let Expr::Path(p) = &*c.func {
                if self
                    .redis_path(&p.path)
                    .is_some_and(|r| r.contains("CopyOptions"))
                {
                    for l in &links {
                        if let Link::Method(m) = l {
                            if m.method == "db" && m.args.len() == 1 {
                                let db = self.int_value(&m.args[0], 0);
                                let what = format!("CopyOptions::db({})", self.text(&m.args[0]));
                                let span = self.method_span(m);
                                self.database(span, db, what, DatabaseKind::CopyOptions);
                            }
                        }
                    }
                }
            }
        }
    }
}

impl<'a> Visit<'a> for Scan<'_, 'a> {
    fn visit_attribute(&mut self, _: &'a syn::Attribute) {
        // Doc comments and attribute arguments are not code.
    }

    fn visit_item_mod(&mut self, m: &'a syn::ItemMod) {
        let test = m.attrs.iter().any(is_test_attr);
        if test {
            self.test_depth += 1;
            let r = m.span().byte_range();
            self.facts.test_ranges.push(r);
        }
        visit::visit_item_mod(self, m);
        if test {
            self.test_depth -= 1;
        }
    }

    fn visit_item_use(&mut self, u: &'a syn::ItemUse) {
        // `use redis::cluster::ClusterClient;` shows intent even before the first call.
        fn paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
            match tree {
                syn::UseTree::Path(p) => {
                    prefix.push(p.ident.to_string());
                    paths(&p.tree, prefix, out);
                    prefix.pop();
                }
                syn::UseTree::Name(n) => {
                    let mut v = prefix.clone();
                    v.push(n.ident.to_string());
                    out.push(v);
                }
                syn::UseTree::Rename(r) => {
                    let mut v = prefix.clone();
                    v.push(r.ident.to_string());
                    out.push(v);
                }
                syn::UseTree::Glob(_) => out.push(prefix.clone()),
                syn::UseTree::Group(g) => {
                    for t in &g.items {
                        paths(t, prefix, out);
                    }
                }
            }
        }
        let mut all = Vec::new();
        paths(&u.tree, &mut Vec::new(), &mut all);
        for p in all {
            let cluster = p.iter().any(|s| {
                matches!(
                    s.as_str(),
                    "cluster"
                        | "cluster_async"
                        | "ClusterClient"
                        | "ClusterClientBuilder"
                        | "ClusterConnection"
                        | "redis_cluster_async"
                )
            }) && p.first().is_some_and(|f| f.contains("redis"));
            if cluster {
                self.evidence(u.span());
            }
        }
    }

    fn visit_item_impl(&mut self, i: &'a syn::ItemImpl) {
        let test = i.attrs.iter().any(is_test_attr);
        if test {
            self.test_depth += 1;
        }
        let saved = std::mem::replace(&mut self.self_ty, crate::index::type_name(&i.self_ty));
        visit::visit_item_impl(self, i);
        self.self_ty = saved;
        if test {
            self.test_depth -= 1;
        }
    }

    fn visit_item_fn(&mut self, f: &'a syn::ItemFn) {
        self.with_frame(&f.sig, &f.block, &f.attrs);
    }

    fn visit_impl_item_fn(&mut self, f: &'a syn::ImplItemFn) {
        self.with_frame(&f.sig, &f.block, &f.attrs);
    }

    fn visit_path(&mut self, p: &'a syn::Path) {
        if self.is_cluster_path(p) {
            self.evidence(p.span());
        }
        visit::visit_path(self, p);
    }

    fn visit_local(&mut self, l: &'a syn::Local) {
        let name = match &l.pat {
            syn::Pat::Ident(id) => Some((id.ident.to_string(), None)),
            syn::Pat::Type(t) => match &*t.pat {
                syn::Pat::Ident(id) => Some((id.ident.to_string(), Some(&*t.ty))),
                _ => None,
            },
            _ => None,
        };
        if let (Some((name, ty)), Some(init)) = (name, &l.init) {
            let expr: &'a Expr = &init.expr;
            let client = ty.is_some_and(|t| self.is_client_type(t)) || self.is_client_expr(expr);
            // `let b = ClusterClient::builder(nodes);` (maybe with some methods already).
            // Only the builder forms return a builder; `ClusterClient::new` returns a client.
            let is_builder =
                |w: &String| w == "ClusterClient::builder" || w == "ClusterClientBuilder::new";
            let builder = match strip(expr) {
                Expr::MethodCall(mc) => {
                    let links = chain_of(mc);
                    let ends_in_build = matches!(links.last(), Some(Link::Method(m))
                        if matches!(m.method.to_string().as_str(), "build" | "open"));
                    let methods: Vec<String> = links
                        .iter()
                        .filter_map(|l| match l {
                            Link::Method(m) => Some(m.method.to_string()),
                            Link::Root(_) => None,
                        })
                        .collect();
                    match links[0] {
                        Link::Root(root) if !ends_in_build => self
                            .cluster_builder_call(root)
                            .filter(is_builder)
                            .map(|w| (root, w, methods)),
                        _ => None,
                    }
                }
                e @ Expr::Call(_) => self
                    .cluster_builder_call(e)
                    .filter(is_builder)
                    .map(|w| (e, w, Vec::new())),
                _ => None,
            };
            let builder =
                builder.and_then(|(root, w, methods)| self.record_builder(root, w, methods));
            let frame = self.frame();
            frame.lets.insert(name.clone(), expr);
            if client {
                frame.clients.insert(name.clone());
            } else {
                frame.clients.remove(&name);
            }
            if let Some(b) = builder {
                frame.builders.insert(name, b);
            }
        }
        visit::visit_local(self, l);
    }

    fn visit_expr_call(&mut self, c: &'a syn::ExprCall) {
        if let Expr::Path(p) = &*c.func {
            if let Some((kind, what)) = self.client_constructor(c) {
                if !self.in_test() {
                    let (span, focus) = (self.span(c.span()), self.span(c.func.span()));
                    let fn_id = self.fn_id();
                    self.facts.constructions.push(Construction {
                        kind,
                        span,
                        focus,
                        what,
                        fn_id,
                    });
                }
            }
            if let Some(r) = self.redis_path(&p.path) {
                let parts: Vec<&str> = r.split("::").collect();
                let n = parts.len();
                if n >= 2 {
                    match (parts[n - 2], parts[n - 1]) {
                        ("Script", "new") if c.args.len() == 1 => {
                            self.add_body(&c.args[0], false, c.func.span());
                        }
                        ("ConnectionManager", f) if f.starts_with("new") && !self.in_test() => {
                            let (span, focus) = (self.span(c.span()), self.span(c.func.span()));
                            let fn_id = self.fn_id();
                            self.facts.getters.push(Getter {
                                span,
                                focus,
                                what: format!("redis::aio::ConnectionManager::{f}"),
                                fn_id,
                            });
                        }
                        _ => {}
                    }
                }
            }
            let full = self.full_path(&p.path);
            if full.first().is_some_and(|f| f == "mobc_redis")
                && full.last().is_some_and(|l| l == "new")
                && !self.in_test()
            {
                let (span, focus) = (self.span(c.span()), self.span(c.func.span()));
                let fn_id = self.fn_id();
                self.facts.getters.push(Getter {
                    span,
                    focus,
                    what: "mobc_redis::RedisConnectionManager::new".into(),
                    fn_id,
                });
            }
        }
        for a in &c.args {
            self.escape_expr(a);
        }
        visit::visit_expr_call(self, c);
    }

    fn visit_expr(&mut self, e: &'a Expr) {
        if let Expr::Call(_) = e {
            if let Some(what) = self.cluster_builder_call(e) {
                self.record_builder(e, what, Vec::new());
            }
        }
        visit::visit_expr(self, e);
    }

    fn visit_expr_method_call(&mut self, mc: &'a syn::ExprMethodCall) {
        self.chain(mc);
        let method = mc.method.to_string();
        let in_test = self.in_test();
        if CLIENT_GETTERS.contains(&method.as_str())
            && !in_test
            && self.is_client_expr(&mc.receiver)
        {
            let (span, focus) = (self.span(mc.span()), self.span(mc.method.span()));
            let fn_id = self.fn_id();
            self.facts.getters.push(Getter {
                span,
                focus,
                what: format!("redis::Client::{method}"),
                fn_id,
            });
        }
        if method.ends_with("_with_config") && method.starts_with("get_") {
            self.facts.connects_with_config = true;
        }
        let own = self.cx.index.method_names.contains(&method);
        match method.as_str() {
            "set_db" | "database_id" if mc.args.len() == 1 && !own => {
                let db = self.int_value(&mc.args[0], 0);
                let what = format!(".{method}({})", self.text(&mc.args[0]));
                let kind = if method == "database_id" {
                    DatabaseKind::ClusterDatabaseId
                } else {
                    DatabaseKind::ConnectionInfo
                };
                if db.is_some() {
                    let span = self.method_span(mc);
                    self.database(span, db, what, kind);
                }
            }
            "ssubscribe" | "sunsubscribe" | "subscribe" | "psubscribe"
                if !own && !mc.args.is_empty() =>
            {
                let kind = match method.as_str() {
                    "ssubscribe" => PubSubKind::SSubscribe,
                    "sunsubscribe" => PubSubKind::SUnsubscribe,
                    "subscribe" => PubSubKind::Subscribe,
                    _ => PubSubKind::PSubscribe,
                };
                let mut channels = Vec::new();
                self.channel_args(&mc.args[0], &mut channels);
                self.add_pubsub(kind, channels, mc.span(), mc.method.span());
            }
            "publish" | "spublish" if !own && mc.args.len() == 2 && self.scope.traits_in_scope => {
                let kind = if method == "spublish" {
                    PubSubKind::SPublish
                } else {
                    PubSubKind::Publish
                };
                let mut channels = Vec::new();
                self.channel_args(&mc.args[0], &mut channels);
                channels.truncate(1);
                self.add_pubsub(kind, channels, mc.span(), mc.method.span());
            }
            _ => {}
        }
        for a in &mc.args {
            self.escape_expr(a);
        }
        visit::visit_expr_method_call(self, mc);
    }

    fn visit_expr_return(&mut self, r: &'a syn::ExprReturn) {
        if let Some(e) = &r.expr {
            self.escape_expr(e);
        }
        visit::visit_expr_return(self, r);
    }

    fn visit_expr_struct(&mut self, s: &'a syn::ExprStruct) {
        let last = s.path.segments.last().map(|x| x.ident.to_string());
        let full = self.full_path(&s.path);
        let redis_like =
            self.redis_path(&s.path).is_some() || full.first().is_some_and(|f| f.contains("redis"));
        if last.as_deref() == Some("RedisConnectionInfo") && redis_like {
            for field in &s.fields {
                if matches!(&field.member, syn::Member::Named(n) if n == "db") {
                    let db = self.int_value(&field.expr, 0);
                    if db.is_some() {
                        let what =
                            format!("RedisConnectionInfo {{ db: {} }}", self.text(&field.expr));
                        let span = self.span(field.span());
                        self.database(span, db, what, DatabaseKind::ConnectionInfo);
                    }
                }
            }
        }
        if full.len() == 2 && full[0] == "deadpool_redis" && full[1] == "Config" && !self.in_test()
        {
            let (span, focus) = (self.span(s.span()), self.span(s.path.span()));
            let fn_id = self.fn_id();
            self.facts.constructions.push(Construction {
                kind: ClientKind::Deadpool,
                span,
                focus,
                what: "deadpool_redis::Config".into(),
                fn_id,
            });
        }
        visit::visit_expr_struct(self, s);
    }

    fn visit_lit_str(&mut self, s: &'a syn::LitStr) {
        let value = s.value();
        if value.contains("://") {
            self.url(&KeyPattern::literal(value), s.span());
        }
    }

    fn visit_macro(&mut self, m: &'a syn::Macro) {
        let name = m
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let Some(args) = self.macro_args(m) else {
            return;
        };
        let formats = matches!(
            name.as_str(),
            "format"
                | "format_args"
                | "write"
                | "writeln"
                | "print"
                | "println"
                | "eprint"
                | "eprintln"
                | "panic"
        );
        let at = usize::from(matches!(name.as_str(), "write" | "writeln"));
        for (i, a) in args.iter().enumerate() {
            if formats && i == at {
                if let Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) = a
                {
                    if s.value().contains("://") {
                        if let Some(p) = self.format_pattern(m, 0) {
                            self.url(&p, s.span());
                        }
                    }
                    continue;
                }
            }
            self.visit_expr(a);
        }
    }
}

/// The database number a redis URL selects, when it is a literal other than 0.
/// `redis://host:6379/2` → 2, `redis+unix:///run/redis.sock?db=3` → 3.
pub fn url_database(pattern: &KeyPattern) -> Option<i64> {
    let first = match pattern.segments().first()? {
        slotlint_keys::Segment::Text(t) => t.as_str(),
        _ => return None,
    };
    let scheme_end = first.find("://")?;
    let scheme = first[..scheme_end].to_ascii_lowercase();
    let tcp = matches!(scheme.as_str(), "redis" | "rediss" | "valkey" | "valkeys");
    let unix = matches!(scheme.as_str(), "redis+unix" | "unix" | "valkey+unix");
    if !tcp && !unix {
        return None;
    }
    // The text after the scheme, holes as a marker that cannot be part of a number.
    let mut rest = String::new();
    for (i, seg) in pattern.segments().iter().enumerate() {
        match seg {
            slotlint_keys::Segment::Text(t) if i == 0 => rest.push_str(&t[scheme_end + 3..]),
            slotlint_keys::Segment::Text(t) => rest.push_str(t),
            slotlint_keys::Segment::Hole(_) => rest.push('\u{0}'),
        }
    }
    let digits = |s: &str| -> Option<i64> {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
    };
    if tcp {
        let path_start = rest.find('/')?;
        let path = &rest[path_start + 1..];
        let end = path.find(['?', '#']).unwrap_or(path.len());
        let db = &path[..end];
        if db.is_empty() {
            return None;
        }
        digits(db).filter(|&n| n != 0)
    } else {
        let query = &rest[rest.find('?')? + 1..];
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix("db="))
            .map(|v| v.split('#').next().unwrap_or(v))
            .and_then(digits)
            .filter(|&n| n != 0)
    }
}

/// Decode a Rust string literal token (`"…"`, `r#"…"#`), keeping for each byte of the value the
/// byte offset in the token where it comes from (plus one entry for the end).
pub fn decode_str_literal(token: &str) -> Option<(String, Vec<usize>)> {
    let bytes = token.as_bytes();
    if let Some(rest) = token.strip_prefix('r') {
        let hashes = rest.bytes().take_while(|&b| b == b'#').count();
        let open = 1 + hashes + 1;
        let close = token.len().checked_sub(1 + hashes)?;
        if close < open {
            return None;
        }
        let text = token.get(open..close)?.to_owned();
        let offsets = (open..=close).collect();
        return Some((text, offsets));
    }
    if bytes.first() != Some(&b'"') || bytes.last() != Some(&b'"') || token.len() < 2 {
        return None;
    }
    let end = token.len() - 1;
    let mut text = String::new();
    let mut offsets = Vec::new();
    let mut i = 1;
    let push = |text: &mut String, offsets: &mut Vec<usize>, c: char, at: usize| {
        let mut buf = [0u8; 4];
        for _ in 0..c.encode_utf8(&mut buf).len() {
            offsets.push(at);
        }
        text.push(c);
    };
    while i < end {
        let c = token[i..].chars().next()?;
        if c != '\\' {
            push(&mut text, &mut offsets, c, i);
            // Keep the offsets of multi-byte characters exact, byte by byte.
            let n = c.len_utf8();
            let len = offsets.len();
            for (k, o) in offsets[len - n..].iter_mut().enumerate() {
                *o = i + k;
            }
            i += n;
            continue;
        }
        let esc = token[i + 1..].chars().next()?;
        match esc {
            'n' => push(&mut text, &mut offsets, '\n', i),
            't' => push(&mut text, &mut offsets, '\t', i),
            'r' => push(&mut text, &mut offsets, '\r', i),
            '0' => push(&mut text, &mut offsets, '\0', i),
            '\\' | '"' | '\'' => push(&mut text, &mut offsets, esc, i),
            'x' => {
                let v = u8::from_str_radix(token.get(i + 2..i + 4)?, 16).ok()?;
                push(&mut text, &mut offsets, v as char, i);
                i += 4;
                continue;
            }
            'u' => {
                let close = token[i..].find('}')? + i;
                let v = u32::from_str_radix(token.get(i + 3..close)?, 16).ok()?;
                push(&mut text, &mut offsets, char::from_u32(v)?, i);
                i = close + 1;
                continue;
            }
            '\n' | '\r' => {
                // Line continuation: skip the newline and the next line's leading whitespace.
                i += 1;
                while i < end && token.as_bytes()[i].is_ascii_whitespace() {
                    i += 1;
                }
                continue;
            }
            _ => return None,
        }
        i += 2;
    }
    offsets.push(end);
    Some((text, offsets))
}

// ----- the unit pass -----

/// Everything the rules of this pass see for one crate.
pub struct UnitView<'v, 'a> {
    pub cx: &'v UnitContext<'a>,
    pub unit: &'v Unit,
    pub display_root: &'v Path,
    /// Call sites per file (empty for files not reported).
    pub sites: &'v [Vec<CallSite>],
    pub facts: Vec<FileFacts>,
    /// Files whose findings are reported.
    pub reported: Vec<bool>,
    pub version: Version,
    pub version_known: bool,
}

impl UnitView<'_, '_> {
    pub fn display(&self, file: usize) -> &str {
        &self.cx.sources[file].display
    }

    /// Call sites of reported files outside test code, with their file index.
    pub fn live_sites(&self) -> Vec<(usize, &CallSite)> {
        let mut out = Vec::new();
        for (i, sites) in self.sites.iter().enumerate() {
            if !self.reported[i] {
                continue;
            }
            out.extend(
                sites
                    .iter()
                    .filter(|s| !self.facts[i].in_test(s.span.start))
                    .map(|s| (i, s)),
            );
        }
        out
    }

    /// Any file of the crate uses a cluster client outside test code.
    pub fn cluster_evidence(&self) -> Option<(usize, Span)> {
        self.facts
            .iter()
            .enumerate()
            .find_map(|(i, f)| f.cluster_evidence.map(|s| (i, s)))
    }

    /// `redis 0.23.3` or `redis 1.6 (assumed)`.
    pub fn version_text(&self) -> String {
        let (a, b, c) = self.version;
        if self.version_known {
            format!("redis {a}.{b}.{c}")
        } else {
            format!("redis {a}.{b} (assumed: no Cargo.lock or requirement found)")
        }
    }
}

/// Every command of a site, with the span to report it at.
pub fn site_commands(site: &CallSite) -> Vec<(&CommandCall, Span, Span)> {
    match &site.kind {
        SiteKind::Command(c) => vec![(c, site.span, site.focus)],
        SiteKind::Pipeline { commands, .. } | SiteKind::Transaction { commands, .. } => {
            commands.iter().map(|c| (c, c.span, c.span)).collect()
        }
        SiteKind::Script { .. } => Vec::new(),
    }
}

/// A finding of `rule` with nothing but its position and message yet.
pub fn finding(
    rule: &'static Rule,
    severity: Severity,
    file: &str,
    span: Span,
    focus: Span,
    message: String,
    label: String,
) -> Diagnostic {
    Diagnostic {
        rule: rule.name,
        code: rule.code,
        severity,
        message,
        file: file.to_owned(),
        span,
        focus,
        primary_label: label,
        labels: Vec::<Label>::new(),
        keys: Vec::new(),
        help: None,
        notes: Vec::new(),
    }
}

/// Run the crate-level rules of this pass: `non-cluster-client`, `non-zero-database`,
/// `node-local-command`, `undeclared-script-key`, `cross-slot-pubsub`, `sort-pattern`,
/// `hot-hash-tag`, `cluster-feature-missing`, `cluster-client-config`. Returns the findings
/// and the extra files they point into (Lua files, Cargo.toml).
#[allow(clippy::too_many_arguments)]
pub fn check_unit(
    cx: &UnitContext<'_>,
    unit: &Unit,
    display_root: &Path,
    sites: &[Vec<CallSite>],
    reported: &dyn Fn(&SourceFile) -> bool,
    version: Version,
    version_known: bool,
) -> (Vec<Diagnostic>, Vec<SourceFile>) {
    if !cx.mentions_redis.iter().any(|&m| m) {
        return (Vec::new(), Vec::new());
    }
    let arena = ScanArena::default();
    let facts: Vec<FileFacts> = (0..cx.sources.len())
        .map(|i| scan_file(cx, i, &unit.root, &arena))
        .collect();
    let view = UnitView {
        cx,
        unit,
        display_root,
        sites,
        facts,
        reported: cx.sources.iter().map(reported).collect(),
        version,
        version_known,
    };
    let mut out = Vec::new();
    let mut extra = Vec::new();
    out.extend(rules::non_cluster_client::check(&view));
    out.extend(rules::non_zero_database::check(&view));
    out.extend(rules::node_local_command::check(&view));
    let (d, files) = rules::undeclared_script_key::check(&view);
    out.extend(d);
    extra.extend(files);
    out.extend(rules::cross_slot_pubsub::check(&view));
    out.extend(rules::sort_pattern::check(&view));
    out.extend(rules::hot_hash_tag::check(&view));
    let (d, files) = rules::cluster_feature_missing::check(&view);
    out.extend(d);
    extra.extend(files);
    out.extend(rules::cluster_client_config::check(&view));
    extra.retain(|s: &SourceFile| out.iter().any(|d| d.file == s.display));
    (out, extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let db = |s: &str| url_database(&KeyPattern::literal(s));
        assert_eq!(db("redis://127.0.0.1:6379/2"), Some(2));
        assert_eq!(
            db("rediss://user:pw@cache.internal:6380/15?protocol=resp3"),
            Some(15)
        );
        assert_eq!(db("redis://127.0.0.1/0"), None);
        assert_eq!(db("redis://127.0.0.1:6379/"), None);
        assert_eq!(db("redis://127.0.0.1:6379"), None);
        assert_eq!(db("redis+unix:///run/redis.sock?db=3"), Some(3));
        assert_eq!(db("unix:///run/redis.sock"), None);
        assert_eq!(db("https://example.com/3"), None);
        let mut p = KeyPattern::literal("redis://");
        p.push_hole(Hole::new("h", "host"));
        p.push_text(":6379/4");
        assert_eq!(url_database(&p), Some(4));
        let mut p = KeyPattern::literal("redis://host/");
        p.push_hole(Hole::new("d", "db"));
        assert_eq!(url_database(&p), None);
    }

    #[test]
    fn string_literals_keep_offsets() {
        let (t, o) = decode_str_literal(r#""a\nb""#).unwrap();
        assert_eq!(t, "a\nb");
        assert_eq!(o, vec![1, 2, 4, 5]);
        let (t, o) = decode_str_literal("r#\"x\"y\"#").unwrap();
        assert_eq!(t, "x\"y");
        assert_eq!(o, vec![3, 4, 5, 6]);
        let (t, _) = decode_str_literal("\"a \\\n   b\"").unwrap();
        assert_eq!(t, "a b");
        let (t, o) = decode_str_literal("\"é!\"").unwrap();
        assert_eq!(t, "é!");
        assert_eq!(o, vec![1, 2, 3, 4]);
    }
}
