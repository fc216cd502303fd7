//! `tdrl`: TDRL (Yao, Chen, Zhang, "Temporally Disentangled Representation
//! Learning", NeurIPS 2022) as a citebench plugin.
//!
//! Latents `z_t` only (no invariant block), under TDRL's learned transition
//! prior: per latent an inverse network `r_i([e_u, z_{t-1}, ..., z_{t-L}, z_{t,i}])`
//! recovers independent noise, `e_u` an embedding of the cell's domain
//! (here its perturbation: the sum of its targets' embeddings, per latent).
//! The loss is the reconstruction, `beta` times the KL of the first `lags`
//! time points to `N(0, I)`, and `gamma` times the KL of later ones to the
//! learned prior, as in TDRL; no alignment or sparsity penalty. It is the
//! temporal VAE of `citebench_nn::temporal_vae`, as CITE-VAE is, in TDRL's
//! configuration. `encode` returns posterior means labelled dynamic.

use citebench_core::data::Observations;
use citebench_core::model::{Capabilities, LatentEstimate, Model, ModelEnv, ModelError, Progress};
use citebench_nn::temporal_vae::objective::Weights;
use citebench_nn::temporal_vae::{FitSettings, FittedTemporalVae, PerturbationEffect, Shape};
use citebench_nn::{Activation, Compute, TrainConfig, TrainOverrides};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Hyperparameters {
    /// Latents estimated (TDRL's synthetic data have 8).
    pub latents: usize,
    /// Past states the transition reads (TDRL's synthetic data: 2).
    pub lags: usize,
    /// Features of each target's domain embedding, per latent.
    pub embedding_size: usize,
    /// Width and depth of the encoder and decoder MLPs.
    pub hidden_width: usize,
    pub hidden_layers: usize,
    /// Width and depth of each latent's inverse transition network.
    pub transition_width: usize,
    pub transition_layers: usize,
    pub activation: Activation,
    /// Weight of the KL of the first `lags` time points to `N(0, I)`.
    pub beta: f32,
    /// Weight of the KL to the learned transition prior.
    pub gamma: f32,
    /// Centre and scale each feature on the training data.
    pub standardise: bool,
    /// Overrides of the training defaults, key by key.
    pub training: TrainOverrides,
}

impl Default for Hyperparameters {
    fn default() -> Self {
        Self {
            latents: 4,
            lags: 2,
            embedding_size: 2,
            hidden_width: 64,
            hidden_layers: 2,
            transition_width: 64,
            transition_layers: 2,
            activation: Activation::LeakyRelu,
            beta: 2e-3,
            gamma: 2e-2,
            standardise: true,
            training: TrainOverrides::default(),
        }
    }
}

impl Hyperparameters {
    /// The optimiser settings before the scenario's overrides: CITE-VAE's,
    /// since the items (trajectories) and the network are the same kind.
    pub fn training_defaults() -> TrainConfig {
        TrainConfig {
            learning_rate: 2e-3,
            weight_decay: 1e-4,
            batch_size: 16,
            max_epochs: 3000,
            validation_fraction: 0.1,
            patience: 300,
            max_gradient_norm: 10.0,
            restarts: 1,
        }
    }

    pub fn training(&self) -> TrainConfig {
        self.training.over(Self::training_defaults())
    }

    pub fn validate(&self) -> Result<(), String> {
        for (key, value) in [("latents", self.latents), ("lags", self.lags), ("embedding_size", self.embedding_size), ("hidden_width", self.hidden_width), ("transition_width", self.transition_width)] {
            if value == 0 {
                return Err(format!("`{key}` must be at least 1"));
            }
        }
        for (key, value) in [("beta", self.beta), ("gamma", self.gamma)] {
            if !(value >= 0.0 && value.is_finite()) {
                return Err(format!("`{key}` must be a finite number >= 0, got {value}"));
            }
        }
        self.training().validate().map_err(|e| e.to_string())
    }

    fn shape(&self) -> Shape {
        Shape {
            features: 0,
            image: None,
            conv: citebench_nn::ConvConfig::default(),
            targets: 0,
            invariant: 0,
            dynamic: self.latents,
            embedding: self.embedding_size,
            effect: PerturbationEffect::Context,
            hidden_width: self.hidden_width,
            hidden_layers: self.hidden_layers,
            transition_width: self.transition_width,
            transition_layers: self.transition_layers,
            activation: self.activation,
            lags: self.lags,
        }
    }
}

pub struct Tdrl {
    h: Hyperparameters,
    compute: Compute,
    seed: u64,
    fitted: Option<FittedTemporalVae>,
}

impl Model for Tdrl {
    const NAME: &'static str = "tdrl";
    const CAPABILITIES: Capabilities = Capabilities::ENCODE.union(Capabilities::TEMPORAL);
    type Hyperparameters = Hyperparameters;

    fn create(h: Hyperparameters, env: ModelEnv) -> Result<Self, ModelError> {
        h.validate().map_err(ModelError::Config)?;
        Ok(Self { compute: Compute::new(&env)?, h, seed: env.seed, fitted: None })
    }

    fn fit(&mut self, train: &Observations, progress: &mut dyn Progress) -> Result<(), ModelError> {
        let settings = FitSettings {
            name: Self::NAME,
            weights: Weights { beta: self.h.beta, gamma: self.h.gamma, alignment: 0.0, sparsity: 0.0 },
            training: self.h.training(),
            standardise: self.h.standardise,
            seed: self.seed,
        };
        self.fitted = Some(FittedTemporalVae::fit(self.h.shape(), &settings, train, &self.compute, progress)?);
        Ok(())
    }

    fn encode(&self, data: &Observations) -> Result<LatentEstimate, ModelError> {
        let fitted = self.fitted.as_ref().ok_or_else(|| ModelError::Failed("tdrl was asked to encode before fit".into()))?;
        fitted.encode(data, &self.compute)
    }
}

citebench_core::export_model!(Tdrl);

#[cfg(test)]
mod tests {
    use super::*;
    use citebench_core::model::parse_hyperparameters;

    #[test]
    fn defaults_are_valid_and_keys_are_checked() {
        assert_eq!(Hyperparameters::default().validate(), Ok(()));
        let h: Hyperparameters = parse_hyperparameters("latents = 8\nlags = 1").unwrap();
        assert_eq!((h.latents, h.lags, h.shape().lags, h.shape().invariant), (8, 1, 1, 0));
        assert!(parse_hyperparameters::<Hyperparameters>("lag = 2").unwrap_err().to_string().contains("lags"));
        assert!(Hyperparameters { lags: 0, ..Hyperparameters::default() }.validate().unwrap_err().contains("`lags`"));
    }
}
