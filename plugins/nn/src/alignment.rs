//! Alignment: penalising what a representation reveals about a grouping.
//!
//! CITE-VAE (and CPA's adversary, in a different way) wants an invariant
//! representation to carry no information about the perturbation or the
//! time point. A cheap, differentiable proxy is moment matching: the mean
//! and variance of the representation within each group should equal those
//! of the whole batch. Group means are one matrix product with a row-
//! normalised assignment matrix built on the host.

use burn::tensor::{Device, Tensor, TensorData};

/// Rows of a minibatch grouped by a label, as an operator on tensors.
#[derive(Clone, Debug)]
pub struct Groups {
    /// `groups x rows`; row g holds `1 / n_g` on the rows of group g.
    averaging: Tensor<2>,
    /// `groups`: each group's share of the rows, `n_g / n`.
    weights: Tensor<1>,
}

impl Groups {
    /// Groups rows by `labels` (any `u64` key per row); groups with fewer
    /// than `min_size` rows are left out, since their moments are noise.
    /// `None` when fewer than two groups remain: nothing to align.
    pub fn new(labels: &[u64], min_size: usize, device: &Device) -> Option<Self> {
        let mut keys: Vec<u64> = labels.to_vec();
        keys.sort_unstable();
        keys.dedup();
        let members: Vec<Vec<usize>> = keys
            .iter()
            .map(|k| labels.iter().enumerate().filter(|(_, l)| *l == k).map(|(i, _)| i).collect::<Vec<_>>())
            .filter(|m| m.len() >= min_size.max(1))
            .collect();
        if members.len() < 2 {
            return None;
        }
        let rows = labels.len();
        let kept: usize = members.iter().map(Vec::len).sum();
        let mut averaging = vec![0f32; members.len() * rows];
        for (g, m) in members.iter().enumerate() {
            for &i in m {
                averaging[g * rows + i] = 1.0 / m.len() as f32;
            }
        }
        let weights: Vec<f32> = members.iter().map(|m| m.len() as f32 / kept as f32).collect();
        Some(Self {
            averaging: Tensor::from_data(TensorData::new(averaging, [members.len(), rows]), device),
            weights: Tensor::from_data(TensorData::new(weights, [members.len()]), device),
        })
    }

    /// `sum_g w_g (|mean_g - mean|^2 + |var_g - var|^2)` for `x` (`rows x d`),
    /// with the batch moments taken as the weighted mixture of group moments:
    /// zero exactly when every group has the same mean and variance.
    pub fn moment_mismatch(&self, x: Tensor<2>) -> Tensor<1> {
        let mean_g = self.averaging.clone().matmul(x.clone());
        let square_g = self.averaging.clone().matmul(x.powi_scalar(2));
        let var_g = square_g - mean_g.clone().powi_scalar(2);
        let w = self.weights.clone().unsqueeze_dim::<2>(1);
        let mean = (mean_g.clone() * w.clone()).sum_dim(0);
        let var = (var_g.clone() * w.clone()).sum_dim(0);
        let gap = (mean_g - mean).powi_scalar(2) + (var_g - var).powi_scalar(2);
        (gap.sum_dim(1) * w).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f32], d: usize) -> Tensor<2> {
        Tensor::from_data(TensorData::new(v.to_vec(), [v.len() / d, d]), &Device::flex())
    }

    #[test]
    fn zero_when_groups_match_and_positive_when_they_differ() {
        let device = Device::flex();
        let groups = Groups::new(&[0, 0, 1, 1], 1, &device).unwrap();
        let same = groups.moment_mismatch(t(&[1.0, -1.0, 1.0, -1.0], 1)).into_scalar::<f32>();
        assert!(same.abs() < 1e-7, "{same}");
        // Group means 0 and 2 around a batch mean of 1: 2 * 0.5 * 1 = 1.
        let shifted = groups.moment_mismatch(t(&[1.0, -1.0, 3.0, 1.0], 1)).into_scalar::<f32>();
        assert!((shifted - 1.0).abs() < 1e-6, "{shifted}");
    }

    #[test]
    fn small_groups_are_dropped() {
        let device = Device::flex();
        assert!(Groups::new(&[0, 0, 0, 1], 2, &device).is_none(), "one group left: nothing to align");
        assert!(Groups::new(&[5, 5, 7, 7, 9], 2, &device).is_some());
    }
}
