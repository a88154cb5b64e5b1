//! The stream of MONITOR lines, turned into observations and counted by shape.
//!
//! MONITOR shows one global sequence of commands. An observation is what a cluster judges as a
//! whole:
//! - a **command** on its own;
//! - a **transaction**: a client's `MULTI`, the commands it queued (MONITOR shows them when EXEC
//!   runs them), `EXEC`, together with the keys it `WATCH`ed since its last EXEC/DISCARD/UNWATCH.
//!   Other clients' lines may come between, so this state is kept per client;
//! - a **script**: an `EVAL`/`EVALSHA`/`FCALL` line and the `[db lua]` lines right after it (the
//!   server runs a script to its end before anything else);
//! - a **pipeline**: commands of one client on consecutive lines, each within
//!   [`Options::batch_gap_micros`] of the previous one. A client waiting for a reply cannot send its
//!   next command within microseconds; a pipeline's commands are read and run in one go. Only
//!   pipelines whose keys span slots are kept.
//!
//! Memory is bounded whatever the traffic: shapes up to [`Options::max_shapes`] (then one overflow
//! shape per kind and command), a few examples per shape, per-client state only for clients inside
//! a WATCH or MULTI (at most [`MAX_CLIENTS`]), and at most [`MAX_UNIT_COMMANDS`] commands and
//! [`MAX_EXAMPLE_KEYS`] keys per command kept of any one observation (slots are followed over all).
//!
//! Not here: parsing lines (`monitor`), judging keys (`judge`).

use std::collections::{BTreeMap, HashMap, HashSet};

use slotlint_commands::CommandTable;
use slotlint_hashslot::slot;

use crate::file::{
    DatabaseUse, Example, Finding, FindingKind, Shape, ShapeCommand, ShapeKey, Signature, SlotKey,
    TraceFile, UnitKind, TRACE_VERSION,
};
use crate::judge::{command_findings, finding, resolve, Cmd, SlotSpan};
use crate::load::LoadCounter;
use crate::monitor::{MonitorLine, Origin};
use crate::shape::{key_pattern, key_text};

/// Clients with a pending WATCH or MULTI kept at once; past it the oldest state is dropped.
pub const MAX_CLIENTS: usize = 10_000;
/// Commands of one transaction, pipeline or script kept for its shape and example.
pub const MAX_UNIT_COMMANDS: usize = 32;
/// Keys of one command kept in an example.
pub const MAX_EXAMPLE_KEYS: usize = 16;
/// Examples kept per shape.
pub const EXAMPLES_PER_SHAPE: usize = 3;
/// Bytes of a key kept in an example.
const MAX_KEY_BYTES: usize = 512;
/// Arguments of a single command kept in an example, and bytes of each.
pub const MAX_EXAMPLE_ARGS: usize = 8;
pub const MAX_ARG_BYTES: usize = 64;

#[derive(Clone, Debug)]
pub struct Options {
    /// `--db N`: judge only the commands run in database N.
    pub traced_db: Option<u32>,
    /// Consecutive commands of one client this close (µs) are taken as one pipeline.
    pub batch_gap_micros: u64,
    /// Distinct shapes kept.
    pub max_shapes: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            traced_db: None,
            batch_gap_micros: 50,
            max_shapes: 10_000,
        }
    }
}

/// A command as kept in an observation: its name and keys.
#[derive(Clone, Debug, Default)]
struct Seen {
    name: String,
    keys: Vec<Vec<u8>>,
    /// Arguments after the name, kept for single commands only.
    args: Vec<String>,
}

impl Seen {
    fn of(cmd: &Cmd) -> Seen {
        Seen {
            name: cmd.name.clone(),
            keys: cmd
                .keys
                .iter()
                .chain(&cmd.channels)
                .take(MAX_EXAMPLE_KEYS * 4)
                .map(|k| k[..k.len().min(MAX_KEY_BYTES)].to_vec())
                .collect(),
            args: Vec::new(),
        }
    }

