//! citebench-core: the contracts every other citebench crate plugs into.
//!
//! - [`data`]: observations, perturbations, ground truth and splits;
//! - [`simulator`], [`model`], [`metric`]: the three traits;
//! - [`metrics`]: the metrics themselves;
//! - [`abi`]: the C ABI that model plugins cross, with the host-side loader
//!   and the [`export_model!`] macro;
//! - [`scenario`]: the scenario TOML schema and its error reporting;
//! - [`runner`]: the engine that runs a scenario and writes results;
//! - [`evaluate`]: scoring outputs saved as CSV files, the same way;
//! - [`seeding`]: keyed seeds, so simulators draw independently of threads.
//!
//! This crate knows nothing of deep learning or of the ECS: simulators and
//! models depend on it, never the other way round.

pub mod abi;
pub mod config;
pub mod data;
pub mod evaluate;
pub mod metric;
pub mod metrics;
pub mod model;
pub mod runner;
pub mod scenario;
pub mod seeding;
pub mod simulator;

/// The version of this crate; a plugin built against another refuses to load.
pub const CORE_VERSION: &str = env!("CARGO_PKG_VERSION");
