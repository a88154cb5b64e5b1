//! Judging observed commands as a Redis Cluster would, with the project's own command table
//! (`slotlint-commands`: which arguments are keys) and slot math (`slotlint-hashslot`).
//!
//! Two steps, kept apart so that a trace file holds facts that do not depend on the code:
//! - [`command_findings`] and [`SlotSpan`]: facts about what was seen (these keys are in
//!   different slots, this SORT has a GET pattern), as [`Finding`]s;
//! - [`verdict`]: what a cluster and redis-rs of a given version do with such a fact (split the
//!   command per slot, refuse it, answer CROSSSLOT), as a severity and a message, with the same
//!   version logic as `cargo slotlint check` (`slotlint_analyzer::redis_api`).
//!
//! Not here: which commands form a transaction, a script or a pipeline (`observe`).

use std::borrow::Cow;

use slotlint_analyzer::redis_api::{cross_slot_behaviour, split_since, CrossSlotBehaviour};
use slotlint_analyzer::{Severity, Version};
use slotlint_commands::CommandTable;
use slotlint_hashslot::slot;

use crate::file::{Finding, FindingKind, SlotKey};
use crate::shape::key_text;

/// One observed command, resolved against the command table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cmd {
    /// Upper case; `XINFO STREAM` for a subcommand; the name as sent for unknown commands.
    pub name: String,
    /// The arguments, the name first.
    pub args: Vec<Vec<u8>>,
    /// Key arguments, in `COMMAND GETKEYS` order.
    pub keys: Vec<Vec<u8>>,
    /// Shard channels (SSUBSCRIBE, SUNSUBSCRIBE, SPUBLISH).
    pub channels: Vec<Vec<u8>>,
}

/// Finds the command and its keys as the server does. Arguments that are not UTF-8 are read
/// lossily for the lookup: keywords and counts are ASCII, and keys are taken from the bytes.
pub fn resolve(table: &CommandTable, args: Vec<Vec<u8>>) -> Cmd {
    let text: Vec<Cow<'_, str>> = args.iter().map(|a| String::from_utf8_lossy(a)).collect();
    let argv: Vec<Option<&str>> = text.iter().map(|s| Some(s.as_ref())).collect();
    let name = match table.lookup(&argv) {
        Some(spec) => spec.full_name(),
        None => text
            .first()
            .map(|s| s.to_ascii_uppercase())
            .unwrap_or_default(),
    };
    let mut keys = Vec::new();
    let mut channels = Vec::new();
    if let Ok(positions) = table.slot_positions(&argv) {
        for p in positions {
            if let Some(arg) = args.get(p.pos) {
                if p.channel {
                    channels.push(arg.clone());
                } else {
                    keys.push(arg.clone());
                }
            }
        }
    }
    drop(argv);
    drop(text);
    Cmd {
        name,
        args,
        keys,
        channels,
    }
}

impl Cmd {
    /// The argument at `i` as text.
    pub fn arg(&self, i: usize) -> Option<String> {
        self.args.get(i).map(|a| key_text(a))
    }

    /// The arguments as one line: `SORT hz:ids BY hz:w_*`.
    pub fn line(&self) -> String {
        let mut out = self.name.clone();
        let skip = self.name.split(' ').count();
        for a in self.args.iter().skip(skip) {
            out.push(' ');
            out.push_str(&key_text(a));
        }
        out
    }

    pub fn is_script(&self) -> bool {
        matches!(
            self.name.as_str(),
            "EVAL" | "EVALSHA" | "EVAL_RO" | "EVALSHA_RO" | "FCALL" | "FCALL_RO"
        )
    }
}

/// Keys seen so far, and the first two in different slots: whether a set of keys spans slots,
/// in constant memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotSpan {
    pub first: Option<(Vec<u8>, u16)>,
    pub other: Option<(Vec<u8>, u16)>,
}