    fn with_args(cmd: &Cmd) -> Seen {
        let skip = cmd.name.split(' ').count();
        let mut seen = Seen::of(cmd);
        seen.args = cmd
            .args
            .iter()
            .skip(skip)
            .take(MAX_EXAMPLE_ARGS)
            .map(|a| key_text(&a[..a.len().min(MAX_ARG_BYTES)]))
            .collect();
        seen
    }
}

#[derive(Debug, Default)]
struct Transaction {
    queued: Vec<Seen>,
    span: SlotSpan,
    findings: Vec<Finding>,
}

#[derive(Debug, Default)]
struct ClientState {
    watch: Vec<Vec<u8>>,
    watch_span: SlotSpan,
    multi: Option<Transaction>,
    /// Order of creation, for dropping the oldest.
    since: u64,
}

#[derive(Debug)]
struct Batch {
    client: String,
    last_micros: u64,
    commands: Vec<Seen>,
    count: usize,
    span: SlotSpan,
}

#[derive(Debug)]
struct ScriptRun {
    call: Seen,
    script: Option<String>,
    declared: HashSet<Vec<u8>>,
    declared_slots: Vec<u16>,
    lua: Vec<Seen>,
    findings: Vec<Finding>,
}

#[derive(Debug)]
struct Entry {
    count: u64,
    examples: Vec<Example>,
    findings: Vec<Finding>,
}

/// Observes MONITOR lines; [`Observer::finish`] gives the trace.
pub struct Observer {
    table: CommandTable,
    options: Options,
    shapes: HashMap<Signature, Entry>,
    overflow: u64,
    clients: HashMap<String, ClientState>,
    client_serial: u64,
    batch: Option<Batch>,
    script: Option<ScriptRun>,
    commands: u64,
    unparsed: u64,
    findings: u64,
    databases: BTreeMap<u32, DatabaseUse>,
    load: Option<LoadCounter>,
}

impl Observer {
    /// `load`: count key accesses per slot too (`--report`).
    pub fn new(options: Options, load: Option<LoadCounter>) -> Observer {
        Observer {
            table: CommandTable::builtin(),
            options,
            shapes: HashMap::new(),
            overflow: 0,
            clients: HashMap::new(),
            client_serial: 0,
            batch: None,
            script: None,
            commands: 0,
            unparsed: 0,
            findings: 0,
            databases: BTreeMap::new(),
            load,
        }
    }

    /// Commands judged and findings recorded so far (for progress).
    pub fn progress(&self) -> (u64, u64) {
        (self.commands, self.findings)
    }

    /// A line that is not a MONITOR line.
    pub fn unparsed(&mut self) {
        self.unparsed += 1;
    }

    pub fn feed(&mut self, line: MonitorLine) {
        let client = match line.origin {
            Origin::Lua => {
                if self.script.is_some() {
                    self.commands += 1;
                    let cmd = resolve(&self.table, line.args);
                    self.count_load(&cmd);
                    self.lua_command(&cmd);
                }
                return;
            }
            Origin::Client(client) => client,
        };
        self.close_script();
        if self.options.traced_db.is_some_and(|db| db != line.db) {
            return;
        }
        self.commands += 1;
        let cmd = resolve(&self.table, line.args);
        if self.options.traced_db.is_none() && line.db != 0 && cmd.name != "SELECT" {
            let entry = self
                .databases
                .entry(line.db)
                .or_insert_with(|| DatabaseUse {
                    db: line.db,
                    count: 0,
                    example: cmd.line().chars().take(200).collect(),
                });
            entry.count += 1;
        }
        self.count_load(&cmd);
        self.client_command(client, line.micros, cmd);
    }

    fn count_load(&mut self, cmd: &Cmd) {
        if let Some(load) = &mut self.load {
            for k in &cmd.keys {
                load.add(k);
            }
        }
    }

