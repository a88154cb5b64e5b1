//! The trace file (`slotlint-trace.json`): what `cargo slotlint trace` observed, as JSON.
//!
//! ```json
//! {
//!   "version": 1,
//!   "generated_by": "cargo-slotlint 0.1.0",
//!   "server": "redis://127.0.0.1:6379",
//!   "db": null,
//!   "duration_secs": 12.5,
//!   "stopped": "the command exited with status 0",
//!   "complete": true,
//!   "commands": 1234,
//!   "unparsed": 0,
//!   "overflow": 0,
//!   "databases": [{ "db": 1, "count": 3, "example": "GET archive:ids" }],
//!   "shapes": [{
//!     "kind": "command",
//!     "commands": [{ "name": "MGET", "keys": [{ "pattern": "jobs:{}", "many": true }] }],
//!     "count": 312,
//!     "examples": [{ "commands": [["jobs:alpha", "jobs:beta"]], "args": ["jobs:alpha", "jobs:beta"] }],
//!     "findings": [{ "rule": "cross-slot-command", "kind": "keys-span", "command": "MGET",
//!                    "count": 312, "keys": [{ "key": "jobs:alpha", "slot": 1234 },
//!                                           { "key": "jobs:beta", "slot": 9876 }] }]
//!   }],
//!   "load": { … }
//! }
//! ```
//!
//! - `kind`: `command` (one command), `transaction` (MULTI … EXEC of one client: `commands` are
//!   the queued ones, `watch` the keys it WATCHed), `script` (EVAL/EVALSHA/FCALL: `commands[0]`
//!   with its declared keys, `lua` the commands the script ran, `script` which one), `pipeline`
//!   (commands one client sent together, kept only when they span slots).
//! - key `pattern`s are written like Rust format strings (`user:{}:profile`: `{}` a varying part,
//!   literal braces doubled); `many` marks a run of keys of one pattern (MGET of 100 ids); keys
//!   in `examples` and `findings` are text (`\\`, `\xNN` for bytes that are not printable UTF-8).
//! - `findings` are facts, independent of the redis-rs version: `kind` says which (see
//!   [`FindingKind`]); the severity is decided when the trace is judged (`trace` itself, or
//!   `check --trace`) for the redis-rs version of the code.
//! - `detail`: the arguments a cluster refuses when they are not keys (`BY w_*`, `SELECT 1`);
//!   `args` (examples of single commands): the first 8 arguments after the name, each cut at 64
//!   bytes, which the join compares with the literal arguments of raw `cmd(..)` calls.
//! - `databases`: commands run in a database other than 0 (without `--db`).
//! - `overflow`: observations counted in an overflow shape (one per kind and command) because
//!   the trace already held as many shapes as it keeps.
//! - `load` (with `--report`): see [`crate::load::Load`].
//!
//! A reader refuses a `version` it does not know.

use serde::{Deserialize, Serialize};

pub const TRACE_VERSION: u32 = 1;

/// A whole trace.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TraceFile {
    pub version: u32,
    pub generated_by: String,
    /// The server traced, without credentials.
    pub server: String,
    /// `--db N`: only that database was traced.
    pub db: Option<u32>,
    pub duration_secs: f64,
    /// Why the trace ended.
    pub stopped: String,
    /// False when the connection was lost before the end.
    pub complete: bool,
    /// Commands judged (MONITOR lines of the traced database, scripts' commands included).
    pub commands: u64,
    /// Lines that were not MONITOR lines (none, unless the server writes something new).
    pub unparsed: u64,
    pub overflow: u64,
    pub databases: Vec<DatabaseUse>,
    pub shapes: Vec<Shape>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<crate::load::Load>,
}

/// Commands run in a database other than 0.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseUse {
    pub db: u32,
    pub count: u64,
    /// The first such command, its keys as text.
    pub example: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitKind {
    Command,
    Transaction,
    Script,
    Pipeline,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Command => "command",
            UnitKind::Transaction => "transaction",
            UnitKind::Script => "script",
            UnitKind::Pipeline => "pipeline",
        }
    }
}

/// One key (or shard channel) argument of a shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ShapeKey {
    pub pattern: String,
    /// Stands for a run of one or more keys of this pattern.
    #[serde(default, skip_serializing_if = "is_false")]
    pub many: bool,
    /// A shard channel (SSUBSCRIBE, SPUBLISH), hashed like a key.
    #[serde(default, skip_serializing_if = "is_false")]
    pub channel: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A command of a shape: its name (upper case, `XINFO STREAM` for a subcommand) and key patterns.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ShapeCommand {
    pub name: String,
    pub keys: Vec<ShapeKey>,
}

