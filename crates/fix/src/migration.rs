//! The migration plan: which existing keys a fix renames, and how to rename one key.
//!
//! `cargo slotlint fix` writes it; `cargo slotlint migrate` reads it and, for every key a
//! SCAN of a family's old glob returns, asks [`Migrator::classify`] what to do: rename it (to
//! the name the rewritten code computes from the same values), leave it (already renamed, or a
//! key of no family), or report it (it could belong to two families).

use serde::{Deserialize, Serialize};

use crate::pattern::{insertions, match_offsets, parse_skeleton, render_insertions, Atom};
use crate::plan::{Applicability, Fix};

pub const PLAN_VERSION: u32 = 1;

/// A file of the plan (JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationPlan {
    pub version: u32,
    pub generated_by: String,
    pub families: Vec<PlanFamily>,
}

/// One renamed key family.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanFamily {
    /// The old key pattern, holes named (`user:{id}:profile`).
    pub old: String,
    /// The new key pattern (`{user:{id}}:profile`).
    pub new: String,
    /// The old skeleton as a Rust format string (`user:{}:profile`): what `migrate` matches.
    pub old_skeleton: String,
    /// The new skeleton (`{{user:{}}}:profile`): what `migrate` renames to.
    pub new_skeleton: String,
    /// SCAN/KEYS glob for the old keys.
    pub scan: String,
    /// The hash tag (`user:{id}`).
    pub tag: String,
    pub applicability: String,
    /// The sites rewritten.
    pub sites: Vec<PlanSite>,
}

/// A site the fix rewrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanSite {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub before: String,
    pub after: String,
}

impl MigrationPlan {
    pub fn new() -> MigrationPlan {
        MigrationPlan {
            version: PLAN_VERSION,
            generated_by: format!("cargo-slotlint {}", env!("CARGO_PKG_VERSION")),
            families: Vec::new(),
        }
    }

    /// The families of applied fixes.
    pub fn from_fixes(fixes: &[&Fix]) -> MigrationPlan {
        let mut plan = MigrationPlan::new();
        for fix in fixes {
            let applicability = fix
                .applicability()
                .unwrap_or(Applicability::Unsafe)
                .as_str()
                .to_owned();
            for f in &fix.families {
                plan.families.push(PlanFamily {
                    old: f.old_display.clone(),
                    new: f.new_display.clone(),
                    old_skeleton: f.old_skeleton(),
                    new_skeleton: f.new_skeleton(),
                    scan: f.scan(),
                    tag: f.tag_display.clone(),
                    applicability: applicability.clone(),
                    sites: f
                        .edits
                        .iter()
                        .map(|e| PlanSite {
                            file: e.place.file.clone(),
                            line: e.place.line,
                            column: e.place.column,
                            before: e.before.clone(),
                            after: e.after.clone(),
                        })
                        .collect(),
                });
            }
        }
        plan
    }

    /// Add the families of `other` not already in this plan (by old skeleton).
    pub fn merge(&mut self, other: MigrationPlan) {
        let mut known: std::collections::HashSet<String> = self
            .families
            .iter()
            .map(|g| g.old_skeleton.clone())
            .collect();
        for f in other.families {
            if known.insert(f.old_skeleton.clone()) {
                self.families.push(f);
            }
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("plan serializes");
        s.push('\n');
        s
    }

    pub fn from_json(text: &str) -> Result<MigrationPlan, String> {
        let plan: MigrationPlan = serde_json::from_str(text)
            .map_err(|e| format!("not a slotlint migration plan: {e}"))?;
        if plan.version != PLAN_VERSION {
            return Err(format!(
                "migration plan version {} is not supported (this slotlint reads version {PLAN_VERSION})",
                plan.version
            ));
        }
        Ok(plan)
    }
}

impl Default for MigrationPlan {
    fn default() -> Self {
        MigrationPlan::new()
    }
}

/// A family ready to match keys.
#[derive(Clone, Debug)]
pub struct CompiledFamily {
    pub old: Vec<Atom>,
    pub new: Vec<Atom>,
    ins: Vec<(usize, char)>,
    literal_chars: usize,
}

/// What to do with one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyFate {
    /// Rename it to `new`; it is a key of family `family`.
    Rename { family: usize, new: String },
    /// A key the rewritten code already builds (of family `family`'s new form).
    AlreadyNew { family: usize },
    /// A key of more than one family (or of one in more than one way), renamed differently.
    Ambiguous { names: Vec<String> },
    /// A key of no family of the plan: never touched.
    NoFamily,
}

/// The plan's families, compiled.
#[derive(Clone, Debug)]
pub struct Migrator {
    pub families: Vec<CompiledFamily>,
}

