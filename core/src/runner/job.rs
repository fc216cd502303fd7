//! One job: one model trained and scored on one seed's data.
//!
//! Everything that can go wrong with a model (creation, a failed or
//! panicking fit, invalid output) becomes a row with status `error`, and a
//! metric the model cannot feed becomes a row with status `skipped`; the
//! run always goes on to the next job.

use super::results::{ResultRow, RowStatus};
use crate::abi::host::{PluginLibrary, PluginModel};
use crate::data::{Observations, Perturbation, Simulation, SplitSpec};
use crate::metric::{Metric, MetricInput, MetricNeeds, Prediction};
use crate::metrics::ceiling::{CEILING_MODEL, ceiling};
use crate::model::{Capabilities, ModelEnv, Query};
use crate::scenario::{ModelSpec, Scenario};
use std::time::Instant;

/// A seed's simulation with its split, shared by every model of the seed.
pub(super) struct SeedData {
    seed: u64,
    simulation: Simulation,
    train_rows: Vec<usize>,
    train: Observations,
    /// Held-out (perturbation, time point) conditions a model must predict.
    targets: Vec<(Perturbation, u32)>,
}

impl SeedData {
    pub(super) fn new(seed: u64, simulation: Simulation, spec: &SplitSpec) -> Self {
        let obs = &simulation.dataset.observations;
        let split = spec.apply(obs);
        let train = obs.subset(&split.train);
        let targets = spec.prediction_targets(obs, &split.test);
        Self { seed, train_rows: split.train, train, targets, simulation }
    }
}

/// A model output, or why there is none.
enum Output<T> {
    Ready(T),
    Skipped(String),
    Failed(String),
}

pub(super) fn failure_row(scenario: &Scenario, seed: u64, model: &str, message: String) -> ResultRow {
    ResultRow { status: RowStatus::Error, message, ..ResultRow::new(scenario, seed, model, "-") }
}

pub(super) fn run_model(
    scenario: &Scenario,
    data: &SeedData,
    spec: &ModelSpec,
    library: &PluginLibrary,
    env: ModelEnv,
    metrics: &[&dyn Metric],
    progress: &mut dyn FnMut(f32),
) -> Vec<ResultRow> {
    let mut rows = score_model(scenario, data, spec, library, env, metrics, progress);
    // The noise ceiling depends on the data alone: the jobs of the first
    // model write it, once per sweep point and seed (decision 0003).
    if scenario.models.first().is_some_and(|first| first.label == spec.label) {
        rows.extend(ceiling_rows(scenario, data, metrics));
    }
    rows
}

/// The rows of one model's metrics.
fn score_model(
    scenario: &Scenario,
    data: &SeedData,
    spec: &ModelSpec,
    library: &PluginLibrary,
    env: ModelEnv,
    metrics: &[&dyn Metric],
    progress: &mut dyn FnMut(f32),
) -> Vec<ResultRow> {
    // A model that does not read images would take each pixel for a gene:
    // skip it, saying why, rather than train it on meaningless features.
    if let Some(shape) = data.train.image()
        && !library.capabilities().contains(Capabilities::IMAGES)
    {
        let reason = format!("{} does not accept image observations (images of {shape})", spec.plugin);
        return metrics
            .iter()
            .map(|m| ResultRow {
                status: RowStatus::Skipped,
                message: reason.clone(),
                ..ResultRow::new(scenario, data.seed, &spec.label, m.name())
            })
            .collect();
    }
    let started = Instant::now();
    let fitted = library.create(&spec.hyperparameters, &env).and_then(|mut model| {
        model.fit(&data.train, progress)?;
        Ok(model)
    });
    let mut model = match fitted {
        Ok(m) => m,
        Err(e) => return vec![failure_row(scenario, data.seed, &spec.label, e.to_string())],
    };
    let fit_seconds = started.elapsed().as_secs_f64();
    let needs = |n: MetricNeeds| metrics.iter().any(|m| m.needs() == n);
    let capabilities = library.capabilities();

    let (latents, encode_seconds) = timed(|| {
        if !needs(MetricNeeds::Latents) {
            Output::Skipped(String::new())
        } else if !data.simulation.truth.has_latents() {
            Output::Skipped(format!("the data ({}) have no true latents to score encoded latents against", scenario.simulator.name))
        } else if !capabilities.contains(Capabilities::ENCODE) {
            Output::Skipped(format!("{} cannot encode observations to latents", spec.plugin))
        } else {
            model.encode(&data.train).map_or_else(|e| Output::Failed(e.to_string()), Output::Ready)
        }
    });
    let (predictions, predict_seconds) = timed(|| {
        if !needs(MetricNeeds::Predictions) {
            Output::Skipped(String::new())
        } else if !capabilities.contains(Capabilities::PREDICT) {
            Output::Skipped(format!("{} cannot predict perturbation responses", spec.plugin))
        } else if data.targets.is_empty() {
            Output::Skipped("the split holds out no perturbed condition to predict".into())
        } else {
            predict(&mut model, data)
        }
    });

    let mut rows = Vec::new();
    for metric in metrics {
        let base = ResultRow::new(scenario, data.seed, &spec.label, metric.name());
        let (latents, predictions, seconds) = match metric.needs() {
            MetricNeeds::Latents => match &latents {
                Output::Ready(l) => (Some(l), None, fit_seconds + encode_seconds),
                other => {
                    rows.push(missing(base, other));
                    continue;
                }
            },
            MetricNeeds::Predictions => match &predictions {
                Output::Ready(p) => (None, Some(p.as_slice()), fit_seconds + predict_seconds),
                other => {
                    rows.push(missing(base, other));
                    continue;
                }
            },
        };
        let input = MetricInput {
            dataset: &data.simulation.dataset,
            truth: &data.simulation.truth,
            encoded_rows: &data.train_rows,
            latents,
            predictions,
        };
        match metric.compute(&input) {
            Ok(values) => {
                let times = data.simulation.dataset.observations.time_values();
                rows.extend(values.into_iter().map(|v| ResultRow {
                    time_point: v.time_point.map(|t| time_value(times, t)),
                    value: Some(v.value),
                    seconds,
                    ..base.clone()
                }));
            }
            Err(e) => rows.push(ResultRow { status: RowStatus::Error, message: e.to_string(), seconds, ..base }),
        }
    }
    rows
}

