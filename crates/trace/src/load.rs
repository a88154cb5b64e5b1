//! Load after the move: how the observed key accesses would spread over the 16384 slots and over
//! N primaries, before and after a `fix` migration plan renames the keys.
//!
//! Every key access (every key of every command, scripts' included) is counted in its slot, and,
//! with a plan, in the slot of the name the plan gives it ([`Migrator::classify`], the function
//! `migrate` renames keys with). Per slot the key patterns that fill it are kept (at most
//! [`PATTERNS_PER_SLOT`], the rest counted together), so memory is bounded by the slot count.
//! Primaries own slot ranges split as `redis-cli --cluster create` splits them ([`primaries`]).
//!
//! Not here: judging commands (`judge`); reading the plan (`slotlint_fix::migration`).

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use slotlint_fix::{KeyFate, Migrator};
use slotlint_hashslot::{slot, SLOT_COUNT};

use crate::shape::{display_pattern, key_pattern, Interner};

/// Key patterns kept per slot; the others are counted as `other`.
pub const PATTERNS_PER_SLOT: usize = 8;

/// Distinct key patterns kept over the whole trace; later ones count as `other`.
const MAX_PATTERNS: usize = 4096;

/// What was counted, as stored in the trace file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Load {
    /// Key accesses counted.
    pub accesses: u64,
    /// The slots with accesses, before any renaming.
    pub before: Vec<SlotLoad>,
    /// With a plan: the slots after renaming.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Vec<SlotLoad>>,
    /// With a plan: its file, accesses to keys it renames, and to keys of two families.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanUse>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanUse {
    pub file: String,
    pub renamed: u64,
    pub ambiguous: u64,
}

/// One slot's accesses and the key patterns behind them, most first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotLoad {
    pub slot: u16,
    pub count: u64,
    pub patterns: Vec<PatternCount>,
    /// Accesses of patterns not kept.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub other: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatternCount {
    pub pattern: String,
    pub count: u64,
}

#[derive(Debug, Default)]
struct SlotTally {
    count: u64,
    patterns: Vec<(u32, u64)>,
    other: u64,
}

impl SlotTally {
    fn add(&mut self, pattern: Option<u32>) {
        self.count += 1;
        let Some(id) = pattern else {
            self.other += 1;
            return;
        };
        if let Some(entry) = self.patterns.iter_mut().find(|(p, _)| *p == id) {
            entry.1 += 1;
        } else if self.patterns.len() < PATTERNS_PER_SLOT {
            self.patterns.push((id, 1));
        } else {
            self.other += 1;
        }
    }
}

/// Counts key accesses per slot while a trace runs.
#[derive(Debug)]
pub struct LoadCounter {
    accesses: u64,
    patterns: Interner<String>,
    before: HashMap<u16, SlotTally>,
    after: Option<(Migrator, String, HashMap<u16, SlotTally>)>,
    renamed: u64,
    ambiguous: u64,
}

impl LoadCounter {
    /// `plan`: the migrator of a plan and the plan's file name, for the "after" counts.
    pub fn new(plan: Option<(Migrator, String)>) -> LoadCounter {
        LoadCounter {
            accesses: 0,
            patterns: Interner::new(MAX_PATTERNS),
            before: HashMap::new(),
            after: plan.map(|(m, file)| (m, file, HashMap::new())),
            renamed: 0,
            ambiguous: 0,
        }
    }

    pub fn add(&mut self, key: &[u8]) {
        self.accesses += 1;
        let id = self.patterns.intern(&key_pattern(key));
        self.before.entry(slot(key)).or_default().add(id);
        if let Some((migrator, _, after)) = &mut self.after {
            let renamed = std::str::from_utf8(key).ok().map(|k| migrator.classify(k));
            let (new_slot, new_id) = match renamed {
                Some(KeyFate::Rename { new, .. }) => {
                    self.renamed += 1;
                    (
                        slot(&new),
                        self.patterns.intern(&key_pattern(new.as_bytes())),
                    )
                }
                Some(KeyFate::Ambiguous { .. }) => {
                    self.ambiguous += 1;
                    (slot(key), id)
                }
                _ => (slot(key), id),
            };
            after.entry(new_slot).or_default().add(new_id);
        }
    }