/// What identifies a shape.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Signature {
    pub kind: UnitKind,
    pub commands: Vec<ShapeCommand>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<ShapeKey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lua: Vec<ShapeCommand>,
    /// `sha:<40 hex>` (EVALSHA), `body:<hash>` (EVAL), `function:<name>` (FCALL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// The arguments a cluster refuses, when they are not keys (`BY w_*`, `SELECT 1`): shapes
    /// that differ only there are different shapes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stands for every observation of this kind and first command that did not fit.
    #[serde(default, skip_serializing_if = "is_false")]
    pub overflow: bool,
}

/// One observation's keys, as text, in the order of the signature.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Example {
    pub commands: Vec<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lua: Vec<Vec<String>>,
    /// For a single command: its first arguments after the name (keys included), as text, each
    /// cut at 64 bytes, to tell apart calls that differ in options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
}

/// A shape with what was seen of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shape {
    #[serde(flatten)]
    pub signature: Signature,
    pub count: u64,
    pub examples: Vec<Example>,
    pub findings: Vec<Finding>,
}

/// Which fact about an observation a cluster would object to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A multi-key command whose keys are in different slots.
    KeysSpan,
    /// SSUBSCRIBE/SUNSUBSCRIBE with shard channels in different slots.
    ChannelsSpan,
    /// The queued commands of a MULTI/EXEC are in different slots.
    QueuedSpan,
    /// The WATCHed keys are in different slots.
    WatchSpan,
    /// The WATCHed keys are in one slot, but not the queued commands' one.
    WatchOutside,
    /// The keys an EVAL/EVALSHA/FCALL declares are in different slots.
    DeclaredSpan,
    /// A script touched a key it did not declare, in a slot none of its declared keys is in
    /// (or it declared none).
    UndeclaredOtherSlot,
    /// A script touched a key it did not declare, in the slot of its declared keys.
    UndeclaredSameSlot,
    /// Commands one client sent together (a pipeline) whose keys are in different slots.
    BatchSpan,
    /// KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB, FLUSHALL, WAIT, WAITAOF.
    NodeLocal,
    /// SORT/SORT_RO with a BY pattern or GET.
    SortPattern,
    /// SELECT n, SWAPDB, MOVE, COPY … DB n: another database than 0.
    OtherDatabase,
}

impl FindingKind {
    /// The rule of `cargo slotlint check` this is a finding of.
    pub fn rule(self) -> &'static str {
        match self {
            FindingKind::KeysSpan => "cross-slot-command",
            FindingKind::ChannelsSpan => "cross-slot-pubsub",
            FindingKind::QueuedSpan | FindingKind::WatchSpan | FindingKind::WatchOutside => {
                "cross-slot-transaction"
            }
            FindingKind::DeclaredSpan => "cross-slot-script",
            FindingKind::UndeclaredOtherSlot | FindingKind::UndeclaredSameSlot => {
                "undeclared-script-key"
            }
            FindingKind::BatchSpan => "cross-slot-pipeline",
            FindingKind::NodeLocal => "node-local-command",
            FindingKind::SortPattern => "sort-pattern",
            FindingKind::OtherDatabase => "non-zero-database",
        }
    }
}

/// A key with its slot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotKey {
    pub key: String,
    pub slot: u16,
}

/// A fact observed on a shape, counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// [`FindingKind::rule`], for readers of the file.
    pub rule: String,
    pub kind: FindingKind,
    /// The command it is about (`MGET`, `EXEC`, `EVALSHA`, the Lua command for undeclared keys).
    pub command: String,
    pub count: u64,
    /// Two keys in different slots, or the undeclared key and a declared one (first seen).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<SlotKey>,
    /// The offending arguments, as text (`BY hz:w_*`, `SELECT 1`), when keys do not say it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl TraceFile {
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a trace serializes");
        s.push('\n');
        s
    }

    pub fn from_json(text: &str) -> Result<TraceFile, String> {
        let probe: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        match probe.get("version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(TRACE_VERSION) => {}
            Some(v) => {
                return Err(format!(
                "trace version {v} is not supported (this slotlint reads version {TRACE_VERSION})"
            ))
            }
            None => return Err("not a slotlint trace: no \"version\"".into()),
        }
        serde_json::from_value(probe).map_err(|e| format!("not a slotlint trace: {e}"))
    }
}
