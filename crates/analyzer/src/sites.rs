//! Call sites: the redis-rs calls found in a file, with their keys, as plain data.

use crate::source::Span;
use slotlint_keys::{HoleId, KeyPattern};

/// A key argument of a call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyArg {
    /// `None`: the analyzer could not resolve the key (a parameter with no caller in reach…).
    pub pattern: Option<KeyPattern>,
    /// The expression stands for a collection of keys, all of this pattern.
    pub many: bool,
    /// Where the key expression is.
    pub span: Span,
    /// Its source text.
    pub text: String,
    /// When the key is one run-time value and nothing else: that value's hole id, so that a
    /// caller's argument can stand in for a parameter.
    pub hole: Option<HoleId>,
    /// When the key is run-time values only (`format!("{prefix}{key}")`, no known text): the
    /// identities of those values, so that a caller's arguments can resolve it.
    pub parts: Vec<HoleId>,
    /// When the key is one of several patterns (branches of a helper, of an `if`): all of them,
    /// `pattern` being the first. Empty otherwise.
    pub alternatives: Vec<KeyPattern>,
    /// What chooses between the alternatives, when one value does.
    pub arms: Option<KeyArms>,
    /// Why the key is not resolved (`pattern` is `None`), when the evaluator knows.
    pub why: Option<slotlint_keys::Unresolved>,
    /// When the key is run-time values only and so not judged by its shape: its patterns
    /// (every alternative), judged again if a loop then makes one of those values vary per
    /// element (a pipeline filled in a loop: `<prefix><k>` for each `k`).
    pub run_time: Vec<KeyPattern>,
}

impl KeyArg {
    /// The key as a message names it: its source text in backticks, or, when that text has
    /// braces (`format!("{}:a", id)`), where it is: a message's braces are hash tags.
    pub fn shown(&self) -> String {
        if self.text.contains(['{', '}']) {
            format!("the key at {}:{}", self.span.line, self.span.column)
        } else {
            format!("`{}`", self.text)
        }
    }

    pub fn new(pattern: Option<KeyPattern>, many: bool, span: Span, text: String) -> KeyArg {
        KeyArg {
            pattern,
            many,
            span,
            text,
            hole: None,
            parts: Vec::new(),
            alternatives: Vec::new(),
            arms: None,
            why: None,
            run_time: Vec::new(),
        }
    }

    /// The patterns the key may have: its alternatives, or its one pattern.
    pub fn patterns(&self) -> &[KeyPattern] {
        if self.alternatives.is_empty() {
            self.pattern.as_slice()
        } else {
            &self.alternatives
        }
    }
}

/// What chooses between a key's alternatives: keys chosen by the same value take the same arm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyArms {
    pub choice: HoleId,
    /// What selects each alternative (`None`: any other value).
    pub selectors: Vec<Option<String>>,
    /// Each alternative's arm, for messages.
    pub labels: Vec<String>,
}

impl From<&crate::interp::value::Arms> for KeyArms {
    fn from(a: &crate::interp::value::Arms) -> KeyArms {
        KeyArms {
            choice: a.choice.clone(),
            selectors: a.selectors.clone(),
            labels: a.labels.clone(),
        }
    }
}

/// The Lua source of a script, when the analyzer could read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptSource {
    pub text: String,
    /// Where it comes from, for messages: `src/limiter.lua`, or `src/jobs.rs:12`.
    pub origin: String,
}

/// One Redis command with its keys, in argument order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandCall {
    /// Upper-case command name as sent (`MGET`, `BITOP`, `XINFO STREAM`).
    pub name: String,
    pub keys: Vec<KeyArg>,
    /// The call or builder expression that adds this command.
    pub span: Span,
    /// The redis-rs method, when it was called through one (`mget`), else a raw `cmd(..)`.
    pub method: Option<String>,
    /// False when argument positions after a collection of unknown length were guessed.
    pub keys_exact: bool,
    /// For raw commands (`cmd("SORT").arg(..)`): every argument after the name, `None` where
    /// it is not a literal. Empty for redis-rs methods.
    pub argv: Vec<Option<String>>,
}

