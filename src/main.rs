//! The citebench command line: parses arguments and calls the engine in
//! `citebench-core`; every capability lives in a library a test can call.

mod report;

use anyhow::{Context, Result, bail};
use citebench_core::abi::host::{PluginCatalog, default_plugin_dir};
use citebench_core::metric::MetricRegistry;
use citebench_core::runner::Engine;
use citebench_core::runner::results::ResultsWriter;
use citebench_core::runner::summary::Summary;
use citebench_core::scenario::Scenario;
use citebench_core::simulator::SimulatorRegistry;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Parser)]
#[command(name = "citebench", version, about = "Find out when latent causal models of single-cell perturbations can be trusted")]
struct Cli {
    /// Directory holding the model plugins (default: beside this executable,
    /// or the scenario's `plugin_dir`).
    #[arg(long, global = true)]
    plugin_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario: simulate, train every model, score, write results.csv.
    Run {
        scenario: PathBuf,
        /// Output directory (default: results/<scenario name>).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check a scenario (keys, simulator config, plugins, hyperparameters,
    /// split) without training anything.
    Validate { scenario: PathBuf },
    /// List the plugins found, with their ABI version and capabilities, or
    /// why each was refused.
    Plugins,
}

fn simulators() -> SimulatorRegistry {
    let mut registry = SimulatorRegistry::default();
    registry.register(Box::new(citebench_latent_scm::LatentScm));
    registry
}

/// `--plugin-dir`, else the scenario's `plugin_dir` (relative to the
/// scenario file), else the directory of this executable.
fn plugin_dir(cli: Option<&Path>, scenario: Option<&Scenario>) -> PathBuf {
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

fn main() -> Result<()> {
    let cli = Cli::parse();
    let simulators = simulators();
    let metrics = MetricRegistry::default();
    let engine = Engine { simulators: &simulators, metrics: &metrics };
    match &cli.command {
        Command::Plugins => {
            let dir = plugin_dir(cli.plugin_dir.as_deref(), None);
            let catalog = PluginCatalog::scan(&dir)?;
            report::print_plugins(&catalog);
        }
        Command::Validate { scenario } => {
            let scenario = Scenario::load(scenario)?;
            let catalog = PluginCatalog::scan(&plugin_dir(cli.plugin_dir.as_deref(), Some(&scenario)))?;
            let plan = engine.plan(&scenario, &catalog)?;
            println!(
                "{}: valid ({} seeds x {} models = {} jobs)",
                scenario.path.display(),
                scenario.seeds.len(),
                scenario.models.len(),
                plan.jobs()
            );
        }
        Command::Run { scenario, out } => {
            let scenario = Scenario::load(scenario)?;
            let catalog = PluginCatalog::scan(&plugin_dir(cli.plugin_dir.as_deref(), Some(&scenario)))?;
            let plan = engine.plan(&scenario, &catalog)?;
            let out = out.clone().unwrap_or_else(|| Path::new("results").join(&scenario.name));
            std::fs::create_dir_all(&out).with_context(|| format!("cannot create output directory {}", out.display()))?;
            let mut writer = ResultsWriter::create(&out.join("results.csv"))?;
            let mut progress = report::ProgressBar::new();
            let rows = engine.run(&plan, &mut writer, &mut progress)?;
            progress.finish();
            let summary = Summary::from_rows(&rows);
            report::print_summary(&scenario, &summary);
            println!("results: {}", writer.path().display());
            if summary.cells.is_empty() {
                bail!("no model produced any result; see the messages above");
            }
        }
    }
    Ok(())
}
