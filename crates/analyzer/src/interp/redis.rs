//! Paths into redis and its pool crates: clients, connections and pools (and the facts of how
//! they are made), cluster client builders, database selections and pub/sub.
//!
//! Not here: pipelines, commands and scripts being built (`builders`), key positions
//! (`commands`).

use super::spans::NodeSpan;
use syn::spanned::Spanned;
use syn::Expr;

use slotlint_keys::KeyPattern;

use super::types::{cluster_client, is_cluster_path};
use super::value::{
    ClientInfo, ConnInfo, ObjectInfo, PendingCommand, PipeState, ScriptState, Value,
};
use super::Interp;
use crate::facts::{ClientFact, ClientKind, ClusterBuild, DatabaseKind, DatabaseUse, GetterFact};
use crate::redis_api;
use crate::sites::{CallSite, ClientRef, Exec, PubSubKind, SiteKind};
use crate::source::Span;

/// Methods of a single-node `redis::Client` that open a connection to it.
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

/// Methods of pools (deadpool, bb8, r2d2, mobc) that hand out a connection.
const POOL_GETTERS: &[&str] = &[
    "get",
    "get_owned",
    "get_timeout",
    "timeout_get",
    "try_get",
    "dedicated_connection",
];

impl<'c, 'a> Interp<'c, 'a> {
    /// A call through a path into redis or a pool crate: builders, transactions, UFCS command
    /// calls, clients and pools. `None` when the path is none of those.
    pub(super) fn eval_redis_path_call(
        &mut self,
        path: &'a syn::Path,
        call: &'a syn::ExprCall,
        expr: &'a Expr,
    ) -> Option<Value<'a>> {
        let full = self.span_of(expr.node_span());
        let focus = self.span_of(call.func.span());
        self.note_path(path);
        if let Some(resolved) = self.scope.resolve(path) {
            if let Some(v) = self.eval_redis_call(&resolved, call, full, focus) {
                return Some(v);
            }
        }
        let full_path = self.scope.full_path(path);
        let parts: Vec<&str> = full_path.iter().map(String::as_str).collect();
        let (kind, what) = match parts.as_slice() {
            ["deadpool_redis", "cluster", ..] => {
                self.eval_args(&call.args);
                return Some(Value::Client(ClientInfo {
                    client: ClientRef {
                        cluster: Some(true),
                        what: "deadpool_redis::cluster::Pool".into(),
                    },
                    built_at: None,
                    source: self.short_text(expr),
                }));
            }
            ["deadpool_redis", t @ ("Config" | "Manager"), f @ ("from_url" | "from_connection_info" | "new")] => {
                (ClientKind::Deadpool, format!("deadpool_redis::{t}::{f}"))
            }
            ["deadpool_redis", "sentinel", t, f] => (
                ClientKind::Sentinel,
                format!("deadpool_redis::sentinel::{t}::{f}"),
            ),
            ["bb8_redis", "RedisConnectionManager", "new"] => (
                ClientKind::Bb8,
                "bb8_redis::RedisConnectionManager::new".into(),
            ),
            ["r2d2_redis", "RedisConnectionManager", "new"] => (
                ClientKind::R2d2Redis,
                "r2d2_redis::RedisConnectionManager::new".into(),
            ),
            ["mobc_redis", .., "new"] => {
                // A mobc manager over a `redis::Client` built elsewhere: a connection source.
                let args = self.eval_args(&call.args);
                let client = args.iter().find_map(|a| match a {
                    Value::Client(c) => Some(c.clone()),
                    _ => None,
                });
                let cluster = client.as_ref().and_then(|c| c.client.cluster);
                if cluster != Some(true) {
                    self.getter(
                        full,
                        focus,
                        "mobc_redis::RedisConnectionManager::new".into(),
                        client.as_ref(),
                    );
                }
                return Some(Value::Client(client.unwrap_or(ClientInfo {
                    client: ClientRef {
                        cluster: None,
                        what: "mobc_redis::RedisConnectionManager".into(),
                    },
                    built_at: None,
                    source: self.short_text(expr),
                })));
            }
            _ => return None,
        };
        self.eval_args(&call.args);
        Some(self.construction(kind, what, full, focus))
    }

    /// A single-node client or pool built here: a fact, and the client value.
    fn construction(
        &mut self,
        kind: ClientKind,
        what: String,
        span: Span,
        focus: Span,
    ) -> Value<'a> {
        if self.emit {
            self.out.clients.push(ClientFact {
                kind,
                span,
                focus,
                what: what.clone(),
            });
        }
        Value::Client(ClientInfo {
            client: ClientRef {
                cluster: Some(false),
                what,
            },
            built_at: Some((self.file, span)),
            source: String::new(),
        })
    }

    /// A single-node connection taken from `client` (or a client not followed).
    fn getter(&mut self, span: Span, focus: Span, what: String, client: Option<&ClientInfo>) {
        if self.emit {
            self.out.getters.push(GetterFact {
                span,
                focus,
                what,
                client: client.and_then(|c| c.built_at),
                source: client.map(|c| c.source.clone()).unwrap_or_default(),
            });
        }
    }

    /// Calls of a path inside redis (`resolved` is the path after the crate).
    fn eval_redis_call(
        &mut self,
        resolved: &str,
        call: &'a syn::ExprCall,
        full: Span,
        focus: Span,
    ) -> Option<Value<'a>> {
        let parts: Vec<&str> = resolved.split("::").collect();
        let last = *parts.last()?;
        let owner = parts.len().checked_sub(2).map(|i| parts[i]);
        match (owner, last) {
            (_, "pipe") | (Some("Pipeline"), "new" | "with_capacity") => {
                self.eval_args(&call.args);
                Some(Value::Pipe(Box::new(PipeState::new(false, true))))
            }
            (_, "cluster_pipe") | (Some("ClusterPipeline"), "new" | "with_capacity") => {
                self.eval_args(&call.args);
                Some(Value::Pipe(Box::new(PipeState::new(true, true))))
            }
            (_, "cmd") if owner.is_none_or(|o| o != "Cmd") => {
                let args = self.arg_items(&call.args);
                Some(Value::Cmd(Box::new(PendingCommand::Raw {
                    args,
                    span: focus,
                })))
            }
            (Some("Cmd"), "new" | "with_capacity") => {
                Some(Value::Cmd(Box::new(PendingCommand::Raw {
                    args: Vec::new(),
                    span: focus,
                })))
            }
            (Some("Cmd"), method) => {
                let cmd = self.method_command(method, call.args.iter().collect(), focus)?;
                Some(Value::Cmd(Box::new(PendingCommand::Ready(cmd))))
            }
            (Some("Script"), "new") => {
                let source = call
                    .args
                    .first()
                    .and_then(|a| self.script_source(a, false, focus));
                Some(Value::Script(Box::new(ScriptState {
                    invocation: false,
                    keys: Vec::new(),
                    complete: true,
                    source,
                })))
            }
            (_, "transaction" | "transaction_async") if call.args.len() == 3 => {
                Some(self.eval_transaction(last, call, full, focus))
            }
            (
                Some(
                    "Commands" | "AsyncCommands" | "TypedCommands" | "AsyncTypedCommands"
                    | "JsonCommands" | "JsonAsyncCommands",
                ),
                method,
            ) => {
                let mut args = call.args.iter();
                let receiver = args.next()?;
                let conn = match self.eval(receiver) {
                    Value::Conn(c) => c,
                    _ => ConnInfo::unknown(),
                };
                let cmd = self.method_command(method, args.collect(), focus)?;
                self.emit_command(cmd, full, focus, Exec::Unknown, &conn);
                Some(Value::Unknown)
            }
            (Some("Client"), "open" | "build_with_tls") => {
                self.eval_args(&call.args);
                Some(self.construction(
                    ClientKind::Client,
                    format!("redis::Client::{last}"),
                    full,
                    focus,
                ))
            }
            (Some("Sentinel" | "SentinelClient"), "build")
            | (Some("SentinelClientBuilder"), "new")
            | (Some("LockedSentinelClient" | "AsyncLockedSentinelClient"), "new") => {
                self.eval_args(&call.args);
                let what = format!("redis::sentinel::{}::{last}", owner.unwrap_or_default());
                Some(self.construction(ClientKind::Sentinel, what, full, focus))
            }
            (Some("ConnectionManager"), f) if f.starts_with("new") => {
                let args = self.eval_args(&call.args);
                let client = args.iter().find_map(|a| match a {
                    Value::Client(c) => Some(c.clone()),
                    _ => None,
                });
                self.getter(
                    full,
                    focus,
                    format!("redis::aio::ConnectionManager::{f}"),
                    client.as_ref(),
                );
                Some(Value::Conn(ConnInfo::of(
                    Some(false),
                    "redis::aio::ConnectionManager",
                )))
            }
            (Some("ClusterClient"), "new" | "open") => {
                self.eval_args(&call.args);
                self.cluster_build(format!("ClusterClient::{last}"), full, focus);
                Some(cluster_client())
            }
            (Some("ClusterClient"), "builder") | (Some("ClusterClientBuilder"), "new") => {
                self.eval_args(&call.args);
                let what = format!("{}::{last}", owner.unwrap_or_default());
                self.cluster_build(what, full, focus);
                Some(Value::ClusterBuilder(self.file, full))
            }
            (Some("CopyOptions"), _) => {
                self.eval_args(&call.args);
                Some(Value::object(Some("redis::CopyOptions".into())))
            }
            _ => None,
        }
    }

    fn cluster_build(&mut self, what: String, span: Span, focus: Span) {
        if self.emit {
            self.out.cluster_builds.push(ClusterBuild {
                span,
                focus,
                what,
                methods: Vec::new(),
                escapes: false,
            });
        }
    }

    /// A method call on a redis value (connection, client, builder) or one that names a redis
    /// concept (database selection, pub/sub). `None` when the receiver is none of those.
    pub(super) fn redis_method(
        &mut self,
        receiver: &Value<'a>,
        mc: &'a syn::ExprMethodCall,
        method: &str,
        root: Option<&super::bindings::Place>,
        expr: &'a Expr,
    ) -> Option<Value<'a>> {
        let full = self.span_of(expr.node_span());
        let focus = self.span_of(mc.method.span());
        if method.starts_with("get_") && method.ends_with("_with_config") {
            self.out.connects_with_config = true;
        }
        let own = self.cx.index.has_method(method);
        if !own {
            if let Some(v) = self.database_method(receiver, mc, method) {
                return Some(v);
            }
            let builder = matches!(receiver, Value::Pipe(_) | Value::Cmd(_) | Value::Script(_));
            if !builder {
                if let Some(v) = self.pubsub_method(mc, method, full, focus) {
                    return Some(v);
                }
            }
        }
        match receiver {
            Value::Pipe(state) => {
                let state = (**state).clone();
                Some(self.pipe_method(state, mc, method, root, full, focus))
            }
            Value::Cmd(pending) => {
                let pending = (**pending).clone();
                Some(self.cmd_method(pending, mc, method, root, full, focus))
            }
            Value::Script(state) => {
                let state = (**state).clone();
                Some(self.script_method(state, mc, method, root, full, focus))
            }
            Value::Conn(info) => self.conn_method(info.clone(), mc, method, full, focus),
            Value::Client(client) => {
                let client = client.clone();
                Some(self.client_method(client, mc, method, full, focus))
            }
            Value::ClusterBuilder(file, span) => {
                let id = (*file, *span);
                self.eval_args(&mc.args);
                self.out.builder_methods.push((id, method.to_owned()));
                Some(match method {
                    "build" | "open" => cluster_client(),
                    _ => Value::ClusterBuilder(id.0, id.1),
                })
            }
            Value::Object(o) if !own && redis_api::is_connection_getter(method) => {
                let _ = o;
                self.eval_args(&mc.args);
                Some(Value::Conn(ConnInfo::unknown()))
            }
            _ => None,
        }
    }

    /// A command method on a receiver of unknown type: a redis command when a command trait is
    /// in scope and the crate has no method of that name; a connection getter gives a connection.
    pub(super) fn command_on_unknown_receiver(
        &mut self,
        mc: &'a syn::ExprMethodCall,
        method: &str,
        expr: &'a Expr,
    ) -> Option<Value<'a>> {
        let full = self.span_of(expr.node_span());
        let focus = self.span_of(mc.method.span());
        if self.scope.traits_in_scope && !self.cx.index.has_method(method) {
            if let Some(cmd) = self.method_command(method, mc.args.iter().collect(), focus) {
                self.emit_command(cmd, full, focus, Exec::Unknown, &ConnInfo::unknown());
                return Some(Value::Unknown);
            }
        }
        if redis_api::is_connection_getter(method) {
            self.eval_args(&mc.args);
            return Some(Value::Conn(ConnInfo::unknown()));
        }
        None
    }

    fn conn_method(
        &mut self,
        info: ConnInfo,
        mc: &'a syn::ExprMethodCall,
        method: &str,
        full: Span,
        focus: Span,
    ) -> Option<Value<'a>> {
        if let Some(cmd) = self.method_command(method, mc.args.iter().collect(), focus) {
            self.emit_command(cmd, full, focus, Exec::Unknown, &info);
            return Some(Value::Unknown);
        }
        match method {
            "clone" | "as_mut" | "as_ref" | "borrow_mut" | "deref_mut" | "deref" | "lock"
            | "write" | "get_mut" | "unwrap" | "expect" => Some(Value::Conn(info)),
            // The fallback runs only on an error (it exits, or gives another connection).
            "unwrap_or_else" | "unwrap_or" => {
                self.eval_args(&mc.args);
                Some(Value::Conn(info))
            }
            m if redis_api::is_connection_getter(m) => Some(Value::Conn(info)),
            _ => None,
        }
    }

    /// Methods of a client or pool: connection getters, pool builders, and (on old sync
    /// clients) commands sent directly.
    fn client_method(
        &mut self,
        client: ClientInfo,
        mc: &'a syn::ExprMethodCall,
        method: &str,
        full: Span,
        focus: Span,
    ) -> Value<'a> {
        let conn = ConnInfo {
            client: Some(client.client.clone()),
            param: None,
        };
        let single = client.client.cluster == Some(false);
        if CLIENT_GETTERS.contains(&method) && single && client.client.what.starts_with("redis::") {
            self.eval_args(&mc.args);
            self.getter(
                full,
                focus,
                format!("redis::Client::{method}"),
                Some(&client),
            );
            return Value::Conn(conn);
        }
        if CLIENT_GETTERS.contains(&method)
            || POOL_GETTERS.contains(&method)
            || redis_api::is_connection_getter(method)
        {
            self.eval_args(&mc.args);
            return Value::Conn(conn);
        }
        if let Some(cmd) = self.method_command(method, mc.args.iter().collect(), focus) {
            self.emit_command(cmd, full, focus, Exec::Unknown, &conn);
            return Value::Unknown;
        }
        // `config.create_pool(..)`, `.clone()`, `.build(..)`: the same client, as a pool.
        self.eval_args(&mc.args);
        Value::Client(client)
    }

    /// `.set_db(2)`, `.database_id(2)`, `CopyOptions::default().db(2)`.
    fn database_method(
        &mut self,
        receiver: &Value<'a>,
        mc: &'a syn::ExprMethodCall,
        method: &str,
    ) -> Option<Value<'a>> {
        let copy_options = matches!(receiver, Value::Object(ObjectInfo { ty: Some(t), .. }) if t == "redis::CopyOptions");
        let kind = match method {
            "set_db" => DatabaseKind::ConnectionInfo,
            "database_id" => DatabaseKind::ClusterDatabaseId,
            "db" if copy_options => DatabaseKind::CopyOptions,
            _ => return None,
        };
        if mc.args.len() != 1 {
            return None;
        }
        let Value::Int(db) = self.eval(&mc.args[0]) else {
            return Some(if copy_options {
                receiver.clone()
            } else {
                Value::Unknown
            });
        };
        let arg = self.text_of(&mc.args[0]);
        let what = match kind {
            DatabaseKind::CopyOptions => format!("CopyOptions::db({arg})"),
            _ => format!(".{method}({arg})"),
        };
        let start = mc.method.span().byte_range().start;
        let end = mc.span().byte_range().end.max(start);
        let span = self.source().span(start, end);
        self.database(span, Some(db), what, kind);
        Some(if copy_options {
            receiver.clone()
        } else {
            Value::Unknown
        })
    }

    /// `subscribe`, `ssubscribe`, `publish`… on any receiver (pub/sub objects are rarely typed).
    fn pubsub_method(
        &mut self,
        mc: &'a syn::ExprMethodCall,
        method: &str,
        full: Span,
        focus: Span,
    ) -> Option<Value<'a>> {
        let kind = PubSubKind::of_command(&method.to_ascii_uppercase())?;
        let publish = matches!(kind, PubSubKind::Publish | PubSubKind::SPublish);
        if mc.args.is_empty() || (publish && (mc.args.len() != 2 || !self.scope.traits_in_scope)) {
            return None;
        }
        let mut channels = self.keys_from_expr(&mc.args[0], super::commands::KeyRole::Many);
        if publish {
            channels.truncate(1);
            self.eval(&mc.args[1]);
        }
        self.emit_site(CallSite {
            kind: SiteKind::PubSub { kind, channels },
            span: full,
            focus,
            exec: Exec::Unknown,
            context: None,
            client: None,
            conn_param: None,
        });
        Some(Value::Unknown)
    }

    /// `RedisConnectionInfo { db: 2 }`, `deadpool_redis::Config { .. }`.
    pub(super) fn struct_facts(
        &mut self,
        s: &'a syn::ExprStruct,
        fields: &std::collections::BTreeMap<String, Value<'a>>,
    ) {
        let last = s.path.segments.last().map(|x| x.ident.to_string());
        let full = self.scope.full_path(&s.path);
        let redis_like = self.scope.resolve(&s.path).is_some()
            || full.first().is_some_and(|f| f.contains("redis"));
        if last.as_deref() == Some("RedisConnectionInfo") && redis_like {
            if let Some(Value::Int(db)) = fields.get("db") {
                let field = s
                    .fields
                    .iter()
                    .find(|f| matches!(&f.member, syn::Member::Named(n) if n == "db"));
                if let Some(field) = field {
                    let what = format!(
                        "RedisConnectionInfo {{ db: {} }}",
                        self.text_of(&field.expr)
                    );
                    let span = self.span_of(field.span());
                    self.database(span, Some(*db), what, DatabaseKind::ConnectionInfo);
                }
            }
        }
        if full.len() == 2 && full[0] == "deadpool_redis" && full[1] == "Config" {
            let (span, focus) = (self.span_of(s.span()), self.span_of(s.path.span()));
            self.construction(
                ClientKind::Deadpool,
                "deadpool_redis::Config".into(),
                span,
                focus,
            );
        }
    }

    pub(super) fn database(
        &mut self,
        span: Span,
        db: Option<i64>,
        what: String,
        kind: DatabaseKind,
    ) {
        if !self.emit || db == Some(0) {
            return;
        }
        self.out.databases.push(DatabaseUse {
            span,
            db,
            what,
            kind,
        });
    }

    /// A string (or format string, as a pattern) that may be a redis URL with a database.
    pub(super) fn url(&mut self, pattern: &KeyPattern, span: proc_macro2::Span) {
        if let Some(db) = url_database(pattern) {
            let span = self.span_of(span);
            self.database(span, Some(db), pattern.to_string(), DatabaseKind::Url);
        }
    }

    /// A path that names a cluster client, connection or pipeline is evidence of a cluster.
    pub(super) fn note_path(&mut self, path: &syn::Path) {
        if self.out.cluster_evidence.is_some() || !self.emit {
            return;
        }
        if is_cluster_path(path, &self.scope) {
            self.cluster_evidence(path.span());
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
            slotlint_keys::Segment::Hole(h) => match &h.value {
                Some(v) => rest.push_str(v),
                None => rest.push('\u{0}'),
            },
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

#[cfg(test)]
mod tests {
    use super::*;
    use slotlint_keys::Hole;

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
}
