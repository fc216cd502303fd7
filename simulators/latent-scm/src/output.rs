//! What a simulation returns beyond the core [`Simulation`]: the parts of
//! the truth the core types have no field for, and where the time went.

use citebench_core::data::Simulation;

/// A simulation with its extra truth and its timing.
#[derive(Clone, Debug, PartialEq)]
pub struct Detailed {
    pub simulation: Simulation,
    pub notes: Notes,
    pub profile: Profile,
}

/// Truth that [`citebench_core::data::GroundTruth`] cannot hold.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Notes {
    /// Latent columns driven by the hidden confounder (`latent_confounder`
    /// violation); empty without it. The confounder itself is not a column.
    pub confounded_latents: Vec<usize>,
    /// Latent directions the mixing forgets (`non_invertible_mixing`), each
    /// a unit vector over the latent columns; empty when g is injective.
    pub collapsed_directions: Vec<Vec<f32>>,
    /// The mechanism step at which each time point is observed (time point
    /// k at step k unless `irregular_time_points` spaces them out).
    pub time_steps: Vec<u32>,
}

/// Where the time of one simulation went, in seconds. The readout parts are
/// CPU time summed over threads; the others are wall-clock time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    /// Building the world: spawning units, drawing their initial states.
    pub setup_s: f64,
    /// Running every mechanism step: transitions, interventions, recording.
    pub dynamics_s: f64,
    /// The readout's wall-clock time.
    pub readout_s: f64,
    /// CPU time in the mixing's matrix products.
    pub mixing_cpu_s: f64,
    /// CPU time drawing counts (library sizes, negative binomial, dropout).
    pub counts_cpu_s: f64,
    /// CPU time in the other feature stages (noise, batch effects).
    pub noise_cpu_s: f64,
    /// Pooling, normalisation and assembling the output.
    pub assembly_s: f64,
}

impl Profile {
    pub fn total_s(&self) -> f64 {
        self.setup_s + self.dynamics_s + self.readout_s + self.assembly_s
    }
}
