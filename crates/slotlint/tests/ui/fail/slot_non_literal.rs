// `slot!` and `assert_same_slot!` take literals; a const goes through `key_slot`.

const KEY: &str = "{user:1}:profile";

// Only the macro's error: the expansion is still a `u16`.
const SLOT: u16 = slotlint::slot!(KEY);

slotlint::assert_same_slot!(KEY, "{user:1}:sessions");

fn main() {
    let _ = SLOT;
}
