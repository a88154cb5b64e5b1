// The key's hash tag is not the declared one: other text, or another parameter.

#[slotlint::key(tag = "user:{id}")]
fn profile_key(id: u64) -> String {
    format!("{{usr:{id}}}:profile")
}

#[slotlint::key(tag = "user:{id}")]
fn friend_key(id: u64, friend: u64) -> String {
    format!("{{user:{friend}}}:friend:{id}")
}

fn main() {
    let _ = (profile_key(1), friend_key(1, 2));
}
