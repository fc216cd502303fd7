//! Out-of-distribution metrics: how close the cells a model generated for a
//! held-out (perturbation, time point) condition are to the real cells of
//! that condition. This module holds the per-condition plumbing and the
//! metrics on means (pseudobulk); [`super::de`] restricts them to the
//! top differentially expressed genes and [`super::distribution`] compares
//! whole cell populations.
//!
//! - `ood_mse`: mean over features of (mean predicted - mean true)^2.
//! - `ood_mae`: mean over features of |mean predicted - mean true|.
//! - `pearson_delta` (GEARS, cell-eval): the Pearson correlation over
//!   features of (mean predicted - control mean) and (mean true - control
//!   mean), where the control mean is that of the dataset's control rows at
//!   the prediction's time point. It asks whether the model moved expression
//!   in the right direction, whatever the baseline. All features are used.
//!
//! Conventions (every OOD metric):
//! - Each prediction is scored on its own; the overall value is the mean
//!   over predictions, and each time point's value is the mean over the
//!   predictions at that time point (time points without predictions get no
//!   value).
//! - A delta that is constant, up to the f32 rounding of the means it came
//!   from, has Pearson-delta 0: a model that predicts the control mean
//!   exactly (written as f32) would otherwise correlate rounding noise.
//! - A prediction whose condition has no cells in the dataset, a time point
//!   without control cells (for the metrics on deltas), an empty prediction
//!   list or a non-finite value are [`MetricError::Undefined`], never NaN.
//!   A condition with a single true cell is scored like any other (its
//!   mean is that cell).

use super::stats;
use crate::data::{ConditionMean, ControlMeans, Dataset, Matrix, Perturbation};
use crate::metric::{Metric, MetricError, MetricInput, MetricNeeds, MetricValue, Prediction};
use std::collections::BTreeMap;

/// The `ood_mse` metric (see the module doc).
pub struct OodMse;

/// The `ood_mae` metric (see the module doc).
pub struct OodMae;

/// The `pearson_delta` metric (see the module doc).
pub struct PearsonDelta;

/// The spread of a delta, relative to the largest absolute mean it was
/// computed from, at or below which the delta counts as constant. f32 keeps
/// about 7 significant digits (relative rounding 6e-8), and a model may
/// accumulate its means in f32, so its rounding noise reaches about 1e-6;
/// real perturbation effects are orders of magnitude above 1e-5.
const CONSTANT_DELTA_TOLERANCE: f64 = 1e-5;

/// One held-out condition as a per-condition metric sees it.
pub(crate) struct Condition<'a> {
    pub prediction: &'a Prediction,
    /// Per-feature mean of the predicted cells.
    pub predicted: Vec<f64>,
    /// Per-feature mean of the condition's true cells.
    pub observed: &'a [f64],
    control: Option<&'a [f64]>,
    dataset: &'a Dataset,
}

impl Condition<'_> {
    /// The control mean at the condition's time point.
    pub fn control(&self) -> Result<&[f64], String> {
        self.control.ok_or_else(|| {
            format!("no control cells at time point {} to take deltas from", self.prediction.time_point)
        })
    }

    /// The condition's true cells.
    pub fn observed_cells(&self) -> Matrix {
        let observations = &self.dataset.observations;
        observations.x().select_rows(&observations.rows_where(&self.prediction.perturbation, self.prediction.time_point))
    }
}

impl Metric for OodMse {
    fn name(&self) -> &'static str {
        "ood_mse"
    }

    fn needs(&self) -> MetricNeeds {
        MetricNeeds::Predictions
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Vec<MetricValue>, MetricError> {
        score_predictions(self.name(), input, |c| Ok(mean_squared_error(&c.predicted, c.observed)))
    }
}

impl Metric for OodMae {
    fn name(&self) -> &'static str {
        "ood_mae"
    }

    fn needs(&self) -> MetricNeeds {
        MetricNeeds::Predictions
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Vec<MetricValue>, MetricError> {
        score_predictions(self.name(), input, |c| {
            let sum: f64 = c.predicted.iter().zip(c.observed).map(|(p, o)| (p - o).abs()).sum();
            Ok(sum / c.predicted.len() as f64)
        })
    }
}

