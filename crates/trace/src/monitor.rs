//! One line of `MONITOR` output, parsed exactly as redis-server 7.0 writes it.
//!
//! The server writes (`replicationFeedMonitors`):
//!
//! ```text
//! 1795684501.645587 [0 127.0.0.1:46696] "set" "a\"b\\c" "x\ny\r\t\a\b\x01\xffz"
//! 1795684501.675538 [0 lua] "get" "x"
//! 1795684501.675538 [0 unix:/run/redis.sock] "get" "x"
//! ```
//!
//! seconds and microseconds, `[db client]` (`lua` for the commands a script or function runs),
//! then every argument quoted by `sdscatrepr`: `\\` and `\"` for a backslash and a quote, `\n`,
//! `\r`, `\t`, `\a`, `\b` for those control bytes, printable ASCII as is, and every other byte as
//! `\xNN` (two lower-case hex digits). Arguments stored as integers are printed as `"123"`.
//!
//! Not here: what the commands mean (`judge`), which client sent them in which transaction
//! (`observe`).

use std::fmt;

/// Who ran a command.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A client connection: `127.0.0.1:46696`, `[::1]:6000` or `unix:/path`.
    Client(String),
    /// A Lua script or function, on behalf of the client whose EVAL/FCALL line came just before.
    Lua,
}

/// One parsed line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonitorLine {
    /// Microseconds since the Unix epoch, as the server's clock read them.
    pub micros: u64,
    /// The client's database when the command ran (after it, for SELECT).
    pub db: u32,
    pub origin: Origin,
    /// The command name (as sent: any case) and its arguments, as bytes.
    pub args: Vec<Vec<u8>>,
}

/// Why a line is not a MONITOR line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset in the line.
    pub at: usize,
    pub what: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

impl std::error::Error for ParseError {}

