// `#[slotlint::allow]` is inert: the items compile as written. Rules are spelled as the
// analyzer's suppressions accept them: names, snake_case names, codes.

#[slotlint::allow(cross_slot_command)]
fn a() -> u32 {
    1
}

#[slotlint::allow("cross-slot-transaction", hot_hash_tag, reason = "one global counter")]
struct Counter;

#[slotlint::allow(node_local_command, SL101, "sl207", CROSS_SLOT_SCRIPT, "cross_slot_pipeline")]
impl Counter {
    #[slotlint::allow("non-zero-database")]
    fn b(&self) -> u32 {
        2
    }
}

fn main() {
    assert_eq!(a() + Counter.b(), 3);
}
