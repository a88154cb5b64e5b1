// `slot!`, `assert_same_slot!` and `key_slot` on literal keys.

const PROFILE: u16 = slotlint::slot!("{user:42}:profile");
const FOO: u16 = slotlint::slot!(b"foo");

slotlint::assert_same_slot!("{user:42}:profile", "{user:42}:sessions", "user:42",);

const ITEMS: &str = "{cart:1}:items";
const _: () = assert!(slotlint::key_slot(ITEMS) == slotlint::key_slot("{cart:1}:total"));

fn transfer() -> u16 {
    slotlint::assert_same_slot!("{acct:9}:balance", "{acct:9}:history");
    match slotlint::key_slot("{acct:9}:balance") {
        slot if slot == slotlint::slot!("acct:9") => slot,
        _ => unreachable!(),
    }
}

// `hash_tag` is a `const fn`, like `key_slot`.
const TAG: Option<&str> = slotlint::hash_tag(ITEMS);

fn main() {
    // What the help of `slot!(format!(..))` suggests (`fail/slot_non_literal.stderr`).
    let id = 7;
    assert_eq!(
        slotlint::key_slot(&format!("{{user:{id}}}:profile")),
        slotlint::key_slot("{user:7}:sessions")
    );
    assert_eq!(TAG, Some("cart:1"));
    assert_eq!(PROFILE, slotlint::key_slot("{user:42}:profile"));
    assert_eq!(FOO, 12182);
    assert_eq!(transfer(), slotlint::key_slot("acct:9"));
    let s: u16 = slotlint::slot!("{a}b");
    assert!(s < slotlint::SLOT_COUNT);
}