impl SlotSpan {
    pub fn add(&mut self, key: &[u8]) {
        let s = slot(key);
        match &self.first {
            None => self.first = Some((key.to_vec(), s)),
            Some((_, f)) if *f != s && self.other.is_none() => self.other = Some((key.to_vec(), s)),
            _ => {}
        }
    }

    pub fn spans(&self) -> bool {
        self.other.is_some()
    }

    /// The slot of every key, when they share one.
    pub fn slot(&self) -> Option<u16> {
        match (&self.first, &self.other) {
            (Some((_, s)), None) => Some(*s),
            _ => None,
        }
    }

    /// The two keys in different slots.
    pub fn pair(&self) -> Vec<SlotKey> {
        [&self.first, &self.other]
            .into_iter()
            .flatten()
            .map(|(k, s)| SlotKey {
                key: key_text(k),
                slot: *s,
            })
            .collect()
    }
}

pub fn finding(
    kind: FindingKind,
    command: &str,
    keys: Vec<SlotKey>,
    detail: Option<String>,
) -> Finding {
    Finding {
        rule: kind.rule().to_owned(),
        kind,
        command: command.to_owned(),
        count: 1,
        keys,
        detail,
    }
}

/// Commands whose answer is about the node they reach (as the `node-local-command` rule).
pub const NODE_LOCAL: &[&str] = &[
    "KEYS",
    "SCAN",
    "RANDOMKEY",
    "DBSIZE",
    "FLUSHDB",
    "FLUSHALL",
    "WAIT",
    "WAITAOF",
];

/// What a cluster objects to in one command on its own. `traced_db` is `--db`: selecting the
/// database being traced is not a finding.
pub fn command_findings(cmd: &Cmd, traced_db: Option<u32>) -> Vec<Finding> {
    let mut out = Vec::new();
    let name = cmd.name.as_str();
    if cmd.keys.len() >= 2 {
        let mut span = SlotSpan::default();
        cmd.keys.iter().for_each(|k| span.add(k));
        if span.spans() {
            out.push(finding(FindingKind::KeysSpan, name, span.pair(), None));
        }
    }
    if cmd.channels.len() >= 2 {
        let mut span = SlotSpan::default();
        cmd.channels.iter().for_each(|k| span.add(k));
        if span.spans() {
            out.push(finding(FindingKind::ChannelsSpan, name, span.pair(), None));
        }
    }
    if NODE_LOCAL.contains(&name) {
        out.push(finding(FindingKind::NodeLocal, name, Vec::new(), None));
    }
    if name == "SORT" || name == "SORT_RO" {
        let mut refused = Vec::new();
        let mut i = 2;
        while i < cmd.args.len() {
            let word = String::from_utf8_lossy(&cmd.args[i]).to_ascii_uppercase();
            let next = cmd.arg(i + 1).unwrap_or_default();
            match word.as_str() {
                "BY" => {
                    if next.contains('*') {
                        refused.push(format!("BY {next}"));
                    }
                    i += 2;
                }
                "GET" => {
                    refused.push(format!("GET {next}"));
                    i += 2;
                }
                "LIMIT" => i += 3,
                "STORE" => i += 2,
                _ => i += 1,
            }
        }
        if !refused.is_empty() {
            out.push(finding(
                FindingKind::SortPattern,
                name,
                Vec::new(),
                Some(refused.join(" ")),
            ));
        }
    }
    let number = |i: usize| {
        cmd.args
            .get(i)
            .and_then(|a| std::str::from_utf8(a).ok())
            .and_then(|s| s.trim().parse::<u32>().ok())
    };
    let db_detail = match name {
        "SELECT" => number(1)
            .filter(|n| *n != 0 && Some(*n) != traced_db)
            .map(|n| format!("SELECT {n}")),
        "SWAPDB" => Some(format!(
            "SWAPDB {} {}",
            cmd.arg(1).unwrap_or_default(),
            cmd.arg(2).unwrap_or_default()
        )),
        "MOVE" => Some(format!("MOVE … {}", cmd.arg(2).unwrap_or_default())),
        "COPY" => cmd
            .args
            .iter()
            .position(|a| a.eq_ignore_ascii_case(b"DB"))
            .filter(|at| number(at + 1) != Some(0))
            .map(|at| format!("COPY … DB {}", cmd.arg(at + 1).unwrap_or_default())),
        _ => None,
    };
    if let Some(detail) = db_detail {
        out.push(finding(
            FindingKind::OtherDatabase,
            name,
            Vec::new(),
            Some(detail),
        ));
    }
    out
}

