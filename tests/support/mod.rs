//! Shared by the live-cluster tests: real Redis servers ([`servers`]), the fixture apps
//! ([`apps`]), what `check` predicts for them ([`findings`]), the oracle's judgment ([`judge`])
//! and a minimal RESP client ([`resp`]).

pub mod apps;
pub mod findings;
pub mod judge;
pub mod resp;
pub mod servers;
