//! Lua bodies of scripts and functions: which keys `redis.call` / `redis.pcall` touch, and where
//! each key comes from — `KEYS[i]` (declared), or text written or built inside the script.
//!
//! The body is parsed with `full_moon` (a real Lua 5.1 parser) and walked with a small abstract
//! interpretation of its locals: `local k = KEYS[1]` is declared, `'rate:' .. ARGV[1]` is built
//! from an argument, `KEYS[1] .. ':meta'` is derived from a declared key. Local functions get
//! the join of what their callers pass; `redis.register_function` callbacks get their `keys`
//! parameter as the declared keys. A `#!lua flags=…` / `#!lua name=…` shebang is read (Redis
//! strips it before Lua sees the body). A body nested deeper than
//! [`crate::parse::MAX_LUA_DEPTH`] is not parsed (a parse failure): full_moon recurses.

use std::ops::Range;

use full_moon::LuaVersion;
use slotlint_commands::CommandTable;

mod walk;

/// The `#!<engine> [flags=a,b] [name=lib]` first line of a script or function library.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shebang {
    /// `lua`.
    pub engine: String,
    /// `flags=no-writes,allow-cross-slot-keys` → both; empty for `#!lua` alone.
    pub flags: Vec<String>,
    /// `name=mylib` (function libraries).
    pub name: Option<String>,
    /// Byte range of the line in the body.
    pub range: Range<usize>,
}

impl Shebang {
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f == flag)
    }
}

/// Where a key given to `redis.call` comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `KEYS[i]` (1-based `i` when constant), an element of `KEYS` in a loop, `unpack(KEYS)`.
    Declared(Option<usize>),
    /// Text built from a declared key (`KEYS[1] .. ':meta'`): not declared itself.
    Derived,
    /// A key written in the script.
    Literal(String),
    /// A script argument (`ARGV[i]`), or text built from one.
    Argv,
    /// Built inside the script (concatenation, `string.format`) from literals only.
    Built,
    /// Read from the database (the reply of another `redis.call`).
    Data,
    /// Anything the walk cannot follow (a parameter with no caller in view, a table field…).
    Unknown,
    /// The `KEYS` table itself (or a function's `keys` parameter).
    KeysTable,
    /// The `ARGV` table itself.
    ArgvTable,
    /// A function defined in the body (index into the walker's functions).
    Func(usize),
}

impl Origin {
    /// Certainly not one of the keys the caller declared.
    pub fn is_certainly_undeclared(&self) -> bool {
        matches!(
            self,
            Origin::Literal(_) | Origin::Argv | Origin::Built | Origin::Data
        )
    }

    pub fn is_declared(&self) -> bool {
        matches!(self, Origin::Declared(_))
    }

    /// What a value is when it may come from either `a` or `b` (`a or b`, branches, callers).
    fn join(a: Origin, b: Origin) -> Origin {
        if a == b {
            return a;
        }
        match (&a, &b) {
            (Origin::Declared(_), Origin::Declared(_)) => Origin::Declared(None),
            _ if a.is_certainly_undeclared() && b.is_certainly_undeclared() => match (&a, &b) {
                (Origin::Argv, _) | (_, Origin::Argv) => Origin::Argv,
                (Origin::Data, _) | (_, Origin::Data) => Origin::Data,
                _ => Origin::Built,
            },
            _ => Origin::Unknown,
        }
    }

    /// Text made of both (`a .. b`, `string.format`, arithmetic).
    fn concat(a: Origin, b: Origin) -> Origin {
        let either = |f: &dyn Fn(&Origin) -> bool| f(&a) || f(&b);
        if either(&|o| matches!(o, Origin::Declared(_) | Origin::Derived)) {
            Origin::Derived
        } else if either(&|o| {
            matches!(
                o,
                Origin::Unknown | Origin::KeysTable | Origin::ArgvTable | Origin::Func(_)
            )
        }) {
            Origin::Unknown
        } else if either(&|o| *o == Origin::Argv) {
            Origin::Argv
        } else if either(&|o| *o == Origin::Data) {
            Origin::Data
        } else if let (Origin::Literal(x), Origin::Literal(y)) = (&a, &b) {
            Origin::Literal(format!("{x}{y}"))
        } else {
            Origin::Built
        }
    }
}