impl Metric for PearsonDelta {
    fn name(&self) -> &'static str {
        "pearson_delta"
    }

    fn needs(&self) -> MetricNeeds {
        MetricNeeds::Predictions
    }

    fn compute(&self, input: &MetricInput<'_>) -> Result<Vec<MetricValue>, MetricError> {
        score_predictions(self.name(), input, |c| Ok(pearson_delta(&c.predicted, c.observed, c.control()?)))
    }
}

/// Mean over features of the squared difference; callers pass equally long,
/// non-empty slices (the dataset has features, checked before scoring).
pub(crate) fn mean_squared_error(predicted: &[f64], observed: &[f64]) -> f64 {
    stats::mean_squared_difference(predicted, observed).unwrap_or(0.0)
}

/// Pearson of the predicted and observed deltas from `control`; 0 when
/// either delta is constant up to rounding (see the module doc).
pub(crate) fn pearson_delta(predicted: &[f64], observed: &[f64], control: &[f64]) -> f64 {
    let predicted_delta = delta(predicted, control);
    let observed_delta = delta(observed, control);
    if is_constant_delta(&predicted_delta, predicted, control) || is_constant_delta(&observed_delta, observed, control) {
        return 0.0;
    }
    stats::pearson(&predicted_delta, &observed_delta)
}

fn undefined(metric: &'static str, reason: String) -> MetricError {
    MetricError::Undefined { metric, reason }
}

fn delta(mean: &[f64], control: &[f64]) -> Vec<f64> {
    mean.iter().zip(control).map(|(m, c)| m - c).collect()
}

/// Whether `delta = mean - control` varies no more than rounding could make it.
fn is_constant_delta(delta: &[f64], mean: &[f64], control: &[f64]) -> bool {
    let scale = mean.iter().chain(control).fold(0.0f64, |s, v| s.max(v.abs()));
    let (low, high) = delta.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), &v| (l.min(v), h.max(v)));
    high - low <= CONSTANT_DELTA_TOLERANCE * scale
}

/// `` `P0+P1` at time point 2 ``, for error messages.
fn describe(dataset: &Dataset, prediction: &Prediction) -> String {
    format!("`{}` at time point {}", dataset.label(&prediction.perturbation), prediction.time_point)
}

