//! Rust format strings (`format!`, `write!`, `format_args!`…) as text and placeholders.
//!
//! `{{` and `}}` are literal braces; `{}`, `{0}`, `{id}`, `{id:?}`, `{:>8}` are placeholders.
//! A placeholder is never a hash tag: `format!("{{user:{id}}}")` builds `{user:<id>}`.

use std::fmt;

/// Which argument a placeholder takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArgRef {
    /// `{}`: the next positional argument.
    Next,
    /// `{0}`
    Index(usize),
    /// `{id}`: a named argument, or a variable captured from the scope.
    Name(String),
}

/// A piece of a parsed format string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Placeholder {
        arg: ArgRef,
        /// The format spec after `:` (`?`, `>8`…), empty if none.
        spec: String,
        /// Byte range of the whole `{…}` in the format string.
        range: (usize, usize),
    },
}

/// A format string the compiler would refuse, or one whose arguments cannot be followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    pub message: String,
    /// Byte offset in the format string.
    pub offset: usize,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.offset)
    }
}

impl std::error::Error for FormatError {}

fn err(message: &str, offset: usize) -> FormatError {
    FormatError {
        message: message.to_owned(),
        offset,
    }
}

/// Parse a format string's content (after escape processing of the literal).
pub fn parse(fmt: &str) -> Result<Vec<Piece>, FormatError> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let bytes = fmt.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                text.push('{');
                i += 2;
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                text.push('}');
                i += 2;
            }
            b'}' => return Err(err("unmatched `}` in format string", i)),
            b'{' => {
                let close = fmt[i..]
                    .find('}')
                    .map(|c| c + i)
                    .ok_or_else(|| err("unmatched `{` in format string", i))?;
                let inner = &fmt[i + 1..close];
                let (name, spec) = match inner.find(':') {
                    Some(colon) => (&inner[..colon], &inner[colon + 1..]),
                    None => (inner, ""),
                };
                let name = name.trim();
                if spec.contains(".*") {
                    return Err(err(
                        "`.*` precision takes an extra argument that slotlint does not follow",
                        i,
                    ));
                }
                let arg = if name.is_empty() {
                    ArgRef::Next
                } else if let Ok(n) = name.parse::<usize>() {
                    ArgRef::Index(n)
                } else if name.chars().all(|c| c == '_' || c.is_alphanumeric())
                    && !name.starts_with(|c: char| c.is_ascii_digit())
                {
                    ArgRef::Name(name.to_owned())
                } else {
                    return Err(err("invalid format argument name", i + 1));
                };
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                pieces.push(Piece::Placeholder {
                    arg,
                    spec: spec.to_owned(),
                    range: (i, close + 1),
                });
                i = close + 1;
            }
            _ => {
                let ch = fmt[i..].chars().next().expect("in bounds");
                text.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// Escape literal text for use inside a format string: braces doubled.
pub fn escape(text: &str) -> String {
    text.replace('{', "{{").replace('}', "}}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ph(arg: ArgRef, spec: &str, range: (usize, usize)) -> Piece {
        Piece::Placeholder {
            arg,
            spec: spec.into(),
            range,
        }
    }

    #[test]
    fn braces_and_placeholders() {
        assert_eq!(
            parse("{{user:{id}}}:profile").unwrap(),
            vec![
                Piece::Text("{user:".into()),
                ph(ArgRef::Name("id".into()), "", (7, 11)),
                Piece::Text("}:profile".into()),
            ]
        );
        assert_eq!(
            parse("{}:{0}:{x:?}").unwrap(),
            vec![
                ph(ArgRef::Next, "", (0, 2)),
                Piece::Text(":".into()),
                ph(ArgRef::Index(0), "", (3, 6)),
                Piece::Text(":".into()),
                ph(ArgRef::Name("x".into()), "?", (7, 12)),
            ]
        );
        assert_eq!(parse("a{{}}b").unwrap(), vec![Piece::Text("a{}b".into())]);
    }

    #[test]
    fn errors() {
        assert!(parse("a{").is_err());
        assert!(parse("a}").is_err());
        assert!(parse("{:.*}").is_err());
        assert!(parse("{a b}").is_err());
    }

    #[test]
    fn escaping_round_trips() {
        assert_eq!(escape("{user:}"), "{{user:}}");
        assert_eq!(
            parse(&escape("{a}}")).unwrap(),
            vec![Piece::Text("{a}}".into())]
        );
    }
}
