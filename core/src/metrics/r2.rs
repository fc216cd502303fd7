//! R²: how much of each true latent a regressor can read off the estimate,
//! fitted on one part of the encoded rows and scored on a held-out part.
//! MCC asks for a one-to-one match; R² only asks that the information is
//! there, linearly (`r2_linear`) or at all (`r2_kernel`).
//!
//! Metrics: `r2_linear`, `r2_kernel` (every true latent from every
//! estimated column) and `r2_linear_invariant`, `r2_linear_dynamic`,
//! `r2_kernel_invariant`, `r2_kernel_dynamic` (the true latents of one
//! block, from the columns [`super::latents`] assigns to that block).
//!
//! Procedure, mirrored by the fixture script with sklearn:
//! - Split: [`sampling::holdout`], stratified by time point; about a fifth
//!   held out. The kernel regressor first subsamples [`KERNEL_ROWS`] rows
//!   (each time point in proportion), because its solve is cubic in the
//!   rows fitted.
//! - Features: the estimated columns standardised with the mean and
//!   population standard deviation of the fit part (sklearn's
//!   `StandardScaler`; a constant column keeps scale 1), so the penalties
//!   below do not depend on how the model scales its latents.
//! - Linear: ridge with intercept and [`LINEAR_ALPHA`], all true latents
//!   at once (sklearn `Ridge(alpha=1.0)`). The small penalty is negligible
//!   next to thousands of rows and keeps the solve well posed when there
//!   are fewer fit rows than estimated latents or collinear latents.
//! - Kernel: kernel ridge with an RBF kernel `exp(-gamma |x - x'|^2)`,
//!   `gamma = 1 / (2 h^2)` where `h` is the median of the nonzero pairwise
//!   distances between fit rows (the median heuristic; 1 if all coincide),
//!   and [`KERNEL_ALPHA`]; targets centred on their fit-part mean, which
//!   is added back (sklearn `KernelRidge(alpha=0.1, kernel="rbf", gamma)`).
//! - Score: for each true latent, `1 - SS_res / SS_tot` over the held-out
//!   rows (sklearn's `r2_score`), then the mean over true latents. It can
//!   be negative (worse than predicting the held-out mean). A true latent
//!   that is constant on the held-out rows scores 0, as a constant column
//!   does in MCC. Per time point: the same fitted regressor, scored on the
//!   held-out rows of that time point against their own mean, so it says
//!   how well within-time-point variation is recovered.
//! - Fewer than 2 held-out rows at a time point (fewer than 6 rows there,
//!   or a subsample that leaves it fewer) or non-finite latents are
//!   [`MetricError::Undefined`].

use super::dense::{RowMajor, transpose_product};
use super::latents::{LatentScope, at_time_point, positions_by_time_point, scoped_latents, undefined};
use super::sampling::{self, Holdout};
use super::stats;
use crate::data::Matrix;
use crate::metric::{Metric, MetricError, MetricInput, MetricNeeds, MetricValue};
use nalgebra::{Cholesky, DMatrix};

/// Ridge penalty of `r2_linear` on standardised features.
pub const LINEAR_ALPHA: f64 = 1.0;
/// Kernel ridge penalty of `r2_kernel`: on latents whose truth is a smooth
/// function of the estimate it scored within 0.03 of the best of
/// {0.001, 0.01, 0.1, 1}, with and without noise.
pub const KERNEL_ALPHA: f64 = 0.1;
/// Rows `r2_kernel` subsamples before splitting (about 800 fitted).
pub const KERNEL_ROWS: usize = 1000;

/// How the true latents are predicted from the estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regressor {
    Linear,
    Kernel,
}

/// An R² metric: a regressor over a scope of latents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct R2 {
    pub regressor: Regressor,
    pub scope: LatentScope,
}

impl Metric for R2 {
    fn name(&self) -> &'static str {
        match (self.regressor, self.scope) {
            (Regressor::Linear, LatentScope::All) => "r2_linear",
            (Regressor::Linear, LatentScope::Invariant) => "r2_linear_invariant",
            (Regressor::Linear, LatentScope::Dynamic) => "r2_linear_dynamic",
            (Regressor::Kernel, LatentScope::All) => "r2_kernel",
            (Regressor::Kernel, LatentScope::Invariant) => "r2_kernel_invariant",
            (Regressor::Kernel, LatentScope::Dynamic) => "r2_kernel_dynamic",
        }
    }

    fn needs(&self) -> MetricNeeds {
        MetricNeeds::Latents
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Vec<MetricValue>, MetricError> {
        let metric = self.name();
        let latents = scoped_latents(metric, input, self.scope)?;
        let (d, k) = latents.dims();
        r2_of(|positions| latents.at(positions), &latents.time_points, d, k, self.regressor)
            .map_err(|reason| undefined(metric, reason))
    }
}

