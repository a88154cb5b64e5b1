// `slot!` and `assert_same_slot!` take literals; a const or a built key goes through `key_slot`,
// and the help says how, in code that compiles (see `pass/slots.rs`).

const KEY: &str = "{user:1}:profile";

// Only the macro's error: the expansion is still a `u16`.
const SLOT: u16 = slotlint::slot!(KEY);

slotlint::assert_same_slot!(KEY, "{user:1}:sessions");

fn main() {
    let id = 7;
    let _ = (SLOT, slotlint::slot!(format!("{{user:{id}}}:profile")));
}
