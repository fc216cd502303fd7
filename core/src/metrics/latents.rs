//! What the identifiability metrics share: which rows and which columns of
//! the true and estimated latents they compare, and the grouping by time
//! point.
//!
//! Block scope (`mcc_invariant`, `r2_kernel_dynamic`, ...): the true
//! latents are those the ground truth labels with the block; the estimated
//! columns are those the model labels with the same block when the model
//! labels blocks at all (any column labelled invariant or dynamic), else
//! every estimated column. So for a model that separates blocks the score
//! answers "was the invariant block recovered in the invariant slots?",
//! and for one that does not, "is the invariant block recoverable from the
//! estimate at all?". A truth without the block, or a block-labelling
//! model with no column of the block, is [`MetricError::Undefined`].

use super::dense::{RowMajor, gather_columns};
use crate::data::{LatentBlock, Matrix};
use crate::metric::{MetricError, MetricInput};
use std::collections::BTreeMap;

/// Which true latents a metric scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LatentScope {
    All,
    Invariant,
    Dynamic,
}

impl LatentScope {
    fn block(self) -> Option<LatentBlock> {
        match self {
            Self::All => None,
            Self::Invariant => Some(LatentBlock::Invariant),
            Self::Dynamic => Some(LatentBlock::Dynamic),
        }
    }
}

/// The true and estimated latents a metric compares, row for row: the
/// estimate's rows are positions `0..len`, the truth's the encoded rows.
/// Latents are gathered (and widened to f64) only where a metric asks, so
/// a metric that uses a subsample never copies the rest.
pub(crate) struct ScopedLatents<'a> {
    truth: &'a Matrix,
    estimate: &'a Matrix,
    rows: &'a [usize],
    truth_cols: Vec<usize>,
    estimate_cols: Vec<usize>,
    /// The time point of each position.
    pub time_points: Vec<u32>,
}

impl ScopedLatents<'_> {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// How many true and estimated latents are compared.
    pub fn dims(&self) -> (usize, usize) {
        (self.truth_cols.len(), self.estimate_cols.len())
    }

    /// The true and estimated latents at the given positions.
    pub fn at(&self, positions: &[usize]) -> (RowMajor, RowMajor) {
        let truth_rows: Vec<usize> = positions.iter().map(|&p| self.rows[p]).collect();
        (
            RowMajor::gather(self.truth, &truth_rows, &self.truth_cols),
            RowMajor::gather(self.estimate, positions, &self.estimate_cols),
        )
    }

    /// The true and estimated latents at the given positions, column by column.
    pub fn columns_at(&self, positions: &[usize]) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
        let truth_rows: Vec<usize> = positions.iter().map(|&p| self.rows[p]).collect();
        (
            gather_columns(self.truth, &truth_rows, &self.truth_cols),
            gather_columns(self.estimate, positions, &self.estimate_cols),
        )
    }
}

pub(crate) fn undefined(metric: &'static str, reason: String) -> MetricError {
    MetricError::Undefined { metric, reason }
}

/// Prefixes a reason with the time point it concerns.
pub(crate) fn at_time_point(t: u32, reason: String) -> String {
    format!("time point {t}: {reason}")
}

