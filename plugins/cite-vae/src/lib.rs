//! `cite-vae`: CITE-VAE (arXiv 2605.25581) as a citebench plugin.
//!
//! An invariant latent `s` and a dynamic latent `z_t` explain each cell
//! through a decoder `x_t = g(s, z_t) + noise`. `z_t` evolves under a
//! learned transition prior in the style of TDRL, driven by a perturbation
//! embedding (the sum of the perturbation's targets' embeddings). Training
//! adds an alignment penalty, so `s` carries no perturbation or time
//! information, and a sparsity penalty, so each target reaches few dynamic
//! latents. `encode` returns `[s, z_t]` with its blocks labelled; `predict`
//! rolls the learned dynamics forward from encoded control cells (see
//! [`inference`]). Choices the paper leaves open are hyperparameters,
//! explained in README.md.

pub mod hyperparameters;
pub mod inference;
pub mod network;
pub mod objective;
pub mod trajectories;

use citebench_core::data::{LatentBlock, Matrix, Observations};
use citebench_core::model::{Capabilities, LatentEstimate, Model, ModelEnv, ModelError, Progress, Query};
use citebench_nn::{Bracket, Compute, Initialiser, Standardiser, seeded, streams};
pub use hyperparameters::{Hyperparameters, PerturbationEffect};
use inference::{Latents, Rollout, posterior_means, read};
use network::{CiteVae, Sizes};
use objective::Elbo;
use rand::Rng;
use trajectories::Trajectories;

/// Sampling searches each dynamic latent's encoded training range, widened
/// by this share of its width on each side. The inverse transition networks
/// are monotone only where data lie: a wider search finds spurious roots
/// far out, and rollouts run away (measured: samples at the ends of a
/// bracket of 4 x the largest |z|, and prediction errors 20x the control
/// mean's, on a small SCM).
const BRACKET_MARGIN: f32 = 0.25;

/// Query q of `predict` draws from stream `STREAM_PREDICT + q`; the other
/// streams are `citebench_nn::streams`.
const STREAM_PREDICT: u64 = streams::FIRST_FREE;

pub struct CiteVaeModel {
    h: Hyperparameters,
    compute: Compute,
    seed: u64,
    fitted: Option<Fitted>,
}

struct Fitted {
    network: CiteVae,
    standardiser: Standardiser,
    /// Per-feature residual standard deviation, in standard units.
    residual_scale: Vec<f32>,
    /// Encoded control cells at time point 0: where rollouts start.
    starts: Latents,
    bracket: Bracket,
    n_targets: u32,
}

impl CiteVaeModel {
    fn fitted(&self) -> Result<&Fitted, ModelError> {
        self.fitted.as_ref().ok_or_else(|| ModelError::Failed("cite-vae was asked to infer before fit".into()))
    }

    fn fit_in_pool(&self, train: &Observations, progress: &mut dyn Progress) -> Result<Fitted, ModelError> {
        let x = train.x();
        let trajectories = Trajectories::new(train);
        if trajectories.units.len() < 2 {
            return Err(ModelError::Failed(format!("cite-vae needs at least 2 units to train, got {}", trajectories.units.len())));
        }
        let standardiser = Standardiser::fit(x, self.h.standardise);
        let x_std = standardiser.forward(x);
        let sizes = Sizes {
            features: x.cols(),
            targets: train.n_targets() as usize,
            invariant: self.h.invariant_latents,
            dynamic: self.h.dynamic_latents,
            embedding: match self.h.perturbation_effect {
                PerturbationEffect::Shift => 1,
                PerturbationEffect::Context => self.h.embedding_size,
            },
            effect: self.h.perturbation_effect,
        };
        let init = |restart: usize| {
            let mut init_rng = seeded(self.seed, streams::restart(restart));
            CiteVae::new(&self.h, sizes, &mut Initialiser::new(&mut init_rng, self.compute.device()))
        };
        let objective = Elbo { x: &x_std, features: sizes.features, trajectories: &trajectories, weights: (&self.h).into() };
        let training_seed = seeded(self.seed, streams::TRAINING).next_u64();
        let (network, _report) =
            citebench_nn::train(init, &objective, trajectories.units.len(), &self.h.training(), &self.compute, training_seed, progress)?;

        let device = self.compute.device();
        let (latents, residual_scale) = self.compute.run(|| -> Result<_, ModelError> {
            let latents = posterior_means(&network, x_std.clone(), train.unit(), device)?;
            let residual_scale = residual_scale(&network, &latents, &x_std, device)?;
            Ok((latents, residual_scale))
        })?;
        let bracket = Bracket::around(&latents.z, sizes.dynamic, BRACKET_MARGIN);
        let starts: Vec<usize> =
            (0..train.len()).filter(|&i| train.time_point()[i] == 0 && train.perturbation_of(i).is_control()).collect();
        Ok(Fitted {
            starts: select_rows(&latents, &starts, sizes),
            network,
            standardiser,
            residual_scale,
            bracket,
            n_targets: train.n_targets(),
        })
    }
}