/// How a call is executed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exec {
    Sync,
    Async,
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SiteKind {
    /// A single command sent on a connection.
    Command(CommandCall),
    /// A pipeline executed with `query`/`exec`: MULTI/EXEC when `atomic`.
    Pipeline {
        atomic: bool,
        /// Built with `cluster_pipe()` / `ClusterPipeline` (sync cluster pipelines).
        cluster_pipeline: bool,
        commands: Vec<CommandCall>,
        /// False when the pipeline was also built in code the analyzer did not see.
        complete: bool,
    },
    /// `redis::transaction` / `aio::transaction_async`: WATCH keys, then an atomic pipeline.
    Transaction {
        api: String,
        watch: Vec<KeyArg>,
        commands: Vec<CommandCall>,
    },
    /// A Lua script: `Script::…invoke`, `invoke_script`, or raw EVAL/EVALSHA/FCALL.
    Script {
        /// `EVALSHA` for `redis::Script`, or the raw command's name.
        command: String,
        keys: Vec<KeyArg>,
        /// False when `.key(..)` calls may also happen where the analyzer cannot see.
        complete: bool,
        /// The Lua body, when known (`Script::new(LITERAL)`, `include_str!`, a const, EVAL's source).
        source: Option<ScriptSource>,
    },
    /// A pub/sub command: its channels (shard channels hash to slots like keys).
    PubSub {
        kind: PubSubKind,
        channels: Vec<KeyArg>,
    },
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
    /// The kind of a pub/sub command name (`SSUBSCRIBE`), if it is one.
    pub fn of_command(name: &str) -> Option<PubSubKind> {
        Some(match name {
            "PUBLISH" => PubSubKind::Publish,
            "SPUBLISH" => PubSubKind::SPublish,
            "SUBSCRIBE" => PubSubKind::Subscribe,
            "PSUBSCRIBE" => PubSubKind::PSubscribe,
            "SSUBSCRIBE" => PubSubKind::SSubscribe,
            "SUNSUBSCRIBE" => PubSubKind::SUnsubscribe,
            _ => return None,
        })
    }

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

/// The client a connection comes from, as far as the evaluator followed it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientRef {
    /// A cluster client (`Some(true)`), a single-node one, or not known.
    pub cluster: Option<bool>,
    /// How it was made or declared: `redis::cluster::ClusterClient`, `deadpool_redis::Pool`…
    pub what: String,
}

/// How a note of [`CallSite::context`] starts — the site walked with one caller's arguments —,
/// by what the site waited for (its keys, its connection, its receiver's fields), and how the
/// note naming a further caller of the same finding starts.
pub const CALLER_CONTEXTS: [(&str, &str); 3] = [
    ("keys as passed at ", "also for the keys passed at "),
    (
        "connection as passed at ",
        "also for the connection passed at ",
    ),
    ("as called at ", "also as called at "),
];

/// A redis-rs call that talks to the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallSite {
    pub kind: SiteKind,
    /// The executing expression (`con.mget(..)`, `pipe.query_async(..)`, `redis::transaction(..)`).
    pub span: Span,
    /// What to underline: the method and its arguments.
    pub focus: Span,
    pub exec: Exec,
    /// Set when the keys come from one caller of the enclosing function: where that call is.
    pub context: Option<String>,
    /// The client of the connection it is sent on, when known.
    pub client: Option<ClientRef>,
    /// The connection is this parameter (index, counting `self`) of the enclosing function, of
    /// a type that does not say which client: the callers' connections do.
    pub conn_param: Option<u32>,
}

impl CallSite {
    /// Every key of the call: commands' keys, watched keys, script keys, channels.
    pub fn keys(&self) -> Box<dyn Iterator<Item = &KeyArg> + '_> {
        match &self.kind {
            SiteKind::Command(c) => Box::new(c.keys.iter()),
            SiteKind::Pipeline { commands, .. } => {
                Box::new(commands.iter().flat_map(|c| c.keys.iter()))
            }
            SiteKind::Transaction {
                watch, commands, ..
            } => Box::new(
                watch
                    .iter()
                    .chain(commands.iter().flat_map(|c| c.keys.iter())),
            ),
            SiteKind::Script { keys, .. } => Box::new(keys.iter()),
            SiteKind::PubSub { channels, .. } => Box::new(channels.iter()),
        }
    }

    /// Every command of the call with the span to report it at (none for scripts and pub/sub).
    pub fn commands(&self) -> Vec<(&CommandCall, Span, Span)> {
        match &self.kind {
            SiteKind::Command(c) => vec![(c, self.span, self.focus)],
            SiteKind::Pipeline { commands, .. } | SiteKind::Transaction { commands, .. } => {
                commands.iter().map(|c| (c, c.span, c.span)).collect()
            }
            SiteKind::Script { .. } | SiteKind::PubSub { .. } => Vec::new(),
        }
    }
}