/// What a cluster and redis-rs do with a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub severity: Severity,
    /// What happens, then what was observed: "… observed 312 times, e.g. …".
    pub message: String,
    pub help: String,
    pub notes: Vec<String>,
}

/// Where an observation was sent from, as far as the join knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// On its own (or not matched to code).
    Alone,
    /// Inside a pipeline of the code: redis-rs sends a pipeline to one node and splits nothing.
    InPipeline,
}

/// The verdict on `f`, for redis-rs `version`.
pub fn verdict(f: &Finding, version: Version, context: Context) -> Verdict {
    let name = &f.command;
    let observed = observed_text(f);
    let mut notes = Vec::new();
    let tag_help = "give the keys used together one hash tag (`{user:42}:profile`, `{user:42}:settings`): `cargo slotlint fix` rewrites a key family everywhere".to_owned();
    let (severity, what, help) = match f.kind {
        FindingKind::KeysSpan => {
            let behaviour = match context {
                Context::InPipeline => CrossSlotBehaviour::Refused,
                Context::Alone => cross_slot_behaviour(name, version),
            };
            if context == Context::InPipeline && split_since(name).is_some() {
                notes.push(format!("redis-rs splits `{name}` per slot only when it is sent alone, not inside a pipeline"));
            }
            match behaviour {
                CrossSlotBehaviour::Split { since } => {
                    notes.push(format!(
                        "since redis {}.{}.{}, the cluster client splits `{name}` into one command per slot and merges the replies",
                        since.0, since.1, since.2
                    ));
                    (
                        Severity::Warning,
                        format!("`{name}` keys were in different hash slots: redis-rs splits it per slot, so it works but is no longer atomic"),
                        tag_help,
                    )
                }
                CrossSlotBehaviour::RefusedByClient => (
                    Severity::Error,
                    format!("`{name}` keys were in different hash slots: redis-rs {} refuses it before sending", version_text(version)),
                    tag_help,
                ),
                CrossSlotBehaviour::Refused => (
                    Severity::Error,
                    format!("`{name}` keys were in different hash slots: a cluster answers CROSSSLOT"),
                    tag_help,
                ),
            }
        }
        FindingKind::ChannelsSpan => (
            Severity::Error,
            format!("`{name}` shard channels were in different hash slots: a cluster answers CROSSSLOT"),
            "give the shard channels subscribed together one hash tag, or subscribe per slot".into(),
        ),
        FindingKind::QueuedSpan => (
            Severity::Error,
            "the commands of a MULTI/EXEC transaction were in different hash slots: a cluster fails EXEC with CROSSSLOT".into(),
            tag_help,
        ),
        FindingKind::WatchSpan => {
            let split = split_since("WATCH").is_some_and(|since| version >= since);
            if split {
                (
                    Severity::Warning,
                    "the WATCHed keys of a transaction were in different hash slots: redis-rs splits WATCH per slot, so the watch does not guard the transaction".into(),
                    tag_help,
                )
            } else {
                (
                    Severity::Error,
                    "the WATCHed keys of a transaction were in different hash slots: a cluster answers CROSSSLOT to WATCH".into(),
                    tag_help,
                )
            }
        }
        FindingKind::WatchOutside => (
            Severity::Warning,
            "a transaction WATCHed keys outside the slot of its commands: it runs, but the watch does not guard it".into(),
            tag_help,
        ),
        FindingKind::DeclaredSpan => (
            Severity::Error,
            format!("the keys `{name}` declared were in different hash slots: a cluster answers CROSSSLOT"),
            tag_help,
        ),
        FindingKind::UndeclaredOtherSlot => (
            Severity::Error,
            format!("a script ran `{name}` on a key it did not declare in KEYS, outside the slot of its declared keys: a cluster refuses it"),
            "pass every key the script touches in KEYS, with one hash tag".into(),
        ),
        FindingKind::UndeclaredSameSlot => (
            Severity::Warning,
            format!("a script ran `{name}` on a key it did not declare in KEYS: a cluster runs it only while that key stays in the slot of the declared ones"),
            "pass every key the script touches in KEYS".into(),
        ),
        FindingKind::BatchSpan => match context {
            Context::InPipeline => (
                Severity::Error,
                "the commands of this pipeline were in different hash slots: redis-rs's async cluster client refuses it (the sync one needs `cluster_pipe()`)".into(),
                tag_help,
            ),
            Context::Alone => {
                notes.push("MONITOR does not show pipelines: these commands came from one connection within microseconds of each other, which is what a pipeline looks like, but concurrent requests on one multiplexed connection look the same".into());
                (
                    Severity::Warning,
                    "commands one connection sent together were in different hash slots: if they are one pipeline, redis-rs's async cluster client refuses it".into(),
                    tag_help,
                )
            }
        },
        FindingKind::NodeLocal => (
            Severity::Warning,
            format!("`{name}` sees only the keys of the node it reaches on a cluster"),
            "`cargo slotlint explain node-local-command` says what redis-rs's cluster client does with it".into(),
        ),
        FindingKind::SortPattern => (
            Severity::Error,
            format!(
                "`{name}` with `{}`: a cluster refuses BY and GET patterns (Redis 7.0)",
                f.detail.as_deref().unwrap_or("BY/GET")
            ),
            "keep the weights in a sorted set, or sort in the application after MGET of keys in one slot".into(),
        ),
        FindingKind::OtherDatabase => (
            Severity::Error,
            format!(
                "`{}`: a cluster only has database 0",
                f.detail.as_deref().unwrap_or(name)
            ),
            "stay in database 0 and keep data sets apart by key prefix".into(),
        ),
    };
    Verdict {
        severity,
        message: format!("{what}; {observed}"),
        help,
        notes,
    }
}

