//! Finding the key arguments of one invocation, the way Redis 7.0's `COMMAND GETKEYS` does.
//!
//! The server's order of work, reproduced here:
//!
//! 1. a command with no key spec naming a real key (only `not_key` ones, or none) has "no key
//!    arguments";
//! 2. the arity is checked ("Invalid number of arguments specified for command");
//! 3. the key specs are walked in order. A spec that cannot give its keys makes the whole
//!    walk fail: `unknown` begin or find, a `keynum` whose count is not a canonical integer
//!    (or is negative), a range outside the arguments or empty (numkeys 0), and any spec
//!    flagged `incomplete` once it has matched. A `keyword` spec whose keyword is absent
//!    simply gives nothing. The last key of a `keynum` spec is `first + (numkeys - 1) *
//!    step`. Redis 7.0 computes `first + numkeys - 1`, the same for every 7.0 command
//!    (step 1), but it would give only the first half of MSETEX's keys (step 2). Redis 8.4.0
//!    shipped MSETEX with that formula, and both projects later corrected it
//!    (redis/redis#14659, valkey-io/valkey#3197). This crate uses the corrected formula;
//! 4. when the walk fails, the command's getkeys procedure runs instead, if it has one
//!    ([`procedure`]); the procedures parse numbers with C `atoi` and have their own shapes;
//! 5. no key found: `[]` for commands flagged `no_mandatory_keys` (EVAL, FCALL...), else
//!    "Invalid arguments specified for command".
//!
//! SET and BITFIELD have `variable_flags` specs, so the server asks their procedures first;
//! those give the same single position as the spec (only the flags differ), so the spec walk
//! is used. GEORADIUS and GEORADIUSBYMEMBER also have a procedure, but their specs cannot fail
//! (a keyword found before the last argument always has its key), so it is never reached.
//!
//! Unknown arguments (`None`): a run reads argument values only through [`Args`]. When it
//! asks whether an unknown argument equals a keyword (or is empty), the run stops and is
//! started again twice, once assuming "yes" and once "no" (remembering the keywords it is
//! not), so only the questions actually asked branch. If every run gives the same answer,
//! that is the answer; otherwise the value matters and the result is
//! [`KeyPositionError::UnknownArgument`]. An unknown argument that must be read as a number
//! (numkeys) is always an error.

use std::fmt;

use crate::{BeginSearch, CommandSpec, FindKeys};

/// One argument that is hashed to a slot, from [`CommandSpec::slot_positions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyPosition {
    /// Index into argv (`argv[0]` = the command name).
    pub pos: usize,
    /// Index into [`CommandSpec::key_specs`] of the spec that covers this argument (also when a
    /// getkeys procedure found it: SORT's destination is spec 2, EVAL's keys spec 0,
    /// ZUNIONSTORE's destination spec 0 and its sources spec 1).
    pub spec: usize,
    /// A shard channel (SSUBSCRIBE…), not a key.
    pub channel: bool,
}

/// Why the key positions of an invocation cannot be given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPositionError {
    /// The argv is empty.
    EmptyArgv,
    /// No such command or subcommand. Server: `ERR Invalid command specified`.
    UnknownCommand,
    /// The command takes no keys (KEYS, PUBLISH, SSUBSCRIBE, a container named without its
    /// subcommand). Server: `ERR The command has no key arguments`.
    NoKeyArguments,
    /// Too few or too many arguments for the arity. Server: `ERR Invalid number of arguments
    /// specified for command`.
    WrongArity { arity: i32, argc: usize },
    /// The server finds no key where one is mandatory (a bad numkeys, MIGRATE with both a key
    /// and `KEYS`...). Server: `ERR Invalid arguments specified for command`.
    InvalidArguments,
    /// The answer depends on the value of an argument that is unknown (`None`): the first
    /// such argument the search had to read.
    UnknownArgument { pos: usize },
}

impl KeyPositionError {
    /// The error the server's `COMMAND GETKEYS` answers in this case (without `ERR `), or
    /// `None` when the error is about unknown values, not the server's.
    pub fn server_message(&self) -> Option<&'static str> {
        match self {
            KeyPositionError::UnknownCommand => Some("Invalid command specified"),
            KeyPositionError::NoKeyArguments => Some("The command has no key arguments"),
            KeyPositionError::WrongArity { .. } => {
                Some("Invalid number of arguments specified for command")
            }
            KeyPositionError::InvalidArguments => Some("Invalid arguments specified for command"),
            KeyPositionError::EmptyArgv | KeyPositionError::UnknownArgument { .. } => None,
        }
    }
}