/// R² of predicting `truth` from `estimate` (same rows, with their time
/// points): overall, then per time point (see the module doc).
pub fn r2(
    truth: &Matrix,
    estimate: &Matrix,
    time_points: &[u32],
    regressor: Regressor,
) -> Result<Vec<MetricValue>, String> {
    let n = truth.rows();
    if estimate.rows() != n || time_points.len() != n {
        return Err(format!(
            "the estimate has {} rows and {} time points but the true latents have {n} rows",
            estimate.rows(),
            time_points.len()
        ));
    }
    for (side, m) in [("true", truth), ("estimated", estimate)] {
        if !m.all_finite() {
            return Err(format!("the {side} latents have non-finite values"));
        }
    }
    let at = |positions: &[usize]| (RowMajor::from_rows(truth, positions), RowMajor::from_rows(estimate, positions));
    r2_of(at, time_points, truth.cols(), estimate.cols(), regressor)
}

/// [`r2`] of `d` true and `k` estimated finite latents, which `at` gathers
/// for the positions (indices into `time_points`) it is given.
fn r2_of(
    at: impl Fn(&[usize]) -> (RowMajor, RowMajor),
    time_points: &[u32],
    d: usize,
    k: usize,
    regressor: Regressor,
) -> Result<Vec<MetricValue>, String> {
    if d == 0 || k == 0 {
        return Err(format!("needs at least one latent on each side, got {d} true and {k} estimated"));
    }
    let cap = match regressor {
        Regressor::Linear => None,
        Regressor::Kernel => Some(KERNEL_ROWS),
    };
    let Holdout { fit, held_out } = sampling::holdout(time_points, cap);
    let held_out_times: Vec<u32> = held_out.iter().map(|&p| time_points[p]).collect();
    let groups = positions_by_time_point(&held_out_times);
    if let Some(t) = positions_by_time_point(time_points).keys().find(|t| groups.get(t).is_none_or(|g| g.len() < 2)) {
        let held = groups.get(t).map_or(0, Vec::len);
        return Err(at_time_point(
            *t,
            format!("R² needs at least 2 held-out rows, and the split holds out {held} (one in 5, rounded up)"),
        ));
    }

    let ((mut y_fit, x_fit), (y_held, x_held)) = (at(&fit), at(&held_out));
    let (x_fit, x_held) = standardised(x_fit, x_held);
    let y_mean = y_fit.column_means();
    y_fit.standardise(&y_mean, &vec![1.0; d]);
    let offsets = match regressor {
        Regressor::Linear => linear(&x_fit, &x_held, &y_fit)?,
        Regressor::Kernel => kernel(&x_fit, &x_held, &y_fit)?,
    };
    let predicted = DMatrix::from_fn(held_out.len(), d, |i, j| y_mean[j] + offsets[(i, j)]);

    let all: Vec<usize> = (0..held_out.len()).collect();
    let mut values = vec![MetricValue { time_point: None, value: mean_r2(&y_held, &predicted, &all)? }];
    for (t, rows) in groups {
        let value = mean_r2(&y_held, &predicted, &rows).map_err(|r| at_time_point(t, r))?;
        values.push(MetricValue { time_point: Some(t), value });
    }
    Ok(values)
}

/// The fit and held-out rows of the estimate, standardised with the fit rows' mean
/// and population standard deviation (1 for a column constant there).
fn standardised(mut x_fit: RowMajor, mut x_held: RowMajor) -> (RowMajor, RowMajor) {
    let means = x_fit.column_means();
    let n = x_fit.rows as f64;
    let scales: Vec<f64> = x_fit
        .column_sums_of_squares(&means)
        .into_iter()
        .zip(x_fit.constant_columns())
        .map(|(s, constant)| if constant { 1.0 } else { (s / n).sqrt() })
        .collect();
    x_fit.standardise(&means, &scales);
    x_held.standardise(&means, &scales);
    (x_fit, x_held)
}

/// Ridge on centred targets; returns the held-out predictions minus the
/// fit-part target means. The features' fit-part means are 0 up to
/// rounding, so no intercept is needed beyond the target means.
fn linear(x_fit: &RowMajor, x_held: &RowMajor, y: &RowMajor) -> Result<DMatrix<f64>, String> {
    let mut gram = transpose_product(x_fit, x_fit);
    for j in 0..gram.ncols() {
        gram[(j, j)] += LINEAR_ALPHA;
    }
    let weights = solve(gram, transpose_product(x_fit, y))?;
    // (Wᵀ X_heldᵀ)ᵀ keeps the strided view on the right (see `super::dense`).
    Ok((weights.transpose() * x_held.transposed()).transpose())
}

