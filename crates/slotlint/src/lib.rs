//! Redis Cluster slot helpers for services that use the `redis` crate.
//!
//! ```
//! // Keys that share a hash tag share a slot, so one MGET, MULTI/EXEC or script can use both.
//! assert_eq!(slotlint::key_slot("{user:42}:profile"), slotlint::key_slot("{user:42}:settings"));
//! assert_eq!(slotlint::hash_tag("{user:42}:profile"), Some("user:42"));
//!
//! // `key_slot` is a `const fn`: literal keys can be checked when the crate compiles.
//! const _: () = assert!(slotlint::key_slot("{cart}:items") == slotlint::key_slot("{cart}:total"));
//! ```
//!
//! This crate is what a service depends on at run time; the analyzer that reads a workspace
//! is the `cargo-slotlint` binary.

pub use slotlint_hashslot::SLOT_COUNT;

/// The Redis Cluster slot of `key` (`CLUSTER KEYSLOT`), usable in `const` context.
pub const fn key_slot(key: &str) -> u16 {
    slotlint_hashslot::const_slot(key.as_bytes())
}

/// [`key_slot`] for binary keys.
pub const fn key_slot_bytes(key: &[u8]) -> u16 {
    slotlint_hashslot::const_slot(key)
}

/// The hash tag of `key`: the part between the first `{` and the first `}` after it, if not
/// empty. Only that part decides the slot.
pub fn hash_tag(key: &str) -> Option<&str> {
    let (start, end) = slotlint_hashslot::hash_tag_range(key.as_bytes())?;
    // Braces are ASCII, so the range falls on char boundaries.
    Some(&key[start..end])
}
