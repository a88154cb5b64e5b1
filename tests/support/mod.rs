//! Shared by the live-cluster tests: real Redis servers ([`servers`]), the fixture apps
//! ([`apps`]) and a minimal RESP client ([`resp`]). Std only.

pub mod apps;
pub mod resp;
pub mod servers;
