//! Reference points for the prediction metrics: the bootstrap ceiling (the
//! noise floor) and the score normalised between the control-mean baseline
//! and that ceiling. Docs: `docs/decisions/0003-ceiling-normalised-score-and-evaluate.md`.
//!
//! Ceiling: each held-out condition's true cells are split in two halves
//! by [`sampling::shuffled`] with the run's seed; the first `floor(n / 2)`
//! play the prediction and the rest stay in the dataset as the truth
//! (controls and every other condition untouched). The metric then scores
//! that input unchanged. The value is what a model would get whose cells
//! were a fresh sample of the true distribution, so no model can be
//! expected to beat it; it is slightly pessimistic, as each half has half
//! the cells. A condition with fewer than 2 true cells cannot be split and
//! is [`MetricError::Undefined`].
//!
//! Normalised score: `(model - baseline) / (ceiling - baseline)` for the
//! same metric, seed and time point, with `control-mean` as the baseline:
//! 0 is no better than predicting the control mean, 1 is as good as the
//! noise allows. The formula holds whether lower or higher is better.

use super::sampling;
use crate::data::{Dataset, GroundTruth, LatentGraph, Matrix, Perturbation};
use crate::metric::{Metric, MetricError, MetricInput, MetricNeeds, MetricValue, Prediction};
use crate::runner::results::{ResultRow, RowStatus};

/// The model name of ceiling rows in results files.
pub const CEILING_MODEL: &str = "ceiling";
/// The model the normalised score is measured from.
pub const BASELINE_MODEL: &str = "control-mean";
/// Appended to a metric's name for its normalised score.
pub const NORMALISED_SUFFIX: &str = "_normalised";

/// The ceiling of a prediction metric over the held-out `conditions` of
/// `dataset`, overall then per time point, with the halves drawn by `seed`.
pub fn ceiling(
    metric: &dyn Metric,
    dataset: &Dataset,
    conditions: &[(Perturbation, u32)],
    seed: u64,
) -> Result<Vec<MetricValue>, MetricError> {
    let name = metric.name();
    if metric.needs() != MetricNeeds::Predictions {
        let reason = "the ceiling is defined for prediction metrics only".to_string();
        return Err(MetricError::Undefined { metric: name, reason });
    }
    let observations = &dataset.observations;
    let mut predicted_rows = vec![false; observations.len()];
    let mut predictions = Vec::with_capacity(conditions.len());
    for (perturbation, t) in conditions {
        let rows = observations.rows_where(perturbation, *t);
        if rows.len() < 2 {
            let reason = format!(
                "`{}` at time point {t} has {} true cells; the ceiling splits them in two halves and needs at least 2",
                dataset.label(perturbation),
                rows.len()
            );
            return Err(MetricError::Undefined { metric: name, reason });
        }
        let half: Vec<usize> = sampling::shuffled(&rows, seed)[..rows.len() / 2].to_vec();
        half.iter().for_each(|&r| predicted_rows[r] = true);
        let cells = observations.x().select_rows(&half);
        predictions.push(Prediction { perturbation: perturbation.clone(), time_point: *t, cells });
    }
    let kept: Vec<usize> = (0..observations.len()).filter(|&r| !predicted_rows[r]).collect();
    let halved = Dataset {
        observations: observations.subset(&kept),
        target_names: dataset.target_names.clone(),
        feature_names: dataset.feature_names.clone(),
    };
    // Prediction metrics never look at the truth; an empty one keeps it so.
    let truth = GroundTruth {
        latents: Matrix::zeros(0, 0),
        blocks: Vec::new(),
        graph: LatentGraph::default(),
        target_latents: Vec::new(),
    };
    metric.compute(&MetricInput {
        dataset: &halved,
        truth: &truth,
        encoded_rows: &[],
        latents: None,
        predictions: Some(&predictions),
    })
}

/// `(value - baseline) / (ceiling - baseline)`; `None` when the ceiling and
/// the baseline agree (to 1e-9 relative), leaving nothing to normalise by.
pub fn normalised(value: f64, baseline: f64, ceiling: f64) -> Option<f64> {
    let room = ceiling - baseline;
    if room.abs() <= 1e-9 * ceiling.abs().max(baseline.abs()) {
        return None;
    }
    Some((value - baseline) / room)
}

