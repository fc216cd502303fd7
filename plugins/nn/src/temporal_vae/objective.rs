//! The temporal VAE's training loss for a minibatch of trajectories (units):
//!
//! ```text
//! reconstruction   sum_t |x_t - g(s, z_t)|^2
//! + beta  * [KL(q(s | x_1:T) || N(0, I)) + sum_{t without a predecessor} KL(q(z_t | x_t) || N(0, I))]
//! + gamma * sum_{t with a predecessor} (log q(z_t | x_t) - log p(z_t | z_{t-1}, perturbation))
//! + alignment * moment mismatch of q(s | x_t)'s mean across conditions
//! + sparsity  * group lasso of the target-to-latent embeddings
//! ```
//!
//! Everything is divided by the minibatch's row count, so the weights mean
//! the same whatever the batch size. `s` is shared by a unit's rows: its
//! posterior averages the per-row posterior parameters, so anything that
//! changes over time has to be carried by `z_t`. The temporal KL is the
//! Monte-Carlo estimate TDRL uses (one sample), since the learned prior has
//! no closed form.

use super::network::TemporalVae;
use super::trajectories::Trajectories;
use crate::gaussian::{kl_to_standard_normal, log_density, reparameterise, standard_normal};
use crate::{Groups, Objective};
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand_chacha::ChaCha8Rng;

/// Conditions with fewer rows in a minibatch are left out of the
/// alignment penalty: two rows have no meaningful variance.
pub(super) const MIN_ALIGNMENT_GROUP: usize = 4;

/// The loss of [`TemporalVae`] on standardised training data.
pub struct Elbo<'a> {
    /// Row-major `rows x features`, standardised.
    pub x: &'a [f32],
    pub features: usize,
    pub trajectories: &'a Trajectories,
    pub weights: Weights,
}

/// The loss weights.
#[derive(Clone, Copy, Debug)]
pub struct Weights {
    pub beta: f32,
    pub gamma: f32,
    pub alignment: f32,
    pub sparsity: f32,
}

/// A minibatch's rows and how they relate, in batch-local indices.
struct Batch {
    rows: Vec<usize>,
    /// Per local row, its unit's position in the minibatch.
    unit: Vec<usize>,
    units: usize,
    /// Local rows whose unit was observed at each of the `lags` previous
    /// time points, and those rows: `previous[l][k]` is `current[k]`'s
    /// row `l + 1` time points earlier.
    current: Vec<usize>,
    previous: Vec<Vec<usize>>,
    /// Local rows without a full history: their prior is `N(0, I)`.
    first: Vec<usize>,
}

impl Batch {
    fn new(trajectories: &Trajectories, items: &[usize], lags: usize) -> Self {
        let lags = lags.max(1);
        let mut batch =
            Self { rows: Vec::new(), unit: Vec::new(), units: items.len(), current: Vec::new(), previous: vec![Vec::new(); lags], first: Vec::new() };
        for (b, &item) in items.iter().enumerate() {
            let start = batch.rows.len();
            let rows = &trajectories.units[item].rows;
            for (j, &row) in rows.iter().enumerate() {
                let local = start + j;
                // Predecessors are always earlier in the same trajectory.
                let mut history = Vec::with_capacity(lags);
                let mut at = row;
                for _ in 0..lags {
                    match trajectories.predecessor[at].and_then(|p| rows[..j].iter().position(|&r| r == p)) {
                        Some(p) => {
                            history.push(start + p);
                            at = rows[p];
                        }
                        None => break,
                    }
                }
                if history.len() == lags {
                    batch.current.push(local);
                    history.into_iter().enumerate().for_each(|(l, p)| batch.previous[l].push(p));
                } else {
                    batch.first.push(local);
                }
                batch.rows.push(row);
                batch.unit.push(b);
            }
        }
        batch
    }
}

pub(super) fn indices(v: &[usize], device: &Device) -> Tensor<1, Int> {
    Tensor::from_ints(TensorData::new(v.iter().map(|&i| i as i32).collect::<Vec<_>>(), [v.len()]), device)
}

/// The `units x rows` matrix averaging each unit's rows.
fn unit_means(batch: &Batch, device: &Device) -> Tensor<2> {
    let rows = batch.rows.len();
    let mut counts = vec![0usize; batch.units];
    for &u in &batch.unit {
        counts[u] += 1;
    }
    let mut m = vec![0f32; batch.units * rows];
    for (r, &u) in batch.unit.iter().enumerate() {
        m[u * rows + r] = 1.0 / counts[u] as f32;
    }
    Tensor::from_data(TensorData::new(m, [batch.units, rows]), device)
}