/// A key argument of one `redis.call` / `redis.pcall` in the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyUse {
    /// Byte range of the key expression in the body.
    pub range: Range<usize>,
    /// The command, upper case (`GET`).
    pub command: String,
    /// `redis.call` or `redis.pcall`.
    pub api: String,
    /// Source text of the key expression.
    pub text: String,
    pub origin: Origin,
    /// The key as text and holes, when it is a literal or built by concatenation
    /// (`'user:' .. ARGV[1] .. ':profile'` → `user:`, a hole, `:profile`), also through a local
    /// or `string.format`: what `fix` matches against key families.
    pub template: Option<Vec<TemplatePiece>>,
}

/// A piece of a key built in a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplatePiece {
    Text(String),
    /// A value the script computes or receives.
    Hole,
}

/// `a .. b` of two templates: adjacent texts and adjacent holes merge.
fn concat_templates(mut a: Vec<TemplatePiece>, b: Vec<TemplatePiece>) -> Vec<TemplatePiece> {
    for piece in b {
        match (a.last_mut(), piece) {
            (Some(TemplatePiece::Text(x)), TemplatePiece::Text(y)) => x.push_str(&y),
            (Some(TemplatePiece::Hole), TemplatePiece::Hole) => {}
            (_, piece) => a.push(piece),
        }
    }
    a
}

/// `string.format`'s format string as a template: `%s`, `%d`… are holes, `%%` is `%`.
fn format_template(fmt: &str) -> Vec<TemplatePiece> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            text.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            text.push('%');
            continue;
        }
        // Flags, width and precision, then the conversion letter.
        while chars.peek().is_some_and(|c| !c.is_ascii_alphabetic()) {
            chars.next();
        }
        chars.next();
        if !text.is_empty() {
            out.push(TemplatePiece::Text(std::mem::take(&mut text)));
        }
        out = concat_templates(out, vec![TemplatePiece::Hole]);
    }
    if !text.is_empty() {
        out = concat_templates(out, vec![TemplatePiece::Text(text)]);
    }
    out
}

/// One `KEYS[n]` with a constant `n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeysIndex {
    /// 1-based, as written.
    pub index: usize,
    pub range: Range<usize>,
    /// Inside a condition, a comparison, or left of `and`/`or`: the script checks whether the
    /// key was passed.
    pub guarded: bool,
}

/// A body that does not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseFailure {
    pub range: Range<usize>,
    pub message: String,
}

/// What the walk found in one body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Analysis {
    pub shebang: Option<Shebang>,
    /// Set when the body does not parse; nothing else is then known.
    pub error: Option<ParseFailure>,
    /// Every key argument of `redis.call` / `redis.pcall`, in body order.
    pub key_uses: Vec<KeyUse>,
    /// Every `KEYS[n]` with a constant index.
    pub keys_indices: Vec<KeysIndex>,
    /// The body adapts to the number of keys it gets (`#KEYS`, `ipairs(KEYS)`, `unpack(KEYS)`).
    pub counts_keys: bool,
    /// The body registers functions (`redis.register_function`): a `FUNCTION LOAD` library.
    pub is_library: bool,
}

impl Analysis {
    /// The largest constant `KEYS[n]` the body reads without ever checking it (`if KEYS[3]`,
    /// `KEYS[3] or …` anywhere makes every use of `KEYS[3]` optional).
    pub fn max_unguarded_index(&self) -> Option<&KeysIndex> {
        let checked: Vec<usize> = self
            .keys_indices
            .iter()
            .filter(|k| k.guarded)
            .map(|k| k.index)
            .collect();
        self.keys_indices
            .iter()
            .filter(|k| !checked.contains(&k.index))
            .max_by_key(|k| (k.index, std::cmp::Reverse(k.range.start)))
    }
}

/// Read the shebang line, if the body starts with `#!`.
pub fn shebang(text: &str) -> Option<Shebang> {
    let rest = text.strip_prefix("#!")?;
    let end = rest.find('\n').map_or(text.len(), |i| i + 2);
    let line = text[2..end].trim_end_matches('\r');
    let mut words = line.split_whitespace();
    let engine = words.next().unwrap_or_default().to_owned();
    let mut flags = Vec::new();
    let mut name = None;
    for w in words {
        if let Some(f) = w.strip_prefix("flags=") {
            flags.extend(
                f.split(',')
                    .map(str::trim)
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned),
            );
        } else if let Some(n) = w.strip_prefix("name=") {
            name = Some(n.to_owned());
        }
    }
    Some(Shebang {
        engine,
        flags,
        name,
        range: 0..end,
    })
}

