// A key without a hash tag: Redis hashes the whole key.

#[slotlint::key]
fn profile_key(id: u64) -> String {
    format!("user:{id}:profile")
}

#[slotlint::key(tag = "user:{id}")]
fn settings_key(id: u64) -> String {
    format!("user:{}:settings", id)
}

// The functions are still emitted: no cascade of "cannot find function" errors.
fn main() {
    let _ = (profile_key(1), settings_key(1));
}