    pub fn finish(self) -> Load {
        let patterns = &self.patterns;
        let slots = |tallies: HashMap<u16, SlotTally>| -> Vec<SlotLoad> {
            let mut out: Vec<SlotLoad> = tallies
                .into_iter()
                .map(|(slot, t)| {
                    let mut list: Vec<PatternCount> = t
                        .patterns
                        .iter()
                        .map(|(id, count)| PatternCount {
                            pattern: patterns.get(*id).clone(),
                            count: *count,
                        })
                        .collect();
                    list.sort_by(|a, b| b.count.cmp(&a.count).then(a.pattern.cmp(&b.pattern)));
                    SlotLoad {
                        slot,
                        count: t.count,
                        patterns: list,
                        other: t.other,
                    }
                })
                .collect();
            out.sort_by_key(|s| s.slot);
            out
        };
        let (after, plan) = match self.after {
            Some((_, file, tallies)) => (
                Some(slots(tallies)),
                Some(PlanUse {
                    file,
                    renamed: self.renamed,
                    ambiguous: self.ambiguous,
                }),
            ),
            None => (None, None),
        };
        Load {
            accesses: self.accesses,
            before: slots(self.before),
            after,
            plan,
        }
    }
}

/// The slot ranges of `n` primaries, as `redis-cli --cluster create` assigns them
/// (`clusterManagerCommandCreate`: float slots per node, ranges ending at
/// `lround(cursor + per_node - 1)`, the last one at 16383).
pub fn primaries(n: usize) -> Vec<(u16, u16)> {
    let n = n.clamp(1, usize::from(SLOT_COUNT));
    let per_node = f32::from(SLOT_COUNT) / n as f32;
    let mut cursor = 0.0f32;
    let mut first: i64 = 0;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut last = (cursor + per_node - 1.0).round() as i64;
        if last > i64::from(SLOT_COUNT) || i == n - 1 {
            last = i64::from(SLOT_COUNT) - 1;
        }
        if last < first {
            last = first;
        }
        out.push((first as u16, last as u16));
        first = last + 1;
        cursor += per_node;
    }
    out
}

