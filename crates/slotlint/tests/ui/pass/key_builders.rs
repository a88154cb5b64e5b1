// `#[slotlint::key]` on the forms of key builders it reads.

#[slotlint::key(tag = "user:{id}")]
fn profile_key(id: u64) -> String {
    format!("{{user:{id}}}:profile")
}

#[slotlint::key(tag = "user:{id}")]
fn settings_key(id: u64) -> String {
    format!("{{user:{}}}:settings", id)
}

// No declared tag: any tag that depends on a parameter.
#[slotlint::key]
fn cart_key(cart: &str, part: &str) -> String {
    let tag = format!("{{cart:{cart}}}");
    let key = format!("{tag}:{part}");
    key.to_string()
}

#[slotlint::key]
fn session_key(id: u64, legacy: bool) -> String {
    if legacy {
        return String::from(format!("{{session:{id}}}:v1"));
    }
    match id {
        0 => format!("{{session:{id}}}:anonymous").into(),
        _ => format_args!("{{session:{}}}:v2", id).to_string(),
    }
}

// A constant key may carry a constant tag; a family needs it declared.
#[slotlint::key]
fn daily_stats_key() -> &'static str {
    "{stats}:daily"
}

#[slotlint::key(tag = "stats")]
fn stats_by_day_key(day: u32) -> String {
    format!("{{stats}}:{day}")
}

struct Order {
    id: u64,
}

impl Order {
    #[slotlint::key(tag = "order:{self.id}")]
    fn lines_key(&self) -> String {
        let mut key = String::from("{order:");
        key.push_str(&self.id.to_string());
        key += "}:lines";
        key
    }
}

fn main() {
    assert_eq!(profile_key(1), "{user:1}:profile");
    assert_eq!(settings_key(1), "{user:1}:settings");
    assert_eq!(cart_key("c", "items"), "{cart:c}:items");
    assert_eq!(session_key(2, false), "{session:2}:v2");
    assert_eq!(session_key(0, false), "{session:0}:anonymous");
    assert_eq!(session_key(2, true), "{session:2}:v1");
    assert_eq!(daily_stats_key(), "{stats}:daily");
    assert_eq!(stats_by_day_key(3), "{stats}:3");
    assert_eq!(Order { id: 5 }.lines_key(), "{order:5}:lines");
    assert_eq!(
        slotlint::key_slot(&profile_key(9)),
        slotlint::key_slot(&settings_key(9))
    );
}
