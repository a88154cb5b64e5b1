//! Redis Cluster slot helpers for services that use the `redis` crate, and compile-time proofs
//! that keys used together share a slot.
//!
//! A Redis Cluster refuses a command, a MULTI/EXEC transaction or a Lua script whose keys are in
//! different hash slots (`CROSSSLOT`). Keys share a slot when they share a *hash tag*: the part
//! between the first `{` and the next `}`. This crate checks that when your crate compiles, in
//! three ways.
//!
//! # 1. On a key builder: `#[slotlint::key]`
//!
//! ```
//! #[slotlint::key(tag = "user:{id}")]
//! fn profile_key(id: u64) -> String {
//!     format!("{{user:{id}}}:profile") // `{{`/`}}` are the braces of the key: `{user:42}:profile`
//! }
//!
//! // Without `tag`, any tag that depends on a parameter will do.
//! #[slotlint::key]
//! fn cart_key(cart: &str) -> String {
//!     format!("{{cart:{}}}:items", cart)
//! }
//!
//! assert_eq!(profile_key(42), "{user:42}:profile");
//! assert_eq!(cart_key("c1"), "{cart:c1}:items");
//! ```
//!
//! A key without a tag (`"user:{id}:profile"`), with another tag than the declared one, or with
//! a tag that does not vary (`"{users}:{id}"`: every user in one slot, on one node) does not
//! compile. See [`key`].
//!
//! # 2. On a group: `#[slotlint::colocated]`
//!
//! ```
//! pub struct User {
//!     id: u64,
//! }
//!
//! #[slotlint::colocated]
//! impl User {
//!     pub fn profile(&self) -> String {
//!         format!("{{user:{}}}:profile", self.id)
//!     }
//!
//!     pub fn sessions(&self) -> String {
//!         let tag = format!("{{user:{}}}", self.id);
//!         format!("{tag}:sessions")
//!     }
//! }
//!
//! // So these two can go in one MGET, MULTI/EXEC or script on a cluster:
//! let user = User { id: 7 };
//! assert_eq!(
//!     slotlint::key_slot(&user.profile()),
//!     slotlint::key_slot(&user.sessions())
//! );
//! ```
//!
//! Every function of the group that builds a key (one that returns a string literal, a
//! `format!` or another member's key, or carries `#[slotlint::key]`) must build keys with the
//! same hash tag over the same value. See [`colocated`].
//!
//! # 3. On literal keys: `slot!`, `assert_same_slot!` and `key_slot`
//!
//! ```
//! // The slot of a literal key, computed at compile time.
//! const PROFILE: u16 = slotlint::slot!("{user:42}:profile");
//! assert_eq!(PROFILE, slotlint::key_slot("{user:42}:profile"));
//!
//! // A compile error when the keys are not in one slot (as an item or a statement).
//! slotlint::assert_same_slot!("{cart:1}:items", "{cart:1}:total", "cart:1");
//!
//! // `key_slot` is a `const fn`: for consts, and for keys built at run time.
//! const ITEMS: &str = "{cart:1}:items";
//! const TOTAL: &str = "{cart:1}:total";
//! const _: () = assert!(slotlint::key_slot(ITEMS) == slotlint::key_slot(TOTAL));
//! assert_eq!(slotlint::hash_tag(ITEMS), Some("cart:1"));
//! ```
//!
//! Nothing here costs anything at run time: the attributes emit the code they annotate
//! unchanged, and `slot!` is a number. The `cargo-slotlint` analyzer, which reads a whole
//! workspace, trusts these attributes, and reads [`allow`].

pub use slotlint_hashslot::SLOT_COUNT;

