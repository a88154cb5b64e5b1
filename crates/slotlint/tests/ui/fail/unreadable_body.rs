// A body that is not a literal or `format!` is an error that says what is read.

fn build(id: u64) -> String {
    format!("{{user:{id}}}")
}

#[slotlint::key]
fn profile_key(id: u64) -> String {
    build(id) + ":profile"
}

fn main() {
    let _ = profile_key(1);
}
