//! OOD metrics between whole cell populations: the cells a model generated
//! for a held-out condition against the true cells of that condition, so a
//! model that gets the mean right but the spread or shape wrong is caught.
//!
//! - `energy_distance`: `2 E|X - Y| - E|X - X'| - E|Y - Y'|` with Euclidean
//!   distances on the raw features (no PCA: the simulated data have tens of
//!   features, and raw features need no basis fitted on anything). Each
//!   expectation is the mean over all pairs, a cell with itself included
//!   (the V-statistic), so the value is never negative and a condition with
//!   a single cell on either side is defined.
//! - `mmd`: the squared maximum mean discrepancy, biased (V-statistic)
//!   estimate `mean K(X, X') + mean K(Y, Y') - 2 mean K(X, Y)`, with the
//!   multi-bandwidth Gaussian kernel `K(x, y) = mean over s of
//!   exp(-|x - y|^2 / (2 (s h)^2))`, s in [`MMD_BANDWIDTHS`], where `h` is
//!   the median of the nonzero pairwise distances of the pooled cells (the
//!   median heuristic; all cells identical gives 0). Scaling `h` by factors
//!   from 1/4 to 4 keeps the kernel sensitive to both local and global
//!   differences without tuning to the data's units.
//!
//! Cost is quadratic in cells, so each side keeps at most
//! [`MAX_CELLS_PER_SIDE`] cells, the first in key order of
//! [`super::sampling::shuffled`] with seed 0. Both are averaged over
//! conditions like every OOD metric (see [`super::ood`]).

use super::ood::score_predictions;
use super::sampling;
use super::stats;
use crate::data::Matrix;
use crate::metric::{Metric, MetricError, MetricInput, MetricNeeds, MetricValue};

/// Bandwidths of the MMD kernel, as multiples of the median distance.
pub const MMD_BANDWIDTHS: [f64; 5] = [0.25, 0.5, 1.0, 2.0, 4.0];

/// The most cells of each side the distribution metrics compare.
pub const MAX_CELLS_PER_SIDE: usize = 1000;

/// The `energy_distance` metric (see the module doc).
pub struct EnergyDistance;

/// The `mmd` metric (see the module doc).
pub struct Mmd;

/// Squared Euclidean distances between every row of `a` and every row of
/// `b`, row-major, computed from differences (not from norms and dot
/// products, whose cancellation would turn a zero distance into noise).
fn squared_distances(a: &[Vec<f64>], b: &[Vec<f64>]) -> Vec<f64> {
    a.iter().flat_map(|x| b.iter().map(move |y| x.iter().zip(y).map(|(u, v)| (u - v) * (u - v)).sum())).collect()
}

/// The rows of `m` widened to f64, at most [`MAX_CELLS_PER_SIDE`] of them.
fn capped_rows(m: &Matrix) -> Vec<Vec<f64>> {
    let all: Vec<usize> = (0..m.rows()).collect();
    let rows = if all.len() > MAX_CELLS_PER_SIDE {
        sampling::shuffled(&all, 0)[..MAX_CELLS_PER_SIDE].to_vec()
    } else {
        all
    };
    rows.iter().map(|&i| m.row(i).iter().map(|&v| f64::from(v)).collect()).collect()
}

/// The entries above the diagonal of an `n x n` row-major matrix.
fn upper(d: &[f64], n: usize) -> impl Iterator<Item = f64> + '_ {
    (0..n).flat_map(move |i| (i + 1..n).map(move |j| d[i * n + j]))
}

fn mean(values: impl Iterator<Item = f64>, n: usize) -> f64 {
    values.sum::<f64>() / n as f64
}

