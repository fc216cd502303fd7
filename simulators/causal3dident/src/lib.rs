//! `causal3dident`: temporal Causal3DIdent, rendered by citebench itself.
//!
//! Images of one object on a coloured ground, lit by a coloured spotlight,
//! whose latents (module `latents`: position, rotation, spotlight angle,
//! three hues, the object's class) evolve by the temporal mechanisms of
//! CITRIS's temporal Causal3DIdent (module `mechanism`): each step moves a
//! latent half-way toward a goal set by its causal parents, plus noise;
//! perturbations are interventions that replace chosen latents by uniform
//! draws at every step. The Blender meshes of the original are not
//! distributed, so the objects are the Utah teapot and shapes generated
//! procedurally (module `mesh`), drawn by a software rasteriser (module
//! `render`) fast enough to make data on the fly.
//!
//! # Structure
//!
//! As `latent-scm`'s cells, scenes are entities on a `bevy_ecs` world
//! (modules `world`, `scene`), spawned and stepped by plugins (module
//! `dynamics`); violations (module `violation`) adjust the transition, add
//! plugins or stages applied to each rendered frame. Once every step has
//! run, each recorded state is rendered (module `simulation`), on as many
//! threads as configured. Every random draw comes from a stream keyed by
//! (seed, purpose, scene, step) (module `stream`), so the data are
//! bit-identical whatever the thread count.
//!
//! Each observation row is one image, 3 x H x W values in [0, 1]
//! (channel-major), marked as such by the observations' image shape. The
//! ground truth holds, per row, the class (as its index into `shapes`,
//! the invariant block, only with more than one shape) and the moving
//! latents in [`Latent`] order (`rot_gamma` only when it moves), each angle
//! raw or as its sine and cosine ([`TruthAngles`]).

pub mod color;
mod config;
mod design;
mod dynamics;
mod error;
pub mod latents;
pub mod mechanism;
pub mod mesh;
pub mod render;
mod scene;
mod simulation;
mod stream;
mod violation;
mod world;

#[cfg(test)]
mod tests;

pub use config::{Causal3dIdentConfig, ObservationMode, TruthAngles};
pub use error::Causal3dError;
pub use latents::{Latent, SceneLatents};
pub use mesh::Shape;
pub use violation::{ViolationConfig, ViolationKind};

use citebench_core::data::Simulation;
use citebench_core::simulator::{Simulator, SimulatorError};

/// The `causal3dident` simulator; see the crate documentation.
#[derive(Clone, Copy, Debug, Default)]
pub struct Causal3dIdent;

impl Causal3dIdent {
    /// Simulates from a typed configuration.
    pub fn simulate_config(config: &Causal3dIdentConfig, seed: u64) -> Result<Simulation, SimulatorError> {
        simulation::simulate(config, seed)
    }

    /// The names of the ground truth's latent columns for `config`: an
    /// angle as sine and cosine is `NAME_sin`, `NAME_cos`.
    pub fn latent_names(config: &Causal3dIdentConfig) -> Vec<String> {
        let class = (config.shapes.len() > 1).then(|| "object_class".to_string());
        let moving = Latent::ALL.into_iter().filter(|&l| config.rotation_gamma || l != Latent::RotGamma);
        let columns = moving.flat_map(|l| match config.truth_angles {
            TruthAngles::SinCos if l.is_angle() => vec![format!("{}_sin", l.name()), format!("{}_cos", l.name())],
            _ => vec![l.name().to_string()],
        });
        class.into_iter().chain(columns).collect()
    }
}

impl Simulator for Causal3dIdent {
    fn name(&self) -> &'static str {
        "causal3dident"
    }

    fn check(&self, config: &toml::Table) -> Result<(), SimulatorError> {
        Ok(Causal3dIdentConfig::from_table(config)?.validate()?)
    }

    fn simulate(&self, config: &toml::Table, seed: u64) -> Result<Simulation, SimulatorError> {
        Self::simulate_config(&Causal3dIdentConfig::from_table(config)?, seed)
    }
}
