// A format string rustc refuses: rustc's error, and no second one from slotlint.

#[slotlint::key]
fn profile_key(id: u64) -> String {
    format!("{user:{id}}}:profile")
}

#[slotlint::colocated]
mod keys {
    pub fn sessions(id: u64) -> String {
        format!("{{user:{id}}}:sessions")
    }

    pub fn settings(_id: u64) -> String {
        format!("{{user:{}}}:settings")
    }
}

fn main() {
    let _ = (profile_key(1), keys::sessions(1), keys::settings(1));
}
