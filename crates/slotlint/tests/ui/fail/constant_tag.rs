// A tag with no varying part: every user lands in one slot, on one node.

#[slotlint::key]
fn user_key(id: u64) -> String {
    format!("{{users}}:{id}")
}

fn main() {
    let _ = user_key(1);
}
