//! `cpa`: the compositional perturbation autoencoder (Lotfollahi et al.,
//! Molecular Systems Biology 2023) as a citebench plugin.
//!
//! A cell's latent is a basal state plus additive embeddings of its
//! perturbation's targets and of its time point (CPA's covariate):
//! `z = z_basal + sum_{k in p} e_k + c_t`, decoded by `g`. An adversary
//! classifies the perturbation from `z_basal`; a gradient-reversal layer
//! lets one optimiser train the adversary to classify and the encoder to
//! defeat it, so `z_basal` carries no perturbation information. The
//! objective per minibatch row is
//! `|x - g(z)|^2 + beta * KL(q(z_basal | x) || N(0, I)) + cross-entropy(adversary(reverse(z_basal)))`.
//! Unseen combinations of seen targets are predicted additively: encoded
//! control cells of the queried time point, plus the embeddings, decoded.

use citebench_core::data::{Matrix, Observations, Perturbation};
use citebench_core::model::{Capabilities, LatentEstimate, Model, ModelEnv, ModelError, Progress, Query};
use citebench_nn::burn::module::{Module, Param};
use citebench_nn::burn::tensor::activation::log_softmax;
use citebench_nn::burn::tensor::{Device, Tensor, TensorData};
use citebench_nn::gaussian::{kl_to_standard_normal, reparameterise, standard_normal};
use citebench_nn::latent_shift::{ConditionDesign, ControlStarts};
use citebench_nn::vae::{CellShape, cell_training_defaults, check_sizes, encode_cells, fit_cells};
use citebench_nn::{Activation, CellVae, Compute, Mlp, Objective, Standardiser, TrainConfig, TrainOverrides, gather_rows, streams, values};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Hyperparameters {
    /// Size of the basal latent.
    pub latents: usize,
    /// Width and depth of the encoder and decoder MLPs, and of the adversary.
    pub hidden_width: usize,
    pub hidden_layers: usize,
    pub activation: Activation,
    /// Weight of the KL term on `z_basal`.
    pub beta: f32,
    /// Strength of the gradient reversal: how hard the encoder works
    /// against the adversary.
    pub adversary: f32,
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
            adversary: 1.0,
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
        if !(self.adversary >= 0.0 && self.adversary.is_finite()) {
            return Err(format!("`adversary` must be a finite number >= 0, got {}", self.adversary));
        }
        self.training().validate().map_err(|e| e.to_string())
    }
}

#[derive(Module, Debug)]
pub struct Network {
    vae: CellVae,
    /// `targets x latents`.
    target_embedding: Param<Tensor<2>>,
    /// `time points x latents`.
    time_embedding: Param<Tensor<2>>,
    /// `z_basal` to logits over the training perturbations.
    adversary: Mlp,
}

impl Network {
    /// `sum_{k in p} e_k + c_t` per row, from multi-hot targets and one-hot time points.
    fn shift(&self, targets: Tensor<2>, time: Tensor<2>) -> Tensor<2> {
        targets.matmul(self.target_embedding.val()) + time.matmul(self.time_embedding.val())
    }
}

/// Forward the identity; backward the gradient times `-strength`.
fn reverse_gradient(x: Tensor<2>, strength: f32) -> Tensor<2> {
    x.clone().detach().mul_scalar(1.0 + strength) - x.mul_scalar(strength)
}

struct Elbo<'a> {
    x: &'a [f32],
    features: usize,
    design: &'a ConditionDesign,
    /// Per training row, its perturbation's class for the adversary.
    class: &'a [usize],
    classes: usize,
    latents: usize,
    beta: f32,
    adversary: f32,
}

impl Objective for Elbo<'_> {
    type Model = Network;

    fn loss(&self, model: &Network, items: &[usize], rng: &mut ChaCha8Rng, device: &Device) -> Tensor<1> {
        let n = items.len();
        let x = gather_rows(self.x, self.features, items, device);
        let (mean, log_var) = model.vae.encoder.forward(x.clone());
        let basal = reparameterise(mean.clone(), log_var.clone(), standard_normal(rng, n, self.latents, device));
        let (targets, time) = self.design.indicators(items, device);
        let reconstruction = (model.vae.decoder.forward(basal + model.shift(targets, time)) - x).powi_scalar(2).sum();
        let kl = kl_to_standard_normal(mean.clone(), log_var).sum();
        let mut onehot = vec![0f32; n * self.classes];
        items.iter().enumerate().for_each(|(r, &i)| onehot[r * self.classes + self.class[i]] = 1.0);
        let onehot = Tensor::<2>::from_data(TensorData::new(onehot, [n, self.classes]), device);
        let log_p = log_softmax(model.adversary.forward(reverse_gradient(mean, self.adversary)), 1);
        let cross_entropy = (log_p * onehot).sum().neg();
        (reconstruction + kl.mul_scalar(self.beta) + cross_entropy).div_scalar(n as f32)
    }
}

