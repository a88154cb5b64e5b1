//! `cargo slotlint trace`: what a service really sends to its standalone Redis, judged as a
//! Redis Cluster would, and joined to the call sites of the code.
//!
//! What it is for: static analysis cannot see keys that come from requests, configuration or
//! other crates. Run the service (its test suite, or a staging instance) against a standalone
//! server while `MONITOR` shows every command, and judge each one with the project's own command
//! table and slot math. Data flows one way, each stage a plain function or a bounded state
//! machine over plain data:
//!
//! MONITOR lines ([`monitor`]) → observations: commands, MULTI/EXEC per client, scripts with the
//! commands they ran, pipelines ([`observe`]) → facts a cluster objects to ([`judge`]), counted by
//! *shape* with varying key parts abstracted ([`shape`]) → the trace file ([`file`]) → joined to
//! the analyzer's call sites ([`join`]), and the load over slots and primaries ([`load`]).
//!
//! What it is not for: talking to Redis, running the traced command, printing (the
//! `cargo-slotlint` binary); finding call sites in code (`slotlint-analyzer`). Judging uses the
//! analyzer's redis-rs version logic (`slotlint_analyzer::redis_api`), not a copy of it.

pub mod file;
pub mod join;
pub mod judge;
pub mod load;
pub mod monitor;
pub mod observe;
pub mod shape;

pub use file::{TraceFile, TRACE_VERSION};
pub use observe::{Observer, Options};
