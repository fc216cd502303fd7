//! Using a trained network: posterior means for `encode`, and rollouts of
//! the learned dynamics for `predict`.
//!
//! Prediction generates a queried condition the way the model says cells
//! come about: start from encoded *control cells at time point 0* (the
//! state before any perturbation has acted), then for each time step draw
//! `z_t` from the learned prior `p(z_t | z_{t-1}, perturbation)` by
//! inverting its transition networks with fresh noise, keep each cell's
//! `s`, decode `[s, z_t]`, and add the decoder's residual noise. Unseen
//! combinations work because a perturbation's context is the sum of its
//! targets' embeddings; an unseen target has an embedding the sparsity
//! penalty shrank towards zero, and so predicts the control's dynamics.

use super::network::TemporalVae;
use crate::Bracket;
use crate::gaussian::standard_normal;
use burn::tensor::{Device, Tensor, TensorData};
use citebench_core::model::{ModelError, Query};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

/// Per-row posterior means, row-major: `s` (averaged over each unit's
/// rows, as in training) and `z`.
#[derive(Clone, Debug, PartialEq)]
pub struct Latents {
    pub rows: usize,
    pub s: Vec<f32>,
    pub z: Vec<f32>,
}

impl Latents {
    /// The latents of rows `rows`, in that order.
    pub fn select_rows(&self, rows: &[usize], shape: super::Shape) -> Latents {
        let pick = |values: &[f32], w: usize| rows.iter().flat_map(|&r| values[r * w..(r + 1) * w].iter().copied()).collect();
        Latents { rows: rows.len(), s: pick(&self.s, shape.invariant), z: pick(&self.z, shape.dynamic) }
    }
}

pub fn read(t: Tensor<2>) -> Result<Vec<f32>, ModelError> {
    Ok(crate::values(t)?)
}

/// Posterior means of standardised rows `x`, `s` pooled by `unit`.
pub fn posterior_means(model: &TemporalVae, x: Vec<f32>, unit: &[u64], device: &Device) -> Result<Latents, ModelError> {
    let rows = unit.len();
    let sizes = model.shape();
    let posterior = model.encode(Tensor::from_data(TensorData::new(x, [rows, sizes.features]), device));
    let z = read(posterior.z_mean)?;
    let s = match posterior.s {
        Some((mean, _)) => pool_by_unit(&read(mean)?, sizes.invariant, unit),
        None => Vec::new(),
    };
    Ok(Latents { rows, s, z })
}

/// Each row replaced by the mean of its unit's rows.
fn pool_by_unit(values: &[f32], width: usize, unit: &[u64]) -> Vec<f32> {
    let mut sums: HashMap<u64, (Vec<f64>, usize)> = HashMap::new();
    for (r, u) in unit.iter().enumerate() {
        let (sum, count) = sums.entry(*u).or_insert_with(|| (vec![0.0; width], 0));
        for (acc, &v) in sum.iter_mut().zip(&values[r * width..(r + 1) * width]) {
            *acc += f64::from(v);
        }
        *count += 1;
    }
    unit.iter()
        .flat_map(|u| {
            let (sum, count) = &sums[u];
            sum.iter().map(move |v| (v / *count as f64) as f32)
        })
        .collect()
}

/// What a rollout starts from and how it adds noise.
pub struct Rollout<'a> {
    pub model: &'a TemporalVae,
    /// Encoded control cells at time point 0.
    pub starts: &'a Latents,
    /// Per-latent interval that sampling searches for `z_t`.
    pub bracket: &'a Bracket,
    /// Per-feature residual standard deviation (standard units), if noise is added.
    pub noise: Option<&'a [f32]>,
    pub device: &'a Device,
}

impl Rollout<'_> {
    /// `query.n_cells` standardised cells, row-major.
    pub fn cells(&self, query: &Query, rng: &mut ChaCha8Rng) -> Result<Vec<f32>, ModelError> {
        let sizes = self.model.shape();
        let n = query.n_cells as usize;
        if n == 0 {
            return Ok(Vec::new());
        }
        let picks: Vec<usize> = (0..n).map(|_| rng.random_range(0..self.starts.rows)).collect();
        let gather = |values: &[f32], width: usize| -> Vec<f32> {
            picks.iter().flat_map(|&i| values[i * width..(i + 1) * width].iter().copied()).collect()
        };
        let tensor = |v: Vec<f32>, width: usize| Tensor::<2>::from_data(TensorData::new(v, [n, width]), self.device);
        let mut z = tensor(gather(&self.starts.z, sizes.dynamic), sizes.dynamic);
        let s = (sizes.invariant > 0).then(|| tensor(gather(&self.starts.s, sizes.invariant), sizes.invariant));
        let targets = vec![query.perturbation.targets(); n];
        let effect = self.model.effect(&targets, self.device);
        for _ in 0..query.time_point {
            let noise = standard_normal(rng, n, sizes.dynamic, self.device);
            z = self.model.sample_transition(&effect, z, noise, self.bracket);
        }
        let mut cells = read(self.model.decode(s, z))?;
        if let Some(scale) = self.noise {
            let noise = read(standard_normal(rng, n, sizes.features, self.device))?;
            for (k, (c, e)) in cells.iter_mut().zip(noise).enumerate() {
                *c += e * scale[k % sizes.features];
            }
        }
        Ok(cells)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooling_averages_each_units_rows() {
        let pooled = pool_by_unit(&[1.0, 10.0, 7.0, 2.0, 5.0, 30.0], 2, &[4, 9, 4]);
        assert_eq!(pooled, vec![3.0, 20.0, 7.0, 2.0, 3.0, 20.0]);
    }
}
