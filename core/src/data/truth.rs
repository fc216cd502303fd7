//! Ground truth: what only metrics may see.

use super::{Dataset, Matrix};

/// Which part of the latent state a latent belongs to.
///
/// CITE-VAE and its relatives split the latent state into an invariant block
/// (the same across perturbations and time) and a dynamic block (evolving
/// and responding to perturbations); metrics score each block separately.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum LatentBlock {
    /// A model that does not separate blocks labels its latents so.
    Unlabelled = 0,
    Invariant = 1,
    Dynamic = 2,
}

impl LatentBlock {
    pub fn from_u8(v: u8) -> Option<Self> {
        match v {
            0 => Some(Self::Unlabelled),
            1 => Some(Self::Invariant),
            2 => Some(Self::Dynamic),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Unlabelled => "unlabelled",
            Self::Invariant => "invariant",
            Self::Dynamic => "dynamic",
        }
    }
}

/// A causal edge between latents; `lag` 0 is an instantaneous effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub lag: u32,
}

/// The true causal graph over the latents (indices as in [`GroundTruth::latents`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LatentGraph {
    pub n_latents: usize,
    pub edges: Vec<Edge>,
}

/// The truth behind a simulated dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct GroundTruth {
    /// True latents, one row per observation row (same order).
    pub latents: Matrix,
    /// One label per latent column.
    pub blocks: Vec<LatentBlock>,
    pub graph: LatentGraph,
    /// For each target id, the latent columns its intervention acts on.
    pub target_latents: Vec<Vec<usize>>,
}

impl GroundTruth {
    /// The truth of observed (real) data: no latents, no graph, and no
    /// known latent targets; `rows` rows and `n_targets` targets keep the
    /// shapes consistent with the dataset.
    pub fn observed_only(rows: usize, n_targets: usize) -> Self {
        Self {
            latents: Matrix::zeros(rows, 0),
            blocks: Vec::new(),
            graph: LatentGraph::default(),
            target_latents: vec![Vec::new(); n_targets],
        }
    }

    /// Whether there are true latents to score encoded latents against.
    pub fn has_latents(&self) -> bool {
        self.latents.cols() > 0
    }
}

/// A simulated dataset with its truth, as a [`crate::simulator::Simulator`] returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation {
    pub dataset: Dataset,
    pub truth: GroundTruth,
}