/// Per-feature root-mean-square of `x - g(posterior means)`.
fn residual_scale(network: &CiteVae, latents: &Latents, x: &[f32], device: &citebench_nn::burn::tensor::Device) -> Result<Vec<f32>, ModelError> {
    use citebench_nn::burn::tensor::{Tensor, TensorData};
    let sizes = network.sizes();
    let tensor = |v: &[f32], w: usize| Tensor::<2>::from_data(TensorData::new(v.to_vec(), [latents.rows, w]), device);
    let s = (sizes.invariant > 0).then(|| tensor(&latents.s, sizes.invariant));
    let decoded = read(network.decode(s, tensor(&latents.z, sizes.dynamic)))?;
    let mut sum = vec![0f64; sizes.features];
    for (k, (d, v)) in decoded.iter().zip(x).enumerate() {
        sum[k % sizes.features] += f64::from(v - d).powi(2);
    }
    Ok(sum.into_iter().map(|s| (s / latents.rows.max(1) as f64).sqrt() as f32).collect())
}

fn select_rows(latents: &Latents, rows: &[usize], sizes: Sizes) -> Latents {
    let pick = |values: &[f32], w: usize| rows.iter().flat_map(|&r| values[r * w..(r + 1) * w].iter().copied()).collect();
    Latents { rows: rows.len(), s: pick(&latents.s, sizes.invariant), z: pick(&latents.z, sizes.dynamic) }
}

impl Model for CiteVaeModel {
    const NAME: &'static str = "cite-vae";
    const CAPABILITIES: Capabilities =
        Capabilities::ENCODE.union(Capabilities::PREDICT).union(Capabilities::TEMPORAL);
    type Hyperparameters = Hyperparameters;

    fn create(h: Hyperparameters, env: ModelEnv) -> Result<Self, ModelError> {
        h.validate().map_err(ModelError::Config)?;
        let compute = Compute::new(&env)?;
        Ok(Self { h, compute, seed: env.seed, fitted: None })
    }

    fn fit(&mut self, train: &Observations, progress: &mut dyn Progress) -> Result<(), ModelError> {
        self.fitted = Some(self.fit_in_pool(train, progress)?);
        Ok(())
    }

    fn encode(&self, data: &Observations) -> Result<LatentEstimate, ModelError> {
        let fitted = self.fitted()?;
        let x = data.x();
        if x.cols() != fitted.standardiser.features() {
            return Err(ModelError::Failed(format!("trained on {} features, asked to encode {}", fitted.standardiser.features(), x.cols())));
        }
        let latents = self.compute.run(|| posterior_means(&fitted.network, fitted.standardiser.forward(x), data.unit(), self.compute.device()))?;
        let sizes = fitted.network.sizes();
        let width = sizes.invariant + sizes.dynamic;
        let mut values = Vec::with_capacity(latents.rows * width);
        for r in 0..latents.rows {
            values.extend_from_slice(&latents.s[r * sizes.invariant..(r + 1) * sizes.invariant]);
            values.extend_from_slice(&latents.z[r * sizes.dynamic..(r + 1) * sizes.dynamic]);
        }
        let mut blocks = vec![LatentBlock::Invariant; sizes.invariant];
        blocks.extend(vec![LatentBlock::Dynamic; sizes.dynamic]);
        let latents = Matrix::new(latents.rows, width, values).map_err(|e| ModelError::Failed(e.to_string()))?;
        Ok(LatentEstimate { latents, blocks })
    }

    fn predict(&self, queries: &[Query]) -> Result<Matrix, ModelError> {
        let fitted = self.fitted()?;
        if fitted.starts.rows == 0 {
            return Err(ModelError::Failed(
                "cite-vae predicts by rolling control cells forward from time point 0, but the training data has no control cells at time point 0".into(),
            ));
        }
        if let Some(q) = queries.iter().find(|q| q.perturbation.targets().iter().any(|&t| t >= fitted.n_targets)) {
            return Err(ModelError::Failed(format!("query {} names a target beyond the {} the model was trained with", q.perturbation, fitted.n_targets)));
        }
        let rollout = Rollout {
            model: &fitted.network,
            starts: &fitted.starts,
            bracket: &fitted.bracket,
            noise: self.h.predict_noise.then_some(fitted.residual_scale.as_slice()),
            device: self.compute.device(),
        };
        let features = fitted.standardiser.features();
        let mut cells = Vec::new();
        for (index, query) in queries.iter().enumerate() {
            // One stream per query: a query's cells do not depend on the others.
            let mut rng = seeded(self.seed, STREAM_PREDICT + index as u64);
            cells.extend(self.compute.run(|| rollout.cells(query, &mut rng))?);
        }
        fitted.standardiser.inverse(&mut cells);
        Matrix::new(cells.len() / features.max(1), features, cells).map_err(|e| ModelError::Failed(e.to_string()))
    }
}

citebench_core::export_model!(CiteVaeModel);
