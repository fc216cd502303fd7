//! The mean correlation coefficient (MCC): how well estimated latents
//! recover the true ones up to permutation and per-latent rescaling (or,
//! with Spearman, any per-latent monotone transform), the indeterminacy
//! identifiability results allow.
//!
//! Metrics: `mcc` (Pearson), `mcc_spearman` (Spearman: Pearson of average
//! ranks), and `mcc_invariant` / `mcc_dynamic` (Pearson, one latent block;
//! see [`super::latents`] for which columns each block compares).
//!
//! Conventions:
//! - The correlation between every true latent (d columns) and every
//!   estimated latent (k columns) is computed in f64; the absolute values
//!   are matched one-to-one by maximum total weight (Hungarian algorithm,
//!   `lsap`), and MCC is the mean of the matched |corr|, in [0, 1].
//! - When d != k the matching covers min(d, k) pairs and the mean is over
//!   those pairs. TDRL instead pads the truth with random-noise columns; we
//!   do not, so surplus estimated latents are not penalised and a model with
//!   fewer latents than the truth is scored only on those it has: read MCC
//!   together with d and k.
//! - A constant column (zero variance) has correlation 0 with everything,
//!   so a collapsed latent scores 0 instead of making MCC NaN.
//! - Fewer than 2 rows (overall or at a time point) is
//!   [`MetricError::Undefined`], never NaN; so are non-finite latents.
//! - Per time point, the correlations (and Spearman's ranks) and the
//!   matching are redone on the encoded rows at that time point, so the
//!   matching can differ from the overall one.

use super::correlation::{Correlation, Moments, correlation_matrix};
use super::latents::{LatentScope, ScopedLatents, at_time_point, positions_by_time_point, scoped_latents, undefined};
use super::parallel::parallel_map;
use super::stats;
use crate::data::Matrix;
use crate::metric::{Metric, MetricError, MetricInput, MetricNeeds, MetricValue};
use nalgebra::DMatrix;

/// An MCC metric: a correlation over a scope of latents, overall and at
/// each time point, on the encoded rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mcc {
    pub correlation: Correlation,
    pub scope: LatentScope,
}

/// A true latent matched to an estimated latent.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MatchedPair {
    /// Column of the true latents.
    pub truth: usize,
    /// Column of the estimated latents.
    pub estimate: usize,
    /// |correlation| of the two columns.
    pub abs_corr: f64,
}

/// The MCC and the matching it averages, in increasing order of `truth`.
#[derive(Clone, Debug, PartialEq)]
pub struct Matching {
    pub mcc: f64,
    pub pairs: Vec<MatchedPair>,
}

/// The MCC between `truth` (rows x d) and `estimate` (rows x k), whose rows
/// are the same observations in the same order; see the module doc for the
/// conventions. Errors are named after the all-latents metric of
/// `correlation` (`mcc` or `mcc_spearman`).
pub fn mcc(truth: &Matrix, estimate: &Matrix, correlation: Correlation) -> Result<Matching, MetricError> {
    let metric = Mcc { correlation, scope: LatentScope::All }.name();
    let (n, d, k) = (truth.rows(), truth.cols(), estimate.cols());
    let reason = if estimate.rows() != n {
        Some(format!("the estimate has {} rows but the true latents have {n}", estimate.rows()))
    } else if let Some(side) = [("true", truth), ("estimated", estimate)].iter().find(|(_, m)| !m.all_finite()) {
        Some(format!("the {} latents have non-finite values", side.0))
    } else {
        check_shape(n, d, k).err()
    };
    if let Some(reason) = reason {
        return Err(undefined(metric, reason));
    }
    matching(&correlation_matrix(truth, estimate, correlation)).map_err(|reason| undefined(metric, reason))
}

/// Whether `n` rows of `d` true and `k` estimated latents can be correlated.
fn check_shape(n: usize, d: usize, k: usize) -> Result<(), String> {
    if n < 2 {
        return Err(format!("correlation needs at least 2 rows, got {n}"));
    }
    if d == 0 || k == 0 {
        return Err(format!("needs at least one latent on each side, got {d} true and {k} estimated"));
    }
    Ok(())
}