/// Checks the estimate against the encoded rows and picks the rows and
/// columns `scope` compares; non-finite latents among them are an error.
pub(crate) fn scoped_latents<'a>(
    metric: &'static str,
    input: &MetricInput<'a>,
    scope: LatentScope,
) -> Result<ScopedLatents<'a>, MetricError> {
    let estimate = input.latents.ok_or(MetricError::MissingInput { metric, what: "latents" })?;
    let rows = input.encoded_rows;
    if estimate.latents.rows() != rows.len() {
        return Err(undefined(
            metric,
            format!("the estimate has {} rows but {} rows were encoded", estimate.latents.rows(), rows.len()),
        ));
    }
    if estimate.blocks.len() != estimate.latents.cols() {
        return Err(undefined(
            metric,
            format!(
                "the estimate labels {} latents with blocks but has {} columns",
                estimate.blocks.len(),
                estimate.latents.cols()
            ),
        ));
    }
    let time_of = input.dataset.observations.time_point();
    let limit = time_of.len().min(input.truth.latents.rows());
    if let Some(bad) = rows.iter().find(|&&r| r >= limit) {
        return Err(undefined(
            metric,
            format!(
                "encoded row {bad} is out of range ({} observations, {} rows of true latents)",
                time_of.len(),
                input.truth.latents.rows()
            ),
        ));
    }
    let (truth_cols, estimate_cols) =
        scope_columns(&input.truth.blocks, &estimate.blocks, scope).map_err(|reason| undefined(metric, reason))?;
    let finite = |m: &Matrix, r: usize, cols: &[usize]| cols.iter().all(|&j| m.get(r, j).is_finite());
    if !rows.iter().all(|&r| finite(&input.truth.latents, r, &truth_cols)) {
        return Err(undefined(metric, "the true latents have non-finite values".to_string()));
    }
    if !(0..rows.len()).all(|r| finite(&estimate.latents, r, &estimate_cols)) {
        return Err(undefined(metric, "the estimated latents have non-finite values".to_string()));
    }
    Ok(ScopedLatents {
        truth: &input.truth.latents,
        estimate: &estimate.latents,
        rows,
        truth_cols,
        estimate_cols,
        time_points: rows.iter().map(|&r| time_of[r]).collect(),
    })
}

/// The true and estimated columns `scope` compares (see the module doc).
fn scope_columns(
    truth: &[LatentBlock],
    estimate: &[LatentBlock],
    scope: LatentScope,
) -> Result<(Vec<usize>, Vec<usize>), String> {
    let all = |n: usize| (0..n).collect::<Vec<_>>();
    let Some(block) = scope.block() else {
        return Ok((all(truth.len()), all(estimate.len())));
    };
    let labelled = |blocks: &[LatentBlock]| -> Vec<usize> { (0..blocks.len()).filter(|&j| blocks[j] == block).collect() };
    let truth_cols = labelled(truth);
    if truth_cols.is_empty() {
        return Err(format!("the true latents have no {} block", block.name()));
    }
    if estimate.iter().all(|&b| b == LatentBlock::Unlabelled) {
        return Ok((truth_cols, all(estimate.len())));
    }
    let estimate_cols = labelled(estimate);
    if estimate_cols.is_empty() {
        return Err(format!("the model labels its latents by block but labels none {}", block.name()));
    }
    Ok((truth_cols, estimate_cols))
}

/// Positions (indices into `time_points`) grouped by time point, ascending.
pub(crate) fn positions_by_time_point(time_points: &[u32]) -> BTreeMap<u32, Vec<usize>> {
    let mut at: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (position, &t) in time_points.iter().enumerate() {
        at.entry(t).or_default().push(position);
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use LatentBlock::{Dynamic, Invariant, Unlabelled};

    #[test]
    fn unlabelled_estimates_are_scored_whole_against_each_block() {
        let truth = [Invariant, Dynamic, Dynamic];
        let estimate = [Unlabelled; 4];
        assert_eq!(scope_columns(&truth, &estimate, LatentScope::Dynamic), Ok((vec![1, 2], vec![0, 1, 2, 3])));
        assert_eq!(scope_columns(&truth, &estimate, LatentScope::All), Ok((vec![0, 1, 2], vec![0, 1, 2, 3])));
    }

    #[test]
    fn labelled_estimates_are_scored_on_their_own_block() {
        let truth = [Invariant, Dynamic, Dynamic];
        let estimate = [Dynamic, Invariant, Unlabelled, Dynamic];
        assert_eq!(scope_columns(&truth, &estimate, LatentScope::Invariant), Ok((vec![0], vec![1])));
        assert_eq!(scope_columns(&truth, &estimate, LatentScope::Dynamic), Ok((vec![1, 2], vec![0, 3])));
        let err = scope_columns(&truth, &[Dynamic], LatentScope::Invariant).unwrap_err();
        assert_eq!(err, "the model labels its latents by block but labels none invariant");
        let err = scope_columns(&[Dynamic], &[Unlabelled], LatentScope::Invariant).unwrap_err();
        assert_eq!(err, "the true latents have no invariant block");
    }
}