    fn client_command(&mut self, client: String, micros: u64, cmd: Cmd) {
        let name = cmd.name.as_str();
        let in_multi = self.clients.get(&client).is_some_and(|c| c.multi.is_some());
        let transactional =
            in_multi || matches!(name, "MULTI" | "EXEC" | "DISCARD" | "WATCH" | "UNWATCH");
        let continues = !transactional
            && self.batch.as_ref().is_some_and(|b| {
                b.client == client
                    && micros.saturating_sub(b.last_micros) <= self.options.batch_gap_micros
            });
        if !continues {
            self.close_batch();
        }
        match name {
            "WATCH" => {
                let state = self.client_state(&client);
                for k in &cmd.keys {
                    state.watch_span.add(k);
                    if state.watch.len() < MAX_EXAMPLE_KEYS * 4 {
                        state.watch.push(k[..k.len().min(MAX_KEY_BYTES)].to_vec());
                    }
                }
            }
            "UNWATCH" | "DISCARD" => {
                self.clients.remove(&client);
            }
            "MULTI" => {
                self.client_state(&client).multi = Some(Transaction::default());
            }
            "EXEC" => {
                if let Some(state) = self.clients.remove(&client) {
                    if let Some(tx) = state.multi {
                        self.record_transaction(tx, state.watch, state.watch_span);
                    }
                }
            }
            _ if in_multi => {
                let mut found = command_findings(&cmd, self.options.traced_db);
                found.retain(|f| {
                    !matches!(f.kind, FindingKind::KeysSpan | FindingKind::ChannelsSpan)
                });
                if let Some(tx) = self.clients.get_mut(&client).and_then(|c| c.multi.as_mut()) {
                    for k in &cmd.keys {
                        tx.span.add(k);
                    }
                    if tx.queued.len() < MAX_UNIT_COMMANDS {
                        tx.queued.push(Seen::of(&cmd));
                    }
                    merge_findings(&mut tx.findings, found);
                }
                if cmd.is_script() {
                    self.open_script(&cmd);
                }
            }
            _ => {
                let seen = Seen::of(&cmd);
                if cmd.is_script() {
                    self.open_script(&cmd);
                } else {
                    let found = command_findings(&cmd, self.options.traced_db);
                    self.record(
                        UnitKind::Command,
                        vec![Seen::with_args(&cmd)],
                        Vec::new(),
                        Vec::new(),
                        None,
                        found,
                    );
                }
                match &mut self.batch {
                    Some(batch) if continues => {
                        batch.count += 1;
                        batch.last_micros = micros;
                        cmd.keys.iter().for_each(|k| batch.span.add(k));
                        if batch.commands.len() < MAX_UNIT_COMMANDS {
                            batch.commands.push(seen);
                        }
                    }
                    _ => {
                        let mut span = SlotSpan::default();
                        cmd.keys.iter().for_each(|k| span.add(k));
                        self.batch = Some(Batch {
                            client,
                            last_micros: micros,
                            commands: vec![seen],
                            count: 1,
                            span,
                        });
                    }
                }
            }
        }
    }

    fn client_state(&mut self, client: &str) -> &mut ClientState {
        if !self.clients.contains_key(client) && self.clients.len() >= MAX_CLIENTS {
            // A client that never sent EXEC (killed, or traced from the middle): drop the oldest.
            if let Some(oldest) = self
                .clients
                .iter()
                .min_by_key(|(_, s)| s.since)
                .map(|(c, _)| c.clone())
            {
                self.clients.remove(&oldest);
            }
        }
        self.client_serial += 1;
        let since = self.client_serial;
        self.clients
            .entry(client.to_owned())
            .or_insert_with(|| ClientState {
                since,
                ..ClientState::default()
            })
    }