/// Parses one line (without its line ending).
pub fn parse_line(line: &str) -> Result<MonitorLine, ParseError> {
    let b = line.as_bytes();
    let err = |at: usize, what: &'static str| ParseError { at, what };
    // Timestamp: digits '.' six digits.
    let dot = b
        .iter()
        .position(|&c| c == b'.')
        .ok_or(err(0, "no timestamp"))?;
    let secs = parse_digits(&b[..dot]).ok_or(err(0, "bad timestamp seconds"))?;
    let frac_end = dot
        + 1
        + b[dot + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
    if frac_end - dot - 1 != 6 {
        return Err(err(dot + 1, "timestamp without six digits of microseconds"));
    }
    let usecs = parse_digits(&b[dot + 1..frac_end]).ok_or(err(dot + 1, "bad microseconds"))?;
    let micros = secs
        .checked_mul(1_000_000)
        .and_then(|s| s.checked_add(usecs))
        .ok_or(err(0, "timestamp out of range"))?;
    let mut i = frac_end;
    if b.get(i) != Some(&b' ') || b.get(i + 1) != Some(&b'[') {
        return Err(err(i, "expected ` [` after the timestamp"));
    }
    i += 2;
    let db_end = i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let db = parse_digits(&b[i..db_end])
        .and_then(|d| u32::try_from(d).ok())
        .ok_or(err(i, "bad database number"))?;
    if b.get(db_end) != Some(&b' ') {
        return Err(err(db_end, "expected a space after the database number"));
    }
    i = db_end + 1;
    // The client ends at the first `] `: an address has no `]` but an IPv6 one (`[::1]:6000`).
    let close = line[i..]
        .find("] \"")
        .or_else(|| line[i..].strip_suffix(']').map(|s| s.len()))
        .ok_or(err(i, "unterminated client"))?;
    let client = &line[i..i + close];
    if client.is_empty() {
        return Err(err(i, "empty client"));
    }
    let origin = if client == "lua" {
        Origin::Lua
    } else {
        Origin::Client(client.to_owned())
    };
    i += close + 1;
    let mut args = Vec::new();
    while i < b.len() {
        if b[i] != b' ' {
            return Err(err(i, "expected a space between arguments"));
        }
        i += 1;
        let (arg, next) = parse_quoted(b, i)?;
        args.push(arg);
        i = next;
    }
    if args.is_empty() {
        return Err(err(i, "no command"));
    }
    Ok(MonitorLine {
        micros,
        db,
        origin,
        args,
    })
}

fn parse_digits(b: &[u8]) -> Option<u64> {
    if b.is_empty() || b.len() > 19 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    b.iter().try_fold(0u64, |n, d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// A `"…"` argument starting at `b[i]`; returns its bytes and the offset after the closing quote.
fn parse_quoted(b: &[u8], mut i: usize) -> Result<(Vec<u8>, usize), ParseError> {
    let err = |at: usize, what: &'static str| ParseError { at, what };
    if b.get(i) != Some(&b'"') {
        return Err(err(i, "expected a quoted argument"));
    }
    i += 1;
    let mut out = Vec::new();
    loop {
        match b.get(i) {
            None => return Err(err(i, "unterminated argument")),
            Some(b'"') => return Ok((out, i + 1)),
            Some(b'\\') => {
                let c = *b.get(i + 1).ok_or(err(i, "dangling backslash"))?;
                let byte = match c {
                    b'\\' => b'\\',
                    b'"' => b'"',
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'a' => 0x07,
                    b'b' => 0x08,
                    b'x' => {
                        let hex = b.get(i + 2..i + 4).ok_or(err(i, "short \\x escape"))?;
                        let v = hex_value(hex[0])
                            .zip(hex_value(hex[1]))
                            .ok_or(err(i, "bad \\x escape"))?;
                        out.push(v.0 << 4 | v.1);
                        i += 4;
                        continue;
                    }
                    _ => return Err(err(i, "unknown escape")),
                };
                out.push(byte);
                i += 2;
            }
            Some(&c) => {
                out.push(c);
                i += 1;
            }
        }
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_with_every_escape() {
        // Read off redis-server 7.0.15: `SET 'a"b\c' $'x\ny\r\t\a\b\x01\xffz'`.
        let line =
            r#"1795684501.645587 [0 127.0.0.1:46696] "set" "a\"b\\c" "x\ny\r\t\a\b\x01\xffz""#;
        let parsed = parse_line(line).unwrap();
        assert_eq!(parsed.micros, 1_795_684_501_645_587);
        assert_eq!(parsed.db, 0);
        assert_eq!(parsed.origin, Origin::Client("127.0.0.1:46696".into()));
        assert_eq!(
            parsed.args,
            vec![
                b"set".to_vec(),
                b"a\"b\\c".to_vec(),
                b"x\ny\r\t\x07\x08\x01\xffz".to_vec()
            ]
        );
    }

    #[test]
    fn lua_ipv6_unix_and_empty_arguments() {
        let lua = parse_line(r#"1795684501.675550 [3 lua] "set" "rate:u7" "1""#).unwrap();
        assert_eq!((lua.db, &lua.origin), (3, &Origin::Lua));
        let v6 = parse_line(r#"1.000001 [0 [::1]:6000] "get" "] x""#).unwrap();
        assert_eq!(v6.origin, Origin::Client("[::1]:6000".into()));
        assert_eq!(v6.args[1], b"] x".to_vec());
        let unix = parse_line(r#"1.000001 [12 unix:/run/redis.sock] "set" "" """#).unwrap();
        assert_eq!(unix.db, 12);
        assert_eq!(unix.origin, Origin::Client("unix:/run/redis.sock".into()));
        assert_eq!(unix.args, vec![b"set".to_vec(), vec![], vec![]]);
    }

    #[test]
    fn malformed_lines_are_errors() {
        for bad in [
            "",
            "OK",
            "1.5 [0 lua] \"get\"",
            "1.000001 [x lua] \"get\"",
            "1.000001 [0 lua]",
            "1.000001 [0 lua] \"get",
            "1.000001 [0 lua] \"g\\q\"",
            "1.000001 [0 lua] \"g\\x4\"",
            "1.000001 [0 lua] \"a\"\"b\"",
            "99999999999999999999.000001 [0 lua] \"get\"",
        ] {
            assert!(parse_line(bad).is_err(), "{bad:?} parsed");
        }
    }
}
