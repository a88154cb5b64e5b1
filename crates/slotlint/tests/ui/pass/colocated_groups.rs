// `#[slotlint::colocated]` on impl blocks and inline modules.

pub struct User {
    id: u64,
}

#[slotlint::colocated(exclude = "display_name")]
impl User {
    pub fn new(id: u64) -> Self {
        User { id }
    }

    pub fn profile_key(&self) -> String {
        format!("{{user:{}}}:profile", self.id)
    }

    #[slotlint::key(tag = "user:{self.id}")]
    pub fn sessions(&self) -> String {
        format!("{{user:{}}}:sessions", &self.id)
    }

    // Returns a string, but builds no key: excluded above.
    pub fn display_name(&self) -> String {
        format!("user #{}", self.id)
    }
}

#[slotlint::colocated]
mod stock {
    pub fn level_key(sku: &str) -> String {
        format!("{{stock:{sku}}}")
    }

    pub fn reserved_key(sku: &str) -> String {
        format!("{{stock:{}}}:reserved", sku)
    }

    pub struct Warehouse(pub u32);

    // An impl with its own group is checked on its own.
    #[slotlint::colocated]
    impl Warehouse {
        pub fn inventory_key(&self) -> String {
            format!("{{wh:{}}}:inventory", self.0)
        }
    }
}

fn main() {
    let user = User::new(7);
    assert_eq!(user.profile_key(), "{user:7}:profile");
    assert_eq!(user.sessions(), "{user:7}:sessions");
    assert_eq!(user.display_name(), "user #7");
    assert_eq!(stock::level_key("a"), "{stock:a}");
    assert_eq!(stock::reserved_key("a"), "{stock:a}:reserved");
    assert_eq!(stock::Warehouse(1).inventory_key(), "{wh:1}:inventory");
}
