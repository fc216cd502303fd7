//! Scoring a model that never was a citebench plugin, from tables (CSV
//! files, or `.h5ad` files the CLI reads into the same columns: obs
//! columns, then one per gene or latent): the library behind
//! `citebench evaluate`. It writes the same rows as a run.
//!
//! What the truth file holds decides what is scored:
//!
//! **Latents** (the truth has no `perturbation` column): identifiability.
//! - truth: one row per cell; optional `cell` (an id) and `time_point` (a
//!   number); every other column is a true latent. A column named
//!   `invariant_*` or `dynamic_*` belongs to that block (what the block
//!   metrics compare); other names are unlabelled.
//! - estimate: the same rows in the same order; optional `cell` and
//!   `time_point` (checked against the truth's when both have them);
//!   every other column is an estimated latent, labelled by the same
//!   prefixes when the model separates blocks.
//!
//! **Expression** (the truth has a `perturbation` column): prediction.
//! - truth: observed cells, one per row: `perturbation` (`control`, or
//!   target names joined by `+`), optional `time_point`, optional `cell`,
//!   then one column per gene.
//! - estimate: predicted cells, one per row, with the same columns: the
//!   cells of each (perturbation, time point) are that condition's
//!   prediction; control rows are ignored (the control is not held out).
//!   Genes must be the truth's, in the truth's order.
//!
//! Rows written: the model's (`--model`, default `estimate`), and for
//! expression also the bootstrap `ceiling` of each metric, the
//! `control-mean` baseline (each condition predicted by the truth's control
//! mean at the nearest time point, as the `control-mean` plugin does) and
//! each metric's `_normalised` score (see [`crate::metrics::ceiling`]).
//! Scenario `evaluate`, seed `--seed` (it draws the ceiling's halves).

mod inputs;
mod table;

pub use inputs::{CELL, OBS_COLUMNS, PERTURBATION, TIME_POINT};
pub use table::{Cells, Table};

use crate::data::{ControlMeans, Dataset, GroundTruth, LatentGraph, Matrix};
use crate::metric::{Metric, MetricInput, MetricNeeds, MetricRegistry, MetricValue, Prediction};
use crate::metrics::ceiling::{BASELINE_MODEL, CEILING_MODEL, ceiling, normalised_rows};
use crate::model::{Query, cells_from_profiles};
use crate::runner::results::{ResultRow, RowStatus};
use std::path::PathBuf;
use std::time::Instant;
use thiserror::Error;

/// The scenario name of rows `evaluate` writes.
pub const SCENARIO: &str = "evaluate";

/// What to evaluate.
#[derive(Clone, Debug)]
pub struct Evaluation<'a> {
    pub truth: &'a Table,
    pub estimate: &'a Table,
    /// Metric names; `None` for every metric of the kind the truth holds.
    pub metrics: Option<&'a [String]>,
    /// The model name rows carry.
    pub model: &'a str,
    /// Seeds the ceiling's halves.
    pub seed: u64,
}

#[derive(Debug, Error)]
pub enum EvaluateError {
    #[error("{}: {message}", file.display())]
    Input { file: PathBuf, message: String },
    #[error("unknown metric `{name}`{hint} (known: {known})")]
    UnknownMetric { name: String, hint: String, known: String },
    #[error("metric `{metric}` scores {needs}, but {} holds {holds}", file.display())]
    WrongKind { metric: String, needs: &'static str, file: PathBuf, holds: &'static str },
}

/// The rows of every chosen metric on the files of `evaluation`.
pub fn evaluate(evaluation: &Evaluation<'_>, registry: &MetricRegistry) -> Result<Vec<ResultRow>, EvaluateError> {
    let (truth, estimate) = (evaluation.truth, evaluation.estimate);
    let needs = if truth.column(inputs::PERTURBATION).is_some() { MetricNeeds::Predictions } else { MetricNeeds::Latents };
    let metrics = choose(registry, evaluation, needs)?;
    let row = |model: &str, metric: &dyn Metric| ResultRow {
        scenario: SCENARIO.to_string(),
        point: Vec::new(),
        seed: evaluation.seed,
        model: model.to_string(),
        metric: metric.name().to_string(),
        time_point: None,
        value: None,
        seconds: 0.0,
        status: RowStatus::Ok,
        message: String::new(),
        job: None,
    };
    let mut rows = Vec::new();
    match needs {
        MetricNeeds::Latents => {
            let inputs = inputs::latents(truth, estimate)?;
            let encoded_rows: Vec<usize> = (0..truth.len()).collect();
            let input = MetricInput {
                dataset: &inputs.dataset,
                truth: &inputs.truth,
                encoded_rows: &encoded_rows,
                latents: Some(&inputs.estimate),
                predictions: None,
            };
            for metric in &metrics {
                rows.extend(scored(row(evaluation.model, *metric), &inputs.dataset, || metric.compute(&input)));
            }
        }
        MetricNeeds::Predictions => {
            let inputs = inputs::expression(truth, estimate)?;
            let baseline = control_mean_predictions(&inputs.dataset, &inputs.predictions);
            let conditions: Vec<_> = inputs.predictions.iter().map(|p| (p.perturbation.clone(), p.time_point)).collect();
            let dataset = &inputs.dataset;
            for metric in &metrics {
                let score = |predictions: &[Prediction]| metric.compute(&predictions_input(dataset, predictions));
                rows.extend(scored(row(evaluation.model, *metric), dataset, || score(&inputs.predictions)));
                rows.extend(scored(row(CEILING_MODEL, *metric), dataset, || {
                    ceiling(*metric, dataset, &conditions, evaluation.seed)
                }));
                if let Some(baseline) = &baseline {
                    rows.extend(scored(row(BASELINE_MODEL, *metric), dataset, || score(baseline)));
                }
            }
            let normalised = normalised_rows(&rows);
            rows.extend(normalised);
        }
    }
    Ok(rows)
}

