//! The subcommands, one module each, and what they share: the simulators
//! this binary knows and where plugins are looked for.

mod plugins;
mod run;
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
}

pub fn execute(command: Command, plugin_dir: Option<&Path>) -> Result<()> {
    match command {
        Command::Run(args) => run::execute(args, plugin_dir),
        Command::Validate(args) => validate::execute(args, plugin_dir),
        Command::Plugins => plugins::execute(plugin_dir),
    }
}

/// Every simulator a scenario can name.
pub fn simulators() -> SimulatorRegistry {
    let mut registry = SimulatorRegistry::default();
    registry.register(Box::new(citebench_latent_scm::LatentScm));
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
