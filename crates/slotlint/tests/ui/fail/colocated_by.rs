// Parameters named differently are matched by the argument that fills the tag, unless a member
// also has the other name; `by` says which places are one value, and must name parameters.

#[slotlint::colocated]
mod users {
    pub fn profile(id: u64) -> String {
        format!("{{user:{id}}}:profile")
    }

    pub fn friend(id: u64, friend: u64) -> String {
        format!("{{user:{friend}}}:friend:{id}")
    }
}

pub struct Order {
    id: u64,
}

#[slotlint::colocated]
impl Order {
    pub fn lines(&self) -> String {
        format!("{{order:{}}}:lines", self.id)
    }

    pub fn status(id: u64) -> String {
        format!("{{order:{id}}}:status")
    }
}

#[slotlint::colocated(by = "id, order_idd")]
mod carts {
    pub fn items(order_id: u64) -> String {
        format!("{{cart:{order_id}}}:items")
    }

    pub fn total(id: u64) -> String {
        format!("{{cart:{id}}}:total")
    }
}

fn main() {
    let _ = (users::profile(1), users::friend(1, 2));
    let _ = (Order { id: 1 }.lines(), Order::status(1));
    let _ = (carts::items(1), carts::total(1));
}
