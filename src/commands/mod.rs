//! The subcommands, one module each, and what they share: the simulators
//! this binary knows and where plugins are looked for.

mod bench;
mod evaluate;
mod jobs;
mod merge;
mod plot;
mod plugins;
mod render;
mod run;
mod simulate;
mod summary;
mod validate;

use anyhow::Result;
use citebench_core::abi::host::default_plugin_dir;
use citebench_core::scenario::Scenario;
use citebench_core::simulator::SimulatorRegistry;
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum Command {
    /// Run a scenario: simulate, train every model, score, write results.csv.
    Run(run::Args),
    /// Check a scenario (keys, simulator config, plugins, hyperparameters,
    /// split) without training anything.
    Validate(validate::Args),
    /// List the plugins found, with their ABI version and capabilities, or
    /// why each was refused.
    Plugins,
    /// List a scenario's jobs (id, sweep point, seed, model), or one shard's.
    Jobs(jobs::Args),
    /// Join the results of a scenario's shards, checking that no job is
    /// missing or duplicated.
    Merge(merge::Args),
    /// Plot a results.csv: each metric against each swept key.
    Plot(plot::Args),
    /// Print a results.csv's summary table again, or as Markdown (--markdown).
    Summary(summary::Args),
    /// Time a scenario's run and report the runner's scheduling overhead.
    Bench(bench::Args),
    /// Simulate a scenario's data and write it as .h5ad (AnnData) or .csv.
    Simulate(simulate::Args),
    /// Render a scenario's image observations (causal3dident) as PNG
    /// samples and a contact sheet of trajectories.
    Render(render::Args),
    /// Score a model's saved outputs (CSV or .h5ad) against the truth: latents or
    /// predicted cells; writes results.csv like `run`.
    Evaluate(evaluate::Args),
}

pub fn execute(command: Command, plugin_dir: Option<&Path>) -> Result<()> {
    match command {
        Command::Run(args) => run::execute(args, plugin_dir),
        Command::Validate(args) => validate::execute(args, plugin_dir),
        Command::Plugins => plugins::execute(plugin_dir),
        Command::Simulate(args) => simulate::execute(args),
        Command::Jobs(args) => jobs::execute(args),
        Command::Merge(args) => merge::execute(args),
        Command::Plot(args) => plot::execute(args),
        Command::Summary(args) => summary::execute(args),
        Command::Bench(args) => bench::execute(args, plugin_dir),
        Command::Evaluate(args) => evaluate::execute(args),
        Command::Render(args) => render::execute(args),
    }
}

/// Every simulator (data source) a scenario can name; `scenario` is the
/// scenario file, whose folder relative data paths start from.
pub fn simulators(scenario: &Path) -> SimulatorRegistry {
    let mut registry = SimulatorRegistry::default();
    registry.register(Box::new(citebench_latent_scm::LatentScm));
    let folder = scenario.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    registry.register(Box::new(citebench_h5ad_source::H5adSource::new(folder)));
    registry.register(Box::new(citebench_causal3dident::Causal3dIdent));
    registry
}

/// `--plugin-dir`, else the scenario's `plugin_dir` (relative to the
/// scenario file), else the directory of this executable.
pub fn plugin_dir(cli: Option<&Path>, scenario: Option<&Scenario>) -> PathBuf {
    if let Some(dir) = cli {
        return dir.to_path_buf();
    }
    if let Some(s) = scenario
        && let Some(dir) = &s.plugin_dir
    {
        return s.path.parent().unwrap_or(Path::new(".")).join(dir);
    }
    default_plugin_dir()
}
