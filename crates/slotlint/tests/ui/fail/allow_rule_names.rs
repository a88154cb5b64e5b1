// A rule that does not exist is an error, with the rule most likely meant, spelled alike.

#[slotlint::allow(CrossSlotCommand, "hot-hashtag", SL1O1)]
fn a() {}

#[slotlint::allow(everything)]
fn b() {}

fn main() {
    a();
    b();
}
