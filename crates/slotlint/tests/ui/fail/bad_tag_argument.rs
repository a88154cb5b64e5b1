// The declared tag must name parameters, is written without its braces, and is a literal.

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

const USER_TAG: &str = "user:{id}";

#[slotlint::key(tag = USER_TAG)]
fn cart_key(id: u64) -> String {
    format!("{{user:{id}}}:cart")
}

fn main() {
    let _ = (profile_key(1), settings_key(1), orders_key(1), cart_key(1), USER_TAG);
}
