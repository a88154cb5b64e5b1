// Members are the functions that build keys, whatever their names: a method that returns a
// string and builds no key is excluded by name, and a misspelled name is an error.

pub struct User {
    id: u64,
}

#[slotlint::colocated]
impl User {
    pub fn profile(&self) -> String {
        format!("{{user:{}}}:profile", self.id)
    }

    pub fn display_name(&self) -> String {
        format!("user #{}", self.id)
    }
}

pub struct Order {
    id: u64,
}

#[slotlint::colocated(exclude = "labl")]
impl Order {
    pub fn lines(&self) -> String {
        format!("{{order:{}}}:lines", self.id)
    }

    pub fn label(&self) -> String {
        format!("order #{}", self.id)
    }
}

fn main() {
    let user = User { id: 1 };
    let order = Order { id: 2 };
    let _ = (user.profile(), user.display_name(), order.lines(), order.label());
}
