// Rule names are snake_case identifiers or kebab-case strings.

#[slotlint::allow(CrossSlotCommand, "cross_slot_command")]
fn a() {}

fn main() {
    a();
}
