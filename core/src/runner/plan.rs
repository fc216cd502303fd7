//! Planning: every check that can fail, for every sweep point, before any
//! real work.
//!
//! The simulator and its configuration at each data point, the metrics,
//! each plugin (loaded, and created once with each distinct set of
//! hyperparameters the sweep gives it), and the split labels (against each
//! data point's target names, simulated with the first seed). An error at a
//! sweep point is placed on the line of the swept key that caused it.

use super::{Engine, RunPlan, split_spec};
use crate::abi::host::PluginCatalog;
use crate::config::{ConfigError, nearest};
use crate::model::ModelEnv;
use crate::scenario::{DataPoint, Point, Scenario, ScenarioError, SweptTarget};
use crate::simulator::SimulatorError;
use std::collections::HashSet;

impl<'a> Engine<'a> {
    /// Checks and resolves everything in `scenario`, failing on the first
    /// problem; `workers` is how many jobs will run at once, which sets
    /// each model's thread budget (see [`model_threads`]).
    pub fn plan(&self, scenario: &'a Scenario, catalog: &'a PluginCatalog, workers: usize) -> Result<RunPlan<'a>, ScenarioError> {
        let sim_name = &scenario.simulator.name;
        let simulator = self.simulators.get(sim_name).ok_or_else(|| {
            let names = self.simulators.names();
            let hint = nearest(sim_name, names.iter().copied());
            scenario.at_value(sim_name, format!("unknown simulator `{sim_name}` (known: {})", names.join(", ")), hint)
        })?;
        for data in scenario.data_points() {
            simulator.check(&data.config).map_err(|e| simulator_error(scenario, data, e))?;
        }

        let mut metrics = Vec::new();
        for name in &scenario.metrics {
            let metric = self.metrics.get(name).ok_or_else(|| {
                let names = self.metrics.names();
                let hint = nearest(name, names.iter().copied());
                scenario.at_value(name, format!("unknown metric `{name}` (known: {})", names.join(", ")), hint)
            })?;
            metrics.push(metric);
        }

        let workers = workers.max(1);
        let threads = model_threads(scenario, workers);
        let mut libraries = Vec::new();
        for spec in &scenario.models {
            let library = catalog.get(&spec.plugin).map_err(|e| {
                let names = catalog.names();
                let hint = nearest(&spec.plugin, names.iter().map(String::as_str));
                scenario.at_value(&spec.plugin, e.to_string(), hint)
            })?;
            libraries.push(library);
        }
        // Creating a model checks its hyperparameters; it is dropped at once.
        // The budget is the run's: a plugin may size a global pool on its
        // first creation.
        let mut checked = HashSet::new();
        for job in scenario.jobs() {
            if !checked.insert((job.model, &job.spec.hyperparameters)) {
                continue;
            }
            let env = ModelEnv { threads, seed: 0, device: scenario.device.clone() };
            if let Err(e) = libraries[job.model].create(&job.spec.hyperparameters, &env) {
                return Err(model_error(scenario, &job.spec.label, job.spec.start, &job.point, &e.to_string()));
            }
        }

        for data in scenario.data_points() {
            let at_point = |e: ScenarioError| with_point(scenario, &data.point, e);
            let first = simulator.simulate(&data.config, scenario.seeds[0]).map_err(|e| simulator_error(scenario, data, e))?;
            split_spec(scenario, &data.split, &first).map_err(at_point)?;
        }
        Ok(RunPlan { scenario, simulator, metrics, libraries, workers, threads })
    }
}

/// Threads each model may use: the scenario's `threads`, else the
/// machine's cores shared evenly among the jobs that run at once (at least
/// one each), so `workers` models do not each size a pool to the machine.
pub fn model_threads(scenario: &Scenario, workers: usize) -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    scenario.threads.unwrap_or((cores / workers.max(1)).max(1) as u32)
}

/// The swept key of `point` whose path ends in `key`, among those `wanted` selects.
fn swept_key_named(scenario: &Scenario, point: &Point, key: Option<&str>, wanted: impl Fn(&SweptTarget) -> bool) -> Option<usize> {
    let mine: Vec<usize> = point.iter().map(|(k, _)| *k).filter(|&k| wanted(&scenario.sweep.keys[k].target)).collect();
    let named = key.and_then(|key| mine.iter().copied().find(|&k| scenario.sweep.keys[k].path.split('.').any(|s| s == key)));
    match key {
        // An unknown key that no swept path names is in the base table.
        Some(_) => named,
        None => named.or(mine.first().copied()),
    }
}

fn simulator_error(scenario: &Scenario, data: &DataPoint, e: SimulatorError) -> ScenarioError {
    let config = match e {
        SimulatorError::Config(c) => c,
        SimulatorError::Failed(message) => {
            return with_point(scenario, &data.point, ScenarioError::Invalid { file: scenario.path.clone(), message });
        }
    };
    let is_simulator = |t: &SweptTarget| matches!(t, SweptTarget::Simulator(_));
    match swept_key_named(scenario, &data.point, config.unknown_key.as_deref(), is_simulator) {
        Some(k) => scenario.at_swept_key(
            k,
            format!("in [sweep] at {}: {}", scenario.point_label(&data.point), config.message),
            config.nearest_key(),
        ),
        None => with_point(scenario, &data.point, scenario.locate(scenario.simulator.config_start, "[simulator.config]", &config)),
    }
}

fn model_error(scenario: &Scenario, label: &str, start: usize, point: &Point, message: &str) -> ScenarioError {
    let config = ConfigError::from_serde_message(message);
    let is_mine = |t: &SweptTarget| matches!(t, SweptTarget::Model { label: l, .. } if l == label);
    match swept_key_named(scenario, point, config.unknown_key.as_deref(), is_mine) {
        Some(k) => {
            let message = format!("in hyperparameters of model `{label}` at {}: {}", scenario.point_label(point), config.message);
            scenario.at_swept_key(k, message, config.nearest_key())
        }
        None => scenario.locate(start, &format!("hyperparameters of model `{label}`"), &config),
    }
}

/// Adds "at sweep point ..." to an error's message when there is a sweep.
fn with_point(scenario: &Scenario, point: &Point, error: ScenarioError) -> ScenarioError {
    if point.is_empty() {
        return error;
    }
    let at = format!("at sweep point {}: ", scenario.point_label(point));
    match error {
        ScenarioError::At { file, line, column, message, hint } => ScenarioError::At { file, line, column, message: at + &message, hint },
        ScenarioError::Invalid { file, message } => ScenarioError::Invalid { file, message: at + &message },
        other => other,
    }
}