    fn record_transaction(&mut self, tx: Transaction, watch: Vec<Vec<u8>>, watch_span: SlotSpan) {
        let mut found = tx.findings;
        if tx.span.spans() {
            found.push(finding(
                FindingKind::QueuedSpan,
                "EXEC",
                tx.span.pair(),
                None,
            ));
        } else if watch_span.spans() {
            found.push(finding(
                FindingKind::WatchSpan,
                "WATCH",
                watch_span.pair(),
                None,
            ));
        } else if let (Some(w), Some(q)) = (watch_span.slot(), tx.span.slot()) {
            if w != q {
                let mut pair = watch_span.pair();
                pair.extend(tx.span.pair());
                found.push(finding(FindingKind::WatchOutside, "WATCH", pair, None));
            }
        }
        self.record(
            UnitKind::Transaction,
            tx.queued,
            watch,
            Vec::new(),
            None,
            found,
        );
    }

    fn open_script(&mut self, cmd: &Cmd) {
        let mut span = SlotSpan::default();
        let mut declared_slots = Vec::new();
        for k in &cmd.keys {
            span.add(k);
            let s = slot(k);
            if !declared_slots.contains(&s) && declared_slots.len() < 64 {
                declared_slots.push(s);
            }
        }
        let mut findings = Vec::new();
        if span.spans() {
            findings.push(finding(
                FindingKind::DeclaredSpan,
                &cmd.name,
                span.pair(),
                None,
            ));
        }
        let arg1 = cmd.arg(1).unwrap_or_default();
        let script = match cmd.name.as_str() {
            "EVALSHA" | "EVALSHA_RO" => Some(format!("sha:{}", arg1.to_ascii_lowercase())),
            "EVAL" | "EVAL_RO" => Some(format!(
                "body:{:016x}",
                fnv1a(cmd.args.get(1).map_or(&[][..], |a| a))
            )),
            _ => Some(format!("function:{arg1}")),
        };
        self.script = Some(ScriptRun {
            call: Seen::of(cmd),
            script,
            declared: cmd.keys.iter().take(256).cloned().collect(),
            declared_slots,
            lua: Vec::new(),
            findings,
        });
    }

    fn lua_command(&mut self, cmd: &Cmd) {
        let traced_db = self.options.traced_db;
        let Some(run) = &mut self.script else {
            return;
        };
        let mut found = command_findings(cmd, traced_db);
        found.retain(|f| !matches!(f.kind, FindingKind::KeysSpan | FindingKind::ChannelsSpan));
        for k in &cmd.keys {
            if run.declared.contains(k) {
                continue;
            }
            let s = slot(k);
            let kind = if run.declared_slots.contains(&s) {
                FindingKind::UndeclaredSameSlot
            } else {
                FindingKind::UndeclaredOtherSlot
            };
            let mut keys = vec![SlotKey {
                key: key_text(k),
                slot: s,
            }];
            if let Some(d) = run.call.keys.first() {
                keys.push(SlotKey {
                    key: key_text(d),
                    slot: slot(d),
                });
            }
            found.push(finding(kind, &cmd.name, keys, None));
        }
        merge_findings(&mut run.findings, found);
        if run.lua.len() < MAX_UNIT_COMMANDS {
            run.lua.push(Seen::of(cmd));
        }
    }

    fn close_script(&mut self) {
        if let Some(run) = self.script.take() {
            self.record(
                UnitKind::Script,
                vec![run.call],
                Vec::new(),
                run.lua,
                run.script,
                run.findings,
            );
        }
    }

    fn close_batch(&mut self) {
        if let Some(batch) = self.batch.take() {
            if batch.count >= 2 && batch.span.spans() {
                let first = batch.commands[0].name.clone();
                let found = vec![finding(
                    FindingKind::BatchSpan,
                    &first,
                    batch.span.pair(),
                    None,
                )];
                self.record(
                    UnitKind::Pipeline,
                    batch.commands,
                    Vec::new(),
                    Vec::new(),
                    None,
                    found,
                );
            }
        }
    }

