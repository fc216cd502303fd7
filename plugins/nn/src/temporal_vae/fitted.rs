//! A trained temporal VAE and what a plugin does with it: `fit` on
//! trajectories, `encode` cells to labelled `[s, z_t]`, `predict` cells of
//! any perturbation at any time point by rolling the learned dynamics
//! forward. CITE-VAE and TDRL are thin `Model`s over this.

use super::inference::{Latents, Rollout, posterior_means, read};
use super::network::TemporalVae;
use super::objective::{Elbo, Weights};
use super::paired_elbo::PairedElbo;
use super::pairing::{Cohorts, Pairing};
use super::trajectories::Trajectories;
use super::Shape;
use crate::{Bracket, Compute, Initialiser, Standardiser, TrainConfig, seeded, streams};
use burn::tensor::{Device, Tensor, TensorData};
use citebench_core::data::{LatentBlock, Matrix, Observations};
use citebench_core::model::{LatentEstimate, ModelError, Progress, Query};
use rand::Rng;

/// Sampling searches each dynamic latent's encoded training range, widened
/// by this share of its width on each side. The inverse transition networks
/// are monotone only where data lie: a wider search finds spurious roots
/// far out, and rollouts run away (measured: samples at the ends of a
/// bracket of 4 x the largest |z|, and prediction errors 20x the control
/// mean's, on a small SCM).
const BRACKET_MARGIN: f32 = 0.25;

/// Query q of `predict` draws from stream `STREAM_PREDICT + q`.
const STREAM_PREDICT: u64 = streams::FIRST_FREE;

/// How a plugin trains its temporal VAE.
pub struct FitSettings<'a> {
    /// The plugin's name, for errors.
    pub name: &'a str,
    pub weights: Weights,
    pub training: TrainConfig,
    /// Centre and scale each feature on the training data.
    pub standardise: bool,
    pub seed: u64,
}

/// A trained network with what `encode` and `predict` need.
pub struct FittedTemporalVae {
    name: String,
    seed: u64,
    network: TemporalVae,
    standardiser: Standardiser,
    /// Per-feature residual standard deviation, in standard units.
    residual_scale: Vec<f32>,
    /// Encoded control cells at time point 0: where rollouts start.
    starts: Latents,
    bracket: Bracket,
    n_targets: u32,
}

impl FittedTemporalVae {
    /// Trains on `train`'s trajectories; `shape` without `features`,
    /// `targets` and `image`, which come from the data.
    pub fn fit(shape: Shape, settings: &FitSettings<'_>, train: &Observations, compute: &Compute, progress: &mut dyn Progress) -> Result<Self, ModelError> {
        Self::fit_paired(shape, settings, Pairing::units(), train, compute, progress)
    }

    /// As [`Self::fit`], with the transition learned from the rows that
    /// `pairing` pairs: a unit's consecutive time points, or, on
    /// snapshots, cells paired by optimal transport.
    pub fn fit_paired(
        shape: Shape,
        settings: &FitSettings<'_>,
        pairing: Pairing,
        train: &Observations,
        compute: &Compute,
        progress: &mut dyn Progress,
    ) -> Result<Self, ModelError> {
        pairing.validate()?;
        let x = train.x();
        let trajectories = Trajectories::new(train);
        let standardiser = Standardiser::fit(x, settings.standardise);
        let x_std = standardiser.forward(x);
        let shape = Shape { features: x.cols(), targets: train.n_targets() as usize, image: train.image(), ..shape };
        shape.input().map_err(ModelError::Config)?;
        let init = |restart: usize| {
            let mut rng = seeded(settings.seed, streams::restart(restart));
            TemporalVae::new(shape, &mut Initialiser::new(&mut rng, compute.device()))
        };
        let training_seed = seeded(settings.seed, streams::TRAINING).next_u64();
        let cohorts = Cohorts::new(train, pairing.block_cells);
        let unit_pairs = trajectories.predecessor.iter().any(Option::is_some);
        let (network, _) = if pairing.by_units(unit_pairs, cohorts.paired_rows() > 0) {
            if trajectories.units.len() < 2 {
                return Err(ModelError::Failed(format!("{} needs at least 2 units to train, got {}", settings.name, trajectories.units.len())));
            }
            let objective = Elbo { x: &x_std, features: shape.features, trajectories: &trajectories, weights: settings.weights };
            crate::train(init, &objective, trajectories.units.len(), &settings.training, compute, training_seed, progress)?
        } else {
            if train.len() < 2 {
                return Err(ModelError::Failed(format!("{} needs at least 2 rows to train, got {}", settings.name, train.len())));
            }
            let objective = PairedElbo::new(&x_std, shape.features, &trajectories, &cohorts, pairing, settings.weights);
            crate::train(init, &objective, train.len(), &settings.training, compute, training_seed, progress)?
        };

        let device = compute.device();
        let (latents, residual_scale) = compute.run(|| -> Result<_, ModelError> {
            let latents = posterior_means(&network, x_std.clone(), train.unit(), device)?;
            let residual_scale = residual_scale(&network, &latents, &x_std, device)?;
            Ok((latents, residual_scale))
        })?;
        let bracket = Bracket::around(&latents.z, shape.dynamic, BRACKET_MARGIN);
        let starts: Vec<usize> = (0..train.len()).filter(|&i| train.time_point()[i] == 0 && train.perturbation_of(i).is_control()).collect();
        Ok(Self {
            name: settings.name.to_string(),
            seed: settings.seed,
            starts: latents.select_rows(&starts, shape),
            network,
            standardiser,
            residual_scale,
            bracket,
            n_targets: train.n_targets(),
        })
    }

