//! Rust string literals as written: the value they denote and, for every byte of the value,
//! where it comes from in the source, so that an edit of the value becomes a minimal edit of
//! the source (escapes, raw strings and line continuations kept as written).

/// A decoded string literal token (`"…"`, `r#"…"#`, `b"…"`, `br"…"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    pub value: String,
    /// `map[v]`: offset in the token of the value byte `v` (for `v == value.len()`: the closing
    /// quote). Only offsets of character starts are meaningful.
    map: Vec<usize>,
    pub raw: bool,
    pub byte: bool,
}

impl Literal {
    /// Offset in the token where text inserted before value byte `v` goes.
    pub fn source_offset(&self, v: usize) -> usize {
        self.map[v]
    }

    /// Text to insert into the token so that the value gets `text` (braces and letters only
    /// need no escaping; anything else is escaped when the literal is not raw).
    pub fn encode(&self, text: &str) -> Option<String> {
        let mut out = String::new();
        for c in text.chars() {
            match c {
                '"' | '\\' if !self.raw => {
                    out.push('\\');
                    out.push(c);
                }
                // A raw string cannot hold its own closing delimiter; keep to plain text.
                '"' if self.raw => return None,
                c if self.byte && !c.is_ascii() => return None,
                c => out.push(c),
            }
        }
        Some(out)
    }
}

/// Decode a literal token. `None` for C strings, suffixed literals, non-UTF-8 byte strings and
/// anything this decoder does not follow exactly.
pub fn decode(token: &str) -> Option<Literal> {
    let (byte, rest_at) = match token.as_bytes().first()? {
        b'b' => (true, 1),
        b'"' | b'r' => (false, 0),
        _ => return None,
    };
    let rest = &token[rest_at..];
    if let Some(raw) = rest.strip_prefix('r') {
        let hashes = raw.len() - raw.trim_start_matches('#').len();
        let open = rest_at + 1 + hashes + 1;
        if token.as_bytes().get(open - 1) != Some(&b'"') {
            return None;
        }
        let close_len = 1 + hashes;
        if token.len() < open + close_len {
            return None;
        }
        let close = token.len() - close_len;
        if !token[close..].starts_with('"') || token[close + 1..].bytes().any(|b| b != b'#') {
            return None;
        }
        let value = token[open..close].to_owned();
        let map = (0..=value.len()).map(|v| open + v).collect();
        return Some(Literal {
            value,
            map,
            raw: true,
            byte,
        });
    }
    if !rest.starts_with('"') || !token.ends_with('"') || token.len() < rest_at + 2 {
        return None;
    }
    let open = rest_at + 1;
    let close = token.len() - 1;
    let body = &token[open..close];
    let mut value = String::new();
    let mut map = Vec::new();
    let mut chars = body.char_indices().peekable();
    let push = |value: &mut String, map: &mut Vec<usize>, c: char, at: usize| {
        value.push(c);
        map.extend(std::iter::repeat_n(open + at, c.len_utf8()));
    };
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            if c == '\r' && chars.peek().map(|x| x.1) == Some('\n') {
                // CRLF in a string is read as LF.
                continue;
            }
            push(&mut value, &mut map, c, at);
            continue;
        }
        let (_, e) = chars.next()?;
        let decoded = match e {
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            '\\' => '\\',
            '0' => '\0',
            '\'' => '\'',
            '"' => '"',
            'x' => {
                let hi = chars.next()?.1.to_digit(16)?;
                let lo = chars.next()?.1.to_digit(16)?;
                let b = (hi * 16 + lo) as u8;
                if !b.is_ascii() {
                    // Not valid in a string; in a byte string, not text this fixer edits.
                    return None;
                }
                b as char
            }
            'u' if !byte => {
                if chars.next()?.1 != '{' {
                    return None;
                }
                let mut n = 0u32;
                loop {
                    let (_, d) = chars.next()?;
                    if d == '}' {
                        break;
                    }
                    if d == '_' {
                        continue;
                    }
                    n = n.checked_mul(16)?.checked_add(d.to_digit(16)?)?;
                }
                char::from_u32(n)?
            }
            '\n' | '\r' => {
                // Line continuation: skip the newline and the whitespace that follows.
                while chars.peek().is_some_and(|(_, w)| w.is_whitespace()) {
                    chars.next();
                }
                continue;
            }
            _ => return None,
        };
        push(&mut value, &mut map, decoded, at);
    }
    map.push(close);
    if byte && !value.is_ascii() {
        return None;
    }
    Some(Literal {
        value,
        map,
        raw: false,
        byte,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert_before(token: &str, v: usize, text: &str) -> String {
        let lit = decode(token).unwrap();
        let at = lit.source_offset(v);
        format!(
            "{}{}{}",
            &token[..at],
            lit.encode(text).unwrap(),
            &token[at..]
        )
    }

    #[test]
    fn plain_and_raw() {
        let l = decode(r#""user:{}""#).unwrap();
        assert_eq!(l.value, "user:{}");
        assert_eq!(insert_before(r#""user:{}""#, 0, "{{"), r#""{{user:{}""#);
        assert_eq!(insert_before(r#""user:{}""#, 7, "}}"), r#""user:{}}}""#);
        let raw = r###"r#"a"b"#"###;
        let l = decode(raw).unwrap();
        assert_eq!(l.value, "a\"b");
        assert_eq!(insert_before(raw, 1, "{"), r###"r#"a{"b"#"###);
        assert_eq!(decode(r#"r"x""#).unwrap().value, "x");
        assert_eq!(decode(r#"br"x""#).unwrap().value, "x");
    }

    #[test]
    fn escapes_map_to_their_source() {
        let tok = r#""a\x3ab\u{3a}c\
            d\"""#;
        let l = decode(tok).unwrap();
        assert_eq!(l.value, "a:b:cd\"");
        // Before `:` (value byte 1) is before `\x3a`.
        assert_eq!(&tok[l.source_offset(1)..l.source_offset(1) + 4], "\\x3a");
        // Before `d`: after the continuation.
        assert_eq!(&tok[l.source_offset(5)..l.source_offset(5) + 1], "d");
        assert_eq!(l.source_offset(l.value.len()), tok.len() - 1);
        assert_eq!(decode(r#"b"k\n""#).unwrap().value, "k\n");
        assert!(decode(r#"c"x""#).is_none());
        assert!(decode(r#"b"\xff""#).is_none());
    }

    #[test]
    fn encoding_escapes_what_needs_it() {
        let l = decode(r#""x""#).unwrap();
        assert_eq!(l.encode("a\"b\\").unwrap(), "a\\\"b\\\\");
        let r = decode(r#"r"x""#).unwrap();
        assert_eq!(r.encode("{"), Some("{".into()));
        assert_eq!(r.encode("\""), None);
    }
}