/// Checks, at compile time, the key a function builds.
///
/// The body is read, not run. Its result (tail expression, and every `return`) must be a
/// string literal or a `format!`/`format_args!` with a literal format string, possibly through
/// `let` bindings, `.to_string()`, `.to_owned()`, `.into()`, `String::from(..)`, `+`,
/// `concat!`, `if`/`match` branches. In a format string `{{`/`}}` are the key's braces and
/// `{id}` is a placeholder; a placeholder stands for its argument, named after the parameter
/// (`id`) or field (`self.id`) it comes from. In a [`colocated`] group, a call to another key
/// builder of the group is read too. A format string that rustc refuses is left to rustc's
/// error.
///
/// - `#[slotlint::key(tag = "user:{id}")]`: the key's hash tag must be exactly `user:` followed
///   by the parameter `id` (written without the braces around the tag; `{self.id}` names a
///   field of `self`). A constant tag can be declared on purpose: `tag = "stats"`.
/// - `#[slotlint::key]`: the key must have a hash tag, and when the key depends on a parameter
///   its tag must too (otherwise every key of the family lands in one slot).
///
/// ```
/// impl Order {
///     #[slotlint::key(tag = "order:{self.id}")]
///     fn lines_key(&self) -> String {
///         format!("{{order:{}}}:lines", self.id)
///     }
/// }
/// # struct Order { id: u64 }
/// ```
///
/// ```compile_fail
/// #[slotlint::key(tag = "user:{id}")]
/// fn profile_key(id: u64) -> String {
///     format!("user:{id}:profile") // error: key `user:{id}:profile` has no hash tag
/// }
/// ```
///
/// The function is emitted unchanged: the attribute costs nothing at run time.
#[doc(inline)]
pub use slotlint_macros::key;

/// Checks, at compile time, that the key builders of an `impl` block or inline `mod` build keys
/// with one hash tag, so that any of them can be used together.
///
/// **Members** are the functions that build keys, whatever their names: those whose result (the
/// tail expression, or a `return`) is a string literal, a `format!`/`format_args!`/`concat!`,
/// or a call to another member (`self.base()`, `Self::profile(id)`, `profile(id)` in a
/// module), through `let`, `&`, `.to_string()`, `String::from`, `+`, `if` and `match`; and
/// those that carry `#[slotlint::key]`. Each must pass the [`key`] checks (its own
/// `#[slotlint::key(tag = …)]` included). A function that returns a string but builds no key
/// (a label, a message) is left out with `exclude`:
///
/// ```
/// # pub struct User { id: u64 }
/// #[slotlint::colocated(exclude = "display_name")]
/// impl User {
///     pub fn profile(&self) -> String {
///         format!("{{user:{}}}:profile", self.id)
///     }
///
///     // A call to a member is read as that member's key: `{user:<id>}:profile:archived`.
///     pub fn archived_profile(&self) -> String {
///         format!("{}:archived", self.profile())
///     }
///
///     pub fn display_name(&self) -> String {
///         format!("user #{}", self.id)
///     }
/// }
/// ```
///
/// **Tags** are compared as patterns: the same text, and the same value in each hole. The same
/// name is the same value; fields of `self` are matched by name (`self.id` is not `self.org`);
/// parameters named differently are the argument the caller passes to fill the tag, so
/// `order_id` in one member matches `id` in another, unless a member also has a parameter of
/// the other's name (then `friend` against `id` is more likely a mistake). `by` lists places
/// that are one value, for what is not matched otherwise:
///
/// ```
/// #[slotlint::colocated]
/// mod orders {
///     pub fn lines(order_id: u64) -> String {
///         format!("{{order:{order_id}}}:lines")
///     }
///
///     pub fn status(id: u64) -> String {
///         format!("{{order:{id}}}:status")
///     }
/// }
///
/// # pub struct User { id: u64 }
/// #[slotlint::colocated(by = "self.id, id")]
/// impl User {
///     pub fn sessions(&self) -> String {
///         format!("{{user:{}}}:sessions", self.id)
///     }
///
///     pub fn sessions_of(id: u64) -> String {
///         format!("{{user:{id}}}:sessions")
///     }
/// }
/// assert_eq!(orders::lines(1), "{order:1}:lines");
/// ```
///
/// ```compile_fail
/// #[slotlint::colocated]
/// mod keys {
///     pub fn profile(id: u64) -> String {
///         format!("{{user:{id}}}:profile")
///     }
///     pub fn orders(id: u64) -> String {
///         format!("{{orders:{id}}}") // error: tagged `orders:{id}`, the group `user:{id}`
///     }
/// }
/// ```
///
/// Arguments, both optional: `exclude = "f, g"` (functions of the group that are not key
/// builders) and `by = "a, b"` (places, such as `id`, `order_id` or `self.id`, that hold one
/// value). Like every attribute here, it emits the item unchanged.
#[doc(inline)]
pub use slotlint_macros::colocated;

