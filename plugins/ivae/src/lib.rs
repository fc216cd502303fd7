//! `ivae`: the identifiable VAE of Khemakhem et al. (AISTATS 2020) as a
//! citebench plugin.
//!
//! The prior is conditioned on an auxiliary variable `u`, here each cell's
//! condition (its perturbation and time point, or either alone):
//! `p(z | u) = N(m_u, diag exp(v_u))` with a learned mean and log-variance
//! per condition seen in training. iVAE's theory makes the latents
//! identifiable up to permutation and component-wise transforms once the
//! prior's mean and variance change across at least 2n + 1 conditions
//! (n latents); `scenarios/ivae-conditions.toml` sweeps that count. The
//! objective is `|x - g(z)|^2 + beta * KL(q(z | x) || p(z | u))` per
//! minibatch row, on standardised features. `encode` returns posterior
//! means, unlabelled.

use citebench_core::data::{Observations, Perturbation};
use citebench_core::model::{Capabilities, LatentEstimate, Model, ModelEnv, ModelError, Progress};
use citebench_nn::burn::module::{Module, Param};
use citebench_nn::burn::tensor::{Device, Int, Tensor, TensorData};
use citebench_nn::gaussian::{kl_between, reparameterise, standard_normal};
use citebench_nn::vae::{CellShape, cell_training_defaults, check_sizes, encode_cells, fit_cells};
use citebench_nn::{Activation, CellVae, Compute, Objective, Standardiser, TrainConfig, TrainOverrides, gather_rows};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use std::collections::HashMap;

/// What the auxiliary variable `u` of a cell is.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Auxiliary {
    /// Each (perturbation, time point) pair is one value of `u`.
    PerturbationAndTime,
    Perturbation,
    Time,
    /// No auxiliary variable: one learned prior for every cell, which makes
    /// this a plain VAE, the ablation that shows what `u` buys.
    None,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Hyperparameters {
    /// Latents estimated (usually the true number).
    pub latents: usize,
    /// Width and depth of the encoder and decoder MLPs.
    pub hidden_width: usize,
    pub hidden_layers: usize,
    pub activation: Activation,
    /// What conditions the prior.
    pub auxiliary: Auxiliary,
    /// Weight of the KL term (1 is iVAE's ELBO).
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
            auxiliary: Auxiliary::PerturbationAndTime,
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

/// The encoder-decoder pair and the conditional prior.
#[derive(Module, Debug)]
pub struct Network {
    vae: CellVae,
    /// `conditions x 2 latents`: each condition's prior mean, then log-variance.
    prior: Param<Tensor<2>>,
}

/// Each training row's condition, as an index into the prior's table.
fn conditions(train: &Observations, auxiliary: Auxiliary) -> (Vec<usize>, usize) {
    let mut index: HashMap<(Option<&Perturbation>, Option<u32>), usize> = HashMap::new();
    let rows = (0..train.len())
        .map(|i| {
            let p = train.perturbation_of(i);
            let t = train.time_point()[i];
            let key = match auxiliary {
                Auxiliary::PerturbationAndTime => (Some(p), Some(t)),
                Auxiliary::Perturbation => (Some(p), None),
                Auxiliary::Time => (None, Some(t)),
                Auxiliary::None => (None, None),
            };
            let next = index.len();
            *index.entry(key).or_insert(next)
        })
        .collect();
    (rows, index.len())
}

/// iVAE's ELBO on minibatches of standardised cells.
struct Elbo<'a> {
    x: &'a [f32],
    features: usize,
    condition: &'a [usize],
    latents: usize,
    beta: f32,
}

impl Objective for Elbo<'_> {
    type Model = Network;

    fn loss(&self, model: &Network, items: &[usize], rng: &mut ChaCha8Rng, device: &Device) -> Tensor<1> {
        let k = self.latents;
        let x = gather_rows(self.x, self.features, items, device);
        let (mean, log_var) = model.vae.encoder.forward(x.clone());
        let z = reparameterise(mean.clone(), log_var.clone(), standard_normal(rng, items.len(), k, device));
        let reconstruction = (model.vae.decoder.forward(z) - x).powi_scalar(2).sum();
        let u: Vec<i32> = items.iter().map(|&i| self.condition[i] as i32).collect();
        let prior = model.prior.val().select(0, Tensor::<1, Int>::from_ints(TensorData::new(u, [items.len()]), device));
        let kl = kl_between(mean, log_var, prior.clone().narrow(1, 0, k), prior.narrow(1, k, k));
        (reconstruction + kl.sum().mul_scalar(self.beta)).div_scalar(items.len() as f32)
    }
}

pub struct Ivae {
    h: Hyperparameters,
    compute: Compute,
    seed: u64,
    fitted: Option<(Network, Standardiser)>,
}

impl Model for Ivae {
    const NAME: &'static str = "ivae";
    const CAPABILITIES: Capabilities = Capabilities::ENCODE;
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
        let (condition, n_conditions) = conditions(train, self.h.auxiliary);
        let h = &self.h;
        let objective = Elbo { x: &x_std, features, condition: &condition, latents: h.latents, beta: h.beta };
        let network = fit_cells(&objective, train.len(), features, h.shape(), |vae, init| Network { vae, prior: init.uniform([n_conditions, 2 * h.latents], 0.1) }, &h.training(), self.seed, &self.compute, progress)?;
        self.fitted = Some((network, standardiser));
        Ok(())
    }

    fn encode(&self, data: &Observations) -> Result<LatentEstimate, ModelError> {
        encode_cells(Self::NAME, self.fitted.as_ref().map(|(network, standardiser)| (&network.vae, standardiser)), data, &self.compute)
    }
}

citebench_core::export_model!(Ivae);

#[cfg(test)]
mod tests {
    use super::*;
    use citebench_core::data::Matrix;
    use citebench_core::model::parse_hyperparameters;

    #[test]
    fn defaults_are_valid_and_keys_are_checked() {
        assert_eq!(Hyperparameters::default().validate(), Ok(()));
        let h: Hyperparameters = parse_hyperparameters("auxiliary = \"time\"").unwrap();
        assert_eq!(h.auxiliary, Auxiliary::Time);
        let err = parse_hyperparameters::<Hyperparameters>("auxiliary = \"dose\"").unwrap_err().to_string();
        assert!(err.contains("dose") && err.contains("perturbation_and_time"), "{err}");
    }

    #[test]
    fn conditions_index_the_chosen_auxiliary() {
        let perturbations = vec![Perturbation::control(), Perturbation::new([0])];
        let x = Matrix::zeros(4, 1);
        let obs = Observations::new(x, vec![0, 1, 0, 1], vec![0, 0, 1, 1], vec![0; 4], vec![0, 0, 1, 1], perturbations, vec![0.0, 1.0], 1).unwrap();
        assert_eq!(conditions(&obs, Auxiliary::PerturbationAndTime), (vec![0, 1, 2, 3], 4));
        assert_eq!(conditions(&obs, Auxiliary::Perturbation), (vec![0, 0, 1, 1], 2));
        assert_eq!(conditions(&obs, Auxiliary::Time), (vec![0, 1, 0, 1], 2));
        assert_eq!(conditions(&obs, Auxiliary::None), (vec![0, 0, 0, 0], 1));
    }
}
