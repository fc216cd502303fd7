//! `latent-scm`: a temporal latent structural causal model of perturbed
//! cells, simulated on a `bevy_ecs` world, whose causal truth is known, and
//! whose identifiability assumptions a scenario can violate one by one.
//!
//! # Generative model
//!
//! Each unit (a cell) has invariant latents s (`invariant_latents` of them)
//! and dynamic latents z_t (`dynamic_latents`), observed at time points
//! t = 0 .. `time_points` - 1:
//!
//! - s ~ N(0, I), drawn once; the first `lags` dynamic states ~ N(0, I);
//!   time point 0 shows the newest, before any mechanism has acted.
//! - For t >= 1, in the causal order of same-step effects (module
//!   `assignment`): z_{t,i} = F_i(eps_{t,i}, a_{t,i} + sum_j B[j, i] z_{t,j}),
//!   a_t = sum_l LReLU(z_{t-l} W_l) (TDRL's transition, module
//!   `transition`), F_i = LReLU(eps + a) unperturbed, or a shift, a hard or
//!   a soft intervention of the unit's condition, scaled by a dose (module
//!   `intervention`).
//! - Features x = g([s, z_t]) + noise, g TDRL's leaky-ReLU MLP (module
//!   `mixing`); with `counts`, x is a log expression turned into
//!   negative-binomial counts (crate `citebench-counts`).
//! - Observation modes: trajectories, snapshots (each cell once), or
//!   pseudo-bulk sums of snapshots (module `pseudobulk`).
//!
//! Violations (module `violation`) weaken one assumption each, with a
//! strength where 0 leaves the data bit-identical. The README lists every
//! key.
//!
//! # Structure
//!
//! The world (module `world`) holds one entity per unit (module `unit`),
//! the mechanisms' parameters as resources, and a schedule whose every run
//! is one mechanism step, in phases: drift, drive, exogenous input,
//! assignment, settling, observation, harvest. Each mechanism is a plugin;
//! the readout (module `readout`) then mixes the recorded latents in
//! blocks of matrix products and runs the feature stages plugins added.
//! Every random draw comes from a stream keyed by (seed, purpose, unit,
//! time point) (module `stream`), so the data are bit-identical whatever
//! the thread count.

mod activation;
mod assemble;
mod assignment;
mod config;
mod counting;
mod design;
mod gemm;
mod intervention;
mod mixing;
mod observation;
mod output;
mod population;
mod pseudobulk;
mod readout;
mod scm;
mod stream;
mod transition;
mod unit;
mod violation;
mod world;

#[cfg(test)]
mod tests;

pub use citebench_counts::{CountConfig, Normalisation};
pub use config::{FirstLayer, InterventionKind, LatentScmConfig, ObservationMode, TransitionKind};
pub use output::{Detailed, Notes, Profile};
pub use violation::{ViolationConfig, ViolationKind};

use citebench_core::data::Simulation;
use citebench_core::simulator::{Simulator, SimulatorError};

/// The `latent-scm` simulator; see the crate documentation for its model.
#[derive(Clone, Copy, Debug, Default)]
pub struct LatentScm;

impl LatentScm {
    /// Simulates from a typed configuration.
    pub fn simulate_config(config: &LatentScmConfig, seed: u64) -> Result<Simulation, SimulatorError> {
        Ok(Self::simulate_detailed(config, seed)?.simulation)
    }

    /// Simulates, and also returns the truth the core types cannot hold
    /// and where the time went.
    pub fn simulate_detailed(config: &LatentScmConfig, seed: u64) -> Result<Detailed, SimulatorError> {
        scm::Scm::new(config, seed)?.simulate()
    }
}

impl Simulator for LatentScm {
    fn name(&self) -> &'static str {
        "latent-scm"
    }

    fn check(&self, config: &toml::Table) -> Result<(), SimulatorError> {
        Ok(LatentScmConfig::from_table(config)?.validate()?)
    }

    fn simulate(&self, config: &toml::Table, seed: u64) -> Result<Simulation, SimulatorError> {
        Self::simulate_config(&LatentScmConfig::from_table(config)?, seed)
    }
}