/// The slot of a literal key (a string or byte string literal), as a `u16` literal, computed at
/// compile time: usable in `const` items and patterns.
///
/// ```
/// const S: u16 = slotlint::slot!("{user:42}:profile");
/// assert_eq!(S, slotlint::slot!(b"user:42"));
/// assert_eq!(slotlint::slot!("foo"), 12182);
/// ```
///
/// For a key that is not a literal, use the `const fn` [`key_slot`].
#[doc(inline)]
pub use slotlint_macros::slot;

/// Fails to compile unless every literal key given hashes to one slot; the error names the key
/// that differs, the first key, and both slots. Usable as an item and as a statement.
///
/// ```
/// slotlint::assert_same_slot!("{user:1}:profile", "{user:1}:sessions");
///
/// fn transfer() {
///     slotlint::assert_same_slot!("{acct:9}:balance", "{acct:9}:history");
/// }
/// ```
///
/// ```compile_fail
/// // error: "user:1:sessions" is in slot 4397, but "user:1:profile" is in slot 12348
/// slotlint::assert_same_slot!("user:1:profile", "user:1:sessions");
/// ```
///
/// The keys are Redis keys, not format strings: `{` and `}` are the hash-tag braces.
#[doc(inline)]
pub use slotlint_macros::assert_same_slot;

/// Tells the `cargo-slotlint` analyzer not to report these rules on this item (a function,
/// `impl`, `mod`…). For the compiler it does nothing: the item is emitted unchanged.
///
/// Rules are written as the analyzer's `// slotlint: allow(…)` comments accept them: the rule's
/// name as an identifier or a string, with `_` or `-` between words, or its code (`SL101`). A
/// name that is no rule does not compile (with the rule most likely meant). A `reason` may
/// follow.
///
/// ```
/// #[slotlint::allow(cross_slot_command)]
/// fn a() {}
///
/// #[slotlint::allow("cross-slot-command", SL207, reason = "one global counter")]
/// fn b() {}
/// ```
///
/// ```compile_fail
/// #[slotlint::allow(cross_slot_comand)] // error: no rule is named `cross_slot_comand`
/// fn c() {}                              // help: did you mean `cross_slot_command`?
/// ```
#[doc(inline)]
pub use slotlint_macros::allow;

/// The Redis Cluster slot of `key` (`CLUSTER KEYSLOT`), usable in `const` context.
///
/// ```
/// const A: u16 = slotlint::key_slot("{user:1}:a");
/// const _: () = assert!(A == slotlint::key_slot("{user:1}:b"));
/// assert_eq!(slotlint::key_slot("foo"), 12182);
/// ```
pub const fn key_slot(key: &str) -> u16 {
    slotlint_hashslot::const_slot(key.as_bytes())
}

/// [`key_slot`] for binary keys.
pub const fn key_slot_bytes(key: &[u8]) -> u16 {
    slotlint_hashslot::const_slot(key)
}

/// The hash tag of `key`: the part between the first `{` and the first `}` after it, if not
/// empty. Only that part decides the slot. A `const fn`, like [`key_slot`].
///
/// ```
/// const TAG: Option<&str> = slotlint::hash_tag("{user:1}:profile");
/// assert_eq!(TAG, Some("user:1"));
/// assert_eq!(slotlint::hash_tag("foo{}{bar}"), None);
/// assert_eq!(slotlint::hash_tag("foo{{bar}}zap"), Some("{bar"));
/// assert_eq!(slotlint::hash_tag("{usér:1}:ß"), Some("usér:1"));
/// ```
pub const fn hash_tag(key: &str) -> Option<&str> {
    let Some((start, end)) = slotlint_hashslot::hash_tag_range(key.as_bytes()) else {
        return None;
    };
    let (_, from_tag) = key.as_bytes().split_at(start);
    let (tag, _) = from_tag.split_at(end - start);
    // SAFETY: `tag` is a slice of a `str` cut just after a `{` and just before a `}`, both
    // ASCII, so at char boundaries: it is valid UTF-8. (`str::split_at` is `const` only from
    // Rust 1.86, after this crate's minimum version.)
    Some(unsafe { core::str::from_utf8_unchecked(tag) })
}
