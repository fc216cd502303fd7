//! `beta-vae`: the beta-VAE of Higgins et al. (ICLR 2017) as a citebench
//! plugin: the non-identifiable reference.
//!
//! Each cell is encoded alone: no perturbation, no time point, no
//! trajectory reaches the model, and the prior is `N(0, I)`, which is
//! rotation invariant. Nothing in its objective prefers the true latents
//! over any rotation of them, so its MCC is what a model gets without
//! auxiliary information. The objective is
//! `sum |x - g(z)|^2 + beta * KL(q(z | x) || N(0, I))` per minibatch row,
//! on standardised features. `encode` returns posterior means, unlabelled.

use citebench_core::data::Observations;
use citebench_core::model::{Capabilities, LatentEstimate, Model, ModelEnv, ModelError, Progress};
use citebench_nn::burn::tensor::{Device, Tensor};
use citebench_nn::gaussian::{kl_to_standard_normal, reparameterise, standard_normal};
use citebench_nn::vae::{CellShape, cell_training_defaults, check_sizes, encode_cells, fit_cells};
use citebench_nn::{Activation, CellVae, Compute, ConvConfig, Input, Objective, Standardiser, TrainConfig, TrainOverrides, gather_rows};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Hyperparameters {
    /// Latents estimated (usually the true number).
    pub latents: usize,
    /// Width and depth of the encoder and decoder MLPs.
    pub hidden_width: usize,
    pub hidden_layers: usize,
    pub activation: Activation,
    /// For image observations: the convolutional blocks before the encoder's
    /// MLP and after the decoder's (`channels`, `layers`).
    pub conv: ConvConfig,
    /// Weight of the KL term; 1 is the plain VAE, above 1 Higgins et al.'s
    /// pressure towards factorised codes.
    pub beta: f32,
    /// Centre and scale each feature on the training data.
    pub standardise: bool,
    /// Overrides of the training defaults, key by key.
    pub training: TrainOverrides,
}

impl Default for Hyperparameters {
    fn default() -> Self {
        Self {
            latents: 6,
            hidden_width: 64,
            hidden_layers: 2,
            activation: Activation::LeakyRelu,
            conv: ConvConfig::default(),
            beta: 1.0,
            standardise: true,
            training: TrainOverrides::default(),
        }
    }
}

impl Hyperparameters {
    fn shape(&self) -> CellShape {
        CellShape { latents: self.latents, hidden_width: self.hidden_width, hidden_layers: self.hidden_layers, activation: self.activation }
    }

    pub fn training(&self) -> TrainConfig {
        self.training.over(cell_training_defaults())
    }

    pub fn validate(&self) -> Result<(), String> {
        check_sizes(self.latents, self.hidden_width, self.beta)?;
        self.training().validate().map_err(|e| e.to_string())
    }
}

/// The beta-weighted ELBO on minibatches of standardised cells.
struct Elbo<'a> {
    x: &'a [f32],
    features: usize,
    latents: usize,
    beta: f32,
}

impl Objective for Elbo<'_> {
    type Model = CellVae;

    fn loss(&self, model: &CellVae, items: &[usize], rng: &mut ChaCha8Rng, device: &Device) -> Tensor<1> {
        let x = gather_rows(self.x, self.features, items, device);
        let (mean, log_var) = model.encoder.forward(x.clone());
        let z = reparameterise(mean.clone(), log_var.clone(), standard_normal(rng, items.len(), self.latents, device));
        let reconstruction = (model.decoder.forward(z) - x).powi_scalar(2).sum();
        (reconstruction + kl_to_standard_normal(mean, log_var).sum().mul_scalar(self.beta)).div_scalar(items.len() as f32)
    }
}

pub struct BetaVae {
    h: Hyperparameters,
    compute: Compute,
    seed: u64,
    fitted: Option<(CellVae, Standardiser)>,
}

impl Model for BetaVae {
    const NAME: &'static str = "beta-vae";
    const CAPABILITIES: Capabilities = Capabilities::ENCODE.union(Capabilities::IMAGES);
    type Hyperparameters = Hyperparameters;

    fn create(h: Hyperparameters, env: ModelEnv) -> Result<Self, ModelError> {
        h.validate().map_err(ModelError::Config)?;
        Ok(Self { compute: Compute::new(&env)?, h, seed: env.seed, fitted: None })
    }

    fn fit(&mut self, train: &Observations, progress: &mut dyn Progress) -> Result<(), ModelError> {
        let x = train.x();
        let standardiser = Standardiser::fit(x, self.h.standardise);
        let x_std = standardiser.forward(x);
        let features = x.cols();
        let h = &self.h;
        let objective = Elbo { x: &x_std, features, latents: self.h.latents, beta: self.h.beta };
        let input = Input::of(features, train.image(), h.conv).map_err(ModelError::Config)?;
        let network = fit_cells(&objective, train.len(), input, h.shape(), |vae, _| vae, &h.training(), self.seed, &self.compute, progress)?;
        self.fitted = Some((network, standardiser));
        Ok(())
    }

    fn encode(&self, data: &Observations) -> Result<LatentEstimate, ModelError> {
        encode_cells(Self::NAME, self.fitted.as_ref().map(|(vae, standardiser)| (vae, standardiser)), data, &self.compute)
    }
}

citebench_core::export_model!(BetaVae);

#[cfg(test)]
mod tests {
    use super::*;
    use citebench_core::model::parse_hyperparameters;

    #[test]
    fn defaults_are_valid_and_keys_are_checked() {
        assert_eq!(Hyperparameters::default().validate(), Ok(()));
        let h: Hyperparameters = parse_hyperparameters("beta = 4.0\n[training]\nmax_epochs = 5").unwrap();
        assert_eq!((h.beta, h.training().max_epochs, h.training().batch_size), (4.0, 5, 128));
        assert!(parse_hyperparameters::<Hyperparameters>("betta = 4.0").unwrap_err().to_string().contains("betta"));
        assert!(Hyperparameters { beta: -1.0, ..Hyperparameters::default() }.validate().unwrap_err().contains("`beta`"));
    }
}