impl Migrator {
    pub fn new(plan: &MigrationPlan) -> Result<Migrator, String> {
        let mut families = Vec::new();
        for f in &plan.families {
            let old = parse_skeleton(&f.old_skeleton)
                .map_err(|e| format!("family `{}`: old_skeleton: {e}", f.old))?;
            let new = parse_skeleton(&f.new_skeleton)
                .map_err(|e| format!("family `{}`: new_skeleton: {e}", f.old))?;
            let ins = insertions(&old, &new).ok_or_else(|| {
                format!(
                    "family `{}`: `{}` is not `{}` with characters added",
                    f.old, f.new_skeleton, f.old_skeleton
                )
            })?;
            let literal_chars = old.iter().filter(|a| matches!(a, Atom::C(_))).count();
            families.push(CompiledFamily {
                old,
                new,
                ins,
                literal_chars,
            });
        }
        Ok(Migrator { families })
    }

    /// Decide what to do with `key`. Holes never hold `{` or `}`; they may be empty (a
    /// `format!` of an empty string builds such a key too).
    pub fn classify(&self, key: &str) -> KeyFate {
        let no_braces = |c: char| c != '{' && c != '}';
        // (family, new name) of every reading of the key.
        let mut readings: Vec<(usize, String)> = Vec::new();
        for (i, f) in self.families.iter().enumerate() {
            for m in match_offsets(&f.old, key, &no_braces, true, 16) {
                let new = render_insertions(key, &m, &f.ins);
                if !readings.contains(&(i, new.clone())) {
                    readings.push((i, new));
                }
            }
        }
        if readings.is_empty() {
            for (i, f) in self.families.iter().enumerate() {
                if !match_offsets(&f.new, key, &no_braces, true, 1).is_empty() {
                    return KeyFate::AlreadyNew { family: i };
                }
            }
            return KeyFate::NoFamily;
        }
        let mut names: Vec<String> = readings.iter().map(|(_, n)| n.clone()).collect();
        names.sort();
        names.dedup();
        if names.len() == 1 {
            let family = readings.iter().map(|(i, _)| *i).min().unwrap_or(0);
            return KeyFate::Rename {
                family,
                new: names.remove(0),
            };
        }
        // Different names: the family with the most literal text wins when it is alone.
        let best = readings
            .iter()
            .map(|(i, _)| self.families[*i].literal_chars)
            .max()
            .unwrap_or(0);
        let top: Vec<&(usize, String)> = readings
            .iter()
            .filter(|(i, _)| self.families[*i].literal_chars == best)
            .collect();
        let mut top_names: Vec<&String> = top.iter().map(|(_, n)| n).collect();
        top_names.sort();
        top_names.dedup();
        if top_names.len() == 1 {
            return KeyFate::Rename {
                family: top[0].0,
                new: top[0].1.clone(),
            };
        }
        KeyFate::Ambiguous { names }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fam(old: &str, new: &str) -> PlanFamily {
        PlanFamily {
            old: old.into(),
            new: new.into(),
            old_skeleton: old.into(),
            new_skeleton: new.into(),
            scan: String::new(),
            tag: String::new(),
            applicability: "unsafe".into(),
            sites: Vec::new(),
        }
    }

    #[test]
    fn keys_are_renamed_as_the_new_code_names_them() {
        let mut plan = MigrationPlan::new();
        plan.families = vec![
            fam("user:{}:profile", "{{user:{}}}:profile"),
            fam("user:{}", "{{user:{}}}"),
            fam("stock:{}", "stock:{{{}}}"),
            fam("{}:{}", "{{{}}}:{}"),
        ];
        let m = Migrator::new(&plan).unwrap();
        assert_eq!(
            m.classify("user:42:profile"),
            KeyFate::Rename {
                family: 0,
                new: "{user:42}:profile".into()
            }
        );
        assert_eq!(
            m.classify("user:42"),
            KeyFate::Rename {
                family: 1,
                new: "{user:42}".into()
            }
        );
        assert_eq!(
            m.classify("stock:7"),
            KeyFate::Rename {
                family: 2,
                new: "stock:{7}".into()
            }
        );
        assert_eq!(m.classify("stock:{7}"), KeyFate::AlreadyNew { family: 2 });
        assert_eq!(
            m.classify("{user:42}:profile"),
            KeyFate::AlreadyNew { family: 0 }
        );
        assert_eq!(m.classify("other"), KeyFate::NoFamily);
        assert!(matches!(m.classify("a:b:c"), KeyFate::Ambiguous { .. }));
        // Empty values are keys of the family too.
        assert_eq!(
            m.classify("user::profile"),
            KeyFate::Rename {
                family: 0,
                new: "{user:}:profile".into()
            }
        );
    }

    #[test]
    fn plans_round_trip_and_merge() {
        let mut plan = MigrationPlan::new();
        plan.families.push(fam("a:{}", "{{a:{}}}"));
        let back = MigrationPlan::from_json(&plan.to_json()).unwrap();
        assert_eq!(back, plan);
        let mut other = MigrationPlan::new();
        other.families.push(fam("a:{}", "{{a:{}}}"));
        other.families.push(fam("b:{}", "{{b:{}}}"));
        plan.merge(other);
        assert_eq!(plan.families.len(), 2);
        assert!(Migrator::new(&{
            let mut p = MigrationPlan::new();
            p.families.push(fam("a:{}", "b:{}"));
            p
        })
        .is_err());
    }
}