impl fmt::Display for KeyPositionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyPositionError::EmptyArgv => f.write_str("no command name"),
            KeyPositionError::WrongArity { arity, argc } => write!(
                f,
                "{argc} arguments where the arity is {arity}: invalid number of arguments"
            ),
            KeyPositionError::UnknownArgument { pos } => write!(
                f,
                "where the keys are depends on argument {pos}, whose value is unknown"
            ),
            other => f.write_str(other.server_message().unwrap_or("invalid")),
        }
    }
}

impl std::error::Error for KeyPositionError {}

/// More runs than this over unknown arguments: give up with `UnknownArgument`.
const MAX_RUNS: usize = 4096;

/// What one run produced: positions, or the server's refusal.
type Outcome = Result<Vec<KeyPosition>, KeyPositionError>;

/// A run stopped because it needs to know more about an unknown argument.
enum Halt {
    /// Whether argument `pos` equals `keyword` (ASCII case-insensitive; `""` asks whether it
    /// is empty): both answers can be tried.
    Equals(usize, String),
    /// Argument `pos` is read as a number: too many answers to try.
    Number(usize),
}

/// What a run assumes of one unknown argument.
#[derive(Clone, Debug)]
enum Assume {
    /// Nothing yet.
    Free,
    /// It equals this keyword (ASCII case-insensitive).
    Equals(String),
    /// It equals none of these.
    NoneOf(Vec<String>),
}

/// The arguments of one run: the known values, and what is assumed of the unknown ones.
struct Args<'a> {
    argv: &'a [Option<&'a str>],
    assumed: &'a [Assume],
}

impl Args<'_> {
    fn len(&self) -> usize {
        self.argv.len()
    }

    /// ASCII case-insensitive equality, as the server's `strcasecmp`.
    fn is(&self, i: usize, keyword: &str) -> Result<bool, Halt> {
        if let Some(value) = self.argv[i] {
            return Ok(value.eq_ignore_ascii_case(keyword));
        }
        match &self.assumed[i] {
            Assume::Equals(value) => Ok(value.eq_ignore_ascii_case(keyword)),
            Assume::NoneOf(others) if others.iter().any(|o| o.eq_ignore_ascii_case(keyword)) => {
                Ok(false)
            }
            _ => Err(Halt::Equals(i, keyword.to_string())),
        }
    }

    fn is_empty(&self, i: usize) -> Result<bool, Halt> {
        self.is(i, "")
    }

    fn number(&self, i: usize) -> Result<&str, Halt> {
        self.argv[i].ok_or(Halt::Number(i))
    }
}

pub(crate) fn resolve(
    spec: &CommandSpec,
    argv: &[Option<&str>],
    channels: bool,
) -> Result<Vec<KeyPosition>, KeyPositionError> {
    if argv.is_empty() {
        return Err(KeyPositionError::EmptyArgv);
    }
    let wants_keys = spec.has_keys();
    let wants_channels = channels && spec.has_channels();
    if !wants_keys && !wants_channels {
        return Err(KeyPositionError::NoKeyArguments);
    }
    if !spec.arity_accepts(argv.len()) {
        return Err(KeyPositionError::WrongArity {
            arity: spec.arity,
            argc: argv.len(),
        });
    }
    let mut explorer = Explorer {
        spec,
        argv,
        wants_keys,
        wants_channels,
        first_outcome: None,
        first_unknown: None,
        runs: 0,
    };
    let mut assumed = vec![Assume::Free; argv.len()];
    match explorer.explore(&mut assumed) {
        Ok(()) => explorer
            .first_outcome
            .unwrap_or(Err(KeyPositionError::InvalidArguments)),
        Err(pos) => Err(KeyPositionError::UnknownArgument { pos }),
    }
}

struct Explorer<'a> {
    spec: &'a CommandSpec,
    argv: &'a [Option<&'a str>],
    wants_keys: bool,
    wants_channels: bool,
    first_outcome: Option<Outcome>,
    first_unknown: Option<usize>,
    runs: usize,
}

