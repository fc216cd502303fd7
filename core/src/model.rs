//! The `Model` trait: what a model plugin implements.
//!
//! The trait is shaped by the plugin boundary. A model is created from TOML
//! text (its hyperparameters) because only C types cross the dynamic-library
//! boundary; it sees [`Observations`], never [`crate::data::GroundTruth`];
//! and it declares [`Capabilities`] up front so the runner can skip, with a
//! recorded reason, what a model cannot do instead of calling it and
//! interpreting a failure. [`crate::export_model!`] turns any implementor
//! into a plugin.

use crate::data::{LatentBlock, Matrix, Observations, Perturbation};
use serde::de::DeserializeOwned;
use thiserror::Error;

/// What a model can do, as bit flags (they cross the C ABI as a `u32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities(pub u32);

impl Capabilities {
    /// Maps observations to estimated latents (scored by identifiability metrics).
    pub const ENCODE: Self = Self(1);
    /// Generates observations for a perturbation and time point (scored by OOD metrics).
    pub const PREDICT: Self = Self(1 << 1);
    /// Uses trajectories or time ordering during training.
    pub const TEMPORAL: Self = Self(1 << 2);
    /// Accepts image observations.
    pub const IMAGES: Self = Self(1 << 3);
    const NAMES: [(Self, &'static str); 4] =
        [(Self::ENCODE, "encode"), (Self::PREDICT, "predict"), (Self::TEMPORAL, "temporal"), (Self::IMAGES, "images")];

    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Names of the flags set, such as `["encode", "predict"]`.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES.iter().filter(|(c, _)| self.contains(*c)).map(|(_, n)| *n).collect()
    }
}

/// What the host tells a model when creating it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelEnv {
    /// Worker threads the model may use. Each plugin carries its own thread
    /// pools, so the host hands out a budget instead of letting every plugin
    /// size its pool to the machine.
    pub threads: u32,
    /// Seed for every random draw the model makes (initialisation, shuffling).
    pub seed: u64,
    /// Where to compute, from the scenario's `device`: `cpu` (the default,
    /// every model supports it) or a backend-specific name such as `cuda:0`
    /// for models built with a GPU backend. A model that computes on a
    /// device it cannot use must fail at creation, naming it; models with
    /// no heavy computation (the mean baselines) ignore it.
    pub device: String,
}

/// A request to generate `n_cells` observations of `perturbation` at `time_point`.
#[derive(Clone, Debug, PartialEq)]
pub struct Query {
    pub perturbation: Perturbation,
    pub time_point: u32,
    pub n_cells: u32,
}

/// Estimated latents, one row per encoded observation, with each column's block.
#[derive(Clone, Debug, PartialEq)]
pub struct LatentEstimate {
    pub latents: Matrix,
    pub blocks: Vec<LatentBlock>,
}

#[derive(Debug, Error, PartialEq)]
pub enum ModelError {
    #[error("hyperparameters: {0}")]
    Config(String),
    #[error("this model cannot {0}")]
    Unsupported(&'static str),
    #[error("{0}")]
    Failed(String),
}

/// Fit progress, reported as a fraction in [0, 1].
pub trait Progress {
    fn report(&mut self, fraction: f32);
}

impl<F: FnMut(f32)> Progress for F {
    fn report(&mut self, fraction: f32) {
        self(fraction)
    }
}

/// A model of perturbation data. Implement it, then call
/// [`crate::export_model!`] in a `cdylib` crate.
pub trait Model: Sized + Send + 'static {
    /// The name scenarios use to ask for this model (`plugin = "NAME"`).
    const NAME: &'static str;
    const CAPABILITIES: Capabilities;
    /// Hyperparameters, read from the scenario's `[models.hyperparameters]`.
    /// Use `#[serde(deny_unknown_fields)]` so a misspelt key is an error.
    type Hyperparameters: DeserializeOwned + Default;

    fn create(hyperparameters: Self::Hyperparameters, env: ModelEnv) -> Result<Self, ModelError>;

    /// Trains on observations of the training split.
    fn fit(&mut self, train: &Observations, progress: &mut dyn Progress) -> Result<(), ModelError>;

    /// Estimated latents for each row of `data`.
    fn encode(&self, _data: &Observations) -> Result<LatentEstimate, ModelError> {
        Err(ModelError::Unsupported("encode"))
    }

    /// Generates observations for each query, concatenated in query order:
    /// exactly `n_cells` rows per query.
    fn predict(&self, _queries: &[Query]) -> Result<Matrix, ModelError> {
        Err(ModelError::Unsupported("predict"))
    }
}

/// The cells a mean-only model predicts: each query's profile repeated
/// `n_cells` times, in query order (one profile per query).
pub fn cells_from_profiles(queries: &[Query], profiles: &[Vec<f64>]) -> Result<Matrix, ModelError> {
    let cols = profiles.first().map_or(0, Vec::len);
    let mut data = Vec::new();
    for (q, profile) in queries.iter().zip(profiles) {
        if profile.len() != cols {
            return Err(ModelError::Failed(format!("profiles of {} and {cols} features", profile.len())));
        }
        for _ in 0..q.n_cells {
            data.extend(profile.iter().map(|&v| v as f32));
        }
    }
    Matrix::new(data.len() / cols.max(1), cols, data).map_err(|e| ModelError::Failed(e.to_string()))
}

/// Reads hyperparameters from TOML text, naming the offending key on error.
pub fn parse_hyperparameters<H: DeserializeOwned + Default>(toml_text: &str) -> Result<H, ModelError> {
    if toml_text.trim().is_empty() {
        return Ok(H::default());
    }
    toml::from_str(toml_text).map_err(|e| ModelError::Config(e.message().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capability_names() {
        let c = Capabilities::ENCODE.union(Capabilities::TEMPORAL);
        assert_eq!(c.names(), vec!["encode", "temporal"]);
        assert!(!c.contains(Capabilities::PREDICT));
    }

    #[derive(serde::Deserialize, Default, Debug, PartialEq)]
    #[serde(deny_unknown_fields, default)]
    struct H {
        width: u32,
    }

    #[test]
    fn hyperparameters_name_the_unknown_key() {
        assert_eq!(parse_hyperparameters::<H>("width = 3").unwrap(), H { width: 3 });
        assert_eq!(parse_hyperparameters::<H>("").unwrap(), H::default());
        let err = parse_hyperparameters::<H>("widht = 3").unwrap_err();
        assert!(err.to_string().contains("unknown field `widht`"), "{err}");
    }
}
