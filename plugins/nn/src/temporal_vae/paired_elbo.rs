//! The temporal VAE's loss when the data are snapshots: an item is one row
//! (a cell, an embryo, a pseudo-bulk profile), its own unit, and its
//! predecessor is the row that optimal transport paired it with
//! ([`super::pairing`]), renewed before epochs as the schedule says.
//!
//! Per item the terms are those of [`super::objective`] for a unit of one
//! row: reconstruction, `beta * KL(q(s | x) || N(0, I))`, the alignment
//! penalty on `q(s | x)`'s mean across conditions, and either
//! `gamma * (log q(z_t | x_t) - log p(z_t | z_{t-1}, perturbation))` with
//! `z_{t-1}` drawn from the *predecessor's* posterior, or, without a
//! predecessor, `beta * KL(q(z_t | x_t) || N(0, I))`. A predecessor that is
//! not itself in the minibatch is encoded with it, for its `z` only: it
//! adds no reconstruction term, so every row is reconstructed once per
//! epoch whatever the pairing. The sum is divided by the number of items.

use super::network::TemporalVae;
use super::objective::{MIN_ALIGNMENT_GROUP, Steps, Weights, indices, per_item, temporal_kl};
use super::pairing::{Cohorts, Pairing, PairingSpace};
use super::trajectories::Trajectories;
use crate::gaussian::{kl_to_standard_normal, reparameterise, standard_normal};
use crate::{Groups, NnError, Objective};
use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// The loss of [`TemporalVae`] on standardised snapshot rows.
pub struct PairedElbo<'a> {
    /// Row-major `rows x features`, standardised.
    pub x: &'a [f32],
    pub features: usize,
    /// Per-row targets and conditions (each row its own unit).
    pub rows: &'a Trajectories,
    pub cohorts: &'a Cohorts,
    pub pairing: Pairing,
    pub weights: Weights,
    /// Each row's current predecessor, renewed by [`Objective::begin_epoch`].
    pub predecessor: RwLock<Vec<Option<usize>>>,
}

impl<'a> PairedElbo<'a> {
    pub fn new(x: &'a [f32], features: usize, rows: &'a Trajectories, cohorts: &'a Cohorts, pairing: Pairing, weights: Weights) -> Self {
        let predecessor = RwLock::new(vec![None; rows.targets.len()]);
        Self { x, features, rows, cohorts, pairing, weights, predecessor }
    }
}

/// A minibatch: the items first, then the extra rows their histories need.
struct Batch {
    rows: Vec<usize>,
    items: usize,
    /// Items with a full history, and their history rows: `previous[l][k]`
    /// is `current[k]`'s row `l + 1` time points earlier. Batch-local.
    current: Vec<usize>,
    previous: Vec<Vec<usize>>,
    /// Items without a full history: their prior is `N(0, I)`.
    first: Vec<usize>,
}

impl Batch {
    fn new(items: &[usize], predecessor: &[Option<usize>], lags: usize) -> Self {
        let lags = lags.max(1);
        let mut rows = items.to_vec();
        let mut local: HashMap<usize, usize> = items.iter().enumerate().map(|(l, &r)| (r, l)).collect();
        let mut batch = Self { rows: Vec::new(), items: items.len(), current: Vec::new(), previous: vec![Vec::new(); lags], first: Vec::new() };
        for (l, &item) in items.iter().enumerate() {
            let mut history = Vec::with_capacity(lags);
            let mut at = item;
            while history.len() < lags {
                let Some(p) = predecessor[at] else { break };
                let next = rows.len();
                history.push(*local.entry(p).or_insert_with(|| {
                    rows.push(p);
                    next
                }));
                at = p;
            }
            if history.len() == lags {
                batch.current.push(l);
                history.into_iter().enumerate().for_each(|(k, p)| batch.previous[k].push(p));
            } else {
                batch.first.push(l);
            }
        }
        batch.rows = rows;
        batch
    }
}

