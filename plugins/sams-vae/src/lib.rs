//! `sams-vae`: the sparse additive mechanism shift VAE (Bereket & Karaletsos,
//! NeurIPS 2023) as a citebench plugin.
//!
//! A cell's latent is a basal state plus the sparse shifts of its
//! perturbation's targets: `z = z_basal + b_t + sum_{k in p} m_k * e_{k,t}`,
//! with `z_basal ~ N(0, I)`, a time-point baseline `b_t`, per-target
//! embeddings `e_{k,t}` (one per time point, since effects here grow over
//! time) and masks `m_k = sigmoid(l_k)` over latents shared across time
//! points (which latents target k moves). The objective is
//! `|x - g(z)|^2 + beta * KL(q(z | x) || N(b_t + shift, I)) + sparsity * sum_k |m_k|_1`
//! per minibatch row. Combinations add in latent space, so unseen
//! combinations of seen targets are predicted: encoded control cells of
//! the queried time point, plus the shift, decoded.

use citebench_core::data::{Matrix, Observations};
use citebench_core::model::{Capabilities, LatentEstimate, Model, ModelEnv, ModelError, Progress, Query};
use citebench_nn::burn::module::{Module, Param};
use citebench_nn::burn::tensor::activation::sigmoid;
use citebench_nn::burn::tensor::{Device, Tensor, TensorData};
use citebench_nn::gaussian::{kl_between, reparameterise, standard_normal};
use citebench_nn::latent_shift::{ConditionDesign, ControlStarts};
use citebench_nn::vae::{CellShape, cell_training_defaults, check_sizes, encode_cells, fit_cells};
use citebench_nn::{Activation, CellVae, Compute, Objective, Standardiser, TrainConfig, TrainOverrides, gather_rows, streams, values};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Hyperparameters {
    /// Latents estimated.
    pub latents: usize,
    /// Width and depth of the encoder and decoder MLPs.
    pub hidden_width: usize,
    pub hidden_layers: usize,
    pub activation: Activation,
    /// Weight of the KL term.
    pub beta: f32,
    /// Weight of the L1 penalty on the masks.
    pub sparsity: f32,
    /// Centre and scale each feature on the training data.
    pub standardise: bool,
    /// Add the decoder's residual noise to predicted cells.
    pub predict_noise: bool,
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
            beta: 1.0,
            sparsity: 0.01,
            standardise: true,
            predict_noise: true,
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
        if !(self.sparsity >= 0.0 && self.sparsity.is_finite()) {
            return Err(format!("`sparsity` must be a finite number >= 0, got {}", self.sparsity));
        }
        self.training().validate().map_err(|e| e.to_string())
    }
}

#[derive(Module, Debug)]
pub struct Network {
    vae: CellVae,
    /// `time points x latents`: the control's latent mean at each time point.
    baseline: Param<Tensor<2>>,
    /// `targets x (time points * latents)`: each target's shift at each time point.
    effects: Param<Tensor<2>>,
    /// `targets x latents`: mask logits.
    mask_logits: Param<Tensor<2>>,
    #[module(skip)]
    time_points: usize,
}

impl Network {
    /// Each row's prior mean `b_t + sum_{k in p} m_k * e_{k,t}` from its
    /// multi-hot targets (`rows x targets`) and one-hot time point
    /// (`rows x time points`).
    fn prior_mean(&self, targets: Tensor<2>, time: Tensor<2>) -> Tensor<2> {
        let [targets_n, latents] = self.mask_logits.dims();
        let (rows, t) = (targets.dims()[0], self.time_points);
        let masked = self.effects.val().reshape([targets_n, t, latents]) * sigmoid(self.mask_logits.val()).unsqueeze_dim::<3>(1);
        // Shift of row r: sum_k targets[r, k] * masked[k, t_r, :].
        let per_time = targets.matmul(masked.reshape([targets_n, t * latents])).reshape([rows, t, latents]);
        let shift = (per_time * time.clone().unsqueeze_dim::<3>(2)).sum_dim(1).reshape([rows, latents]);
        time.matmul(self.baseline.val()) + shift
    }

    /// The L1 norm of the masks (they are positive).
    fn mask_mass(&self) -> Tensor<1> {
        sigmoid(self.mask_logits.val()).sum()
    }
}

struct Elbo<'a> {
    x: &'a [f32],
    features: usize,
    design: &'a ConditionDesign,
    latents: usize,
    beta: f32,
    sparsity: f32,
}

impl Objective for Elbo<'_> {
    type Model = Network;

    fn loss(&self, model: &Network, items: &[usize], rng: &mut ChaCha8Rng, device: &Device) -> Tensor<1> {
        let x = gather_rows(self.x, self.features, items, device);
        let (mean, log_var) = model.vae.encoder.forward(x.clone());
        let z = reparameterise(mean.clone(), log_var.clone(), standard_normal(rng, items.len(), self.latents, device));
        let reconstruction = (model.vae.decoder.forward(z) - x).powi_scalar(2).sum();
        let (targets, time) = self.design.indicators(items, device);
        let prior_mean = model.prior_mean(targets, time);
        let kl = kl_between(mean, log_var.clone(), prior_mean, log_var.zeros_like());
        (reconstruction + kl.sum().mul_scalar(self.beta)).div_scalar(items.len() as f32) + model.mask_mass().mul_scalar(self.sparsity)
    }
}

