//! CITE-VAE's hyperparameters: every choice the paper leaves open, named,
//! with a default and a check. README.md gives the reason for each default.

use citebench_nn::temporal_vae::objective::Weights;
use citebench_nn::temporal_vae::{Pairing, PerturbationEffect, Shape};
use citebench_nn::{Activation, ConvConfig, TrainConfig, TrainOverrides};
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Hyperparameters {
    /// Size of the invariant latent `s`.
    pub invariant_latents: usize,
    /// Size of the dynamic latent `z_t`.
    pub dynamic_latents: usize,
    /// Width and depth of the encoder and decoder MLPs.
    pub hidden_width: usize,
    pub hidden_layers: usize,
    /// For image observations: the convolutional blocks before the encoder's
    /// MLP and after the decoder's (`channels`, `layers`).
    pub conv: ConvConfig,
    /// Width and depth of each latent's inverse transition network.
    pub transition_width: usize,
    pub transition_layers: usize,
    pub activation: Activation,
    /// How a perturbation acts on the dynamic latents' transition.
    pub perturbation_effect: PerturbationEffect,
    /// Features of one target's embedding for one dynamic latent, under
    /// `perturbation_effect = "context"` (a shift is one number).
    pub embedding_size: usize,
    /// Weight of the KL terms against `N(0, I)`: `s`, and `z_t` where no
    /// previous time point of the unit is observed.
    pub beta: f32,
    /// Weight of the temporal KL term against the learned transition prior.
    pub gamma: f32,
    /// Weight of the alignment penalty on `q(s | x)` across conditions.
    pub alignment: f32,
    /// Weight of the group-lasso penalty on the target-to-latent embeddings.
    pub sparsity: f32,
    /// Centre and scale each feature on the training data before fitting.
    pub standardise: bool,
    /// Add the decoder's residual noise to predicted cells (otherwise
    /// predictions are noise-free decoder means).
    pub predict_noise: bool,
    /// Overrides of [`Hyperparameters::training_defaults`], key by key.
    pub training: TrainOverrides,
    /// Which rows the transition learns from: trajectories, or snapshot
    /// cells paired by optimal transport.
    pub pairing: Pairing,
}

impl Default for Hyperparameters {
    fn default() -> Self {
        Self {
            invariant_latents: 2,
            dynamic_latents: 4,
            hidden_width: 64,
            hidden_layers: 2,
            conv: ConvConfig::default(),
            transition_width: 64,
            transition_layers: 2,
            activation: Activation::LeakyRelu,
            perturbation_effect: PerturbationEffect::Shift,
            embedding_size: 1,
            beta: 2e-3,
            gamma: 2e-2,
            alignment: 1.0,
            sparsity: 1e-3,
            standardise: true,
            predict_noise: true,
            training: TrainOverrides::default(),
            pairing: Pairing::default(),
        }
    }
}

impl Hyperparameters {
    /// CITE-VAE's optimiser settings before the scenario's overrides. An item
    /// is a unit's whole trajectory; see README.md for why these values.
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

    /// The optimiser settings in force: the defaults with the overrides applied.
    pub fn training(&self) -> TrainConfig {
        self.training.over(Self::training_defaults())
    }

    /// The network for `features` features and `targets` targets.
    pub fn shape(&self, features: usize, targets: usize) -> Shape {
        Shape {
            features,
            image: None,
            conv: self.conv,
            targets,
            invariant: self.invariant_latents,
            dynamic: self.dynamic_latents,
            embedding: match self.perturbation_effect {
                PerturbationEffect::Shift => 1,
                PerturbationEffect::Context => self.embedding_size,
            },
            effect: self.perturbation_effect,
            hidden_width: self.hidden_width,
            hidden_layers: self.hidden_layers,
            transition_width: self.transition_width,
            transition_layers: self.transition_layers,
            activation: self.activation,
            lags: 1,
        }
    }

    /// The loss weights.
    pub fn weights(&self) -> Weights {
        Weights { beta: self.beta, gamma: self.gamma, alignment: self.alignment, sparsity: self.sparsity }
    }

    /// Checks ranges, naming the key at fault.
    pub fn validate(&self) -> Result<(), String> {
        for (key, value) in [
            ("dynamic_latents", self.dynamic_latents),
            ("hidden_width", self.hidden_width),
            ("transition_width", self.transition_width),
            ("embedding_size", self.embedding_size),
        ] {
            if value == 0 {
                return Err(format!("`{key}` must be at least 1"));
            }
        }
        for (key, value) in [("beta", self.beta), ("gamma", self.gamma), ("alignment", self.alignment), ("sparsity", self.sparsity)] {
            if !(value >= 0.0 && value.is_finite()) {
                return Err(format!("`{key}` must be a finite number >= 0, got {value}"));
            }
        }
        self.pairing.validate().map_err(|e| e.to_string())?;
        self.training().validate().map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use citebench_core::model::parse_hyperparameters;

    #[test]
    fn defaults_are_valid_and_keys_are_checked() {
        assert_eq!(Hyperparameters::default().validate(), Ok(()));
        let h: Hyperparameters = parse_hyperparameters("dynamic_latents = 3\n[training]\nmax_epochs = 5").unwrap();
        let training = h.training();
        assert_eq!((h.dynamic_latents, training.max_epochs, training.batch_size), (3, 5, 16), "unset keys keep cite-vae's defaults");
        let err = parse_hyperparameters::<Hyperparameters>("dynamic_latent = 3").unwrap_err();
        assert!(err.to_string().contains("dynamic_latent"), "{err}");
        let err = parse_hyperparameters::<Hyperparameters>("[training]\nlr = 1").unwrap_err();
        assert!(err.to_string().contains("`lr`"), "{err}");
        let h = Hyperparameters { gamma: -1.0, ..Hyperparameters::default() };
        assert!(h.validate().unwrap_err().contains("`gamma`"));
        let h: Hyperparameters = parse_hyperparameters("[pairing]\nmode = \"transport\"\nevery = 0").unwrap();
        assert!(h.validate().unwrap_err().contains("`pairing.every`"));
        let err = parse_hyperparameters::<Hyperparameters>("[pairing]\nmode = \"ot\"").unwrap_err();
        assert!(err.to_string().contains("transport"), "{err}");
    }
}
