//! The engine that runs a scenario: plan (check everything), then for each
//! seed simulate, split, and run every model, writing each result row as
//! soon as it exists.
//!
//! Planning does every check that can fail before any real work: the
//! simulator, its configuration, the metrics, each plugin (loaded and
//! created with its hyperparameters), and the split labels (against the
//! first seed's simulated target names). After that, a failing model is an
//! error row and the run goes on.

mod job;
pub mod results;
pub mod summary;

use crate::abi::host::{PluginCatalog, PluginLibrary};
use crate::config::{ConfigError, nearest};
use crate::data::{Perturbation, Simulation, SplitSpec};
use crate::metric::{Metric, MetricRegistry};
use crate::model::ModelEnv;
use crate::scenario::{ModelSpec, Scenario, ScenarioError};
use crate::simulator::{Simulator, SimulatorError, SimulatorRegistry};
use results::{ResultRow, ResultsWriter, RowStatus};
use std::io;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum RunError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("writing results: {0}")]
    Io(#[from] io::Error),
}

/// Hears about a run's progress; the CLI draws a progress bar with it.
pub trait RunObserver {
    fn started(&mut self, _jobs: usize) {}
    /// A (seed, model) job begins.
    fn job_started(&mut self, _seed: u64, _model: &str) {}
    fn fit_progress(&mut self, _fraction: f32) {}
    fn job_finished(&mut self) {}
    fn row_written(&mut self, _row: &ResultRow) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl RunObserver for Quiet {}

/// A scenario whose every part has been checked and resolved.
pub struct RunPlan<'a> {
    pub scenario: &'a Scenario,
    simulator: &'a dyn Simulator,
    metrics: Vec<&'a dyn Metric>,
    models: Vec<(&'a ModelSpec, &'a PluginLibrary)>,
    /// The first seed's simulation, made while checking the split and reused.
    first: Simulation,
    threads: u32,
}

impl RunPlan<'_> {
    /// How many (seed, model) jobs the run has.
    pub fn jobs(&self) -> usize {
        self.scenario.seeds.len() * self.models.len()
    }
}

/// What a run needs besides the scenario: the simulators and metrics it may name.
pub struct Engine<'a> {
    pub simulators: &'a SimulatorRegistry,
    pub metrics: &'a MetricRegistry,
}

impl<'a> Engine<'a> {
    /// Checks and resolves everything in `scenario`, failing on the first problem.
    pub fn plan(&self, scenario: &'a Scenario, catalog: &'a PluginCatalog) -> Result<RunPlan<'a>, ScenarioError> {
        let sim_name = &scenario.simulator.name;
        let simulator = self.simulators.get(sim_name).ok_or_else(|| {
            let names = self.simulators.names();
            let hint = nearest(sim_name, names.iter().copied());
            scenario.at_value(sim_name, format!("unknown simulator `{sim_name}` (known: {})", names.join(", ")), hint)
        })?;
        let located = |e: SimulatorError| match e {
            SimulatorError::Config(c) => scenario.locate(scenario.simulator.config_start, "[simulator.config]", &c),
            SimulatorError::Failed(message) => ScenarioError::Invalid { file: scenario.path.clone(), message },
        };
        simulator.check(&scenario.simulator.config).map_err(located)?;

        let mut metrics = Vec::new();
        for name in &scenario.metrics {
            let metric = self.metrics.get(name).ok_or_else(|| {
                let names = self.metrics.names();
                let hint = nearest(name, names.iter().copied());
                scenario.at_value(name, format!("unknown metric `{name}` (known: {})", names.join(", ")), hint)
            })?;
            metrics.push(metric);
        }