/// The primary (0-based) that owns `slot`.
pub fn primary_of(ranges: &[(u16, u16)], slot: u16) -> usize {
    ranges
        .iter()
        .position(|(a, b)| (*a..=*b).contains(&slot))
        .unwrap_or(0)
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

/// The report of `trace --report`: the share of each primary, and the hottest slots with the
/// key patterns that fill them, before and (with a plan) after renaming.
pub fn report(load: &Load, primaries_count: usize, hottest: usize) -> String {
    let ranges = primaries(primaries_count);
    let mut out = String::new();
    let total = load.accesses;
    let _ = writeln!(
        out,
        "load: {total} key {} over {} {} (slots split as `redis-cli --cluster create` does)",
        if total == 1 { "access" } else { "accesses" },
        ranges.len(),
        if ranges.len() == 1 {
            "primary"
        } else {
            "primaries"
        }
    );
    if let Some(plan) = &load.plan {
        let _ = writeln!(
            out,
            "plan {}: {} of them to keys it renames{}",
            plan.file,
            plan.renamed,
            if plan.ambiguous > 0 {
                format!(", {} to keys of two families (not renamed)", plan.ambiguous)
            } else {
                String::new()
            }
        );
    }
    let per_primary = |slots: &[SlotLoad]| -> Vec<u64> {
        let mut sums = vec![0u64; ranges.len()];
        for s in slots {
            sums[primary_of(&ranges, s.slot)] += s.count;
        }
        sums
    };
    let before = per_primary(&load.before);
    let after = load.after.as_deref().map(per_primary);
    let _ = writeln!(
        out,
        "  {:<8} {:<12} {:>8}{}",
        "primary",
        "slots",
        "before",
        if after.is_some() {
            format!(" {:>8}", "after")
        } else {
            String::new()
        }
    );
    for (i, (a, b)) in ranges.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {:<8} {:<12} {:>8}{}",
            i + 1,
            format!("{a}-{b}"),
            percent(before[i], total),
            match &after {
                Some(after) => format!(" {:>8}", percent(after[i], total)),
                None => String::new(),
            }
        );
    }
    let mut hot = |title: &str, slots: &[SlotLoad]| {
        let mut sorted: Vec<&SlotLoad> = slots.iter().collect();
        sorted.sort_by(|a, b| b.count.cmp(&a.count).then(a.slot.cmp(&b.slot)));
        let _ = writeln!(out, "hottest slots{title}:");
        for s in sorted.iter().take(hottest) {
            let patterns: Vec<String> = s
                .patterns
                .iter()
                .take(3)
                .map(|p| {
                    format!(
                        "`{}` {}",
                        display_pattern(&p.pattern),
                        percent(p.count, s.count)
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "  slot {:>5} (primary {}) {:>6}  {}",
                s.slot,
                primary_of(&ranges, s.slot) + 1,
                percent(s.count, total),
                patterns.join(", ")
            );
        }
        if let Some(top) = sorted.first() {
            if total >= 100 && top.count * 10 >= total {
                let _ = writeln!(
                    out,
                    "  slot {} alone takes {} of all accesses: one node serves them (a hot hash tag?)",
                    top.slot,
                    percent(top.count, total)
                );
            }
        }
    };
    hot(
        if load.after.is_some() { " before" } else { "" },
        &load.before,
    );
    if let Some(after) = &load.after {
        hot(" after", after);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use slotlint_fix::migration::{MigrationPlan, PlanFamily};

    #[test]
    fn primaries_are_split_like_redis_cli() {
        // Three primaries: what `redis-cli --cluster create` printed for the test cluster.
        assert_eq!(primaries(3), vec![(0, 5460), (5461, 10922), (10923, 16383)]);
        assert_eq!(primaries(1), vec![(0, 16383)]);
        // 16384 / 6 = 2730.67: lround(2729.67) = 2730, lround(5460.33) = 5460, …
        assert_eq!(
            primaries(6),
            vec![
                (0, 2730),
                (2731, 5460),
                (5461, 8191),
                (8192, 10922),
                (10923, 13652),
                (13653, 16383)
            ]
        );
        assert_eq!(primary_of(&primaries(3), 5461), 1);
    }

    #[test]
    fn a_plan_moves_keys_to_their_new_slots() {
        let mut plan = MigrationPlan::new();
        plan.families.push(PlanFamily {
            old: "user:{id}:profile".into(),
            new: "{user:{id}}:profile".into(),
            old_skeleton: "user:{}:profile".into(),
            new_skeleton: "{{user:{}}}:profile".into(),
            scan: "user:*:profile".into(),
            tag: "user:{id}".into(),
            applicability: "unsafe".into(),
            sites: Vec::new(),
        });
        let migrator = Migrator::new(&plan).unwrap();
        let mut counter = LoadCounter::new(Some((migrator, "plan.json".into())));
        counter.add(b"user:1:profile");
        counter.add(b"user:1:profile");
        counter.add(b"other");
        let load = counter.finish();
        assert_eq!(load.accesses, 3);
        assert_eq!(load.plan.as_ref().unwrap().renamed, 2);
        let after = load.after.as_ref().unwrap();
        let renamed = after.iter().find(|s| s.slot == slot("user:1")).unwrap();
        assert_eq!(renamed.count, 2);
        assert_eq!(renamed.patterns[0].pattern, "{{user:{}}}:profile");
        let before = load
            .before
            .iter()
            .find(|s| s.slot == slot("user:1:profile"))
            .unwrap();
        assert_eq!(before.patterns[0].pattern, "user:{}:profile");
        let text = report(&load, 3, 2);
        assert!(
            text.contains("plan plan.json: 2 of them to keys it renames"),
            "{text}"
        );
        assert!(text.contains("hottest slots after:"), "{text}");
    }

    #[test]
    fn patterns_per_slot_are_bounded() {
        let mut counter = LoadCounter::new(None);
        // Keys of one hash tag, many patterns: one slot.
        for i in 0..20u8 {
            let word = char::from(b'a' + i).to_string().repeat(3);
            counter.add(format!("{{t}}:{word}:1").as_bytes());
        }
        let load = counter.finish();
        assert_eq!(load.before.len(), 1);
        assert_eq!(load.before[0].patterns.len(), PATTERNS_PER_SLOT);
        assert_eq!(load.before[0].other, 20 - PATTERNS_PER_SLOT as u64);
    }
}
