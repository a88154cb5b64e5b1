//! What the analyzer knows about redis-rs: its command methods (generated from its sources),
//! its connection types, and what its cluster client does with each command, by version.
//! Facts and sources: `redis-rs-api.md` in the project's reference notes (§4 pipelines, §7 routing).

pub mod methods;

use crate::scope::Scope;
use crate::workspace::Version;

/// The command method `name`, if redis-rs has one (in any version: the version the analyzer
/// assumes may be a guess, and code that compiles has the method).
pub fn method(name: &str, _version: Version) -> Option<&'static methods::MethodSpec> {
    methods::lookup(name)
}

/// Methods that return a connection, on clients and pools of any kind.
pub fn is_connection_getter(name: &str) -> bool {
    matches!(
        name,
        "get_connection"
            | "get_connection_with_timeout"
            | "get_multiplexed_async_connection"
            | "get_multiplexed_async_connection_with_config"
            | "get_multiplexed_async_connection_with_timeouts"
            | "get_multiplexed_tokio_connection"
            | "get_multiplexed_tokio_connection_with_response_timeouts"
            | "get_multiplexed_async_std_connection"
            | "get_async_connection"
            | "get_async_connection_with_config"
            | "get_tokio_connection"
            | "get_async_std_connection"
            | "get_connection_manager"
            | "get_connection_manager_with_config"
            | "get_connection_manager_with_backoff"
            | "get_tokio_connection_manager"
            | "get_pending_async_connection_with_config"
    )
}

/// Traits a generic connection parameter is bounded by (`C: ConnectionLike`, `impl AsyncCommands`).
pub fn is_connection_trait(path: &syn::Path, scope: &Scope) -> bool {
    const TRAITS: &[&str] = &[
        "ConnectionLike",
        "Commands",
        "AsyncCommands",
        "TypedCommands",
        "AsyncTypedCommands",
        "JsonCommands",
        "JsonAsyncCommands",
    ];
    scope.resolves_to(path, TRAITS).is_some()
}

/// Commands that run a Lua script or function: every key must be in one slot.
pub fn is_script_command(name: &str) -> bool {
    matches!(
        name,
        "EVAL" | "EVALSHA" | "EVAL_RO" | "EVALSHA_RO" | "FCALL" | "FCALL_RO"
    )
}

/// What redis-rs's cluster client does with one multi-key command whose keys span slots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrossSlotBehaviour {
    /// Split into one command per slot (MGET, DEL… since 0.23.4): it works, but is not atomic.
    Split { since: Version },
    /// Sent to the slot of its routing key; the server answers CROSSSLOT.
    Refused,
    /// Refused by the client before sending (0.29.2–0.32.6: EVAL/EVALSHA/PFCOUNT/PFMERGE).
    RefusedByClient,
}

/// Version of redis-rs where the cluster client started to split each command per slot.
pub fn split_since(command: &str) -> Option<Version> {
    match command {
        "MGET" | "DEL" | "EXISTS" | "UNLINK" | "TOUCH" | "MSET" => Some((0, 23, 4)),
        "WATCH" | "JSON.MGET" | "JSON.MSET" => Some((0, 32, 7)),
        _ => None,
    }
}

pub fn cross_slot_behaviour(command: &str, version: Version) -> CrossSlotBehaviour {
    if let Some(since) = split_since(command) {
        if version >= since {
            return CrossSlotBehaviour::Split { since };
        }
    }
    if matches!(command, "EVAL" | "EVALSHA" | "PFCOUNT" | "PFMERGE")
        && ((0, 29, 2)..(0, 32, 7)).contains(&version)
    {
        return CrossSlotBehaviour::RefusedByClient;
    }
    CrossSlotBehaviour::Refused
}

/// Names a sync `ClusterPipeline` refuses outright (redis-rs 1.x; EVALSHA/PFCOUNT/PFMERGE
/// too before 0.29.2).
pub fn refused_in_cluster_pipeline(command: &str, version: Version) -> bool {
    let first = command.split(' ').next().unwrap_or(command);
    const REFUSED: &[&str] = &[
        "BGREWRITEAOF",
        "BGSAVE",
        "BITOP",
        "BRPOPLPUSH",
        "CLIENT",
        "CONFIG",
        "DBSIZE",
        "ECHO",
        "FLUSHALL",
        "FLUSHDB",
        "INFO",
        "KEYS",
        "LASTSAVE",
        "MGET",
        "MOVE",
        "MSET",
        "MSETNX",
        "MSETEX",
        "PING",
        "PUBLISH",
        "RANDOMKEY",
        "RENAME",
        "RENAMENX",
        "RPOPLPUSH",
        "SAVE",
        "SCAN",
        "SCRIPT",
        "SDIFF",
        "SDIFFSTORE",
        "SENTINEL",
        "SHUTDOWN",
        "SINTER",
        "SINTERSTORE",
        "SLAVEOF",
        "SLOWLOG",
        "SMOVE",
        "SORT",
        "SUNION",
        "SUNIONSTORE",
        "TIME",
    ];
    REFUSED.contains(&first)
        || (version < (0, 29, 2) && matches!(first, "EVALSHA" | "PFCOUNT" | "PFMERGE"))
}