/// The maximum-weight matching on |corr| of a d x k correlation matrix.
fn matching(corr: &DMatrix<f64>) -> Result<Matching, String> {
    let (d, k) = corr.shape();
    // Row-major d x k, the layout lsap expects.
    let abs_corr: Vec<f64> = (0..d).flat_map(|i| (0..k).map(move |j| (i, j))).map(|(i, j)| corr[(i, j)].abs()).collect();
    let (rows, cols) = lsap::solve(d, k, &abs_corr, true).map_err(|e| format!("the matching failed: {e:?}"))?;
    let pairs: Vec<MatchedPair> = rows
        .into_iter()
        .zip(cols)
        .map(|(i, j)| MatchedPair { truth: i, estimate: j, abs_corr: abs_corr[i * k + j] })
        .collect();
    if pairs.is_empty() {
        return Err("the matching paired no latents".to_string());
    }
    let mcc = pairs.iter().map(|p| p.abs_corr).sum::<f64>() / pairs.len() as f64;
    Ok(Matching { mcc, pairs })
}

/// The moments of the whole and of each group of positions, with Spearman
/// ranks taken among the whole and within each group. Rows are laid out
/// group after group, so one sort per column serves the whole and every
/// group, and each group's ranks are a contiguous block of rows.
fn spearman_moments(latents: &ScopedLatents<'_>, groups: &[(u32, Vec<usize>)]) -> (Moments, Vec<Moments>) {
    let order: Vec<usize> = groups.iter().flat_map(|(_, positions)| positions.iter().copied()).collect();
    let starts: Vec<usize> = groups
        .iter()
        .scan(0, |start, (_, positions)| {
            let this = *start;
            *start += positions.len();
            Some(this)
        })
        .collect();
    let (truth, estimate) = latents.columns_at(&order);
    // Per side: the ranks among all rows, and the ranks within each group.
    // Per side and column: the ranks among all rows, and within each group.
    let ranked = parallel_map(&[truth, estimate], |columns| {
        columns.iter().map(|c| stats::ranks_in_groups(c, &starts)).collect::<Vec<_>>()
    });
    // Column-major matrices of rows `rows` of each column's whole or within ranks.
    let matrix = |side: &[(Vec<f64>, Vec<f64>)], rows: std::ops::Range<usize>, whole: bool| {
        let columns = side.iter().flat_map(|(all, within)| (if whole { all } else { within })[rows.clone()].iter());
        DMatrix::from_iterator(rows.len(), side.len(), columns.copied())
    };
    // Piece 0 is the whole, piece g + 1 is group g.
    let pieces: Vec<usize> = (0..=groups.len()).collect();
    let mut moments = parallel_map(&pieces, |&piece| {
        let (rows, whole) = match piece {
            0 => (0..order.len(), true),
            g => (starts[g - 1]..starts[g - 1] + groups[g - 1].1.len(), false),
        };
        Moments::of_columns(matrix(&ranked[0], rows.clone(), whole), matrix(&ranked[1], rows, whole))
    })
    .into_iter();
    let whole = moments.next().expect("piece 0 is always computed");
    (whole, moments.collect())
}

