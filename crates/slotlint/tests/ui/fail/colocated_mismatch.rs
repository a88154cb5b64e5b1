// Two key functions of one group with different tags cannot be used in one MGET or MULTI.

pub struct User {
    id: u64,
    org: u64,
}

#[slotlint::colocated]
impl User {
    pub fn profile_key(&self) -> String {
        format!("{{user:{}}}:profile", self.id)
    }

    pub fn orders_key(&self) -> String {
        format!("{{orders:{}}}", self.id)
    }

    pub fn org_key(&self) -> String {
        format!("{{user:{}}}:org", self.org)
    }
}

fn main() {
    let user = User { id: 1, org: 2 };
    let _ = (user.profile_key(), user.orders_key(), user.org_key());
}