        let threads = scenario.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u32));
        let mut models = Vec::new();
        for spec in &scenario.models {
            let library = catalog.get(&spec.plugin).map_err(|e| {
                let names = catalog.names();
                let hint = nearest(&spec.plugin, names.iter().map(String::as_str));
                scenario.at_value(&spec.plugin, e.to_string(), hint)
            })?;
            // Creating a model checks its hyperparameters; it is dropped at once.
            if let Err(e) = library.create(&spec.hyperparameters, &ModelEnv { threads, seed: 0, device: scenario.device.clone() }) {
                let message = e.to_string();
                let config = ConfigError::from_serde_message(&message);
                return Err(scenario.locate(spec.start, &format!("hyperparameters of model `{}`", spec.label), &config));
            }
            models.push((spec, library));
        }

        let first = simulator.simulate(&scenario.simulator.config, scenario.seeds[0]).map_err(located)?;
        split_spec(scenario, &first)?;
        Ok(RunPlan { scenario, simulator, metrics, models, first, threads })
    }

    /// Runs a plan, writing rows as they come; returns every row written.
    pub fn run(
        &self,
        plan: &RunPlan<'_>,
        writer: &mut ResultsWriter,
        observer: &mut dyn RunObserver,
    ) -> Result<Vec<ResultRow>, RunError> {
        let scenario = plan.scenario;
        observer.started(plan.jobs());
        let mut rows = Vec::new();
        let mut emit = |row: ResultRow, observer: &mut dyn RunObserver| -> io::Result<()> {
            writer.write(&row)?;
            observer.row_written(&row);
            rows.push(row);
            Ok(())
        };
        for (k, &seed) in scenario.seeds.iter().enumerate() {
            let simulated = if k == 0 { Ok(plan.first.clone()) } else { plan.simulator.simulate(&scenario.simulator.config, seed) };
            let simulation = match simulated {
                Ok(s) => s,
                Err(e) => {
                    emit(job::failure_row(scenario, seed, "-", format!("simulation failed: {e}")), observer)?;
                    (0..plan.models.len()).for_each(|_| observer.job_finished());
                    continue;
                }
            };
            let split = split_spec(scenario, &simulation)?;
            let data = job::SeedData::new(seed, simulation, &split);
            for (spec, library) in &plan.models {
                observer.job_started(seed, &spec.label);
                let env = ModelEnv { threads: plan.threads, seed, device: scenario.device.clone() };
                for row in job::run_model(scenario, &data, spec, library, env, &plan.metrics, observer) {
                    emit(row, observer)?;
                }
                observer.job_finished();
            }
        }
        Ok(rows)
    }
}

/// Resolves the scenario's split labels against a simulation's target names.
fn split_spec(scenario: &Scenario, simulation: &Simulation) -> Result<SplitSpec, ScenarioError> {
    let dataset = &simulation.dataset;
    let mut held_out_perturbations = Vec::new();
    for label in &scenario.split.held_out_perturbations {
        let p = Perturbation::parse(label, &dataset.target_names)
            .map_err(|e| scenario.at_value(label, format!("in [split]: {e}"), None))?;
        if !dataset.observations.perturbations().contains(&p) {
            return Err(scenario.at_value(label, format!("in [split]: perturbation `{label}` is not in the simulated data"), None));
        }
        held_out_perturbations.push(p);
    }
    let n_time_points = dataset.observations.n_time_points() as u32;
    if let Some(t) = scenario.split.held_out_time_points.iter().find(|&&t| t >= n_time_points) {
        return Err(ScenarioError::Invalid {
            file: scenario.path.clone(),
            message: format!("[split] held_out_time_points: time point {t} does not exist (there are {n_time_points})"),
        });
    }
    Ok(SplitSpec { held_out_perturbations, held_out_time_points: scenario.split.held_out_time_points.clone() })
}

impl ResultRow {
    /// An `ok` row with no value yet, for `model` and `metric` of a scenario.
    pub fn new(scenario: &Scenario, seed: u64, model: &str, metric: &str) -> Self {
        Self {
            scenario: scenario.name.clone(),
            seed,
            model: model.to_string(),
            metric: metric.to_string(),
            time_point: None,
            value: None,
            seconds: 0.0,
            status: RowStatus::Ok,
            message: String::new(),
        }
    }
}