/// Kernel ridge on centred targets (see the module doc); returns the
/// held-out predictions minus the fit-part target means.
fn kernel(x_fit: &RowMajor, x_held: &RowMajor, y: &RowMajor) -> Result<DMatrix<f64>, String> {
    let n = x_fit.rows;
    // Squared distances from differences (exact zeros for duplicate rows),
    // each pair once.
    let mut squared = DMatrix::zeros(n, n);
    let mut distances = Vec::with_capacity(n * n.saturating_sub(1) / 2);
    for i in 0..n {
        for j in i + 1..n {
            let s = squared_distance(x_fit.row(i), x_fit.row(j));
            squared[(i, j)] = s;
            squared[(j, i)] = s;
            if s > 0.0 {
                distances.push(s.sqrt());
            }
        }
    }
    let bandwidth = stats::median(&mut distances).unwrap_or(1.0);
    let gamma = 1.0 / (2.0 * bandwidth * bandwidth);
    let mut gram = squared.map(|s| (-gamma * s).exp());
    for i in 0..n {
        gram[(i, i)] += KERNEL_ALPHA;
    }
    let dual = solve(gram, y.view().into_owned())?;
    let cross = DMatrix::from_fn(x_held.rows, n, |i, j| (-gamma * squared_distance(x_held.row(i), x_fit.row(j))).exp());
    Ok(cross * dual)
}

fn squared_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Solves the symmetric positive definite system `a x = b`.
fn solve(a: DMatrix<f64>, b: DMatrix<f64>) -> Result<DMatrix<f64>, String> {
    let cholesky = Cholesky::new(a).ok_or("the regression's normal equations are not positive definite")?;
    Ok(cholesky.solve(&b))
}

/// The mean over true latents of R² on the given held-out rows.
fn mean_r2(truth: &RowMajor, predicted: &DMatrix<f64>, rows: &[usize]) -> Result<f64, String> {
    let mut sum = 0.0;
    for j in 0..truth.cols {
        let y: Vec<f64> = rows.iter().map(|&i| truth.row(i)[j]).collect();
        if stats::is_constant(&y) {
            continue;
        }
        let mean = y.iter().sum::<f64>() / y.len() as f64;
        let ss_tot: f64 = y.iter().map(|v| (v - mean) * (v - mean)).sum();
        let ss_res: f64 = rows.iter().zip(&y).map(|(&i, v)| (v - predicted[(i, j)]).powi(2)).sum();
        sum += 1.0 - ss_res / ss_tot;
    }
    let value = sum / truth.cols as f64;
    if !value.is_finite() {
        return Err("R² is not finite (the regression diverged)".to_string());
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` rows at time points `i % 2` of one true latent and two estimated
    /// ones, the first a linear function of the truth.
    fn latents(n: usize) -> (Matrix, Matrix, Vec<u32>) {
        let truth: Vec<f32> = (0..n).map(|i| (i as f32 * 0.7).sin()).collect();
        let estimate: Vec<f32> = truth.iter().enumerate().flat_map(|(i, &z)| [3.0 * z - 1.0, (i % 3) as f32]).collect();
        let times = (0..n).map(|i| (i % 2) as u32).collect();
        (Matrix::new(n, 1, truth).unwrap(), Matrix::new(n, 2, estimate).unwrap(), times)
    }

    #[test]
    fn a_linear_function_of_the_truth_is_recovered() {
        let (truth, estimate, times) = latents(40);
        for regressor in [Regressor::Linear, Regressor::Kernel] {
            let values = r2(&truth, &estimate, &times, regressor).unwrap();
            assert_eq!(values.iter().map(|v| v.time_point).collect::<Vec<_>>(), vec![None, Some(0), Some(1)]);
            assert!(values.iter().all(|v| v.value > 0.95), "{regressor:?}: {values:?}");
        }
    }

    #[test]
    fn a_collapsed_estimate_scores_at_most_zero_not_nan() {
        let (truth, _, times) = latents(40);
        let constant = Matrix::new(40, 3, vec![0.5; 120]).unwrap();
        for regressor in [Regressor::Linear, Regressor::Kernel] {
            let values = r2(&truth, &constant, &times, regressor).unwrap();
            assert!(values.iter().all(|v| v.value.is_finite() && v.value <= 1e-12), "{regressor:?}: {values:?}");
        }
    }

    #[test]
    fn too_few_held_out_rows_is_undefined() {
        // Time point 1 has 5 rows: a fifth of them, rounded up, is one row.
        let (truth, estimate, _) = latents(15);
        let times: Vec<u32> = (0..15).map(|i| u32::from(i >= 10)).collect();
        let err = r2(&truth, &estimate, &times, Regressor::Linear).unwrap_err();
        assert_eq!(err, "time point 1: R² needs at least 2 held-out rows, and the split holds out 1 (one in 5, rounded up)");
    }
}
