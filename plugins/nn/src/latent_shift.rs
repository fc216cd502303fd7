//! Predicting a perturbation as a shift in latent space, the way SAMS-VAE
//! and CPA generate unseen conditions: encode control cells of the queried
//! time point, add the model's latent shift for the perturbation (a sum
//! over its targets, so unseen combinations of seen targets have one),
//! decode, and add the decoder's residual noise.

use crate::vae::{CellVae, gather_rows};
use crate::{NnError, Standardiser, seeded, values};
use burn::tensor::{Device, Tensor, TensorData};
use citebench_core::data::{Matrix, Observations};
use citebench_core::model::{ModelError, Query};
use rand::RngExt;

/// Encoded control cells by time point, and the residual noise of the
/// decoder, from the training data.
pub struct ControlStarts {
    latents: usize,
    /// Which time points had training cells: a model learns nothing about the others.
    seen_time: Vec<bool>,
    /// Targets the model was trained with.
    targets: u32,
    /// Per time point index, the posterior means of its control cells (row-major).
    by_time: Vec<Vec<f32>>,
    /// Per-feature root-mean-square of `x - g(posterior mean)`, standard units.
    residual_scale: Vec<f32>,
}

impl ControlStarts {
    /// From the standardised training cells `x_std` of `train`. `shift`
    /// maps the encoded means of all training rows to the decoder's input
    /// (CPA adds its embeddings; a model whose encoder gives the full
    /// latent passes the identity).
    pub fn new(vae: &CellVae, train: &Observations, x_std: &[f32], shift: impl FnOnce(Tensor<2>) -> Tensor<2>, device: &Device) -> Result<Self, NnError> {
        let features = train.x().cols();
        let all: Vec<usize> = (0..train.len()).collect();
        let (mean, _) = vae.encoder.forward(gather_rows(x_std, features, &all, device));
        let decoded = values(vae.decoder.forward(shift(mean.clone())))?;
        let mean = values(mean)?;
        let latents = mean.len() / train.len().max(1);
        let mut sum = vec![0f64; features];
        for (k, (d, v)) in decoded.iter().zip(x_std).enumerate() {
            sum[k % features] += f64::from(v - d).powi(2);
        }
        let residual_scale = sum.into_iter().map(|s| (s / train.len().max(1) as f64).sqrt() as f32).collect();
        let mut by_time = vec![Vec::new(); train.n_time_points()];
        for i in (0..train.len()).filter(|&i| train.perturbation_of(i).is_control()) {
            by_time[train.time_point()[i] as usize].extend_from_slice(&mean[i * latents..(i + 1) * latents]);
        }
        let mut seen_time = vec![false; train.n_time_points()];
        train.time_point().iter().for_each(|&t| seen_time[t as usize] = true);
        Ok(Self { latents, seen_time, targets: train.n_targets(), by_time, residual_scale })
    }

    /// The time point with control cells nearest to `t` (ties to the earlier).
    fn nearest(&self, t: u32) -> Option<usize> {
        (0..self.by_time.len()).filter(|&s| !self.by_time[s].is_empty()).min_by_key(|&s| (s as i64 - i64::from(t)).abs())
    }

    /// Cells for each query, `shift(query, start time)` giving the latent
    /// shift (a row of `latents`) from control cells encoded at the start
    /// time point to the queried condition; query `q` draws from stream
    /// `first_stream + q` of `seed`. A query at a time point without
    /// training cells, or naming a target beyond the trained ones, is an
    /// error: the model has learned nothing about it.
    pub fn predict(
        &self,
        name: &str,
        queries: &[Query],
        mut shift: impl FnMut(&Query, usize) -> Result<Vec<f32>, ModelError>,
        vae: &CellVae,
        standardiser: &Standardiser,
        noise: bool,
        (seed, first_stream): (u64, u64),
        device: &Device,
    ) -> Result<Matrix, ModelError> {
        let features = standardiser.features();
        let k = self.latents;
        let mut cells = Vec::new();
        for (q, query) in queries.iter().enumerate() {
            let t = query.time_point as usize;
            if !self.seen_time.get(t).copied().unwrap_or(false) {
                return Err(ModelError::Failed(format!("{name} learns one effect per time point and saw no training cells at time point index {t}")));
            }
            if let Some(&g) = query.perturbation.targets().iter().find(|&&g| g >= self.targets) {
                return Err(ModelError::Failed(format!("{name}: the query names target {g}, beyond the {} it was trained with", self.targets)));
            }
            let start = self.nearest(query.time_point).ok_or_else(|| ModelError::Failed(format!("{name} predicts from control cells, and the training data has none")))?;
            let pool = &self.by_time[start];
            let delta = shift(query, start)?;
            let mut rng = seeded(seed, first_stream + q as u64);
            let n = query.n_cells as usize;
            if n == 0 {
                continue;
            }
            let mut z = Vec::with_capacity(n * k);
            for _ in 0..n {
                let c = rng.random_range(0..pool.len() / k);
                z.extend(pool[c * k..(c + 1) * k].iter().zip(&delta).map(|(a, b)| a + b));
            }
            let mut decoded = values(vae.decoder.forward(Tensor::<2>::from_data(TensorData::new(z, [n, k]), device)))?;
            if noise {
                for (j, value) in decoded.iter_mut().enumerate() {
                    let e: f32 = rng.sample(rand_distr::StandardNormal);
                    *value += e * self.residual_scale[j % features];
                }
            }
            cells.extend(decoded);
        }
        standardiser.inverse(&mut cells);
        Matrix::new(cells.len() / features.max(1), features, cells).map_err(|e| ModelError::Failed(e.to_string()))
    }
}

/// Each training row's targets and time point, as the indicator matrices
/// a latent-shift model's minibatches need.
pub struct ConditionDesign {
    pub targets: usize,
    pub time_points: usize,
    /// Per row: its perturbation's target ids.
    row_targets: Vec<Vec<u32>>,
    row_time: Vec<u32>,
}

impl ConditionDesign {
    pub fn new(obs: &Observations) -> Self {
        Self {
            targets: obs.n_targets().max(1) as usize,
            time_points: obs.n_time_points(),
            row_targets: (0..obs.len()).map(|i| obs.perturbation_of(i).targets().to_vec()).collect(),
            row_time: obs.time_point().to_vec(),
        }
    }

    /// `rows x targets` multi-hot targets and `rows x time points` one-hot time points.
    pub fn indicators(&self, rows: &[usize], device: &Device) -> (Tensor<2>, Tensor<2>) {
        let (n, k, t) = (rows.len(), self.targets, self.time_points);
        let (mut targets, mut time) = (vec![0f32; n * k], vec![0f32; n * t]);
        for (r, &row) in rows.iter().enumerate() {
            self.row_targets[row].iter().for_each(|&g| targets[r * k + g as usize] = 1.0);
            time[r * t + self.row_time[row] as usize] = 1.0;
        }
        (Tensor::from_data(TensorData::new(targets, [n, k]), device), Tensor::from_data(TensorData::new(time, [n, t]), device))
    }
}
