//! `citebench validate`: every check of `run`, for every sweep point,
//! without the work.

use anyhow::Result;
use citebench_core::abi::host::PluginCatalog;
use citebench_core::metric::MetricRegistry;
use citebench_core::runner::Engine;
use citebench_core::scenario::Scenario;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    scenario: PathBuf,
}

pub fn execute(args: Args, plugin_dir: Option<&Path>) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let catalog = PluginCatalog::scan(&super::plugin_dir(plugin_dir, Some(&scenario)))?;
    let (simulators, metrics) = (super::simulators(&scenario.path), MetricRegistry::default());
    let engine = Engine { simulators: &simulators, metrics: &metrics };
    engine.plan(&scenario, &catalog, 1)?;
    let (points, seeds, models, jobs) = (scenario.data_points().len(), scenario.seeds.len(), scenario.models.len(), scenario.jobs().len());
    let counts = if scenario.sweep.keys.is_empty() {
        format!("{seeds} seeds x {models} models = {jobs} jobs")
    } else if points * seeds * models == jobs {
        format!("{points} sweep points x {seeds} seeds x {models} models = {jobs} jobs")
    } else {
        format!("{jobs} jobs: {points} data points x {seeds} seeds, some models swept on their own")
    };
    println!("{}: valid ({counts})", scenario.path.display());
    Ok(())
}