impl Explorer<'_> {
    /// Runs the search under the assumptions; when it asks whether an unknown argument equals
    /// a keyword, runs it again under each answer. `Err(pos)`: the answer depends on the
    /// unknown argument `pos`.
    fn explore(&mut self, assumed: &mut Vec<Assume>) -> Result<(), usize> {
        let args = Args {
            argv: self.argv,
            assumed,
        };
        let halt = match self.run(&args) {
            Ok(outcome) => {
                self.runs += 1;
                let unknown = self.first_unknown.unwrap_or(0);
                match &self.first_outcome {
                    None => self.first_outcome = Some(outcome),
                    Some(first) if *first == outcome => {}
                    Some(_) => return Err(unknown),
                }
                if self.runs > MAX_RUNS {
                    return Err(unknown);
                }
                return Ok(());
            }
            Err(halt) => halt,
        };
        match halt {
            Halt::Number(pos) => Err(self.first_unknown.unwrap_or(pos)),
            Halt::Equals(pos, keyword) => {
                self.first_unknown.get_or_insert(pos);
                let before = assumed[pos].clone();
                assumed[pos] = Assume::Equals(keyword.clone());
                self.explore(assumed)?;
                let mut others = match &before {
                    Assume::NoneOf(others) => others.clone(),
                    _ => Vec::new(),
                };
                others.push(keyword);
                assumed[pos] = Assume::NoneOf(others);
                self.explore(assumed)?;
                assumed[pos] = before;
                Ok(())
            }
        }
    }

    fn run(&self, args: &Args) -> Result<Outcome, Halt> {
        let mut out = Vec::new();
        if self.wants_keys {
            let keys = match walk_specs(self.spec, args, false)? {
                Some(keys) => keys,
                // No procedure: no key.
                None => procedure(self.spec, args)?.unwrap_or_default(),
            };
            if keys.is_empty() {
                if self.spec.has_flag("no_mandatory_keys") {
                    return Ok(Ok(Vec::new()));
                }
                return Ok(Err(KeyPositionError::InvalidArguments));
            }
            out = keys;
        }
        if self.wants_channels {
            match walk_specs(self.spec, args, true)? {
                Some(channels) => out.extend(channels),
                None => return Ok(Err(KeyPositionError::InvalidArguments)),
            }
        }
        Ok(Ok(out))
    }
}

/// Walks the key specs (`channels`: only the `not_key` ones, else only the others) as the
/// server's key-spec search does. `Ok(None)`: a spec failed, the procedure decides.
fn walk_specs(
    spec: &CommandSpec,
    args: &Args,
    channels: bool,
) -> Result<Option<Vec<KeyPosition>>, Halt> {
    // The server computes in C `int`; i64 holds every value it can reach here.
    let argc = args.len() as i64;
    let mut out = Vec::new();
    for (n, ks) in spec.key_specs.iter().enumerate() {
        if ks.is_channel() != channels {
            continue;
        }
        let mut first: i64 = match &ks.begin {
            BeginSearch::Index(i) => *i as i64,
            BeginSearch::Keyword {
                keyword,
                start_from,
            } => match find_keyword(args, keyword, *start_from as i64)? {
                Some(first) => first,
                None => continue,
            },
            BeginSearch::Unknown => return Ok(None),
        };
        let (last, step) = match ks.find {
            FindKeys::Range {
                last_key,
                step,
                limit,
            } => {
                let last_key = last_key as i64;
                let last = if last_key >= 0 {
                    first + last_key
                } else if limit <= 1 {
                    // limit 1 would divide by 1: the same as no limit.
                    argc + last_key
                } else {
                    first + ((argc - first) / limit as i64 + last_key)
                };
                (last, step)
            }
            FindKeys::Keynum {
                numkeys_at,
                first_key,
                step,
            } => {
                let at = first + numkeys_at as i64;
                if at >= argc {
                    return Ok(None);
                }
                let numkeys = match string2ll(args.number(at as usize)?) {
                    Some(n) if n >= 0 => n,
                    _ => return Ok(None),
                };
                first += first_key as i64;
                // `(int)numkeys`, as 7.0 truncates it. 7.0 computes `first + numkeys - 1`,
                // ignoring the step; every keynum spec of 7.0 has step 1, where both agree.
                // MSETEX (step 2) needs the step: the corrected formula (redis/redis#14659,
                // valkey-io/valkey#3197) is used.
                let step_i = step as i64;
                (first + (i64::from(numkeys as i32) - 1) * step_i, step)
            }
            FindKeys::Unknown => return Ok(None),
        };
        if channels && last == first - 1 && matches!(ks.find, FindKeys::Range { .. }) {
            continue; // SUNSUBSCRIBE alone: no channel
        }
        if last >= argc || last < first || first >= argc {
            return Ok(None);
        }
        let mut i = first;
        while i <= last {
            out.push(KeyPosition {
                pos: i as usize,
                spec: n,
                channel: channels,
            });
            i += step as i64;
        }
        if ks.is_incomplete() {
            return Ok(None);
        }
    }
    Ok(Some(out))
}