/// The energy distance between the rows of `x` and of `y` (see the module doc).
pub fn energy_distance(x: &Matrix, y: &Matrix) -> f64 {
    let (x, y) = (capped_rows(x), capped_rows(y));
    let mean_distance = |a: &[Vec<f64>], b: &[Vec<f64>]| {
        let squared = squared_distances(a, b);
        mean(squared.iter().map(|s| s.sqrt()), squared.len())
    };
    // Rounding can leave a hair below zero for identical populations.
    (2.0 * mean_distance(&x, &y) - mean_distance(&x, &x) - mean_distance(&y, &y)).max(0.0)
}

/// The squared MMD between the rows of `x` and of `y` (see the module doc).
pub fn mmd(x: &Matrix, y: &Matrix) -> f64 {
    let (x, y) = (capped_rows(x), capped_rows(y));
    let (xx, yy, xy) = (squared_distances(&x, &x), squared_distances(&y, &y), squared_distances(&x, &y));
    // Each pair of distinct cells once: the upper triangles within a side, all pairs across.
    let mut pooled: Vec<f64> =
        upper(&xx, x.len()).chain(upper(&yy, y.len())).chain(xy.iter().copied()).filter(|&s| s > 0.0).map(f64::sqrt).collect();
    let Some(h) = stats::median(&mut pooled) else {
        return 0.0;
    };
    let kernel_mean = |d: &[f64]| {
        let k = d.iter().map(|&s| {
            MMD_BANDWIDTHS.iter().map(|b| (-s / (2.0 * (b * h) * (b * h))).exp()).sum::<f64>() / MMD_BANDWIDTHS.len() as f64
        });
        mean(k, d.len())
    };
    (kernel_mean(&xx) + kernel_mean(&yy) - 2.0 * kernel_mean(&xy)).max(0.0)
}

impl Metric for EnergyDistance {
    fn name(&self) -> &'static str {
        "energy_distance"
    }

    fn needs(&self) -> MetricNeeds {
        MetricNeeds::Predictions
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Vec<MetricValue>, MetricError> {
        score_predictions(self.name(), input, |c| Ok(energy_distance(&c.prediction.cells, &c.observed_cells())))
    }
}

impl Metric for Mmd {
    fn name(&self) -> &'static str {
        "mmd"
    }

    fn needs(&self) -> MetricNeeds {
        MetricNeeds::Predictions
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Vec<MetricValue>, MetricError> {
        score_predictions(self.name(), input, |c| Ok(mmd(&c.prediction.cells, &c.observed_cells())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(rows: &[[f32; 2]]) -> Matrix {
        Matrix::from_rows(rows, 2).unwrap()
    }

    #[test]
    fn energy_distance_of_two_points() {
        // One cell each, 5 apart: 2 * 5 - 0 - 0.
        assert_eq!(energy_distance(&cells(&[[0.0, 0.0]]), &cells(&[[3.0, 4.0]])), 10.0);
        let x = cells(&[[0.0, 0.0], [1.0, 1.0]]);
        assert_eq!(energy_distance(&x, &x), 0.0);
    }

    #[test]
    fn mmd_is_zero_for_equal_populations_and_grows_with_shift() {
        let x = cells(&[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]);
        assert_eq!(mmd(&x, &x), 0.0);
        let near = cells(&[[0.1, 0.0], [1.1, 0.0], [0.1, 1.0]]);
        let far = cells(&[[3.0, 0.0], [4.0, 0.0], [3.0, 1.0]]);
        assert!(0.0 < mmd(&x, &near) && mmd(&x, &near) < mmd(&x, &far));
        let same = cells(&[[2.0, 2.0], [2.0, 2.0]]);
        assert_eq!(mmd(&same, &same), 0.0, "no nonzero distance: no bandwidth, and nothing differs");
    }

    #[test]
    fn populations_are_capped_deterministically() {
        let big = Matrix::new(MAX_CELLS_PER_SIDE + 7, 1, (0..MAX_CELLS_PER_SIDE + 7).map(|i| i as f32).collect()).unwrap();
        let rows = capped_rows(&big);
        assert_eq!(rows.len(), MAX_CELLS_PER_SIDE);
        assert_eq!(rows, capped_rows(&big));
    }
}
