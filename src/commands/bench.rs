//! `citebench bench`: how much of a run the runner itself costs.
//!
//! Runs a scenario into a fresh temporary directory and compares the time
//! workers spent inside jobs (simulating, fitting, scoring) with the
//! capacity they had: workers x wall time, from the first job handed out
//! to results.csv put in job order. The difference is the scheduling
//! overhead: handing out jobs, passing rows back, writing and reordering
//! results.csv, and workers idle at the end. Planning, which creates every
//! model and simulates every data point once, is reported apart.

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
}

pub fn execute(args: Args, plugin_dir: Option<&Path>) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let catalog = PluginCatalog::scan(&super::plugin_dir(plugin_dir, Some(&scenario)))?;
    let (simulators, metrics) = (super::simulators(), MetricRegistry::default());
    let engine = Engine { simulators: &simulators, metrics: &metrics };
    let planning = Instant::now();
    let plan = engine.plan(&scenario, &catalog, usize::from(args.jobs))?;
    let planning = planning.elapsed();
    let dir = std::env::temp_dir().join(format!("citebench-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let jobs: Vec<&Job> = scenario.jobs().iter().collect();
    let outcome = engine.run(&plan, &jobs, &dir.join("results.csv"), false, &mut Quiet);
    if let Err(e) = std::fs::remove_dir_all(&dir) {
        eprintln!("warning: cannot remove {}: {e}", dir.display());
    }
    let stats = outcome?.stats;
    let (wall, busy) = (stats.wall.as_secs_f64(), stats.busy.as_secs_f64());
    let overhead = 1.0 - busy / (wall * stats.workers as f64);
    println!(
        "{} jobs on {} worker{}: {wall:.3} s wall, {busy:.3} s inside jobs; scheduling overhead {:.2}% \
         (planning {:.3} s, not counted)",
        stats.jobs,
        stats.workers,
        if stats.workers == 1 { "" } else { "s" },
        overhead * 100.0,
        planning.as_secs_f64()
    );
    Ok(())
}