struct Fitted {
    network: Network,
    standardiser: Standardiser,
    starts: ControlStarts,
    targets: usize,
    time_points: usize,
}

pub struct Cpa {
    h: Hyperparameters,
    compute: Compute,
    seed: u64,
    fitted: Option<Fitted>,
}

/// Each row's perturbation as a class index, and the number of classes.
fn classes(train: &Observations) -> (Vec<usize>, usize) {
    let mut seen: Vec<&Perturbation> = Vec::new();
    let class = (0..train.len())
        .map(|i| {
            let p = train.perturbation_of(i);
            seen.iter().position(|q| *q == p).unwrap_or_else(|| {
                seen.push(p);
                seen.len() - 1
            })
        })
        .collect();
    (class, seen.len())
}

impl Model for Cpa {
    const NAME: &'static str = "cpa";
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
        let (class, n_classes) = classes(train);
        let h = &self.h;
        let objective = Elbo {
            x: &x_std,
            features,
            design: &design,
            class: &class,
            classes: n_classes.max(1),
            latents: h.latents,
            beta: h.beta,
            adversary: h.adversary,
        };
        let network = fit_cells(&objective, train.len(), features, h.shape(), |vae, init| Network {
            vae,
            target_embedding: init.uniform([design.targets, h.latents], 0.01),
            time_embedding: init.uniform([design.time_points, h.latents], 0.01),
            adversary: Mlp::new(&Mlp::widths(h.latents, h.hidden_width, 1, n_classes.max(1)), h.activation, init),
        }, &h.training(), self.seed, &self.compute, progress)?;
        let all: Vec<usize> = (0..train.len()).collect();
        let starts = self.compute.run(|| {
            let (targets, time) = design.indicators(&all, self.compute.device());
            ControlStarts::new(&network.vae, train, &x_std, |basal| basal + network.shift(targets, time), self.compute.device())
        })?;
        self.fitted = Some(Fitted { network, standardiser, starts, targets: design.targets, time_points: design.time_points });
        Ok(())
    }

    fn encode(&self, data: &Observations) -> Result<LatentEstimate, ModelError> {
        encode_cells(Self::NAME, self.fitted.as_ref().map(|f| (&f.network.vae, &f.standardiser)), data, &self.compute)
    }

    fn predict(&self, queries: &[Query]) -> Result<Matrix, ModelError> {
        let f = self.fitted.as_ref().ok_or_else(|| ModelError::Failed("cpa was asked to predict before fit".into()))?;
        let device = self.compute.device();
        // Control cells encode to basal states at `start`; the query adds its
        // targets' embeddings and its own time point's (`start`'s is in the
        // decoder input of those cells too, and is replaced).
        let shift = |query: &Query, _start: usize| -> Result<Vec<f32>, ModelError> {
            let t = query.time_point as usize;
            let mut targets = vec![0f32; f.targets];
            query.perturbation.targets().iter().for_each(|&g| targets[g as usize] = 1.0);
            let mut time = vec![0f32; f.time_points];
            time[t] = 1.0;
            let shift = f.network.shift(
                Tensor::from_data(TensorData::new(targets, [1, f.targets]), device),
                Tensor::from_data(TensorData::new(time, [1, f.time_points]), device),
            );
            Ok(values(shift)?)
        };
        self.compute.run(|| {
            f.starts.predict(Self::NAME, queries, shift, &f.network.vae, &f.standardiser, self.h.predict_noise, (self.seed, streams::FIRST_FREE), device)
        })
    }
}

citebench_core::export_model!(Cpa);

#[cfg(test)]
mod tests {
    use super::*;
    use citebench_core::model::parse_hyperparameters;

    #[test]
    fn defaults_are_valid_and_keys_are_checked() {
        assert_eq!(Hyperparameters::default().validate(), Ok(()));
        let h: Hyperparameters = parse_hyperparameters("adversary = 0.5").unwrap();
        assert_eq!(h.adversary, 0.5);
        assert!(parse_hyperparameters::<Hyperparameters>("adversarial = 1.0").unwrap_err().to_string().contains("adversarial"));
        assert!(Hyperparameters { adversary: -1.0, ..Hyperparameters::default() }.validate().unwrap_err().contains("`adversary`"));
    }

    /// The reversal layer passes values through and flips (and scales) gradients.
    #[test]
    fn gradient_reversal_flips_the_gradient() {
        let device = Device::flex().autodiff();
        let x = Tensor::<2>::from_data(TensorData::new(vec![1.0f32, -2.0], [1, 2]), &device).require_grad();
        let y = reverse_gradient(x.clone(), 0.5);
        assert_eq!(values(y.clone().inner()).unwrap(), vec![1.0, -2.0]);
        let gradients = y.sum().backward();
        let grad = x.grad(&gradients).unwrap().into_data().try_to_vec::<f32>().unwrap();
        assert_eq!(grad, vec![-0.5, -0.5]);
    }
}