struct Fitted {
    network: Network,
    standardiser: Standardiser,
    starts: ControlStarts,
    targets: usize,
}

pub struct SamsVae {
    h: Hyperparameters,
    compute: Compute,
    seed: u64,
    fitted: Option<Fitted>,
}

impl Model for SamsVae {
    const NAME: &'static str = "sams-vae";
    const CAPABILITIES: Capabilities = Capabilities::ENCODE.union(Capabilities::PREDICT);
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
        let design = ConditionDesign::new(train);
        let h = &self.h;
        let objective = Elbo { x: &x_std, features, design: &design, latents: h.latents, beta: h.beta, sparsity: h.sparsity };
        let network = fit_cells(&objective, train.len(), features, h.shape(), |vae, init| {
            let (k, t) = (design.targets, design.time_points);
            Network {
                vae,
                baseline: init.constant([t, h.latents], 0.0),
                // Small, so a target the data say nothing about shifts nothing.
                effects: init.uniform([k, t * h.latents], 0.01),
                mask_logits: init.constant([k, h.latents], 0.0),
                time_points: t,
            }
        }, &h.training(), self.seed, &self.compute, progress)?;
        let starts = self.compute.run(|| ControlStarts::new(&network.vae, train, &x_std, |z| z, self.compute.device()))?;
        self.fitted = Some(Fitted { network, standardiser, starts, targets: design.targets });
        Ok(())
    }

    fn encode(&self, data: &Observations) -> Result<LatentEstimate, ModelError> {
        encode_cells(Self::NAME, self.fitted.as_ref().map(|f| (&f.network.vae, &f.standardiser)), data, &self.compute)
    }

    fn predict(&self, queries: &[Query]) -> Result<Matrix, ModelError> {
        let f = self.fitted.as_ref().ok_or_else(|| ModelError::Failed("sams-vae was asked to predict before fit".into()))?;
        let device = self.compute.device();
        // The shift from control cells at `start` to the query: b_t - b_start + sum_k m_k e_{k,t}.
        let shift = |query: &Query, start: usize| -> Result<Vec<f32>, ModelError> {
            let t = query.time_point as usize;
            let (k, tn) = (f.targets, f.network.time_points);
            let mut targets = vec![0f32; 2 * k];
            query.perturbation.targets().iter().for_each(|&g| targets[g as usize] = 1.0);
            let mut time = vec![0f32; 2 * tn];
            time[t] = 1.0;
            time[tn + start] = 1.0;
            let means = f.network.prior_mean(
                Tensor::from_data(TensorData::new(targets, [2, k]), device),
                Tensor::from_data(TensorData::new(time, [2, tn]), device),
            );
            let means = values(means)?;
            let latents = means.len() / 2;
            Ok((0..latents).map(|j| means[j] - means[latents + j]).collect())
        };
        self.compute.run(|| {
            f.starts.predict(Self::NAME, queries, shift, &f.network.vae, &f.standardiser, self.h.predict_noise, (self.seed, streams::FIRST_FREE), device)
        })
    }
}

citebench_core::export_model!(SamsVae);

#[cfg(test)]
mod tests {
    use super::*;
    use citebench_core::model::parse_hyperparameters;
    use citebench_nn::{Initialiser, seeded};

    #[test]
    fn defaults_are_valid_and_keys_are_checked() {
        assert_eq!(Hyperparameters::default().validate(), Ok(()));
        let h: Hyperparameters = parse_hyperparameters("sparsity = 0.1").unwrap();
        assert_eq!(h.sparsity, 0.1);
        assert!(parse_hyperparameters::<Hyperparameters>("sparse = 0.1").unwrap_err().to_string().contains("sparse"));
    }

    /// The prior mean is the time baseline plus the masked effects of the
    /// row's targets at its time point, and combinations add.
    #[test]
    fn prior_means_add_masked_effects() {
        let device = Device::flex();
        let mut rng = seeded(3, 0);
        let mut init = Initialiser::new(&mut rng, &device);
        let vae = CellVae::new(2, 4, 1, 2, Activation::LeakyRelu, &mut init);
        let network = Network {
            vae,
            baseline: init.constant([2, 2], 0.5),
            effects: init.uniform([2, 4], 1.0),
            mask_logits: init.uniform([2, 2], 2.0),
            time_points: 2,
        };
        let rows = |targets: Vec<f32>, time: Vec<f32>| {
            values(network.prior_mean(Tensor::from_data(TensorData::new(targets, [1, 2]), &device), Tensor::from_data(TensorData::new(time, [1, 2]), &device)))
                .unwrap()
        };
        let (a, b, ab) = (rows(vec![1.0, 0.0], vec![0.0, 1.0]), rows(vec![0.0, 1.0], vec![0.0, 1.0]), rows(vec![1.0, 1.0], vec![0.0, 1.0]));
        let control = rows(vec![0.0, 0.0], vec![0.0, 1.0]);
        assert_eq!(control, vec![0.5, 0.5]);
        let effects = values(network.effects.val()).unwrap();
        let masks = values(sigmoid(network.mask_logits.val())).unwrap();
        for j in 0..2 {
            // Target 0 at time point 1: effects[0][1 * 2 + j] * mask[0][j].
            assert!((a[j] - (0.5 + effects[2 + j] * masks[j])).abs() < 1e-6);
            assert!((ab[j] - (a[j] + b[j] - 0.5)).abs() < 1e-6, "combinations add");
        }
    }
}