impl Objective for Elbo<'_> {
    type Model = TemporalVae;

    fn loss(&self, model: &TemporalVae, items: &[usize], rng: &mut ChaCha8Rng, device: &Device) -> Tensor<1> {
        let batch = Batch::new(self.trajectories, items, model.shape().lags);
        let n = batch.rows.len();
        let sizes = model.shape();
        let mut x = Vec::with_capacity(n * self.features);
        for &r in &batch.rows {
            x.extend_from_slice(&self.x[r * self.features..(r + 1) * self.features]);
        }
        let x = Tensor::<2>::from_data(TensorData::new(x, [n, self.features]), device);
        let posterior = model.encode(x.clone());
        let w = self.weights;

        // s: one sample per unit from the averaged posterior, shared by its rows.
        let (s_rows, kl_s, alignment) = match posterior.s {
            Some((mean, log_var)) => {
                let pool = unit_means(&batch, device);
                let (unit_mean, unit_log_var) = (pool.clone().matmul(mean.clone()), pool.matmul(log_var));
                let noise = standard_normal(rng, batch.units, sizes.invariant, device);
                let s = reparameterise(unit_mean.clone(), unit_log_var.clone(), noise);
                let kl = kl_to_standard_normal(unit_mean, unit_log_var).sum();
                let labels: Vec<u64> = batch.rows.iter().map(|&r| self.trajectories.condition[r]).collect();
                let alignment = Groups::new(&labels, MIN_ALIGNMENT_GROUP, device).map(|g| g.moment_mismatch(mean));
                (Some(s.select(0, indices(&batch.unit, device))), Some(kl), alignment)
            }
            None => (None, None, None),
        };

        let noise = standard_normal(rng, n, sizes.dynamic, device);
        let z = reparameterise(posterior.z_mean.clone(), posterior.z_log_var.clone(), noise);
        let reconstruction = (model.decode(s_rows, z.clone()) - x).powi_scalar(2).sum();

        let first = indices(&batch.first, device);
        let mut total = reconstruction
            + kl_to_standard_normal(posterior.z_mean.clone().select(0, first.clone()), posterior.z_log_var.clone().select(0, first))
                .sum()
                .mul_scalar(w.beta);
        if let Some(kl) = kl_s {
            total = total + kl.mul_scalar(w.beta);
        }
        if !batch.current.is_empty() {
            let targets: Vec<&[u32]> = batch.current.iter().map(|&l| self.trajectories.targets[batch.rows[l]].as_slice()).collect();
            let steps = Steps { current: &batch.current, previous: &batch.previous, targets: &targets };
            total = total + temporal_kl(model, &z, posterior.z_mean, posterior.z_log_var, &steps, device).mul_scalar(w.gamma);
        }
        per_item(model, total, n, alignment, w)
    }
}

/// Minibatch rows with a predecessor, as the temporal term needs them.
pub(super) struct Steps<'a> {
    /// Positions of the rows `z_t`.
    pub current: &'a [usize],
    /// Per lag, the positions of `z_{t-1}`, ..., `z_{t-lags}`, aligned with `current`.
    pub previous: &'a [Vec<usize>],
    /// Per row of `current`, its perturbation's targets.
    pub targets: &'a [&'a [u32]],
}

/// The Monte-Carlo temporal KL, `sum (log q(z_t | x_t) - log p(z_t |
/// history, perturbation))` over `steps`, for `z` drawn from the posterior
/// `(z_mean, z_log_var)` of the minibatch's rows. Shared by the trajectory
/// loss and the paired (snapshot) loss, which differ only in which rows
/// precede which.
pub(super) fn temporal_kl(model: &TemporalVae, z: &Tensor<2>, z_mean: Tensor<2>, z_log_var: Tensor<2>, steps: &Steps, device: &Device) -> Tensor<1> {
    let current = indices(steps.current, device);
    let z_t = z.clone().select(0, current.clone());
    // `[z_{t-1}, ..., z_{t-lags}]`, the transition's input.
    let history = Tensor::cat(steps.previous.iter().map(|p| z.clone().select(0, indices(p, device))).collect(), 1);
    let log_p = model.log_transition(&model.effect(steps.targets, device), history, z_t.clone());
    let log_q = log_density(z_t, z_mean.select(0, current.clone()), z_log_var.select(0, current));
    (log_q - log_p).sum()
}

/// The weighted terms divided by the `n` items, plus the alignment and
/// sparsity penalties (which are per batch already).
pub(super) fn per_item(model: &TemporalVae, total: Tensor<1>, n: usize, alignment: Option<Tensor<1>>, w: Weights) -> Tensor<1> {
    let mut total = total.div_scalar(n as f32);
    if let Some(a) = alignment {
        total = total + a.mul_scalar(w.alignment);
    }
    total + model.sparsity_penalty().mul_scalar(w.sparsity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_pairs_rows_within_trajectories() {
        let trajectories = Trajectories {
            units: vec![super::super::trajectories::Trajectory { rows: vec![4, 5, 6] }, super::super::trajectories::Trajectory { rows: vec![0, 2] }],
            predecessor: vec![None, None, None, None, None, Some(4), Some(5)],
            targets: vec![vec![]; 7],
            condition: vec![0; 7],
        };
        let batch = Batch::new(&trajectories, &[1, 0], 1);
        assert_eq!(batch.rows, vec![0, 2, 4, 5, 6]);
        assert_eq!(batch.unit, vec![0, 0, 1, 1, 1]);
        assert_eq!((batch.current, batch.previous, batch.first), (vec![3, 4], vec![vec![2, 3]], vec![0, 1, 2]));
        // Two lags: only row 6 has both predecessors (5, then 4).
        let batch = Batch::new(&trajectories, &[1, 0], 2);
        assert_eq!((batch.current, batch.previous, batch.first), (vec![4], vec![vec![3], vec![2]], vec![0, 1, 2, 3]));
    }
}