impl Metric for Mcc {
    fn name(&self) -> &'static str {
        match (self.correlation, self.scope) {
            (Correlation::Pearson, LatentScope::All) => "mcc",
            (Correlation::Pearson, LatentScope::Invariant) => "mcc_invariant",
            (Correlation::Pearson, LatentScope::Dynamic) => "mcc_dynamic",
            (Correlation::Spearman, LatentScope::All) => "mcc_spearman",
            (Correlation::Spearman, LatentScope::Invariant) => "mcc_spearman_invariant",
            (Correlation::Spearman, LatentScope::Dynamic) => "mcc_spearman_dynamic",
        }
    }

    fn needs(&self) -> MetricNeeds {
        MetricNeeds::Latents
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Vec<MetricValue>, MetricError> {
        let metric = self.name();
        let latents = scoped_latents(metric, input, self.scope)?;
        let (d, k) = latents.dims();
        check_shape(latents.len(), d, k).map_err(|reason| undefined(metric, reason))?;
        let groups: Vec<(u32, Vec<usize>)> = positions_by_time_point(&latents.time_points).into_iter().collect();
        for (t, positions) in &groups {
            check_shape(positions.len(), d, k).map_err(|reason| undefined(metric, at_time_point(*t, reason)))?;
        }
        let (whole, per_group) = match self.correlation {
            Correlation::Pearson => {
                let per_group = parallel_map(&groups, |(_, positions)| {
                    let (truth, estimate) = latents.at(positions);
                    Moments::of(truth, estimate)
                });
                (Moments::combine(&per_group), per_group)
            }
            Correlation::Spearman => spearman_moments(&latents, &groups),
        };
        let pieces = std::iter::once((None, &whole)).chain(groups.iter().map(|(t, _)| Some(*t)).zip(&per_group));
        pieces
            .map(|(time_point, moments)| {
                let value = matching(&moments.correlations()).map_err(|reason| match time_point {
                    None => undefined(metric, reason),
                    Some(t) => undefined(metric, at_time_point(t, reason)),
                })?;
                Ok(MetricValue { time_point, value: value.mcc })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::LatentBlock;
    use crate::metrics::test_data;
    use crate::model::LatentEstimate;
    use proptest::prelude::*;

    const MCC: Mcc = Mcc { correlation: Correlation::Pearson, scope: LatentScope::All };

    fn pearson(truth: &Matrix, estimate: &Matrix) -> Result<Matching, MetricError> {
        mcc(truth, estimate, Correlation::Pearson)
    }

    fn matrix(rows: &[&[f32]]) -> Matrix {
        Matrix::from_rows(rows, rows.first().map_or(0, |r| r.len())).unwrap()
    }

    /// Column `j` of the result is column `perm[j]` of `m` times `scale[j]`.
    fn permute_and_scale(m: &Matrix, perm: &[usize], scale: &[f32]) -> Matrix {
        let rows: Vec<Vec<f32>> =
            (0..m.rows()).map(|i| perm.iter().zip(scale).map(|(&p, &s)| m.get(i, p) * s).collect()).collect();
        Matrix::from_rows(&rows, perm.len()).unwrap()
    }

    #[test]
    fn matches_each_latent_to_its_best_partner() {
        let truth = matrix(&[&[1.0, 0.0], &[2.0, 1.0], &[3.0, 0.0], &[4.0, 1.0]]);
        // Column 0 tracks truth column 1 exactly; column 1 is truth column 0 with noise.
        let estimate = matrix(&[&[0.0, 1.0], &[2.0, 2.5], &[0.0, 2.5], &[2.0, 4.0]]);
        let m = pearson(&truth, &estimate).unwrap();
        assert_eq!(m.pairs.iter().map(|p| (p.truth, p.estimate)).collect::<Vec<_>>(), vec![(0, 1), (1, 0)]);
        let r = stats::pearson(&[1.0, 2.0, 3.0, 4.0], &[1.0, 2.5, 2.5, 4.0]);
        assert!((m.mcc - (1.0 + r) / 2.0).abs() < 1e-12);
    }

    #[test]
    fn unequal_dimensions_match_min_d_k_pairs() {
        let truth = matrix(&[&[1.0, 5.0, 0.0], &[2.0, 3.0, 1.0], &[3.0, 4.0, 0.0], &[4.0, 1.0, 1.0]]);
        let one = permute_and_scale(&truth, &[1], &[-2.0]);
        let m = pearson(&truth, &one).unwrap();
        assert_eq!(m.pairs.len(), 1);
        assert_eq!((m.pairs[0].truth, m.pairs[0].estimate), (1, 0));
        assert!((m.mcc - 1.0).abs() < 1e-12);
        // The other way round: one true latent, three estimated.
        let m = pearson(&one, &truth).unwrap();
        assert_eq!((m.pairs.len(), m.pairs[0].truth, m.pairs[0].estimate), (1, 0, 1));
    }

    #[test]
    fn constant_column_scores_zero() {
        let truth = matrix(&[&[1.0, 2.0], &[2.0, 1.0], &[3.0, 3.0]]);
        let estimate = matrix(&[&[0.1, 1.0], &[0.1, 2.0], &[0.1, 3.0]]);
        let m = pearson(&truth, &estimate).unwrap();
        assert!((m.pairs[0].abs_corr - 1.0).abs() < 1e-12);
        assert_eq!(m.pairs[1].abs_corr, 0.0);
        assert!((m.mcc - 0.5).abs() < 1e-12);
    }

    #[test]
    fn too_few_rows_or_latents_is_undefined() {
        let one_row = matrix(&[&[1.0, 2.0]]);
        let err = pearson(&one_row, &one_row).unwrap_err();
        assert_eq!(err.to_string(), "mcc: correlation needs at least 2 rows, got 1");
        assert!(pearson(&Matrix::zeros(3, 0), &Matrix::zeros(3, 2)).is_err());
        assert!(pearson(&Matrix::zeros(3, 1), &Matrix::zeros(2, 1)).is_err());
        let nan = matrix(&[&[1.0], &[f32::NAN]]);
        assert!(pearson(&matrix(&[&[1.0], &[2.0]]), &nan).unwrap_err().to_string().contains("non-finite"));
    }

    #[test]
    fn compute_reports_overall_then_each_time_point() {
        // Rows 0..6 at time points [0, 1, 0, 1, 1, 0]; rows 4 and 1 are not encoded.
        let latents = matrix(&[&[1.0, 0.5], &[9.0, 9.0], &[2.0, 0.1], &[3.0, 2.0], &[9.0, 9.0], &[4.0, 1.0]]);
        let dataset = test_data::dataset(Matrix::zeros(6, 1), vec![0, 1, 0, 1, 1, 0], vec![0; 6]);
        let truth = test_data::truth(latents.clone());
        // The estimate is the truth with columns swapped and rescaled.
        let estimate_of = |rows: &[usize]| LatentEstimate {
            latents: permute_and_scale(&latents.select_rows(rows), &[1, 0], &[3.0, -1.0]),
            blocks: vec![LatentBlock::Unlabelled; 2],
        };
        let compute = |rows: &[usize]| {
            let estimate = estimate_of(rows);
            MCC.compute(&MetricInput {
                dataset: &dataset,
                truth: &truth,
                encoded_rows: rows,
                latents: Some(&estimate),
                predictions: None,
            })
        };
        // Time point 1 has a single encoded row (3), too few to correlate.
        let err = compute(&[5, 0, 3, 2]).unwrap_err();
        assert_eq!(err.to_string(), "mcc: time point 1: correlation needs at least 2 rows, got 1");

        let values = compute(&[5, 0, 3, 2, 1]).unwrap();
        let times: Vec<Option<u32>> = values.iter().map(|v| v.time_point).collect();
        assert_eq!(times, vec![None, Some(0), Some(1)]);
        assert!(values.iter().all(|v| (v.value - 1.0).abs() < 1e-12), "{values:?}");
    }

    #[test]
    fn compute_names_missing_latents_and_bad_rows() {
        let dataset = test_data::dataset(Matrix::zeros(3, 1), vec![0; 3], vec![0; 3]);
        let truth = test_data::truth(Matrix::zeros(3, 1));
        let input =
            MetricInput { dataset: &dataset, truth: &truth, encoded_rows: &[0, 7], latents: None, predictions: None };
        assert_eq!(MCC.compute(&input), Err(MetricError::MissingInput { metric: "mcc", what: "latents" }));
        let estimate = LatentEstimate { latents: Matrix::zeros(2, 1), blocks: vec![LatentBlock::Unlabelled] };
        let err = MCC.compute(&MetricInput { latents: Some(&estimate), ..input }).unwrap_err();
        assert!(err.to_string().contains("encoded row 7 is out of range"), "{err}");
    }

    #[test]
    fn spearman_scores_monotone_transforms_one() {
        let truth = matrix(&[&[1.0, 0.3], &[2.0, -1.0], &[3.0, 2.0], &[4.0, 0.0], &[5.0, 1.0]]);
        // Column 0 is exp of truth column 1, column 1 the cube of truth column 0.
        let rows: Vec<Vec<f32>> = (0..5).map(|i| vec![truth.get(i, 1).exp(), truth.get(i, 0).powi(3)]).collect();
        let estimate = Matrix::from_rows(&rows, 2).unwrap();
        let m = mcc(&truth, &estimate, Correlation::Spearman).unwrap();
        assert!((m.mcc - 1.0).abs() < 1e-12, "{}", m.mcc);
        assert!(pearson(&truth, &estimate).unwrap().mcc < 0.99);
        let err = mcc(&matrix(&[&[1.0]]), &matrix(&[&[1.0]]), Correlation::Spearman).unwrap_err();
        assert_eq!(err.to_string(), "mcc_spearman: correlation needs at least 2 rows, got 1");
    }

    #[test]
    fn block_scope_compares_the_block_with_its_slots() {
        // Invariant truth column 0 is estimate column 2; dynamic truth column 1 is estimate column 0.
        let latents = matrix(&[&[1.0, 0.5], &[2.0, 0.1], &[3.0, 2.0], &[4.0, 1.0]]);
        let dataset = test_data::dataset(Matrix::zeros(4, 1), vec![0; 4], vec![0; 4]);
        let mut truth = test_data::truth(latents.clone());
        truth.blocks = vec![LatentBlock::Invariant, LatentBlock::Dynamic];
        let estimated = permute_and_scale(&latents, &[1, 0, 0], &[2.0, 1.0, -1.0]);
        let score = |scope: LatentScope, blocks: Vec<LatentBlock>| {
            let estimate = LatentEstimate { latents: estimated.clone(), blocks };
            let input = MetricInput {
                dataset: &dataset,
                truth: &truth,
                encoded_rows: &[0, 1, 2, 3],
                latents: Some(&estimate),
                predictions: None,
            };
            Mcc { correlation: Correlation::Pearson, scope }.compute(&input)
        };
        use LatentBlock::{Dynamic, Invariant, Unlabelled};
        // Labelled right: both blocks are recovered in their slots.
        let right = vec![Dynamic, Invariant, Invariant];
        assert!((score(LatentScope::Invariant, right.clone()).unwrap()[0].value - 1.0).abs() < 1e-12);
        assert!((score(LatentScope::Dynamic, right).unwrap()[0].value - 1.0).abs() < 1e-12);
        // Labelled wrong: the invariant slot holds the dynamic latent.
        let wrong = vec![Invariant, Dynamic, Dynamic];
        let invariant = score(LatentScope::Invariant, wrong).unwrap()[0].value;
        assert!(invariant < 0.9, "{invariant}");
        // Unlabelled: every estimated column is a candidate.
        assert!((score(LatentScope::Invariant, vec![Unlabelled; 3]).unwrap()[0].value - 1.0).abs() < 1e-12);
        let err = score(LatentScope::Invariant, vec![Dynamic; 3]).unwrap_err();
        assert_eq!(err.to_string(), "mcc_invariant: the model labels its latents by block but labels none invariant");
    }

    /// A rows x cols matrix of values in [-10, 10].
    fn any_matrix(rows: std::ops::Range<usize>, cols: std::ops::Range<usize>) -> impl Strategy<Value = Matrix> {
        (rows, cols).prop_flat_map(|(r, c)| {
            prop::collection::vec(-10.0f32..10.0, r * c).prop_map(move |v| Matrix::new(r, c, v).unwrap())
        })
    }

    /// A shuffled 0..k with a power-of-two scale of either sign per column:
    /// such scales are exact in f32, so MCC must not move at all.
    fn permutation_and_scales(k: usize) -> impl Strategy<Value = (Vec<usize>, Vec<f32>)> {
        (
            Just((0..k).collect::<Vec<_>>()).prop_shuffle(),
            prop::collection::vec((-3i32..=3, any::<bool>()), k)
                .prop_map(|v| v.into_iter().map(|(e, neg)| if neg { -(2f32.powi(e)) } else { 2f32.powi(e) }).collect()),
        )
    }

    proptest! {
        #[test]
        fn mcc_lies_in_unit_interval(truth in any_matrix(2..12, 1..5), k in 1usize..5, shift in 0usize..12) {
            // Estimated columns are columns of the truth plus a constant one, to mix in degenerate cases.
            let rows: Vec<Vec<f32>> = (0..truth.rows())
                .map(|i| (0..k).map(|j| if j == 0 { 1.5 } else { truth.get((i + shift) % truth.rows(), j % truth.cols()) }).collect())
                .collect();
            let estimate = Matrix::from_rows(&rows, k).unwrap();
            let m = pearson(&truth, &estimate).unwrap();
            prop_assert!((0.0..=1.0).contains(&m.mcc), "{}", m.mcc);
            prop_assert_eq!(m.pairs.len(), truth.cols().min(k));
        }

        #[test]
        fn permuted_scaled_copy_scores_one(
            (truth, (perm, scale)) in any_matrix(3..30, 1..6).prop_flat_map(|t| { let d = t.cols(); (Just(t), permutation_and_scales(d)) })
        ) {
            prop_assume!((0..truth.cols()).all(|j| !stats::is_constant(&truth.column_f64(j))));
            let m = pearson(&truth, &permute_and_scale(&truth, &perm, &scale)).unwrap();
            prop_assert!((m.mcc - 1.0).abs() < 1e-9, "{}", m.mcc);
            for p in &m.pairs {
                prop_assert_eq!(perm[p.estimate], p.truth);
            }
        }

        #[test]
        fn invariant_to_permuting_and_rescaling_the_estimate(
            (truth, estimate, (perm, scale)) in (3usize..30, 1usize..5, 1usize..5).prop_flat_map(|(n, d, k)| {
                (any_matrix(n..n + 1, d..d + 1), any_matrix(n..n + 1, k..k + 1), permutation_and_scales(k))
            })
        ) {
            let before = pearson(&truth, &estimate).unwrap().mcc;
            let after = pearson(&truth, &permute_and_scale(&estimate, &perm, &scale)).unwrap().mcc;
            prop_assert!((before - after).abs() < 1e-12, "{before} vs {after}");
            // Swapping the roles of truth and estimate does not change it either.
            let swapped = pearson(&estimate, &truth).unwrap().mcc;
            prop_assert!((before - swapped).abs() < 1e-12, "{before} vs {swapped}");
        }
    }
}
