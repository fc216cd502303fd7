//! `citebench bench`: how much of a run the runner itself costs.
//!
//! Runs a scenario into a fresh temporary directory and compares the time
//! workers spent inside jobs (simulating, fitting, scoring) with the
//! capacity they had: workers x wall time, from the first job handed out
//! to results.csv put in job order. The difference is the scheduling
//! overhead: handing out jobs, passing rows back, writing and reordering
//! results.csv, and workers idle at the end. Planning, which creates every
//! model and simulates every data point once, is reported apart. The run is
//! repeated and the median reported, with the range: on a busy machine a
//! single run's overhead mostly measures the other processes.

use anyhow::{Context, Result};
use citebench_core::abi::host::PluginCatalog;
use citebench_core::metric::MetricRegistry;
use citebench_core::runner::{Engine, Quiet};
use citebench_core::scenario::{Job, Scenario};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario to time, such as scenarios/bench-small-jobs.toml.
    scenario: PathBuf,
    /// Jobs run at once, as for `run`.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: u16,
    /// How many times to run the scenario.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..))]
    repeat: u16,
}

pub fn execute(args: Args, plugin_dir: Option<&Path>) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let catalog = PluginCatalog::scan(&super::plugin_dir(plugin_dir, Some(&scenario)))?;
    let (simulators, metrics) = (super::simulators(&scenario.path), MetricRegistry::default());
    let engine = Engine { simulators: &simulators, metrics: &metrics };
    let planning = Instant::now();
    let plan = engine.plan(&scenario, &catalog, usize::from(args.jobs))?;
    let planning = planning.elapsed();
    let jobs: Vec<&Job> = scenario.jobs().iter().collect();
    let mut runs = Vec::new();
    for run in 0..args.repeat {
        let dir = std::env::temp_dir().join(format!("citebench-bench-{}-{run}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let outcome = engine.run(&plan, &jobs, &dir.join("results.csv"), false, &mut Quiet);
        if let Err(e) = std::fs::remove_dir_all(&dir) {
            eprintln!("warning: cannot remove {}: {e}", dir.display());
        }
        let stats = outcome?.stats;
        let (wall, busy) = (stats.wall.as_secs_f64(), stats.busy.as_secs_f64());
        runs.push((1.0 - busy / (wall * stats.workers as f64), wall, busy, stats.workers));
    }
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (overhead, wall, busy, workers) = runs[runs.len() / 2];
    let (best, worst) = (runs[0].0, runs[runs.len() - 1].0);
    println!(
        "{} jobs on {workers} worker{}, {} runs: scheduling overhead {:.2}% median ({:.2}% to {:.2}%); \
         median run {wall:.3} s wall, {busy:.3} s inside jobs; planning {:.3} s, not counted",
        jobs.len(),
        if workers == 1 { "" } else { "s" },
        runs.len(),
        overhead * 100.0,
        best * 100.0,
        worst * 100.0,
        planning.as_secs_f64()
    );
    Ok(())
}
