//! Where a run's time goes, phase by phase, for `SLOTLINT_TIMINGS=1` (the binary prints it to
//! stderr): what the speed work of issue 15 measured with a patch, kept so that anyone can
//! measure it again without a profiler.
//!
//! A phase's time is the time of its section on the thread that runs it; a phase with parallel
//! work inside (reading, the name scan) counts its wall time, and crates analysed at once add
//! up (so the phases of a workspace can sum to more than the run's wall time).
//!
//! Not here: timing assertions (there are none), the benchmark (`scripts/bench.sh`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

/// A phase of a crate's analysis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Reading its files, searching them for redis and for test modules.
    Read,
    /// The name scan of every file ([`crate::lexical::scan`]).
    Scan,
    /// The index of the names scanned.
    NameIndex,
    /// Parsing the files needed up front, and reading their items.
    Parse,
    /// The evaluator, with the files it parses on demand, and the rules.
    Evaluate,
    /// Of [`Phase::Evaluate`]: parsing the files the evaluator asks for, and reading their
    /// items ([`crate::index::CrateIndex`]).
    DemandParse,
}

impl Phase {
    pub const ALL: [Phase; 6] = [
        Phase::Read,
        Phase::Scan,
        Phase::NameIndex,
        Phase::Parse,
        Phase::Evaluate,
        Phase::DemandParse,
    ];

    /// Its name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Read => "read",
            Phase::Scan => "name scan",
            Phase::NameIndex => "name index",
            Phase::Parse => "parse",
            Phase::Evaluate => "evaluate",
            Phase::DemandParse => "demand parse",
        }
    }
}

static NANOS: [AtomicU64; Phase::ALL.len()] = [const { AtomicU64::new(0) }; Phase::ALL.len()];

/// Whether `SLOTLINT_TIMINGS` is set (to anything but empty).
pub fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("SLOTLINT_TIMINGS").is_some_and(|v| !v.is_empty()))
}

/// Counts the time until it is dropped to `phase` (nothing when timings are off).
pub struct PhaseTimer(Option<(Phase, Instant)>);

impl PhaseTimer {
    pub fn start(phase: Phase) -> PhaseTimer {
        PhaseTimer(enabled().then(|| (phase, Instant::now())))
    }
}

impl Drop for PhaseTimer {
    fn drop(&mut self) {
        if let Some((phase, start)) = self.0 {
            let nanos = u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX);
            NANOS[phase as usize].fetch_add(nanos, Ordering::Relaxed);
        }
    }
}

/// Work the evaluation did, counted: the same for the same input and build, where times vary
/// from run to run on a busy machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Work {
    /// Files parsed on demand ([`Phase::DemandParse`]).
    FilesParsedOnDemand,
    /// Function bodies walked for the value they return (summaries).
    Summaries,
    /// Function bodies walked for what they give struct fields (builders, `&mut self` methods).
    BuilderWalks,
}

impl Work {
    pub const ALL: [Work; 3] = [
        Work::FilesParsedOnDemand,
        Work::Summaries,
        Work::BuilderWalks,
    ];

    /// Its name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Work::FilesParsedOnDemand => "files parsed on demand",
            Work::Summaries => "summaries walked",
            Work::BuilderWalks => "builders walked",
        }
    }
}

static COUNTS: [AtomicU64; Work::ALL.len()] = [const { AtomicU64::new(0) }; Work::ALL.len()];

/// Counts one `work` (nothing when timings are off).
pub fn count(work: Work) {
    if enabled() {
        COUNTS[work as usize].fetch_add(1, Ordering::Relaxed);
    }
}

/// The work counted so far, in [`Work::ALL`]'s order.
pub fn work_report() -> Vec<(Work, u64)> {
    Work::ALL
        .iter()
        .map(|&w| (w, COUNTS[w as usize].load(Ordering::Relaxed)))
        .collect()
}

/// Milliseconds counted per phase so far, in [`Phase::ALL`]'s order.
pub fn report() -> Vec<(Phase, f64)> {
    Phase::ALL
        .iter()
        .map(|&p| (p, NANOS[p as usize].load(Ordering::Relaxed) as f64 / 1e6))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phase_has_its_own_counter_and_name() {
        let names: Vec<&str> = Phase::ALL.iter().map(|p| p.name()).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
        for (i, p) in Phase::ALL.iter().enumerate() {
            assert_eq!(*p as usize, i);
        }
        for (i, w) in Work::ALL.iter().enumerate() {
            assert_eq!(*w as usize, i);
        }
    }
}
