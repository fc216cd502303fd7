//! The engine that runs a scenario: plan (check everything), then run its
//! jobs on a pool of workers, writing each job's rows as it ends.
//!
//! Planning (module `plan`) does every check that can fail before any real
//! work, for every sweep point. After that, a failing model is an error row
//! and the run goes on. Module `pool` runs jobs in parallel; `results`
//! writes and reads results.csv; `collate` resumes, orders and merges it;
//! `summary` and `curves` condense it for the terminal and for plots.

pub mod collate;
pub mod curves;
mod job;
mod plan;
mod pool;
pub mod results;
pub mod summary;

use crate::abi::host::PluginLibrary;
use crate::data::{Perturbation, Simulation, SplitSpec};
use crate::metric::{Metric, MetricRegistry};
use crate::scenario::{Job, JobId, Scenario, ScenarioError, SplitLabels};
use crate::simulator::{Simulator, SimulatorRegistry};
use results::{ResultRow, ResultsError, ResultsTable, ResultsWriter, RowStatus};
use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum RunError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Results(#[from] ResultsError),
}

/// Hears about a run's progress; the CLI draws a progress bar with it.
/// Calls come from the thread that called [`Engine::run`], in the order
/// the workers' events arrive.
pub trait RunObserver {
    /// Whether to hear of jobs starting, progressing and finishing. Each
    /// event wakes the thread that called [`Engine::run`], which takes a
    /// core from the workers when all are busy; an observer that shows
    /// nothing says no, and then workers report nothing.
    fn follows_jobs(&self) -> bool {
        true
    }
    /// The run starts with `jobs` jobs to do.
    fn started(&mut self, _jobs: usize) {}
    /// Job number `job` (its index in the scenario) begins; `label` names it.
    fn job_started(&mut self, _job: usize, _label: &str) {}
    fn fit_progress(&mut self, _job: usize, _fraction: f32) {}
    /// Job `job` ended and its rows were written.
    fn job_finished(&mut self, _job: usize) {}
}

/// An observer that ignores everything.
pub struct Quiet;
impl RunObserver for Quiet {
    fn follows_jobs(&self) -> bool {
        false
    }
}

/// A scenario whose every part has been checked and resolved.
pub struct RunPlan<'a> {
    pub scenario: &'a Scenario,
    simulator: &'a dyn Simulator,
    metrics: Vec<&'a dyn Metric>,
    /// The plugin of each model, in scenario order.
    libraries: Vec<&'a PluginLibrary>,
    /// Jobs run at once.
    pub workers: usize,
    /// Threads each model may use (`ModelEnv::threads`).
    pub threads: u32,
}

/// How a run went: the basis of the scheduling-overhead benchmark.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RunStats {
    /// Jobs run now; a resumed run does not count those it found done.
    pub jobs: usize,
    pub workers: usize,
    /// From the first job handed out to the results put in job order.
    pub wall: Duration,
    /// Time workers spent inside jobs (simulating, fitting, scoring), summed.
    pub busy: Duration,
}

/// What a run needs besides the scenario: the simulators and metrics it may name.
pub struct Engine<'a> {
    pub simulators: &'a SimulatorRegistry,
    pub metrics: &'a MetricRegistry,
}

/// A finished run: its statistics and every row of its results file.
pub struct RunOutcome {
    pub stats: RunStats,
    /// Jobs a resumed run found complete and did not run again.
    pub resumed: usize,
    /// The results file, in job order.
    pub table: ResultsTable,
}

impl Engine<'_> {
    /// Runs `jobs` (some of the plan's scenario's, in job order) on the
    /// plan's workers, writing each job's rows to `results` when it ends,
    /// then puts the file in job order. With `resume`, an existing
    /// `results` is completed (see [`collate::resume`]); without, an
    /// existing file is an error.
    pub fn run(
        &self,
        plan: &RunPlan<'_>,
        jobs: &[&Job],
        results: &Path,
        resume: bool,
        observer: &mut dyn RunObserver,
    ) -> Result<RunOutcome, RunError> {
        let (mut writer, mut done) = if resume && results.exists() {
            collate::resume(results, plan.scenario, jobs)?
        } else {
            (ResultsWriter::create(results, &plan.scenario.swept_paths())?, Vec::new())
        };
        let resumed = done.len();
        let complete: HashSet<JobId> = done.iter().map(|j| j.id).collect();
        let pending: Vec<&Job> = jobs.iter().filter(|j| !complete.contains(&j.id)).copied().collect();
        let started = std::time::Instant::now();
        let worked = pool::run(plan, &pending, &mut writer, observer)?;
        drop(writer);
        done.extend(worked.written);
        let table = collate::finalize(results, plan.scenario, jobs, done)?;
        let stats = RunStats { jobs: pending.len(), workers: worked.workers, wall: started.elapsed(), busy: worked.busy };
        Ok(RunOutcome { stats, resumed, table })
    }
}

/// Resolves split labels against a simulation's target names.
fn split_spec(scenario: &Scenario, labels: &SplitLabels, simulation: &Simulation) -> Result<SplitSpec, ScenarioError> {
    let dataset = &simulation.dataset;
    let mut held_out_perturbations = Vec::new();
    for label in &labels.held_out_perturbations {
        let p = Perturbation::parse(label, &dataset.target_names)
            .map_err(|e| scenario.at_value(label, format!("in [split]: {e}"), None))?;
        if !dataset.observations.perturbations().contains(&p) {
            return Err(scenario.at_value(label, format!("in [split]: perturbation `{label}` is not in the simulated data"), None));
        }
        held_out_perturbations.push(p);
    }
    let n_time_points = dataset.observations.n_time_points() as u32;
    if let Some(t) = labels.held_out_time_points.iter().find(|&&t| t >= n_time_points) {
        return Err(ScenarioError::Invalid {
            file: scenario.path.clone(),
            message: format!("[split] held_out_time_points: time point {t} does not exist (there are {n_time_points})"),
        });
    }
    Ok(SplitSpec { held_out_perturbations, held_out_time_points: labels.held_out_time_points.clone() })
}

impl ResultRow {
    /// An `ok` row with no value yet, for `model` and `metric` of a scenario;
    /// the runner sets its job and sweep point when the job ends.
    pub fn new(scenario: &Scenario, seed: u64, model: &str, metric: &str) -> Self {
        Self {
            scenario: scenario.name.clone(),
            point: Vec::new(),
            seed,
            model: model.to_string(),
            metric: metric.to_string(),
            time_point: None,
            value: None,
            seconds: 0.0,
            status: RowStatus::Ok,
            message: String::new(),
            job: None,
        }
    }
}
