// Literal keys in different slots: the error names both keys and both slots.

slotlint::assert_same_slot!("{user:1}:profile", "{user:2}:profile");

fn main() {
    slotlint::assert_same_slot!(
        "user:1:profile",
        "user:1:profile",
        "user:1:sessions",
    );
}