/// Scores every prediction with `score` and averages the scores overall and
/// per time point, after checking each prediction against the dataset.
/// Condition and control means come from one pass over the dataset.
pub(crate) fn score_predictions(
    metric: &'static str,
    input: &MetricInput<'_>,
    score: impl Fn(&Condition<'_>) -> Result<f64, String>,
) -> Result<Vec<MetricValue>, MetricError> {
    let predictions = input.predictions.ok_or(MetricError::MissingInput { metric, what: "predictions" })?;
    if predictions.is_empty() {
        return Err(undefined(metric, "no held-out conditions to score".to_string()));
    }
    let observations = &input.dataset.observations;
    let features = observations.x().cols();
    if features == 0 {
        return Err(undefined(metric, "the dataset has no features".to_string()));
    }
    let means: BTreeMap<(Perturbation, u32), ConditionMean> = observations.condition_means();
    let controls = ControlMeans::new(&means);
    let mut scores = Vec::with_capacity(predictions.len());
    for prediction in predictions {
        let condition = || describe(input.dataset, prediction);
        let cells = &prediction.cells;
        if cells.cols() != features {
            return Err(undefined(
                metric,
                format!("{}: predicted cells have {} features, the dataset has {features}", condition(), cells.cols()),
            ));
        }
        let all_cells: Vec<usize> = (0..cells.rows()).collect();
        let predicted = cells
            .mean_of_rows(&all_cells)
            .ok_or_else(|| undefined(metric, format!("{}: the model generated no cells", condition())))?;
        let observed = means
            .get(&(prediction.perturbation.clone(), prediction.time_point))
            .ok_or_else(|| undefined(metric, format!("{}: the dataset has no cells of this condition", condition())))?;
        let value = score(&Condition {
            prediction,
            predicted,
            observed: &observed.mean,
            control: controls.at(prediction.time_point),
            dataset: input.dataset,
        })
        .map_err(|reason| undefined(metric, reason))?;
        if !value.is_finite() {
            return Err(undefined(metric, format!("{}: the value is not finite (non-finite cells?)", condition())));
        }
        scores.push((prediction.time_point, value));
    }
    Ok(average_by_time_point(&scores))
}

/// The mean of all scores, then the mean at each time point, ascending.
fn average_by_time_point(scores: &[(u32, f64)]) -> Vec<MetricValue> {
    let mut at: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
    for &(t, v) in scores {
        at.entry(t).or_default().push(v);
    }
    let all: Vec<f64> = scores.iter().map(|&(_, v)| v).collect();
    // Both means are over non-empty lists: callers pass at least one score.
    std::iter::once((None, stats::mean(&all)))
        .chain(at.iter().map(|(&t, v)| (Some(t), stats::mean(v))))
        .filter_map(|(time_point, value)| value.map(|value| MetricValue { time_point, value }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{GroundTruth, Matrix};
    use crate::metrics::test_data;

    /// Control, P0 and P1 cells at time points 0 and 1, two features:
    /// control is (1, 1) at t0 and (2, 2) at t1; P0 adds (2, 0), P1 adds (0, 4).
    fn dataset() -> Dataset {
        let x = Matrix::new(
            8,
            2,
            vec![
                0.0, 1.0, 2.0, 1.0, // control, t0
                2.0, 2.0, // control, t1
                3.0, 1.0, 3.0, 1.0, // P0, t0
                4.0, 2.0, // P0, t1
                1.0, 5.0, // P1, t0
                2.0, 6.0, // P1, t1
            ],
        )
        .unwrap();
        test_data::dataset(x, vec![0, 0, 1, 0, 0, 1, 0, 1], vec![0, 0, 0, 1, 1, 1, 2, 2])
    }

    fn prediction(perturbation: u32, time_point: u32, cells: &[[f32; 2]]) -> Prediction {
        Prediction {
            perturbation: test_data::perturbations()[perturbation as usize].clone(),
            time_point,
            cells: Matrix::from_rows(cells, 2).unwrap(),
        }
    }

    fn compute(
        metric: &dyn Metric,
        dataset: &Dataset,
        predictions: &[Prediction],
    ) -> Result<Vec<MetricValue>, MetricError> {
        let truth: GroundTruth = test_data::truth(Matrix::zeros(dataset.observations.len(), 1));
        metric.compute(&MetricInput {
            dataset,
            truth: &truth,
            encoded_rows: &[],
            latents: None,
            predictions: Some(predictions),
        })
    }

    fn values(v: &[MetricValue]) -> Vec<(Option<u32>, f64)> {
        v.iter().map(|m| (m.time_point, m.value)).collect()
    }

    #[test]
    fn ood_mse_and_mae_average_per_prediction_then_per_time_point() {
        let predictions = [
            // P0 at t1, true mean (4, 2): errors (1, -2) -> 2.5.
            prediction(1, 1, &[[5.0, 0.0], [5.0, 0.0]]),
            // P0 at t0, true mean (3, 1): exact -> 0.
            prediction(1, 0, &[[2.0, 1.0], [4.0, 1.0]]),
            // P1 at t1, true mean (2, 6): errors (0, -1) -> 0.5.
            prediction(2, 1, &[[2.0, 5.0]]),
        ];
        let v = compute(&OodMse, &dataset(), &predictions).unwrap();
        assert_eq!(values(&v), vec![(None, 1.0), (Some(0), 0.0), (Some(1), 1.5)]);
        // Absolute errors 1.5, 0 and 0.5.
        let v = compute(&OodMae, &dataset(), &predictions).unwrap();
        assert_eq!(values(&v), vec![(None, 2.0 / 3.0), (Some(0), 0.0), (Some(1), 1.0)]);
    }

    #[test]
    fn pearson_delta_scores_direction_of_change() {
        // True deltas at t1: P0 (2, 0), P1 (0, 4). Predicting P1's shift
        // with the right sign but a different size is still perfect.
        let right = prediction(2, 1, &[[2.0, 3.0]]);
        let wrong = prediction(1, 1, &[[2.0, 3.0]]);
        let v = compute(&PearsonDelta, &dataset(), &[right, wrong]).unwrap();
        assert_eq!(values(&v), vec![(None, 0.0), (Some(1), 0.0)]);
        let v = compute(&PearsonDelta, &dataset(), &[prediction(2, 1, &[[2.0, 3.0]])]).unwrap();
        assert_eq!(values(&v), vec![(None, 1.0), (Some(1), 1.0)]);
        let v = compute(&PearsonDelta, &dataset(), &[prediction(1, 1, &[[2.0, 3.0]])]).unwrap();
        assert_eq!(values(&v), vec![(None, -1.0), (Some(1), -1.0)]);
    }

    #[test]
    fn predicting_the_control_mean_scores_zero() {
        let data = dataset();
        let control = Perturbation::control();
        let rows = data.observations.rows_where(&control, 0);
        let mean = data.observations.x().mean_of_rows(&rows).unwrap();
        let as_f32 = [mean[0] as f32, mean[1] as f32];
        let v = compute(&PearsonDelta, &data, &[prediction(1, 0, &[as_f32])]).unwrap();
        assert_eq!(values(&v), vec![(None, 0.0), (Some(0), 0.0)]);
        // Rounding noise far below the tolerance still counts as constant.
        let control = [0.1, 1000.0];
        assert!(is_constant_delta(&[1e-4, 0.0], &control, &control));
        assert!(!is_constant_delta(&[0.1, 0.0], &control, &control));
    }

    #[test]
    fn missing_conditions_are_undefined_and_named() {
        let data = dataset();
        let err = compute(&OodMse, &data, &[prediction(3, 0, &[[1.0, 1.0]])]).unwrap_err();
        assert_eq!(err.to_string(), "ood_mse: `P0+P1` at time point 0: the dataset has no cells of this condition");
        let err = compute(&OodMse, &data, &[]).unwrap_err();
        assert_eq!(err.to_string(), "ood_mse: no held-out conditions to score");
        let truth = test_data::truth(Matrix::zeros(8, 1));
        let input = MetricInput { dataset: &data, truth: &truth, encoded_rows: &[], latents: None, predictions: None };
        assert_eq!(OodMse.compute(&input), Err(MetricError::MissingInput { metric: "ood_mse", what: "predictions" }));
        let err = compute(&OodMse, &data, &[prediction(1, 0, &[])]).unwrap_err();
        assert!(err.to_string().contains("generated no cells"), "{err}");
        let err = compute(&OodMse, &data, &[prediction(1, 0, &[[f32::NAN, 0.0]])]).unwrap_err();
        assert!(err.to_string().contains("not finite"), "{err}");
    }

    #[test]
    fn missing_control_is_undefined() {
        // The same cells without the control rows at time point 1.
        let full = dataset();
        let data = test_data::dataset(
            full.observations.x().select_rows(&[0, 1, 3, 4, 5]),
            vec![0, 0, 0, 0, 1],
            vec![0, 0, 1, 1, 1],
        );
        let err = compute(&PearsonDelta, &data, &[prediction(1, 1, &[[1.0, 1.0]])]).unwrap_err();
        assert_eq!(err.to_string(), "pearson_delta: no control cells at time point 1 to take deltas from");
        // ood_mse does not need controls.
        assert!(compute(&OodMse, &data, &[prediction(1, 1, &[[1.0, 1.0]])]).is_ok());
    }

    #[test]
    fn feature_count_mismatch_is_undefined() {
        let wrong = Prediction { cells: Matrix::zeros(1, 3), ..prediction(1, 0, &[[0.0, 0.0]]) };
        let err = compute(&OodMse, &dataset(), &[wrong]).unwrap_err();
        assert!(err.to_string().contains("predicted cells have 3 features, the dataset has 2"), "{err}");
    }
}
