// A call to another member reads as that member's key over the arguments given.

#[slotlint::colocated]
mod keys {
    pub fn profile(id: u64) -> String {
        format!("{{user:{id}}}:profile")
    }

    // Over `id + 1`: the next user's slot.
    pub fn next_profile(id: u64) -> String {
        profile(id + 1)
    }

    // Over the constant `0`: one slot for every archive.
    pub fn archive() -> String {
        format!("{}:archive", profile(0))
    }
}

fn main() {
    let _ = (keys::next_profile(1), keys::archive());
}
