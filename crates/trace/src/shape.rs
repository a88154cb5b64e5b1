//! Shapes: what an observed key or command looks like with its varying parts abstracted, so that
//! a million `GET user:<id>:profile` make one entry with a count and a few examples.
//!
//! A key's *pattern* is written like a Rust format string, as the analyzer's key skeletons and
//! the migration plan are: `user:{}:profile`, a hole `{}` where the key held a varying part,
//! literal braces doubled (`{{cart:{}}}:saved` for `{cart:42}:saved`). A part *varies* when it
//! holds a digit or is long (16 bytes or more): ids, numbers, dates, hashes. Words (`pending`,
//! `emails`) are kept: they name what a key is.
//!
//! Keys are bytes; in the trace file and in messages they are text ([`key_text`]): UTF-8 kept,
//! `\` doubled, control characters and bytes that are not UTF-8 written `\xNN`. [`key_bytes`]
//! reads them back.
//!
//! Not here: what a shape means for a cluster (`judge`), the stream of commands (`observe`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::Hash;

/// A part of a key at least this long is taken as varying even without a digit.
const LONG_PART: usize = 16;

/// `key` as text: UTF-8 kept, `\` as `\\`, control characters and invalid bytes as `\xNN`.
pub fn key_text(key: &[u8]) -> String {
    let mut out = String::with_capacity(key.len());
    for chunk in key.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => {
                    let mut buf = [0u8; 4];
                    for b in c.encode_utf8(&mut buf).bytes() {
                        let _ = write!(out, "\\x{b:02x}");
                    }
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// The bytes of a [`key_text`]. Text that is not of that form is read as literally as possible.
pub fn key_bytes(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            if b.get(i + 1) == Some(&b'\\') {
                out.push(b'\\');
                i += 2;
                continue;
            }
            if b.get(i + 1) == Some(&b'x') {
                if let Some(v) = text
                    .get(i + 2..i + 4)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    out.push(v);
                    i += 4;
                    continue;
                }
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// The pattern of one key: varying parts as `{}`, literal braces doubled.
pub fn key_pattern(key: &[u8]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < key.len() {
        if is_separator(key[i]) {
            let end = i + key[i..].iter().take_while(|&&c| is_separator(c)).count();
            push_literal(&mut out, &key[i..end]);
            i = end;
        } else {
            let end = i + key[i..].iter().take_while(|&&c| !is_separator(c)).count();
            let part = &key[i..end];
            if part.iter().any(u8::is_ascii_digit) || part.len() >= LONG_PART {
                out.push_str("{}");
            } else {
                push_literal(&mut out, part);
            }
            i = end;
        }
    }
    out
}

/// A pattern for people: holes as `*`, literal braces single (`{cart:*}:saved`).
pub fn display_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('{', Some('{')) | ('}', Some('}')) => {
                chars.next();
                out.push(c);
            }
            ('{', Some('}')) => {
                chars.next();
                out.push('*');
            }
            _ => out.push(c),
        }
    }
    out
}

/// Parts are runs of letters, digits and non-ASCII bytes; everything else separates them.
fn is_separator(c: u8) -> bool {
    c.is_ascii() && !c.is_ascii_alphanumeric()
}

fn push_literal(out: &mut String, bytes: &[u8]) {
    for c in key_text(bytes).chars() {
        match c {
            '{' => out.push_str("{{"),
            '}' => out.push_str("}}"),
            c => out.push(c),
        }
    }
}

/// Interns values up to a capacity; past it, new values get `None` (the caller counts them in an
/// overflow bucket). Memory is bounded by the capacity whatever the traffic.
#[derive(Debug)]
pub struct Interner<K> {
    ids: HashMap<K, u32>,
    values: Vec<K>,
    capacity: usize,
}

impl<K: Clone + Eq + Hash> Interner<K> {
    pub fn new(capacity: usize) -> Self {
        Interner {
            ids: HashMap::new(),
            values: Vec::new(),
            capacity,
        }
    }

    /// The id of `value`, adding it while there is room.
    pub fn intern(&mut self, value: &K) -> Option<u32> {
        if let Some(&id) = self.ids.get(value) {
            return Some(id);
        }
        if self.values.len() >= self.capacity {
            return None;
        }
        let id = self.values.len() as u32;
        self.ids.insert(value.clone(), id);
        self.values.push(value.clone());
        Some(id)
    }

    pub fn get(&self, id: u32) -> &K {
        &self.values[id as usize]
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varying_parts_become_holes() {
        assert_eq!(key_pattern(b"user:42:profile"), "user:{}:profile");
        assert_eq!(key_pattern(b"queue:emails:pending"), "queue:emails:pending");
        assert_eq!(key_pattern(b"{cart:42}:saved"), "{{cart:{}}}:saved");
        assert_eq!(key_pattern(b"hz:w_1"), "hz:w_{}");
        assert_eq!(key_pattern(b"rate:u7"), "rate:{}");
        assert_eq!(
            key_pattern(b"session:b81d07e2-1f0c-4c1e-9d55-0c7c4e0e2f1a"),
            "session:{}-{}-{}-{}-{}"
        );
        assert_eq!(key_pattern(b"tok:abcdefghijklmnopqrstuvwxyz"), "tok:{}");
        assert_eq!(key_pattern(b""), "");
        assert_eq!(key_pattern(b"a\\b\n"), "a\\\\b\\x0a");
        assert_eq!(key_pattern(b"caf\xc3\xa9:1"), "café:{}");
    }

    #[test]
    fn patterns_for_people() {
        assert_eq!(display_pattern("{{cart:{}}}:saved"), "{cart:*}:saved");
        assert_eq!(display_pattern("user:{}:profile"), "user:*:profile");
    }

    #[test]
    fn key_text_round_trips() {
        for key in [
            &b"plain:key"[..],
            b"a\"b\\c",
            b"x\ny\r\t\x07\x08\x01\xffz",
            b"caf\xc3\xa9",
            b"\\x41",
            b"",
        ] {
            let text = key_text(key);
            assert_eq!(key_bytes(&text), key, "{text}");
        }
        assert_eq!(key_text(b"a\xff\n"), "a\\xff\\x0a");
    }

    #[test]
    fn the_interner_is_bounded() {
        let mut i = Interner::new(2);
        assert_eq!(i.intern(&"a"), Some(0));
        assert_eq!(i.intern(&"b"), Some(1));
        assert_eq!(i.intern(&"c"), None);
        assert_eq!(i.intern(&"a"), Some(0));
        assert_eq!(i.len(), 2);
        assert_eq!(*i.get(1), "b");
    }
}