/// Analyze a script or function library body.
pub fn analyze(text: &str, commands: &CommandTable) -> Analysis {
    let shebang = shebang(text);
    // Redis removes the shebang before Lua reads the body; blank it, keeping every offset.
    let code: String = match &shebang {
        Some(s) => {
            let mut c = " ".repeat(s.range.end);
            c.push_str(&text[s.range.end..]);
            c
        }
        None => text.to_owned(),
    };
    let mut analysis = Analysis {
        shebang,
        ..Analysis::default()
    };
    // A script body is small: a large one (27 MB took 6 GB) is not parsed.
    if code.len() as u64 > crate::input::MAX_INCLUDED_BYTES {
        analysis.error = Some(ParseFailure {
            range: 0..0,
            message: format!(
                "larger than the {} slotlint reads of a script; skipped",
                crate::input::size(crate::input::MAX_INCLUDED_BYTES)
            ),
        });
        return analysis;
    }
    // full_moon and the walk below recurse per nesting level: too deep is a parse failure.
    if let Err(deep) = crate::parse::check_lua_depth(&code) {
        analysis.error = Some(ParseFailure {
            range: deep.at..deep.at,
            message: deep.to_string(),
        });
        return analysis;
    }
    // full_moon has inputs it panics on (`unreachable!` in its string lexer): a parse failure
    // of this body, not a crash of the run.
    let parsed = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        full_moon::parse_fallible(&code, LuaVersion::lua51())
    })) {
        Ok(parsed) => parsed,
        Err(_) => {
            analysis.error = Some(ParseFailure {
                range: 0..0,
                message: "the Lua parser (full_moon) failed on this body".into(),
            });
            return analysis;
        }
    };
    if let Some(err) = parsed.errors().first() {
        let (start, end) = err.range();
        let (start, end) = (start.bytes().min(code.len()), end.bytes().min(code.len()));
        analysis.error = Some(ParseFailure {
            range: start..end.max(start),
            message: err.error_message().into_owned(),
        });
        return analysis;
    }
    let ast = parsed.ast();
    let out = walk::walk(ast, &code, commands);
    analysis.key_uses = out.key_uses;
    analysis.keys_indices = out.keys_indices;
    analysis.counts_keys = out.counts_keys;
    analysis.is_library = out.is_library;
    analysis
        .key_uses
        .sort_by_key(|u| (u.range.start, u.range.end));
    analysis
        .key_uses
        .dedup_by(|a, b| a.range == b.range && a.command == b.command);
    analysis.keys_indices.sort_by_key(|k| k.range.start);
    analysis.keys_indices.dedup_by(|a, b| a.range == b.range);
    analysis
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(src: &str) -> Analysis {
        analyze(src, &CommandTable::builtin())
    }

    fn origins(src: &str) -> Vec<(String, Origin)> {
        run(src)
            .key_uses
            .into_iter()
            .map(|u| (u.text, u.origin))
            .collect()
    }

    #[test]
    fn declared_keys_and_locals() {
        let o = origins(
            "local k = KEYS[1]\nlocal n = redis.call('INCR', k)\nif n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end\nreturn redis.call('GET', KEYS[2])",
        );
        assert_eq!(
            o,
            vec![
                ("k".into(), Origin::Declared(Some(1))),
                ("KEYS[1]".into(), Origin::Declared(Some(1))),
                ("KEYS[2]".into(), Origin::Declared(Some(2))),
            ]
        );
    }

    #[test]
    fn undeclared_keys() {
        let o = origins(
            "local key = 'rate:' .. ARGV[1]\nredis.call('INCR', key)\nredis.call('GET', 'config')\nredis.call('SET', KEYS[1] .. ':meta', 1)\nlocal other = redis.call('GET', KEYS[1])\nredis.call('DEL', other)\nredis.call('HSET', string.format('h:%s', 'x'), 'f', 1)",
        );
        assert_eq!(
            o,
            vec![
                ("key".into(), Origin::Argv),
                ("'config'".into(), Origin::Literal("config".into())),
                ("KEYS[1] .. ':meta'".into(), Origin::Derived),
                ("KEYS[1]".into(), Origin::Declared(Some(1))),
                ("other".into(), Origin::Data),
                (
                    "string.format('h:%s', 'x')".into(),
                    Origin::Literal("h:%sx".into())
                ),
            ]
        );
    }

    #[test]
    fn key_templates() {
        let t = |src: &str| {
            run(src)
                .key_uses
                .into_iter()
                .map(|u| u.template)
                .collect::<Vec<_>>()
        };
        use TemplatePiece::{Hole, Text};
        assert_eq!(
            t("redis.call('GET', 'user:' .. ARGV[1] .. ':profile')"),
            vec![Some(vec![
                Text("user:".into()),
                Hole,
                Text(":profile".into())
            ])]
        );
        assert_eq!(
            t("local k = 'cart:' .. ARGV[1]\nredis.call('DEL', k)\nredis.call('GET', string.format('inv:%s:%d', ARGV[1], 2))"),
            vec![
                Some(vec![Text("cart:".into()), Hole]),
                Some(vec![Text("inv:".into()), Hole, Text(":".into()), Hole])
            ]
        );
        assert_eq!(t("redis.call('GET', KEYS[1])"), vec![Some(vec![Hole])]);
    }

    #[test]
    fn loops_spreads_and_functions() {
        let a = run("for i, k in ipairs(KEYS) do redis.call('DEL', k) end\nreturn redis.call('MGET', unpack(KEYS))");
        assert!(a.counts_keys);
        assert!(a.key_uses.iter().all(|u| u.origin.is_declared()), "{a:?}");
        let o = origins("local function bump(key) return redis.call('INCR', key) end\nbump(KEYS[1])\nbump(KEYS[2])\nlocal function hit(x) redis.call('INCR', x) end\nhit('a:' .. ARGV[1])");
        assert_eq!(
            o,
            vec![
                ("key".into(), Origin::Declared(None)),
                ("x".into(), Origin::Argv)
            ]
        );
        let o = origins("redis.register_function('f', function(keys, args) return redis.call('GET', keys[1]) .. redis.call('GET', args[1]) end)");
        assert_eq!(
            o,
            vec![
                ("keys[1]".into(), Origin::Declared(Some(1))),
                ("args[1]".into(), Origin::Argv)
            ]
        );
    }

    #[test]
    fn guards_and_counts() {
        let a = run("local a = redis.call('GET', KEYS[1])\nif KEYS[3] then redis.call('DEL', KEYS[3]) end\nlocal b = KEYS[4] or KEYS[1]");
        let idx: Vec<(usize, bool)> = a
            .keys_indices
            .iter()
            .map(|k| (k.index, k.guarded))
            .collect();
        assert_eq!(
            idx,
            vec![(1, false), (3, true), (3, false), (4, true), (1, false)]
        );
        assert_eq!(a.max_unguarded_index().map(|k| k.index), Some(1));
        let a = run("redis.call('SET', KEYS[1], 1)\nredis.call('SET', KEYS[2], 2)");
        assert_eq!(a.max_unguarded_index().map(|k| k.index), Some(2));
        assert!(run("for i = 1, #KEYS do redis.call('DEL', KEYS[i]) end").counts_keys);
    }

    #[test]
    fn a_body_the_lua_parser_panics_on_is_a_parse_failure() {
        // full_moon 3 reaches `unreachable!` in its string lexer on this text (a Rust message
        // that looks like Lua: `KEYS[`, `redis.call`).
        let a = run("`KEYS[{}]` is nil in the script (body at {where_}): `redis.call` fails with \"Lua redis lib command arguments must be strings or integers\", and the key is missing from the cluster's slot check");
        assert!(a.error.is_some());
        assert!(a.key_uses.is_empty());
    }

    #[test]
    fn shebang_and_parse_errors() {
        let a =
            run("#!lua flags=no-writes,allow-cross-slot-keys\nreturn redis.call('GET', KEYS[1])");
        let s = a.shebang.as_ref().unwrap();
        assert_eq!(s.engine, "lua");
        assert_eq!(s.flags, vec!["no-writes", "allow-cross-slot-keys"]);
        assert!(a.error.is_none());
        assert_eq!(a.key_uses.len(), 1);
        let src = "#!lua flags=no-writes,allow-cross-slot-keys\nreturn redis.call('GET', KEYS[1])";
        let at = src.find("KEYS[1]").unwrap();
        assert_eq!(&a.key_uses[0].range, &(at..at + 7));
        let a = run("#!lua name=mylib\nredis.register_function('x', function(keys) return 1 end)");
        assert_eq!(a.shebang.unwrap().name.as_deref(), Some("mylib"));
        assert!(a.is_library);
        let a = run("local x = = 1\nredis.call('GET', 'a')");
        assert!(a.error.is_some());
        assert!(a.key_uses.is_empty());
    }
}
