//! The data model: what a simulator produces, what a model may see, and the
//! ground truth that only metrics receive.
//!
//! The split between [`Dataset`] (what a model sees) and [`GroundTruth`] (what
//! only metrics see) is the core guarantee of the benchmark: the runner hands
//! models [`Observations`] only, so no model can peek at the true latents.

mod matrix;
mod observations;
mod perturbation;
mod profiles;
mod split;
mod truth;

pub use matrix::{Matrix, MatrixError};
pub use observations::{Dataset, ImageShape, Observations, ObservationsError};
pub use profiles::{ConditionMean, ControlMeans};
pub use perturbation::{Perturbation, PerturbationParseError};
pub use split::{Split, SplitSpec};
pub use truth::{Edge, GroundTruth, LatentBlock, LatentGraph, Simulation};