    fn record(
        &mut self,
        kind: UnitKind,
        commands: Vec<Seen>,
        watch: Vec<Vec<u8>>,
        lua: Vec<Seen>,
        script: Option<String>,
        findings: Vec<Finding>,
    ) {
        let (shape_commands, example_commands) = shape_of(&commands);
        let (shape_lua, example_lua) = shape_of(&lua);
        let details: Vec<&str> = findings
            .iter()
            .filter_map(|f| f.detail.as_deref())
            .collect();
        let mut signature = Signature {
            kind,
            commands: shape_commands,
            watch: key_shapes(&watch),
            lua: shape_lua,
            script,
            detail: (!details.is_empty()).then(|| details.join(" ")),
            overflow: false,
        };
        if !self.shapes.contains_key(&signature) && self.shapes.len() >= self.options.max_shapes {
            self.overflow += 1;
            signature = Signature {
                kind,
                commands: commands
                    .first()
                    .map(|c| ShapeCommand {
                        name: c.name.clone(),
                        keys: Vec::new(),
                    })
                    .into_iter()
                    .collect(),
                watch: Vec::new(),
                lua: Vec::new(),
                script: None,
                detail: None,
                overflow: true,
            };
        }
        self.findings += findings.len() as u64;
        let entry = self.shapes.entry(signature).or_insert_with(|| Entry {
            count: 0,
            examples: Vec::new(),
            findings: Vec::new(),
        });
        entry.count += 1;
        if entry.examples.len() < EXAMPLES_PER_SHAPE {
            let example = Example {
                commands: example_commands,
                watch: watch
                    .iter()
                    .take(MAX_EXAMPLE_KEYS)
                    .map(|k| key_text(k))
                    .collect(),
                lua: example_lua,
                args: match (kind, commands.first()) {
                    (UnitKind::Command, Some(c)) => c.args.clone(),
                    _ => Vec::new(),
                },
            };
            if !entry.examples.contains(&example) {
                entry.examples.push(example);
            }
        }
        merge_findings(&mut entry.findings, findings);
    }

    /// Ends the observation: the trace, without its run-time fields (server, duration, why it
    /// stopped), which the caller fills in.
    pub fn finish(mut self) -> TraceFile {
        self.close_script();
        self.close_batch();
        let mut shapes: Vec<Shape> = self
            .shapes
            .into_iter()
            .map(|(signature, e)| Shape {
                signature,
                count: e.count,
                examples: e.examples,
                findings: e.findings,
            })
            .collect();
        shapes.sort_by(|a, b| a.signature.cmp(&b.signature));
        TraceFile {
            version: TRACE_VERSION,
            generated_by: String::new(),
            server: String::new(),
            db: self.options.traced_db,
            duration_secs: 0.0,
            stopped: String::new(),
            complete: true,
            commands: self.commands,
            unparsed: self.unparsed,
            overflow: self.overflow,
            databases: self.databases.into_values().collect(),
            shapes,
            load: self.load.map(LoadCounter::finish),
        }
    }
}

/// Adds `new` findings to `into`, counting repeats of one kind and command.
fn merge_findings(into: &mut Vec<Finding>, new: Vec<Finding>) {
    for f in new {
        match into
            .iter_mut()
            .find(|g| g.kind == f.kind && g.command == f.command)
        {
            Some(g) => g.count += f.count,
            None => into.push(f),
        }
    }
}

/// Key patterns of a run of keys, runs of one pattern merged (`many`).
fn key_shapes(keys: &[Vec<u8>]) -> Vec<ShapeKey> {
    let mut out: Vec<ShapeKey> = Vec::new();
    for k in keys {
        let pattern = key_pattern(k);
        match out.last_mut() {
            Some(last) if last.pattern == pattern => last.many = true,
            _ => out.push(ShapeKey {
                pattern,
                many: false,
                channel: false,
            }),
        }
    }
    out
}

/// The shape of a list of commands (consecutive repeats of one shape merged) and its example.
fn shape_of(commands: &[Seen]) -> (Vec<ShapeCommand>, Vec<Vec<String>>) {
    let mut shapes: Vec<ShapeCommand> = Vec::new();
    let mut examples = Vec::new();
    for c in commands {
        let shape = ShapeCommand {
            name: c.name.clone(),
            keys: key_shapes(&c.keys),
        };
        if shapes.last() == Some(&shape) {
            continue;
        }
        shapes.push(shape);
        examples.push(
            c.keys
                .iter()
                .take(MAX_EXAMPLE_KEYS)
                .map(|k| key_text(k))
                .collect(),
        );
    }
    (shapes, examples)
}

