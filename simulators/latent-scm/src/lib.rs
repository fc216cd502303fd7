//! `latent-scm`: a temporal latent structural causal model of perturbed
//! cells, simulated on a `bevy_ecs` world, whose causal truth is known.
//!
//! # Generative model
//!
//! Each unit (a cell) has invariant latents s (`invariant_latents` of them)
//! and dynamic latents z_t (`dynamic_latents`), and is observed at time
//! points t = 0 .. `time_points` - 1:
//!
//! - s ~ N(0, I), drawn once; neither time nor perturbation changes it.
//! - The first `lags` dynamic states are drawn N(0, I); time point 0 shows
//!   the newest of them, before any mechanism or perturbation has acted, so
//!   its law is the same in every condition.
//! - For t >= 1 (TDRL's transition):
//!   z_t = LReLU(eps_t + sum_{l=1..lags} LReLU(z_{t-l} W_l)), LReLU slope 0.2,
//!   eps_t ~ N(0, `transition_noise`^2 I), W_l entries U(-1, 1) with unit-norm
//!   columns (TDRL's condition-number filter is skipped).
//! - A perturbation shifts the mechanism of its targets' latents from t = 1
//!   on: after the transition, z_{t,i} += delta_{target,i} for each of its
//!   targets. Each target ("P0", "P1", ...) acts on `latents_per_target`
//!   dynamic latents chosen without replacement, with
//!   delta = random sign * `effect_size` * U(0.5, 1.5); a combination applies
//!   the shifts of all its targets.
//! - x = g([s, z_t]) + N(0, `observation_noise`^2 I): g is TDRL's invertible
//!   leaky-ReLU MLP, a Gaussian (`observed` x latents) first layer followed by
//!   `mixing_layers` - 1 times [LReLU(0.2), random orthogonal matrix].
//!
//! The output has one row per unit and time point, ordered by unit id then
//! time point; conditions are the control, each target alone, then the
//! configured combinations; units are dealt to replicates round robin. The
//! ground truth holds [s, z_t] per row (invariant block first), the lagged
//! graph (an edge j -> i with lag l wherever W_l[j, i] != 0) and each
//! target's latents.
//!
//! # Structure
//!
//! The world (module `world`) holds one entity per unit (module `unit`), the
//! mechanisms' parameters as resources, and a schedule whose every run
//! produces one time point in three phases: transition, intervention (only
//! perturbed units), observation. Each mechanism is a plugin, so a scenario
//! can later swap one for an assumption-violating variant. Every random
//! draw comes from a stream keyed by (seed, purpose, unit, time point)
//! (module `stream`), so the data are bit-identical whatever the thread count.

mod activation;
mod config;
mod intervention;
mod mixing;
mod observation;
mod population;
mod scm;
mod stream;
mod transition;
mod unit;
mod world;

#[cfg(test)]
mod tests;

pub use config::LatentScmConfig;

use citebench_core::data::Simulation;
use citebench_core::simulator::{Simulator, SimulatorError};

/// The `latent-scm` simulator; see the crate documentation for its model.
#[derive(Clone, Copy, Debug, Default)]
pub struct LatentScm;

impl LatentScm {
    /// Simulates from a typed configuration.
    pub fn simulate_config(config: &LatentScmConfig, seed: u64) -> Result<Simulation, SimulatorError> {
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