/// The position right after the keyword, or `None` when the keyword is not found. Forwards
/// from `start_from` up to, not including, the last argument; backwards (negative
/// `start_from`) from `argc + start_from` down to argv[1].
fn find_keyword(args: &Args, keyword: &str, start_from: i64) -> Result<Option<i64>, Halt> {
    let argc = args.len() as i64;
    let (start, end) = if start_from > 0 {
        (start_from, argc - 1)
    } else {
        (argc + start_from, 0)
    };
    let delta = if start <= end { 1 } else { -1 };
    let mut i = start;
    while i != end {
        if i >= argc || i < 1 {
            break;
        }
        if args.is(i as usize, keyword)? {
            return Ok(Some(i + 1));
        }
        i += delta;
    }
    Ok(None)
}

/// The server's getkeys procedure of the command, run when the key-spec walk fails.
/// `Ok(None)`: the command has none. An empty list: the procedure found no key.
fn procedure(spec: &CommandSpec, args: &Args) -> Result<Option<Vec<KeyPosition>>, Halt> {
    if spec.subcommand.is_some() {
        return Ok(None);
    }
    let keys = match spec.name.as_str() {
        "ZUNIONSTORE" | "ZINTERSTORE" | "ZDIFFSTORE" => numkeys_keys(args, Some(1), 2, 3)?,
        "ZUNION" | "ZINTER" | "ZDIFF" | "ZINTERCARD" | "SINTERCARD" | "LMPOP" | "ZMPOP" => {
            numkeys_keys(args, None, 1, 2)?
        }
        "EVAL" | "EVALSHA" | "EVAL_RO" | "EVALSHA_RO" | "FCALL" | "FCALL_RO" | "BLMPOP"
        | "BZMPOP" => numkeys_keys(args, None, 2, 3)?,
        "SORT" => sort_keys(args)?,
        "SORT_RO" => vec![key(1, 0)],
        "MIGRATE" => migrate_keys(args)?,
        "XREAD" | "XREADGROUP" => xread_keys(args)?,
        _ => return Ok(None),
    };
    Ok(Some(keys))
}

fn key(pos: usize, spec: usize) -> KeyPosition {
    KeyPosition {
        pos,
        spec,
        channel: false,
    }
}

/// The numkeys procedure: `argv[count_at]` read with `atoi`; keys from `first` on; then the
/// destination, if any, **last** (unlike the spec walk, which gives it first: `ZUNIONSTORE d
/// 02 a b` → a, b, d on a live 7.0.15, because "02" is not canonical for the spec walk).
/// No key when the count is below 1 or exceeds the arguments left.
fn numkeys_keys(
    args: &Args,
    store: Option<usize>,
    count_at: usize,
    first: usize,
) -> Result<Vec<KeyPosition>, Halt> {
    let argc = args.len() as i64;
    if count_at >= args.len() {
        return Ok(Vec::new());
    }
    let num = i64::from(atoi(args.number(count_at)?));
    if num < 1 || num > argc - first as i64 {
        return Ok(Vec::new());
    }
    let keys_spec = usize::from(store.is_some());
    let mut keys: Vec<KeyPosition> = (0..num as usize)
        .map(|i| key(first + i, keys_spec))
        .collect();
    if let Some(store) = store {
        keys.push(key(store, 0));
    }
    Ok(keys)
}

/// SORT: the key, then the argument after the **last** `STORE` that has one. From argv[2]
/// on, `LIMIT` skips two arguments, `GET` and `BY` one; anything else is looked at as a
/// possible option. BY/GET patterns are never reported.
fn sort_keys(args: &Args) -> Result<Vec<KeyPosition>, Halt> {
    let argc = args.len();
    let mut store = None;
    let mut i = 2;
    while i < argc {
        if args.is(i, "limit")? {
            i += 2;
        } else if args.is(i, "store")? && i + 1 < argc {
            store = Some(i + 1);
        } else if args.is(i, "get")? || args.is(i, "by")? {
            i += 1;
        }
        i += 1;
    }
    let mut keys = vec![key(1, 0)];
    keys.extend(store.map(|pos| key(pos, 2)));
    Ok(keys)
}

/// MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS k…]:
/// the key at argv[3], or with `KEYS` (searched from argv[6], skipping the options'
/// arguments) every argument after it, provided argv[3] is empty; no key when it is not.
fn migrate_keys(args: &Args) -> Result<Vec<KeyPosition>, Halt> {
    let argc = args.len();
    let (mut first, mut num, mut spec) = (3, 1, 0);
    let mut i = 6;
    while i < argc {
        if args.is(i, "keys")? {
            if !args.is_empty(3)? {
                return Ok(Vec::new());
            }
            (first, num, spec) = (i + 1, argc - (i + 1), 1);
            break;
        }
        if args.is(i, "auth")? {
            i += 1;
        } else if args.is(i, "auth2")? {
            i += 2;
        }
        i += 1;
    }
    Ok((first..first + num).map(|pos| key(pos, spec)).collect())
}

/// XREAD/XREADGROUP: options from argv[1] (`BLOCK`/`COUNT` skip one argument, `GROUP` two,
/// `NOACK` none) up to `STREAMS`; any other word stops the scan without keys. After `STREAMS`
/// an even, non-zero number of arguments: the first half are the keys.
fn xread_keys(args: &Args) -> Result<Vec<KeyPosition>, Halt> {
    let argc = args.len();
    let mut streams = None;
    let mut i = 1;
    while i < argc {
        if args.is(i, "block")? || args.is(i, "count")? {
            i += 1;
        } else if args.is(i, "group")? {
            i += 2;
        } else if args.is(i, "noack")? {
        } else if args.is(i, "streams")? {
            streams = Some(i);
            break;
        } else {
            break;
        }
        i += 1;
    }
    let Some(streams) = streams else {
        return Ok(Vec::new());
    };
    let rest = argc - streams - 1;
    if rest == 0 || rest % 2 != 0 {
        return Ok(Vec::new());
    }
    Ok((streams + 1..argc - rest / 2)
        .map(|pos| key(pos, 0))
        .collect())
}

/// The server's strict integer parse (`string2ll`): optional `-`, no `+`, no spaces, no
/// leading zeros, fits in i64, shorter than 21 bytes.
pub(crate) fn string2ll(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() >= 21 {
        return None;
    }
    if b == b"0" {
        return Some(0);
    }
    let (negative, digits) = match b.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, b),
    };
    if !matches!(digits.first(), Some(b'1'..=b'9')) || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut v: u64 = 0;
    for d in digits {
        v = v.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    if negative {
        if v > i64::MAX as u64 + 1 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else {
        i64::try_from(v).ok()
    }
}

/// C `atoi` as glibc has it (`(int) strtol(s, NULL, 10)`): leading white space, an optional
/// sign, then digits up to the first non-digit; 0 when there are none. strtol saturates at
/// the `long` range, and the cast to `int` keeps the low 32 bits.
pub(crate) fn atoi(s: &str) -> i32 {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
        i += 1;
    }
    let mut negative = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        negative = b[i] == b'-';
        i += 1;
    }
    let mut v: i64 = 0;
    let mut saturated = false;
    while i < b.len() && b[i].is_ascii_digit() {
        let d = i64::from(b[i] - b'0');
        match v.checked_mul(10).and_then(|v| v.checked_add(d)) {
            Some(n) => v = n,
            None => saturated = true,
        }
        i += 1;
    }
    let long = match (saturated, negative) {
        (true, false) => i64::MAX,
        (true, true) => i64::MIN,
        (false, false) => v,
        (false, true) => -v,
    };
    long as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string2ll_is_strict() {
        assert_eq!(string2ll("0"), Some(0));
        assert_eq!(string2ll("12"), Some(12));
        assert_eq!(string2ll("-3"), Some(-3));
        assert_eq!(string2ll("-9223372036854775808"), Some(i64::MIN));
        for bad in [
            "",
            "-",
            "+1",
            "01",
            " 1",
            "1 ",
            "1a",
            "-0",
            "9223372036854775808",
        ] {
            assert_eq!(string2ll(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn atoi_is_lenient() {
        assert_eq!(atoi("02"), 2);
        assert_eq!(atoi("+2"), 2);
        assert_eq!(atoi(" \t2x"), 2);
        assert_eq!(atoi("-7"), -7);
        assert_eq!(atoi("abc"), 0);
        assert_eq!(atoi(""), 0);
        assert_eq!(atoi("4294967298"), 2);
        assert_eq!(atoi("99999999999999999999"), -1);
    }

    #[test]
    fn key_spec_index_is_reported() {
        let table = crate::CommandTable::builtin();
        let sort = table.get("SORT").unwrap();
        let argv = [Some("SORT"), Some("k"), Some("STORE"), Some("d")];
        let found = sort.slot_positions(&argv).unwrap();
        assert_eq!(found, vec![key(1, 0), key(3, 2)]);
    }
}