/// "observed 312 times, e.g. `a` (slot 1) and `b` (slot 2)".
pub fn observed_text(f: &Finding) -> String {
    let times = if f.count == 1 {
        "once".to_owned()
    } else {
        format!("{} times", f.count)
    };
    let keys: Vec<String> = f
        .keys
        .iter()
        .map(|k| format!("`{}` (slot {})", k.key, k.slot))
        .collect();
    if keys.is_empty() {
        format!("observed {times}")
    } else {
        format!("observed {times}, e.g. {}", keys.join(" and "))
    }
}

fn version_text(v: Version) -> String {
    format!("{}.{}.{}", v.0, v.1, v.2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(args: &[&[u8]]) -> Cmd {
        resolve(
            &CommandTable::builtin(),
            args.iter().map(|a| a.to_vec()).collect(),
        )
    }

    fn kinds(c: &Cmd) -> Vec<FindingKind> {
        command_findings(c, None).iter().map(|f| f.kind).collect()
    }

    #[test]
    fn keys_come_from_the_command_table() {
        let c = cmd(&[
            b"zunionstore",
            b"dst",
            b"2",
            b"a",
            b"b",
            b"WEIGHTS",
            b"1",
            b"2",
        ]);
        assert_eq!(c.name, "ZUNIONSTORE");
        assert_eq!(c.keys, vec![b"dst".to_vec(), b"a".to_vec(), b"b".to_vec()]);
        let x = cmd(&[b"xinfo", b"stream", b"s"]);
        assert_eq!((x.name.as_str(), x.keys.len()), ("XINFO STREAM", 1));
        let s = cmd(&[b"SSUBSCRIBE", b"c1", b"c2"]);
        assert_eq!((s.keys.len(), s.channels.len()), (0, 2));
        let unknown = cmd(&[b"nosuch", b"x"]);
        assert_eq!((unknown.name.as_str(), unknown.keys.len()), ("NOSUCH", 0));
        let binary = cmd(&[b"MGET", b"\xff\x00", b"b"]);
        assert_eq!(binary.keys[0], b"\xff\x00".to_vec());
    }

    #[test]
    fn facts_of_one_command() {
        assert_eq!(
            kinds(&cmd(&[b"MGET", b"user:1", b"user:2"])),
            [FindingKind::KeysSpan]
        );
        assert!(kinds(&cmd(&[b"MGET", b"{user:1}:a", b"{user:1}:b"])).is_empty());
        assert_eq!(
            kinds(&cmd(&[b"SSUBSCRIBE", b"c1", b"c2"])),
            [FindingKind::ChannelsSpan]
        );
        assert_eq!(kinds(&cmd(&[b"keys", b"*"])), [FindingKind::NodeLocal]);
        assert_eq!(
            kinds(&cmd(&[b"SORT", b"ids", b"BY", b"w_*"])),
            [FindingKind::SortPattern]
        );
        assert!(kinds(&cmd(&[
            b"SORT", b"ids", b"BY", b"nosort", b"LIMIT", b"0", b"1"
        ]))
        .is_empty());
        assert_eq!(
            kinds(&cmd(&[b"SORT", b"ids", b"GET", b"#"])),
            [FindingKind::SortPattern]
        );
        assert_eq!(
            kinds(&cmd(&[b"SELECT", b"1"])),
            [FindingKind::OtherDatabase]
        );
        assert!(kinds(&cmd(&[b"SELECT", b"0"])).is_empty());
        let select_traced = command_findings(&cmd(&[b"SELECT", b"5"]), Some(5));
        assert!(select_traced.is_empty());
        assert_eq!(
            kinds(&cmd(&[b"COPY", b"a", b"a", b"DB", b"1"])),
            [FindingKind::OtherDatabase]
        );
        assert!(kinds(&cmd(&[b"COPY", b"a", b"{a}b", b"DB", b"0"])).is_empty());
        assert_eq!(
            kinds(&cmd(&[b"MOVE", b"a", b"2"])),
            [FindingKind::OtherDatabase]
        );
    }

    #[test]
    fn split_or_refused_follows_the_redis_rs_version() {
        let f = command_findings(&cmd(&[b"MGET", b"user:1", b"user:2"]), None).remove(0);
        assert_eq!(
            verdict(&f, (0, 23, 3), Context::Alone).severity,
            Severity::Error
        );
        let split = verdict(&f, (1, 8, 1), Context::Alone);
        assert_eq!(split.severity, Severity::Warning);
        assert!(split.message.contains("split"), "{}", split.message);
        assert_eq!(
            verdict(&f, (1, 8, 1), Context::InPipeline).severity,
            Severity::Error
        );
        assert!(
            split
                .message
                .ends_with("observed once, e.g. `user:1` (slot 10778) and `user:2` (slot 6777)"),
            "{}",
            split.message
        );
        let eval = finding(FindingKind::KeysSpan, "PFMERGE", Vec::new(), None);
        assert!(verdict(&eval, (0, 30, 0), Context::Alone)
            .message
            .contains("refuses it before sending"));
        let watch = finding(FindingKind::WatchSpan, "WATCH", Vec::new(), None);
        assert_eq!(
            verdict(&watch, (0, 32, 6), Context::Alone).severity,
            Severity::Error
        );
        assert_eq!(
            verdict(&watch, (0, 32, 7), Context::Alone).severity,
            Severity::Warning
        );
    }
}