/// The metrics the evaluation names (all of the kind `needs` by default),
/// each checked against what the truth file holds.
fn choose<'r>(
    registry: &'r MetricRegistry,
    evaluation: &Evaluation<'_>,
    needs: MetricNeeds,
) -> Result<Vec<&'r dyn Metric>, EvaluateError> {
    let Some(names) = evaluation.metrics else {
        return Ok(registry.iter().filter(|m| m.needs() == needs).collect());
    };
    let describe = |n: MetricNeeds| match n {
        MetricNeeds::Latents => "latents",
        MetricNeeds::Predictions => "expression",
    };
    names
        .iter()
        .map(|name| {
            let metric = registry.get(name).ok_or_else(|| {
                let known = registry.names();
                let hint = crate::config::nearest(name, known.iter().copied()).map_or(String::new(), |n| format!("; did you mean `{n}`?"));
                EvaluateError::UnknownMetric { name: name.clone(), hint, known: known.join(", ") }
            })?;
            if metric.needs() != needs {
                return Err(EvaluateError::WrongKind {
                    metric: name.clone(),
                    needs: describe(metric.needs()),
                    file: evaluation.truth.path().to_path_buf(),
                    holds: describe(needs),
                });
            }
            Ok(metric)
        })
        .collect()
}

/// The input of a prediction metric (which never looks at the truth).
fn predictions_input<'a>(dataset: &'a Dataset, predictions: &'a [Prediction]) -> MetricInput<'a> {
    static NO_TRUTH: std::sync::LazyLock<GroundTruth> = std::sync::LazyLock::new(|| GroundTruth {
        latents: Matrix::zeros(0, 0),
        blocks: Vec::new(),
        graph: LatentGraph::default(),
        target_latents: Vec::new(),
    });
    MetricInput { dataset, truth: &NO_TRUTH, encoded_rows: &[], latents: None, predictions: Some(predictions) }
}

/// The `control-mean` baseline's prediction of each condition: as many
/// cells as the truth has there, each the control mean at the nearest time
/// point with controls; `None` when the truth has no control cells.
fn control_mean_predictions(dataset: &Dataset, predictions: &[Prediction]) -> Option<Vec<Prediction>> {
    let observations = &dataset.observations;
    let controls = ControlMeans::new(&observations.condition_means());
    predictions
        .iter()
        .map(|p| {
            let n_cells = observations.rows_where(&p.perturbation, p.time_point).len() as u32;
            let query = Query { perturbation: p.perturbation.clone(), time_point: p.time_point, n_cells };
            let (_, mean) = controls.nearest(p.time_point)?;
            let cells = cells_from_profiles(std::slice::from_ref(&query), &[mean.to_vec()]).ok()?;
            Some(Prediction { perturbation: query.perturbation, time_point: query.time_point, cells })
        })
        .collect()
}

/// The rows of one metric's values (time points as time values), or one
/// error row.
fn scored(
    base: ResultRow,
    dataset: &Dataset,
    compute: impl FnOnce() -> Result<Vec<MetricValue>, crate::metric::MetricError>,
) -> Vec<ResultRow> {
    let started = Instant::now();
    let result = compute();
    let seconds = started.elapsed().as_secs_f64();
    let times = dataset.observations.time_values();
    match result {
        Ok(values) => values
            .into_iter()
            .map(|v| ResultRow {
                time_point: v.time_point.map(|t| times.get(t as usize).copied().unwrap_or(t as f32)),
                value: Some(v.value),
                seconds,
                ..base.clone()
            })
            .collect(),
        Err(e) => vec![ResultRow { status: RowStatus::Error, message: e.to_string(), seconds, ..base }],
    }
}
