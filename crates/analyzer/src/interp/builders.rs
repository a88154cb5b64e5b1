//! Builders: pipelines (`redis::pipe()`, `.atomic()`), commands (`redis::cmd(..).arg(..)`),
//! scripts (`Script::new(..).key(..)`), `redis::transaction` closures, and the Lua sources
//! scripts are built from.
//!
//! Not here: which arguments of a command are keys (`commands`).

use super::spans::NodeSpan;
use syn::Expr;

use super::value::{ConnInfo, PendingCommand, PipeState, ScriptState, Value};
use super::Interp;
use crate::facts::LuaBody;
use crate::sites::{CallSite, Exec, KeyArg, ScriptSource, SiteKind};
use crate::source::Span;

impl<'c, 'a> Interp<'c, 'a> {
    pub(super) fn pipe_method(
        &mut self,
        mut state: PipeState<'a>,
        mc: &'a syn::ExprMethodCall,
        method: &str,
        root: Option<&super::bindings::Place>,
        full: Span,
        focus: Span,
    ) -> Value<'a> {
        match method {
            "atomic" => {
                state.atomic = true;
                self.out.starts_multi = true;
            }
            "ignore" | "ignore_errors" | "clone" | "with_capacity" | "as_mut" => {}
            "cmd" => {
                let args = self.arg_items(&mc.args);
                state
                    .commands
                    .push(PendingCommand::Raw { args, span: focus });
            }
            "arg" | "cursor_arg" => {
                let mut items = self.arg_items(&mc.args);
                if let Some(PendingCommand::Raw { args, .. }) = state.commands.last_mut() {
                    args.append(&mut items);
                }
            }
            "add_command" => {
                if let Some(Value::Cmd(c)) = mc.args.first().map(|a| self.eval(a)) {
                    state.commands.push(*c);
                }
            }
            "query" | "query_async" | "exec" | "exec_async" | "execute" => {
                let conn = self.connection_arg(mc);
                let exec = exec_of(method);
                let mut commands = self.resolve_commands(&state.commands);
                self.pubsub_in_pipeline(&mut commands, exec);
                match state.transaction {
                    Some(tx) => self.tx_commands.entry(tx).or_default().extend(commands),
                    None => self.emit_site(CallSite {
                        kind: SiteKind::Pipeline {
                            atomic: state.atomic,
                            cluster_pipeline: state.cluster_pipeline,
                            commands,
                            complete: state.complete,
                        },
                        span: full,
                        focus,
                        exec,
                        context: None,
                        conn_param: conn.param,
                        client: conn.client,
                    }),
                }
                return Value::Unknown;
            }
            "len" | "is_empty" | "is_transaction" | "get_packed_pipeline" | "cmd_iter" => {
                return Value::Unknown
            }
            "clear" => state.commands.clear(),
            m => match self.method_command(m, mc.args.iter().collect(), focus) {
                Some(cmd) => state.commands.push(PendingCommand::Ready(cmd)),
                None => {
                    self.eval_args(&mc.args);
                    return Value::Unknown;
                }
            },
        }
        let value = Value::Pipe(Box::new(state));
        if let Some(root) = root {
            self.store(root, value.clone());
        }
        value
    }

    /// Pub/sub commands queued in a pipeline are pub/sub sites of their own; classic channels
    /// are not routed by slot, so they are no keys of the pipeline.
    fn pubsub_in_pipeline(&mut self, commands: &mut [crate::sites::CommandCall], exec: Exec) {
        for c in commands {
            let Some(kind) = crate::sites::PubSubKind::of_command(&c.name) else {
                continue;
            };
            self.emit_site(CallSite {
                kind: SiteKind::PubSub {
                    kind,
                    channels: c.keys.clone(),
                },
                span: c.span,
                focus: c.span,
                exec,
                context: None,
                client: None,
                conn_param: None,
            });
            if !kind.sharded() {
                c.keys.clear();
            }
        }
    }

    /// The connection a `query(&mut con)` runs on.
    fn connection_arg(&mut self, mc: &'a syn::ExprMethodCall) -> ConnInfo {
        let mut conn = ConnInfo::unknown();
        for v in self.eval_args(&mc.args) {
            if let Value::Conn(c) = v {
                conn = c;
            }
        }
        conn
    }

    pub(super) fn cmd_method(
        &mut self,
        mut pending: PendingCommand<'a>,
        mc: &'a syn::ExprMethodCall,
        method: &str,
        root: Option<&super::bindings::Place>,
        full: Span,
        focus: Span,
    ) -> Value<'a> {
        match method {
            "arg" | "cursor_arg" => {
                let mut items = self.arg_items(&mc.args);
                if let PendingCommand::Raw { args, .. } = &mut pending {
                    args.append(&mut items);
                }
            }
            "query" | "query_async" | "exec" | "exec_async" | "execute" | "iter" | "iter_async" => {
                let conn = self.connection_arg(mc);
                let exec = exec_of(method);
                if let Some(cmd) = self.resolve_commands(std::slice::from_ref(&pending)).pop() {
                    self.emit_command(cmd, full, focus, exec, &conn);
                }
                return Value::Unknown;
            }
            "clone" | "take" | "set_no_response" => {}
            "get_packed_command" | "args_iter" | "in_scan_mode" => return Value::Unknown,
            _ => {
                self.eval_args(&mc.args);
                return Value::Unknown;
            }
        }
        let value = Value::Cmd(Box::new(pending));
        if method != "clone" && method != "take" {
            if let Some(root) = root {
                self.store(root, value.clone());
            }
        }
        value
    }

    pub(super) fn script_method(
        &mut self,
        mut state: ScriptState,
        mc: &'a syn::ExprMethodCall,
        method: &str,
        root: Option<&super::bindings::Place>,
        full: Span,
        focus: Span,
    ) -> Value<'a> {
        match method {
            "key" | "arg" => {
                let mut keys: Vec<KeyArg> = match (method, mc.args.first()) {
                    ("key", Some(a)) => self.keys_from_expr(a, super::commands::KeyRole::Many),
                    _ => {
                        self.eval_args(&mc.args);
                        Vec::new()
                    }
                };
                // `Script::key`/`arg` start a fresh invocation and leave the script unchanged;
                // `ScriptInvocation::key`/`arg` add to the invocation itself.
                let in_place = state.invocation;
                if !in_place {
                    state = ScriptState {
                        invocation: true,
                        keys: Vec::new(),
                        complete: true,
                        source: state.source.take(),
                    };
                }
                state.keys.append(&mut keys);
                let value = Value::Script(Box::new(state));
                if let (true, Some(root)) = (in_place, root) {
                    self.store(root, value.clone());
                }
                value
            }
            "prepare_invoke" => Value::Script(Box::new(ScriptState {
                invocation: true,
                keys: Vec::new(),
                complete: true,
                source: state.source.take(),
            })),
            "invoke" | "invoke_async" => {
                let conn = self.connection_arg(mc);
                if state.invocation {
                    let exec = exec_of(method);
                    self.emit_site(CallSite {
                        kind: SiteKind::Script {
                            command: "EVALSHA".into(),
                            keys: state.keys,
                            complete: state.complete,
                            source: state.source,
                        },
                        span: full,
                        focus,
                        exec,
                        context: None,
                        conn_param: conn.param,
                        client: conn.client,
                    });
                }
                Value::Unknown
            }
            "clone" => Value::Script(Box::new(state)),
            _ => {
                self.eval_args(&mc.args);
                Value::Unknown
            }
        }
    }

    /// `redis::transaction(&mut con, &[keys], |con, pipe| …)`: WATCH keys, then the commands
    /// the closure queues on its atomic pipeline.
    pub(super) fn eval_transaction(
        &mut self,
        api: &str,
        call: &'a syn::ExprCall,
        full: Span,
        focus: Span,
    ) -> Value<'a> {
        let conn = match self.eval(&call.args[0]) {
            Value::Conn(c) => c,
            _ => ConnInfo::unknown(),
        };
        let watch = self.keys_from_expr(&call.args[1], super::commands::KeyRole::Many);
        let tx = self.next_tx;
        self.next_tx += 1;
        if let Expr::Closure(c) = &call.args[2] {
            self.push_scope();
            let mut inputs = c.inputs.iter();
            if let Some(p) = inputs.next() {
                self.bind_pattern(p, Value::Conn(conn.clone()));
            }
            let mut state = PipeState::new(false, true);
            state.atomic = true;
            state.transaction = Some(tx);
            let pipe = Value::Pipe(Box::new(state));
            let pipe_name = inputs.next().map(|p| {
                self.bind_pattern(p, pipe.clone());
                self.text_of(p).trim_start_matches("mut ").to_owned()
            });
            self.eval(&c.body);
            // Queued but never executed where we saw it: take the pipeline's last state.
            if !self.tx_commands.contains_key(&tx) {
                if let Some(Value::Pipe(state)) = pipe_name
                    .as_deref()
                    .and_then(|n| self.lookup(n))
                    .map(|b| b.value.clone())
                {
                    let cmds = self.resolve_commands(&state.commands);
                    self.tx_commands.insert(tx, cmds);
                }
            }
            self.pop_scope();
        } else {
            self.eval(&call.args[2]);
        }
        let commands = self.tx_commands.remove(&tx).unwrap_or_default();
        let api = if api == "transaction" {
            "redis::transaction"
        } else {
            "redis::aio::transaction_async"
        };
        self.emit_site(CallSite {
            kind: SiteKind::Transaction {
                api: api.into(),
                watch,
                commands,
            },
            span: full,
            focus,
            exec: if api.ends_with("async") {
                Exec::Async
            } else {
                Exec::Sync
            },
            context: None,
            conn_param: conn.param,
            client: conn.client,
        });
        Value::Unknown
    }

    /// The Lua source given to `Script::new` (or EVAL, SCRIPT LOAD, FUNCTION LOAD): a literal,
    /// a constant, or `include_str!` of a file of the package. Recorded as a fact with where it
    /// is written.
    pub(super) fn script_source(
        &mut self,
        arg: &'a Expr,
        library: bool,
        used_at: Span,
    ) -> Option<ScriptSource> {
        let value = self.eval(arg);
        let text = match value {
            Value::Str(p) => p.as_literal()?,
            _ => return None,
        };
        Some(self.lua_source(text, library, used_at, arg.node_span()))
    }

    /// A Lua text handed to redis at `used_at`: its fact, and its source for the call site.
    pub(super) fn lua_source(
        &mut self,
        text: String,
        library: bool,
        used_at: Span,
        written_at: proc_macro2::Span,
    ) -> ScriptSource {
        let location = self.body_location(&text);
        let origin = match &location {
            Some((crate::facts::BodyLocation::File(p), _)) => p.display().to_string(),
            _ => format!(
                "{}:{}",
                self.source().display,
                self.span_of(written_at).line
            ),
        };
        if let Some((location, offsets)) = location {
            self.lua_body(LuaBody {
                location,
                text: text.clone(),
                offsets,
                library,
                used_at,
            });
        }
        ScriptSource { text, origin }
    }
}

/// `query_async`, `invoke_async`… run on an async connection.
pub(super) fn exec_of(method: &str) -> Exec {
    if method.ends_with("async") {
        Exec::Async
    } else {
        Exec::Sync
    }
}
