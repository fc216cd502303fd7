//! The metrics citebench ships; each implements [`crate::metric::Metric`]
//! and is listed once in [`crate::metric::MetricRegistry`].
//!
//! Identifiability of the latents (on the encoded rows):
//! - [`mcc`]: mean correlation coefficient (`mcc`, `mcc_spearman`,
//!   `mcc_invariant`, `mcc_dynamic`);
//! - [`r2`]: held-out R² of linear and kernel ridge regression
//!   (`r2_linear`, `r2_kernel`, and `_invariant` / `_dynamic` of each);
//! - [`latents`]: the rows and block columns they compare.
//!
//! Prediction of held-out conditions:
//! - [`ood`]: errors of the means and Pearson-delta (`ood_mse`, `ood_mae`,
//!   `pearson_delta`), and the per-condition plumbing;
//! - [`de`]: the same on the top-20 DE genes (`pearson_delta_top20`,
//!   `mse_top20`);
//! - [`distribution`]: distances between cell populations
//!   (`energy_distance`, `mmd`);
//! - [`ceiling`]: the bootstrap noise ceiling and the score normalised
//!   between `control-mean` and that ceiling.
//!
//! Shared: [`correlation`], `dense` (row-major f64 buffers), `parallel`
//! (pieces of a metric on a few threads), [`sampling`] (seeded orders,
//! splits) and
//! [`stats`] (f64 statistics).

pub mod ceiling;
pub mod correlation;
mod dense;
pub mod de;
pub mod distribution;
pub mod latents;
pub mod mcc;
pub mod ood;
mod parallel;
pub mod r2;
pub mod sampling;
pub mod stats;

/// Small datasets for the metrics' unit tests.
#[cfg(test)]
pub(crate) mod test_data {
    use crate::data::{Dataset, GroundTruth, LatentBlock, LatentGraph, Matrix, Observations, Perturbation};

    /// Perturbation indices used by [`dataset`]: 0 control, 1 `P0`, 2 `P1`, 3 `P0+P1`.
    pub(crate) fn perturbations() -> Vec<Perturbation> {
        vec![Perturbation::control(), Perturbation::new([0]), Perturbation::new([1]), Perturbation::new([0, 1])]
    }

    /// A dataset of `x` with per-row time points and perturbation indices
    /// into [`perturbations`].
    pub(crate) fn dataset(x: Matrix, time_point: Vec<u32>, perturbation: Vec<u32>) -> Dataset {
        let n_time_points = time_point.iter().max().map_or(1, |&t| t as usize + 1);
        let rows = x.rows();
        let features = (0..x.cols()).map(|j| format!("g{j}")).collect();
        let observations = Observations::new(
            x,
            time_point,
            perturbation,
            vec![0; rows],
            (0..rows as u64).collect(),
            perturbations(),
            (0..n_time_points).map(|t| t as f32).collect(),
            2,
        )
        .unwrap();
        Dataset::new(observations, vec!["P0".into(), "P1".into()], features).unwrap()
    }

    /// Ground truth holding only `latents`.
    pub(crate) fn truth(latents: Matrix) -> GroundTruth {
        let d = latents.cols();
        GroundTruth {
            latents,
            blocks: vec![LatentBlock::Unlabelled; d],
            graph: LatentGraph { n_latents: d, edges: vec![] },
            target_latents: vec![vec![], vec![]],
        }
    }
}