impl Objective for PairedElbo<'_> {
    type Model = TemporalVae;

    fn loss(&self, model: &TemporalVae, items: &[usize], rng: &mut ChaCha8Rng, device: &Device) -> Tensor<1> {
        let sizes = model.shape();
        // A poisoned lock only means another thread panicked mid-write of a
        // whole Vec; the pairing it holds is still a valid one.
        let batch = Batch::new(items, &self.predecessor.read().unwrap_or_else(PoisonError::into_inner), sizes.lags);
        let (n, all) = (batch.items, batch.rows.len());
        let mut x = Vec::with_capacity(all * self.features);
        for &r in &batch.rows {
            x.extend_from_slice(&self.x[r * self.features..(r + 1) * self.features]);
        }
        let x = Tensor::<2>::from_data(TensorData::new(x, [all, self.features]), device);
        let posterior = model.encode(x.clone());
        let w = self.weights;

        // s: one sample per item; history rows need only their z.
        let (s, kl_s, alignment) = match posterior.s {
            Some((mean, log_var)) => {
                let (mean, log_var) = (mean.narrow(0, 0, n), log_var.narrow(0, 0, n));
                let noise = standard_normal(rng, n, sizes.invariant, device);
                let s = reparameterise(mean.clone(), log_var.clone(), noise);
                let kl = kl_to_standard_normal(mean.clone(), log_var).sum();
                let labels: Vec<u64> = items.iter().map(|&r| self.rows.condition[r]).collect();
                let alignment = Groups::new(&labels, MIN_ALIGNMENT_GROUP, device).map(|g| g.moment_mismatch(mean));
                (Some(s), Some(kl), alignment)
            }
            None => (None, None, None),
        };

        let noise = standard_normal(rng, all, sizes.dynamic, device);
        let z = reparameterise(posterior.z_mean.clone(), posterior.z_log_var.clone(), noise);
        let mut total = (model.decode(s, z.clone().narrow(0, 0, n)) - x.narrow(0, 0, n)).powi_scalar(2).sum();
        if !batch.first.is_empty() {
            let first = indices(&batch.first, device);
            let kl = kl_to_standard_normal(posterior.z_mean.clone().select(0, first.clone()), posterior.z_log_var.clone().select(0, first));
            total = total + kl.sum().mul_scalar(w.beta);
        }
        if let Some(kl) = kl_s {
            total = total + kl.mul_scalar(w.beta);
        }
        if !batch.current.is_empty() {
            let targets: Vec<&[u32]> = batch.current.iter().map(|&l| self.rows.targets[batch.rows[l]].as_slice()).collect();
            let steps = Steps { current: &batch.current, previous: &batch.previous, targets: &targets };
            total = total + temporal_kl(model, &z, posterior.z_mean, posterior.z_log_var, &steps, device).mul_scalar(w.gamma);
        }
        per_item(model, total, n, alignment, w)
    }

    fn begin_epoch(&self, model: &TemporalVae, epoch: usize, device: &Device) -> Result<(), NnError> {
        let predecessor = match self.pairing.space_at(epoch) {
            None => return Ok(()),
            Some(PairingSpace::Features) => self.cohorts.pair(self.x, self.features)?,
            Some(PairingSpace::Latent) => {
                let rows = self.x.len() / self.features.max(1);
                let x = Tensor::<2>::from_data(TensorData::new(self.x.to_vec(), [rows, self.features]), device);
                let z = crate::values(model.valid().encode(x).z_mean)?;
                self.cohorts.pair(&z, model.shape().dynamic)?
            }
        };
        *self.predecessor.write().unwrap_or_else(PoisonError::into_inner) = predecessor;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histories_follow_the_pairing_and_extra_rows_come_last() {
        // Row 3 <- 1 <- 0, row 2 <- 0; row 4 has no predecessor.
        let predecessor = vec![None, Some(0), Some(0), Some(1), None];
        let batch = Batch::new(&[3, 2, 4], &predecessor, 1);
        assert_eq!((batch.rows, batch.items), (vec![3, 2, 4, 1, 0], 3), "predecessors 1 and 0 are encoded for their z");
        assert_eq!((batch.current, batch.previous, batch.first), (vec![0, 1], vec![vec![3, 4]], vec![2]));
        // A predecessor that is an item is not encoded twice; two lags follow the chain.
        let batch = Batch::new(&[3, 1], &predecessor, 2);
        assert_eq!(batch.rows, vec![3, 1, 0]);
        assert_eq!((batch.current, batch.previous, batch.first), (vec![0], vec![vec![1], vec![2]], vec![1]));
    }
}
