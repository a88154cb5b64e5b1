// The declared tag must name parameters, and is written without its braces.

#[slotlint::key(tag = "user:{uid}")]
fn profile_key(id: u64) -> String {
    format!("{{user:{id}}}:profile")
}

#[slotlint::key(tag = "{user:{id}}")]
fn settings_key(id: u64) -> String {
    format!("{{user:{id}}}:settings")
}

#[slotlint::key(tags = "user:{id}")]
fn orders_key(id: u64) -> String {
    format!("{{user:{id}}}:orders")
}

fn main() {
    let _ = (profile_key(1), settings_key(1), orders_key(1));
}