/// The normalised score of every `ok` row of a model other than the
/// baseline and the ceiling that has an `ok` baseline row and an `ok`
/// ceiling row for the same scenario, sweep point, seed, metric and time
/// point; as rows
/// of metric `METRIC_normalised`. Rows without both references, or with
/// nothing to normalise by, get no normalised row.
pub fn normalised_rows(rows: &[ResultRow]) -> Vec<ResultRow> {
    let value_of = |model: &str, like: &ResultRow| {
        rows.iter()
            .find(|r| {
                r.model == model
                    && r.status == RowStatus::Ok
                    && (&r.scenario, &r.point, r.seed, &r.metric, r.time_point)
                        == (&like.scenario, &like.point, like.seed, &like.metric, like.time_point)
            })
            .and_then(|r| r.value)
    };
    rows.iter()
        .filter(|r| r.status == RowStatus::Ok && r.model != BASELINE_MODEL && r.model != CEILING_MODEL)
        .filter_map(|row| {
            let value = normalised(row.value?, value_of(BASELINE_MODEL, row)?, value_of(CEILING_MODEL, row)?)?;
            let metric = format!("{}{NORMALISED_SUFFIX}", row.metric);
            Some(ResultRow { metric, value: Some(value), seconds: 0.0, ..row.clone() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::ood::OodMse;
    use crate::metrics::test_data;

    #[test]
    fn normalised_maps_baseline_to_zero_and_ceiling_to_one() {
        assert_eq!(normalised(4.0, 4.0, 1.0), Some(0.0));
        assert_eq!(normalised(1.0, 4.0, 1.0), Some(1.0));
        // Lower-is-better and higher-is-better read the same way.
        assert_eq!(normalised(2.5, 4.0, 1.0), Some(0.5));
        assert_eq!(normalised(0.75, 0.5, 1.0), Some(0.5));
        assert_eq!(normalised(0.6, 0.3, 0.3), None);
        assert_eq!(normalised(0.0, 0.0, 0.0), None);
    }

    fn row(model: &str, metric: &str, value: f64) -> ResultRow {
        ResultRow {
            scenario: "s".into(),
            seed: 1,
            model: model.into(),
            metric: metric.into(),
            time_point: None,
            value: Some(value),
            seconds: 0.5,
            status: RowStatus::Ok,
            message: String::new(),
            point: Vec::new(),
            job: None,
        }
    }

    #[test]
    fn normalised_rows_pair_each_model_with_baseline_and_ceiling() {
        let rows = vec![
            row("vae", "ood_mse", 3.0),
            row(BASELINE_MODEL, "ood_mse", 5.0),
            row(CEILING_MODEL, "ood_mse", 1.0),
            row("vae", "mcc", 0.9),
        ];
        let normalised = normalised_rows(&rows);
        assert_eq!(normalised.len(), 1, "mcc has no baseline or ceiling: {normalised:?}");
        assert_eq!((normalised[0].model.as_str(), normalised[0].metric.as_str()), ("vae", "ood_mse_normalised"));
        assert_eq!(normalised[0].value, Some(0.5));
    }

    #[test]
    fn ceiling_scores_half_the_cells_against_the_other_half() {
        // P0 at time point 0 has four cells: 1, 2, 3, 4 (one feature).
        let x = Matrix::new(6, 1, vec![0.0, 1.0, 2.0, 3.0, 4.0, 0.5]).unwrap();
        let dataset = test_data::dataset(x, vec![0; 6], vec![0, 1, 1, 1, 1, 0]);
        let conditions = [(Perturbation::new([0]), 0)];
        let values = ceiling(&OodMse, &dataset, &conditions, 3).unwrap();
        // Any split of {1, 2, 3, 4} into halves has half-means differing by 0, 1 or 2.
        assert!([0.0, 1.0, 4.0].contains(&values[0].value), "{values:?}");
        assert_eq!(values, ceiling(&OodMse, &dataset, &conditions, 3).unwrap(), "seeded");

        let single = [(Perturbation::new([1]), 0)];
        let one_cell = test_data::dataset(Matrix::zeros(2, 1), vec![0, 0], vec![0, 2]);
        let err = ceiling(&OodMse, &one_cell, &single, 3).unwrap_err();
        assert!(err.to_string().contains("`P1` at time point 0 has 1 true cells"), "{err}");
    }
}
