//! The walk of a Lua body: locals and their origins (`KEYS[i]`, `ARGV[i]`, literals, `..`
//! concatenation, `string.format`), local functions with what their callers pass, and every
//! `redis.call`/`redis.pcall` with the keys it touches.
//!
//! Not here: parsing, the shebang, size and depth limits (`lua`).

use std::collections::HashMap;
use std::ops::Range;

use full_moon::ast::{
    self, BinOp, Call, Expression, Field, FunctionArgs, Index, LastStmt, Parameter, Prefix, Stmt,
    Suffix, UnOp, Var,
};
use full_moon::node::Node;
use full_moon::tokenizer::{Symbol, TokenReference, TokenType};
use slotlint_commands::{BeginSearch, CommandTable};

use super::{
    concat_templates, format_template, Analysis, KeyUse, KeysIndex, Origin, TemplatePiece,
};

/// Walk a parsed script: the top level, then function bodies with what their callers pass
/// (until nothing changes, at most four rounds), recording key uses on the last walk.
pub(super) fn walk(ast: &ast::Ast, code: &str, commands: &CommandTable) -> Analysis {
    let mut walker = Walker {
        commands,
        code,
        scopes: vec![HashMap::new()],
        globals: HashMap::new(),
        functions: Vec::new(),
        by_body: HashMap::new(),
        record: true,
        cond_depth: 0,
        templates: HashMap::new(),
        out: Analysis::default(),
    };
    walker.block(ast.nodes());
    // Function bodies: propagate what callers pass until nothing changes, then record.
    walker.record = false;
    for _ in 0..4 {
        let before: Vec<Vec<Option<Origin>>> =
            walker.functions.iter().map(|f| f.args.clone()).collect();
        let mut i = 0;
        while i < walker.functions.len() {
            walker.function_body(i);
            i += 1;
        }
        let after: Vec<Vec<Option<Origin>>> =
            walker.functions.iter().map(|f| f.args.clone()).collect();
        if before == after {
            break;
        }
    }
    walker.record = true;
    let mut i = 0;
    while i < walker.functions.len() {
        walker.function_body(i);
        i += 1;
    }
    walker.out
}

struct Function<'a> {
    body: &'a ast::FunctionBody,
    /// Parameter names (`None` for `...`).
    params: Vec<Option<String>>,
    /// What callers pass, per parameter (`None`: no caller seen).
    args: Vec<Option<Origin>>,
    /// Upvalues: the locals in scope where it was defined.
    env: HashMap<String, Origin>,
    /// Passed or stored somewhere the walk cannot follow: its parameters are unknown.
    escapes: bool,
    /// A `redis.register_function` callback: `(keys, args)`.
    registered: bool,
}

struct Walker<'a, 't> {
    commands: &'t CommandTable,
    code: &'t str,
    scopes: Vec<HashMap<String, Origin>>,
    globals: HashMap<String, Origin>,
    functions: Vec<Function<'a>>,
    by_body: HashMap<usize, usize>,
    /// Record key uses and `KEYS[n]` (the last walk of each body).
    record: bool,
    /// Inside a condition, a comparison, or left of `and`/`or`.
    cond_depth: usize,
    /// Templates of the locals assigned one (by name, last assignment; see [`KeyUse::template`]).
    templates: HashMap<String, Vec<TemplatePiece>>,
    out: Analysis,
}

/// Byte range of a node from its first to its last token (some nodes' own `range()` leave out
/// closing brackets).
fn range_of(node: &impl Node) -> Range<usize> {
    let mut tokens = node.tokens();
    let first = tokens.next();
    let last = tokens.next_back().or(first);
    match (first, last) {
        (Some(a), Some(b)) => a.token().start_position().bytes()..b.token().end_position().bytes(),
        _ => 0..0,
    }
}

fn name_of(token: &TokenReference) -> Option<String> {
    match token.token_type() {
        TokenType::Identifier { identifier } => Some(identifier.to_string()),
        _ => None,
    }
}

