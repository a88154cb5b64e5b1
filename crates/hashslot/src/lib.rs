//! Redis Cluster slot math: which of the 16,384 hash slots a key lands in.
//!
//! A key's slot is `CRC16-XMODEM(k) mod 16384`, where `k` is the whole key, or only its
//! *hash tag*: the bytes between the first `{` and the first `}` after it, when at least one
//! byte lies between them. This crate computes both, on raw bytes, exactly as a Redis server
//! does (checked against `CLUSTER KEYSLOT` answers in the tests).
//!
//! [`slot`] uses the `crc16` crate; [`const_slot`] is the same function as a `const fn`, so
//! literal keys can be checked at compile time. This crate knows nothing about key *patterns*
//! (keys with run-time holes): that is `slotlint-keys`.

#![no_std]

/// Number of hash slots in a Redis Cluster.
pub const SLOT_COUNT: u16 = 16384;

/// The slot of `key`, as `CLUSTER KEYSLOT` answers it.
pub fn slot(key: impl AsRef<[u8]>) -> u16 {
    let key = key.as_ref();
    let hashed = hash_tag(key).unwrap_or(key);
    crc16::State::<crc16::XMODEM>::calculate(hashed) % SLOT_COUNT
}

/// The hash tag of `key`: the bytes between the first `{` and the first `}` after it, if that
/// part is non-empty. `None` means the whole key is hashed.
///
/// ```
/// assert_eq!(slotlint_hashslot::hash_tag(b"{user:1}:profile"), Some(&b"user:1"[..]));
/// assert_eq!(slotlint_hashslot::hash_tag(b"foo{}{bar}"), None);
/// assert_eq!(slotlint_hashslot::hash_tag(b"foo{{bar}}zap"), Some(&b"{bar"[..]));
/// ```
pub fn hash_tag(key: &[u8]) -> Option<&[u8]> {
    let (start, end) = hash_tag_range(key)?;
    Some(&key[start..end])
}

/// The byte range `start..end` of the hash tag of `key`, if it has one.
pub const fn hash_tag_range(key: &[u8]) -> Option<(usize, usize)> {
    let mut open = 0;
    while open < key.len() && key[open] != b'{' {
        open += 1;
    }
    if open == key.len() {
        return None;
    }
    let mut close = open + 1;
    while close < key.len() && key[close] != b'}' {
        close += 1;
    }
    if close == key.len() || close == open + 1 {
        return None;
    }
    Some((open + 1, close))
}

/// CRC16-XMODEM (polynomial 0x1021, initial value 0, no reflection), the checksum Redis uses.
const CRC16_TABLE: [u16; 256] = {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

/// CRC16-XMODEM of `bytes[start..end]`, usable in `const` context.
pub const fn const_crc16(bytes: &[u8], start: usize, end: usize) -> u16 {
    let mut crc: u16 = 0;
    let mut i = start;
    while i < end {
        crc = (crc << 8) ^ CRC16_TABLE[(((crc >> 8) as u8) ^ bytes[i]) as usize];
        i += 1;
    }
    crc
}

/// The slot of `key`, as a `const fn`: `const S: u16 = const_slot(b"{user:1}:a");`.
///
/// ```
/// use slotlint_hashslot::const_slot;
/// const A: u16 = const_slot(b"{user:1}:profile");
/// const B: u16 = const_slot(b"{user:1}:settings");
/// const _: () = assert!(A == B);
/// assert_eq!(const_slot(b"foo"), 12182);
/// ```
pub const fn const_slot(key: &[u8]) -> u16 {
    let (start, end) = match hash_tag_range(key) {
        Some(range) => range,
        None => (0, key.len()),
    };
    const_crc16(key, start, end) % SLOT_COUNT
}

/// [`const_slot`] over a `&str`, for `const` items built from string literals.
pub const fn const_slot_str(key: &str) -> u16 {
    const_slot(key.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_check_value() {
        // The standard CRC16/XMODEM check value.
        assert_eq!(const_crc16(b"123456789", 0, 9), 0x31C3);
        assert_eq!(
            crc16::State::<crc16::XMODEM>::calculate(b"123456789"),
            0x31C3
        );
    }

    #[test]
    fn const_and_crate_agree_on_many_keys() {
        let mut key = [0u8; 24];
        let mut seed: u32 = 0x1234_5678;
        for len in 0..key.len() {
            for _ in 0..200 {
                for b in key.iter_mut().take(len) {
                    seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    // Bias towards braces so that tag edge cases are common.
                    *b = match seed >> 28 {
                        0..=2 => b'{',
                        3..=5 => b'}',
                        _ => (seed >> 20) as u8,
                    };
                }
                assert_eq!(
                    slot(&key[..len]),
                    const_slot(&key[..len]),
                    "{:?}",
                    &key[..len]
                );
            }
        }
    }
}
