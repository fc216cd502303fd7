//! `citebench run`: a scenario end to end, results.csv and a summary.

use crate::report;
use anyhow::{Context, Result, bail};
use citebench_core::abi::host::PluginCatalog;
use citebench_core::metric::MetricRegistry;
use citebench_core::runner::Engine;
use citebench_core::runner::results::ResultsWriter;
use citebench_core::runner::summary::Summary;
use citebench_core::scenario::Scenario;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    scenario: PathBuf,
    /// Output directory (default: results/<scenario name>).
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn execute(args: Args, plugin_dir: Option<&Path>) -> Result<()> {
    let scenario = Scenario::load(&args.scenario)?;
    let catalog = PluginCatalog::scan(&super::plugin_dir(plugin_dir, Some(&scenario)))?;
    let (simulators, metrics) = (super::simulators(), MetricRegistry::default());
    let engine = Engine { simulators: &simulators, metrics: &metrics };
    let plan = engine.plan(&scenario, &catalog)?;
    let out = args.out.unwrap_or_else(|| Path::new("results").join(&scenario.name));
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
    Ok(())
}