fn string_literal(token: &TokenReference) -> Option<String> {
    match token.token_type() {
        TokenType::StringLiteral { literal, .. } => Some(unescape(literal)),
        _ => None,
    }
}

/// The common Lua escapes (enough for command names and key text).
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// `unpack(X)` / `table.unpack(X)`: the expression `X`.
fn unpack_arg(e: &Expression) -> Option<&Expression> {
    let Expression::FunctionCall(call) = e else {
        return None;
    };
    let mut path = Vec::new();
    if let Prefix::Name(n) = call.prefix() {
        path.push(name_of(n)?);
    }
    let mut args = None;
    for s in call.suffixes() {
        match s {
            Suffix::Index(Index::Dot { name, .. }) => path.push(name_of(name)?),
            Suffix::Call(Call::AnonymousCall(a)) if args.is_none() => args = Some(a),
            _ => return None,
        }
    }
    let path = path.join(".");
    if path != "unpack" && path != "table.unpack" {
        return None;
    }
    match &**args? {
        FunctionArgs::Parentheses { arguments, .. } => arguments.iter().next(),
        _ => None,
    }
}

impl<'a> Walker<'a, '_> {
    /// The template of an expression (see [`KeyUse::template`]); a value it cannot read is a
    /// hole.
    fn template(&self, e: &Expression, depth: usize) -> Vec<TemplatePiece> {
        if depth > crate::parse::MAX_LUA_DEPTH {
            return vec![TemplatePiece::Hole];
        }
        match e {
            Expression::String(s) => {
                vec![TemplatePiece::Text(string_literal(s).unwrap_or_default())]
            }
            Expression::Number(n) => {
                vec![TemplatePiece::Text(n.token().to_string().trim().to_owned())]
            }
            Expression::Parentheses { expression, .. } => self.template(expression, depth + 1),
            Expression::BinaryOperator {
                lhs,
                binop: BinOp::TwoDots(_),
                rhs,
            } => concat_templates(self.template(lhs, depth + 1), self.template(rhs, depth + 1)),
            Expression::Var(Var::Name(n)) => name_of(n)
                .and_then(|n| self.templates.get(&n).cloned())
                .unwrap_or_else(|| vec![TemplatePiece::Hole]),
            Expression::FunctionCall(call) => {
                // `string.format('user:%s', x)`
                let is_format = matches!(call.prefix(), Prefix::Name(n) if name_of(n).as_deref() == Some("string"))
                    && matches!(call.suffixes().next(), Some(Suffix::Index(Index::Dot { name, .. })) if name_of(name).as_deref() == Some("format"));
                let fmt = call.suffixes().nth(1).and_then(|s| match s {
                    Suffix::Call(Call::AnonymousCall(args)) => match &**args {
                        FunctionArgs::Parentheses { arguments, .. } => {
                            match arguments.iter().next() {
                                Some(Expression::String(s)) => string_literal(s),
                                _ => None,
                            }
                        }
                        _ => None,
                    },
                    _ => None,
                });
                match (is_format, fmt) {
                    (true, Some(f)) => format_template(&f),
                    _ => vec![TemplatePiece::Hole],
                }
            }
            _ => vec![TemplatePiece::Hole],
        }
    }

    fn set_template(&mut self, name: &str, value: Option<&Expression>) {
        match value.map(|e| self.template(e, 0)) {
            Some(t) if t.iter().any(|p| matches!(p, TemplatePiece::Text(_))) => {
                self.templates.insert(name.to_owned(), t);
            }
            _ => {
                self.templates.remove(name);
            }
        }
    }

    fn text(&self, r: &Range<usize>) -> String {
        self.code
            .get(r.clone())
            .unwrap_or_default()
            .trim()
            .to_owned()
    }

    fn lookup(&self, name: &str) -> Origin {
        for scope in self.scopes.iter().rev() {
            if let Some(o) = scope.get(name) {
                return o.clone();
            }
        }
        if let Some(o) = self.globals.get(name) {
            return o.clone();
        }
        match name {
            "KEYS" => Origin::KeysTable,
            "ARGV" => Origin::ArgvTable,
            _ => Origin::Unknown,
        }
    }

    fn bind(&mut self, name: String, origin: Origin) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.insert(name, origin);
        }
    }

    /// `name = value` for an existing local or a global. In a nested block the old value may
    /// survive (the block may not run), so the two are joined.
    fn assign(&mut self, name: String, origin: Origin) {
        let depth = self.scopes.len();
        for (i, scope) in self.scopes.iter_mut().enumerate().rev() {
            if let Some(old) = scope.get_mut(&name) {
                *old = if i + 1 == depth {
                    origin
                } else {
                    Origin::join(old.clone(), origin)
                };
                return;
            }
        }
        let joined = match self.globals.get(&name) {
            Some(old) if depth > 1 => Origin::join(old.clone(), origin),
            _ => origin,
        };
        self.globals.insert(name, joined);
    }

    fn escape(&mut self, o: &Origin) {
        if let Origin::Func(i) = o {
            if let Some(f) = self.functions.get_mut(*i) {
                f.escapes = true;
            }
        }
    }

    fn block(&mut self, block: &'a ast::Block) {
        self.scopes.push(HashMap::new());
        for stmt in block.stmts() {
            self.stmt(stmt);
        }
        if let Some(LastStmt::Return(r)) = block.last_stmt() {
            for e in r.returns() {
                let o = self.expr(e);
                self.escape(&o);
            }
        }
        self.scopes.pop();
    }

    fn condition(&mut self, e: &'a Expression) {
        self.cond_depth += 1;
        self.expr(e);
        self.cond_depth -= 1;
    }

    fn stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::LocalAssignment(l) => {
                let values: Vec<Origin> = l.expressions().iter().map(|e| self.expr(e)).collect();
                let exprs: Vec<&Expression> = l.expressions().iter().collect();
                for (i, name) in l.names().iter().enumerate() {
                    if let Some(n) = name_of(name) {
                        let v = values.get(i).cloned().unwrap_or(Origin::Unknown);
                        self.set_template(&n, exprs.get(i).copied());
                        self.bind(n, v);
                    }
                }
            }
            Stmt::Assignment(a) => {
                let values: Vec<Origin> = a.expressions().iter().map(|e| self.expr(e)).collect();
                for (i, var) in a.variables().iter().enumerate() {
                    let v = values.get(i).cloned().unwrap_or(Origin::Unknown);
                    match var {
                        Var::Name(n) => {
                            if let Some(n) = name_of(n) {
                                self.set_template(&n, a.expressions().iter().nth(i));
                                self.assign(n, v);
                            }
                        }
                        Var::Expression(ve) => {
                            self.suffixed(ve.prefix(), ve.suffixes().collect());
                            self.escape(&v);
                        }
                        _ => self.escape(&v),
                    }
                }
            }
            Stmt::FunctionCall(call) => {
                self.suffixed(call.prefix(), call.suffixes().collect());
            }
            Stmt::Do(d) => self.block(d.block()),
            Stmt::If(i) => {
                self.condition(i.condition());
                self.block(i.block());
                for e in i.else_if().into_iter().flatten() {
                    self.condition(e.condition());
                    self.block(e.block());
                }
                if let Some(b) = i.else_block() {
                    self.block(b);
                }
            }
            Stmt::While(w) => {
                self.condition(w.condition());
                self.block(w.block());
            }
            Stmt::Repeat(r) => {
                self.block(r.block());
                self.condition(r.until());
            }
            Stmt::NumericFor(f) => {
                self.expr(f.start());
                self.expr(f.end());
                if let Some(s) = f.step() {
                    self.expr(s);
                }
                self.scopes.push(HashMap::new());
                if let Some(n) = name_of(f.index_variable()) {
                    self.bind(n, Origin::Unknown);
                }
                self.block(f.block());
                self.scopes.pop();
            }
            Stmt::GenericFor(f) => {
                // `for i, k in ipairs(KEYS)`: `k` is each declared key.
                let mut element = Origin::Unknown;
                for e in f.expressions() {
                    let iterated = match e {
                        Expression::FunctionCall(call) => {
                            let is_pairs = matches!(call.prefix(), Prefix::Name(n)
                                if matches!(name_of(n).as_deref(), Some("ipairs" | "pairs")));
                            let arg = call.suffixes().next().and_then(|s| match s {
                                Suffix::Call(Call::AnonymousCall(a)) => match &**a {
                                    FunctionArgs::Parentheses { arguments, .. } => {
                                        arguments.iter().next()
                                    }
                                    _ => None,
                                },
                                _ => None,
                            });
                            match (is_pairs, arg) {
                                (true, Some(arg)) => Some(self.expr(arg)),
                                _ => {
                                    self.expr(e);
                                    None
                                }
                            }
                        }
                        _ => {
                            self.expr(e);
                            None
                        }
                    };
                    element = match iterated {
                        Some(Origin::KeysTable) => {
                            self.out.counts_keys = true;
                            Origin::Declared(None)
                        }
                        Some(Origin::ArgvTable) => Origin::Argv,
                        _ => Origin::Unknown,
                    };
                }
                self.scopes.push(HashMap::new());
                for (i, name) in f.names().iter().enumerate() {
                    if let Some(n) = name_of(name) {
                        let v = if i == 1 {
                            element.clone()
                        } else {
                            Origin::Unknown
                        };
                        self.bind(n, v);
                    }
                }
                self.block(f.block());
                self.scopes.pop();
            }
            Stmt::LocalFunction(f) => {
                let idx = self.define(f.body());
                if let Some(n) = name_of(f.name()) {
                    self.bind(n, Origin::Func(idx));
                    // Its own name is visible inside (recursion).
                    self.functions[idx]
                        .env
                        .insert(name_of(f.name()).unwrap_or_default(), Origin::Func(idx));
                }
            }
            Stmt::FunctionDeclaration(f) => {
                let idx = self.define(f.body());
                let names: Vec<String> = f.name().names().iter().filter_map(name_of).collect();
                if names.len() == 1 && f.name().method_name().is_none() {
                    self.assign(names[0].clone(), Origin::Func(idx));
                } else {
                    self.functions[idx].escapes = true;
                }
            }
            _ => {}
        }
    }

    /// Register a function body (once per body) and return its index.
    fn define(&mut self, body: &'a ast::FunctionBody) -> usize {
        let key = body as *const ast::FunctionBody as usize;
        if let Some(&i) = self.by_body.get(&key) {
            return i;
        }
        let mut env = HashMap::new();
        for scope in &self.scopes {
            env.extend(scope.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let params: Vec<Option<String>> = body
            .parameters()
            .iter()
            .map(|p| match p {
                Parameter::Name(n) => name_of(n),
                _ => None,
            })
            .collect();
        let n = params.len();
        self.functions.push(Function {
            body,
            params,
            args: vec![None; n],
            env,
            escapes: false,
            registered: false,
        });
        let i = self.functions.len() - 1;
        self.by_body.insert(key, i);
        i
    }

    fn function_body(&mut self, i: usize) {
        let f = &self.functions[i];
        let body = f.body;
        let mut scope = f.env.clone();
        for (p, name) in f.params.iter().enumerate() {
            let Some(name) = name else { continue };
            let v = if f.registered {
                match p {
                    0 => Origin::KeysTable,
                    1 => Origin::ArgvTable,
                    _ => Origin::Unknown,
                }
            } else {
                match (&f.args[p], f.escapes) {
                    (Some(o), false) => o.clone(),
                    _ => Origin::Unknown,
                }
            };
            scope.insert(name.clone(), v);
        }
        let saved_scopes = std::mem::replace(&mut self.scopes, vec![scope]);
        let saved_cond = std::mem::replace(&mut self.cond_depth, 0);
        self.block(body.block());
        self.scopes = saved_scopes;
        self.cond_depth = saved_cond;
    }

    fn expr(&mut self, e: &'a Expression) -> Origin {
        match e {
            Expression::BinaryOperator { lhs, binop, rhs } => match binop {
                BinOp::And(_) | BinOp::Or(_) => {
                    // The left side is tested (`KEYS[3] or 'x'`); the right side is a value.
                    self.cond_depth += 1;
                    let a = self.expr(lhs);
                    self.cond_depth -= 1;
                    let b = self.expr(rhs);
                    match binop {
                        // `cond and KEYS[1]`: the value is the right side (or false).
                        BinOp::And(_) => b,
                        _ => Origin::join(a, b),
                    }
                }
                BinOp::TwoEqual(_)
                | BinOp::TildeEqual(_)
                | BinOp::LessThan(_)
                | BinOp::LessThanEqual(_)
                | BinOp::GreaterThan(_)
                | BinOp::GreaterThanEqual(_) => {
                    self.cond_depth += 1;
                    self.expr(lhs);
                    self.expr(rhs);
                    self.cond_depth -= 1;
                    Origin::Unknown
                }
                _ => {
                    let a = self.expr(lhs);
                    let b = self.expr(rhs);
                    Origin::concat(a, b)
                }
            },
            Expression::Parentheses { expression, .. } => self.expr(expression),
            Expression::UnaryOperator { unop, expression } => {
                let o = self.expr(expression);
                match unop {
                    UnOp::Hash(_) => {
                        if o == Origin::KeysTable {
                            self.out.counts_keys = true;
                        }
                        Origin::Unknown
                    }
                    UnOp::Minus(_) => o,
                    _ => Origin::Unknown,
                }
            }
            Expression::Function(f) => Origin::Func(self.define(f.body())),
            Expression::FunctionCall(call) => {
                self.suffixed(call.prefix(), call.suffixes().collect())
            }
            Expression::TableConstructor(t) => {
                for field in t.fields() {
                    let v = match field {
                        Field::ExpressionKey { key, value, .. } => {
                            self.expr(key);
                            self.expr(value)
                        }
                        Field::NameKey { value, .. } => self.expr(value),
                        Field::NoKey(value) => self.expr(value),
                        _ => Origin::Unknown,
                    };
                    self.escape(&v);
                }
                Origin::Unknown
            }
            Expression::Number(n) => Origin::Literal(n.token().to_string().trim().to_owned()),
            Expression::String(s) => Origin::Literal(string_literal(s).unwrap_or_default()),
            Expression::Symbol(_) => Origin::Unknown,
            Expression::Var(Var::Name(n)) => match name_of(n) {
                Some(n) => self.lookup(&n),
                None => Origin::Unknown,
            },
            Expression::Var(Var::Expression(ve)) => {
                self.suffixed(ve.prefix(), ve.suffixes().collect())
            }
            _ => Origin::Unknown,
        }
    }

    /// A prefix with suffixes: `redis.call(..)`, `KEYS[1]`, `f(x)`, `s:format(..)`.
    fn suffixed(&mut self, prefix: &'a Prefix, suffixes: Vec<&'a Suffix>) -> Origin {
        let (mut value, mut path) = match prefix {
            Prefix::Name(n) => {
                let name = name_of(n).unwrap_or_default();
                (self.lookup(&name), Some(vec![name]))
            }
            Prefix::Expression(e) => (self.expr(e), None),
            _ => (Origin::Unknown, None),
        };
        let start = range_of(prefix).start;
        for s in suffixes {
            match s {
                Suffix::Index(Index::Dot { name, .. }) => {
                    if let (Some(p), Some(n)) = (path.as_mut(), name_of(name)) {
                        p.push(n);
                    }
                    value = Origin::Unknown;
                }
                Suffix::Index(Index::Brackets {
                    brackets,
                    expression,
                }) => {
                    path = None;
                    let index = self.expr(expression);
                    value = match value {
                        Origin::KeysTable => {
                            let end = brackets.tokens().1.token().end_position().bytes();
                            match index {
                                Origin::Literal(n) => match n.parse::<usize>() {
                                    Ok(n) => {
                                        if self.record {
                                            self.out.keys_indices.push(KeysIndex {
                                                index: n,
                                                range: start..end,
                                                guarded: self.cond_depth > 0,
                                            });
                                        }
                                        Origin::Declared(Some(n))
                                    }
                                    Err(_) => Origin::Unknown,
                                },
                                _ => Origin::Declared(None),
                            }
                        }
                        Origin::ArgvTable => Origin::Argv,
                        _ => Origin::Unknown,
                    };
                }
                Suffix::Call(Call::AnonymousCall(args)) => {
                    let callee = path.take().map(|p| p.join("."));
                    value = self.call(callee.as_deref(), value, args);
                }
                Suffix::Call(Call::MethodCall(m)) => {
                    path = None;
                    let mut v = value;
                    for a in self.args(m.args()) {
                        v = Origin::concat(v, a);
                    }
                    value = v;
                }
                _ => {
                    path = None;
                    value = Origin::Unknown;
                }
            }
        }
        value
    }

    fn arg_exprs(args: &'a FunctionArgs) -> Vec<&'a Expression> {
        match args {
            FunctionArgs::Parentheses { arguments, .. } => arguments.iter().collect(),
            _ => Vec::new(),
        }
    }

    /// Byte ranges of the arguments of a parenthesized call: each ends where the next comma or
    /// the closing parenthesis starts (node ranges can leave out a closing bracket).
    fn arg_ranges(&self, args: &FunctionArgs) -> Vec<Range<usize>> {
        let FunctionArgs::Parentheses {
            parentheses,
            arguments,
        } = args
        else {
            return Vec::new();
        };
        let close = parentheses.tokens().1.token().start_position().bytes();
        arguments
            .pairs()
            .map(|pair| {
                let start = range_of(pair.value()).start;
                let end = pair
                    .punctuation()
                    .map_or(close, |p| p.token().start_position().bytes());
                let text = self.code.get(start..end).unwrap_or_default();
                start..start + text.trim_end().len()
            })
            .collect()
    }

    fn args(&mut self, args: &'a FunctionArgs) -> Vec<Origin> {
        match args {
            FunctionArgs::Parentheses { arguments, .. } => {
                arguments.iter().map(|e| self.expr(e)).collect()
            }
            FunctionArgs::String(s) => vec![Origin::Literal(string_literal(s).unwrap_or_default())],
            FunctionArgs::TableConstructor(t) => {
                let mut out = Vec::new();
                for field in t.fields() {
                    match field {
                        Field::NoKey(v) => out.push(self.expr(v)),
                        Field::NameKey { value, .. } => out.push(self.expr(value)),
                        _ => {}
                    }
                }
                out
            }
            _ => Vec::new(),
        }
    }

    fn call(&mut self, callee: Option<&str>, value: Origin, args: &'a FunctionArgs) -> Origin {
        match callee {
            Some("redis.call" | "redis.pcall" | "server.call" | "server.pcall") => {
                self.redis_call(callee.unwrap_or_default(), args);
                Origin::Data
            }
            Some("redis.register_function" | "server.register_function") => {
                self.out.is_library = true;
                let callback = match args {
                    FunctionArgs::TableConstructor(t) => t.fields().iter().find_map(|f| match f {
                        Field::NameKey { key, value, .. }
                            if name_of(key).as_deref() == Some("callback") =>
                        {
                            Some(self.expr(value))
                        }
                        _ => None,
                    }),
                    _ => {
                        let origins = self.args(args);
                        origins.get(1).cloned()
                    }
                };
                if let Some(Origin::Func(i)) = callback {
                    self.functions[i].registered = true;
                }
                Origin::Unknown
            }
            Some(
                "tostring" | "string.format" | "string.lower" | "string.upper" | "string.rep"
                | "string.sub" | "table.concat",
            ) => {
                let origins = self.args(args);
                let mut it = origins.into_iter();
                let first = it.next().unwrap_or(Origin::Unknown);
                it.fold(first, Origin::concat)
            }
            _ => {
                let origins = self.args(args);
                if let Origin::Func(i) = value {
                    let f = &mut self.functions[i];
                    for (p, o) in origins.into_iter().enumerate() {
                        if let Some(slot) = f.args.get_mut(p) {
                            *slot = Some(match slot.take() {
                                Some(old) => Origin::join(old, o),
                                None => o,
                            });
                        }
                    }
                } else {
                    for o in &origins {
                        self.escape(o);
                    }
                }
                Origin::Unknown
            }
        }
    }

    /// `redis.call('CMD', …)`: find the key arguments with the command table.
    fn redis_call(&mut self, api: &str, args: &'a FunctionArgs) {
        let exprs = Self::arg_exprs(args);
        let ranges = self.arg_ranges(args);
        let Some((name_expr, rest)) = exprs.split_first() else {
            self.args(args);
            return;
        };
        let name = match self.expr(name_expr) {
            Origin::Literal(n) => n,
            _ => {
                for e in rest {
                    self.expr(e);
                }
                return;
            }
        };
        // Arguments, with a spread (`unpack(KEYS)`, `...`) in last place.
        // Each argument: its origin, its text if literal, its range, its expression.
        type Item<'e> = (Origin, Option<String>, Range<usize>, Option<&'e Expression>);
        let mut items: Vec<Item> = Vec::new();
        let mut spread: Option<(Origin, Range<usize>)> = None;
        for (i, e) in rest.iter().enumerate() {
            let last = i + 1 == rest.len();
            if last {
                if let Some(inner) = unpack_arg(e) {
                    let o = match self.expr(inner) {
                        Origin::KeysTable => {
                            self.out.counts_keys = true;
                            Origin::Declared(None)
                        }
                        Origin::ArgvTable => Origin::Argv,
                        _ => Origin::Unknown,
                    };
                    spread = Some((o, ranges[i + 1].clone()));
                    continue;
                }
                if matches!(e, Expression::Symbol(t) if t.is_symbol(Symbol::Ellipsis)) {
                    spread = Some((Origin::Unknown, ranges[i + 1].clone()));
                    continue;
                }
            }
            let o = self.expr(e);
            let lit = match &o {
                Origin::Literal(t) => Some(t.clone()),
                _ => None,
            };
            items.push((o, lit, ranges[i + 1].clone(), Some(*e)));
        }
        let mut argv: Vec<Option<&str>> = vec![Some(name.as_str())];
        argv.extend(items.iter().map(|(_, l, _, _)| l.as_deref()));
        if spread.is_some() {
            argv.push(None);
        }
        let Some(spec) = self.commands.lookup(&argv) else {
            return;
        };
        let positions = match spec.key_positions(&argv) {
            Ok(p) => p,
            Err(_) => {
                // Unknown numkeys or a spread: at least the first key, where most commands have it.
                let first_at_1 = spec
                    .key_specs
                    .first()
                    .is_some_and(|k| k.begin == BeginSearch::Index(1) && !k.is_channel());
                if first_at_1 && argv.len() > 1 {
                    vec![1]
                } else {
                    Vec::new()
                }
            }
        };
        if !self.record {
            return;
        }
        let command = spec.full_name().to_ascii_uppercase();
        for p in positions {
            let (origin, range, expr) = if let Some((o, _, r, e)) = items.get(p - 1) {
                (o.clone(), r.clone(), *e)
            } else if let Some((o, r)) = &spread {
                (o.clone(), r.clone(), None)
            } else {
                continue;
            };
            let text = self.text(&range);
            let template = expr.map(|e| self.template(e, 0));
            self.out.key_uses.push(KeyUse {
                range,
                command: command.clone(),
                api: api.to_owned(),
                text,
                origin,
                template,
            });
        }
    }
}
