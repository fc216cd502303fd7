//! The `Simulator` trait: a source of data whose causal truth is known.
//!
//! A simulator is a pure function of (configuration, seed): that is what
//! lets a scenario sweep any configuration key and lets anyone rerun a seed
//! and get bit-identical data. The configuration arrives as a TOML table
//! rather than a typed struct because the core cannot know every
//! simulator's schema; each simulator reads its own with
//! [`crate::config::from_table`], which reports unknown keys by name.

use crate::config::ConfigError;
use crate::data::Simulation;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SimulatorError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("simulation failed: {0}")]
    Failed(String),
}

pub trait Simulator: Send + Sync {
    /// The name scenarios use (`[simulator] name = "NAME"`).
    fn name(&self) -> &'static str;

    /// Checks a configuration without simulating, so `citebench validate`
    /// and the runner can reject a scenario before any work starts.
    fn check(&self, config: &toml::Table) -> Result<(), SimulatorError>;

    /// Simulates a dataset and its ground truth; the same configuration and
    /// seed must give bit-identical results, whatever the thread count.
    fn simulate(&self, config: &toml::Table, seed: u64) -> Result<Simulation, SimulatorError>;
}

/// The simulators a run can use, looked up by name.
#[derive(Default)]
pub struct SimulatorRegistry {
    simulators: Vec<Box<dyn Simulator>>,
}

impl SimulatorRegistry {
    pub fn register(&mut self, simulator: Box<dyn Simulator>) -> &mut Self {
        self.simulators.push(simulator);
        self
    }

    pub fn get(&self, name: &str) -> Option<&dyn Simulator> {
        self.simulators.iter().find(|s| s.name() == name).map(|s| s.as_ref())
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.simulators.iter().map(|s| s.name()).collect()
    }
}
