//! What the evaluator found in a crate, as plain data: the only input of the rules.
//!
//! One walk of the crate ([`crate::interp`]) produces, per file, the redis calls it recognized
//! ([`CallSite`]s: commands, pipelines, transactions, scripts, pub/sub), how clients and
//! connections are made, database selections, Lua bodies and where they come from, cluster
//! client builders, and where test code is. Nothing here refers to syntax trees or to the
//! evaluator's state: a rule sees what was found, never how.

use std::ops::Range;
use std::path::PathBuf;

use crate::sites::CallSite;
use crate::source::Span;

/// A single-node client, sentinel client or pool built in the code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

/// Where a single-node client is built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientFact {
    pub kind: ClientKind,
    /// The call (or struct literal) that builds it; also its identity.
    pub span: Span,
    /// Its path, to underline.
    pub focus: Span,
    /// `redis::Client::open`, as a user would write it.
    pub what: String,
}

/// A single-node connection taken from a client (`get_multiplexed_async_connection`) or a
/// `ConnectionManager`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GetterFact {
    pub span: Span,
    pub focus: Span,
    pub what: String,
    /// The construction of the client it comes from (file, span), when the evaluator saw it.
    pub client: Option<(usize, Span)>,
    /// Otherwise, the expression the client was read from (`self.client`), to group getters of
    /// one client source.
    pub source: String,
}

/// A `ClusterClient` built with the builder (or `ClusterClient::new`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterBuild {
    pub span: Span,
    pub focus: Span,
    /// `ClusterClient::new`, `ClusterClient::builder`, `ClusterClientBuilder::new`.
    pub what: String,
    /// Builder methods called on it.
    pub methods: Vec<String>,
    /// Handed somewhere the evaluator cannot follow (configured elsewhere, maybe).
    pub escapes: bool,
}

/// A database number other than 0, in a URL or connection settings.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// A Rust string literal of file `file` (index in the crate), starting at byte `start`.
    Literal { file: usize, start: usize },
    /// A file read with `include_str!`.
    File(PathBuf),
}

/// A Lua script or function library handed to redis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LuaBody {
    pub location: BodyLocation,
    /// The body as the server receives it.
    pub text: String,
    /// For literals: byte offset in the Rust file of each byte of `text` (one more at the end).
    pub offsets: Vec<usize>,
    /// `FUNCTION LOAD` (a library) rather than a script.
    pub library: bool,
    /// Where it is handed to redis (`Script::new`, `EVAL`).
    pub used_at: Span,
}

/// Everything found in one file.
#[derive(Clone, Debug, Default)]
pub struct FileFacts {
    /// Redis calls, sorted by position.
    pub sites: Vec<CallSite>,
    pub clients: Vec<ClientFact>,
    pub getters: Vec<GetterFact>,
    /// Where the file uses a cluster client (first place), outside test code.
    pub cluster_evidence: Option<Span>,
    pub cluster_builds: Vec<ClusterBuild>,
    /// `get_connection_with_config` and friends: connection timeouts set at connect time.
    pub connects_with_config: bool,
    pub databases: Vec<DatabaseUse>,
    pub lua_bodies: Vec<LuaBody>,
    /// Byte ranges of test code (see `slotlint_syntax::test_code`); the whole file for files
    /// under `tests/`, `benches/`, `examples/`.
    pub test_ranges: Vec<Range<usize>>,
    /// Redis calls recognized but not understood, and why (`SCAN` with a command name known
    /// only at run time…): counted, so a summary never claims a crate has no redis calls.
    pub not_understood: Vec<(Span, String)>,
}

impl FileFacts {
    /// Whether the byte at `offset` is test code.
    pub fn in_test(&self, offset: usize) -> bool {
        self.test_ranges.iter().any(|r| r.contains(&offset))
    }

    /// Keep one of each fact found twice (a function walked again for one of its callers).
    pub(crate) fn dedup(&mut self) {
        fn dedup_by_key<T, K: PartialEq>(v: &mut Vec<T>, key: impl Fn(&T) -> K) {
            let mut seen: Vec<K> = Vec::new();
            v.retain(|x| {
                let k = key(x);
                if seen.contains(&k) {
                    false
                } else {
                    seen.push(k);
                    true
                }
            });
        }
        dedup_by_key(&mut self.clients, |c| c.span);
        dedup_by_key(&mut self.getters, |g| g.span);
        dedup_by_key(&mut self.databases, |d| (d.span, d.kind));
        dedup_by_key(&mut self.lua_bodies, |b| b.location.clone());
        dedup_by_key(&mut self.not_understood, |n| n.0);
        self.clients.sort_by_key(|c| c.span.start);
        self.getters.sort_by_key(|g| g.span.start);
        self.databases.sort_by_key(|d| d.span.start);
        self.cluster_builds.sort_by_key(|b| b.span.start);
    }
}

/// Everything found in one crate: `files[i]` for the crate's file `i`.
#[derive(Clone, Debug, Default)]
pub struct CrateFacts {
    pub files: Vec<FileFacts>,
}
