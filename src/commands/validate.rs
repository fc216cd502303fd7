//! `citebench validate`: every check of `run`, without the work.

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
    let (simulators, metrics) = (super::simulators(), MetricRegistry::default());
    let engine = Engine { simulators: &simulators, metrics: &metrics };
    let plan = engine.plan(&scenario, &catalog)?;
    println!(
        "{}: valid ({} seeds x {} models = {} jobs)",
        scenario.path.display(),
        scenario.seeds.len(),
        scenario.models.len(),
        plan.jobs()
    );
    Ok(())
}
