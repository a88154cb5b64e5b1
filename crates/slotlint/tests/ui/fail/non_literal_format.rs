// The format string is not a literal (rustc accepts `concat!` here; slotlint does not read it).

#[slotlint::key]
fn profile_key(id: u64) -> String {
    format!(concat!("{{user:", "{}}}:profile"), id)
}

fn main() {
    let _ = profile_key(1);
}