/// FNV-1a, to name an EVAL body without keeping it.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::parse_line;

    fn observe(lines: &[&str]) -> TraceFile {
        let mut o = Observer::new(Options::default(), None);
        for l in lines {
            o.feed(parse_line(l).unwrap());
        }
        o.finish()
    }

    fn kinds(t: &TraceFile) -> Vec<(UnitKind, FindingKind, u64)> {
        let mut out: Vec<_> = t
            .shapes
            .iter()
            .flat_map(|s| {
                s.findings
                    .iter()
                    .map(move |f| (s.signature.kind, f.kind, f.count))
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn transactions_are_followed_per_client() {
        // Two clients interleave; A's transaction spans slots, B's does not.
        let t = observe(&[
            r#"1.000000 [0 10.0.0.1:1] "MULTI""#,
            r#"1.000100 [0 10.0.0.2:2] "MULTI""#,
            r#"1.000200 [0 10.0.0.2:2] "SET" "{u:1}:a" "1""#,
            r#"1.000201 [0 10.0.0.2:2] "SET" "{u:1}:b" "1""#,
            r#"1.000202 [0 10.0.0.2:2] "EXEC""#,
            r#"1.000300 [0 10.0.0.1:1] "SET" "u:1:a" "1""#,
            r#"1.000301 [0 10.0.0.1:1] "SET" "u:1:b" "1""#,
            r#"1.000302 [0 10.0.0.1:1] "EXEC""#,
        ]);
        assert_eq!(
            kinds(&t),
            [(UnitKind::Transaction, FindingKind::QueuedSpan, 1)]
        );
        let tx: Vec<&Shape> = t
            .shapes
            .iter()
            .filter(|s| s.signature.kind == UnitKind::Transaction)
            .collect();
        assert_eq!(tx.len(), 2);
        // Queued commands are not commands of their own, nor a pipeline.
        assert!(t
            .shapes
            .iter()
            .all(|s| s.signature.kind == UnitKind::Transaction));
    }

    #[test]
    fn watch_outside_and_across() {
        let t = observe(&[
            r#"1.000000 [0 10.0.0.1:1] "WATCH" "{a}x" "{b}y""#,
            r#"1.000100 [0 10.0.0.1:1] "MULTI""#,
            r#"1.000200 [0 10.0.0.1:1] "SET" "{a}z" "1""#,
            r#"1.000300 [0 10.0.0.1:1] "EXEC""#,
            r#"2.000000 [0 10.0.0.1:1] "WATCH" "{b}y""#,
            r#"2.000100 [0 10.0.0.1:1] "MULTI""#,
            r#"2.000200 [0 10.0.0.1:1] "SET" "{a}z" "1""#,
            r#"2.000300 [0 10.0.0.1:1] "EXEC""#,
        ]);
        assert_eq!(
            kinds(&t),
            [
                (UnitKind::Transaction, FindingKind::WatchSpan, 1),
                (UnitKind::Transaction, FindingKind::WatchOutside, 1)
            ]
        );
    }

    #[test]
    fn scripts_and_their_undeclared_keys() {
        let t = observe(&[
            r#"1.000000 [0 10.0.0.1:1] "evalsha" "0123abcd" "1" "hz:visits" "home""#,
            r#"1.000050 [0 lua] "INCR" "hz:visits""#,
            r#"1.000060 [0 lua] "SET" "hz:last:home" "1""#,
            r#"1.000070 [0 lua] "SET" "{hz:visits}x" "1""#,
            r#"2.000000 [0 10.0.0.1:1] "EVAL" "return 1" "2" "a" "b""#,
            r#"2.000050 [0 lua] "KEYS" "*""#,
        ]);
        assert_eq!(
            kinds(&t),
            [
                (UnitKind::Script, FindingKind::DeclaredSpan, 1),
                (UnitKind::Script, FindingKind::UndeclaredOtherSlot, 1),
                (UnitKind::Script, FindingKind::UndeclaredSameSlot, 1),
                (UnitKind::Script, FindingKind::NodeLocal, 1),
            ]
        );
        let sha = t
            .shapes
            .iter()
            .find(|s| s.signature.script.as_deref() == Some("sha:0123abcd"))
            .unwrap();
        assert_eq!(sha.signature.lua.len(), 3);
        assert_eq!(sha.signature.commands[0].keys[0].pattern, "hz:visits");
    }

    #[test]
    fn pipelines_are_close_lines_of_one_client() {
        let t = observe(&[
            // A pipeline: 3 µs apart.
            r#"1.000000 [0 10.0.0.1:1] "HGETALL" "cart:42:items""#,
            r#"1.000003 [0 10.0.0.1:1] "GET" "cart:42:coupon""#,
            // The same commands a round trip apart: no pipeline.
            r#"2.000000 [0 10.0.0.1:1] "HGETALL" "cart:42:items""#,
            r#"2.000500 [0 10.0.0.1:1] "GET" "cart:42:coupon""#,
            // Close in time, but another client in between.
            r#"3.000000 [0 10.0.0.1:1] "HGETALL" "cart:42:items""#,
            r#"3.000001 [0 10.0.0.2:1] "PING""#,
            r#"3.000002 [0 10.0.0.1:1] "GET" "cart:42:coupon""#,
        ]);
        assert_eq!(kinds(&t), [(UnitKind::Pipeline, FindingKind::BatchSpan, 1)]);
        let commands = t
            .shapes
            .iter()
            .find(|s| {
                s.signature.kind == UnitKind::Command && s.signature.commands[0].name == "GET"
            })
            .unwrap();
        assert_eq!(commands.count, 3);
    }

    #[test]
    fn databases_other_than_zero() {
        let t = observe(&[
            r#"1.000000 [3 10.0.0.1:1] "SELECT" "3""#,
            r#"1.000500 [3 10.0.0.1:1] "GET" "a""#,
            r#"1.001000 [3 10.0.0.1:1] "GET" "b""#,
        ]);
        assert_eq!(
            kinds(&t),
            [(UnitKind::Command, FindingKind::OtherDatabase, 1)]
        );
        assert_eq!(
            t.databases,
            vec![DatabaseUse {
                db: 3,
                count: 2,
                example: "GET a".into()
            }]
        );
        let mut o = Observer::new(
            Options {
                traced_db: Some(3),
                ..Options::default()
            },
            None,
        );
        for l in [
            r#"1.000000 [3 10.0.0.1:1] "SELECT" "3""#,
            r#"1.000000 [0 10.0.0.1:1] "GET" "a""#,
        ] {
            o.feed(parse_line(l).unwrap());
        }
        let t = o.finish();
        assert_eq!((t.commands, kinds(&t).len(), t.databases.len()), (1, 0, 0));
    }

    #[test]
    fn memory_is_bounded_by_shape_count() {
        let mut o = Observer::new(
            Options {
                max_shapes: 10,
                ..Options::default()
            },
            None,
        );
        for i in 0..1000 {
            // Every key a new pattern: a new word each time.
            let word: String = format!("{i:04}")
                .bytes()
                .map(|b| char::from(b'a' + (b - b'0')))
                .collect();
            o.feed(
                parse_line(&format!(
                    r#"{i}.000000 [0 10.0.0.1:1] "MGET" "{word}:x" "{word}:y""#
                ))
                .unwrap(),
            );
        }
        let t = o.finish();
        assert_eq!(t.shapes.len(), 11);
        assert_eq!(t.overflow, 990);
        let overflow = t.shapes.iter().find(|s| s.signature.overflow).unwrap();
        assert_eq!(overflow.count, 990);
        assert_eq!(overflow.findings[0].count, 990);
    }
}
