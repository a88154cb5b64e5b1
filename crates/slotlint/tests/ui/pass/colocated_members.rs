// Members of a `#[slotlint::colocated]` group by what they return, whatever their names; calls
// between members; parameters matched by the argument that fills the tag, or by `by`.
#![deny(unused_imports)]

use slotlint::key;

pub struct User {
    id: u64,
}

#[slotlint::colocated(exclude = "label")]
impl User {
    pub fn new(id: u64) -> Self {
        User { id }
    }

    pub fn id(&self) -> u64 {
        self.id
    }

    fn base(&self) -> String {
        format!("{{user:{}}}", self.id)
    }

    pub fn profile(&self) -> String {
        self.base() + ":profile"
    }

    // Its own attribute (through `use slotlint::key`) is checked by the group, which can read
    // the call to `profile`; the import stays used.
    #[key(tag = "user:{self.id}")]
    pub fn archived_profile(&self) -> String {
        format!("{}:archived", self.profile())
    }

    pub fn label(&self) -> String {
        format!("user #{}", self.id)
    }
}

#[slotlint::colocated]
mod orders {
    pub fn lines(order_id: u64) -> String {
        format!("{{order:{order_id}}}:lines")
    }

    pub fn status(id: u64) -> String {
        format!("{{order:{id}}}:status")
    }

    pub fn line(o: u64, line: u32) -> String {
        format!("{}:{line}", lines(o))
    }
}

#[slotlint::colocated(by = "self.id, id")]
impl User {
    pub fn sessions(&self) -> String {
        format!("{{user:{}}}:sessions", self.id)
    }

    pub fn sessions_of(id: u64) -> String {
        format!("{{user:{id}}}:sessions")
    }
}

fn main() {
    let user = User::new(7);
    assert_eq!(user.id(), 7);
    assert_eq!(user.profile(), "{user:7}:profile");
    assert_eq!(user.archived_profile(), "{user:7}:profile:archived");
    assert_eq!(user.label(), "user #7");
    assert_eq!(orders::lines(3), "{order:3}:lines");
    assert_eq!(orders::status(3), "{order:3}:status");
    assert_eq!(orders::line(3, 2), "{order:3}:lines:2");
    assert_eq!(user.sessions(), User::sessions_of(7));
    assert_eq!(
        slotlint::key_slot(&orders::lines(3)),
        slotlint::key_slot(&orders::status(3))
    );
}