    /// Posterior means `[s, z_t]`, `s` pooled over each unit's rows, with
    /// the blocks labelled.
    pub fn encode(&self, data: &Observations, compute: &Compute) -> Result<LatentEstimate, ModelError> {
        let x = data.x();
        if x.cols() != self.standardiser.features() {
            return Err(ModelError::Failed(format!("trained on {} features, asked to encode {}", self.standardiser.features(), x.cols())));
        }
        let latents = compute.run(|| posterior_means(&self.network, self.standardiser.forward(x), data.unit(), compute.device()))?;
        let shape = self.network.shape();
        let width = shape.invariant + shape.dynamic;
        let mut values = Vec::with_capacity(latents.rows * width);
        for r in 0..latents.rows {
            values.extend_from_slice(&latents.s[r * shape.invariant..(r + 1) * shape.invariant]);
            values.extend_from_slice(&latents.z[r * shape.dynamic..(r + 1) * shape.dynamic]);
        }
        let mut blocks = vec![LatentBlock::Invariant; shape.invariant];
        blocks.extend(vec![LatentBlock::Dynamic; shape.dynamic]);
        let latents = Matrix::new(latents.rows, width, values).map_err(|e| ModelError::Failed(e.to_string()))?;
        Ok(LatentEstimate { latents, blocks })
    }

    /// `query.n_cells` cells per query, rolled forward from control cells at
    /// time point 0; with `noise`, the decoder's residual noise is added.
    pub fn predict(&self, queries: &[Query], noise: bool, compute: &Compute) -> Result<Matrix, ModelError> {
        let lags = self.network.shape().lags;
        if lags != 1 {
            return Err(ModelError::Failed(format!("{} rolls the dynamics forward from one observed state, so it predicts only with lags = 1 (it has {lags})", self.name)));
        }
        if self.starts.rows == 0 {
            return Err(ModelError::Failed(format!(
                "{} predicts by rolling control cells forward from time point 0, but the training data has no control cells at time point 0",
                self.name
            )));
        }
        if let Some(q) = queries.iter().find(|q| q.perturbation.targets().iter().any(|&t| t >= self.n_targets)) {
            return Err(ModelError::Failed(format!("query {} names a target beyond the {} the model was trained with", q.perturbation, self.n_targets)));
        }
        let rollout = Rollout {
            model: &self.network,
            starts: &self.starts,
            bracket: &self.bracket,
            noise: noise.then_some(self.residual_scale.as_slice()),
            device: compute.device(),
        };
        let features = self.standardiser.features();
        let mut cells = Vec::new();
        for (index, query) in queries.iter().enumerate() {
            // One stream per query: a query's cells do not depend on the others.
            let mut rng = seeded(self.seed, STREAM_PREDICT + index as u64);
            cells.extend(compute.run(|| rollout.cells(query, &mut rng))?);
        }
        self.standardiser.inverse(&mut cells);
        Matrix::new(cells.len() / features.max(1), features, cells).map_err(|e| ModelError::Failed(e.to_string()))
    }
}

/// Per-feature root-mean-square of `x - g(posterior means)`.
fn residual_scale(network: &TemporalVae, latents: &Latents, x: &[f32], device: &Device) -> Result<Vec<f32>, ModelError> {
    let shape = network.shape();
    let tensor = |v: &[f32], w: usize| Tensor::<2>::from_data(TensorData::new(v.to_vec(), [latents.rows, w]), device);
    let s = (shape.invariant > 0).then(|| tensor(&latents.s, shape.invariant));
    let decoded = read(network.decode(s, tensor(&latents.z, shape.dynamic)))?;
    let mut sum = vec![0f64; shape.features];
    for (k, (d, v)) in decoded.iter().zip(x).enumerate() {
        sum[k % shape.features] += f64::from(v - d).powi(2);
    }
    Ok(sum.into_iter().map(|s| (s / latents.rows.max(1) as f64).sqrt() as f32).collect())
}