/// The bootstrap ceiling of each prediction metric, as rows of model
/// `ceiling` (see [`crate::metrics::ceiling`]).
fn ceiling_rows(scenario: &Scenario, data: &SeedData, metrics: &[&dyn Metric]) -> Vec<ResultRow> {
    if data.targets.is_empty() {
        return Vec::new();
    }
    let dataset = &data.simulation.dataset;
    let mut rows = Vec::new();
    for metric in metrics.iter().filter(|m| m.needs() == MetricNeeds::Predictions) {
        let base = ResultRow::new(scenario, data.seed, CEILING_MODEL, metric.name());
        let (result, seconds) = timed(|| ceiling(*metric, dataset, &data.targets, data.seed));
        match result {
            Ok(values) => rows.extend(values.into_iter().map(|v| ResultRow {
                time_point: v.time_point.map(|t| time_value(dataset.observations.time_values(), t)),
                value: Some(v.value),
                seconds,
                ..base.clone()
            })),
            Err(e) => rows.push(ResultRow { status: RowStatus::Error, message: e.to_string(), seconds, ..base }),
        }
    }
    rows
}

/// The time value of time point `t`, as results files write it.
fn time_value(times: &[f32], t: u32) -> f32 {
    times.get(t as usize).copied().unwrap_or(t as f32)
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let started = Instant::now();
    let out = f();
    (out, started.elapsed().as_secs_f64())
}

/// The row for a metric whose input is missing.
fn missing<T>(base: ResultRow, output: &Output<T>) -> ResultRow {
    match output {
        Output::Skipped(reason) => ResultRow { status: RowStatus::Skipped, message: reason.clone(), ..base },
        Output::Failed(reason) => ResultRow { status: RowStatus::Error, message: reason.clone(), ..base },
        Output::Ready(_) => base,
    }
}

/// Asks the model for as many cells as the truth has in each held-out condition.
fn predict(model: &mut PluginModel, data: &SeedData) -> Output<Vec<Prediction>> {
    let obs = &data.simulation.dataset.observations;
    let queries: Vec<Query> = data
        .targets
        .iter()
        .map(|(p, t)| Query { perturbation: p.clone(), time_point: *t, n_cells: obs.rows_where(p, *t).len() as u32 })
        .collect();
    let cells = match model.predict(&queries) {
        Ok(c) => c,
        Err(e) => return Output::Failed(e.to_string()),
    };
    let mut start = 0;
    let predictions = queries
        .into_iter()
        .map(|q| {
            let rows: Vec<usize> = (start..start + q.n_cells as usize).collect();
            start += q.n_cells as usize;
            Prediction { perturbation: q.perturbation, time_point: q.time_point, cells: cells.select_rows(&rows) }
        })
        .collect();
    Output::Ready(predictions)
}
